#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot Debian's cloud kernel of a series in QEMU (TCG) with a busybox
# initramfs holding the modules, an e1000e behind a PCIe root port, and
# QEMU's MSI-X and config-space trace events written to a file.
#
#   guest-run.sh SERIES MODE OUTDIR [CPUS]
#
# CPUS: vCPUs (default 4). With more than one, TCG runs single-threaded:
# multi-threaded TCG oopses early in SMP guests here (BRIEF 8).
# MODE is the test driver's mode (check, demo). OUTDIR receives
# console.log (the guest's serial console) and trace.log (QEMU's trace).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=${1:?usage: guest-run.sh SERIES MODE OUTDIR}
mode=${2:?usage: guest-run.sh SERIES MODE OUTDIR}
outdir=${3:?usage: guest-run.sh SERIES MODE OUTDIR [CPUS]}
cpus=${4:-4}
accel=tcg
[ "$cpus" -gt 1 ] && accel=tcg,thread=single

root=$("$TOP/scripts/fetch-debian.sh" kernel "$series")
krel=$(cat "$MSIX_RESYNC_CACHE/debian/$series/krel")
kodir=$("$TOP/scripts/build-debian.sh" "$series")

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
initrd=$outdir/initrd.cpio.gz
init=$(mktemp)
trap 'rm -f "$init"' EXIT

step "building the busybox initramfs"
cat > "$init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "msix_resync_e2e: INIT \$(uname -r)"
insmod /msix_resync.ko || echo "msix_resync_e2e: INSMOD-FAILED msix_resync"
mount -t tracefs nodev /sys/kernel/tracing
echo 1 > /sys/kernel/tracing/events/msix_resync/enable || echo "msix_resync_e2e: NO-TRACEPOINTS"
insmod /msix_resync_e2e.ko mode=$mode || echo "msix_resync_e2e: INSMOD-FAILED msix_resync_e2e"
echo 0 > /sys/kernel/tracing/events/msix_resync/enable
sed -n 's/^.*\\(msix_resync_[a-z]*: \\)/TRACEPOINT \\1/p' /sys/kernel/tracing/trace
echo "msix_resync_e2e: GUEST-END"
poweroff -f
INIT
mkinitramfs "$initrd" "$init" "$kodir/msix_resync.ko" "$kodir/tests/guest/msix_resync_e2e.ko"

step "booting Debian $series ($krel) in QEMU/TCG, $cpus vCPUs, mode $mode"
rm -f "$outdir/console.log" "$outdir/trace.log"
start=$(date +%s)
timeout 600 qemu-system-x86_64 \
	-accel "$accel" -M q35 -cpu max -smp "$cpus" -m 512 \
	-display none -monitor none -no-reboot -nic none \
	-serial "file:$outdir/console.log" \
	-kernel "$root/boot/vmlinuz-$krel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 loglevel=7 mitigations=off" \
	-device pcie-root-port,id=rp1,chassis=1,slot=1 \
	-device e1000e,bus=rp1,id=nic0 \
	-trace enable=msix_write_config -trace enable=pci_cfg_write \
	-trace enable=e1000e_irq_msix_notify_vec \
	-trace enable=memory_region_ops_write \
	-D "$outdir/trace.log" || die "QEMU failed or timed out; see $outdir/console.log"
info "guest ran for $(( $(date +%s) - start )) s; logs in $outdir"
grep -q 'msix_resync_e2e: GUEST-END' "$outdir/console.log" ||
	die "the guest did not reach the end of its init; see $outdir/console.log"
