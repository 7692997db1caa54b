#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# SMP stress: the debug kernel's two-vCPU tier.  One long-lived driver
# (tools/pptp_stress, built on the host: make -C selftests/tools
# selftest-tools) plays every inside host and PAC from threads pinned to
# different CPUs, both directions of each control connection at once and
# both first GRE packets of each call at once, with random segmentation
# and endings, through two PAT routers:
#
#   inside hosts 10.0.1.2-13 -- R  (asserted) -- PACs 10.0.2.2-4
#   inside hosts 10.0.3.x    -- R2 (volatile) -- PACs 10.0.4.x
#
# R carries only connections nothing else touches: every check holds
# there.  R2 takes the rest, at the same time, in the same conntrack
# hash: nf_conntrack_buckets at its 512 minimum and
# nf_conntrack_tcp_timeout_established 4 in R2, with waves of 300 idle
# control connections whose masters expire while R's calls look their
# GRE entries up; conntrack -D of random control connections and one
# conntrack -F; R2 deleted with calls and GRE in it.  From 40% of the
# run the endpoints' links to R reorder packets (netem), as networks do.
# The driver also reads /proc/net/nf_pptp_alg/{stats,calls} and writes
# the module's sysctls (within their ranges) of both routers all along.
#
# Then, with one connection per pair held with an outgoing and an
# incoming call that carried GRE both ways: the gauges against the
# table, every held call's two GRE entries [ASSURED] (conntrack -L);
# netem holds GRE and control packets 10 s on both router egresses while
# the module is removed (ruleset first: its ct helper object pins the
# module); the queues drain.
#
# Pass: no violation on R (translation at both ends, message integrity,
# GRE to the right call only, both GRE entries of each live call that
# carried GRE both ways ASSURED, no unexplained close, no stall but of a
# connection failed closed by design), stream_lost 0 on R, gauges as the
# table says, module unloaded, no kernel report (KASAN, lockdep, RCU,
# WARN...) from start to drained queues, and kmemleak (debug kernel)
# reports nothing of the module.
#
# First (PPTP_STRESS_RATE_SECS, default 8; 0: off) the same driver,
# R only and no stressors, runs as long with this module and with
# mainline's nf_conntrack_pptp + nf_nat_pptp: control connections and
# calls per second of both, side by side (mainline's mistranslations are
# reported, not asserted).
#
# Knobs: PPTP_STRESS_SECS (60), PPTP_STRESS_PAIRS (3), PPTP_STRESS_CONNS
# (3 per pair), PPTP_STRESS_IDLE (300), PPTP_STRESS_SEED.
# timeout: 420
# tier: debug
# exclusive: unloads the module, shrinks nf_conntrack_buckets, pins both CPUs
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/stress_lib.sh"

require_vm
require_root
require_cmd nft conntrack tc ip modprobe rmmod nproc
[[ ${PPTP_HELPER:-pptp-alg} == pptp ]] &&
	ksft_exit_skip "mainline runs in this test's own rate comparison"
require_module
[[ -x $STRESS ]] ||
	ksft_exit_skip "$STRESS missing: make -C selftests/tools selftest-tools (on the host)"
NCPU=$(nproc)
((NCPU >= 2)) || ksft_exit_skip "pinned workers need 2 or more CPUs, have $NCPU (vm-run.sh --smp 2)"

SCALE=${SELFTEST_TIMEOUT_SCALE:-1}
SECS=${PPTP_STRESS_SECS:-60}
RATE_SECS=${PPTP_STRESS_RATE_SECS:-8}
PAIRS=${PPTP_STRESS_PAIRS:-3}
CONNS=${PPTP_STRESS_CONNS:-3}
IDLE=${PPTP_STRESS_IDLE:-300}
SEED=${PPTP_STRESS_SEED:-$((RANDOM * 32768 + RANDOM))}
# The driver's bound on every step: an answer that takes longer is a stall.
STEP=$((8 * SCALE))
NETEM_DELAY=10
BUCKETS=/proc/sys/net/netfilter/nf_conntrack_buckets
WORK=$(mktemp -d)
defer "rm -rf '$WORK'"
ulimit -n 65536 2>/dev/null

