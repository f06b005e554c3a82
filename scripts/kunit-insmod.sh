#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The KUnit test module built out of tree, against the KUnit guest
# kernel's build tree (scripts/kunit.sh builds it; the library is built in
# there), and loaded by insmod from a busybox initramfs. After the suites
# have run, kmemleak is asked for a scan from user space.
#
#   kunit-insmod.sh SERIES   (console: $OUT/kunit-insmod-SERIES.log)
#
# By hand, against any kernel with CONFIG_KUNIT and msix-resync:
#   make -C KERNEL_BUILD M=$PWD CONFIG_MSIX_RESYNC_KUNIT_TEST=m modules
#   insmod kunit/msix_resync_test.ko    # results in dmesg, KTAP
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=${1:?usage: kunit-insmod.sh SERIES}
OUT=${OUT:-$TOP/out}
base=$MSIX_RESYNC_CACHE/kunit/$series
build=$base/build
[ -e "$build/arch/x86/boot/bzImage" ] || die "no KUnit kernel for $series: run scripts/kunit.sh $series"

step "building kunit/msix_resync_test.ko out of tree against the $series KUnit kernel"
oot=$base/oot
mkdir -p "$oot"
rsync -rlc --delete --include '*/' --include Kbuild --include VERSION \
	--include '*.c' --include '*.h' --exclude '*' \
	"$TOP/include" "$TOP/lib" "$TOP/kunit" "$TOP/Kbuild" "$TOP/VERSION" "$oot/"
# The stress case with CPU hotplug, 100 cycles: compiled-in defaults, as
# 6.1 runs the suites before insmod's parameters are parsed (stress.sh).
rm -f "$oot/kunit/msix_resync_test.o"
kmake "$series" -C "$build" M="$oot" CONFIG_MSIX_RESYNC_KUNIT_TEST=m \
	MSIXR_STRESS_CYCLES=100 MSIXR_STRESS_DISTURB=7 modules \
	>"$OUT/kunit-insmod-$series.build.log" 2>&1 ||
	{ cat "$OUT/kunit-insmod-$series.build.log"; die "out-of-tree build failed"; }

init=$(mktemp)
trap 'rm -f "$init"' EXIT
cat > "$init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t debugfs none /sys/kernel/debug
echo clear > /sys/kernel/debug/kmemleak
echo "INSMOD-BEGIN"
insmod /msix_resync_test.ko || echo "INSMOD-FAILED"
echo "INSMOD-END"
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
mkinitramfs "$base/insmod-initrd.gz" "$init" "$oot/kunit/msix_resync_test.ko"

step "booting the $series KUnit kernel, insmod msix_resync_test.ko"
log=$OUT/kunit-insmod-$series.log
timeout 900 qemu-system-x86_64 -accel tcg,thread=single -M q35 -smp 4 -m 1024 -nodefaults \
	-bios qboot.rom -display none -no-reboot -serial "file:$log" \
	-kernel "$build/arch/x86/boot/bzImage" -initrd "$base/insmod-initrd.gz" \
	-append "console=ttyS0 panic=-1 msix_resync_stress_cycles=20" \
	-device pcie-root-port,id=rp1,chassis=1,slot=1 -device e1000e,bus=rp1 \
	2>/dev/null || die "QEMU failed or timed out; see $log"
grep -q KMEMLEAK-END "$log" || die "the guest did not finish; see $log"
info "log: $log"
