#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The README's "Migrating from the mainline helper" section, run as
# written: every fenced ```sh block whose first line is "# recipe: NAME".
# Each command in the section is in one of these blocks.
#
#   mainline-off            in a private mount namespace (tmpfs over
#                           /etc/modprobe.d): afterwards neither mainline
#                           module loads, not even through an nft helper
#                           object of type "pptp", and nf_pptp_alg does.
#   iptables-pat            iptables-nft on a PAT router, a real pptp
#                           client inside and pptpd outside: the tunnel
#                           comes up, pings pass, the control connection
#                           carries helper=pptp-alg and its call is counted.
#   iptables-router-client  the router's own pptp client, INPUT dropping
#                           all but established/related from outside: the
#                           tunnel comes up through the OUTPUT-hook helper.
#
# The router's interfaces are named ri/ro here (pptp_lib's topology); the
# recipes' lan0/wan0 are replaced by them, nothing else is changed.
# Also checks the mainline helper's removal notice that the README quotes,
# on the kernels that print it (7.2 and later).
# timeout: 240
# exclusive: loads and blocks the mainline helper modules
. "$(dirname "$0")/pptp_lib.sh"

pptp_require
require_cmd iptables modprobe
pptp_ours_only

mapfile -t RECIPES < <(readme_recipes sh)
log "sh recipes in README: ${RECIPES[*]}"
for want in mainline-off iptables-pat iptables-router-client; do
	[[ " ${RECIPES[*]} " == *" $want "* ]] ||
		ksft_exit_fail "README lacks sh recipe $want"
done
dmesg_mark

# recipe_in NS NAME: run recipe NAME in the router namespace NS.
recipe_in() {
	readme_recipe sh "$2" | sed -e 's/\blan0\b/ri/g' -e 's/\bwan0\b/ro/g' |
		ip netns exec "$1" bash -e
}

# ------------------------------------------------------- mainline-off
NOTICE="The pptp conntrack helper is scheduled for removal."
modprobe -r nf_nat_pptp nf_conntrack_pptp 2>/dev/null
# Before 7.3 mainline and nf_pptp_alg cannot be loaded together.
mod_unload "$MOD" 2>/dev/null
if modprobe nf_conntrack_pptp; then
	kmaj=$(uname -r | cut -d. -f1)
	kmin=$(uname -r | cut -d. -f2)
	if ((kmaj > 7 || (kmaj == 7 && kmin >= 2))); then
		check "mainline prints the README's removal notice" \
			sh -c "dmesg | tail -n 50 | grep -qF '$NOTICE'"
	else
		log "kernel $(uname -r) predates the removal notice"
	fi
	modprobe -r nf_conntrack_pptp
else
	log_fail "modprobe nf_conntrack_pptp (before the recipe)"
fi
# The recipe writes /etc/modprobe.d; the host root is read-only here.
off=$(readme_recipe sh mainline-off)
out=$(unshare -m bash -c '
	d=$(mktemp -d) && cp -a /etc/modprobe.d/. "$d"/ &&
	mount -t tmpfs modprobe.d /etc/modprobe.d && cp -a "$d"/. /etc/modprobe.d/ &&
	bash -c "$1" >/dev/null 2>&1
	modprobe nf_conntrack_pptp 2>/dev/null && echo "conntrack_pptp loads"
	modprobe nf_nat_pptp 2>/dev/null && echo "nat_pptp loads"
	ip netns add "mo-$$" &&
	ip netns exec "mo-$$" nft -f - 2>/dev/null <<EOT && echo "pptp object loads"
table ip t { ct helper h { type "pptp" protocol tcp; } }
EOT
	ip netns del "mo-$$"
	grep -q "^nf_conntrack_pptp " /proc/modules && echo "conntrack_pptp loaded"
	modprobe nf_pptp_alg || echo "nf_pptp_alg does not load"
' mainline-off "$off")
[[ -z $out ]] || log "after mainline-off: $out"
absent() { [[ $out != *"$1"* ]]; }
check "mainline-off: nf_conntrack_pptp refused" absent "conntrack_pptp load"
check "mainline-off: nf_nat_pptp refused" absent "nat_pptp loads"
check "mainline-off: an nft \"pptp\" helper object cannot load it" \
	absent "pptp object loads"
check "mainline-off: nf_pptp_alg still loads" absent "does not load"
pptp_load

# tunnel_up NAME: client 0's call through the router with recipe NAME:
# the tunnel comes up and carries pings, the control connection has our
# helper and one call was set up.
tunnel_up() {
	if ! pptp_wait_up "$PPTP_UP_TIMEOUT" 0; then
		log_fail "$1: ppp0 did not come up within ${PPTP_UP_TIMEOUT}s"
		pptp_fail_dump
		return 1
	fi
	check "$1: ping through the tunnel" pptp_ping 0 3
	check "$1: control connection has helper=pptp-alg" \
		sh -c "ip netns exec '$NS_R' conntrack -L -p tcp --dport $PPTP_PORT 2>/dev/null |
			grep -q 'helper=pptp-alg'"
	check "$1: one call set up" test "$(stat_of calls_setup)" -eq 1
}

# ------------------------------------------------------- iptables-pat
ipt_pat() { recipe_in "$NS_R" iptables-pat; }
PPTP_RULESET=ipt_pat pptp_scenario_up pat 1
if tunnel_up iptables-pat; then
	check "iptables-pat: GRE entries on the router" test "$(gre_ct_count)" -gt 0
	check "iptables-pat: the rules are iptables-nft's" \
		sh -c "ip netns exec '$NS_R' iptables -t raw -S PREROUTING | grep -q 'CT --helper pptp-alg'"
fi
pptp_client_stop 0

# --------------------------------------------- iptables-router-client
# A new router whose own pptp client dials pptpd outside.
NS_CLIENTS=()
pptp_topo_pat 0 || ksft_exit_fail "topology"
recipe_in "$NS_R" iptables-router-client || log_fail "iptables-router-client rules"
pptp_server_start "$NS_S" "$SRV" || { pptp_dump_logs; ksft_exit_fail "pptpd did not listen"; }
NS_CLIENTS=("$NS_R")
pptp_client_start 0 "$SRV"
tunnel_up iptables-router-client
pptp_client_stop 0

dmesg_check
ksft_finish
