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
#include <linux/ratelimit.h>
#include <linux/slab.h>
#include <xen/xen.h>

#include "msix_resync_core.h"

#define CREATE_TRACE_POINTS
#include "msix_resync_trace.h"

#if IS_ENABLED(CONFIG_MSIX_RESYNC_KUNIT_TEST)
/* For kunit/msix_resync_test.c, which checks the events of each call. */
EXPORT_TRACEPOINT_SYMBOL_GPL(msix_resync_alloc);
EXPORT_TRACEPOINT_SYMBOL_GPL(msix_resync_quiesce);
EXPORT_TRACEPOINT_SYMBOL_GPL(msix_resync_resume);
EXPORT_TRACEPOINT_SYMBOL_GPL(msix_resync_cancel);
EXPORT_TRACEPOINT_SYMBOL_GPL(msix_resync_after_reset);
EXPORT_TRACEPOINT_SYMBOL_GPL(msix_resync_error);
#endif

#ifndef MSIX_RESYNC_VERSION
#define MSIX_RESYNC_VERSION ""
#endif

static const char * const msix_resync_fn_name[] = {
	[MSIX_RESYNC_FN_ALLOC] = "alloc",
	[MSIX_RESYNC_FN_QUIESCE] = "quiesce",
	[MSIX_RESYNC_FN_RESUME] = "resume",
	[MSIX_RESYNC_FN_RESET] = "reset",
	[MSIX_RESYNC_FN_CANCEL] = "cancel",
	[MSIX_RESYNC_FN_AFTER_RESET] = "after_reset",
};

/*
 * Whether to log: at most DEFAULT_RATELIMIT_BURST lines every
 * DEFAULT_RATELIMIT_INTERVAL from each place that logs, as a failure can
 * repeat at every reset. Not limited under the KUnit test's model, which
 * checks every line.
 */
static bool msix_resync_log_ok(struct ratelimit_state *ratelimit)
{
	return msix_resync_seam() || __ratelimit(ratelimit);
}

/*
 * Log an error a driver author can act on ("msix_resync: <call>: ..."),
 * trace it (every time), and return @err. @ctrl is Message Control as
 * read, 0 if unread.
 */
static __printf(6, 7) int msix_resync_report(struct ratelimit_state *ratelimit,
					     struct pci_dev *pdev, int fn,
					     int err, u16 ctrl,
					     const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (msix_resync_log_ok(ratelimit)) {
		va_start(args, fmt);
		vaf.fmt = fmt;
		vaf.va = &args;
		if (pdev)
			dev_err(&pdev->dev, "msix_resync: %s: %pV",
				msix_resync_fn_name[fn], &vaf);
		else
			pr_err("msix_resync: %s: %pV",
			       msix_resync_fn_name[fn], &vaf);
		va_end(args);
	}
	trace_msix_resync_error(pdev, fn, err, ctrl);
	return err;
}

