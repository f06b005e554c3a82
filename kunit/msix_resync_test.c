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
 * the guest has none.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/msix_resync.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "../lib/msix_resync_core.h"
#include "e1000e_msix.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* ---------------------------------------------------------------------
 * The model
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
	/* What the guest sees: QEMU's shadow of the capability and table. */
	bool enable, maskall;
	u16 cmd;
	struct model_msg *shadow;
	bool *shadow_mask;
	/* The guest's MSI core: cached message and mask bit. */
	struct model_msg *cache;
	bool *cache_mask;
	bool *irqcore_masked;
	bool *stale;
	/* The host and the device. */
	bool host_enabled;
	struct model_msg *host_msg;
	bool phys_enable;
	struct model_msg *phys;
	/* Host events. */
	unsigned int disables, enables, signals, rewrites;
};

#define MODEL_CAP	0xa0

static struct model *model;	/* the one the seam talks to */

static struct model_msg model_guest_msg(unsigned int i)
{
	return (struct model_msg){ .addr = 0xfee00000 | (i & 0xff) << 12,
				   .data = 0x4000 | i };
}

/* The host re-signals vector @i (VFIO_DEVICE_SET_IRQS for one vector). */
static void model_signal(struct model *m, unsigned int i)
{
	m->signals++;
	if (m->host != HOST_PRE_3_18 && m->host_enabled) {
		m->phys[i] = m->host_msg[i];
		m->rewrites++;
	}
}

/* A vector's effective mask changed while MSI-X is enabled. */
static void model_vector_toggled(struct model *m, unsigned int i, bool masked)
{
	if (!masked)
		model_signal(m, i);		/* vfio_msix_vector_do_use */
	else if (m->host == HOST_3_18_ROUTE)
		model_signal(m, i);		/* release with a KVM route */
}

static void model_write_ctrl(struct model *m, u16 val)
{
	bool enable = val & PCI_MSIX_FLAGS_ENABLE;
	bool maskall = val & PCI_MSIX_FLAGS_MASKALL;
	unsigned int i;

	if (m->enable && !enable) {		/* vfio_msix_disable */
		m->disables++;
		m->host_enabled = false;
		m->phys_enable = false;
	} else if (!m->enable && enable) {	/* vfio_msix_enable */
		m->enables++;
		m->host_enabled = true;
		for (i = 0; i < m->n; i++) {
			m->host_msg[i] = m->shadow[i];
			m->phys[i] = m->host_msg[i];
			m->rewrites++;
		}
		m->phys_enable = true;
	} else if (enable && m->maskall != maskall) {
		for (i = 0; i < m->n; i++)
			if (!m->shadow_mask[i])
				model_vector_toggled(m, i, maskall);
	}
	m->enable = enable;
	m->maskall = maskall;
}

