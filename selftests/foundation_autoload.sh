#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The module must autoload from nftables alone, the way a router admin
# uses it: `ct helper pptp { type "pptp-alg" protocol tcp; }` makes the
# kernel request_module("nfct-helper-pptp-alg").  Then a TCP connection to
# port 1723 routed through the rule must carry helper=pptp-alg.
# exclusive: unloads and autoloads the module
. "$(dirname "$0")/lib.sh"

require_vm
require_root
require_cmd nft conntrack python3 modprobe
require_module

modprobe -r nf_nat_pptp nf_conntrack_pptp 2>/dev/null
mod_unload || ksft_exit_fail "cannot unload pre-loaded $MOD"
mod_loaded && ksft_exit_fail "$MOD still loaded"
dmesg_mark
# Leave the module unloaded for the next test (ns deletion runs first:
# defer is LIFO and namespaces are deleted after deferred commands, so
# delete them explicitly in cleanup order).
defer mod_unload
defer 'cleanup_ns "$NS_C" "$NS_R" "$NS_S"'

router_topology || ksft_exit_fail "topology setup failed"

nft_ns "$NS_R" <<EOT || ksft_exit_fail "nft: ct helper object of type \"$HELPER\" rejected"
table inet pptptest {
	ct helper pptp {
		type "$HELPER" protocol tcp;
	}
}
EOT
check "ct helper object autoloaded $MOD" mod_loaded

nft_ns "$NS_R" <<EOT || ksft_exit_fail "nft: ct helper set rule rejected"
table inet pptptest {
	chain pre {
		type filter hook prerouting priority filter; policy accept;
		tcp dport 1723 ct helper set "pptp"
	}
}
EOT
log "rule 'tcp dport 1723 ct helper set \"pptp\"' added"

srv=$(tcp_listen "$NS_S" 10.0.2.2 1723 30)
wait_listen "$NS_S" 1723 5 || ksft_exit_fail "server did not start"
hold=$(mktemp)
defer "rm -f '$hold'"
tcp_connect "$NS_C" 10.0.2.2 1723 20 "$hold" &
cli=$!
check "conntrack entry for :1723 has helper=$HELPER" \
	wait_for 4 ct_has_helper "$NS_R" "$HELPER" 1723
ct_list "$NS_R" | sed 's/^/# ct: /'
rm -f "$hold"
check "TCP connection through the helper completed" wait $cli
kill "$srv" 2>/dev/null
check "no kernel warnings" dmesg_check
ksft_finish
