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
 * struct msix_resync - per-device resync state
 * @pdev: the device
 * @mode: interrupt mode seen at alloc
 * @state: idle or quiesced
 * @cap: MSI-X capability offset (MSI-X mode only)
 *
 * Nothing about individual vectors is kept: a resync touches only
 * Message Control (see Documentation/design.rst, "One config write").
 */
struct msix_resync {
	struct pci_dev *pdev;
	enum msix_resync_mode mode;
	enum msix_resync_state state;
	u8 cap;
};

/**
 * struct msix_resync_hw - the device accesses the KUnit test can replace
 * @read_cfg: read a config word
 * @write_cfg: write a config word
 *
 * The seam at which kunit/msix_resync_test.c runs the real library code
 * against a model of the hypervisor and device. It exists only when
 * CONFIG_MSIX_RESYNC_KUNIT_TEST is enabled; otherwise msix_resync_seam()
 * is NULL at compile time and the accesses are direct.
 */
struct msix_resync_hw {
	int (*read_cfg)(struct pci_dev *pdev, int where, u16 *val);
	void (*write_cfg)(struct pci_dev *pdev, int where, u16 val);
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

void msix_resync_core_init(struct msix_resync *rs, struct pci_dev *pdev);
int msix_resync_core_read_ctrl(struct msix_resync *rs, u16 *ctrl);
int msix_resync_core_validate(struct msix_resync *rs);
u16 msix_resync_core_write_ctrl(struct msix_resync *rs, u16 ctrl);

#endif /* _MSIX_RESYNC_CORE_H */
