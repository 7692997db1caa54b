#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build (or reuse from cache) the tiny initramfs that scripts/vm-run.sh
# boots: busybox-static plus the distro's virtio/9p modules, and an /init
# that mounts the host root read-only over 9p and runs one command in it.
#
# usage: scripts/mkinitramfs.sh KVER [MODDIR]  -> prints the path of the cpio.gz
#   MODDIR: module tree holding KVER/ (default /lib/modules), e.g. a staged
#   kernel's <tree>/usr/lib/modules; must end in /lib/modules.
#
# The cache key is kernel version + hash of this script, so editing /init
# below automatically produces a fresh image.
set -u
set -o pipefail

CACHE=${PPTP_ALG_CACHE:-/var/cache/pptp-alg}
# Modules needed to reach the host over virtio-9p; dependencies are
# resolved below via modinfo so netfs/fscache/virtio_ring come along.
WANT_MODULES=(virtio_pci virtio_ring virtio 9pnet 9pnet_virtio netfs fscache 9p)

die() { printf 'mkinitramfs: %s\n' "$*" >&2; exit 1; }

KVER=${1:-}
[[ -n $KVER ]] || die "usage: $0 KVER [MODDIR]"
MODROOT=${2:-/lib/modules}
[[ $MODROOT == */lib/modules ]] || die "MODDIR must end in /lib/modules"
MODDIR=$MODROOT/$KVER
[[ -d $MODDIR ]] || die "no $MODDIR (install linux-image for $KVER)"
# modinfo -b BASE reads BASE/lib/modules/KVER.
MODINFO=(modinfo -k "$KVER")
[[ $MODROOT == /lib/modules ]] || MODINFO+=(-b "${MODROOT%/lib/modules}")
BUSYBOX=$(command -v busybox) || die "busybox not found (install busybox-static)"
# A dynamically linked busybox would need libc in the image.
if ! file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked'; then
	ldd "$BUSYBOX" >/dev/null 2>&1 && die "$BUSYBOX is not static (install busybox-static)"
fi

SELF_HASH=$(sha256sum "$0" | cut -c1-16)
OUT=$CACHE/initramfs-$KVER-$SELF_HASH.cpio.gz
[[ $MODROOT == /lib/modules ]] ||
	OUT=$CACHE/initramfs-$KVER-$(printf '%s' "$MODROOT" | sha256sum | cut -c1-8)-$SELF_HASH.cpio.gz
if [[ -s $OUT ]]; then
	printf '%s\n' "$OUT"
	exit 0
fi

# Topologically ordered list of module names (dependencies first).
declare -A SEEN=()
ORDER=()
add_module() {
	local m=$1 dep deps
	[[ -n ${SEEN[$m]:-} ]] && return 0
	SEEN[$m]=1
	# A kernel configured differently (e.g. a debug kernel with 9p
	# built in, or without fscache) may lack some of these; /init
	# reports clearly if mounting 9p then fails.
	if ! deps=$("${MODINFO[@]}" -F depends "$m" 2>/dev/null); then
		printf 'mkinitramfs: note: no module %s for %s, skipped\n' "$m" "$KVER" >&2
		return 0
	fi
	for dep in ${deps//,/ }; do
		add_module "$dep"
	done
	ORDER+=("$m")
}
for m in "${WANT_MODULES[@]}"; do
	# Built-in (=y) modules have no file; modinfo still succeeds via
	# modules.builtin.modinfo and reports filename "(builtin)".
	add_module "$m"
done

WORK=$(mktemp -d) || die "mktemp failed"
trap 'rm -rf "$WORK"' EXIT
R=$WORK/root
mkdir -p "$R"/{bin,sbin,dev,proc,sys,newroot,lib/modules} || die "mkdir failed"
cp "$BUSYBOX" "$R/bin/busybox" || die "copy busybox failed"
ln -s busybox "$R/bin/sh"

: >"$R/lib/modules/load-order"
for m in "${ORDER[@]}"; do
	f=$("${MODINFO[@]}" -F filename "$m") || die "no filename for $m"
	[[ $f == "(builtin)" ]] && continue
	base=$(basename "$f")
	# busybox insmod cannot be relied upon for compressed modules, so
	# decompress on the host whatever the distro compresses with.
	case $f in
	*.ko.xz) xz -dc "$f" >"$R/lib/modules/${base%.xz}" ;;
	*.ko.zst) zstd -qdc "$f" >"$R/lib/modules/${base%.zst}" ;;
	*.ko.gz) gzip -dc "$f" >"$R/lib/modules/${base%.gz}" ;;
	*.ko) cp "$f" "$R/lib/modules/$base" ;;
	*) die "unknown module format $f" ;;
	esac || die "cannot copy $f"
	printf '%s\n' "${base%.ko*}.ko" >>"$R/lib/modules/load-order"
