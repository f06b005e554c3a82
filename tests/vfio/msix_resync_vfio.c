// SPDX-License-Identifier: GPL-2.0
/*
 * msix-resync: the guest (L2) side of the nested VFIO test.
 *
 * Built into the L2 kernel of scripts/vfio-build.sh. The device L1's
 * vfio-pci assigned to L2's QEMU is either an nvme, owned by the real nvme
 * driver, or (for the real reset, R3) QEMU's e1000e, owned by this file's
 * own small driver: five MSI-X vectors, each cause routed to its vector
 * (kunit/e1000e_msix.h). L2's init script drives a backdoor-reset cycle
 * around that live device through debugfs, one phase at a time:
 *
 *   echo "save A" > /sys/kernel/debug/msix_resync_vfio/ctl
 *	A (stock): pci_save_state()
 *	B (msix-resync): msix_resync_alloc(), msix_resync_quiesce(),
 *	    pci_save_state()
 *	N (negative control): B with the library's calls skipped
 *	S, T, I, F (a reset the driver learns of only afterwards): as A,
 *	    pci_save_state() and nothing of the library
 *   ... L1 plays the backdoor reset on the physical device ...
 *   echo restore > /sys/kernel/debug/msix_resync_vfio/ctl
 *	A, B, N: pci_restore_state(), then for B msix_resync_resume()
 *	S: pci_restore_state(), msix_resync_after_reset()
 *	T: pci_restore_state(), amdgpu's Enable toggle
 *	    (amdgpu_restore_msix.h)
 *	I: iavf's pci_set_master(), pci_restore_msi_state() (iavf_reset_task)
 *	F: I, then msix_resync_after_reset()
 *	and msix_resync_free()
 *   echo fire > /sys/kernel/debug/msix_resync_vfio/ctl   (e1000e only)
 *	what a driver does after its device's reset: program the device's
 *	own registers again (a reset cleared them) while keeping its
 *	vectors, then raise an interrupt on each vector and wait up to
 *	200 ms for it; logs "FIRE delivered=n0,n1,n2,n3,n4"
 *
 * The nvme driver stays bound and idle meanwhile (no I/O in flight, no
 * device_lock(): nothing else in this guest touches the device), as a
 * driver's own reset path would be.
 *
 * Each step logs one "msix_resync_vfio:" line with its result, and first
 * writes a marker to the device's PCI_CACHE_LINE_SIZE (phase A/B/N/S/T/I/F
 * = 1..7 in the high nibble, save/restore = 1/2 in the low one; the init
 * script writes the end marker, 3), which L2's QEMU
 * traces as vfio_pci_write_config: that cuts QEMU's trace into phases.
 * The reads that show whether interrupts still arrive are the init
 * script's.
 *
 * Copyright (C) 2026 The msix-resync authors
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/msix_resync.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "../../kunit/e1000e_msix.h"
#include "amdgpu_restore_msix.h"

static DEFINE_MUTEX(vt_lock);
static struct dentry *vt_dir;
static struct pci_dev *vt_pdev;
static struct msix_resync *vt_rs;
static char vt_phase;	/* the phase between "save" and "restore", or 0 */
/* The phases, in the order of their marker nibbles (1..7). */
static const char vt_phases[] = "ABNSTIF";

/* The e1000e this file's driver owns, when it is the assigned device. */
static struct {
	struct pci_dev *pdev;
	void __iomem *mmio;
	atomic_t count[E1000E_MSIX_NVEC];
} vt_nic;

static irqreturn_t vt_nic_irq(int irq, void *data)
{
	atomic_inc(data);
	return IRQ_HANDLED;
}

