#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make check`: everything CI verifies, in order.  Stages (installation,
# builds, static checks, kernel-log scans) are reported on their own
# lines with their time; the counts are test cases: host and guest KUnit
# cases, selftests per kernel tier, DKMS checks.  Ends with exactly one
# line "N passed, N failed, N skipped", where a failed stage adds one
# failure, and exits non-zero on any failure.
#
# env: PPTP_CHECK_DIR        logs/results (default ${TMPDIR:-/tmp}/pptp-alg-check)
#      PPTP_CHECK_VM_TIMEOUT guest boot timeout in seconds (default 2700)
#      PPTP_CHECK_SKIP       space separated stages to skip
#                            (deps build sparse checkpatch unit install guest
#                            k612 dkms debug)
#      PPTP_CHECK_DEBUG_TESTS selftests run on the debug kernel
#      TESTS                 selftest filter passed to selftests/run_all.sh
set -u
set -o pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP" || exit 1
# shellcheck source=results.sh
. "$TOP/scripts/results.sh"
RES=${PPTP_CHECK_DIR:-${TMPDIR:-/tmp}/pptp-alg-check}
VM_TIMEOUT=${PPTP_CHECK_VM_TIMEOUT:-2700}
K612_RES=${PPTP_CHECK_612_DIR:-${TMPDIR:-/tmp}/pptp-alg-check-612}

PASSED=0
FAILED=0
SKIPPED=0
FAILED_LOGS=()
FAILED_STAGES=()
TIMES=()		# "SECONDS KIND NAME" of each stage and test
declare -A STAGE_FAILED	# stages counted as one failure each
T0=$SECONDS

rm -rf "$RES"
mkdir -p "$RES" || exit 1
touch "$RES/.start"

say() { printf '== %s\n' "$*"; }

skip_requested() { [[ " ${PPTP_CHECK_SKIP:-} " == *" $1 "* ]]; }

# stage NAME CMD... : run CMD with output in $RES/NAME.log and time it;
# a failure counts as one.  A stage's output also goes to the console only
# as a tail on failure, so the CI log stays readable.
stage() {
	local name=$1 start rc
	shift
	if skip_requested "$name"; then
		say "$name: not run (PPTP_CHECK_SKIP)"
		return 0
	fi
	start=$SECONDS
	"$@" >"$RES/$name.log" 2>&1
	rc=$?
	TIMES+=("$((SECONDS - start)) stage $name")
	if ((rc == 0)); then
		say "$name: PASS ($((SECONDS - start))s)"
	else
		FAILED=$((FAILED + 1))
		STAGE_FAILED[$name]=1
		FAILED_LOGS+=("$RES/$name.log")
		FAILED_STAGES+=("$name")
		say "$name: FAIL rc=$rc ($((SECONDS - start))s), log $RES/$name.log"
		tail -n 40 "$RES/$name.log" | sed 's/^/    /'
	fi
	return "$rc"
}

# ------------------------------------------------------------ stages

do_build() {
	# Clean first so every file is recompiled and every warning shows.
	make -C "$TOP" clean >/dev/null 2>&1
	make -C "$TOP" W=1 modules || return 1
	# Kbuild with W=1 prints warnings without failing; we do fail.
	! grep -E '(warning|error):|WARNING:' "$RES/build.log"
}

do_unit() {
	make -C "$TOP/kunit" host
}

# count_lines NAME WHAT: add the last "N passed, N failed[, N skipped]"
# of stage NAME's log to the totals.  A count with no pass (every case
# skipped, or none ran) is a failure of its own.
count_lines() {
	local name=$1 what=$2 p f s
	read -r p f s < <(summary_count "$RES/$name.log")
	if [[ -z ${p:-} ]]; then
		say "$name: no test counts ($what)"
		# A failed stage already counted once.
		if [[ -z ${STAGE_FAILED[$name]:-} ]]; then
			FAILED=$((FAILED + 1))
			FAILED_STAGES+=("$name(no counts)")
		fi
		return
	fi
	say "$name: $p passed, $f failed, $s skipped ($what)"
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	SKIPPED=$((SKIPPED + s))
	# The stage failed because cases did: they are its failures.
	if ((f)) && [[ -n ${STAGE_FAILED[$name]:-} ]]; then
		FAILED=$((FAILED - 1))
		unset "STAGE_FAILED[$name]"
	fi
	if ((p == 0)); then
		say "$name: FAIL: no case passed"
		FAILED=$((FAILED + 1))
		FAILED_STAGES+=("$name(nothing passed)")
	fi
}

