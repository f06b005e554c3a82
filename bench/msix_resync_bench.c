// SPDX-License-Identifier: GPL-2.0
/*
 * msix-resync benchmark, run in a QEMU guest (make bench).
 *
 * Binds a virtio-net-pci device created with many MSI-X vectors and, for
 * each vector count n, times what a driver can do around a reset the
 * hypervisor does not see:
 *
 *   resync    msix_resync_quiesce() + msix_resync_resume(), timed
 *             around an untimed save and restore
 *   saverest  pci_save_state() + pci_restore_state(), common to all
 *   cycle     quiesce + save + restore + resume, the whole sequence
 *   after     msix_resync_after_reset(), timed after an untimed save and
 *             restore (for a driver that learns of the reset afterwards)
 *   core      what the PCI core fix adds to each restore (candidate (c) of
 *             Documentation/design.rst): the one Message Control write
 *             that clears Enable before pci_restore_state(), timed
 *   realloc   free_irq() of every vector, pci_free_irq_vectors(),
 *             pci_alloc_irq_vectors(), request_irq() of every vector
 *             (mlx5, bnxt, qla2xxx)
 *   perirq    free_irq() + request_irq() of every vector (cxgb4)
 *
 * It prints one "BENCH" line per method and n with the median and the
 * spread of the runs in nanoseconds. Around the first run of each it
 * writes marker bytes to PCI_CACHE_LINE_SIZE, so that the host can count,
 * in QEMU's trace, the accesses the hypervisor had to trap for one run.
 */

#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/msix_resync.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/sort.h>

static int runs = 30;
module_param(runs, int, 0444);
MODULE_PARM_DESC(runs, "timed runs per method and vector count");

static char *counts = "1,4,16,64,256,1024,2048";
module_param(counts, charp, 0444);
MODULE_PARM_DESC(counts, "vector counts to measure, comma separated");

struct bench {
	struct pci_dev *pdev;
	int nvec;
	u8 cls;
	u8 mark;
	u64 *t;
};

static irqreturn_t bench_isr(int irq, void *data)
{
	return IRQ_HANDLED;
}

static void bench_mark(struct bench *b, const char *what, int n, const char *edge)
{
	b->mark = b->mark == 0x7f ? 1 : b->mark + 1;
	pci_write_config_byte(b->pdev, PCI_CACHE_LINE_SIZE, 0x80 | b->mark);
	pci_write_config_byte(b->pdev, PCI_CACHE_LINE_SIZE, b->cls);
	pr_info("msix_resync_bench: MARK %#x %s:%d:%s\n", 0x80 | b->mark, what, n, edge);
}

static int bench_request(struct bench *b, int n)
{
	int i, ret;

	for (i = 0; i < n; i++) {
		ret = request_irq(pci_irq_vector(b->pdev, i), bench_isr, 0,
				  "msix_resync_bench", b);
		if (ret) {
			while (--i >= 0)
				free_irq(pci_irq_vector(b->pdev, i), b);
			return ret;
		}
	}
	return 0;
}

static void bench_release(struct bench *b, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free_irq(pci_irq_vector(b->pdev, i), b);
}

static int bench_setup(struct bench *b, int n)
{
	int ret = pci_alloc_irq_vectors(b->pdev, n, n, PCI_IRQ_MSIX);

	if (ret < 0)
		return ret;
	ret = bench_request(b, n);
	if (ret) {
		pci_free_irq_vectors(b->pdev);
		return ret;
	}
	b->nvec = n;
	return 0;
}

