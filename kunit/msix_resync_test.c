// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for msix-resync.
 *
 * msix_resync_model: the real library code runs, through the seam of
 * struct msix_resync_hw, against a model of what stands between a guest
 * and a passed-through device: QEMU's shadow of the MSI-X table and its
 * rules for which guest writes reach the host, a host's vfio-pci with or
 * without the 2014 fix (Linux 3.18), and the device's physical table. The
 * stock pci_restore_state() sequence (__pci_restore_msix_state()) is
 * replayed against the same model.
 *
 * msix_resync_device: a reset cycle and the error contract on a real
 * emulated device (QEMU's e1000e, attached with --qemu_args); skipped when
 * the guest has none without a driver: a device a driver owns is never
 * touched (msix_resync_owner shows it).
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/msix_resync.h>
#include <linux/pci.h>
#include <linux/cpu.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/tracepoint.h>

#include "../lib/msix_resync_compat.h"
#include "../lib/msix_resync_core.h"
#include "../lib/msix_resync_trace.h"
#include "e1000e_msix.h"

MSIX_RESYNC_IMPORT_KUNIT_NS();

/* ---------------------------------------------------------------------
 * The model
 *
 * A transcription of what decides, in QEMU 7.2 and a host's vfio-pci,
 * whether the device's physical table is reprogrammed. The function names
 * in the comments are QEMU's (hw/vfio/pci.c, hw/pci/msix.c) and the
 * host's (drivers/vfio/pci/vfio_pci_intrs.c). The library reaches the
 * model only through config reads and writes of the seam; the model
 * decides by itself what the host does with them.
 */

enum model_host {
	HOST_PRE_3_18,		/* vfio-pci without the message rewrite */
	HOST_3_18,		/* with it; QEMU has no KVM route (TCG) */
	HOST_3_18_ROUTE,	/* with it; QEMU has KVM routes */
};

enum model_reset {
	RESET_R1,		/* the physical entries are zeroed */
	RESET_R2,		/* ... and the physical Enable bit cleared */
};

enum model_pattern {
	PAT_ALL_UNMASKED,
	PAT_ALTERNATING,
	PAT_ALL_MASKED,
	PAT_VEC0_MASKED,
};

struct model_msg {
	u32 addr;
	u32 data;
};

struct model {
	enum model_host host;
	unsigned int n;
	bool gone;		/* config space reads all ones */
	/* ... after that many more Message Control writes (0: never) */
	unsigned int gone_after_writes;
	bool read_fails;	/* config reads return an error (and 0) */
	bool read_fails_after_write;	/* ... from the next write on */
	bool ignore_enable;	/* a hypervisor that drops writes of Enable */
	/* QEMU's emulated capability and its shadow of the table. */
	bool enable, maskall;
	struct model_msg *shadow;
	bool *shadow_mask;
	bool *pending;		/* QEMU's PBA */
	/* QEMU's vfio state: notifiers set, vectors in use, host's count. */
	bool notifiers;
	bool defer;		/* vdev->defer_kvm_irq_routing */
	bool *used;
	unsigned int nr_vectors;
	/* The guest's MSI core: cached message and mask bit. */
	struct model_msg *cache;
	bool *cache_mask;
	/* The host and the device. */
	bool host_enabled;
	unsigned int host_nvec;
	bool phys_enable;
	struct model_msg *phys;
	/* Host work and what the library did. */
	unsigned int disables, enables, set_irqs, setups, rewrites;
	unsigned int delivered, dropped;
	unsigned int ctrl_writes, other_writes, gone_writes, reads;
};

#define MODEL_CAP	0xa0

static struct model *model;	/* the one the seam talks to */

static struct model_msg model_guest_msg(unsigned int i)
{
	return (struct model_msg){ .addr = 0xfee00000 | (i & 0xff) << 12,
				   .data = 0x4000 | i };
}

/* The host programs its own message, not the guest's (interrupt remapping). */
static struct model_msg model_host_msg(unsigned int i)
{
	return (struct model_msg){ .addr = 0xfee00010 | (i & 0xff) << 12,
				   .data = 0x8000 | i };
}

/*
 * Host: vfio_msi_enable() + vfio_msi_set_block(): pci_alloc_irq_vectors()
 * and request_irq() of @nvec vectors; each activation writes the entry.
 */
static void model_host_enable(struct model *m, unsigned int nvec)
{
	unsigned int i;

	m->set_irqs++;
	m->host_enabled = true;
	m->host_nvec = nvec;
	m->phys_enable = true;
	for (i = 0; i < nvec; i++) {
		m->phys[i] = model_host_msg(i);
		m->setups++;
	}
}

/* Host: VFIO_DEVICE_SET_IRQS count 0, vfio_msi_disable(). */
static void model_host_disable(struct model *m)
{
	m->set_irqs++;
	m->host_enabled = false;
	m->host_nvec = 0;
	m->phys_enable = false;
}

/*
 * Host: SET_IRQS for one vector (vfio_msi_set_vector_signal()). Since
 * 3.18 it rewrites the entry from the MSI core's cached message.
 */
static void model_host_signal(struct model *m, unsigned int i)
{
	m->set_irqs++;
	if (m->host != HOST_PRE_3_18 && m->host_enabled && i < m->host_nvec) {
		m->phys[i] = model_host_msg(i);
		m->rewrites++;
	}
}

/* QEMU: vfio_enable_vectors() */
static void model_vfio_enable_vectors(struct model *m)
{
	model_host_enable(m, m->nr_vectors);
}

/* QEMU: vfio_msix_vector_do_use() */
static void model_vector_use(struct model *m, unsigned int i)
{
	m->used[i] = true;
	if (m->nr_vectors < i + 1) {
		/* Grow the host's count: disable, then all vectors again. */
		m->nr_vectors = i + 1;
		if (!m->defer) {
			model_host_disable(m);
			model_vfio_enable_vectors(m);
		}
	} else {
		model_host_signal(m, i);
	}
	/* msix_vector_use(): a pending message is sent now. */
	if (m->pending[i]) {
		m->pending[i] = false;
		m->delivered++;
	}
}

/* QEMU: vfio_msix_vector_release() */
static void model_vector_release(struct model *m, unsigned int i)
{
	/* With a KVM route the vector is re-signalled to QEMU's eventfd. */
	if (m->host == HOST_3_18_ROUTE && m->used[i])
		model_host_signal(m, i);
}

/* QEMU: msix_is_masked() */
static bool model_is_masked(struct model *m, unsigned int i)
{
	return !m->enable || m->maskall || m->shadow_mask[i];
}

/* QEMU: msix_handle_mask_update() -> msix_fire_vector_notifier() */
static void model_mask_update(struct model *m, unsigned int i, bool was_masked)
{
	bool masked = model_is_masked(m, i);

	if (masked == was_masked || !m->notifiers)
		return;
	if (masked)
		model_vector_release(m, i);
	else
		model_vector_use(m, i);
}

/* QEMU: vfio_msix_enable() */
static void model_vfio_msix_enable(struct model *m)
{
	unsigned int i;

	m->enables++;
	m->defer = true;	/* vfio_prepare_kvm_msi_virq_batch() */
	m->notifiers = true;	/* msix_set_vector_notifiers(): use unmasked */
	for (i = 0; i < m->n; i++)
		if (!model_is_masked(m, i))
			model_vector_use(m, i);
	m->defer = false;
	if (m->nr_vectors) {
		model_vfio_enable_vectors(m);
	} else {
		/* Enable the host with vector 0, then release it. */
		model_vector_use(m, 0);
		model_vector_release(m, 0);
	}
}

/* QEMU: vfio_msix_disable() */
static void model_vfio_msix_disable(struct model *m)
{
	unsigned int i;

	m->disables++;
	for (i = 0; i < m->n; i++) {
		if (m->used[i])
			model_vector_release(m, i);
		m->used[i] = false;
		m->pending[i] = false;	/* its pending bits go */
	}
	m->notifiers = false;
	model_host_disable(m);
	m->nr_vectors = 0;
}

/* QEMU: vfio_pci_write_config() -> msix_write_config() */
static void model_write_ctrl(struct model *m, u16 val)
{
	bool was_enabled = m->enable, was_fmask = !m->enable || m->maskall;
	unsigned int i;

	if (!m->ignore_enable)
		m->enable = val & PCI_MSIX_FLAGS_ENABLE;
	m->maskall = val & PCI_MSIX_FLAGS_MASKALL;
	if (m->enable && was_fmask != (!m->enable || m->maskall)) {
		for (i = 0; i < m->n; i++) {
			bool wm = was_fmask || m->shadow_mask[i];

			model_mask_update(m, i, wm);
		}
	}
	if (!was_enabled && m->enable)
		model_vfio_msix_enable(m);
	else if (was_enabled && !m->enable)
		model_vfio_msix_disable(m);
}

/* QEMU: msix_table_mmio_write() of a vector control word */
static void model_write_vec_ctrl(struct model *m, unsigned int i, bool mask)
{
	bool was_masked = model_is_masked(m, i);

	m->shadow_mask[i] = mask;
	model_mask_update(m, i, was_masked);
}

/* Address/data writes are absorbed by QEMU's shadow. */
static void model_write_vec_msg(struct model *m, unsigned int i,
				struct model_msg msg)
{
	m->shadow[i] = msg;
}

static u16 model_ctrl(struct model *m)
{
	return (m->enable ? PCI_MSIX_FLAGS_ENABLE : 0) |
	       (m->maskall ? PCI_MSIX_FLAGS_MASKALL : 0) | (m->n - 1);
}

/* The backdoor reset: it never touches QEMU's shadow. */
static void model_reset(struct model *m, enum model_reset kind)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		m->phys[i] = (struct model_msg){ 0, 0 };
	if (kind == RESET_R2)
		m->phys_enable = false;
}

/* The writes of __pci_restore_msix_state() (6.1 and 6.12), replayed. */
static void model_stock_restore(struct model *m)
{
	unsigned int i;

	model_write_ctrl(m, model_ctrl(m) | PCI_MSIX_FLAGS_ENABLE |
			 PCI_MSIX_FLAGS_MASKALL);
	for (i = 0; i < m->n; i++) {
		model_write_vec_msg(m, i, m->cache[i]);
		model_write_vec_ctrl(m, i, m->cache_mask[i]);
	}
	model_write_ctrl(m, model_ctrl(m) & ~PCI_MSIX_FLAGS_MASKALL);
}

/*
 * The device raises vector @i: it reaches the guest if the physical entry
 * holds the host's message with Enable set and QEMU listens on it;
 * QEMU keeps it pending while the guest has it masked.
 */
static void model_raise(struct model *m, unsigned int i)
{
	struct model_msg want = model_host_msg(i);

	if (!m->phys_enable || m->phys[i].addr != want.addr ||
	    m->phys[i].data != want.data || !m->host_enabled ||
	    i >= m->host_nvec) {
		m->dropped++;
		return;
	}
	if (model_is_masked(m, i))
		m->pending[i] = true;
	else if (m->used[i])
		m->delivered++;
	else
		m->dropped++;
}

/* The seam: the library's device accesses, served by the model. */
static int model_read_cfg(struct pci_dev *pdev, int where, u16 *val)
{
	model->reads++;
	if (model->read_fails) {
		*val = 0;
		return PCIBIOS_DEVICE_NOT_FOUND;
	}
	if (model->gone)
		*val = 0xffff;
	else if (where == MODEL_CAP + PCI_MSIX_FLAGS)
		*val = model_ctrl(model);
	else if (where == PCI_VENDOR_ID)
		*val = PCI_VENDOR_ID_REDHAT_QUMRANET;
	else
		*val = 0;
	return 0;
}

static void model_write_cfg(struct pci_dev *pdev, int where, u16 val)
{
	if (model->gone) {
		model->gone_writes++;	/* counted, as a real write would be */
		return;
	}
	if (where == MODEL_CAP + PCI_MSIX_FLAGS) {
		model->ctrl_writes++;
		model_write_ctrl(model, val);
		if (model->gone_after_writes && !--model->gone_after_writes)
			model->gone = true;
		if (model->read_fails_after_write) {
			model->read_fails = true;
			model->read_fails_after_write = false;
		}
	} else {
		model->other_writes++;
	}
}

static const struct msix_resync_hw model_hw = {
	.read_cfg = model_read_cfg,
	.write_cfg = model_write_cfg,
};

static bool pattern_masked(enum model_pattern pat, unsigned int i)
{
	switch (pat) {
	case PAT_ALL_UNMASKED:
		return false;
	case PAT_ALTERNATING:
		return i & 1;
	case PAT_ALL_MASKED:
		return true;
	case PAT_VEC0_MASKED:
		return i == 0;
	}
	return false;
}

