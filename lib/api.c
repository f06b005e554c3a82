// SPDX-License-Identifier: GPL-2.0
/*
 * msix-resync driver API.
 *
 * A reset that the hypervisor does not see (a device's built-in self test,
 * a firmware reset) clears the device's physical MSI-X table behind the
 * hypervisor's back. pci_restore_state() rewrites the entries, but never
 * clears MSI-X Enable first, so a hypervisor that shadows the table (QEMU
 * with VFIO) believes the vectors are still programmed and never
 * reprograms the device. Quiescing the vectors before the reset and
 * resuming them after the restore shows the hypervisor the Enable 1->0->1
 * transition that makes it reprogram every vector.
 */

#include <linux/bug.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/msix_resync.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <xen/xen.h>

#include "msix_resync_core.h"

#define CREATE_TRACE_POINTS
#include "msix_resync_trace.h"

#ifndef MSIX_RESYNC_VERSION
#define MSIX_RESYNC_VERSION ""
#endif

/**
 * msix_resync_alloc() - prepare a device for resyncs
 * @pdev: PCI device, after pci_alloc_irq_vectors() or pci_enable_msix_range()
 * @gfp: allocation flags, normally %GFP_KERNEL
 *
 * Records what msix_resync_quiesce() and msix_resync_resume() need (the
 * interrupt mode and the Linux interrupt number of each MSI-X vector), so
 * that they neither allocate nor sleep. Call it again after the vectors
 * are freed or reallocated. For a device using MSI or INTx the state is
 * valid and the resync calls do nothing: pci_restore_state() already
 * toggles MSI Enable, and INTx has no table to lose.
 *
 * Context: process context; takes the device's MSI descriptor mutex.
 * Return: the new state, or an ERR_PTR(): -EINVAL if @pdev is NULL,
 * -ENODEV if the device is gone, -ENOMEM, or -EOPNOTSUPP in a Xen PV
 * guest, where MSI-X belongs to the backend and no guest write reaches it.
 * Never NULL.
 */
struct msix_resync *msix_resync_alloc(struct pci_dev *pdev, gfp_t gfp)
{
	struct msix_resync *rs;
	u16 ctrl;
	int ret;

	might_sleep();
	if (!pdev) {
		pr_err_ratelimited("msix_resync: alloc called with a NULL pci_dev\n");
		trace_msix_resync_error(NULL, MSIX_RESYNC_FN_ALLOC, -EINVAL, 0);
		return ERR_PTR(-EINVAL);
	}
	if (pdev->msix_enabled && xen_pv_domain()) {
		dev_err_ratelimited(&pdev->dev,
				    "msix_resync: Xen PV guest: MSI-X is programmed by the backend (pcifront), a backdoor reset cannot be repaired from this guest\n");
		trace_msix_resync_error(pdev, MSIX_RESYNC_FN_ALLOC, -EOPNOTSUPP, 0);
		return ERR_PTR(-EOPNOTSUPP);
	}

	ret = msix_resync_core_snapshot(pdev, gfp, &rs);
	if (!ret && rs->mode == MSIX_RESYNC_MODE_MSIX &&
	    msix_resync_core_read_ctrl(rs, &ctrl)) {
		kfree(rs);
		ret = -ENODEV;
		dev_err_ratelimited(&pdev->dev,
				    "msix_resync: config space reads all ones, device gone?\n");
	} else if (ret == -ENODEV) {
		dev_err_ratelimited(&pdev->dev,
				    "msix_resync: MSI-X enabled but no vector allocated; call after pci_alloc_irq_vectors()\n");
	}
	if (ret) {
		trace_msix_resync_error(pdev, MSIX_RESYNC_FN_ALLOC, ret, 0);
		return ERR_PTR(ret);
	}
	trace_msix_resync_alloc(pdev, rs->mode, rs->nvec);
	return rs;
}
EXPORT_SYMBOL_GPL(msix_resync_alloc);

/**
 * msix_resync_free() - release the state
 * @rs: state from msix_resync_alloc(), or NULL
 *
 * Freeing a quiesced state leaves MSI-X disabled until the next
 * pci_restore_state() and the vectors masked; it is logged.
 *
 * Context: any context.
 * Return: nothing.
 */
void msix_resync_free(struct msix_resync *rs)
{
	if (!rs)
		return;
	if (rs->state == MSIX_RESYNC_QUIESCED)
		dev_warn_ratelimited(&rs->pdev->dev,
				     "msix_resync: freed while quiesced; MSI-X stays disabled until pci_restore_state()\n");
	kfree(rs);
}
EXPORT_SYMBOL_GPL(msix_resync_free);

