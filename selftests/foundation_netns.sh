#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Per-netns state: every netns gets its own /proc/net/nf_pptp_alg and
# net.netfilter.nf_pptp_alg sysctls, and they go away with the netns or
# with the module.  Checks:
#  1. a new netns (conntrack active) has stats/calls and all sysctls;
#  2. a sysctl written in the netns does not leak into init_net;
#  3. pernet exit on module unload: entries vanish from a netns that is
#     still alive (watched through a process kept inside it), and come
#     back on reload (pernet init for existing netns);
#  4. pernet exit on netns teardown: many netns are deleted; once the
#     kernel has torn them down (their veth peers vanish), the module
#     unloads cleanly, caches return to baseline, and dmesg has no
#     "leaking"/sysctl/WARNING messages (a leaked sysctl table or proc
#     entry of a dying netns is reported by the kernel there).
# exclusive: unloads the module with namespaces alive
. "$(dirname "$0")/lib.sh"

SYSCTLS=(gre_timeout gre_stream_timeout expect_timeout max_calls strict log_invalid)
NNS=${PPTP_ALG_NETNS_COUNT:-8}

require_vm
require_root
require_cmd nft modprobe nsenter
require_module

modprobe -r nf_nat_pptp nf_conntrack_pptp 2>/dev/null
mod_unload || ksft_exit_fail "cannot unload pre-loaded $MOD"
slab_base=$(slab_count pptp_alg)
dmesg_mark
defer mod_unload
modprobe "$MOD" || ksft_exit_fail "modprobe $MOD failed"

# Make conntrack active in NS (the module may only populate netns where
# nf_conntrack is in use).
activate_ct() {
	nft_ns "$1" <<'EOT'
table inet cttouch {
	chain pre {
		type filter hook prerouting priority filter; policy accept;
		ct state established,related accept
	}
}
EOT
}

# has_entries NSENTER_ARGS... : run the checks inside a netns given by
# `ip netns exec NAME` or `nsenter -t PID -n`.
has_all_entries() {
	local f
	"$@" test -r "$PROC_DIR/stats" || return 1
	"$@" test -r "$PROC_DIR/calls" || return 1
	for f in "${SYSCTLS[@]}"; do
		"$@" test -e "$SYSCTL_DIR/$f" || { log "missing sysctl $f"; return 1; }
	done
}
has_no_entries() {
	"$@" test ! -e "$PROC_DIR" && "$@" test ! -e "$SYSCTL_DIR"
}

# --- 1. fresh netns
setup_ns NSA || ksft_exit_fail "netns"
activate_ct "$NSA" || ksft_exit_fail "nft in $NSA"
check "new netns has $PROC_DIR/{stats,calls} and all sysctls" \
	has_all_entries ip netns exec "$NSA"
stats_readable() { stat_dump "$1" | grep -q .; }
check "stats file readable and non-empty in new netns" stats_readable "$NSA"

# --- 2. sysctl isolation
init_val=$(cat "$SYSCTL_DIR/log_invalid" 2>/dev/null)
if [[ -n $init_val ]]; then
	new_val=$((init_val ? 0 : 1))
	check "log_invalid writable in a child netns" \
		sysctl_set "$NSA" log_invalid "$new_val"
	check "log_invalid set in netns reads back" \
		test "$(sysctl_get "$NSA" log_invalid)" = "$new_val"
	check "log_invalid in init_net unchanged" \
		test "$(cat "$SYSCTL_DIR/log_invalid")" = "$init_val"
else
	log_fail "no $SYSCTL_DIR/log_invalid in init_net"
fi

# --- 3. module unload/reload with a live netns
ip netns exec "$NSA" sleep 300 &
holder=$!
defer "kill $holder"
wait_for 3 test -e "/proc/$holder/net/nf_pptp_alg" ||
	log_fail "process in $NSA does not see /proc/net/nf_pptp_alg"
check "unload $MOD with a live netns" mod_unload
check "entries gone from live netns after unload" \
	has_no_entries nsenter -t "$holder" -n
check "reload $MOD" modprobe "$MOD"
check "entries back in existing netns after reload" \
	has_all_entries nsenter -t "$holder" -n

# --- 4. netns teardown
setup_ns NSOBS || ksft_exit_fail "netns"
victims=()
for ((i = 0; i < NNS; i++)); do
	setup_ns V || break
	victims+=("$V")
	activate_ct "$V" || log_fail "nft in $V"
	# Peer in the observer netns: it disappears once the kernel has
	# run the victim's cleanup_net (device exit).
	veth_pair "$V" eth0 "$NSOBS" "obs$i" || log_fail "veth $i"
	has_all_entries ip netns exec "$V" || log_fail "netns $i lacks entries"
done
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
cleanup_ns "$NSA" "${victims[@]}"
check "all $NNS deleted netns torn down by the kernel" \
	wait_for 30 sh -c "! ip -n '$NSOBS' -o link show | grep -q obs"
# unregister_pernet_subsys waits for any cleanup_net still running, so a
# leak or use-after-free in our exit path shows up by now.
check "unload $MOD after netns teardown" mod_unload
check "kmem caches named *pptp_alg* back to baseline ($slab_base)" \
	test "$(slab_count pptp_alg)" -eq "$slab_base"
check "no kernel warnings" dmesg_check
if dmesg_new | grep -Ei 'leaking|sysctl table check failed|remove_proc_entry' >&2; then
	log_fail "kernel reported leaked proc/sysctl entries"
fi
ksft_finish
