// SPDX-License-Identifier: GPL-2.0
/*
 * msix-resync core: the device accesses behind the API.
 *
 * The library reads and writes one register of the device, MSI-X Message
 * Control (all ones there tells a vanished device). It never touches
 * the vector table, the MSI core's descriptors or the irq core's state:
 * Function Mask masks every vector at once (PCI spec), and
 * pci_restore_state() rewrites the table from the MSI core's cache.
 */

#include <linux/pci.h>

#include "msix_resync_core.h"

#if IS_ENABLED(CONFIG_MSIX_RESYNC_KUNIT_TEST)
#include <kunit/visibility.h>

/* The KUnit test's model of the hypervisor, when one is installed. */
const struct msix_resync_hw *msix_resync_test_hw;
EXPORT_SYMBOL_IF_KUNIT(msix_resync_test_hw);
#endif

static int msix_resync_read_cfg(struct pci_dev *pdev, int where, u16 *val)
{
	const struct msix_resync_hw *hw = msix_resync_seam();

	if (hw)
		return hw->read_cfg(pdev, where, val);
	return pci_read_config_word(pdev, where, val);
}

static void msix_resync_write_cfg(struct pci_dev *pdev, int where, u16 val)
{
	const struct msix_resync_hw *hw = msix_resync_seam();

	if (hw)
		hw->write_cfg(pdev, where, val);
	else
		pci_write_config_word(pdev, where, val);
}

/**
 * msix_resync_core_init - record the device's interrupt mode
 * @rs: zeroed state
 * @pdev: the device
 *
 * Context: any context.
 */
void msix_resync_core_init(struct msix_resync *rs, struct pci_dev *pdev)
{
	rs->pdev = pdev;
	rs->state = MSIX_RESYNC_IDLE;
	if (pdev->msix_enabled) {
		rs->mode = MSIX_RESYNC_MODE_MSIX;
		rs->cap = pdev->msix_cap;
	} else if (pdev->msi_enabled) {
		rs->mode = MSIX_RESYNC_MODE_MSI;
	} else {
		rs->mode = MSIX_RESYNC_MODE_INTX;
	}
}

/**
 * msix_resync_core_read_ctrl - read MSI-X Message Control
 * @rs: state in MSI-X mode
 * @ctrl: the value read
 *
 * Context: any context.
 * Return: 0, or -ENODEV when the device is disconnected or its config
 * space reads all ones.
 */
int msix_resync_core_read_ctrl(struct msix_resync *rs, u16 *ctrl)
{
	struct pci_dev *pdev = rs->pdev;

	*ctrl = 0xffff;
	if (pci_dev_is_disconnected(pdev))
		return -ENODEV;
	/* Its reserved bits make all ones impossible from a present device. */
	if (msix_resync_read_cfg(pdev, rs->cap + PCI_MSIX_FLAGS, ctrl) ||
	    PCI_POSSIBLE_ERROR(*ctrl))
		return -ENODEV;
	return 0;
}

/**
 * msix_resync_core_validate - check the device keeps the mode seen at alloc
 * @rs: state
 *
 * Only the mode matters: no vector is remembered, so vectors freed and
 * allocated again in the same mode need no new state.
 *
 * Context: any context.
 * Return: 0, or -ESTALE when the interrupt mode changed since alloc (the
 * vectors were freed, or reallocated as MSI or INTx).
 */
int msix_resync_core_validate(struct msix_resync *rs)
{
	struct pci_dev *pdev = rs->pdev;

	switch (rs->mode) {
	case MSIX_RESYNC_MODE_INTX:
		return pdev->msix_enabled || pdev->msi_enabled ? -ESTALE : 0;
	case MSIX_RESYNC_MODE_MSI:
		return pdev->msix_enabled || !pdev->msi_enabled ? -ESTALE : 0;
	case MSIX_RESYNC_MODE_MSIX:
		break;
	}
	if (!pdev->msix_enabled || pdev->msix_cap != rs->cap)
		return -ESTALE;
	return 0;
}

/**
 * msix_resync_core_write_ctrl - write Message Control and read it back
 * @rs: validated state in MSI-X mode
 * @ctrl: the value to write
 *
 * One config write, flushed by the read, so that the hypervisor has acted
 * on it (QEMU's vfio_pci_write_config() runs synchronously) before the
 * caller goes on.
 *
 * Context: any context.
 * Return: Message Control as read back, all ones if the read failed.
 */
u16 msix_resync_core_write_ctrl(struct msix_resync *rs, u16 ctrl)
{
	u16 now;

	msix_resync_write_cfg(rs->pdev, rs->cap + PCI_MSIX_FLAGS, ctrl);
	if (msix_resync_read_cfg(rs->pdev, rs->cap + PCI_MSIX_FLAGS, &now))
		return 0xffff;
	return now;
}
