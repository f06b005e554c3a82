// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_tool: the nested VFIO test's hands on the physical device and disk.
 * Built static (scripts/vfio-build.sh tool); runs in L0, L1 and L2.
 *
 *   vfio_tool dump BDF LABEL COUNT   (L1) print Message Control and the
 *                                    first COUNT MSI-X entries as the
 *                                    device holds them
 *   vfio_tool reset BDF R1|R2        (L1) play a backdoor reset: zero the
 *                                    address and data of every used entry
 *                                    (R1); also clear MSI-X Enable (R2)
 *   vfio_tool pattern FILE BYTES     (L0) write the disk's known pattern
 *   vfio_tool read DEV OFFSET...     (L2) 4 KiB O_DIRECT reads, timed,
 *                                    compared with the pattern
 *
 * BDF is a sysfs PCI name (0000:01:00.0). Config space goes through
 * /sys/bus/pci/devices/BDF/config, the table through an mmap of the BAR's
 * resource file: with iomem=relaxed this works while vfio-pci owns the
 * device, which is exactly a backdoor the hypervisor does not see.
 *
 * Copyright (C) 2026 The msix-resync authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PCI_CAP_PTR	0x34
#define PCI_CAP_ID_MSIX	0x11
#define MSIX_ENABLE	0x8000
#define MSIX_MASKALL	0x4000
#define SECTOR		512
#define READ_SIZE	4096

struct msix {
	int cfg;		/* config space fd */
	unsigned int cap;	/* capability offset */
	unsigned int size;	/* table entries */
	volatile uint32_t *table;
	void *map;
	size_t maplen;
};

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "vfio_tool: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, ": %s\n", errno ? strerror(errno) : "failed");
	exit(1);
}

static unsigned int cfg_read(int fd, unsigned int off, unsigned int len)
{
	uint32_t v = 0;

	if (pread(fd, &v, len, off) != (ssize_t)len)
		die("config read at %s", "offset");
	return v;
}

static void msix_open(struct msix *m, const char *bdf)
{
	char path[256];
	unsigned int pos, id, tbl, bar, off;
	int guard = 48, fd;
	long page = sysconf(_SC_PAGESIZE);

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	m->cfg = open(path, O_RDWR);
	if (m->cfg < 0)
		die("cannot open %s", path);
	if (cfg_read(m->cfg, 0, 4) == 0xffffffff) {
		errno = ENODEV;
		die("%s reads all ones", bdf);
	}
	m->cap = 0;
	for (pos = cfg_read(m->cfg, PCI_CAP_PTR, 1) & ~3u; pos && guard--;
	     pos = cfg_read(m->cfg, pos + 1, 1) & ~3u) {
		id = cfg_read(m->cfg, pos, 1);
		if (id == PCI_CAP_ID_MSIX) {
			m->cap = pos;
			break;
		}
	}
	if (!m->cap) {
		errno = ENOENT;
		die("%s has no MSI-X capability", bdf);
	}
	m->size = (cfg_read(m->cfg, m->cap + 2, 2) & 0x7ff) + 1;
	tbl = cfg_read(m->cfg, m->cap + 4, 4);
	bar = tbl & 7;
	off = tbl & ~7u;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%u",
		 bdf, bar);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		die("cannot open %s", path);
	m->maplen = (off + m->size * 16 + page - 1) & ~(page - 1);
	m->map = mmap(NULL, m->maplen, PROT_READ | PROT_WRITE, MAP_SHARED,
		      fd, 0);
	if (m->map == MAP_FAILED)
		die("cannot mmap %s (boot with iomem=relaxed)", path);
	close(fd);
	m->table = (volatile uint32_t *)((char *)m->map + off);
}

static int dump(const char *bdf, const char *label, unsigned int count)
{
	struct msix m;
	unsigned int ctrl, i;

	msix_open(&m, bdf);
	ctrl = cfg_read(m.cfg, m.cap + 2, 2);
	printf("L1-DUMP %s ctrl=%#06x enable=%u maskall=%u size=%u\n", label,
	       ctrl, !!(ctrl & MSIX_ENABLE), !!(ctrl & MSIX_MASKALL), m.size);
	for (i = 0; i < count && i < m.size; i++) {
		volatile uint32_t *e = m.table + 4 * i;
		uint64_t addr = ((uint64_t)e[1] << 32) | e[0];

		printf("L1-DUMP %s entry=%u addr=0x%016llx data=0x%08x masked=%u\n",
		       label, i, (unsigned long long)addr, e[2], e[3] & 1);
	}
	fflush(stdout);
	return 0;
}

