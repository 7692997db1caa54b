#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# net.netfilter.nf_pptp_alg.gre_stream_timeout governs an established
# call's GRE entries once GRE flowed both ways: with 1234 the router's
# `conntrack -L -p gre` timeouts are > 600 (the core GRE stream default
# is 180), and after changing it to 987 a new call's entries follow.
# timeout: 240
. "$(dirname "$0")/pptp_lib.sh"

pptp_require
pptp_ours_only
pptp_load
pptp_topo_pat 2 || ksft_exit_fail "topology"
pptp_ruleset pat 1 || ksft_exit_fail "nft ruleset"
pptp_server_start "$NS_S" "$SRV" || ksft_exit_fail "pptpd did not listen"

# gre_timeouts CLIENT_ADDR : timeouts (3rd column) of GRE entries whose
# tuples mention CLIENT_ADDR.
gre_timeouts() {
	gre_ct | awk -v a="src=$1" '{ for (i = 1; i <= NF; i++) if ($i == a) { print $3; break } }'
}
# check_call IDX VALUE : start client IDX, GRE both ways, entries' timeout
# in (VALUE-120, VALUE].
check_call() {
	local i=$1 v=$2 addr=10.48.66.$((CLI_BASE + $1)) t n=0 bad=0
	pptp_client_start "$i" "$SRV"
	if ! pptp_wait_up "$PPTP_UP_TIMEOUT" "$i" || ! pptp_ping "$i" 3; then
		log_fail "client $i: tunnel did not come up / ping failed"
		return 1
	fi
	pptp_ping "$i" 2 # one more round after the stream state was reached
	for t in $(gre_timeouts "$addr"); do
		n=$((n + 1))
		((t > v - 120 && t <= v)) || bad=$((bad + 1))
	done
	log "client $i: GRE timeouts: $(gre_timeouts "$addr" | tr "\n" " ") (want $((v - 120))..$v)"
	check "client $i: has GRE entries" test "$n" -ge 1
	check "client $i: GRE entries use gre_stream_timeout=$v" test "$bad" -eq 0
	check "client $i: > 600 (not the core default)" test "$n" -ge 1 -a "$bad" -eq 0 -a "$v" -gt 600
}

sysctl_set "$NS_R" gre_stream_timeout 1234 || ksft_exit_fail "cannot set gre_stream_timeout"
check "sysctl reads back 1234" test "$(sysctl_get "$NS_R" gre_stream_timeout)" = 1234
check_call 0 1234
sysctl_set "$NS_R" gre_stream_timeout 987
check "sysctl reads back 987" test "$(sysctl_get "$NS_R" gre_stream_timeout)" = 987
check_call 1 987
pptp_fail_dump
ksft_finish