/* A zeroed, test-managed array of @n elements; the test stops without it. */
static void *model_array(struct kunit *test, unsigned int n, size_t size)
{
	void *p = kunit_kcalloc(test, n, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

/*
 * A device with @n vectors as a driver leaves it: MSI-X enabled the way
 * Linux does it (Enable with Function Mask, entries, Function Mask clear),
 * then the host work counters zeroed.
 */
static struct model *model_new(struct kunit *test, enum model_host host,
			       unsigned int n, enum model_pattern pat)
{
	struct model *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->host = host;
	m->n = n;
	m->shadow = model_array(test, n, sizeof(*m->shadow));
	m->shadow_mask = model_array(test, n, sizeof(*m->shadow_mask));
	m->pending = model_array(test, n, sizeof(*m->pending));
	m->used = model_array(test, n, sizeof(*m->used));
	m->cache = model_array(test, n, sizeof(*m->cache));
	m->cache_mask = model_array(test, n, sizeof(*m->cache_mask));
	m->phys = model_array(test, n, sizeof(*m->phys));
	for (i = 0; i < n; i++) {
		m->cache[i] = model_guest_msg(i);
		m->cache_mask[i] = pattern_masked(pat, i);
		m->shadow_mask[i] = true;	/* the power-on state */
	}
	model_stock_restore(m);
	m->disables = 0;
	m->enables = 0;
	m->set_irqs = 0;
	m->setups = 0;
	m->rewrites = 0;
	return m;
}

/* What msix_resync_alloc() would record for the model's device. */
static struct msix_resync *model_state(struct kunit *test, struct model *m)
{
	struct pci_dev *pdev = kunit_kzalloc(test, sizeof(*pdev), GFP_KERNEL);
	struct msix_resync *rs;

	KUNIT_ASSERT_NOT_NULL(test, pdev);
	pdev->dev.init_name = "msix_resync_model";	/* its log lines' prefix */
	pdev->msix_enabled = 1;
	pdev->msix_cap = MODEL_CAP;
	rs = kunit_kzalloc(test, sizeof(*rs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rs);
	rs->pdev = pdev;
	rs->mode = MSIX_RESYNC_MODE_MSIX;
	rs->state = MSIX_RESYNC_IDLE;
	rs->cap = MODEL_CAP;
	return rs;
}

static void model_exit(struct kunit *test)
{
	WRITE_ONCE(msix_resync_test_hw, NULL);
	model = NULL;
}

/* ---------------------------------------------------------------------
 * What the library reports: its trace events and its log lines, seen
 * through probes on its tracepoints and on printk's "console" event,
 * which Linux 6.1 and later emit as the message is stored.
 */

#define WATCH_EVENTS	1024
#define WATCH_LOG	1024

static struct {
	raw_spinlock_t lock;
	bool on;		/* the probes are registered */
	bool overflow;
	char events[WATCH_EVENTS];
	char log[WATCH_LOG];
} watch = {
	.lock = __RAW_SPIN_LOCK_UNLOCKED(watch.lock),
};

static const char * const watch_fn[] = {
	[MSIX_RESYNC_FN_ALLOC] = "alloc",
	[MSIX_RESYNC_FN_QUIESCE] = "quiesce",
	[MSIX_RESYNC_FN_RESUME] = "resume",
	[MSIX_RESYNC_FN_RESET] = "reset",
	[MSIX_RESYNC_FN_CANCEL] = "cancel",
	[MSIX_RESYNC_FN_AFTER_RESET] = "after_reset",
};

static __printf(2, 3) void watch_add(char *buf, const char *fmt, ...)
{
	size_t len, room;
	unsigned long flags;
	va_list args;

	raw_spin_lock_irqsave(&watch.lock, flags);
	len = strlen(buf);
	room = (buf == watch.events ? WATCH_EVENTS : WATCH_LOG) - len;
	va_start(args, fmt);
	if (vsnprintf(buf + len, room, fmt, args) >= room) {
		buf[len] = '\0';
		watch.overflow = true;
	}
	va_end(args);
	raw_spin_unlock_irqrestore(&watch.lock, flags);
}

static void watch_alloc(void *data, struct pci_dev *pdev, int mode,
			unsigned int entries)
{
	watch_add(watch.events, "alloc mode=%d entries=%u;", mode, entries);
}

static void watch_quiesce(void *data, struct pci_dev *pdev, u16 seen, u16 now)
{
	watch_add(watch.events, "quiesce 0x%04x->0x%04x;", seen, now);
}

static void watch_cancel(void *data, struct pci_dev *pdev, u16 seen, u16 now)
{
	watch_add(watch.events, "cancel 0x%04x->0x%04x;", seen, now);
}

static void watch_after_reset(void *data, struct pci_dev *pdev, u16 seen,
			      u16 now)
{
	watch_add(watch.events, "after_reset 0x%04x->0x%04x;", seen, now);
}

static void watch_resume(void *data, struct pci_dev *pdev, u16 ctrl)
{
	watch_add(watch.events, "resume 0x%04x;", ctrl);
}

static void watch_error(void *data, struct pci_dev *pdev, int fn, int err,
			u16 ctrl)
{
	watch_add(watch.events, "error %s %d 0x%04x;",
		  fn >= 0 && fn < ARRAY_SIZE(watch_fn) ? watch_fn[fn] : "?",
		  err, ctrl);
}

/* Only the library's lines, each whole (a device's name first). */
static void watch_console(void *data, const char *text, size_t len)
{
	if (strnstr(text, "msix_resync: ", len))
		watch_add(watch.log, "%.*s|", (int)len, text);
}

static void watch_find_console(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "console"))
		*(struct tracepoint **)priv = tp;
}

static struct tracepoint *watch_console_tp;

/* The kernel has what the probes need (model_watch_test says if not). */
static bool watch_possible(void)
{
	return IS_ENABLED(CONFIG_TRACEPOINTS) && MSIX_RESYNC_CONSOLE_TRACE_AT_STORE;
}

static void watch_stop(void)
{
	if (!watch.on)
		return;
	unregister_trace_msix_resync_alloc(watch_alloc, NULL);
	unregister_trace_msix_resync_quiesce(watch_quiesce, NULL);
	unregister_trace_msix_resync_cancel(watch_cancel, NULL);
	unregister_trace_msix_resync_after_reset(watch_after_reset, NULL);
	unregister_trace_msix_resync_resume(watch_resume, NULL);
	unregister_trace_msix_resync_error(watch_error, NULL);
	tracepoint_probe_unregister(watch_console_tp, watch_console, NULL);
	tracepoint_synchronize_unregister();
	watch.on = false;
}

/* Register the probes; without them the model cases that read them fail. */
static int watch_start(void)
{
	int ret;

	if (!watch_possible())
		return 0;
	for_each_kernel_tracepoint(watch_find_console, &watch_console_tp);
	if (!watch_console_tp)
		return 0;
	ret = register_trace_msix_resync_alloc(watch_alloc, NULL) ?:
	      register_trace_msix_resync_quiesce(watch_quiesce, NULL) ?:
	      register_trace_msix_resync_cancel(watch_cancel, NULL) ?:
	      register_trace_msix_resync_after_reset(watch_after_reset, NULL) ?:
	      register_trace_msix_resync_resume(watch_resume, NULL) ?:
	      register_trace_msix_resync_error(watch_error, NULL) ?:
	      tracepoint_probe_register(watch_console_tp, watch_console, NULL);
	watch.on = true;
	if (ret)
		watch_stop();
	return ret;
}

static void watch_clear(void)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&watch.lock, flags);
	watch.events[0] = '\0';
	watch.log[0] = '\0';
	watch.overflow = false;
	raw_spin_unlock_irqrestore(&watch.lock, flags);
}

/*
 * Since the last check: exactly the trace events @events (each ending in
 * ';', "" for none), and a log line containing @log (NULL: no line of
 * the library's). Clears what was seen.
 */
static void watch_expect(struct kunit *test, const char *events,
			 const char *log)
{
	if (!watch_possible())
		return;
	KUNIT_ASSERT_TRUE_MSG(test, watch.on,
			      "no probes on the library's tracepoints and printk's console event");
	KUNIT_EXPECT_FALSE(test, watch.overflow);
	KUNIT_EXPECT_STREQ(test, watch.events, events);
	if (log)
		KUNIT_EXPECT_TRUE_MSG(test, strstr(watch.log, log),
				      "no log line with \"%s\" in: %s", log,
				      watch.log);
	else
		KUNIT_EXPECT_STREQ(test, watch.log, "");
	watch_clear();
}

static int model_init(struct kunit *test)
{
	watch_clear();
	return 0;
}

/*
 * Does every vector the driver has unmasked reach the guest? The device
 * raises each of them once. (Unmasking the others first would hide a
 * loss: QEMU 7.2 re-enables the host's whole MSI-X when a vector above
 * its count is first used.)
 */
static bool model_repaired(struct model *m)
{
	unsigned int i, want = 0, before = m->delivered;

	for (i = 0; i < m->n; i++) {
		if (m->cache_mask[i])
			continue;
		want++;
		model_raise(m, i);
	}
	return m->delivered - before == want;
}

struct model_param {
	enum model_host host;
	enum model_reset reset;
	unsigned int n;
	enum model_pattern pat;
	char desc[64];
};

static const char * const host_name[] = { "pre-3.18", "3.18", "3.18+route" };
static const char * const pat_name[] = { "unmasked", "alternating",
					 "masked", "vec0-masked" };
static const unsigned int model_nvec[] = { 1, 2, 16, 256 };

#define N_PARAMS (3 * 2 * ARRAY_SIZE(model_nvec) * 4)
static struct model_param model_params[N_PARAMS];

static MSIX_RESYNC_GEN_PARAMS(model_gen_params)
{
	const struct model_param *p = prev;

	p = p ? p + 1 : model_params;
	if (p >= model_params + N_PARAMS)
		return NULL;
	strscpy(desc, p->desc, KUNIT_PARAM_DESC_SIZE);
	return p;
}

static int model_suite_init(struct kunit_suite *suite)
{
	unsigned int h, r, n, pat, k = 0;
	int ret = watch_start();

	if (ret)
		return ret;

	for (h = 0; h < 3; h++)
		for (r = 0; r < 2; r++)
			for (n = 0; n < ARRAY_SIZE(model_nvec); n++)
				for (pat = 0; pat < 4; pat++) {
					struct model_param *p = &model_params[k++];

					p->host = h;
					p->reset = r;
					p->n = model_nvec[n];
					p->pat = pat;
					snprintf(p->desc, sizeof(p->desc),
						 "host=%s reset=R%u nvec=%u masks=%s",
						 host_name[h], r + 1, p->n,
						 pat_name[pat]);
				}
	return 0;
}

/*
 * Without the library: lost where BRIEF 7 measured it lost (R2 on every
 * host, R1 on the pre-3.18 host), unless the driver has no vector
 * unmasked (nothing to lose yet).
 */
static void model_stock_test(struct kunit *test)
{
	const struct model_param *p = test->param_value;
	struct model *m = model_new(test, p->host, p->n, p->pat);
	bool lost = p->host == HOST_PRE_3_18 || p->reset == RESET_R2;

	model = m;
	/* pci_save_state() saves nothing of MSI-X. */
	model_reset(m, p->reset);
	model_stock_restore(m);
	KUNIT_EXPECT_EQ(test, m->disables, 0);
	KUNIT_EXPECT_EQ(test, m->enables, 0);
	if (p->pat == PAT_ALL_MASKED || (p->pat == PAT_VEC0_MASKED && p->n == 1))
		return;		/* no vector in use: nothing to lose yet */
	KUNIT_EXPECT_EQ_MSG(test, model_repaired(m), !lost,
			    "stock restore: %s expected", lost ? "lost" : "repaired");
}

/*
 * A resync cycle of @writes Message Control writes is over: the host
 * disabled and enabled MSI-X once, the vectors are masked as the driver
 * had them, and the device is repaired.
 */
static void model_expect_cycle(struct kunit *test, struct model *m,
			       const struct model_param *p, unsigned int writes)
{
	unsigned int i;

	KUNIT_EXPECT_EQ(test, m->disables, 1);
	KUNIT_EXPECT_EQ(test, m->enables, 1);
	KUNIT_EXPECT_EQ(test, m->ctrl_writes, writes);
	KUNIT_EXPECT_EQ(test, m->other_writes, 0);
	KUNIT_EXPECT_TRUE(test, m->enable && !m->maskall);
	for (i = 0; i < p->n; i++)
		if (m->shadow_mask[i] != pattern_masked(p->pat, i)) {
			KUNIT_FAIL(test, "vector %u: mask %d, driver had %d",
				   i, m->shadow_mask[i], !m->shadow_mask[i]);
			break;
		}
	KUNIT_EXPECT_TRUE(test, m->phys_enable && m->host_enabled);
	KUNIT_EXPECT_TRUE(test, model_repaired(m));
}

