#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Load/unload the module many times in one boot: every cycle must leave no
# proc entries, no kmem caches and no kernel warnings behind.  Catches
# init/exit ordering bugs and leaks that a single load would not show.
# A cycle removes the module alone (rmmod), so each one tests our init and
# exit rather than conntrack's; the last unload also drops conntrack.
# exclusive: loads and unloads the module
. "$(dirname "$0")/lib.sh"

CYCLES=${PPTP_ALG_CYCLES:-50}

require_vm
require_root
require_cmd modprobe
require_module

# Mainline pptp helper owns the same tuple; make sure it is not in the way.
modprobe -r nf_nat_pptp nf_conntrack_pptp 2>/dev/null
mod_unload || ksft_exit_fail "cannot unload pre-loaded $MOD"

slab_base=$(slab_count pptp_alg)
dmesg_mark
defer mod_unload

failed_cycle=
for ((i = 1; i <= CYCLES; i++)); do
	if ! modprobe "$MOD"; then
		failed_cycle="$i: modprobe failed"
		break
	fi
	if ! mod_loaded; then
		failed_cycle="$i: /sys/module/$MOD missing after modprobe"
		break
	fi
	if [[ ! -r $PROC_DIR/stats || ! -r $PROC_DIR/calls ]]; then
		failed_cycle="$i: $PROC_DIR/{stats,calls} missing after load"
		break
	fi
	if ! mod_rmmod; then
		failed_cycle="$i: rmmod failed"
		break
	fi
	if mod_loaded || [[ -e $PROC_DIR ]] || [[ -e $SYSCTL_DIR ]]; then
		failed_cycle="$i: module, $PROC_DIR or $SYSCTL_DIR still present after unload"
		break
	fi
done
[[ -z $failed_cycle ]] || log_fail "cycle $failed_cycle"
log "ran $((i - 1)) of $CYCLES load/unload cycles"

check "modprobe, then modprobe -r, after the cycles" eval 'modprobe "$MOD" && mod_unload'
check "kmem caches named *pptp_alg* back to baseline ($slab_base)" \
	test "$(slab_count pptp_alg)" -eq "$slab_base"
check "no kernel warnings during load/unload" dmesg_check
ksft_finish