static void bench_teardown(struct bench *b)
{
	bench_release(b, b->nvec);
	pci_free_irq_vectors(b->pdev);
	b->nvec = 0;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void bench_report(struct bench *b, const char *what, int n)
{
	sort(b->t, runs, sizeof(u64), cmp_u64, NULL);
	pr_info("msix_resync_bench: BENCH method=%s n=%d runs=%d median_ns=%llu p10_ns=%llu p90_ns=%llu\n",
		what, n, runs, b->t[runs / 2], b->t[runs / 10],
		b->t[runs - 1 - runs / 10]);
}

enum bench_method {
	M_RESYNC, M_SAVEREST, M_CYCLE, M_AFTER, M_CORE, M_REALLOC, M_PERIRQ
};

static const char * const method_name[] = {
	"resync", "saverest", "cycle", "after", "core", "realloc", "perirq"
};

/*
 * One run of a method: its time in *ns; 0 or an error that ends the
 * method. "resync" times only quiesce and resume, in a whole cycle: resume
 * needs the restore between them.
 */
static int bench_run(struct bench *b, struct msix_resync *rs,
		     enum bench_method m, int n, u64 *ns)
{
	u64 t0 = ktime_get_ns(), t1, t2;
	u16 ctrl;
	int ret = 0;

	switch (m) {
	case M_RESYNC:
		ret = msix_resync_quiesce(rs);
		t1 = ktime_get_ns();
		pci_save_state(b->pdev);
		pci_restore_state(b->pdev);
		t2 = ktime_get_ns();
		ret = ret ?: msix_resync_resume(rs);
		*ns = ktime_get_ns() - t2 + t1 - t0;
		return ret;
	case M_SAVEREST:
		pci_save_state(b->pdev);
		pci_restore_state(b->pdev);
		break;
	case M_CYCLE:
		ret = msix_resync_quiesce(rs);
		pci_save_state(b->pdev);
		pci_restore_state(b->pdev);
		ret = ret ?: msix_resync_resume(rs);
		break;
	case M_AFTER:
		pci_save_state(b->pdev);
		pci_restore_state(b->pdev);
		t0 = ktime_get_ns();
		ret = msix_resync_after_reset(b->pdev);
		break;
	case M_CORE:
		/* as the fixed __pci_restore_msix_state() does first */
		pci_save_state(b->pdev);
		t0 = ktime_get_ns();
		pci_read_config_word(b->pdev, b->pdev->msix_cap + PCI_MSIX_FLAGS, &ctrl);
		pci_write_config_word(b->pdev, b->pdev->msix_cap + PCI_MSIX_FLAGS,
				      ctrl & ~PCI_MSIX_FLAGS_ENABLE);
		t1 = ktime_get_ns();
		pci_restore_state(b->pdev);
		*ns = t1 - t0;
		return 0;
	case M_REALLOC:
		bench_teardown(b);
		ret = bench_setup(b, n);
		break;
	case M_PERIRQ:
		bench_release(b, n);
		ret = bench_request(b, n);
		break;
	}
	*ns = ktime_get_ns() - t0;
	return ret;
}

static void bench_count(struct bench *b, int n)
{
	struct msix_resync *rs;
	enum bench_method m;
	int i, ret;

	ret = bench_setup(b, n);
	if (ret) {
		pr_info("msix_resync_bench: SKIP n=%d setup=%d\n", n, ret);
		return;
	}
	for (m = M_RESYNC; m <= M_PERIRQ; m++) {
		rs = msix_resync_alloc(b->pdev, GFP_KERNEL);
		if (IS_ERR(rs)) {
			pr_info("msix_resync_bench: SKIP n=%d alloc=%ld\n", n, PTR_ERR(rs));
			break;
		}
		if (m == M_RESYNC)
			pr_info("msix_resync_bench: MEM n=%d bytes=%zu\n", n, ksize(rs));
		/* the counted run; quiesce and resume also on their own */
		bench_mark(b, method_name[m], n, "begin");
		if (m == M_RESYNC) {
			bench_mark(b, "quiesce", n, "begin");
			ret = msix_resync_quiesce(rs);
			bench_mark(b, "quiesce", n, "end");
			pci_save_state(b->pdev);
			pci_restore_state(b->pdev);
			bench_mark(b, "resume", n, "begin");
			ret = ret ?: msix_resync_resume(rs);
			bench_mark(b, "resume", n, "end");
		} else {
			ret = bench_run(b, rs, m, n, &b->t[0]);
		}
		bench_mark(b, method_name[m], n, "end");
		for (i = 0; i < runs && !ret; i++)
			ret = bench_run(b, rs, m, n, &b->t[i]);
		/* realloc invalidates the state; the next method takes a new one */
		msix_resync_free(rs);
		if (ret) {
			pr_info("msix_resync_bench: SKIP method=%s n=%d err=%d\n",
				method_name[m], n, ret);
			break;
		}
		bench_report(b, method_name[m], n);
	}
	if (b->nvec)
		bench_teardown(b);
}

static int bench_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct bench *b;
	char *list, *p, *tok;
	int n, ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	pci_set_master(pdev);
	b = devm_kzalloc(&pdev->dev, sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->t = devm_kcalloc(&pdev->dev, max(runs, 1), sizeof(u64), GFP_KERNEL);
	list = devm_kstrdup(&pdev->dev, counts, GFP_KERNEL);
	if (!b->t || !list || runs < 1)
		return -EINVAL;
	b->pdev = pdev;
	pci_read_config_byte(pdev, PCI_CACHE_LINE_SIZE, &b->cls);
	pr_info("msix_resync_bench: START table_size=%d runs=%d\n",
		pci_msix_vec_count(pdev), runs);
	p = list;
	while ((tok = strsep(&p, ","))) {
		if (kstrtoint(tok, 0, &n) || n < 1)
			continue;
		if (n > pci_msix_vec_count(pdev)) {
			pr_info("msix_resync_bench: SKIP n=%d table_size=%d\n", n,
				pci_msix_vec_count(pdev));
			continue;
		}
		bench_count(b, n);
	}
	pr_info("msix_resync_bench: DONE\n");
	return 0;
}

static const struct pci_device_id bench_ids[] = {
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1000) },	/* virtio-net, transitional */
	{ PCI_DEVICE(PCI_VENDOR_ID_REDHAT_QUMRANET, 0x1041) },	/* virtio-net, modern */
	{ }
};
MODULE_DEVICE_TABLE(pci, bench_ids);

static struct pci_driver bench_driver = {
	.name = "msix_resync_bench",
	.id_table = bench_ids,
	.probe = bench_probe,
};
module_pci_driver(bench_driver);

MODULE_DESCRIPTION("msix-resync benchmark against free/realloc and per-irq re-request");
MODULE_LICENSE("GPL");
