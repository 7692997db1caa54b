#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The helper is found by its name whatever port the control connection
# uses.  nft and iptables assign a helper by rule; an operator who moved
# PPTP to TCP/11723, or whose modprobe.d still carries an old `ports=`
# option, must still get a helper named "pptp-alg" (a helper registered
# per port would be named "pptp-alg-0" and `type "pptp-alg"` would fail).
#
# Flow: module loaded with `ports=11723`, an nft ct helper of type
# "pptp-alg" on tcp dport 11723 behind a PAT router, one raw PNS inside
# and a raw PAC outside on port 11723.  Checks: the ruleset loads, the
# call is tracked and translated, its GRE is expected.
# exclusive: reloads the module with a parameter
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/robust_lib.sh"

robust_init
PORT=11723
PNS_ID=13107	# 0x3333

modprobe -r nf_nat_pptp nf_conntrack_pptp 2>/dev/null
mod_unload
mod_load "$MOD" ports=$PORT || ksft_exit_fail "modprobe $MOD ports=$PORT failed"
defer mod_unload
dmesg_mark
defer 'cleanup_ns "$NS_C" "$NS_R" "$NS_S"'
router_topology || ksft_exit_fail "topology setup failed"
check "a helper of type \"$HELPER\" on tcp/$PORT is accepted" nft_ns "$NS_R" <<EOT
table inet port {
	ct helper pptp {
		type "$HELPER" protocol tcp;
	}
	chain pre {
		type filter hook prerouting priority filter; policy accept;
		tcp dport $PORT ct helper set "pptp"
	}
}
table ip portnat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "r1" masquerade
	}
}
EOT

ns_exec "$NS_S" python3 "$RAW" pac --bind 10.0.2.2 --port $PORT \
	--log "$WORK/pac.log" >/dev/null 2>&1 &
wait_listen "$NS_S" $PORT 30 || ksft_exit_fail "PAC did not start"
timeout 60 ip netns exec "$NS_C" python3 "$RAW" pns --to 10.0.2.2 \
	--port $PORT --call-id $PNS_ID --hold 30 >"$WORK/pns.out" 2>&1 &
wait_for 15 grep -q "^ocrp" "$WORK/pns.out" || log_fail "call not set up"
# Held 30 s: a slow (debug) kernel must not see it cleared meanwhile.
exp=$(ct_expect_list "$NS_R")
calls=$(ns_exec "$NS_R" cat "$PROC_DIR/calls")
printf '%s\n' "$calls" | sed 's/^/# calls: /'
wire=$(awk '$2 == "OCRQ" { sub("own=", "", $3); print $3; exit }' "$WORK/pac.log")
check "call tracked on tcp/$PORT" grep -q "pns_id=$PNS_ID .*state=ESTABLISHED" <<<"$calls"
check "call ID translated on the wire ($wire)" test -n "$wire" -a "$wire" != "$PNS_ID"
printf '%s\n' "$exp" | sed 's/^/# expect: /'
check "GRE expected for the call, both ways" \
	test "$(grep -Eci "gre|proto=47" <<<"$exp")" -eq 2
check "no kernel warnings" dmesg_check
ksft_finish
