// SPDX-License-Identifier: GPL-2.0
/*
 * End-to-end test driver for msix-resync, run in a QEMU guest.
 *
 * Binds QEMU's e1000e (8086:10d3), which raises an MSI-X interrupt on a
 * chosen vector when a cause bit is written to ICS. Runs reset cycles in
 * which a backdoor reset is simulated by zeroing the device's MSI-X table
 * after pci_save_state(), with and without the library, and the error
 * cases of the API. It prints what it observes ("OBS", "RET", "IRQ"
 * lines) and writes a marker byte to PCI_CACHE_LINE_SIZE at each step, so
 * that QEMU's pci_cfg_write trace can be cut at the same points. The
 * verdicts are made on the host (tests/e2e/check.py) from the guest log
 * and QEMU's trace together.
 */

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/msix_resync.h>
#include <linux/pci.h>
#include <linux/utsname.h>

#include "../../kunit/e1000e_msix.h"
#include "../../lib/msix_resync_compat.h"

#ifndef PCI_IRQ_INTX
#define PCI_IRQ_INTX PCI_IRQ_LEGACY
#endif

#define E2E_NVEC	E1000E_MSIX_NVEC
#define E2E_MASKED_VEC	3	/* the driver keeps this one masked */

static char *mode = "check";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "check: all cases; demo: one cycle without and one with the library");

struct e2e {
	struct pci_dev *pdev;
	void __iomem *mmio;
	u8 cls;
	u8 mark;
	int nvec;
	bool requested[E2E_NVEC];
	atomic_t count[E2E_NVEC];
};

static struct e2e e2e;

static irqreturn_t e2e_isr(int irq, void *data)
{
	atomic_t *count = data;

	atomic_inc(count);
	return IRQ_HANDLED;
}

/* A marker in QEMU's trace (pci_cfg_write @0xc) and in the guest log. */
static void e2e_mark(const char *label)
{
	struct pci_dev *pdev = e2e.pdev;

	e2e.mark++;
	pci_write_config_byte(pdev, PCI_CACHE_LINE_SIZE, 0x80 | e2e.mark);
	pci_write_config_byte(pdev, PCI_CACHE_LINE_SIZE, e2e.cls);
	pr_info("msix_resync_e2e: MARK %#x %s\n", 0x80 | e2e.mark, label);
}

static void e2e_ret(const char *what, int ret)
{
	pr_info("msix_resync_e2e: RET %s %d\n", what, ret);
}

static void __iomem *e2e_entry(int i)
{
	return msix_resync_table(e2e.pdev) + i * PCI_MSIX_ENTRY_SIZE;
}

/* Per vector: device mask, MSI core mask, irq core mask, message. */
static void e2e_observe(const char *when)
{
	struct pci_dev *pdev = e2e.pdev;
	u16 ctrl;
	int i;

	pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, &ctrl);
	pr_info("msix_resync_e2e: CTRL %s enable=%d maskall=%d\n", when,
		!!(ctrl & PCI_MSIX_FLAGS_ENABLE),
		!!(ctrl & PCI_MSIX_FLAGS_MASKALL));
	for (i = 0; i < e2e.nvec; i++) {
		void __iomem *e = e2e_entry(i);
		unsigned int irq = pci_irq_vector(pdev, i);
		struct irq_data *d = irq_get_irq_data(irq);
		struct msi_desc *desc = irq_get_msi_desc(irq);
		u32 lo = readl(e + PCI_MSIX_ENTRY_LOWER_ADDR);
		u32 hi = readl(e + PCI_MSIX_ENTRY_UPPER_ADDR);
		u32 data = readl(e + PCI_MSIX_ENTRY_DATA);
		u32 vc = readl(e + PCI_MSIX_ENTRY_VECTOR_CTRL);

		pr_info("msix_resync_e2e: OBS %s vec=%d hwmask=%d msimask=%d irqmask=%d addr=%08x%08x data=%08x cached=%08x%08x/%08x\n",
			when, i, !!(vc & PCI_MSIX_ENTRY_CTRL_MASKBIT),
			!!(msix_resync_cached_ctrl(desc) & PCI_MSIX_ENTRY_CTRL_MASKBIT),
			!!irqd_irq_masked(d), hi, lo, data,
			desc->msg.address_hi, desc->msg.address_lo,
			desc->msg.data);
	}
}

