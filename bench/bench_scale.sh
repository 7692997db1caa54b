#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench_scale.sh: GRE forwarding rate through a PAT router as the number
# of concurrent PPTP calls grows, for nf_pptp_alg ("pptp-alg") and for
# mainline nf_conntrack_pptp + nf_nat_pptp ("pptp"), in one guest session.
#
# Run with `make bench` (host), which builds selftests/tools and boots the
# guest; or in the guest: bench/bench_scale.sh.  Not part of `make check`.
#
#   client 10.48.66.106/24 -- c0 | r0 10.48.66.47 ROUTER 192.168.201.1 r1 | s0 -- server 192.168.201.25/24
#   router: nft prerouting `tcp dport 1723 ct helper set`, masquerade out r1
#
# For each N in PPTP_BENCH_NS (default "1 100 1000 10000") the synthetic peer
# (tools/pptp_bench_peer: PNS in the client netns, PAC in the server netns)
# brings the number of live calls up to N (OCRQ/OCRP + one GRE packet per
# direction each), then tools/gre_blast sends GRE for call 0 from the
# client over AF_PACKET for PPTP_BENCH_SECS seconds; the server netns counts
# GRE in an nft counter at prerouting (and drops it).  Rate = counted /
# blast time; median of PPTP_BENCH_RUNS runs.  "unknown" = the same with a GRE
# call ID that matches no call.  N = 0 is plain forwarding + masquerade
# with no helper and no PPTP module loaded.
#
# Knobs (env): PPTP_BENCH_NS, PPTP_BENCH_RUNS (3), PPTP_BENCH_SECS (3), PPTP_BENCH_PAYLOAD (64),
#   PPTP_BENCH_BATCH (50 calls per OCRQ batch), PPTP_BENCH_OURS_PER_CONN (100;
#   0 = every call on one control connection), PPTP_BENCH_RATE_PER_CONN (100: extra
#   setup/teardown-only pass of ours with calls spread over connections; 0
#   skips it), PPTP_BENCH_SKIP_MAINLINE=1.
# The blasted call is the newest one (mainline's keymap list is walked from
# the oldest entry); at the largest N the first call is blasted too.
# Mainline tracks one call per control connection, so it gets one
# connection per call.
. "$(dirname "$0")/../selftests/lib.sh"

TEST_NAME=bench_scale
TOOLS=${PPTP_BENCH_TOOLS:-$(cd "$(dirname "$0")/../selftests" && pwd)/tools/build}
NS_LIST=${PPTP_BENCH_NS:-"1 100 1000 10000"}
RUNS=${PPTP_BENCH_RUNS:-3}
SECS=${PPTP_BENCH_SECS:-3}
PAYLOAD=${PPTP_BENCH_PAYLOAD:-64}
BATCH=${PPTP_BENCH_BATCH:-50}
# At most 127 calls of one control connection wait for GRE (two
# expectations each, under the core's 255 per connection): spread them.
OURS_PER_CONN=${PPTP_BENCH_OURS_PER_CONN:-100}
RATE_PER_CONN=${PPTP_BENCH_RATE_PER_CONN:-100}
UNKNOWN_KEY=0x7ffe BASE_KEY=0x7ffd
CLIENT=10.48.66.106 R_IN=10.48.66.47 R_OUT=192.168.201.1 SERVER=192.168.201.25

require_vm
require_root
require_cmd nft ip awk sort modprobe
[[ -x $TOOLS/pptp_bench_peer && -x $TOOLS/gre_blast ]] ||
	ksft_exit_skip "tools not built: make -C selftests/tools"
require_module nf_pptp_alg

out() { printf '%s\n' "$*"; }

# ------------------------------------------------------------ topology

