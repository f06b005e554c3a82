// SPDX-License-Identifier: GPL-2.0
/*
 * A driver outside msix-resync's tree, built as a driver author builds
 * one: its own Kbuild, -I to the installed <linux/msix_resync.h>, and
 * KBUILD_EXTRA_SYMBOLS naming the library's installed Module.symvers
 * (scripts/consumer.sh). It binds QEMU's e1000e, runs one
 * msix_resync_reset() around a reset callback, and writes a marker byte to
 * PCI_CACHE_LINE_SIZE before and after, so that the host can cut QEMU's
 * trace there (tests/e2e/guestlog.py).
 */

#include <linux/err.h>
#include <linux/module.h>
#include <linux/msix_resync.h>
#include <linux/pci.h>

#define CONSUMER_NVEC		3
#define CONSUMER_E1000E_ID	0x10d3

static u8 consumer_marks;

static void consumer_mark(struct pci_dev *pdev, const char *label)
{
	u8 cls;

	pci_read_config_byte(pdev, PCI_CACHE_LINE_SIZE, &cls);
	consumer_marks++;
	pci_write_config_byte(pdev, PCI_CACHE_LINE_SIZE, 0x80 | consumer_marks);
	pci_write_config_byte(pdev, PCI_CACHE_LINE_SIZE, cls);
	pr_info("msix_resync_consumer: MARK %#x %s\n", 0x80 | consumer_marks, label);
}

/* The backdoor reset: here nothing, what matters is what surrounds it. */
static int consumer_reset(struct pci_dev *pdev, void *data)
{
	int *calls = data;

	(*calls)++;
	return 0;
}

static int consumer_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct msix_resync *rs;
	int calls = 0;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pci_alloc_irq_vectors(pdev, CONSUMER_NVEC, CONSUMER_NVEC, PCI_IRQ_MSIX);
	if (ret < 0)
		return ret;

	rs = msix_resync_alloc(pdev, GFP_KERNEL);
	pr_info("msix_resync_consumer: ALLOC %s %ld\n",
		IS_ERR(rs) ? "error" : ZERO_OR_NULL_PTR(rs) ? "empty" : "state",
		PTR_ERR_OR_ZERO(rs));
	if (!IS_ERR(rs))
		msix_resync_free(rs);

	consumer_mark(pdev, "reset:begin");
	ret = msix_resync_reset(pdev, consumer_reset, &calls);
	consumer_mark(pdev, "reset:end");
	pr_info("msix_resync_consumer: RESET %d calls=%d\n", ret, calls);

	pci_free_irq_vectors(pdev);
	return 0;
}

static const struct pci_device_id consumer_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_INTEL, CONSUMER_E1000E_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, consumer_ids);

static struct pci_driver consumer_driver = {
	.name = "msix_resync_consumer",
	.id_table = consumer_ids,
	.probe = consumer_probe,
};
module_pci_driver(consumer_driver);

MODULE_DESCRIPTION("msix-resync: a driver built against the installed library");
MODULE_LICENSE("GPL");
