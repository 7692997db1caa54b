#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Active/backup routers: do PPTP calls survive a failover through
# conntrackd?  The recipes of README's "Active/backup routers" are
# applied as written: nft rules, keepalived.conf and conntrackd.conf of
# router A and B, the notify script.
#
#   clients .10-.13 --[bridge: 192.168.1.0/24, gateway VIP .1]--+-- A .2 --+
#                                                               +-- B .3 --+
#   pptpd 198.51.100.200 --[bridge: 198.51.100.0/24, public VIP .1]--------+
#   A sync0 10.255.255.1 -- B sync0 10.255.255.2 (conntrackd FTFW)
#
# Each router runs keepalived and conntrackd in its namespace, in a
# private mount namespace where its /etc/keepalived, /etc/conntrackd,
# /var/log and /run are its own (and, for the patched variant, the
# patched binary is bind-mounted over /usr/sbin/conntrackd), so the
# recipes' paths are used as they are.  Three real pptp/pptpd tunnels
# through A, each with a busybox ping every 0.2 s whose reply times are
# recorded; the clients redial like real ones (persist, LCP echo every
# 1 s, given up after 8 missed).  The fourth client pings the server
# outside any tunnel throughout ("plain-icmp"): what a switch costs a
# flow that needs no synchronised state (VRRP takeover, ARP), the floor
# of any tunnel's gap.
# Then A fails (all its links down) and B takes over; per tunnel:
# "survived" (same PPP session, replies resumed), "redialed" (pppd
# dropped the session and dialed again through B; cause "hangup" when
# pptp quit because its control connection closed, "lcp" when LCP
# echoes went unanswered) or "dead" (no reply by the end of the window),
# and the gap (longest time without a reply).  The old master's table
# just before the switch, the new master's external cache and its table
# right after its commit are saved, and summarised per tunnel: control
# connection (state/helper), timeouts of its GRE entries, expectations;
# per switch: the commit's counts and the ICMP destination-unreachable
# messages the new master sent.  Failback: a fourth tunnel set up
# through B, A comes back (backup, gets B's table), B fails, A takes
# over; measured the same way.
#
# Variants in one run (PPTP_HA_VARIANTS, default all four):
# stock/patched conntrackd x ours/mainline helper.  stock is Debian's
# conntrackd 1.4.7; patched is packaging/conntrack-tools/build.sh's,
# built on the host beforehand (PPTP_HA_CONNTRACKD=path, else the one
# build in ${PPTP_ALG_CACHE:-/var/cache/pptp-alg}/conntrack-tools/).
# Other variants than patched/ours take the edits the section states:
# no HelperInfoSync line for Debian's conntrackd; for mainline's helper,
# helper type "pptp", and GRE and ExpectationSync in conntrackd.conf.
#
# PPTP_HA_PCAP=1 also captures each router's traffic (but VRRP and the
# sync link) into $VM_RESULTS/ha_failover/VARIANT-R.pcap.
#
# Verdict: the "# goal:" line below; PPTP_HA_GOAL overrides it.
#   report   measure and report every variant, assert only that the
#            harness works: the pair forms, the tunnels come up and pass
#            traffic through A, B and later A again take over and
#            commit, a new call comes up through B.
#   survive  also: patched conntrackd with our helper keeps every tunnel
#            through both switches (same session) with a gap under
#            PPTP_HA_MAX_GAP seconds (default 5).
# Tables, logs and each new master's conntrack table go to
# $VM_RESULTS/ha_failover/.
#
# timeout: 1500
# exclusive: loads and unloads nf_pptp_alg and mainline's helper
# goal: survive
. "$(dirname "$0")/pptp_lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
GOAL=${PPTP_HA_GOAL:-$(sed -n 's/^# goal: *\([a-z]*\).*/\1/p' "$0" | head -n1)}
MAX_GAP=${PPTP_HA_MAX_GAP:-5}
VARIANTS=${PPTP_HA_VARIANTS:-stock/ours patched/ours stock/mainline patched/mainline}
DOC=${PPTP_HA_DOC:-$HERE/../README.md}
OUT=$RESULTS_DIR/ha_failover
NCALLS=3		# tunnels through A; one more is set up through B
WINDOW=45		# seconds a switch is watched at most

