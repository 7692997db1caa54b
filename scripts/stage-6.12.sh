#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Stage Debian 13 (trixie)'s 6.12 kernel next to this Debian 12 machine,
# without touching the machine's own apt state or /lib/modules:
#
#   1. a private apt index of trixie (+ trixie-security) under
#      $CACHE/k612/apt (own sources.list, lists, archives, empty status);
#   2. linux-image/-headers/-headers-common/linux-kbuild of the current
#      trixie 6.12 ABI downloaded and `dpkg -x`-ed into
#      $CACHE/k612/<kver>/tree (modules: usr/lib/modules/<kver>, depmod -b
#      run; kernel: boot/vmlinuz-<kver>; the headers' absolute references
#      to their -common and kbuild trees re-pointed into the staged tree);
#   3. a trixie build root (gcc-14, make, the same linux-headers, dkms)
#      made with mmdebstrap in $CACHE/trixie-root-<hash>, where <hash>
#      covers everything that shapes it.  6.12's headers pass gcc-14-only
#      flags, so modules for it are built there.
#
# usage: scripts/stage-6.12.sh [--refresh] [--quiet]
#   Prints shell assignments on stdout (eval-able):
#     K612_KVER K612_TREE K612_VMLINUZ K612_MODDIR K612_ROOT K612_DEBS
#   Everything else goes to stderr.  Warm runs (all stamps present) use no
#   network; --refresh (or PPTP_ALG_612_REFRESH=1) re-reads the index and
#   moves to a newer 6.12 ABI if trixie has one.
# env: PPTP_ALG_CACHE   cache root (default /var/cache/pptp-alg)
#      PPTP_ALG_MIRROR  Debian mirror (default http://deb.debian.org)
set -u
set -o pipefail

CACHE=${PPTP_ALG_CACHE:-/var/cache/pptp-alg}
MIRROR=${PPTP_ALG_MIRROR:-http://deb.debian.org}
SUITE=trixie
BASE=$CACHE/k612
APTD=$BASE/apt
REFRESH=${PPTP_ALG_612_REFRESH:-0}
QUIET=0
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
# Build root contents (besides linux-headers-<kver>).
ROOT_PKGS=(make gcc-14 libc6-dev kmod dkms)
# Bump when build_root() changes in a way that needs a fresh root.
ROOT_REV=1

for a in "$@"; do
	case $a in
	--refresh) REFRESH=1 ;;
	--quiet) QUIET=1 ;;
	*) echo "usage: $0 [--refresh] [--quiet]" >&2; exit 2 ;;
	esac
done

log() { ((QUIET)) || printf 'stage-6.12: %s\n' "$*" >&2; }
die() { printf 'stage-6.12: %s\n' "$*" >&2; exit 1; }

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
	cat >"$APTD/etc/sources.list.new" <<EOF
deb [signed-by=$KEYRING] $MIRROR/debian $SUITE main
deb [signed-by=$KEYRING] $MIRROR/debian-security $SUITE-security main
EOF
	mv "$APTD/etc/sources.list.new" "$APTD/etc/sources.list"
	: >"$APTD/etc/status"
}

# apt with a private state: the machine's own lists, cache and dpkg
# status are neither read nor written.
papt() {
	local tool=$1
	shift
	"$tool" -q -o Dir::Etc::sourcelist="$APTD/etc/sources.list" \
		-o Dir::Etc::sourceparts=- -o Dir::Etc::preferencesparts=- \
		-o Dir::State::Lists="$APTD/lists" -o Dir::Cache="$APTD/cache" \
		-o Dir::State::status="$APTD/etc/status" \
		-o APT::Get::AllowUnauthenticated=false "$@"
}

