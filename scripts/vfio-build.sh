#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build what the nested VFIO test (scripts/vfio-run.sh) runs, cached under
# $MSIX_RESYNC_CACHE/vfio:
#
#   vfio-build.sh l2 SERIES -> the L2 guest kernel (bzImage): tinyconfig +
#                              tests/vfio/l2.config from Debian's
#                              linux-source-SERIES, msix-resync and
#                              tests/vfio/msix_resync_vfio.c built in;
#                              SERIES+core: the same with the PCI core's
#                              MSI-X restore fixed (the upstream series'
#                              PCI/MSI patch, drivers-ipr-patch/upstream/
#                              0003-*; for 7.2 the whole series), release
#                              suffix -core
#   vfio-build.sh h0|h0l    -> a host module: vfio-pci-core.ko rebuilt out
#                              of tree from Debian's 6.12 source against
#                              Debian's 6.12 generic headers; "H0" (the
#                              seed's host) with tests/vfio/h0-*.patch
#                              applied, "H0L" with only h0-1-*.patch
#   vfio-build.sh tool      -> tests/vfio/vfio_tool.c, static
#   vfio-build.sh tool-ppc64el -> the same for ppc64el (make vfio-power)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

what=${1:?usage: vfio-build.sh l2 SERIES | h0 | h0l | tool}
base=$MSIX_RESYNC_CACHE/vfio
mkdir -p "$base"
export CCACHE_DIR=$MSIX_RESYNC_CACHE/ccache

case $what in
l2)
	series=${2:?usage: vfio-build.sh l2 SERIES[+core]}
	variant=
	case $series in *+core) series=${series%+core} variant=-core ;; esac
	pristine=$("$TOP/scripts/fetch-debian.sh" tree "$series")
	wt=$base/l2-$series$variant/linux
	out=$base/l2-$series$variant/build
	if [ ! -e "$wt/.done" ]; then
		step "linking a work tree of linux-source-$series for the L2 kernel"
		rm -rf "$wt" && mkdir -p "$(dirname "$wt")"
		cp -al "$pristine" "$wt"
		touch "$wt/.done"
	fi
	if [ -n "$variant" ]; then
		# Linux 7.2: the whole upstream series (drivers-ipr-patch/upstream/,
		# written for it); older sources: its PCI/MSI patch alone. Patched
		# beside the tree, then copied in only where it differs (rsync -c:
		# a new file, no hard link written through; no rebuild when the
		# patches did not change).
		pset=("$TOP"/drivers-ipr-patch/upstream/0003-PCI-MSI-*.patch)
		[ "$series" = 7.2 ] && pset=("$TOP"/drivers-ipr-patch/upstream/00[0-9][1-9]-*.patch)
		files=$(cat "${pset[@]}" | sed -n 's|^+++ b/||p' | sort -u)
		tmp=$(mktemp -d)
		for f in $files; do
			mkdir -p "$tmp/$(dirname "$f")"
			[ ! -e "$pristine/$f" ] || cp "$pristine/$f" "$tmp/$f"
		done
		for p in "${pset[@]}"; do
			patch -d "$tmp" -p1 -F0 -s --no-backup-if-mismatch < "$p" ||
				die "${p#"$TOP"/} does not apply to linux-source-$series"
		done
		(cd "$tmp" && rsync -c -R $files "$wt/")
		rm -rf "$tmp"
	fi
	# The library in tree, as a guest-kernel builder puts it, and the
	# test code beside it (new files: no hard link is written through).
	"$TOP/scripts/intree.sh" "$wt"
	mkdir -p "$wt/drivers/pci/msix_resync/tests/vfio"
	rsync -c "$TOP"/tests/vfio/{msix_resync_vfio.c,msix_resync_vbench.c,amdgpu_restore_msix.h} \
		"$wt/drivers/pci/msix_resync/tests/vfio/"
	mkdir -p "$out"
	if ! cmp -s "$TOP/tests/vfio/l2.config" "$out/.l2.config"; then
		step "configuring the L2 kernel (tinyconfig + tests/vfio/l2.config)"
		make -C "$wt" O="$out" tinyconfig >/dev/null
		"$wt/scripts/kconfig/merge_config.sh" -m -O "$out" \
			"$out/.config" "$TOP/tests/vfio/l2.config" >"$out/merge.log" 2>&1
		make -C "$wt" O="$out" olddefconfig >/dev/null
		# Every line of the fragment must have survived Kconfig.
		while read -r line; do
			case $line in CONFIG_*) grep -qxF "$line" "$out/.config" ||
				die "L2 kernel config: $line did not take" ;; esac
		done < "$TOP/tests/vfio/l2.config"
		cp "$TOP/tests/vfio/l2.config" "$out/.l2.config"
	fi
	step "building the L2 kernel from linux-source-$series$variant (ccache; about 3 min cold)"
	log=$out/build.log
	if ! make -C "$wt" O="$out" -j"$(nproc)" CC="ccache gcc" LOCALVERSION="$variant" \
		CONFIG_MSIX_RESYNC_VFIO_TEST=y bzImage >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "L2 kernel build failed; log: $log"
	fi
	grep -q 'msix_resync_vfio' "$out/System.map" ||
		die "the L2 kernel lacks the VFIO test code"
	grep -q ' msix_resync_quiesce$' "$out/System.map" ||
		die "the L2 kernel lacks msix-resync"
	echo "$out/arch/x86/boot/bzImage"
	;;
