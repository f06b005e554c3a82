#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Debian package, msix-resync-dkms (debian/, dh-dkms).
#
#   deb.sh build   -> dpkg-buildpackage in a copy of the sources under
#                     $OUT/deb/, then lintian; prints the .deb's path
#   deb.sh test    -> PASS/FAIL lines: the package built and lintian clean,
#                     installed with apt into a Debian 12 chroot holding a
#                     cloud kernel's headers (DKMS builds the module there),
#                     a driver built against what it installed
#                     (tests/consumer), both loaded by modprobe in a guest
#                     booting that kernel, and apt purge leaving nothing
set -uo pipefail
. "$(dirname "$0")/lib.sh"

OUT=${OUT:-$TOP/out}
ver=$(cat "$TOP/VERSION")
deb=$OUT/deb/msix-resync-dkms_${ver}_all.deb

build() {
	local src=$OUT/deb/msix-resync-$ver
	step "dpkg-buildpackage: msix-resync-dkms $ver"
	rm -rf "$OUT/deb" && mkdir -p "$src"
	(cd "$TOP" && git ls-files -z --cached --others --exclude-standard 2>/dev/null || find . -type f -print0) |
		(cd "$TOP" && rsync -a --from0 --files-from=- --exclude out ./ "$src/") ||
		die "cannot copy the sources"
	(cd "$src" && dpkg-buildpackage -us -uc -b) > "$OUT/deb/build.log" 2>&1 ||
		{ tail -n 20 "$OUT/deb/build.log" >&2; die "dpkg-buildpackage failed; log: $OUT/deb/build.log"; }
	[ -e "$deb" ] || die "no $deb"
	echo "$deb"
}


case ${1:-build} in
build)
	build
	lintian --fail-on error,warning "$deb" >&2 || die "lintian: errors or warnings"
	;;
test)
	verdicts_begin deb
	if build >/dev/null; then verdict 0 "dpkg-buildpackage builds $(basename "$deb")"
	else verdict 1 "dpkg-buildpackage (log: $OUT/deb/build.log)"; verdicts_end; fi
	tags=$(lintian --info --display-level '>=pedantic' "$deb" 2>&1)
	bad=$(echo "$tags" | grep -E '^[EW]: ')
	verdict "$([ -z "$bad" ] && echo 0 || echo 1)" "lintian: no error or warning${bad:+: $bad}"
	echo "$tags" | grep -E '^[IP]: ' | sed 's/^/    lintian: /' >&2
	contents=$(dpkg-deb -c "$deb")
	echo "$contents" | grep -q "usr/src/msix-resync-$ver/include/linux/msix_resync.h" &&
		echo "$contents" | grep -q "usr/src/msix-resync-$ver/dkms.conf" &&
		[ "$(dpkg-deb -f "$deb" Version)" = "$ver" ]
	verdict $? "the package is version $ver (VERSION) and ships dkms.conf and the header in /usr/src/msix-resync-$ver"
	absorb "$("$TOP/scripts/deb-chroot-test.sh" "$deb")"
	verdicts_end
	;;
*) die "usage: deb.sh build|test" ;;
esac
