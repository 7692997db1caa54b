#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make KVER=<alias>`: build nf_pptp_alg.ko for a staged Debian kernel
# (6.12, 7.3, 7.2: scripts/stage-kernel.sh) with that suite's own gcc,
# W=1, from a copy of the sources, into build/<alias>/ (the 6.1 objects
# under kmod/ are never touched).  Stages the kernel and its build root
# first (cached).
#
# usage: scripts/build-kernel.sh [--install] ALIAS [make args...]
#   --install  also copy the module into the staged kernel's
#              usr/lib/modules/<kver>/updates/ and run depmod -b there
#              (what the guest booting that kernel loads)
# Output: build/<alias>/nf_pptp_alg.ko, build/<alias>/build.log,
#         build/<alias>/env (the staging script's assignments)
# Exit non-zero on any compiler/modpost warning.
set -u
set -o pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
INSTALL=0
if [[ ${1:-} == --install ]]; then
	INSTALL=1
	shift
fi
ALIAS=${1:-}
shift || true

die() { printf 'build-kernel: %s\n' "$*" >&2; exit 1; }

[[ -n $ALIAS ]] || die "usage: $0 [--install] ALIAS [make args...]"
env=$("$TOP/scripts/stage-kernel.sh" "$ALIAS") || die "staging $ALIAS failed"
eval "$env"
OUT=$TOP/build/$STAGED_ALIAS
mkdir -p "$OUT" || die "mkdir $OUT"
printf '%s\n' "$env" >"$OUT/env"

SRC=$OUT/src
mkdir -p "$SRC" || die "mkdir $SRC"
# The changelog too: Kbuild reads the module's version from it.
rsync -a --delete --prune-empty-dirs \
	--filter='+ /packaging/' --filter='+ /packaging/debian/' \
	--filter='+ /packaging/debian/changelog' \
	--filter="merge $TOP/packaging/module-sources.rsync" \
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
	' run "$STAGED_ROOT" "$SRC" "$@"
}

start=$SECONDS
run_in_root make -C "/usr/src/linux-headers-$STAGED_KVER" M=/mnt W=1 \
	-j"$(nproc)" modules "$@" 2>&1 | tee "$OUT/build.log"
rc=${PIPESTATUS[0]}
((rc == 0)) || die "build failed (rc $rc), log $OUT/build.log"
# The source copy keeps its objects for incremental rebuilds; drop them
# after a warning so the next run recompiles and shows it again.
if grep -E '(warning|error):|WARNING:' "$OUT/build.log"; then
	rm -rf "$SRC"
	die "warnings in the $ALIAS build (log $OUT/build.log)"
fi
cp "$SRC/kmod/nf_pptp_alg.ko" "$OUT/nf_pptp_alg.ko" || die "no module built"
printf 'build-kernel: %s for %s in %ss (%s, W=1, no warnings)\n' \
	"$OUT/nf_pptp_alg.ko" "$STAGED_KVER" "$((SECONDS - start))" "$STAGED_GCC" >&2

if ((INSTALL)); then
	install -D -m 0644 "$OUT/nf_pptp_alg.ko" \
		"$STAGED_MODDIR/$STAGED_KVER/updates/nf_pptp_alg.ko" || die "install"
	depmod -b "${STAGED_MODDIR%/lib/modules}" "$STAGED_KVER" || die "depmod"
	printf 'build-kernel: installed into %s\n' "$STAGED_MODDIR/$STAGED_KVER/updates" >&2
fi