static int vt_nic_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret, i;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);
	vt_nic.mmio = pcim_iomap(pdev, 0, 0);
	if (!vt_nic.mmio)
		return -ENOMEM;
	ret = pci_alloc_irq_vectors(pdev, E1000E_MSIX_NVEC, E1000E_MSIX_NVEC,
				    PCI_IRQ_MSIX);
	if (ret < 0)
		return ret;
	for (i = 0; i < E1000E_MSIX_NVEC; i++) {
		ret = devm_request_irq(&pdev->dev, pci_irq_vector(pdev, i),
				       vt_nic_irq, 0, "msix_resync_vfio",
				       &vt_nic.count[i]);
		if (ret)
			return ret;
	}
	e1000e_msix_program(vt_nic.mmio);
	vt_nic.pdev = pdev;
	pr_info("e1000e %s: %d MSI-X vectors\n", pci_name(pdev), E1000E_MSIX_NVEC);
	return 0;
}

static const struct pci_device_id vt_nic_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_INTEL, E1000E_MSIX_DEVICE) },
	{ }
};

static struct pci_driver vt_nic_driver = {
	.name = "msix_resync_vfio",
	.id_table = vt_nic_ids,
	.probe = vt_nic_probe,
};

/* After the reset: the device's registers again, then each vector once. */
static int vt_fire(void)
{
	int before[E1000E_MSIX_NVEC], got[E1000E_MSIX_NVEC], i, n;

	if (!vt_nic.pdev) {
		pr_err("fire: no e1000e bound\n");
		return -ENODEV;
	}
	if (vt_phase) {
		pr_err("fire while phase %c is open\n", vt_phase);
		return -EBUSY;
	}
	e1000e_msix_program(vt_nic.mmio);
	for (i = 0; i < E1000E_MSIX_NVEC; i++) {
		before[i] = atomic_read(&vt_nic.count[i]);
		e1000e_msix_raise(vt_nic.mmio, i);
		for (n = 0; n < 200 && atomic_read(&vt_nic.count[i]) == before[i]; n++)
			usleep_range(1000, 2000);
	}
	/* a late or duplicated interrupt counts too */
	msleep(20);
	for (i = 0; i < E1000E_MSIX_NVEC; i++)
		got[i] = atomic_read(&vt_nic.count[i]) - before[i];
	pr_info("FIRE delivered=%d,%d,%d,%d,%d\n", got[0], got[1], got[2],
		got[3], got[4]);
	return 0;
}

static u16 vt_msix_ctrl(struct pci_dev *pdev)
{
	u16 ctrl = 0xffff;

	if (pdev->msix_cap)
		pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS,
				     &ctrl);
	return ctrl;
}

/* phase: one of vt_phases (vt_ctl_write() takes no other) */
static void vt_mark(char phase, u8 step)
{
	u8 nibble = strchr(vt_phases, phase) - vt_phases + 1;

	pci_write_config_byte(vt_pdev, PCI_CACHE_LINE_SIZE, nibble << 4 | step);
}

static int vt_find(void)
{
	if (vt_pdev)
		return 0;
	if (vt_nic.pdev)
		vt_pdev = pci_dev_get(vt_nic.pdev);
	else
		vt_pdev = pci_get_class(PCI_CLASS_STORAGE_EXPRESS, NULL);
	if (!vt_pdev) {
		pr_err("no nvme or e1000e device\n");
		return -ENODEV;
	}
	pr_info("device %s, MSI-X %s\n", pci_name(vt_pdev),
		vt_pdev->msix_enabled ? "enabled" : "disabled");
	return 0;
}

static int vt_save(char phase)
{
	int ret;

	if (vt_phase) {
		pr_err("save %c while phase %c is open\n", phase, vt_phase);
		return -EBUSY;
	}
	ret = vt_find();
	if (ret)
		return ret;

	vt_mark(phase, 1);
	/* A and the after-the-fact phases know nothing of the reset yet */
	if (phase == 'B' || phase == 'N') {
		vt_rs = msix_resync_alloc(vt_pdev, GFP_KERNEL);
		if (IS_ERR(vt_rs)) {
			ret = PTR_ERR(vt_rs);
			vt_rs = NULL;
			pr_err("phase %c: msix_resync_alloc: %d\n", phase, ret);
			return ret;
		}
	}
	if (phase == 'B') {
		ret = msix_resync_quiesce(vt_rs);
		pr_info("phase B: msix_resync_quiesce: %d\n", ret);
		if (ret) {
			msix_resync_free(vt_rs);
			vt_rs = NULL;
			return ret;
		}
	} else if (phase == 'N') {
		pr_info("phase N: msix_resync_quiesce skipped (negative control)\n");
	}
	pci_save_state(vt_pdev);
	vt_phase = phase;
	pr_info("phase %c: saved, Message Control %#06x\n", phase,
		vt_msix_ctrl(vt_pdev));
	return 0;
}

