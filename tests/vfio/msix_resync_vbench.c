// SPDX-License-Identifier: GPL-2.0
/*
 * msix-resync: the guest (L2) side of the VFIO benchmark (make bench-vfio).
 *
 * Built into the L2 kernel of scripts/vfio-build.sh with the nested VFIO
 * test. The device L1's vfio-pci assigns to L2 is QEMU's ivshmem-doorbell
 * (1af4:1110) with many MSI-X vectors: a write of (own ID << 16 | vector)
 * to its Doorbell register raises that vector (tests/vfio/ivshmem_server.py
 * gives L0's QEMU the eventfds), so every vector can be made to deliver.
 * L2's init script drives one cycle at a time through debugfs:
 *
 *   echo "ensure N"  > /sys/kernel/debug/msix_resync_vbench/ctl
 *	N vectors allocated and requested; done again (free_irq(),
 *	pci_free_irq_vectors(), pci_alloc_irq_vectors(), request_irq())
 *	when the count differs or the last cycle lost a vector
 *   echo "save METHOD" > .../ctl
 *	resync: msix_resync_alloc() + msix_resync_quiesce(), then
 *	pci_save_state(); the others: pci_save_state()
 *   ... L1 plays the backdoor reset on the physical device ...
 *   echo restore > .../ctl
 *	timed from here: pci_restore_state(), then the method's recovery:
 *	resync   msix_resync_resume() (and msix_resync_free())
 *	realloc  free_irq() of every vector, pci_free_irq_vectors(),
 *		 pci_alloc_irq_vectors(), request_irq() of every vector
 *	perirq   free_irq() + request_irq() of each vector
 *	stock    nothing more
 *	descend  a design msix-resync does not have, measured to decide:
 *		 before the quiesce every vector is masked through the irq
 *		 core (IRQ_DISABLE_UNLAZY, disable_irq()), so the restore
 *		 writes them masked; after the resume they are unmasked
 *		 highest first (enable_irq()): QEMU < 8.2 then sizes the
 *		 host's vectors once instead of once per vector
 *	after    msix_resync_after_reset() (nothing before the reset)
 *	amdgpu   amdgpu's raw Enable toggle (amdgpu_restore_msix.h)
 *	unsafe   a deliberately unsafe quiesce, the safety witness's
 *		 mutant: msix_resync_quiesce()'s one write without its
 *		 Enable clear (Function Mask set, Enable left set, by a raw
 *		 config write), then the stock restore
 *	then every vector is raised once, and the clock stops when the
 *	last one arrived (or after 2 s, when not all did)
 *
 *   echo window > .../ctl   (between the reset and the restore, when
 *			      L2's command line has msixr.window=1)
 *	the safety witness: a canary written to guest-physical address 0,
 *	every vector raised once, 100 ms, the canary read back. A device
 *	that signals through a table the reset zeroed writes its zero
 *	message to address 0: "WINDOW method=M n=N canary=0x... wrote=1"
 *	(wrote=0: nothing reached address 0; delivered=D: vectors that
 *	arrived meanwhile).
 *
 * Each restore logs "BENCH method=M n=N post_us=T pre_us=Q delivered=D/N"
 * (pre_us: the save step, quiesce included). Around each cycle it writes
 * a marker to PCI_CACHE_LINE_SIZE, traced by L2's QEMU as
 * vfio_pci_write_config, that cuts QEMU's trace into cycles.
 *
 * Copyright (C) 2026 The msix-resync authors
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/irq.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/msix_resync.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "amdgpu_restore_msix.h"

#define IVSHMEM_DEVICE		0x1110	/* PCI_VENDOR_ID_REDHAT_QUMRANET */
#define IVSHMEM_IVPOSITION	0x08	/* BAR0: this peer's ID */
#define IVSHMEM_DOORBELL	0x0c	/* BAR0: peer ID << 16 | vector */
#define VB_MAX_VEC		256	/* the Doorbell's vector field is 8 bits */
#define VB_WAIT_MS		2000
#define VB_CANARY		0x5afe5afeU

enum vb_method {
	VB_RESYNC, VB_REALLOC, VB_PERIRQ, VB_STOCK, VB_DESCEND, VB_AFTER,
	VB_AMDGPU, VB_UNSAFE, VB_NONE
};

static const char * const vb_names[] = {
	"resync", "realloc", "perirq", "stock", "descend", "after", "amdgpu",
	"unsafe"
};

