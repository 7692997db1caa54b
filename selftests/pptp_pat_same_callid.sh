#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Call-ID collision behind PAT, made deterministic with raw peers
# (tools/pptp_peer.py): N PNS clients behind one masquerade address all
# use PNS call ID 1 towards one PAC at the same time.  The PAC must see
# N distinct call IDs (the router translated them, so GRE from the PAC
# can be told apart), every control exchange must complete, and (ours)
# the calls table shows pns_id=1 with N distinct nat_id.
# (pptp-linux picks random call IDs, so pptp_pat_ten_clients.sh rarely
# collides; this test always does.)
# timeout: 120
. "$(dirname "$0")/pptp_lib.sh"

N=${PPTP_NCLIENTS_RAW:-4}
pptp_require
pptp_load
pptp_topo_pat "$N" || ksft_exit_fail "topology"
pptp_ruleset pat 1 || ksft_exit_fail "nft ruleset"

ip netns exec "$NS_S" "${PEER[@]}" pac --listen "$SRV" --conns "$N" --timeout 30 \
	>"$PPTP_WORK/pac.log" 2>&1 &
wait_listen "$NS_S" "$PPTP_PORT" 10 || ksft_exit_fail "raw PAC did not listen"
pids=()
# The calls are held until the router's tables have been read.
touch "$PPTP_WORK/hold"
for ((i = 0; i < N; i++)); do
	ip netns exec "${NS_CLIENTS[i]}" "${PEER[@]}" pns --server "$SRV" --call-id 1 \
		--hold 30 --pause-file "$PPTP_WORK/hold" >"$PPTP_WORK/pns$i.log" 2>&1 &
	pids+=($!)
done
ocrps() { cat "$PPTP_WORK"/pns*.log 2>/dev/null | grep -c "rx OCRP"; }
wait_for 20 sh -c "test \$(cat $PPTP_WORK/pns*.log 2>/dev/null | grep -c 'rx OCRP') -ge $N" ||
	log_fail "only $(ocrps)/$N calls got an OCRP"
ids=$(sed -n 's/^pac OCRQ call_id=//p' "$PPTP_WORK/pac.log" | sort -n)
log "call IDs seen by the PAC: $(echo $ids)"
check "PAC saw $N distinct PNS call IDs" \
	test "$(printf '%s\n' "$ids" | sort -u | grep -c .)" -eq "$N"
snap_calls=$(calls_lines)
snap_exp=$(gre_expect_count)
rm -f "$PPTP_WORK/hold"
field() { printf '%s\n' "$snap_calls" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
if ((PPTP_OURS)); then
	printf '%s\n' "$snap_calls" | sed 's/^/# calls: /'
	check "calls table: $N calls" test "$(field ctrl | grep -c .)" -eq "$N"
	check "calls table: all pns_id=1" test "$(field pns_id | sort -u)" = 1
	check "calls table: $N distinct nat_id" test "$(field nat_id | sort -u | grep -c .)" -eq "$N"
	check "nat_id matches what the PAC saw" \
		test "$(field nat_id | sort -n | tr '\n' ' ')" = "$(echo $ids) "
fi
check "GRE expectations for every call ($snap_exp)" test "$snap_exp" -ge "$N"
for ((i = 0; i < N; i++)); do
	wait "${pids[i]}" || log_fail "client $i: control exchange failed: $(tail -n1 "$PPTP_WORK/pns$i.log")"
done
if ((__LIB_FAILED)); then
	pptp_state_dump
	echo "# ---- pac.log"; sed 's/^/#   /' "$PPTP_WORK/pac.log" | tail -n 40
fi
ksft_finish