/* Raise the interrupt of each vector once and report what arrived. */
static void e2e_fire(const char *when)
{
	int i, j;

	for (i = 0; i < e2e.nvec; i++) {
		int before = atomic_read(&e2e.count[i]);

		e1000e_msix_raise(e2e.mmio, i);
		for (j = 0; j < 200 && atomic_read(&e2e.count[i]) == before; j++)
			usleep_range(1000, 2000);
		/* Let a duplicate arrive, if the device sends one. */
		msleep(20);
		pr_info("msix_resync_e2e: IRQ %s vec=%d delivered=%d\n", when, i,
			atomic_read(&e2e.count[i]) - before);
	}
}

/* The backdoor reset: what a BIST does to the table. */
static void e2e_zero_table(void)
{
	int i;

	/*
	 * Let the device's legacy interrupt throttling timer expire while
	 * MSI-X is off: QEMU 7.2's e1000e arms it when a cause is raised
	 * without MSI-X and aborts on an assertion if it fires after MSI-X
	 * is enabled again. Real devices have no such timer.
	 */
	usleep_range(1000, 2000);
	if (!e2e.nvec)
		return;
	for (i = 0; i < e2e.nvec; i++) {
		void __iomem *e = e2e_entry(i);

		writel(0, e + PCI_MSIX_ENTRY_LOWER_ADDR);
		writel(0, e + PCI_MSIX_ENTRY_UPPER_ADDR);
		writel(0, e + PCI_MSIX_ENTRY_DATA);
	}
	readl(e2e_entry(0) + PCI_MSIX_ENTRY_DATA);
}

struct e2e_reset {
	const char *label;
	int ret;
};

static int e2e_reset_cb(struct pci_dev *pdev, void *data)
{
	struct e2e_reset *r = data;

	e2e_mark(r->label);
	e2e_zero_table();
	return r->ret;
}

static void e2e_free_vectors(void)
{
	int i;

	for (i = 0; i < E2E_NVEC; i++) {
		if (!e2e.requested[i])
			continue;
		free_irq(pci_irq_vector(e2e.pdev, i), &e2e.count[i]);
		e2e.requested[i] = false;
	}
	pci_free_irq_vectors(e2e.pdev);
	e2e.nvec = 0;
}

/* Allocate @n vectors of @type; request them all, keep one masked. */
static int e2e_setup_vectors(int n, unsigned int type)
{
	struct pci_dev *pdev = e2e.pdev;
	int i, ret;

	usleep_range(1000, 2000);	/* see e2e_zero_table() */
	ret = pci_alloc_irq_vectors(pdev, n, n, type);
	if (ret < 0)
		return ret;
	e2e.nvec = type == PCI_IRQ_MSIX ? n : 0;
	for (i = 0; i < n; i++) {
		unsigned int irq = pci_irq_vector(pdev, i);

		ret = request_irq(irq, e2e_isr, IRQF_SHARED, "msix_resync_e2e",
				  &e2e.count[i]);
		if (ret)
			return ret;
		e2e.requested[i] = true;
		if (type == PCI_IRQ_MSIX && i == E2E_MASKED_VEC) {
			/* A driver masks it: masked in the device too. */
			irq_set_status_flags(irq, IRQ_DISABLE_UNLAZY);
			disable_irq(irq);
		}
	}
	if (type == PCI_IRQ_MSIX)
		e1000e_msix_program(e2e.mmio);
	return 0;
}

static void e2e_case_stock(void)
{
	e2e_mark("stock:begin");
	e2e_observe("stock:before");
	pci_save_state(e2e.pdev);
	e2e_mark("stock:reset");
	e2e_zero_table();
	e2e_observe("stock:zeroed");
	e2e_mark("stock:restore");
	pci_restore_state(e2e.pdev);
	e2e_observe("stock:after");
	e2e_mark("stock:fire");
	e2e_fire("stock");
	e2e_mark("stock:end");
}