static DEFINE_MUTEX(vb_lock);
static struct dentry *vb_dir;
static struct {
	struct pci_dev *pdev;
	void __iomem *mmio;
	u32 id;
	int nvec;		/* allocated and requested */
	int maxvec;		/* the device's table size */
	bool healthy;		/* the last cycle delivered every vector */
	enum vb_method method;	/* between save and restore, else VB_NONE */
	struct msix_resync *rs;
	u64 pre_ns;
	u8 mark;
	atomic_t count[VB_MAX_VEC];
	int before[VB_MAX_VEC];
} vb = { .method = VB_NONE };

static irqreturn_t vb_irq(int irq, void *data)
{
	atomic_inc(data);
	return IRQ_HANDLED;
}

static int vb_request(int n)
{
	int i, ret;

	for (i = 0; i < n; i++) {
		ret = request_irq(pci_irq_vector(vb.pdev, i), vb_irq, 0,
				  "msix_resync_vbench", &vb.count[i]);
		if (ret) {
			while (--i >= 0)
				free_irq(pci_irq_vector(vb.pdev, i), &vb.count[i]);
			return ret;
		}
	}
	return 0;
}

static void vb_release(int n)
{
	int i;

	for (i = 0; i < n; i++)
		free_irq(pci_irq_vector(vb.pdev, i), &vb.count[i]);
}

static void vb_teardown(void)
{
	if (!vb.nvec)
		return;
	vb_release(vb.nvec);
	pci_free_irq_vectors(vb.pdev);
	vb.nvec = 0;
}

static int vb_setup(int n)
{
	int ret;

	vb_teardown();
	ret = pci_alloc_irq_vectors(vb.pdev, n, n, PCI_IRQ_MSIX);
	if (ret < 0)
		return ret;
	ret = vb_request(n);
	if (ret) {
		pci_free_irq_vectors(vb.pdev);
		return ret;
	}
	vb.nvec = n;
	return 0;
}

/* Raise every vector once; the number that arrived within VB_WAIT_MS. */
static int vb_fire_all(void)
{
	unsigned long deadline;
	int i, got = 0;

	for (i = 0; i < vb.nvec; i++)
		vb.before[i] = atomic_read(&vb.count[i]);
	for (i = 0; i < vb.nvec; i++)
		writel(vb.id << 16 | i, vb.mmio + IVSHMEM_DOORBELL);
	deadline = jiffies + msecs_to_jiffies(VB_WAIT_MS);
	for (;;) {
		for (got = 0, i = 0; i < vb.nvec; i++)
			got += atomic_read(&vb.count[i]) != vb.before[i];
		if (got == vb.nvec || time_after(jiffies, deadline))
			return got;
		usleep_range(20, 50);
	}
}

static void vb_mark(void)
{
	vb.mark = (vb.mark + 1) & 0x7f;
	pci_write_config_byte(vb.pdev, PCI_CACHE_LINE_SIZE, 0x80 | vb.mark);
}

static int vb_ensure(int n)
{
	int ret;

	if (vb.method != VB_NONE) {
		pr_err("ensure %d: a cycle is open\n", n);
		return -EBUSY;
	}
	if (n < 1 || n > vb.maxvec) {
		pr_err("ensure %d: the device has %d vectors\n", n, vb.maxvec);
		return -EINVAL;
	}
	if (vb.nvec == n && vb.healthy)
		return 0;
	ret = vb_setup(n);
	if (ret) {
		pr_err("ensure %d: %d\n", n, ret);
		return ret;
	}
	vb.healthy = vb_fire_all() == n;
	pr_info("SETUP n=%d healthy=%d\n", n, vb.healthy);
	return vb.healthy ? 0 : -EIO;
}

/* descend: every vector masked in the device through the irq core */
static void vb_mask_all(void)
{
	int i;

	for (i = 0; i < vb.nvec; i++) {
		irq_set_status_flags(pci_irq_vector(vb.pdev, i), IRQ_DISABLE_UNLAZY);
		disable_irq(pci_irq_vector(vb.pdev, i));
	}
}

/* ... and unmasked again, the highest vector first */
static void vb_unmask_all_downward(void)
{
	int i;

	for (i = vb.nvec - 1; i >= 0; i--) {
		enable_irq(pci_irq_vector(vb.pdev, i));
		irq_clear_status_flags(pci_irq_vector(vb.pdev, i), IRQ_DISABLE_UNLAZY);
	}
}

