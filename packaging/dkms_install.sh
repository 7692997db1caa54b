#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# DKMS package, installed the way an operator would, on a root that is not
# this machine's own, for a kernel that is not the host's (ALIAS: 6.12,
# the default, or 7.3):
#
#   root   = overlayfs: upper on a tmpfs, lowers = the suite's build root
#            (its gcc, the kernel's headers, dkms) and the staged kernel's
#            image tree (kernel modules), both from
#            scripts/stage-kernel.sh.  The cached roots are never written.
#   1. `apt-get install ./pptp-alg-dkms_<v>_all.deb` in that root: DKMS
#      builds nf_pptp_alg for that kernel and installs it in updates/dkms;
#   2. boot that kernel in the guest with the root's /lib/modules: `modprobe
#      nf_pptp_alg` loads the DKMS-built module (modinfo filename checked),
#      its sysctls and /proc files appear, `modprobe -r` unloads it;
#   3. `apt-get remove pptp-alg-dkms`: the module file and the DKMS entry
#      are gone; a second boot shows `modprobe nf_pptp_alg` now fails.
#
# Runs on the host (it builds roots and boots guests itself):
# packaging/dkms_install.sh [ALIAS].  Prints TAP-ish lines and
# "N passed, N failed".
# env: PPTP_DKMS_DEB  package to test (default: `make deb` output)
set -u
set -o pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${PPTP_ALG_CACHE:-/var/cache/pptp-alg}
PASS=0
FAIL=0

ALIAS=${1:-6.12}
[[ -z ${PPTP_ALG_IN_VM:-} ]] || { echo "# dkms_install: runs on the host"; exit 2; }
((EUID == 0)) || { echo "# dkms_install: needs root"; exit 2; }

ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
nok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else nok "$d"; fi; }
finish() {
	echo "$PASS passed, $FAIL failed"
	((FAIL == 0)) && exit 0
	exit 1
}

# ------------------------------------------------------------ inputs
env=$("$TOP/scripts/stage-kernel.sh" --quiet "$ALIAS") || { nok "stage $ALIAS"; finish; }
eval "$env"
DEB=${PPTP_DKMS_DEB:-$("$TOP/packaging/mkdeb.sh" "$TOP/build" 2>/dev/null)}
[[ -f $DEB ]] || { nok "make deb"; finish; }
ok "package $(basename "$DEB")"
VERSION=$(dpkg-deb -f "$DEB" Version)

# ------------------------------------------------------------ the root
# Under the cache, not /tmp: the guest sees the host root over 9p but has
# its own tmpfs on /tmp.
T=$CACHE/dkms-test-$ALIAS
MERGED=$T/root
cleanup() {
	umount -l "$MERGED" 2>/dev/null
	umount -l "$T/rw" 2>/dev/null
}
trap cleanup EXIT
cleanup
mkdir -p "$T/rw" "$MERGED" || { nok "mkdir $T"; finish; }
mount -t tmpfs -o mode=0755,size=2g tmpfs "$T/rw" || { nok "tmpfs upper"; finish; }
mkdir -p "$T/rw/upper" "$T/rw/work"
mount -t overlay overlay \
	-o "lowerdir=$STAGED_ROOT:$STAGED_TREE,upperdir=$T/rw/upper,workdir=$T/rw/work" \
	"$MERGED" || { nok "overlay root"; finish; }
KMODS=$MERGED/usr/lib/modules/$STAGED_KVER
# The staged tree may hold the `make install KVER=<alias>` module; this root
# must only ever have the DKMS one.
rm -f "$KMODS/updates/nf_pptp_alg.ko"
depmod -b "$MERGED/usr" "$STAGED_KVER" || { nok "depmod"; finish; }
cp "$DEB" "$MERGED/root/" || { nok "copy deb"; finish; }