setup() {
	# Big tables before anything loads conntrack; say what was raised.
	mod_unload nf_nat_pptp; mod_unload nf_conntrack_pptp; mod_unload nf_pptp_alg
	modprobe nf_conntrack hashsize=65536 expect_hashsize=4096 2>/dev/null ||
		modprobe nf_conntrack
	echo 65536 >/sys/module/nf_conntrack/parameters/hashsize 2>/dev/null
	sysctl -qw net.netfilter.nf_conntrack_max=262144
	sysctl -qw net.netfilter.nf_conntrack_expect_max=65536
	out "# raised: nf_conntrack_max=$(sysctl -n net.netfilter.nf_conntrack_max)" \
		"nf_conntrack_expect_max=$(sysctl -n net.netfilter.nf_conntrack_expect_max)" \
		"hashsize=$(cat /sys/module/nf_conntrack/parameters/hashsize)" \
		"expect_hashsize=$(cat /sys/module/nf_conntrack/parameters/expect_hashsize 2>/dev/null)"

	setup_ns NS_C NS_R NS_S || ksft_exit_fail "netns"
	veth_pair "$NS_C" c0 "$NS_R" r0 $CLIENT/24 $R_IN/24 || ksft_exit_fail "veth c"
	veth_pair "$NS_R" r1 "$NS_S" s0 $R_OUT/24 $SERVER/24 || ksft_exit_fail "veth s"
	ip -n "$NS_C" route add default via $R_IN
	ip -n "$NS_S" route add default via $R_OUT
	ns_sysctl "$NS_R" net.ipv4.ip_forward=1
	# GRE ends here: count it at the server, drop it on both ends
	# (no ICMP protocol-unreachable back through the router).
	nft_ns "$NS_S" <<-EOF || ksft_exit_fail "server nft"
	table ip s {
		counter gre { }
		chain pre { type filter hook prerouting priority raw; ip protocol gre counter name "gre" drop; }
	}
	EOF
	nft_ns "$NS_C" <<-EOF || ksft_exit_fail "client nft"
	table ip c {
		chain pre { type filter hook prerouting priority raw; ip protocol gre drop; }
	}
	EOF
	# The blaster writes the router's MAC itself (AF_PACKET).
	R_MAC=$(ip netns exec "$NS_R" cat /sys/class/net/r0/address)
}

# router_rules HELPER_TYPE|"" : replace the router's ruleset.
router_rules() {
	ip netns exec "$NS_R" nft delete table ip t 2>/dev/null
	if [[ -n $1 ]]; then
		nft_ns "$NS_R" <<-EOF
		table ip t {
			ct helper pptp { type "$1" protocol tcp; }
			chain pre { type filter hook prerouting priority filter; tcp dport 1723 ct helper set "pptp"; }
			chain post { type nat hook postrouting priority srcnat; oif "r1" masquerade; }
		}
		EOF
	else
		nft_ns "$NS_R" <<-EOF
		table ip t {
			chain post { type nat hook postrouting priority srcnat; oif "r1" masquerade; }
		}
		EOF
	fi
}

# --------------------------------------------------------------- blast

gre_count() {
	ip netns exec "$NS_S" nft list counter ip s gre |
		awk '{ for (i = 1; i < NF; i++) if ($i == "packets") { print $(i + 1); exit } }'
}

# blast_once KEY: forwarded packets/s for one blast.
blast_once() {
	local key=$1 res secs n
	ip netns exec "$NS_S" nft reset counter ip s gre >/dev/null
	res=$(ip netns exec "$NS_C" timeout $((${SECS%.*} + 20)) "$TOOLS/gre_blast" --ifname c0 \
		--dst-mac "$R_MAC" --src $CLIENT --dst $SERVER --key "$key" \
		--seconds "$SECS" --payload "$PAYLOAD") || { echo 0; return 1; }
	sleep 0.2	# let the backlog drain
	n=$(gre_count)
	secs=$(awk '{ print $4 }' <<<"$res")
	printf '# blast key %s: %s, forwarded %s\n' "$key" "$res" "$n" >&2
	awk -v n="$n" -v s="$secs" 'BEGIN { printf "%.0f\n", (s > 0 ? n / s : 0) }'
}