static void model_write_vec_ctrl(struct model *m, unsigned int i, bool mask)
{
	bool was = m->shadow_mask[i];

	m->shadow_mask[i] = mask;
	if (m->enable && !m->maskall && was != mask)
		model_vector_toggled(m, i, mask);
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

/* The seam: the library's device accesses, served by the model. */
static int model_read_cfg(struct pci_dev *pdev, int where, u16 *val)
{
	if (model->gone)
		*val = 0xffff;
	else if (where == MODEL_CAP + PCI_MSIX_FLAGS)
		*val = model_ctrl(model);
	else if (where == PCI_VENDOR_ID)
		*val = PCI_VENDOR_ID_REDHAT_QUMRANET;
	else if (where == PCI_COMMAND)
		*val = model->cmd;
	else
		*val = 0;
	return 0;
}

static void model_write_cfg(struct pci_dev *pdev, int where, u16 val)
{
	if (model->gone)
		return;
	if (where == MODEL_CAP + PCI_MSIX_FLAGS)
		model_write_ctrl(model, val);
	else if (where == PCI_COMMAND)
		model->cmd = val;
}

static int model_vec_state(struct msix_resync *rs, unsigned int i)
{
	if (model->stale[i])
		return -ESTALE;
	return model->cache_mask[i] ? MSIX_RESYNC_VEC_MASKED :
				      MSIX_RESYNC_VEC_UNMASKED;
}

/* pci_msi_mask_irq(): the MSI core's cache, then the vector control word */
static void model_vec_mask(struct msix_resync *rs, unsigned int i)
{
	model->cache_mask[i] = true;
	model_write_vec_ctrl(model, i, true);
}

static bool model_vec_unmask(struct msix_resync *rs, unsigned int i)
{
	if (model->irqcore_masked[i])
		return false;
	model->cache_mask[i] = false;
	model_write_vec_ctrl(model, i, false);
	return true;
}

static const struct msix_resync_hw model_hw = {
	.read_cfg = model_read_cfg,
	.write_cfg = model_write_cfg,
	.vec_state = model_vec_state,
	.vec_mask = model_vec_mask,
	.vec_unmask = model_vec_unmask,
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

/* A device with @n vectors enabled and programmed as the driver left it. */
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
	m->cache = model_array(test, n, sizeof(*m->cache));
	m->cache_mask = model_array(test, n, sizeof(*m->cache_mask));
	m->irqcore_masked = model_array(test, n, sizeof(*m->irqcore_masked));
	m->stale = model_array(test, n, sizeof(*m->stale));
	m->host_msg = model_array(test, n, sizeof(*m->host_msg));
	m->phys = model_array(test, n, sizeof(*m->phys));
	for (i = 0; i < n; i++) {
		m->cache[i] = model_guest_msg(i);
		m->shadow[i] = m->cache[i];
		m->host_msg[i] = m->cache[i];
		m->phys[i] = m->cache[i];
		m->cache_mask[i] = pattern_masked(pat, i);
		m->shadow_mask[i] = m->cache_mask[i];
		m->irqcore_masked[i] = m->cache_mask[i];
	}
	m->enable = true;
	m->host_enabled = true;
	m->phys_enable = true;
	m->cmd = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
		 PCI_COMMAND_INTX_DISABLE;
	return m;
}

/* What msix_resync_alloc() would record for the model's device. */
static struct msix_resync *model_state(struct kunit *test, struct model *m)
{
	struct pci_dev *pdev = kunit_kzalloc(test, sizeof(*pdev), GFP_KERNEL);
	struct msix_resync *rs;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, pdev);
	pdev->msix_enabled = 1;
	pdev->msix_cap = MODEL_CAP;
	rs = kunit_kzalloc(test, struct_size(rs, vec, m->n), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, rs);
	rs->pdev = pdev;
	rs->mode = MSIX_RESYNC_MODE_MSIX;
	rs->state = MSIX_RESYNC_IDLE;
	rs->cap = MODEL_CAP;
	rs->nvec = m->n;
	for (i = 0; i < m->n; i++) {
		rs->vec[i].irq = 1000 + i;
		rs->vec[i].index = i;
	}
	return rs;
}

static void model_exit(struct kunit *test)
{
	WRITE_ONCE(msix_resync_test_hw, NULL);
	model = NULL;
}

/*
 * Could the device signal every vector correctly, now and once the driver
 * unmasks the vectors it keeps masked? The probe unmasks them through
 * the model, as the driver would, then compares the physical table.
 */
static bool model_repaired(struct model *m)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (m->shadow_mask[i])
			model_write_vec_ctrl(m, i, false);
	if (!m->phys_enable)
		return false;
	for (i = 0; i < m->n; i++)
		if (m->phys[i].addr != m->cache[i].addr ||
		    m->phys[i].data != m->cache[i].data)
			return false;
	return true;
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
static const unsigned int model_nvec[] = { 1, 2, 16, 2048 };

#define N_PARAMS (3 * 2 * ARRAY_SIZE(model_nvec) * 4)
static struct model_param model_params[N_PARAMS];

static const void *model_gen_params(const void *prev, char *desc)
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

static unsigned int model_unmasked(const struct model_param *p)
{
	unsigned int i, u = 0;

	for (i = 0; i < p->n; i++)
		u += !pattern_masked(p->pat, i);
	return u;
}

