#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Differential report, NOT a pass/fail test (exit 0 unless this script
# itself breaks; run_all.sh should exclude it by name): runs the
# end-to-end PPTP scenarios once with our helper (PPTP_HELPER=pptp-alg,
# nf_pptp_alg) and once with mainline (PPTP_HELPER=pptp, nf_conntrack_pptp
# + nf_nat_pptp) and prints the results side by side.
#
# usage (in the guest): bench/diff_mainline.sh [TEST...]
#   default tests: $DIFF_TESTS or scenarios 1-4 plus same-call-ID and teardown.
# timeout: 1800
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../selftests" && pwd)
DEFAULT="pptp_pat_basic pptp_pat_ten_clients pptp_dnat_server_inside pptp_negative_no_helper pptp_pat_same_callid pptp_teardown"
# shellcheck disable=SC2206
TESTS_LIST=(${@:-${DIFF_TESTS:-$DEFAULT}})
HELPERS=(pptp-alg pptp)
OUT=${VM_RESULTS:-${TMPDIR:-/tmp}}/diff_mainline
mkdir -p "$OUT" || exit 1

declare -A RES
verdict() {
	case $1 in
	0) echo PASS ;; 4) echo SKIP ;; 124 | 137) echo TIMEOUT ;; *) echo "FAIL($1)" ;;
	esac
}

for h in "${HELPERS[@]}"; do
	for t in "${TESTS_LIST[@]}"; do
		t=${t%.sh}
		[[ -f $HERE/$t.sh ]] || { RES[$h,$t]="missing"; continue; }
		echo "# diff_mainline: $t with helper $h"
		start=$(date +%s)
		PPTP_HELPER=$h timeout --kill-after=10 300 setsid bash "$HERE/$t.sh" \
			</dev/null >"$OUT/$t.$h.log" 2>&1
		rc=$?
		dur=$(($(date +%s) - start))
		RES[$h,$t]="$(verdict $rc) ${dur}s"
		sed 's/^/#   /' "$OUT/$t.$h.log" | grep -E 'FAIL|SKIP|PASS|GRE keys|nat_ids|tunnels up|pinged' | head -n 12
	done
done
# Leave the kernel without either implementation loaded.
modprobe -r nf_nat_pptp nf_conntrack_pptp nf_pptp_alg 2>/dev/null

echo
echo "# PPTP scenarios: nf_pptp_alg vs mainline (logs: $OUT)"
printf '%-28s %-18s %-18s\n' scenario "pptp-alg (ours)" "pptp (mainline)"
printf '%-28s %-18s %-18s\n' -------- --------------- ---------------
for t in "${TESTS_LIST[@]}"; do
	t=${t%.sh}
	printf '%-28s %-18s %-18s\n' "$t" "${RES[pptp-alg,$t]:-?}" "${RES[pptp,$t]:-?}"
done
exit 0