static int vb_save(enum vb_method m)
{
	ktime_t t0;
	int ret;

	if (vb.method != VB_NONE || !vb.nvec) {
		pr_err("save %s: %s\n", vb_names[m],
		       vb.nvec ? "a cycle is open" : "no vectors: ensure N first");
		return -EBUSY;
	}
	t0 = ktime_get();
	if (m == VB_DESCEND)
		vb_mask_all();
	if (m == VB_UNSAFE) {
		u16 ctrl;

		pci_read_config_word(vb.pdev, vb.pdev->msix_cap + PCI_MSIX_FLAGS, &ctrl);
		pci_write_config_word(vb.pdev, vb.pdev->msix_cap + PCI_MSIX_FLAGS,
				      ctrl | PCI_MSIX_FLAGS_MASKALL);
	}
	if (m == VB_RESYNC || m == VB_DESCEND) {
		vb.rs = msix_resync_alloc(vb.pdev, GFP_KERNEL);
		ret = PTR_ERR_OR_ZERO(vb.rs);
		if (!ret) {
			ret = msix_resync_quiesce(vb.rs);
			if (ret)
				msix_resync_free(vb.rs);
		}
		if (ret) {
			pr_err("save %s: msix_resync_alloc or _quiesce: %d\n", vb_names[m], ret);
			vb.rs = NULL;
			if (m == VB_DESCEND)
				vb_unmask_all_downward();
			return ret;
		}
	}
	pci_save_state(vb.pdev);
	vb.pre_ns = ktime_to_ns(ktime_sub(ktime_get(), t0));
	vb.method = m;
	vb_mark();
	return 0;
}

static int vb_restore(void)
{
	enum vb_method m = vb.method;
	int ret = 0, i, got;
	ktime_t t0;
	u64 post;

	if (m == VB_NONE) {
		pr_err("restore without save\n");
		return -EINVAL;
	}
	t0 = ktime_get();
	pci_restore_state(vb.pdev);
	switch (m) {
	case VB_RESYNC:
	case VB_DESCEND:
		ret = msix_resync_resume(vb.rs);
		msix_resync_free(vb.rs);
		vb.rs = NULL;
		if (m == VB_DESCEND)
			vb_unmask_all_downward();
		break;
	case VB_AFTER:
		ret = msix_resync_after_reset(vb.pdev);
		break;
	case VB_AMDGPU:
		vt_amdgpu_restore_msix(vb.pdev);
		break;
	case VB_REALLOC:
		ret = vb_setup(vb.nvec);
		break;
	case VB_PERIRQ:
		for (i = 0; i < vb.nvec; i++) {
			free_irq(pci_irq_vector(vb.pdev, i), &vb.count[i]);
			ret = request_irq(pci_irq_vector(vb.pdev, i), vb_irq, 0,
					  "msix_resync_vbench", &vb.count[i]);
			if (ret)
				break;
		}
		if (ret) {	/* vector i is free: give back the others */
			int j;

			for (j = 0; j < vb.nvec; j++)
				if (j != i)
					free_irq(pci_irq_vector(vb.pdev, j), &vb.count[j]);
			pci_free_irq_vectors(vb.pdev);
			vb.nvec = 0;
		}
		break;
	default:
		break;
	}
	got = vb.nvec ? vb_fire_all() : 0;
	post = ktime_to_ns(ktime_sub(ktime_get(), t0));
	vb.method = VB_NONE;
	vb.healthy = !ret && got == vb.nvec;
	vb_mark();
	pr_info("BENCH method=%s n=%d post_us=%llu pre_us=%llu delivered=%d/%d ret=%d\n",
		vb_names[m], vb.nvec, div_u64(post, 1000), div_u64(vb.pre_ns, 1000),
		got, vb.nvec, ret);
	return 0;
}

/*
 * The safety witness, between the reset and the restore: can the device
 * signal through the table the reset left? A zeroed entry's message is a
 * write of 0 to address 0, which L1's IOMMU maps to this guest's page 0
 * (vfio maps all of the guest's memory): a canary there shows it.
 */
