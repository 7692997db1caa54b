#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Stage a newer Debian kernel next to this Debian 12 machine, without
# touching the machine's own apt state or /lib/modules:
#
#   1. a private apt index of the kernel's suite under
#      $CACHE/kernels/<alias>/apt (own sources.list, lists, archives,
#      empty status);
#   2. the newest kernel of that suite's branch (image, or its binary/
#      modules/base split, and headers, -common, kbuild) downloaded and
#      `dpkg -x`-ed into $CACHE/kernels/<alias>/<kver>/tree (modules in
#      usr/lib/modules/<kver>, depmod -b run; the kernel as
#      boot/vmlinuz-<kver>; the headers' absolute references to their
#      -common and kbuild trees re-pointed into the staged tree);
#   3. a build root of that suite (its own gcc, make, the same headers,
#      dkms) made with mmdebstrap in $CACHE/root-<alias>-<hash>, where
#      <hash> covers everything that shapes it.  Each kernel's headers
#      pass flags only its own suite's compiler knows.
#
# usage: scripts/stage-kernel.sh [--refresh] [--quiet] ALIAS
#   ALIAS   suite       kernel branch
#   6.12    trixie            6.12 (Debian 13)
#   7.3     trixie-backports  7.3
#   7.2     sid               7.2
#   (the suite name works as an alias too)
#   Prints shell assignments on stdout (eval-able):
#     STAGED_ALIAS STAGED_KVER STAGED_TREE STAGED_VMLINUZ STAGED_MODDIR
#     STAGED_ROOT STAGED_DEBS STAGED_GCC
#   Everything else goes to stderr.  Warm runs (all stamps present) use no
#   network; --refresh (or PPTP_ALG_STAGE_REFRESH=1) re-reads the index
#   and moves to the suite's newest kernel of the branch.
# env: PPTP_ALG_CACHE   cache root (default /var/cache/pptp-alg)
#      PPTP_ALG_MIRROR  Debian mirror (default http://deb.debian.org)
set -u
set -o pipefail

CACHE=${PPTP_ALG_CACHE:-/var/cache/pptp-alg}
MIRROR=${PPTP_ALG_MIRROR:-http://deb.debian.org}
REFRESH=${PPTP_ALG_STAGE_REFRESH:-0}
QUIET=0
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
# Bump when build_root() changes in a way that needs a fresh root.
ROOT_REV=2
ALIAS=

for a in "$@"; do
	case $a in
	--refresh) REFRESH=1 ;;
	--quiet) QUIET=1 ;;
	-*) echo "usage: $0 [--refresh] [--quiet] ALIAS" >&2; exit 2 ;;
	*) ALIAS=$a ;;
	esac
done

log() { ((QUIET)) || printf 'stage-kernel: %s\n' "$*" >&2; }
die() { printf 'stage-kernel: %s\n' "$*" >&2; exit 1; }

# ALIAS -> base suite of the build root, the apt lines, the branch.
case $ALIAS in
6.12 | trixie)
	ALIAS=6.12 SUITE=trixie BRANCH=6.12
	APT_SUITES=(trixie trixie-security) ;;
7.3 | trixie-backports)
	ALIAS=7.3 SUITE=trixie BRANCH=7.3
	APT_SUITES=(trixie trixie-security trixie-backports) ;;
7.2 | sid)
	ALIAS=7.2 SUITE=sid BRANCH=7.2
	APT_SUITES=(sid) ;;
*) die "unknown kernel alias '$ALIAS' (6.12, 7.3, 7.2)" ;;
esac
BASE=$CACHE/kernels/$ALIAS
APTD=$BASE/apt

((EUID == 0)) || die "must run as root (mmdebstrap, dpkg -x ownership)"