/* With a ratelimit of its own at each place, as dev_err_ratelimited(). */
#define msix_resync_err(pdev, fn, err, ctrl, fmt, ...)			\
({									\
	static DEFINE_RATELIMIT_STATE(_rs, DEFAULT_RATELIMIT_INTERVAL,	\
				      DEFAULT_RATELIMIT_BURST);		\
	msix_resync_report(&_rs, pdev, fn, err, ctrl, fmt, ##__VA_ARGS__); \
})

/*
 * A device in MSI-X mode whose Enable must not be cleared from here: in a
 * Xen PV domU MSI-X belongs to the backend (pcifront; dom0's devices are
 * its own, its restore goes to Xen directly), and a device with the MSI
 * INTx-disable quirk, whose INTx Disable the MSI core left clear, would
 * raise INTx while MSI-X is off. Returns -EOPNOTSUPP (logged) or 0.
 */
static int msix_resync_refused(struct pci_dev *pdev, int fn)
{
	if (!pdev->msix_enabled)
		return 0;
	if (xen_pv_domain() && !xen_initial_domain())
		return msix_resync_err(pdev, fn, -EOPNOTSUPP, 0,
				       "Xen PV guest: MSI-X is programmed by the backend (pcifront), a backdoor reset cannot be repaired from this guest\n");
	if (pdev->dev_flags & PCI_DEV_FLAGS_MSI_INTX_DISABLE_BUG)
		return msix_resync_err(pdev, fn, -EOPNOTSUPP, 0,
				       "the device has the MSI INTx-disable quirk: with MSI-X Enable clear it would raise INTx, which nobody handles\n");
	return 0;
}

/**
 * msix_resync_alloc() - prepare a device for resyncs
 * @pdev: PCI device, after pci_alloc_irq_vectors() or pci_enable_msix_range()
 * @gfp: allocation flags, normally %GFP_KERNEL
 *
 * Records the device's interrupt mode, so that msix_resync_quiesce() and
 * msix_resync_resume() neither allocate nor sleep. Nothing about
 * individual vectors is recorded: vectors freed and allocated again as
 * MSI-X need no new state, a change of mode does. For a device using MSI
 * or INTx the state is valid and the resync calls do nothing:
 * pci_restore_state() already toggles MSI Enable, and INTx has no table
 * to lose.
 *
 * Context: process context (may sleep if @gfp allows).
 * Return: the new state, or an ERR_PTR(): -EINVAL if @pdev is NULL,
 * -ENODEV if the device is gone, -ENOMEM, or -EOPNOTSUPP for a device in
 * MSI-X mode that cannot be quiesced safely: in a Xen PV guest other than
 * dom0, where MSI-X belongs to the backend (pcifront) and no guest write
 * reaches it, and on a device with %PCI_DEV_FLAGS_MSI_INTX_DISABLE_BUG,
 * whose INTx Disable the MSI core leaves clear, so that with MSI-X Enable
 * clear it would signal on an INTx line no handler was requested for.
 * Never NULL.
 */
struct msix_resync *msix_resync_alloc(struct pci_dev *pdev, gfp_t gfp)
{
	struct msix_resync *rs;
	u16 ctrl;
	int ret;

	might_sleep_if(gfpflags_allow_blocking(gfp));
	if (!pdev)
		return ERR_PTR(msix_resync_err(NULL, MSIX_RESYNC_FN_ALLOC, -EINVAL, 0,
					       "called with a NULL pci_dev\n"));
	ret = msix_resync_refused(pdev, MSIX_RESYNC_FN_ALLOC);
	if (ret)
		return ERR_PTR(ret);

	rs = kzalloc(sizeof(*rs), gfp);
	if (!rs) {
		/* the allocator has said it */
		trace_msix_resync_error(pdev, MSIX_RESYNC_FN_ALLOC, -ENOMEM, 0);
		return ERR_PTR(-ENOMEM);
	}
	msix_resync_core_init(rs, pdev);
	if (rs->mode == MSIX_RESYNC_MODE_MSIX &&
	    msix_resync_core_read_ctrl(rs, &ctrl)) {
		kfree(rs);
		return ERR_PTR(msix_resync_err(pdev, MSIX_RESYNC_FN_ALLOC, -ENODEV,
					       ctrl,
					       "config space reads all ones, device gone?\n"));
	}
	trace_msix_resync_alloc(pdev, rs->mode,
				rs->mode == MSIX_RESYNC_MODE_MSIX ?
				(ctrl & PCI_MSIX_FLAGS_QSIZE) + 1 : 0);
	return rs;
}
EXPORT_SYMBOL_GPL(msix_resync_alloc);

/**
 * msix_resync_free() - release the state
 * @rs: state from msix_resync_alloc(), or NULL
 *
 * Freeing a quiesced state while the device still has its MSI-X vectors
 * leaves MSI-X disabled until the next pci_restore_state(); it is logged.
 *
 * Context: any context.
 * Return: nothing.
 */
void msix_resync_free(struct msix_resync *rs)
{
	static DEFINE_RATELIMIT_STATE(ratelimit, DEFAULT_RATELIMIT_INTERVAL,
				      DEFAULT_RATELIMIT_BURST);

	if (!rs)
		return;
	if (rs->state == MSIX_RESYNC_QUIESCED &&
	    !msix_resync_core_validate(rs) && msix_resync_log_ok(&ratelimit))
		dev_warn(&rs->pdev->dev,
			 "msix_resync: freed while quiesced; MSI-X stays disabled until pci_restore_state()\n");
	kfree(rs);
}
EXPORT_SYMBOL_GPL(msix_resync_free);

/* The checks quiesce, resume and cancel share: device present, same mode. */
static int msix_resync_check(struct msix_resync *rs, int fn, u16 *ctrl)
{
	int ret;

	ret = msix_resync_core_validate(rs);
	if (ret) {
		/* What was quiesced is gone with the vectors. */
		rs->state = MSIX_RESYNC_IDLE;
		return msix_resync_err(rs->pdev, fn, ret, 0,
				       "interrupt mode changed since msix_resync_alloc() (vectors freed?); free the state and allocate it again\n");
	}
	if (rs->mode != MSIX_RESYNC_MODE_MSIX)
		return 0;
	ret = msix_resync_core_read_ctrl(rs, ctrl);
	if (ret)
		return msix_resync_err(rs->pdev, fn, ret, *ctrl,
				       "config space reads all ones, device gone?\n");
	return 0;
}

/* Enable and Function Mask, the two bits a resync moves. */
#define MSIX_RESYNC_BITS (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL)

/*
 * Write @want to Message Control; if the read back shows Enable or
 * Function Mask elsewhere than asked, log it and return -EIO (-ENODEV if
 * the device went away in between).
 */
static int msix_resync_set_ctrl(struct msix_resync *rs, int fn, u16 want,
				u16 *now)
{
	*now = msix_resync_core_write_ctrl(rs, want);
	if ((*now & MSIX_RESYNC_BITS) == (want & MSIX_RESYNC_BITS))
		return 0;
	if (PCI_POSSIBLE_ERROR(*now))
		return msix_resync_err(rs->pdev, fn, -ENODEV, *now,
				       "config space reads all ones, device gone?\n");
	return msix_resync_err(rs->pdev, fn, -EIO, *now,
			       "wrote MSI-X Message Control %#06x, reads %#06x: the hypervisor or device ignores Enable/Function Mask, a backdoor reset cannot be resynced\n",
			       want, *now);
}

/**
 * msix_resync_quiesce() - prepare MSI-X for a reset the hypervisor misses
 * @rs: state from msix_resync_alloc()
 *
 * Call before pci_save_state() and the reset. Sets Function Mask, which
 * masks every vector (PCI spec), and clears MSI-X Enable, in one config
 * write, and reads it back. The vector table, the MSI core's cache and
 * the irq core are not touched: the driver's interrupts stay requested
 * and enabled as far as the kernel knows. Until pci_restore_state() the
 * device cannot signal; an interrupt it raises meanwhile is not delivered
 * (with Enable clear, neither QEMU nor the PCI spec keeps it pending), so
 * the driver polls its queues after msix_resync_resume().
 *
 * Whether the device is quiesced is read from Message Control, never
 * taken from @rs: a quiesce followed by a restore without
 * msix_resync_resume() (PM resume, pci_reset_function(), error recovery)
 * is quiesced again. A call on a device already quiesced (Enable clear,
 * Function Mask set) writes nothing.
 *
 * The caller serialises the calls on one state, and keeps away from the
 * device between this call and msix_resync_resume() everything else that
 * writes Message Control: allocating or freeing vectors, and any
 * pci_restore_state(), pci_reset_function() or PM transition other than
 * the restore that ends the reset. The MSI core's own writes to Message
 * Control take no lock the library could share. The irq core may mask,
 * unmask or move vectors meanwhile; those reach the table and the MSI
 * core's cache, not Message Control.
 *
 * If the read back shows Enable still set or Function Mask clear, the
 * hypervisor ignores the write and could not be made to reprogram the
 * device: Message Control is written back as it was, and -EIO returned.
 *
 * Context: any context; does not sleep or allocate. May be called with a
 * spinlock held and interrupts disabled.
 * Return: 0 on success, or on a device in MSI or INTx mode (nothing to
 * do); -EINVAL if @rs is NULL; -ENODEV if the device is gone; -ESTALE if
 * the device's interrupt mode changed since msix_resync_alloc() (vectors
 * freed); -EIO if MSI-X Enable did not clear.
 */
int msix_resync_quiesce(struct msix_resync *rs)
{
	u16 ctrl, now;
	int ret;

	if (!rs)
		return msix_resync_err(NULL, MSIX_RESYNC_FN_QUIESCE, -EINVAL, 0,
				       "called with a NULL state\n");

	ret = msix_resync_check(rs, MSIX_RESYNC_FN_QUIESCE, &ctrl);
	if (ret || rs->mode != MSIX_RESYNC_MODE_MSIX)
		return ret;
	if ((ctrl & MSIX_RESYNC_BITS) == PCI_MSIX_FLAGS_MASKALL) {
		rs->state = MSIX_RESYNC_QUIESCED;
		return 0;
	}

	ret = msix_resync_set_ctrl(rs, MSIX_RESYNC_FN_QUIESCE,
				   (ctrl | PCI_MSIX_FLAGS_MASKALL) &
				   ~PCI_MSIX_FLAGS_ENABLE, &now);
	if (ret) {
		/* Do not leave the vectors function-masked. */
		if (ret == -EIO)
			msix_resync_core_write_ctrl(rs, ctrl);
		return ret;
	}
	rs->state = MSIX_RESYNC_QUIESCED;
	trace_msix_resync_quiesce(rs->pdev, ctrl, now);
	return 0;
}
EXPORT_SYMBOL_GPL(msix_resync_quiesce);

/**
 * msix_resync_resume() - finish a resync after pci_restore_state()
 * @rs: state from msix_resync_alloc()
 *
 * Checks that pci_restore_state() enabled MSI-X again (Enable set,
 * Function Mask clear): the restore's Enable 0->1 is what made the
 * hypervisor reprogram every vector. Writes nothing. It reads Message
 * Control as the hypervisor presents it: it sees a restore that did not
 * run or a hypervisor that ignores Enable, not whether the host's
 * reprogramming behind the emulated register succeeded. Without a preceding
 * quiesce it does nothing, so a path that can be entered without a reset
 * (error recovery) may call it unconditionally. Interrupts the device
 * raised while quiesced were not delivered: poll the device's queues.
 *
 * Context: any context; does not sleep or allocate. May be called with a
 * spinlock held and interrupts disabled.
 * Return: 0 on success or when not quiesced; -EINVAL if @rs is NULL;
 * -ENODEV if the device is gone; -ESTALE if the device's interrupt mode
 * changed (vectors freed); -EIO if MSI-X is still disabled or
 * function-masked, i.e. pci_restore_state() did not run or had no saved
 * state. After an error the state stays quiesced: restore, then call
 * again. No error leaves a vector masked in the MSI core's cache.
 */
int msix_resync_resume(struct msix_resync *rs)
{
	u16 ctrl;
	int ret;

	if (!rs)
		return msix_resync_err(NULL, MSIX_RESYNC_FN_RESUME, -EINVAL, 0,
				       "called with a NULL state\n");
	if (rs->state != MSIX_RESYNC_QUIESCED)
		return 0;

	ret = msix_resync_check(rs, MSIX_RESYNC_FN_RESUME, &ctrl);
	if (ret)
		return ret;

	if ((ctrl & MSIX_RESYNC_BITS) != PCI_MSIX_FLAGS_ENABLE)
		return msix_resync_err(rs->pdev, MSIX_RESYNC_FN_RESUME, -EIO, ctrl,
				       "MSI-X not re-enabled (Message Control %#06x); call pci_restore_state() with saved state first\n",
				       ctrl);
	rs->state = MSIX_RESYNC_IDLE;
	trace_msix_resync_resume(rs->pdev, ctrl);
	return 0;
}
EXPORT_SYMBOL_GPL(msix_resync_resume);

/**
 * msix_resync_cancel() - undo a quiesce when the reset did not happen
 * @rs: state from msix_resync_alloc()
 *
 * For a driver whose reset failed to start after msix_resync_quiesce():
 * sets Enable and clears Function Mask in one config write, without
 * pci_restore_state(), which may sleep. The hypervisor sees Enable go
 * from 0 to 1 and reprograms the device, which is harmless. Without a
 * preceding quiesce it writes nothing.
 *
 * Context: any context; does not sleep or allocate. May be called with a
 * spinlock held and interrupts disabled.
 * Return: 0 on success or when not quiesced; -EINVAL if @rs is NULL;
 * -ENODEV if the device is gone; -ESTALE if the device's interrupt mode
 * changed since msix_resync_alloc(); -EIO if MSI-X did not come back
 * (the state stays quiesced: pci_restore_state() and
 * msix_resync_resume() recover).
 */
int msix_resync_cancel(struct msix_resync *rs)
{
	u16 ctrl, now;
	int ret;

	if (!rs)
		return msix_resync_err(NULL, MSIX_RESYNC_FN_CANCEL, -EINVAL, 0,
				       "called with a NULL state\n");
	if (rs->state != MSIX_RESYNC_QUIESCED)
		return 0;

	ret = msix_resync_check(rs, MSIX_RESYNC_FN_CANCEL, &ctrl);
	if (ret)
		return ret;

	ret = msix_resync_set_ctrl(rs, MSIX_RESYNC_FN_CANCEL,
				   (ctrl | PCI_MSIX_FLAGS_ENABLE) &
				   ~PCI_MSIX_FLAGS_MASKALL, &now);
	if (ret)
		return ret;
	rs->state = MSIX_RESYNC_IDLE;
	trace_msix_resync_cancel(rs->pdev, ctrl, now);
	return 0;
}
EXPORT_SYMBOL_GPL(msix_resync_cancel);

/**
 * msix_resync_after_reset() - resync MSI-X after a reset learnt of afterwards
 * @pdev: PCI device whose MSI-X state was just restored
 *
 * For a driver that learns of a backdoor reset only after it happened (a
 * VF whose PF reset it, a device that reset itself) and has written the
 * MSI-X state back with pci_restore_state() or pci_restore_msi_state().
 * That restore set Enable without clearing it first, so a hypervisor that
 * shadows the table (QEMU with VFIO) saw no Enable transition and may not
 * have reprogrammed the device. This clears MSI-X Enable and sets it
 * again, two config writes of Message Control, with Function Mask and the
 * vectors as the restore left them: the hypervisor disables MSI-X on the
 * host and enables it again with every unmasked vector. Then it reads
 * back that MSI-X is enabled and unmasked. Nothing else is touched.
 *
 * Between the two writes the device cannot signal, and an interrupt it
 * raises then is lost: poll the device's queues afterwards. The same
 * serialisation as for msix_resync_quiesce() applies: nothing else may
 * write Message Control during the call.
 *
 * Context: any context; does not sleep or allocate.
 * Return: 0 on success, or on a device in MSI or INTx mode (nothing to
 * do); -EINVAL if @pdev is NULL; -ENODEV if the device is gone;
 * -EOPNOTSUPP where msix_resync_alloc() refuses the device; -EIO if MSI-X
 * was not enabled and unmasked on entry (the restore did not run: nothing
 * is written, as enabling a table nobody restored could let the device
 * signal through zeroed entries), or if the hypervisor ignored the writes
 * (Message Control is written back as it was).
 */
int msix_resync_after_reset(struct pci_dev *pdev)
{
	struct msix_resync rs = { };
	u16 ctrl, now;
	int ret;

	if (!pdev)
		return msix_resync_err(NULL, MSIX_RESYNC_FN_AFTER_RESET, -EINVAL, 0,
				       "called with a NULL pci_dev\n");
	ret = msix_resync_refused(pdev, MSIX_RESYNC_FN_AFTER_RESET);
	if (ret)
		return ret;
	msix_resync_core_init(&rs, pdev);
	ret = msix_resync_check(&rs, MSIX_RESYNC_FN_AFTER_RESET, &ctrl);
	if (ret || rs.mode != MSIX_RESYNC_MODE_MSIX)
		return ret;
	if ((ctrl & MSIX_RESYNC_BITS) != PCI_MSIX_FLAGS_ENABLE)
		return msix_resync_err(pdev, MSIX_RESYNC_FN_AFTER_RESET, -EIO, ctrl,
				       "MSI-X not enabled (Message Control %#06x); call pci_restore_state() first\n",
				       ctrl);

	ret = msix_resync_set_ctrl(&rs, MSIX_RESYNC_FN_AFTER_RESET,
				   ctrl & ~PCI_MSIX_FLAGS_ENABLE, &now);
	if (!ret)
		ret = msix_resync_set_ctrl(&rs, MSIX_RESYNC_FN_AFTER_RESET, ctrl,
					   &now);
	if (ret) {
		if (ret == -EIO)
			msix_resync_core_write_ctrl(&rs, ctrl);
		return ret;
	}
	trace_msix_resync_after_reset(pdev, ctrl, now);
	return 0;
}
EXPORT_SYMBOL_GPL(msix_resync_after_reset);

/**
 * msix_resync_reset() - run a backdoor reset with an MSI-X resync around it
 * @pdev: PCI device with its interrupt vectors allocated
 * @reset: the driver's reset; returns 0 or a negative errno
 * @data: passed to @reset
 *
 * The one-shot form for drivers without a reset state machine: allocates
 * the state, quiesces, saves config space, calls @reset, restores config
 * space, resumes and frees.
 *
 * @reset runs with every vector masked and MSI-X disabled: it must poll
 * the device for completion, not wait for an interrupt. It runs whenever
 * config space could be saved, as it would without the library: a resync
 * that cannot be set up (msix_resync_alloc() or msix_resync_quiesce()
 * failed) is logged and the reset goes on unprotected. If
 * pci_save_state() fails, the quiesce is cancelled and @reset is not
 * called, as nothing could be restored after it. Config space is
 * restored even when @reset fails; if MSI-X is then not back,
 * msix_resync_cancel() enables it.
 *
 * Context: process context; may sleep. The caller must keep the vectors
 * from being freed during the call.
 * Return: -EINVAL for a NULL @pdev or @reset (nothing done); the error of
 * pci_save_state() (@reset not called); else the error of @reset if it
 * failed, else 0 or the first error of the resync: msix_resync_alloc(),
 * msix_resync_quiesce() or msix_resync_resume().
 */
int msix_resync_reset(struct pci_dev *pdev,
		      int (*reset)(struct pci_dev *pdev, void *data),
		      void *data)
{
	struct msix_resync *rs;
	int ret, rret;

	might_sleep();
	if (!pdev || !reset)
		return msix_resync_err(pdev, MSIX_RESYNC_FN_RESET, -EINVAL, 0,
				       "called with a NULL %s\n",
				       pdev ? "reset callback" : "pci_dev");

	rs = msix_resync_alloc(pdev, GFP_KERNEL);
	if (IS_ERR(rs)) {
		ret = PTR_ERR(rs);
		rs = NULL;
	} else {
		ret = msix_resync_quiesce(rs);
	}

	rret = pci_save_state(pdev);
	if (rret) {
		msix_resync_err(pdev, MSIX_RESYNC_FN_RESET, rret, 0,
				"pci_save_state() failed (%d), not resetting\n", rret);
		if (rs)
			msix_resync_cancel(rs);
		msix_resync_free(rs);
		return rret;
	}
	rret = reset(pdev, data);
	pci_restore_state(pdev);
	if (rs && !ret) {
		ret = msix_resync_resume(rs);
		if (ret)
			msix_resync_cancel(rs);
	}
	msix_resync_free(rs);
	return rret ? rret : ret;
}
EXPORT_SYMBOL_GPL(msix_resync_reset);

MODULE_DESCRIPTION("Resync MSI-X with the hypervisor after a reset it cannot see");
MODULE_AUTHOR("msix-resync developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(MSIX_RESYNC_VERSION);
