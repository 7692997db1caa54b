#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run the selftests (inside the guest) and report in TAP/KTAP style:
#   ok N name | not ok N name | ok N name # SKIP
#
# usage: selftests/run_all.sh [TEST...]
#   TEST: name with or without .sh, or a glob (e.g. 'pptp_*').  Without
#   arguments: $TESTS (space separated) if set, else every selftests/*.sh
#   except lib.sh, run_all.sh and bench_*.sh, diff_*.sh (reports, not tests), dkms_*.sh (host-side) and *_lib.sh.
# env: SELFTEST_TIMEOUT  per-test timeout in seconds (default 300); a test
#                        may override it with a line "# timeout: N"
#      SELFTEST_TIMEOUT_SCALE multiplies every timeout (debug kernels)
#      SELFTEST_EXCLUDE  space separated names/globs to leave out
#      SELFTEST_SKIP     names/globs not run, reported "ok N name # SKIP";
#                        a test that skips by itself (exit 4) was expected
#                        to run and is reported "not ok N name # SKIP"
#      VM_RESULTS        results dir (default /tmp/pptp-alg-selftests);
#                        per-test logs go to $VM_RESULTS/selftests/
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TIMEOUT_DEFAULT=${SELFTEST_TIMEOUT:-300}
OUT=${VM_RESULTS:-/tmp/pptp-alg-selftests}/selftests
mkdir -p "$OUT" || exit 1

# Resolve patterns to test paths, in a stable order.
collect() {
	local pats=("$@") p f name
	((${#pats[@]})) || pats=('*')
	for p in "${pats[@]}"; do
		p=${p##*/}
		p=${p%.sh}
		for f in "$HERE"/$p.sh; do
			[[ -f $f ]] || continue
			name=$(basename "$f" .sh)
			case $name in
			lib | *_lib | run_all | bench_* | diff_* | dkms_*) continue ;;
			esac
			excluded "$name" && continue
			printf '%s\n' "$f"
		done
	done | awk '!seen[$0]++'
}

skipped() { SELFTEST_EXCLUDE=${SELFTEST_SKIP:-} excluded "$1"; }

excluded() {
	# Globs are matched against test names, not expanded as file names.
	local - x
	set -f
	for x in ${SELFTEST_EXCLUDE:-}; do
		# shellcheck disable=SC2053
		[[ $1 == ${x%.sh} ]] && return 0
	done
	return 1
}

test_timeout() {
	local t
	t=$(sed -n 's/^# timeout: *\([0-9][0-9]*\).*/\1/p' "$1" | head -n1)
	# A debug kernel (KASAN, lockdep) runs the same steps several times slower.
	echo $((${t:-$TIMEOUT_DEFAULT} * ${SELFTEST_TIMEOUT_SCALE:-1}))
}

main() {
	local pats=("$@")
	if ((${#pats[@]} == 0)) && [[ -n ${TESTS:-} ]]; then
		read -ra pats <<<"$TESTS"
	fi
	local tests
	mapfile -t tests < <(collect "${pats[@]}")

	echo "TAP version 13"
	echo "1..${#tests[@]}"
	local n=0 pass=0 fail=0 skip=0 t name to rc start dur line
	: >"$OUT/results.tap"
	for t in "${tests[@]}"; do
		n=$((n + 1))
		name=$(basename "$t" .sh)
		if skipped "$name"; then
			line="ok $n $name # SKIP SELFTEST_SKIP"
			skip=$((skip + 1))
			echo "$line"
			echo "$line # 0s" >>"$OUT/results.tap"
			continue
		fi
		to=$(test_timeout "$t")
		echo "# selftest: $name (timeout ${to}s)"
		start=$SECONDS
		# Own process group per test via setsid, so the timeout kills
		# servers it left behind too; --kill-after for tests that
		# ignore TERM.  Output streams to the console and the log.
		timeout --kill-after=10 "$to" setsid bash "$t" </dev/null 2>&1 |
			tee "$OUT/$name.log"
		rc=${PIPESTATUS[0]}
		dur=$((SECONDS - start))
		case $rc in
		0) line="ok $n $name"; pass=$((pass + 1)) ;;
		4) line="not ok $n $name # SKIP where it must run"; fail=$((fail + 1)) ;;
		124 | 137) line="not ok $n $name # TIMEOUT ${to}s"; fail=$((fail + 1)) ;;
		*) line="not ok $n $name # exit=$rc"; fail=$((fail + 1)) ;;
		esac
		echo "$line"
		echo "$line # ${dur}s" >>"$OUT/results.tap"
	done
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
	printf 'pass %d\nfail %d\nskip %d\n' "$pass" "$fail" "$skip" >"$OUT/summary"
	((fail == 0))
}

main "$@"
