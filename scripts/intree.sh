#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Put msix-resync into a Linux source tree, in drivers/pci/msix_resync/,
# with its Kconfig and Makefile hooks and include/linux/msix_resync.h.
# Files are replaced, never written in place, so a tree of hard links to
# a pristine tree (cp -al) stays safe. Unchanged files keep their mtime.
#
#   intree.sh TREE
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tree=${1:?usage: intree.sh TREE}
dest=$tree/drivers/pci/msix_resync
mkdir -p "$dest/lib" "$dest/kunit" "$tree/include/linux"
rsync -c "$TOP/Kbuild" "$TOP/Kconfig" "$TOP/VERSION" "$dest/"
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
