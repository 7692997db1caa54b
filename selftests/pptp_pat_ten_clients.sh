#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Ten PPTP clients behind one PAT address reach one pptpd at once.  pptp
# clients all pick the same small call ID, so this only works when the
# router translates call IDs: all tunnels must come up, all must ping,
# and the translated call IDs (nat_id in the calls table; GRE keys of the
# router's conntrack entries towards the server) must be distinct.
# timeout: 420
. "$(dirname "$0")/pptp_lib.sh"

N=${PPTP_NCLIENTS:-10}
pptp_require
pptp_load
pptp_scenario_up pat "$N"

up=0
for ((i = 0; i < N; i++)); do
	if wait_for $((PPTP_UP_TIMEOUT + 2 * N)) ppp_up "${NS_CLIENTS[i]}"; then
		up=$((up + 1))
	else
		log_fail "client $i (10.48.66.$((CLI_BASE + i))): ppp0 not up"
	fi
done
log "$up/$N tunnels up"
pinged=0
for ((i = 0; i < N; i++)); do
	ppp_up "${NS_CLIENTS[i]}" || continue
	if pptp_ping "$i" 2; then
		pinged=$((pinged + 1))
	else
		log_fail "client $i: ping through tunnel failed"
	fi
done
log "$pinged/$N clients pinged $PPP_LOCAL"

# Distinct translated IDs: GRE entries towards the server carry the
# client's (translated) call ID as the key of packets server -> router.
if ((PPTP_OURS)); then
	ids=$(calls_field nat_id | sort)
	check "calls table has $N calls" test "$(calls_count)" -eq "$N"
	check "nat_id values distinct" test "$(printf '%s\n' "$ids" | sort -u | grep -c .)" -eq "$N"
	log "nat_ids: $(echo $ids)"
fi
keys=$(gre_ct | awk -v s="src=$SRV" -v d="dst=$R_OUT" '{
	for (i = 1; i < NF; i++)
		if ($i == s && $(i + 1) == d)
			for (j = i + 2; j <= NF; j++) if ($j ~ /^dstkey=/) { print $j; break }
}' | sort -u)
log "GRE keys server->router (translated call IDs): $(echo $keys)"
check "$N distinct GRE keys towards the PAT address" test "$(printf '%s\n' "$keys" | grep -c .)" -ge "$N"
pptp_fail_dump
ksft_finish
