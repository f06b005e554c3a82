#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# DKMS's POST_BUILD and POST_REMOVE (dkms.conf): keep the library's
# Module.symvers of each kernel where a driver built against it looks,
# /usr/src/msix-resync-VERSION/KERNELRELEASE/Module.symvers (the
# convention of ZFS's SPL), and take it away with the module.
#
#   dkms-symvers.sh install KERNELRELEASE   (in DKMS's build directory)
#   dkms-symvers.sh remove KERNELRELEASE
set -e
ver=$(cat "$(dirname "$0")/VERSION")
dir=/usr/src/msix-resync-$ver/$2
case $1 in
install)
	mkdir -p "$dir"
	cp Module.symvers "$dir/Module.symvers"
	;;
remove)
	rm -rf "$dir"
	;;
*)
	echo "usage: dkms-symvers.sh install|remove KERNELRELEASE" >&2
	exit 2
	;;
esac