IN_VIP=192.168.1.1
OUT_VIP=198.51.100.1
HA_SRV=198.51.100.200
declare -A R_LAN=([a]=192.168.1.2 [b]=192.168.1.3)
declare -A R_WAN=([a]=198.51.100.2 [b]=198.51.100.3)
declare -A R_SYNC=([a]=10.255.255.1 [b]=10.255.255.2)
declare -A R_NS=() HOLDER=()
cli_ip() { echo "192.168.1.$((10 + $1))"; }

# Real clients: keep the session while the link is down for less than
# 8 s, then hang up and dial again, forever.
# shellcheck disable=SC2034  # read by pptp_lib's pptp_client_start
PPTP_CLIENT_OPTS='persist
maxfail 0
holdoff 1
lcp-echo-interval 1
lcp-echo-failure 8'

case $GOAL in
report | survive) ;;
*) ksft_exit_fail "goal '$GOAL': report or survive" ;;
esac

pptp_require
require_module
require_cmd keepalived conntrackd nsenter
[[ -f $DOC ]] || ksft_exit_fail "no $DOC"
rm -rf "$OUT"
mkdir -p "$OUT"

# ------------------------------------------------------------ recipes

recipe() { README=$DOC readme_recipe "$1" "$2"; }
for r in nft:ha-nft conf:keepalived-a conf:keepalived-b conf:conntrackd-a \
	conf:conntrackd-b sh:primary-backup; do
	[[ -n $(recipe "${r%%:*}" "${r#*:}") ]] ||
		ksft_exit_fail "$DOC lacks the ${r%%:*} recipe ${r#*:}"
done
log "recipes from ${DOC#"$HERE/"}, goal: $GOAL, variants: $VARIANTS"

# The section's two stated edits.
edit_stock() { sed '/^[[:space:]]*HelperInfoSync[[:space:]]/d'; }
edit_mainline() { sed 's/type "pptp-alg"/type "pptp"/'; }
# Mainline's calls need their GRE entries and expectations synchronised.
edit_mainline_sync() {
	sed -e 's/^\([[:space:]]*\)HelperInfoSync on/\1ExpectationSync on\n&/' \
		-e 's/^\([[:space:]]*\)TCP$/&\n\1GRE/'
}

patched_bin() {
	local d
	if [[ -n ${PPTP_HA_CONNTRACKD:-} ]]; then
		echo "$PPTP_HA_CONNTRACKD"
		return
	fi
	for d in "${PPTP_ALG_CACHE:-/var/cache/pptp-alg}"/conntrack-tools/build-*; do
		[[ -f $d/.done && -x $d/prefix/sbin/conntrackd ]] &&
			echo "$d/prefix/sbin/conntrackd"
	done | tail -n1
}

# ------------------------------------------------------------ topology

# One batch of ip commands per namespace: a process costs 0.2-0.5 s here.
ha_topology() {
	local i r
	setup_ns NS_SW NS_A NS_B NS_S || return 1
	R_NS=([a]=$NS_A [b]=$NS_B)
	for ((i = 0; i <= NCALLS; i++)); do
		setup_ns PCLI || return 1
		NS_CLIENTS+=("$PCLI")
	done
	ip -n "$NS_SW" -b - <<-EOT || return 1
		link add br_in type bridge
		link add br_out type bridge
		link set br_in up
		link set br_out up
	EOT
	for r in a b; do
		{
			echo "link add lan0 type veth peer name ${r}_in netns $NS_SW"
			echo "link add wan0 type veth peer name ${r}_out netns $NS_SW"
			[[ $r == a ]] && echo "link add sync0 type veth peer name sync0 netns $NS_B"
			echo "addr add ${R_LAN[$r]}/24 dev lan0"
			echo "addr add ${R_WAN[$r]}/24 dev wan0"
			echo "addr add ${R_SYNC[$r]}/30 dev sync0"
			echo "link set lan0 up"
			echo "link set wan0 up"
			echo "link set sync0 up"
		} | ip -n "${R_NS[$r]}" -b - || return 1
	done
	ip -n "$NS_S" -b - <<-EOT || return 1
		link add s0 type veth peer name s_out netns $NS_SW
		addr add $HA_SRV/24 dev s0
		link set s0 up
	EOT
	for ((i = 0; i <= NCALLS; i++)); do
		ip -n "${NS_CLIENTS[i]}" -b - <<-EOT || return 1
			link add c0 type veth peer name c${i}_in netns $NS_SW
			addr add $(cli_ip "$i")/24 dev c0
			link set c0 up
			route add default via $IN_VIP
		EOT
	done
	{
		for r in a b; do
			echo "link set ${r}_in master br_in"
			echo "link set ${r}_out master br_out"
		done
		echo "link set s_out master br_out"
		for ((i = 0; i <= NCALLS; i++)); do
			echo "link set c${i}_in master br_in"
		done
		for r in a_in b_in a_out b_out s_out; do
			echo "link set $r up"
		done
		for ((i = 0; i <= NCALLS; i++)); do
			echo "link set c${i}_in up"
		done
	} | ip -n "$NS_SW" -b - || return 1
	ns_sysctl "$NS_A" net.ipv4.ip_forward=1 &&
		ns_sysctl "$NS_B" net.ipv4.ip_forward=1
}

