#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# One boot of the nested VFIO test (BRIEF §7): L0 is this machine's QEMU
# (TCG, q35, intel-iommu) with an nvme behind a PCIe root port; L1 is
# Debian's 6.12 generic kernel (tests/vfio/l1-init.sh) that assigns the
# nvme with vfio-pci to its own QEMU -- this machine's whole QEMU install,
# shared read-only over 9p; L2 is the kernel of "vfio-build.sh l2 SERIES"
# (tests/vfio/l2-init.sh) and runs the phases A, B and N with the reset
# kind RESET played by L1, under the host HOST: H1 Debian's vfio-pci-core;
# H0 the seed's host (the same without the 3.18 message rewrite, and
# leaving the device's entry as found across free_irq()/request_irq());
# H0L without the 3.18 rewrite only (tests/vfio/h0-*.patch).
#
#   vfio-run.sh L2SERIES RESET HOST OUTDIR [PHASES]
#
# OUTDIR receives l1-console.log, l2-console.log, l2-qemu-trace.log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

l2series=${1:?usage: vfio-run.sh L2SERIES R1|R2 H1|H0|H0L OUTDIR [PHASES]}
reset=${2:?usage}
host=${3:?usage}
outdir=${4:?usage}
phases=${5:-A,B,N}
case $reset in R1|R2) ;; *) die "reset kind $reset: R1 or R2" ;; esac
case $host in H0|H0L|H1) ;; *) die "host $host: H1, H0 or H0L" ;; esac

# This run's verdict files go first: a failed build must not leave the
# last run's logs to be judged. run.rc records how this script ended.
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
rm -f "$outdir"/*.log "$outdir/run.rc" "$outdir/host-modules.md5"
stage=
cleanup() {
	local rc=$?
	if [ -n "$stage" ]; then
		kill "$(cat "$stage/tail.pid" 2>/dev/null)" 2>/dev/null
		rm -rf "$stage"
	fi
	echo "$rc" > "$outdir/run.rc"
}
trap cleanup EXIT

root=$("$TOP/scripts/fetch-debian.sh" kernel 6.12 generic)
krel=$(cat "$MSIX_RESYNC_CACHE/debian/6.12-generic/krel")
bzimage=$("$TOP/scripts/vfio-build.sh" l2 "$l2series")
tool=$("$TOP/scripts/vfio-build.sh" tool)
h0=$("$TOP/scripts/vfio-build.sh" h0)
h0l=$("$TOP/scripts/vfio-build.sh" h0l)

disk=$MSIX_RESYNC_CACHE/vfio/disk.img
[ -e "$disk" ] || "$tool" pattern "$disk" $((4 << 20))

step "building the L1 and L2 initramfs"
stage=$(mktemp -d)
mkdir -p "$stage/mod/h0" "$stage/mod/h0l"
mods=$root/lib/modules/$krel/kernel
for m in virt/lib/irqbypass drivers/vfio/vfio drivers/vfio/vfio_iommu_type1 \
	drivers/vfio/pci/vfio-pci-core drivers/vfio/pci/vfio-pci \
	fs/netfs/netfs net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p; do
	xz -dc "$mods/$m.ko.xz" > "$stage/mod/$(basename "$m").ko"
done
cp "$h0" "$stage/mod/h0/"
cp "$h0l" "$stage/mod/h0l/"
# What each host's module is, for the checker to compare with what L1 loads.
for h in H1:vfio-pci-core.ko H0:h0/vfio-pci-core.ko H0L:h0l/vfio-pci-core.ko; do
	echo "${h%%:*} $(md5sum < "$stage/mod/${h#*:}" | cut -d' ' -f1)"
done > "$outdir/host-modules.md5"
(cd "$stage" && mkinitramfs "$outdir/l1-initrd.cpio.gz" \
	"$TOP/tests/vfio/l1-init.sh" "$tool" mod)
mkinitramfs "$outdir/l2-initrd.cpio.gz" "$TOP/tests/vfio/l2-init.sh" "$tool"
cp "$bzimage" "$outdir/l2-bzImage"

step "nested boot: L2 linux-source-$l2series, reset $reset, host $host (L1 $krel)"
start=$(date +%s)
# Progress: the milestones of both levels as they are logged.
touch "$outdir/l1-console.log" "$outdir/l2-console.log"
{ tail -q -n +1 -F "$outdir/l1-console.log" "$outdir/l2-console.log" 2>/dev/null &
  echo $! > "$stage/tail.pid"; } |
	grep --line-buffered -E '^(L1-(START|HOST|BOUND|RESET|L2-QEMU|END|FAILED)|L2-(START|CPUS|PHASE|END|NO-|SYNC|CTL))' |
	while read -r line; do info "[$(( $(date +%s) - start ))s] $line"; done &
# cleanup() stops tail, which ends the filter after it (EOF).
timeout 900 qemu-system-x86_64 \
	-accel tcg,thread=multi -M q35 -cpu max -smp 2 -m 3G \
	-device intel-iommu,intremap=on,caching-mode=on \
	-display none -monitor none -no-reboot -nic none \
	-serial "file:$outdir/l1-console.log" \
	-kernel "$root/boot/vmlinuz-$krel" -initrd "$outdir/l1-initrd.cpio.gz" \
	-append "console=ttyS0 panic=-1 loglevel=7 intel_iommu=on iomem=relaxed mitigations=off msixr.reset=$reset msixr.host=$host msixr.out=$outdir msixr.phases=$phases" \
	-device pcie-root-port,id=rp1,chassis=1,slot=1 \
	-drive "file=$disk,if=none,id=disk0,format=raw,snapshot=on" \
	-device nvme,serial=msixresync,drive=disk0,bus=rp1 \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$outdir,mount_tag=out,security_model=none" ||
	die "L0 QEMU failed or timed out; see $outdir/l1-console.log"
info "nested run took $(( $(date +%s) - start )) s; logs in $outdir"
grep -q '^L1-END' "$outdir/l1-console.log" ||
	die "L1 did not reach its end; see $outdir/l1-console.log"
