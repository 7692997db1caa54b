#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Allocation failures under PPTP traffic (the debug kernel's fault
# injection, Documentation/fault-injection/).  The stress driver
# (tools/pptp_stress) runs control connections with outgoing and
# incoming calls and GRE both ways through a PAT router, in phases:
#
#   1. fail_pptp_alg: 10% of the allocations the module makes, or asks
#      the conntrack core for, on the packet path fail;
#   2. nothing fails: every check of the driver holds again;
#   3. failslab: 2% of every GFP_ATOMIC slab allocation of the guest
#      fails (skbs, conntrack entries, the module's alike);
#   4. nothing fails again.
#
# Pass: no kernel report; in 1 the failures injected (fail_pptp_alg's
# `times` counting down) are exactly what "nomem" counted, and nothing
# untranslated left the NAT nor reached the wrong endpoint; in 1 and 3
# other checks may fail where a call could not be made; in 2 and 4 none
# may; afterwards no session, call or expectation is left, and after
# rmmod kmemleak reports nothing of the module.
# timeout: 300
# tier: debug
# exclusive: injects allocation failures into the whole guest
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/stress_lib.sh"

require_vm
require_root
require_cmd nft conntrack ip modprobe rmmod
require_module
[[ -x $STRESS ]] ||
	ksft_exit_skip "$STRESS missing: make -C selftests/tools selftest-tools (on the host)"
DBG=/sys/kernel/debug
mountpoint -q $DBG || mount -t debugfs none $DBG || ksft_exit_fail "debugfs"
FAIL_MOD=$DBG/fail_pptp_alg
FAIL_SLAB=$DBG/failslab
SCALE=${SELFTEST_TIMEOUT_SCALE:-1}
STEP=$((8 * SCALE))
SEED=${PPTP_STRESS_SEED:-$((RANDOM * 32768 + RANDOM))}
WORK=$(mktemp -d)
defer "rm -rf '$WORK'"

modprobe -r nf_nat_pptp nf_conntrack_pptp 2>/dev/null
modprobe nf_conntrack_netlink || ksft_exit_fail "modprobe nf_conntrack_netlink"
LOADED_AT=$(jiffies_now)
mod_load || ksft_exit_fail "modprobe $MOD failed"
[[ -d $FAIL_MOD && -d $FAIL_SLAB ]] ||
	ksft_exit_skip "no fault injection in $(uname -r) (CONFIG_FAULT_INJECTION_DEBUG_FS, FAILSLAB)"
router_topology || ksft_exit_fail "topology"
ip -n "$NS_C" -b - <<EOT || ksft_exit_fail "inside hosts"
addr add 10.0.1.3/24 dev c0
addr add 10.0.1.4/24 dev c0
addr add 10.0.1.5/24 dev c0
EOT
ip -n "$NS_S" addr add 10.0.2.3/24 dev s0 || ksft_exit_fail "second PAC"
rules "$NS_R" "$HELPER" || ksft_exit_fail "ruleset"
G="name=main,cns=/run/netns/$NS_C,sns=/run/netns/$NS_S,rns=/run/netns/$NS_R"
G+=",hosts=10.0.1.2+4,pacs=10.0.2.2+2,public=10.0.2.1,pairs=2,conns=3"

# fault ATTR PROBABILITY TIMES: fail that percentage of the calls, TIMES
# at most (the file counts down).
fault() {
	echo 0 >"$1/verbose"
	echo 1 >"$1/interval"
	echo "$3" >"$1/times"
	echo "$2" >"$1/probability"
}
defer "echo 0 > $FAIL_MOD/probability; echo 0 > $FAIL_SLAB/probability"

