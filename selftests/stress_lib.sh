#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Shared by the selftests that run tools/pptp_stress (smp_stress,
# robust_alloc_faults): the router's ruleset, the driver's summary, and
# the kernel's reports.  Sourced after lib.sh; run alone it is skipped.
[[ ${BASH_SOURCE[0]} == "$0" ]] && exit 4

STRESS=$(cd "$(dirname "${BASH_SOURCE[0]}")/tools" && pwd)/build/pptp_stress
KMEMLEAK=/sys/kernel/debug/kmemleak

# rules NS HELPER [EXTRA SHELL]: forwarding, lib.sh's pat_rules, then
# EXTRA, in one process start.
rules() {
	{ echo "flush ruleset"; pat_rules "$2"; } >"$WORK/rules.$2"
	ip netns exec "$1" sh -c "echo 1 > /proc/sys/net/ipv4/ip_forward &&
		nft -f '$WORK/rules.$2' ${3:+&& $3}"
}

# summary FILE GROUP ARRAY: the driver's "summary group=GROUP k=v ..."
# line into an associative array (no process: each costs 0.3-0.5 s).
summary() {
	local -n _sum=$3
	local line kv
	_sum=()
	[[ -r $1 ]] || return 1
	while read -r line; do
		[[ $line == "summary group=$2 "* ]] || continue
		for kv in $line; do
			[[ $kv == *=* ]] && _sum[${kv%%=*}]=${kv#*=}
		done
	done <"$1"
	((${#_sum[@]}))
}

# show_out FILE: progress, summaries, every violation of an asserted group
# with its connection's history, the first of the others'.
show_out() {
	awk '/^# VIOLATION/ { main = index($0, "group=main ") > 0; if (!main && ++other > 20) { skip = 1; next } skip = 0 }
	     /^#     / { if (!main || skip) next }
	     /^# (t=|hold|pptp_stress|wound)|^summary|^# VIOLATION|^#     / { print }' "$1" |
		head -n 600 | sed 's/^/#   /'
}

# The driver's whole output, kept with the test's log for a post-mortem.
keep_out() {
	[[ -d ${VM_RESULTS:-}/selftests ]] && cp "$1" "$VM_RESULTS/selftests/$TEST_NAME.$(basename "$1")"
}

# kernel_reports WHEN: no splat since the last mark (context shown), new mark.
kernel_reports() {
	if dmesg_check 2>/dev/null; then
		log "ok: no kernel report $1"
	else
		dmesg_new | grep -E -B2 -A30 "$SPLAT_RE" | head -n 200 | sed 's/^/# dmesg: /'
		log_fail "kernel reports $1 (above)"
	fi
	dmesg_mark
}

# The kernel's jiffies now, as kmemleak stamps an object's allocation.
jiffies_now() { awk '$1 == "jiffies:" { print $2; exit }' /proc/timer_list; }

# kmemleak_mine SCANS LO HI SINCE WHEN: unreferenced objects allocated
# from the module: by its symbol, or after rmmod by return addresses in
# [LO, HI) (fixed-width hex that compares as strings) from jiffies SINCE
# on, when the module was loaded there: a module unloaded before it
# (mainline's helper) may have had the same addresses.
kmemleak_mine() {
	local i
	[[ -w $KMEMLEAK ]] || { log "kmemleak not available on $(uname -r)"; return 0; }
	for ((i = 0; i < $1; i++)); do echo scan >$KMEMLEAK; done
	shift
	local mine
	mine=$(awk -v name="[$MOD]" -v lo="${1:-x}" -v hi="${2:-x}" -v since="${3:-0}" '
		BEGIN { RS = "unreferenced object" }
		NR > 1 {
			hit = index($0, name) > 0
			at = match($0, /jiffies [0-9]+/) ? substr($0, RSTART + 8, RLENGTH - 8) + 0 : 0
			n = split($0, w, /[^0-9a-f]+/)
			for (i = 1; i <= n && at >= since; i++)
				if (length(w[i]) == 16 && (w[i] "") >= (lo "") && (w[i] "") < (hi ""))
					hit = 1
			if (hit) print "unreferenced object" $0
		}' "$KMEMLEAK" 2>/dev/null)
	if [[ -n $mine ]]; then
		printf '%s\n' "$mine" | head -n 40 | sed 's/^/# kmemleak: /'
		log_fail "kmemleak: objects allocated by $MOD leaked ($4)"
	else
		log "ok: kmemleak: nothing of $MOD ($4; $(grep -c 'unreferenced object' $KMEMLEAK) objects elsewhere)"
	fi
}

