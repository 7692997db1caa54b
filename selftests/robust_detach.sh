#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A helper detached by ctnetlink (an update with an empty helper name, as
# conntrackd or a management tool may send) gets no destroy call from the
# core.  The control connection's state, its translated call IDs and its
# calls' GRE entries must still go promptly, not when the namespace does;
# and a namespace that goes must not wait seconds for such state.
#
# Flow: PAT router, a raw PNS inside with one call, GRE both ways; the
# control connection's helper is detached; within the helper's sweep
# interval (5 s) the calls table is empty, the GRE entries are gone and
# sessions_detached counted.  A second call is detached too and the
# router namespace deleted at once: its exit, which the module unload
# waits for, must release that state itself, since no destroy() will
# come for it (a drain waiting for one spins and warns).
# timeout: 120
# exclusive: unloads the module
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/robust_lib.sh"

robust_init
PNS_ID=4660

robust_setup
ns_exec "$NS_S" python3 "$RAW" pac --bind 10.0.2.2 --port 1723 \
	--log "$WORK/pac.log" >/dev/null 2>&1 &
wait_listen "$NS_S" 1723 30 || ksft_exit_fail "PAC did not start"

# call N: a call held open; sets SPORT to its control connection's port.
call() {
	timeout 90 ip netns exec "$NS_C" python3 "$RAW" pns --to 10.0.2.2 \
		--port 1723 --call-id "$PNS_ID" --hold 60 >"$WORK/pns$1.out" 2>&1 &
	wait_for 15 grep -q "^ocrp" "$WORK/pns$1.out" || ksft_exit_fail "call $1 not set up"
	SPORT=$(ns_exec "$NS_R" conntrack -L -p tcp --dport 1723 2>/dev/null |
		sed -n 's/.*src=10.0.1.2 dst=10.0.2.2 sport=\([0-9]*\).*/\1/p' | tail -n 1)
}
calls_empty() { [[ -z $(ns_exec "$NS_R" cat "$PROC_DIR/calls") ]]; }
calls_listed() { ! calls_empty; }
gre_gone() { (($(ct_list "$NS_R" -p gre | grep -c .) == 0)); }

call 1
NAT_ID=$(awk '$2 == "OCRQ" { sub("own=", "", $3); print $3; exit }' "$WORK/pac.log")
ns_exec "$NS_S" python3 "$GRE" send --to 10.0.2.1 --key "$NAT_ID" --count 3 >/dev/null
ns_exec "$NS_C" python3 "$GRE" send --to 10.0.2.2 --key 20817 --count 3 >/dev/null
check "GRE entries for the call" test "$(ct_list "$NS_R" -p gre | grep -c .)" -eq 2
snap S0
ns_exec "$NS_R" python3 "$TOOLS/ct_unhelp.py" 10.0.1.2 10.0.2.2 "$SPORT" 1723
rc=$?
ct_list "$NS_R" -p tcp | sed 's/^/# ct: /'
if ((rc == 3)); then
	# Since 7.3 ctnetlink refuses (EOPNOTSUPP) to detach a helper, so a
	# connection cannot lose its helper behind our back: it must simply
	# keep it, with its call and GRE entries.
	log "this kernel's ctnetlink does not detach helpers"
	check "the connection keeps helper=pptp-alg" \
		sh -c "ip netns exec '$NS_R' conntrack -L -p tcp --dport 1723 2>/dev/null |
			grep -q helper=pptp-alg"
	check "its call stays in the calls table" calls_listed
	check "its GRE entries stay" test "$(ct_list "$NS_R" -p gre | grep -c .)" -eq 2
	snap S1
	check "sessions_detached +$(delta sessions_detached) = 0" test "$(delta sessions_detached)" -eq 0
	DETACHES=0
else
	check "helper detached through ctnetlink" test "$rc" -eq 0
	check "state released within the sweep interval" wait_for 12 calls_empty
	check "its GRE entries removed" wait_for 2 gre_gone
	snap S1
	check "sessions_detached +$(delta sessions_detached) = 1" test "$(delta sessions_detached)" -eq 1
	check "sessions_active back to 0" test "$(stat_get "$NS_R" sessions_active)" -eq 0
	DETACHES=1
fi

call 2
if ((DETACHES)); then
	check "second helper detached" \
		ns_exec "$NS_R" python3 "$TOOLS/ct_unhelp.py" 10.0.1.2 10.0.2.2 "$SPORT" 1723
fi
# Before the sweep runs: the namespace's exit must release it at once.
t0=$(date +%s%N)
ip netns del "$NS_R"
check "module unloads after the router namespace went" mod_rmmod
log "namespace exit and unload took $((($(date +%s%N) - t0) / 1000000)) ms"
check "no kernel warnings" dmesg_check
ksft_finish