static void e2e_case_resync(const char *name)
{
	struct msix_resync *rs;
	static DEFINE_SPINLOCK(lock);
	unsigned long flags;
	char label[64];

	rs = msix_resync_alloc(e2e.pdev, GFP_KERNEL);
	e2e_ret("resync:alloc", PTR_ERR_OR_ZERO(rs));
	if (IS_ERR(rs))
		return;
	snprintf(label, sizeof(label), "%s:begin", name);
	e2e_mark(label);
	snprintf(label, sizeof(label), "%s:before", name);
	e2e_observe(label);

	/* As ipr does: under a spinlock with interrupts off. */
	spin_lock_irqsave(&lock, flags);
	e2e_ret("resync:quiesce", msix_resync_quiesce(rs));
	spin_unlock_irqrestore(&lock, flags);
	pci_save_state(e2e.pdev);
	snprintf(label, sizeof(label), "%s:reset", name);
	e2e_mark(label);
	e2e_zero_table();
	snprintf(label, sizeof(label), "%s:zeroed", name);
	e2e_observe(label);
	snprintf(label, sizeof(label), "%s:restore", name);
	e2e_mark(label);
	pci_restore_state(e2e.pdev);
	spin_lock_irqsave(&lock, flags);
	e2e_ret("resync:resume", msix_resync_resume(rs));
	spin_unlock_irqrestore(&lock, flags);

	snprintf(label, sizeof(label), "%s:after", name);
	e2e_observe(label);
	snprintf(label, sizeof(label), "%s:fire", name);
	e2e_mark(label);
	e2e_fire(name);
	snprintf(label, sizeof(label), "%s:end", name);
	e2e_mark(label);
	msix_resync_free(rs);
}

static void e2e_case_oneshot(void)
{
	struct e2e_reset ok = { "oneshot:reset", 0 };
	struct e2e_reset fail = { "oneshot:failing-reset", -ETIMEDOUT };

	e2e_mark("oneshot:begin");
	e2e_observe("oneshot:before");

	e2e_ret("oneshot:reset", msix_resync_reset(e2e.pdev, e2e_reset_cb, &ok));
	e2e_mark("oneshot:restored");
	e2e_observe("oneshot:after");
	e2e_mark("oneshot:fire");
	e2e_fire("oneshot");
	e2e_mark("oneshot:failing");
	/* A failing reset: its error is returned, MSI-X still comes back. */
	e2e_ret("oneshot:failing", msix_resync_reset(e2e.pdev, e2e_reset_cb, &fail));
	e2e_observe("oneshot:failing-after");
	e2e_mark("oneshot:end");
}

static void e2e_case_errors(void)
{
	struct pci_dev *pdev = e2e.pdev;
	struct msix_resync *rs;

	e2e_mark("null:begin");
	e2e_ret("null:alloc", PTR_ERR(msix_resync_alloc(NULL, GFP_KERNEL)));
	e2e_ret("null:quiesce", msix_resync_quiesce(NULL));
	e2e_ret("null:resume", msix_resync_resume(NULL));
	e2e_ret("null:cancel", msix_resync_cancel(NULL));
	e2e_ret("null:reset-pdev", msix_resync_reset(NULL, e2e_reset_cb, NULL));
	e2e_ret("null:reset-cb", msix_resync_reset(pdev, NULL, NULL));
	msix_resync_free(NULL);
	e2e_mark("null:end");

	rs = msix_resync_alloc(pdev, GFP_KERNEL);
	if (IS_ERR(rs)) {
		e2e_ret("order:alloc", PTR_ERR(rs));
		return;
	}
	e2e_mark("resume-idle:begin");
	e2e_ret("resume-idle:resume", msix_resync_resume(rs));
	e2e_mark("resume-idle:end");

	e2e_ret("twice:quiesce1", msix_resync_quiesce(rs));
	e2e_mark("twice:begin");
	e2e_ret("twice:quiesce2", msix_resync_quiesce(rs));
	e2e_mark("twice:end");

	/* Restore skipped: MSI-X still off, resume refuses. */
	pci_save_state(pdev);
	usleep_range(1000, 2000);	/* see e2e_zero_table() */
	e2e_mark("eio:begin");
	e2e_ret("eio:resume", msix_resync_resume(rs));
	e2e_mark("eio:end");
	pci_restore_state(pdev);
	e2e_ret("eio:resume-after-restore", msix_resync_resume(rs));
	e2e_observe("eio:after");
	e2e_mark("eio:fire");
	e2e_fire("eio");
	e2e_mark("eio:fired");
	msix_resync_free(rs);
}

