#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make deb`: build pptp-alg-dkms_<version>_all.deb from the Debian
# source package in packaging/debian/ (debhelper, dh-dkms), in a scratch
# copy of the tree with that directory as debian/, with
# `dpkg-buildpackage -us -uc -b`; then lintian on the .changes (and so on
# the .deb), which must report no error and no warning.
#
# usage: packaging/mkdeb.sh [--next VERSION] [--no-lintian] [OUTDIR]
#   OUTDIR        where the .deb, .changes and .buildinfo go (default build/)
#   --next V      add a changelog entry V on top in the copy (the upgrade
#                 test's "next version"; the tree is not changed)
#   --no-lintian  skip lintian
# Prints the .deb's path on stdout; everything else goes to stderr.
# env: PPTP_ALG_MAINTAINER  "Name <address>" for the Maintainer field and
#                           the newest changelog entry (default: the
#                           Maintainer field of packaging/debian/control)
set -u
set -o pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { printf 'mkdeb: %s\n' "$*" >&2; exit 1; }

NEXT=
LINTIAN=1
OUTDIR=$TOP/build
while (($#)); do
	case $1 in
	--next) (($# >= 2)) || die "--next needs a version"; NEXT=$2; shift 2 ;;
	--no-lintian) LINTIAN=0; shift ;;
	-*) echo "usage: $0 [--next VERSION] [--no-lintian] [OUTDIR]" >&2; exit 2 ;;
	*) OUTDIR=$1; shift ;;
	esac
done

for t in dpkg-buildpackage dh dh_dkms rsync; do
	command -v $t >/dev/null || die "$t missing (run scripts/deps.sh)"
done
((LINTIAN)) && { command -v lintian >/dev/null || die "lintian missing (run scripts/deps.sh)"; }
mkdir -p "$OUTDIR" || die "mkdir $OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)

# The copy: the tree as it is (uncommitted changes included), without
# .git and what .gitignore names (objects, build/).
WORK=$(mktemp -d "$OUTDIR/.mkdeb.XXXXXX") || die "mktemp"
trap 'rm -rf "$WORK"' EXIT
SRC=$WORK/pptp-alg
rsync -a --exclude=/.git --exclude=/build/ --filter=':- .gitignore' \
	"$TOP/" "$SRC/" || die "copying the tree"
cp -a "$SRC/packaging/debian" "$SRC/debian" || die "copying debian/"

if [[ -n ${PPTP_ALG_MAINTAINER:-} ]]; then
	# No |, & or \: they would change the sed commands below.
	[[ $PPTP_ALG_MAINTAINER =~ ^[^\<\>|\&\\]+\ \<[^@\<\>\ |\&\\]+@[^@\<\>\ |\&\\]+\>$ ]] ||
		die "PPTP_ALG_MAINTAINER must be 'Name <address>', not '$PPTP_ALG_MAINTAINER'"
	sed -i "s|^Maintainer: .*|Maintainer: $PPTP_ALG_MAINTAINER|" "$SRC/debian/control"
	# The newest entry's signature: the first trailer line.
	sed -i "0,/^ -- .*>  /s|^ -- .*>  | -- $PPTP_ALG_MAINTAINER  |" "$SRC/debian/changelog"
fi
if [[ -n $NEXT ]]; then
	maint=$(sed -n 's/^Maintainer: //p' "$SRC/debian/control")
	{
		printf 'pptp-alg (%s) unstable; urgency=medium\n\n' "$NEXT"
		printf '  * Test build: the next version, for the upgrade test.\n\n'
		printf ' -- %s  %s\n\n' "$maint" "$(date -R)"
		cat "$SRC/debian/changelog"
	} >"$WORK/changelog" && mv "$WORK/changelog" "$SRC/debian/changelog" ||
		die "changelog entry $NEXT"
fi
VERSION=$(cd "$SRC" && dpkg-parsechangelog -S Version) || die "dpkg-parsechangelog"

log=$WORK/build.log
if ! (cd "$SRC" && dpkg-buildpackage -us -uc -b) >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	die "dpkg-buildpackage failed"
fi
base=pptp-alg-dkms_${VERSION}_all.deb
changes=pptp-alg_${VERSION}_amd64.changes
[[ -f $WORK/$base ]] || die "no $base"
[[ -f $WORK/$changes ]] || changes=$(cd "$WORK" && ls pptp-alg_"$VERSION"_*.changes | head -n1)
[[ -f $WORK/$changes ]] || die "no .changes"
for f in "$WORK/$base" "$WORK/$changes" "$WORK"/pptp-alg_"$VERSION"_*.buildinfo; do
	mv -f "$f" "$OUTDIR/" || die "mv $f"
done
printf 'mkdeb: %s (dpkg-buildpackage)\n' "$OUTDIR/$base" >&2

if ((LINTIAN)); then
	# The .changes names the .deb and the .buildinfo: all three are checked.
	# (Its "running with root privileges" notice is not a finding.)
	lintian --fail-on error,warning "$OUTDIR/$changes" >"$WORK/lintian.out" 2>&1
	rc=$?
	grep -v '^running with root privileges' "$WORK/lintian.out" >"$WORK/lintian.log"
	if ((rc != 0)); then
		sed 's/^/mkdeb: lintian: /' "$WORK/lintian.log" >&2
		die "lintian reports errors or warnings"
	fi
	sed 's/^/mkdeb: lintian: /' "$WORK/lintian.log" >&2
	printf 'mkdeb: lintian: no error, no warning on %s\n' "$changes" >&2
fi
printf '%s\n' "$OUTDIR/$base"