# links R up|down: all of router R's links (a router failing outright).
links() {
	printf 'link set %s %s\n' lan0 "$2" wan0 "$2" sync0 "$2" |
		ip -n "${R_NS[$1]}" -b -
}

# ------------------------------------------------------------ routers

# rexec R CMD...: in router R's network and mount namespace, with the
# holder's root and cwd (the guest runs chrooted into the host's root).
rexec() {
	local r=$1
	shift
	nsenter -t "${HOLDER[$r]}" -m -n -r -w -- "$@"
}

holder_ready() {
	local c=
	read -r c <"/proc/$1/comm" 2>/dev/null
	[[ $c == sleep ]]
}

# router_up R CONNTRACKD STOCK HELPER: configure and start router R.
router_up() {
	local r=$1 bin=$2 stock=$3 helper=$4 d=$PPTP_WORK/$1 ns=${R_NS[$1]}
	rm -rf "$d"
	mkdir -p "$d/keepalived" "$d/conntrackd" "$d/log"
	recipe conf "keepalived-$r" >"$d/keepalived/keepalived.conf"
	recipe conf "conntrackd-$r" |
		if [[ $helper == mainline ]]; then edit_mainline_sync; else cat; fi |
		if ((stock)); then edit_stock; else cat; fi \
		>"$d/conntrackd/conntrackd.conf"
	if [[ $helper == mainline ]]; then
		recipe nft ha-nft | edit_mainline
	else
		recipe nft ha-nft
	fi >"$d/nftables.conf"
	ip netns exec "$ns" nft -f "$d/nftables.conf" || {
		log_fail "$r: nft rejects ha-nft"
		return 1
	}
	# shellcheck disable=SC2016  # expanded by that sh
	ip netns exec "$ns" unshare -m sh -c '
		set -e
		mount --bind "$0/keepalived" /etc/keepalived
		mount --bind "$0/conntrackd" /etc/conntrackd
		mount --bind "$0/log" /var/log
		mount -t tmpfs ha-run /run
		mkdir -p /run/lock
		[ "$1" = /usr/sbin/conntrackd ] || mount --bind "$1" /usr/sbin/conntrackd
		exec sleep 100000' "$d" "$bin" >"$d/holder.out" 2>&1 </dev/null &
	HOLDER[$r]=$!
	disown "${HOLDER[$r]}"
	wait_for 10 holder_ready "${HOLDER[$r]}" || {
		log_fail "$r: private mount namespace: $(cat "$d/holder.out")"
		return 1
	}
	recipe sh primary-backup | rexec "$r" sh -e ||
		{ log_fail "$r: recipe primary-backup"; return 1; }
	rexec "$r" conntrackd -C /etc/conntrackd/conntrackd.conf -d \
		>"$d/conntrackd.out" 2>&1 || {
		log_fail "$r: conntrackd did not start: $(cat "$d/conntrackd.out" "$d/log/conntrackd.log" 2>/dev/null | tail -n 3)"
		return 1
	}
	{ rexec "$r" keepalived -n -l -D -G -P -f /etc/keepalived/keepalived.conf \
		</dev/null 2>&1 | stamp_lines >"$d/keepalived.log"; } &
	return 0
}

