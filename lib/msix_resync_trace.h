/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of msix-resync: events/msix_resync/ in tracefs.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM msix_resync

#if !defined(_MSIX_RESYNC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MSIX_RESYNC_TRACE_H

#include <linux/pci.h>
#include <linux/tracepoint.h>

/*
 * The device is recorded as numbers, not as a string: __assign_str()
 * changed its arguments in Linux 6.10, and this must build on 6.1 too.
 * The domain has a field of its own: VMD domains are above 0xffff.
 */
#ifndef _MSIX_RESYNC_TRACE_ONCE
#define _MSIX_RESYNC_TRACE_ONCE
#define MSIX_RESYNC_TP_DEV_FMT "dev=%04x:%02x:%02x.%u"

static inline u32 msix_resync_tp_domain(struct pci_dev *pdev)
{
	return pdev && pdev->bus ? pci_domain_nr(pdev->bus) : 0;
}

static inline u16 msix_resync_tp_bdf(struct pci_dev *pdev)
{
	return pdev && pdev->bus ? pci_dev_id(pdev) : 0;
}

/* What an error event names as the failing call. */
#define MSIX_RESYNC_FN_ALLOC	0
#define MSIX_RESYNC_FN_QUIESCE	1
#define MSIX_RESYNC_FN_RESUME	2
#define MSIX_RESYNC_FN_RESET	3
#define MSIX_RESYNC_FN_CANCEL	4
#define MSIX_RESYNC_FN_AFTER_RESET	5
#endif

/* entries: the size of the MSI-X table (0 in MSI and INTx mode) */
TRACE_EVENT(msix_resync_alloc,
	TP_PROTO(struct pci_dev *pdev, int mode, unsigned int entries),
	TP_ARGS(pdev, mode, entries),
	TP_STRUCT__entry(
		__field(u32, domain)
		__field(u16, bdf)
		__field(int, mode)
		__field(unsigned int, entries)
	),
	TP_fast_assign(
		__entry->domain = msix_resync_tp_domain(pdev);
		__entry->bdf = msix_resync_tp_bdf(pdev);
		__entry->mode = mode;
		__entry->entries = entries;
	),
	TP_printk(MSIX_RESYNC_TP_DEV_FMT " mode=%s entries=%u",
		  __entry->domain, __entry->bdf >> 8,
		  PCI_SLOT(__entry->bdf & 0xff), PCI_FUNC(__entry->bdf & 0xff),
		  __print_symbolic(__entry->mode, { 0, "intx" }, { 1, "msi" },
				   { 2, "msix" }),
		  __entry->entries)
);

DECLARE_EVENT_CLASS(msix_resync_cycle,
	TP_PROTO(struct pci_dev *pdev, u16 ctrl_seen, u16 ctrl_now),
	TP_ARGS(pdev, ctrl_seen, ctrl_now),
	TP_STRUCT__entry(
		__field(u32, domain)
		__field(u16, bdf)
		__field(u16, ctrl_seen)
		__field(u16, ctrl_now)
	),
	TP_fast_assign(
		__entry->domain = msix_resync_tp_domain(pdev);
		__entry->bdf = msix_resync_tp_bdf(pdev);
		__entry->ctrl_seen = ctrl_seen;
		__entry->ctrl_now = ctrl_now;
	),
	TP_printk(MSIX_RESYNC_TP_DEV_FMT
		  " enable=%d maskall=%d -> enable=%d maskall=%d",
		  __entry->domain, __entry->bdf >> 8,
		  PCI_SLOT(__entry->bdf & 0xff), PCI_FUNC(__entry->bdf & 0xff),
		  !!(__entry->ctrl_seen & PCI_MSIX_FLAGS_ENABLE),
		  !!(__entry->ctrl_seen & PCI_MSIX_FLAGS_MASKALL),
		  !!(__entry->ctrl_now & PCI_MSIX_FLAGS_ENABLE),
		  !!(__entry->ctrl_now & PCI_MSIX_FLAGS_MASKALL))
);