/* The reset never happened: cancel enables MSI-X again without a restore. */
static void e2e_case_cancel(void)
{
	struct msix_resync *rs = msix_resync_alloc(e2e.pdev, GFP_KERNEL);

	if (IS_ERR(rs)) {
		e2e_ret("cancel:alloc", PTR_ERR(rs));
		return;
	}
	e2e_mark("cancel:begin");
	e2e_observe("cancel:before");
	e2e_ret("cancel:quiesce", msix_resync_quiesce(rs));
	e2e_mark("cancel:quiesced");
	usleep_range(1000, 2000);	/* see e2e_zero_table() */
	e2e_ret("cancel:cancel", msix_resync_cancel(rs));
	e2e_mark("cancel:cancelled");
	e2e_observe("cancel:after");
	e2e_mark("cancel:fire");
	e2e_fire("cancel");
	e2e_mark("cancel-idle:begin");
	e2e_ret("cancel-idle:cancel", msix_resync_cancel(rs));
	e2e_mark("cancel-idle:end");
	msix_resync_free(rs);
}

/* The device vanishes: its config space reads all ones. */
static void e2e_case_vanished(void)
{
	struct pci_dev *pdev = e2e.pdev;
	struct pci_dev *bridge = pci_upstream_bridge(pdev);
	struct msix_resync *rs, *rs2;
	u32 buses;

	if (!bridge || pci_is_root_bus(pdev->bus) || !pci_is_bridge(bridge)) {
		pr_info("msix_resync_e2e: SKIP vanished: no bridge above the device\n");
		return;
	}
	rs = msix_resync_alloc(pdev, GFP_KERNEL);
	rs2 = msix_resync_alloc(pdev, GFP_KERNEL);
	if (IS_ERR(rs) || IS_ERR(rs2)) {
		e2e_ret("vanished:alloc", -ENOMEM);
		return;
	}
	e2e_observe("vanished:before");
	e2e_ret("vanished:quiesce-rs2", msix_resync_quiesce(rs2));
	pci_save_state(pdev);

	/* Move the bridge's secondary bus away: nothing answers there. */
	pci_read_config_dword(bridge, PCI_PRIMARY_BUS, &buses);
	e2e_mark("vanished:begin");
	pci_write_config_dword(bridge, PCI_PRIMARY_BUS,
			       (buses & 0xff0000ff) | 0x00fefe00);
	{
		u16 vendor;

		pci_read_config_word(pdev, PCI_VENDOR_ID, &vendor);
		pr_info("msix_resync_e2e: OBS vanished vendor=%04x\n", vendor);
	}
	e2e_ret("vanished:alloc", PTR_ERR_OR_ZERO(msix_resync_alloc(pdev, GFP_KERNEL)));
	e2e_ret("vanished:quiesce", msix_resync_quiesce(rs));
	e2e_ret("vanished:resume", msix_resync_resume(rs2));
	e2e_observe("vanished:failed");
	pci_write_config_dword(bridge, PCI_PRIMARY_BUS, buses);
	e2e_mark("vanished:end");

	pci_restore_state(pdev);
	e2e_ret("vanished:resume-back", msix_resync_resume(rs2));
	msix_resync_free(rs2);
	msix_resync_free(rs);
	e2e_mark("vanished:fire");
	e2e_fire("vanished");
	e2e_mark("vanished:fired");
}

