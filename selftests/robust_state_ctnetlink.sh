#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A control connection's state through ctnetlink, the way conntrackd
# carries it from an active router to its backup: router A exports it as
# the helper's info (CTA_HELP_INFO); a second router, B, given an entry
# with that info, rebuilds the calls (their translated IDs and GRE
# expectations); hostile or broken blobs are refused, counted and change
# nothing; a connection that has a state of its own keeps it.
#
# Flow: PAT router A with a raw PNS inside holding one call to a raw PAC
# outside; the blob read from A; namespace B (the module's per-netns
# state, no traffic) gets the entry through ctnetlink, then five spoiled
# copies under other tuples; A's live entry gets an empty session.
# timeout: 120
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/robust_lib.sh"

robust_init
((OURS)) || ksft_exit_skip "mainline's helper exports no state"
CTS=$TOOLS/ct_state.py
robust_setup

ns_exec "$NS_S" python3 "$RAW" pac --bind 10.0.2.2 --port 1723 \
	--own-id 30000 --log "$WORK/pac.log" >/dev/null 2>&1 &
wait_listen "$NS_S" 1723 30 || ksft_exit_fail "PAC did not start"
touch "$WORK/hold"
ns_exec "$NS_C" timeout 90 python3 "$RAW" pns --to 10.0.2.2 --port 1723 \
	--call-id 4660 --hold 60 --pause-file "$WORK/hold" >"$WORK/pns.out" 2>&1 &
wait_for 15 grep -q "^ocrp" "$WORK/pns.out" || ksft_exit_fail "call not set up"

sport=$(ip netns exec "$NS_R" conntrack -L -p tcp --dport 1723 2>/dev/null |
	sed -n 's/.*src=10\.0\.1\.2 dst=10\.0\.2\.2 sport=\([0-9]*\) dport=1723 .*/\1/p' |
	head -n1)
[[ -n $sport ]] || ksft_exit_fail "no control entry in the router"
ip netns exec "$NS_R" python3 "$CTS" get 10.0.1.2 10.0.2.2 "$sport" 1723 \
	>"$WORK/blob" || log_fail "no state exported"
sed 's/^/# A: /' "$WORK/blob"
blob=$(head -n1 "$WORK/blob")
nat_id=$(awk '$2 == "OCRQ" { sub("own=", "", $3); print $3; exit }' "$WORK/pac.log")
check "A exports one connected call" \
	grep -q "^call orig=4660 reply=30000 nat=$nat_id state=ESTABLISHED pns=0" "$WORK/blob"

setup_ns NS_B || ksft_exit_fail "namespace B"
defer 'cleanup_ns "$NS_B"'
b_stat() { stat_get "$NS_B" "$1"; }
b_calls() { ip netns exec "$NS_B" cat "$PROC_DIR/calls" | grep -c 'ctrl='; }
b_expect() { ct_expect_list "$NS_B" | grep -c -E "proto=47|gre"; }
made=$SECONDS
check "B takes the entry with A's state" ip netns exec "$NS_B" python3 \
	"$CTS" create 10.0.1.2 10.0.2.2 "$sport" 1723 "$blob"
wait_for 5 test "$(b_stat state_restored)" -ge 1
check "B restored it (state_restored $(b_stat state_restored))" \
	test "$(b_stat state_restored)" -eq 1
ip netns exec "$NS_B" cat "$PROC_DIR/calls" | sed 's/^/# B: /'
check "B has the call with its IDs" sh -c "ip netns exec '$NS_B' cat \
	'$PROC_DIR/calls' | grep -q 'pns=orig pns_id=4660 pac_id=30000 nat_id=$nat_id state=ESTABLISHED'"
check "B expects the call's GRE both ways ($(b_expect))" test "$(b_expect)" -eq 2
# The blob carries no ages: the call starts on B when B takes it.
b_age=$(ip netns exec "$NS_B" cat "$PROC_DIR/calls" |
	sed -n 's/.* age=\([0-9]*\)$/\1/p' | head -n1)
since=$((SECONDS - made))
check "B's call counts its age from the restore (age=$b_age, ${since}s since)" \
	test "${b_age:-999999}" -le $((since + 1))

# Spoiled copies, each under a tuple of its own: version, a cut call,
# a length that is not its calls', the call's state, a second call with
# the same ID.
hdr=${blob:0:16}
call=${blob:16:20}
bad=("02${blob:2}" "${blob:0:34}" "${blob}00" "${hdr}${call:0:12}09${call:14}"
	"${hdr:0:12}0002${call}${call}")
for i in "${!bad[@]}"; do
	ip netns exec "$NS_B" python3 "$CTS" create 10.0.1.9 10.0.2.2 \
		$((40000 + i)) 1723 "${bad[$i]}" ||
		log_fail "ctnetlink took no entry for spoiled blob $i"
done
check "every spoiled blob refused ($(b_stat state_refused))" \
	test "$(b_stat state_refused)" -eq ${#bad[@]}
check "nothing more restored" test "$(b_stat state_restored)" -eq 1
check "B still has one call" test "$(b_calls)" -eq 1
check "and two expectations" test "$(b_expect)" -eq 2

# A's own live state stays what its packets made it.
snap S0
ip netns exec "$NS_R" python3 "$CTS" update 10.0.1.2 10.0.2.2 "$sport" 1723 \
	0102000001000000 || log_fail "ctnetlink update of A's entry failed"
snap S1
check "A's live connection ignores a state from outside" \
	test "$(delta state_ignored)" -eq 1
check "A still has its call" sh -c "ip netns exec '$NS_R' cat '$PROC_DIR/calls' | grep -q pns_id=4660"
rm -f "$WORK/hold"
wait_for 15 grep -q "pns done ok=1" "$WORK/pns.out"
check "A's call ended normally" grep -q "pns done ok=1" "$WORK/pns.out"
check "no kernel warnings" dmesg_check
ksft_finish
