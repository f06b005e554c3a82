#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: boot Debian's 6.12 cloud kernel in QEMU with an e1000e, run one
# backdoor-reset cycle without msix-resync and one with it, print a table.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=${OUT:-$TOP/out}/demo
"$TOP/scripts/guest-run.sh" 6.12 demo "$out"
python3 "$TOP/tests/e2e/demo.py" "$out"
