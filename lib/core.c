// SPDX-License-Identifier: GPL-2.0
/*
 * msix-resync core: the device accesses behind the API.
 *
 * Only alloc (msix_resync_core_snapshot()) takes the MSI descriptor mutex.
 * Everything else runs in atomic context: it reaches the descriptors
 * through the interrupt numbers cached at alloc, and checks each one is
 * still the descriptor of the same vector of the same device before it
 * writes anything.
 */

#include <linux/irq.h>
#include <linux/msi.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/slab.h>

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

static int msix_resync_count_vectors(struct pci_dev *pdev)
{
	struct msi_desc *desc;
	int n = 0;

	msi_for_each_desc(desc, &pdev->dev, MSI_DESC_ASSOCIATED)
		n++;
	return n;
}

/**
 * msix_resync_core_snapshot - allocate the state and record the vectors
 * @pdev: device, with its interrupt vectors allocated
 * @gfp: allocation flags
 * @out: where to store the new state
 *
 * Context: process context; takes the MSI descriptor mutex.
 * Return: 0, -ENOMEM, or -ENODEV when the device has MSI-X enabled but
 * no MSI-X vector is associated with an interrupt.
 */
int msix_resync_core_snapshot(struct pci_dev *pdev, gfp_t gfp,
			      struct msix_resync **out)
{
	struct msix_resync *rs;
	struct msi_desc *desc;
	unsigned int i = 0;
	int n = 0;

	if (pdev->msix_enabled) {
		msi_lock_descs(&pdev->dev);
		n = msix_resync_count_vectors(pdev);
		if (!n) {
			msi_unlock_descs(&pdev->dev);
			return -ENODEV;
		}
	}

	rs = kzalloc(struct_size(rs, vec, n), gfp);
	if (!rs) {
		if (n)
			msi_unlock_descs(&pdev->dev);
		return -ENOMEM;
	}
	rs->nvec = n;
	rs->pdev = pdev;
	rs->state = MSIX_RESYNC_IDLE;

	if (!n) {
		rs->mode = pdev->msi_enabled ? MSIX_RESYNC_MODE_MSI :
					       MSIX_RESYNC_MODE_INTX;
		*out = rs;
		return 0;
	}

	rs->mode = MSIX_RESYNC_MODE_MSIX;
	rs->cap = pdev->msix_cap;
	msi_for_each_desc(desc, &pdev->dev, MSI_DESC_ASSOCIATED) {
		rs->vec[i].desc = desc;
		rs->vec[i].irq = desc->irq;
		rs->vec[i].index = desc->msi_index;
		i++;
	}
	msi_unlock_descs(&pdev->dev);
	*out = rs;
	return 0;
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
	u16 vendor;

	if (pci_dev_is_disconnected(pdev))
		return -ENODEV;
	if (msix_resync_read_cfg(pdev, rs->cap + PCI_MSIX_FLAGS, ctrl) ||
	    PCI_POSSIBLE_ERROR(*ctrl))
		return -ENODEV;
	/* A read of all ones from Message Control alone is impossible. */
	if (msix_resync_read_cfg(pdev, PCI_VENDOR_ID, &vendor) ||
	    PCI_POSSIBLE_ERROR(vendor))
		return -ENODEV;
	return 0;
}

/* The live descriptor of vector @i, if it is still the one alloc saw. */
static struct msi_desc *msix_resync_live_desc(struct msix_resync *rs,
					      unsigned int i)
{
	const struct msix_resync_vec *v = &rs->vec[i];
	struct msi_desc *desc = irq_get_msi_desc(v->irq);

	if (!desc || desc != v->desc)
		return NULL;
	if (desc->dev != &rs->pdev->dev || desc->irq != v->irq ||
	    desc->msi_index != v->index || !desc->pci.msi_attrib.is_msix)
		return NULL;
	return desc;
}

/*
 * Vector @i as the MSI core sees it: MSIX_RESYNC_VEC_UNMASKED,
 * MSIX_RESYNC_VEC_MASKED (cached mask bit set, or the vector cannot be
 * masked), or -ESTALE when it is no longer the vector alloc saw.
 */
static int msix_resync_vec_state(struct msix_resync *rs, unsigned int i)
{
	const struct msix_resync_hw *hw = msix_resync_seam();
	struct msi_desc *desc;

	if (hw)
		return hw->vec_state(rs, i);
	desc = msix_resync_live_desc(rs, i);
	if (!desc)
		return -ESTALE;
	if (!desc->pci.msi_attrib.can_mask ||
	    (desc->pci.msix_ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT))
		return MSIX_RESYNC_VEC_MASKED;
	return MSIX_RESYNC_VEC_UNMASKED;
}

/* Mask through the MSI core, which updates its cached control word. */
static void msix_resync_vec_mask(struct msix_resync *rs, unsigned int i)
{
	const struct msix_resync_hw *hw = msix_resync_seam();

	if (hw)
		hw->vec_mask(rs, i);
	else
		pci_msi_mask_irq(irq_get_irq_data(rs->vec[i].irq));
}

