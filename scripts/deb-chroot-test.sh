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
#   deb-chroot-test.sh --selftest   the "installed" verdict on fixtures
#                             (tests/selftest/deb/; scripts/check.sh selftest)
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# dkms_installed STATUS ROOT KREL VER: DKMS's status (its output, STATUS)
# says msix-resync VER is installed for KREL, and the module is in ROOT's
# updates/dkms, compressed or not (as the kernel's own modules are: Debian's
# 6.12 compresses them with xz). Both must hold.
dkms_installed() {
	local d=$2/lib/modules/$3/updates/dkms
	grep -q "^msix-resync/$4, $3, .*: installed" <<<"$1" &&
		{ [ -e "$d/msix_resync.ko" ] || [ -e "$d/msix_resync.ko.xz" ] ||
		  [ -e "$d/msix_resync.ko.zst" ]; }
}

if [ "${1:-}" = --selftest ]; then
	fix=$TOP/tests/selftest/deb
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	krel=6.1.0-57-cloud-amd64 ver=0.1.0	# as in the fixture
	status=$(cat "$fix/dkms-status.txt")
	# doctored: DKMS built the module and did not install it
	other=${status/: installed/: built}
	mkdir -p "$tmp"/{ko,xz,none}"/lib/modules/$krel/updates/dkms"
	touch "$tmp/ko/lib/modules/$krel/updates/dkms/msix_resync.ko" \
		"$tmp/xz/lib/modules/$krel/updates/dkms/msix_resync.ko.xz"
	verdicts_begin harness
	# STATUS ROOT WANT(0 installed, 1 not) WHAT
	while IFS='|' read -r st root want what; do
		dkms_installed "${!st}" "$tmp/$root" "$krel" "$ver"
		got=$?
		verdict "$([ "$got" = "$want" ] && echo 0 || echo 1)" \
			"deb: dkms verdict: $what (got $got, want $want)"
	done <<-'CASES'
	status|ko|0|installed, msix_resync.ko in updates/dkms
	status|xz|0|installed, msix_resync.ko.xz in updates/dkms (a compressing kernel)
	other|xz|1|a status without "installed" fails although a .ko.xz is there
	other|ko|1|a status without "installed" fails although a .ko is there
	status|none|1|"installed" without a module in updates/dkms fails
	CASES
	verdicts_end
fi

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
# a clean start, whatever an earlier run left (a module left in
# updates/dkms would stand in for the one DKMS is to build)
in_root sh -c "apt-get purge -y -q msix-resync-dkms; rm -rf /consumer /lib/modules/$krel/extra \
	/lib/modules/$krel/updates/dkms /usr/src/msix-resync-* /var/lib/dkms/msix-resync; depmod $krel"

step "apt install $(basename "$deb") in the chroot (DKMS builds the module for $krel)"
cp "$deb" "$root/tmp/"
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	"/tmp/$(basename "$deb")"
verdict $? "apt-get install ./$(basename "$deb") (log: $log)"
status=$("$TOP/scripts/chroot.sh" bookworm run dkms status -m msix-resync -v "$ver" -k "$krel" 2>&1)
echo "$status" >> "$log"
dkms_installed "$status" "$root" "$krel" "$ver"
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
