#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# What one network namespace costs in kernel memory because the module is
# loaded, whether or not it ever sees PPTP: stats, sysctl table, proc
# entries, GRE timeout policies and the translated-ID table.
#
# Loading the module runs its pernet init for every existing netns in one
# burst, so the kernel memory in use grows by the module's global state
# plus one share per netns.  Measuring that growth with B and with B + N
# namespaces and dividing the difference by N leaves the per-netns share.
# "In use" is exact, not page-granular: every slab cache is shrunk first
# (its per-CPU slabs flushed, so /proc/slabinfo's active objects are the
# allocated ones), and kmalloc allocations too large for a cache are the
# part of meminfo's Slab that no cache's pages explain.  The per-CPU
# counters are reported from their size.  Fails when the share exceeds
# the documented bound (a per-netns table sized like the per-connection or
# per-call state would); leaks on unload are foundation_load_unload's and
# kmemleak's job.
# timeout: 300
# exclusive: measures memory across module loads
. "$(dirname "$0")/lib.sh"

N=${PPTP_NETNS_MEM_COUNT:-100}
# Measured 3.0-4.3 kB on 6.1, 2.4-3.3 kB on 6.12 (100 namespaces leave about
# 1 kB of noise per netns) and 10.8-11.2 kB on the KASAN kernel.
if kernel_has_kasan; then
	MAX_B=${PPTP_NETNS_MEM_MAX:-32768}
else
	MAX_B=${PPTP_NETNS_MEM_MAX:-8192}
fi

require_vm
require_root
require_cmd modprobe
require_module
[[ -r /proc/slabinfo ]] || ksft_exit_skip "no /proc/slabinfo"

modprobe -r nf_nat_pptp nf_conntrack_pptp 2>/dev/null
mod_unload || ksft_exit_fail "cannot unload pre-loaded $MOD"
# Load the dependencies (conntrack, NAT) and keep them: only our module
# is removed below (mod_rmmod, not modprobe -r), so that their own pernet
# state is not part of what is measured.
modprobe -a nf_conntrack nf_nat || ksft_exit_fail "cannot load conntrack/NAT"
defer mod_unload
dmesg_mark
PAGE=$(getconf PAGESIZE)

# kmem_bytes: kernel memory in use in slab caches and in kmallocs too
# large for one.  Shrinking flushes every cache's per-CPU slabs, so that
# active objects are the allocated ones (aliases are symlinks to a cache
# already shrunk); stat_refresh folds the per-CPU vmstat deltas into
# meminfo's Slab.  Both files are read before any other process runs.
kmem_bytes() {
	local d slab info
	for d in /sys/kernel/slab/*; do
		[[ -L $d ]] || echo 1 >"$d/shrink"
	done 2>/dev/null
	echo 1 >/proc/sys/vm/stat_refresh 2>/dev/null
	slab=$(</proc/meminfo)
	info=$(</proc/slabinfo)
	slab=${slab#*$'\n'Slab:}
	slab=${slab%% kB*}
	awk -v slab_kb="$slab" -v page="$PAGE" '
		NR > 2 { obj += $2 * $4; pages += $15 * $6 }
		END { printf "%d\n", obj + slab_kb * 1024 - pages * page }' <<<"$info"
}

# load_cost: kernel bytes gained by loading the module, median of 3 loads.
load_cost() {
	local i a b v=()
	for ((i = 0; i < 3; i++)); do
		nap 0.5
		a=$(kmem_bytes)
		mod_load || return 1
		b=$(kmem_bytes)
		mod_rmmod || return 1
		mod_loaded nf_conntrack && mod_loaded nf_nat || return 1
		v+=($((b - a)))
	done
	printf '%s\n' "${v[@]}" | sort -n | sed -n 2p
}

c0=$(load_cost) || ksft_exit_fail "load/unload failed"

names=()
for ((i = 0; i < N; i++)); do
	ip netns add "nsmem-$$-$i" || break
	names+=("nsmem-$$-$i")
done
defer "for n in ${names[*]}; do ip netns del \$n 2>/dev/null; done"
((${#names[@]} == N)) || ksft_exit_fail "created only ${#names[@]} of $N netns"

c1=$(load_cost) || ksft_exit_fail "load/unload failed with $N netns"
per=$(((c1 - c0) / N))
log "kernel memory gained on load: $c0 B with the base namespaces, $c1 B with $N more"
log "per netns: $per B (bound $MAX_B B)"

mod_load || ksft_exit_fail "cannot load $MOD"
ncnt=$(awk 'NF == 2' "$PROC_DIR/stats" | wc -l)
ncpu=$(awk -F- '{ print $NF + 1 }' /sys/devices/system/cpu/possible)
log "per netns also: $ncnt counters x 8 B x $ncpu possible CPUs = $((ncnt * 8 * ncpu)) B per-CPU"
mod_rmmod || ksft_exit_fail "cannot unload $MOD"

check "per-netns share $per B <= $MAX_B B" test "$per" -le "$MAX_B"
check "per-netns share $per B > 0 (the measurement sees the pernet state)" \
	test "$per" -gt 0

check "no kernel warnings" dmesg_check
ksft_finish
