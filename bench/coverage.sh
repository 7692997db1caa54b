#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# coverage.sh: which lines and branches of nf_pptp_alg each selftest
# executes on the debug test kernel, and which tests a tier can leave out
# without losing any of them.  Not part of `make check`; its report is
# what the debug tier's selection in scripts/check.sh rests on.
#
# usage: bench/coverage.sh [TEST...]      (default: every selftest)
#
# Builds the module with GCOV_PROFILE=y against the debug kernel
# (scripts/build-test-kernel.sh, CONFIG_GCOV_KERNEL=y), in a module tree
# of its own under $PPTP_ALG_CACHE/coverage so the tree `make check` uses
# is untouched.  One guest runs the tests one at a time; before each the
# gcov counters are reset, after it the module's .gcda files are saved
# (gcov keeps the data of an unloaded module).  bench/coverage.py then
# prints, per test, what it covers and what only it covers, and a greedy
# cover: the fewest tests that together execute everything the whole
# suite executes.
set -u
set -o pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${PPTP_ALG_CACHE:-/var/cache/pptp-alg}
# Fixed path: gcov names the data files after the build directory.
WORK=$CACHE/coverage
JOBS=${JOBS:-$(nproc)}

die() { printf 'coverage: %s\n' "$*" >&2; exit 1; }

if [[ ${1:-} == --guest ]]; then
	shift
	gc=/sys/kernel/debug/gcov
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
	[[ -d $gc ]] || { echo "coverage: no $gc (CONFIG_GCOV_KERNEL?)"; exit 1; }
	for t in "$@"; do
		echo 1 >"$gc/reset"
		"$TOP/selftests/run_all.sh" "$t"
		# Loaded or unloaded, the module's data sits under its build path.
		find "$gc$WORK/build" -name '*.gcda' | while read -r f; do
			dst=$VM_RESULTS/gcda/$t/${f#"$gc$WORK/build/"}
			mkdir -p "$(dirname "$dst")" && cp "$f" "$dst"
		done
	done
	exit 0
fi

k=$("$TOP/scripts/build-test-kernel.sh" --print-dir) ||
	die "build the debug kernel first: scripts/build-test-kernel.sh"
grep -qx 'CONFIG_GCOV_KERNEL=y' "$k/build/.config" ||
	die "$k has no CONFIG_GCOV_KERNEL"
kver=$(<"$k/kver")

rm -rf "$WORK"
mkdir -p "$WORK/build" "$WORK/out" || die "cannot create $WORK"
(cd "$TOP" && tar -cf - --exclude='*.o' --exclude='*.ko' --exclude='*.cmd' \
	--exclude='*.mod' --exclude='*.mod.c' --exclude='*.order' \
	--exclude='Module.symvers' Kbuild kmod include packaging/debian/changelog) |
	tar -C "$WORK/build" -xf - || die "cannot copy sources"
make -s -C "$k/build" M="$WORK/build" GCOV_PROFILE=y -j"$JOBS" modules ||
	die "module build failed"

# A module tree of our own: the debug kernel's, hard-linked, with the
# instrumented module in updates/.
root=$WORK/root/lib/modules
mkdir -p "$root" || die "mkdir $root"
cp -al "$k/modroot/lib/modules/$kver" "$root/" || die "cannot link $kver"
rm -f "$root/$kver/updates/nf_pptp_alg.ko"
install -D -m 0644 "$WORK/build/kmod/nf_pptp_alg.ko" \
	"$root/$kver/updates/nf_pptp_alg.ko" || die "install failed"
depmod -b "$WORK/root" "$kver" || die "depmod failed"

if (($#)); then
	tests=("$@")
else
	mapfile -t tests < <(cd "$TOP/selftests" && ls ./*.sh | sed 's|^\./||; s|\.sh$||' |
		grep -vx -e lib -e run_all -e '.*_lib')
fi

SELFTEST_TIMEOUT_SCALE=${SELFTEST_TIMEOUT_SCALE:-3} \
	"$TOP/scripts/vm-run.sh" --kernel "$k/vmlinuz-$kver" --modules "$root" \
	--timeout $((600 * ${#tests[@]})) --results "$WORK/out" --cwd "$TOP" \
	-- "$TOP/bench/coverage.sh" --guest "${tests[@]}" ||
	echo "coverage: some selftest failed; its data is reported as it is" >&2

python3 "$TOP/bench/coverage.py" "$WORK/build" "$WORK/out/gcda" "${tests[@]}"
