#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A driver author's view of the library, against one Debian kernel:
#  1. the library, built by plain kbuild (make -C KDIR M=DIR modules, no
#     option on the command line), installed with make install-dev;
#  2. tests/consumer built out of tree with only -I to the installed
#     header: without KBUILD_EXTRA_SYMBOLS modpost must stop on the
#     library's symbols (no silent stubs); with it, a clean W=1 build that
#     depends on msix_resync.ko;
#  3. both loaded in a QEMU guest booting Debian's kernel with an e1000e;
#     tests/e2e/consumer.py reads the guest log and QEMU's trace.
#
#   consumer.sh SERIES   prints PASS/FAIL lines and "N passed, M failed"
set -uo pipefail
. "$(dirname "$0")/lib.sh"

series=${1:?usage: consumer.sh SERIES}
OUT=${OUT:-$TOP/out}
verdicts_begin "$series consumer"

root=$("$TOP/scripts/fetch-debian.sh" kernel "$series") || { verdict 1 "no Debian $series kernel"; verdicts_end; }
krel=$(cat "$MSIX_RESYNC_CACHE/debian/$series/krel")
kdir=$(kdir "$series" "$root")
base=$MSIX_RESYNC_CACHE/consumer/$series
log=$OUT/consumer-$series
rm -rf "$base" "$log"
mkdir -p "$base/lib" "$base/driver" "$log"

step "$series: the library by plain kbuild, make install-dev"
rsync -rl --include '*/' --include Kbuild --include Makefile --include VERSION \
	--include '*.c' --include '*.h' --exclude '*' \
	"$TOP/Kbuild" "$TOP/Makefile" "$TOP/VERSION" "$TOP/include" "$TOP/lib" "$base/lib/"
kmake "$series" -C "$kdir" M="$base/lib" modules > "$log/lib.log" 2>&1
[ -e "$base/lib/msix_resync.ko" ]
verdict $? "make -C KDIR M=DIR modules, nothing else on the command line, builds msix_resync.ko (log: $log/lib.log)"
kmake "$series" -C "$base/lib" KDIR="$kdir" DEVDIR="$base/dev" install-dev >> "$log/lib.log" 2>&1
[ -e "$base/dev/include/linux/msix_resync.h" ] &&
	grep -q 'msix_resync_reset' "$base/dev/Module.symvers" 2>/dev/null
verdict $? "make install-dev installs the header and a Module.symvers that exports msix_resync_reset"

step "$series: a driver out of tree, with -I only, then with the library's Module.symvers"
cp "$TOP/tests/consumer/Kbuild" "$TOP/tests/consumer/msix_resync_consumer.c" "$base/driver/"
kmake "$series" -C "$kdir" M="$base/driver" MSIX_RESYNC_DEV="$base/dev" W=1 modules \
	> "$log/undefined.log" 2>&1
rc=$?
undef=$(grep -oE '"msix_resync_[a-z]+" \[[^]]*\] undefined' "$log/undefined.log" | sort -u)
[ "$rc" -ne 0 ] && grep -q 'ERROR: modpost: "msix_resync_alloc"' "$log/undefined.log" &&
	[ -n "$undef" ]
verdict $? "without KBUILD_EXTRA_SYMBOLS the build stops: modpost ERROR, $(echo "$undef" | grep -c .) library symbols undefined (exit $rc; log: $log/undefined.log)"
rm -f "$base/driver/"*.ko
kmake "$series" -C "$kdir" M="$base/driver" MSIX_RESYNC_DEV="$base/dev" W=1 \
	KBUILD_EXTRA_SYMBOLS="$base/dev/Module.symvers" modules > "$log/driver.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] && ! grep -E 'warning:|error:|WARNING' "$log/driver.log"
verdict $? "with KBUILD_EXTRA_SYMBOLS=Module.symvers the driver builds, W=1, no warning (log: $log/driver.log)"
deps=$(/sbin/modinfo -F depends "$base/driver/msix_resync_consumer.ko" 2>/dev/null)
[ "$deps" = msix_resync ]
verdict $? "the driver's module depends on msix_resync (modinfo: '$deps')"
[ -e "$base/driver/msix_resync_consumer.ko" ] || verdicts_end

step "$series: both modules in a QEMU guest booting Debian's $krel, 2 vCPUs"
init=$(mktemp)
busybox_init > "$init" <<'INIT'
insmod /msix_resync.ko || echo "msix_resync_consumer: INSMOD-FAILED msix_resync"
insmod /msix_resync_consumer.ko || echo "msix_resync_consumer: INSMOD-FAILED consumer"
echo "msix_resync_consumer: GUEST-END"
INIT
mkinitramfs "$log/initrd.gz" "$init" "$base/lib/msix_resync.ko" \
	"$base/driver/msix_resync_consumer.ko"
rm -f "$init"
e1000e_guest "$log" 2 "$root/boot/vmlinuz-$krel" "$log/initrd.gz"
verdict $? "the guest ran (console: $log/console.log)"
absorb "$(python3 "$TOP/tests/e2e/consumer.py" "$series consumer" "$log" 2>&1)"
verdicts_end