# Commands in the root, with /dev and /proc bound for this call only.
in_root() {
	unshare --mount --propagation private -- /bin/bash -c '
		set -e
		R=$1; shift
		mount --rbind /dev "$R/dev"
		mount -t proc proc "$R/proc"
		mount -t sysfs sys "$R/sys"
		exec chroot "$R" /usr/bin/env -i \
			PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
			DEBIAN_FRONTEND=noninteractive "$@"
	' in_root "$MERGED" "$@"
}

LOG=$T/log
mkdir -p "$LOG"
deb=/root/$(basename "$DEB")
# Every dependency (dkms, headers, gcc) is in the root already, so
# apt needs no network or index for the local package.
if in_root apt-get install -y "$deb" >"$LOG/install.log" 2>&1; then
	ok "apt-get install ./$(basename "$DEB")"
else
	nok "apt-get install ./$(basename "$DEB") (log $LOG/install.log)"
	tail -n 30 "$LOG/install.log" | sed 's/^/# /'
fi
ko=$(ls "$KMODS"/updates/dkms/nf_pptp_alg.ko* 2>/dev/null | head -n1)
check "DKMS built and installed updates/dkms/nf_pptp_alg.ko for $STAGED_KVER" test -n "$ko"
in_root dkms status >"$LOG/status-installed.txt" 2>&1
check "dkms status: pptp-alg/$VERSION installed for $STAGED_KVER" \
	grep -q "pptp-alg/$VERSION, $STAGED_KVER, .*installed" "$LOG/status-installed.txt"
check "/usr/src/pptp-alg-$VERSION/dkms.conf" test -f "$MERGED/usr/src/pptp-alg-$VERSION/dkms.conf"

guest() {
	VM_RUN_QUIET=1 "$TOP/scripts/vm-run.sh" --kernel "$STAGED_VMLINUZ" \
		--modules "$MERGED/usr/lib/modules" --host-clock \
		--timeout 600 --cwd "$TOP" -- "$@"
}

# ------------------------------------------------------------ load it
guest 'set -x; uname -r; modprobe -r nf_conntrack_pptp 2>/dev/null
modinfo -F filename nf_pptp_alg
modinfo -F filename nf_pptp_alg | grep -q /updates/dkms/ || exit 11
modprobe nf_pptp_alg || exit 12
test -d /sys/module/nf_pptp_alg || exit 13
sysctl net.netfilter.nf_pptp_alg.max_calls || exit 14
test -r /proc/net/nf_pptp_alg/stats || exit 15
modprobe -r nf_pptp_alg || exit 16
exit 0' >"$LOG/guest-load.log" 2>&1
rc=$?
check "$ALIAS guest: modprobe nf_pptp_alg loads the DKMS module (rc $rc)" test "$rc" = 0
((rc == 0)) || tail -n 25 "$LOG/guest-load.log" | sed 's/^/# /'

# ------------------------------------------------------------ remove it
if in_root apt-get remove -y pptp-alg-dkms >"$LOG/remove.log" 2>&1; then
	ok "apt-get remove pptp-alg-dkms"
else
	nok "apt-get remove pptp-alg-dkms (log $LOG/remove.log)"
	tail -n 20 "$LOG/remove.log" | sed 's/^/# /'
fi
check "module file removed" bash -c "! ls '$KMODS'/updates/dkms/nf_pptp_alg.ko* >/dev/null 2>&1"
in_root dkms status >"$LOG/status-removed.txt" 2>&1
check "dkms status: no pptp-alg" bash -c "! grep -q pptp-alg '$LOG/status-removed.txt'"
check "sources removed" test ! -e "$MERGED/usr/src/pptp-alg-$VERSION/dkms.conf"

guest 'uname -r; if modprobe nf_pptp_alg; then echo "still loadable"; exit 21; fi; exit 0' \
	>"$LOG/guest-removed.log" 2>&1
rc=$?
check "$ALIAS guest: modprobe nf_pptp_alg fails after removal (rc $rc)" test "$rc" = 0
((rc == 0)) || tail -n 15 "$LOG/guest-removed.log" | sed 's/^/# /'
finish
