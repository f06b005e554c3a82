#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make ipr, for one Debian kernel series: the ipr patch series applies to
# pristine Debian linux-source with git am and with quilt (no fuzz, no
# offset), has not drifted from lib/, is checkpatch --strict clean, and
# ipr.ko builds out of tree against Debian's headers with the library's
# symbols, W=1 and sparse adding no warning to stock ipr.c. (The in-tree
# build and the KUnit test of the job steps run in scripts/kunit.sh.)
#
#   ipr.sh SERIES     prints PASS/FAIL lines
set -uo pipefail
. "$(dirname "$0")/lib.sh"

series=${1:?usage: ipr.sh SERIES}
dir=$TOP/drivers-ipr-patch/$series
pristine=$("$TOP/scripts/fetch-debian.sh" tree "$series") || die "no linux-source-$series"
base=$MSIX_RESYNC_CACHE/ipr/$series
mkdir -p "$base"
np=0 nf=0
pass() { np=$((np + 1)); echo "PASS $series ipr: $*"; }
fail() { nf=$((nf + 1)); echo "FAIL $series ipr: $*"; }
# The runner counts on this line: without it, the script did not finish.
trap 'echo "$series ipr: $np passed, $nf failed"' EXIT
patches=$(cat "$dir/series")
n=$(echo "$patches" | wc -l)
export GIT_AUTHOR_NAME="msix-resync tests" GIT_AUTHOR_EMAIL="tests@localhost"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"

# 1. No drift from lib/: the change the committed series makes is the one
# 'make kernel-patches' makes now (tests/patch_drift.py: the lines that
# depend on the base, which Debian moves with each point release, are left
# out; a newer point release is an INFO line).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; echo "$series ipr: $np passed, $nf failed"' EXIT
drift() {	# drift GENERATED-DIR [BASE-DIR]: tests/patch_drift.py's output; its status
	python3 "$TOP/tests/patch_drift.py" "${2:-$dir}" "$1"
}
if "$TOP/scripts/kernel-patches.sh" "$series" "$tmp/s" >"$tmp/kp.log" 2>&1; then
	if out=$(drift "$tmp/s"); then
		echo "$out" | grep '^INFO ' | sed 's/^INFO /    INFO: /' >&2
		pass "the series is what 'make kernel-patches' makes from lib/ now (no drift)"
	else
		echo "$out" | head -40
		fail "drivers-ipr-patch/$series differs from what lib/ makes: run 'make kernel-patches'"
	fi
else
	tail -5 "$tmp/kp.log"
	fail "kernel-patches.sh $series failed"
fi

# 1b. The drift check itself, end to end on this series, against what
# lib/ makes today (so that it proves the check whether or not the
# committed series drifted): (a) a newer point release of the same series
# (SUBLEVEL + 1, every ipr.c hunk moved by three lines, so other hashes,
# line numbers and version) must stay green with an INFO line naming both
# releases; (b) one changed line in lib/ must fail it.
fake=$tmp/newer
for f in Makefile MAINTAINERS drivers/pci/Kconfig drivers/pci/Makefile drivers/scsi/Kconfig \
	drivers/scsi/ipr.h include/kunit/test.h scripts/get_maintainer.pl; do
	mkdir -p "$fake/$(dirname "$f")" && cp "$pristine/$f" "$fake/$f"
done
sub=$(sed -n 's/^SUBLEVEL = //p' "$pristine/Makefile")
sed -i "s/^SUBLEVEL = .*/SUBLEVEL = $((sub + 1))/" "$fake/Makefile"
{ printf '// a newer point release\n//\n//\n'; cat "$pristine/drivers/scsi/ipr.c"; } \
	> "$fake/drivers/scsi/ipr.c"
