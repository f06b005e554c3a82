# SPDX-License-Identifier: GPL-2.0
# Shared helpers for msix-resync's scripts. Source it; do not run it.

: "${MSIX_RESYNC_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/msix-resync}"
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export MSIX_RESYNC_CACHE TOP

# The Debian kernels we support: series -> metapackages. Every one is
# built (W=1, sparse) and booted for e2e: 5.10 from bullseye, 6.1 and 6.12
# from bookworm, 7.2 from sid (in a sid chroot).
ALL_SERIES="5.10 6.1 6.12 7.2"
# ppc64le (POWER, where ipr lives): cross-built against Debian's ppc64el
# headers: bookworm's 6.1 here, trixie's 6.12 in the trixie chroot.
PPC_SERIES="6.1-ppc64el 6.12-ppc64el"
# The KUnit kernels and DKMS of make check (KUNIT_SERIES for make kunit).
SERIES="6.1 6.12"
# The ipr series also exists for sid's Linux 7.2 (built in a sid chroot).
IPR_SERIES="6.1 6.12 7.2"
# make kunit: also 7.2 (make check runs $SERIES, a 7.2 KUnit kernel built
# cold takes about 15 minutes more) and ppc64le 6.1 and 6.12 (SERIES-ppc64le:
# the same sources cross-built, in a pseries guest; about 20 minutes each
# to build cold)
KUNIT_SERIES=${KUNIT_SERIES:-"6.1 6.12 7.2 6.1-ppc64le 6.12-ppc64le"}
# meta_image SERIES [FLAVOUR]: FLAVOUR cloud (the default: our guests) or
# generic (amd64: has the 9p and every vfio module, for the nested VFIO host).
meta_image() {
	local flavour=cloud-amd64 series=
	[ "${2:-cloud}" = generic ] && flavour=amd64
	[ "${2:-cloud}" = ppc64el ] && flavour=powerpc64le
	case $1:${2:-cloud} in
	5.10:*|6.1:*|7.2:*) ;;	# bullseye's, bookworm's and sid's default kernels
	6.12:ppc64el) ;;	# trixie's default kernel
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
# project are the same in there); bullseye's (5.10) with gcc-12; SERIES-ppc64el
# (ppc64le headers) with gcc-powerpc64le-linux-gnu.
kmake() {
	local series=$1
	shift
	if [ "$series" = 7.2 ]; then
		"$TOP/scripts/sid-chroot.sh" run make "$@"
	elif [ "$series" = 6.12-ppc64el ]; then
		# trixie's headers and kbuild, in the trixie chroot with
		# trixie's cross compiler
		"$TOP/scripts/chroot.sh" trixie make gcc-powerpc64le-linux-gnu sparse libc6-dev dwarves >/dev/null &&
			"$TOP/scripts/chroot.sh" trixie run make ARCH=powerpc CROSS_COMPILE=powerpc64le-linux-gnu- "$@"
	elif [ "${series%-ppc64el}" != "$series" ]; then
		# ppc64le: Debian's cross compiler, this machine's kbuild
		make ARCH=powerpc CROSS_COMPILE=powerpc64le-linux-gnu- "$@"
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
# need_gnuplot: the benchmarks' plots (gnuplot-nox from Debian, if missing)
need_gnuplot() {
	command -v gnuplot >/dev/null && return
	step "installing gnuplot-nox"
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends gnuplot-nox >&2
}

# The Debian suite that serves a series' kernel: the host's own (bookworm)
# unless named here. sid's (7.2) lives in the sid chroot (sid-chroot.sh).
series_suite() {
	case $1 in
	5.10) echo bullseye ;;
	# bookworm's 6.12 for ppc64el comes from bookworm-security, whose
	# ppc64el index this archive serves inconsistently: trixie's 6.12
	6.12-ppc64el) echo trixie ;;
	*) echo ;;
	esac
}

