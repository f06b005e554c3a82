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
#   deb.sh selftest -> the lintian verdict with stand-in lintians (one that
#                     is missing, crashes, warns, finds nothing), for
#                     scripts/check.sh selftest
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

# lint DEB: the lintian verdict. lintian must have run and found no error
# or warning: with --fail-on error,warning it exits 0 when it checked the
# package and found none, 1 when it found some, 2 when it could not run
# (a crash, an unreadable package); a shell gives 127 when it is missing.
# An error or warning tag fails whatever the exit status. LINTIAN: another
# lintian (the self-test's stand-ins).
lint() {
	local tags rc bad
	tags=$("${LINTIAN:-lintian}" --fail-on error,warning --info --display-level '>=pedantic' \
		"$1" 2>&1)
	rc=$?
	bad=$(echo "$tags" | grep -E '^[EW]: ')
	if [ "$rc" -eq 0 ] && [ -z "$bad" ]; then
		verdict 0 "lintian: ran, no error or warning"
	elif [ -n "$bad" ] || [ "$rc" -eq 1 ]; then
		verdict 1 "lintian: errors or warnings (exit $rc): ${bad:-none shown}"
	else
		verdict 1 "lintian did not run (exit $rc): $(echo "$tags" | tail -n 3 | tr '\n' ' ')"
	fi
	echo "$tags" | grep -E '^[IP]: ' | sed 's/^/    lintian: /' >&2
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
	lint "$deb"
	contents=$(dpkg-deb -c "$deb")
	echo "$contents" | grep -q "usr/src/msix-resync-$ver/include/linux/msix_resync.h" &&
		echo "$contents" | grep -q "usr/src/msix-resync-$ver/dkms.conf" &&
		[ "$(dpkg-deb -f "$deb" Version)" = "$ver" ]
	verdict $? "the package is version $ver (VERSION) and ships dkms.conf and the header in /usr/src/msix-resync-$ver"
	absorb "$("$TOP/scripts/deb-chroot-test.sh" "$deb")"
	verdicts_end
	;;
selftest)
	verdicts_begin harness
	stub=$(mktemp -d)
	trap 'rm -rf "$stub"' EXIT
	stand_in() { printf '#!/bin/sh\n%s\n' "$2" > "$stub/$1"; chmod +x "$stub/$1"; }
	stand_in clean 'echo "running with root privileges is not recommended!" >&2; exit 0'
	stand_in info 'echo "I: msix-resync-dkms: some-info-tag"; exit 0'
	stand_in warns 'echo "W: msix-resync-dkms: no-copyright-file"; exit 1'
	stand_in warns-exit0 'echo "E: msix-resync-dkms: some-error-tag"; exit 0'
	stand_in crashes 'echo "Can'"'"'t locate Lintian/Processable.pm in @INC" >&2; exit 2'
	stand_in dies 'echo "Segmentation fault" >&2; exit 139'
	# STAND-IN WANT WHAT (missing: no such program)
	while read -r who want what; do
		got=$(VERDICT_LABEL=x passed=0 failed=0 LINTIAN=$stub/$who lint "$stub/x.deb" 2>/dev/null |
			cut -d' ' -f1)
		verdict "$([ "$got" = "$want" ] && echo 0 || echo 1)" \
			"deb: lintian verdict: $what (got $got, want $want)"
	done <<-'CASES'
	clean PASS a lintian that checked the package and found nothing passes
	info PASS an info tag alone passes
	warns FAIL a warning fails
	warns-exit0 FAIL an error tag fails whatever lintian's exit status
	crashes FAIL a lintian that crashed (exit 2) fails
	dies FAIL a lintian killed by a signal fails
	missing FAIL a missing lintian fails
	CASES
	verdicts_end
	;;
*) die "usage: deb.sh build|test|selftest" ;;
esac
