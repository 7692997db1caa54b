#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Cost of a call request's translated-ID choice with the ID space full
# against empty, for this tree and, when BASE= names a git revision, for
# that revision's kmod/core/callid.c in the same run.
#
# usage: bench/callid.sh [PICKS]   env: BASE=<rev>  CC=gcc
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${TMPDIR:-/tmp}/pptp-alg-bench-callid
mkdir -p "$OUT"
CFLAGS=(-std=gnu11 -O2 -I"$TOP/kunit/host/include" -I"$TOP/include")
build() { # NAME SOURCE
	${CC:-gcc} "${CFLAGS[@]}" -o "$OUT/$1" "$TOP/bench/callid_bench.c" "$2"
}
build current "$TOP/kmod/core/callid.c"
printf '%-10s %s\n' current "$("$OUT/current" "${1:-2000}")"
if [[ -n ${BASE:-} ]]; then
	# The core moved to kmod/core/ after the search was bounded.
	git -C "$TOP" show "$BASE:kmod/core/callid.c" >"$OUT/base_callid.c" 2>/dev/null ||
		git -C "$TOP" show "$BASE:kmod/pptp_callid.c" >"$OUT/base_callid.c"
	git -C "$TOP" show "$BASE:include/pptp_alg/callid.h" >"$OUT/callid.h"
	mkdir -p "$OUT/inc/pptp_alg"
	mv "$OUT/callid.h" "$OUT/inc/pptp_alg/callid.h"
	${CC:-gcc} -std=gnu11 -O2 -I"$OUT/inc" -I"$TOP/kunit/host/include" \
		-o "$OUT/base" "$TOP/bench/callid_bench.c" "$OUT/base_callid.c"
	printf '%-10s %s\n' "$BASE" "$("$OUT/base" "${1:-2000}")"
fi
