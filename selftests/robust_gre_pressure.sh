#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A live call's GRE survives conntrack table pressure.  Each direction of a
# call's GRE is its own one-way entry that never sees a reply; unless the
# helper assures both once GRE has flowed both ways, early drop and the
# GC's pressure path delete them first when the table fills, the
# expectations are gone, and the call's GRE from the server is lost for
# good.
#
# Flow: PAT router, one raw PNS inside and a raw PAC outside set up a call;
# GRE is sent both ways (server to the public address on the translated
# call ID, client to the server on the PAC's ID).  Then the conntrack
# table is shrunk to a few buckets with nf_conntrack_max just above the
# live count, and a flood of unreplied UDP flows through the router forces
# evictions for several seconds while GRE keeps flowing.  Checks: the
# kernel really early-dropped entries, both GRE entries are still there,
# and GRE from each side still arrives after the flood.
# timeout: 180
# exclusive: fills the global conntrack table
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/robust_lib.sh"

robust_init
PNS_ID=4660	# 0x1234, the inside PNS's real call ID
PAC_ID=20817	# 0x5151, the outside PAC's call ID

MAXF=/proc/sys/net/netfilter/nf_conntrack_max
HASHF=/sys/module/nf_conntrack/parameters/hashsize
robust_setup
old_max=$(cat $MAXF)
old_hash=$(cat $HASHF)
defer "echo $old_hash > $HASHF; echo $old_max > $MAXF"

ns_exec "$NS_S" python3 "$RAW" pac --bind 10.0.2.2 --port 1723 \
	--own-id $PAC_ID --log "$WORK/pac.log" >/dev/null 2>&1 &
wait_listen "$NS_S" 1723 30 || ksft_exit_fail "PAC did not start"
timeout 120 ip netns exec "$NS_C" python3 "$RAW" pns --to 10.0.2.2 \
	--port 1723 --call-id $PNS_ID --hold 60 >"$WORK/pns.out" 2>&1 &
wait_for 15 grep -q "^ocrp" "$WORK/pns.out" || ksft_exit_fail "call not set up"
# The ID the server knows the client's call by (translated by the PAT).
NAT_ID=$(awk '$2 == "OCRQ" { sub("own=", "", $3); print $3; exit }' "$WORK/pac.log")
log "call up: client $PNS_ID, translated $NAT_ID, PAC $PAC_ID"
[[ -n $NAT_ID ]] || ksft_exit_fail "PAC saw no OCRQ"

# Receivers for the whole test; each keeps "count last-time" in a file.
ns_exec "$NS_C" python3 "$GRE" recv --key $PNS_ID --out "$WORK/rx_c" --seconds 120 &
ns_exec "$NS_S" python3 "$GRE" recv --key $PAC_ID --out "$WORK/rx_s" --seconds 120 &
wait_for 5 test -s "$WORK/rx_c" -a -s "$WORK/rx_s"
rx() { awk '{print $1}' "$WORK/$1" 2>/dev/null || echo 0; }

# gre_both N: N packets each way, 0.05 s apart; both sides must get more.
gre_both() {
	local c0 s0 pid
	c0=$(rx rx_c)
	s0=$(rx rx_s)
	ns_exec "$NS_S" python3 "$GRE" send --to 10.0.2.1 --key "$NAT_ID" \
		--count "$1" --interval 0.05 >/dev/null &
	pid=$!
	ns_exec "$NS_C" python3 "$GRE" send --to 10.0.2.2 --key $PAC_ID \
		--count "$1" --interval 0.05 >/dev/null
	wait $pid
	wait_for 5 rx_more "$c0" "$s0"
}
rx_more() { (($(rx rx_c) > $1 && $(rx rx_s) > $2)); }
check "GRE passes both ways before the flood" gre_both 5
gre_entries() { ct_list "$NS_R" -p gre | grep -c "key=\|srckey="; }
ct_list "$NS_R" -p gre | sed 's/^/# gre: /'
((OURS)) && check "two GRE entries" test "$(gre_entries)" -eq 2

# Pressure: few buckets, so each new flow scans most of the table for an
# entry to evict, and a table limit just above what is live.
echo 16 >$HASHF
live=$(ct_count "$NS_R")
echo $((live + 8)) >$MAXF
ed0=$(ns_exec "$NS_R" conntrack -S 2>/dev/null | sed -n 's/.*early_drop=\([0-9]*\).*/\1/p' | awk '{s += $1} END {print s + 0}')
log "table: $live live, nf_conntrack_max $((live + 8)), hashsize $(cat $HASHF)"
touch "$WORK/flooding"
ns_exec "$NS_C" timeout 8 python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
n, end = 0, time.time() + 6
while time.time() < end and os.path.exists(sys.argv[1]):
    try:
        s.sendto(b"x", ("10.0.2.2", 1024 + n % 60000))
    except OSError:
        pass
    n += 1
print("flood", n)
' "$WORK/flooding" >"$WORK/flood.out" 2>&1 &
FLOOD=$!
# GRE keeps flowing while the table is full.
ns_exec "$NS_S" python3 "$GRE" send --to 10.0.2.1 --key "$NAT_ID" --count 120 \
	--interval 0.05 >/dev/null &
ns_exec "$NS_C" python3 "$GRE" send --to 10.0.2.2 --key $PAC_ID --count 120 \
	--interval 0.05 >/dev/null &
wait $FLOOD
rm -f "$WORK/flooding"
nap 1
ed1=$(ns_exec "$NS_R" conntrack -S 2>/dev/null | sed -n 's/.*early_drop=\([0-9]*\).*/\1/p' | awk '{s += $1} END {print s + 0}')
log "$(cat "$WORK/flood.out"); early drops $((ed1 - ed0))"
ct_list "$NS_R" -p gre | sed 's/^/# gre after: /'
check "the table was under pressure (early drops $((ed1 - ed0)))" test $((ed1 - ed0)) -ge 100
if ((OURS)); then
	check "both GRE entries survived" test "$(gre_entries)" -eq 2
	check "both GRE entries assured" \
		test "$(ct_list "$NS_R" -p gre | grep -c ASSURED)" -eq 2
fi
echo "$old_max" >$MAXF
check "GRE passes both ways after the flood" gre_both 5
log "GRE received: client $(rx rx_c), server $(rx rx_s)"
check "no kernel warnings" dmesg_check
ksft_finish