# apt_use_series SERIES: point APT_OPTS (apt-get and apt-cache options) at
# the series' suite. Another suite gets its own sources list, state and
# cache directories under the cache, so the host's apt and packages stay
# as they are; its lists are fetched the first time.
APT_OPTS=()
apt_use_series() {	# apt_use_series SERIES [ARCH]
	local suite d arch=${2:-} archopt=
	suite=$(series_suite "$1")
	APT_OPTS=()
	[ -n "$suite$arch" ] || return 0
	# another architecture (ppc64el): bookworm's packages of it, in a
	# state directory of their own
	[ -n "$suite" ] || suite=bookworm
	d=$MSIX_RESYNC_CACHE/apt/$suite${arch:+-$arch}
	[ -n "$arch" ] && archopt="arch=$arch "
	APT_OPTS=(-o "Dir::Etc::SourceList=$d/sources.list" -o "Dir::Etc::SourceParts=$d/none"
		-o "Dir::State=$d/state" -o "Dir::State::status=$d/state/status"
		-o "Dir::Cache=$d/cache" -o "Acquire::Check-Valid-Until=false"
		-o "APT::Sandbox::User=root")
	[ -n "$arch" ] && APT_OPTS+=(-o "APT::Architecture=$arch" -o "APT::Architectures=$arch")
	# Lists older than 12 hours are fetched again: the archive serves only
	# each suite's newest point release, and old lists name packages it
	# no longer holds.
	if [ -z "$(find "$d/state/.updated" -mmin -720 2>/dev/null)" ]; then
		step "apt: fetching the package lists of Debian $suite (separate state in $d)"
		mkdir -p "$d/none" "$d/state/lists/partial" "$d/cache/archives/partial"
		touch "$d/state/status"
		cat > "$d/sources.list" <<-EOF
		deb [${archopt}signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main
		EOF
		# Another architecture's kernel from the suite's main only: this
		# archive mirror serves the ppc64el indexes of -security and
		# -updates inconsistently, and lists packages it does not hold.
		[ -n "$arch" ] || cat >> "$d/sources.list" <<-EOF
		deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite-updates main
		deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security $suite-security main
		EOF
		# An index the mirror serves inconsistently (mid-sync) is
		# skipped with apt's own error above; what the others hold is
		# used, and a package none holds fails where it is resolved.
		apt-get "${APT_OPTS[@]}" update -q >&2 ||
			info "apt-get update for $suite${arch:+ ($arch)} had errors; going on with the indexes it got"
		touch "$d/state/.updated"
	fi
}

# First "Depends:" of a package, i.e. what a metapackage points at.
apt_first_dep() {
	apt-cache "${APT_OPTS[@]}" depends "$1" 2>/dev/null |
		awk '/^ *\|?Depends:/ { sub(/^ *\|?Depends: */, ""); print; exit }'
}

# busybox_init < BODY: a busybox initramfs's /init: the shell, /proc, /sys
# and /dev, then BODY (standard input), then power off.
busybox_init() {
	printf '%s\n' '#!/bin/busybox sh' '/bin/busybox --install -s /bin' \
		'mount -t proc proc /proc' 'mount -t sysfs sys /sys' 'mount -t devtmpfs dev /dev'
	cat
	echo 'poweroff -f'
}

warnings() {	# warnings STOCK.log PATCHED.log: the W=1 and sparse messages that
	# the patched build prints more often than the stock one, compared per
	# message with file and line left out (the series moves ipr.c's lines):
	# a new instance of a message stock ipr.c prints too counts.
	# (scripts/check.sh's self-test runs this function on tests/selftest/ipr/;
	# scripts/ipr.sh and scripts/upstream.sh use it.)
	# (a log with no message is no failure, under pipefail too)
	{ grep -E '(warning|error):' "$1" | sed 's/^/S /' || true
	  grep -E '(warning|error):' "$2" | sed 's/^/P /' || true; } |
		sed -E 's/^(S|P) [^ ]*:[0-9]+:([0-9]+:)? /\1 /' |
		awk '{ m = substr($0, 3); n[m, substr($0, 1, 1)]++; seen[m] = 1 }
		END { for (m in seen) if (n[m, "P"] + 0 > n[m, "S"] + 0)
			printf "%d time(s) in the patched build, %d in stock: %s\n", n[m, "P"], n[m, "S"] + 0, m }' |
		sort
}

# qemu_tcg_wrapper DIR: prints DIR, where a qemu-system-x86_64 runs the
# real one without "-accel kvm"/"-accel hvf". kunit.py of Linux 6.18 and
# later asks QEMU for KVM first; a /dev/kvm that exists but does not work
# (as on this project's machines) then hangs the guest: put DIR first in
# PATH and the tests run with TCG.
qemu_tcg_wrapper() {
	local wrap=$1
	mkdir -p "$wrap"
	cat > "$wrap/qemu-system-x86_64" <<WRAP
#!/bin/bash
args=()
while [ \$# -gt 0 ]; do
	case "\$1 \${2:-}" in
	"-accel kvm"|"-accel hvf") shift 2 ;;
	*) args+=("\$1"); shift ;;
	esac
done
exec $(command -v qemu-system-x86_64) "\${args[@]}"
WRAP
	chmod +x "$wrap/qemu-system-x86_64"
	echo "$wrap"
}