static const char * const msix_resync_fn_name[] = {
	[MSIX_RESYNC_FN_ALLOC] = "alloc",
	[MSIX_RESYNC_FN_QUIESCE] = "quiesce",
	[MSIX_RESYNC_FN_RESUME] = "resume",
	[MSIX_RESYNC_FN_RESET] = "reset",
	[MSIX_RESYNC_FN_CANCEL] = "cancel",
};

/* A reset-time call got a NULL state: log it, trace it, refuse. */
static int msix_resync_null_state(int fn)
{
	pr_err_ratelimited("msix_resync: %s called with a NULL state\n",
			   msix_resync_fn_name[fn]);
	trace_msix_resync_error(NULL, fn, -EINVAL, 0);
	return -EINVAL;
}

/* The checks quiesce and resume share: device present, vectors unchanged. */
static int msix_resync_check(struct msix_resync *rs, int fn, u16 *ctrl)
{
	const char *name = msix_resync_fn_name[fn];
	int ret;

	*ctrl = 0;
	if (rs->mode == MSIX_RESYNC_MODE_MSIX) {
		ret = msix_resync_core_read_ctrl(rs, ctrl);
		if (ret) {
			dev_err_ratelimited(&rs->pdev->dev,
					    "msix_resync: %s: config space reads all ones, device gone?\n",
					    name);
			trace_msix_resync_error(rs->pdev, fn, ret, *ctrl);
			return ret;
		}
	}
	ret = msix_resync_core_validate(rs);
	if (ret) {
		dev_err_ratelimited(&rs->pdev->dev,
				    "msix_resync: %s: interrupt vectors changed since msix_resync_alloc(); free the state and allocate it again\n",
				    name);
		trace_msix_resync_error(rs->pdev, fn, ret, *ctrl);
	}
	return ret;
}

/**
 * msix_resync_quiesce() - prepare MSI-X for a reset the hypervisor misses
 * @rs: state from msix_resync_alloc()
 *
 * Call before pci_save_state() and the reset. Masks every MSI-X vector
 * that is unmasked, sets Function Mask and clears MSI-X Enable, keeping
 * INTx disabled, and flushes the writes. The driver's interrupts stay
 * requested; no interrupt is delivered until msix_resync_resume(). A
 * second call before msix_resync_resume() does nothing. The caller must
 * not enable, disable or free the vectors concurrently.
 *
 * Context: any context; does not sleep or allocate. May be called with a
 * spinlock held and interrupts disabled.
 * Return: 0 on success, or on a device in MSI or INTx mode (nothing to
 * do); -EINVAL if @rs is NULL; -ENODEV if the device is gone; -ESTALE if
 * the vectors were freed or reallocated since msix_resync_alloc().
 */
int msix_resync_quiesce(struct msix_resync *rs)
{
	unsigned int masked;
	u16 ctrl, now;
	int ret;

	if (!rs)
		return msix_resync_null_state(MSIX_RESYNC_FN_QUIESCE);
	if (rs->state == MSIX_RESYNC_QUIESCED)
		return 0;

	ret = msix_resync_check(rs, MSIX_RESYNC_FN_QUIESCE, &ctrl);
	if (ret || rs->mode != MSIX_RESYNC_MODE_MSIX)
		return ret;

	masked = msix_resync_core_mask(rs);
	now = msix_resync_core_disable(rs, ctrl);
	rs->state = MSIX_RESYNC_QUIESCED;
	trace_msix_resync_quiesce(rs->pdev, masked, ctrl, now);
	return 0;
}
EXPORT_SYMBOL_GPL(msix_resync_quiesce);

/**
 * msix_resync_resume() - finish a resync after pci_restore_state()
 * @rs: state from msix_resync_alloc()
 *
 * Checks that pci_restore_state() enabled MSI-X again (Enable set,
 * Function Mask clear) and unmasks exactly the vectors that
 * msix_resync_quiesce() masked. Without a preceding quiesce it writes
 * nothing, so a path that can be entered without a reset (error
 * recovery) may call it unconditionally.
 *
 * Context: any context; does not sleep or allocate. May be called with a
 * spinlock held and interrupts disabled.
 * Return: 0 on success or when not quiesced; -EINVAL if @rs is NULL;
 * -ENODEV if the device is gone; -ESTALE if the vectors were freed or
 * reallocated; -EIO if MSI-X is still disabled or function-masked, i.e.
 * pci_restore_state() did not run or had no saved state. After -EIO the
 * state stays quiesced: restore, then call again.
 */
