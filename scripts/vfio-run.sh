#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# One boot of the nested VFIO test (BRIEF §7): L0 is this machine's QEMU
# (TCG, q35, intel-iommu) with an nvme and an e1000e, each behind its own
# PCIe root port; L1 is Debian's generic kernel (tests/vfio/l1-init.sh,
# 6.12 unless VFIO_L1 names another series) that assigns one of them with
# vfio-pci to its own QEMU, L2's hypervisor: a root shared read-only over
# 9p that L1 chroots into -- this machine's / (QEMU 7.2), or the Debian
# chroot of VFIO_QEMU (trixie: QEMU 10.0, sid: 11.1, bullseye: 5.2). L2 is
# the kernel of "vfio-build.sh l2 L2SERIES" (tests/vfio/l2-init.sh; a
# SERIES, or SERIES+core for the PCI core's MSI-X restore fixed) and runs
# the phases PHASES (A,B,N by default; A,B,N,S,T,I,F adds the resets learnt
# of only afterwards, Documentation/vfio.rst) with the reset kind RESET
# played by L1: R1/R2 on the nvme (its table zeroed, R2 also Enable), R3 a
# secondary bus reset of the e1000e's root port (a real reset). HOST: H1
# Debian's vfio-pci-core; H0 the seed's host (the same without the 3.18
# message rewrite, and leaving the device's entry as found across
# free_irq()/request_irq()); H0L without the 3.18 rewrite only
# (tests/vfio/h0-*.patch; 6.12 only).
#
#   [VFIO_QEMU=SUITE] [VFIO_L1=SERIES] vfio-run.sh L2SERIES RESET HOST OUTDIR [PHASES]
#
# OUTDIR receives l1-console.log, l2-console.log, l2-qemu-trace.log.
#
# VFIO_BENCH="COUNTS METHODS RUNS VECTORS" (make bench-vfio) assigns an
# ivshmem-doorbell with VECTORS MSI-X vectors instead (its server:
# tests/vfio/ivshmem_server.py), and L2 runs the benchmark's cycles
# (tests/vfio/msix_resync_vbench.c) instead of the phases, e.g.
# VFIO_BENCH="1,16,64 resync,stock 3 64"; L1 counts the host's work per
# cycle (L1-HOSTWORK lines). VFIO_WINDOW=1 adds the safety witness to each
# cycle (make vfio-safety: msix_resync_vbench.c's "window").
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage="usage: vfio-run.sh L2SERIES R1|R2|R3 H1|H0|H0L OUTDIR [PHASES]"
outdir=${4:?$usage}
# This run's verdict files go first, before anything can fail (a wrong
# argument, a failed build): the last run's logs must never be judged
# again. run.rc records how this script ended, whatever ended it. (The
# files by name: OUTDIR is the caller's, vfio-repro.sh removes its cells.)
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
rm -f "$outdir"/*.log "$outdir/run.rc" "$outdir/host-modules.md5" \
	"$outdir/l1-initrd.cpio.gz" "$outdir/l2-initrd.cpio.gz" "$outdir/l2-bzImage"
stage=
cleanup() {
	local rc=$?
	if [ -n "$stage" ]; then
		kill "$(cat "$stage/tail.pid" 2>/dev/null)" 2>/dev/null
		kill "$(cat "$stage/ivshmem.pid" 2>/dev/null)" 2>/dev/null || true	# gone with its client
		rm -rf "$stage"
	fi
	echo "$rc" > "$outdir/run.rc"
}
trap cleanup EXIT

l2series=${1:?$usage}
reset=${2:?$usage}
host=${3:?$usage}
phases=${5:-A,B,N}
l1series=${VFIO_L1:-6.12}
qsuite=${VFIO_QEMU:-bookworm}
case $reset in R1|R2) dev=nvme ;; R3) dev=e1000e ;; *) die "reset kind $reset: R1, R2 or R3" ;; esac
bench=() l0bench=() benchargs=
if [ -n "${VFIO_BENCH:-}" ]; then
	read -r -a bench <<<"$VFIO_BENCH"
	[ "${#bench[@]}" -eq 4 ] || die "VFIO_BENCH: COUNTS METHODS RUNS VECTORS, not '$VFIO_BENCH'"
	[ "$reset" != R3 ] || die "the benchmark plays R1 or R2 on the ivshmem"
	dev=ivshmem
	benchargs="msixr.counts=${bench[0]} msixr.methods=${bench[1]} msixr.runs=${bench[2]} msixr.window=${VFIO_WINDOW:-0}"
fi
case $host in H0|H0L|H1) ;; *) die "host $host: H1, H0 or H0L" ;; esac
# PHASES: distinct phases of msix_resync_vfio.c, in the order to run them
# (make demo runs A,B). tests/vfio/check.py judges a cell that ran A,B,N,
# then any of S,T,I,F in that order, I only after S or T (its PLAN).
phases_ok() {
	[[ $1 =~ ^[ABNSTIF](,[ABNSTIF])*$ ]] && [ -z "$(tr , '\n' <<<"$1" | sort | uniq -d)" ]
}
phases_ok "$phases" || die "phases $phases: distinct ones of A,B,N,S,T,I,F, e.g. A,B,N,S,T,I,F"
[ "$host" = H1 ] || [ "$l1series" = 6.12 ] || die "$host is a 6.12 vfio-pci-core: VFIO_L1=6.12"

# Two boots started side by side (by hand: make check and make bench-vfio
# share the cache) prepare what they share in it (kernels, chroots,
# builds, the disk image) one at a time, until each has its own copies in
# OUTDIR. (Running them side by side is slower than one after the other
# on two cores: each L0 QEMU keeps a core busy; measured 2026-12-07.)
mkdir -p "$MSIX_RESYNC_CACHE/vfio"
exec {prep}>"$MSIX_RESYNC_CACHE/vfio/.prepare.lock"
flock "$prep"
root=$("$TOP/scripts/fetch-debian.sh" kernel "$l1series" generic)
krel=$(cat "$MSIX_RESYNC_CACHE/debian/$l1series-generic/krel")
if [ "$qsuite" = bookworm ]; then
	qroot=/
else
	qroot=$("$TOP/scripts/chroot.sh" "$qsuite" qemu-system-x86 qemu-system-data)
	# L1 mounts the output directory over this path inside the share
	mkdir -p "$qroot$outdir"
fi
bzimage=$("$TOP/scripts/vfio-build.sh" l2 "$l2series")
tool=$("$TOP/scripts/vfio-build.sh" tool)
h0=$("$TOP/scripts/vfio-build.sh" h0)
h0l=$("$TOP/scripts/vfio-build.sh" h0l)

disk=$MSIX_RESYNC_CACHE/vfio/disk.img
[ -e "$disk" ] || "$tool" pattern "$disk" $((4 << 20))

step "building the L1 and L2 initramfs"
stage=$(mktemp -d)
mkdir -p "$stage/mod/h0" "$stage/mod/h0l"
# What L1 loads, with what each needs (it differs between kernels: netfs,
# fscache, vfio's own split), listed in mod/order
kmod_closure "$root" "$krel" "$stage/mod" vfio-pci vfio_iommu_type1 virtio_pci 9pnet_virtio 9p
cp "$h0" "$stage/mod/h0/"
cp "$h0l" "$stage/mod/h0l/"
# What each host's module is, for the checker to compare with what L1 loads.
[ -e "$stage/mod/vfio-pci-core.ko" ] || die "no vfio-pci-core.ko among L1's modules"
for h in H1:vfio-pci-core.ko H0:h0/vfio-pci-core.ko H0L:h0l/vfio-pci-core.ko; do
	echo "${h%%:*} $(md5sum < "$stage/mod/${h#*:}" | cut -d' ' -f1)"
done > "$outdir/host-modules.md5"
(cd "$stage" && mkinitramfs "$outdir/l1-initrd.cpio.gz" \
	"$TOP/tests/vfio/l1-init.sh" "$tool" mod)
mkinitramfs "$outdir/l2-initrd.cpio.gz" "$TOP/tests/vfio/l2-init.sh" "$tool"
cp "$bzimage" "$outdir/l2-bzImage"
flock -u "$prep"
exec {prep}>&-

if [ "$dev" = ivshmem ]; then
	# the ivshmem's server, up before L0's QEMU connects to it
	python3 -u "$TOP/tests/vfio/ivshmem_server.py" "$stage/ivshmem.sock" "${bench[3]}" \
		>"$outdir/ivshmem-server.log" 2>&1 &
	echo $! > "$stage/ivshmem.pid"
	n=0
	until grep -qs listening "$outdir/ivshmem-server.log"; do
		[ $n -lt 100 ] || die "the ivshmem server did not start; see $outdir/ivshmem-server.log"
		sleep 0.1
		n=$((n + 1))
	done
	l0bench=(-device pcie-root-port,id=rp3,chassis=3,slot=3
		 -chardev "socket,id=ivs,path=$stage/ivshmem.sock"
		 -device "ivshmem-doorbell,chardev=ivs,vectors=${bench[3]},bus=rp3")
fi

step "nested boot: L2 linux-source-$l2series, reset $reset on the $dev, host $host (L1 $krel, L2's QEMU from $qsuite)"
start=$(date +%s)
# cleanup() stops the tail
nested_progress "$outdir" "$stage/tail.pid"
timeout "${VFIO_TIMEOUT:-900}" qemu-system-x86_64 \
	-accel tcg,thread=multi -M q35 -cpu max -smp 2 -m 3G \
	-device intel-iommu,intremap=on,caching-mode=on \
	-display none -monitor none -no-reboot -nic none \
	-serial "file:$outdir/l1-console.log" \
	-kernel "$root/boot/vmlinuz-$krel" -initrd "$outdir/l1-initrd.cpio.gz" \
	-append "console=ttyS0 panic=-1 loglevel=7 intel_iommu=on iomem=relaxed mitigations=off msixr.reset=$reset msixr.host=$host msixr.out=$outdir msixr.phases=$phases msixr.dev=$dev $benchargs printk.devkmsg=on" \
	-device pcie-root-port,id=rp1,chassis=1,slot=1 \
	-drive "file=$disk,if=none,id=disk0,format=raw,snapshot=on" \
	-device nvme,serial=msixresync,drive=disk0,bus=rp1 \
	-device pcie-root-port,id=rp2,chassis=2,slot=2 \
	-device e1000e,bus=rp2 \
	"${l0bench[@]}" \
	-virtfs "local,path=$qroot,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
	-virtfs "local,path=$outdir,mount_tag=out,security_model=none" ||
	die "L0 QEMU failed or timed out; see $outdir/l1-console.log"
info "nested run took $(( $(date +%s) - start )) s; logs in $outdir"
grep -qE '^(\[[ 0-9.]*\] )?L1-END' "$outdir/l1-console.log" ||
	die "L1 did not reach its end; see $outdir/l1-console.log"