/* Message Control before the quiesce's write, and as read back after it */
DEFINE_EVENT(msix_resync_cycle, msix_resync_quiesce,
	TP_PROTO(struct pci_dev *pdev, u16 ctrl_seen, u16 ctrl_now),
	TP_ARGS(pdev, ctrl_seen, ctrl_now));

/* Message Control before and after the cancel's write */
DEFINE_EVENT(msix_resync_cycle, msix_resync_cancel,
	TP_PROTO(struct pci_dev *pdev, u16 ctrl_seen, u16 ctrl_now),
	TP_ARGS(pdev, ctrl_seen, ctrl_now));

/* Message Control as the restore left it, and as read back after the toggle */
DEFINE_EVENT(msix_resync_cycle, msix_resync_after_reset,
	TP_PROTO(struct pci_dev *pdev, u16 ctrl_seen, u16 ctrl_now),
	TP_ARGS(pdev, ctrl_seen, ctrl_now));

/* Message Control as pci_restore_state() left it; resume writes nothing */
TRACE_EVENT(msix_resync_resume,
	TP_PROTO(struct pci_dev *pdev, u16 ctrl),
	TP_ARGS(pdev, ctrl),
	TP_STRUCT__entry(
		__field(u32, domain)
		__field(u16, bdf)
		__field(u16, ctrl)
	),
	TP_fast_assign(
		__entry->domain = msix_resync_tp_domain(pdev);
		__entry->bdf = msix_resync_tp_bdf(pdev);
		__entry->ctrl = ctrl;
	),
	TP_printk(MSIX_RESYNC_TP_DEV_FMT " enable=%d maskall=%d",
		  __entry->domain, __entry->bdf >> 8,
		  PCI_SLOT(__entry->bdf & 0xff), PCI_FUNC(__entry->bdf & 0xff),
		  !!(__entry->ctrl & PCI_MSIX_FLAGS_ENABLE),
		  !!(__entry->ctrl & PCI_MSIX_FLAGS_MASKALL))
);

/* ctrl: Message Control as read, all ones for a vanished device */
TRACE_EVENT(msix_resync_error,
	TP_PROTO(struct pci_dev *pdev, int fn, int err, u16 ctrl),
	TP_ARGS(pdev, fn, err, ctrl),
	TP_STRUCT__entry(
		__field(u32, domain)
		__field(u16, bdf)
		__field(bool, nodev)
		__field(int, fn)
		__field(int, err)
		__field(u16, ctrl)
	),
	TP_fast_assign(
		__entry->domain = msix_resync_tp_domain(pdev);
		__entry->bdf = msix_resync_tp_bdf(pdev);
		__entry->nodev = !pdev;
		__entry->fn = fn;
		__entry->err = err;
		__entry->ctrl = ctrl;
	),
	TP_printk(MSIX_RESYNC_TP_DEV_FMT "%s fn=%s err=%d ctrl=%#06x",
		  __entry->domain, __entry->bdf >> 8,
		  PCI_SLOT(__entry->bdf & 0xff), PCI_FUNC(__entry->bdf & 0xff),
		  __entry->nodev ? "(none)" : "",
		  __print_symbolic(__entry->fn,
				   { MSIX_RESYNC_FN_ALLOC, "alloc" },
				   { MSIX_RESYNC_FN_QUIESCE, "quiesce" },
				   { MSIX_RESYNC_FN_RESUME, "resume" },
				   { MSIX_RESYNC_FN_RESET, "reset" },
				   { MSIX_RESYNC_FN_CANCEL, "cancel" },
				   { MSIX_RESYNC_FN_AFTER_RESET, "after_reset" }),
		  __entry->err, __entry->ctrl)
);

#endif /* _MSIX_RESYNC_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE msix_resync_trace
#include <trace/define_trace.h>
