// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_tool: the nested VFIO test's hands on the physical device and disk.
 * Built static (scripts/vfio-build.sh tool); runs in L0, L1 and L2.
 *
 *   vfio_tool dump BDF LABEL COUNT   (L1) print Message Control and the
 *                                    first COUNT MSI-X entries as the
 *                                    device holds them
 *   vfio_tool reset BDF R1|R2|R3     (L1) play a backdoor reset: zero the
 *                                    address and data of every used entry
 *                                    (R1); also clear MSI-X Enable (R2);
 *                                    a real reset, a secondary bus reset
 *                                    of the device's root port (R3)
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
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PCI_CAP_PTR	0x34
#define PCI_CAP_ID_MSIX	0x11
#define PCI_CAP_ID_EXP	0x10
#define PCI_EXP_DEVCAP_FLR	0x10000000u
#define PCI_BRIDGE_CONTROL	0x3e
#define PCI_BRIDGE_CTL_BUS_RESET	0x40
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

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A capability's offset in config space, 0 if absent. */
static unsigned int find_cap(int cfg, unsigned int want)
{
	unsigned int pos;
	int guard = 48;

	for (pos = cfg_read(cfg, PCI_CAP_PTR, 1) & ~3u; pos && guard--;
	     pos = cfg_read(cfg, pos + 1, 1) & ~3u)
		if (cfg_read(cfg, pos, 1) == want)
			return pos;
	return 0;
}

static void msix_open(struct msix *m, const char *bdf)
{
	char path[256];
	unsigned int tbl, bar, off;
	int fd;
	long page = sysconf(_SC_PAGESIZE);

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	m->cfg = open(path, O_RDWR);
	if (m->cfg < 0)
		die("cannot open %s", path);
	if (cfg_read(m->cfg, 0, 4) == 0xffffffff) {
		errno = ENODEV;
		die("%s reads all ones", bdf);
	}
	m->cap = find_cap(m->cfg, PCI_CAP_ID_MSIX);
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
	unsigned int ctrl, i, exp;

	msix_open(&m, bdf);
	ctrl = cfg_read(m.cfg, m.cap + 2, 2);
	exp = find_cap(m.cfg, PCI_CAP_ID_EXP);
	printf("L1-DUMP %s ctrl=%#06x enable=%u maskall=%u size=%u", label,
	       ctrl, !!(ctrl & MSIX_ENABLE), !!(ctrl & MSIX_MASKALL), m.size);
	printf(" command=%#06x bar0=%#010x flr=%u\n", cfg_read(m.cfg, 4, 2),
	       cfg_read(m.cfg, 0x10, 4),
	       exp ? !!(cfg_read(m.cfg, exp + 4, 4) & PCI_EXP_DEVCAP_FLR) : 0);
	for (i = 0; i < count && i < m.size; i++) {
		volatile uint32_t *e = m.table + 4 * i;
		uint64_t addr = ((uint64_t)e[1] << 32) | e[0];

		printf("L1-DUMP %s entry=%u addr=0x%016llx data=0x%08x masked=%u\n",
		       label, i, (unsigned long long)addr, e[2], e[3] & 1);
	}
	fflush(stdout);
	return 0;
}

/*
 * R3: the device's whole function reset, as a real backdoor reset does it
 * (config space, BARs, Command, MSI-X table and Enable, the device's own
 * registers): Secondary Bus Reset in the Bridge Control of the port above
 * it, held 2 ms, then 100 ms for the device to come back (PCIe's
 * Trhfa is 100 ms). Written through the port's sysfs config file: the
 * kernel and vfio-pci, which own the device, see nothing.
 */
static int bus_reset(const char *bdf, struct msix *m)
{
	char path[256], port[PATH_MAX], pcfg[PATH_MAX + 8], *slash;
	unsigned int ctrl = cfg_read(m->cfg, m->cap + 2, 2), bc;
	uint16_t w;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	if (!realpath(path, port))
		die("cannot resolve %s", path);
	slash = strrchr(port, '/');
	if (!slash)
		die("no parent port above %s", bdf);
	*slash = '\0';
	snprintf(pcfg, sizeof(pcfg), "%s/config", port);
	fd = open(pcfg, O_RDWR);
	if (fd < 0)
		die("cannot open %s", pcfg);
	bc = cfg_read(fd, PCI_BRIDGE_CONTROL, 2);
	w = bc | PCI_BRIDGE_CTL_BUS_RESET;
	if (pwrite(fd, &w, 2, PCI_BRIDGE_CONTROL) != 2)
		die("cannot write Bridge Control of %s", pcfg);
	pause_ms(2);
	w = bc & ~PCI_BRIDGE_CTL_BUS_RESET;
	if (pwrite(fd, &w, 2, PCI_BRIDGE_CONTROL) != 2)
		die("cannot write Bridge Control of %s", pcfg);
	close(fd);
	pause_ms(100);
	printf("L1-RESET R3 secondary bus reset of %s ctrl=%#06x->%#06x", port,
	       ctrl, cfg_read(m->cfg, m->cap + 2, 2));
	printf(" command=%#06x bar0=%#010x\n", cfg_read(m->cfg, 4, 2),
	       cfg_read(m->cfg, 0x10, 4));
	fflush(stdout);
	return 0;
}

static int play_reset(const char *bdf, const char *kind)
{
	struct msix m;
	unsigned int i, ctrl, zeroed = 0;
	uint16_t w;

	if (strcmp(kind, "R1") && strcmp(kind, "R2") && strcmp(kind, "R3")) {
		errno = EINVAL;
		die("reset kind %s: use R1, R2 or R3", kind);
	}
	msix_open(&m, bdf);
	if (!strcmp(kind, "R3"))
		return bus_reset(bdf, &m);
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
	/* a write per line: L1's and L2's init send it to /dev/kmsg */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && !strcmp(argv[1], "dump"))
		return dump(argv[2], argv[3], strtoul(argv[4], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "reset"))
		return play_reset(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "pattern"))
		return pattern(argv[2], strtoull(argv[3], NULL, 0));
	if (argc >= 4 && !strcmp(argv[1], "read"))
		return readcheck(argv[2], argc - 3, argv + 3);
	fprintf(stderr,
		"usage: vfio_tool dump BDF LABEL COUNT | reset BDF R1|R2|R3 |\n"
		"       pattern FILE BYTES | read DEV OFFSET...\n");
	return 2;
}
