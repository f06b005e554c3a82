#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make vfio-power: the nested VFIO test on POWER (Documentation/power.rst).
# L0 is this machine's qemu-system-ppc64 (TCG, pseries, SLOF) with the
# nvme on a spapr PHB of its own (one IOMMU group per PHB: a device put on
# no bus goes to the last PHB, so the 9p shares are put on the first); L1
# is Debian's ppc64el kernel (VFIO_POWER_L1: 6.12, or 6.1) running
# tests/vfio/l1-init.sh: vfio-pci and the sPAPR TCE IOMMU take the nvme,
# and L1's QEMU -- sid's ppc64el qemu-system-ppc (11.1), from a root shared
# over 9p -- starts L2: pseries (VOF, TCG, 2 vCPUs), Debian's ppc64el 6.12
# kernel with the nvme driver, msix-resync and its VFIO test code as
# modules, running tests/vfio/l2-init.sh's phases (default A,B,N) with the
# backdoor reset RESET (R1, R2) played by L1 (vfio_tool, built for
# ppc64el). Judged by tests/vfio/check.py as the x86 cells are.
#
#   [VFIO_POWER_L1=SERIES] vfio-power.sh RESET OUTDIR [PHASES]
#
# OUTDIR receives l1-console.log, l2-console.log, l2-qemu-trace.log,
# run.rc.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage="usage: vfio-power.sh R1|R2 OUTDIR [PHASES]"
reset=${1:?$usage}
outdir=${2:?$usage}
phases=${3:-A,B,N}
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
rm -f "$outdir"/*.log "$outdir/run.rc" "$outdir/host-modules.md5" \
	"$outdir"/l[12]-initrd.cpio.gz "$outdir/l2-vmlinux" "$outdir/l2-nvram.img"
stage=$(mktemp -d)
cleanup() {
	local rc=$?
	kill "$(cat "$stage/tail.pid" 2>/dev/null)" 2>/dev/null || true
	rm -rf "$stage"
	echo "$rc" > "$outdir/run.rc"
}
trap cleanup EXIT
case $reset in R1|R2) ;; *) die "$usage (R3 needs a root port: pseries has none)" ;; esac
l1=${VFIO_POWER_L1:-6.12}
base=$MSIX_RESYNC_CACHE/power-vfio
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

# L1's userland: sid's ppc64el QEMU in a root this machine cannot run (no
# binfmt here): debootstrap's first stage fetches it, and every package
# it fetched is unpacked over it (running qemu-system-ppc64 in a chroot
# needs no maintainer script)
qroot=$base/root-sid
if [ ! -e "$qroot/.done" ]; then
	step "sid's ppc64el QEMU for L1: debootstrap --foreign --arch=ppc64el (about 300 MB)"
	rm -rf "$qroot"
	mkdir -p "$base"
	debootstrap --foreign --arch=ppc64el --variant=minbase \
		--include=qemu-system-ppc,qemu-system-data sid "$qroot" "$mirror" \
		>"$base/debootstrap.log" 2>&1 || die "debootstrap failed; see $base/debootstrap.log"
	for d in "$qroot"/var/cache/apt/archives/*.deb; do
		dpkg-deb -x "$d" "$qroot" || die "cannot unpack $d"
	done
	touch "$qroot/.done"
fi

kmods() {	# kmods SERIES DEST MODULE...: a ppc64el kernel's modules into
	# DEST (kmod_closure); prints the kernel
	local series=$1 dest=$2 root krel
	shift 2
	root=$(fetch_kernel "$series-ppc64el")
	krel=$(cat "$MSIX_RESYNC_CACHE/debian/$series-ppc64el/krel")
	kmod_closure "$root" "$krel" "$dest" "$@"
	echo "$root/boot/vmlinux-$krel"
}

BUSYBOX=$("$TOP/scripts/fetch-debian.sh" busybox ppc64el)
export BUSYBOX
tool=$("$TOP/scripts/vfio-build.sh" tool-ppc64el)
kodir=$("$TOP/scripts/build-debian.sh" 6.12-ppc64el)
step "building the L1 ($l1) and L2 (6.12) initramfs"
l1kernel=$(kmods "$l1" "$stage/l1/mod" vfio-pci vfio_iommu_spapr_tce virtio_pci 9pnet_virtio 9p)
l2kernel=$(kmods 6.12 "$stage/l2/mod" nvme)
cp "$kodir/msix_resync.ko" "$kodir/tests/vfio/msix_resync_vfio.ko" "$stage/l2/mod/"
printf '%s\n' msix_resync.ko msix_resync_vfio.ko >> "$stage/l2/mod/order"
echo "H1 $(md5sum < "$stage/l1/mod/vfio-pci-core.ko" | cut -d' ' -f1)" > "$outdir/host-modules.md5"
(cd "$stage/l1" && mkinitramfs "$outdir/l1-initrd.cpio.gz" "$TOP/tests/vfio/l1-init.sh" "$tool" mod)
(cd "$stage/l2" && mkinitramfs "$outdir/l2-initrd.cpio.gz" "$TOP/tests/vfio/l2-init.sh" "$tool" mod)
cp "$l2kernel" "$outdir/l2-vmlinux"

# L2 boots with VOF (SLOF under two levels of TCG takes minutes), which
# leaves NVRAM blank: Linux then logs "WARNING: nvram corruption detected:
# 0-length partition". L2 gets an NVRAM that SLOF formatted here once,
# with L2's kernel booted on it to power off.
nvram=$base/nvram.img
if [ ! -s "$nvram" ]; then
	step "formatting a pseries NVRAM for L2 (SLOF, once)"
	truncate -s 64K "$stage/nvram.img"
	busybox_init </dev/null > "$stage/off"
	mkinitramfs "$stage/nv.cpio.gz" "$stage/off"
	timeout 600 qemu-system-ppc64 -accel tcg "${PSERIES[@]}" -m 512 \
		-display none -monitor none -no-reboot -nic none \
		-serial "file:$base/nvram.log" -kernel "$l2kernel" -initrd "$stage/nv.cpio.gz" \
		-append "console=hvc0 panic=-1" \
		-drive "file=$stage/nvram.img,if=none,format=raw,id=nvram" \
		-global spapr-nvram.drive=nvram || die "formatting NVRAM failed; see $base/nvram.log"
	grep -q 'nvram corruption' "$base/nvram.log" &&
		die "SLOF left NVRAM unformatted; see $base/nvram.log"
	grep -q 'PPC64 nvram contains' "$base/nvram.log" ||
		die "the kernel did not see the NVRAM; see $base/nvram.log"
	mv "$stage/nvram.img" "$nvram"
fi
cp "$nvram" "$outdir/l2-nvram.img"

disk=$MSIX_RESYNC_CACHE/vfio/disk.img
[ -e "$disk" ] || "$("$TOP/scripts/vfio-build.sh" tool)" pattern "$disk" $((4 << 20))

step "nested boot on POWER: reset $reset, L0 QEMU $(qemu-system-ppc64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p'), L1 Debian $l1 ppc64el, L2 Debian 6.12 ppc64el"
start=$(date +%s)
# cleanup() stops the tail
nested_progress "$outdir" "$stage/tail.pid"
timeout "${VFIO_TIMEOUT:-3600}" qemu-system-ppc64 -accel tcg "${PSERIES[@]}" \
	-smp 1 -m 2G -display none -monitor none -no-reboot -nic none \
	-serial "file:$outdir/l1-console.log" \
	-kernel "$l1kernel" -initrd "$outdir/l1-initrd.cpio.gz" \
	-append "console=hvc0 panic=-1 loglevel=7 iomem=relaxed printk.devkmsg=on msixr.reset=$reset msixr.host=H1 msixr.out=$outdir msixr.phases=$phases msixr.dev=nvme" \
	-device spapr-pci-host-bridge,index=1,id=phb1 \
	-drive "file=$disk,if=none,id=disk0,format=raw,snapshot=on" \
	-device nvme,serial=msixresync,drive=disk0,bus=phb1.0,addr=0 \
	-fsdev "local,id=fs0,path=$qroot,security_model=none,readonly=on,multidevs=remap" \
	-device virtio-9p-pci,fsdev=fs0,mount_tag=hostroot,bus=pci.0 \
	-fsdev "local,id=fs1,path=$outdir,security_model=none" \
	-device virtio-9p-pci,fsdev=fs1,mount_tag=out,bus=pci.0 ||
	die "L0 QEMU failed or timed out; see $outdir/l1-console.log"
info "nested run took $(( $(date +%s) - start )) s; logs in $outdir"
grep -qE '^(\[[ 0-9.]*\] )?L1-END' "$outdir/l1-console.log" ||
	die "L1 did not reach its end; see $outdir/l1-console.log"