# ---------------------------------------------------------------- topology
# One `ip -b` per namespace: a process start costs 0.3-0.5 s under TCG.
SFX=$RANDOM$RANDOM
NS_C=stc-$SFX NS_R=str-$SFX NS_R2=str2-$SFX NS_S=sts-$SFX
ip -b - <<EOT || ksft_exit_fail "namespaces"
netns add $NS_C
netns add $NS_R
netns add $NS_R2
netns add $NS_S
link add c0 netns $NS_C type veth peer name r0 netns $NS_R
link add r1 netns $NS_R type veth peer name s0 netns $NS_S
link add c1 netns $NS_C type veth peer name r0 netns $NS_R2
link add r1 netns $NS_R2 type veth peer name s1 netns $NS_S
EOT
__LIB_NETNS+=("$NS_C" "$NS_R" "$NS_R2" "$NS_S")
{
	echo "link set lo up"; echo "link set c0 up"; echo "link set c1 up"
	for i in $(seq 2 13); do echo "addr add 10.0.1.$i/24 dev c0"; done
	for i in 2 3 4 5 50 51 52 53; do echo "addr add 10.0.3.$i/24 dev c1"; done
	echo "route add 10.0.2.0/24 via 10.0.1.1"
	echo "route add 10.0.4.0/24 via 10.0.3.1"
} | ip -n "$NS_C" -b - || ksft_exit_fail "inside hosts"
{
	echo "link set lo up"; echo "link set s0 up"; echo "link set s1 up"
	for ((i = 0; i < PAIRS; i++)); do echo "addr add 10.0.2.$((2 + i))/24 dev s0"; done
	for i in 2 100; do echo "addr add 10.0.4.$i/24 dev s1"; done
} | ip -n "$NS_S" -b - || ksft_exit_fail "PACs"
for r in "$NS_R:10.0.1.1:10.0.2.1" "$NS_R2:10.0.3.1:10.0.4.1"; do
	IFS=: read -r ns a b <<<"$r"
	ip -n "$ns" -b - <<EOT || ksft_exit_fail "router $ns"
link set lo up
link set r0 up
link set r1 up
addr add $a/24 dev r0
addr add $b/24 dev r1
EOT
done

G_MAIN="name=main,cns=/run/netns/$NS_C,sns=/run/netns/$NS_S,rns=/run/netns/$NS_R"
G_MAIN+=",hosts=10.0.1.2+12,pacs=10.0.2.2+$PAIRS,public=10.0.2.1,pairs=$PAIRS,conns=$CONNS"
G_VOL="name=volatile,assert=0,cns=/run/netns/$NS_C,sns=/run/netns/$NS_S"
G_VOL+=",rns=/run/netns/$NS_R2,hosts=10.0.3.2+4,pacs=10.0.4.2+1,public=10.0.4.1,pairs=1,conns=3"
G_IDLE="cns=/run/netns/$NS_C,sns=/run/netns/$NS_S,hosts=10.0.3.50+4,server=10.0.4.100"
G_IDLE+=",count=$IDLE,hold=7"

# stress NAME SECS ARGS...: the driver on R's group (plus ARGS).
stress() {
	local name=$1 secs=$2
	shift 2
	timeout --kill-after=10 $((secs + 20 * STEP + 60)) "$STRESS" --group "$G_MAIN" \
		--seconds "$secs" --timeout "$STEP" --seed "$SEED" \
		--report "$WORK/$name.sum" "$@" >"$WORK/$name.out" 2>&1
}

modprobe -r nf_nat_pptp nf_conntrack_pptp 2>/dev/null
# The driver's ASSURED checker asks ctnetlink.
modprobe nf_conntrack_netlink || ksft_exit_fail "modprobe nf_conntrack_netlink"
LOADED_AT=$(jiffies_now)
mod_load || ksft_exit_fail "modprobe $MOD failed"
rules "$NS_R" "$HELPER" || ksft_exit_fail "R's ruleset"

