#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: what a resync costs against freeing and reallocating the
# vectors and against re-requesting each interrupt, as vectors grow.
#
# Two boots of Debian's 6.12 cloud kernel with a virtio-net-pci offering
# 2048 MSI-X vectors: one with QEMU tracing config writes and MSI-X table
# writes (one run of each method, counted), one without tracing (timed).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=${BENCH_SERIES:-6.12}
runs=${BENCH_RUNS:-30}
counts=${BENCH_COUNTS:-1,4,16,64,256,1024,2048}
smp=${BENCH_SMP:-12}	# x86 has ~200 device vectors per CPU: 2048 need 11+
out=${OUT:-$TOP/out}/bench
mkdir -p "$out"
out=$(cd "$out" && pwd)

need_gnuplot
root=$("$TOP/scripts/fetch-debian.sh" kernel "$series")
krel=$(cat "$MSIX_RESYNC_CACHE/debian/$series/krel")
kodir=$("$TOP/scripts/build-debian.sh" "$series")

init=$(mktemp)
trap 'rm -f "$init"' EXIT
boot() {	# boot NAME RUNS TRACE-ARGS...
	local name=$1 n=$2
	shift 2
	cat > "$init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for d in /sys/bus/pci/drivers/virtio-pci/0*; do echo \${d##*/} > /sys/bus/pci/drivers/virtio-pci/unbind; done
insmod /msix_resync.ko
insmod /msix_resync_bench.ko runs=$n counts=$counts
echo "msix_resync_bench: GUEST-END"
poweroff -f
INIT
	mkinitramfs "$out/initrd-$name.gz" "$init" "$kodir/msix_resync.ko" \
		"$kodir/bench/msix_resync_bench.ko"
	step "bench boot '$name' (Debian $krel, $smp vCPUs, runs=$n)"
	rm -f "$out/$name.console" "$out/$name.trace"
	timeout 3000 qemu-system-x86_64 -accel tcg,thread=multi -M q35 -cpu max \
		-smp "$smp" -m 2048 -display none -monitor none -no-reboot -nic none \
		-serial "file:$out/$name.console" \
		-kernel "$root/boot/vmlinuz-$krel" -initrd "$out/initrd-$name.gz" \
		-append "console=ttyS0 panic=-1 mitigations=off" \
		-device pcie-root-port,id=rp1,chassis=1,slot=1 \
		-device virtio-net-pci,bus=rp1,vectors=2048,netdev=n0 -netdev hubport,id=n0,hubid=0 \
		"$@" || die "QEMU failed; see $out/$name.console"
	grep -q 'msix_resync_bench: GUEST-END' "$out/$name.console" ||
		die "the guest did not finish; see $out/$name.console"
}

boot count 1 -trace enable=pci_cfg_write -trace enable=memory_region_ops_write \
	-D "$out/count.trace"
boot time "$runs"
python3 "$TOP/tests/bench/report.py" "$out" "$krel" "$(qemu-system-x86_64 --version | head -n1)"
