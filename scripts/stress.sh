#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The stress case (kunit/msix_resync_test.c, dev_stress_test) with CPU
# hotplug, on a 4-vCPU KUnit debug kernel (lockdep, KASAN,
# DEBUG_ATOMIC_SLEEP) of a series.
#
#   stress.sh SERIES   (console: $OUT/stress-SERIES.log)
#
# STRESS_CYCLES (default 1000) and STRESS_DISTURB (default 7: affinity,
# CPU hotplug, irq toggling) are built into the test module as its
# defaults, because Linux 6.1's KUnit runs a module's suites before the
# module's parameters are parsed.
#
# Why a module and not the boot-time run: offlining and onlining CPUs
# from the boot-time KUnit run (kernel_init, before user space) hangs the
# guest at the first re-online under TCG; from a module loaded by user
# space, the same remove_cpu()/add_cpu() work. So the KUnit kernel is
# (re)built by scripts/kunit.sh (the library is built into it; its own
# boot runs the stress case for one cycle), the test is built out of tree
# against it, and a busybox init loads it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=${1:?usage: stress.sh SERIES}
cycles=${STRESS_CYCLES:-1000}
disturb=${STRESS_DISTURB:-7}
OUT=${OUT:-$TOP/out}
mkdir -p "$OUT"
base=$MSIX_RESYNC_CACHE/kunit/$series
build=$base/build

# The kernel with the library in it, up to date with lib/.
STRESS_CYCLES=1 KUNIT_LABEL=stress-build-$series \
	KUNIT_FILTER='msix_resync_device.dev_stress_test' \
	"$TOP/scripts/kunit.sh" "$series" >/dev/null ||
	die "the KUnit kernel build or its one-cycle run failed; see $OUT/kunit-stress-build-$series.log"
[ -e "$build/arch/x86/boot/bzImage" ] || die "no KUnit kernel for $series (see $OUT/kunit-stress-build-$series.log)"

step "building the stress test module ($cycles cycles, disturbers $disturb) against the $series KUnit kernel"
oot=$base/stress-oot
mkdir -p "$oot"
rsync -rlc --delete --include '*/' --include Kbuild --include VERSION \
	--include '*.c' --include '*.h' --exclude '*' \
	"$TOP/include" "$TOP/lib" "$TOP/kunit" "$TOP/Kbuild" "$TOP/VERSION" "$oot/"
# The defaults are compiled in: force the object to be rebuilt.
rm -f "$oot/kunit/msix_resync_test.o"
kmake "$series" -C "$build" M="$oot" CONFIG_MSIX_RESYNC_KUNIT_TEST=m \
	MSIXR_STRESS_CYCLES="$cycles" MSIXR_STRESS_DISTURB="$disturb" modules \
	>"$OUT/stress-$series.build.log" 2>&1 ||
	{ cat "$OUT/stress-$series.build.log"; die "out-of-tree build failed"; }

init=$(mktemp)
trap 'rm -f "$init"' EXIT
cat > "$init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t debugfs none /sys/kernel/debug
# What boot and the boot-time KUnit run left is not this run's (6.1's
# KUnit leaks the log of each suite a filter_glob copies): report it now
# (older than 5 s, found by two scans in a row), then clear it.
sleep 6
echo scan > /sys/kernel/debug/kmemleak
echo scan > /sys/kernel/debug/kmemleak
echo clear > /sys/kernel/debug/kmemleak
echo "STRESS-BEGIN online=$(cat /sys/devices/system/cpu/online)"
insmod /msix_resync_test.ko || echo "INSMOD-FAILED"
echo "STRESS-END online=$(cat /sys/devices/system/cpu/online)"
# kmemleak reports nothing younger than 5 s, and only what two scans in a
# row found unreferenced and unchanged
sleep 6
echo scan > /sys/kernel/debug/kmemleak
echo scan > /sys/kernel/debug/kmemleak
echo "KMEMLEAK-BEGIN"
# each line behind a prefix (kunit_results.kmemleak_report); no END when
# the report could not be read
sed 's/^/kmemleak-report: /' /sys/kernel/debug/kmemleak && echo "KMEMLEAK-END"
poweroff -f
INIT
mkinitramfs "$base/stress-initrd.gz" "$init" "$oot/kunit/msix_resync_test.ko"

step "booting the $series KUnit kernel with 4 vCPUs, insmod the stress case (rounds of 100 cycles)"
log=$OUT/stress-$series.log
t0=$(date +%s)
# The boot-time run is filtered to the stress case, for one cycle without
# hotplug; 6.12 applies the filter to the module too, 6.1 runs all of the
# module's suites.
timeout 5400 qemu-system-x86_64 -accel tcg,thread=single -M q35 -smp 4 -m 1024 -nodefaults \
	-bios qboot.rom -display none -no-reboot -serial "file:$log" \
	-kernel "$build/arch/x86/boot/bzImage" -initrd "$base/stress-initrd.gz" \
	-append "console=ttyS0 panic=-1 kunit.filter_glob=msix_resync_device.dev_stress_test msix_resync_stress_cycles=1 msix_resync_stress_disturb=5" \
	-device pcie-root-port,id=rp1,chassis=1,slot=1 -device e1000e,bus=rp1 \
	2>/dev/null &
qpid=$!
seen=0
while kill -0 $qpid 2>/dev/null; do
	sleep 10
	n=$(sed -n '/STRESS-BEGIN/,$p' "$log" 2>/dev/null | grep -c 'dev_stress_test: cycles=' || true)
	if [ "$n" -gt "$seen" ]; then
		seen=$n
		info "$series: round $n of $(( (cycles + 99) / 100 )) done, $(( $(date +%s) - t0 )) s"
	fi
done
wait $qpid || die "QEMU failed or timed out; see $log"
grep -q STRESS-END "$log" || die "the guest did not finish; see $log"
grep -q KMEMLEAK-END "$log" || die "the guest did not print kmemleak's report; see $log"
info "$series: the stress run took $(( $(date +%s) - t0 )) s; log: $log"
