#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A Debian chroot of another suite (debootstrap --variant=minbase) in the
# cache, for what the host's bookworm does not have: sid's toolchain and
# Linux 7.2 (sid-chroot.sh), and other QEMU generations for the nested
# VFIO matrix (trixie: QEMU 10.0, sid: 11.1, bullseye: 5.2). The host's
# packages are never replaced.
#
#   chroot.sh SUITE [PACKAGE...]  -> prints the chroot's path, with the
#                                    PACKAGEs installed in it (sid also
#                                    gets the kernel build toolchain)
#   chroot.sh SUITE run CMD...    -> runs CMD in it (as root, the project
#                                    and the cache bind-mounted at the
#                                    same paths)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

suite=${1:?usage: chroot.sh SUITE [PACKAGE...] | chroot.sh SUITE run CMD...}
shift
case $suite in sid|trixie|bookworm|bullseye) ;; *) die "chroot.sh: unknown suite $suite" ;; esac
root=$MSIX_RESYNC_CACHE/chroot/$suite
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

if [ ! -e "$root/.done" ]; then
	command -v debootstrap >/dev/null || die "no debootstrap: make deps"
	step "debootstrap --variant=minbase $suite into $root (about a minute)"
	$SUDO rm -rf "$root"
	mkdir -p "$root"
	$SUDO debootstrap --variant=minbase "$suite" "$root" "$mirror" >&2 ||
		die "debootstrap failed"
	# A stable suite's point updates and security fixes, as a
	# Debian machine of that release has them.
	if [ "$suite" != sid ]; then
		printf 'deb %s %s-updates main\ndeb http://deb.debian.org/debian-security %s-security main\n' \
			"$mirror" "$suite" "$suite" | $SUDO tee -a "$root/etc/apt/sources.list" >/dev/null
	fi
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

# What every use of sid needs: the kernel build toolchain, sparse for C=2.
base=""
[ "$suite" = sid ] && base="gcc make bc flex bison libelf-dev libssl-dev kmod
      cpio python3 rsync xz-utils sparse perl libc6-dev dwarves"
missing=""
# shellcheck disable=SC2086
for p in $base "$@"; do
	$SUDO chroot "$root" dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	step "installing in the $suite chroot:$missing"
	bind
	$SUDO chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive sh -c \
		"apt-get update -q && apt-get install -y -q --no-install-recommends $missing" >&2 ||
		die "apt-get install in the $suite chroot failed"
fi
echo "$root"