/* With the library: repaired everywhere, by one disable and one enable. */
static void model_resync_test(struct kunit *test)
{
	const struct model_param *p = test->param_value;
	struct model *m = model_new(test, p->host, p->n, p->pat);
	struct msix_resync *rs = model_state(test, m);

	model = m;
	WRITE_ONCE(msix_resync_test_hw, &model_hw);

	KUNIT_ASSERT_EQ(test, msix_resync_quiesce(rs), 0);
	KUNIT_EXPECT_FALSE(test, m->enable);
	KUNIT_EXPECT_TRUE(test, m->maskall);
	KUNIT_EXPECT_FALSE(test, m->host_enabled);
	KUNIT_EXPECT_EQ(test, m->ctrl_writes, 1);
	model_reset(m, p->reset);
	model_stock_restore(m);
	KUNIT_ASSERT_EQ(test, msix_resync_resume(rs), 0);
	model_expect_cycle(test, m, p, 1);
}

/*
 * After the fact (msix_resync_after_reset()): the reset and the stock
 * restore came first, the Enable toggle after them. Repaired in every
 * cell; and as Function Mask is clear at the Enable edge, QEMU takes every
 * unmasked vector in one batch: one host enable with as many vector setups
 * as the highest unmasked vector + 1 (QEMU enables vector 0 alone when no
 * vector is unmasked), where quiesce/resume costs n(n+1)/2 on QEMU 7.2.
 */
static void model_after_reset_test(struct kunit *test)
{
	const struct model_param *p = test->param_value;
	struct model *m = model_new(test, p->host, p->n, p->pat);
	struct pci_dev *pdev = model_state(test, m)->pdev;
	unsigned int i, top = 0;

	model = m;
	WRITE_ONCE(msix_resync_test_hw, &model_hw);

	model_reset(m, p->reset);
	model_stock_restore(m);
	m->setups = 0;
	KUNIT_ASSERT_EQ(test, msix_resync_after_reset(pdev), 0);
	model_expect_cycle(test, m, p, 2);
	for (i = 0; i < p->n; i++)
		if (!pattern_masked(p->pat, i))
			top = i + 1;
	KUNIT_EXPECT_EQ(test, m->setups, top ? top : 1);
}

/* after_reset's contract: a restore first, nothing written otherwise. */
static void model_after_reset_contract_test(struct kunit *test)
{
	struct model *m = model_new(test, HOST_3_18, 4, PAT_ALL_UNMASKED);
	struct pci_dev *pdev = model_state(test, m)->pdev;

	model = m;
	WRITE_ONCE(msix_resync_test_hw, &model_hw);

	/* MSI-X disabled: the restore did not run; nothing is written. */
	model_write_ctrl(m, model_ctrl(m) & ~PCI_MSIX_FLAGS_ENABLE);
	m->ctrl_writes = 0;
	KUNIT_EXPECT_EQ(test, msix_resync_after_reset(pdev), -EIO);
	KUNIT_EXPECT_EQ(test, m->ctrl_writes, 0);
	watch_expect(test, "error after_reset -5 0x0003;",
		     "msix_resync: after_reset: MSI-X not enabled (Message Control 0x0003); call pci_restore_state() first");
	model_stock_restore(m);

	/* Success: two writes, Enable cleared and set. */
	m->ctrl_writes = 0;
	KUNIT_EXPECT_EQ(test, msix_resync_after_reset(pdev), 0);
	KUNIT_EXPECT_EQ(test, m->ctrl_writes, 2);
	watch_expect(test, "after_reset 0x8003->0x8003;", NULL);

	/*
	 * A hypervisor that ignores Enable: -EIO, Message Control written
	 * back as it was (a third write).
	 */
	m->ignore_enable = true;
	m->ctrl_writes = 0;
	KUNIT_EXPECT_EQ(test, msix_resync_after_reset(pdev), -EIO);
	KUNIT_EXPECT_EQ(test, m->ctrl_writes, 2);
	m->ignore_enable = false;
	KUNIT_EXPECT_TRUE(test, m->enable && !m->maskall);
	watch_expect(test, "error after_reset -5 0x8003;",
		     "msix_resync: after_reset: wrote MSI-X Message Control 0x0003, reads 0x8003: the hypervisor or device ignores Enable/Function Mask");

	/* Vanished: -ENODEV, nothing written. */
	m->gone = true;
	KUNIT_EXPECT_EQ(test, msix_resync_after_reset(pdev), -ENODEV);
	KUNIT_EXPECT_EQ(test, m->gone_writes, 0);
	m->gone = false;
	watch_expect(test, "error after_reset -19 0xffff;",
		     "msix_resync: after_reset: config space reads all ones, device gone?");

	/* MSI or INTx mode: nothing to do, nothing written. */
	pdev->msix_enabled = 0;
	m->ctrl_writes = 0;
	KUNIT_EXPECT_EQ(test, msix_resync_after_reset(pdev), 0);
	KUNIT_EXPECT_EQ(test, m->ctrl_writes, 0);
	pdev->msix_enabled = 1;
	watch_expect(test, "", NULL);

	KUNIT_EXPECT_EQ(test, msix_resync_after_reset(NULL), -EINVAL);
	watch_expect(test, "error after_reset -22 0x0000;",
		     "msix_resync: after_reset: called with a NULL pci_dev");
}

/*
 * The design question (Documentation/design.rst): host work of one cycle,
 * this library (Function Mask + Enable in one write) against the former
 * design (also masking each unmasked vector before, unmasking after, in
 * ascending or descending order), replayed through the same model.
 */
enum model_design { DESIGN_FMASK, DESIGN_PERVEC_UP, DESIGN_PERVEC_DOWN };

static unsigned int model_cycle(struct kunit *test, unsigned int n,
				enum model_design design, bool *repaired)
{
	struct model *m = model_new(test, HOST_3_18, n, PAT_ALL_UNMASKED);
	unsigned int i;

	model = m;
	if (design != DESIGN_FMASK)
		for (i = 0; i < n; i++) {
			m->cache_mask[i] = true;
			model_write_vec_ctrl(m, i, true);
		}
	model_write_ctrl(m, (model_ctrl(m) | PCI_MSIX_FLAGS_MASKALL) &
			 ~PCI_MSIX_FLAGS_ENABLE);
	model_reset(m, RESET_R2);
	model_stock_restore(m);
	for (i = 0; design != DESIGN_FMASK && i < n; i++) {
		unsigned int v = design == DESIGN_PERVEC_UP ? i : n - 1 - i;

		m->cache_mask[v] = false;
		model_write_vec_ctrl(m, v, false);
	}
	*repaired = model_repaired(m);
	return m->setups;
}

static void model_design_test(struct kunit *test)
{
	static const char * const name[] = { "fmask", "per-vector-up",
					     "per-vector-down" };
	unsigned int n, d, setups[3];
	bool ok;

	for (n = 1; n <= 256; n *= 4) {
		for (d = 0; d < 3; d++) {
			setups[d] = model_cycle(test, n, d, &ok);
			KUNIT_EXPECT_TRUE_MSG(test, ok, "%s n=%u", name[d], n);
		}
		kunit_info(test, "design n=%u host vector setups: fmask=%u per-vector-up=%u per-vector-down=%u\n",
			   n, setups[0], setups[1], setups[2]);
		/* QEMU 7.2 grows the host's count one vector at a time. */
		KUNIT_EXPECT_EQ(test, setups[0], n * (n + 1) / 2);
		KUNIT_EXPECT_EQ(test, setups[1], n * (n + 1) / 2);
		KUNIT_EXPECT_EQ(test, setups[2], n == 1 ? 1 : n + 1);
	}
}

/* The contract, on the model: idempotence, order, faults. */
static void model_contract_test(struct kunit *test)
{
	struct model *m = model_new(test, HOST_3_18, 4, PAT_VEC0_MASKED);
	struct msix_resync *rs = model_state(test, m);
	unsigned int writes;

	model = m;
	WRITE_ONCE(msix_resync_test_hw, &model_hw);

	/* Resume and cancel without quiesce: nothing read or written. */
	KUNIT_EXPECT_EQ(test, msix_resync_resume(rs), 0);
	KUNIT_EXPECT_EQ(test, msix_resync_cancel(rs), 0);
	KUNIT_EXPECT_EQ(test, m->ctrl_writes, 0);
	KUNIT_EXPECT_EQ(test, m->reads, 0);
	watch_expect(test, "", NULL);

	/* Quiesce twice: the second writes nothing. */
	KUNIT_ASSERT_EQ(test, msix_resync_quiesce(rs), 0);
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(rs), 0);
	KUNIT_EXPECT_EQ(test, m->ctrl_writes, 1);
	watch_expect(test, "quiesce 0x8003->0x4003;", NULL);

	/* Restore skipped: -EIO, still quiesced; restore, then it resumes. */
	KUNIT_EXPECT_EQ(test, msix_resync_resume(rs), -EIO);
	KUNIT_EXPECT_FALSE(test, m->enable);
	watch_expect(test, "error resume -5 0x4003;",
		     "msix_resync: resume: MSI-X not re-enabled (Message Control 0x4003); call pci_restore_state() with saved state first");
	model_stock_restore(m);
	KUNIT_EXPECT_EQ(test, msix_resync_resume(rs), 0);
	watch_expect(test, "resume 0x8003;", NULL);
	KUNIT_EXPECT_EQ(test, rs->state, MSIX_RESYNC_IDLE);
	KUNIT_EXPECT_TRUE(test, m->shadow_mask[0]);
	KUNIT_EXPECT_FALSE(test, m->shadow_mask[1]);

	/* An interrupt raised while quiesced is not delivered, nor kept. */
	KUNIT_ASSERT_EQ(test, msix_resync_quiesce(rs), 0);
	writes = m->delivered;
	model_raise(m, 1);
	model_stock_restore(m);
	KUNIT_EXPECT_EQ(test, msix_resync_resume(rs), 0);
	KUNIT_EXPECT_EQ(test, m->delivered, writes);

	/* Cancel: MSI-X back without a restore, one write. */
	KUNIT_ASSERT_EQ(test, msix_resync_quiesce(rs), 0);
	writes = m->ctrl_writes;
	KUNIT_EXPECT_EQ(test, msix_resync_cancel(rs), 0);
	KUNIT_EXPECT_EQ(test, m->ctrl_writes, writes + 1);
	KUNIT_EXPECT_EQ(test, msix_resync_cancel(rs), 0);	/* no longer quiesced */
	KUNIT_EXPECT_EQ(test, m->ctrl_writes, writes + 1);
	KUNIT_EXPECT_TRUE(test, m->enable && !m->maskall);
	KUNIT_EXPECT_TRUE(test, m->shadow_mask[0]);
	KUNIT_EXPECT_TRUE(test, model_repaired(m));
	KUNIT_EXPECT_EQ(test, msix_resync_cancel(NULL), -EINVAL);
	watch_expect(test,
		     "quiesce 0x8003->0x4003;resume 0x8003;quiesce 0x8003->0x4003;cancel 0x4003->0x8003;error cancel -22 0x0000;",
		     "msix_resync: cancel: called with a NULL state");

	/*
	 * A hypervisor that takes Function Mask but ignores Enable: -EIO,
	 * Function Mask cleared again, nothing left masked.
	 */
	m->ignore_enable = true;
	writes = m->ctrl_writes;
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(rs), -EIO);
	KUNIT_EXPECT_EQ(test, m->ctrl_writes, writes + 2);
	m->ignore_enable = false;
	KUNIT_EXPECT_TRUE(test, m->enable && !m->maskall);
	KUNIT_EXPECT_EQ(test, msix_resync_resume(rs), 0);	/* not quiesced */
	watch_expect(test, "error quiesce -5 0xc003;",
		     "msix_resync: quiesce: wrote MSI-X Message Control 0x4003, reads 0xc003: the hypervisor or device ignores Enable/Function Mask");

	/* Vanished: all ones, -ENODEV, nothing written. */
	m->gone = true;
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(rs), -ENODEV);
	KUNIT_EXPECT_EQ(test, m->gone_writes, 0);
	m->gone = false;
	watch_expect(test, "error quiesce -19 0xffff;",
		     " msix_resync_model: msix_resync: quiesce: config space reads all ones, device gone?|");

	/* MSI-X turned off underneath (vectors freed): -ESTALE, no write. */
	writes = m->ctrl_writes;
	rs->pdev->msix_enabled = 0;
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(rs), -ESTALE);
	rs->pdev->msix_enabled = 1;
	KUNIT_EXPECT_EQ(test, m->ctrl_writes, writes);
	watch_expect(test, "error quiesce -116 0x0000;",
		     "msix_resync: quiesce: interrupt mode changed since msix_resync_alloc() (vectors freed?)");

	/* Only Message Control is ever written: no INTx Disable, no table. */
	KUNIT_EXPECT_EQ(test, m->other_writes, 0);

	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(NULL), -EINVAL);
	watch_expect(test, "error quiesce -22 0x0000;",
		     "msix_resync: quiesce: called with a NULL state");
	KUNIT_EXPECT_EQ(test, msix_resync_resume(NULL), -EINVAL);
	watch_expect(test, "error resume -22 0x0000;",
		     "msix_resync: resume: called with a NULL state");
	KUNIT_EXPECT_PTR_EQ(test, msix_resync_alloc(NULL, GFP_KERNEL),
			    ERR_PTR(-EINVAL));
	watch_expect(test, "error alloc -22 0x0000;",
		     "msix_resync: alloc: called with a NULL pci_dev");
	msix_resync_free(NULL);
	watch_expect(test, "", NULL);
}

