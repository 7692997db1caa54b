#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build (or reuse from cache) the debug test kernel: Debian's
# linux-source-6.1 + scripts/test-kernel.config on top of allnoconfig
# (KUnit, KASAN, lockdep, kmemleak, debugobjects, netfilter/PPP as modules).
#
# usage: scripts/build-test-kernel.sh [--print-dir] [--no-host-link]
#        scripts/build-test-kernel.sh --install-modules [REPO]
#
#   (default)   build if needed, print the cache dir on the last line
#   --print-dir print the cache dir if the kernel is built (exit 1 if not)
#   --no-host-link  do not create /lib/modules/KVER -> DIR/modroot/... link
#   --install-modules [REPO]  build nf_pptp_alg.ko and nf_pptp_alg_kunit.ko
#               from REPO (default: this checkout) against the test kernel,
#               in a scratch copy (no objects land in REPO), install them
#               into DIR/modroot/lib/modules/KVER/updates and run depmod
#
# Cache dir: $PPTP_ALG_CACHE/testkernel-HASH (default /var/cache/pptp-alg),
# HASH = sha256(linux-source-6.1 package version, fragment, this script's
# build recipe -- the build_kernel function as `declare -f` prints it, so
# comments, help text and the --install-modules code do not force a rebuild):
#   DIR/vmlinuz-KVER   kernel (name matters: vm-run.sh derives KVER from it)
#   DIR/bzImage        same file
#   DIR/kver           kernel release string
#   DIR/build          O= tree: make -C DIR/build M=/path/to/extmod modules
#   DIR/src            pristine source from the tarball (DIR/build needs it)
#   DIR/modroot/lib/modules/KVER   modules_install output
#   DIR/.complete      written last; a dir without it is an unfinished build
# The build happens in place (kbuild bakes absolute paths into DIR/build) and
# is resumed if interrupted; the .complete stamp is the atomic "rename".
# Host side: /lib/modules/KVER is a symlink into DIR/modroot so that the
# guest (host root over 9p) and modprobe/modinfo/mkinitramfs.sh find them.
set -u
set -o pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
SCRIPTS=$(dirname "$SELF")
REPO_DEFAULT=$(dirname "$SCRIPTS")
CACHE=${PPTP_ALG_CACHE:-/var/cache/pptp-alg}
KSRC_PKG=linux-source-6.1
TARBALL=${PPTP_ALG_KSRC_TARBALL:-/usr/src/$KSRC_PKG.tar.xz}
FRAGMENT=$SCRIPTS/test-kernel.config
JOBS=${JOBS:-$(nproc)}
NICE=(nice -n 19)

die() { printf 'build-test-kernel: %s\n' "$*" >&2; exit 1; }
log() { printf 'build-test-kernel: %s\n' "$*" >&2; }