if PRISTINE=$fake "$TOP/scripts/kernel-patches.sh" "$series" "$tmp/n" >/dev/null 2>&1 &&
   ! diff -q <(grep -h '^@@' "$tmp/s"/0002-*) <(grep -h '^@@' "$tmp/n"/0002-*) >/dev/null &&
   out=$(drift "$tmp/n" "$tmp/s") && ver=$(sed -n 's/^VERSION = //p;s/^PATCHLEVEL = //p' "$pristine/Makefile" | paste -sd.) &&
   echo "$out" | grep -q "^INFO .*names $ver\.[0-9]*; Debian serves $ver\.$((sub + 1)) now"; then
	pass "drift check self-test: a newer point release ($ver.$((sub + 1)), ipr.c moved) is no drift, an INFO line names it"
else
	echo "$out" | head -20
	fail "drift check self-test: a newer point release fails the drift check, or no INFO line names it"
fi
mut=$tmp/top
mkdir -p "$mut"
cp -a "$TOP"/{Kbuild,Kconfig,VERSION,lib,include,kunit,scripts,tests,drivers-ipr-patch} "$mut/"
sed -i '0,/^\treturn 0;$/s//\treturn 1;/' "$mut/lib/core.c"
if cmp -s "$TOP/lib/core.c" "$mut/lib/core.c"; then
	fail "drift check self-test: could not change a line of lib/core.c"
elif PRISTINE=$pristine "$mut/scripts/kernel-patches.sh" "$series" "$tmp/m" >/dev/null 2>&1 &&
     ! drift "$tmp/m" "$tmp/s" >/dev/null; then
	pass "drift check self-test: one changed line in lib/core.c is drift"
else
	fail "drift check self-test: a changed line in lib/core.c is not caught"
fi

# 2. git am on a pristine tree (a git repository made once, cached).
gt=$base/git-tree
if [ ! -e "$gt/.git/msix-resync-pristine" ]; then
	step "making a git repository of pristine linux-source-$series (once)"
	rm -rf "$gt"
	cp -a "$pristine" "$gt"
	rm -f "$gt/.done"
	git -C "$gt" init -q && git -C "$gt" add -f -A &&
		git -C "$gt" commit -qm "Debian linux-source-$series" &&
		touch "$gt/.git/msix-resync-pristine"
fi
git -C "$gt" am --abort >/dev/null 2>&1
git -C "$gt" reset -q --hard "$(git -C "$gt" rev-list --max-parents=0 HEAD)" &&
	git -C "$gt" clean -qfd
# shellcheck disable=SC2046
if git -C "$gt" am -q $(for p in $patches; do echo "$dir/$p"; done) \
	>"$base/git-am.log" 2>&1; then
	pass "git am: the $n patches apply to pristine Debian linux-source-$series"
else
	cat "$base/git-am.log"
	git -C "$gt" am --abort >/dev/null 2>&1
	fail "git am on pristine linux-source-$series"
fi

# 3. quilt push -a on another pristine copy: no fuzz, no offset.
qt=$base/quilt-tree
if [ ! -e "$qt/.msix-resync-pristine" ]; then
	step "copying pristine linux-source-$series for quilt (once)"
	rm -rf "$qt"
	cp -a "$pristine" "$qt" && touch "$qt/.msix-resync-pristine"
fi
(cd "$qt" && { [ ! -d .pc ] || quilt pop -a -q >/dev/null; } && rm -f patches &&
	ln -s "$dir" patches)
if out=$(cd "$qt" && quilt push -a 2>&1) && ! echo "$out" | grep -qi 'fuzz'; then
	# an offset is what a newer point release does to the lines
	# around the patches: worth knowing, no failure
	echo "$out" | grep -i 'offset' | sed 's/^/    INFO: /' >&2
	pass "quilt push -a: the $n patches apply with no fuzz"
else
	echo "$out" | grep -iE 'fuzz|offset|fail|error' | head
	fail "quilt push -a on pristine linux-source-$series"
fi
(cd "$qt" && quilt pop -a -q >/dev/null 2>&1)