h0|h0l)
	patches=("$TOP"/tests/vfio/h0-*.patch)
	[ "$what" = h0l ] && patches=("$TOP"/tests/vfio/h0-1-*.patch)
	root=$("$TOP/scripts/fetch-debian.sh" kernel 6.12 generic)
	krel=$(cat "$MSIX_RESYNC_CACHE/debian/6.12-generic/krel")
	pristine=$("$TOP/scripts/fetch-debian.sh" tree 6.12)
	out=$base/$what
	src=$out/src
	stamp="$krel $(cat "${patches[@]}" | sha1sum)"
	if [ "$(cat "$out/.done" 2>/dev/null)" != "$stamp" ]; then
		step "building ${what^^}: vfio-pci-core of $krel with ${patches[*]##*/}"
		rm -rf "$out" && mkdir -p "$src"
		cp "$pristine"/drivers/vfio/pci/vfio_pci_{core,intrs,rdwr,config}.c \
			"$pristine/drivers/vfio/pci/vfio_pci_priv.h" "$src/"
		for p in "${patches[@]}"; do
			patch -d "$src" -p4 -F0 -s --no-backup-if-mismatch < "$p" ||
				die "$p does not apply"
		done
		cat > "$src/Kbuild" <<'KBUILD'
# The upstream Makefile's vfio-pci-core line (x86: no zdev).
vfio-pci-core-y := vfio_pci_core.o vfio_pci_intrs.o vfio_pci_rdwr.o vfio_pci_config.o
obj-m += vfio-pci-core.o
KBUILD
		if ! make -C "$root/usr/src/linux-headers-$krel" M="$src" \
			CC="ccache gcc" modules >"$out/build.log" 2>&1; then
			cat "$out/build.log" >&2
			die "${what^^} vfio-pci-core build failed"
		fi
		echo "$stamp" > "$out/.done"
	fi
	echo "$src/vfio-pci-core.ko"
	;;
tool|tool-ppc64el)
	# ppc64el: for the pseries L1 of make vfio-power
	out=$base/$what cc=gcc
	[ "$what" = tool-ppc64el ] && cc=powerpc64le-linux-gnu-gcc
	mkdir -p "$out"
	if [ ! "$out/vfio_tool" -nt "$TOP/tests/vfio/vfio_tool.c" ]; then
		step "building tests/vfio/vfio_tool.c (static, $cc)"
		$cc -static -O2 -Wall -Wextra -Werror -o "$out/vfio_tool" \
			"$TOP/tests/vfio/vfio_tool.c" || die "vfio_tool build failed"
	fi
	echo "$out/vfio_tool"
	;;
*)
	die "unknown: $what"
	;;
esac