/*
 * A restore without resume (PM resume, pci_reset_function(), AER) ends a
 * quiesce behind the state's back, and -ESTALE ends it with the vectors:
 * the next quiesce must still clear Enable, or the reset after it is lost.
 */
static void model_stale_state_test(struct kunit *test)
{
	struct model *m = model_new(test, HOST_3_18, 4, PAT_ALL_UNMASKED);
	struct msix_resync *rs = model_state(test, m);

	model = m;
	WRITE_ONCE(msix_resync_test_hw, &model_hw);

	KUNIT_ASSERT_EQ(test, msix_resync_quiesce(rs), 0);
	model_stock_restore(m);			/* a PM resume, say */
	KUNIT_ASSERT_TRUE(test, m->enable && !m->maskall);
	KUNIT_ASSERT_EQ(test, msix_resync_quiesce(rs), 0);
	KUNIT_EXPECT_EQ(test, m->ctrl_writes, 2);
	KUNIT_EXPECT_FALSE(test, m->enable);
	model_reset(m, RESET_R2);
	model_stock_restore(m);
	KUNIT_EXPECT_EQ(test, msix_resync_resume(rs), 0);
	KUNIT_EXPECT_TRUE(test, model_repaired(m));

	/* -ESTALE while quiesced: the state is idle, not quiesced. */
	KUNIT_ASSERT_EQ(test, msix_resync_quiesce(rs), 0);
	rs->pdev->msix_enabled = 0;
	watch_clear();
	KUNIT_EXPECT_EQ(test, msix_resync_resume(rs), -ESTALE);
	KUNIT_EXPECT_EQ(test, rs->state, MSIX_RESYNC_IDLE);
	watch_expect(test, "error resume -116 0x0000;",
		     "msix_resync: resume: interrupt mode changed since msix_resync_alloc() (vectors freed?); free the state and allocate it again");
	rs->pdev->msix_enabled = 1;
	model_stock_restore(m);			/* vectors allocated again */
	KUNIT_ASSERT_EQ(test, msix_resync_quiesce(rs), 0);
	KUNIT_EXPECT_FALSE(test, m->enable);
	model_reset(m, RESET_R2);
	model_stock_restore(m);
	KUNIT_EXPECT_EQ(test, msix_resync_resume(rs), 0);
	KUNIT_EXPECT_TRUE(test, model_repaired(m));
}

/*
 * Devices in MSI and INTx mode: nothing to resync (pci_restore_state()
 * toggles MSI Enable; INTx has no table), so no call reads or writes
 * Message Control; a change of mode since alloc is -ESTALE whichever way.
 */
static void model_msi_intx_test(struct kunit *test)
{
	struct model *m = model_new(test, HOST_3_18, 4, PAT_ALL_UNMASKED);
	struct pci_dev *pdev = model_state(test, m)->pdev;
	struct msix_resync *msi, *intx;

	model = m;
	WRITE_ONCE(msix_resync_test_hw, &model_hw);

	pdev->msix_enabled = 0;
	pdev->msi_enabled = 1;
	/* the INTx-disable quirk matters only to MSI-X: MSI is taken */
	pdev->dev_flags |= PCI_DEV_FLAGS_MSI_INTX_DISABLE_BUG;
	msi = msix_resync_alloc(pdev, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(msi));
	KUNIT_EXPECT_EQ(test, msi->mode, MSIX_RESYNC_MODE_MSI);
	pdev->msi_enabled = 0;
	intx = msix_resync_alloc(pdev, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(intx));
	KUNIT_EXPECT_EQ(test, intx->mode, MSIX_RESYNC_MODE_INTX);
	watch_expect(test, "alloc mode=1 entries=0;alloc mode=0 entries=0;", NULL);

	/* In its own mode each call is a no-op. */
	pdev->msi_enabled = 1;
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(msi), 0);
	KUNIT_EXPECT_EQ(test, msix_resync_after_reset(pdev), 0);
	pdev->msi_enabled = 0;
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(intx), 0);
	KUNIT_EXPECT_EQ(test, msix_resync_after_reset(pdev), 0);
	KUNIT_EXPECT_EQ(test, m->ctrl_writes, 0);
	KUNIT_EXPECT_EQ(test, m->reads, 0);	/* no config access at all */
	watch_expect(test, "", NULL);

	/* MSI's vectors freed, or reallocated as MSI-X: stale. */
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(msi), -ESTALE);
	pdev->msix_enabled = 1;
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(msi), -ESTALE);
	/* INTx's device now using MSI-X, or MSI: stale. */
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(intx), -ESTALE);
	pdev->msix_enabled = 0;
	pdev->msi_enabled = 1;
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(intx), -ESTALE);
	KUNIT_EXPECT_EQ(test, m->ctrl_writes, 0);
	KUNIT_EXPECT_EQ(test, m->other_writes, 0);
	watch_expect(test,
		     "error quiesce -116 0x0000;error quiesce -116 0x0000;error quiesce -116 0x0000;error quiesce -116 0x0000;",
		     "msix_resync: quiesce: interrupt mode changed");
	msix_resync_free(msi);
	msix_resync_free(intx);
	watch_expect(test, "", NULL);	/* idle states: freed silently */
}

/*
 * The device vanishes between the library's write and its read back:
 * -ENODEV, nothing written after it, the state not quiesced.
 */
static void model_vanish_midway_test(struct kunit *test)
{
	struct model *m = model_new(test, HOST_3_18, 4, PAT_ALL_UNMASKED);
	struct msix_resync *rs = model_state(test, m);
	unsigned int writes, n;

	model = m;
	WRITE_ONCE(msix_resync_test_hw, &model_hw);

	m->gone_after_writes = 1;
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(rs), -ENODEV);
	KUNIT_EXPECT_EQ(test, m->ctrl_writes, 1);
	KUNIT_EXPECT_EQ(test, m->gone_writes, 0);
	KUNIT_EXPECT_EQ(test, rs->state, MSIX_RESYNC_IDLE);
	watch_expect(test, "error quiesce -19 0xffff;",
		     "msix_resync: quiesce: config space reads all ones, device gone?");

	/*
	 * after_reset: gone after its first write, or between its two;
	 * nothing written back either way.
	 */
	for (n = 1; n <= 2; n++) {
		m->gone = false;
		model_stock_restore(m);
		writes = m->ctrl_writes;
		m->gone_after_writes = n;
		KUNIT_EXPECT_EQ(test, msix_resync_after_reset(rs->pdev), -ENODEV);
		KUNIT_EXPECT_EQ(test, m->ctrl_writes, writes + n);
		KUNIT_EXPECT_EQ(test, m->gone_writes, 0);
		watch_expect(test, "error after_reset -19 0xffff;",
			     "msix_resync: after_reset: config space reads all ones, device gone?");
	}
}

/*
 * A config space that reads zeroes and takes writes: the bus under the
 * model's device, so that pci_save_state() runs without a device.
 */
static int model_bus_read(struct pci_bus *bus, unsigned int devfn, int where,
			  int size, u32 *val)
{
	*val = 0;
	return PCIBIOS_SUCCESSFUL;
}

static int model_bus_write(struct pci_bus *bus, unsigned int devfn, int where,
			   int size, u32 val)
{
	return PCIBIOS_SUCCESSFUL;
}

static struct pci_ops model_bus_ops = {
	.read = model_bus_read,
	.write = model_bus_write,
};

static int model_reset_count(struct pci_dev *pdev, void *data)
{
	(*(unsigned int *)data)++;
	return 0;
}

/*
 * msix_resync_reset() when pci_save_state() fails (a PCIe device whose
 * save buffers were never allocated: -ENOMEM): the quiesce is cancelled,
 * @reset is not called, the error is returned. And a state freed while
 * quiesced (it is logged) leaves MSI-X off until a restore.
 */
static void model_reset_save_fail_test(struct kunit *test)
{
	struct model *m = model_new(test, HOST_3_18, 4, PAT_ALL_UNMASKED);
	struct pci_dev *pdev = model_state(test, m)->pdev;
	struct pci_bus *bus = kunit_kzalloc(test, sizeof(*bus), GFP_KERNEL);
	struct msix_resync *rs;
	unsigned int resets = 0;

	KUNIT_ASSERT_NOT_NULL(test, bus);
	bus->ops = &model_bus_ops;
	pdev->bus = bus;
	pdev->pcie_cap = 0x40;		/* PCIe, without a saved-state buffer */
	model = m;
	WRITE_ONCE(msix_resync_test_hw, &model_hw);

	KUNIT_EXPECT_EQ(test, msix_resync_reset(pdev, model_reset_count, &resets),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, resets, 0);
	KUNIT_EXPECT_EQ(test, m->ctrl_writes, 2);	/* quiesce, cancel */
	KUNIT_EXPECT_TRUE(test, m->enable && !m->maskall);
	watch_expect(test,
		     "alloc mode=2 entries=4;quiesce 0x8003->0x4003;error reset -12 0x0000;cancel 0x4003->0x8003;",
		     "msix_resync: reset: pci_save_state() failed (-12), not resetting");

	/* Nothing to cancel when the resync could not be set up. */
	pdev->dev_flags |= PCI_DEV_FLAGS_MSI_INTX_DISABLE_BUG;
	KUNIT_EXPECT_EQ(test, msix_resync_reset(pdev, model_reset_count, &resets),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, resets, 0);
	KUNIT_EXPECT_EQ(test, m->ctrl_writes, 2);
	watch_expect(test, "error alloc -95 0x0000;error reset -12 0x0000;",
		     "msix_resync: alloc: the device has the MSI INTx-disable quirk");
	KUNIT_EXPECT_EQ(test, msix_resync_after_reset(pdev), -EOPNOTSUPP);
	watch_expect(test, "error after_reset -95 0x0000;",
		     "msix_resync: after_reset: the device has the MSI INTx-disable quirk");
	pdev->dev_flags &= ~PCI_DEV_FLAGS_MSI_INTX_DISABLE_BUG;

	/* Freed while quiesced: logged, MSI-X off until a restore. */
	rs = msix_resync_alloc(pdev, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rs));
	KUNIT_ASSERT_EQ(test, msix_resync_quiesce(rs), 0);
	msix_resync_free(rs);
	KUNIT_EXPECT_FALSE(test, m->enable);
	watch_expect(test, "alloc mode=2 entries=4;quiesce 0x8003->0x4003;",
		     "msix_resync: freed while quiesced; MSI-X stays disabled until pci_restore_state()");
	model_stock_restore(m);
	KUNIT_EXPECT_TRUE(test, m->enable && !m->maskall);

	/* ... but not when the vectors went first, nor when idle. */
	rs = msix_resync_alloc(pdev, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rs));
	KUNIT_ASSERT_EQ(test, msix_resync_quiesce(rs), 0);
	pdev->msix_enabled = 0;
	msix_resync_free(rs);
	pdev->msix_enabled = 1;
	model_stock_restore(m);
	rs = msix_resync_alloc(pdev, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rs));
	msix_resync_free(rs);
	watch_expect(test,
		     "alloc mode=2 entries=4;quiesce 0x8003->0x4003;alloc mode=2 entries=4;",
		     NULL);
}

/*
 * The failures the contract case does not reach: cancel's (device gone,
 * a hypervisor that ignores Enable, vectors freed), a capability that
 * moved, a config read that fails (before a write and at the read back),
 * a device the PCI core knows to be disconnected. Each is reported;
 * nothing is written after a failed read.
 */
