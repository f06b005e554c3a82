/* SPDX-License-Identifier: GPL-2.0 */
/*
 * amdgpu_restore_msix() as Linux 6.12 ships it
 * (drivers/gpu/drm/amd/amdgpu/amdgpu_irq.c, called by
 * amdgpu_irq_gpu_reset_resume_helper() for an SR-IOV VF after its reset),
 * transcribed with adev->pdev as pdev: Enable 1->0->1 if Enable is set,
 * Function Mask left alone, nothing read back. For the nested VFIO test
 * (msix_resync_vfio.c, phase T) and its benchmark (msix_resync_vbench.c,
 * method amdgpu).
 *
 * Copyright (C) 2026 The msix-resync authors
 */
#ifndef MSIX_RESYNC_AMDGPU_RESTORE_MSIX_H
#define MSIX_RESYNC_AMDGPU_RESTORE_MSIX_H

#include <linux/pci.h>

static inline void vt_amdgpu_restore_msix(struct pci_dev *pdev)
{
	u16 ctrl;

	pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, &ctrl);
	if (!(ctrl & PCI_MSIX_FLAGS_ENABLE))
		return;

	/* VF FLR */
	ctrl &= ~PCI_MSIX_FLAGS_ENABLE;
	pci_write_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, ctrl);
	ctrl |= PCI_MSIX_FLAGS_ENABLE;
	pci_write_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, ctrl);
}

#endif