# blast KEY: median forwarded packets/s of RUNS blasts.
blast() {
	local i v=()
	for ((i = 0; i < RUNS; i++)); do
		v+=("$(blast_once "$1")")
	done
	printf '%s\n' "${v[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# ---------------------------------------------------------------- peer

peer_start() {	# peer_start CALLS_PER_CONN
	coproc PEER { "$TOOLS/pptp_bench_peer" --cns "/run/netns/$NS_C" \
		--sns "/run/netns/$NS_S" --server $SERVER --calls-per-conn "$1" \
		--batch "$BATCH" --timeout 20 2>&1; }
	PEER_IN=${PEER[1]} PEER_OUT=${PEER[0]}
	peer_read >/dev/null
}

# Reply line of the peer, bounded in time.
peer_read() {
	local line
	if ! read -t 900 -r line <&"$PEER_OUT"; then
		log_fail "peer: no reply"
		return 1
	fi
	printf '%s\n' "$line"
	[[ $line == ok* || $line == ready ]] || { log_fail "peer: $line"; return 1; }
}

peer_cmd() { echo "$*" >&"$PEER_IN"; peer_read; }

peer_stop() {
	[[ -n ${PEER_PID:-} ]] || return 0
	echo quit >&"$PEER_IN" 2>/dev/null
	wait "$PEER_PID" 2>/dev/null
}

field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' <<<"$2"; }

# --------------------------------------------------------------- memory

# slab_snap FILE: "cache bytes" of every cache (active objects * size).
slab_snap() { awk 'NR > 2 { print $1, $2 * $4 }' /proc/slabinfo >"$1"; }
slab_kb() { awk '$1 == "Slab:" { print $2 }' /proc/meminfo; }

# slab_report BEFORE AFTER N LABEL: per-call deltas.
slab_report() {
	local b=$1 a=$2 n=$3 label=$4
	awk -v n="$n" -v label="$label" '
		FNR == NR { b[$1] = $2; next }
		{ d = $2 - b[$1]; tot += d
		  if ($1 ~ /^nf_conntrack/) ct += d
		  else if ($1 ~ /^pptp_alg/) mod += d
		  else if ($1 ~ /^kmalloc-/) km += d
		  if (d > 64 * n || d < -64 * n) big = big sprintf(" %s=%+.0f", $1, d / n) }
		END {
		  printf "%s: slab delta per call: total %.0f B (conntrack caches %.0f, pptp_alg caches %.0f, kmalloc-* %.0f)\n", label, tot / n, ct / n, mod / n, km / n
		  printf "%s: caches moving > 64 B/call:%s\n", label, big
		}' "$b" "$a"
}

# module_conn_mem: bytes held in the pptp_alg_conn cache (SLUB sysfs; the
# cache may be merged with another one, then this is its alias' total).
module_cache_line() {
	local d=/sys/kernel/slab/pptp_alg_conn
	[[ -e $d ]] || { echo "pptp_alg_conn cache: not visible"; return; }
	echo "pptp_alg_conn cache: object_size $(cat $d/object_size) B," \
		"slab_size $(cat $d/slab_size) B, objects $(awk '{ print $1 }' $d/objects)" \
		"(aliases $(cat $d/aliases 2>/dev/null))"
}

# ------------------------------------------------------------- scenario

declare -A R		# R[impl,N] = pps ; R[impl,uN] = unknown-call pps

# run_impl IMPL HELPER_TYPE PER_CONN
run_impl() {
	local impl=$1 type=$2 per_conn=$3 have=0 n add reply key=0
	local t_conn=0 t_call=0 s0 s1 k0 k1

	router_rules "$type" || { log_fail "$impl: nft rules"; return 1; }
	peer_start "$per_conn"
	slab_snap /tmp/bench_slab0
	k0=$(slab_kb)
	for n in $NS_LIST; do
		add=$((n - have))
		((add > 0)) || continue
		reply=$(peer_cmd "add $add") || { peer_stop; return 1; }
		out "# $impl: $reply"
		have=$n
		key=$(field last "$reply")
		if ((n == ${NS_LIST##* })); then
			# setup rate from the last (largest) step
			R[$impl,setup_n]=$add
			R[$impl,setup_call]=$(field call_secs "$reply")
			R[$impl,setup_conn]=$(field conn_secs "$reply")
		fi
		[[ $impl == ours ]] && out "# ours N=$n: $(stat_dump "$NS_R" |
			awk '$1 ~ /^(calls_active|calls_setup|expect_created|expect_failed|gre_entries|nat_rewrites|call_limit|nomem|nat_id_exhausted)$/ { printf "%s=%s ", $1, $2 }')"
		out "# $impl N=$n: router conntrack entries $(ip netns exec "$NS_R" \
			cat /proc/sys/net/netfilter/nf_conntrack_count), expectations $(ip netns exec "$NS_R" conntrack -L expect 2>/dev/null | grep -c .)"
		R[$impl,$n]=$(blast "$key")
		if ((n == 1 || n == ${NS_LIST##* })); then
			R[$impl,u$n]=$(blast $UNKNOWN_KEY)
		fi
		((n > 1 && n == ${NS_LIST##* })) &&
			R[$impl,f$n]=$(blast "$(field key "$reply")")
	done
	sleep 1		# RCU-freed objects settle
	slab_snap /tmp/bench_slab1
	k1=$(slab_kb)
	R[$impl,mem]=$(slab_report /tmp/bench_slab0 /tmp/bench_slab1 "$have" "$impl")
	R[$impl,memkb]=$(awk -v a="$k0" -v b="$k1" -v n="$have" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }')
	[[ $impl == ours ]] && R[$impl,modcache]=$(module_cache_line)
	reply=$(peer_cmd del) || { peer_stop; return 1; }
	out "# $impl: $reply"
	R[$impl,del_n]=$(field del "$reply")
	R[$impl,del_call]=$(field call_secs "$reply")
	R[$impl,del_conn]=$(field conn_secs "$reply")
	[[ $impl == ours ]] && out "# ours after del: $(stat_dump "$NS_R" | awk '$1 ~ /^(calls_active|sessions_active|calls_torndown|gre_removed)$/ { printf "%s=%s ", $1, $2 }')"
	peer_stop
	ip netns exec "$NS_R" nft delete table ip t
	ip netns exec "$NS_R" conntrack -F >/dev/null 2>&1
	sleep 1
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else printf "-" }'; }

table() {
	local impl=$1 title=$2 base=${R[none,0]:-0} one=${R[$1,1]:-0} n
	out ""
	out "$title"
	printf '| %-16s | %12s | %9s | %12s |\n' "calls N" "fwd pkt/s" "/ N=1" "/ no helper"
	printf '|%s|%s|%s|%s|\n' "------------------" "--------------" "-----------" "--------------"
	printf '| %-16s | %12s | %9s | %12s |\n' "0 (no helper)" "$base" "$(ratio "$base" "$one")" "1.000"
	for n in $NS_LIST; do
		printf '| %-16s | %12s | %9s | %12s |\n' "$n" "${R[$impl,$n]:-}" \
			"$(ratio "${R[$impl,$n]:-0}" "$one")" "$(ratio "${R[$impl,$n]:-0}" "$base")"
	done
	n=${NS_LIST##* }
	[[ -n ${R[$impl,f$n]:-} ]] &&
		printf '| %-16s | %12s | %9s | %12s |\n' "$n, first call" "${R[$impl,f$n]}" \
			"$(ratio "${R[$impl,f$n]}" "$one")" "$(ratio "${R[$impl,f$n]}" "$base")"
	for n in 1 ${NS_LIST##* }; do
		[[ -n ${R[$impl,u$n]:-} ]] || continue
		printf '| %-16s | %12s | %9s | %12s |\n' "$n, unknown ID" "${R[$impl,u$n]}" \
			"$(ratio "${R[$impl,u$n]}" "$one")" "$(ratio "${R[$impl,u$n]}" "$base")"
	done
}

rates() {
	local impl=$1
	[[ -n ${R[$impl,setup_n]:-} ]] || return
	awk -v impl="$impl" -v n="${R[$impl,setup_n]}" -v c="${R[$impl,setup_call]}" \
	    -v cc="${R[$impl,setup_conn]}" -v dn="${R[$impl,del_n]:-0}" \
	    -v d="${R[$impl,del_call]:-0}" -v dc="${R[$impl,del_conn]:-0}" 'BEGIN {
		printf "| %-8s | %8d | %11.0f | %14.0f | %11.0f | %15.0f |\n", impl, n,
			(c > 0 ? n / c : 0), (c + cc > 0 ? n / (c + cc) : 0),
			(d > 0 ? dn / d : 0), (d + dc > 0 ? dn / (d + dc) : 0)
	}'
}

cleanup() {
	[[ -n ${PEER_PID:-} ]] && kill "$PEER_PID" 2>/dev/null
	rm -f /tmp/bench_slab0 /tmp/bench_slab1
}

# ------------------------------------------------------------------ main

dmesg_mark
setup
out "# bench_scale: $(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(uname -r)," \
	"$(nproc) vCPU, $(awk '/MemTotal/ { print int($2 / 1024) " MiB" }' /proc/meminfo)," \
	"$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
out "# runs per point $RUNS (median), blast ${SECS}s, GRE payload $PAYLOAD B, N = $NS_LIST"

# N = 0: no helper, no PPTP module.
router_rules "" || ksft_exit_fail "nft"
# Warm-up: resolves the router's neighbour for the server, checks the path.
SECS_SAVE=$SECS SECS=0.3
(($(blast_once $BASE_KEY 2>/dev/null) > 0)) || ksft_exit_fail "no GRE reaches the server"
SECS=$SECS_SAVE
BASE_RUNS=$(for ((i = 0; i < RUNS; i++)); do blast_once $BASE_KEY; done)
ip netns exec "$NS_R" nft delete table ip t
ip netns exec "$NS_R" conntrack -F >/dev/null 2>&1

# nf_pptp_alg
mod_load nf_pptp_alg || ksft_exit_fail "modprobe nf_pptp_alg"
sysctl_set "$NS_R" max_calls 16384
sysctl_set "$NS_R" gre_stream_timeout 86400 2>/dev/null
sysctl_set "$NS_R" gre_timeout 86400 2>/dev/null
sysctl_set "$NS_R" expect_timeout 600 2>/dev/null
# Every call of the benchmark waits for GRE at once: lift the budgets.
sysctl_set "$NS_R" pending_calls_max 1048576
sysctl_set "$NS_R" pending_calls_per_host 1048576
out "# ours: max_calls=$(sysctl_get "$NS_R" max_calls) gre_timeout=$(sysctl_get "$NS_R" gre_timeout)" \
	"gre_stream_timeout=$(sysctl_get "$NS_R" gre_stream_timeout), calls per control connection: ${OURS_PER_CONN/#0/all}"
run_impl ours pptp-alg "$OURS_PER_CONN"
# Call rate only, calls spread over control connections of RATE_PER_CONN.
if ((RATE_PER_CONN > 0)); then
	router_rules pptp-alg
	peer_start "$RATE_PER_CONN"
	if reply=$(peer_cmd "add ${NS_LIST##* }"); then
		out "# ours/$RATE_PER_CONN: $reply"
		R[ours$RATE_PER_CONN,setup_n]=$(field add "$reply")
		R[ours$RATE_PER_CONN,setup_call]=$(field call_secs "$reply")
		R[ours$RATE_PER_CONN,setup_conn]=$(field conn_secs "$reply")
		reply=$(peer_cmd del) && out "# ours/$RATE_PER_CONN: $reply"
		R[ours$RATE_PER_CONN,del_n]=$(field del "$reply")
		R[ours$RATE_PER_CONN,del_call]=$(field call_secs "$reply")
		R[ours$RATE_PER_CONN,del_conn]=$(field conn_secs "$reply")
	else
		out "# ours/$RATE_PER_CONN: $reply"
		# the peer's stderr detail line(s)
		while read -t 1 -r reply <&"$PEER_OUT" 2>/dev/null; do out "# peer: $reply"; done
		stat_dump "$NS_R" | awk '$2 != 0 { printf "%s=%s ", $1, $2 } END { print "" }' | sed 's/^/# ours stats: /'
	fi
	peer_stop
	ip netns exec "$NS_R" nft delete table ip t
	ip netns exec "$NS_R" conntrack -F >/dev/null 2>&1
	sleep 1
fi
mod_unload nf_pptp_alg || log_fail "unload nf_pptp_alg"

# mainline
if [[ -z ${PPTP_BENCH_SKIP_MAINLINE:-} ]]; then
	if modprobe nf_conntrack_pptp && modprobe nf_nat_pptp; then
		ns_sysctl "$NS_R" net.netfilter.nf_conntrack_gre_timeout=3600
		ns_sysctl "$NS_R" net.netfilter.nf_conntrack_gre_timeout_stream=86400
		out "# mainline: one control connection per call; gre timeouts raised to 3600/86400 s"
		run_impl mainline pptp 1
		mod_unload nf_nat_pptp
		mod_unload nf_conntrack_pptp
	else
		log_fail "mainline modules not available"
	fi
fi

# Baseline again at the end (same noise window as the rest); median of all.
ip netns exec "$NS_R" conntrack -F >/dev/null 2>&1
router_rules "" && BASE_RUNS+=$'\n'$(for ((i = 0; i < RUNS; i++)); do blast_once $BASE_KEY; done)
ip netns exec "$NS_R" nft delete table ip t
R[none,0]=$(sort -n <<<"$BASE_RUNS" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
out "# no-helper runs: $(echo $BASE_RUNS)"

out ""
out "## bench_scale results ($(date -u '+%Y-%m-%d'), $(uname -r), $(nproc) vCPU TCG guest)"
table ours "nf_pptp_alg (pptp-alg), GRE forwarded to the server for call 0, median of $RUNS x ${SECS}s:"
[[ -n ${R[mainline,1]:-} ]] &&
	table mainline "mainline nf_conntrack_pptp + nf_nat_pptp, same session:"
out ""
out "Call rates, setup of the largest step (N=${NS_LIST##* }: $((${NS_LIST##* } - $(echo $NS_LIST | awk '{ print (NF > 1 ? $(NF - 1) : 0) }'))) calls) and teardown of all N;" \
	"ours = all calls on one control connection, ours$RATE_PER_CONN = $RATE_PER_CONN calls per connection" \
	"(all N at once), mainline = one connection per call; +conn/+stop include SCCRQ/SCCRP resp. StopCCRQ/StopCCRP+close:"
printf '| %-8s | %8s | %11s | %14s | %11s | %13s |\n' impl calls "setup/s" "setup+conn/s" \
	"teardown/s" "teardown+stop/s"
printf '|%s|%s|%s|%s|%s|%s|\n' ---------- ---------- ------------- ---------------- ------------- -----------------
rates ours
((RATE_PER_CONN > 0)) && rates "ours$RATE_PER_CONN"
rates mainline
out ""
out "Kernel memory per call at N=${NS_LIST##* } (whole guest; includes the peer's sockets):"
for impl in ours mainline; do
	[[ -n ${R[$impl,mem]:-} ]] || continue
	out "${R[$impl,mem]}"
	out "$impl: /proc/meminfo Slab delta per call: ${R[$impl,memkb]} B"
done
[[ -n ${R[ours,modcache]:-} ]] && out "ours: ${R[ours,modcache]}"
dmesg_check || log_fail "kernel warnings in dmesg"
ksft_finish
