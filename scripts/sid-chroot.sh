#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A Debian sid chroot (debootstrap --variant=minbase) in the cache, for
# what needs sid's toolchain: Linux 7.2 (Debian sid's newest kernel) is
# built with sid's gcc. The host's packages are never replaced.
#
#   sid-chroot.sh [PACKAGE...]   -> prints the chroot's path, with the
#                                   PACKAGEs installed in it
#   sid-chroot.sh run CMD...     -> runs CMD in it (as root, /work and the
#                                   cache bind-mounted at the same paths)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

root=$MSIX_RESYNC_CACHE/chroot/sid
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

if [ ! -e "$root/.done" ]; then
	command -v debootstrap >/dev/null || die "no debootstrap: make deps"
	step "debootstrap --variant=minbase sid into $root (about a minute)"
	$SUDO rm -rf "$root"
	mkdir -p "$root"
	$SUDO debootstrap --variant=minbase sid "$root" "$mirror" >&2 ||
		die "debootstrap failed"
	# The archive's Release file may be past its Valid-Until date.
	echo 'Acquire::Check-Valid-Until "false";' |
		$SUDO tee "$root/etc/apt/apt.conf.d/99no-valid-until" >/dev/null
	touch "$root/.done"
fi

mounted() { mountpoint -q "$root$1"; }
bind() {	# each bind mount shows the directory it is named after now
	local d
	for d in /proc /dev "$MSIX_RESYNC_CACHE" "$TOP"; do
		mkdir -p "$root$d"
		# a directory removed and made again (a new clone) at the same
		# path: the old mount shows the removed one
		if mounted "$d" && [ ! "$root$d" -ef "$d" ]; then
			$SUDO umount -l "$root$d"
		fi
		mounted "$d" || $SUDO mount --bind "$d" "$root$d"
	done
}

if [ "${1:-}" = run ]; then
	shift
	bind
	exec $SUDO chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 "$@"
fi

# What every use needs: the kernel build toolchain, sparse for C=2.
base="gcc make bc flex bison libelf-dev libssl-dev kmod cpio python3 rsync
      xz-utils sparse perl libc6-dev dwarves"
missing=""
# shellcheck disable=SC2086
for p in $base "$@"; do
	$SUDO chroot "$root" dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	step "installing in the sid chroot:$missing"
	bind
	$SUDO chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive sh -c \
		"apt-get update -q && apt-get install -y -q --no-install-recommends $missing" >&2 ||
		die "apt-get install in the sid chroot failed"
fi
echo "$root"
