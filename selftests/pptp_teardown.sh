#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Call / control-connection teardown cleans the router up.
#  A. raw peers (tools/pptp_peer.py): OCRQ/OCRP creates GRE expectations;
#     after CCRQ/CDN -- control connection still open -- the call's
#     expectations are gone and the calls table is empty.
#  B. real pppd+pptp through pptpd: tunnel up, GRE flows (GRE conntrack
#     entries exist), then pppd is stopped gracefully (LCP terminate,
#     CCRQ/CDN, StopCCRQ, TCP close): no GRE expectation, no GRE
#     conntrack entry, empty calls table, calls_torndown grew.
# timeout: 180
. "$(dirname "$0")/pptp_lib.sh"

pptp_require
pptp_load
pptp_topo_pat 1 || ksft_exit_fail "topology"
pptp_ruleset pat 1 || ksft_exit_fail "nft ruleset"
CLI=${NS_CLIENTS[0]}
log_has() { grep -q -- "$2" "$1"; }

# ---- A: raw peers, call ends while the control connection stays up
ip netns exec "$NS_S" "${PEER[@]}" pac --listen "$SRV" --conns 1 --timeout 30 \
	>"$PPTP_WORK/pac.log" 2>&1 &
wait_listen "$NS_S" "$PPTP_PORT" 10 || ksft_exit_fail "raw PAC did not listen"
td0=$(stat_of calls_torndown)
# The PNS holds its calls, and after CDN its control connection, until
# the router's tables have been read.
touch "$PPTP_WORK/hold" "$PPTP_WORK/linger"
ip netns exec "$CLI" "${PEER[@]}" pns --server "$SRV" --calls 2 --hold 30 --linger 30 \
	--pause-file "$PPTP_WORK/hold" --linger-pause-file "$PPTP_WORK/linger" \
	>"$PPTP_WORK/pns.log" 2>&1 &
pns=$!
if wait_for 10 log_has "$PPTP_WORK/pns.log" "rx OCRP call=.* peer=2"; then
	nexp=$(gre_expect_count) ncalls=$(calls_count)
	check "A: GRE expectations while the calls exist ($nexp)" test "$nexp" -gt 0
	((PPTP_OURS)) && check "A: calls table has 2 calls ($ncalls)" test "$ncalls" -eq 2
else
	log_fail "A: raw calls were not set up: $(tail -n1 "$PPTP_WORK/pns.log")"
fi
rm -f "$PPTP_WORK/hold"
if wait_for 25 log_has "$PPTP_WORK/pns.log" "lingering"; then
	nap 0.5
	check "A: control connection still open" \
		ct_has "$NS_R" "ESTABLISHED.*dport=$PPTP_PORT" -p tcp
	check "A: no GRE expectation after CDN ($(gre_expect_count) left)" \
		test "$(gre_expect_count)" -eq 0
	if ((PPTP_OURS)); then
		check "A: calls table empty after CDN" test "$(calls_count)" -eq 0
		check "A: calls_torndown grew by 2" test "$(stat_of calls_torndown)" -eq $((td0 + 2))
	fi
else
	log_fail "A: CCRQ/CDN did not complete"
fi
rm -f "$PPTP_WORK/linger"
wait "$pns" || log_fail "A: raw PNS failed: $(tail -n1 "$PPTP_WORK/pns.log")"
wait_for 10 sh -c "! ip netns pids '$NS_S' | grep -q ."

# ---- B: real client, graceful stop
pptp_server_start "$NS_S" "$SRV" || ksft_exit_fail "pptpd did not listen"
td1=$(stat_of calls_torndown)
pptp_client_start 0 "$SRV"
if pptp_wait_up "$PPTP_UP_TIMEOUT" 0 && pptp_ping 0 3; then
	log "ok: B: tunnel up and pinging"
	check "B: GRE conntrack entries while the call is up" test "$(gre_ct_count)" -gt 0
	((PPTP_OURS)) && log "B: calls: $(calls_lines)"
	pptp_client_stop 0
	check "B: client processes exited" sh -c "! ip netns pids '$CLI' | grep -q ."
	# The TCP close is seen by the router before we look.
	wait_for 5 sh -c "! ip netns exec '$NS_R' conntrack -L -p tcp 2>/dev/null | grep -q ESTABLISHED"
	check "B: no GRE expectation" test "$(gre_expect_count)" -eq 0
	# The call's entries name the client's private address (NAT binding);
	# a stray late GRE packet to the PAT address would make an unrelated
	# core entry, which is not counted.
	n=$(gre_ct | grep -c -- "src=10.48.66.$CLI_BASE ")
	check "B: no GRE conntrack entry of the call ($n left)" test "$n" -eq 0
	if ((PPTP_OURS)); then
		check "B: calls table empty" test "$(calls_count)" -eq 0
		check "B: calls_torndown grew" test "$(stat_of calls_torndown)" -gt "$td1"
		check "B: calls_active is 0" test "$(stat_of calls_active)" -eq 0
	fi
else
	log_fail "B: tunnel did not come up / ping failed"
fi
pptp_fail_dump
ksft_finish
