#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The package as a user gets it (deb.sh test): apt installs it into a
# Debian 12 chroot that holds Debian's 6.1 cloud kernel headers, where
# DKMS builds the module; tests/consumer is built against what the package
# installed (its header, the kernel's Module.symvers beside the sources);
# a guest booting that kernel loads the driver with modprobe, which must
# pull msix_resync in; apt purge must leave nothing behind.
#
#   deb-chroot-test.sh DEB   prints PASS/FAIL lines and "N passed, M failed"
set -uo pipefail
. "$(dirname "$0")/lib.sh"

deb=${1:?usage: deb-chroot-test.sh DEB}
OUT=${OUT:-$TOP/out}
ver=$(cat "$TOP/VERSION")
series=6.1
verdicts_begin deb
log=$OUT/deb/chroot.log
: > "$log"

kroot=$("$TOP/scripts/fetch-debian.sh" kernel "$series") || { verdict 1 "no Debian $series kernel"; verdicts_end; }
krel=$(cat "$MSIX_RESYNC_CACHE/debian/$series/krel")
step "a Debian 12 chroot with linux-headers-$krel"
root=$("$TOP/scripts/chroot.sh" bookworm "linux-headers-$krel" kmod) ||
	{ verdict 1 "bookworm chroot with linux-headers-$krel"; verdicts_end; }
in_root() { "$TOP/scripts/chroot.sh" bookworm run "$@" >> "$log" 2>&1; }
# a clean start, whatever an earlier run left
in_root sh -c "apt-get purge -y -q msix-resync-dkms; rm -rf /consumer /lib/modules/$krel/extra \
	/usr/src/msix-resync-* /var/lib/dkms/msix-resync; depmod $krel"

step "apt install $(basename "$deb") in the chroot (DKMS builds the module for $krel)"
cp "$deb" "$root/tmp/"
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	"/tmp/$(basename "$deb")"
verdict $? "apt-get install ./$(basename "$deb") (log: $log)"
in_root dkms status -m msix-resync -v "$ver" -k "$krel"
grep -q "msix-resync/$ver, $krel, .*: installed" "$log" &&
	[ -e "$root/lib/modules/$krel/updates/dkms/msix_resync.ko" ] ||
	[ -e "$root/lib/modules/$krel/updates/dkms/msix_resync.ko.xz" ]
verdict $? "dkms status: msix-resync/$ver installed for $krel, the module in updates/dkms"
symvers=/usr/src/msix-resync-$ver/$krel/Module.symvers
grep -q 'msix_resync_reset' "$root$symvers" 2>/dev/null
verdict $? "the package left $symvers exporting msix_resync_reset, and the header in /usr/src/msix-resync-$ver/include"

step "tests/consumer built against the installed package, installed with depmod"
mkdir -p "$root/consumer"
cp "$TOP/tests/consumer/Kbuild" "$TOP/tests/consumer/msix_resync_consumer.c" "$root/consumer/"
in_root make -C "/lib/modules/$krel/build" M=/consumer MSIX_RESYNC_DEV="/usr/src/msix-resync-$ver" \
	KBUILD_EXTRA_SYMBOLS="$symvers" modules &&
	in_root install -D -m 644 /consumer/msix_resync_consumer.ko \
		"/lib/modules/$krel/extra/msix_resync_consumer.ko" &&
	in_root depmod "$krel"
grep -q '^extra/msix_resync_consumer.ko: updates/dkms/msix_resync.ko' \
	"$root/lib/modules/$krel/modules.dep" 2>/dev/null
verdict $? "the driver builds against the installed header and Module.symvers, and depmod records its dependency on msix_resync"

step "a guest booting $krel loads the driver with modprobe"
gdir=$OUT/deb/guest
rm -rf "$gdir" && mkdir -p "$gdir/lib/modules/$krel"
cp -r "$root/lib/modules/$krel/updates" "$root/lib/modules/$krel/extra" \
	"$root/lib/modules/$krel/modules.dep" "$gdir/lib/modules/$krel/" 2>/dev/null
init=$(mktemp)
busybox_init > "$init" <<'INIT'
modprobe msix_resync_consumer || echo "msix_resync_consumer: INSMOD-FAILED modprobe"
lsmod | sed 's/^/LSMOD /'
echo "msix_resync_consumer: GUEST-END"
INIT
mkinitramfs "$gdir/initrd.gz" "$init" "$gdir/lib"
rm -f "$init"
e1000e_guest "$gdir" 2 "$kroot/boot/vmlinuz-$krel" "$gdir/initrd.gz"
verdict $? "the guest ran (console: $gdir/console.log)"
grep -q '^LSMOD msix_resync ' "$gdir/console.log" &&
	grep -q '^LSMOD msix_resync_consumer ' "$gdir/console.log"
verdict $? "modprobe msix_resync_consumer pulled msix_resync in (lsmod shows both)"
absorb "$(python3 "$TOP/tests/e2e/consumer.py" "deb" "$gdir" 2>&1)"

step "apt purge msix-resync-dkms"
in_root sh -c "rm -rf /consumer /lib/modules/$krel/extra && depmod $krel"
in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q msix-resync-dkms
verdict $? "apt-get purge msix-resync-dkms"
left=$(cd "$root" && ls -d usr/src/msix-resync-* var/lib/dkms/msix-resync 2>/dev/null;
	find "lib/modules/$krel" -name 'msix_resync*' 2>/dev/null;
	"$TOP/scripts/chroot.sh" bookworm run dpkg-query -W -f='${db:Status-Abbrev}' msix-resync-dkms 2>/dev/null | grep -v '^un')
[ -z "$left" ]
verdict $? "purge leaves nothing: no sources, no DKMS tree, no module, no dpkg record${left:+ (left: $(echo $left))}"
verdicts_end