static void model_errors_test(struct kunit *test)
{
	struct model *m = model_new(test, HOST_3_18, 4, PAT_ALL_UNMASKED);
	struct msix_resync *rs = model_state(test, m);
	unsigned int writes, reads;

	model = m;
	WRITE_ONCE(msix_resync_test_hw, &model_hw);

	KUNIT_ASSERT_EQ(test, msix_resync_quiesce(rs), 0);
	m->gone = true;
	KUNIT_EXPECT_EQ(test, msix_resync_cancel(rs), -ENODEV);
	KUNIT_EXPECT_EQ(test, rs->state, MSIX_RESYNC_QUIESCED);
	m->gone = false;
	watch_expect(test, "quiesce 0x8003->0x4003;error cancel -19 0xffff;",
		     "msix_resync: cancel: config space reads all ones, device gone?");
	m->ignore_enable = true;
	KUNIT_EXPECT_EQ(test, msix_resync_cancel(rs), -EIO);
	KUNIT_EXPECT_EQ(test, rs->state, MSIX_RESYNC_QUIESCED);
	m->ignore_enable = false;
	watch_expect(test, "error cancel -5 0x0003;",
		     "msix_resync: cancel: wrote MSI-X Message Control 0x8003, reads 0x0003");
	rs->pdev->msix_enabled = 0;
	KUNIT_EXPECT_EQ(test, msix_resync_cancel(rs), -ESTALE);
	KUNIT_EXPECT_EQ(test, rs->state, MSIX_RESYNC_IDLE);
	rs->pdev->msix_enabled = 1;
	model_stock_restore(m);
	watch_expect(test, "error cancel -116 0x0000;",
		     "msix_resync: cancel: interrupt mode changed");

	writes = m->ctrl_writes;
	rs->pdev->msix_cap = MODEL_CAP + 0x10;
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(rs), -ESTALE);
	rs->pdev->msix_cap = MODEL_CAP;
	watch_expect(test, "error quiesce -116 0x0000;",
		     "msix_resync: quiesce: interrupt mode changed");

	m->read_fails = true;
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(rs), -ENODEV);
	KUNIT_EXPECT_EQ(test, msix_resync_after_reset(rs->pdev), -ENODEV);
	KUNIT_EXPECT_EQ(test, m->ctrl_writes, writes);
	m->read_fails = false;
	watch_expect(test, "error quiesce -19 0x0000;error after_reset -19 0x0000;",
		     "msix_resync: after_reset: config space reads all ones");

	m->read_fails_after_write = true;
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(rs), -ENODEV);
	KUNIT_EXPECT_EQ(test, m->ctrl_writes, writes + 1);
	KUNIT_EXPECT_EQ(test, rs->state, MSIX_RESYNC_IDLE);
	m->read_fails = false;
	model_stock_restore(m);
	watch_expect(test, "error quiesce -19 0xffff;",
		     "msix_resync: quiesce: config space reads all ones");

	writes = m->ctrl_writes;
	reads = m->reads;
	rs->pdev->error_state = pci_channel_io_perm_failure;
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(rs), -ENODEV);
	KUNIT_EXPECT_EQ(test, m->reads, reads);
	KUNIT_EXPECT_EQ(test, m->ctrl_writes, writes);
	rs->pdev->error_state = pci_channel_io_normal;
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(rs), 0);
	watch_expect(test, "error quiesce -19 0xffff;quiesce 0x8003->0x4003;",
		     "msix_resync: quiesce: config space reads all ones");
}

/* The events and log lines the other model cases check can be seen. */
static void model_watch_test(struct kunit *test)
{
	if (!watch_possible())
		kunit_skip(test,
			   "no tracepoints, or printk's console event only at console output (before Linux 6.1): events and log lines not checked");
	KUNIT_ASSERT_TRUE(test, watch.on);
	KUNIT_EXPECT_EQ(test, msix_resync_resume(NULL), -EINVAL);
	KUNIT_EXPECT_STREQ(test, watch.events, "error resume -22 0x0000;");
	/* no device: no device's name before it */
	KUNIT_EXPECT_STREQ(test, watch.log,
			   "msix_resync: resume: called with a NULL state|");
	watch_clear();
	pr_info("msix_resync_test: a line that is not the library's\n");
	KUNIT_EXPECT_STREQ(test, watch.log, "");
}

/*
 * Without the model's seam (a real device), each of the library's
 * messages is ratelimited: a failure repeated at every reset cannot flood
 * the log. Every call is still traced.
 */
static void model_ratelimit_test(struct kunit *test)
{
	static const char line[] = "msix_resync: resume: called with a NULL state|";
	unsigned int i, calls = 2 * DEFAULT_RATELIMIT_BURST, lines = 0;
	const char *p;

	if (!watch_possible())
		kunit_skip(test, "the log is not watched (model_watch_test)");
	KUNIT_ASSERT_TRUE(test, watch.on);
	WRITE_ONCE(msix_resync_test_hw, NULL);
	for (i = 0; i < calls; i++)
		KUNIT_EXPECT_EQ(test, msix_resync_resume(NULL), -EINVAL);
	for (p = watch.log; (p = strstr(p, line)); p++)
		lines++;
	KUNIT_EXPECT_FALSE(test, watch.overflow);
	KUNIT_EXPECT_LE(test, lines, DEFAULT_RATELIMIT_BURST);
	for (i = 0, p = watch.events; (p = strstr(p, "error resume -22 0x0000;")); p++)
		i++;
	KUNIT_EXPECT_EQ(test, i, calls);
	watch_clear();
}

static struct kunit_case model_cases[] = {
	KUNIT_CASE_PARAM(model_stock_test, model_gen_params),
	KUNIT_CASE_PARAM(model_resync_test, model_gen_params),
	KUNIT_CASE(model_design_test),
	KUNIT_CASE(model_contract_test),
	KUNIT_CASE(model_stale_state_test),
	KUNIT_CASE_PARAM(model_after_reset_test, model_gen_params),
	KUNIT_CASE(model_after_reset_contract_test),
	KUNIT_CASE(model_msi_intx_test),
	KUNIT_CASE(model_vanish_midway_test),
	KUNIT_CASE(model_reset_save_fail_test),
	KUNIT_CASE(model_errors_test),
	KUNIT_CASE(model_watch_test),
	KUNIT_CASE(model_ratelimit_test),
	{}
};

static void model_suite_exit(struct kunit_suite *suite)
{
	watch_stop();
}

static struct kunit_suite model_suite = {
	.name = "msix_resync_model",
	.suite_init = model_suite_init,
	.suite_exit = model_suite_exit,
	.init = model_init,
	.exit = model_exit,
	.test_cases = model_cases,
};

/* ---------------------------------------------------------------------
 * A real emulated device: QEMU's e1000e
 */

#define DEV_NVEC	E1000E_MSIX_NVEC
#define DEV_MASKED_VEC	3

struct dev_ctx {
	struct pci_dev *pdev;
	void __iomem *mmio;
	int nvec;
	atomic_t count[DEV_NVEC];
};

static irqreturn_t dev_isr(int irq, void *data)
{
	atomic_inc(data);
	return IRQ_HANDLED;
}

static void dev_free_vectors(struct dev_ctx *d)
{
	int i;

	for (i = 0; i < d->nvec; i++)
		free_irq(pci_irq_vector(d->pdev, i), &d->count[i]);
	pci_free_irq_vectors(d->pdev);
	d->nvec = 0;
}

/*
 * Let the device's legacy interrupt throttling timer expire while MSI-X is
 * off: QEMU 7.2's e1000e arms it (ITR has a floor of 500 x 256 ns) when a
 * cause is raised without MSI-X, re-arms it while causes stay pending, and
 * aborts on an assertion if it fires after MSI-X is enabled again. Real
 * devices have no such timer.
 */
static void dev_settle(void)
{
	usleep_range(1000, 2000);
}

/* Drop pending causes (and the timer they keep armed), then settle. */
static void dev_quiet(struct dev_ctx *d)
{
	writel(~0u, d->mmio + E1000_IMC);
	writel(~0u, d->mmio + E1000_ICR);
	readl(d->mmio + E1000_ICR);
	dev_settle();
}

/* affd: NULL, or the spreading of managed vectors (PCI_IRQ_AFFINITY) */
static int dev_setup_vectors_affd(struct dev_ctx *d, int n, struct irq_affinity *affd)
{
	void __iomem *m = d->mmio;
	int i, ret;

	dev_settle();
	ret = pci_alloc_irq_vectors_affinity(d->pdev, n, n,
					     PCI_IRQ_MSIX | (affd ? PCI_IRQ_AFFINITY : 0),
					     affd);
	if (ret < 0)
		return ret;
	for (i = 0; i < n; i++) {
		unsigned int irq = pci_irq_vector(d->pdev, i);

		ret = request_irq(irq, dev_isr, 0, "msix_resync_test",
				  &d->count[i]);
		if (ret)
			return ret;
		d->nvec = i + 1;
		if (i == DEV_MASKED_VEC) {
			irq_set_status_flags(irq, IRQ_DISABLE_UNLAZY);
			disable_irq(irq);
		}
	}
	e1000e_msix_program(m);
	return 0;
}

static int dev_setup_vectors(struct dev_ctx *d, int n)
{
	return dev_setup_vectors_affd(d, n, NULL);
}

static void dev_exit(struct kunit *test)
{
	struct dev_ctx *d = test->priv;

	if (!d)
		return;
	if (d->mmio)
		dev_quiet(d);
	if (d->nvec)
		dev_free_vectors(d);
	if (d->mmio)
		pci_iounmap(d->pdev, d->mmio);
	pci_disable_device(d->pdev);
	pci_dev_put(d->pdev);
}

/*
 * The device the suite may take: an e1000e (8086:10d3) no driver is bound
 * to. QEMU's emulated one has none in a KUnit kernel; a real 82574L passed
 * to a guest is bound to e1000e, and the suite never touches a device a
 * driver owns. Holds a reference on the device returned.
 */
static struct pci_dev *dev_find_unowned(void)
{
	struct pci_dev *pdev = NULL;

	while ((pdev = pci_get_device(PCI_VENDOR_ID_INTEL, E1000E_MSIX_DEVICE, pdev))) {
		bool owned;

		device_lock(&pdev->dev);
		owned = pdev->dev.driver;
		device_unlock(&pdev->dev);
		if (!owned)
			return pdev;
		pr_info("msix_resync_test: %s: bound to %s, not touching it\n",
			pci_name(pdev), dev_driver_string(&pdev->dev));
	}
	return NULL;
}

static int dev_init(struct kunit *test)
{
	struct pci_dev *pdev = dev_find_unowned();
	struct dev_ctx *d;

	if (!pdev)
		return 0;	/* the cases skip */
	d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	if (!d || pci_enable_device(pdev)) {
		pci_dev_put(pdev);
		return -ENOMEM;
	}
	d->pdev = pdev;
	test->priv = d;
	pci_set_master(pdev);
	d->mmio = pci_iomap(pdev, 0, 0);
	if (!d->mmio || dev_setup_vectors(d, DEV_NVEC))
		return -ENODEV;
	return 0;
}

static struct dev_ctx *dev_get(struct kunit *test)
{
	if (!test->priv)
		kunit_skip(test, "no unowned e1000e (8086:10d3): add --qemu_args='-device e1000e'");
	return test->priv;
}

static void dev_zero_table(struct dev_ctx *d)
{
	int i;

	for (i = 0; i < d->nvec; i++) {
		void __iomem *e = d->pdev->msix_base + i * PCI_MSIX_ENTRY_SIZE;

		writel(0, e + PCI_MSIX_ENTRY_LOWER_ADDR);
		writel(0, e + PCI_MSIX_ENTRY_UPPER_ADDR);
		writel(0, e + PCI_MSIX_ENTRY_DATA);
	}
}

/* Raise vector @v's interrupt; how many arrived. */
static int dev_fire(struct dev_ctx *d, int v)
{
	int before = atomic_read(&d->count[v]), j;

	e1000e_msix_raise(d->mmio, v);
	for (j = 0; j < 200 && atomic_read(&d->count[v]) == before; j++)
		usleep_range(1000, 2000);
	msleep(20);
	return atomic_read(&d->count[v]) - before;
}

/* Save config space, play the backdoor reset, restore config space. */
static void dev_backdoor_reset(struct dev_ctx *d)
{
	pci_save_state(d->pdev);
	dev_zero_table(d);
	dev_settle();
	pci_restore_state(d->pdev);
}

/* Raise every vector once: one interrupt each, none on those in @masked. */
static void dev_expect_fires(struct kunit *test, struct dev_ctx *d,
			     unsigned long masked)
{
	int i;

	for (i = 0; i < d->nvec; i++)
		KUNIT_EXPECT_EQ_MSG(test, dev_fire(d, i), masked & BIT(i) ? 0 : 1,
				    "vector %d", i);
}

/*
 * Device, MSI core and irq core agree, the vectors in @masked (a bit per
 * vector) are masked and no other; entries hold the cached messages.
 */