host_tools() {
	local need=() t
	command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
	command -v dpkg-deb >/dev/null || need+=(dpkg)
	command -v depmod >/dev/null || need+=(kmod)
	[[ -r $KEYRING ]] || need+=(debian-archive-keyring)
	((${#need[@]})) || return 0
	log "installing host tools: ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "${need[@]}" >&2 ||
		{ apt-get update -q >&2 &&
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends "${need[@]}" >&2; } ||
		die "cannot install ${need[*]}"
	for t in mmdebstrap dpkg-deb depmod; do
		command -v $t >/dev/null || die "$t still missing"
	done
}

write_sources() {
	mkdir -p "$APTD"/{etc,lists/partial,cache/archives/partial} || die "mkdir $APTD"
	local s
	for s in "${APT_SUITES[@]}"; do
		case $s in
		*-security) echo "deb [signed-by=$KEYRING] $MIRROR/debian-security $s main" ;;
		*) echo "deb [signed-by=$KEYRING] $MIRROR/debian $s main" ;;
		esac
	done >"$APTD/etc/sources.list.new"
	mv "$APTD/etc/sources.list.new" "$APTD/etc/sources.list"
	: >"$APTD/etc/status"
}

# apt with a private state: the machine's own lists, cache and dpkg
# status are neither read nor written.  Signatures are checked; the
# Release's Valid-Until is not, since a mirror that is a dated snapshot
# serves sid's (valid a week) expired.
papt() {
	local tool=$1
	shift
	"$tool" -q -o Dir::Etc::sourcelist="$APTD/etc/sources.list" \
		-o Dir::Etc::sourceparts=- -o Dir::Etc::preferencesparts=- \
		-o Dir::State::Lists="$APTD/lists" -o Dir::Cache="$APTD/cache" \
		-o Dir::State::status="$APTD/etc/status" \
		-o APT::Get::AllowUnauthenticated=false \
		-o Acquire::Check-Valid-Until=false "$@"
}

deps_of() {
	papt apt-cache depends "$1" 2>/dev/null | sed -n 's/^ *Depends: \([^ <]*\)$/\1/p'
}

# The newest generic amd64 kernel of the branch in the index, and the
# packages that make it up.  Since 2026 the image package is a shell over
# linux-binary-*, linux-modules-* and linux-base-* (modules.builtin).
resolve_versions() {
	local b=${BRANCH//./\\.}
	KVER=$(papt apt-cache pkgnames "linux-image-$BRANCH." 2>/dev/null |
		sed -n "s/^linux-image-\($b\.[0-9]*+deb[0-9]*-amd64\)\$/\1/p" |
		sort -V | tail -n1)
	[[ -n $KVER ]] || die "no linux-image-$BRANCH.*-amd64 in the ${APT_SUITES[*]} index"
	PKGS=("linux-image-$KVER" "linux-headers-$KVER")
	local d
	for d in $(deps_of "linux-image-$KVER") $(deps_of "linux-headers-$KVER"); do
		case $d in
		linux-binary-"$KVER" | linux-modules-"$KVER" | linux-base-"$KVER" | \
		linux-headers-*-common | linux-kbuild-*) PKGS+=("$d") ;;
		gcc-*-for-host) GCC=${d%-for-host} ;;
		gcc-[0-9]*) GCC=$d ;;
		esac
	done
	mapfile -t PKGS < <(printf '%s\n' "${PKGS[@]}" | awk '!seen[$0]++')
	COMMON=$(printf '%s\n' "${PKGS[@]}" | grep -- '-common$' | head -n1)
	[[ -n $COMMON && -n ${GCC:-} ]] || die "cannot resolve -common/gcc of linux-headers-$KVER"
}

download_debs() {
	DEBS=$BASE/$KVER/debs
	mkdir -p "$DEBS" || die "mkdir $DEBS"
	local p have=1
	for p in "${PKGS[@]}"; do
		compgen -G "$DEBS/${p}_*.deb" >/dev/null || have=0
	done
	((have)) && { log "debs present in $DEBS"; return 0; }
	log "downloading ${PKGS[*]}"
	(cd "$DEBS" && papt apt-get download "${PKGS[@]}" >&2) ||
		die "apt-get download failed"
}