/* Without the library: the seed's table (BRIEF 7). */
static void model_stock_test(struct kunit *test)
{
	const struct model_param *p = test->param_value;
	unsigned int u = model_unmasked(p), signals;
	struct model *m = model_new(test, p->host, p->n, p->pat);
	bool lost_expected = p->host == HOST_PRE_3_18 || p->reset == RESET_R2;

	model = m;
	/* pci_save_state() saves nothing of MSI-X. */
	model_reset(m, p->reset);
	model_stock_restore(m);

	signals = u + (p->host == HOST_3_18_ROUTE ? u : 0);
	KUNIT_EXPECT_EQ(test, m->disables, 0);
	KUNIT_EXPECT_EQ(test, m->enables, 0);
	KUNIT_EXPECT_EQ(test, m->signals, signals);
	KUNIT_EXPECT_EQ(test, m->rewrites,
			p->host == HOST_PRE_3_18 ? 0 : signals);
	KUNIT_EXPECT_EQ_MSG(test, model_repaired(m), !lost_expected,
			    "stock restore: %s expected",
			    lost_expected ? "lost" : "repaired");
}

/* With the library: repaired everywhere. */
static void model_resync_test(struct kunit *test)
{
	const struct model_param *p = test->param_value;
	unsigned int u = model_unmasked(p), i;
	struct model *m = model_new(test, p->host, p->n, p->pat);
	struct msix_resync *rs = model_state(test, m);

	model = m;
	WRITE_ONCE(msix_resync_test_hw, &model_hw);

	KUNIT_ASSERT_EQ(test, msix_resync_quiesce(rs), 0);
	KUNIT_EXPECT_FALSE(test, m->enable);
	KUNIT_EXPECT_TRUE(test, m->maskall);
	KUNIT_EXPECT_TRUE(test, m->cmd & PCI_COMMAND_INTX_DISABLE);
	model_reset(m, p->reset);
	model_stock_restore(m);
	KUNIT_ASSERT_EQ(test, msix_resync_resume(rs), 0);

	/* BRIEF 2: one disable, one enable, a use per unmasked vector. */
	KUNIT_EXPECT_EQ(test, m->disables, 1);
	KUNIT_EXPECT_EQ(test, m->enables, 1);
	KUNIT_EXPECT_EQ(test, m->signals,
			u + (p->host == HOST_3_18_ROUTE ? u : 0));
	KUNIT_EXPECT_EQ(test, m->rewrites,
			p->n + (p->host == HOST_PRE_3_18 ? 0 : m->signals));

	KUNIT_EXPECT_TRUE(test, m->enable && !m->maskall);
	for (i = 0; i < p->n; i++) {
		bool want = pattern_masked(p->pat, i);

		if (m->shadow_mask[i] != want || m->cache_mask[i] != want) {
			KUNIT_FAIL(test, "vector %u: mask %d/%d, driver had %d",
				   i, m->shadow_mask[i], m->cache_mask[i], want);
			break;
		}
	}
	/* Every entry reprogrammed, before any probe. */
	for (i = 0; i < p->n; i++)
		if (m->phys[i].addr != m->cache[i].addr ||
		    m->phys[i].data != m->cache[i].data) {
			KUNIT_FAIL(test, "vector %u: physical entry not reprogrammed", i);
			break;
		}
	KUNIT_EXPECT_TRUE(test, model_repaired(m));
}

