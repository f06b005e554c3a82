#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The upstream series, drivers-ipr-patch/upstream/ (hand-written patches
# against Linux 7.2; Documentation/upstream.rst):
#
#   upstream.sh check    make upstream: on sid's pristine linux-source-7.2,
#                        git am patch by patch; at the base and after each
#                        patch, the drivers the series touches (ipr, the
#                        PCI/MSI core and its tests, amdgpu with its display
#                        code) build whole with W=1 and sparse (C=1) in the
#                        sid chroot (sid's gcc), every C file of the patch
#                        compiled and checked, no message beyond the base's
#                        build; checkpatch.pl --strict on each patch; the
#                        series' KUnit suite in QEMU on an SMP kernel: every
#                        case passes on the series and the suite fails on
#                        the series without its PCI/MSI fix (the mutant); the series
#                        in the nested VFIO stack (L2 7.2 with it, R2 and
#                        R3, every phase); the diffstat.
#                        PASS/FAIL lines and "N passed, M failed".
#   upstream.sh format [OUTDIR]
#                        make upstream-patches: the series as git
#                        format-patch output signed by the submitter (git
#                        config user.name and user.email), v3, a cover
#                        letter, each patch's recipients from
#                        get_maintainer.pl (default OUTDIR: out/upstream).
#                        KERNEL_TREE=DIR, a Linux git tree with the base's
#                        tag, adds base-commit.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

what=${1:?usage: upstream.sh check | format [OUTDIR]}
series=7.2
src=$TOP/drivers-ipr-patch/upstream
base=$MSIX_RESYNC_CACHE/upstream
# the placeholder every committed patch carries instead of a person
PLACEHOLDER='Your Name <you@example.invalid>'
mkdir -p "$base"
export CCACHE_DIR=$MSIX_RESYNC_CACHE/ccache

pristine=$("$TOP/scripts/fetch-debian.sh" tree "$series")
version=$(sed -n 's/^VERSION = //p;s/^PATCHLEVEL = //p;s/^SUBLEVEL = //p' "$pristine/Makefile" |
	paste -sd.)
patches=("$src"/00[0-9][1-9]-*.patch)
[ -e "${patches[0]}" ] || die "no patches in $src"

# tree DIR: a copy of the pristine source with a git repository holding
# the files the series touches (Debian's tree ignores everything at its top
# level: git add -f); the base is tagged "base"
tree() {
	local wt=$1 files
	rm -rf "$wt"
	step "copying linux-source-$series ($version) to $wt"
	cp -a "$pristine" "$wt"
	files=$(cat "${patches[@]}" | sed -n 's|^--- a/||p' | sort -u)
	(cd "$wt" && git init -q && git add -f $files &&
	 git -c user.name=base -c user.email=base@invalid commit -q \
		-m "Linux $version (Debian linux-source-$series): the files the series touches" &&
	 git tag base)
}

sid() {	# sid CMD...: in the sid chroot (the cache is at the same path there)
	"$TOP/scripts/sid-chroot.sh" run "$@"
}

# the drivers the series touches, built whole at the base and after every
# patch: ipr (one file), the MSI core with its tests, amdgpu (its Makefile
# takes in amd/display)
DRIVERS="drivers/scsi/ipr.o drivers/pci/msi/ drivers/gpu/drm/amd/amdgpu/"

# build LOG: $DRIVERS built with W=1 and sparse (C=1), in the sid chroot,
# after the configuration fragment is merged again (an option whose symbol
# a patch adds, as patch 4 does, is dropped by every olddefconfig before
# it). Incremental: after a patch, what its changes reach is rebuilt.
build() {
	local log=$1
	sid sh -c "cd '$wt' && scripts/kconfig/merge_config.sh -m -O '$bdir' '$bdir/.config' \
			'$src/config' >/dev/null && make -s O='$bdir' olddefconfig &&
		make O='$bdir' -j$(nproc) CC='ccache gcc' W=1 C=1 $DRIVERS" >"$log" 2>&1
}

compiled() {	# compiled LOG: how many objects the build in LOG compiled
	grep -cE '^  CC( \[M\])? ' "$1" || true
}

