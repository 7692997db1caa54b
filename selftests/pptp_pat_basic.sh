#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# One PPTP client behind a PAT router (masquerade, stateful forward chain
# with default drop) reaches pptpd outside: the tunnel comes up and the
# server's PPP address answers pings through it.  The helper is what lets
# the GRE through (see pptp_negative_no_helper.sh for the converse).
# timeout: 180
. "$(dirname "$0")/pptp_lib.sh"

pptp_require
pptp_load
pptp_scenario_up pat 1

if pptp_wait_up "$PPTP_UP_TIMEOUT" 0; then
	log "ok: ppp0 up: $(ppp_addr "${NS_CLIENTS[0]}")"
	check "ping $PPP_LOCAL through the tunnel" pptp_ping 0 3
	check "GRE went through as RELATED" test "$(nft_counter related)" -gt 0
	check "router has GRE conntrack entries" test "$(gre_ct_count)" -gt 0
	if ((PPTP_OURS)); then
		check "calls table has one call" test "$(calls_count)" -eq 1
		check "one call set up" test "$(stat_of calls_setup)" -eq 1
	fi
else
	log_fail "ppp0 did not come up within ${PPTP_UP_TIMEOUT}s"
fi
pptp_fail_dump
ksft_finish
