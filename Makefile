# SPDX-License-Identifier: GPL-2.0
#
# msix-resync: out-of-tree build, and the project's test and demo targets.
# In a kernel tree, Kbuild is used directly and this file is not read.
#
#   make                   build against the running kernel
#   make KDIR=/path        build against another kernel build tree
#   make help              every target

KDIR ?= /lib/modules/$(shell uname -r)/build
SERIES ?= 6.1 6.12
ALL_SERIES ?= 5.10 6.1 6.12 7.2
PPC_SERIES ?= 6.1-ppc64el 6.12-ppc64el
IPR_SERIES ?= 6.1 6.12 7.2
OUT ?= $(CURDIR)/out
export MSIX_RESYNC_CACHE ?= $(HOME)/.cache/msix-resync

VERSION := $(shell cat $(CURDIR)/VERSION)
DKMS_SRC := /usr/src/msix-resync-$(VERSION)
DKMS_FILES := Kbuild Makefile VERSION dkms.conf dkms-symvers.sh include lib
# install-dev: where a driver built out of tree finds the header and the
# library's Module.symvers (of the kernel KDIR names).
DEVDIR ?= /usr/src/msix-resync-dev-$(VERSION)
# dkms-install/-remove act on this kernel release (default: the running one).
KERNELRELEASE_DKMS ?= $(shell uname -r)

KBUILD_OPTS := M=$(CURDIR) CONFIG_MSIX_RESYNC=m
ifneq ($(TESTS),)
KBUILD_OPTS += CONFIG_MSIX_RESYNC_E2E_TEST=m
endif

.PHONY: all modules clean install install-dev consumer help deps fetch modules-all checkpatch \
	kernel-doc e2e kunit stress mutate mutate-ipr kernel-patches ipr upstream upstream-patches vfio-repro vfio-matrix vfio-core vfio-safety vfio-power deb deb-test bench bench-vfio check demo dkms-install dkms-remove dkms-test docs

all: modules

modules: ## Build msix_resync.ko against KDIR (TESTS=1 adds the e2e test driver)
	$(MAKE) -C $(KDIR) $(KBUILD_OPTS) modules

install: ## Install the module into KDIR's /lib/modules (as root)
	$(MAKE) -C $(KDIR) $(KBUILD_OPTS) modules_install

install-dev: modules ## Install <linux/msix_resync.h> and Module.symvers into DEVDIR, for drivers built out of tree (Documentation/driver-guide.rst)
	install -D -m 644 include/linux/msix_resync.h $(DESTDIR)$(DEVDIR)/include/linux/msix_resync.h
	install -D -m 644 Module.symvers $(DESTDIR)$(DEVDIR)/Module.symvers

clean: ## Remove build products and test logs
	$(MAKE) -C $(KDIR) $(KBUILD_OPTS) clean 2>/dev/null || true
	rm -rf $(OUT)

deps: ## Install the Debian packages the build and tests need (apt, as root)
	@scripts/deps.sh

fetch: deps ## Fetch Debian's 5.10, 6.1, 6.12 and 7.2 cloud kernels and headers into the cache
	@for s in $(ALL_SERIES); do scripts/fetch-debian.sh kernel $$s >/dev/null || exit 1; done

modules-all: deps ## Build against Debian's 5.10, 6.1, 6.12 and 7.2 headers (x86_64) and 6.1's and 6.12's ppc64el headers (cross), W=1 and sparse (C=2), warnings fail
	@for s in $(ALL_SERIES) $(PPC_SERIES); do scripts/build-debian.sh $$s >/dev/null || exit 1; done

checkpatch: deps ## Run checkpatch.pl --strict (from Debian's linux-source) over the sources
	@scripts/check.sh checkpatch

kernel-doc: deps ## Run kernel-doc -none over the sources; check Context:/Return: of exports
	@scripts/check.sh kernel-doc

e2e: deps ## Boot Debian's 5.10, 6.1, 6.12 and 7.2 cloud kernels (x86_64) and 6.1 and 6.12 ppc64el (pseries) in QEMU and run the end-to-end tests
	@scripts/check.sh e2e

check: deps ## All tests: builds, checkpatch, kernel-doc, docs, DKMS, end-to-end, ipr, nested VFIO and its safety witness, KUnit
	@scripts/check.sh all

demo: deps ## One backdoor reset without and one with msix-resync, in a QEMU guest
	@scripts/demo.sh

kunit: deps ## Build KUnit debug guest kernels from Debian's 6.1, 6.12 and 7.2 sources (7.2 in a sid chroot) for x86_64 and 6.1, 6.12 for ppc64le, run the suites
	@scripts/check.sh kunit

stress: deps ## 1000 reset cycles on a 4-vCPU debug kernel (lockdep, KASAN) while the irq core moves vectors, CPUs go offline and online (managed vectors shut down) and an irq is toggled, 6.1 and 6.12
	@scripts/check.sh stress

