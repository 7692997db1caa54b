#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A PNS that speaks PPTP version 0x0200 (raw peer, tools/pptp_peer.py)
# through the PAT router: the helper counts bad_version + inspect_disabled
# and stops parsing that control connection (no msg_* counter grows, no
# call, no expectation).  Behind source NAT nothing could translate the
# call IDs the client sends from then on, so its side fails closed: the
# SCCRQ passes and is answered, nothing after it reaches the server
# (nat_fail_closed, nat_blocked_drops).  A second connection with version
# 0x0100 shows the counters do move.
# timeout: 120
. "$(dirname "$0")/pptp_lib.sh"

pptp_require
pptp_ours_only
pptp_load
pptp_topo_pat 1 || ksft_exit_fail "topology"
pptp_ruleset pat 1 || ksft_exit_fail "nft ruleset"
CLI=${NS_CLIENTS[0]}

ip netns exec "$NS_S" "${PEER[@]}" pac --listen "$SRV" --conns 2 --timeout 30 \
	>"$PPTP_WORK/pac.log" 2>&1 &
wait_listen "$NS_S" "$PPTP_PORT" 10 || ksft_exit_fail "raw PAC did not listen"

msg_sum() { stat_dump "$NS_R" | awk '$1 ~ /^msg_/ { s += $2 } END { print s + 0 }'; }

dis0=$(stat_of inspect_disabled) bv0=$(stat_of bad_version) m0=$(msg_sum)
fc0=$(stat_of nat_fail_closed) bd0=$(stat_of nat_blocked_drops)
fails() { ! "$@"; }
check "version 0x0200 connection fails closed behind the PAT" \
	fails ip netns exec "$CLI" "${PEER[@]}" pns --server "$SRV" --version 0x0200 \
	--calls 1 --hold 0.5 --timeout 3 >"$PPTP_WORK/pns1.log" 2>&1
sed 's/^/# pns1: /' "$PPTP_WORK/pns1.log"
check "its SCCRQ passed and was answered" grep -q "rx SCCRP" "$PPTP_WORK/pns1.log"
check "nothing after the SCCRQ reached the server" \
	test "$(grep -c "pac rx\|pac OCRQ" "$PPTP_WORK/pac.log")" -eq 1
check "nat_fail_closed counted once" test "$(stat_of nat_fail_closed)" -eq $((fc0 + 1))
check "nat_blocked_drops counted" test "$(stat_of nat_blocked_drops)" -gt "$bd0"
dis1=$(stat_of inspect_disabled) bv1=$(stat_of bad_version) m1=$(msg_sum)
check "inspect_disabled counted ($dis0 -> $dis1)" test "$dis1" -gt "$dis0"
check "bad_version counted ($bv0 -> $bv1)" test "$bv1" -gt "$bv0"
# The SCCRQ itself may be counted; nothing after it (Echo, OCRQ/OCRP,
# CCRQ/CDN, StopCCRQ/RP: 8 messages) may be.
check "later messages not parsed (msg_* sum $m0 -> $m1)" test $((m1 - m0)) -le 1
check "no GRE expectation created" test "$(stat_of expect_created)" -eq 0
check "no call in the calls table" test "$(calls_count)" -eq 0

if ip netns exec "$CLI" "${PEER[@]}" pns --server "$SRV" --version 0x0100 --calls 1 \
	>"$PPTP_WORK/pns2.log" 2>&1; then
	log "ok: version 0x0100 connection passed"
else
	log_fail "version 0x0100 connection failed: $(tail -n1 "$PPTP_WORK/pns2.log")"
fi
m2=$(msg_sum)
# SCCRQ/RP, Echo RQ/RP, OCRQ/RP, CCRQ/CDN, StopCCRQ/RP.
check "version 0x0100: 10 messages parsed (msg_* sum $m1 -> $m2)" test $((m2 - m1)) -eq 10
check "version 0x0100: one OCRQ counted" test "$(stat_of msg_ocrq_orig)" -eq 1
check "inspect_disabled unchanged by a good connection" \
	test "$(stat_of inspect_disabled)" -eq "$dis1"
pptp_fail_dump
((__LIB_FAILED)) && { echo "# ---- pac.log"; sed 's/^/#   /' "$PPTP_WORK/pac.log"; }
ksft_finish