# ------------------------------------------------ rates: ours and mainline
if ((RATE_SECS > 0)); then
	log "rates: the driver alone on R for ${RATE_SECS}s, $PAIRS pairs x $CONNS connections"
	stress rate_ours "$RATE_SECS" --no-stress-extras
	ns_exec "$NS_R" nft flush ruleset
	if mod_rmmod && modprobe nf_conntrack_pptp && modprobe nf_nat_pptp &&
		rules "$NS_R" pptp "conntrack -F 2>/dev/null"; then
		stress rate_mainline "$RATE_SECS" --no-stress-extras
	else
		log_fail "mainline's rate run could not be set up"
	fi
	ns_exec "$NS_R" nft flush ruleset
	# Mainline's masters go before its helper: one it leaves behind
	# never frees its calls' GRE keymaps (6.1), which kmemleak reports
	# once the namespace is gone.
	ns_exec "$NS_R" conntrack -F 2>/dev/null
	modprobe -r nf_nat_pptp nf_conntrack_pptp
	LOADED_AT=$(jiffies_now)
	if ! mod_load || ! rules "$NS_R" "$HELPER" "conntrack -F 2>/dev/null"; then
		ksft_exit_fail "back to $MOD"
	fi
	declare -A RS
	for h in ours mainline; do
		summary "$WORK/rate_$h.sum" main RS || { log "rate run $h: no summary"; continue; }
		log "rate $h: ${RS[conns_per_s]} control connections/s, ${RS[calls_per_s]} calls/s (${RS[conns]} connections, ${RS[calls_est]} calls; translated_inside ${RS[translated_inside]}, untranslated_pac ${RS[untranslated_pac]}, nat_inconsistent ${RS[nat_inconsistent]}, gre_misdelivered ${RS[gre_misdelivered]}, stall ${RS[stall]})"
	done
	[[ -s $WORK/rate_ours.sum ]] || show_out "$WORK/rate_ours.out"
	keep_out "$WORK/rate_ours.out"
	keep_out "$WORK/rate_mainline.out"
fi

# ------------------------------------------------ the stress
rules "$NS_R2" "$HELPER" "echo 4 > /proc/sys/net/netfilter/nf_conntrack_tcp_timeout_established" ||
	ksft_exit_fail "R2's ruleset"
old_buckets=$(cat $BUCKETS)
defer "echo $old_buckets > $BUCKETS"
echo 512 >$BUCKETS || ksft_exit_fail "nf_conntrack_buckets"
log "nf_conntrack_buckets $old_buckets -> $(cat $BUCKETS); R2: nf_conntrack_tcp_timeout_established 4"
[[ -w $KMEMLEAK ]] && echo clear >$KMEMLEAK
dmesg_mark
snap S0

# While the driver runs: R2 gets conntrack -D, one -F, then is deleted;
# from 40% of the run the endpoints' links to R reorder (netem sends a
# quarter of the packets at once, the rest 1 ms late), a network TCP
# copes with: so must the helper.
phases() {
	local t0=$SECONDS flushed=0 reorder=0 n=0
	while ((SECONDS - t0 < SECS * 6 / 10)); do
		nap 3
		ns_exec "$NS_R2" conntrack -D -p tcp --orig-port-dst 1723 \
			-s "10.0.3.$((2 + RANDOM % 4))" >/dev/null 2>&1 && n=$((n + 1))
		if ((!flushed && SECONDS - t0 >= SECS * 3 / 10)); then
			ns_exec "$NS_R2" conntrack -F >/dev/null 2>&1
			echo "# $TEST_NAME: R2: conntrack -F at $((SECONDS - t0))s"
			flushed=1
		fi
		if ((!reorder && SECONDS - t0 >= SECS * 4 / 10)); then
			ns_exec "$NS_C" tc qdisc add dev c0 root netem delay 1ms reorder 25% 50%
			ns_exec "$NS_S" tc qdisc add dev s0 root netem delay 1ms reorder 25% 50%
			echo "# $TEST_NAME: R's endpoints reorder from $((SECONDS - t0))s"
			reorder=1
		fi
	done
	ip netns del "$NS_R2"
	echo "# $TEST_NAME: R2: $n conntrack -D, deleted at $((SECONDS - t0))s"
}
phases &
PHASES=$!
log "stress at ${SECONDS}s: ${SECS}s, seed $SEED, $PAIRS+1 pairs x $CONNS connections, $IDLE idle connections a wave"
stress stress "$SECS" --group "$G_VOL" --idle "$G_IDLE" --hold "$WORK/hold" &
DRIVER=$!
held_or_gone() { [[ -e $WORK/hold.calls ]] || ! kill -0 "$DRIVER" 2>/dev/null; }
wait_for $((SECS + 20 * STEP + 60)) held_or_gone
[[ -e $WORK/hold.calls ]] || log_fail "the driver never held its calls"
wait "$PHASES"
ns_exec "$NS_C" tc qdisc del dev c0 root 2>/dev/null
ns_exec "$NS_S" tc qdisc del dev s0 root 2>/dev/null
show_out "$WORK/stress.out"
keep_out "$WORK/stress.out"

