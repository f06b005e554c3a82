/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msix-resync: the differences between the kernels it builds for, in one
 * place, so that the library and its tests read the same on all of them.
 * Features are detected where a macro tells; otherwise by version.
 */
#ifndef _MSIX_RESYNC_COMPAT_H
#define _MSIX_RESYNC_COMPAT_H

#include <linux/module.h>
#include <linux/msi.h>
#include <linux/pci.h>
#include <linux/version.h>

/* Linux 6.13: MODULE_IMPORT_NS() takes a string. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define MSIX_RESYNC_IMPORT_KUNIT_NS()	MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING")
#else
#define MSIX_RESYNC_IMPORT_KUNIT_NS()	MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING)
#endif

/*
 * Linux 6.18: a KUnit case's generate_params() gets the test first (the
 * change that added KUNIT_CASE_PARAM_WITH_INIT()).
 */
#ifdef KUNIT_CASE_PARAM_WITH_INIT
#define MSIX_RESYNC_GEN_PARAMS(name) \
	const void *(name)(struct kunit *test, const void *prev, char *desc)
#else
#define MSIX_RESYNC_GEN_PARAMS(name) \
	const void *(name)(const void *prev, char *desc)
#endif

/*
 * For the tests: Linux 6.1 and later (read in 6.1, 6.12 and 7.2) emit
 * printk's "console" trace event as a message is stored, in the caller's
 * context; Linux 5.10 only when a console prints it, later or never.
 */
#define MSIX_RESYNC_CONSOLE_TRACE_AT_STORE \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0))

/*
 * For the tests' observations only (the library reads neither): where the
 * MSI core keeps the MSI-X table's mapping and its cached Vector Control.
 * Linux 5.17 reworked struct msi_desc: before it, each descriptor holds the
 * table's base (mask_base) and the cached word (masked); since, the device
 * holds the base (msix_base) and the descriptor pci.msix_ctrl.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 17, 0)
static inline void __iomem *msix_resync_table(struct pci_dev *pdev)
{
	return first_pci_msi_entry(pdev)->mask_base;
}

static inline u32 msix_resync_cached_ctrl(const struct msi_desc *desc)
{
	return desc->masked;
}
#else
static inline void __iomem *msix_resync_table(struct pci_dev *pdev)
{
	return pdev->msix_base;
}

static inline u32 msix_resync_cached_ctrl(const struct msi_desc *desc)
{
	return desc->pci.msix_ctrl;
}
#endif

#endif /* _MSIX_RESYNC_COMPAT_H */