done

# Kernel module autoload (request_module -> call_usermodehelper) runs
# /proc/sys/kernel/modprobe in the *kernel threads'* root, which stays the
# initramfs because /init below uses chroot, not switch_root (switch_root
# would delete the initramfs and leave the host root as a 9p mount we
# cannot move onto /).  So forward to the real root's kmod modprobe.
cat >"$R/sbin/modprobe" <<'MODPROBE'
#!/bin/sh
exec /bin/busybox chroot /newroot /sbin/modprobe "$@"
MODPROBE
chmod 0755 "$R/sbin/modprobe"

cat >"$R/init" <<'INIT'
#!/bin/sh
# pptp-alg test guest init.  Contract with scripts/vm-run.sh:
#   9p tag "hostroot": host /, read-only -> /newroot
#   9p tag "results":  host temp dir, rw -> /newroot/run/vmresults
#     run.sh (written by the host) is executed inside the chroot;
#     we write: status, dmesg, tainted
#   9p tag "repo" (optional): host repo dir, rw, mounted at the path in
#     results/repo_path (only when that path is hidden by our tmpfs mounts)
export PATH=/bin:/sbin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev

fail() {
	echo "vm-init: $*"
	echo "vm-init: powering off"
	poweroff -f
	echo o >/proc/sysrq-trigger
	sleep 5
}

while read -r m; do
	insmod "/lib/modules/$m" || fail "insmod $m failed"
done </lib/modules/load-order

P9="trans=virtio,version=9p2000.L,msize=512000"
mount -t 9p -o "$P9,ro,cache=loose" hostroot /newroot ||
	fail "cannot mount host root"
N=/newroot
mount -t proc proc $N/proc
mount -t sysfs sys $N/sys
mount -t devtmpfs dev $N/dev
mkdir -p $N/dev/pts $N/dev/shm 2>/dev/null
# devtmpfs lacks the fd links udev would create; bash process
# substitution needs /dev/fd.
ln -sf /proc/self/fd $N/dev/fd
ln -sf /proc/self/fd/0 $N/dev/stdin
ln -sf /proc/self/fd/1 $N/dev/stdout
ln -sf /proc/self/fd/2 $N/dev/stderr
mount -t devpts -o newinstance,ptmxmode=0666 devpts $N/dev/pts
mount -t tmpfs tmpfs $N/dev/shm
for d in tmp run var/tmp; do
	mount -t tmpfs -o mode=1777 tmpfs $N/$d || fail "tmpfs $d"
done
mkdir -p $N/run/vmresults $N/run/netns $N/run/lock
mount -t 9p -o "$P9,rw,cache=none" results $N/run/vmresults ||
	fail "cannot mount results share"
R=$N/run/vmresults
if [ -s $R/repo_path ]; then
	repo=$(cat $R/repo_path)
	mkdir -p "$N$repo" && mount -t 9p -o "$P9,rw,cache=none" repo "$N$repo" ||
		fail "cannot mount repo share at $repo"
fi
# A staged kernel's module tree (vm-run.sh --modules) replaces the host's.
if [ -s $R/modules_path ]; then
	mods=$(cat $R/modules_path)
	mount -o bind "$N$mods" $N/lib/modules ||
		fail "cannot bind $mods over /lib/modules"
fi
mount -t debugfs debugfs $N/sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs $N/sys/kernel/tracing 2>/dev/null
# Kernel-thread-side modprobe forwarder lives in this initramfs.
echo /sbin/modprobe >/proc/sys/kernel/modprobe
hostname pptp-alg-guest

echo "vm-init: running command"
chroot $N /bin/sh /run/vmresults/run.sh </dev/console >/dev/console 2>&1
st=$?
echo $st >$R/status.tmp
dmesg >$R/dmesg 2>&1
cat /proc/sys/kernel/tainted >$R/tainted
mv $R/status.tmp $R/status
sync
umount $R 2>/dev/null
echo "vm-init: command exited $st"
poweroff -f
echo o >/proc/sysrq-trigger
sleep 5
INIT
chmod 0755 "$R/init"

mkdir -p "$CACHE" || die "cannot create $CACHE"
TMPOUT=$(mktemp "$CACHE/.initramfs.XXXXXX") || die "mktemp in $CACHE failed"
(cd "$R" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet | gzip -1) >"$TMPOUT" ||
	{ rm -f "$TMPOUT"; die "cpio failed"; }
chmod 0644 "$TMPOUT"
mv "$TMPOUT" "$OUT" || die "cannot write $OUT"
# Drop stale images for this kernel built by older versions of the script.
for old in "$CACHE"/initramfs-"$KVER"-*.cpio.gz; do
	[[ $old == "$OUT" ]] || rm -f "$old"
done
printf '%s\n' "$OUT"
