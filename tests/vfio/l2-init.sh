#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of the L2 guest (nested VFIO test): the real nvme driver owns the
# assigned nvme, or msix_resync_vfio's own driver the assigned e1000e
# (msixr.dev=e1000e, the real reset R3). For each phase of msixr.phases
# (A stock, B msix-resync, N negative control; S, T, I, F: a reset learnt
# of only afterwards, Documentation/vfio.rst): save, tell L1 "ready P" on
# ttyS1 (pseries: hvc1) and wait for its "go" (L1 plays the backdoor reset meanwhile),
# restore, read the disk (e1000e: program the device again and raise each
# vector once), write the phase's end marker (mark), tell L1 "done P" and
# wait for "ok" (L1 dumps the table). No sleeps: the serial line is the
# only clock between the two sides.
# msixr.dev=ivshmem (make bench-vfio): instead of the phases, the
# benchmark's cycles (tests/vfio/msix_resync_vbench.c) for each vector
# count of msixr.counts, run of msixr.runs and method of msixr.methods:
# "begin C" (L1 starts counting the host's work), save, "ready C" (L1
# resets), with msixr.window=1 the safety witness (every vector raised
# while the device is as the reset left it), restore (timed until every
# vector delivered), "done C".
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
# Our lines go through the kernel's log, a record per line, so that they
# never interleave with the kernel's on the console (printk.devkmsg=on).
exec > /dev/kmsg 2>&1
mount -t debugfs nodev /sys/kernel/debug
echo "L2-START $(uname -r)"
# The pseries L2 (make vfio-power) is Debian's kernel: the nvme driver,
# msix-resync and the test code are modules (mod/order), and L1's sync
# line is the second hvc console (msixr.sync=hvc1) instead of ttyS1.
if [ -e /mod/order ]; then
	while read -r m; do
		insmod "/mod/$m" || echo "L2-CTL-FAILED insmod $m"
	done < /mod/order
fi
sync=/dev/$(sed -n 's/.*msixr\.sync=\([^ ]*\).*/\1/p' /proc/cmdline)
[ "$sync" = /dev/ ] && sync=/dev/ttyS1
phases=$(sed -n 's/.*msixr\.phases=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
dev=$(sed -n 's/.*msixr\.dev=\([^ ]*\).*/\1/p' /proc/cmdline)
ctl=/sys/kernel/debug/msix_resync_vfio/ctl
offs="0 1052672 2105344 3158016"

if [ "$dev" = ivshmem ]; then
	:	# the benchmark's own cycles, below
elif [ "$dev" = e1000e ]; then
	# the five vectors of msix_resync_vfio's e1000e, on every CPU
	vec() { awk '/msix_resync_vfio/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i } END { print n + 0 }' /proc/interrupts; }
	grep -q msix_resync_vfio /proc/interrupts || echo "L2-NO-DEVICE"
	witness() { echo fire > $ctl || echo "L2-CTL-FAILED fire"; }
else
	# The nvme driver probes asynchronously; wait for its disk (bounded).
	n=0
	while [ ! -b /dev/nvme0n1 ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
	[ -b /dev/nvme0n1 ] || echo "L2-NO-DISK"
	# nvme0q1, the first I/O queue (MSI-X entry 1), on every CPU's column.
	# It serves blk-mq's hardware context 0, and the reads run on that
	# context's first CPU: CPU 0 on 6.12; 7.2 maps its queues otherwise
	# (there CPU 0's reads completed on another vector).
	iocpu=$(sed 's/[,-].*//' /sys/block/nvme0n1/mq/0/cpu_list 2>/dev/null)
	echo "L2-IOCPU ${iocpu:-none} (blk-mq hctx 0: $(cat /sys/block/nvme0n1/mq/0/cpu_list 2>/dev/null))"
	iomask=$(printf '%x' $((1 << ${iocpu:-0})))
	vec() { awk '/nvme0q1/ { n = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i; print n }' /proc/interrupts; }
	witness() { taskset "$iomask" /vfio_tool read /dev/nvme0n1 $offs; }
fi

# mark P: the phase's end marker, 0xP3 (A 1, B 2, N 3, S 4, T 5, I 6,
# F 7: msix_resync_vfio.c's vt_phases) in the device's
# PCI_CACHE_LINE_SIZE, after msix_resync_vfio's save (0xP1) and restore
# (0xP2) markers. L2's QEMU traces the write (vfio_pci_write_config): the
# checker judges a phase from QEMU's trace only when all three are there,
# so that a trace cut short does not pass for interrupts lost.
cfg=
for d in /sys/bus/pci/devices/*; do
	case $dev:$(cat "$d/class"):$(cat "$d/vendor"):$(cat "$d/device") in
	nvme:0x010802:*|e1000e:*:0x8086:0x10d3) cfg=$d/config ;;
	esac
done
mark() {
	case $1 in
	A) printf '\023' ;;
	B) printf '\043' ;;
	N) printf '\063' ;;
	S) printf '\103' ;;
	T) printf '\123' ;;
	I) printf '\143' ;;
	F) printf '\163' ;;
	*) echo "L2-CTL-FAILED mark $1: no such phase" >&2 ;;
	esac | dd of="$cfg" bs=1 seek=12 count=1 conv=notrunc 2>/dev/null ||
		echo "L2-CTL-FAILED mark $1"
}

arg() { sed -n "s/.*msixr\.$1=\([^ ]*\).*/\1/p" /proc/cmdline | tr , ' '; }
stty -F "$sync" raw -echo
exec 3<>"$sync"
say() { printf '%s\n' "$1" >&3; }
hear() {
	read -r reply <&3
	reply=$(printf '%s' "$reply" | tr -d '\r')
	[ "$reply" = "$1" ] || echo "L2-SYNC-ERROR wanted $1, got $reply"
}

echo "L2-CPUS $(grep -c ^processor /proc/cpuinfo)"
if [ "$dev" = ivshmem ]; then
	bctl=/sys/kernel/debug/msix_resync_vbench/ctl
	[ -e $bctl ] || echo "L2-NO-DEVICE"
	for n in $(arg counts); do
		r=1
		while [ $r -le "$(arg runs)" ]; do
			# the methods interleaved: drift hits them alike
			for m in $(arg methods); do
				c=$m:$n:$r
				echo "ensure $n" > $bctl || echo "L2-CTL-FAILED ensure $n"
				say "begin $c"
				hear ok
				echo "save $m" > $bctl || echo "L2-CTL-FAILED save $c"
				say "ready $c"
				hear go
				echo "L2-CYCLE $c"
				# the safety witness (make vfio-safety), before the restore
				if [ "$(arg window)" = 1 ]; then
					echo window > $bctl || echo "L2-CTL-FAILED window $c"
				fi
				echo restore > $bctl || echo "L2-CTL-FAILED restore $c"
				say "done $c"
				hear ok
			done
			r=$((r + 1))
		done
	done
	echo "L2-END"
	say end
	poweroff -f
fi
echo "L2-BASELINE irq=$(vec)"
witness
echo "L2-BASELINE irq=$(vec)"
for p in $phases; do
	echo "L2-PHASE $p irq-before=$(vec)"
	echo "save $p" > $ctl || echo "L2-CTL-FAILED save $p"
	say "ready $p"
	hear go
	echo restore > $ctl || echo "L2-CTL-FAILED restore $p"
	witness
	mark "$p"
	echo "L2-PHASE $p irq-after=$(vec)"
	say "done $p"
	hear ok
done
echo "L2-END"
# L1 stops this QEMU on "end": the nvme's shutdown is not under test, and
# after a lost phase it would wait for admin timeouts.
say end
poweroff -f
