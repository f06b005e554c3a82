/* SPDX-License-Identifier: GPL-2.0 */
/**
 * DOC: overview
 *
 * msix-resync makes a hypervisor reprogram a passed-through device's MSI-X
 * table after a reset it cannot see (a "backdoor" reset such as a BIST).
 *
 * Call sequence for a driver with its own reset state machine::
 *
 *	rs = msix_resync_alloc(pdev, GFP_KERNEL);	(probe, process context)
 *	...
 *	msix_resync_quiesce(rs);			(may be atomic)
 *	pci_save_state(pdev);
 *	<backdoor reset>
 *	pci_restore_state(pdev);
 *	msix_resync_resume(rs);				(may be atomic)
 *	...
 *	msix_resync_free(rs);				(remove)
 *
 * If the reset then fails to start, msix_resync_cancel() undoes the
 * quiesce without a restore. For a driver without a reset state machine,
 * msix_resync_reset() does it all.
 *
 * A driver that learns of the reset only afterwards (a VF reset by its PF)
 * restores and then resyncs, in process context or atomic::
 *
 *	pci_restore_state(pdev);			(or pci_restore_msi_state())
 *	msix_resync_after_reset(pdev);
 */
#ifndef _LINUX_MSIX_RESYNC_H
#define _LINUX_MSIX_RESYNC_H

#include <linux/types.h>

#include <linux/err.h>

struct pci_dev;
struct msix_resync;

/*
 * Declared whenever the library can exist (PCI_MSI): a driver that uses it
 * without building or linking it gets a link or modpost "undefined"
 * error, never a silent stub. In tree, a user selects MSIX_RESYNC; out of
 * tree, it builds against the library's Module.symvers.
 */
#ifdef CONFIG_PCI_MSI
struct msix_resync *msix_resync_alloc(struct pci_dev *pdev, gfp_t gfp);
void msix_resync_free(struct msix_resync *rs);
int msix_resync_quiesce(struct msix_resync *rs);
int msix_resync_resume(struct msix_resync *rs);
int msix_resync_cancel(struct msix_resync *rs);
int msix_resync_after_reset(struct pci_dev *pdev);
int msix_resync_reset(struct pci_dev *pdev,
		      int (*reset)(struct pci_dev *pdev, void *data),
		      void *data);
#else
/*
 * Without PCI_MSI no device uses MSI-X, and the library's functions do
 * what they do on a device in INTx mode: a valid state, calls that
 * succeed and write nothing.
 */
#include <linux/pci.h>
#include <linux/slab.h>

static inline struct msix_resync *msix_resync_alloc(struct pci_dev *pdev,
						    gfp_t gfp)
{
	/* not NULL, not an error, never dereferenced (as for kmalloc(0)) */
	return pdev ? (struct msix_resync *)ZERO_SIZE_PTR : ERR_PTR(-EINVAL);
}

static inline void msix_resync_free(struct msix_resync *rs)
{
}

static inline int msix_resync_quiesce(struct msix_resync *rs)
{
	return rs ? 0 : -EINVAL;
}

static inline int msix_resync_resume(struct msix_resync *rs)
{
	return rs ? 0 : -EINVAL;
}

static inline int msix_resync_cancel(struct msix_resync *rs)
{
	return rs ? 0 : -EINVAL;
}

static inline int msix_resync_after_reset(struct pci_dev *pdev)
{
	return pdev ? 0 : -EINVAL;
}

static inline int msix_resync_reset(struct pci_dev *pdev,
				    int (*reset)(struct pci_dev *pdev, void *data),
				    void *data)
{
	int ret;

	if (!pdev || !reset)
		return -EINVAL;
	pci_save_state(pdev);
	ret = reset(pdev, data);
	pci_restore_state(pdev);
	return ret;
}
#endif

#endif /* _LINUX_MSIX_RESYNC_H */
