#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Guest half of packaging/dkms_install.sh: one boot of the staged kernel
# on the test root's module tree, while the host installs, upgrades and
# removes the package in that root.  They take turns through files in the
# results share ($VM_RESULTS): the guest writes `loaded` and `unloaded`,
# the host answers `upgraded` and `removed`.
#
#   1. version N from DKMS: modinfo (every kernel), the package's
#      autopkgtest module-load, load, /sys and /proc show N; two raw PPTP
#      calls through a PAT router; -> `loaded`
#   2. after the host upgraded to N+1: modinfo shows N+1 for every
#      kernel, the loaded module is still N and the calls are alive (one
#      ends cleanly through it); the operator's reload (helper objects
#      away, modprobe -r, ruleset back, which loads N+1) ends the other
#      call and its control connection's entry; unload; -> `unloaded`
#   3. after the host removed the package: no module for any kernel.
#
# env: DKMS_V1 DKMS_V2 (versions N and N+1), DKMS_KERNELS (kernel
# versions in the root).  Check lines go to $VM_RESULTS/guest.tap.
TEST_NAME=dkms_guest
. "$(dirname "$0")/../selftests/lib.sh"

TAP=$VM_RESULTS/guest.tap
: >"$TAP"
gok() { echo "ok - $*" | tee -a "$TAP"; }
gnok() { echo "not ok - $*" | tee -a "$TAP"; }
gcheck() { local d=$1; shift; if "$@"; then gok "$d"; else gnok "$d"; fi; }
# The host's turn: its apt-get runs DKMS (a module build per kernel).
wait_host() {
	local i
	for ((i = 0; i < 3000; i++)); do
		[[ -e $VM_RESULTS/$1 ]] && return 0
		nap 0.2
	done
	gnok "host did not report '$1'"
	exit 1
}
tell_host() { : >"$VM_RESULTS/$1"; }

V1=$DKMS_V1 V2=$DKMS_V2
read -ra KERNELS <<<"$DKMS_KERNELS"
RAW=$(cd "$(dirname "$0")/../selftests/tools" && pwd)/pptp_raw.py
W=$(mktemp -d)
defer "rm -rf '$W'"

