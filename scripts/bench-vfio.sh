#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench-vfio: what a resync costs where it costs, under VFIO.
#
# One nested boot per QEMU generation (scripts/vfio-run.sh with
# VFIO_BENCH): L0 gives an ivshmem-doorbell with BENCH_VFIO_VECTORS MSI-X
# vectors to L1 (Debian's 6.12 generic kernel, host H1), whose vfio-pci
# assigns it to L2 under L2's QEMU; L2 (tests/vfio/msix_resync_vbench.c)
# runs, for each vector count, method and run, a cycle around a backdoor
# reset R2 played by L1 (table and Enable cleared): msix-resync, free +
# realloc of the vectors, per-irq free/request, the stock save + restore,
# and "descend" (msix-resync with every vector masked through the irq core
# before and unmasked highest first after: a design measured to decide),
# timing each from the reset until every vector delivered again;
# L1 counts the host's work of each cycle. tests/bench/vfio_report.py
# prints the tables, ratios and targets and draws out/bench-vfio/bench-vfio.png.
#
# The after-the-fact methods beside them: msix_resync_after_reset() after
# the stock restore ("after", candidate b), amdgpu's raw Enable toggle
# ("amdgpu", d), and the stock restore on the L2 whose PCI core restores
# MSI-X with an Enable edge ("core", c: a second boot per QEMU, on
# vfio-build.sh's 6.12+core kernel).
#
#   bench-vfio.sh          the benchmark (make bench-vfio)
#   bench-vfio.sh safety   the safety witness (make vfio-safety): a few
#                          cycles per method with the device made to signal
#                          between the reset and the restore (VFIO_WINDOW=1),
#                          after R1 and R2, judged by tests/vfio/safety.py;
#                          "unsafe" is its mutant (a quiesce without its
#                          Enable clear)
#
#   BENCH_VFIO_QEMU   the QEMU generations (Debian suites): "bookworm trixie"
#                     (7.2 and 10.0; sid: 11.1)
#   BENCH_VFIO_COUNTS vector counts: 1,4,16,64,128
#   BENCH_VFIO_RUNS   runs per method and count: 3
#   BENCH_VFIO_VECTORS the device's table size: 128 (at most 256)
#   BENCH_VFIO_CORE   0: no boot on the core-fixed L2 (also for safety)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=${OUT:-$TOP/out}/bench-vfio
if [ "${1:-}" = safety ]; then
	# R1 leaves Enable set (the window is open unless a method closed
	# it), R2 clears it; the core-fixed L2 after R1 (after R2 the reset
	# closed the window for every method)
	out=${OUT:-$TOP/out}/vfio-safety
	mkdir -p "$out"
	dirs=()
	boots=("6.12 R1 resync,after,amdgpu,stock,unsafe" "6.12+core R1 stock,resync"
	       "6.12 R2 resync,after,amdgpu,stock,unsafe")
	# make check leaves out the core-fixed L2 (its kernel build and boot:
	# about 11 min cold); make vfio-safety runs it
	[ "${BENCH_VFIO_CORE:-1}" = 0 ] && boots=("${boots[0]}" "${boots[2]}")
	for b in "${boots[@]}"; do
		read -r l2 r m <<<"$b"
		d=$out/$l2-$r
		rm -rf "$d"
		step "vfio-safety: L2 $l2, reset $r, methods $m, the device made to signal in the window"
		VFIO_WINDOW=1 VFIO_BENCH="4 $m 1 8" "$TOP/scripts/vfio-run.sh" "$l2" "$r" H1 "$d" ||
			die "the nested boot $l2 $r failed; see $d/l1-console.log"
		dirs+=("$d")
	done
	exec python3 "$TOP/tests/vfio/safety.py" "${dirs[@]}"
fi
[ -z "${1:-}" ] || die "usage: bench-vfio.sh [safety]"
suites=${BENCH_VFIO_QEMU:-bookworm trixie}
counts=${BENCH_VFIO_COUNTS:-1,4,16,64,128}
runs=${BENCH_VFIO_RUNS:-3}
vectors=${BENCH_VFIO_VECTORS:-128}
methods=${BENCH_VFIO_METHODS:-resync,descend,realloc,perirq,stock,after,amdgpu}
mkdir -p "$out"
out=$(cd "$out" && pwd)

need_gnuplot
dirs=()
for s in $suites; do
	l2s=6.12
	[ "${BENCH_VFIO_CORE:-1}" = 0 ] || l2s="6.12 6.12+core"
	for l2 in $l2s; do
		# the core-fixed L2: its stock restore is the method ("core")
		m=$methods d=$out/$s
		[ "$l2" = 6.12 ] || m=stock d=$out/$s-core
		rm -rf "${d:?}"
		step "bench-vfio: L2 $l2, L2's QEMU from $s, n = $counts, $runs runs of $m"
		VFIO_QEMU=$s VFIO_TIMEOUT=3000 VFIO_BENCH="$counts $m $runs $vectors" \
			"$TOP/scripts/vfio-run.sh" "$l2" R2 H1 "$d" ||
			die "the nested boot for $s (L2 $l2) failed; see $d/l1-console.log"
		dirs+=("$d")
	done
done
python3 "$TOP/tests/bench/vfio_report.py" "$out" "${dirs[@]}"
