#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# One inside host cannot take the namespace's expectation table, and no
# call's expectation is evicted to make room for another's.  Each call
# waiting for its first GRE holds two expectations; a host with an outside
# peer that answers calls and never sends GRE would otherwise fill the
# small nf_conntrack_expect_max of a router, and beyond the core's 255 per
# control connection the core silently drops the oldest.
#
# Part 1: nf_conntrack_expect_max 16, pending_calls_per_host 4.  Host A
# (10.0.1.2) sets up 4 calls on each of 3 control connections, answered,
# without GRE; then host B (10.0.1.3) sets up one call and the PAC's GRE
# for it must reach B.
# Part 2: nf_conntrack_expect_max 1024, max_calls 512.  A sets up 300
# calls on one connection before any GRE; the PAC's GRE for the first
# call must still reach A.
# timeout: 240
# exclusive: sets the global nf_conntrack_expect_max
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/robust_lib.sh"

robust_init
EXPF=/proc/sys/net/netfilter/nf_conntrack_expect_max

robust_setup
ip -n "$NS_C" addr add 10.0.1.3/24 dev c0 || ksft_exit_fail "second address"
old_exp=$(cat $EXPF)
defer "echo $old_exp > $EXPF"
if ((OURS)); then
	log "defaults: pending_calls_max $(sysctl_get "$NS_R" pending_calls_max), per host $(sysctl_get "$NS_R" pending_calls_per_host)"
	check "pending_calls_per_host=4" sysctl_set "$NS_R" pending_calls_per_host 4
	check "max_calls=512" sysctl_set "$NS_R" max_calls 512
	snap S0
fi
check "nf_conntrack_expect_max=16" sh -c "echo 16 > $EXPF"

ns_exec "$NS_S" python3 "$RAW" pac --bind 10.0.2.2 --port 1723 \
	--own-id 20000 --log "$WORK/pac.log" >/dev/null 2>&1 &
wait_listen "$NS_S" 1723 30 || ksft_exit_fail "PAC did not start"
# gre_reaches FILE KEY NAT_ID: the PAC's GRE on translated ID NAT_ID reaches
# the inside receiver counting KEY into FILE (started here).
gre_reaches() {
	ns_exec "$NS_C" python3 "$GRE" recv --key "$2" --out "$WORK/$1" --seconds 60 &
	wait_for 5 test -s "$WORK/$1"
	ns_exec "$NS_S" python3 "$GRE" send --to 10.0.2.1 --key "$3" --count 5 \
		--interval 0.05 >/dev/null
	wait_for 5 rx_at_least "$1" 5
}
ocrqs_at_least() { (($(grep -c '^rx OCRQ' "$WORK/pac.log") >= $1)); }
rx_at_least() { (($(awk '{print $1}' "$WORK/$1" 2>/dev/null || echo 0) >= $2)); }
# The PAC's log line "rx OCRQ own=W" for real ID N: its translated ID.
nat_id_of() { awk -v n="$1" '$2 == "OCRQ" { k++; if (k == n) { sub("own=", "", $3); print $3; exit } }' "$WORK/pac.log"; }

# A: three connections of four calls each, held open, no GRE.
for c in 1 2 3; do
	ids=$(seq -s, $((c * 16)) $((c * 16 + 3)))
	ns_exec "$NS_C" timeout 60 python3 "$RAW" attack --to 10.0.2.2 \
		--src 10.0.1.2 --scenario ids --ids "$ids" --hold 40 \
		>"$WORK/a$c.out" 2>&1 &
done
wait_for 20 ocrqs_at_least 12 ||
	log_fail "A's 12 calls not set up"
log "expectations: $(ct_expect_list "$NS_R" | grep -c .)"

B_ID=16962
timeout 120 ip netns exec "$NS_C" python3 "$RAW" pns --to 10.0.2.2 \
	--port 1723 --src 10.0.1.3 --call-id $B_ID --hold 30 \
	>"$WORK/b.out" 2>&1 &
wait_for 15 grep -q "^ocrp" "$WORK/b.out" || ksft_exit_fail "B's call not set up"
W_B=$(nat_id_of 13)
log "B's call: real $B_ID, translated $W_B"
check "B's GRE arrives while A holds 12 calls without GRE" \
	gre_reaches rx_b $B_ID "$W_B"
if ((OURS)); then
	snap S1
	check "pending_limit_host +$(delta pending_limit_host) = 8" \
		test "$(delta pending_limit_host)" -eq 8
	check "no expectation failed in the core" test "$(delta expect_failed)" -eq 0
	check "calls_pending: A's 4 and B's (GRE seen one way only) = 5" \
		test "$(stat_get "$NS_R" calls_pending)" -eq 5
fi

# Part 2: 300 calls on one connection before any GRE.
check "nf_conntrack_expect_max=1024" sh -c "echo 1024 > $EXPF"
((OURS)) && check "pending_calls_max=1000" sysctl_set "$NS_R" pending_calls_max 1000
((OURS)) && check "pending_calls_per_host=1000" \
	sysctl_set "$NS_R" pending_calls_per_host 1000
((OURS)) && snap S0
n0=$(grep -c '^rx OCRQ' "$WORK/pac.log")
ids=$(seq -s, 4096 $((4096 + 299)))
ns_exec "$NS_C" timeout 120 python3 "$RAW" attack --to 10.0.2.2 \
	--src 10.0.1.2 --scenario ids --ids "$ids" --hold 60 \
	>"$WORK/a300.out" 2>&1 &
wait_for 90 ocrqs_at_least $((n0 + 300)) ||
	log_fail "300 calls not set up"
W_1=$(nat_id_of $((n0 + 1)))
log "first of 300: real 4096, translated $W_1; expectations: $(ct_expect_list "$NS_R" | grep -c .)"
check "the first of 300 calls still gets its GRE" gre_reaches rx_a 4096 "$W_1"
if ((OURS)); then
	snap S1
	check "pending_limit_conn +$(delta pending_limit_conn) = 300 - 127" \
		test "$(delta pending_limit_conn)" -eq 173
	check "no expectation failed in the core" test "$(delta expect_failed)" -eq 0
fi
check "no kernel warnings" dmesg_check
ksft_finish