static void dev_expect_masks(struct kunit *test, struct dev_ctx *d,
			     unsigned long masked)
{
	u16 ctrl;
	int i;

	pci_read_config_word(d->pdev, d->pdev->msix_cap + PCI_MSIX_FLAGS, &ctrl);
	KUNIT_EXPECT_EQ(test, ctrl & (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL),
			PCI_MSIX_FLAGS_ENABLE);
	for (i = 0; i < d->nvec; i++) {
		void __iomem *e = d->pdev->msix_base + i * PCI_MSIX_ENTRY_SIZE;
		unsigned int irq = pci_irq_vector(d->pdev, i);
		struct msi_desc *desc = irq_get_msi_desc(irq);
		bool hw = readl(e + PCI_MSIX_ENTRY_VECTOR_CTRL) &
			  PCI_MSIX_ENTRY_CTRL_MASKBIT;

		KUNIT_EXPECT_EQ_MSG(test, hw, !!(masked & BIT(i)), "vector %d", i);
		KUNIT_EXPECT_EQ_MSG(test, hw,
				    !!(desc->pci.msix_ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT),
				    "vector %d", i);
		KUNIT_EXPECT_EQ_MSG(test, hw, irqd_irq_masked(irq_get_irq_data(irq)),
				    "vector %d", i);
		KUNIT_EXPECT_EQ(test, readl(e + PCI_MSIX_ENTRY_LOWER_ADDR),
				desc->msg.address_lo);
		KUNIT_EXPECT_EQ(test, readl(e + PCI_MSIX_ENTRY_DATA), desc->msg.data);
	}
}

static void dev_expect_coherent(struct kunit *test, struct dev_ctx *d)
{
	dev_expect_masks(test, d, BIT(DEV_MASKED_VEC));
}

/* A full cycle, quiesce and resume under a spinlock with interrupts off. */
static void dev_cycle_atomic_test(struct kunit *test)
{
	struct dev_ctx *d = dev_get(test);
	struct msix_resync *rs = msix_resync_alloc(d->pdev, GFP_KERNEL);
	static DEFINE_SPINLOCK(lock);
	unsigned long flags;
	int ret;

	KUNIT_ASSERT_FALSE(test, IS_ERR(rs));
	spin_lock_irqsave(&lock, flags);
	ret = msix_resync_quiesce(rs);
	spin_unlock_irqrestore(&lock, flags);
	KUNIT_EXPECT_EQ(test, ret, 0);

	dev_backdoor_reset(d);

	spin_lock_irqsave(&lock, flags);
	ret = msix_resync_resume(rs);
	spin_unlock_irqrestore(&lock, flags);
	KUNIT_EXPECT_EQ(test, ret, 0);
	msix_resync_free(rs);

	dev_expect_coherent(test, d);
	dev_expect_fires(test, d, BIT(DEV_MASKED_VEC));
}

/*
 * Interrupts raised during the window: none delivered, not even INTx, and
 * none kept pending for after the resume (Enable was clear): a driver
 * polls its queues after resume.
 */
static void dev_storm_test(struct kunit *test)
{
	struct dev_ctx *d = dev_get(test);
	struct msix_resync *rs = msix_resync_alloc(d->pdev, GFP_KERNEL);
	int i, j, before[DEV_NVEC];

	KUNIT_ASSERT_FALSE(test, IS_ERR(rs));
	KUNIT_ASSERT_EQ(test, msix_resync_quiesce(rs), 0);
	for (i = 0; i < d->nvec; i++)
		before[i] = atomic_read(&d->count[i]);
	for (j = 0; j < 1000; j++)
		writel(E1000E_MSIX_CAUSES, d->mmio + E1000_ICS);
	msleep(50);
	for (i = 0; i < d->nvec; i++)
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&d->count[i]), before[i],
				    "vector %d fired while quiesced", i);
	dev_quiet(d);
	pci_save_state(d->pdev);
	pci_restore_state(d->pdev);
	KUNIT_EXPECT_EQ(test, msix_resync_resume(rs), 0);
	msix_resync_free(rs);
	msleep(20);
	for (i = 0; i < d->nvec; i++)
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&d->count[i]), before[i],
				    "vector %d: raised while quiesced, arrived after resume", i);
	writel(E1000E_MSIX_CAUSES, d->mmio + E1000_IMS);
	dev_expect_coherent(test, d);
	dev_expect_fires(test, d, BIT(DEV_MASKED_VEC));
}

static void dev_order_test(struct kunit *test)
{
	struct dev_ctx *d = dev_get(test);
	struct msix_resync *rs = msix_resync_alloc(d->pdev, GFP_KERNEL);
	u16 ctrl;

	KUNIT_ASSERT_FALSE(test, IS_ERR(rs));
	KUNIT_EXPECT_EQ(test, msix_resync_resume(rs), 0);
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(rs), 0);
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(rs), 0);
	pci_read_config_word(d->pdev, d->pdev->msix_cap + PCI_MSIX_FLAGS, &ctrl);
	KUNIT_EXPECT_FALSE(test, ctrl & PCI_MSIX_FLAGS_ENABLE);
	/* Restore skipped. */
	pci_save_state(d->pdev);
	dev_settle();
	KUNIT_EXPECT_EQ(test, msix_resync_resume(rs), -EIO);
	pci_restore_state(d->pdev);
	KUNIT_EXPECT_EQ(test, msix_resync_resume(rs), 0);
	msix_resync_free(rs);
	dev_expect_coherent(test, d);
}

/*
 * Vectors freed: -ESTALE, the device untouched. Allocated again as MSI-X:
 * the same state resyncs them, as it keeps nothing per vector.
 */
static void dev_stale_test(struct kunit *test)
{
	struct dev_ctx *d = dev_get(test);
	struct msix_resync *rs = msix_resync_alloc(d->pdev, GFP_KERNEL);

	KUNIT_ASSERT_FALSE(test, IS_ERR(rs));
	dev_free_vectors(d);
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(rs), -ESTALE);
	KUNIT_ASSERT_EQ(test, dev_setup_vectors(d, DEV_NVEC), 0);
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(rs), 0);
	dev_backdoor_reset(d);
	KUNIT_EXPECT_EQ(test, msix_resync_resume(rs), 0);
	msix_resync_free(rs);
	dev_expect_coherent(test, d);
	dev_expect_fires(test, d, BIT(DEV_MASKED_VEC));
}

/*
 * The irq core acts between quiesce and resume: one vector masked with
 * disable_irq() (IRQ_DISABLE_UNLAZY), another moved to another CPU. The
 * library must leave the first masked and the second with its new message.
 */
static void dev_window_test(struct kunit *test)
{
	struct dev_ctx *d = dev_get(test);
	struct msix_resync *rs = msix_resync_alloc(d->pdev, GFP_KERNEL);
	unsigned int irq1 = pci_irq_vector(d->pdev, 1);
	unsigned int irq2 = pci_irq_vector(d->pdev, 2);

	KUNIT_ASSERT_FALSE(test, IS_ERR(rs));
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs an SMP guest (-smp 2 or more)");
	KUNIT_ASSERT_EQ(test, msix_resync_quiesce(rs), 0);
	irq_set_status_flags(irq1, IRQ_DISABLE_UNLAZY);
	disable_irq(irq1);
	KUNIT_EXPECT_EQ(test, irq_set_affinity(irq2, cpumask_of(cpumask_last(cpu_online_mask))), 0);
	dev_backdoor_reset(d);
	KUNIT_EXPECT_EQ(test, msix_resync_resume(rs), 0);
	msix_resync_free(rs);
	dev_expect_masks(test, d, BIT(DEV_MASKED_VEC) | BIT(1));
	dev_expect_fires(test, d, BIT(DEV_MASKED_VEC) | BIT(1));
	enable_irq(irq1);
	irq_clear_status_flags(irq1, IRQ_DISABLE_UNLAZY);
	irq_set_affinity(irq2, cpu_online_mask);
	dev_expect_coherent(test, d);
	KUNIT_EXPECT_EQ(test, dev_fire(d, 1), 1);
}

/* ---------------------------------------------------------------------
 * Stress: reset cycles while the irq core keeps changing the vectors
 */

/*
 * Built in, the parameters are core parameters (msix_resync_stress_cycles=
 * on the kernel command line): a module parameter would make
 * /sys/module/msix_resync_test, and the same test built as a module could
 * then not be loaded into that kernel (scripts/kunit-insmod.sh does).
 * Their defaults can be set at build time (make MSIXR_STRESS_CYCLES=
 * MSIXR_STRESS_DISTURB=, as scripts/stress.sh does): Linux 6.1's KUnit runs
 * a module's suites at MODULE_STATE_COMING, before the module's parameters
 * are parsed, so there insmod's stress_cycles= comes too late.
 * CPU hotplug (2) is off by default: from the boot-time run (before user
 * space) re-onlining a CPU hangs the guest under TCG; from a module loaded
 * by user space it works (Documentation/testing.rst, "Stress").
 */
#ifndef MSIX_RESYNC_STRESS_CYCLES
#define MSIX_RESYNC_STRESS_CYCLES	100
#endif
#ifndef MSIX_RESYNC_STRESS_DISTURB
#define MSIX_RESYNC_STRESS_DISTURB	5
#endif
static unsigned int stress_cycles = MSIX_RESYNC_STRESS_CYCLES;
static unsigned int stress_disturb = MSIX_RESYNC_STRESS_DISTURB;
#ifdef MODULE
module_param(stress_cycles, uint, 0444);
module_param(stress_disturb, uint, 0444);
#else
core_param(msix_resync_stress_cycles, stress_cycles, uint, 0444);
core_param(msix_resync_stress_disturb, stress_disturb, uint, 0444);
#endif
MODULE_PARM_DESC(stress_cycles, "reset cycles of the stress case (make stress: 1000)");
MODULE_PARM_DESC(stress_disturb, "stress disturbers: 1 affinity, 2 CPU hotplug, 4 irq toggle (default 5); 8: control, without the library's calls; 16: on pseries, move vectors during the reset too");

/*
 * On pseries the kernel does not compose MSI messages:
 * pseries_msi_compose_msg() (arch/powerpc/platforms/pseries/msi.c) reads
 * the message back from the device's table, where the firmware's
 * ibm,change-msi put it. Moving a vector (irq_set_affinity(), or CPU
 * hotplug migrating or starting it) while this test's backdoor reset has
 * cleared the table therefore caches a zero message, and every later
 * pci_restore_state() writes that back: the vector is dead, with or
 * without this library (Documentation/power.rst has the runs). The table
 * a guest reads under VFIO is QEMU's, which a backdoor reset of the
 * physical device does not clear; this test clears the one the guest
 * reads. So on pseries the disturbers that move vectors keep out of the
 * reset itself, from clearing the table to pci_restore_state(); they
 * still run while the device is quiesced. Bit 16 lets them in, to show
 * the loss.
 */
static bool stress_guard_reset(void)
{
	return IS_ENABLED(CONFIG_PPC_PSERIES) && !(stress_disturb & 16);
}

#define STRESS_TOGGLED_VEC	4	/* disabled and enabled by a thread */

struct stress {
	struct dev_ctx *d;
	atomic_t stop;		/* the disturbers pause while set */
	atomic_t idle;		/* disturbers paused */
	/* one per stress_go(): a paused disturber leaves even if stop is set again */
	atomic_t epoch;
	unsigned long affinity, hotplug, toggles, shutdowns;
	int hotplug_err;
	struct mutex reset_lock;	/* see stress_guard_reset() */
};

static void stress_reset_lock(struct stress *st)
{
	if (stress_guard_reset())
		mutex_lock(&st->reset_lock);
}

static void stress_reset_unlock(struct stress *st)
{
	if (stress_guard_reset())
		mutex_unlock(&st->reset_lock);
}

/* Wait until the disturbers have paused (all CPUs online, irq enabled). */
static void stress_pause(struct stress *st, int threads)
{
	atomic_set(&st->stop, 1);
	while (atomic_read(&st->idle) < threads)
		usleep_range(200, 400);
}

static void stress_go(struct stress *st)
{
	atomic_set(&st->idle, 0);
	atomic_inc(&st->epoch);
	atomic_set(&st->stop, 0);
}

/* A disturber parks here between rounds; returns false to end. */
static bool stress_park(struct stress *st)
{
	int epoch = atomic_read(&st->epoch);

	if (!atomic_read(&st->stop))
		return true;
	atomic_inc(&st->idle);
	while (atomic_read(&st->stop) && atomic_read(&st->epoch) == epoch &&
	       !kthread_should_stop())
		usleep_range(200, 400);
	return !kthread_should_stop();
}

