#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: the headline, a real VFIO assignment (nested QEMU, see
# scripts/vfio-run.sh) with the R2 reset on Debian 6.12's vfio-pci: the
# stock restore loses every interrupt, msix-resync repairs it. Then Debian's
# 6.12 cloud kernel in QEMU with an e1000e: one backdoor-reset cycle without
# msix-resync and one with it, vector by vector. The headline prints last.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=${OUT:-$TOP/out}/demo
"$TOP/scripts/vfio-run.sh" 6.12 R2 H1 "$out/vfio/6.12-R2-H1" A,B
"$TOP/scripts/guest-run.sh" 6.12 demo "$out"
python3 "$TOP/tests/e2e/demo.py" "$out"
# The headline last, where the terminal leaves it.
python3 "$TOP/tests/vfio/demo.py" "$out/vfio/6.12-R2-H1"
