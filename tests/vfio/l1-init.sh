#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of L1, the nested VFIO test's host: a Debian generic kernel with
# an emulated intel-iommu (make vfio-power: Debian's ppc64el kernel in a
# pseries guest, the sPAPR TCE IOMMU, an L2 that is pseries too). Loads vfio (H1: Debian's vfio-pci-core; H0,
# H0L: rebuilt ones, see scripts/vfio-run.sh) and 9p (mod/order), gives
# the device (msixr.dev: the nvme, or the e1000e for R3) to vfio-pci,
# mounts L2's hypervisor root (L0's / or a Debian chroot) read-only and
# the output directory read-write over 9p, and runs that QEMU in a chroot.
# On each "ready P" from L2 it dumps the physical MSI-X table, plays the
# backdoor reset (msixr.reset=R1|R2|R3) and logs it with vfio_tool's exit
# status ("L1-RESET P rc=N" and what vfio_tool says it did: the checker
# requires a successful reset in every phase), dumps again and answers
# "go"; on "done P" it dumps and answers "ok". In the benchmark
# (msixr.dev=ivshmem, make bench-vfio) it also answers "begin C" with "ok"
# and counts the host's work of each cycle C from there to "done C":
# VFIO_DEVICE_SET_IRQS ioctls reaching vfio-pci and host vectors given an
# eventfd or taken one (kprobes on vfio_pci_set_irqs_ioctl() and
# vfio_msi_set_vector_signal()), printed as "L1-HOSTWORK C set_irqs=S
# vectors_on=V vectors_off=F lost=L" (L: trace events the buffer dropped),
# and the reset it played as "L1-BENCHRESET C L1-RESET ..." (vfio_tool's
# line, or FAILED); it skips the table dumps.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# Everything this script and its programs print goes through the kernel's
# log, a record per line: on the console a line of ours and a line of the
# kernel's never interleave (the checker reads them in order). The kernel
# takes our records unlimited with printk.devkmsg=on (vfio-run.sh).
exec > /dev/kmsg 2>&1
arg() { sed -n "s/.*msixr\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
reset=$(arg reset)
host=$(arg host)
out=$(arg out)
dev=$(arg dev)
bench=
[ "$dev" = ivshmem ] && bench="msixr.counts=$(arg counts) msixr.methods=$(arg methods) msixr.runs=$(arg runs) msixr.window=$(arg window)"
echo "L1-START $(uname -r) reset=$reset host=$host dev=$dev"
fail() {
	# what the kernel said of IOMMU groups, TCE tables, DMA windows, vfio
	dmesg | grep -iE 'iommu|tce|dma.window|vfio|eeh' | grep -v 'L1-' | tail -n 30 |
		while read -r l; do echo "L1-DMESG $l"; done
	echo "L1-FAILED $*"
	poweroff -f
}

case $host in
H0) core=/mod/h0/vfio-pci-core.ko ;;
H0L) core=/mod/h0l/vfio-pci-core.ko ;;
*) core=/mod/vfio-pci-core.ko ;;
esac
while read -r m; do
	[ "$m" = vfio-pci-core.ko ] && m=${core#/mod/}
	insmod "/mod/$m" || fail "insmod $m"
done < /mod/order
echo "L1-HOST $host vfio_pci_core taint=$(cat /sys/module/vfio_pci_core/taint) md5=$(md5sum $core | cut -d' ' -f1)"

bdf=
for d in /sys/bus/pci/devices/*; do
	case $dev:$(cat "$d/class"):$(cat "$d/vendor"):$(cat "$d/device") in
	nvme:0x010802:*|e1000e:*:0x8086:0x10d3|ivshmem:*:0x1af4:0x1110) bdf=${d##*/} ;;
	esac
done
[ -n "$bdf" ] || fail "no $dev"
echo vfio-pci > "/sys/bus/pci/devices/$bdf/driver_override"
echo "$bdf" > /sys/bus/pci/drivers_probe
[ -e "/sys/bus/pci/devices/$bdf/driver" ] || fail "vfio-pci did not bind $bdf"
echo "L1-BOUND $bdf driver=$(basename "$(readlink "/sys/bus/pci/devices/$bdf/driver")") iommu_group=$(basename "$(readlink "/sys/bus/pci/devices/$bdf/iommu_group")")"

mkdir -p /host
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144 hostroot /host || fail "9p hostroot"
for d in dev proc sys; do mount --bind /$d /host/$d; done
# A tmpfs /tmp for the sync FIFOs, under the output share: L0's output
# directory may itself be under /tmp.
mount -t tmpfs tmpfs /host/tmp
mkdir -p "/host$out" 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 out "/host$out" || fail "9p out"
mkfifo /host/tmp/sync.in /host/tmp/sync.out
qsys=qemu-system-x86_64
[ "$(uname -m)" = ppc64le ] && qsys=qemu-system-ppc64
echo "L1-QEMU $(chroot /host $qsys --version | head -n 1)"
# the entries L2's driver uses: the nvme's admin and first I/O queues,
# the e1000e's five causes
count=4
[ "$dev" = e1000e ] && count=5

T=/sys/kernel/tracing
if [ -n "$bench" ]; then
	mount -t tracefs nodev $T || fail "tracefs"
	echo 32768 > $T/buffer_size_kb
	echo 'p:msixr/setirqs vfio_pci_set_irqs_ioctl flags=%si:x32 index=%dx:u32 start=%cx:u32 count=%r8:u32' >> $T/kprobe_events &&
	echo 'p:msixr/vector vfio_msi_set_vector_signal vector=%si:u32 fd=%dx:s32' >> $T/kprobe_events &&
	echo 1 > $T/events/msixr/enable || fail "kprobes on vfio-pci-core"
