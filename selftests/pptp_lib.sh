#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck disable=SC2034,SC2016  # vars used by the sourcing tests
#
# Shared code for the end-to-end PPTP selftests (selftests/pptp_*.sh):
# namespaces + router ruleset + real pptpd / pppd+pptp peers.
#
#   clients 10.48.66.106.. --[bridge "ri" 10.48.66.47] router
#        [ro 192.168.201.1, masquerade] -- server 192.168.201.25 (pptpd)
#
# PPTP_HELPER selects the conntrack helper under test:
#   pptp-alg (default)  our nf_pptp_alg
#   pptp                mainline nf_conntrack_pptp + nf_nat_pptp
# PPTP_MODS overrides the module list.  PPTP_KEEP=1 keeps the work dir.
#
# Every daemon gets a private mount namespace with tmpfs over /etc/ppp and
# /run (host root is read-only; pptp's call-manager socket lives in
# /run/pptp and must not be shared between clients in different netns).

# Not a test: run directly (e.g. by a runner globbing pptp_*), it skips.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	echo "# pptp_lib.sh is a library for selftests/pptp_*.sh; nothing to run"
	exit 4
fi

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PPTP_HELPER=${PPTP_HELPER:-${PPTP_ALG_HELPER:-pptp-alg}}
HELPER=$PPTP_HELPER
if [[ $PPTP_HELPER == pptp ]]; then
	PPTP_MODS=${PPTP_MODS:-nf_conntrack_pptp nf_nat_pptp}
	PPTP_OURS=0
else
	PPTP_MODS=${PPTP_MODS:-$MOD}
	PPTP_OURS=1
fi
PPTP_TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")/tools" && pwd)
PEER=(python3 "$PPTP_TOOLS/pptp_peer.py")   # raw PPTP peers

# Seed addressing.
R_IN=10.48.66.47
R_OUT=192.168.201.1
SRV=192.168.201.25
SRV_IN=10.48.66.25           # server address in the DNAT topology
CLI_OUT=192.168.201.106      # client address in the DNAT topology
CLI_BASE=106                 # clients are 10.48.66.(106+i)
PPP_LOCAL=172.16.25.1
PPP_REMOTE=172.16.25.100-199
PPTP_PORT=1723
PPTP_UP_TIMEOUT=${PPTP_UP_TIMEOUT:-40}

NS_R=''
NS_S=''
NS_CLIENTS=()
CLIENT_PIDS=()
PPTPD_PID=

PPTP_WORK=$(mktemp -d "${TMPDIR:-/tmp}/pptp-test.XXXXXX")
[[ -n ${PPTP_KEEP:-} ]] || defer "rm -rf '$PPTP_WORK'"

# ------------------------------------------------------------ requirements

pptp_require() {
	require_vm
	require_root
	require_cmd nft conntrack pptpd pptp pppd unshare python3 busybox
	modprobe ppp_generic 2>/dev/null
	modprobe ppp_async 2>/dev/null
	[[ -c /dev/ppp ]] || mknod /dev/ppp c 108 0 2>/dev/null
	[[ -c /dev/ppp ]] || ksft_exit_skip "no /dev/ppp"
	[[ -e /dev/ptmx ]] || ksft_exit_skip "no /dev/ptmx"
}

# pptp_ours_only: skip tests that need our procfs/sysctl interface.
pptp_ours_only() {
	((PPTP_OURS)) || ksft_exit_skip "needs nf_pptp_alg (PPTP_HELPER=$PPTP_HELPER)"
}

# pptp_load: unload the competing implementation, load PPTP_MODS.
pptp_load() {
	local m
	if ((PPTP_OURS)); then
		require_module "$MOD"
		modprobe -r nf_nat_pptp nf_conntrack_pptp 2>/dev/null
	else
		mod_unload "$MOD" 2>/dev/null
	fi
	for m in $PPTP_MODS; do
		modprobe "$m" || ksft_exit_fail "modprobe $m failed"
	done
}

# ------------------------------------------------------------- topology

