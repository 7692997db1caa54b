#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make KVER=6.12`: build nf_pptp_alg.ko for Debian 13's 6.12 kernel with
# trixie's gcc-14, W=1, from a copy of the sources, into build/6.12/ (the
# 6.1 objects under kmod/ are never touched).  Stages the kernel and the
# trixie build root first (scripts/stage-6.12.sh, cached).
#
# usage: scripts/build-6.12.sh [--install] [make args...]
#   --install  also copy the module into the staged kernel's
#              usr/lib/modules/<kver>/updates/ and run depmod -b there
#              (what the 6.12 guest loads)
# Output: build/6.12/nf_pptp_alg.ko, build/6.12/build.log, build/6.12/env
# Exit non-zero on any compiler/modpost warning.
set -u
set -o pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${PPTP_ALG_612_OUT:-$TOP/build/6.12}
INSTALL=0
if [[ ${1:-} == --install ]]; then
	INSTALL=1
	shift
fi

die() { printf 'build-6.12: %s\n' "$*" >&2; exit 1; }

mkdir -p "$OUT" || die "mkdir $OUT"
"$TOP/scripts/stage-6.12.sh" >"$OUT/env.new" || die "staging failed"
mv "$OUT/env.new" "$OUT/env"
# shellcheck disable=SC1091
. "$OUT/env"

# Same file set as the DKMS package ships.
SRC=$OUT/src
mkdir -p "$SRC" || die "mkdir $SRC"
rsync -a --delete --prune-empty-dirs \
	--exclude='/kmod/*.mod.c' --include='/Kbuild' --include='/kmod/' \
	--include='/kmod/Kbuild' --include='/kmod/*.c' --include='/kmod/*.h' \
	--include='/kmod/core/' --include='/kmod/core/*.c' \
	--include='/kmod/core/sources.mk' \
	--include='/include/***' \
	--exclude='*.o' --exclude='*.cmd' --exclude='*' \
	"$TOP/" "$SRC/" || die "copying sources failed"

# Private mount namespace: /dev, /proc and the source copy are bound into
# the build root only for this command and vanish with it.
run_in_root() {
	unshare --mount --propagation private -- /bin/bash -c '
		set -e
		R=$1; S=$2; shift 2
		mount --rbind /dev "$R/dev"
		mount -t proc proc "$R/proc"
		mount --bind "$S" "$R/mnt"
		exec chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 "$@"
	' run "$K612_ROOT" "$SRC" "$@"
}

start=$SECONDS
run_in_root make -C "/usr/src/linux-headers-$K612_KVER" M=/mnt W=1 \
	-j"$(nproc)" modules "$@" 2>&1 | tee "$OUT/build.log"
rc=${PIPESTATUS[0]}
((rc == 0)) || die "build failed (rc $rc), log $OUT/build.log"
# The source copy keeps its objects for incremental rebuilds; drop them
# after a warning so the next run recompiles and shows it again.
if grep -E '(warning|error):|WARNING:' "$OUT/build.log"; then
	rm -rf "$SRC"
	die "warnings in the 6.12 build (log $OUT/build.log)"
fi
cp "$SRC/kmod/nf_pptp_alg.ko" "$OUT/nf_pptp_alg.ko" || die "no module built"
printf 'build-6.12: %s for %s in %ss (gcc-14, W=1, no warnings)\n' \
	"$OUT/nf_pptp_alg.ko" "$K612_KVER" "$((SECONDS - start))" >&2

if ((INSTALL)); then
	install -D -m 0644 "$OUT/nf_pptp_alg.ko" \
		"$K612_MODDIR/$K612_KVER/updates/nf_pptp_alg.ko" || die "install"
	depmod -b "${K612_MODDIR%/lib/modules}" "$K612_KVER" || die "depmod"
	printf 'build-6.12: installed into %s\n' "$K612_MODDIR/$K612_KVER/updates" >&2
fi
