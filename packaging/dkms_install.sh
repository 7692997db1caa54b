#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The DKMS package's life on an operator's machine, on a root that is not
# this machine's own, for a kernel that is not the host's (ALIAS: 6.12,
# the default, or 7.3): install, upgrade, remove, purge.
#
#   root   = overlayfs: upper on a tmpfs, lowers = the suite's build root
#            (its gcc, the kernel's headers, dkms) and the staged kernel's
#            image tree (kernel modules), both from
#            scripts/stage-kernel.sh, and for 7.3 also 6.12's (a second
#            installed kernel).  The cached roots are never written.
#   1. `apt-get install ./pptp-alg-dkms_<N>_all.deb` in that root: DKMS
#      builds nf_pptp_alg N for every kernel there; the operator edits
#      the conffile.
#   2. one boot of that kernel in the guest on the root's module tree
#      (packaging/dkms_guest.sh): N loads, two PPTP calls go through it;
#      meanwhile the host upgrades the root to N+1 (the same source with
#      a changelog entry on top): DKMS rebuilds for every kernel, the
#      conffile edit stays, no maintainer script loads or unloads a
#      module; the guest sees N+1 on disk, N still loaded with its calls,
#      then reloads as README says (N+1 loaded, the calls gone);
#   3. `apt-get remove`: module, DKMS tree and sources gone for every
#      kernel (the guest can no longer load it), the conffile stays;
#   4. `apt-get purge`: every file the package or DKMS added is gone,
#      conffile included, and nothing else changed.
#
# Runs on the host (it builds roots and boots a guest itself):
# packaging/dkms_install.sh [ALIAS].  Prints TAP-ish lines and
# "N passed, N failed".
# env: PPTP_DKMS_DEB       package N (default: `make deb` output)
#      PPTP_DKMS_DEB_NEXT  package N+1 (default: built from this tree
#                          with a changelog entry N+next1 on top)
#      PPTP_DKMS_ALSO      second kernel alias in the root (default: 6.12
#                          for 7.3, none for 6.12; empty: none)
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
# A second kernel, as on a trixie machine that runs the backports kernel
# and keeps the stock one: its build root (headers) and image tree go
# under this one's, and DKMS must build, upgrade and remove for both.
ALSO=${PPTP_DKMS_ALSO-$([[ $ALIAS == 7.3 ]] && echo 6.12)}
LOWERS=()
if [[ -n $ALSO ]]; then
	env=$("$TOP/scripts/stage-kernel.sh" --quiet "$ALSO") || { nok "stage $ALSO"; finish; }
	eval "$env"
	LOWERS=("$STAGED_ROOT" "$STAGED_TREE")
fi
env=$("$TOP/scripts/stage-kernel.sh" --quiet "$ALIAS") || { nok "stage $ALIAS"; finish; }
eval "$env"
LOWERS=("$STAGED_ROOT" "${LOWERS[0]:-}" "$STAGED_TREE" "${LOWERS[1]:-}")
DEB=${PPTP_DKMS_DEB:-$("$TOP/packaging/mkdeb.sh" "$TOP/build" 2>/dev/null)}
[[ -f $DEB ]] || { nok "make deb"; finish; }
V1=$(dpkg-deb -f "$DEB" Version)
NEXT=${PPTP_DKMS_DEB_NEXT:-$("$TOP/packaging/mkdeb.sh" --no-lintian \
	--next "$V1+next1" "$TOP/build/next" 2>/dev/null)}
[[ -f $NEXT ]] || { nok "package N+1 (mkdeb.sh --next)"; finish; }
V2=$(dpkg-deb -f "$NEXT" Version)
dpkg --compare-versions "$V2" gt "$V1" || { nok "N+1 $V2 is not newer than $V1"; finish; }
ok "packages N $(basename "$DEB"), N+1 $(basename "$NEXT")"

# ------------------------------------------------------------ the root
# Under the cache, not /tmp: the guest sees the host root over 9p but has
# its own tmpfs on /tmp.
T=$CACHE/dkms-test-$ALIAS
MERGED=$T/root
VM=$T/vm
LOG=$T/log
VMPID=
cleanup() {
	# The guest runs in a process group of its own: QEMU goes too.
	[[ -n $VMPID ]] && kill -- -"$VMPID" 2>/dev/null && wait "$VMPID" 2>/dev/null
	umount -l "$MERGED" 2>/dev/null
	umount -l "$T/rw" 2>/dev/null
}
trap cleanup EXIT
cleanup
rm -rf "$VM" "$LOG"
mkdir -p "$T/rw" "$MERGED" "$VM" "$LOG" || { nok "mkdir $T"; finish; }
mount -t tmpfs -o mode=0755,size=2g tmpfs "$T/rw" || { nok "tmpfs upper"; finish; }
mkdir -p "$T/rw/upper" "$T/rw/work"
mount -t overlay overlay \
	-o "lowerdir=$(printf '%s\n' "${LOWERS[@]}" | grep . | paste -sd:),upperdir=$T/rw/upper,workdir=$T/rw/work" \
	"$MERGED" || { nok "overlay root"; finish; }
