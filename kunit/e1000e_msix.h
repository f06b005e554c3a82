/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QEMU's e1000e (8086:10d3) as an MSI-X device that raises an interrupt
 * on a chosen vector on demand, for msix-resync's KUnit suite and its
 * end-to-end test driver.
 *
 * With PBA support and IAME in CTRL_EXT, IVAR maps the causes RxQ0, RxQ1,
 * TxQ0, TxQ1 and Other (20..24) to vectors 0..4; EIAC clears each cause
 * when its message is sent, so that one write of a cause bit to ICS
 * delivers exactly one interrupt on its vector.
 */
#ifndef _MSIX_RESYNC_E1000E_MSIX_H
#define _MSIX_RESYNC_E1000E_MSIX_H

#include <linux/bits.h>
#include <linux/io.h>

#define E1000E_MSIX_DEVICE	0x10d3
#define E1000E_MSIX_NVEC	5

#define E1000_CTRL_EXT		0x18
#define E1000_ICR		0xc0
#define E1000_ICS		0xc8
#define E1000_IMS		0xd0
#define E1000_IMC		0xd8
#define E1000_EIAC		0xdc
#define E1000_IVAR		0xe4
#define E1000_CTRL_EXT_PBA	BIT(31)
#define E1000_CTRL_EXT_IAME	BIT(27)
#define E1000E_MSIX_CAUSE(v)	BIT(20 + (v))
#define E1000E_MSIX_CAUSES	GENMASK(24, 20)
#define E1000E_MSIX_IVAR	0x000cba98

/* Route the five causes to the five vectors and unmask them. */
static inline void e1000e_msix_program(void __iomem *mmio)
{
	writel(readl(mmio + E1000_CTRL_EXT) | E1000_CTRL_EXT_PBA |
	       E1000_CTRL_EXT_IAME, mmio + E1000_CTRL_EXT);
	writel(E1000E_MSIX_IVAR, mmio + E1000_IVAR);
	writel(E1000E_MSIX_CAUSES, mmio + E1000_EIAC);
	writel(E1000E_MSIX_CAUSES, mmio + E1000_IMS);
	readl(mmio + E1000_ICR);
}

/* Raise vector @v's interrupt. */
static inline void e1000e_msix_raise(void __iomem *mmio, int v)
{
	writel(E1000E_MSIX_CAUSE(v), mmio + E1000_ICS);
}

#endif /* _MSIX_RESYNC_E1000E_MSIX_H */
