#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian's cloud kernel image and headers of a series (5.10 from
# bullseye, 6.1, 6.12; 7.2 from sid, in the sid chroot)
# into the cache, unpacked, no root needed: apt-get download + dpkg-deb -x.
#
#   fetch-debian.sh kernel SERIES [generic|ppc64el]
#                                   -> prints the unpacked root (the cloud
#                                      flavour, or the generic one, or
#                                      ppc64el's powerpc64le one, apart)
#   fetch-debian.sh source SERIES   -> prints a partial linux-source tree
#                                      (scripts/, Documentation/sphinx/)
#   fetch-debian.sh tree SERIES     -> prints the whole pristine source tree
#   fetch-debian.sh busybox ARCH    -> prints a static busybox of ARCH
set -euo pipefail
. "$(dirname "$0")/lib.sh"

what=${1:?usage: fetch-debian.sh kernel|source SERIES}
series=${2:?usage: fetch-debian.sh kernel|source SERIES}
flavour=${3:-cloud}
dest=$MSIX_RESYNC_CACHE/debian/$series
[ "$what" = kernel ] && [ "$flavour" != cloud ] && dest=$dest-$flavour
mkdir -p "$dest/debs"
# ppc64el: the target's packages from a state directory of its own
if [ "$what" = kernel ] && [ "$flavour" = ppc64el ]; then apt_use_series "$series-ppc64el" ppc64el
else apt_use_series "$series"; fi

