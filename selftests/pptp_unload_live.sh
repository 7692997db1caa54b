#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Unload nf_pptp_alg with a live call: after removing the nft ct helper
# object that pins it, `modprobe -r` succeeds; no WARNING/BUG in dmesg;
# the call's GRE expectations and GRE conntrack entries are gone; GRE
# sent afterwards (no helper any more) just hits the drop rule; the
# module loads again.
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

# Unpin: drop the helper assignment and the ct helper object.
ip netns exec "$NS_R" nft flush chain inet pptp_t helpers ||
	log_fail "nft flush chain helpers"
ip netns exec "$NS_R" nft delete ct helper inet pptp_t pptp ||
	log_fail "nft delete ct helper"
if mod_unload "$MOD"; then
	log "ok: $MOD unloaded with a live call"
else
	log_fail "modprobe -r $MOD failed (refcnt $(cat /sys/module/"$MOD"/refcnt 2>/dev/null))"
fi
check "module gone" sh -c "! test -d /sys/module/$MOD"
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
