#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages msix-resync's build and tests need.
# Only what is missing is installed; as root, or through sudo.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PKGS="make gcc gcc-12 libc6-dev bc kmod cpio xz-utils zstd rsync python3
      perl qemu-system-x86 busybox-static sparse ccache pahole
      libelf-dev libssl-dev flex bison quilt patch git dkms python3-sphinx
      lz4 qemu-system-data debootstrap dpkg-dev debhelper dh-dkms lintian
      gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross qemu-system-ppc curl"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

step "installing Debian packages:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >&2