# 4. checkpatch --strict on each patch.
cktree=$("$TOP/scripts/fetch-debian.sh" tree 6.12)
for p in $patches; do
	ignore=""
	case $p in
	# TRACE_EVENT() layout, as in include/trace/events/*.h
	0001-*) ignore="--ignore OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT" ;;
	# the Fixes: tag names an upstream commit; Debian's linux-source has
	# no git history to look it up in (checked by hand: 5512c5eaf533)
	0002-*) ignore="--ignore UNKNOWN_COMMIT_ID" ;;
	# Scsi_Host is the SCSI midlayer's type name
	0004-*) ignore="--ignore CAMELCASE" ;;
	esac
	# In a kernel tree, as it is meant to run (6.12's, whole: the
	# CAMELCASE check reads its include/). From the project's git clone
	# checkpatch consults that repository instead and, on this series,
	# reported the blank context lines of MAINTAINERS and
	# drivers/pci/{Kconfig,Makefile} as added trailing whitespace.
	# shellcheck disable=SC2086
	log=$(cd "$cktree" && perl scripts/checkpatch.pl --strict --terse --show-types \
		$ignore "$dir/$p" 2>&1)
	if [ -z "$log" ]; then pass "checkpatch --strict: $p"; else echo "$log"; fail "checkpatch --strict: $p"; fi
done

# 5. ipr.ko out of tree against Debian's headers, with the library: for
# x86_64, and for ppc64le (POWER, where ipr adapters live) where Debian's
# ppc64el headers of the series are fetched (lib.sh's PPC_SERIES).
oot() {	# oot TARGET (SERIES or SERIES-ppc64el) ARCH-NAME
	local target=$1 arch=$2 kodir root krel kdir v d from new
	kodir=$("$TOP/scripts/build-debian.sh" "$target" 2>/dev/null) || { fail "$arch: library build"; return; }
	root=$(fetch_kernel "$target")
	krel=$(cat "$MSIX_RESYNC_CACHE/debian/$target/krel")
	kdir=$(kdir "$target" "$root")
	for v in stock patched; do
		d=$base/oot-$target-$v
		rm -rf "$d" && mkdir -p "$d"
		from=$pristine
		[ $v = patched ] && from=$gt
		cp "$from/drivers/scsi/ipr.c" "$from/drivers/scsi/ipr.h" "$d/"
		printf 'obj-m := ipr.o\nccflags-y += -I%s/include\n' \
			"$TOP" > "$d/Kbuild"
		kmake "$target" -C "$kdir" M="$d" W=1 C=2 KBUILD_EXTRA_SYMBOLS="$kodir/Module.symvers" \
			modules >"$d/build.log" 2>&1
		echo $? > "$d/rc"
	done
	d=$base/oot-$target
	new=$(warnings "$d-stock/build.log" "$d-patched/build.log")
	# C=2 that did not run sparse is no check at all
	if grep -h 'sparse is not available' "$d"-*/build.log; then
		fail "$arch: sparse did not run on the out-of-tree ipr.ko builds against $krel"
	fi
	if [ "$(cat "$d-patched/rc")" = 0 ] && [ -e "$d-patched/ipr.ko" ] && [ -z "$new" ] &&
	   file "$d-patched/ipr.ko" | grep -q "$([ "$arch" = ppc64le ] && echo PowerPC || echo x86-64)"; then
		pass "$arch: ipr.ko builds out of tree against $krel, W=1 C=2: no warning beyond stock ipr.c's $(grep -cE '(warning|error):' "$d-stock/build.log") (per message, instances counted)"
	else
		echo "$new"
		fail "$arch: out-of-tree ipr.ko against $krel (log: $d-patched/build.log)"
	fi
	if modinfo -F depends "$d-patched/ipr.ko" 2>/dev/null | grep -qw msix_resync; then
		pass "$arch: the out-of-tree ipr.ko depends on msix_resync ($(du -b "$d-patched/ipr.ko" | cut -f1) bytes)"
	else
		fail "$arch: the out-of-tree ipr.ko does not use msix_resync"
	fi
}
oot "$series" x86_64
case " $PPC_SERIES " in *" $series-ppc64el "*) oot "$series-ppc64el" ppc64le ;; esac