static int vt_restore(void)
{
	char phase = vt_phase;
	int ret = 0;

	if (!phase) {
		pr_err("restore without save\n");
		return -EINVAL;
	}
	vt_mark(phase, 2);
	if (phase == 'I' || phase == 'F') {
		/*
		 * iavf_reset_task() once its PF has reset the VF (Linux 6.12,
		 * drivers/net/ethernet/intel/iavf/iavf_main.c): bus mastering
		 * and the MSI-X state only, no pci_restore_state()
		 */
		pci_set_master(vt_pdev);
		pci_restore_msi_state(vt_pdev);
	} else {
		pci_restore_state(vt_pdev);
	}
	if (phase == 'B') {
		ret = msix_resync_resume(vt_rs);
		pr_info("phase B: msix_resync_resume: %d\n", ret);
	} else if (phase == 'N') {
		pr_info("phase N: msix_resync_resume skipped (negative control)\n");
	} else if (phase == 'S' || phase == 'F') {
		ret = msix_resync_after_reset(vt_pdev);
		pr_info("phase %c: msix_resync_after_reset: %d\n", phase, ret);
	} else if (phase == 'T') {
		pr_info("phase T: amdgpu_restore_msix, Message Control %#06x before\n",
			vt_msix_ctrl(vt_pdev));
		vt_amdgpu_restore_msix(vt_pdev);
	}
	msix_resync_free(vt_rs);
	vt_rs = NULL;
	vt_phase = 0;
	pr_info("phase %c: restored, Message Control %#06x\n", phase,
		vt_msix_ctrl(vt_pdev));
	return ret;
}

/* "save P" for each phase P, "restore", "fire" */
static bool vt_known(const char *cmd)
{
	if (strlen(cmd) == 6 && !strncmp(cmd, "save ", 5))
		return strchr(vt_phases, cmd[5]);
	return !strcmp(cmd, "restore") || !strcmp(cmd, "fire");
}

static ssize_t vt_ctl_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	char buf[16], *cmd;
	int ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	cmd = strim(buf);

	if (!vt_known(cmd)) {
		pr_err("unknown command \"%s\"\n", cmd);
		return -EINVAL;
	}
	mutex_lock(&vt_lock);
	if (cmd[0] == 's')
		ret = vt_save(cmd[5]);
	else if (cmd[0] == 'f')
		ret = vt_fire();
	else
		ret = vt_restore();
	mutex_unlock(&vt_lock);
	return ret ? ret : len;
}

static const struct file_operations vt_ctl_fops = {
	.owner = THIS_MODULE,
	.write = vt_ctl_write,
	.llseek = noop_llseek,
};

static int __init vt_init(void)
{
	int ret;

	ret = pci_register_driver(&vt_nic_driver);
	if (ret)
		return ret;
	vt_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("ctl", 0200, vt_dir, NULL, &vt_ctl_fops);
	return 0;
}

static void __exit vt_exit(void)
{
	debugfs_remove_recursive(vt_dir);
	if (vt_phase)
		vt_restore();
	pci_dev_put(vt_pdev);
	pci_unregister_driver(&vt_nic_driver);
}

module_init(vt_init);
module_exit(vt_exit);

MODULE_DESCRIPTION("msix-resync: guest side of the nested VFIO test");
MODULE_LICENSE("GPL");
