#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The PAC opens the control connection.  RFC 2637 lets either
# end send SCCRQ; roles must come from the messages, never from who sent
# the SYN.  Topology: a PAC inside, behind the PAT router, opens TCP to a
# PNS outside (the PAC is conntrack's ORIG side and its call IDs are the
# ones translated).  Flow: SCCRQ/SCCRP from the PAC, an incoming call
# ICRQ(PAC) / ICRP(PNS) / ICCN(PAC), then two outgoing calls requested by
# the PNS over the same connection: OCRQ(PNS) / OCRP(PAC).  The second
# OCRP is written in two pieces cut before its result code, so its call ID
# leaves before the router can judge the message: the router reserves the
# translated ID while the reply is held, and the PNS sees that one.
#
# Checks: calls table says pns=reply for all calls with the right IDs and
# the PAC's translated nat_id, the PNS saw only translated PAC IDs
# (matching the table, the split OCRP's too), the PAC got its real ID back
# in ICRP's peer field, GRE expectations exist, including the one keyed on
# the split OCRP's translated ID.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/robust_lib.sh"

robust_init
PAC_ID=24929	# 0x6161, the PAC's real call ID (ICRQ); OCRP uses +1
PNS_ID=29041	# 0x7171, the PNS's call ID (ICRP); its OCRQ uses +1

robust_setup

s0_calls=$(stat_get "$NS_R" calls_setup || echo 0)
# The PNS is the TCP server outside; the PAC (client ns) opens TCP out.
ns_exec "$NS_S" python3 "$RAW" pns-server --bind 10.0.2.2 --port 1723 \
	--call-id $PNS_ID --log "$WORK/pns.log" >/dev/null 2>&1 &
wait_listen "$NS_S" 1723 30 || ksft_exit_fail "PNS did not start"
# The PAC holds its calls until the router's tables have been read.
touch "$WORK/hold"
timeout 60 ip netns exec "$NS_C" python3 "$RAW" pac-client --to 10.0.2.2 \
	--port 1723 --call-id $PAC_ID --hold 30 --pause-file "$WORK/hold" \
	>"$WORK/pac.out" 2>&1 &
PAC=$!

wait_for 15 grep -q "^ocrq2" "$WORK/pac.out" || log_fail "call flow did not complete"
nap 0.5
calls=$(ns_exec "$NS_R" cat "$PROC_DIR/calls")
exp=$(ct_expect_list "$NS_R")
printf '%s\n' "$calls" | sed 's/^/# calls: /'
printf '%s\n' "$exp" | sed 's/^/# expect: /'
in_line=$(grep " pns_id=$PNS_ID " <<<"$calls")
out_line=$(grep " pns_id=$((PNS_ID + 1)) " <<<"$calls")
check "incoming call: pns=reply (PNS is the TCP server)" grep -q "pns=reply" <<<"$in_line"
check "incoming call: pac_id is the PAC's real ID" grep -q "pac_id=$PAC_ID " <<<"$in_line"
check "incoming call: ESTABLISHED after ICCN" grep -q "state=ESTABLISHED" <<<"$in_line"
check "outgoing call from the PNS: pns=reply" grep -q "pns=reply" <<<"$out_line"
check "outgoing call: pac_id is the PAC's real ID" grep -q "pac_id=$((PAC_ID + 1)) " <<<"$out_line"
check "outgoing call: ESTABLISHED after OCRP" grep -q "state=ESTABLISHED" <<<"$out_line"
out2_line=$(grep " pns_id=$((PNS_ID + 2)) " <<<"$calls")
check "split OCRP: ESTABLISHED" grep -q "state=ESTABLISHED" <<<"$out2_line"
nat_out2=$(sed -n 's/.*nat_id=\([0-9-]*\).*/\1/p' <<<"$out2_line")
check "split OCRP: translated ($nat_out2)" \
	test -n "$nat_out2" -a "$nat_out2" != "$((PAC_ID + 2))" -a "$nat_out2" != -1
check "split OCRP: GRE towards the PAC expected on its translated ID" \
	grep -qi "dstkey=0x$(printf '%x' "${nat_out2:-0}")" <<<"$exp"
nat_in=$(sed -n 's/.*nat_id=\([0-9-]*\).*/\1/p' <<<"$in_line")
nat_out=$(sed -n 's/.*nat_id=\([0-9-]*\).*/\1/p' <<<"$out_line")
log "nat_id: incoming $nat_in, outgoing $nat_out"
check "GRE expectations: 2 for each of the 3 calls" test "$(grep -Eci "gre|proto=47" <<<"$exp")" -eq 6

rm -f "$WORK/hold"
wait $PAC
check "PAC got its real ID back in ICRP peer-call-ID" test $? -eq 0
cat "$WORK/pac.out" | sed 's/^/# pac: /'
cat "$WORK/pns.log" | sed 's/^/# pns rx: /'
icrq=$(awk '$2 == "ICRQ" { sub("own=", "", $3); print $3; exit }' "$WORK/pns.log")
ocrp=$(awk '$2 == "OCRP" { sub("own=", "", $3); print $3; exit }' "$WORK/pns.log")
check "PNS saw a translated ICRQ call ID ($icrq, nat_id $nat_in)" \
	test -n "$icrq" -a "$icrq" != "$PAC_ID" -a "$icrq" = "$nat_in"
check "PNS saw a translated OCRP call ID ($ocrp, nat_id $nat_out)" \
	test -n "$ocrp" -a "$ocrp" != "$((PAC_ID + 1))" -a "$ocrp" = "$nat_out"
ocrp2=$(awk '$2 == "OCRP" { n++; if (n == 2) { sub("own=", "", $3); print $3; exit } }' "$WORK/pns.log")
check "PNS saw the translated ID in the split OCRP ($ocrp2)" \
	test -n "$ocrp2" -a "$ocrp2" = "$nat_out2"
check "no rewrite failed" test "$(stat_get "$NS_R" nat_rewrite_failed || echo 0)" -eq 0
check "no connection failed closed" \
	test "$(stat_get "$NS_R" nat_fail_closed || echo 0)" -eq 0
s1_calls=$(stat_get "$NS_R" calls_setup || echo 0)
check "calls_setup +$((s1_calls - s0_calls)) = 3" test $((s1_calls - s0_calls)) -eq 3
log "stats: $(stat_dump "$NS_R" | awk '$2 != 0' | tr '\n' ' ')"
check "no kernel warnings" dmesg_check
ksft_finish
