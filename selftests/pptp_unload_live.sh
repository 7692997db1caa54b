#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Unload nf_pptp_alg with a live call whose GRE sits in the router's
# egress queues: after removing the nft ct helper object that pins it,
# `modprobe -r` succeeds; the queued packets, and the conntrack entries
# they hold, outlive the module and reach none of its code or data when
# they go (the debug kernel poisons freed module memory); no WARNING/BUG
# in dmesg; the call's GRE expectations and GRE conntrack entries are
# gone; GRE sent afterwards (no helper any more) just hits the drop rule;
# the module loads again.
# timeout: 180
# exclusive: unloads the module under live calls
. "$(dirname "$0")/pptp_lib.sh"

pptp_require
pptp_ours_only
pptp_load
dmesg_mark
pptp_scenario_up pat 1
if ! pptp_wait_up "$PPTP_UP_TIMEOUT" 0 || ! pptp_ping 0 3; then
	pptp_fail_dump
	ksft_exit_fail "tunnel did not come up / ping failed"
fi
check "live call: GRE entries present" test "$(gre_ct_count)" -gt 0
check "live call: in calls table" test "$(calls_count)" -eq 1

# Both egresses of the router hold the call's packets for 6 s; pings
# every 0.2 s fill them.
for dev in ro rp0; do
	tc -n "$NS_R" qdisc add dev "$dev" root netem delay 6s limit 1000 ||
		log_fail "netem on $dev"
done
ip netns exec "${NS_CLIENTS[0]}" busybox ping -q -i 0.2 -c 20 -w 30 \
	-I ppp0 "$PPP_LOCAL" >/dev/null 2>&1 &
backlog() { tc -n "$NS_R" -s qdisc show dev "$1" | awk '/backlog/ { sub("p", "", $3); print $3 + 0; exit }'; }
sent() { tc -n "$NS_R" -s qdisc show dev "$1" | awk '/Sent/ { print $4 + 0; exit }'; }
queued() { (($(backlog ro) >= $1)); }
# Every packet queued on DEV before the mark has left: sent DEV MARK.
left() { (($(sent "$1") >= $2)); }
wait_for 10 queued 5
n=$(backlog ro)
check "the call's GRE queued in the router at unload ($n packets)" test "$n" -ge 5

# Unpin: drop the helper assignment and the ct helper object.
ip netns exec "$NS_R" nft flush chain inet pptp_t helpers ||
	log_fail "nft flush chain helpers"
ip netns exec "$NS_R" nft delete ct helper inet pptp_t pptp ||
	log_fail "nft delete ct helper"
mark_ro=$(($(sent ro) + $(backlog ro)))
mark_rp0=$(($(sent rp0) + $(backlog rp0)))
if mod_unload "$MOD"; then
	log "ok: $MOD unloaded with a live call"
else
	log_fail "modprobe -r $MOD failed (refcnt $(cat /sys/module/"$MOD"/refcnt 2>/dev/null))"
fi
check "module gone" sh -c "! test -d /sys/module/$MOD"
check "queued GRE still in the router after the unload ($(backlog ro) packets)" \
	test "$(backlog ro)" -gt 0
# The queues drain: the packets, then their conntrack entries, are freed.
wait_for 30 left ro "$mark_ro"
check "packets queued before the unload have left ro" left ro "$mark_ro"
wait_for 30 left rp0 "$mark_rp0"
check "packets queued before the unload have left rp0" left rp0 "$mark_rp0"
for dev in ro rp0; do
	tc -n "$NS_R" qdisc del dev "$dev" root
done
check "no GRE expectation left ($(gre_expect_count))" test "$(gre_expect_count)" -eq 0
# The call's entries carry the NAT binding, so they name the client's
# private address.  (Late GRE from the server to the PAT address may
# create a fresh, unrelated core entry once no helper exists: not counted.)
call_gre() { gre_ct | grep -c -- "src=10.48.66.$CLI_BASE "; }
n=$(call_gre)
check "no GRE conntrack entry of the call left ($n)" test "$n" -eq 0
check "no helper left on conntrack entries" \
	sh -c "! ip netns exec '$NS_R' conntrack -L 2>/dev/null | grep -q 'helper=$HELPER'"
# GRE after the unload: not related any more, dropped, nothing breaks.
pptp_ping 0 2 && log "note: ping still passed after unload"
check "dmesg clean after unload" dmesg_check
check "module loads again" modprobe "$MOD"
mod_unload "$MOD"
pptp_fail_dump
ksft_finish
