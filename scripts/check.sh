#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# msix-resync's test runner:
#   check.sh checkpatch|kernel-doc|e2e|consumer|deb|dkms|docs|help|kunit|stress|ipr|upstream|vfio|vfio-all|vfio-matrix|vfio-core|vfio-safety|vfio-power|all
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
# Each layer's minimum number of checks, equal to what it runs (README,
# "What make check runs"); a layer whose count depends on the run has a
# key per kind of run (tally's MINKEY, counted's KEY).
declare -A MIN=(
	# the harness's self-test (do_selftest): its own lines, and each
	# checker's self-test it tallies
	[harness]=59 [harness-kmemleak]=6 [harness-drift]=6 [harness-lintian]=7
	[harness-dkms]=5 [harness-mutate-ipr]=6 [harness-mutate]=15 [harness-vfio]=48
	[harness-safety]=9 [harness-upstream]=9
	# layers that print their PASS/FAIL lines themselves (counted)
	[builds]=6 [help]=1 [checkpatch]=14 [kernel-doc]=2 [docs]=2 [dkms]=6
	# e2e: the vanished device's two host-bridge checks do not run on
	# pseries (RTAS config cycles are not traced)
	[e2e-x86_64]=72 [e2e-ppc64le]=70
	[consumer]=11 [deb]=16
	# ipr: 13 for a series with ppc64el headers (PPC_SERIES), else 11
	[ipr]=13 [ipr-x86_64]=11
	# vfio: 16 per cell of A, B, N (tests/vfio/check.py), 27 for one that
	# also runs S, T, I, F: make check's 3 cells (R2 x H1 with all seven)
	# / the matrix's 36 (18 with the stock L2, 18 with the core fixed)
	[vfio]=59 [vfio-matrix]=972
	# the safety witness (make vfio-safety): R1 (5 windows, 3 repairs),
	# the core-fixed L2 after R1 (2, 2), R2 (5, 3, the stock restore lost)
	[vfio-safety]=21
	# make check's: the two boots on the stock L2
	[vfio-safety-check]=17
	# make upstream: 5 patches applied, built, checkpatch-clean; the
	# build's configuration; the KUnit suite's 5 cases, SMP and its guest log,
	# on the series and on the mutant; the series' two nested cells (27
	# each, as make vfio-core's)
	[upstream]=84
	# the core-fixed L2's cell, with all seven phases (make vfio-core)
	[vfio-core]=27
	# make vfio-power: L1 6.1 cannot assign (1); R1 with A,B,N (16) and
	# R2 with all seven phases (27) on pseries, judged by check.py (43)
	[vfio-power]=44 [vfio-power-cells]=43
	[kunit]=5 [ipr-kunit]=13 [kunit-insmod]=3
	# the stress case: the boot-time KUnit run (no kmemleak report, no
	# module run), the insmod run (its end, kmemleak), make stress (also
	# every CPU back online)
	[stress]=7 [stress-insmod]=9 [stress-hotplug]=10)

# min_check KEY N WHAT: a FAIL when a layer ran fewer than MIN[KEY] checks
# (or has no minimum at all).
min_check() {
	if [ -z "${MIN[$1]:-}" ]; then
		fail "$3: no minimum number of checks for '$1' (scripts/check.sh, MIN)"
	elif [ "$2" -lt "${MIN[$1]}" ]; then
		fail "$3: ran $2 checks, fewer than the layer's minimum ${MIN[$1]}"
	fi
}

# tally OUTPUT LAYER LABEL [RC [MINKEY]]: print a checker's PASS/FAIL lines
# and count them. The layer fails when the checker did not end with its own
# "N passed, M failed" line matching the lines it printed (it crashed or
# stopped), exited non-zero without a FAIL line, or ran fewer checks than
# MIN[MINKEY] (MINKEY: LAYER unless given).
tally() {
	local out=$1 layer=$2 label=$3 rc=${4:-0} key=${5:-$2} np nf sum
	echo "$out" | grep -E '^(PASS|FAIL) '
	np=$(echo "$out" | grep -c '^PASS ')
	nf=$(echo "$out" | grep -c '^FAIL ')
	passed=$((passed + np))
	failed=$((failed + nf))
	sum=$(echo "$out" | grep -vE '^(PASS|FAIL) ' | grep -oE '[0-9]+ passed, [0-9]+ failed$' | tail -n1)
	if [ "$sum" != "$np passed, $nf failed" ]; then
		echo "$out" | grep -vE '^(PASS|FAIL) ' | tail -n 5 | sed 's/^/    | /'
		fail "$layer $label: the checker did not finish (its summary: '${sum:-none}', its lines: $np passed, $nf failed)"
	elif [ "$rc" -ne 0 ] && [ "$nf" -eq 0 ]; then
		fail "$layer $label: the checker exited $rc without a FAIL line"
	else
		min_check "$key" $((np + nf)) "$layer $label"
	fi
}

# counted KEY FUNCTION [ARGS...]: a layer that prints its PASS/FAIL lines
# itself (pass, fail); it fails when it ran fewer than MIN[KEY] checks.
counted() {
	local key=$1 n0=$((passed + failed))
	shift
	"$@"
	min_check "$key" $((passed + failed - n0)) "$key"
}