static int stress_affinity_fn(void *data)
{
	struct stress *st = data;
	unsigned int cpu = 0, v = 0;

	while (!kthread_should_stop() && stress_park(st)) {
		if (!(stress_disturb & 1)) {
			usleep_range(500, 1000);
			continue;
		}
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
		v = (v + 1) % DEV_NVEC;
		if (irqd_affinity_is_managed(irq_get_irq_data(pci_irq_vector(st->d->pdev, v))))
			continue;	/* the kernel places managed vectors */
		stress_reset_lock(st);
		if (!irq_set_affinity(pci_irq_vector(st->d->pdev, v), cpumask_of(cpu)))
			st->affinity++;
		stress_reset_unlock(st);
		usleep_range(1000, 2000);
	}
	return 0;
}

/* Managed vectors that CPU hotplug has shut down, as a bitmap. */
static unsigned long stress_shut_down(struct dev_ctx *d)
{
	unsigned long shut = 0;
	int i;

	for (i = 0; i < d->nvec; i++)
		if (irqd_is_managed_and_shutdown(irq_get_irq_data(pci_irq_vector(d->pdev, i))))
			shut |= BIT(i);
	return shut;
}

/*
 * Offline two CPUs at a time (pairs of 1..n-1, CPU 0 stays): a managed
 * vector whose affinity is that pair is shut down, and started up again
 * when they come back; the other vectors migrate under the descriptor
 * lock.
 */
static int stress_hotplug_fn(void *data)
{
	struct stress *st = data;
	unsigned int n = num_online_cpus(), a = 1, b;
	int ret;

	/* Stay on CPU 0, which is never offlined. */
	set_cpus_allowed_ptr(current, cpumask_of(0));
	while (!kthread_should_stop() && stress_park(st)) {
		if (!(stress_disturb & 2)) {
			usleep_range(500, 1000);
			continue;
		}
		b = a + 1 < n ? a + 1 : 1;
		stress_reset_lock(st);
		ret = remove_cpu(a);
		if (!ret) {
			ret = remove_cpu(b);
			usleep_range(5000, 6000);
			if (stress_shut_down(st->d))
				st->shutdowns++;
			if (!ret)
				ret = add_cpu(b);
			ret = add_cpu(a) ?: ret;
			if (ret)
				st->hotplug_err = ret;
			st->hotplug++;
		}
		stress_reset_unlock(st);
		a = b;
		usleep_range(5000, 6000);
	}
	return 0;
}

static int stress_toggle_fn(void *data)
{
	struct stress *st = data;
	unsigned int irq = pci_irq_vector(st->d->pdev, STRESS_TOGGLED_VEC);

	while (!kthread_should_stop() && stress_park(st)) {
		if (!(stress_disturb & 4)) {
			usleep_range(500, 1000);
			continue;
		}
		disable_irq_nosync(irq);
		usleep_range(500, 1000);
		enable_irq(irq);
		st->toggles++;
		usleep_range(500, 1000);
	}
	return 0;
}

/* The disturbers' events so far: one moved while it changes. */
static unsigned long stress_events(struct stress *st)
{
	return READ_ONCE(st->affinity) + READ_ONCE(st->hotplug) +
	       READ_ONCE(st->toggles);
}

/*
 * The masked vector @v was raised and nothing arrived: unmask it briefly.
 * The device held it pending (PCI spec, QEMU's msix_notify()), so exactly
 * one interrupt must arrive now. Returns whether it did: the witness that
 * the vector was raised while masked, not merely never raised.
 */
static bool stress_unmask_pending(struct dev_ctx *d, int v, int before)
{
	unsigned int irq = pci_irq_vector(d->pdev, v);
	int i;

	enable_irq(irq);
	for (i = 0; i < 200 && atomic_read(&d->count[v]) == before; i++)
		usleep_range(200, 400);
	usleep_range(2000, 3000);	/* let a duplicate arrive */
	disable_irq(irq);
	return atomic_read(&d->count[v]) - before == 1;
}

/* Vectors on which device, MSI core and irq core disagree, as a bitmap. */
static unsigned long stress_disagreements(struct dev_ctx *d, unsigned long masked)
{
	unsigned long bad = 0;
	int i;

	for (i = 0; i < d->nvec; i++) {
		void __iomem *e = d->pdev->msix_base + i * PCI_MSIX_ENTRY_SIZE;
		unsigned int irq = pci_irq_vector(d->pdev, i);
		struct msi_desc *desc = irq_get_msi_desc(irq);
		bool hw = readl(e + PCI_MSIX_ENTRY_VECTOR_CTRL) & PCI_MSIX_ENTRY_CTRL_MASKBIT;
		bool msi = desc->pci.msix_ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT;

		if (hw != !!(masked & BIT(i)) || msi != hw ||
		    irqd_irq_masked(irq_get_irq_data(irq)) != hw ||
		    readl(e + PCI_MSIX_ENTRY_LOWER_ADDR) != desc->msg.address_lo ||
		    readl(e + PCI_MSIX_ENTRY_DATA) != desc->msg.data ||
		    /* no platform signals MSIs to address 0 */
		    !(desc->msg.address_lo | desc->msg.address_hi))
			bad |= BIT(i);
	}
	return bad;
}

/*
 * stress_cycles quiesce/save/reset/restore/resume cycles while other
 * threads move the vectors between CPUs, offline and online CPUs
 * (migrating the vectors under the descriptor lock) and disable and
 * enable one irq. Between cycles the disturbers pause, every vector is
 * raised once, and each must arrive exactly once.
 */
/*
 * The cycles run in rounds of at most STRESS_ROUND, one parameterised
 * case each: KUnit ends a case after 300 s, and with CPU hotplug 100
 * cycles take about 70 s here.
 */
#define STRESS_ROUND	100

static MSIX_RESYNC_GEN_PARAMS(stress_gen_params)
{
	unsigned long round = (unsigned long)prev;

	if (round * STRESS_ROUND >= stress_cycles)
		return NULL;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "round %lu", round + 1);
	return (void *)(round + 1);
}

static void dev_stress_test(struct kunit *test)
{
	unsigned long round = (unsigned long)test->param_value;
	unsigned int cycles = min_t(unsigned int, STRESS_ROUND,
				    stress_cycles - (round - 1) * STRESS_ROUND);
	struct dev_ctx *d = dev_get(test);
	struct task_struct *t[3];
	struct stress *st;
	unsigned int cycle, disagree = 0, lost = 0, dup = 0, errors = 0;
	unsigned int window = 0, masked_raised = 0;
	int i, v, before[DEV_NVEC];
	unsigned long bad, events;

	/*
	 * Vectors 1 and 2 managed, spread over the CPUs (with 4, one per
	 * pair: offlining a pair shuts one down). The masked and the toggled
	 * vector (3, 4) and vector 0 are not: 6.1 and 6.12 start a managed
	 * vector up again with its disable depth reset to 0, so a disabled
	 * one would come back enabled whatever this library does.
	 */
	struct irq_affinity affd = { .pre_vectors = 1, .post_vectors = 2 };

	if (num_online_cpus() < 4)
		kunit_skip(test, "needs an SMP guest with 4 vCPUs or more");
	dev_free_vectors(d);
	KUNIT_ASSERT_EQ(test, dev_setup_vectors_affd(d, DEV_NVEC, &affd), 0);
	st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st);
	st->d = d;
	mutex_init(&st->reset_lock);
	t[0] = kthread_run(stress_affinity_fn, st, "msixr-affinity");
	t[1] = kthread_run(stress_hotplug_fn, st, "msixr-hotplug");
	t[2] = kthread_run(stress_toggle_fn, st, "msixr-toggle");
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_FALSE(test, IS_ERR(t[i]));

	for (cycle = 0; cycle < cycles; cycle++) {
		struct msix_resync *rs = msix_resync_alloc(d->pdev, GFP_KERNEL);
		unsigned long flags;

		if (IS_ERR(rs)) {
			errors++;
			break;
		}
		local_irq_save(flags);
		if (!(stress_disturb & 8))
			errors += !!msix_resync_quiesce(rs);
		local_irq_restore(flags);
		events = stress_events(st);
		stress_reset_lock(st);
		dev_backdoor_reset(d);
		stress_reset_unlock(st);
		/* a disturber acted between quiesce and resume */
		window += stress_events(st) != events;
		local_irq_save(flags);
		if (!(stress_disturb & 8))
			errors += !!msix_resync_resume(rs);
		local_irq_restore(flags);
		msix_resync_free(rs);

		stress_pause(st, 3);
		bad = stress_disagreements(d, BIT(DEV_MASKED_VEC));
		if (bad) {
			disagree++;
			if (disagree <= 3)
				kunit_info(test, "cycle %u: vectors %#lx disagree\n", cycle, bad);
		}
		/* One vector at a time, as dev_fire() does. */
		for (v = 0; v < d->nvec; v++) {
			int got, want = v == DEV_MASKED_VEC ? 0 : 1;

			before[v] = atomic_read(&d->count[v]);
			e1000e_msix_raise(d->mmio, v);
			for (i = 0; i < 200 && want &&
			     atomic_read(&d->count[v]) == before[v]; i++)
				usleep_range(200, 400);
			usleep_range(2000, 3000);	/* let a duplicate arrive */
			got = atomic_read(&d->count[v]) - before[v];
			lost += got < want;
			dup += got > want;
			if (got != want && lost + dup <= 5)
				kunit_info(test, "cycle %u: vector %d: %d interrupts, want %d\n",
					   cycle, v, got, want);
			if (v == DEV_MASKED_VEC && !got)
				masked_raised += stress_unmask_pending(d, v, before[v]);
		}
		dev_quiet(d);
		writel(E1000E_MSIX_CAUSES, d->mmio + E1000_IMS);
		stress_go(st);
	}
	stress_pause(st, 3);
	for (i = 0; i < 3; i++)
		kthread_stop(t[i]);
	mutex_destroy(&st->reset_lock);
	kunit_info(test, "cycles=%u disagreements=%u lost=%u duplicated=%u errors=%u affinity=%lu hotplug=%lu toggles=%lu managed_shutdowns=%lu window=%u masked_raised=%u\n",
		   cycle, disagree, lost, dup, errors, st->affinity, st->hotplug,
		   st->toggles, st->shutdowns, window, masked_raised);
	KUNIT_EXPECT_EQ(test, cycle, cycles);
	/* the masked vector was raised, and held pending, in every cycle */
	KUNIT_EXPECT_EQ(test, masked_raised, cycle);
	KUNIT_EXPECT_EQ(test, disagree, 0);
	KUNIT_EXPECT_EQ(test, lost, 0);
	KUNIT_EXPECT_EQ(test, dup, 0);
	KUNIT_EXPECT_EQ(test, errors, 0);
	KUNIT_EXPECT_EQ(test, st->hotplug_err, 0);
	/* The disturbers asked for did disturb. */
	KUNIT_EXPECT_EQ(test, stress_disturb & 8, 0);	/* the control fails */
	KUNIT_EXPECT_EQ(test, st->affinity > 0, !!(stress_disturb & 1));
	KUNIT_EXPECT_EQ(test, st->hotplug > 0, !!(stress_disturb & 2));
	KUNIT_EXPECT_EQ(test, st->shutdowns > 0, !!(stress_disturb & 2));
	KUNIT_EXPECT_EQ(test, st->toggles > 0, !!(stress_disturb & 4));
}

/* The device vanishes: move its bridge's secondary bus away. */
static void dev_vanished_test(struct kunit *test)
{
	struct dev_ctx *d = dev_get(test);
	struct pci_dev *bridge = pci_upstream_bridge(d->pdev);
	struct msix_resync *rs;
	u32 buses;

	if (!bridge)
		kunit_skip(test, "the device is on the root bus: attach it to a pcie-root-port");
	rs = msix_resync_alloc(d->pdev, GFP_KERNEL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(rs));
	pci_read_config_dword(bridge, PCI_PRIMARY_BUS, &buses);
	pci_write_config_dword(bridge, PCI_PRIMARY_BUS,
			       (buses & 0xff0000ff) | 0x00fefe00);
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(rs), -ENODEV);
	KUNIT_EXPECT_PTR_EQ(test, msix_resync_alloc(d->pdev, GFP_KERNEL),
			    ERR_PTR(-ENODEV));
	pci_write_config_dword(bridge, PCI_PRIMARY_BUS, buses);
	msix_resync_free(rs);
	dev_expect_coherent(test, d);
}

#ifdef CONFIG_FAILSLAB
/*
 * Allocation failure: fault injection makes the first slab allocation of
 * this task fail (fail-nth). GFP_NOWAIT, because failslab ignores
 * allocations that may reclaim unless told otherwise.
 */