mutate: deps ## Mutation testing: every mutant tests/mutagen.py generates from lib/ (and tests/mutants.txt) must fail the KUnit suites, kmemleak or e2e; with lib/'s coverage
	@scripts/mutate.sh

mutate-ipr: deps ## Mutation testing of the ipr series: each mutant (tests/ipr-mutants.txt) must fail ipr's KUnit suite on 6.12
	@python3 tests/mutate_ipr.py $(CURDIR) 6.12

kernel-patches: deps ## Regenerate drivers-ipr-patch/6.1, 6.12 and 7.2 (patch 1 from lib/)
	@for s in $(IPR_SERIES); do scripts/kernel-patches.sh $$s || exit 1; done

ipr: deps ## The ipr series for 6.1, 6.12 and 7.2: git am + quilt on pristine sources, checkpatch, out-of-tree ipr.ko
	@scripts/check.sh ipr

upstream: deps ## The upstream series (drivers-ipr-patch/upstream/) on sid's Linux 7.2: git am, W=1 + sparse after each patch, checkpatch, its KUnit suite and the mutant without the PCI/MSI fix
	@scripts/check.sh upstream

upstream-patches: deps ## The upstream series as git format-patch v3 output signed with your git user.name/user.email, recipients from get_maintainer.pl (out/upstream/)
	@scripts/upstream.sh format

vfio-repro: deps ## Nested VFIO: seed failure and cure, R1/R2 resets x H1/H0 hosts, L2 6.12 and 6.1
	@scripts/check.sh vfio-all

vfio-matrix: deps ## Nested VFIO matrix: L2's QEMU 7.2, 10.0, 11.1 x L1 hosts 6.12, 6.1 x resets R1, R2, R3 (real), host H1 x L2 stock and PCI-core-fixed, all seven phases; about 2 hours
	@scripts/check.sh vfio-matrix

vfio-core: deps ## Nested VFIO, L2 with the PCI core's MSI-X restore fixed (drivers-ipr-patch/upstream/0003-PCI-MSI-*.patch): R2 x H1, every phase; about 10 min
	@scripts/check.sh vfio-core

vfio-safety: deps ## Nested VFIO safety witness: can the device signal between the reset and the restore? Each method after R1 and R2, with a mutant; about 10 min
	@scripts/check.sh vfio-safety

vfio-power: deps ## Nested VFIO on POWER: pseries L1 (Debian 6.12 ppc64el, sPAPR TCE IOMMU) assigns an nvme to a pseries L2 (sid's QEMU 11.1), R1 and R2 with and without the library; L1 6.1 shown unable to; about 20 min
	@scripts/check.sh vfio-power

bench: deps ## Benchmark resync against free+realloc and per-irq re-request, 1..2048 vectors
	@scripts/bench.sh

bench-vfio: deps ## Benchmark under nested VFIO (an assigned ivshmem, 1..128 vectors): resync, free+realloc, per-irq, stock, after_reset, amdgpu's toggle, the PCI core fixed; QEMU 7.2 and 10.0
	@scripts/bench-vfio.sh

consumer: deps ## A driver built out of tree against the installed header and Module.symvers, run in a guest, on 5.10, 6.1, 6.12 and 7.2
	@scripts/check.sh consumer

deb: deps ## Build the Debian package msix-resync-dkms_VERSION_all.deb (debian/, dh-dkms) into out/deb/, lintian-checked
	@scripts/deb.sh build

deb-test: deps ## The package: build, lintian, apt install into a Debian 12 chroot (DKMS), a driver built against it, modprobe in a guest, apt purge
	@scripts/check.sh deb

dkms-install: ## Register, build and install with DKMS (root; KERNELRELEASE_DKMS=...)
	rm -rf $(DKMS_SRC) && mkdir -p $(DKMS_SRC)
	cp -r $(DKMS_FILES) $(DKMS_SRC)/
	dkms add msix-resync/$(VERSION)
	dkms build msix-resync/$(VERSION) -k $(KERNELRELEASE_DKMS)
	dkms install msix-resync/$(VERSION) -k $(KERNELRELEASE_DKMS)

dkms-remove: ## Remove from DKMS, every kernel, and delete its sources (root)
	dkms remove msix-resync/$(VERSION) --all
	rm -rf $(DKMS_SRC)

dkms-test: deps ## Test DKMS add/build/install/status/remove against Debian 6.1 and 6.12
	@scripts/check.sh dkms

docs: deps ## Build the HTML documentation with Sphinx and the kernel's kernel-doc extension
	@scripts/check.sh docs

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | \
		awk -F':.*## ' '{ printf "  %-12s %s\n", $$1, $$2 }'
