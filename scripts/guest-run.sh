#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot Debian's cloud kernel of a series in QEMU (TCG) with a busybox
# initramfs holding the modules, an e1000e behind a PCIe root port, and
# QEMU's MSI-X and config-space trace events written to a file.
#
#   guest-run.sh SERIES MODE OUTDIR [CPUS]
#
# CPUS: vCPUs (default 4).
# MODE is the test driver's mode (check, demo). OUTDIR receives
# console.log (the guest's serial console) and trace.log (QEMU's trace).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=${1:?usage: guest-run.sh SERIES MODE OUTDIR}
mode=${2:?usage: guest-run.sh SERIES MODE OUTDIR}
outdir=${3:?usage: guest-run.sh SERIES MODE OUTDIR [CPUS]}
cpus=${4:-4}

root=$(fetch_kernel "$series")
krel=$(cat "$MSIX_RESYNC_CACHE/debian/$series/krel")
kodir=$("$TOP/scripts/build-debian.sh" "$series")
arch=x86_64 kernel=$root/boot/vmlinuz-$krel
if [ "${series%-ppc64el}" != "$series" ]; then
	arch=ppc64le kernel=$root/boot/vmlinux-$krel
	BUSYBOX=$("$TOP/scripts/fetch-debian.sh" busybox ppc64el)
	export BUSYBOX
fi

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
initrd=$outdir/initrd.cpio.gz
init=$(mktemp)
trap 'rm -f "$init"' EXIT

step "building the busybox initramfs"
busybox_init > "$init" <<INIT
echo "msix_resync_e2e: INIT \$(uname -r)"
insmod /msix_resync.ko || echo "msix_resync_e2e: INSMOD-FAILED msix_resync"
mount -t tracefs nodev /sys/kernel/tracing
echo 1 > /sys/kernel/tracing/events/msix_resync/enable || echo "msix_resync_e2e: NO-TRACEPOINTS"
insmod /msix_resync_e2e.ko mode=$mode || echo "msix_resync_e2e: INSMOD-FAILED msix_resync_e2e"
echo 0 > /sys/kernel/tracing/events/msix_resync/enable
sed -n 's/^.*\\(msix_resync_[a-z]*: \\)/TRACEPOINT \\1/p' /sys/kernel/tracing/trace
echo "msix_resync_e2e: GUEST-END"
INIT
mkinitramfs "$initrd" "$init" "$kodir/msix_resync.ko" "$kodir/tests/guest/msix_resync_e2e.ko"

step "booting Debian $series ($krel, $arch) in QEMU/TCG, $cpus vCPUs, mode $mode"
start=$(date +%s)
e1000e_guest "$outdir" "$cpus" "$kernel" "$initrd" "$arch" ||
	die "QEMU failed or timed out; see $outdir/console.log"
info "guest ran for $(( $(date +%s) - start )) s; logs in $outdir"
grep -q 'msix_resync_e2e: GUEST-END' "$outdir/console.log" ||
	die "the guest did not reach the end of its init; see $outdir/console.log"
