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
#   BENCH_VFIO_QEMU   the QEMU generations (Debian suites): "bookworm trixie"
#                     (7.2 and 10.0; sid: 11.1)
#   BENCH_VFIO_COUNTS vector counts: 1,4,16,64,128
#   BENCH_VFIO_RUNS   runs per method and count: 3
#   BENCH_VFIO_VECTORS the device's table size: 128 (at most 256)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

suites=${BENCH_VFIO_QEMU:-bookworm trixie}
counts=${BENCH_VFIO_COUNTS:-1,4,16,64,128}
runs=${BENCH_VFIO_RUNS:-3}
vectors=${BENCH_VFIO_VECTORS:-128}
methods=${BENCH_VFIO_METHODS:-resync,descend,realloc,perirq,stock}
out=${OUT:-$TOP/out}/bench-vfio
mkdir -p "$out"
out=$(cd "$out" && pwd)

need_gnuplot
dirs=()
for s in $suites; do
	rm -rf "${out:?}/$s"
	step "bench-vfio: L2's QEMU from $s, n = $counts, $runs runs of $methods"
	VFIO_QEMU=$s VFIO_TIMEOUT=3000 VFIO_BENCH="$counts $methods $runs $vectors" \
		"$TOP/scripts/vfio-run.sh" 6.12 R2 H1 "$out/$s" ||
		die "the nested boot for $s failed; see $out/$s/l1-console.log"
	dirs+=("$out/$s")
done
python3 "$TOP/tests/bench/vfio_report.py" "$out" "${dirs[@]}"
