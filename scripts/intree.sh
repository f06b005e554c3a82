#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Put msix-resync into a Linux source tree, in drivers/pci/msix_resync/,
# with its Kconfig and Makefile hooks and include/linux/msix_resync.h.
# Files are replaced, never written in place, so a tree of hard links to
# a pristine tree (cp -al) stays safe. Unchanged files keep their mtime.
#
#   intree.sh TREE [--upstream [KERNEL-SOURCE]]
#
# --upstream (the kernel patch series): leave out the Kbuild lines of the
# project's own test and benchmark objects (tests/, bench/), which are not
# part of the submission; the KUnit suite stays. And, as code merged into
# one kernel is written for that kernel, no compat header: its macros are
# replaced by what that kernel wants, read off KERNEL-SOURCE (a whole
# tree of the same version; default TREE).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tree=${1:?usage: intree.sh TREE [--upstream [KERNEL-SOURCE]]}
upstream=${2:-}
ksrc=${3:-$tree}
dest=$tree/drivers/pci/msix_resync
mkdir -p "$dest/lib" "$dest/kunit" "$tree/include/linux"
rsync -c "$TOP/Kconfig" "$TOP/VERSION" "$dest/"
if [ "$upstream" = --upstream ]; then
	grep -vE '^obj-\$\(CONFIG_MSIX_RESYNC_[A-Z0-9_]+\) \+= (tests|bench)/' \
		"$TOP/Kbuild" > "$dest/Kbuild.new"
	if cmp -s "$dest/Kbuild.new" "$dest/Kbuild"; then
		rm "$dest/Kbuild.new"
	else
		mv "$dest/Kbuild.new" "$dest/Kbuild"
	fi
else
	rsync -c "$TOP/Kbuild" "$dest/"
fi
if [ "$upstream" = --upstream ]; then
	rsync -c --exclude msix_resync_compat.h "$TOP"/lib/*.c "$TOP"/lib/*.h "$dest/lib/"
	rm -f "$dest/lib/msix_resync_compat.h"
	# lib/msix_resync_compat.h resolved for this kernel
	ver=$(sed -n 's/^VERSION = //p;s/^PATCHLEVEL = //p' "$ksrc/Makefile" | paste -sd' ')
	[ -n "$ver" ] || die "no kernel version in $ksrc/Makefile"
	# shellcheck disable=SC2086
	set -- $ver
	ns=EXPORTED_FOR_KUNIT_TESTING
	[ $(($1 * 1000 + $2)) -ge 6013 ] && ns="\"$ns\""
	gen='const void *\1(const void *prev, char *desc)'
	grep -q 'define KUNIT_CASE_PARAM_WITH_INIT' "$ksrc/include/kunit/test.h" &&
		gen='const void *\1(struct kunit *test, const void *prev, char *desc)'
	# printk's console event as a message is stored: 6.1 and later
	store='s/ \&\& MSIX_RESYNC_CONSOLE_TRACE_AT_STORE//'
	[ $(($1 * 1000 + $2)) -ge 6001 ] || store='s/MSIX_RESYNC_CONSOLE_TRACE_AT_STORE/false/'
	sed -e '/#include "..\/lib\/msix_resync_compat.h"/d' \
		-e "s/^MSIX_RESYNC_IMPORT_KUNIT_NS();/MODULE_IMPORT_NS($ns);/" \
		-e "s/MSIX_RESYNC_GEN_PARAMS(\([a-z_]*\))/$gen/" \
		-e "$store" \
		"$TOP/kunit/msix_resync_test.c" > "$dest/kunit/msix_resync_test.c.new"
	# every macro the compat header defines must be gone
	compat=$(grep -oP '^#define \K(MSIX_RESYNC_[A-Z0-9_]+)' "$TOP/lib/msix_resync_compat.h" |
		paste -sd'|')
	! grep -nE "\b($compat)\b|msix_resync_compat" "$dest/kunit/msix_resync_test.c.new" ||
		die "intree.sh: a compat macro is left in the KUnit test"
	if cmp -s "$dest/kunit/msix_resync_test.c.new" "$dest/kunit/msix_resync_test.c"; then
		rm "$dest/kunit/msix_resync_test.c.new"
	else
		mv "$dest/kunit/msix_resync_test.c.new" "$dest/kunit/msix_resync_test.c"
	fi
	rsync -c "$TOP/kunit/e1000e_msix.h" "$dest/kunit/"
else
	rsync -c "$TOP"/lib/*.c "$TOP"/lib/*.h "$dest/lib/"
	rsync -c "$TOP/kunit/msix_resync_test.c" "$TOP/kunit/e1000e_msix.h" "$dest/kunit/"
fi
rsync -c "$TOP/include/linux/msix_resync.h" "$tree/include/linux/"

hook() {	# hook FILE LINE: append LINE unless present, by replacing FILE
	grep -qxF "$2" "$1" && return 0
	{ cat "$1"; echo "$2"; } > "$1.new"
	mv "$1.new" "$1"
}
hook "$tree/drivers/pci/Kconfig" 'source "drivers/pci/msix_resync/Kconfig"'
hook "$tree/drivers/pci/Makefile" 'obj-$(CONFIG_MSIX_RESYNC)		+= msix_resync/'
