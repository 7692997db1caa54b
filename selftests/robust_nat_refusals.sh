#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Behind source NAT no call ID leaves untranslated, even in a request the
# helper refuses.  Otherwise a host inside can send, as its own call ID,
# the translated ID another inside host's call got towards the same
# server: the server's GRE for the new call then carries that ID and is
# NATed into the other host's tunnel.
#
# Flow: PAT router, two inside hosts A (10.0.1.2) and B (10.0.1.3) behind
# one masquerade address, a raw PAC outside logging every call ID it
# receives.  B sets up a call and holds it; the PAC knows it by B's
# translated ID W.  With max_calls=1, A sets up a call and then requests
# a second one with call ID W (over the limit); with the limit back at 64,
# on a second connection A sets up a call with real ID W and repeats it
# (a duplicate of a live call).  Last, A opens a control connection, the
# router's entry for it is deleted (conntrack -D), and A requests a call
# with real ID W on it: conntrack picks the stream up with a new entry.
# Checks: W reached the PAC once only (B's own request), the refused
# request left with call ID 0 and was counted, the duplicate left with
# A's translated ID, the picked-up request was dropped and counted, and
# B's GRE still arrives while and after A tries.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/robust_lib.sh"

robust_init
declare -A S2
B_ID=16962	# 0x4242, B's real call ID
A_ID=8738	# 0x2222, A's first call

robust_setup
ip -n "$NS_C" addr add 10.0.1.3/24 dev c0 || ksft_exit_fail "second address"
((OURS)) && snap S0

ns_exec "$NS_S" python3 "$RAW" pac --bind 10.0.2.2 --port 1723 \
	--log "$WORK/pac.log" >/dev/null 2>&1 &
wait_listen "$NS_S" 1723 30 || ksft_exit_fail "PAC did not start"
timeout 120 ip netns exec "$NS_C" python3 "$RAW" pns --to 10.0.2.2 \
	--port 1723 --src 10.0.1.3 --call-id $B_ID --hold 60 \
	>"$WORK/b.out" 2>&1 &
wait_for 15 grep -q "^ocrp" "$WORK/b.out" || ksft_exit_fail "B's call not set up"
W=$(awk '$2 == "OCRQ" { sub("own=", "", $3); print $3; exit }' "$WORK/pac.log")
log "B's call: real ID $B_ID, translated $W"
[[ -n $W && $W != "$B_ID" ]] || ksft_exit_fail "B's call ID not translated"

ns_exec "$NS_C" python3 "$GRE" recv --key $B_ID --out "$WORK/rx_b" --seconds 90 &
wait_for 5 test -s "$WORK/rx_b"
rx_b() { awk '{print $1}' "$WORK/rx_b" 2>/dev/null || echo 0; }
# gre_to_b N: the PAC sends N GRE packets for B's call; all must arrive.
gre_to_b() {
	local n0
	n0=$(rx_b)
	ns_exec "$NS_S" python3 "$GRE" send --to 10.0.2.1 --key "$W" \
		--count "$1" --interval 0.05 >/dev/null
	wait_for 5 rx_b_at_least $((n0 + $1))
}
rx_b_at_least() { (($(rx_b) >= $1)); }
check "B's GRE arrives" gre_to_b 5

((OURS)) && sysctl_set "$NS_R" max_calls 1
check "A: a call, then one over the limit with B's translated ID" \
	ns_exec "$NS_C" timeout 30 python3 "$RAW" attack --to 10.0.2.2 \
	--src 10.0.1.2 --scenario ids --ids "$A_ID,$W" --hold 0
((OURS)) && sysctl_set "$NS_R" max_calls 64
check "A: a call with B's translated ID as its own, then its duplicate" \
	ns_exec "$NS_C" timeout 30 python3 "$RAW" attack --to 10.0.2.2 \
	--src 10.0.1.2 --scenario ids --ids "$W,$W" --hold 0
# A's control connection loses its entry before its request.
ns_exec "$NS_C" timeout 30 python3 "$RAW" pns --to 10.0.2.2 --port 1723 \
	--src 10.0.1.2 --call-id "$W" --go "$WORK/go" --hold 0 \
	>"$WORK/a.out" 2>&1 &
a_pid=$!
wait_for 15 grep -q "^established" "$WORK/a.out" ||
	ksft_exit_fail "A's control connection not established"
check "A's control entry deleted" ip netns exec "$NS_R" conntrack -D -p tcp \
	--orig-src 10.0.1.2 --dport 1723
((OURS)) && snap S2
touch "$WORK/go"
# A's pns gives up when no OCRP comes (5 s); its resends are what the
# router saw of the picked-up stream by then.
wait "$a_pid"
sed 's/^/# pac rx: /' "$WORK/pac.log"
check "B's translated ID $W reached the PAC once, from B only" \
	test "$(grep -c "^rx OCRQ own=$W " "$WORK/pac.log")" -eq 1
check "B's GRE still arrives" gre_to_b 5
if ((OURS)); then
	snap S1
	ocrqs=$(awk '$2 == "OCRQ" { sub("own=", "", $3); print $3 }' "$WORK/pac.log")
	check "the request over the limit left with call ID 0" \
		test "$(sed -n 3p <<<"$ocrqs")" = 0
	check "the duplicate left with A's translated ID" \
		test "$(sed -n 5p <<<"$ocrqs")" = "$(sed -n 4p <<<"$ocrqs")"
	check "call_limit +$(delta call_limit) = 1" test "$(delta call_limit)" -eq 1
	check "dup_call +$(delta dup_call) = 1" test "$(delta dup_call)" -eq 1
	check "nat_id_zeroed +$(delta nat_id_zeroed) = 1" \
		test "$(delta nat_id_zeroed)" -eq 1
	check "no connection failed closed" test "$(delta nat_fail_closed)" -eq 0
	n=$((${S1[unconfirmed_data]} - ${S2[unconfirmed_data]}))
	check "the picked-up request was counted ($n segments)" test "$n" -ge 1
fi
check "no kernel warnings" dmesg_check
ksft_finish