pass() { verdict 0 "$*"; }
fail() { verdict 1 "$*"; }

do_check() {
	local wt=$base/check bdir=$base/build kbdir=$base/kunit log n p objs o warn t0 out
	t0=$(date +%s)
	verdicts_begin upstream
	"$TOP/scripts/sid-chroot.sh" ccache sparse bc flex bison libelf-dev libssl-dev \
		python3 make gcc >/dev/null
	tree "$wt"
	# x86_64_defconfig; build() merges drivers-ipr-patch/upstream/config
	# into it before every build
	step "configuring x86_64_defconfig (sid's gcc)"
	mkdir -p "$bdir"
	sid sh -c "cd '$wt' && make -s O='$bdir' x86_64_defconfig" >"$base/config.log" 2>&1 ||
		die "configuration failed; see $base/config.log"
	# The base's warnings (stock ipr.h and amdgpu have sparse messages of
	# their own): every object of $DRIVERS compiled and checked again
	# (ccache replays the compiler's messages; sparse runs every time)
	step "the base: building $DRIVERS with W=1 C=1 (amdgpu: about 900 files)"
	# (amdgpu's display objects are under amd/display, beside amd/amdgpu)
	(cd "$bdir" && rm -f drivers/scsi/ipr.o &&
	 find drivers/pci/msi drivers/gpu/drm/amd -name '*.o' -delete 2>/dev/null) || true
	build "$base/build-0.log" || die "the base does not build; see $base/build-0.log"
	info "the base: $(compiled "$base/build-0.log") objects compiled," \
		"$(grep -c '^  CHECK ' "$base/build-0.log" || true) checked by sparse"
	n=0
	for p in "${patches[@]}"; do
		n=$((n + 1))
		if ! (cd "$wt" && git -c user.name=x -c user.email=x@invalid am -q "$p"); then
			fail "patch $n applies: git am ${p##*/}"
			(cd "$wt" && git am --abort) || true
			break
		fi
		pass "patch $n applies: ${p##*/}"
		objs=$(cd "$wt" && git show --format= --name-only HEAD | sed -n 's/\.c$/.o/p' | tr '\n' ' ')
		log=$base/build-$n.log
		step "patch $n: building $DRIVERS with W=1 C=1"
		if ! build "$log"; then
			tail -n 15 "$log" | sed 's/^/    | /'
			fail "patch $n builds (see $log)"
			continue
		fi
		# every object compiled and checked here (ccache replays the
		# compiler's warnings), none with a message the base has not
		local missing=
		for o in $objs; do
			grep -qE "^  CC( \[M\])? +${o}\$" "$log" && grep -qE "^  CHECK +.*/${o%.o}\.c\$" "$log" ||
				missing="$missing $o"
		done
		warn=$(warnings "$base/build-0.log" "$log")
		if [ -n "$missing" ]; then
			fail "patch $n: not compiled and checked:$missing (see $log)"
		elif [ -n "$warn" ]; then
			echo "$warn" | head -n 10 | sed 's/^/    | /'
			fail "patch $n: W=1 or sparse warnings the base does not have (see $log)"
		else
			pass "patch $n: ipr, PCI/MSI and amdgpu build with W=1 and sparse," \
				"no warning beyond the base's ($(compiled "$log") objects rebuilt;" \
				"its C files: ${objs:-none})"
		fi
	done
	# the drivers the builds were meant to cover were in them (the
	# suite's symbol exists only from patch 4 on: checked at the end)
	local lost=
	while read -r o; do
		case $o in CONFIG_*=* | "# CONFIG_"*" is not set") ;; *) continue ;; esac
		grep -qx "$o" "$bdir/.config" || lost="$lost $o"
	done < "$src/config"
	if [ -z "$lost" ]; then
		pass "every option of drivers-ipr-patch/upstream/config is in the built configuration"
	else
		fail "options lost by olddefconfig:$lost ($bdir/.config)"
	fi
	# checkpatch (the pristine tree's): with no upstream history here it
	# cannot look commit ids up and flags every one (UNKNOWN_COMMIT_ID;
	# Documentation/upstream.rst says where they were checked);
	# FILE_PATH_CHANGES: the new test file is under PCI SUBSYSTEM's
	# "F: drivers/pci/"
	n=0
	for p in "${patches[@]}"; do
		n=$((n + 1))
		out=$(cd /tmp && perl "$pristine/scripts/checkpatch.pl" --strict --no-tree \
			--ignore FILE_PATH_CHANGES,UNKNOWN_COMMIT_ID -q "$p" 2>&1) || true
		if [ -z "$out" ]; then
			pass "patch $n: checkpatch.pl --strict clean"
		else
			echo "$out" | head -n 10 | sed 's/^/    | /'
			fail "patch $n: checkpatch.pl --strict"
		fi
	done
	kunit "$wt" "$kbdir" series
	# the mutant: the series without its PCI/MSI fix must fail the suite
	(cd "$wt" && git -c user.name=x -c user.email=x@invalid revert --no-edit >/dev/null \
		"$(git log --format=%H --grep='^PCI/MSI: Clear MSI-X Enable' -n1)") ||
		die "cannot revert the PCI/MSI fix"
	kunit "$wt" "$kbdir" mutant
	# Behaviour: the series in the nested VFIO stack (Documentation/vfio.rst).
	# L2 is sid's 7.2 with the whole series (vfio-build.sh l2 7.2+core);
	# R2 on the nvme, R3 (a real bus reset) on the e1000e, every phase: the
	# stock driver sequence (A) and iavf's pci_restore_msi_state() after a
	# reset learnt of afterwards (I, also amdgpu's call in patch 5) must be
	# repaired as tests/vfio/check.py predicts for a core-fixed L2
	step "the series in the nested VFIO stack: L2 Linux $version with it, R2 and R3"
	out=$(OUT=$base VFIO_CORE_CELLS="7.2+core-R2-H1 7.2+core-R3-H1" \
		"$TOP/scripts/vfio-repro.sh" core 2>"$base/vfio.log") || true
	absorb "$out"
	echo "$out" | grep '^MATRIX ' || true
	step "the series' diffstat"
	(cd "$wt" && git diff --stat base HEAD~1)
	info "make upstream took $(( $(date +%s) - t0 )) s; logs in $base"
	verdicts_end
}

