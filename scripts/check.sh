#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make check`: everything CI verifies.  Stages (installation, builds,
# static checks, kernel-log scans) are reported on their own lines with
# their time; the counts are test cases: host and guest KUnit cases,
# selftests per kernel tier, DKMS checks.  Ends with exactly one line
# "N passed, N failed, N skipped", where a failed stage adds one failure,
# and exits non-zero on any failure.
#
# The host steps run first, in order.  The guest tiers then run in two
# lanes at once, one guest with one vCPU per host core (two vCPUs each
# would put four on two cores, and a guest whose lock holder is not
# scheduled spins): the 6.1 tier and the debug kernel (KUnit, then most
# of its selftests) in one; the staged kernels (6.12, 7.3, the 7.2 smoke
# test), the DKMS package and the rest of the debug selftests in the
# other.
#
# env: PPTP_CHECK_DIR        logs/results (default ${TMPDIR:-/tmp}/pptp-alg-check)
#      PPTP_CHECK_VM_TIMEOUT guest boot timeout in seconds (default 2700)
#      PPTP_CHECK_SKIP       space separated stages to skip
#                            (deps build tools sparse checkpatch unit deb
#                            conntrackd install guest k6.12 k7.3 k7.2 dkms
#                            debug debug-smp)
#      PPTP_CHECK_DEBUG_TESTS selftests run on the debug kernel (names
#                            or globs; default: DEBUG_TESTS and
#                            DEBUG_TESTS_B below)
#      SELFTEST_JOBS         selftests at once in a guest (default 1: a
#                            guest keeps its one core busy anyway)
#      TESTS                 selftest filter passed to selftests/run_all.sh
set -u
set -o pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP" || exit 1
# shellcheck source=results.sh
. "$TOP/scripts/results.sh"
RES=${PPTP_CHECK_DIR:-${TMPDIR:-/tmp}/pptp-alg-check}
VM_TIMEOUT=${PPTP_CHECK_VM_TIMEOUT:-2700}
export SELFTEST_JOBS=${SELFTEST_JOBS:-1}
export PPTP_VM_SMP=${PPTP_VM_SMP:-1}
# Tiers whose selftest results the digest and the time table read.
TIERS=("6.1:$RES/guest" "6.12:$RES/k6.12/guest" "7.3:$RES/k7.3/guest"
	"7.2:$RES/k7.2/guest" "debug:$RES/debug-guest" "debug:$RES/debug-guest-b"
	"debug:$RES/debug-smp")

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

say() { printf '== %s\n' "$*"; }

skip_requested() { [[ " ${PPTP_CHECK_SKIP:-} " == *" $1 "* ]]; }

# stage NAME CMD... : run CMD with output in $RES/NAME.log and time it;
# a failure counts as one.  A stage's output also goes to the console only
# as a tail on failure, so the CI log stays readable.
stage() {
	local name=$1
	shift
	if skip_requested "$name"; then
		say "$name: not run (PPTP_CHECK_SKIP)"
		return 0
	fi
	run_step "$name" "$@"
	account "$name"
}

# run_step NAME CMD... : run CMD, keeping its output, exit status and
# time in $RES/NAME.{log,rc,secs}; for lanes, which account afterwards.
run_step() {
	local name=$1 start
	shift
	start=$SECONDS
	"$@" >"$RES/$name.log" 2>&1
	echo $? >"$RES/$name.rc"
	echo $((SECONDS - start)) >"$RES/$name.secs"
}

