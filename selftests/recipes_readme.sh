#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The README's "Recipes" are applied exactly as written: every fenced
# ```nft block whose first line is "# recipe: NAME" is extracted and loaded
# with `nft -f` into a namespace router built to match the README
# (lan0 192.168.1.1/24, wan0 198.51.100.1/24, inside 192.168.1.10/.20,
# outside 198.51.100.200).  For each recipe a TCP/1723 connection is made
# the way the recipe is meant for, and must complete, be NATed as the
# recipe says and carry helper=pptp-alg (no helper for pix62-static).
# timeout: 240
# exclusive: unloads the module at the end
. "$(dirname "$0")/lib.sh"

require_vm
require_root
require_cmd nft conntrack python3 modprobe awk
require_module

mapfile -t RECIPES < <(readme_recipes nft)
((${#RECIPES[@]})) || ksft_exit_fail "no '# recipe:' nft blocks in README"
log "recipes in README: ${RECIPES[*]}"
for want in pix62-static pat dnat-server router-client; do
	[[ " ${RECIPES[*]} " == *" $want "* ]] || log_fail "README lacks recipe $want"
done

modprobe -r nf_nat_pptp nf_conntrack_pptp 2>/dev/null
dmesg_mark
defer mod_unload

# inside (NS_C) -- lan0 router wan0 (NS_R) -- outside (NS_O)
topology() {
	setup_ns NS_C NS_R NS_O || return 1
	veth_pair "$NS_C" c0 "$NS_R" lan0 192.168.1.10/24 192.168.1.1/24 || return 1
	ip -n "$NS_C" addr add 192.168.1.20/24 dev c0 || return 1
	veth_pair "$NS_R" wan0 "$NS_O" o0 198.51.100.1/24 198.51.100.200/24 || return 1
	ip -n "$NS_C" route add default via 192.168.1.1 || return 1
	ns_sysctl "$NS_R" net.ipv4.ip_forward=1
}

# conn LISTEN_NS LISTEN_ADDR CONNECT_NS CONNECT_ADDR: one TCP/1723
# connection, held open until the router's conntrack has been read.
conn() {
	local srv cli rc
	srv=$(tcp_listen "$1" "$2" 1723 30)
	wait_listen "$1" 1723 15 || { log_fail "listener on $2 did not start"; return 1; }
	touch "$CT.hold"
	tcp_connect "$3" "$4" 1723 20 "$CT.hold" &
	cli=$!
	# Let the handshake pass and the entry settle.
	wait_for 15 ct_has "$NS_R" 'ESTABLISHED' -p tcp --dport 1723
	ct_list "$NS_R" -p tcp --dport 1723 >"$CT"
	sed 's/^/# ct: /' "$CT"
	rm -f "$CT.hold"
	wait "$cli"
	rc=$?
	kill "$srv" 2>/dev/null
	return $rc
}

has() { grep -Eq -- "$1" "$CT"; }

CT=$(mktemp)
defer "rm -f '$CT' '$CT.hold'"

run_recipe() {
	local name=$1 text
	text=$(readme_recipe nft "$name")
	[[ -n $text ]] || { log_fail "$name: empty block"; return; }
	topology || { log_fail "$name: topology"; return; }
	if ! check "$name: nft accepts the README block" \
		nft_ns "$NS_R" <<<"$text"; then
		cleanup_ns "$NS_C" "$NS_R" "$NS_O"
		return
	fi
	case $name in
	pix62-static)
		ip -n "$NS_R" addr add 198.51.100.10/32 dev wan0
		check "$name: inside client reaches outside :1723" \
			conn "$NS_O" 198.51.100.200 "$NS_C" 198.51.100.200
		check "$name: 1:1 SNAT to 198.51.100.10" has 'dst=198.51.100.10 '
		check "$name: no helper (GRE allowed by rule)" bash -c "! grep -q helper= '$CT'"
		;;
	pat)
		check "$name: inside client reaches outside :1723" \
			conn "$NS_O" 198.51.100.200 "$NS_C" 198.51.100.200
		check "$name: masqueraded to 198.51.100.1" has 'dst=198.51.100.1 '
		check "$name: helper=$HELPER assigned" has "helper=$HELPER"
		;;
	dnat-server)
		check "$name: outside client reaches inside server" \
			conn "$NS_C" 192.168.1.20 "$NS_O" 198.51.100.1
		check "$name: DNAT to 192.168.1.20" has 'src=192.168.1.20 '
		check "$name: helper=$HELPER assigned" has "helper=$HELPER"
		;;
	router-client)
		check "$name: router's own client reaches outside :1723" \
			conn "$NS_O" 198.51.100.200 "$NS_R" 198.51.100.200
		check "$name: helper=$HELPER assigned in output" has "helper=$HELPER"
		;;
	*)
		log "$name: no connection check for this recipe"
		;;
	esac
	cleanup_ns "$NS_C" "$NS_R" "$NS_O"
}

for r in "${RECIPES[@]}"; do
	run_recipe "$r"
done
check "$MOD loaded by the recipes' ct helper objects" mod_loaded
check "no kernel warnings" dmesg_check
ksft_finish
