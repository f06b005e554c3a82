#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The nested VFIO reproduction (BRIEF §7): boots of scripts/vfio-run.sh,
# one per cell, then tests/vfio/check.py over them: PASS/FAIL lines, the
# matrix of reset kind x host, and the witnesses' lines of each lost phase.
#
#   vfio-repro.sh [all|check]
#     all    R1/R2 x H1/H0, with L2 kernels from linux-source-6.12 and 6.1,
#            and R1 x H0L (the 3.18 fix alone taken out) with 6.12
#     check  the two ways the seed's failure happens today: R2 x H1 and
#            R1 x H0, L2 from 6.12 (each boot runs the negative control)
#
# Logs of the last run stay in $OUT/vfio/L2SERIES-RESET-HOST/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

what=${1:-all}
OUT=${OUT:-$TOP/out}
case $what in
all) cells="6.12-R1-H1 6.12-R1-H0 6.12-R2-H1 6.12-R2-H0 6.12-R1-H0L 6.1-R1-H1 6.1-R1-H0 6.1-R2-H1 6.1-R2-H0" ;;
check) cells="6.12-R2-H1 6.12-R1-H0" ;;
*) die "usage: vfio-repro.sh [all|check]" ;;
esac

dirs=()
t0=$(date +%s)
for c in $cells; do
	IFS=- read -r series reset host <<< "$c"
	d=$OUT/vfio/$c
	t1=$(date +%s)
	"$TOP/scripts/vfio-run.sh" "$series" "$reset" "$host" "$d" >&2 ||
		info "cell $c did not complete (its logs are in $d)"
	info "cell $c: $(( $(date +%s) - t1 )) s"
	dirs+=("$d")
done
info "nested VFIO runs: $(( $(date +%s) - t0 )) s for $(echo "$cells" | wc -w) boots"
python3 "$TOP/tests/vfio/check.py" --evidence "${dirs[@]}"
