#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs inside the guest (see scripts/demo.sh).  A first, plain-TCP demo:
#
#   client ns 10.0.1.2 --- 10.0.1.1 router ns 10.0.2.1 --- 10.0.2.2 server ns
#                          nft: ct helper "pptp-alg" on tcp/1723, masquerade
#
# opens a TCP connection to port 1723 through the router and shows that
# conntrack assigned the helper, plus the module's stats.  (The full PPTP
# call scenario will replace this body.)
# shellcheck disable=SC2034  # read by lib.sh
TEST_NAME=demo
. "$(dirname "$0")/../selftests/lib.sh"

require_root
require_cmd nft conntrack python3

step() { printf '\n### %s\n' "$*"; }

step "loading $MOD"
modprobe -r nf_nat_pptp nf_conntrack_pptp 2>/dev/null
modprobe "$MOD" || ksft_exit_fail "modprobe $MOD failed (make install?)"
lsmod | grep -E "^($MOD|nf_conntrack) "

step "building client -- router -- server namespaces"
router_topology || ksft_exit_fail "topology"
echo "client=$NS_C router=$NS_R server=$NS_S"

step "router ruleset"
nft_ns "$NS_R" <<EOT || ksft_exit_fail "nft ruleset"
table inet pptp_demo {
	ct helper pptp {
		type "$HELPER" protocol tcp;
	}
	chain pre {
		type filter hook prerouting priority filter; policy accept;
		tcp dport 1723 ct helper set "pptp"
	}
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "r1" masquerade
	}
}
EOT
ip netns exec "$NS_R" nft list ruleset

step "TCP connection client -> server:1723 through the router"
srv=$(tcp_listen "$NS_S" 10.0.2.2 1723 8)
wait_listen "$NS_S" 1723 5 || ksft_exit_fail "server did not start"
tcp_connect "$NS_C" 10.0.2.2 1723 4 &
cli=$!
wait_for 4 ct_has_helper "$NS_R" "$HELPER" 1723 ||
	log_fail "no conntrack entry with helper=$HELPER"

step "router: conntrack -L (note helper=$HELPER and the masqueraded reply tuple)"
ct_list "$NS_R"

step "router: $PROC_DIR/stats (non-zero counters and gauges)"
stat_dump "$NS_R" | awk '$2 != 0 || $1 ~ /_active$/ { print; next } { z++ }
	END { if (z) printf "(%d more counters, all 0)\n", z }'
[[ -r /proc/net/nf_pptp_alg/stats ]] || echo "(no stats file)"
step "router: $PROC_DIR/calls"
ip netns exec "$NS_R" cat "$PROC_DIR/calls" 2>/dev/null || echo "(no calls file)"
step "router: sysctl net.netfilter.nf_pptp_alg"
ip netns exec "$NS_R" sysctl net.netfilter.nf_pptp_alg 2>/dev/null || echo "(no sysctls)"

wait "$cli" || log_fail "client connection failed"
kill "$srv" 2>/dev/null
ksft_finish "demo done"