apt_update() {	# the lists APT_OPTS points at; the host's stamp only for the host's
	if [ ${#APT_OPTS[@]} -gt 0 ]; then apt-get "${APT_OPTS[@]}" update -q >&2; return; fi
	if [ "$(id -u)" -eq 0 ]; then apt-get update -q >&2; else sudo apt-get update -q >&2; fi &&
		mkdir -p "$MSIX_RESYNC_CACHE/apt" && touch "$MSIX_RESYNC_CACHE/apt/host.updated"
}

resolve() {
	local pkg
	# the host's lists, refreshed when the project last did so more
	# than 12 hours ago (the same rule as apt_use_series')
	if [ ${#APT_OPTS[@]} -eq 0 ] &&
	   [ -z "$(find "$MSIX_RESYNC_CACHE/apt/host.updated" -mmin -720 2>/dev/null)" ]; then
		step "apt: refreshing the host's package lists (Debian serves only the newest point release)"
		apt_update || info "apt-get update had errors; going on with the lists it got"
	fi
	pkg=$(apt_first_dep "$1")
	if [ -z "$pkg" ]; then
		step "apt lists lack $1; running apt-get update"
		apt_update
		pkg=$(apt_first_dep "$1")
	fi
	[ -n "$pkg" ] || die "cannot resolve $1 with apt-cache"
	echo "$pkg"
}

download() {	# download + unpack packages (NAME or NAME=VERSION) not yet unpacked
	local p n
	for p in "$@"; do
		n=${p%%=*}
		[ -e "$dest/debs/$n.unpacked" ] && continue
		info "downloading $p"
		(cd "$dest/debs" && rm -f "${n}"_*.deb && apt-get "${APT_OPTS[@]}" download -q "$p" 2>&1 |
			grep -v '^W: Download is performed unsandboxed' >&2 || true)
		local deb
		deb=$(ls "$dest/debs/${n}"_*.deb 2>/dev/null | head -n1)
		[ -n "$deb" ] || die "apt-get download $p failed"
		info "unpacking $(basename "$deb")"
		dpkg-deb -x "$deb" "$dest/root"
		rm -f "$deb"
		touch "$dest/debs/$n.unpacked"
	done
}

case $what in
kernel)
	if [ "$series" = 7.2 ]; then
		# sid's kernel, installed in the sid chroot: its headers'
		# programs want sid's libc (kmake runs make in there).
		chroot=$("$TOP/scripts/sid-chroot.sh")
		image=$("$TOP/scripts/sid-chroot.sh" run apt-cache depends "$(meta_image "$series")" |
			awk '/^ *\|?Depends: linux-image-/ { print $2; exit }')
		[ -n "$image" ] || die "cannot resolve $(meta_image "$series") in the sid chroot"
		krel=${image#linux-image-}
		"$TOP/scripts/sid-chroot.sh" "$image" "linux-headers-$krel" "linux-source-$series" >/dev/null
		# Debian's linux-headers-7.2 lack scripts/checker-valid.sh, which
		# the kernel's Makefile runs before sparse: without it C=2 turns
		# into "sparse is not available". Take it from linux-source.
		common=$(sed -n 's|^include /usr/src/\(linux-headers-[^/]*-common\)/.*|\1|p' \
			"$chroot/usr/src/linux-headers-$krel/Makefile" | head -n1)
		[ -n "$common" ] || die "cannot find the common headers of $krel"
		cv=$chroot/usr/src/$common/scripts/checker-valid.sh
		if [ ! -x "$cv" ]; then
			tar -xJf "$chroot/usr/src/linux-source-$series.tar.xz" -O \
				"linux-source-$series/scripts/checker-valid.sh" > "$cv.new" &&
				chmod 755 "$cv.new" && mv "$cv.new" "$cv" ||
				die "cannot add scripts/checker-valid.sh to $common"
		fi
		echo "$krel" > "$dest/krel"
		echo "$chroot"
		exit 0
	fi
	image=$(resolve "$(meta_image "$series" "$flavour")")
	if [ "$flavour" = ppc64el ] && [ ! -e "$dest/debs/$image.unpacked" ]; then
		# This archive mirror lists ppc64el kernels it does not hold:
		# the newest release of the series whose headers download.
		for cand in $image $(apt-cache "${APT_OPTS[@]}" search --names-only \
			"^linux-image-${series//./\\.}\.[0-9]+.*-powerpc64le\$" 2>/dev/null |
			awk '{ print $1 }' | sort -rV); do
			(cd "$dest/debs" && apt-get "${APT_OPTS[@]}" download -q --print-uris \
				"linux-headers-${cand#linux-image-}" 2>/dev/null | grep -q "'" &&
				curl -sfI "$(apt-get "${APT_OPTS[@]}" download -q --print-uris \
					"linux-headers-${cand#linux-image-}" | cut -d"'" -f2)" >/dev/null) &&
				{ image=$cand; break; }
			info "$cand: not on this mirror"
		done
	fi
	krel=${image#linux-image-}
	if [ ! -e "$dest/debs/$image.unpacked" ]; then
		step "fetching Debian $series kernel $krel ($flavour)"
		headers=linux-headers-$krel
		common=$(apt-cache "${APT_OPTS[@]}" depends "$headers" | awk '/Depends: linux-headers-.*-common/ { print $2; exit }')
		kbuild=$(apt-cache "${APT_OPTS[@]}" depends "$headers" | awk '/Depends: linux-kbuild-/ { print $2; exit }')
		[ -n "$common" ] && [ -n "$kbuild" ] || die "cannot resolve the dependencies of $headers"
		if [ "$flavour" = ppc64el ]; then
			# The headers' programs (scripts/) come from the
			# build machine's linux-kbuild: this machine's.
			download "$headers" "$common" "$image"
			# the kbuild of the headers' own version
			kver=$(dpkg-deb -f "$dest/debs/$headers.deb" Version 2>/dev/null ||
				apt-cache "${APT_OPTS[@]}" show "$headers" | sed -n 's/^Version: //p' | head -n1)
			apt_use_series "$series-ppc64el"
			download "$kbuild=$kver"
		else
			download "$headers" "$common" "$kbuild" "$image"
		fi
		# Debian's headers Makefile includes its common part by
		# absolute path; point it into the cache.
		sed -i "s|include /usr/src/|include $dest/root/usr/src/|" \
			"$dest/root/usr/src/linux-headers-$krel/Makefile"
	fi
	echo "$krel" > "$dest/krel"
	echo "$dest/root"
	;;
source)
	src=$dest/linux-source
	# What the project uses of the source: checkpatch, kernel-doc, and
	# the kernel's Sphinx extensions.
	parts="scripts Documentation/sphinx"
	if [ "$(cat "$src/.done" 2>/dev/null)" != "$parts" ]; then
		step "fetching Debian linux-source-$series ($parts)"
		download "linux-source-$series"
		rm -rf "$src" && mkdir -p "$src"
		info "extracting $parts from linux-source-$series.tar.xz"
		# shellcheck disable=SC2046
		tar -xJf "$dest/root/usr/src/linux-source-$series.tar.xz" -C "$src" \
			--strip-components=1 $(printf "linux-source-$series/%s " $parts)
		echo "$parts" > "$src/.done"
	fi
	echo "$src"
	;;
tree)
	# The whole pristine source tree (for in-tree builds: KUnit kernels).
	tree=$dest/linux-tree
	if [ ! -e "$tree/.done" ]; then
		step "fetching Debian linux-source-$series (whole tree)"
		if [ "$series" = 7.2 ]; then
			# sid's: installed in the sid chroot
			tarball=$("$TOP/scripts/sid-chroot.sh" "linux-source-$series")/usr/src/linux-source-$series.tar.xz
		else
			download "linux-source-$series"
			tarball=$dest/root/usr/src/linux-source-$series.tar.xz
		fi
		rm -rf "$tree" && mkdir -p "$tree"
		info "extracting linux-source-$series.tar.xz (about a minute)"
		tar -xJf "$tarball" -C "$tree" --strip-components=1
		touch "$tree/.done"
	fi
	echo "$tree"
	;;
busybox)
	# A static busybox of another architecture (SERIES: ppc64el), for
	# the initramfs of its guests.
	arch=$series
	dest=$MSIX_RESYNC_CACHE/debian/busybox-$arch
	mkdir -p "$dest/debs"
	apt_use_series bookworm "$arch"
	download busybox-static
	[ -x "$dest/root/bin/busybox" ] || die "no busybox in busybox-static:$arch"
	echo "$dest/root/bin/busybox"
	;;
*)
	die "unknown: $what"
	;;
esac