# kunit TREE BUILDDIR series|mutant: the pci_msix_restore suite under
# kunit.py (built in the sid chroot, run by the host's QEMU with TCG)
kunit() {
	local wt=$1 kbdir=$2 kind=$3 log=$base/kunit-$3.log json=$base/kunit-$3.json
	step "KUnit pci_msix_restore on the $kind (kunit.py, x86_64, SMP kernel, 4 vCPUs)"
	rm -f "$json" "$kbdir/test.log"
	if ! sid sh -c "cd '$wt' && python3 tools/testing/kunit/kunit.py build --arch=x86_64 \
		--build_dir='$kbdir' --kunitconfig='$src/kunitconfig' \
		--make_options 'CC=ccache gcc' --jobs=$(nproc)" >"$log.build" 2>&1; then
		tail -n 15 "$log.build" | sed 's/^/    | /'
		fail "KUnit ($kind): the kernel builds"
		return
	fi
	(cd "$wt" && PATH=$(qemu_tcg_wrapper "$base/qemu-tcg"):$PATH \
		python3 tools/testing/kunit/kunit.py exec --arch=x86_64 \
		--build_dir="$kbdir" --qemu_args="-smp 4 -accel tcg" --timeout=600 \
		--json="$json" pci_msix_restore) >"$log" 2>&1 || true
	# the guest's log, kept per run (the next run writes test.log again)
	cp "$kbdir/test.log" "$base/kunit-$kind.guest.log" 2>/dev/null || : >"$base/kunit-$kind.guest.log"
	absorb "$(python3 "$TOP/tests/upstream_kunit.py" "$kind" "$json" "$base/kunit-$kind.guest.log" 2>&1)"
}