__bridge_port() { # NS_R BRIDGE PORTNAME PEERNS PEERIF ADDR GW
	veth_pair "$1" "$3" "$4" "$5" "" "$6" || return 1
	ip -n "$1" link set "$3" master "$2" || return 1
	ip -n "$4" route add default via "$7"
}

# pptp_topo_pat NCLIENTS: router + server outside + N inside clients.
# Sets NS_R NS_S NS_CLIENTS[0..N-1] (client i = 10.48.66.(106+i)).
pptp_topo_pat() {
	local n=${1:-1} i ns
	setup_ns NS_R NS_S || return 1
	ip -n "$NS_R" link add ri type bridge || return 1
	ip -n "$NS_R" addr add "$R_IN/24" dev ri
	ip -n "$NS_R" link set ri up
	veth_pair "$NS_R" ro "$NS_S" s0 "$R_OUT/24" "$SRV/24" || return 1
	ip -n "$NS_S" route add default via "$R_OUT"
	for ((i = 0; i < n; i++)); do
		setup_ns PCLI || return 1
		NS_CLIENTS+=("$PCLI")
		__bridge_port "$NS_R" ri "rp$i" "$PCLI" c0 \
			"10.48.66.$((CLI_BASE + i))/24" "$R_IN" || return 1
	done
	ns_sysctl "$NS_R" net.ipv4.ip_forward=1
}

# pptp_topo_dnat: server inside (10.48.66.25) behind DNAT of
# 192.168.201.1:1723; one client outside (192.168.201.106).
pptp_topo_dnat() {
	setup_ns NS_R NS_S PCLI || return 1
	NS_CLIENTS=("$PCLI")
	ip -n "$NS_R" link add ri type bridge || return 1
	ip -n "$NS_R" addr add "$R_IN/24" dev ri
	ip -n "$NS_R" link set ri up
	__bridge_port "$NS_R" ri rp0 "$NS_S" s0 "$SRV_IN/24" "$R_IN" || return 1
	veth_pair "$NS_R" ro "$PCLI" c0 "$R_OUT/24" "$CLI_OUT/24" || return 1
	ip -n "$PCLI" route add default via "$R_OUT"
	ns_sysctl "$NS_R" net.ipv4.ip_forward=1
}

# pptp_ruleset MODE HELPER_ON : MODE pat|dnat; HELPER_ON 1|0.
# Stateful forward chain: established,related accept; new tcp/1723 in the
# allowed direction accept; GRE counted in "gre_dropped"; rest counted in
# "dropped" and dropped.
pptp_ruleset() {
	local mode=$1 on=${2:-1} assign="" nat allow
	[[ $on == 1 ]] && assign="tcp dport $PPTP_PORT ct helper set \"pptp\""
	if [[ $mode == pat ]]; then
		allow="iifname \"ri\" oifname \"ro\" tcp dport $PPTP_PORT ct state new accept"
		nat="chain postnat {
		type nat hook postrouting priority srcnat; policy accept;
		oifname \"ro\" masquerade
	}"
	else
		allow="iifname \"ro\" ip daddr $SRV_IN tcp dport $PPTP_PORT ct state new accept"
		nat="chain prenat {
		type nat hook prerouting priority dstnat; policy accept;
		iifname \"ro\" ip daddr $R_OUT tcp dport $PPTP_PORT dnat ip to $SRV_IN
	}
	chain postnat {
		type nat hook postrouting priority srcnat; policy accept;
	}"
	fi
	nft_ns "$NS_R" <<EOT
table inet pptp_t {
	ct helper pptp {
		type "$PPTP_HELPER" protocol tcp;
	}
	counter dropped { }
	counter gre_dropped { }
	counter related { }
	chain helpers {
		type filter hook prerouting priority filter; policy accept;
		$assign
	}
	chain forward_f {
		type filter hook forward priority filter; policy drop;
		ct state established accept
		ct state related counter name "related" accept
		$allow
		meta l4proto gre counter name "gre_dropped" drop
		counter name "dropped" drop
	}
	$nat
}
EOT
}

