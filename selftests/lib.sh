#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Shared helpers for pptp-alg selftests (kselftest conventions).
#
# Source it from a test:   . "$(dirname "$0")/lib.sh"
# Tests run inside the QEMU guest (scripts/vm-run.sh sets PPTP_ALG_IN_VM=1);
# every namespace, veth and nft table they create lives in a netns made by
# setup_ns, never in the init netns' interfaces.
#
# Exit codes (kselftest): 0 pass, 1 fail, 4 skip.
#
# Cleanup: the lib installs `trap __lib_exit EXIT`.  It runs, in reverse
# order, every command registered with `defer`, deletes every netns made
# by setup_ns, then calls the test's own `cleanup` function if defined.

# Idempotent sourcing.
[[ -n ${__PPTP_LIB_SOURCED:-} ]] && return 0
__PPTP_LIB_SOURCED=1
# shellcheck source=../scripts/results.sh
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/results.sh"

set -u

# Constants and paths below are for the tests that source this file.
# shellcheck disable=SC2034
ksft_pass=0 ksft_fail=1 ksft_xfail=2 ksft_skip=4

# shellcheck disable=SC2034
KSFT_PASS=0 KSFT_FAIL=1 KSFT_XFAIL=2 KSFT_SKIP=4
MOD=${PPTP_ALG_MOD:-nf_pptp_alg}
# shellcheck disable=SC2034
HELPER=${PPTP_ALG_HELPER:-pptp-alg}
PROC_DIR=/proc/net/nf_pptp_alg
SYSCTL_DIR=/proc/sys/net/netfilter/nf_pptp_alg
TEST_NAME=${TEST_NAME:-$(basename "${0%.sh}")}
# Results dir shared with the host when running in the guest.
# shellcheck disable=SC2034
RESULTS_DIR=${VM_RESULTS:-${TMPDIR:-/tmp}}

# ---------------------------------------------------------------- logging

log() { printf '# %s: %s\n' "$TEST_NAME" "$*"; }
log_info() { log "$@"; }
log_fail() { printf '# %s: FAIL: %s\n' "$TEST_NAME" "$*" >&2; __LIB_FAILED=1; }
__LIB_FAILED=0

# check DESC CMD... : run CMD; on failure record a failure but keep going,
# so one run reports every broken expectation.
check() {
	local desc=$1
	shift
	if "$@"; then
		log "ok: $desc"
		return 0
	fi
	log_fail "$desc"
	return 1
}

ksft_exit_pass() { log "PASS${1:+: $*}"; exit $ksft_pass; }
ksft_exit_fail() { log_fail "${1:-failed}"; exit $ksft_fail; }
ksft_exit_skip() { log "SKIP: ${1:-}"; exit $ksft_skip; }
# Exit with fail if any `check`/log_fail failed, else pass.
ksft_finish() {
	((__LIB_FAILED)) && exit $ksft_fail
	ksft_exit_pass "$@"
}

# ----------------------------------------------------------- requirements

require_root() { ((EUID == 0)) || ksft_exit_skip "needs root"; }

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || ksft_exit_skip "missing command: $c"
	done
}

# The host kernel these scripts are developed on cannot load modules, and
# tests must never run against the host's own netfilter state by accident.
require_vm() {
	[[ -n ${PPTP_ALG_IN_VM:-} || -n ${PPTP_ALG_ALLOW_HOST:-} ]] ||
		ksft_exit_skip "run inside the guest: scripts/vm-run.sh -- $0"
}

# Skip when the module is not installed for the running kernel.
require_module() {
	local m=${1:-$MOD}
	modinfo "$m" >/dev/null 2>&1 ||
		ksft_exit_skip "module $m not installed for $(uname -r) (make install)"
}

# ---------------------------------------------------------------- cleanup

__LIB_DEFERRED=()
__LIB_NETNS=()

# defer CMD... : run at exit (LIFO).  The words are eval'd, so quote them.
defer() { __LIB_DEFERRED+=("$*"); }

