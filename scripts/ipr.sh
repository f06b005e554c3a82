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

# 1. No drift from lib/.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; echo "$series ipr: $np passed, $nf failed"' EXIT
if "$TOP/scripts/kernel-patches.sh" "$series" "$tmp/s" >/dev/null 2>&1 &&
   diff -r "$dir" "$tmp/s" >/dev/null; then
	pass "the series is what 'make kernel-patches' makes from lib/ now (no drift)"
else
	diff -r "$dir" "$tmp/s" | head -20
	fail "drivers-ipr-patch/$series differs from lib/: run 'make kernel-patches'"
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
if out=$(cd "$qt" && quilt push -a 2>&1) && ! echo "$out" | grep -qiE 'fuzz|offset'; then
	pass "quilt push -a: the $n patches apply with no fuzz and no offset"
else
	echo "$out" | grep -iE 'fuzz|offset|fail|error' | head
	fail "quilt push -a on pristine linux-source-$series"
fi
(cd "$qt" && quilt pop -a -q >/dev/null 2>&1)

# 4. checkpatch --strict on each patch.
src=$("$TOP/scripts/fetch-debian.sh" source 6.12)
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
	# shellcheck disable=SC2086
	log=$(perl "$src/scripts/checkpatch.pl" --strict --terse --show-types \
		--no-tree $ignore "$dir/$p" 2>&1)
	if [ -z "$log" ]; then pass "checkpatch --strict: $p"; else echo "$log"; fail "checkpatch --strict: $p"; fi
done

# 5. ipr.ko out of tree against Debian's headers, with the library: for
# x86_64, and for ppc64le (POWER, where ipr adapters live) where Debian's
# ppc64el headers of the series are fetched (lib.sh's PPC_SERIES).
warnings() {	# the W=1 and sparse messages, without line numbers
	grep -E '(warning|error):' "$1" | sed -E 's/^[^ ]*:[0-9]+:([0-9]+:)? //' | sort -u
}
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
	new=$(comm -13 <(warnings "$d-stock/build.log") <(warnings "$d-patched/build.log"))
	# C=2 that did not run sparse is no check at all
	if grep -h 'sparse is not available' "$d"-*/build.log; then
		fail "$arch: sparse did not run on the out-of-tree ipr.ko builds against $krel"
	fi
	if [ "$(cat "$d-patched/rc")" = 0 ] && [ -e "$d-patched/ipr.ko" ] && [ -z "$new" ] &&
	   file "$d-patched/ipr.ko" | grep -q "$([ "$arch" = ppc64le ] && echo PowerPC || echo x86-64)"; then
		pass "$arch: ipr.ko builds out of tree against $krel, W=1 C=2: no warning beyond stock ipr.c's $(warnings "$d-stock/build.log" | wc -l)"
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
