#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make mutate: every mutant of lib/*.c that tests/mutagen.py generates,
# and the named ones of tests/mutants.txt, judged by tests/mutate.py.
#
# The judge is a KUnit guest kernel from Debian's linux-source-6.12 with
# kunit/debug.config (KASAN, lockdep, kmemleak, ...), gcov, and neither
# msix-resync nor ipr built in: each mutant's msix_resync.ko, built out of
# tree, is loaded in turn with the unchanged msix_resync_test.ko into one
# running guest. The unmutated library, built with gcov, gives lib/'s line
# and branch coverage. Work files in the cache ($MSIX_RESYNC_CACHE/mutate).
#
# MUTATE_ONLY="ID ..." judges only those mutants (ids of mutagen.py --list).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=6.12
work=$MSIX_RESYNC_CACHE/mutate
build=$work/build-$series
mkdir -p "$work"
pristine=$("$TOP/scripts/fetch-debian.sh" tree "$series")

# The KUnit options of kunit/, less msix-resync's and ipr's own (built as
# modules here), plus module unloading and gcov.
cfg=$work/kunitconfig
{
	grep -h '^CONFIG_' "$TOP"/kunit/.kunitconfig "$TOP"/kunit/debug.config |
		grep -v -e MSIX_RESYNC -e IPR
	echo CONFIG_MODULE_UNLOAD=y
	echo CONFIG_GCOV_KERNEL=y
} > "$cfg"
step "the judge: a KUnit kernel from Debian's linux-source-$series without msix-resync, gcov on (cached in $build)"
export CCACHE_DIR=$MSIX_RESYNC_CACHE/ccache
# kunit.py runs from the pristine tree and writes only to --build_dir
(cd "$pristine" && PYTHONDONTWRITEBYTECODE=1 python3 tools/testing/kunit/kunit.py build \
	--arch=x86_64 --build_dir="$build" --kunitconfig="$cfg" \
	--jobs="$(nproc)" --make_options "CC=ccache gcc") \
	>"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; die "the judge kernel did not build (log: $work/build.log)"; }
grep -E '^\[..:..:..\] (Elapsed|Building)' "$work/build.log" >&2 || true
if grep -q "^CONFIG_MSIX_RESYNC=" "$build/.config"; then die "the judge kernel has msix-resync built in"; fi

exec python3 "$TOP/tests/mutate.py" "$TOP" "$work" "$build"