/* The contract, on the model: idempotence, order, faults. */
static void model_contract_test(struct kunit *test)
{
	struct model *m = model_new(test, HOST_3_18, 4, PAT_VEC0_MASKED);
	struct msix_resync *rs = model_state(test, m);
	unsigned int events;

	model = m;
	WRITE_ONCE(msix_resync_test_hw, &model_hw);

	/* Resume without quiesce: nothing written. */
	KUNIT_EXPECT_EQ(test, msix_resync_resume(rs), 0);
	KUNIT_EXPECT_EQ(test, m->signals + m->disables + m->enables, 0);

	/* Quiesce twice: the second changes nothing. */
	KUNIT_ASSERT_EQ(test, msix_resync_quiesce(rs), 0);
	events = m->signals + m->disables + m->enables;
	m->cmd = 0xdead;
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(rs), 0);
	KUNIT_EXPECT_EQ(test, m->signals + m->disables + m->enables, events);
	KUNIT_EXPECT_EQ(test, m->cmd, 0xdead);
	m->cmd = PCI_COMMAND_INTX_DISABLE;

	/* Restore skipped: -EIO, still quiesced; restore, then it resumes. */
	KUNIT_EXPECT_EQ(test, msix_resync_resume(rs), -EIO);
	KUNIT_EXPECT_FALSE(test, m->enable);
	model_stock_restore(m);
	KUNIT_EXPECT_EQ(test, msix_resync_resume(rs), 0);
	KUNIT_EXPECT_FALSE(test, m->shadow_mask[1]);
	KUNIT_EXPECT_TRUE(test, m->shadow_mask[0]);

	/* A vector the irq core masked during the window stays masked. */
	KUNIT_ASSERT_EQ(test, msix_resync_quiesce(rs), 0);
	m->irqcore_masked[2] = true;
	model_stock_restore(m);
	KUNIT_EXPECT_EQ(test, msix_resync_resume(rs), 0);
	KUNIT_EXPECT_TRUE(test, m->shadow_mask[2]);
	KUNIT_EXPECT_TRUE(test, m->cache_mask[2]);
	KUNIT_EXPECT_FALSE(test, m->shadow_mask[3]);

	/* Cancel: MSI-X back without a restore, masks as the driver had them. */
	events = m->enables;
	KUNIT_EXPECT_EQ(test, msix_resync_cancel(rs), 0);	/* not quiesced */
	KUNIT_EXPECT_EQ(test, m->enables, events);
	KUNIT_ASSERT_EQ(test, msix_resync_quiesce(rs), 0);
	KUNIT_EXPECT_FALSE(test, m->enable);
	KUNIT_EXPECT_EQ(test, msix_resync_cancel(rs), 0);
	KUNIT_EXPECT_EQ(test, m->enables, events + 1);
	KUNIT_EXPECT_TRUE(test, m->enable && !m->maskall);
	KUNIT_EXPECT_TRUE(test, m->shadow_mask[0]);
	KUNIT_EXPECT_FALSE(test, m->shadow_mask[1]);
	KUNIT_EXPECT_FALSE(test, m->cache_mask[1]);
	KUNIT_EXPECT_EQ(test, msix_resync_cancel(NULL), -EINVAL);

	/* Vanished: all ones, -ENODEV, nothing written. */
	m->gone = true;
	events = m->signals + m->disables + m->enables;
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(rs), -ENODEV);
	KUNIT_EXPECT_EQ(test, m->signals + m->disables + m->enables, events);
	m->gone = false;

	/* A vector freed underneath: -ESTALE before any write. */
	m->stale[3] = true;
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(rs), -ESTALE);
	KUNIT_EXPECT_EQ(test, m->signals + m->disables + m->enables, events);
	KUNIT_EXPECT_TRUE(test, m->enable);
	m->stale[3] = false;

	/* MSI-X turned off underneath: -ESTALE too. */
	rs->pdev->msix_enabled = 0;
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(rs), -ESTALE);
	rs->pdev->msix_enabled = 1;

	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, msix_resync_resume(NULL), -EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, msix_resync_alloc(NULL, GFP_KERNEL),
			    ERR_PTR(-EINVAL));
	msix_resync_free(NULL);
}

static struct kunit_case model_cases[] = {
	KUNIT_CASE_PARAM(model_stock_test, model_gen_params),
	KUNIT_CASE_PARAM(model_resync_test, model_gen_params),
	KUNIT_CASE(model_contract_test),
	{}
};