KMODS=$MERGED/usr/lib/modules
# A staged tree may hold the `make install KVER=<alias>` module; this root
# must only ever have the DKMS one; and, as on a stock system, no
# updates/ directory until DKMS makes one.
rm -f "$KMODS"/*/updates/nf_pptp_alg.ko
rmdir "$KMODS"/*/updates 2>/dev/null
# Every kernel with headers: DKMS builds for each of them.
KERNELS=()
for d in "$KMODS"/*/; do
	k=$(basename "$d")
	[[ -e $d/build/Makefile && -d $d/kernel ]] && KERNELS+=("$k")
done
((${#KERNELS[@]})) || { nok "no kernel with headers in the root"; finish; }
cp "$DEB" "$NEXT" "$MERGED/root/" || { nok "copy debs"; finish; }

# Maintainer scripts must leave the running module alone: modprobe,
# rmmod and insmod in the root log their arguments, then run kmod.
for t in modprobe rmmod insmod; do
	rm -f "$MERGED/usr/sbin/$t"
	printf '#!/bin/bash\necho "%s $*" >>/var/log/kmod-calls\nexec -a %s /usr/bin/kmod "$@"\n' \
		"$t" "$t" >"$MERGED/usr/sbin/$t"
	chmod 0755 "$MERGED/usr/sbin/$t"
done
: >"$MERGED/var/log/kmod-calls"

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
# The root's own depmod (trixie's writes files bookworm's does not), so
# that the files before the install are what DKMS's depmod leaves.
for k in "${KERNELS[@]}"; do
	in_root depmod "$k" || { nok "depmod $k"; finish; }
done

# apt as an unattended upgrade runs it: a changed conffile is kept.
apt_root() {
	local what=$1 log=$2
	shift 2
	if in_root apt-get -y -o Dpkg::Options::=--force-confdef \
		-o Dpkg::Options::=--force-confold "$@" >"$LOG/$log" 2>&1; then
		ok "$what"
	else
		nok "$what (log $LOG/$log)"
		tail -n 30 "$LOG/$log" | sed 's/^/# /'
	fi
}
# The root's files (path, type, mode, size of files, link target), less the state
# dpkg, apt and ldconfig keep and the .debs we copied in.
snapshot() {
	(cd "$MERGED" && find . -xdev \( -path ./var/lib/dpkg -o -path ./var/lib/apt \
		-o -path ./var/log -o -path ./var/cache -o -path ./proc -o -path ./sys \
		-o -path ./dev -o -path ./tmp -o -path ./root \) -prune -o \
		-printf '%p %y %m %s %l\n') |
		awk '$2 == "d" { $4 = 0 } 1' | LC_ALL=C sort >"$LOG/$1"
}
dkms_built() { # VERSION: DKMS lists it installed for every kernel, nothing else
	local k
	in_root dkms status >"$LOG/status-$1.txt" 2>&1
	sed 's/^/# dkms status: /' "$LOG/status-$1.txt"
	for k in "${KERNELS[@]}"; do
		grep -q "^pptp-alg/$1, $k, .*: installed" "$LOG/status-$1.txt" || return 1
	done
	[[ $(grep -c '^pptp-alg/' "$LOG/status-$1.txt") -eq ${#KERNELS[@]} ]]
}
files_are() { # VERSION: updates/dkms/nf_pptp_alg.ko* of VERSION for every kernel
	local k f
	for k in "${KERNELS[@]}"; do
		f=$(ls "$KMODS/$k"/updates/dkms/nf_pptp_alg.ko* 2>/dev/null | head -n1)
		[[ -n $f && $(modinfo -F version "$f") == "$1" ]] || return 1
	done
}
CALLS=$MERGED/var/log/kmod-calls
# no_module_calls STEP: the maintainer scripts of STEP ran no modprobe,
# rmmod or insmod (the log is emptied for the next step).
no_module_calls() {
	sed 's/^/# kmod call: /' "$CALLS"
	check "no maintainer script loaded or unloaded a module ($1)" test ! -s "$CALLS"
	: >"$CALLS"
}
no_module_files() { ! ls "$KMODS"/*/updates/dkms/nf_pptp_alg.ko* >/dev/null 2>&1; }
CONF=$MERGED/etc/modprobe.d/nf_pptp_alg.conf
EDIT='install nf_conntrack_pptp /bin/false # operator'

# ------------------------------------------------------------ 1: install N
snapshot files-before
apt_root "apt-get install ./$(basename "$DEB")" install.log install "/root/$(basename "$DEB")"
check "DKMS built $V1 for every kernel (${KERNELS[*]})" files_are "$V1"
check "dkms status: pptp-alg/$V1 installed for every kernel" dkms_built "$V1"
check "/usr/src/pptp-alg-$V1/dkms.conf" test -f "$MERGED/usr/src/pptp-alg-$V1/dkms.conf"
check "conffile /etc/modprobe.d/nf_pptp_alg.conf" \
	grep -qx "/etc/modprobe.d/nf_pptp_alg.conf" "$MERGED/var/lib/dpkg/info/pptp-alg-dkms.conffiles"