declare -A SM SV
if summary "$WORK/stress.sum" main SM; then
	log "R: ${SM[conns_per_s]} control connections/s, ${SM[calls_per_s]} calls/s; ${SM[conns]} connections, ${SM[calls_est]} calls, ${SM[gre_rx]} GRE packets delivered, ${SM[assured_checked]} calls' GRE entries checked"
	for k in translated_inside wrong_id_inside untranslated_pac nat_inconsistent nat_zero \
		nat_dup pac_id_wrong msg_mismatch unexpected_close gre_misdelivered \
		gre_wrong_key gre_not_natted gre_foreign gre_unassured gre_missing; do
		check "R: $k = ${SM[$k]:-?}" test "${SM[$k]:-1}" -eq 0
	done
	check "R: calls set up (${SM[calls_est]})" test "${SM[calls_est]}" -ge 20
	check "R: calls whose GRE entries were checked (${SM[assured_checked]})" \
		test "${SM[assured_checked]}" -ge 10
	summary "$WORK/stress.sum" volatile SV &&
		log "R2 (not asserted): ${SV[conns]} connections, ${SV[calls_est]} calls, ${SV[aborted]} aborted"
else
	log_fail "no summary from the driver"
fi
snap S1
line=
for k in sessions_created calls_setup split_messages retransmits gap_drops stream_lost \
	unknown_call nat_rewrite_failed nat_id_zeroed nat_fail_closed gre_orphans expect_failed; do
	line+=" $k +$((${S1[$k]:-0} - ${S0[$k]:-0}))"
done
log "R's counters:$line"
check "R: stream_lost +$((${S1[stream_lost]:-0} - ${S0[stream_lost]:-0})) = 0" \
	test "${S1[stream_lost]:-0}" -eq "${S0[stream_lost]:-0}"
# A connection whose inside side fails closed (README, Limits: a call-ID
# field that can be neither translated nor zeroed, e.g. split across
# segments while the PAC's StopCCRQ or CDN crosses it) stalls at both
# ends by design; any other stall is a finding.
closed=$((${S1[nat_fail_closed]:-0} - ${S0[nat_fail_closed]:-0}))
check "R: stalls ${SM[stall]:-?}, at most 2 per connection failed closed ($closed)" \
	test "${SM[stall]:-1}" -le $((2 * closed))

# ------------------------------------------------ held calls
HOLD=$WORK/hold.calls
sed 's/^/#   hold: /' "$HOLD" 2>/dev/null
held=$(grep -c '^conn ' "$HOLD" 2>/dev/null)
check "every pair holds its connection" grep -qx "ready $PAIRS of $PAIRS" "$HOLD"
# Gauges: what R's table justifies now that only the held calls are up.
# A call a request set up across a reset of its connection stays listed
# until conntrack lets that entry go (docs/DESIGN.md): counted, not held.
sed -n 's/^conn host=\([^ ]*\) port=\([0-9]*\) .*/ctrl=\1:\2->/p' "$HOLD" >"$WORK/held.ctrl"
gauges_ok() {
	local est lines mine
	snap S1
	est=$(ct_list "$NS_R" -p tcp --dport 1723 --state ESTABLISHED | grep -c "helper=$HELPER")
	ip netns exec "$NS_R" cat "$PROC_DIR/calls" >"$WORK/calls.now"
	lines=$(grep -c ctrl= "$WORK/calls.now")
	mine=$(grep -c -F -f "$WORK/held.ctrl" "$WORK/calls.now")
	GAUGES="sessions_active ${S1[sessions_active]} calls_active ${S1[calls_active]} calls_pending ${S1[calls_pending]}; table: $est established control connections, $lines calls listed, $mine of the held ones"
	((S1[sessions_active] == est && S1[calls_active] == lines && est == ${held:-0} &&
		mine == 2 * ${held:-0} && S1[calls_pending] == 0))
}
wait_for 10 gauges_ok
if ! check "gauges as the table says, $held held connections with 2 calls each ($GAUGES)" gauges_ok; then
	sed "s/^/#   R calls: /" "$WORK/calls.now"
	ct_list "$NS_R" -p tcp --dport 1723 | sed 's/^/#   R ct: /'
