#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build conntrackd (and conntrack) 1.4.7 with the patch series in this
# directory, linked statically against libnetfilter_conntrack 1.0.9 with
# its own series, so the host's libnetfilter-conntrack3 stays as it is.
#
# Sources: `apt-get source` where the Debian mirror serves source
# packages (their .orig tarballs are the upstream releases), else the
# upstream tarballs in ../shared/vendor/ (PPTP_ALG_VENDOR overrides).
# The result is cached under ${PPTP_ALG_CACHE:-/var/cache/pptp-alg}/
# conntrack-tools/, keyed by a hash of the tarballs, the patches and this
# script: a second run with nothing changed only prints the paths.
#
# Prints, on stdout and nothing else:
#   conntrackd=/path/to/sbin/conntrackd
#   conntrack=/path/to/sbin/conntrack
#   prefix=/path/to/the/install/prefix    (lib/libnetfilter_conntrack.a,
#                                         include/, the build trees are
#                                         next to it in ../src)
#   lnfct_tar=, ctt_tar=                  the tarballs it was built from
# Logs go to stderr and to build.log in the build directory.
#
# --stock builds the same without any patch (cached apart), for test.sh's
# baseline.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${PPTP_ALG_CACHE:-/var/cache/pptp-alg}/conntrack-tools
VENDOR=${PPTP_ALG_VENDOR:-$REPO/../shared/vendor}

LNFCT=libnetfilter_conntrack-1.0.9
CTT=conntrack-tools-1.4.7
# Debian source package names and the versions of bookworm's binaries.
LNFCT_DSC=libnetfilter-conntrack
CTT_DSC=conntrack-tools

PACKAGES=(
	build-essential patch autoconf automake libtool pkg-config
	bison flex
	libmnl-dev libnfnetlink-dev
	libnetfilter-cttimeout-dev libnetfilter-cthelper-dev
	libnetfilter-queue-dev libtirpc-dev libsystemd-dev
)

log() { printf 'conntrack-tools: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

install_deps() {
	local pkg status missing=()

	for pkg in "${PACKAGES[@]}"; do
		status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" \
			 2>/dev/null || true)
		[[ $status == ii* ]] || missing+=("$pkg")
	done
	((${#missing[@]} == 0)) && return 0
	((EUID == 0)) || die "missing packages (${missing[*]}), not root"
	log "installing ${missing[*]}"
	apt-get update -q >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "${missing[@]}" >&2
}

# $1: source package, $2: upstream version, $3: destination directory.
# Downloads the source package's .orig tarball, if the mirror serves
# source packages at all, and prints its path.
apt_source_orig() {
	local pkg=$1 ver=$2 dst=$3 f

	apt-cache showsrc "$pkg" 2>/dev/null | grep -q "^Version: .*$ver" ||
		return 1
	mkdir -p "$dst"
	(cd "$dst" && apt-get source -q --download-only "$pkg" >&2) ||
		return 1
	for f in "$dst/${pkg}_$ver.orig.tar."*; do
		[[ -f $f && $f != *.asc ]] && { echo "$f"; return 0; }
	done
	return 1
}

# $1: upstream name-version, $2: source package, $3: upstream version.
find_tarball() {
	local f

	f=$(apt_source_orig "$2" "$3" "$CACHE/apt-source" 2>/dev/null) &&
		{ echo "$f"; return 0; }
	f=$VENDOR/$1.tar.gz
	[[ -f $f ]] || die "no source for $1: no deb-src, and no $f"
	echo "$f"
}

# $1: tarball, $2: directory to create, $3: series directory.
extract_and_patch() {
	local tarball=$1 dir=$2 series=$3 top p

	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	tar -xf "$tarball" -C "$dir.tmp"
	top=$(find "$dir.tmp" -mindepth 1 -maxdepth 1 -type d)
	[[ -n $top && $top != *$'\n'* ]] ||
		die "$tarball: not one top directory"
	mv "$top" "$dir"
	rmdir "$dir.tmp"
	((STOCK)) && return 0
	while read -r p; do
		[[ -z $p || $p == \#* ]] && continue
		log "applying $(basename "$series")/$p"
		patch -d "$dir" -p1 --batch --forward --quiet \
			<"$series/$p" >&2 || die "$p does not apply"
	done <"$series/series"
}

build() {
	local out=$1 jobs

	jobs=$(nproc)
	mkdir -p "$out/src"

	extract_and_patch "$LNFCT_TAR" "$out/src/$LNFCT" \
		"$HERE/libnetfilter_conntrack"
	log "building $LNFCT"
	(
		cd "$out/src/$LNFCT"
		autoreconf -fi
		./configure --prefix="$out/prefix" --disable-shared \
			--enable-static --with-pic
		nice make -j"$jobs"
		make install
	) >>"$out/build.log" 2>&1 || die "$LNFCT failed, see $out/build.log"

	extract_and_patch "$CTT_TAR" "$out/src/$CTT" \
		"$HERE/conntrack-tools"
	log "building $CTT"
	(
		cd "$out/src/$CTT"
		autoreconf -fi
		# The variables override pkg-config: link the static
		# library and what it needs, whatever version it claims.
		./configure --prefix="$out/prefix" --enable-systemd \
			LIBNETFILTER_CONNTRACK_CFLAGS="-I$out/prefix/include" \
			LIBNETFILTER_CONNTRACK_LIBS="$out/prefix/lib/libnetfilter_conntrack.a -lnfnetlink -lmnl"
		nice make -j"$jobs"
		make install
	) >>"$out/build.log" 2>&1 || die "$CTT failed, see $out/build.log"
}

main() {
	local key out

	STOCK=0
	case ${1:-} in
	--stock) STOCK=1 ;;
	"") ;;
	*) die "usage: $0 [--stock]" ;;
	esac
	install_deps
	LNFCT_TAR=$(find_tarball "$LNFCT" "$LNFCT_DSC" 1.0.9)
	CTT_TAR=$(find_tarball "$CTT" "$CTT_DSC" 1.4.7)

	key=$( {
		echo "stock=$STOCK"
		sha256sum "$LNFCT_TAR" "$CTT_TAR" | cut -d' ' -f1
		cat "$HERE/build.sh"
		for s in libnetfilter_conntrack conntrack-tools; do
			cat "$HERE/$s/series"
			while read -r p; do
				[[ -z $p || $p == \#* ]] || cat "$HERE/$s/$p"
			done <"$HERE/$s/series"
		done
	} | sha256sum | cut -c1-16)
	out=$CACHE/build-$key
	((STOCK)) && out=$CACHE/stock-$key

	mkdir -p "$CACHE"
	exec 9>"$CACHE/.lock"
	flock 9
	if [[ ! -f $out/.done ]]; then
		log "building in $out (sources: $LNFCT_TAR, $CTT_TAR)"
		rm -rf "$out"
		mkdir -p "$out"
		SECONDS=0
		build "$out"
		"$out/prefix/sbin/conntrackd" -v >&2
		touch "$out/.done"
		log "built in ${SECONDS}s"
		# older builds of the same kind are of no further use
		find "$CACHE" -mindepth 1 -maxdepth 1 -type d \
			-name "$(basename "${out%-*}")-*" ! -path "$out" \
			-exec rm -rf {} +
	fi
	flock -u 9

	echo "conntrackd=$out/prefix/sbin/conntrackd"
	echo "conntrack=$out/prefix/sbin/conntrack"
	echo "prefix=$out/prefix"
	echo "lnfct_tar=$LNFCT_TAR"
	echo "ctt_tar=$CTT_TAR"
}

main "$@"