static int vb_window(void)
{
	u32 *canary, seen, saved;
	int i, got;

	if (vb.method == VB_NONE) {
		pr_err("window outside a cycle\n");
		return -EINVAL;
	}
	canary = memremap(0, sizeof(*canary), MEMREMAP_WB);
	if (!canary) {
		pr_err("window: guest-physical address 0 cannot be mapped\n");
		return -ENOMEM;
	}
	saved = READ_ONCE(*canary);
	WRITE_ONCE(*canary, VB_CANARY);
	for (i = 0; i < vb.nvec; i++)
		vb.before[i] = atomic_read(&vb.count[i]);
	for (i = 0; i < vb.nvec; i++)
		writel(vb.id << 16 | i, vb.mmio + IVSHMEM_DOORBELL);
	msleep(100);
	seen = READ_ONCE(*canary);
	WRITE_ONCE(*canary, saved);
	memunmap(canary);
	for (got = 0, i = 0; i < vb.nvec; i++)
		got += atomic_read(&vb.count[i]) != vb.before[i];
	pr_info("WINDOW method=%s n=%d canary=%#010x wrote=%d delivered=%d\n",
		vb_names[vb.method], vb.nvec, seen, seen != VB_CANARY, got);
	return 0;
}

static int vb_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	void __iomem *mmio;
	int ret, nvec;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);
	mmio = pcim_iomap(pdev, 0, 0);
	if (!mmio)
		return -ENOMEM;
	nvec = pci_msix_vec_count(pdev);
	if (nvec < 1)
		return nvec ? nvec : -ENODEV;
	mutex_lock(&vb_lock);
	if (vb.pdev) {
		mutex_unlock(&vb_lock);
		pci_info(pdev, "msix_resync_vbench drives one device, %s already\n",
			 pci_name(vb.pdev));
		return -EBUSY;
	}
	vb.mmio = mmio;
	vb.maxvec = min(nvec, VB_MAX_VEC);
	vb.id = readl(mmio + IVSHMEM_IVPOSITION);
	vb.pdev = pdev;
	mutex_unlock(&vb_lock);
	pr_info("ivshmem %s: peer %u, %d MSI-X vectors\n", pci_name(pdev), vb.id,
		vb.maxvec);
	return 0;
}

static void vb_remove(struct pci_dev *pdev)
{
	mutex_lock(&vb_lock);
	if (pdev != vb.pdev) {
		mutex_unlock(&vb_lock);
		return;
	}
	msix_resync_free(vb.rs);	/* NULL-safe: no cycle open */
	vb.rs = NULL;
	vb.method = VB_NONE;
	vb_teardown();
	vb.pdev = NULL;
	mutex_unlock(&vb_lock);
}

static const struct pci_device_id vb_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, IVSHMEM_DEVICE) },
	{ }
};

static struct pci_driver vb_driver = {
	.name = "msix_resync_vbench",
	.id_table = vb_ids,
	.probe = vb_probe,
	.remove = vb_remove,
};

static ssize_t vb_ctl_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	char buf[24], *cmd;
	int ret = -EINVAL, n, m;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	cmd = strim(buf);

	mutex_lock(&vb_lock);
	if (!vb.pdev) {
		pr_err("%s: no ivshmem device bound\n", cmd);
		ret = -ENODEV;
	} else if (sscanf(cmd, "ensure %d", &n) == 1) {
		ret = vb_ensure(n);
	} else if (!strncmp(cmd, "save ", 5)) {
		m = match_string(vb_names, ARRAY_SIZE(vb_names), cmd + 5);
		ret = m < 0 ? m : vb_save(m);
	} else if (!strcmp(cmd, "restore")) {
		ret = vb_restore();
	} else if (!strcmp(cmd, "window")) {
		ret = vb_window();
	}
	mutex_unlock(&vb_lock);
	if (ret == -EINVAL)
		pr_err("command \"%s\" refused\n", cmd);
	return ret ? ret : len;
}

static const struct file_operations vb_ctl_fops = {
	.owner = THIS_MODULE,
	.write = vb_ctl_write,
	.llseek = noop_llseek,
};

static int __init vb_init(void)
{
	int ret;

	ret = pci_register_driver(&vb_driver);
	if (ret)
		return ret;
	vb_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("ctl", 0200, vb_dir, NULL, &vb_ctl_fops);
	return 0;
}

static void __exit vb_exit(void)
{
	debugfs_remove_recursive(vb_dir);
	pci_unregister_driver(&vb_driver);
}

module_init(vb_init);
module_exit(vb_exit);

MODULE_DESCRIPTION("msix-resync: guest side of the VFIO benchmark");
MODULE_LICENSE("GPL");