# The harness checks itself: each synthetic checker output below must turn
# its layer red (and the good one must not). Then the checkers themselves
# on fixtures (tests/selftest/, README there: trimmed copies of measured
# logs) and on copies doctored as an audit did (issue 25): each doctored
# copy must turn its layer red through tally, by the check named; each
# good fixture must run exactly the layer's minimum of checks.
do_selftest() {
	local good crash nosum few got out rc min want what
	good=$(printf 'PASS a\nPASS b\nx: 2 passed, 0 failed')
	crash=$(printf 'PASS a\nTraceback (most recent call last):\nKeyError: 1')
	nosum=$(printf 'PASS a\nPASS b')
	few=$(printf 'PASS a\nx: 1 passed, 0 failed')
	selftest_one() {	# OUTPUT RC MINIMUM -> the number of FAIL lines tally adds
		(MIN[selftest]=$3; passed=0; failed=0
		 tally "$1" selftest x "$2" >/dev/null; echo "$failed")
	}
	# OUTPUT RC MINIMUM FAILS-WANTED WHAT (an empty MINIMUM: none in MIN)
	while IFS='|' read -r out rc min want what; do
		got=$(selftest_one "${!out}" "$rc" "$min")
		if [ "$got" = "$want" ]; then
			pass "harness: $what"
		else
			fail "harness: $what: tally added $got FAIL lines, want $want"
		fi
	done <<-'CASES'
	good|0|2|0|a checker that finished with its summary is green
	crash|1|1|1|a checker that crashed after its PASS lines turns its layer red
	nosum|0|1|1|a checker that printed no summary turns its layer red
	good|3|1|1|a checker that exited non-zero without FAIL turns its layer red
	few|0|5|1|a checker that ran fewer checks than the minimum turns its layer red
	good|0||1|a layer without a minimum turns red
	CASES
	# layers that print their lines themselves (builds, checkpatch, ...)
	# COMMANDS MINIMUM FAILS-WANTED WHAT
	while IFS='|' read -r out min want what; do
		got=$( (MIN[selftest]=$min; passed=0; failed=0
			counted selftest eval "$out" >/dev/null; echo "$failed") )
		if [ "$got" = "$want" ]; then
			pass "harness: $what"
		else
			fail "harness: $what: counted added $got FAIL lines, want $want"
		fi
	done <<-'CASES'
	pass a; pass b|2|0|a layer of its own lines that ran its minimum is green
	pass a|2|1|a layer of its own lines that ran fewer than its minimum turns red
	CASES
	# the kmemleak verdict of the insmod and stress runs on synthetic logs
	out=$(cd "$TOP/tests" && python3 kunit_results.py --selftest 2>&1)
	rc=$?
	tally "$out" harness kmemleak "$rc" harness-kmemleak
	# the ipr series' drift check on synthetic series (a newer point
	# release is no drift; a changed line is)
	out=$(python3 "$TOP/tests/patch_drift.py" --selftest 2>&1)
	rc=$?
	tally "$out" harness "patch drift" "$rc" harness-drift
	# make deb's lintian verdict with stand-in lintians, its DKMS verdict
	# on a measured dkms status, make mutate-ipr's verdict on result sets
	out=$("$TOP/scripts/deb.sh" selftest 2>&1)
	tally "$out" harness "deb lintian" $? harness-lintian
	out=$("$TOP/scripts/deb-chroot-test.sh" --selftest 2>&1)
	tally "$out" harness "deb dkms" $? harness-dkms
	out=$(python3 "$TOP/tests/mutate_ipr.py" --selftest 2>&1)
	tally "$out" harness "mutate-ipr" $? harness-mutate-ipr
	# make mutate's judge on a measured judge guest's block and doctored
	# copies, its control rule, and mutagen's every-line rule
	out=$(python3 "$TOP/tests/mutate.py" --selftest 2>&1)
	tally "$out" harness "mutate" $? harness-mutate
	# the nested VFIO checker on three measured cells and doctored
	# copies of them (tests/vfio/selftest/)
	out=$(python3 "$TOP/tests/vfio/check.py" --selftest 2>&1)
	tally "$out" harness "vfio checker" $? harness-vfio
	# the safety witness's verdict on three measured boots and doctored
	# copies (tests/selftest/vfio-safety/)
	out=$(python3 "$TOP/tests/vfio/safety.py" --selftest 2>&1)
	tally "$out" harness "vfio-safety checker" $? harness-safety
	# make upstream's KUnit verdict on the measured series and mutant
	# runs (tests/selftest/upstream/) and doctored copies
	out=$(python3 "$TOP/tests/upstream_kunit.py" --selftest 2>&1)
	tally "$out" harness "upstream KUnit checker" $? harness-upstream
	selftest_fixtures
}

