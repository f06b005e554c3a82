/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msix-resync: the differences between the kernels it builds for, in one
 * place, so that the library and its tests read the same on all of them.
 * Features are detected where a macro tells; otherwise by version.
 */
#ifndef _MSIX_RESYNC_COMPAT_H
#define _MSIX_RESYNC_COMPAT_H

#include <linux/module.h>
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

#endif /* _MSIX_RESYNC_COMPAT_H */