# account NAME: report a step that ran, and count a failure of it.
account() {
	local name=$1 rc secs
	if [[ ! -f $RES/$name.rc ]]; then
		say "$name: not run"
		return 0
	fi
	rc=$(<"$RES/$name.rc")
	secs=$(<"$RES/$name.secs")
	TIMES+=("$secs stage $name")
	if ((rc == 0)); then
		say "$name: PASS (${secs}s)"
	else
		FAILED=$((FAILED + 1))
		STAGE_FAILED[$name]=1
		FAILED_LOGS+=("$RES/$name.log")
		FAILED_STAGES+=("$name")
		say "$name: FAIL rc=$rc (${secs}s), log $RES/$name.log"
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

# The package (dpkg-buildpackage, then lintian: no error, no warning) and
# its next version for the DKMS stages' upgrade test, built once here.
do_deb() {
	local deb v
	deb=$("$TOP/packaging/mkdeb.sh" "$RES/deb") || return 1
	v=$(dpkg-deb -f "$deb" Version) || return 1
	"$TOP/packaging/mkdeb.sh" --no-lintian --next "$v+next1" "$RES/deb/next" \
		>"$RES/deb-next.path" || return 1
	printf '%s\n' "$deb" >"$RES/deb.path"
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

# scan_dmesg DIR LABEL: a finding in a guest's kernel log is a failure:
# the guests run without panic_on_warn precisely so we see all of them.
scan_dmesg() {
	local findings
	findings=$(kernel_log_findings "$1")
	if [[ -z $findings ]]; then
		say "dmesg($2): clean (tainted=$(cat "$1/tainted" 2>/dev/null))"
		return
	fi
	say "dmesg($2): FAIL"
	printf '%s\n' "$findings" | sed 's/^/    /'
	FAILED=$((FAILED + 1))
	FAILED_LOGS+=("$1/dmesg")
	FAILED_STAGES+=("dmesg($2)")
}

# ------------------------------------------------------------------ main

stage deps "$TOP/scripts/deps.sh" || {
	say "dependencies missing; cannot continue"
	echo "$PASSED passed, $((FAILED)) failed"
	exit 1
}

build_ok=1
stage build do_build || build_ok=0
# Userspace tools the selftests run (the guest sees the host's files).
stage tools make -C "$TOP/selftests/tools" selftest-tools
stage sparse make -C "$TOP" sparse
stage checkpatch make -C "$TOP" checkpatch

if [[ -f $TOP/kunit/Makefile ]]; then
	stage unit do_unit
	skip_requested unit || count_lines unit "host KUnit cases"
else
	say "unit: no kunit/Makefile, skipped"
fi

# Debug kernel tier: KUnit, KASAN, lockdep, kmemleak (scripts/test-kernel.config),
# built once and cached outside the repo.  What its sanitizers check is
# the code a test executes, so it runs the selftests that together
# execute every line and branch of the module the whole suite executes
# on it: the greedy cover bench/coverage.sh prints (docs/BENCHMARKS.md).
# Each of the others adds no line or branch there, and runs on 6.1, 6.12
# and 7.3.  Rerun bench/coverage.sh when tests or the module change.
# robust_state_ctnetlink runs here too: the cover in docs/BENCHMARKS.md
# was measured without the state code (ha.c), which it covers.  Lane 2
# runs DEBUG_TESTS_B once its own tiers are done, so that the lanes end
# together (docs/BENCHMARKS.md has the times); a list given in
# PPTP_CHECK_DEBUG_TESTS runs whole in lane 1.
DEBUG_TESTS=(robust_adversarial robust_segmentation robust_detach
	robust_pac_opens robust_pending_budget pptp_gre_timeout)
DEBUG_TESTS_B=(pptp_teardown recipes_migration robust_state_ctnetlink)
if [[ -n ${PPTP_CHECK_DEBUG_TESTS:-} ]]; then
	read -ra DEBUG_TESTS <<<"$PPTP_CHECK_DEBUG_TESTS"
	DEBUG_TESTS_B=()
fi
do_debug_kunit() {
	local k
	k=$("$TOP/scripts/build-test-kernel.sh" --print-dir) || return 1
	"$TOP/scripts/vm-run.sh" --kernel "$k/vmlinuz-$(cat "$k/kver")" \
		--timeout 900 --results "$RES/debug-kunit" \
		-- scripts/kunit-guest.sh --kmemleak
}
# do_debug_selftests DIR TEST...: selftests on the debug kernel.
do_debug_selftests() {
	local k t dir=$1
	shift
	for t in "$@"; do
		compgen -G "$TOP/selftests/$t.sh" >/dev/null ||
			{ echo "no selftest matches '$t'"; return 1; }
	done
	k=$("$TOP/scripts/build-test-kernel.sh" --print-dir) || return 1
	VM_RUN_QUIET=1 SELFTEST_TIMEOUT_SCALE=3 \
		"$TOP/scripts/vm-run.sh" --kernel "$k/vmlinuz-$(cat "$k/kver")" \
		--timeout "$VM_TIMEOUT" --results "$RES/$dir" \
		-- selftests/run_all.sh "$@"
	local rc=$? tap=$RES/$dir/selftests/results.tap p f s
	[[ -s $tap ]] || return 1
	read -r p f s < <(tap_count "$tap")
	echo "$p passed, $f failed, $s skipped"
	return $rc
}
# The tests that need several CPUs or the debug kernel's fault injection
# ("# tier: debug": the other tiers leave them out), and the unload with
# packets queued, whose freed module memory only this kernel poisons:
# on the debug kernel in a guest with two vCPUs, after both lanes, so
# that they get both host cores.
DEBUG_TESTS_SMP=(smp_stress robust_alloc_faults pptp_unload_live)
do_debug_smp() {
	local k rc tap=$RES/debug-smp/selftests/results.tap p f s
	k=$("$TOP/scripts/build-test-kernel.sh" --print-dir) || return 1
	VM_RUN_QUIET=1 SELFTEST_TIMEOUT_SCALE=3 \
		"$TOP/scripts/vm-run.sh" --kernel "$k/vmlinuz-$(cat "$k/kver")" \
		--smp 2 --mem 2048 --timeout "$VM_TIMEOUT" --results "$RES/debug-smp" \
		-- selftests/run_all.sh "${DEBUG_TESTS_SMP[@]}"
	rc=$?
	[[ -s $tap ]] || return 1
	read -r p f s < <(tap_count "$tap")
	echo "$p passed, $f failed, $s skipped"
	return $rc
}

# A staged kernel's tier: its own build, guest, kernel-log scan.
do_kernel() {
	local alias=$1
	shift
	PPTP_CHECK_KERNEL_DIR=$RES/k$alias "$TOP/scripts/check-kernel.sh" "$alias" "$@"
}

# Lane 1: Debian 12's 6.1 (the host's headers), then the debug kernel.
lane_host_kernels() {
	if ! skip_requested guest; then
		run_step guest-6.1 do_guest
	fi
	if ! skip_requested debug; then
		run_step debug-kernel "$TOP/scripts/build-test-kernel.sh"
		[[ $(<"$RES/debug-kernel.rc") == 0 ]] &&
			run_step debug-install "$TOP/scripts/build-test-kernel.sh" --install-modules "$TOP"
		# Lane 2 waits for this before its debug selftests.
		touch "$RES/debug-ready"
		if [[ $(cat "$RES/debug-install.rc" 2>/dev/null) == 0 ]]; then
			run_step debug-kunit do_debug_kunit
			run_step debug-guest do_debug_selftests debug-guest "${DEBUG_TESTS[@]}"
		fi
	fi
}

# Lane 2: the staged kernels, then an operator's install (the DKMS
# package on a root that is not ours) on 6.12 and 7.3.  sid's 7.2 moves
# too fast to pin a full tier on: a load/unload and one real-peer PAT call.
lane_staged_kernels() {
	# The router-pair test runs on 6.1 and on the newest tier only.
	skip_requested k6.12 ||
		SELFTEST_EXCLUDE="${SELFTEST_EXCLUDE:-} ha_failover" run_step k6.12 do_kernel 6.12
	skip_requested k7.3 || run_step k7.3 do_kernel 7.3
	skip_requested k7.2 ||
		run_step k7.2 do_kernel 7.2 foundation_load_unload pptp_pat_basic
	if ! skip_requested dkms; then
		# The deb stage's packages; without them each stage builds its own.
		local debs=()
		[[ -s $RES/deb.path && -s $RES/deb-next.path ]] &&
			debs=("PPTP_DKMS_DEB=$(<"$RES/deb.path")"
				"PPTP_DKMS_DEB_NEXT=$(<"$RES/deb-next.path")")
		run_step dkms-6.12 env "${debs[@]}" "$TOP/packaging/dkms_install.sh" 6.12
		run_step dkms-7.3 env "${debs[@]}" "$TOP/packaging/dkms_install.sh" 7.3
	fi
	if ! skip_requested debug && ((${#DEBUG_TESTS_B[@]})); then
		# The other lane builds and installs the debug kernel first.
		local waited=0
		while [[ ! -f $RES/debug-ready ]] && ((waited < VM_TIMEOUT)); do
			sleep 10
			waited=$((waited + 10))
		done
		if [[ $(cat "$RES/debug-install.rc" 2>/dev/null) == 0 ]]; then
			run_step debug-guest-b do_debug_selftests debug-guest-b "${DEBUG_TESTS_B[@]}"
		fi
	fi
}

stage deb do_deb
# The patched conntrackd that selftests/ha_failover.sh runs in the guest
# (its other variant is Debian's), built (cached) and tested by its
# round-trip test, whose cases count: 2 s once built.
stage conntrackd "$TOP/packaging/conntrack-tools/test.sh"
skip_requested conntrackd || count_lines conntrackd "conntrack-tools patch cases"

if ((build_ok)) && stage install make -C "$TOP" install; then
	lane_start=$SECONDS
	lane_host_kernels &
	lane1=$!
	lane_staged_kernels &
	lane2=$!
	wait "$lane1" "$lane2"
	say "guest lanes: $((SECONDS - lane_start))s"
	if ! skip_requested debug && ! skip_requested debug-smp &&
		[[ $(cat "$RES/debug-install.rc" 2>/dev/null) == 0 ]]; then
		run_step debug-smp do_debug_smp
	fi

	if [[ -f $RES/guest-6.1.rc ]]; then
		rc=$(<"$RES/guest-6.1.rc")
		say "guest: vm-run exited $rc ($(<"$RES/guest-6.1.secs")s), console $RES/console.log"
		TIMES+=("$(<"$RES/guest-6.1.secs") stage guest-6.1")
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
		scan_dmesg "$RES/guest" 6.1
	fi
	for k in 6.12 7.3 7.2; do
		account "k$k"
		[[ -f $RES/k$k.rc ]] && count_lines "k$k" "$k guest: build, selftests, kernel log"
	done
	account debug-kernel
	account debug-install
	account debug-kunit
	[[ -f $RES/debug-kunit.rc ]] && count_lines debug-kunit "KUnit cases on the debug kernel"
	for d in debug-guest debug-guest-b debug-smp; do
		account "$d"
		[[ -f $RES/$d.rc ]] || continue
		count_lines "$d" "selftests on the debug kernel"
		scan_dmesg "$RES/$d" "$d"
	done
	for k in 6.12 7.3; do
		account "dkms-$k"
		[[ -f $RES/dkms-$k.rc ]] && count_lines "dkms-$k" "DKMS package checks on $k"
	done
else
	say "guest tiers: not run (build or install failed)"
fi

# CI keeps only the tail of this output: name every failing stage and
# selftest, with the FAIL lines of its log, right above the totals.
failure_digest() {
	local tier tap t log
	((${#FAILED_STAGES[@]})) && say "failed stages: ${FAILED_STAGES[*]}"
	for tier in "${TIERS[@]}"; do
		tap=${tier#*:}/selftests/results.tap
		[[ -s $tap ]] || continue
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
	for tier in "${TIERS[@]}"; do
		tap=${tier#*:}/selftests/results.tap
		[[ -s $tap ]] || continue
		sed -n "s/^\(not \)\{0,1\}ok [0-9]* \([^ ]*\).* # \([0-9]*\)s\$/\3 ${tier%%:*} \2/p" "$tap"
	done | sort -rn | head -n 10 | awk '{ printf "    %5ds  %-6s %s\n", $1, $2, $3 }'
}

say "total time $((SECONDS - T0))s, logs in $RES"
time_table
((${#FAILED_LOGS[@]})) && say "failing logs: ${FAILED_LOGS[*]}"
((FAILED)) && failure_digest
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
((FAILED == 0))