fi
# hostwork CYCLE: the host's work since the trace was last cleared
hostwork() {
	local tr=/hostwork.txt	# the initramfs has no /tmp
	cat $T/trace > $tr
	written=$(sed -n 's/.*entries-in-buffer\/entries-written: \([0-9]*\)\/\([0-9]*\).*/\2 \1/p' $tr)
	# lost=? (the report fails the cycle) when the header did not parse
	echo "L1-HOSTWORK $1 set_irqs=$(grep -c ' setirqs:' $tr) vectors_on=$(grep ' vector:' $tr | grep -vc 'fd=-1') vectors_off=$(grep ' vector:' $tr | grep -c 'fd=-1') lost=$(echo "$written" | awk 'NF == 2 { print $1 - $2; ok = 1 } END { if (!ok) print "?" }')"
}

l2args="panic=-1 loglevel=7 msixr.phases=$(arg phases) msixr.dev=$dev $bench printk.devkmsg=on"
l2trace="-trace vfio_msix_* -trace vfio_msi_* -trace vfio_pci_write_config"
set -f	# $l2trace's patterns are QEMU's
if [ "$(uname -m)" = ppc64le ]; then
	# make vfio-power: L2 is pseries (VOF, no SLOF) with Debian's ppc64el
	# kernel and an NVRAM SLOF formatted (vfio-power.sh); the sync line is
	# its second console, a spapr-vty (hvc1). 2 vCPUs: with 4, on one
	# thread of a TCG inside a TCG, its lockup detector fires at boot
	# ("watchdog: CPU 0 became stuck", a Call Trace)
	chroot /host qemu-system-ppc64 -accel tcg,thread=single \
		-M pseries,x-vof=on,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off \
		-cpu power9 -smp 2 -m 512 -display none -monitor none -no-reboot -nic none \
		-drive file="$out/l2-nvram.img",if=none,format=raw,id=nvram \
		-global spapr-nvram.drive=nvram \
		-kernel "$out/l2-vmlinux" -initrd "$out/l2-initrd.cpio.gz" \
		-append "console=hvc0 nvme_core.io_timeout=5 nvme_core.admin_timeout=5 msixr.sync=hvc1 $l2args" \
		-serial "file:$out/l2-console.log" \
		-chardev pipe,id=sync,path=/tmp/sync -device spapr-vty,chardev=sync \
		-device vfio-pci,host="$bdf" $l2trace \
		-D "$out/l2-qemu-trace.log" > /host/tmp/qemu.out 2>&1 &
else
	chroot /host qemu-system-x86_64 -accel tcg,thread=single -M q35 -cpu max -smp 4 -m 256 \
		-bios /usr/share/qemu/qboot.rom -display none -monitor none \
		-no-reboot -nic none \
		-kernel "$out/l2-bzImage" -initrd "$out/l2-initrd.cpio.gz" \
		-append "console=ttyS0 nvme_core.io_timeout=3 nvme_core.admin_timeout=3 $l2args" \
		-serial "file:$out/l2-console.log" \
		-chardev pipe,id=sync,path=/tmp/sync -serial chardev:sync \
		-device vfio-pci,host="$bdf" $l2trace \
		-D "$out/l2-qemu-trace.log" > /host/tmp/qemu.out 2>&1 &
fi
qemu=$!
set +f
echo "L1-L2-QEMU started"

# Opening a FIFO blocks until its other end is open: wait (bounded) until
# QEMU holds it, and if QEMU dies first (a zombie still answers kill -0),
# say why instead of hanging.
n=0
until ls -l /proc/$qemu/fd 2>/dev/null | grep -q sync.out; do
	state=$(cut -d' ' -f3 /proc/$qemu/stat 2>/dev/null)
	if [ -z "$state" ] || [ "$state" = Z ] || [ $n -ge 1200 ]; then
		while read -r l; do echo "L1-L2-QEMU: $l"; done < /host/tmp/qemu.out
		fail "L2's QEMU did not open its sync pipe"
	fi
	sleep 0.1
	n=$((n + 1))
done
exec 3</host/tmp/sync.out 4>/host/tmp/sync.in
while read -r line <&3; do
	line=$(printf '%s' "$line" | tr -d '\r')
	case $bench:$line in
	?*:"begin "*)
		echo > $T/trace
		echo ok >&4
		;;
	?*:"ready "*)
		r=$(/vfio_tool reset "$bdf" "$reset") || r="FAILED"
		echo "L1-BENCHRESET ${line#ready } $r"
		echo go >&4
		;;
	?*:"done "*)
		hostwork "${line#done }"
		echo ok >&4
		;;
	:"ready "*)
		p=${line#ready }
		/vfio_tool dump "$bdf" "$p-before-reset" $count
		r=$(/vfio_tool reset "$bdf" "$reset")
		rc=$?
		echo "L1-RESET $p rc=$rc ${r#L1-RESET }"
		/vfio_tool dump "$bdf" "$p-after-reset" $count
		echo go >&4
		;;
	:"done "*)
		p=${line#done }
		/vfio_tool dump "$bdf" "$p-after-restore" $count
		echo ok >&4
		;;
	*:end)
		# L2 printed everything; its shutdown is not under test.
		kill -TERM $qemu
		break
		;;
	esac
done
wait $qemu
echo "L1-L2-QEMU exited $?"
while read -r l; do echo "L1-L2-QEMU: $l"; done < /host/tmp/qemu.out
echo "L1-END"
poweroff -f
