#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# msix-resync's test runner: check.sh checkpatch|kernel-doc|e2e|all
# Prints PASS/FAIL per check and ends with "N passed, M failed".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

what=${1:-all}
OUT=${OUT:-$TOP/out}
mkdir -p "$OUT"
passed=0
failed=0
t0=$(date +%s)

pass() { passed=$((passed + 1)); echo "PASS $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

SOURCES="lib/api.c lib/core.c lib/msix_resync_core.h include/linux/msix_resync.h
	 tests/guest/msix_resync_e2e.c"

do_builds() {
	local s
	for s in $SERIES; do
		if "$TOP/scripts/build-debian.sh" "$s" >/dev/null; then
			pass "build: Debian $s headers, W=1 C=2, no warnings"
		else
			fail "build: Debian $s headers, W=1 C=2 (see $MSIX_RESYNC_CACHE/build/$s/build.log)"
		fi
	done
}

do_checkpatch() {
	local src f log
	src=$("$TOP/scripts/fetch-debian.sh" source 6.12) || { fail "checkpatch: no linux-source"; return; }
	step "checkpatch.pl --strict"
	for f in $SOURCES; do
		log=$(cd "$TOP" && perl "$src/scripts/checkpatch.pl" --strict --no-tree \
			--terse --show-types -f "$f" 2>&1)
		if [ -z "$log" ]; then
			pass "checkpatch --strict: $f"
		else
			echo "$log"
			fail "checkpatch --strict: $f"
		fi
	done
}

do_kernel_doc() {
	local src log missing
	src=$("$TOP/scripts/fetch-debian.sh" source 6.12) || { fail "kernel-doc: no linux-source"; return; }
	step "kernel-doc -none"
	# shellcheck disable=SC2086
	log=$(cd "$TOP" && perl "$src/scripts/kernel-doc" -none -Wall $SOURCES 2>&1 |
		grep -v 'Sphinx version')
	if [ -z "$log" ]; then pass "kernel-doc -none -Wall: no warnings"; else echo "$log"; fail "kernel-doc -none -Wall"; fi
	missing=$(python3 "$TOP/tests/kdoc_exports.py" "$TOP/lib/api.c")
	if [ -z "$missing" ]; then
		pass "kernel-doc: every exported function documents Context: and Return:"
	else
		echo "$missing"
		fail "kernel-doc: exports without Context:/Return:"
	fi
}

do_e2e() {
	local s dir res
	for s in $SERIES; do
		dir=$OUT/e2e-$s
		if ! "$TOP/scripts/guest-run.sh" "$s" check "$dir"; then
			fail "e2e: Debian $s guest run (logs in $dir)"
			continue
		fi
		res=$(python3 "$TOP/tests/e2e/check.py" "$s" "$dir")
		echo "$res" | grep -E '^(PASS|FAIL) '
		passed=$((passed + $(echo "$res" | grep -c '^PASS ')))
		failed=$((failed + $(echo "$res" | grep -c '^FAIL ')))
		echo "$res" | grep -q '^FAIL ' && info "logs: $dir/console.log, $dir/trace.log"
	done
}

case $what in
checkpatch) do_checkpatch ;;
kernel-doc) do_kernel_doc ;;
e2e) do_e2e ;;
all)
	step "builds against Debian's headers"
	do_builds
	do_checkpatch
	do_kernel_doc
	do_e2e
	;;
*) die "unknown check: $what" ;;
esac

echo "time: $(( $(date +%s) - t0 )) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
