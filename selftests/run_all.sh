#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run the selftests (inside the guest) and report in TAP/KTAP style:
#   ok N name | not ok N name | ok N name # SKIP
#
# usage: selftests/run_all.sh [TEST...]
#   TEST: name with or without .sh, or a glob (e.g. 'pptp_*').  Without
#   arguments: $TESTS (space separated) if set, else every selftests/*.sh
#   except lib.sh, run_all.sh and the *_lib.sh libraries.
# env: SELFTEST_TIMEOUT  per-test timeout in seconds (default 300); a test
#                        may override it with a line "# timeout: N"
#      SELFTEST_JOBS     run up to N tests at once (default 1).  A test
#                        with a line "# exclusive: WHY" (it loads or
#                        unloads the module, sets a global knob or
#                        measures) runs alone.  Each test builds its own
#                        namespaces; with N > 1 a test's output is shown
#                        when it ends.
#      SELFTEST_TIMEOUT_SCALE multiplies every timeout (debug kernels)
#      SELFTEST_EXCLUDE  space separated names/globs to leave out
#      SELFTEST_SKIP     names/globs not run, reported "ok N name # SKIP";
#                        a test that skips by itself (exit 4) was expected
#                        to run and is reported "not ok N name # SKIP"
#      VM_RESULTS        results dir (default /tmp/pptp-alg-selftests);
#                        per-test logs go to $VM_RESULTS/selftests/
# A test with a line "# tier: debug" needs the debug kernel (KASAN, fault
# injection, several CPUs): elsewhere a glob leaves it out, and named it
# runs (and says why it cannot).
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TIMEOUT_DEFAULT=${SELFTEST_TIMEOUT:-300}
JOBS=${SELFTEST_JOBS:-1}
OUT=${VM_RESULTS:-/tmp/pptp-alg-selftests}/selftests
mkdir -p "$OUT" || exit 1

# KASAN's instrumentation is what tells the debug kernel from Debian's.
debug_kernel() { grep -qw __asan_load8 /proc/kallsyms 2>/dev/null; }

# Resolve patterns to test paths, in a stable order.
collect() {
	local pats=("$@") p f name debug=0
	((${#pats[@]})) || pats=('*')
	debug_kernel && debug=1
	for p in "${pats[@]}"; do
		p=${p##*/}
		p=${p%.sh}
		for f in "$HERE"/$p.sh; do
			[[ -f $f ]] || continue
			name=$(basename "$f" .sh)
			case $name in
			lib | *_lib | run_all) continue ;;
			esac
			excluded "$name" && continue
			# Named, it runs (and says why it cannot).
			if ((!debug)) && [[ $p != "$name" ]] &&
				grep -q '^# tier: debug' "$f"; then
				continue
			fi
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

exclusive() { grep -q '^# exclusive:' "$1"; }

# Start test $1 (path) as job $2 (its TAP number) in the background.
start_test() {
	local t=$1 n=$2 name to
	name=$(basename "$t" .sh)
	to=$(test_timeout "$t")
	echo "# selftest: $name (timeout ${to}s)"
	START[$n]=$SECONDS
	# Own process group per test via setsid, so the timeout kills
	# servers it left behind too; --kill-after for tests that ignore
	# TERM.  Run alone, the output streams to the console as it comes.
	if ((JOBS == 1)); then
		timeout --kill-after=10 "$to" setsid bash "$t" </dev/null 2>&1 |
			tee "$OUT/$name.log"
		echo "${PIPESTATUS[0]}" >"$OUT/$name.rc"
	else
		{
			timeout --kill-after=10 "$to" setsid bash "$t" </dev/null \
				>"$OUT/$name.log" 2>&1
			echo $? >"$OUT/$name.rc"
		} &
		PID[$!]=$n
	fi
	NAME[$n]=$name
	TO[$n]=$to
}

# Report job $1 (TAP number), which has ended.
report() {
	local n=$1 name=${NAME[$1]} rc line dur
	rc=$(cat "$OUT/$name.rc" 2>/dev/null || echo 125)
	rm -f "$OUT/$name.rc"
	dur=$((SECONDS - START[n]))
	((JOBS == 1)) || cat "$OUT/$name.log"
	case $rc in
	0) line="ok $n $name"; pass=$((pass + 1)) ;;
	4) line="not ok $n $name # SKIP where it must run"; fail=$((fail + 1)) ;;
	124 | 137) line="not ok $n $name # TIMEOUT ${TO[n]}s"; fail=$((fail + 1)) ;;
	*) line="not ok $n $name # exit=$rc"; fail=$((fail + 1)) ;;
	esac
	echo "$line"
	echo "$line # ${dur}s" >>"$OUT/results.tap"
}

# Wait until fewer than $1 jobs run, reporting each that ends.
drain() {
	local done
	while ((${#PID[@]} >= $1 && ${#PID[@]} > 0)); do
		wait -n -p done "${!PID[@]}"
		[[ -n ${done:-} && -n ${PID[$done]:-} ]] || continue
		report "${PID[$done]}"
		unset "PID[$done]"
	done
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
	local n t name line
	pass=0 fail=0 skip=0
	declare -gA PID=()
	declare -ga START=() NAME=() TO=()
	: >"$OUT/results.tap"
	# Exclusive tests first, one at a time; then the rest, JOBS at once.
	local order=() i
	for i in "${!tests[@]}"; do
		((JOBS == 1)) || exclusive "${tests[i]}" && order+=("$i")
	done
	for i in "${!tests[@]}"; do
		((JOBS == 1)) || exclusive "${tests[i]}" || order+=("$i")
	done
	for i in "${order[@]}"; do
		t=${tests[i]}
		n=$((i + 1))
		name=$(basename "$t" .sh)
		if skipped "$name"; then
			line="ok $n $name # SKIP SELFTEST_SKIP"
			skip=$((skip + 1))
			echo "$line"
			echo "$line # 0s" >>"$OUT/results.tap"
			continue
		fi
		rm -f "$OUT/$name.rc"
		if ((JOBS == 1)) || exclusive "$t"; then
			JOBS=1 start_test "$t" "$n"
			JOBS=1 report "$n"
		else
			drain "$JOBS"
			start_test "$t" "$n"
		fi
	done
	drain 1
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
	printf 'pass %d\nfail %d\nskip %d\n' "$pass" "$fail" "$skip" >"$OUT/summary"
	((fail == 0))
}

main "$@"