__lib_exit() {
	local rc=$? i ns
	set +e
	for ((i = ${#__LIB_DEFERRED[@]} - 1; i >= 0; i--)); do
		eval "${__LIB_DEFERRED[i]}" >/dev/null 2>&1
	done
	for ns in "${__LIB_NETNS[@]}"; do
		__ns_kill_procs "$ns"
		ip netns del "$ns" >/dev/null 2>&1
	done
	if declare -F cleanup >/dev/null; then
		cleanup >/dev/null 2>&1
	fi
	exit "$rc"
}
trap __lib_exit EXIT
# Turn INT/TERM (e.g. run_all.sh's per-test timeout) into a normal exit so
# the EXIT trap still cleans up.
trap 'exit 1' INT TERM

# --------------------------------------------------------------- waiting

# nap SECS: sleep without starting a process.  Under TCG an exec costs
# 0.2-0.5 s of the guest's one CPU, more than the nap itself; a read
# that times out on a pipe nobody writes to costs nothing.
{ exec {__NAP_FD}<> <(:); } 2>/dev/null || __NAP_FD=
nap() {
	if [[ -n $__NAP_FD ]]; then
		read -rt "$1" -u "$__NAP_FD"
	else
		sleep "$1"
	fi
	return 0
}

# wait_for TIMEOUT_SEC CMD...   (also accepted: wait_for "CMD STRING" TIMEOUT_SEC)
# Polls until CMD succeeds, first every 0.05 s, then backing off to every
# 0.2 s: the work being waited for needs the same CPU as the polling.
# Bounded both by wall time and by iteration count (so a stuck clock
# cannot make it spin forever).  The bound is a liveness limit, not a
# timing assertion, so it grows with SELFTEST_TIMEOUT_SCALE like the
# per-test timeout (debug kernels).
wait_for() {
	local timeout cmd=()
	if [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]] && (($# > 1)); then
		timeout=$1
		shift
		cmd=("$@")
	elif (($# == 2)) && [[ $2 =~ ^[0-9]+$ ]]; then
		timeout=$2
		cmd=(eval "$1")
	else
		log_fail "wait_for: usage: wait_for TIMEOUT CMD..."
		return 2
	fi
	timeout=$((${timeout%.*} * ${SELFTEST_TIMEOUT_SCALE:-1}))
	local max_iter=$((timeout * 20 + 10)) i=0 delay=0.05
	local deadline=$((SECONDS + timeout + 1))
	while ((i++ < max_iter && SECONDS <= deadline)); do
		"${cmd[@]}" >/dev/null 2>&1 && return 0
		nap "$delay"
		case $delay in
		0.05) delay=0.1 ;;
		0.1) delay=0.2 ;;
		esac
	done
	return 1
}

# ---------------------------------------------------------------- netns

# setup_ns VAR... : create one netns per VAR named "<var>-<random>",
# store the name in VAR, bring up lo, register for cleanup.
setup_ns() {
	local var name
	for var in "$@"; do
		name="${var,,}-$(mktemp -u XXXXXX)"
		ip netns add "$name" || { log_fail "ip netns add $name"; return 1; }
		__LIB_NETNS+=("$name")
		ip -n "$name" link set lo up
		printf -v "$var" '%s' "$name"
	done
}

ns_exec() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# Kill processes left in a namespace (servers started in background), so
# `ip netns del` really frees it.
__ns_kill_procs() {
	local pids
	pids=$(ip netns pids "$1" 2>/dev/null) || return 0
	[[ -n $pids ]] && kill -9 $pids 2>/dev/null
	return 0
}

cleanup_ns() {
	local ns i
	for ns in "$@"; do
		__ns_kill_procs "$ns"
		ip netns del "$ns" 2>/dev/null
		for i in "${!__LIB_NETNS[@]}"; do
			[[ ${__LIB_NETNS[i]} == "$ns" ]] && unset '__LIB_NETNS[i]'
		done
	done
	return 0
}

# veth_pair NS1 IF1 NS2 IF2 [ADDR1/PLEN ADDR2/PLEN]
veth_pair() {
	local ns1=$1 if1=$2 ns2=$3 if2=$4 a1=${5:-} a2=${6:-}
	ip link add "$if1" netns "$ns1" type veth peer name "$if2" netns "$ns2" ||
		return 1
	[[ -n $a1 ]] && ip -n "$ns1" addr add "$a1" dev "$if1"
	[[ -n $a2 ]] && ip -n "$ns2" addr add "$a2" dev "$if2"
	ip -n "$ns1" link set "$if1" up && ip -n "$ns2" link set "$if2" up
}

# nft_ns NS  <<EOF ... EOF : load an nft ruleset from stdin into NS.
nft_ns() { ip netns exec "$1" nft -f -; }

# pat_rules HELPER: the test router's ruleset (router_topology's NS_R):
# HELPER assigned to TCP/1723 in prerouting, PAT out of r1.
pat_rules() {
	cat <<EOT
table inet pat_test {
	ct helper pptp {
		type "$1" protocol tcp;
	}
	chain pre {
		type filter hook prerouting priority filter; policy accept;
		tcp dport 1723 ct helper set "pptp"
	}
}
table ip pat_test_nat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "r1" masquerade
	}
}
EOT
}

# The README's recipes: fenced blocks (```nft, ```sh) whose first line is
# "# recipe: NAME", applied by the selftests exactly as written.
README=${PPTP_ALG_README:-$(dirname "${BASH_SOURCE[0]}")/../README.md}

# readme_recipes LANG: names of the LANG recipes, in README order.
readme_recipes() {
	awk -v lang="$1" '
		$0 ~ "^```" lang "[ \t]*$" { inblk = 1; first = 1; next }
		inblk && /^```[ \t]*$/ { inblk = 0; next }
		inblk && first { first = 0; if (sub(/^# recipe: */, "")) print $1 }
	' "$README"
}

# readme_recipe LANG NAME: the block's text, comment line included.
readme_recipe() {
	awk -v lang="$1" -v want="$2" '
		$0 ~ "^```" lang "[ \t]*$" { inblk = 1; first = 1; keep = 0; next }
		inblk && /^```[ \t]*$/ { inblk = 0; keep = 0; next }
		inblk && first { first = 0; if ($0 ~ "^# recipe: *" want "[ \t]*$") keep = 1 }
		keep { print }
	' "$README"
}

ns_sysctl() { ip netns exec "$1" sysctl -qw "$2"; }

# router_topology: client -- router -- server, IPv4 only.
#   client 10.0.1.2/24 (gw .1)  router 10.0.1.1 | 10.0.2.1  server 10.0.2.2/24
# Sets NS_C NS_R NS_S.  Addresses are private but exist only inside these
# namespaces in the throw-away guest.
router_topology() {
	setup_ns NS_C NS_R NS_S || return 1
	veth_pair "$NS_C" c0 "$NS_R" r0 10.0.1.2/24 10.0.1.1/24 || return 1
	veth_pair "$NS_R" r1 "$NS_S" s0 10.0.2.1/24 10.0.2.2/24 || return 1
	ip -n "$NS_C" route add default via 10.0.1.1 || return 1
	ip -n "$NS_S" route add default via 10.0.2.1 || return 1
	ns_sysctl "$NS_R" net.ipv4.ip_forward=1
}

# ---------------------------------------------------------------- module

mod_loaded() { [[ -d /sys/module/${1:-$MOD} ]]; }

mod_load() {
	local m=${1:-$MOD}
	shift || true
	modprobe "$m" "$@"
}

# __mod_remove MOD CMD...: CMD MOD with a short bounded retry, because
# references (conntrack entries, RCU callbacks) can take a moment to drop.
__mod_remove() {
	local m=$1 i
	shift
	mod_loaded "$m" || return 0
	for ((i = 0; i < 50; i++)); do
		"$@" "$m" 2>/dev/null && return 0
		nap 0.1
	done
	"$@" "$m"
}

# mod_unload [MOD]: modprobe -r, which also drops unused dependencies.
mod_unload() { __mod_remove "${1:-$MOD}" modprobe -r; }

# mod_rmmod [MOD]: remove MOD alone; its dependencies stay loaded.
mod_rmmod() { __mod_remove "${1:-$MOD}" rmmod; }

# kernel_has_kasan: KASAN redzones and kmemleak metadata make every slab
# object larger, so slab bounds measured on the distro kernel need room.
kernel_has_kasan() { grep -qw __asan_load8 /proc/kallsyms 2>/dev/null; }

# slab_count PATTERN: number of kmem caches whose name contains PATTERN.
slab_count() {
	[[ -r /proc/slabinfo ]] || { echo 0; return 1; }
	awk -v p="$1" 'NR > 2 && index($1, p) { n++ } END { print n + 0 }' /proc/slabinfo
}

# --------------------------------------------------------------- procfs

# stat_get NS NAME : print counter NAME from the netns' stats file
# ("name value" per line).  Returns 1 if the file or counter is missing.
stat_get() {
	local ns=$1 name=$2 out
	out=$(ip netns exec "$ns" awk -v n="$name" '$1 == n { print $2; f = 1 } END { exit !f }' \
		"$PROC_DIR/stats" 2>/dev/null) || return 1
	printf '%s\n' "$out"
}

# stat_dump NS : whole stats file (for logs).
stat_dump() { ip netns exec "$1" cat "$PROC_DIR/stats" 2>/dev/null; }

# Counter snapshots of the router's stats ("name value" lines): snap S0,
# snap S1, then delta NAME is S1 - S0.
declare -A S0 S1
snap() {
	local -n arr=$1
	local k v
	arr=()
	while read -r k v; do arr[$k]=$v; done < <(stat_dump "$NS_R")
}
delta() { echo $((${S1[$1]:-0} - ${S0[$1]:-0})); }

# sysctl_get NS KEY / sysctl_set NS KEY VALUE (KEY below net.netfilter.nf_pptp_alg)
sysctl_get() { ip netns exec "$1" cat "$SYSCTL_DIR/$2"; }
sysctl_set() { ip netns exec "$1" sh -c "echo '$3' > '$SYSCTL_DIR/$2'"; }

# ------------------------------------------------------------- conntrack

ct_list() { local ns=$1; shift; ip netns exec "$ns" conntrack -L "$@" 2>/dev/null; }
ct_expect_list() { ip netns exec "$1" conntrack -L expect 2>/dev/null; }
ct_count() { local ns=$1; shift; ct_list "$ns" "$@" | grep -c .; }
# ct_has NS PATTERN [conntrack -L args]: an entry matching the ERE exists.
ct_has() {
	local ns=$1 pat=$2
	shift 2
	ct_list "$ns" "$@" | grep -Eq -- "$pat"
}
# ct_has_helper NS HELPER [DPORT]
ct_has_helper() {
	local ns=$1 h=$2 dport=${3:-}
	if [[ -n $dport ]]; then
		ct_list "$ns" -p tcp --dport "$dport" | grep -q -- "helper=$h"
	else
		ct_list "$ns" | grep -q -- "helper=$h"
	fi
}

# ------------------------------------------------------------------ tcp

# tcp_listen NS ADDR PORT HOLD_SEC : background server that accepts one
# connection and keeps it open up to HOLD_SEC (or until the peer closes).
# It sends no payload, so a helper parsing the stream sees only the
# handshake.  Prints the pid.
tcp_listen() {
	local ns=$1 addr=$2 port=$3 hold=${4:-5}
	ip netns exec "$ns" timeout $((${hold%.*} + 10)) python3 -c '
import socket, sys, time
a, p, hold = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
fam = socket.AF_INET6 if ":" in a else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((a, p)); s.listen(8); s.settimeout(hold + 5)
try:
    c, _ = s.accept()
    c.settimeout(hold)
    end = time.time() + hold
    while time.time() < end:
        try:
            if not c.recv(4096): break
        except socket.timeout: break
except socket.timeout:
    sys.exit(1)
' "$addr" "$port" "$hold" >/dev/null 2>&1 &
	echo $!
}

# tcp_connect NS ADDR PORT HOLD_SEC [PAUSE_FILE] : connect and keep the
# connection open HOLD_SEC without sending; with PAUSE_FILE, only as long
# as that file exists.  Returns non-zero if the connect fails.
tcp_connect() {
	local ns=$1 addr=$2 port=$3 hold=${4:-1} pause=${5:-}
	ip netns exec "$ns" timeout $((${hold%.*} + 10)) python3 -c '
import os, socket, sys, time
a, p, hold, pause = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
c = socket.create_connection((a, p), timeout=5)
end = time.time() + hold
while time.time() < end and (not pause or os.path.exists(pause)):
    time.sleep(0.05)
c.close()
' "$addr" "$port" "$hold" "$pause"
}

# wait_listen NS PORT [TIMEOUT]: until something listens on TCP PORT.
wait_listen() {
	wait_for "${3:-5}" sh -c "ip netns exec '$1' ss -Hltn 'sport = :$2' | grep -q ."
}

# ---------------------------------------------------------------- dmesg

# dmesg_mark / dmesg_new: kernel log lines emitted since the mark.
dmesg_mark() { __DMESG_MARK=$(dmesg | wc -l); }
dmesg_new() { dmesg | tail -n +$((${__DMESG_MARK:-0} + 1)); }
# dmesg_check: fail if any new line looks like a kernel splat.
dmesg_check() {
	local bad
	bad=$(dmesg_new | grep -E "$SPLAT_RE")
	[[ -z $bad ]] && return 0
	printf '%s\n' "$bad" | head -20 | sed 's/^/# dmesg: /' >&2
	return 1
}