static struct kunit_suite model_suite = {
	.name = "msix_resync_model",
	.suite_init = model_suite_init,
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

static int dev_setup_vectors(struct dev_ctx *d, int n)
{
	void __iomem *m = d->mmio;
	int i, ret;

	dev_settle();
	ret = pci_alloc_irq_vectors(d->pdev, n, n, PCI_IRQ_MSIX);
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

static int dev_init(struct kunit *test)
{
	struct pci_dev *pdev = pci_get_device(PCI_VENDOR_ID_INTEL, E1000E_MSIX_DEVICE, NULL);
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
		kunit_skip(test, "no e1000e (8086:10d3): run with --qemu_args='-device e1000e'");
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

/* Device, MSI core and irq core agree; entries hold the cached messages. */
static void dev_expect_coherent(struct kunit *test, struct dev_ctx *d)
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

		KUNIT_EXPECT_EQ_MSG(test, hw, i == DEV_MASKED_VEC, "vector %d", i);
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

/* A full cycle, quiesce and resume under a spinlock with interrupts off. */
static void dev_cycle_atomic_test(struct kunit *test)
{
	struct dev_ctx *d = dev_get(test);
	struct msix_resync *rs = msix_resync_alloc(d->pdev, GFP_KERNEL);
	static DEFINE_SPINLOCK(lock);
	unsigned long flags;
	int i, ret;

	KUNIT_ASSERT_FALSE(test, IS_ERR(rs));
	spin_lock_irqsave(&lock, flags);
	ret = msix_resync_quiesce(rs);
	spin_unlock_irqrestore(&lock, flags);
	KUNIT_EXPECT_EQ(test, ret, 0);

	pci_save_state(d->pdev);
	dev_zero_table(d);
	dev_settle();
	pci_restore_state(d->pdev);

	spin_lock_irqsave(&lock, flags);
	ret = msix_resync_resume(rs);
	spin_unlock_irqrestore(&lock, flags);
	KUNIT_EXPECT_EQ(test, ret, 0);
	msix_resync_free(rs);

	dev_expect_coherent(test, d);
	for (i = 0; i < d->nvec; i++)
		KUNIT_EXPECT_EQ_MSG(test, dev_fire(d, i), i == DEV_MASKED_VEC ? 0 : 1,
				    "vector %d", i);
}

/* Interrupts raised during the window: none delivered, not even INTx. */
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
	writel(E1000E_MSIX_CAUSES, d->mmio + E1000_IMS);
	dev_expect_coherent(test, d);
	for (i = 0; i < d->nvec; i++)
		KUNIT_EXPECT_EQ_MSG(test, dev_fire(d, i), i == DEV_MASKED_VEC ? 0 : 1,
				    "vector %d", i);
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

/* Vectors freed, then reallocated: -ESTALE, the device untouched. */
static void dev_stale_test(struct kunit *test)
{
	struct dev_ctx *d = dev_get(test);
	struct msix_resync *rs = msix_resync_alloc(d->pdev, GFP_KERNEL);
	u16 ctrl;

	KUNIT_ASSERT_FALSE(test, IS_ERR(rs));
	dev_free_vectors(d);
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(rs), -ESTALE);
	KUNIT_ASSERT_EQ(test, dev_setup_vectors(d, 3), 0);
	KUNIT_EXPECT_EQ(test, msix_resync_quiesce(rs), -ESTALE);
	pci_read_config_word(d->pdev, d->pdev->msix_cap + PCI_MSIX_FLAGS, &ctrl);
	KUNIT_EXPECT_TRUE(test, ctrl & PCI_MSIX_FLAGS_ENABLE);
	msix_resync_free(rs);
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

	current->fail_nth = 1;
	rs = msix_resync_alloc(d->pdev, GFP_NOWAIT);
	current->fail_nth = 0;
	KUNIT_EXPECT_PTR_EQ(test, rs, ERR_PTR(-ENOMEM));
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

static struct kunit_case dev_cases[] = {
	KUNIT_CASE(dev_cycle_atomic_test),
	KUNIT_CASE(dev_storm_test),
	KUNIT_CASE(dev_order_test),
	KUNIT_CASE(dev_stale_test),
	KUNIT_CASE(dev_vanished_test),
	KUNIT_CASE(dev_alloc_fail_test),
	KUNIT_CASE(dev_alloc_free_cycles_test),
	{}
};

static struct kunit_suite dev_suite = {
	.name = "msix_resync_device",
	.init = dev_init,
	.exit = dev_exit,
	.test_cases = dev_cases,
};

kunit_test_suites(&model_suite, &dev_suite);

MODULE_DESCRIPTION("KUnit tests for msix-resync");
MODULE_LICENSE("GPL");