declare -A SM
# run NAME SECS: the driver for SECS seconds; its summary in SM, and
# what the router counted meanwhile in the log.
run() {
	local k v line= before
	before=$(stat_dump "$NS_R")
	timeout --kill-after=10 $(($2 + 20 * STEP + 60)) "$STRESS" --group "$G" \
		--seconds "$2" --timeout "$STEP" --seed "$SEED" --no-stress-extras \
		--report "$WORK/$1.sum" >"$WORK/$1.out" 2>&1
	keep_out "$WORK/$1.out"
	declare -A B A
	while read -r k v; do B[$k]=$v; done <<<"$before"
	while read -r k v; do A[$k]=$v; done < <(stat_dump "$NS_R")
	for k in "${!A[@]}"; do
		((${A[$k]} != ${B[$k]:-0})) && [[ $k != msg_* ]] &&
			line+=" $k+$((${A[$k]} - ${B[$k]:-0}))"
	done
	log "$1: router counted$line"
	summary "$WORK/$1.sum" main SM || {
		show_out "$WORK/$1.out"
		log_fail "$1: no summary from the driver"
		return 1
	}
	log "$1: ${SM[conns]} connections, ${SM[calls_est]} calls, ${SM[gre_rx]} GRE packets delivered"
}
# safe NAME: what no allocation failure may cause.  (A call refused for
# want of memory leaves with ID 0, and the PAC's later messages name 0:
# the driver counts those as translated_inside and nat_zero, by design.)
safe() {
	local k
	for k in untranslated_pac nat_inconsistent nat_dup \
		gre_misdelivered gre_wrong_key gre_not_natted gre_foreign; do
		check "$1: $k = ${SM[$k]:-?}" test "${SM[$k]:-1}" -eq 0
	done
}
# healthy NAME: every check of the driver.
healthy() {
	local k
	safe "$1"
	for k in translated_inside wrong_id_inside nat_zero pac_id_wrong msg_mismatch \
		unexpected_close stall gre_unassured gre_missing; do
		check "$1: $k = ${SM[$k]:-?}" test "${SM[$k]:-1}" -eq 0
	done
	check "$1: calls set up (${SM[calls_est]})" test "${SM[calls_est]:-0}" -ge 10
}

[[ -w $KMEMLEAK ]] && echo clear >$KMEMLEAK
dmesg_mark

# 1. The module's own allocations.
snap S0
fault "$FAIL_MOD" 10 1000000
run faulty 15
echo 0 >"$FAIL_MOD/probability"
injected=$((1000000 - $(cat "$FAIL_MOD/times")))
snap S1
log "injected $injected failures; nomem +$(delta nomem), expect_failed +$(delta expect_failed), nat_rewrite_failed +$(delta nat_rewrite_failed), nat_fail_closed +$(delta nat_fail_closed), gre_orphans +$(delta gre_orphans), calls_setup +$(delta calls_setup)"
check "failures injected into the module ($injected)" test "$injected" -ge 20
check "each counted once in nomem (+$(delta nomem))" test "$(delta nomem)" -eq "$injected"
safe faulty
kernel_reports "while the module's allocations failed"

# 2. Everything works again.
run after_module 8 && healthy after_module

# 3. Every GFP_ATOMIC slab allocation of the guest.
echo Y >"$FAIL_SLAB/ignore-gfp-wait"
echo N >"$FAIL_SLAB/cache-filter"
fault "$FAIL_SLAB" 2 5000
run slab 8
echo 0 >"$FAIL_SLAB/probability"
log "failslab: $((5000 - $(cat "$FAIL_SLAB/times"))) slab allocations failed"
safe slab
kernel_reports "while slab allocations failed"

# 4. And again.
run after_slab 8 && healthy after_slab

# Nothing is left half made once every connection is closed.
settled() {
	snap S1
	((S1[sessions_active] == 0 && S1[calls_active] == 0 &&
		S1[calls_pending] == 0)) &&
		! ct_expect_list "$NS_R" | grep -q -E "proto=47|gre"
}
wait_for 20 settled
check "no session, call or expectation left (sessions ${S1[sessions_active]}, calls ${S1[calls_active]}, pending ${S1[calls_pending]})" settled

read -r _ modsize _ _ _ modbase _ < <(grep "^$MOD " /proc/modules)
ns_exec "$NS_R" nft flush ruleset
check "module unloads" mod_rmmod
kernel_reports "after the unload"
kmemleak_mine 2 "$(printf '%016x' "$modbase")" \
	"$(printf '%016x' $((modbase + modsize)))" "$LOADED_AT" "after the unload"
ksft_finish