/*
 * Vectors freed: -ESTALE, nothing written. Allocated again as MSI-X: the
 * same state works, as it keeps nothing per vector.
 */
static void e2e_case_stale(void)
{
	struct pci_dev *pdev = e2e.pdev;
	struct msix_resync *rs;

	rs = msix_resync_alloc(pdev, GFP_KERNEL);
	if (IS_ERR(rs)) {
		e2e_ret("stale:alloc", PTR_ERR(rs));
		return;
	}
	e2e_free_vectors();
	e2e_mark("stale-freed:begin");
	e2e_ret("stale-freed:quiesce", msix_resync_quiesce(rs));
	e2e_mark("stale-freed:end");

	e2e_ret("stale:realloc", e2e_setup_vectors(E2E_NVEC, PCI_IRQ_MSIX));
	e2e_mark("realloc:begin");
	e2e_observe("realloc:before");
	e2e_ret("realloc:quiesce", msix_resync_quiesce(rs));
	pci_save_state(pdev);
	e2e_mark("realloc:reset");
	e2e_zero_table();
	e2e_mark("realloc:restore");
	pci_restore_state(pdev);
	e2e_ret("realloc:resume", msix_resync_resume(rs));
	e2e_observe("realloc:after");
	e2e_mark("realloc:fire");
	e2e_fire("realloc");
	e2e_mark("realloc:end");
	msix_resync_free(rs);
	e2e_free_vectors();
}

/*
 * The irq core acts in the window: a vector masked by disable_irq()
 * (IRQ_DISABLE_UNLAZY) and another moved to another CPU between quiesce
 * and resume. The restore writes what the MSI core cached meanwhile.
 */
static void e2e_case_window(void)
{
	struct pci_dev *pdev = e2e.pdev;
	unsigned int irq1 = pci_irq_vector(pdev, 1);
	unsigned int irq2 = pci_irq_vector(pdev, 2);
	struct msix_resync *rs;
	int cpu, ret;

	rs = msix_resync_alloc(pdev, GFP_KERNEL);
	if (IS_ERR(rs)) {
		e2e_ret("window:alloc", PTR_ERR(rs));
		return;
	}
	e2e_mark("window:begin");
	e2e_observe("window:before");
	e2e_ret("window:quiesce", msix_resync_quiesce(rs));
	irq_set_status_flags(irq1, IRQ_DISABLE_UNLAZY);
	disable_irq(irq1);
	cpu = cpumask_last(cpu_online_mask);
	ret = irq_set_affinity(irq2, cpumask_of(cpu));
	pr_info("msix_resync_e2e: OBS window cpus=%u moved-to=%d ret=%d\n",
		num_online_cpus(), cpu, ret);
	pci_save_state(pdev);
	e2e_mark("window:reset");
	e2e_observe("window:quiesced");
	e2e_zero_table();
	e2e_mark("window:restore");
	pci_restore_state(pdev);
	e2e_ret("window:resume", msix_resync_resume(rs));
	e2e_observe("window:after");
	e2e_mark("window:fire");
	e2e_fire("window");
	enable_irq(irq1);
	irq_clear_status_flags(irq1, IRQ_DISABLE_UNLAZY);
	irq_set_affinity(irq2, cpu_online_mask);
	e2e_observe("window:enabled");
	e2e_mark("window:fire2");
	e2e_fire("window-enabled");
	e2e_mark("window:end");
	msix_resync_free(rs);
}

/*
 * A device whose INTx Disable the MSI core leaves clear
 * (PCI_DEV_FLAGS_MSI_INTX_DISABLE_BUG): with MSI-X Enable clear it would
 * raise INTx, so alloc refuses it (-EOPNOTSUPP) and writes nothing.
 */