/* Unmask, unless the irq core masked the interrupt meanwhile. */
static bool msix_resync_vec_unmask(struct msix_resync *rs, unsigned int i)
{
	const struct msix_resync_hw *hw = msix_resync_seam();
	struct irq_data *d;

	if (hw)
		return hw->vec_unmask(rs, i);
	d = irq_get_irq_data(rs->vec[i].irq);
	if (!d || irqd_irq_masked(d))
		return false;
	pci_msi_unmask_irq(d);
	return true;
}

/**
 * msix_resync_core_validate - check the vectors are those seen at alloc
 * @rs: state
 *
 * Context: any context.
 * Return: 0, or -ESTALE when the interrupt mode changed or an MSI-X vector
 * was freed or reallocated since alloc.
 */
int msix_resync_core_validate(struct msix_resync *rs)
{
	struct pci_dev *pdev = rs->pdev;
	unsigned int i;

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
	for (i = 0; i < rs->nvec; i++)
		if (msix_resync_vec_state(rs, i) < 0)
			return -ESTALE;
	return 0;
}

/**
 * msix_resync_core_mask - mask every vector the MSI core has unmasked
 * @rs: validated state in MSI-X mode
 *
 * Masks through the MSI core (pci_msi_mask_irq()), which updates its
 * cached vector control word, so that pci_restore_state() writes the
 * entries back masked. The irq core is not told: for it the interrupt
 * stays enabled, as it will be again after msix_resync_core_unmask().
 *
 * Context: any context.
 * Return: the number of vectors masked.
 */
unsigned int msix_resync_core_mask(struct msix_resync *rs)
{
	unsigned int i, n = 0;

	for (i = 0; i < rs->nvec; i++) {
		if (msix_resync_vec_state(rs, i) != MSIX_RESYNC_VEC_UNMASKED)
			continue;
		msix_resync_vec_mask(rs, i);
		rs->vec[i].masked_by_us = true;
		n++;
	}
	return n;
}

/**
 * msix_resync_core_unmask - unmask the vectors msix_resync_core_mask() masked
 * @rs: validated state in MSI-X mode
 *
 * A vector the irq core masked in the meantime (disable_irq() of an
 * interrupt with IRQ_DISABLE_UNLAZY, for example) stays masked, so that
 * the irq core, the MSI core and the device agree.
 *
 * Context: any context.
 * Return: the number of vectors unmasked.
 */
unsigned int msix_resync_core_unmask(struct msix_resync *rs)
{
	unsigned int i, n = 0;

	for (i = 0; i < rs->nvec; i++) {
		struct msix_resync_vec *v = &rs->vec[i];

		if (!v->masked_by_us)
			continue;
		v->masked_by_us = false;
		if (msix_resync_vec_unmask(rs, i))
			n++;
	}
	return n;
}

/**
 * msix_resync_core_enable - set Enable, clear MASKALL
 * @rs: validated state in MSI-X mode
 * @ctrl: current Message Control
 *
 * Undoes msix_resync_core_disable() without pci_restore_state(): one
 * config write, so that the hypervisor sees Enable go from 0 to 1.
 *
 * Context: any context.
 * Return: Message Control as read back after the write.
 */
u16 msix_resync_core_enable(struct msix_resync *rs, u16 ctrl)
{
	ctrl |= PCI_MSIX_FLAGS_ENABLE;
	ctrl &= ~PCI_MSIX_FLAGS_MASKALL;
	msix_resync_write_cfg(rs->pdev, rs->cap + PCI_MSIX_FLAGS, ctrl);
	msix_resync_read_cfg(rs->pdev, rs->cap + PCI_MSIX_FLAGS, &ctrl);
	return ctrl;
}

/**
 * msix_resync_core_disable - set MASKALL, clear Enable, keep INTx off
 * @rs: validated state in MSI-X mode
 * @ctrl: current Message Control
 *
 * One config write to Message Control, so that the hypervisor sees
 * MSI-X Enable go from 1 to 0. INTx stays disabled: with MSI-X off a
 * device may otherwise fall back to INTx. pdev->msix_enabled is left set,
 * so pci_restore_state() enables MSI-X again.
 *
 * Context: any context.
 * Return: Message Control as read back after the write.
 */
u16 msix_resync_core_disable(struct msix_resync *rs, u16 ctrl)
{
	struct pci_dev *pdev = rs->pdev;
	u16 cmd;

	if (!msix_resync_read_cfg(pdev, PCI_COMMAND, &cmd) &&
	    !PCI_POSSIBLE_ERROR(cmd) && !(cmd & PCI_COMMAND_INTX_DISABLE))
		msix_resync_write_cfg(pdev, PCI_COMMAND,
				      cmd | PCI_COMMAND_INTX_DISABLE);

	ctrl |= PCI_MSIX_FLAGS_MASKALL;
	ctrl &= ~PCI_MSIX_FLAGS_ENABLE;
	msix_resync_write_cfg(pdev, rs->cap + PCI_MSIX_FLAGS, ctrl);
	/* Flush the write. */
	msix_resync_read_cfg(pdev, rs->cap + PCI_MSIX_FLAGS, &ctrl);
	return ctrl;
}
