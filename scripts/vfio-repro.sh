#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The nested VFIO reproduction (BRIEF §7): boots of scripts/vfio-run.sh,
# one per cell, then tests/vfio/check.py over them: PASS/FAIL lines, the
# matrix of reset kind x host, and the witnesses' lines of each lost phase.
#
#   vfio-repro.sh [all|check|matrix|after]
#     all     R1/R2 x H1/H0 with L2 kernels from linux-source-6.12 and 6.1,
#             R1 x H0L (the 3.18 fix alone taken out) and R3 x H1 with 6.12
#     check   the two ways the seed's failure happens today, R2 x H1 (with
#             the after-the-fact phases S, T, I, F too) and
#             R1 x H0, and the real reset R3 x H1; L2 from 6.12 (each boot
#             runs the negative control)
#     matrix  L2's hypervisor QEMU 7.2 (bookworm), 10.0 (trixie) and 11.1
#             (sid) x L1 host kernels 6.12 and 6.1 x R1, R2, R3 with host
#             H1 (VFIO_MATRIX_H0=1 adds R1, R2 with H0 on 6.12: H0 is a
#             6.12 module) x L2 from 6.12 and 6.12+core (the PCI core
#             fixed, as "core" below), each boot with the phases
#             A,B,N,S,T,I,F (VFIO_AFTER_PHASES). VFIO_MATRIX_QEMU,
#             VFIO_MATRIX_L1, VFIO_MATRIX_L2 and VFIO_MATRIX_RESETS narrow
#             it.
#     core    the cells VFIO_CORE_CELLS (6.12+core-R2-H1 unless it names
#             others) on an L2 kernel whose PCI core restores MSI-X with an
#             Enable edge (drivers-ipr-patch/upstream/0003-PCI-MSI-*.patch), with
#             the phases A,B,N,S,T,I,F (VFIO_AFTER_PHASES); the stock
#             driver sequences (A, N, I) are expected to repair there.
#     after   one boot that also runs the phases of a reset learnt of only
#             afterwards (A,B,N,S,T,I,F: Documentation/vfio.rst): the cell
#             VFIO_AFTER_CELL, 6.12-R2-H1 unless it names another (as the
#             lists above do); VFIO_AFTER_PHASES runs others than these.
#
# Logs of the last run stay in $OUT/vfio/CELL/ ($OUT/vfio/after/CELL/ for
# "after", apart from the same cell's boot with A, B and N only).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

what=${1:-all}
OUT=${OUT:-$TOP/out}
# vfio-run.sh's PHASES (empty: its default, A,B,N), and where cells go
phases='' dir=$OUT/vfio
case $what in
all) cells="6.12-R1-H1 6.12-R1-H0 6.12-R2-H1 6.12-R2-H0 6.12-R1-H0L 6.12-R3-H1 6.1-R1-H1 6.1-R1-H0 6.1-R2-H1 6.1-R2-H0" ;;
check) cells="6.12-R2-H1 6.12-R1-H0 6.12-R3-H1" ;;
matrix)
	# every phase, on the stock L2 and on the one with the PCI core fixed
	cells=
	phases=${VFIO_AFTER_PHASES:-A,B,N,S,T,I,F}
	# the reset kinds outermost, the failing ones first: a run cut short
	# has judged whole resets
	for r in ${VFIO_MATRIX_RESETS:-R2 R3 R1}; do
		for q in ${VFIO_MATRIX_QEMU:-bookworm trixie sid}; do
			for h in ${VFIO_MATRIX_L1:-6.12 6.1}; do
				for l2 in ${VFIO_MATRIX_L2:-6.12 6.12+core}; do
					cells="$cells q$q-h$h-$l2-$r-H1"
				done
			done
		done
	done
	# H0 is a rebuilt 6.12 vfio-pci-core (VFIO_MATRIX_H0=1)
	if [ -n "${VFIO_MATRIX_H0:-}" ]; then
		for q in ${VFIO_MATRIX_QEMU:-bookworm trixie sid}; do
			cells="$cells q$q-h6.12-6.12-R1-H0 q$q-h6.12-6.12-R2-H0"
		done
	fi
	;;
core)
	# the PCI core's MSI-X restore fixed in L2, with every phase
	cells=${VFIO_CORE_CELLS:-6.12+core-R2-H1}
	phases=${VFIO_AFTER_PHASES:-A,B,N,S,T,I,F}
	dir=$OUT/vfio/core
	;;
after)
	cells=${VFIO_AFTER_CELL:-6.12-R2-H1}
	phases=${VFIO_AFTER_PHASES:-A,B,N,S,T,I,F}
	dir=$OUT/vfio/after
	;;
*) die "usage: vfio-repro.sh [all|check|matrix|after|core]" ;;
esac

# Each cell's directory goes before its run: nothing of an earlier run can
# be judged again. The checker gets each run's exit status with its cell
# (CELLDIR=RC): a run that failed fails its cell, and this script.
judged=() runs_failed=0
t0=$(date +%s)
for c in $cells; do
	q=bookworm l1=6.12
	case $c in q*) IFS=- read -r q l1 series reset host <<< "$c"; q=${q#q} l1=${l1#h} ;;
	*) IFS=- read -r series reset host <<< "$c" ;;
	esac
	d=$dir/$c
	rm -rf "$d"
	t1=$(date +%s)
	rc=0
	p=$phases
	# make check's R2 x H1 cell also runs the after-the-fact phases
	[ "$what" = check ] && [ "$c" = 6.12-R2-H1 ] && p=A,B,N,S,T,I,F
	VFIO_QEMU=$q VFIO_L1=$l1 "$TOP/scripts/vfio-run.sh" "$series" "$reset" "$host" "$d" \
		${p:+"$p"} >&2 || rc=$?
	[ "$rc" -eq 0 ] || {
		info "cell $c did not complete: vfio-run.sh exited $rc (its logs are in $d)"
		runs_failed=$((runs_failed + 1))
	}
	info "cell $c: $(( $(date +%s) - t1 )) s"
	judged+=("$d=$rc")
done
info "nested VFIO runs: $(( $(date +%s) - t0 )) s for $(echo "$cells" | wc -w) boots"
python3 "$TOP/tests/vfio/check.py" --evidence "${judged[@]}"
[ "$runs_failed" -eq 0 ] || die "$runs_failed of the nested VFIO runs failed"
