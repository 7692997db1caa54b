#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Shared set-up of the robust_*.sh tests: the module loaded (mainline's
# helper out of the way), the client/router/server namespaces, and a PAT
# router assigning the helper to TCP/1723.  Sourced after lib.sh; run
# alone it is skipped.
[[ ${BASH_SOURCE[0]} == "$0" ]] && exit 4

# PPTP_HELPER=pptp runs the same scenario on mainline's nf_conntrack_pptp
# (bench/diff_mainline.sh); OURS is then 0 and our counters are absent.
OURS=1
[[ ${PPTP_HELPER:-} == pptp ]] && OURS=0

# robust_init: requirements of a robust_* test with raw peers, TOOLS RAW
# GRE set to the tools, WORK a directory removed at exit.
robust_init() {
	require_vm
	require_root
	require_cmd nft conntrack python3 modprobe
	((OURS)) && require_module
	TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")/tools" && pwd)
	RAW=$TOOLS/pptp_raw.py
	GRE=$TOOLS/gre_probe.py
	WORK=$(mktemp -d)
	defer "rm -rf '$WORK'"
}

robust_setup() {
	if ((OURS)); then
		modprobe -r nf_nat_pptp nf_conntrack_pptp 2>/dev/null
		mod_load || ksft_exit_fail "modprobe $MOD failed"
	else
		HELPER=pptp
		mod_unload "$MOD" 2>/dev/null
		modprobe nf_conntrack_pptp && modprobe nf_nat_pptp ||
			ksft_exit_fail "modprobe nf_conntrack_pptp failed"
	fi
	dmesg_mark
	defer 'cleanup_ns "$NS_C" "$NS_R" "$NS_S"'
	router_topology || ksft_exit_fail "topology setup failed"
	pat_rules "$HELPER" | nft_ns "$NS_R" ||
		ksft_exit_fail "nft ruleset rejected"
}