# kmod_closure ROOT KREL DEST MODULE...: what a guest's initramfs loads
# from the unpacked Debian image ROOT of kernel KREL: MODULEs with what
# each needs, in modules.dep's order, into DEST with DEST/order
# (kmod-closure.py). Debian's image leaves modules.dep to depmod at
# installation, and keeps its modules in /usr/lib (trixie on, /usr-merged)
# or /lib (bookworm's ppc64el image).
kmod_closure() {
	local root=$1 krel=$2 dest=$3 mdir
	shift 3
	mdir=$root/usr/lib/modules/$krel
	[ -d "$mdir" ] || mdir=$root/lib/modules/$krel
	[ -e "$mdir/modules.dep" ] || /sbin/depmod -b "${mdir%/lib/modules/*}" "$krel" ||
		die "depmod for $krel failed"
	mkdir -p "$dest"
	python3 "$TOP/scripts/kmod-closure.py" "$mdir" "$dest" "$@" ||
		die "cannot resolve the modules of $krel from $mdir/modules.dep"
}

# nested_progress OUTDIR PIDFILE: in the background, the milestones of a
# nested boot's two levels as their consoles log them (vfio-run.sh,
# vfio-power.sh); the tail's pid goes to PIDFILE, and killing it ends the
# filter after it (EOF)
nested_progress() {
	local outdir=$1 pidfile=$2 t0
	t0=$(date +%s)
	touch "$outdir/l1-console.log" "$outdir/l2-console.log"
	{ tail -q -n +1 -F "$outdir/l1-console.log" "$outdir/l2-console.log" 2>/dev/null &
	  echo $! > "$pidfile"; } |
		grep --line-buffered -E '^(\[[ 0-9.]*\] )?(L1-(START|HOST|BOUND|QEMU|RESET|L2-QEMU|END|FAILED)|L2-(START|CPUS|PHASE|END|NO-|SYNC|CTL|CYCLE))' |
		sed -u 's/^\[[ 0-9.]*\] //' |
		while read -r line; do info "[$(( $(date +%s) - t0 ))s] $line"; done &
}

# A checker of its own (consumer.sh, deb.sh, deb-chroot-test.sh):
# verdicts_begin LABEL, then verdict RC WHAT for each check ("PASS LABEL:
# WHAT" when RC is 0), absorb OUTPUT for another checker's PASS/FAIL lines
# (a FAIL too when it did not end with its own "N passed, M failed"
# matching them), verdicts_end for the summary and the exit status.
verdicts_begin() { VERDICT_LABEL=$1 passed=0 failed=0; }
verdict() {
	if [ "$1" = 0 ]; then passed=$((passed + 1)); echo "PASS $VERDICT_LABEL: $2"
	else failed=$((failed + 1)); echo "FAIL $VERDICT_LABEL: $2"; fi
}
absorb() {
	local np nf sum
	echo "$1" | grep -E '^(PASS|FAIL) '
	# (no match is no failure: callers may run under set -e and pipefail)
	np=$(echo "$1" | grep -c '^PASS ' || true)
	nf=$(echo "$1" | grep -c '^FAIL ' || true)
	passed=$((passed + np)) failed=$((failed + nf))
	sum=$(echo "$1" | grep -vE '^(PASS|FAIL) ' | grep -oE '[0-9]+ passed, [0-9]+ failed$' | tail -n1 || true)
	[ "$sum" = "$np passed, $nf failed" ] ||
		verdict 1 "the checker it ran did not finish: $(echo "$1" | tail -n 3)"
}
verdicts_end() {
	echo "$VERDICT_LABEL: $passed passed, $failed failed"
	exit $((failed > 0))
}

