#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs inside the guest (see scripts/demo.sh): the seed scenario.
#
#   client 10.48.66.106 --+
#                         +-- [10.48.66.47  router  192.168.201.1] -- 192.168.201.25
#   client 10.48.66.107 --+    PAT (masquerade), stateful forward,      pptpd
#                              ct helper "pptp-alg" on tcp/1723
#
# Both clients bring up PPP over PPTP (pppd + pptp) at the same time and
# ping the server's PPP address through their tunnels; then the router's
# view is printed: /proc/net/nf_pptp_alg/calls (translated call IDs in
# nat_id), the stats, and `conntrack -L -p gre`.
# PPTP_HELPER=pptp runs the same demo with mainline's helper.
# shellcheck disable=SC2034
TEST_NAME=demo
. "$(dirname "$0")/../selftests/pptp_lib.sh"

step() { printf '\n### %s\n' "$*"; }
demo_fail() { pptp_state_dump; pptp_dump_logs; ksft_exit_fail "$*"; }

pptp_require
step "loading $PPTP_MODS"
pptp_load
lsmod | grep -E "^(nf_pptp_alg|nf_conntrack_pptp|nf_nat_pptp) "

step "namespaces: 2 clients -- PAT router -- pptpd server"
pptp_topo_pat 2 || demo_fail "topology"
pptp_ruleset pat 1 || demo_fail "nft ruleset"
ip netns exec "$NS_R" nft list table inet pptp_t

step "starting pptpd on $SRV (PPP $PPP_LOCAL, clients $PPP_REMOTE)"
pptp_server_start "$NS_S" "$SRV" || demo_fail "pptpd did not listen"

step "both clients dial at the same time (pppd pty \"pptp $SRV --nolaunchpppd\")"
pptp_client_start 0 "$SRV"
pptp_client_start 1 "$SRV"
pptp_wait_up "$PPTP_UP_TIMEOUT" 0 1 || demo_fail "tunnels did not come up"
for i in 0 1; do
	echo "client 10.48.66.$((CLI_BASE + i)): ppp0 $(ppp_addr "${NS_CLIENTS[i]}")"
done

step "ping $PPP_LOCAL through each tunnel"
for i in 0 1; do
	ip netns exec "${NS_CLIENTS[i]}" busybox ping -c 3 -w 10 -I ppp0 "$PPP_LOCAL" ||
		demo_fail "client $i: ping through the tunnel failed"
done

step "router: conntrack -L -p tcp (control connections, helper=$PPTP_HELPER)"
ct_list "$NS_R" -p tcp
if ((PPTP_OURS)); then
	step "router: $PROC_DIR/calls (nat_id = translated call ID behind the PAT address)"
	ip netns exec "$NS_R" cat "$PROC_DIR/calls"
	step "router: $PROC_DIR/stats (non-zero)"
	stat_dump "$NS_R" | awk '$2 != 0'
fi
step "router: conntrack -L -p gre (keys = call IDs; towards 192.168.201.1 they are the translated ones)"
ct_list "$NS_R" -p gre
step "router: conntrack -L expect"
ct_expect_list "$NS_R"

step "hanging up client 10.48.66.106 gracefully (CCRQ/CDN, StopCCRQ)"
pptp_client_stop 0
if ((PPTP_OURS)); then
	ip netns exec "$NS_R" cat "$PROC_DIR/calls"
	echo "calls_setup=$(stat_of calls_setup) calls_torndown=$(stat_of calls_torndown) calls_active=$(stat_of calls_active)"
fi
ct_list "$NS_R" -p gre
ksft_finish "demo done"
