#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make mutate: run the fast test layers against each mutant of lib/ listed
# in tests/mutants.txt (tests/mutate.py); work files in the cache.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
step "mutation testing: each mutant of lib/ against e2e (6.12, 6.1) and the KUnit model"
exec python3 "$TOP/tests/mutate.py" "$TOP" "$MSIX_RESYNC_CACHE/mutate"
