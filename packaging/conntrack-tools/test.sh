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
# tarballs with `patch --dry-run` and that the patched conntrackd runs.
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
while IFS='=' read -r k v; do
	built[$k]=$v
done < <("$HERE/build.sh" $MODE)
prefix=${built[prefix]}
src=$prefix/../src/conntrack-tools-1.4.7
[[ -f $src/src/build.c ]] || { log "no source tree at $src"; exit 1; }

if [[ -z $MODE ]]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	for s in libnetfilter_conntrack conntrack-tools; do
		case $s in
		libnetfilter_conntrack) t=libnetfilter_conntrack-1.0.9 ;;
		conntrack-tools) t=conntrack-tools-1.4.7 ;;
		esac
		tar -xf "$VENDOR/$t.tar.gz" -C "$tmp"
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

bin=$prefix/../roundtrip
# -Werror: the test program and build.c/parse.c compile cleanly with the
# flags conntrack-tools uses for them.
nice cc -std=gnu99 -W -Wall -Wno-unused-parameter -Werror \
	-I"$src/include" -I"$prefix/include" \
	-o "$bin" "$HERE/test/roundtrip.c" "$src/src/build.c" \
	"$src/src/parse.c" \
	"$prefix/lib/libnetfilter_conntrack.a" -lnfnetlink -lmnl
log "running $bin (${MODE:-patched})"
"$bin"
