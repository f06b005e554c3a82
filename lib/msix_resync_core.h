/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msix-resync private definitions, shared by the API and the core.
 * Not for drivers: they use <linux/msix_resync.h>.
 */
#ifndef _MSIX_RESYNC_CORE_H
#define _MSIX_RESYNC_CORE_H

#include <linux/types.h>

struct pci_dev;

enum msix_resync_mode {
	MSIX_RESYNC_MODE_INTX,
	MSIX_RESYNC_MODE_MSI,
	MSIX_RESYNC_MODE_MSIX,
};

enum msix_resync_state {
	MSIX_RESYNC_IDLE,
	MSIX_RESYNC_QUIESCED,
};

/**
 * struct msix_resync_vec - what alloc learnt about one MSI-X vector
 * @desc: the MSI descriptor seen at alloc; compared, never dereferenced,
 *	so that a freed descriptor is never touched
 * @irq: Linux interrupt number
 * @index: MSI-X table index
 * @masked_by_us: quiesce masked this vector; resume unmasks it
 */
struct msix_resync_vec {
	const void *desc;
	unsigned int irq;
	u16 index;
	bool masked_by_us;
};

/**
 * struct msix_resync - per-device resync state
 * @pdev: the device
 * @mode: interrupt mode seen at alloc
 * @state: idle or quiesced
 * @cap: MSI-X capability offset
 * @nvec: number of entries in @vec
 * @vec: the MSI-X vectors, in descriptor order
 */
struct msix_resync {
	struct pci_dev *pdev;
	enum msix_resync_mode mode;
	enum msix_resync_state state;
	u8 cap;
	unsigned int nvec;
	struct msix_resync_vec vec[] __counted_by(nvec);
};

int msix_resync_core_snapshot(struct pci_dev *pdev, gfp_t gfp,
			      struct msix_resync **out);
int msix_resync_core_read_ctrl(struct msix_resync *rs, u16 *ctrl);
int msix_resync_core_validate(struct msix_resync *rs);
unsigned int msix_resync_core_mask(struct msix_resync *rs);
unsigned int msix_resync_core_unmask(struct msix_resync *rs);
u16 msix_resync_core_disable(struct msix_resync *rs, u16 ctrl);

#endif /* _MSIX_RESYNC_CORE_H */
