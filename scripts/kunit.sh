#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build a KUnit guest kernel from Debian's linux-source of a series with
# msix-resync in tree and ipr patched (drivers-ipr-patch/SERIES, generated
# afresh from lib/), and the debug options of kunit/debug.config, run it
# (and kunit/*.config) with kunit.py in QEMU with an e1000e attached, and check the results and
# the guest log.
#
#   kunit.sh SERIES   (results: $OUT/kunit-SERIES.json, .log)
#
# STRESS_CYCLES sets the stress case's cycles (default 100), STRESS_DISTURB
# its disturbers (default 5: affinity and irq toggling; 7 adds CPU hotplug,
# which hangs in this boot-time run: scripts/stress.sh runs it from a
# module, see Documentation/testing.rst); KUNIT_FILTER
# a kunit.py --filter_glob; KUNIT_LABEL the result files' name (SERIES).
# KUNIT_ARCH=ppc64le builds for POWER with Debian's cross compiler and runs
# a pseries guest (kunit/qemu_ppc64le.py); results as SERIES-ppc64le.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=${1:?usage: kunit.sh SERIES}
OUT=${OUT:-$TOP/out}
mkdir -p "$OUT"
pristine=$("$TOP/scripts/fetch-debian.sh" tree "$series")
karch=${KUNIT_ARCH:-x86_64}
base=$MSIX_RESYNC_CACHE/kunit/$series
# one work tree per series; a build directory per architecture
wt=$base/linux
bdir=$base/build
[ "$karch" = ppc64le ] && bdir=$base/build-ppc64le
if [ ! -e "$wt/.done" ]; then
	step "linking a work tree of linux-source-$series"
	rm -rf "$wt" && mkdir -p "$base"
	cp -al "$pristine" "$wt"
	touch "$wt/.done"
fi
# msix-resync and the ipr series, as a guest-kernel builder applies them
"$TOP/scripts/kernel-patches.sh" "$series" "$base/series" >/dev/null
"$TOP/scripts/apply-series.sh" "$wt" "$pristine" "$base/series"
# make mutate-ipr: one line of the patched tree changed (tests/mutate_ipr.py)
[ -z "${KUNIT_MUTANT:-}" ] || python3 "$TOP/tests/mutate_ipr.py" --apply "$wt" "$KUNIT_MUTANT"

export CCACHE_DIR=$MSIX_RESYNC_CACHE/ccache
add=()
while read -r opt; do
	case $opt in CONFIG_*) add+=(--kconfig_add "$opt") ;; esac
done < <(cat "$TOP"/kunit/*.config)

label=${KUNIT_LABEL:-$series}
[ "$karch" = ppc64le ] && label=${KUNIT_LABEL:-$series-ppc64le}
filter=()
[ -n "${KUNIT_FILTER:-}" ] && filter=("$KUNIT_FILTER")	# kunit.py's positional filter_glob
step "kunit.py run, Debian linux-source-$series, $karch, 4 vCPUs (build cached in $bdir)"
log=$OUT/kunit-$label.log
rc=0
cc=gcc
[ "$karch" = ppc64le ] && cc=powerpc64le-linux-gnu-gcc
run=(run --jobs="$(nproc)" --make_options "CC=ccache $cc"
     --kunitconfig="$TOP/kunit/.kunitconfig" "${add[@]}")
if [ "$series" = 7.2 ]; then
	# sid's kernel wants sid's gcc: built in the sid chroot (the cache and
	# the project are at the same paths in there); the host's QEMU runs it
	"$TOP/scripts/sid-chroot.sh" ccache >/dev/null
	cmd=$(printf '%q ' python3 tools/testing/kunit/kunit.py build --arch=x86_64 \
		--build_dir="$bdir" "${run[@]:1}")
	"$TOP/scripts/sid-chroot.sh" run sh -c "cd $(printf %q "$wt") && CCACHE_DIR=$(printf %q "$CCACHE_DIR") $cmd" \
		>"$log.build" 2>&1 || { cat "$log.build" >"$log"; rc=1; }
	grep -E '^\[..:..:..\] (Elapsed|Building|Configuring)' "$log.build" || true
	run=(exec)
fi
wrap=$(qemu_tcg_wrapper "$base/qemu-tcg")
if [ "$karch" = ppc64le ]; then
	archargs=(--qemu_config="$TOP/kunit/qemu_ppc64le.py" --cross_compile=powerpc64le-linux-gnu-)
	qargs="-smp 4 -accel tcg,thread=single -device pci-bridge,id=br1,chassis_nr=1,shpc=off -device e1000e,bus=br1,addr=0"
else
	archargs=(--arch=x86_64)
	qargs="-M q35 -smp 4 -accel tcg,thread=single -device pcie-root-port,id=rp1,chassis=1,slot=1 -device e1000e,bus=rp1"
fi
[ $rc -ne 0 ] || (cd "$wt" && PATH=$wrap:$PATH python3 tools/testing/kunit/kunit.py "${run[@]}" "${archargs[@]}" \
	--build_dir="$bdir" "${filter[@]}" \
	--kernel_args "msix_resync_stress_cycles=${STRESS_CYCLES:-100} msix_resync_stress_disturb=${STRESS_DISTURB:-5}" \
	--qemu_args="$qargs -trace enable=msix_write_config -trace enable=pci_cfg_write -D $OUT/kunit-$label.qemu-trace.log" \
	--timeout=3000 --json="$OUT/kunit-$label.json") >"$log" 2>&1 || rc=$?
grep -E '^\[..:..:..\] (=|\[|Testing complete|Ran |Elapsed)' "$log" | grep -vE '\[PASSED\]' || true
cp "$bdir/test.log" "$OUT/kunit-$label.guest.log" 2>/dev/null || true
exit $rc
