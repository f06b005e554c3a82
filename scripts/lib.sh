# SPDX-License-Identifier: GPL-2.0
# Shared helpers for msix-resync's scripts. Source it; do not run it.

: "${MSIX_RESYNC_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/msix-resync}"
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export MSIX_RESYNC_CACHE TOP

# The Debian kernels we support: series -> metapackages. Every one is
# built (W=1, sparse) and booted for e2e: 5.10 from bullseye, 6.1 and 6.12
# from bookworm, 7.2 from sid (in a sid chroot).
ALL_SERIES="5.10 6.1 6.12 7.2"
# The KUnit kernels and DKMS of make check (KUNIT_SERIES for make kunit).
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
	5.10|6.1|7.2) ;;	# bullseye's, bookworm's and sid's default kernels
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
# project are the same in there); bullseye's (5.10) with gcc-12.
kmake() {
	local series=$1
	shift
	if [ "$series" = 7.2 ]; then
		"$TOP/scripts/sid-chroot.sh" run make "$@"
	elif [ "$series" = 5.10 ]; then
		# bullseye's headers name gcc-10; bookworm's gcc-12 builds for
		# them (their kbuild programs run on bookworm's libc)
		make CC=gcc-12 "$@"
	else
		make "$@"
	fi
}

step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
info() { printf '    %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The Debian suite that serves a series' kernel: the host's own (bookworm)
# unless named here. sid's (7.2) lives in the sid chroot (sid-chroot.sh).
series_suite() {
	case $1 in
	5.10) echo bullseye ;;
	*) echo ;;
	esac
}

# apt_use_series SERIES: point APT_OPTS (apt-get and apt-cache options) at
# the series' suite. Another suite gets its own sources list, state and
# cache directories under the cache, so the host's apt and packages stay
# as they are; its lists are fetched the first time.
APT_OPTS=()
apt_use_series() {
	local suite d
	suite=$(series_suite "$1")
	APT_OPTS=()
	[ -n "$suite" ] || return 0
	d=$MSIX_RESYNC_CACHE/apt/$suite
	APT_OPTS=(-o "Dir::Etc::SourceList=$d/sources.list" -o "Dir::Etc::SourceParts=$d/none"
		-o "Dir::State=$d/state" -o "Dir::State::status=$d/state/status"
		-o "Dir::Cache=$d/cache" -o "Acquire::Check-Valid-Until=false"
		-o "APT::Sandbox::User=root")
	if [ ! -e "$d/state/.updated" ]; then
		step "apt: fetching the package lists of Debian $suite (separate state in $d)"
		mkdir -p "$d/none" "$d/state/lists/partial" "$d/cache/archives/partial"
		touch "$d/state/status"
		cat > "$d/sources.list" <<-EOF
		deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main
		deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security $suite-security main
		EOF
		apt-get "${APT_OPTS[@]}" update -q >&2 || die "apt-get update for $suite failed"
		touch "$d/state/.updated"
	fi
}

# First "Depends:" of a package, i.e. what a metapackage points at.
apt_first_dep() {
	apt-cache "${APT_OPTS[@]}" depends "$1" 2>/dev/null |
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

# e1000e_guest OUTDIR CPUS KERNEL INITRD: boot a kernel in QEMU (TCG) with an
# e1000e behind a PCIe root port, the serial console in OUTDIR/console.log
# and QEMU's MSI-X, config-space and MMIO trace events in OUTDIR/trace.log
# (read by tests/e2e/guestlog.py). With more than one vCPU TCG runs
# single-threaded: multi-threaded TCG oopses early in SMP guests here
# (BRIEF 8).
e1000e_guest() {
	local outdir=$1 cpus=$2 kernel=$3 initrd=$4 accel=tcg
	[ "$cpus" -gt 1 ] && accel=tcg,thread=single
	rm -f "$outdir/console.log" "$outdir/trace.log"
	timeout 600 qemu-system-x86_64 \
		-accel "$accel" -M q35 -cpu max -smp "$cpus" -m 512 \
		-display none -monitor none -no-reboot -nic none \
		-serial "file:$outdir/console.log" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 loglevel=7 mitigations=off" \
		-device pcie-root-port,id=rp1,chassis=1,slot=1 \
		-device e1000e,bus=rp1,id=nic0 \
		-trace enable=msix_write_config -trace enable=pci_cfg_write \
		-trace enable=e1000e_irq_msix_notify_vec \
		-trace enable=memory_region_ops_write \
		-D "$outdir/trace.log" 2>&1 | grep -v 'has no peer' >&2
	return "${PIPESTATUS[0]}"
}