int msix_resync_resume(struct msix_resync *rs)
{
	unsigned int unmasked;
	u16 ctrl;
	int ret;

	if (!rs)
		return msix_resync_null_state(MSIX_RESYNC_FN_RESUME);
	if (rs->state != MSIX_RESYNC_QUIESCED)
		return 0;

	ret = msix_resync_check(rs, MSIX_RESYNC_FN_RESUME, &ctrl);
	if (ret)
		return ret;

	if ((ctrl & (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL)) !=
	    PCI_MSIX_FLAGS_ENABLE) {
		dev_err_ratelimited(&rs->pdev->dev,
				    "msix_resync: resume: MSI-X not re-enabled (Message Control %#06x); call pci_restore_state() with saved state first\n",
				    ctrl);
		trace_msix_resync_error(rs->pdev, MSIX_RESYNC_FN_RESUME, -EIO,
					ctrl);
		return -EIO;
	}

	unmasked = msix_resync_core_unmask(rs);
	rs->state = MSIX_RESYNC_IDLE;
	trace_msix_resync_resume(rs->pdev, unmasked, ctrl, ctrl);
	return 0;
}
EXPORT_SYMBOL_GPL(msix_resync_resume);

/**
 * msix_resync_cancel() - undo a quiesce when the reset did not happen
 * @rs: state from msix_resync_alloc()
 *
 * For a driver whose reset failed to start after msix_resync_quiesce():
 * enables MSI-X again (Enable set, Function Mask clear) and unmasks the
 * vectors quiesce masked, without pci_restore_state(), which may sleep.
 * The hypervisor sees Enable go from 0 to 1 and reprograms the device,
 * which is harmless. Without a preceding quiesce it writes nothing.
 *
 * Context: any context; does not sleep or allocate. May be called with a
 * spinlock held and interrupts disabled.
 * Return: 0 on success or when not quiesced; -EINVAL if @rs is NULL;
 * -ENODEV if the device is gone; -ESTALE if the vectors were freed or
 * reallocated since msix_resync_alloc().
 */
int msix_resync_cancel(struct msix_resync *rs)
{
	unsigned int unmasked;
	u16 ctrl, now;
	int ret;

	if (!rs)
		return msix_resync_null_state(MSIX_RESYNC_FN_CANCEL);
	if (rs->state != MSIX_RESYNC_QUIESCED)
		return 0;

	ret = msix_resync_check(rs, MSIX_RESYNC_FN_CANCEL, &ctrl);
	if (ret)
		return ret;

	now = msix_resync_core_enable(rs, ctrl);
	unmasked = msix_resync_core_unmask(rs);
	rs->state = MSIX_RESYNC_IDLE;
	trace_msix_resync_cancel(rs->pdev, unmasked, ctrl, now);
	return 0;
}
EXPORT_SYMBOL_GPL(msix_resync_cancel);

/**
 * msix_resync_reset() - run a backdoor reset with an MSI-X resync around it
 * @pdev: PCI device with its interrupt vectors allocated
 * @reset: the driver's reset; returns 0 or a negative errno
 * @data: passed to @reset
 *
 * The one-shot form for drivers without a reset state machine: allocates
 * the state, quiesces, saves config space, calls @reset, restores config
 * space, resumes and frees. Config space is restored and MSI-X resumed
 * even when @reset fails.
 *
 * Context: process context; may sleep. The caller must keep the vectors
 * from being freed or reallocated during the call.
 * Return: the error of @reset if it failed; otherwise 0 or the error of
 * the resync: -EINVAL for a NULL argument, or an error of
 * msix_resync_alloc(), msix_resync_quiesce() or msix_resync_resume().
 */
int msix_resync_reset(struct pci_dev *pdev,
		      int (*reset)(struct pci_dev *pdev, void *data),
		      void *data)
{
	struct msix_resync *rs;
	int ret, rret;

	might_sleep();
	if (!pdev || !reset) {
		pr_err_ratelimited("msix_resync: reset called with a NULL %s\n",
				   pdev ? "reset callback" : "pci_dev");
		trace_msix_resync_error(pdev, MSIX_RESYNC_FN_RESET, -EINVAL, 0);
		return -EINVAL;
	}

	rs = msix_resync_alloc(pdev, GFP_KERNEL);
	if (IS_ERR(rs))
		return PTR_ERR(rs);

	ret = msix_resync_quiesce(rs);
	if (ret)
		goto out;

	pci_save_state(pdev);
	rret = reset(pdev, data);
	pci_restore_state(pdev);
	ret = msix_resync_resume(rs);
	if (rret)
		ret = rret;
out:
	msix_resync_free(rs);
	return ret;
}
EXPORT_SYMBOL_GPL(msix_resync_reset);

MODULE_DESCRIPTION("Resync MSI-X with the hypervisor after a reset it cannot see");
MODULE_AUTHOR("msix-resync developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(MSIX_RESYNC_VERSION);
