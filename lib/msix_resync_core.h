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

/* What msix_resync_vec_state() reports of a vector. */
#define MSIX_RESYNC_VEC_UNMASKED	0
#define MSIX_RESYNC_VEC_MASKED		1

/**
 * struct msix_resync_hw - the device accesses the KUnit test can replace
 * @read_cfg: read a config word
 * @write_cfg: write a config word
 * @vec_state: a vector's MSI core mask state, or -ESTALE
 * @vec_mask: mask a vector through the MSI core
 * @vec_unmask: unmask a vector unless the irq core has it masked; returns
 *	whether it unmasked
 *
 * The seam at which kunit/msix_resync_test.c runs the real library code
 * against a model of the hypervisor and device. It exists only when
 * CONFIG_MSIX_RESYNC_KUNIT_TEST is enabled; otherwise msix_resync_seam()
 * is NULL at compile time and the accesses are direct.
 */
struct msix_resync_hw {
	int (*read_cfg)(struct pci_dev *pdev, int where, u16 *val);
	void (*write_cfg)(struct pci_dev *pdev, int where, u16 val);
	int (*vec_state)(struct msix_resync *rs, unsigned int i);
	void (*vec_mask)(struct msix_resync *rs, unsigned int i);
	bool (*vec_unmask)(struct msix_resync *rs, unsigned int i);
};

#if IS_ENABLED(CONFIG_MSIX_RESYNC_KUNIT_TEST)
extern const struct msix_resync_hw *msix_resync_test_hw;

/* The model the KUnit test installed, if any. */
static inline const struct msix_resync_hw *msix_resync_seam(void)
{
	return READ_ONCE(msix_resync_test_hw);
}
#else
static inline const struct msix_resync_hw *msix_resync_seam(void)
{
	return NULL;
}
#endif

int msix_resync_core_snapshot(struct pci_dev *pdev, gfp_t gfp,
			      struct msix_resync **out);
int msix_resync_core_read_ctrl(struct msix_resync *rs, u16 *ctrl);
int msix_resync_core_validate(struct msix_resync *rs);
unsigned int msix_resync_core_mask(struct msix_resync *rs);
unsigned int msix_resync_core_unmask(struct msix_resync *rs);
u16 msix_resync_core_disable(struct msix_resync *rs, u16 ctrl);
u16 msix_resync_core_enable(struct msix_resync *rs, u16 ctrl);

#endif /* _MSIX_RESYNC_CORE_H */