static void e2e_case_intx_quirk(void)
{
	struct pci_dev *pdev = e2e.pdev;
	struct msix_resync *rs;
	u16 cmd;

	pdev->dev_flags |= PCI_DEV_FLAGS_MSI_INTX_DISABLE_BUG;
	pci_intx(pdev, 1);
	e2e_mark("quirk:begin");
	rs = msix_resync_alloc(pdev, GFP_KERNEL);
	e2e_ret("quirk:alloc", PTR_ERR_OR_ZERO(rs));
	e2e_mark("quirk:reset");
	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	pr_info("msix_resync_e2e: OBS quirk intx_disable=%d\n",
		!!(cmd & PCI_COMMAND_INTX_DISABLE));
	e2e_mark("quirk:end");
	pdev->dev_flags &= ~PCI_DEV_FLAGS_MSI_INTX_DISABLE_BUG;
	pci_intx(pdev, 0);
	if (!IS_ERR(rs))
		msix_resync_free(rs);
}

/* MSI and INTx: documented no-ops; the stock restore toggles MSI Enable. */
static void e2e_case_mode(const char *name, unsigned int type)
{
	struct pci_dev *pdev = e2e.pdev;
	struct e2e_reset reset = { NULL, 0 };
	struct msix_resync *rs;
	char label[64], reset_label[64];
	int ret;

	snprintf(reset_label, sizeof(reset_label), "%s:reset", name);
	reset.label = reset_label;
	ret = e2e_setup_vectors(1, type);
	snprintf(label, sizeof(label), "%s:setup", name);
	e2e_ret(label, ret);
	if (ret)
		goto out;
	rs = msix_resync_alloc(pdev, GFP_KERNEL);
	snprintf(label, sizeof(label), "%s:alloc", name);
	e2e_ret(label, PTR_ERR_OR_ZERO(rs));
	if (IS_ERR(rs))
		goto out;
	snprintf(label, sizeof(label), "%s:begin", name);
	e2e_mark(label);
	snprintf(label, sizeof(label), "%s:quiesce", name);
	e2e_ret(label, msix_resync_quiesce(rs));
	snprintf(label, sizeof(label), "%s:resume", name);
	e2e_ret(label, msix_resync_resume(rs));
	snprintf(label, sizeof(label), "%s:oneshot", name);
	e2e_mark(label);
	e2e_ret(label, msix_resync_reset(pdev, e2e_reset_cb, &reset));
	snprintf(label, sizeof(label), "%s:end", name);
	e2e_mark(label);
	pr_info("msix_resync_e2e: OBS %s msi_cap=%#x\n", name, pdev->msi_cap);
	msix_resync_free(rs);
out:
	e2e_free_vectors();
}

static int e2e_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret;

	e2e.pdev = pdev;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);
	e2e.mmio = pcim_iomap(pdev, 0, 0);
	if (!e2e.mmio)
		return -ENOMEM;
	pci_read_config_byte(pdev, PCI_CACHE_LINE_SIZE, &e2e.cls);

	ret = e2e_setup_vectors(E2E_NVEC, PCI_IRQ_MSIX);
	e2e_ret("setup", ret);
	if (ret)
		goto out;

	pr_info("msix_resync_e2e: START mode=%s kernel=%s\n", mode,
		init_utsname()->release);
	e2e_case_stock();
	e2e_case_resync("resync");
	if (!strcmp(mode, "check")) {
		e2e_case_oneshot();
		e2e_case_errors();
		e2e_case_cancel();
		e2e_case_vanished();
		e2e_case_window();
		e2e_case_intx_quirk();
		e2e_case_stale();
		e2e_case_mode("msi", PCI_IRQ_MSI);
		e2e_case_mode("intx", PCI_IRQ_INTX);
	}
out:
	e2e_free_vectors();
	pr_info("msix_resync_e2e: DONE\n");
	return 0;
}

static const struct pci_device_id e2e_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_INTEL, E1000E_MSIX_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, e2e_ids);

static struct pci_driver e2e_driver = {
	.name = "msix_resync_e2e",
	.id_table = e2e_ids,
	.probe = e2e_probe,
};
module_pci_driver(e2e_driver);

MODULE_DESCRIPTION("msix-resync end-to-end test driver for QEMU's e1000e");
MODULE_LICENSE("GPL");