# The ABI that trixie's linux-image-amd64 points at, and its siblings.
resolve_versions() {
	KVER=$(papt apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\(6\.12\.[^ ]*-amd64\)$/\1/p' | head -n1)
	[[ -n $KVER ]] || die "no linux-image-6.12.*-amd64 in the $SUITE index"
	COMMON=$(papt apt-cache depends "linux-headers-$KVER" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-headers-[^ ]*-common\)$/\1/p' | head -n1)
	KBUILD=$(papt apt-cache depends "linux-headers-$KVER" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-kbuild-[^ ]*\)$/\1/p' | head -n1)
	[[ -n $COMMON && -n $KBUILD ]] || die "cannot resolve -common/kbuild of linux-headers-$KVER"
}

download_debs() {
	DEBS=$BASE/$KVER/debs
	mkdir -p "$DEBS" || die "mkdir $DEBS"
	local p have=1
	for p in "linux-image-$KVER" "linux-headers-$KVER" "$COMMON" "$KBUILD"; do
		compgen -G "$DEBS/${p}_*.deb" >/dev/null || have=0
	done
	((have)) && { log "debs present in $DEBS"; return 0; }
	log "downloading linux-image/headers/common/kbuild for $KVER"
	(cd "$DEBS" && papt apt-get download "linux-image-$KVER" \
		"linux-headers-$KVER" "$COMMON" "$KBUILD" >&2) ||
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
	[[ -f $tmp/boot/vmlinuz-$KVER && -d $tmp/usr/lib/modules/$KVER/kernel ]] ||
		{ rm -rf "$tmp"; die "image package lacks vmlinuz or modules"; }
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
	local key
	key=$(printf '%s\n' "$ROOT_REV" "$SUITE" "$MIRROR" "$KVER" "${ROOT_PKGS[@]}" |
		sha256sum | cut -c1-12)
	ROOT=$CACHE/trixie-root-$key
	[[ -f $ROOT/.pptp-alg-root ]] && { log "build root present in $ROOT"; return 0; }
	log "creating trixie build root $ROOT (mmdebstrap)"
	local tmp inc
	tmp=$CACHE/.trixie-root-$key.tmp
	rm -rf "$tmp"
	inc=$(IFS=,; echo "${ROOT_PKGS[*]},linux-headers-$KVER")
	# --variant=apt: Essential + apt, plus what the build needs.  Kernel
	# postinst hooks have no kernel image to act on here.
	mmdebstrap --variant=apt --include="$inc" \
		--aptopt='Acquire::Languages "none"' \
		--dpkgopt='path-exclude=/usr/share/{doc,man,locale,info}/*' \
		"$SUITE" "$tmp" "$APTD/etc/sources.list" >&2 ||
		{ rm -rf "$tmp"; die "mmdebstrap failed"; }
	[[ -x $tmp/usr/bin/gcc-14 && -e $tmp/usr/src/linux-headers-$KVER/Makefile ]] ||
		{ rm -rf "$tmp"; die "build root lacks gcc-14 or headers"; }
	ln -sf gcc-14 "$tmp/usr/bin/gcc" 2>/dev/null
	touch "$tmp/.pptp-alg-root"
	rm -rf "$ROOT"
	mv "$tmp" "$ROOT" || die "mv build root"
	# Drop roots of older keys (other ABI or script version).
	local old
	for old in "$CACHE"/trixie-root-*; do
		[[ $old == "$ROOT" ]] || rm -rf "$old"
	done
}

main() {
	host_tools
	local cur=$BASE/current
	if ((!REFRESH)) && [[ -s $cur ]]; then
		# shellcheck disable=SC1090
		. "$cur"
		KVER=$K612_KVER COMMON=$K612_COMMON KBUILD=$K612_KBUILD
		[[ -f $BASE/$KVER/tree/.staged && -f ${K612_ROOT:-/nonexistent}/.pptp-alg-root ]] || REFRESH=1
	else
		REFRESH=1
	fi
	if ((REFRESH)) || [[ ! -s $cur ]]; then
		write_sources
		log "apt-get update (private $SUITE index in $APTD)"
		papt apt-get update >&2 || die "apt-get update of the $SUITE index failed"
		resolve_versions
	fi
	log "kernel $KVER (headers common $COMMON, $KBUILD)"
	download_debs
	DEBS=$BASE/$KVER/debs
	stage_tree
	build_root
	{
		printf 'K612_KVER=%q\n' "$KVER"
		printf 'K612_COMMON=%q\n' "$COMMON"
		printf 'K612_KBUILD=%q\n' "$KBUILD"
		printf 'K612_TREE=%q\n' "$TREE"
		printf 'K612_VMLINUZ=%q\n' "$TREE/boot/vmlinuz-$KVER"
		printf 'K612_MODDIR=%q\n' "$TREE/usr/lib/modules"
		printf 'K612_ROOT=%q\n' "$ROOT"
		printf 'K612_DEBS=%q\n' "$DEBS"
	} >"$cur.new" && mv "$cur.new" "$cur"
	cat "$cur"
}

main "$@"