fi
# gre_entry SRC DST KEY: R's GRE entry with that original tuple.
gre_entry() {
	local l hex
	printf -v hex %x "$3"
	for l in "${GRE_CT[@]}"; do
		[[ $l == *" src=$1 dst=$2 srckey=0x0 dstkey=0x$hex "* ]] && { echo "$l"; return; }
	done
}
# Every held call's two entries end ASSURED: one whose first packet lost
# a clash is expected again by the module's sweep (5 s), so look until
# they all are, a bounded while.
held_assured() {
	local kind host pac_addr pub pac nat
	mapfile -t GRE_CT < <(ct_list "$NS_R" -p gre)
	while read -r _ kind host pac_addr pub _ pac nat _; do
		[[ $(gre_entry "${host#host=}" "${pac_addr#pac_addr=}" "${pac#pac=}") == *ASSURED* &&
			$(gre_entry "${pac_addr#pac_addr=}" "${pub#public=}" "${nat#nat=}") == *ASSURED* ]] ||
			return 1
	done < <(grep '^call ' "$HOLD" 2>/dev/null)
}
wait_for 15 held_assured
while read -r _ kind host pac_addr pub _ pac nat _; do
	up=$(gre_entry "${host#host=}" "${pac_addr#pac_addr=}" "${pac#pac=}")
	down=$(gre_entry "${pac_addr#pac_addr=}" "${pub#public=}" "${nat#nat=}")
	check "held call ($kind) inside->PAC GRE entry ASSURED: ${up:-none}" test "${up/ASSURED/}" != "$up"
	check "held call ($kind) PAC->inside GRE entry ASSURED: ${down:-none}" test "${down/ASSURED/}" != "$down"
done < <(grep '^call ' "$HOLD" 2>/dev/null)

# What the stress left, reported apart from what the unload leaves.
log "stress over at ${SECONDS}s"
kernel_reports "during the stress"
kmemleak_mine 1 "" "" "" "after the stress"

# ------------------------------------------------ unload with packets queued
read -r _ modsize _ _ _ modbase _ < <(grep "^$MOD " /proc/modules)
ns_exec "$NS_R" tc -b - <<EOT || log_fail "netem"
qdisc add dev r0 root netem delay ${NETEM_DELAY}s limit 100000
qdisc add dev r1 root netem delay ${NETEM_DELAY}s limit 100000
EOT
touch "$WORK/hold.go"
wait_for 20 test -e "$WORK/hold.sent" || log_fail "held calls' burst not sent"
not_loaded() { ! mod_loaded; }
queued() { ns_exec "$NS_R" tc -s qdisc show | awk '/backlog/ { sub("p", "", $3); n += $3 } END { print n + 0 }'; }
drained() { (($(queued) == 0)); }
t=$SECONDS
ns_exec "$NS_R" nft flush ruleset
q=$(queued)
check "rmmod $MOD with $q packets queued in R's netem (GRE and control of the held calls)" mod_rmmod
check "module gone" not_loaded
log "unloaded $((SECONDS - t))s after the burst (at ${SECONDS}s); $(queued) packets still queued; waiting for them"
wait "$DRIVER"
wait_for $((NETEM_DELAY + 20)) drained || log_fail "R's queues did not drain"
nap 3
kernel_reports "after the unload, the queued packets delivered"
kmemleak_mine 2 "$(printf '%016x' "$modbase")" "$(printf '%016x' $((modbase + modsize)))" \
	"$LOADED_AT" "after the unload"
ksft_finish