# nft_counter NAME : packets of named counter in the router's table.
nft_counter() {
	ip netns exec "$NS_R" nft list counter inet pptp_t "$1" 2>/dev/null |
		awk '/packets/ { for (i = 1; i <= NF; i++) if ($i == "packets") print $(i + 1) }'
}

# ---------------------------------------------------------------- daemons

# __private_exec DIR CMD... : exec CMD in a private mount ns with tmpfs
# over /etc/ppp and /run.  Replaces the current process (use with &).
__private_exec() {
	local dir=$1
	shift
	exec unshare -m sh -c '
		mount -t tmpfs pptp-etc /etc/ppp && mount -t tmpfs pptp-run /run &&
		mkdir -p /run/pptp /run/lock && cd "$0" && exec "$@"' "$dir" "$@"
}

# pptp_server_start NS LISTEN_ADDR : pptpd in the foreground (background job).
pptp_server_start() {
	local ns=$1 addr=$2 d=$PPTP_WORK/server
	mkdir -p "$d"
	cat >"$d/pptpd.conf" <<EOT
option $d/pptpd-options
localip $PPP_LOCAL
remoteip $PPP_REMOTE
connections 64
EOT
	cat >"$d/pptpd-options" <<EOT
name pptpd
noauth
nomppe
nobsdcomp
nodeflate
novj
novjccomp
nodefaultroute
noproxyarp
nolock
mtu 1400
mru 1400
lcp-echo-interval 0
debug
logfile $d/pppd.log
EOT
	(ip netns exec "$ns" bash -c "$(declare -f __private_exec); __private_exec '$d' \
		pptpd -f -c '$d/pptpd.conf' -l '$addr' -p '$d/pptpd.pid'" \
		>"$d/pptpd.out" 2>&1 </dev/null) &
	PPTPD_PID=$!
	disown "$PPTPD_PID"
	wait_listen "$ns" "$PPTP_PORT" 10
}

# pptp_client_start IDX SERVER_ADDR : pppd+pptp in NS_CLIENTS[IDX].
# Sets CLIENT_PIDS[IDX] (pid of the subshell running pppd).
# PPTP_CLIENT_OPTS: more pppd options, one per line, after the defaults
# (a later option overrides an earlier one: e.g. persist, maxfail 0).
pptp_client_start() {
	local i=$1 srv=$2 ns=${NS_CLIENTS[$1]} d=$PPTP_WORK/client$1
	mkdir -p "$d"
	cat >"$d/options" <<EOT
pty "pptp $srv --nolaunchpppd --loglevel 1"
name client$i
remotename pptpd
noauth
nomppe
nobsdcomp
nodeflate
novj
novjccomp
nodefaultroute
nolock
nodetach
maxfail 1
mtu 1400
mru 1400
lcp-echo-interval 0
debug
logfile $d/pppd.log
${PPTP_CLIENT_OPTS:-}
EOT
	(ip netns exec "$ns" bash -c "$(declare -f __private_exec); __private_exec '$d' \
		pppd file '$d/options'" >"$d/pppd.out" 2>&1 </dev/null) &
	CLIENT_PIDS[i]=$!
	disown "${CLIENT_PIDS[i]}"
}

# ppp_addr NS : IPv4 address of ppp0 in NS (empty if none).
ppp_addr() {
	ip -n "$1" -4 -o addr show dev ppp0 2>/dev/null | awk '{ print $4; exit }'
}
ppp_up() { [[ -n $(ppp_addr "$1") ]]; }

# pptp_wait_up TIMEOUT IDX... : all given clients get a ppp0 address.
pptp_wait_up() {
	local t=$1 i
	shift
	for i in "$@"; do
		wait_for "$t" ppp_up "${NS_CLIENTS[i]}" || return 1
	done
}

# pptp_ping IDX [COUNT]: ping the server's PPP address through the tunnel,
# each echo sent as soon as the last one is answered (-A).
pptp_ping() {
	local c=${2:-3}
	ip netns exec "${NS_CLIENTS[$1]}" busybox ping -A -q -c "$c" -w $((c + 5)) \
		-I ppp0 "$PPP_LOCAL" >/dev/null 2>&1
}