static int play_reset(const char *bdf, const char *kind)
{
	struct msix m;
	unsigned int i, ctrl, zeroed = 0;
	uint16_t w;

	if (strcmp(kind, "R1") && strcmp(kind, "R2")) {
		errno = EINVAL;
		die("reset kind %s: use R1 or R2", kind);
	}
	msix_open(&m, bdf);
	for (i = 0; i < m.size; i++) {
		volatile uint32_t *e = m.table + 4 * i;

		if (!e[0] && !e[1] && !e[2])
			continue;
		e[0] = 0;
		e[1] = 0;
		e[2] = 0;
		zeroed++;
	}
	(void)m.table[3];	/* flush the posted writes */
	ctrl = cfg_read(m.cfg, m.cap + 2, 2);
	if (!strcmp(kind, "R2")) {
		w = ctrl & ~MSIX_ENABLE;
		if (pwrite(m.cfg, &w, 2, m.cap + 2) != 2)
			die("cannot write Message Control of %s", bdf);
	}
	printf("L1-RESET %s zeroed=%u ctrl=%#06x->%#06x\n", kind, zeroed, ctrl,
	       cfg_read(m.cfg, m.cap + 2, 2));
	fflush(stdout);
	return 0;
}

/* The disk's known content: every sector says which it is. */
static void fill(unsigned char *buf, unsigned long long off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += SECTOR) {
		char line[40];
		int n = snprintf(line, sizeof(line),
				 "msix-resync sector %010llu\n",
				 (off + i) / SECTOR);
		size_t j;

		for (j = 0; j < SECTOR; j++)
			buf[i + j] = line[j % n];
	}
}

static int pattern(const char *file, unsigned long long bytes)
{
	static unsigned char buf[1 << 16];
	unsigned long long off;
	FILE *f = fopen(file, "wb");

	if (!f)
		die("cannot create %s", file);
	for (off = 0; off < bytes; off += sizeof(buf)) {
		fill(buf, off, sizeof(buf));
		if (fwrite(buf, 1, sizeof(buf), f) != sizeof(buf))
			die("cannot write %s", file);
	}
	if (fclose(f))
		die("cannot write %s", file);
	return 0;
}

static int readcheck(const char *dev, int n, char **offs)
{
	unsigned char want[READ_SIZE], *buf;
	int fd, i, bad = 0;

	if (posix_memalign((void **)&buf, READ_SIZE, READ_SIZE))
		die("out of memory for %s", dev);
	fd = open(dev, O_RDONLY | O_DIRECT);
	if (fd < 0)
		die("cannot open %s", dev);
	for (i = 0; i < n; i++) {
		unsigned long long off = strtoull(offs[i], NULL, 0);
		struct timespec t0, t1;
		ssize_t got;
		long ms;

		memset(buf, 0, READ_SIZE);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		got = pread(fd, buf, READ_SIZE, off);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (t1.tv_sec - t0.tv_sec) * 1000 +
		     (t1.tv_nsec - t0.tv_nsec) / 1000000;
		fill(want, off, READ_SIZE);
		if (got != READ_SIZE || memcmp(buf, want, READ_SIZE))
			bad++;
		printf("L2-READ off=%llu bytes=%zd ms=%ld data=%s\n", off, got,
		       ms, got == READ_SIZE && !memcmp(buf, want, READ_SIZE) ?
		       "match" : "MISMATCH");
	}
	fflush(stdout);
	close(fd);
	free(buf);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "dump"))
		return dump(argv[2], argv[3], strtoul(argv[4], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "reset"))
		return play_reset(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "pattern"))
		return pattern(argv[2], strtoull(argv[3], NULL, 0));
	if (argc >= 4 && !strcmp(argv[1], "read"))
		return readcheck(argv[2], argc - 3, argv + 3);
	fprintf(stderr,
		"usage: vfio_tool dump BDF LABEL COUNT | reset BDF R1|R2 |\n"
		"       pattern FILE BYTES | read DEV OFFSET...\n");
	return 2;
}
