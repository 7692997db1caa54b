#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make deb`: build pptp-alg-dkms_<version>_all.deb (module source under
# /usr/src/pptp-alg-<version>/ with dkms.conf, postinst/prerm that hand it
# to DKMS, example modules-load.d/modprobe.d/sysctl.d files) with plain
# dpkg-deb: no debhelper needed.
#
# usage: packaging/mkdeb.sh [OUTDIR]   (default build/) -> prints the .deb path
# env: PPTP_ALG_VERSION  package version (default: packaging/VERSION)
set -u
set -o pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PKG=$TOP/packaging
OUTDIR=${1:-$TOP/build}
VERSION=${PPTP_ALG_VERSION:-$(tr -d ' \n' <"$PKG/VERSION")}
NAME=pptp-alg
DEB=pptp-alg-dkms

die() { printf 'mkdeb: %s\n' "$*" >&2; exit 1; }

[[ $VERSION =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || die "bad version '$VERSION'"
command -v dpkg-deb >/dev/null || die "dpkg-deb missing"
mkdir -p "$OUTDIR" || die "mkdir $OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)

WORK=$(mktemp -d) || die "mktemp"
trap 'rm -rf "$WORK"' EXIT
R=$WORK/root
SRC=$R/usr/src/$NAME-$VERSION
DOC=$R/usr/share/doc/$DEB
mkdir -p "$SRC" "$DOC/examples" "$R/DEBIAN" "$R/usr/share/$DEB" || die "mkdir"

# Module sources only (no objects, no generated *.mod.c).
rsync -a --prune-empty-dirs \
	--filter="merge $TOP/packaging/module-sources.rsync" \
	"$TOP/" "$SRC/" || die "copying sources"
[[ -f $SRC/kmod/main.c && -f $SRC/Kbuild ]] || die "sources incomplete"
install -m 0644 "$PKG/Makefile.dkms" "$SRC/Makefile"
sed "s/@VERSION@/$VERSION/g" "$PKG/dkms.conf.in" >"$SRC/dkms.conf"

cp -a "$PKG/examples/etc" "$DOC/examples/" || die "examples"
[[ -f $TOP/README.md ]] && install -m 0644 "$TOP/README.md" "$DOC/README.md"
cat >"$DOC/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: pptp-alg

Files: *
License: GPL-2.0-only
 On Debian systems the full text is in /usr/share/common-licenses/GPL-2.
EOF

for f in postinst prerm; do
	sed "s/@VERSION@/$VERSION/g" "$PKG/debian/$f.in" >"$R/DEBIAN/$f"
	chmod 0755 "$R/DEBIAN/$f"
done
size=$(du -sk --exclude=DEBIAN "$R" | cut -f1)
sed -e "s/@VERSION@/$VERSION/g" -e "s/@SIZE@/$size/g" \
	"$PKG/debian/control.in" >"$R/DEBIAN/control"

# Reproducible-ish: fixed mtimes, root ownership, sane modes.
find "$R" -path "$R/DEBIAN" -prune -o -type d -exec chmod 0755 {} + -o \
	-type f -exec chmod 0644 {} +
stamp=${SOURCE_DATE_EPOCH:-$(git -C "$TOP" log -1 --format=%ct 2>/dev/null || date +%s)}
find "$R" -mindepth 1 -exec touch -h -d "@$stamp" {} +
out=$OUTDIR/${DEB}_${VERSION}_all.deb
dpkg-deb --root-owner-group -Zxz --build "$R" "$out" >&2 || die "dpkg-deb failed"
printf '%s\n' "$out"