# pptp_client_stop IDX : graceful: SIGTERM pppd (LCP terminate, pptp sends
# CCRQ / StopCCRQ) and wait bounded for it to exit.
pptp_client_stop() {
	local pid=${CLIENT_PIDS[$1]:-} ns=${NS_CLIENTS[$1]} p
	[[ -n $pid ]] || return 0
	for p in $(ip netns pids "$ns" 2>/dev/null); do
		[[ $(cat /proc/"$p"/comm 2>/dev/null) == pppd ]] && kill -TERM "$p"
	done
	wait_for 15 sh -c "! kill -0 $pid 2>/dev/null"
	# pptp's call manager exits after StopCCRQ; give it a bounded moment.
	wait_for 10 sh -c "! ip netns pids '$ns' | grep -q ."
}

# pptp_dump_logs : print daemon logs (on failure).
pptp_dump_logs() {
	local f
	for f in "$PPTP_WORK"/*/*.log "$PPTP_WORK"/*/*.out; do
		[[ -s $f ]] || continue
		echo "# ---- ${f#"$PPTP_WORK"/}"
		tail -n 25 "$f" | sed 's/^/#   /'
	done
}

# pptp_state_dump : router view (conntrack, expectations, module procfs).
pptp_state_dump() {
	echo "# ---- router conntrack -L"
	ct_list "$NS_R" | sed 's/^/#   /'
	echo "# ---- router conntrack -L expect"
	ct_expect_list "$NS_R" | sed 's/^/#   /'
	if ((PPTP_OURS)); then
		echo "# ---- router $PROC_DIR/calls"
		ip netns exec "$NS_R" cat "$PROC_DIR/calls" 2>/dev/null | sed 's/^/#   /'
		echo "# ---- router $PROC_DIR/stats (non-zero)"
		stat_dump "$NS_R" | awk '$2 != 0' | sed 's/^/#   /'
	fi
	echo "# ---- router nft counters: dropped=$(nft_counter dropped) gre_dropped=$(nft_counter gre_dropped) related=$(nft_counter related)"
}

# On failure, tests call pptp_fail_dump before exiting.
pptp_fail_dump() {
	((__LIB_FAILED)) || return 0
	pptp_state_dump
	pptp_dump_logs
}

# ---------------------------------------------------------- router views

gre_ct() { ct_list "$NS_R" -p gre; }
gre_ct_count() { gre_ct | grep -c .; }
gre_expect_count() { ct_expect_list "$NS_R" | grep -c -E "proto=47|gre"; }
calls_lines() { ip netns exec "$NS_R" cat "$PROC_DIR/calls" 2>/dev/null; }
calls_count() { calls_lines | grep -c 'ctrl='; }
# calls_field KEY : values of KEY= in the calls table, one per line.
calls_field() {
	calls_lines | tr ' ' '\n' | sed -n "s/^$1=//p"
}
stat_of() { stat_get "$NS_R" "$1" || echo 0; }

# pptp_scenario_up MODE NCLIENTS : full setup used by most tests.
# PPTP_RULESET names a function that replaces pptp_ruleset (same args).
pptp_scenario_up() {
	local mode=$1 n=${2:-1} i srv
	if [[ $mode == dnat ]]; then
		pptp_topo_dnat || ksft_exit_fail "topology"
		pptp_ruleset dnat "${PPTP_WITH_HELPER:-1}" || ksft_exit_fail "nft ruleset"
		pptp_server_start "$NS_S" "$SRV_IN" || { pptp_dump_logs; ksft_exit_fail "pptpd did not listen"; }
		srv=$R_OUT
	else
		pptp_topo_pat "$n" || ksft_exit_fail "topology"
		"${PPTP_RULESET:-pptp_ruleset}" pat "${PPTP_WITH_HELPER:-1}" ||
			ksft_exit_fail "router ruleset"
		pptp_server_start "$NS_S" "$SRV" || { pptp_dump_logs; ksft_exit_fail "pptpd did not listen"; }
		srv=$SRV
	fi
	for ((i = 0; i < ${#NS_CLIENTS[@]}; i++)); do
		pptp_client_start "$i" "$srv"
	done
}
