#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Segmentation independence over real TCP.  A raw PNS behind the
# PAT router writes every control message in small pieces (TCP_NODELAY,
# short sleeps: separate segments), and netem on both end hosts' egress
# duplicates and reorders segments before they reach the router.  The call
# must still be established, the PAC must see the translated call ID (not
# the PNS's real one), the PNS its real ID in OCRP's peer-call-ID, GRE
# expectations must appear, and split_messages, retransmits and gap_drops
# must move.
#
# OCRQ and CCRQ are cut between the two bytes of their call-ID field, and
# the PAC's OCRP between the two bytes of its peer-call-ID field and again
# before its result code: the router decides each field on its last byte
# (OCRP's peer field before the message is judged, as soon as it is in)
# and translates it across the boundary (the translated ID keeps the real
# one's high byte; see kunit pptp_stream_test split_field).  netem starts
# only after SCCRQ/SCCRP (see docs/DESIGN.md, "Segmentation, resends and
# call-ID translation").
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/robust_lib.sh"

require_vm
require_root
require_cmd nft conntrack python3 modprobe tc
require_module
modprobe sch_netem 2>/dev/null || ksft_exit_skip "no sch_netem"

RAW=$(cd "$(dirname "$0")/tools" && pwd)/pptp_raw.py
WORK=$(mktemp -d)
defer "rm -rf '$WORK'"
CID=16962	# 0x4242, the PNS's real call ID

robust_setup

# One run: $1 = label, $2 = netem options ("" for none).
run_once() {
	local label=$1 netem=$2 pns_out seen rc
	: >"$WORK/pac.log"
	rm -f "$WORK/go"
	ns_exec "$NS_S" python3 "$RAW" pac --bind 10.0.2.2 --port 1723 \
		--pieces --log "$WORK/pac.log" >/dev/null 2>&1 &
	local pac=$!
	wait_listen "$NS_S" 1723 30 || { log_fail "$label: PAC did not start"; return; }
	snap S0
	# The PNS holds its call until the router's tables have been read.
	touch "$WORK/hold"
	timeout 60 ip netns exec "$NS_C" python3 "$RAW" pns --to 10.0.2.2 \
		--port 1723 --call-id $CID --pieces --go "$WORK/go" \
		--hold 30 --pause-file "$WORK/hold" >"$WORK/pns.out" 2>&1 &
	local pns=$!
	wait_for 10 grep -q established "$WORK/pns.out" ||
		log_fail "$label: SCCRQ/SCCRP failed"
	if [[ -n $netem ]]; then
		ns_exec "$NS_C" tc qdisc add dev c0 root netem $netem
		ns_exec "$NS_S" tc qdisc add dev s0 root netem $netem
	fi
	touch "$WORK/go"
	# While the PNS holds the call: calls table and expectations.
	if wait_for 20 grep -q "^ocrp" "$WORK/pns.out"; then
		nap 0.5
		local calls exp
		calls=$(ns_exec "$NS_R" cat "$PROC_DIR/calls")
		exp=$(ct_expect_list "$NS_R")
		printf '%s\n' "$calls" | sed "s/^/# $label calls: /"
		printf '%s\n' "$exp" | sed "s/^/# $label expect: /"
		check "$label: call ESTABLISHED in the calls table" \
			grep -q "pns=orig pns_id=$CID .*state=ESTABLISHED" <<<"$calls"
		check "$label: GRE expectation present" grep -Eqi "gre|proto=47" <<<"$exp"
		nat_id=$(sed -n 's/.*nat_id=\([0-9-]*\).*/\1/p' <<<"$calls" | head -1)
	else
		log_fail "$label: no OCRP reached the PNS"
		nat_id=
	fi
	rm -f "$WORK/hold"
	wait $pns
	rc=$?
	pns_out=$(cat "$WORK/pns.out")
	printf '%s\n' "$pns_out" | sed "s/^/# $label pns: /"
	check "$label: PNS saw its real ID in OCRP peer-call-ID" test $rc -eq 0
	seen=$(awk '$2 == "OCRQ" { sub("own=", "", $3); print $3; exit }' "$WORK/pac.log")
	log "$label: PAC saw OCRQ call ID $seen (real $CID, nat_id ${nat_id:-?})"
	check "$label: PAC saw a translated ID" test -n "$seen" -a "$seen" != "$CID"
	[[ -n $nat_id ]] && check "$label: PAC's ID is the table's nat_id" test "$seen" = "$nat_id"
	# The field was cut between its bytes: only the low one may differ.
	check "$label: translated ID keeps the real high byte" \
		test "$((${seen:-0} >> 8))" -eq "$((CID >> 8))"
	if [[ -n $netem ]]; then
		ns_exec "$NS_C" tc qdisc del dev c0 root
		ns_exec "$NS_S" tc qdisc del dev s0 root
	fi
	kill "$pac" 2>/dev/null
	wait "$pac" 2>/dev/null
	nap 0.3
	snap S1
	log "$label: stats $(for k in "${!S1[@]}"; do d=$(delta "$k"); ((d)) && printf "%s+%s " "$k" "$d"; done)"
	log "$label: split_messages +$(delta split_messages) retransmits +$(delta retransmits) gap_drops +$(delta gap_drops) stream_lost +$(delta stream_lost) nat_rewrites +$(delta nat_rewrites) nat_rewrite_failed +$(delta nat_rewrite_failed) bad_short +$(delta bad_short) calls_setup +$(delta calls_setup) expect_created +$(delta expect_created)"
	check "$label: split_messages moved" test "$(delta split_messages)" -gt 0
	check "$label: one call set up" test "$(delta calls_setup)" -eq 1
	check "$label: no stream lost" test "$(delta stream_lost)" -eq 0
	check "$label: no rewrite failed" test "$(delta nat_rewrite_failed)" -eq 0
}

run_once pieces ""
RT0=0 GAP0=0
for i in 1 2 3; do
	run_once "netem$i" "delay 20ms 10ms reorder 30% 50% duplicate 30%"
	RT0=$((RT0 + $(delta retransmits)))
	GAP0=$((GAP0 + $(delta gap_drops)))
done
log "netem runs: retransmits +$RT0 gap_drops +$GAP0"
check "netem: retransmits counter moved" test "$RT0" -gt 0
# netem reorders only when segments queue behind each other, which these
# paced writes rarely do: reordering is proven by KUnit (pptp_stream_test
# reorder cases); here it is reported, not required.
log "netem: gap_drops +$GAP0 (informational)"
check "no kernel warnings" dmesg_check
ksft_finish
