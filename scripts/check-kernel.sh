#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The guest selftest suite on a staged Debian kernel (6.12, 7.3, 7.2):
# stage the kernel and its suite's build root (cached), build the module
# with that suite's gcc, W=1, into build/<alias>/, install it into the
# staged module tree, boot the staged kernel in the QEMU guest (host
# userspace, staged /lib/modules) and run selftests/run_all.sh there; then
# scan the guest's kernel log.
#
# usage: scripts/check-kernel.sh ALIAS [TEST...]
#   (default tests: $TESTS, else every test)
# env: PPTP_CHECK_KERNEL_DIR results (default
#                           ${TMPDIR:-/tmp}/pptp-alg-check-<alias>)
#      PPTP_CHECK_VM_TIMEOUT guest timeout in seconds (default 2700)
# Last line: "N passed, N failed, N skipped" over the selftests; a failed
# stage (build, guest, kernel-log scan) adds one failure, a passed one
# nothing.  Exit 0 only if none failed and none skipped.
set -u
set -o pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=results.sh
. "$TOP/scripts/results.sh"
ALIAS=${1:?usage: $0 ALIAS [TEST...]}
shift
RES=${PPTP_CHECK_KERNEL_DIR:-${TMPDIR:-/tmp}/pptp-alg-check-$ALIAS}
VM_TIMEOUT=${PPTP_CHECK_VM_TIMEOUT:-2700}
PASSED=0
FAILED=0
SKIPPED=0
T0=$SECONDS

say() { printf '== %s: %s\n' "$ALIAS" "$*"; }
finish() {
	say "total time $((SECONDS - T0))s, logs in $RES"
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	((FAILED == 0 && SKIPPED == 0))
	exit
}

rm -rf "$RES"
mkdir -p "$RES" || exit 1

start=$SECONDS
if "$TOP/scripts/build-kernel.sh" --install "$ALIAS" >"$RES/build.log" 2>&1; then
	say "build: PASS ($((SECONDS - start))s)"
else
	FAILED=$((FAILED + 1))
	say "build: FAIL ($((SECONDS - start))s), log $RES/build.log"
	tail -n 30 "$RES/build.log" | sed 's/^/    /'
	finish
fi
eval "$("$TOP/scripts/stage-kernel.sh" --quiet "$ALIAS")"

tests=("$@")
start=$SECONDS
VM_RUN_QUIET=1 "$TOP/scripts/vm-run.sh" --kernel "$STAGED_VMLINUZ" \
	--modules "$STAGED_MODDIR" --host-clock --timeout "$VM_TIMEOUT" \
	--results "$RES/guest" --log "$RES/console.log" --cwd "$TOP" \
	-- selftests/run_all.sh "${tests[@]}" >"$RES/guest.log" 2>&1
rc=$?
say "guest ($STAGED_KVER): vm-run exited $rc ($((SECONDS - start))s), console $RES/console.log"
((rc == 124 || rc == 125)) && FAILED=$((FAILED + 1))

tap=$RES/guest/selftests/results.tap
if [[ -s $tap ]]; then
	read -r p f s < <(tap_count "$tap")
	say "selftests: $p passed, $f failed, $s skipped"
	grep -E '^(not ok|ok .*# SKIP)' "$tap" | sed 's/^/    /'
	if ((p == 0)); then
		say "FAIL: no selftest passed"
		FAILED=$((FAILED + 1))
	fi
	for t in $(tap_failures "$tap"); do
		say "tail of $t.log:"
		tail -n 20 "$RES/guest/selftests/$t.log" 2>/dev/null | sed 's/^/    /'
	done
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	SKIPPED=$((SKIPPED + s))
else
	say "no selftest results"
	FAILED=$((FAILED + 1))
fi

findings=$(kernel_log_findings "$RES/guest")
if [[ -n $findings ]]; then
	say "dmesg: FAIL"
	printf '%s\n' "$findings" | sed 's/^/    /'
	FAILED=$((FAILED + 1))
else
	say "dmesg: clean (tainted=$(cat "$RES/guest/tainted" 2>/dev/null))"
fi
finish