# every_kernel VERSION: modinfo finds nf_pptp_alg VERSION in updates/dkms
# of every kernel in the root.
every_kernel() {
	local k f v
	for k in "${KERNELS[@]}"; do
		f=$(modinfo -k "$k" -F filename "$MOD" 2>/dev/null)
		v=$(modinfo -k "$k" -F version "$MOD" 2>/dev/null)
		echo "# $k: ${f:-no module} ${v:-}"
		[[ $f == */updates/dkms/* && $v == "$1" ]] || return 1
	done
}
no_kernel() {
	local k
	for k in "${KERNELS[@]}"; do
		modinfo -k "$k" "$MOD" >/dev/null 2>&1 && return 1
	done
	return 0
}
loaded_is() {
	local s p
	s=$(cat "/sys/module/$MOD/version" 2>/dev/null)
	p=$(cat "$PROC_DIR/version" 2>/dev/null)
	echo "# loaded: sysfs '$s', proc '$p'"
	[[ $s == "$1" && $p == "$1" ]]
}
ruleset() {
	nft_ns "$NS_R" <<'EOT'
table inet up {
	ct helper pptp {
		type "pptp-alg" protocol tcp;
	}
	chain pre {
		type filter hook prerouting priority filter; policy accept;
		tcp dport 1723 ct helper set "pptp"
	}
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "r1" masquerade
	}
}
EOT
}
calls() { ip netns exec "$NS_R" cat "$PROC_DIR/calls" 2>/dev/null; }
ctrl_entries() { ct_count "$NS_R" -p tcp --dport 1723; }

# ------------------------------------------------------------ 1: version N
uname -r
modprobe -r nf_nat_pptp nf_conntrack_pptp 2>/dev/null
gcheck "N=$V1 built by DKMS for every kernel (${KERNELS[*]})" every_kernel "$V1"
# The package's own autopkgtest (the dpkg database here is the host's).
gcheck "autopkgtest module-load: N from updates/dkms loads, reports $V1" \
	env PPTP_ALG_TEST_VERSION="$V1" "$(dirname "$0")/debian/tests/module-load"
gcheck "modprobe $MOD" modprobe "$MOD"
gcheck "loaded module is $V1 (/sys/module, /proc/net/nf_pptp_alg/version)" loaded_is "$V1"
gcheck "sysctl net.netfilter.nf_pptp_alg.max_calls" sysctl -q net.netfilter.nf_pptp_alg.max_calls

router_topology || { gnok "topology"; exit 1; }
ruleset || { gnok "ruleset"; exit 1; }
ns_exec "$NS_S" python3 "$RAW" pac --bind 10.0.2.2 >/dev/null 2>&1 &
wait_listen "$NS_S" 1723 30 || { gnok "PAC listens"; exit 1; }
touch "$W/hold1" "$W/hold2"
for i in 1 2; do
	ip netns exec "$NS_C" python3 "$RAW" pns --to 10.0.2.2 --call-id $((4369 * i)) \
		--hold 900 --pause-file "$W/hold$i" >"$W/pns$i.out" 2>&1 &
done
disown -a	# cleanup_ns kills them: no job notices
wait_for 60 grep -q '^ocrp' "$W/pns1.out"
wait_for 60 grep -q '^ocrp' "$W/pns2.out"
calls | sed 's/^/# calls: /'
gcheck "two live calls through the router" test "$(calls | grep -c 'state=ESTABLISHED')" -eq 2
before=$(calls | sed -n 's/.*\(pns_id=[0-9]* pac_id=[0-9]* nat_id=[0-9]*\).*/\1/p' | sort)

tell_host loaded
wait_host upgraded

# ------------------------------------------------------------ 2: N+1 on disk
gcheck "N+1=$V2 installed for every kernel (${KERNELS[*]})" every_kernel "$V2"
gcheck "the loaded module is still $V1" loaded_is "$V1"
after=$(calls | sed -n 's/.*\(pns_id=[0-9]* pac_id=[0-9]* nat_id=[0-9]*\).*/\1/p' | sort)
gcheck "both calls kept across the upgrade, IDs unchanged" \
	test -n "$before" -a "$before" == "$after"
rm -f "$W/hold1"
wait_for 30 grep -q '^pns done' "$W/pns1.out"
gcheck "call 1 torn down cleanly after the upgrade (CCRQ/CDN, StopCCRQ)" \
	grep -q '^pns done ok=1' "$W/pns1.out"

# The operator's reload (README, Upgrading): what holds the module (the
# ruleset's pptp-alg helper objects) goes, modprobe -r, the ruleset comes
# back and loads the new module.
ip netns exec "$NS_R" nft delete table inet up
gcheck "operator: modprobe -r $MOD" mod_unload
gcheck "operator: ruleset loaded again" ruleset
gcheck "ruleset loaded $V2" loaded_is "$V2"
# The new module starts with no call; what says the old one's ended is
# its control connection's entry, deleted by the unload.
gcheck "the reload deleted the live call's control connection entry" \
	test "$(ctrl_entries)" -eq 0
ct_list "$NS_R" -p tcp --dport 1723 | sed 's/^/# ct: /'

cleanup_ns "$NS_C" "$NS_R" "$NS_S"
gcheck "unload $V2" mod_unload
tell_host unloaded
wait_host removed

# ------------------------------------------------------------ 3: removed
gcheck "after removal: no $MOD for any kernel" no_kernel
if modprobe "$MOD" 2>/dev/null; then
	gnok "after removal: modprobe $MOD fails"
	mod_unload
else
	gok "after removal: modprobe $MOD fails"
fi
exit 0