static void dev_alloc_fail_test(struct kunit *test)
{
	struct dev_ctx *d = dev_get(test);
	struct msix_resync *rs;

	watch_clear();
	current->fail_nth = 1;
	rs = msix_resync_alloc(d->pdev, GFP_NOWAIT);
	current->fail_nth = 0;
	KUNIT_EXPECT_PTR_EQ(test, rs, ERR_PTR(-ENOMEM));
	watch_expect(test, "error alloc -12 0x0000;", NULL);
	if (!IS_ERR(rs))
		msix_resync_free(rs);
	rs = msix_resync_alloc(d->pdev, GFP_NOWAIT);
	KUNIT_EXPECT_FALSE(test, IS_ERR(rs));
	if (!IS_ERR(rs))
		msix_resync_free(rs);
}
#else
static void dev_alloc_fail_test(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_FAILSLAB");
}
#endif

/*
 * 1000 alloc/free cycles. The runner that loads this module by insmod
 * asks kmemleak for a scan afterwards and expects no report.
 */
static void dev_alloc_free_cycles_test(struct kunit *test)
{
	struct dev_ctx *d = dev_get(test);
	int i;

	for (i = 0; i < 1000; i++) {
		struct msix_resync *rs = msix_resync_alloc(d->pdev, GFP_KERNEL);

		KUNIT_ASSERT_FALSE(test, IS_ERR(rs));
		KUNIT_ASSERT_EQ(test, msix_resync_quiesce(rs), 0);
		pci_save_state(d->pdev);
		pci_restore_state(d->pdev);
		KUNIT_ASSERT_EQ(test, msix_resync_resume(rs), 0);
		msix_resync_free(rs);
	}
	dev_expect_coherent(test, d);
}

/*
 * A pass-through seam for the device suite: the library's config accesses
 * go to the real device, but for the faults a test asks for.
 */
struct dev_fault {
	bool ignore_disable;	/* drop a write that clears Enable */
	bool hide_enable;	/* read Enable clear, until a write sets it */
	unsigned int writes;
};

static struct dev_fault dev_fault;

static int dev_fault_read(struct pci_dev *pdev, int where, u16 *val)
{
	int ret = pci_read_config_word(pdev, where, val);

	if (where == pdev->msix_cap + PCI_MSIX_FLAGS && dev_fault.hide_enable)
		*val = (*val & ~PCI_MSIX_FLAGS_ENABLE) | PCI_MSIX_FLAGS_MASKALL;
	return ret;
}

static void dev_fault_write(struct pci_dev *pdev, int where, u16 val)
{
	if (where == pdev->msix_cap + PCI_MSIX_FLAGS) {
		dev_fault.writes++;
		if (val & PCI_MSIX_FLAGS_ENABLE)
			dev_fault.hide_enable = false;
		else if (dev_fault.ignore_disable)
			return;
	}
	pci_write_config_word(pdev, where, val);
}

static const struct msix_resync_hw dev_fault_hw = {
	.read_cfg = dev_fault_read,
	.write_cfg = dev_fault_write,
};

struct dev_reset_cb {
	struct dev_ctx *d;
	int ret;		/* what the reset returns */
	bool hide;		/* resume will read MSI-X disabled */
	int calls;
	u16 ctrl;		/* Message Control while it ran */
};

/* The backdoor reset of msix_resync_reset(): the table zeroed. */
static int dev_reset_cb(struct pci_dev *pdev, void *data)
{
	struct dev_reset_cb *cb = data;

	cb->calls++;
	pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS, &cb->ctrl);
	dev_zero_table(cb->d);
	dev_settle();
	dev_fault.hide_enable = cb->hide;
	return cb->ret;
}

/*
 * msix_resync_reset()'s policy, branch by branch: the reset runs whenever
 * it can (the resync's failures are returned after it), with MSI-X off
 * and masked when the resync is set up; MSI-X is back afterwards in every
 * branch, by the restore or, when resume fails, by a cancel.
 */
static void dev_reset_policy_test(struct kunit *test)
{
	struct dev_ctx *d = dev_get(test);
	struct dev_reset_cb cb = { .d = d };
	const u16 bits = PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL;

	/* Success: the reset ran quiesced (Enable clear, Function Mask set). */
	KUNIT_EXPECT_EQ(test, msix_resync_reset(d->pdev, dev_reset_cb, &cb), 0);
	KUNIT_EXPECT_EQ(test, cb.calls, 1);
	KUNIT_EXPECT_EQ(test, cb.ctrl & bits, PCI_MSIX_FLAGS_MASKALL);
	dev_expect_coherent(test, d);
	dev_expect_fires(test, d, BIT(DEV_MASKED_VEC));

	/* The reset fails: its error, MSI-X back. */
	cb = (struct dev_reset_cb){ .d = d, .ret = -ETIMEDOUT };
	KUNIT_EXPECT_EQ(test, msix_resync_reset(d->pdev, dev_reset_cb, &cb), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, cb.calls, 1);
	dev_expect_coherent(test, d);

	/* Alloc refuses the device: the reset still runs, unprotected. */
	cb = (struct dev_reset_cb){ .d = d };
	d->pdev->dev_flags |= PCI_DEV_FLAGS_MSI_INTX_DISABLE_BUG;
	KUNIT_EXPECT_EQ(test, msix_resync_reset(d->pdev, dev_reset_cb, &cb), -EOPNOTSUPP);
	d->pdev->dev_flags &= ~PCI_DEV_FLAGS_MSI_INTX_DISABLE_BUG;
	KUNIT_EXPECT_EQ(test, cb.calls, 1);
	KUNIT_EXPECT_EQ(test, cb.ctrl & bits, PCI_MSIX_FLAGS_ENABLE);
	dev_expect_coherent(test, d);

	/* Quiesce fails (a hypervisor that ignores Enable): the reset runs. */
	cb = (struct dev_reset_cb){ .d = d };
	dev_fault = (struct dev_fault){ .ignore_disable = true };
	WRITE_ONCE(msix_resync_test_hw, &dev_fault_hw);
	KUNIT_EXPECT_EQ(test, msix_resync_reset(d->pdev, dev_reset_cb, &cb), -EIO);
	WRITE_ONCE(msix_resync_test_hw, NULL);
	KUNIT_EXPECT_EQ(test, cb.calls, 1);
	dev_expect_coherent(test, d);

	/* Resume fails (MSI-X reads disabled after the restore): cancelled. */
	cb = (struct dev_reset_cb){ .d = d, .hide = true };
	dev_fault = (struct dev_fault){ };
	WRITE_ONCE(msix_resync_test_hw, &dev_fault_hw);
	KUNIT_EXPECT_EQ(test, msix_resync_reset(d->pdev, dev_reset_cb, &cb), -EIO);
	WRITE_ONCE(msix_resync_test_hw, NULL);
	KUNIT_EXPECT_EQ(test, cb.calls, 1);
	KUNIT_EXPECT_EQ(test, dev_fault.writes, 2);	/* quiesce, cancel */
	KUNIT_EXPECT_FALSE(test, dev_fault.hide_enable);
	dev_expect_coherent(test, d);
	dev_expect_fires(test, d, BIT(DEV_MASKED_VEC));

	/* NULL arguments: -EINVAL, nothing run. */
	cb = (struct dev_reset_cb){ .d = d };
	KUNIT_EXPECT_EQ(test, msix_resync_reset(NULL, dev_reset_cb, &cb), -EINVAL);
	KUNIT_EXPECT_EQ(test, msix_resync_reset(d->pdev, NULL, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, cb.calls, 0);
}

/*
 * After the fact, on the device: a reset, the stock restore, then
 * msix_resync_after_reset(); and refused where alloc refuses.
 */
static void dev_after_reset_test(struct kunit *test)
{
	struct dev_ctx *d = dev_get(test);
	u16 ctrl;

	pci_save_state(d->pdev);
	dev_zero_table(d);
	dev_settle();
	pci_restore_state(d->pdev);
	KUNIT_EXPECT_EQ(test, msix_resync_after_reset(d->pdev), 0);
	dev_expect_coherent(test, d);
	dev_expect_fires(test, d, BIT(DEV_MASKED_VEC));

	/* Not restored (Enable clear): -EIO, Enable left clear. */
	pci_read_config_word(d->pdev, d->pdev->msix_cap + PCI_MSIX_FLAGS, &ctrl);
	pci_write_config_word(d->pdev, d->pdev->msix_cap + PCI_MSIX_FLAGS,
			      ctrl & ~PCI_MSIX_FLAGS_ENABLE);
	KUNIT_EXPECT_EQ(test, msix_resync_after_reset(d->pdev), -EIO);
	pci_read_config_word(d->pdev, d->pdev->msix_cap + PCI_MSIX_FLAGS, &ctrl);
	KUNIT_EXPECT_FALSE(test, ctrl & PCI_MSIX_FLAGS_ENABLE);
	dev_settle();
	pci_save_state(d->pdev);
	pci_restore_state(d->pdev);
	KUNIT_EXPECT_EQ(test, msix_resync_after_reset(d->pdev), 0);

	d->pdev->dev_flags |= PCI_DEV_FLAGS_MSI_INTX_DISABLE_BUG;
	KUNIT_EXPECT_EQ(test, msix_resync_after_reset(d->pdev), -EOPNOTSUPP);
	d->pdev->dev_flags &= ~PCI_DEV_FLAGS_MSI_INTX_DISABLE_BUG;
	dev_expect_coherent(test, d);
	dev_expect_fires(test, d, BIT(DEV_MASKED_VEC));
}

static struct kunit_case dev_cases[] = {
	KUNIT_CASE(dev_cycle_atomic_test),
	KUNIT_CASE(dev_storm_test),
	KUNIT_CASE(dev_order_test),
	KUNIT_CASE(dev_stale_test),
	KUNIT_CASE(dev_window_test),
	KUNIT_CASE(dev_vanished_test),
	KUNIT_CASE(dev_alloc_fail_test),
	KUNIT_CASE(dev_alloc_free_cycles_test),
	KUNIT_CASE(dev_reset_policy_test),
	KUNIT_CASE(dev_after_reset_test),
	KUNIT_CASE_PARAM(dev_stress_test, stress_gen_params),
	{}
};

static int dev_suite_init(struct kunit_suite *suite)
{
	return watch_start();
}

static void dev_suite_exit(struct kunit_suite *suite)
{
	watch_stop();
}

static struct kunit_suite dev_suite = {
	.name = "msix_resync_device",
	.suite_init = dev_suite_init,
	.suite_exit = dev_suite_exit,
	.init = dev_init,
	.exit = dev_exit,
	.test_cases = dev_cases,
};

/* ---------------------------------------------------------------------
 * A device a driver owns is never taken
 *
 * Built in only: the module (scripts/kunit-insmod.sh) loads after the
 * built-in suites have used the e1000e, whose MSI-X allocations leave the
 * MSI core's device data on it (devres of a device no driver is bound
 * to), so the driver core would refuse to probe it ("Resources present
 * before probing").
 */

static int owner_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	return 0;
}

static void owner_remove(struct pci_dev *pdev)
{
}

static const struct pci_device_id owner_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_INTEL, E1000E_MSIX_DEVICE) },
	{}
};

static struct pci_driver owner_driver = {
	.name = "msix_resync_owner",
	.id_table = owner_ids,
	.probe = owner_probe,
	.remove = owner_remove,
};

/*
 * With a driver bound to every e1000e, the device suite finds none. This
 * suite runs first, before the device suite's MSI-X allocations (above).
 * Registered without a module name: built in, a name would create
 * /sys/module/msix_resync_test for good, and the insmod run of the same
 * test would then be refused ("module is already loaded").
 */
static void owner_skip_test(struct kunit *test)
{
	struct pci_dev *pdev = dev_find_unowned();

	if (!pdev)
		kunit_skip(test, "no e1000e (8086:10d3) without a driver");
	pci_dev_put(pdev);
	KUNIT_ASSERT_EQ(test, __pci_register_driver(&owner_driver, THIS_MODULE, NULL), 0);
	pdev = dev_find_unowned();
	KUNIT_EXPECT_PTR_EQ(test, pdev, NULL);
	pci_dev_put(pdev);
	pci_unregister_driver(&owner_driver);
	pdev = dev_find_unowned();
	KUNIT_EXPECT_PTR_NE(test, pdev, NULL);
	pci_dev_put(pdev);
}

static struct kunit_case owner_cases[] = {
	KUNIT_CASE(owner_skip_test),
	{}
};

static struct kunit_suite owner_suite __maybe_unused = {
	.name = "msix_resync_owner",
	.test_cases = owner_cases,
};

#ifdef MODULE
kunit_test_suites(&model_suite, &dev_suite);
#else
kunit_test_suites(&owner_suite, &model_suite, &dev_suite);
#endif

MODULE_DESCRIPTION("KUnit tests for msix-resync");
MODULE_LICENSE("GPL");