# st_green KEY WHAT COMMAND...: a checker (run in tests/) on a fixture is
# green through tally, and ran exactly MIN[KEY] checks.
st_green() {
	local key=$1 what=$2 out rc got n
	shift 2
	out=$(cd "$TOP/tests" && "$@" 2>&1)
	rc=$?
	got=$( (passed=0; failed=0; tally "$out" selftest fixture "$rc" "$key" >/dev/null; echo "$failed") )
	n=$(echo "$out" | grep -cE '^(PASS|FAIL) ')
	if [ "$got" = 0 ] && [ "$n" = "${MIN[$key]:-}" ]; then
		pass "harness: $what"
	else
		echo "$out" | grep -vE '^PASS ' | tail -n 5 | sed 's/^/    | /'
		fail "harness: $what: tally added $got FAIL lines, the checker ran $n checks (minimum ${MIN[$key]:-none})"
	fi
}

# st_flip KEY PATTERN WHAT GOOD-OUTPUT DOCTORED-OUTPUT DOCTORED-RC: the
# checks matching PATTERN pass on the fixture and fail on the doctored
# copy, every other check keeps its verdict, the doctored output turns the
# layer red through tally, and the fixture ran MIN[KEY] checks.
st_flip() {
	local key=$1 pat=$2 what=$3 g=$4 b=$5 rc=$6 got n
	got=$( (passed=0; failed=0; tally "$b" selftest fixture "$rc" "$key" >/dev/null; echo "$failed") )
	n=$(echo "$g" | grep -cE '^(PASS|FAIL) ')
	if echo "$g" | grep -E '^PASS ' | grep -qE -- "$pat" &&
	   ! echo "$g" | grep -E '^FAIL ' | grep -qE -- "$pat" &&
	   ! echo "$b" | grep -E '^PASS ' | grep -qE -- "$pat" &&
	   [ "$(echo "$g" | grep -E '^(PASS|FAIL) ' | grep -vE -- "$pat" | cut -d' ' -f1)" = \
	     "$(echo "$b" | grep -E '^(PASS|FAIL) ' | grep -vE -- "$pat" | cut -d' ' -f1)" ] &&
	   [ "$got" -gt 0 ] && [ "$n" = "${MIN[$key]:-}" ]; then
		pass "harness: $what"
	else
		echo "$b" | grep -E '^FAIL ' | head -n 5 | sed 's/^/    | /'
		fail "harness: $what (fixture: $n checks, minimum ${MIN[$key]:-none}; tally added $got FAIL lines on the doctored copy)"
	fi
}

# st_case KEY PATTERN WHAT FIXTURE SED-SCRIPT CHECKER-ARGS...: st_flip on
# FIXTURE and a copy doctored by SED-SCRIPT; '@' in CHECKER-ARGS stands for
# the file. (In selftest_fixtures: $F the fixtures, $T a scratch directory.)
st_case() {
	local key=$1 pat=$2 what=$3 fix=$4 script=$5 good bad rc
	shift 5
	sed -e "$script" "$F/$fix" > "$T/doctored"
	if cmp -s "$F/$fix" "$T/doctored"; then
		fail "harness: $what: the doctoring changed nothing in $fix"
		return
	fi
	good=$(cd "$TOP/tests" && "${@//@/$F/$fix}" 2>&1)
	bad=$(cd "$TOP/tests" && "${@//@/$T/doctored}" 2>&1)
	rc=$?
	st_flip "$key" "$pat" "$what" "$good" "$bad" "$rc"
}