# Unpack into a temp dir and rename, so a half-staged tree is never used.
stage_tree() {
	TREE=$BASE/$KVER/tree
	[[ -f $TREE/.staged ]] && { log "tree present in $TREE"; return 0; }
	log "unpacking into $TREE"
	local tmp d f
	tmp=$(mktemp -d "$BASE/$KVER/.tree.XXXXXX") || die "mktemp"
	for d in "$DEBS"/*.deb; do
		dpkg -x "$d" "$tmp" || { rm -rf "$tmp"; die "dpkg -x $d"; }
	done
	# The split packages keep the kernel beside its modules.
	if [[ ! -f $tmp/boot/vmlinuz-$KVER && -f $tmp/usr/lib/modules/$KVER/vmlinuz ]]; then
		mkdir -p "$tmp/boot"
		ln "$tmp/usr/lib/modules/$KVER/vmlinuz" "$tmp/boot/vmlinuz-$KVER"
	fi
	[[ -f $tmp/boot/vmlinuz-$KVER && -d $tmp/usr/lib/modules/$KVER/kernel ]] ||
		{ rm -rf "$tmp"; die "the packages lack vmlinuz or modules"; }
	# The headers reference their -common and kbuild trees by absolute
	# paths; point the staged copy at its own.
	local hdr=$tmp/usr/src/linux-headers-$KVER
	local common=/usr/src/linux-headers-${COMMON#linux-headers-}
	if [[ -f $hdr/Makefile ]]; then
		sed -i "s|include $common/|include ${TREE}${common}/|" "$hdr/Makefile"
	fi
	while IFS= read -r -d '' f; do
		local t
		t=$(readlink "$f")
		[[ $t == /usr/* ]] && ln -sfn "$TREE$t" "$f"
	done < <(find "$tmp/usr/src" "$tmp/usr/lib/modules/$KVER" -maxdepth 2 -type l -print0)
	depmod -b "$tmp/usr" "$KVER" || { rm -rf "$tmp"; die "depmod"; }
	mkdir -p "$tmp/usr/lib/modules/$KVER/updates"
	touch "$tmp/.staged"
	rm -rf "$TREE"
	mv "$tmp" "$TREE" || die "mv $tmp $TREE"
}

build_root() {
	local pkgs=(make "$GCC" libc6-dev kmod dkms "linux-headers-$KVER") key
	key=$(printf '%s\n' "$ROOT_REV" "${APT_SUITES[@]}" "$MIRROR" "${pkgs[@]}" |
		sha256sum | cut -c1-12)
	ROOT=$CACHE/root-$ALIAS-$key
	[[ -f $ROOT/.pptp-alg-root ]] && { log "build root present in $ROOT"; return 0; }
	log "creating $SUITE build root $ROOT (mmdebstrap)"
	local tmp inc
	tmp=$CACHE/.root-$ALIAS-$key.tmp
	rm -rf "$tmp"
	inc=$(IFS=,; echo "${pkgs[*]}")
	# --variant=apt: Essential + apt, plus what the build needs.  Kernel
	# postinst hooks have no kernel image to act on here.
	mmdebstrap --variant=apt --include="$inc" \
		--aptopt='Acquire::Languages "none"' \
		--aptopt='Acquire::Check-Valid-Until "false"' \
		--dpkgopt='path-exclude=/usr/share/{doc,man,locale,info}/*' \
		"$SUITE" "$tmp" "$APTD/etc/sources.list" >&2 ||
		{ rm -rf "$tmp"; die "mmdebstrap failed"; }
	[[ -x $tmp/usr/bin/$GCC && -e $tmp/usr/src/linux-headers-$KVER/Makefile ]] ||
		{ rm -rf "$tmp"; die "build root lacks $GCC or headers"; }
	ln -sf "$GCC" "$tmp/usr/bin/gcc" 2>/dev/null
	touch "$tmp/.pptp-alg-root"
	rm -rf "$ROOT"
	mv "$tmp" "$ROOT" || die "mv build root"
	# Drop this alias's roots of older keys (other kernel or script version).
	local old
	for old in "$CACHE"/root-"$ALIAS"-*; do
		[[ $old == "$ROOT" ]] || rm -rf "$old"
	done
}

main() {
	host_tools
	local cur=$BASE/current
	if ((!REFRESH)) && [[ -s $cur ]]; then
		# shellcheck disable=SC1090
		. "$cur"
		KVER=$STAGED_KVER GCC=$STAGED_GCC TREE=$STAGED_TREE ROOT=$STAGED_ROOT
		DEBS=$STAGED_DEBS
		[[ -f $TREE/.staged && -f $ROOT/.pptp-alg-root ]] || REFRESH=1
	else
		REFRESH=1
	fi
	if ((REFRESH)); then
		write_sources
		log "apt-get update (private ${APT_SUITES[*]} index in $APTD)"
		papt apt-get update >&2 || die "apt-get update of the ${APT_SUITES[*]} index failed"
		resolve_versions
		log "kernel $KVER (${PKGS[*]}; $GCC)"
		download_debs
		stage_tree
		build_root
	fi
	{
		printf 'STAGED_ALIAS=%q\n' "$ALIAS"
		printf 'STAGED_KVER=%q\n' "$KVER"
		printf 'STAGED_GCC=%q\n' "$GCC"
		printf 'STAGED_TREE=%q\n' "$TREE"
		printf 'STAGED_VMLINUZ=%q\n' "$TREE/boot/vmlinuz-$KVER"
		printf 'STAGED_MODDIR=%q\n' "$TREE/usr/lib/modules"
		printf 'STAGED_ROOT=%q\n' "$ROOT"
		printf 'STAGED_DEBS=%q\n' "$DEBS"
	} >"$cur.new" && mv "$cur.new" "$cur"
	cat "$cur"
}

main "$@"
