#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make demo`: install what is needed, build + install the module, boot the
# test guest and run scripts/demo-guest.sh inside it.  The guest part is
# separate so the scenario can grow without touching the boot wrapper.
set -u
set -o pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$TOP" || exit 1

echo "== installing dependencies"
"$TOP/scripts/deps.sh" || exit 1
echo "== building and installing nf_pptp_alg"
make -C "$TOP" install >"${TMPDIR:-/tmp}/pptp-alg-demo-build.log" 2>&1 || {
	tail -n 30 "${TMPDIR:-/tmp}/pptp-alg-demo-build.log"
	echo "demo: module build/install failed" >&2
	exit 1
}
echo "== booting guest (QEMU TCG, ~10 s) and running scripts/demo-guest.sh"
exec "$TOP/scripts/vm-run.sh" --timeout "${PPTP_DEMO_TIMEOUT:-600}" \
	-- scripts/demo-guest.sh