no_module_calls install
echo "$EDIT" >>"$CONF"
snapshot files-installed

# ------------------------------------------------------------ 2: upgrade, live
VM_RUN_QUIET=1 setsid "$TOP/scripts/vm-run.sh" --kernel "$STAGED_VMLINUZ" \
	--modules "$KMODS" --share "$MERGED" --host-clock --results "$VM" \
	--timeout 900 --cwd "$TOP" --env DKMS_V1="$V1" --env DKMS_V2="$V2" \
	--env DKMS_KERNELS="${KERNELS[*]}" -- packaging/dkms_guest.sh \
	>"$LOG/guest.log" 2>&1 &
VMPID=$!
# wait_guest NAME: until the guest writes NAME (it may take a boot and
# its calls) or stops.
wait_guest() {
	local i
	for ((i = 0; i < 1800; i++)); do
		[[ -e $VM/$1 ]] && return 0
		kill -0 "$VMPID" 2>/dev/null || break
		sleep 0.5
	done
	nok "guest did not reach '$1' (log $LOG/guest.log)"
	tail -n 30 "$LOG/guest.log" | sed 's/^/# /'
	return 1
}

if wait_guest loaded; then
	apt_root "apt-get install ./$(basename "$NEXT") (upgrade, module loaded)" \
		upgrade.log install "/root/$(basename "$NEXT")"
	check "DKMS rebuilt $V2 for every kernel" files_are "$V2"
	check "dkms status: only pptp-alg/$V2, installed for every kernel" dkms_built "$V2"
	check "sources of $V1 gone, $V2 there" eval "test ! -e '$MERGED/usr/src/pptp-alg-$V1' &&
		test -f '$MERGED/usr/src/pptp-alg-$V2/dkms.conf'"
	check "the operator's conffile edit kept, no .dpkg-* copy" eval "grep -qxF '$EDIT' '$CONF' &&
		! ls '$CONF'.dpkg-* >/dev/null 2>&1"
	no_module_calls upgrade
	: >"$VM/upgraded"
fi

# ------------------------------------------------------------ 3: remove
if wait_guest unloaded; then
	apt_root "apt-get remove pptp-alg-dkms" remove.log remove pptp-alg-dkms
	check "module files removed from every kernel" no_module_files
	in_root dkms status >"$LOG/status-removed.txt" 2>&1
	check "dkms status: no pptp-alg" bash -c "! grep -q pptp-alg '$LOG/status-removed.txt'"
	check "sources and DKMS tree removed" eval "test ! -e '$MERGED/usr/src/pptp-alg-$V2' &&
		test ! -e '$MERGED/var/lib/dkms/pptp-alg'"
	check "conffile kept after remove" grep -qxF "$EDIT" "$CONF"
	no_module_calls remove
	: >"$VM/removed"
fi
wait "$VMPID"
rc=$?
VMPID=
# The guest's own checks.
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "guest: ${line#ok - }" ;;
	"not ok - "*) nok "guest: ${line#not ok - }" ;;
	esac
done <"$VM/guest.tap" 2>/dev/null
check "$ALIAS guest ran to its end (vm-run rc $rc)" test "$rc" = 0
((rc == 0)) || tail -n 30 "$LOG/guest.log" | sed 's/^/# /'
grep -q . "$VM/guest.tap" 2>/dev/null || nok "guest reported no checks"

# ------------------------------------------------------------ 4: purge
apt_root "apt-get purge pptp-alg-dkms" purge.log purge pptp-alg-dkms
no_module_calls purge
check "dpkg has no record of pptp-alg-dkms" \
	bash -c "! grep -q '^Package: pptp-alg-dkms$' '$MERGED/var/lib/dpkg/status'"
snapshot files-purged
comm -13 "$LOG/files-before" "$LOG/files-installed" >"$LOG/owned.txt"
comm -13 "$LOG/files-before" "$LOG/files-purged" >"$LOG/left.txt"
comm -23 "$LOG/files-before" "$LOG/files-purged" >"$LOG/gone.txt"
echo "# the package and DKMS added $(wc -l <"$LOG/owned.txt") files and directories ($LOG/owned.txt)"
sed 's/^/# left after purge: /' "$LOG/left.txt" | head -n 20
sed 's/^/# gone after purge: /' "$LOG/gone.txt" | head -n 20
check "purge leaves nothing of the package or DKMS ($(wc -l <"$LOG/left.txt") left)" \
	test ! -s "$LOG/left.txt"
check "and changed nothing that was there before" test ! -s "$LOG/gone.txt"
finish
