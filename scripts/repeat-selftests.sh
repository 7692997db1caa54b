#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run the same selftests N times in one guest, to show that tests whose
# course depends on the module's random picks (translated call IDs, the
# call-index seed) pass whatever the picks are.  Those picks come from the
# kernel's RNG, which a test cannot seed; each iteration logs the IDs it
# saw, so a failure can be replayed from its log.
#
# usage: scripts/repeat-selftests.sh N TEST...   (after `make install`)
# env: PPTP_REPEAT_DIR  results (default ${TMPDIR:-/tmp}/pptp-alg-repeat)
#      SELFTEST_JOBS    tests at once inside the guest (default 3)
# Last line: "N passed, N failed, N skipped" over all test runs.
set -u
set -o pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=results.sh
. "$TOP/scripts/results.sh"
N=${1:?usage: $0 N TEST...}
shift
(($#)) || { echo "usage: $0 N TEST..." >&2; exit 2; }
RES=${PPTP_REPEAT_DIR:-${TMPDIR:-/tmp}/pptp-alg-repeat}
export SELFTEST_JOBS=${SELFTEST_JOBS:-3}

rm -rf "$RES"
mkdir -p "$RES" || exit 1
start=$SECONDS
# One boot; each iteration writes its own results directory.
VM_RUN_QUIET=1 "$TOP/scripts/vm-run.sh" --timeout $((N * 600)) \
	--results "$RES/guest" --log "$RES/console.log" --cwd "$TOP" -- \
	"for i in \$(seq $N); do
		VM_RESULTS=/run/vmresults/iter\$i selftests/run_all.sh $* \
			>/run/vmresults/iter\$i.log 2>&1
		echo \"iteration \$i: \$(tail -n 1 /run/vmresults/iter\$i.log)\"
	done" >"$RES/guest.log" 2>&1
echo "repeat: $N iterations in $((SECONDS - start))s, logs in $RES/guest"

pass=0 fail=0 skip=0
declare -A tp tf
for ((i = 1; i <= N; i++)); do
	tap=$RES/guest/iter$i/selftests/results.tap
	if [[ ! -s $tap ]]; then
		echo "iteration $i: no results"
		fail=$((fail + 1))
		continue
	fi
	read -r p f s < <(tap_count "$tap")
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	while read -r ok name; do
		if [[ $ok == ok ]]; then
			tp[$name]=$((${tp[$name]:-0} + 1))
		else
			tf[$name]=$((${tf[$name]:-0} + 1))
			echo "iteration $i: $name failed ($RES/guest/iter$i/selftests/$name.log)"
		fi
	done < <(sed -n 's/^\(not ok\|ok\) [0-9]* \([^ ]*\).*/\1 \2/p' "$tap" |
		sed 's/^not ok/not/')
done
for name in $(printf '%s\n' "${!tp[@]}" "${!tf[@]}" | sort -u); do
	printf '    %-28s %3d passed, %3d failed\n' "$name" "${tp[$name]:-0}" "${tf[$name]:-0}"
done
echo "$pass passed, $fail failed, $skip skipped"
((fail == 0 && skip == 0))
