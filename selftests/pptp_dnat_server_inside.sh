#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# pptpd inside (10.48.66.25) published by DNAT of 192.168.201.1:1723; the
# client is outside.  Stateful forward chain: established,related accept,
# new tcp/1723 to the server accept, everything else dropped.  The tunnel
# must come up and ping (GRE in both directions NATed via the helper's
# expectations).
# timeout: 180
. "$(dirname "$0")/pptp_lib.sh"

pptp_require
pptp_load
pptp_scenario_up dnat

if pptp_wait_up "$PPTP_UP_TIMEOUT" 0; then
	log "ok: ppp0 up: $(ppp_addr "${NS_CLIENTS[0]}")"
	check "ping $PPP_LOCAL through the tunnel" pptp_ping 0 3
	check "GRE went through as RELATED" test "$(nft_counter related)" -gt 0
	check "no GRE dropped" test "$(nft_counter gre_dropped)" -eq 0
	((PPTP_OURS)) && check "calls table has one call" test "$(calls_count)" -eq 1
else
	log_fail "ppp0 did not come up within ${PPTP_UP_TIMEOUT}s"
fi
pptp_fail_dump
ksft_finish