# stamp_lines: each line prefixed with the time it was read.
stamp_lines() {
	local l
	while IFS= read -r l; do
		printf '%s %s\n' "$EPOCHREALTIME" "$l"
	done
}

# count_in FILE SUBSTRING: lines of FILE containing SUBSTRING (builtins only).
count_in() {
	local l n=0
	[[ -f $1 ]] || { echo 0; return; }
	while IFS= read -r l; do
		[[ $l == *"$2"* ]] && ((n++))
	done <"$1"
	echo "$n"
}
masters() { count_in "$PPTP_WORK/$1/keepalived.log" "Entering MASTER STATE"; }
backups() { count_in "$PPTP_WORK/$1/keepalived.log" "Entering BACKUP STATE"; }
# backups_over R N: router R has entered BACKUP more than N times.
backups_over() { (($(backups "$1") > $2)); }
commits() { count_in "$PPTP_WORK/$1/log/conntrackd.log" "commit has taken"; }
guard_off() {
	! ip netns exec "${R_NS[$1]}" nft list chain ip ha_guard guard | grep -qw drop
}
# is_master R: both addresses on R and its guard lifted.
is_master() {
	local a
	a=$(ip -n "${R_NS[$1]}" -4 -o addr show)
	[[ $a == *" $IN_VIP/"* && $a == *" $OUT_VIP/"* ]] && guard_off "$1"
}

# ------------------------------------------------------------ traffic

# pinger I [TARGET]: busybox ping every 0.2 s through client I's tunnel,
# as long as it has a ppp0 (restarted on a new one); "R time" per reply,
# "S time" per (re)start, in $PPTP_WORK/ping.I.  With TARGET: ping that
# address outside the tunnel instead, into $PPTP_WORK/ping.plain (the
# failover's cost to a flow without a helper).
pinger() {
	local dev=ppp0 dst=$PPP_LOCAL out=$PPTP_WORK/ping.$1
	if [[ -n ${2:-} ]]; then
		dev=c0 dst=$2 out=$PPTP_WORK/ping.plain
	fi
	# shellcheck disable=SC2016  # expanded by that bash
	ip netns exec "${NS_CLIENTS[$1]}" bash -c '
		exec {n}<> <(:)
		while :; do
			if [[ -e /sys/class/net/$1 ]]; then
				echo START
				busybox ping -i 0.2 -I "$1" "$0" 2>/dev/null
			fi
			read -t 0.5 -u $n
		done' "$dst" "$dev" </dev/null | {
		local l
		while IFS= read -r l; do
			case $l in
			START) printf 'S %s\n' "${EPOCHREALTIME/./}" ;;
			*" bytes from "*) printf 'R %s\n' "${EPOCHREALTIME/./}" ;;
			esac
		done
	} >"$out" &
}

now_us() { echo "${EPOCHREALTIME/./}"; }