do_guest() {
	VM_RUN_QUIET=1 "$TOP/scripts/vm-run.sh" --timeout "$VM_TIMEOUT" \
		--results "$RES/guest" --log "$RES/console.log" \
		-- selftests/run_all.sh
}

count_guest() {
	local tap=$RES/guest/selftests/results.tap p f s
	if [[ ! -s $tap ]]; then
		say "guest: no selftest results (see $RES/console.log)"
		return 1
	fi
	read -r p f s < <(tap_count "$tap")
	say "guest selftests: $p passed, $f failed, $s skipped"
	if ((p == 0)); then
		say "guest: FAIL: no selftest passed"
		FAILED=$((FAILED + 1))
	fi
	grep -E '^(not ok|ok .*# SKIP)' "$tap" | sed 's/^/    /'
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	SKIPPED=$((SKIPPED + s))
	local t
	for t in $(tap_failures "$tap"); do
		FAILED_LOGS+=("$RES/guest/selftests/$t.log")
		say "tail of $t.log:"
		tail -n 30 "$RES/guest/selftests/$t.log" 2>/dev/null | sed 's/^/    /'
	done
}

# Every finding in the guest's kernel log counts as a failure: the
# guest runs without panic_on_warn precisely so we can see all of them.
scan_dmesg() {
	local d=$RES/guest/dmesg n=0 label re hits
	if [[ ! -s $d ]]; then
		say "dmesg: missing ($d)"
		FAILED=$((FAILED + 1))
		return
	fi
	hits=$(grep -E -- "$SPLAT_RE" "$d")
	if [[ -n $hits ]]; then
		n=$((n + 1))
		say "dmesg: FAIL"
		printf '%s\n' "$hits" | head -n 10 | sed 's/^/    /'
	fi
	# Taint: allow only O (out-of-tree, bit 12) and E (unsigned, bit 13).
	local taint bad letters='PFSRMBUDAWCIOELKXT' i out=
	taint=$(cat "$RES/guest/tainted" 2>/dev/null || echo 0)
	bad=$((taint & ~((1 << 12) | (1 << 13))))
	if ((bad)); then
		for ((i = 0; i < ${#letters}; i++)); do
			((bad & (1 << i))) && out+=${letters:i:1}
		done
		n=$((n + 1))
		say "dmesg: FAIL kernel tainted=$taint (flags $out)"
	fi
	if ((n)); then
		FAILED=$((FAILED + n))
		FAILED_LOGS+=("$d")
		FAILED_STAGES+=("dmesg(${1:-6.1})")
	else
		say "dmesg: clean (tainted=$taint)"
	fi
}

# ------------------------------------------------------------------ main

stage deps "$TOP/scripts/deps.sh" || {
	say "dependencies missing; cannot continue"
	echo "$PASSED passed, $((FAILED)) failed"
	exit 1
}

build_ok=1
stage build do_build || build_ok=0
stage sparse make -C "$TOP" sparse
stage checkpatch make -C "$TOP" checkpatch

if [[ -f $TOP/kunit/Makefile ]]; then
	stage unit do_unit
	count_lines unit "host KUnit cases"
else
	say "unit: no kunit/Makefile, skipped"
fi

if ((build_ok)); then
	if stage install make -C "$TOP" install && ! skip_requested guest; then
		start=$SECONDS
		do_guest >"$RES/guest.log" 2>&1
		rc=$?
		say "guest: vm-run exited $rc ($((SECONDS - start))s), console $RES/console.log"
		TIMES+=("$((SECONDS - start)) stage guest-6.1")
		if ((rc == 124 || rc == 125)); then
			FAILED=$((FAILED + 1))
			FAILED_LOGS+=("$RES/console.log")
			FAILED_STAGES+=("guest(6.1: vm-run $rc)")
		fi
		count_guest || {
			FAILED=$((FAILED + 1))
			FAILED_LOGS+=("$RES/console.log")
			FAILED_STAGES+=("guest(6.1: no results)")
		}
		scan_dmesg
	fi
else
	say "install/guest: not run (build failed)"
fi

# The same suite on Debian 13's 6.12 (staged and cached by the script).
if ((build_ok)) && ! skip_requested k612; then
	stage k612 "$TOP/scripts/check-612.sh"
	count_lines k612 "6.12 guest: build, selftests, kernel log"
fi

# Debug kernel tier: KUnit, KASAN, lockdep, kmemleak (scripts/test-kernel.config).
# The kernel is built once and cached outside the repo; every selftest runs
# under it too (PPTP_CHECK_DEBUG_TESTS narrows the list).
DEBUG_TESTS=${PPTP_CHECK_DEBUG_TESTS:-}
do_debug_kunit() {
	local k
	k=$("$TOP/scripts/build-test-kernel.sh" --print-dir) || return 1
	"$TOP/scripts/vm-run.sh" --kernel "$k/vmlinuz-$(cat "$k/kver")" \
		--timeout 900 --results "$RES/debug-kunit" \
		-- scripts/kunit-guest.sh --kmemleak
}
do_debug_selftests() {
	local k
	k=$("$TOP/scripts/build-test-kernel.sh" --print-dir) || return 1
	# shellcheck disable=SC2086
	VM_RUN_QUIET=1 SELFTEST_TIMEOUT_SCALE=3 \
		"$TOP/scripts/vm-run.sh" --kernel "$k/vmlinuz-$(cat "$k/kver")" \
		--timeout "$VM_TIMEOUT" --results "$RES/debug-guest" \
		-- selftests/run_all.sh $DEBUG_TESTS
	local rc=$? tap=$RES/debug-guest/selftests/results.tap p f s
	[[ -s $tap ]] || return 1
	read -r p f s < <(tap_count "$tap")
	echo "$p passed, $f failed, $s skipped"
	return $rc
}
if ((build_ok)) && ! skip_requested debug; then
	stage debug-kernel "$TOP/scripts/build-test-kernel.sh"
	stage debug-install "$TOP/scripts/build-test-kernel.sh" --install-modules "$TOP"
	stage debug-kunit do_debug_kunit
	count_lines debug-kunit "KUnit cases on the debug kernel"
	stage debug-guest do_debug_selftests
	count_lines debug-guest "selftests on the debug kernel"
	RES_SAVE=$RES
	if [[ -f $RES/debug-guest/dmesg ]]; then
		mkdir -p "$RES/debug-scan"
		ln -sfn "$RES/debug-guest" "$RES/debug-scan/guest"
		RES=$RES/debug-scan scan_dmesg debug
		RES=$RES_SAVE
	fi
fi

# An operator's install: the DKMS package on a root that is not ours.
if ((build_ok)) && ! skip_requested dkms; then
	stage dkms "$TOP/selftests/dkms_install.sh"
	count_lines dkms "DKMS package checks"
fi

# CI keeps only the tail of this output: name every failing stage and
# selftest, with the FAIL lines of its log, right above the totals.
failure_digest() {
	local tier tap t log
	((${#FAILED_STAGES[@]})) && say "failed stages: ${FAILED_STAGES[*]}"
	for tier in "6.1:$RES/guest" "6.12:$K612_RES/guest" "debug:$RES/debug-guest"; do
		tap=${tier#*:}/selftests/results.tap
		# Only results of this run (6.12 keeps its own directory).
		[[ -s $tap && $tap -nt $RES/.start ]] || continue
		for t in $(tap_failures "$tap"); do
			log=${tier#*:}/selftests/$t.log
			say "failed selftest ${tier%%:*}/$t:"
			{ grep -E 'FAIL|not ok' "$log" || tail -n 5 "$log"; } 2>/dev/null |
				head -n 6 | sed 's/^/    /'
		done
	done
}

# Where the time went: every stage, and the ten slowest selftests of all
# tiers, so the next slowdown shows.
time_table() {
	local tier tap
	say "time per stage:"
	printf '%s\n' "${TIMES[@]}" | awk '{ printf "    %5ds  %s\n", $1, $3 }'
	say "ten slowest selftests:"
	for tier in "6.1:$RES/guest" "6.12:$K612_RES/guest" "debug:$RES/debug-guest"; do
		tap=${tier#*:}/selftests/results.tap
		[[ -s $tap && $tap -nt $RES/.start ]] || continue
		sed -n "s/^\(not \)\{0,1\}ok [0-9]* \([^ ]*\).* # \([0-9]*\)s\$/\3 ${tier%%:*} \2/p" "$tap"
	done | sort -rn | head -n 10 | awk '{ printf "    %5ds  %-6s %s\n", $1, $2, $3 }'
}

say "total time $((SECONDS - T0))s, logs in $RES"
time_table
((${#FAILED_LOGS[@]})) && say "failing logs: ${FAILED_LOGS[*]}"
((FAILED)) && failure_digest
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
((FAILED == 0))
