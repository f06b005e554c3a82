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
 */
#ifndef _MSIX_RESYNC_TRACE_ONCE
#define _MSIX_RESYNC_TRACE_ONCE
#define MSIX_RESYNC_TP_DEV_FMT "dev=%04x:%02x:%02x.%u"

static inline u32 msix_resync_tp_dev(const struct pci_dev *pdev)
{
	if (!pdev || !pdev->bus)
		return 0;
	return (u32)pci_domain_nr(pdev->bus) << 16 | pdev->bus->number << 8 |
	       pdev->devfn;
}

/* What an error event names as the failing call. */
#define MSIX_RESYNC_FN_ALLOC	0
#define MSIX_RESYNC_FN_QUIESCE	1
#define MSIX_RESYNC_FN_RESUME	2
#define MSIX_RESYNC_FN_RESET	3
#define MSIX_RESYNC_FN_CANCEL	4
#endif

TRACE_EVENT(msix_resync_alloc,
	TP_PROTO(struct pci_dev *pdev, int mode, unsigned int nvec),
	TP_ARGS(pdev, mode, nvec),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(int, mode)
		__field(unsigned int, nvec)
	),
	TP_fast_assign(
		__entry->dev = msix_resync_tp_dev(pdev);
		__entry->mode = mode;
		__entry->nvec = nvec;
	),
	TP_printk(MSIX_RESYNC_TP_DEV_FMT " mode=%s nvec=%u",
		  __entry->dev >> 16, (__entry->dev >> 8) & 0xff,
		  PCI_SLOT(__entry->dev & 0xff), PCI_FUNC(__entry->dev & 0xff),
		  __print_symbolic(__entry->mode, { 0, "intx" }, { 1, "msi" },
				   { 2, "msix" }),
		  __entry->nvec)
);

DECLARE_EVENT_CLASS(msix_resync_cycle,
	TP_PROTO(struct pci_dev *pdev, unsigned int vectors, u16 ctrl_seen,
		 u16 ctrl_now),
	TP_ARGS(pdev, vectors, ctrl_seen, ctrl_now),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(unsigned int, vectors)
		__field(u16, ctrl_seen)
		__field(u16, ctrl_now)
	),
	TP_fast_assign(
		__entry->dev = msix_resync_tp_dev(pdev);
		__entry->vectors = vectors;
		__entry->ctrl_seen = ctrl_seen;
		__entry->ctrl_now = ctrl_now;
	),
	TP_printk(MSIX_RESYNC_TP_DEV_FMT
		  " vectors=%u enable=%d maskall=%d -> enable=%d maskall=%d",
		  __entry->dev >> 16, (__entry->dev >> 8) & 0xff,
		  PCI_SLOT(__entry->dev & 0xff), PCI_FUNC(__entry->dev & 0xff),
		  __entry->vectors,
		  !!(__entry->ctrl_seen & PCI_MSIX_FLAGS_ENABLE),
		  !!(__entry->ctrl_seen & PCI_MSIX_FLAGS_MASKALL),
		  !!(__entry->ctrl_now & PCI_MSIX_FLAGS_ENABLE),
		  !!(__entry->ctrl_now & PCI_MSIX_FLAGS_MASKALL))
);

/* vectors: how many quiesce masked; ctrl: Message Control before, after */
DEFINE_EVENT(msix_resync_cycle, msix_resync_quiesce,
	TP_PROTO(struct pci_dev *pdev, unsigned int vectors, u16 ctrl_seen,
		 u16 ctrl_now),
	TP_ARGS(pdev, vectors, ctrl_seen, ctrl_now));

/* vectors: how many resume unmasked; ctrl: as restore left it, unchanged */
DEFINE_EVENT(msix_resync_cycle, msix_resync_resume,
	TP_PROTO(struct pci_dev *pdev, unsigned int vectors, u16 ctrl_seen,
		 u16 ctrl_now),
	TP_ARGS(pdev, vectors, ctrl_seen, ctrl_now));

/* vectors: how many cancel unmasked; ctrl: Message Control before, after */
DEFINE_EVENT(msix_resync_cycle, msix_resync_cancel,
	TP_PROTO(struct pci_dev *pdev, unsigned int vectors, u16 ctrl_seen,
		 u16 ctrl_now),
	TP_ARGS(pdev, vectors, ctrl_seen, ctrl_now));

/* ctrl: Message Control as read, all ones for a vanished device */
TRACE_EVENT(msix_resync_error,
	TP_PROTO(struct pci_dev *pdev, int fn, int err, u16 ctrl),
	TP_ARGS(pdev, fn, err, ctrl),
	TP_STRUCT__entry(
		__field(u32, dev)
		__field(bool, nodev)
		__field(int, fn)
		__field(int, err)
		__field(u16, ctrl)
	),
	TP_fast_assign(
		__entry->dev = msix_resync_tp_dev(pdev);
		__entry->nodev = !pdev;
		__entry->fn = fn;
		__entry->err = err;
		__entry->ctrl = ctrl;
	),
	TP_printk(MSIX_RESYNC_TP_DEV_FMT "%s fn=%s err=%d ctrl=%#06x",
		  __entry->dev >> 16, (__entry->dev >> 8) & 0xff,
		  PCI_SLOT(__entry->dev & 0xff), PCI_FUNC(__entry->dev & 0xff),
		  __entry->nodev ? "(none)" : "",
		  __print_symbolic(__entry->fn,
				   { MSIX_RESYNC_FN_ALLOC, "alloc" },
				   { MSIX_RESYNC_FN_QUIESCE, "quiesce" },
				   { MSIX_RESYNC_FN_RESUME, "resume" },
				   { MSIX_RESYNC_FN_RESET, "reset" },
				   { MSIX_RESYNC_FN_CANCEL, "cancel" }),
		  __entry->err, __entry->ctrl)
);

#endif /* _MSIX_RESYNC_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE msix_resync_trace
#include <trace/define_trace.h>
