#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Control case for pptp_pat_basic.sh: the same stateful PAT ruleset but
# no helper assignment.  The control connection passes (tcp/1723 is
# allowed) but GRE is not RELATED, hits the default drop, and the PPP
# link never comes up -- proving the helper is what makes PPTP work.
# timeout: 120
. "$(dirname "$0")/pptp_lib.sh"

# Once the server's GRE has hit the drop, PPP cannot complete: every GRE
# packet of the server meets the same rule.  The link is then given
# WAIT more seconds to come up anyway.
WAIT=${PPTP_NEG_WAIT:-3}
pptp_require
pptp_load
PPTP_WITH_HELPER=0 pptp_scenario_up pat 1

gre_hit_drop() { local n; n=$(nft_counter gre_dropped); ((${n:-0} > 0)); }
wait_for 30 gre_hit_drop || log_fail "no GRE reached the default drop"
if wait_for "$WAIT" ppp_up "${NS_CLIENTS[0]}"; then
	log_fail "ppp0 came up without a helper ($(ppp_addr "${NS_CLIENTS[0]}"))"
else
	log "ok: ppp0 not up ${WAIT}s after GRE hit the drop"
fi
check "control connection + call reached the server (server pppd started)" \
	test -s "$PPTP_WORK/server/pppd.log"
check "GRE hit the default drop (gre_dropped=$(nft_counter gre_dropped))" \
	test "$(nft_counter gre_dropped)" -gt 0
check "no helper on the control connection" \
	sh -c "! ip netns exec '$NS_R' conntrack -L -p tcp 2>/dev/null | grep -q helper="
check "no GRE expectations" test "$(gre_expect_count)" -eq 0
pptp_fail_dump
ksft_finish
