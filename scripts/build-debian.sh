#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the modules against Debian's headers of one series, in a copy of
# the sources under the cache (so both series can be built side by side),
# with W=1 and sparse (C=2). Any compiler or sparse warning fails.
#
#   build-debian.sh SERIES  -> prints the directory holding the .ko files
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=${1:?usage: build-debian.sh SERIES}
root=$(fetch_kernel "$series")
krel=$(cat "$MSIX_RESYNC_CACHE/debian/$series/krel")
kdir=$(kdir "$series" "$root")
out=$MSIX_RESYNC_CACHE/build/$series

step "building against Debian $series ($krel) with W=1 C=2"
mkdir -p "$out"
# By content (-c), without copying mtimes: a file whose content changed
# gets a new mtime and is rebuilt, even when the source's own mtime is older
# than the objects (a checkout, or make mutate restoring a file).
rsync -rlc --delete --exclude .git --exclude '*.o' --exclude '*.ko' \
	--include '*/' --include 'Kbuild' --include 'Makefile' --include VERSION \
	--include '*.c' --include '*.h' --exclude '*' "$TOP/" "$out/src/"
log=$out/build.log
# C=2 checks every file, not only those rebuilt.
if ! kmake "$series" -C "$kdir" M="$out/src" W=1 C=2 \
	CONFIG_MSIX_RESYNC=m CONFIG_MSIX_RESYNC_E2E_TEST=m \
	CONFIG_MSIX_RESYNC_BENCH=m CONFIG_MSIX_RESYNC_VFIO_TEST=m \
	modules >"$log" 2>&1; then
	cat "$log" >&2
	die "build against $krel failed"
fi
if grep -E 'warning:|error:|sparse:|sparse is not available' "$log" >&2; then
	die "build against $krel is not clean (W=1 C=2); log: $log"
fi
info "clean: $(grep -c '^  CC\|^  CHECK' "$log") compile/check steps, no warnings"
echo "$out/src"
