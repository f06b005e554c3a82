#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Generate the patch series of drivers-ipr-patch/SERIES/ for a Debian
# kernel series: patch 1 (the library) is made from lib/, include/,
# kunit/, Kbuild and Kconfig by scripts/intree.sh, so it never drifts from
# them; the ipr patches after it are taken from the series as committed.
# git format-patch with a cover letter, and a quilt series file.
#
#   kernel-patches.sh SERIES [OUTDIR]   (default: drivers-ipr-patch/SERIES)
#
# PRISTINE=DIR takes the base files from DIR instead of Debian's source
# of the day (scripts/ipr.sh's self-test of the drift check).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=${1:?usage: kernel-patches.sh SERIES [OUTDIR]}
out=${2:-$TOP/drivers-ipr-patch/$series}
src=${IPR_PATCHES:-$TOP/drivers-ipr-patch/$series}
pristine=${PRISTINE:-$("$TOP/scripts/fetch-debian.sh" tree "$series")}

w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
files="MAINTAINERS drivers/pci/Kconfig drivers/pci/Makefile drivers/scsi/Kconfig
       drivers/scsi/ipr.c drivers/scsi/ipr.h"
for f in $files; do
	mkdir -p "$w/$(dirname "$f")"
	cp "$pristine/$f" "$w/$f"
done

# Reproducible: the same sources give the same patches, byte for byte.
export GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL
# The author of the ipr patches signs the library patch too.
first=$(ls "$src"/000[2-9]-*.patch 2>/dev/null | head -n1)
[ -n "$first" ] || die "no ipr patches in $src"
info=$(git mailinfo /dev/null /dev/null < "$first")
GIT_AUTHOR_NAME=$(echo "$info" | sed -n 's/^Author: //p')
GIT_AUTHOR_EMAIL=$(echo "$info" | sed -n 's/^Email: //p')
GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME
GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
export GIT_AUTHOR_DATE="2026-11-26T00:00:00+0000" GIT_COMMITTER_DATE="2026-11-26T00:00:00+0000"
g() { git -C "$w" -c core.autocrlf=false -c commit.gpgsign=false "$@"; }
g init -q
g add -A
g commit -q -m "Debian linux-source-$series (the files the series touches)"
g tag base

"$TOP/scripts/intree.sh" "$w" --upstream "$pristine"
python3 - "$w/MAINTAINERS" "$GIT_AUTHOR_NAME <$GIT_AUTHOR_EMAIL>" <<'PY'
import sys
path, who = sys.argv[1], sys.argv[2]
s = open(path).read()
entry = ('PCI MSI-X RESYNC AFTER A RESET THE HYPERVISOR MISSES\n'
         'M:\t%s\nL:\tlinux-pci@vger.kernel.org\nS:\tMaintained\n'
         'F:\tdrivers/pci/msix_resync/\nF:\tinclude/linux/msix_resync.h\n\n' % who)
anchor = '\nPCI NATIVE HOST BRIDGE AND ENDPOINT DRIVERS\n'
assert s.count(anchor) == 1
s = s.replace(anchor, '\n' + entry + anchor[1:])
open(path, 'w').write(s)
PY
g add -A
g commit -q -s -F "$TOP/drivers-ipr-patch/msix-resync.msg"

for p in "$src"/000[2-9]-*.patch; do
	[ -e "$p" ] || die "no ipr patches in $src"
	g am -q --committer-date-is-author-date "$p" || die "git am $p failed"
done

tmp=$w/.out
g format-patch -q --no-signature --cover-letter --base=base -o "$tmp" base..HEAD
maint=$(cd "$pristine" && perl scripts/get_maintainer.pl --no-git --no-git-fallback \
	--no-tree "$tmp"/000[1-9]-*.patch) || die "get_maintainer.pl failed"
version=$(sed -n 's/^VERSION = //p;s/^PATCHLEVEL = //p;s/^SUBLEVEL = //p' "$pristine/Makefile" |
	paste -sd.)
python3 - "$tmp"/0000-cover-letter.patch "$TOP/drivers-ipr-patch/cover-letter.txt" "$series" \
	"$maint" "$version" <<'PY'
import sys
path, tpl, series, maint, version = sys.argv[1:6]
s = open(path).read()
tpl = open(tpl).read().replace('@SERIES@', series).replace('@VERSION@', version)
tpl = tpl.replace('@MAINTAINERS@', maint)
lines = tpl.split('\n')
subject, body = lines[0], '\n'.join(lines[1:]).strip('\n')
s = s.replace('*** SUBJECT HERE ***', subject + ' (Linux %s)' % series)
s = s.replace('*** BLURB HERE ***', body)
s = '\n'.join(l if not l.startswith('Date: ') else 'Date: Thu, 26 Nov 2026 00:00:00 +0000'
              for l in s.split('\n'))
open(path, 'w').write(s)
PY
(cd "$tmp" && ls 000[1-9]-*.patch) > "$tmp/series"
mkdir -p "$out"
rm -f "$out"/0*.patch "$out/series"
cp "$tmp"/* "$out/"
info "$(ls "$out" | wc -l) files in $out"