# maintainers ARGS...: get_maintainer.pl of the pristine tree (its
# MAINTAINERS), comma separated, without git history or roles
maintainers() {
	(cd "$pristine" && perl scripts/get_maintainer.pl --no-git --no-git-fallback \
		--no-rolestats --separator , "$@") || die "get_maintainer.pl $* failed"
}

# add_cc PATCH LIST: a Cc: header before the Subject:, LIST's addresses
# once each, in order
add_cc() {
	python3 - "$1" "$2" <<'PY'
import sys
path, maint = sys.argv[1], sys.argv[2]
s = open(path).read()
head, sep, rest = s.partition('\nSubject: ')
cc = []
for m in (m.strip() for m in maint.split(',')):
    if m and m not in cc:
        cc.append(m)
open(path, 'w').write(head + '\nCc: ' + ', '.join(cc) + sep + rest)
PY
}

do_format() {
	local out=${1:-$OUT/upstream} wt=$base/format who name email tmp p maint
	name=$(git -C "$TOP" config user.name || true)
	email=$(git -C "$TOP" config user.email || true)
	[ -n "$name" ] && [ -n "$email" ] ||
		die "no submitter: set git config user.name and user.email (the patches are signed with them)"
	who="$name <$email>"
	[ "$who" != "$PLACEHOLDER" ] || die "git config user.name/user.email is the placeholder"
	tree "$wt"
	(cd "$wt" && for p in "${patches[@]}"; do
		sed "s|$PLACEHOLDER|$who|g" "$p" | git -c user.name="$name" -c user.email="$email" am -q ||
			exit 1
	 done) || die "git am failed in $wt"
	tmp=$wt/.out
	rm -rf "$tmp"
	local baseopt=(--base=base)
	if [ -n "${KERNEL_TREE:-}" ]; then
		baseopt=(--base="$(git -C "$KERNEL_TREE" rev-parse "v$version^{commit}")") ||
			die "no tag v$version in $KERNEL_TREE"
	fi
	(cd "$wt" && git -c user.name="$name" -c user.email="$email" \
		format-patch -q -v3 --no-signature --cover-letter \
		"${baseopt[@]}" -o "$tmp" base..HEAD) || die "git format-patch failed"
	# without KERNEL_TREE the base is the local tag, not an upstream id
	[ -n "${KERNEL_TREE:-}" ] || sed -i '/^base-commit: /d' "$tmp"/*.patch
	# get_maintainer.pl names only PCI's for drivers/pci/msi/; the MSI
	# core is the irq subsystem's and the other side of the restore is
	# VFIO's: their maintainers and lists too, from the same MAINTAINERS
	local extra
	extra=$(maintainers -f kernel/irq/msi.c drivers/vfio/pci/vfio_pci_intrs.c)
	for p in "$tmp"/v3-000[1-9]-*.patch; do
		maint=$(maintainers --no-tree "$p")
		grep -q '^+++ b/drivers/pci/msi/' "$p" && maint="$maint,$extra"
		add_cc "$p" "$maint"
	done
	python3 - "$tmp"/v3-0000-cover-letter.patch "$src/cover-letter.txt" "$version" <<'PY'
import sys
path, tpl, version = sys.argv[1:4]
s = open(path).read()
lines = open(tpl).read().replace('@VERSION@', version).split('\n')
subject, body = lines[0], '\n'.join(lines[1:]).strip('\n')
s = s.replace('*** SUBJECT HERE ***', subject)
s = s.replace('*** BLURB HERE ***', body)
open(path, 'w').write(s)
PY
	add_cc "$tmp"/v3-0000-cover-letter.patch \
		"$(maintainers --no-tree "$tmp"/v3-000[1-9]-*.patch),$extra"
	mkdir -p "$out"
	rm -f "$out"/v3-*.patch
	cp "$tmp"/v3-*.patch "$out/"
	info "$(ls "$out"/v3-*.patch | wc -l) files in $out, signed by $who; send with git send-email $out/v3-*.patch"
}

case $what in
check) do_check ;;
format) do_format "${2:-}" ;;
*) die "usage: upstream.sh check | format [OUTDIR]" ;;
esac
