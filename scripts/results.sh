#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# What every tier and script agrees on, sourced by scripts/check.sh,
# scripts/check-kernel.sh, scripts/kunit-guest.sh and selftests/lib.sh:
# one kernel-splat pattern, one kernel-log verdict and one way to count
# TAP results.
[[ ${BASH_SOURCE[0]} == "$0" ]] && exit 4

# A kernel log line matching this is a failure wherever it shows up.
# shellcheck disable=SC2034
SPLAT_RE='WARNING:|BUG:|kernel BUG|Oops|general protection fault|Kernel panic|KASAN|KFENCE|UBSAN|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|possible irq lock inversion|DEBUG_LOCKS_WARN_ON|lock held when returning|rcu: INFO:|rcu_.*detected stall|self-detected stall|hung task|blocked for more than|leaking at least|kmemleak: [0-9]+ new suspected|ODEBUG:|list_add corruption|list_del corruption|refcount_t:|sysctl table check failed'

# kernel_log_findings DIR: what is wrong with a guest's kernel log
# (DIR/dmesg, DIR/tainted, as scripts/vm-run.sh leaves them): the log is
# missing, lines match SPLAT_RE, or the kernel is tainted with more than
# O (out-of-tree module, bit 12) and E (unsigned module, bit 13).  Prints
# nothing for a clean log.
kernel_log_findings() {
	local d=$1 taint bad letters='PFSRMBUDAWCIOELKXT' i flags=
	if [[ ! -s $d/dmesg ]]; then
		echo "kernel log missing ($d/dmesg)"
		return
	fi
	grep -E -- "$SPLAT_RE" "$d/dmesg" | head -n 10
	taint=$(cat "$d/tainted" 2>/dev/null || echo 0)
	bad=$((taint & ~((1 << 12) | (1 << 13))))
	((bad)) || return 0
	for ((i = 0; i < ${#letters}; i++)); do
		((bad & (1 << i))) && flags+=${letters:i:1}
	done
	echo "kernel tainted=$taint (flags $flags)"
}

# tap_count FILE: "PASSED FAILED SKIPPED" of a results.tap (run_all.sh);
# a skip is never a pass.
tap_count() {
	awk '/^ok .*# SKIP/ { s++; next } /^ok / { p++ } /^not ok / { f++ }
	     END { printf "%d %d %d\n", p, f, s }' "$1"
}

# tap_failures FILE: names of the tests a results.tap reports failed.
tap_failures() { sed -n 's/^not ok [0-9]* \([^ ]*\).*/\1/p' "$1"; }

# summary_count FILE: "PASSED FAILED SKIPPED" from the last
# "N passed, N failed[, N skipped]" line of a log; nothing if none.
summary_count() {
	sed -n 's/.*\b\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed\(, \([0-9][0-9]*\) skipped\)\{0,1\}.*/\1 \2 \4/p' "$1" |
		tail -n 1 | awk '{ printf "%d %d %d\n", $1, $2, $3 }'
}
