#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Round-trip test of the conntrackd patch series, on the host, no kernel
# needed: builds test/roundtrip.c against conntrackd's build.c and parse.c
# and libnetfilter_conntrack as build.sh left them, and runs it.
#
#   test.sh           the patched sources (must pass)
#   test.sh --stock   the unpatched sources (shows what the series fixes:
#                     it fails, and so does this script)
#
# Also checks that the series applies to fresh extractions of the
# tarballs with `patch --dry-run`, that the patched conntrackd runs, and,
# where a network namespace can be made, that `conntrackd -c` commits the
# expectations and leaves later flushes possible.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VENDOR=${PPTP_ALG_VENDOR:-$(cd "$HERE/../.." && pwd)/../shared/vendor}
MODE=${1:-}
case $MODE in
""|--stock) ;;
*) echo "usage: $0 [--stock]" >&2; exit 2 ;;
esac

log() { printf 'conntrack-tools test: %s\n' "$*" >&2; }

declare -A built
out=$("$HERE/build.sh" $MODE) || { log "build.sh failed"; exit 1; }
while IFS='=' read -r k v; do
	built[$k]=$v
done <<<"$out"
prefix=${built[prefix]}
src=$prefix/../src/conntrack-tools-1.4.7
[[ -f $src/src/build.c ]] || { log "no source tree at $src"; exit 1; }

if [[ -z $MODE ]]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	for s in libnetfilter_conntrack conntrack-tools; do
		# The tarballs build.sh used, extracted afresh.
		case $s in
		libnetfilter_conntrack) t=libnetfilter_conntrack-1.0.9 tar=${built[lnfct_tar]} ;;
		conntrack-tools) t=conntrack-tools-1.4.7 tar=${built[ctt_tar]} ;;
		esac
		tar -xf "$tar" -C "$tmp"
		while read -r p; do
			[[ -z $p || $p == \#* ]] && continue
			patch -d "$tmp/$t" -p1 --dry-run --batch --quiet \
				<"$HERE/$s/$p" >/dev/null ||
				{ log "$s/$p does not apply"; exit 1; }
			# the dry run does not see earlier patches: apply too
			patch -d "$tmp/$t" -p1 --batch --quiet \
				<"$HERE/$s/$p" >/dev/null
		done <"$HERE/$s/series"
		log "$s: series applies to a fresh $t"
	done
	"${built[conntrackd]}" -v >/dev/null ||
		{ log "conntrackd -v failed"; exit 1; }
	log "$("${built[conntrackd]}" -v 2>&1 | head -1)"
fi

# The commit sequencing (conntrackd 0004) needs a running daemon: one in
# a private network namespace, with empty caches and HashSize 8192, so a
# commit takes one run.  Skipped where no namespace can be made or the
# daemon does not start (no ctnetlink: its log says why); a commit or
# flush that gets no answer is a failure.
daemon_passed=0 daemon_failed=0
daemon_check() {
	local ctd=$1 dir log ok ret

	dir=$(mktemp -d)
	log=$dir/ctd.log
	cat >"$dir/ctd.conf" <<-EOF
	Sync {
		Mode NOTRACK { }
		UDP {
			IPv4_address 127.0.0.1
			IPv4_Destination_Address 127.0.0.2
			Port 3780
			Interface lo
		}
		Options { ExpectationSync on }
	}
	General {
		HashSize 8192
		HashLimit 65536
		LogFile $log
		Syslog off
		LockFile $dir/ctd.lock
		UNIX { Path $dir/ctd.ctl }
	}
	EOF
	unshare -n true 2>/dev/null || {
		log "daemon checks skipped: no network namespace"
		rm -rf "$dir"
		return 0
	}
	ret=0
	unshare -n sh -c '
		ip link set lo up && ip addr add 127.0.0.2/8 dev lo || exit 77
		"$1" -C "$2" >/dev/null 2>&1 &
		pid=$!
		for i in 1 2 3 4 5 6 7 8 9 10; do
			[ -S "$3" ] && break
			sleep 0.2
		done
		[ -S "$3" ] || { kill $pid; wait $pid; exit 78; }
		timeout 10 "$1" -C "$2" -c && timeout 10 "$1" -C "$2" -f
		ret=$?
		kill $pid
		wait $pid
		exit $ret' sh "$ctd" "$dir/ctd.conf" "$dir/ctd.ctl" 2>/dev/null ||
		ret=$?
	case $ret in
	0)
		echo "ok - daemon: commit and flush answered"
		daemon_passed=$((daemon_passed + 1))
		;;
	77 | 78)
		log "daemon checks skipped: $( ((ret == 77)) &&
			echo "no loopback address in the namespace" ||
			echo "the daemon did not start: $(tail -n 1 "$log" 2>/dev/null)")"
		rm -rf "$dir"
		return 0
		;;
	*)
		echo "not ok - daemon: commit and flush answered (exit $ret)"
		daemon_failed=$((daemon_failed + 1))
		;;
	esac
	for ok in "Committed [0-9]* new expectations" "flushing caches"; do
		if grep -q "$ok" "$log"; then
			echo "ok - daemon: log says \"$ok\""
			daemon_passed=$((daemon_passed + 1))
		else
			echo "not ok - daemon: log says \"$ok\""
			daemon_failed=$((daemon_failed + 1))
		fi
	done
	rm -rf "$dir"
}
daemon_check "$prefix/sbin/conntrackd"

bin=$prefix/../roundtrip
# -Werror: the test program and build.c/parse.c compile cleanly with the
# flags conntrack-tools uses for them.
nice cc -std=gnu99 -W -Wall -Wno-unused-parameter -Werror \
	-I"$src/include" -I"$prefix/include" \
	-o "$bin" "$HERE/test/roundtrip.c" "$src/src/build.c" \
	"$src/src/parse.c" \
	"$prefix/lib/libnetfilter_conntrack.a" -lnfnetlink -lmnl
log "running $bin (${MODE:-patched})"
"$bin" "$daemon_passed" "$daemon_failed"
