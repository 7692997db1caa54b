#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run the project's KUnit suites INSIDE a test-kernel guest (CONFIG_KUNIT=y,
# CONFIG_KUNIT_DEBUGFS=y), e.g. from the host:
#   scripts/vm-run.sh --kernel DIR/vmlinuz-KVER -- scripts/kunit-guest.sh
#
# usage: scripts/kunit-guest.sh [--kmemleak] [MODULE.ko]
#
# Loads nf_pptp_alg_kunit (MODULE.ko if given, else `modprobe` of the copy
# installed by `build-test-kernel.sh --install-modules`, else
# kunit/nf_pptp_alg_kunit.ko of this checkout), prints the KTAP results of
# every suite it registered from /sys/kernel/debug/kunit/*/results, then
# unloads it.  Last line: exactly `N passed, N failed, N skipped` (test
# cases; a parameterised case counts once).  Exit 1 if any case failed or
# skipped, a suite is missing/incomplete, or the kernel logged a splat
# (scripts/results.sh) while the suites ran.
# --kmemleak: also scan for leaks while the module is loaded and fail on
# unreferenced objects allocated from it.
set -u

KMEMLEAK=0
MODULE=
while (($#)); do
	case $1 in
	--kmemleak) KMEMLEAK=1; shift ;;
	-h|--help) sed -n '3,19s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	*) MODULE=$1; shift ;;
	esac
done

MODNAME=nf_pptp_alg_kunit
DBG=/sys/kernel/debug
REPO=$(cd "$(dirname "$0")/.." && pwd)

msg() { printf 'kunit-guest: %s\n' "$*"; }
bail() { msg "$*"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
# shellcheck source=results.sh
. "$REPO/scripts/results.sh"

[[ -d $DBG/kunit ]] || mount -t debugfs debugfs $DBG 2>/dev/null
[[ -d $DBG/kunit ]] || bail "no $DBG/kunit: kernel lacks CONFIG_KUNIT_DEBUGFS (not the test kernel?)"

MARK="kunit-guest: start $$.$RANDOM"

grep -qw "^$MODNAME" /proc/modules && rmmod "$MODNAME"
before_suites=$(ls "$DBG/kunit")
# A marker in the kernel log delimits "while the suites ran".
echo "$MARK" >/dev/kmsg 2>/dev/null || MARK=

if [[ -n $MODULE ]]; then
	insmod "$MODULE" || bail "insmod $MODULE failed"
elif modinfo "$MODNAME" >/dev/null 2>&1; then
	modprobe "$MODNAME" || bail "modprobe $MODNAME failed"
elif [[ -e $REPO/kunit/$MODNAME.ko ]]; then
	insmod "$REPO/kunit/$MODNAME.ko" || bail "insmod $REPO/kunit/$MODNAME.ko failed"
else
	bail "$MODNAME not installed for $(uname -r) and no $REPO/kunit/$MODNAME.ko"
fi

# Suites run synchronously during module init; their debugfs dirs vanish
# on unload, so read everything now.
suites=$(ls "$DBG/kunit" | grep -vxF -f <(printf '%s\n' "$before_suites") | sort)
[[ -n $suites ]] || { rmmod "$MODNAME"; bail "module registered no KUnit suites"; }

pass=0 fail=0 skip=0 bad=0
for s in $suites; do
	res=$(cat "$DBG/kunit/$s/results") || { msg "cannot read results of $s"; bad=1; continue; }
	printf '%s\n' "$res"
	# Per-case counts from the suite's stats line ("# S: pass:P fail:F
	# skip:K total:T"; cases, not parameters).  6.1 keeps only 512 bytes of
	# log per case in debugfs, so a chatty case can lose its own "ok N"
	# line (dmesg has it); the stats line lives in the suite log.
	st=$(grep -E "^# $s: pass:[0-9]+ fail:[0-9]+ skip:[0-9]+ total:[0-9]+" <<<"$res" | tail -n1)
	n=$(sed -nE 's/^    1\.\.([0-9]+)$/\1/p' <<<"$res" | head -n1)
	if [[ -n $st ]]; then
		read -r p f k < <(sed -E 's/.* pass:([0-9]+) fail:([0-9]+) skip:([0-9]+) .*/\1 \2 \3/' <<<"$st")
	else
		k=$(grep -cE '^    ok [0-9]+ .*# SKIP' <<<"$res")
		p=$(($(grep -cE '^    ok [0-9]+ ' <<<"$res") - k))
		f=$(grep -cE '^    not ok [0-9]+ ' <<<"$res")
	fi
	if [[ -z $n ]]; then
		msg "suite $s: no test plan in results"; bad=1
	elif ((p + f + k < n)); then
		msg "suite $s: $((n - p - f - k)) of $n results missing, counted as failed"
		f=$((n - p - k))
	fi
	if grep -qE "^not ok [0-9]+ $s\$" <<<"$res" && ((f == 0)); then
		msg "suite $s reported failure"; f=1
	fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + k))
done

leaks=0
if ((KMEMLEAK)); then
	if [[ -w $DBG/kmemleak ]]; then
		# Objects younger than ~5 s are never reported.
		sleep 6
		echo scan >"$DBG/kmemleak"; echo scan >"$DBG/kmemleak"
		rep=$(cat "$DBG/kmemleak")
		mine=$(awk -v m="[$MODNAME]" 'BEGIN{RS="unreferenced object"} index($0,m){print "unreferenced object" $0}' <<<"$rep")
		if [[ -n $mine ]]; then
			printf '%s\n' "$mine"; msg "kmemleak: leaks from $MODNAME"; leaks=1
		else
			msg "kmemleak: no leaks from $MODNAME ($(grep -c 'unreferenced object' <<<"$rep") elsewhere)"
		fi
	else
		msg "kmemleak not available (CONFIG_DEBUG_KMEMLEAK off or kmemleak=off)"
	fi
fi

rmmod "$MODNAME" || { msg "rmmod $MODNAME failed"; bad=1; }

if [[ -n $MARK ]]; then
	splats=$(dmesg | awk -v m="$MARK" 'index($0,m){on=1;next} on' | grep -E "$SPLAT_RE")
else
	splats=$(dmesg | grep -E "$SPLAT_RE")
fi
if [[ -n $splats ]]; then
	msg "kernel reported problems while the suites ran:"
	printf '%s\n' "$splats"
	bad=1
fi

echo "$pass passed, $fail failed, $skip skipped"
((fail == 0 && skip == 0 && bad == 0 && leaks == 0))