# replies_since I T_US: replies of tunnel I after T_US (microseconds).
replies_since() {
	local -a lines
	local i n=0
	mapfile -t lines <"$PPTP_WORK/ping.$1" 2>/dev/null
	for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
		[[ ${lines[i]} == R* ]] || continue
		((${lines[i]#R } > $2)) || break
		((n++))
	done
	echo "$n"
}

# has_replies I N: tunnel I has had N replies.
has_replies() { (($(replies_since "$1" 0) >= $2)); }

sessions() { count_in "$PPTP_WORK/client$1/pppd.log" "Connect: ppp"; }

# verdict I T0 TEND SESSIONS_AT_T0: "verdict gap_ms" of tunnel I for a
# switch at T0 watched until TEND (microseconds).
verdict() {
	local i=$1 t0=$2 tend=$3 s0=$4
	local -a lines
	local l t prev=0 gap=0 after=0 last=0 v
	mapfile -t lines <"$PPTP_WORK/ping.$i"
	for l in "${lines[@]}"; do
		[[ $l == R* ]] || continue
		t=${l#R }
		if ((t <= t0)); then
			prev=$t
			continue
		fi
		((t > tend)) && break
		((prev && t - prev > gap)) && gap=$((t - prev))
		prev=$t
		last=$t
		((after++))
	done
	((tend - prev > gap)) && gap=$((tend - prev))
	if ((after == 0 || tend - last > 2000000)); then
		v=dead
	elif [[ $i != plain ]] && (($(sessions "$i") > s0)); then
		v=redialed
	else
		v=survived
	fi
	echo "$v $((gap / 1000))"
}

# ends I: "hangups lcp_timeouts" in client I's pppd log: sessions ended
# because pptp quit (its control connection closed), or because LCP
# echoes went unanswered (the call's GRE stopped).
ends() {
	echo "$(count_in "$PPTP_WORK/client$1/pppd.log" "Modem hangup")" \
		"$(count_in "$PPTP_WORK/client$1/pppd.log" "No response to")"
}

# ------------------------------------------------------------ views

# snapshot NS FILE: the router's conntrack table and expectations.
snapshot() {
	{
		echo "## conntrack -L"
		ip netns exec "$1" conntrack -L 2>/dev/null
		echo "## conntrack -L expect"
		ip netns exec "$1" conntrack -L expect 2>/dev/null
	} >"$2"
}

# ct_view FILE IP [SPORT]: "ctl gre exp" of the client at IP in a
# snapshot: its control connection (source port SPORT, if given) as
# STATE/helper or "none", the timeouts of its GRE entries (comma
# separated, "-" for none), the expectations naming it.
ct_view() {
	awk -v ip="$2" -v sp="${3:-}" '
		/^## conntrack -L expect/ { inx = 1; next }
		/^##/ { next }
		!inx && $1 == "tcp" && index($0, "src=" ip " ") && / dport=1723 / &&
		    (sp == "" || index($0, " sport=" sp " ")) {
			h = "-"
			for (i = 1; i <= NF; i++) if ($i ~ /^helper=/) h = substr($i, 8)
			ctl = $4 "/" h
		}
		!inx && $1 == "gre" && index($0, "=" ip " ") {
			gre = gre (gre == "" ? "" : ",") $3
		}
		inx && index($0, "=" ip " ") { e++ }
		END {
			printf "%s %s %d\n", ctl == "" ? "none" : ctl,
				gre == "" ? "-" : gre, e
		}' "$1"
}

# ctl_sport FILE IP: source port of the client's established control
# connection in a snapshot.
ctl_sport() {
	awk -v ip="$2" '$1 == "tcp" && $4 == "ESTABLISHED" &&
		index($0, "src=" ip " ") && / dport=1723 / {
			for (i = 1; i <= NF; i++)
				if ($i ~ /^sport=/) { print substr($i, 7); exit }
		}' "$1"
}

# cache_has R HOST [gre]: R's external cache holds HOST's control
# connection, and its GRE where that is synchronised (mainline's helper;
# ours rebuilds a call's GRE from the control connection's state).
cache_has() {
	local c
	c=$(rexec "$1" conntrackd -C /etc/conntrackd/conntrackd.conf -e 2>/dev/null)
	grep -q "src=$2 .*dport=1723" <<<"$c" &&
		{ [[ -z ${3:-} ]] || grep -q "^gre.*=$2 " <<<"$c"; }
}

cache_summary() {
	rexec "$1" conntrackd -C /etc/conntrackd/conntrackd.conf -e 2>/dev/null |
		awk '{ n[$1]++ } END { for (p in n) printf "%s=%d ", p, n[p] }'
	printf 'expect=%s' "$(rexec "$1" conntrackd -C /etc/conntrackd/conntrackd.conf \
		-e expect 2>/dev/null | grep -c .)"
}

# commit_summary R: the figures of router R's last commit, and each
# entry it could not commit as "error: proto src>dst" (conntrackd logs
# the entry after the error).
commit_summary() {
	awk '/committing all external caches/ { n = f = e = x = 0; bad = "" }
		/Committed [0-9]+ new entries/ { n = $(NF - 2) }
		/entries can.t be committed/ { f = $(NF - 4) }
		/Committed [0-9]+ new expectations/ { e = $(NF - 2) }
		/expectations can.t be committed/ { x = $(NF - 4) }
		/\[ERROR\] commit-/ { sub(/.*\[ERROR\] commit-[a-z]*: /, ""); err = $0; next }
		err != "" {
			s = d = ""
			for (i = 1; i <= NF; i++) {
				if (s == "" && $i ~ /^src=/) s = substr($i, 5)
				else if (d == "" && $i ~ /^dst=/) d = substr($i, 5)
			}
			p = $0; sub(/^[^\t]*\t/, "", p); split(p, w, " ")
			bad = bad sprintf("; %s: %s %s>%s", err, w[1], s, d)
			err = ""
		}
		END { printf "%d entries committed, %d failed; %d expectations committed, %d failed%s\n", n, f, e, x, bad }' \
		"$PPTP_WORK/$1/log/conntrackd.log"
}

# unreach R: ICMP destination unreachable messages router R has sent
# (such as "protocol 47 unreachable" for GRE to its public address that
# no conntrack entry forwards).
unreach() {
	ip netns exec "${R_NS[$1]}" awk '$1 == "Icmp:" {
		if (!n) { for (i = 2; i <= NF; i++) if ($i == "OutDestUnreachs") n = i; next }
		print $n; exit }' /proc/net/snmp
}

# ------------------------------------------------------------ one switch

# switch_over VARIANT PHASE OLD NEW TUNNELS...: fail router OLD, let NEW
# take over, watch the tunnels; a row per tunnel in $OUT/table.txt.
switch_over() {
	local var=$1 phase=$2 old=$3 new=$4
	shift 4
	local tunnels=("$@") i t0 tend deadline all n m0 c0 snap=0 ip sp
	local v gap ctl gre exp bctl bgre h1 l1 cause u0
	local -A s0=() h0=() l0=()
	local pre=$OUT/${var/\//-}-$phase-$old-before.txt
	local f=$OUT/${var/\//-}-$phase-$new-after.txt
	snapshot "${R_NS[$old]}" "$pre"
	rexec "$new" conntrackd -C /etc/conntrackd/conntrackd.conf -e >"${f%-after.txt}-cache.txt" 2>&1
	u0=$(unreach "$new")
	for i in "${tunnels[@]}"; do
		s0[$i]=$(sessions "$i")
		read -r "h0[$i]" "l0[$i]" <<<"$(ends "$i")"
	done
	m0=$(masters "$new")
	c0=$(commits "$new")
	t0=$(now_us)
	links "$old" down
	deadline=$((SECONDS + WINDOW))
	while ((SECONDS < deadline)); do
		nap 0.5
		# The new master's table as its commit left it.
		if ((!snap)) && (($(commits "$new") > c0)); then
			snapshot "${R_NS[$new]}" "$f"
			snap=1
		fi
		all=1
		for i in plain "${tunnels[@]}"; do
			(($(replies_since "$i" "$t0") >= 5)) || { all=0; break; }
		done
		((all && snap)) && break
	done
	nap 2
	tend=$(now_us)
	((snap)) || snapshot "${R_NS[$new]}" "$f"
	n=$(($(masters "$new") - m0))
	check "$var $phase: $new took over (VRRP)" test "$n" -ge 2
	check "$var $phase: $new committed conntrackd's cache" \
		test "$(commits "$new")" -gt "$c0"
	echo "# $var $phase: $new's commit: $(commit_summary "$new"); it sent $(($(unreach "$new") - u0)) ICMP destination unreachable" >>"$OUT/table.txt"
	read -r v gap <<<"$(verdict plain "$t0" "$tend" 0)"
	printf "$ROW" "$var" "$phase" "plain-icmp" "$v" - \
		"$((gap / 1000)).$((gap % 1000 / 100))s" - - - - - >>"$OUT/table.txt"
	for i in "${tunnels[@]}"; do
		ip=$(cli_ip "$i")
		read -r v gap <<<"$(verdict "$i" "$t0" "$tend" "${s0[$i]}")"
		read -r h1 l1 <<<"$(ends "$i")"
		cause=-
		((l1 > l0[$i])) && cause=lcp
		((h1 > h0[$i])) && cause=hangup
		sp=$(ctl_sport "$pre" "$ip")
		read -r bctl bgre _ <<<"$(ct_view "$pre" "$ip" "$sp")"
		read -r ctl gre exp <<<"$(ct_view "$f" "$ip" "$sp")"
		printf "$ROW" "$var" "$phase" "$ip" "$v" "$cause" \
			"$((gap / 1000)).$((gap % 1000 / 100))s" "$bctl" "$bgre" \
			"$ctl" "$gre" "$exp" >>"$OUT/table.txt"
		if [[ $var == patched/ours && $GOAL == survive ]]; then
			check "$var $phase: tunnel $ip keeps its PPP session ($v)" \
				test "$v" = survived
			check "$var $phase: tunnel $ip gap under ${MAX_GAP} s (${gap} ms)" \
				test "$gap" -lt $((MAX_GAP * 1000))
		fi
	done
}

# ------------------------------------------------------------ one variant

VSTART=$SECONDS
tlog() { log "[+$((SECONDS - VSTART))s] $*"; }

variant_down() {
	local ns r
	for ns in "${NS_CLIENTS[@]}" "$NS_S" "$NS_A" "$NS_B"; do
		__ns_kill_procs "$ns"
	done
	for r in a b; do
		printf '%s\n' "addr del $IN_VIP/24 dev lan0" "addr del $OUT_VIP/24 dev wan0" \
			"link set lan0 up" "link set wan0 up" "link set sync0 up" |
			ip -force -n "${R_NS[$r]}" -b - 2>/dev/null
		ip netns exec "${R_NS[$r]}" sh -c \
			'nft flush ruleset; conntrack -F; conntrack -F expect' >/dev/null 2>&1
	done
	rm -rf "$PPTP_WORK"/client* "$PPTP_WORK"/ping.*
	return 0
}

helper_load() {
	modprobe nf_conntrack_netlink
	if [[ $1 == ours ]]; then
		modprobe -r nf_nat_pptp nf_conntrack_pptp 2>/dev/null
		mod_load "$MOD"
	else
		mod_unload "$MOD" && modprobe nf_conntrack_pptp && modprobe nf_nat_pptp
	fi
}

run_variant() {
	local var=$1 cd=${1%/*} helper=${1#*/} bin stock=1 i alive t
	local v=$OUT/${1/\//-}
	VSTART=$SECONDS
	if [[ $cd == patched ]]; then
		bin=$(patched_bin)
		stock=0
		[[ -x $bin ]] || {
			log_fail "$var: no patched conntrackd (run packaging/conntrack-tools/build.sh on the host, or set PPTP_HA_CONNTRACKD)"
			return
		}
	else
		bin=/usr/sbin/conntrackd
	fi
	log "==== $var: $bin, helper $helper"
	helper_load "$helper" || { log_fail "$var: helper modules"; return; }
	router_up a "$bin" "$stock" "$helper" || return
	if ! wait_for 30 is_master a; then
		log_fail "$var: A did not become master"
		return
	fi
	tlog "A master"
	router_up b "$bin" "$stock" "$helper" || return
	if [[ -n ${PPTP_HA_PCAP:-} ]]; then
		for i in a b; do
			ip netns exec "${R_NS[$i]}" tcpdump -q -n -U -i any -s 128 \
				-w "$v-$i.pcap" not udp port 3780 and not ip proto 112 \
				>/dev/null 2>&1 &
		done
	fi
	wait_for 20 backups_over b 1 || log_fail "$var: B did not settle as backup"
	tlog "B backup"
	pptp_server_start "$NS_S" "$HA_SRV" || { log_fail "$var: pptpd did not listen"; return; }
	for ((i = 0; i < NCALLS; i++)); do
		pptp_client_start "$i" "$HA_SRV"
	done
	for ((i = 0; i < NCALLS; i++)); do
		if check "$var: tunnel $(cli_ip "$i") up through A" \
			wait_for $((PPTP_UP_TIMEOUT + 10)) ppp_up "${NS_CLIENTS[i]}"; then
			pinger "$i"
		fi
	done
	pinger "$NCALLS" "$HA_SRV"
	for i in $(seq 0 $((NCALLS - 1))) plain; do
		check "$var: replies flow ($i)" wait_for 20 has_replies "$i" 3
	done
	tlog "tunnels up"
	log "$var: B's external cache: $(cache_summary b)"
	mkdir -p "$v-logs"

	# Failover: A fails, B takes over.
	switch_over "$var" failover a b $(seq 0 $((NCALLS - 1)))
	tlog "failover measured"

	# Failback: a call set up through B, A comes back and syncs, B fails.
	pptp_client_start "$NCALLS" "$HA_SRV"
	if check "$var: tunnel $(cli_ip "$NCALLS") up through B" \
		wait_for $((PPTP_UP_TIMEOUT + 10)) ppp_up "${NS_CLIENTS[NCALLS]}"; then
		pinger "$NCALLS"
		check "$var: pings through tunnel $(cli_ip "$NCALLS") (B)" \
			wait_for 20 has_replies "$NCALLS" 3
	fi
	tlog "tunnel $NCALLS up through B"
	i=$(backups a)
	links a up
	check "$var: A back as backup" wait_for 20 backups_over a "$i"
	check "$var: A's cache has B's new call" \
		wait_for 30 cache_has a "$(cli_ip "$NCALLS")" \
		"$([[ $var == */mainline ]] && echo gre)"
	tlog "A synced; its external cache: $(cache_summary a)"
	alive=()
	t=$(now_us)
	for ((i = 0; i <= NCALLS; i++)); do
		# A tunnel that passed traffic in the last 2 s.
		(($(replies_since "$i" $((t - 2000000))) > 0)) && alive+=("$i")
	done
	log "$var: tunnels passing traffic before failback: ${#alive[@]}"
	[[ $GOAL == survive && $var == patched/ours ]] &&
		check "$var: every tunnel passes traffic before failback (${#alive[@]} of $((NCALLS + 1)))" \
			test "${#alive[@]}" -eq $((NCALLS + 1))
	switch_over "$var" failback b a "${alive[@]}"
	tlog "failback measured"

	cp -r "$PPTP_WORK/a" "$PPTP_WORK/b" "$PPTP_WORK/server" "$v-logs/" 2>/dev/null
	for ((i = 0; i <= NCALLS; i++)); do
		cp "$PPTP_WORK/client$i/pppd.log" "$v-logs/pppd-client$i.log" 2>/dev/null
		cp "$PPTP_WORK/ping.$i" "$v-logs/" 2>/dev/null
	done
	cp "$PPTP_WORK/ping.plain" "$v-logs/" 2>/dev/null
	tlog "done"
}

# ------------------------------------------------------------ main

dmesg_mark
defer 'modprobe -r nf_nat_pptp nf_conntrack_pptp'
defer mod_unload
ha_topology || ksft_exit_fail "topology"
ROW='%-16s %-9s %-12s %-9s %-6s %6s  %-20s %-14s %-20s %-14s %s\n'
# shellcheck disable=SC2059
printf "$ROW" variant phase tunnel verdict cause gap old:ctl old:gre \
	new:ctl new:gre new:exp >"$OUT/table.txt"
[[ $GOAL == survive && " $VARIANTS " != *" patched/ours "* ]] &&
	log_fail "goal survive is about patched/ours, which PPTP_HA_VARIANTS leaves out"
for var in $VARIANTS; do
	case $var in
	stock/ours | patched/ours | stock/mainline | patched/mainline) ;;
	*) log_fail "unknown variant $var"; continue ;;
	esac
	# Whether it got to the end or gave up early, nothing of it stays.
	run_variant "$var"
	variant_down
done

log "per tunnel: verdict (survived/redialed/dead), cause of a redial (hangup:"
log "pptp quit, its control connection closed; lcp: LCP echoes unanswered),"
log "gap (longest time without a reply); the old master's table just before"
log "the switch and the new master's right after its commit: control"
log "connection STATE/helper, timeout (s) of each GRE entry, expectations"
sed 's/^/# /' "$OUT/table.txt"
if [[ $GOAL == report ]]; then
	n=$(awk '$1 == "patched/ours" && $3 != "plain-icmp"' "$OUT/table.txt" | grep -c .)
	s=$(awk -v g=$((MAX_GAP)) '$1 == "patched/ours" && $3 != "plain-icmp" && $4 == "survived" && $6 + 0 < g' \
		"$OUT/table.txt" | grep -c .)
	log "goal (patched/ours: every tunnel survives, gap < ${MAX_GAP} s): not yet asserted (# goal: survive): $s of $n"
fi
check "no kernel warnings" dmesg_check
ksft_finish