MODE=build
HOST_LINK=1
MOD_REPO=
while (($#)); do
	case $1 in
	--print-dir) MODE=print; shift ;;
	--no-host-link) HOST_LINK=0; shift ;;
	--install-modules)
		MODE=modules; shift
		if (($#)) && [[ $1 != --* ]]; then MOD_REPO=$1; shift; fi
		;;
	-h|--help) sed -n '6,20s/^# \{0,1\}//p' "$SELF" >&2; exit 2 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done

[[ -r $TARBALL ]] || die "no $TARBALL (run scripts/deps.sh)"
[[ -r $FRAGMENT ]] || die "no $FRAGMENT"
SRC_VER=$(dpkg-query -W -f '${Version}' "$KSRC_PKG" 2>/dev/null) ||
	SRC_VER=$(stat -c '%s-%Y' "$TARBALL")

# --- the build recipe: everything that shapes the output lives here (it is
# part of the cache key).  Runs in DIR with the lock held.
build_kernel() {
	local KMAKE bad line sym KVER
	mkdir -p "$DIR" || die "cannot create $DIR"
	if [[ ! -e $DIR/src/Makefile ]]; then
		log "extracting $TARBALL"
		rm -rf "$DIR/src" "$DIR/src.tmp"
		mkdir "$DIR/src.tmp" || die "mkdir failed"
		tar -C "$DIR/src.tmp" --strip-components=1 -xJf "$TARBALL" ||
			die "cannot extract $TARBALL"
		mv "$DIR/src.tmp" "$DIR/src" || die "rename failed"
	fi
	mkdir -p "$DIR/build" || die "mkdir build failed"
	KMAKE=("${NICE[@]}" make -C "$DIR/src" O="$DIR/build" LOCALVERSION="$LOCALVERSION")

	log "configuring (allnoconfig + $(basename "$FRAGMENT"))"
	"${KMAKE[@]}" -s KCONFIG_ALLCONFIG="$FRAGMENT" allnoconfig ||
		die "allnoconfig failed"
	# Every explicit setting must survive dependency resolution.
	bad=0
	while IFS= read -r line; do
		grep -qxF "$line" "$DIR/build/.config" && continue
		log "config: wanted '$line', got '$(grep -E "^(# )?${line%%=*}[= ]" \
			"$DIR/build/.config" || echo unset)'"
		bad=1
	done < <(grep -E '^CONFIG_[A-Za-z0-9_]+=' "$FRAGMENT")
	while read -r _ sym _; do
		grep -q "^$sym=" "$DIR/build/.config" && { log "config: $sym should be off"; bad=1; }
	done < <(grep -E '^# CONFIG_[A-Za-z0-9_]+ is not set' "$FRAGMENT")
	((bad)) && die "fragment does not apply cleanly; fix $FRAGMENT"

	log "building bzImage + modules with -j$JOBS at nice 19 (log: $DIR/build.log)"
	if ! "${KMAKE[@]}" -j"$JOBS" bzImage modules >"$DIR/build.log" 2>&1; then
		tail -n 30 "$DIR/build.log" >&2
		die "kernel build failed (log: $DIR/build.log)"
	fi
	KVER=$("${KMAKE[@]}" -s kernelrelease) || die "kernelrelease failed"
	[[ $KVER == *"$LOCALVERSION" ]] || die "unexpected kernel release '$KVER'"

	rm -rf "$DIR/modroot"
	"${KMAKE[@]}" -s INSTALL_MOD_PATH="$DIR/modroot" modules_install \
		>>"$DIR/build.log" 2>&1 || die "modules_install failed"
	# modules_install points build/source at the O= and source trees.
	ln -sfn "$DIR/build" "$DIR/modroot/lib/modules/$KVER/build"
	ln -sfn "$DIR/src" "$DIR/modroot/lib/modules/$KVER/source"
	cp "$DIR/build/arch/x86/boot/bzImage" "$DIR/vmlinuz-$KVER.tmp" &&
		mv "$DIR/vmlinuz-$KVER.tmp" "$DIR/vmlinuz-$KVER" &&
		ln -f "$DIR/vmlinuz-$KVER" "$DIR/bzImage" || die "cannot copy bzImage"
	printf '%s\n' "$KVER" >"$DIR/kver"
	host_link "$KVER"
	touch "$DIR/.complete"
}

HASH=$( { printf '%s %s\n' "$KSRC_PKG" "$SRC_VER"; cat "$FRAGMENT"
	declare -f build_kernel; } | sha256sum | cut -c1-16)
DIR=$CACHE/testkernel-$HASH
# Release string carries the hash: /lib/modules/KVER never mixes configs.
LOCALVERSION=-pptptest-${HASH:0:8}

host_link() {
	local mdir=$DIR/modroot/lib/modules/$1 link=/lib/modules/$1
	((HOST_LINK)) || return 0
	if [[ -L $link || ! -e $link ]]; then
		ln -sfn "$mdir" "$link" || die "cannot link $link"
	elif [[ $(readlink -f "$link") != "$(readlink -f "$mdir")" ]]; then
		die "$link exists and is not our symlink; remove it"
	fi
}

if [[ $MODE == print ]]; then
	[[ -e $DIR/.complete ]] || die "test kernel not built yet ($DIR)"
	printf '%s\n' "$DIR"
	exit 0
fi

mkdir -p "$CACHE" || die "cannot create $CACHE"

if [[ $MODE == modules ]]; then
	[[ -e $DIR/.complete ]] || die "test kernel not built yet; run $0 first"
	MOD_REPO=$(cd "${MOD_REPO:-$REPO_DEFAULT}" && pwd) || die "bad repo dir"
	KVER=$(<"$DIR/kver")
	host_link "$KVER"
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/pptp-testkmod.XXXXXX") || die "mktemp failed"
	trap 'rm -rf "$scratch"' EXIT
	# Copy only sources: objects of other kernels in REPO must not leak
	# in, and our objects must not land in REPO (others build there).
	# The changelog holds the module's version.
	(cd "$MOD_REPO" && tar -cf - --exclude='*.o' --exclude='*.ko' \
		--exclude='*.cmd' --exclude='*.mod' --exclude='*.mod.c' \
		--exclude='*.order' --exclude='Module.symvers' \
		Kbuild kmod include kunit/Kbuild kunit/*.c kunit/*.h \
		packaging/debian/changelog) |
		tar -C "$scratch" -xf - || die "cannot copy sources from $MOD_REPO"
	log "building nf_pptp_alg.ko for $KVER"
	"${NICE[@]}" make -s -C "$DIR/build" M="$scratch" W=1 -j"$JOBS" modules ||
		die "nf_pptp_alg build failed"
	log "building nf_pptp_alg_kunit.ko for $KVER"
	"${NICE[@]}" make -s -C "$DIR/build" M="$scratch/kunit" -j"$JOBS" modules ||
		die "KUnit module build failed"
	upd=$DIR/modroot/lib/modules/$KVER/updates
	mkdir -p "$upd" || die "mkdir $upd"
	install -m 0644 "$scratch/kmod/nf_pptp_alg.ko" \
		"$scratch/kunit/nf_pptp_alg_kunit.ko" "$upd/" || die "install failed"
	depmod -b "$DIR/modroot" "$KVER" || die "depmod failed"
	log "installed into $upd"
	printf '%s\n' "$upd"
	exit 0
fi

# --- build mode: one builder per cache dir
exec 9>"$DIR.lock" || die "cannot open $DIR.lock"
flock 9 || die "flock failed"

if [[ -e $DIR/.complete ]]; then
	host_link "$(<"$DIR/kver")"
	log "cached: $DIR"
	printf '%s\n' "$DIR"
	exit 0
fi

START=$SECONDS
build_kernel
KVER=$(<"$DIR/kver")
log "built $KVER in $((SECONDS - START))s"
printf '%s\n' "$DIR"
