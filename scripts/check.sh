#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# msix-resync's test runner:
#   check.sh checkpatch|kernel-doc|e2e|consumer|deb|dkms|docs|help|kunit|stress|ipr|vfio|vfio-all|vfio-matrix|all
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
# Each checker's minimum number of checks (README, "What make check runs").
declare -A MIN=([e2e]=70 [ipr]=9 [vfio]=45 [vfio-matrix]=270 [kunit]=4 [ipr-kunit]=13 [kunit-insmod]=3
	[stress]=5 [harness]=6 [consumer]=11 [deb]=16)

# tally OUTPUT LAYER LABEL [RC]: print a checker's PASS/FAIL lines and count
# them. The layer fails when the checker did not end with its own
# "N passed, M failed" line matching the lines it printed (it crashed or
# stopped), exited non-zero without a FAIL line, or ran fewer checks than
# the layer's minimum.
tally() {
	local out=$1 layer=$2 label=$3 rc=${4:-0} np nf sum
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
	elif [ $((np + nf)) -lt "${MIN[$layer]}" ]; then
		fail "$layer $label: ran $((np + nf)) checks, fewer than the layer's minimum ${MIN[$layer]}"
	fi
}

# The harness checks itself: each synthetic checker output below must turn
# its layer red (and the good one must not).
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
	# OUTPUT RC MINIMUM FAILS-WANTED WHAT
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
	CASES
	# the kmemleak verdict of the insmod and stress runs on synthetic logs
	out=$(cd "$TOP/tests" && python3 kunit_results.py --selftest 2>&1)
	rc=$?
	tally "$out" harness kmemleak "$rc"
	# the ipr series' drift check on synthetic series (a newer point
	# release is no drift; a changed line is)
	out=$(python3 "$TOP/tests/patch_drift.py" --selftest 2>&1)
	rc=$?
	tally "$out" harness "patch drift" "$rc"
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
		tally "$res" e2e "$label" $?
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
	local first=1 log=$OUT/dkms.log
	: > "$log"
	for krel in $krels; do
		if [ $first = 1 ]; then
			make -C "$TOP" --no-print-directory dkms-install KERNELRELEASE_DKMS="$krel" >>"$log" 2>&1
		else
			dkms install "msix-resync/$ver" -k "$krel" >>"$log" 2>&1
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
	make -C "$TOP" --no-print-directory dkms-remove >>"$log" 2>&1
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
		res=$(cd "$TOP/tests" && python3 stress_check.py "$lbl" 100 \
			"$OUT/kunit-$s.guest.log" 2>&1)
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
			tally "$res" stress "$lbl-insmod" $?
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
		"$TOP/scripts/stress.sh" "$s" || info "stress.sh failed on $s"
		res=$(cd "$TOP/tests" && python3 stress_check.py "$s" "${STRESS_CYCLES:-1000}" \
			"$OUT/stress-$s.log" --after STRESS-BEGIN --hotplug 2>&1)
		tally "$res" stress "$s" $?
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
		tally "$res" ipr "$s" $?
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
	tally "$res" "$layer" "$1" $rc
	# The matrix; with "all" also each lost phase's witness lines.
	if [ "$1" = all ] || [ "$1" = matrix ]; then
		echo "$res" | grep -vE '^(PASS|FAIL) |^[0-9]+ passed'
	else
		echo "$res" | sed -n '/^L2 kernel:/,/^$/p'
	fi
	info "nested VFIO took $(( $(date +%s) - t0v )) s; logs and report-$1.txt in $OUT/vfio/"
}

case $what in
checkpatch) do_checkpatch ;;
kernel-doc) do_kernel_doc ;;
e2e) do_e2e ;;
dkms) do_dkms ;;
docs) do_docs ;;
help) do_help ;;
selftest) do_selftest ;;
kunit) do_kunit $KUNIT_SERIES ;;
stress) do_stress ;;
ipr) do_ipr ;;
consumer) do_consumer ;;
deb) do_deb ;;
vfio) do_vfio check ;;
vfio-all) do_vfio all ;;
vfio-matrix) do_vfio matrix ;;
all)
	do_selftest
	step "builds against Debian's headers"
	do_builds
	do_help
	do_checkpatch
	do_kernel_doc
	do_docs
	do_dkms
	do_e2e
	do_consumer
	do_deb
	do_ipr
	do_vfio check
	do_kunit
	;;
*) die "unknown check: $what" ;;
esac

echo "time: $(( $(date +%s) - t0 )) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