# mkinitramfs OUT INIT FILE...: a busybox initramfs with INIT as /init and
# the FILEs (modules, or directories of them) at its root. BUSYBOX names
# another architecture's static busybox.
mkinitramfs() {
	local out=$1 init=$2 stage
	shift 2
	stage=$(mktemp -d)
	mkdir -p "$stage"/{bin,dev,proc,sys}
	cp "${BUSYBOX:-/bin/busybox}" "$stage/bin/busybox"
	[ $# -eq 0 ] || cp -r "$@" "$stage/"
	cp "$init" "$stage/init"
	chmod +x "$stage/init"
	(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
	rm -rf "$stage"
}

# A pseries POWER9 guest under TCG (e1000e_guest, vfio-power.sh): the
# speculation mitigations TCG cannot provide declared broken or off
PSERIES=(-M pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off
	 -cpu power9)

# e1000e_guest OUTDIR CPUS KERNEL INITRD: boot a kernel in QEMU (TCG) with an
# e1000e behind a PCIe root port, the serial console in OUTDIR/console.log
# and QEMU's MSI-X, config-space and MMIO trace events in OUTDIR/trace.log
# (read by tests/e2e/guestlog.py). With more than one vCPU TCG runs
# single-threaded: multi-threaded TCG oopses early in SMP guests here
# (BRIEF 8).
#
# ARCH ppc64le (default x86_64): a pseries machine (POWER9, SLOF), the
# e1000e on the spapr PHB behind a PCI bridge, the console on hvc0.
e1000e_guest() {
	local outdir=$1 cpus=$2 kernel=$3 initrd=$4 arch=${5:-x86_64} accel=tcg
	local machine append
	[ "$cpus" -gt 1 ] && accel=tcg,thread=single
	rm -f "$outdir/console.log" "$outdir/trace.log"
	if [ "$arch" = ppc64le ]; then
		machine=(qemu-system-ppc64 "${PSERIES[@]}" -m 1024 -device pci-bridge,id=br1,chassis_nr=1,shpc=off
			-device e1000e,bus=br1,addr=0,id=nic0)
		append="console=hvc0 panic=-1 loglevel=7"
	else
		machine=(qemu-system-x86_64 -M q35 -cpu max -m 512
			-device pcie-root-port,id=rp1,chassis=1,slot=1
			-device e1000e,bus=rp1,id=nic0)
		append="console=ttyS0 panic=-1 loglevel=7 mitigations=off"
	fi
	timeout 900 "${machine[@]}" -accel "$accel" -smp "$cpus" \
		-display none -monitor none -no-reboot -nic none \
		-serial "file:$outdir/console.log" \
		-kernel "$kernel" -initrd "$initrd" -append "$append" \
		-trace enable=msix_write_config -trace enable=pci_cfg_write \
		-trace enable=e1000e_irq_msix_notify_vec \
		-trace enable=memory_region_ops_write \
		-D "$outdir/trace.log" 2>&1 | grep -v 'has no peer' >&2
	return "${PIPESTATUS[0]}"
}

# fetch_kernel SERIES: fetch-debian.sh kernel for a series name as the
# scripts use it (6.12, 6.1-ppc64el); prints the unpacked root.
fetch_kernel() {
	case $1 in
	*-ppc64el) "$TOP/scripts/fetch-debian.sh" kernel "${1%-ppc64el}" ppc64el ;;
	*) "$TOP/scripts/fetch-debian.sh" kernel "$1" ;;
	esac
}
