# SPDX-License-Identifier: GPL-2.0
# Shared helpers for msix-resync's scripts. Source it; do not run it.

: "${MSIX_RESYNC_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/msix-resync}"
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export MSIX_RESYNC_CACHE TOP

# The Debian kernels we support: series -> metapackages.
SERIES="6.1 6.12"
# The ipr series also exists for sid's Linux 7.2 (built in a sid chroot).
IPR_SERIES="6.1 6.12 7.2"
# make kunit: also 7.2 (make check runs $SERIES, a 7.2 KUnit kernel built
# cold takes about 15 minutes more)
KUNIT_SERIES=${KUNIT_SERIES:-"6.1 6.12 7.2"}
# meta_image SERIES [FLAVOUR]: FLAVOUR cloud (the default: our guests) or
# generic (amd64: has the 9p and every vfio module, for the nested VFIO host).
meta_image() {
	local flavour=cloud-amd64 series=
	[ "${2:-cloud}" = generic ] && flavour=amd64
	case $1 in
	6.1|7.2) ;;	# bookworm's and sid's default kernels
	*) series=$1- ;;
	esac
	echo "linux-image-$series$flavour"
}

# kdir SERIES ROOT: the headers' build directory, as kmake sees it.
kdir() {
	local krel
	krel=$(cat "$MSIX_RESYNC_CACHE/debian/$1/krel")
	if [ "$1" = 7.2 ]; then echo "/usr/src/linux-headers-$krel"; else echo "$2/usr/src/linux-headers-$krel"; fi
}

# kmake SERIES MAKE-ARGS...: make against a series' headers; sid's (7.2)
# in the sid chroot, with sid's gcc (paths under the cache and the
# project are the same in there).
kmake() {
	local series=$1
	shift
	if [ "$series" = 7.2 ]; then
		"$TOP/scripts/sid-chroot.sh" run make "$@"
	else
		make "$@"
	fi
}

step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
info() { printf '    %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# First "Depends:" of a package, i.e. what a metapackage points at.
apt_first_dep() {
	apt-cache depends "$1" 2>/dev/null |
		awk '/^ *\|?Depends:/ { sub(/^ *\|?Depends: */, ""); print; exit }'
}

# mkinitramfs OUT INIT FILE...: a busybox initramfs with INIT as /init and
# the FILEs (modules, or directories of them) at its root.
mkinitramfs() {
	local out=$1 init=$2 stage
	shift 2
	stage=$(mktemp -d)
	mkdir -p "$stage"/{bin,dev,proc,sys}
	cp /bin/busybox "$stage/bin/busybox"
	cp -r "$@" "$stage/"
	cp "$init" "$stage/init"
	chmod +x "$stage/init"
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
	rm -rf "$stage"
}
