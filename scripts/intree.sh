#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Put msix-resync into a Linux source tree, in drivers/pci/msix_resync/,
# with its Kconfig and Makefile hooks and include/linux/msix_resync.h.
# Files are replaced, never written in place, so a tree of hard links to
# a pristine tree (cp -al) stays safe. Unchanged files keep their mtime.
#
#   intree.sh TREE [--upstream]
#
# --upstream (the kernel patch series): leave out the Kbuild lines of the
# project's own test and benchmark objects (tests/, bench/), which are not
# part of the submission; the KUnit suite stays.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tree=${1:?usage: intree.sh TREE [--upstream]}
upstream=${2:-}
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
rsync -c "$TOP"/lib/*.c "$TOP"/lib/*.h "$dest/lib/"
rsync -c "$TOP/kunit/msix_resync_test.c" "$TOP/kunit/e1000e_msix.h" "$dest/kunit/"
rsync -c "$TOP/include/linux/msix_resync.h" "$tree/include/linux/"

hook() {	# hook FILE LINE: append LINE unless present, by replacing FILE
	grep -qxF "$2" "$1" && return 0
	{ cat "$1"; echo "$2"; } > "$1.new"
	mv "$1.new" "$1"
}
hook "$tree/drivers/pci/Kconfig" 'source "drivers/pci/msix_resync/Kconfig"'
hook "$tree/drivers/pci/Makefile" 'obj-$(CONFIG_MSIX_RESYNC)		+= msix_resync/'