selftest_fixtures() {
	local F=$TOP/tests/selftest T good bad rc msg out l
	T=$(mktemp -d)

	# The stress case in the boot-time KUnit run: no module run, and no
	# user space to ask kmemleak for its report
	st_green stress "stress: the KUnit run's log is green with its 7 checks" \
		python3 stress_check.py x 100 "$F/stress/kunit.guest.log" --no-kmemleak
	st_case stress 'the disturbers ran' "stress: disturbers that ran once each in 100 cycles fail" \
		stress/kunit.guest.log 's/affinity=[0-9]*/affinity=1/; s/toggles=[0-9]*/toggles=1/' \
		python3 stress_check.py x 100 @ --no-kmemleak
	st_case stress 'inside the quiesce-to-resume window' \
		"stress: disturbers that never acted between quiesce and resume fail" \
		stress/kunit.guest.log 's/ window=[0-9]*/ window=0/' \
		python3 stress_check.py x 100 @ --no-kmemleak
	st_case stress 'inside the quiesce-to-resume window' \
		"stress: a masked vector not seen raised in every cycle fails" \
		stress/kunit.guest.log 's/masked_raised=[0-9]*/masked_raised=99/' \
		python3 stress_check.py x 100 @ --no-kmemleak
	# ... in the insmod run (scripts/kunit-insmod.sh), with CPU hotplug
	set -- python3 stress_check.py x 100 @ --after INSMOD-BEGIN --hotplug
	st_green stress-insmod "stress: the insmod run's log is green with its 9 checks" \
		"${@//@/$F/stress/insmod.log}"
	st_case stress-insmod kmemleak "stress: an insmod run that never printed kmemleak's report fails" \
		stress/insmod.log '/KMEMLEAK-BEGIN/,$d' "$@"
	st_case stress-insmod 'the run ended' "stress: an insmod that failed (INSMOD-FAILED) fails" \
		stress/insmod.log 's/^INSMOD-END/INSMOD-FAILED\nINSMOD-END/' "$@"
	st_case stress-insmod 'the disturbers ran' "stress: one CPU offline/online in 100 cycles fails" \
		stress/insmod.log 's/hotplug=[0-9]*/hotplug=1/; s/managed_shutdowns=[0-9]*/managed_shutdowns=1/' "$@"
	# ... in make stress (scripts/stress.sh), 1000 cycles: a log made of
	# the insmod run's (tests/selftest/README)
	set -- python3 stress_check.py x 1000 @ --after STRESS-BEGIN --hotplug --online
	st_green stress-hotplug "stress: a make stress log is green with its 10 checks" \
		"${@//@/$F/stress/stress.log}"
	st_case stress-hotplug kmemleak "stress: a guest that hung in kmemleak's scan after the run fails" \
		stress/stress.log '/KMEMLEAK-BEGIN/,$d' "$@"
	st_case stress-hotplug 'the run ended|every CPU back online|kmemleak' \
		"stress: a run QEMU's timeout cut before STRESS-END fails" \
		stress/stress.log '/STRESS-END/,$d' "$@"
	st_case stress-hotplug 'every CPU back online' "stress: a CPU left offline after the run fails" \
		stress/stress.log 's/^STRESS-END online=.*/STRESS-END online=0-2/' "$@"
	st_case stress-hotplug 'the run ended' "stress: make stress with INSMOD-FAILED fails" \
		stress/stress.log 's/^STRESS-END/INSMOD-FAILED\nSTRESS-END/' "$@"
	st_case stress-hotplug 'the disturbers ran' "stress: disturbers that ran once each in 1000 cycles fail" \
		stress/stress.log 's/affinity=[0-9]*/affinity=0/; s/toggles=[0-9]*/toggles=0/; s/hotplug=[0-9]*/hotplug=0/; s/managed_shutdowns=[0-9]*/managed_shutdowns=0/
			0,/dev_stress_test: cycles=/{s/=0 hotplug=0 toggles=0 managed_shutdowns=0/=1 hotplug=1 toggles=1 managed_shutdowns=1/}' "$@"

	# ipr's KUnit test from QEMU's trace: with no MSI-X event no check passes
	st_green ipr-kunit "ipr-kunit: the measured run is green with its 13 checks" \
		python3 ipr_check.py x "$F/ipr-kunit/guest.log" "$F/ipr-kunit/qemu-trace.log"
	st_case ipr-kunit . "ipr-kunit: a trace without MSI-X events fails every check" \
		ipr-kunit/qemu-trace.log '/msix_write_config/d' \
		python3 ipr_check.py x "$F/ipr-kunit/guest.log" @

	# the safety witness's minimums: make vfio-safety's three boots and
	# make check's two
	st_green vfio-safety "vfio-safety: the measured boots are green with their 21 checks" \
		python3 vfio/safety.py "$F/vfio-safety/R1" "$F/vfio-safety/R1-core" "$F/vfio-safety/R2"
	st_green vfio-safety-check "vfio-safety: make check's two boots are green with their 17 checks" \
		python3 vfio/safety.py "$F/vfio-safety/R1" "$F/vfio-safety/R2"

	# e2e: a state freed while quiesced (the library's own message, from
	# lib/api.c) must fail "no state was freed while quiesced"
	msg=$(grep -o 'msix_resync: freed while quiesced[^"\\]*' "$TOP/lib/api.c" | head -n1)
	mkdir -p "$T/e2e"
	cp "$F/e2e/trace.log" "$T/e2e/"
	sed "/MARK 0x[0-9a-f]* resync:end/a [    7.000000] e1000e 0000:01:00.0: ${msg:-no message in lib/api.c}" \
		"$F/e2e/console.log" > "$T/e2e/console.log"
	good=$(cd "$TOP/tests/e2e" && python3 check.py x "$F/e2e" 2>&1)
	bad=$(cd "$TOP/tests/e2e" && python3 check.py x "$T/e2e" 2>&1)
	rc=$?
	st_flip e2e-x86_64 'no state was freed while quiesced' \
		"e2e: a state freed while quiesced fails its check (and only it)" "$good" "$bad" "$rc"

	# ipr's "no warning beyond stock" (lib.sh's warnings(), used by
	# scripts/ipr.sh) on the measured builds of ipr.ko against 6.12: STOCK
	# PATCHED WANT WHAT (in a subshell; its lines counted here)
	out=$(
	 # a new instance of a message sparse prints twice on stock ipr.h,
	 # from a line of the series in ipr.c
	 sed -e '/ipr\.h:1070:46: warning: array of flexible/{p;s/ipr\.h:1070:46:/ipr.c:6001:9:/}' \
		"$F/ipr/patched.log" > "$T/patched-again.log"
	 sed -e '/ipr\.c:[0-9]*:[0-9]*: warning:/{p;s/ipr\.c:[0-9]*:/ipr.c:6001:/}' \
		"$F/ipr/stock.log" > "$T/stock-twice.log"
	 while read -r stock patched want what; do
		got=$(warnings "$stock" "$patched" | wc -l)
		if [ "$([ "$got" -gt 0 ] && echo new || echo none)" = "$want" ]; then
			pass "harness: ipr warnings: $what"
		else
			warnings "$stock" "$patched" | sed 's/^/    | /'
			fail "harness: ipr warnings: $what (want $want)"
		fi
	 done <<-CASES
	$F/ipr/stock.log $F/ipr/patched.log none the measured builds: no warning beyond stock
	$F/ipr/stock.log $T/patched-again.log new a third instance of a message sparse prints twice on stock counts
	$T/stock-twice.log $F/ipr/patched.log none a message stock prints twice and the series once is no new one
	/dev/null $F/ipr/patched.log new a message stock does not print counts
	CASES
	)
	while IFS= read -r l; do
		case $l in
		PASS\ *) pass "${l#PASS }" ;;
		FAIL\ *) fail "${l#FAIL }" ;;
		*) echo "$l" ;;
		esac
	done <<<"$out"
	rm -rf "$T"
}

# Every C source and header of the project: a new file is checked too.
SOURCES=$(cd "$TOP" && find lib include kunit tests bench -name '*.[ch]' | sort)

do_builds() {
	local s
	for s in $ALL_SERIES $PPC_SERIES; do
		if "$TOP/scripts/build-debian.sh" "$s" >/dev/null; then
			pass "build: Debian $s headers, W=1 C=2, no warnings"
		else
			fail "build: Debian $s headers, W=1 C=2 (see $MSIX_RESYNC_CACHE/build/$s/build.log)"
		fi
		readme_release "$s"
	done
}

# readme_release SERIES: an INFO line when the README's "Supported kernels"
# names another release of the series than the archive serves today (it
# serves only the newest point release: the README records what was
# measured, the scripts follow the metapackages).
readme_release() {
	local krel pat recorded
	krel=$(cat "$MSIX_RESYNC_CACHE/debian/$1/krel" 2>/dev/null) || return 0
	pat="linux-(image|headers)-${1%-ppc64el}"
	pat="${pat//./\\.}(\\.[0-9]+)*[-+][a-z0-9.+-]*(amd64|powerpc64le)"
	recorded=$(grep -oE "\`$pat\`" "$TOP/README.md" | tr -d '\`' |
		grep -E "$([ "${1%-ppc64el}" != "$1" ] && echo powerpc64le || echo cloud-amd64)\$" | head -n1)
	recorded=${recorded#linux-image-}
	recorded=${recorded#linux-headers-}
	[ -n "$recorded" ] && [ "$recorded" != "$krel" ] &&
		info "INFO: the README records $1 as $recorded; Debian serves $krel now (measured there, not checked against it)"
	return 0
}

do_checkpatch() {
	local src f log
	src=$("$TOP/scripts/fetch-debian.sh" source 6.12) || { fail "checkpatch: no linux-source"; return; }
	step "checkpatch.pl --strict"
	local ignore
	for f in $SOURCES; do
		ignore=""
		# TRACE_EVENT() is written the kernel's way: TP_STRUCT__entry(
		# and friends end lines with '(' and align to the macro, as in
		# every include/trace/events/*.h. The two CHECKs that this
		# draws stay, for the trace header only.
		[ "$f" = lib/msix_resync_trace.h ] &&
			ignore="--ignore OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT"
		# The compat header is the one place where kernel versions are
		# compared (as WireGuard's compat.h does), out of tree by nature.
		[ "$f" = lib/msix_resync_compat.h ] &&
			ignore="--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON"
		# vfio_tool is a userspace program (like tools/): <stdint.h>
		# types, and MMIO through volatile pointers into an mmap of a
		# BAR, where the kernel would use readl()/writel().
		[ "$f" = tests/vfio/vfio_tool.c ] &&
			ignore="--ignore PREFER_KERNEL_TYPES,VOLATILE"
		# shellcheck disable=SC2086
		log=$(cd "$TOP" && perl "$src/scripts/checkpatch.pl" --strict --no-tree \
			--terse --show-types $ignore -f "$f" 2>&1)
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

# The e2e runs: every series with 4 vCPUs, and 6.12 with one; ppc64le on
# a pseries machine (PPC_SERIES) with 4.
E2E_RUNS=${E2E_RUNS:-"5.10:4 6.1:4 6.12:4 6.12:1 7.2:4 6.1-ppc64el:4 6.12-ppc64el:4"}

do_e2e() {
	local run s cpus dir res label arch
	for run in $E2E_RUNS; do
		s=${run%%:*} cpus=${run#*:}
		arch=x86_64
		[ "${s%-ppc64el}" != "$s" ] && arch=ppc64le
		label="$arch ${s%-ppc64el}/${cpus}cpu"
		dir=$OUT/e2e-$s-${cpus}cpu
		rm -rf "$dir"
		if ! "$TOP/scripts/guest-run.sh" "$s" check "$dir" "$cpus"; then
			fail "e2e: Debian $label guest run (logs in $dir)"
			continue
		fi
		res=$(python3 "$TOP/tests/e2e/check.py" "$label" "$dir" 2>&1)
		tally "$res" e2e "$label" $? "e2e-$arch"
		echo "$res" | grep -q '^FAIL ' && info "logs: $dir/console.log, $dir/trace.log"
	done
}

do_dkms() {
	local s krel ver ko mi
	ver=$(cat "$TOP/VERSION")
	[ "$(id -u)" -eq 0 ] || { fail "dkms: needs root (dkms installs into /lib/modules)"; return; }
	dkms remove "msix-resync/$ver" --all >/dev/null 2>&1 || true
	local krels=""
	for s in $SERIES; do
		"$TOP/scripts/fetch-debian.sh" kernel "$s" >/dev/null || { fail "dkms: fetch $s"; return; }
		krel=$(cat "$MSIX_RESYNC_CACHE/debian/$s/krel")
		if [ ! -e "/lib/modules/$krel/build/Makefile" ]; then
			step "installing Debian's linux-headers-$krel for dkms"
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
				"linux-headers-$krel" >/dev/null || { fail "dkms: apt-get install linux-headers-$krel"; return; }
		fi
		krels="$krels $krel"
	done
	step "dkms add, build, install for:$krels"
	local first=1 log=$OUT/dkms.log canary=$OUT/dkms-env
	: > "$log"
	# A user's OUT in the environment reaches dkms's make (its CLEAN ran
	# the Makefile's "rm -rf $(OUT)" and took make check's logs with it):
	# dkms runs here with OUT naming a directory that must survive
	mkdir -p "$canary" && echo keep > "$canary/canary"
	for krel in $krels; do
		if [ $first = 1 ]; then
			OUT=$canary make -C "$TOP" --no-print-directory dkms-install \
				KERNELRELEASE_DKMS="$krel" >>"$log" 2>&1
		else
			OUT=$canary dkms install "msix-resync/$ver" -k "$krel" >>"$log" 2>&1
		fi || { cat "$log"; fail "dkms: build and install for $krel"; continue; }
		first=0
		if dkms status "msix-resync/$ver" -k "$krel" 2>/dev/null | grep -q ': installed'; then
			pass "dkms: status shows msix-resync/$ver installed for $krel"
		else
			dkms status; fail "dkms: status for $krel"
		fi
		ko=$(find "/lib/modules/$krel/updates" -name 'msix_resync.ko*' 2>/dev/null | head -n1)
		mi=$(modinfo "$ko" 2>/dev/null)
		if echo "$mi" | grep -qx "version: *$ver" && echo "$mi" | grep -qx 'license: *GPL' &&
		   echo "$mi" | grep -q "^vermagic: *$krel " &&
		   echo "$mi" | grep -q '^name: *msix_resync'; then
			pass "dkms: modinfo $ko: version $ver, GPL, vermagic $krel"
		else
			echo "$mi"; fail "dkms: modinfo of the installed module for $krel"
		fi
	done
	OUT=$canary make -C "$TOP" --no-print-directory dkms-remove >>"$log" 2>&1
	if [ -e "$canary/canary" ]; then
		pass "dkms: build, install and remove leave the directory an OUT in the environment names"
	else
		fail "dkms: build, install or remove deleted $canary, named by OUT in dkms's environment"
	fi
	if [ -z "$(dkms status msix-resync 2>/dev/null)" ] &&
	   [ ! -e "/usr/src/msix-resync-$ver" ] &&
	   [ -z "$(find /lib/modules/*/updates -name 'msix_resync.ko*' 2>/dev/null)" ]; then
		pass "dkms: remove leaves no status, no sources, no module"
	else
		dkms status; fail "dkms: remove left something behind"
	fi
}

do_docs() {
	local src log
	src=$("$TOP/scripts/fetch-debian.sh" source 6.12) || { fail "docs: no linux-source"; return; }
	step "sphinx-build (HTML) with the kernel's kernel-doc extension"
	rm -rf "$OUT/docs"
	if log=$(KERNEL_SRC=$src sphinx-build -W --keep-going -q -b html \
		"$TOP/Documentation" "$OUT/docs" 2>&1) && [ -z "$log" ]; then
		pass "docs: HTML built with no warnings ($OUT/docs/index.html)"
	else
		echo "$log"
		fail "docs: sphinx-build"
		return
	fi
	# The API page must carry every exported function's kernel-doc.
	local f missing=""
	for f in $(grep -oP 'EXPORT_SYMBOL_GPL\(\K\w+' "$TOP/lib/api.c"); do
		grep -q "id=\"c\.$f\"" "$OUT/docs/api.html" || missing="$missing $f"
	done
	if [ -z "$missing" ]; then pass "docs: API reference documents every export"; else fail "docs: API reference lacks$missing"; fi
}

do_help() {
	local targets readme
	targets=$(make -s -C "$TOP" --no-print-directory help | awk '{ print $1 }' | sort)
	readme=$(sed -n '/^## Commands/,/^## /p' "$TOP/README.md" |
		grep -oP '^\| `make \K[a-z0-9-]+' | sort)
	# "make" alone is "make modules"
	if [ "$targets" = "$readme" ]; then
		pass "make help lists $(echo "$targets" | wc -l) targets, the same as the README"
	else
		diff <(echo "$targets") <(echo "$readme")
		fail "make help and the README's command list differ"
	fi
}

do_kunit() {	# do_kunit [SERIES[-ppc64le]...]: the KUnit layers (default: $SERIES)
	local s res t0k karch lbl
	for s in ${@:-$SERIES}; do
		t0k=$(date +%s)
		karch=x86_64
		[ "${s%-ppc64le}" != "$s" ] && karch=ppc64le
		lbl=${s%-ppc64le}/$karch	# the checkers' PASS lines name the architecture
		# This run's results only: a failed build must not leave the
		# last run's files to be judged.
		rm -f "$OUT/kunit-$s".{json,log,guest.log,qemu-trace.log} \
			"$OUT/kunit-insmod-$s.log"
		if ! KUNIT_ARCH=$karch "$TOP/scripts/kunit.sh" "${s%-ppc64le}"; then
			info "kunit.py failed; log: $OUT/kunit-$s.log"
		fi
		if [ ! -s "$OUT/kunit-$s.json" ]; then
			fail "kunit: Debian $s: no results (log: $OUT/kunit-$s.log)"
			continue
		fi
		res=$(python3 "$TOP/tests/kunit_results.py" "$lbl" "$OUT/kunit-$s.json" \
			"$OUT/kunit-$s.guest.log" 2>&1)
		tally "$res" kunit "$lbl" $?
		# the boot-time run: no user space to ask kmemleak for its report
		res=$(cd "$TOP/tests" && python3 stress_check.py "$lbl" 100 \
			"$OUT/kunit-$s.guest.log" --no-kmemleak 2>&1)
		tally "$res" stress "$lbl" $?
		echo "$res" | grep -E '^[^ ]+: cycles='
		res=$(cd "$TOP/tests" && python3 ipr_check.py "$lbl" \
			"$OUT/kunit-$s.guest.log" "$OUT/kunit-$s.qemu-trace.log" 2>&1)
		tally "$res" ipr-kunit "$lbl" $?
		if [ "$karch" = ppc64le ]; then
			# the insmod run (and its CPU hotplug) is x86_64's
			info "kunit on $s took $(( $(date +%s) - t0k )) s"
			continue
		fi
		if "$TOP/scripts/kunit-insmod.sh" "$s"; then
			res=$(python3 "$TOP/tests/kunit_results.py" --insmod "$lbl" \
				"$OUT/kunit-insmod-$s.log" 2>&1)
			tally "$res" kunit-insmod "$lbl" $?
			# its stress case: 100 cycles with CPU hotplug
			res=$(cd "$TOP/tests" && python3 stress_check.py "$lbl-insmod" 100 \
				"$OUT/kunit-insmod-$s.log" --after INSMOD-BEGIN --hotplug 2>&1)
			tally "$res" stress "$lbl-insmod" $? stress-insmod
			echo "$res" | grep -E '^[^ ]+: cycles='
		else
			fail "$s kunit by insmod: no run (see $OUT/kunit-insmod-$s.log)"
		fi
		info "kunit on $s took $(( $(date +%s) - t0k )) s"
	done
}

do_stress() {	# 1000 cycles of the stress case with CPU hotplug, on each kernel
	local s res
	for s in $SERIES; do
		step "stress on $s: ${STRESS_CYCLES:-1000} cycles, 4 vCPUs, affinity + CPU hotplug + irq toggling"
		rm -f "$OUT/stress-$s".{log,build.log}
		# QEMU failed or timed out, or the guest did not finish
		"$TOP/scripts/stress.sh" "$s" ||
			fail "stress on $s: stress.sh failed (log: $OUT/stress-$s.log)"
		res=$(cd "$TOP/tests" && python3 stress_check.py "$s" "${STRESS_CYCLES:-1000}" \
			"$OUT/stress-$s.log" --after STRESS-BEGIN --hotplug --online 2>&1)
		tally "$res" stress "$s" $? stress-hotplug
		echo "$res" | grep -E '^[^ ]+: cycles='
	done
}

do_consumer() {	# a driver built against the installed library, every kernel
	local s res
	for s in $ALL_SERIES; do
		res=$("$TOP/scripts/consumer.sh" "$s")
		tally "$res" consumer "$s" $?
	done
}

do_deb() {	# the Debian package: build, lintian, install/DKMS/modprobe/purge in a chroot
	local res
	res=$("$TOP/scripts/deb.sh" test)
	tally "$res" deb msix-resync-dkms $?
}

do_ipr() {
	local s res
	for s in $IPR_SERIES; do
		step "ipr patch series for Debian $s"
		res=$("$TOP/scripts/ipr.sh" "$s")
		# the ppc64le build's two checks where Debian has its headers
		case " $PPC_SERIES " in
		*" $s-ppc64el "*) tally "$res" ipr "$s" $? ipr ;;
		*) tally "$res" ipr "$s" $? ipr-x86_64 ;;
		esac
	done
}

do_vfio() {	# do_vfio check|all: the nested VFIO reproduction
	local res t0v
	t0v=$(date +%s)
	step "nested VFIO ($1): L0 QEMU -> L1 Debian vfio-pci -> L2 with msix-resync"
	local rc
	res=$(OUT=$OUT "$TOP/scripts/vfio-repro.sh" "$1")
	rc=$?
	mkdir -p "$OUT/vfio"
	echo "$res" > "$OUT/vfio/report-$1.txt"
	local layer=vfio
	[ "$1" = matrix ] && layer=vfio-matrix
	[ "$1" = core ] && layer=vfio-core
	tally "$res" "$layer" "$1" $rc
	# The matrix; with "all" also each lost phase's witness lines.
	if [ "$1" = all ] || [ "$1" = matrix ] || [ "$1" = core ]; then
		echo "$res" | grep -vE '^(PASS|FAIL) |^[0-9]+ passed'
	else
		echo "$res" | sed -n '/^L2 kernel:/,/^$/p'
	fi
	info "nested VFIO took $(( $(date +%s) - t0v )) s; logs and report-$1.txt in $OUT/vfio/"
}

do_upstream() {	# the upstream series on Linux 7.2 (scripts/upstream.sh check)
	local res rc
	step "the upstream series on sid's Linux 7.2"
	res=$("$TOP/scripts/upstream.sh" check)
	rc=$?
	tally "$res" upstream series $rc
	echo "$res" | grep -vE '^(PASS|FAIL) |passed, [0-9]+ failed$' || true
}

# do_safety [check]: the safety witness, three nested boots
# (scripts/bench-vfio.sh safety); "check": the two on the stock L2 only
do_safety() {
	local res rc key=vfio-safety core=1
	[ "${1:-}" = check ] && key=vfio-safety-check core=0
	step "nested VFIO safety witness: can the device signal between the reset and the restore?"
	res=$(OUT=$OUT BENCH_VFIO_CORE=$core "$TOP/scripts/bench-vfio.sh" safety)
	rc=$?
	tally "$res" vfio-safety safety $rc $key
}

# do_vfio_power: the nested VFIO test on POWER (scripts/vfio-power.sh,
# Documentation/power.rst): Debian 6.1 as L1 must refuse the device as its
# source says (vfio-pci's probe -EINVAL: no IOMMU_CAP_CACHE_COHERENCY on
# powerpc before 6.10); L1 6.12 and L2 6.12 with sid's QEMU run R1 (A,B,N)
# and R2 (every phase), judged by tests/vfio/check.py
do_vfio_power() {
	local d=$OUT/vfio-power cells=() rc res
	mkdir -p "$d"
	step "nested VFIO on POWER: L1 Debian 6.1 ppc64el (vfio-pci cannot take the device)"
	VFIO_POWER_L1=6.1 "$TOP/scripts/vfio-power.sh" R2 "$d/l1-6.1" >/dev/null
	if grep -qE 'vfio-pci: probe of [0-9a-f:.]+ failed with error -22' "$d/l1-6.1/l1-console.log" &&
		grep -q 'L1-FAILED vfio-pci did not bind' "$d/l1-6.1/l1-console.log"; then
		pass "vfio-power: L1 6.1 ppc64el: vfio-pci's probe fails with -22 (EINVAL), as 6.1's vfio_group_find_or_alloc() says for a device without IOMMU_CAP_CACHE_COHERENCY"
	else
		fail "vfio-power: L1 6.1 ppc64el: no 'probe ... failed with error -22' and 'L1-FAILED' in $d/l1-6.1/l1-console.log"
	fi
	for c in R1:A,B,N R2:A,B,N,S,T,I,F; do
		step "nested VFIO on POWER: ${c%%:*}, phases ${c#*:}"
		"$TOP/scripts/vfio-power.sh" "${c%%:*}" "$d/qsid-h6.12-6.12-${c%%:*}-H1" "${c#*:}"
		cells+=("$d/qsid-h6.12-6.12-${c%%:*}-H1=$?")
	done
	res=$(python3 "$TOP/tests/vfio/check.py" --evidence "${cells[@]}")
	rc=$?
	echo "$res" > "$d/report.txt"
	tally "$res" vfio-power cells $rc vfio-power-cells
	echo "$res" | grep -vE '^(PASS|FAIL) |^[0-9]+ passed'
}

case $what in
checkpatch) counted checkpatch do_checkpatch ;;
kernel-doc) counted kernel-doc do_kernel_doc ;;
e2e) do_e2e ;;
dkms) counted dkms do_dkms ;;
docs) counted docs do_docs ;;
help) counted help do_help ;;
selftest) counted harness do_selftest ;;
kunit) do_kunit $KUNIT_SERIES ;;
stress) do_stress ;;
ipr) do_ipr ;;
consumer) do_consumer ;;
deb) do_deb ;;
vfio) do_vfio check ;;
vfio-all) do_vfio all ;;
vfio-matrix) do_vfio matrix ;;
vfio-core) do_vfio core ;;
vfio-safety) do_safety ;;
vfio-power) counted vfio-power do_vfio_power ;;
upstream) do_upstream ;;
all)
	counted harness do_selftest
	step "builds against Debian's headers"
	counted builds do_builds
	counted help do_help
	counted checkpatch do_checkpatch
	counted kernel-doc do_kernel_doc
	counted docs do_docs
	counted dkms do_dkms
	do_e2e
	do_consumer
	do_deb
	do_ipr
	do_vfio check
	do_safety check
	do_kunit
	;;
*) die "unknown check: $what" ;;
esac

echo "time: $(( $(date +%s) - t0 )) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
