// SPDX-License-Identifier: GPL-2.0
/*
 * dma.c - a real DMA master reads and writes a bound buffer: QEMU's edu
 * device, driven from user space through sysfs (its BAR0 "resource0" and
 * its PCI "config"), copies data out of chrmem into its own memory and
 * back in at another offset, at the addresses sysfs dma_addr gives.
 *
 * Guest lanes (tests/run-guest-suites):
 *   no IOMMU:  --qemu-args '-device edu' --mem 256M; dma_addr must equal
 *              phys_addr (edu masks addresses to 28 bits: all of memory
 *              below 256 MiB keeps it within reach)
 *   IOMMU:     --qemu-args '-machine q35 -device intel-iommu -device edu'
 *              --append intel_iommu=on; dma_addr must differ from
 *              phys_addr and be one range, and the data must still arrive
 *   arm64:     --qemu-args '-machine iommu=smmuv3 -device edu' --append
 *              pci_stub.ids=1234:11e8 (tests/arm64/check): on a platform
 *              whose firmware describes the IOMMU (device tree, ACPI IORT)
 *              a device is put behind it when a driver first binds, so
 *              edu is given to pci-stub at boot and taken back here before
 *              each test; the module is loaded without dma_device= (edu
 *              has a driver then), which the parameter's test skips
 * A chrmem dma-buf goes to a kernel driver through the test-only
 * chrmem_importer module (tests/dmabuf-importer, /chrmem/chrmem_importer.ko
 * in the guest), which maps it for edu.
 * Every lane loads pci-stub (tests/vm/run --kernel-module pci-stub), the
 * driver that edu is given and taken from.
 * CHRMEM_DMA_IOMMU=1 or 0 says which lane this is (default: whether
 * /sys/class/iommu has an entry). Each copy runs in every cache mode; the
 * map mode is the lane's.
 *
 * edu (QEMU's hw/misc/edu.c): vendor:device 1234:11e8; registers in BAR0:
 * DMA source 0x80, destination 0x88, count 0x90, command 0x98 (bit 0
 * start, bit 1 direction: 1 = from edu's memory to RAM; bit 0 clears when
 * done, about 100 ms later); edu's 4 KiB memory at bus address 0x40000.
 * QEMU 7.2's edu aborts on a 4 KiB transfer: at most 2 KiB at a time.
 *
 * Without edu this suite skips, or fails in strict mode (CHRMEM_STRICT).
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <grp.h>
#include <unistd.h>

#include "chrmem_test.h"
#include "dmabuf-importer/importer.h"

#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_COUNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_CMD_START	0x1
#define EDU_CMD_TO_RAM	0x2
#define EDU_BUFFER	0x40000ULL
#define EDU_MAX_COPY	2048
#define EDU_MASK_BITS	28
#define PCI_COMMAND	4
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define MAX_SEGMENTS	4096
#define PCI_STUB	"/sys/bus/pci/drivers/pci-stub"

struct segment {
	uint64_t offset, size, addr;
};

struct edu {
	char bdf[32];
	volatile uint8_t *regs;
	size_t regs_len;
};

/* ---- edu ------------------------------------------------------------- */

static int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n, done = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	while ((size_t)done < len - 1 &&
	       (n = read(fd, buf + done, len - 1 - done)) > 0)
		done += n;
	close(fd);
	buf[done] = '\0';
	return n < 0 ? -errno : 0;
}

/* The PCI address of the first edu device, or false. */
static bool find_edu(char *bdf, size_t len)
{
	return find_pci_device(EDU_VENDOR, EDU_DEVICE, NULL, bdf, len);
}

/* Memory decoding and bus mastering on, in the command register. */
static int edu_enable_master(const char *bdf)
{
	char path[256];
	uint16_t cmd;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -errno;
	if (pread(fd, &cmd, 2, PCI_COMMAND) != 2)
		ret = -EIO;
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (!ret && pwrite(fd, &cmd, 2, PCI_COMMAND) != 2)
		ret = -EIO;
	close(fd);
	return ret;
}

/* Gives edu to pci-stub (or takes it back when @driver is ""). */
static int edu_set_driver(const char *bdf, const char *driver)
{
	char path[256];
	int ret;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	ret = write_text(path, *driver ? driver : "\n");
	if (ret || *driver)
		return ret ? ret : write_text("/sys/bus/pci/drivers_probe", bdf);
	return write_text(PCI_STUB "/unbind", bdf);
}

/* Whether a driver has edu; pci-stub is the only one it ever gets. */
static bool edu_has_driver(const char *bdf)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	return access(path, F_OK) == 0;
}

static void edu_open_(struct th_test *_metadata, struct edu *edu)
{
	char path[256];
	int fd;

	if (!find_edu(edu->bdf, sizeof(edu->bdf))) {
		if (!th_strict())
			SKIP("no edu device (QEMU: -device edu)");
		TH_LOG("no PCI device %s:%s (edu) in /sys/bus/pci/devices",
		       EDU_VENDOR, EDU_DEVICE);
		ASSERT_TRUE(false);
	}
	/* Given to pci-stub at boot (arm64: see the top), it comes back. */
	if (edu_has_driver(edu->bdf))
		ASSERT_ERR(0, -edu_set_driver(edu->bdf, ""));
	ASSERT_ERR(0, -edu_enable_master(edu->bdf));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", edu->bdf);
	fd = open(path, O_RDWR | O_SYNC);
	ASSERT_OK(fd);
	edu->regs_len = page_size();
	edu->regs = mmap(NULL, edu->regs_len, PROT_READ | PROT_WRITE,
			 MAP_SHARED, fd, 0);
	close(fd);
	ASSERT_NE(MAP_FAILED, (void *)edu->regs);
}
#define edu_open(edu)	edu_open_(_metadata, edu)

static void edu_close(struct edu *edu)
{
	if (edu->regs && edu->regs != MAP_FAILED)
		munmap((void *)edu->regs, edu->regs_len);
}

static void edu_write64(struct edu *edu, unsigned int reg, uint64_t value)
{
	*(volatile uint64_t *)(edu->regs + reg) = value;
}

static uint64_t edu_read64(struct edu *edu, unsigned int reg)
{
	return *(volatile uint64_t *)(edu->regs + reg);
}

/* One edu transfer; waits for its end (up to 10 s). */
static void edu_dma_(struct th_test *_metadata, struct edu *edu, uint64_t src,
		     uint64_t dst, uint64_t count, bool to_ram)
{
	int waited_ms = 0;

	ASSERT_LE(count, EDU_MAX_COPY);
	edu_write64(edu, EDU_DMA_SRC, src);
	edu_write64(edu, EDU_DMA_DST, dst);
	edu_write64(edu, EDU_DMA_COUNT, count);
	edu_write64(edu, EDU_DMA_CMD, EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0));
	while (edu_read64(edu, EDU_DMA_CMD) & EDU_CMD_START) {
		if (waited_ms++ > 10000) {
			TH_LOG("edu: DMA %#llx -> %#llx (%llu bytes) still running after 10 s",
			       (unsigned long long)src, (unsigned long long)dst,
			       (unsigned long long)count);
			ASSERT_TRUE(false);
		}
		usleep(1000);
	}
}
#define edu_dma(edu, src, dst, count, to_ram) \
	edu_dma_(_metadata, edu, src, dst, count, to_ram)

/* ---- chrmem's binding ------------------------------------------------- */

static const char *attr_path(const char *attr)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", sysfs_dir(dev_index()), attr);
	return path;
}

/* Parses phys_addr or dma_addr; returns the number of lines. */
static size_t read_segments_(struct th_test *_metadata, const char *attr,
			     struct segment *segs, size_t max)
{
	static char text[MAX_SEGMENTS * 64];
	unsigned long long o, s, a;
	char *line, *save = NULL;
	size_t n = 0;

	ASSERT_ERR(0, -read_file(attr_path(attr), text, sizeof(text)));
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		ASSERT_EQ(3, sscanf(line, "%llx %llx %llx", &o, &s, &a));
		ASSERT_LT(n, max);
		segs[n++] = (struct segment){ o, s, a };
	}
	return n;
}
#define read_segments(attr, segs, max) read_segments_(_metadata, attr, segs, max)

/* The device address of buffer offset @off; [off, off + len) in one segment. */
static uint64_t dma_address_(struct th_test *_metadata, const struct segment *segs,
			     size_t n, uint64_t off, uint64_t len)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (off >= segs[i].offset && off - segs[i].offset < segs[i].size) {
			ASSERT_LE(off + len, segs[i].offset + segs[i].size);
			return segs[i].addr + (off - segs[i].offset);
		}
	}
	TH_LOG("offset %#llx is in no segment of dma_addr", (unsigned long long)off);
	ASSERT_TRUE(false);
	return 0;
}
#define dma_address(segs, n, off, len) dma_address_(_metadata, segs, n, off, len)

static bool iommu_expected(void)
{
	const char *env = getenv("CHRMEM_DMA_IOMMU");
	struct dirent *e;
	bool any = false;
	DIR *dir;

	if (env && *env)
		return atoi(env) != 0;
	dir = opendir("/sys/class/iommu");
	while (dir && (e = readdir(dir)))
		any |= e->d_name[0] != '.';
	if (dir)
		closedir(dir);
	return any;
}

static int sync_range(int fd, uint64_t off, uint64_t len, uint32_t flags)
{
	struct chrmem_sync s = { .offset = off, .length = len, .flags = flags };

	return ioctl(fd, CHRMEM_IOC_SYNC, &s);
}

FIXTURE(dma) {
	struct edu edu;
	char target[64];	/* what dma_device is bound to */
	int fd;
	uint64_t size;
	uint32_t cache_mode;	/* the device's, restored at teardown */
	struct segment segs[MAX_SEGMENTS];
	size_t nr_segs;
};

static void bind_(struct th_test *_metadata, const char *target)
{
	ASSERT_ERR(0, -write_text(attr_path("dma_device"), target));
}
#define bind(target)	bind_(_metadata, target)

FIXTURE_SETUP(dma)
{
	struct chrmem_info info;

	self->fd = open_dev(dev_index(), O_RDWR);
	self->size = dev_size(self->fd);
	get_info(self->fd, &info);
	self->cache_mode = info.cache_mode;
	edu_open(&self->edu);
	/* edu reaches 28 bits of address: its DMA mask must say so. */
	snprintf(self->target, sizeof(self->target), "%s/%d", self->edu.bdf,
		 EDU_MASK_BITS);
	bind(self->target);
	self->nr_segs = read_segments("dma_addr", self->segs, MAX_SEGMENTS);
	ASSERT_GT(self->nr_segs, 0);
}

/* Hot-removes edu, as a hotplug controller would ("remove" in sysfs). */
static void edu_remove_(struct th_test *_metadata, struct edu *edu)
{
	char path[256];

	/* The register mapping goes first: its BAR goes with the device. */
	edu_close(edu);
	edu->regs = NULL;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", edu->bdf);
	ASSERT_ERR(0, -write_text(path, "1"));
	ASSERT_FALSE(find_edu(path, sizeof(path)));
}
#define edu_remove(edu)	edu_remove_(_metadata, edu)

/* Brings a removed edu back with a bus rescan; true if it is back. */
static bool edu_rescan(void)
{
	char bdf[32];

	return !write_text("/sys/bus/pci/rescan", "1") && find_edu(bdf, sizeof(bdf));
}

FIXTURE_TEARDOWN(dma)
{
	/* A test that stopped with edu removed leaves it to the next one. */
	if (!self->edu.regs)
		edu_rescan();
	else
		edu_set_driver(self->edu.bdf, "");
	set_cache_mode(self->fd, self->cache_mode);
	edu_close(&self->edu);
	close(self->fd);
}

/*
 * Copies @len bytes from buffer offset @from to @to through edu's memory,
 * with the CPU's writes through @map (or write() if NULL) and its reads
 * through @map and read(), SYNC around the device's accesses.
 */
static void copy_through_edu_(struct th_test *_metadata, struct th_fixture_dma *self,
			      uint8_t *map, uint64_t from, uint64_t to,
			      uint64_t len, uint32_t seed)
{
	uint8_t *buf = xmalloc(len);

	fill_pattern(buf, len, from, seed);
	if (map)
		memcpy(map + from, buf, len);
	else
		pwrite_all(self->fd, buf, len, from);
	memset(buf, 0, len);
	pwrite_all(self->fd, buf, len, to);
	/* The CPU is done writing: the device may read. */
	ASSERT_OK(sync_range(self->fd, from, len, CHRMEM_SYNC_END | CHRMEM_SYNC_WRITE));
	ASSERT_OK(sync_range(self->fd, to, len, CHRMEM_SYNC_END | CHRMEM_SYNC_RW));
	edu_dma(&self->edu, dma_address(self->segs, self->nr_segs, from, len),
		EDU_BUFFER, len, false);
	edu_dma(&self->edu, EDU_BUFFER,
		dma_address(self->segs, self->nr_segs, to, len), len, true);
	/* The device is done writing: the CPU may read. */
	ASSERT_OK(sync_range(self->fd, to, len, CHRMEM_SYNC_START | CHRMEM_SYNC_READ));
	if (map)
		ASSERT_PATTERN(map + to, len, from, seed);
	pread_all(self->fd, buf, len, to);
	ASSERT_PATTERN(buf, len, from, seed);
	free(buf);
}
#define copy_through_edu(map, from, to, len, seed) \
	copy_through_edu_(_metadata, self, map, from, to, len, seed)

static uint8_t *map_all_(struct th_test *_metadata, struct th_fixture_dma *self)
{
	return map_dev(self->fd, 0, self->size, PROT_READ | PROT_WRITE, MAP_SHARED);
}
#define map_all()	map_all_(_metadata, self)

/* ---- tests ------------------------------------------------------------ */

TEST_F(dma, dma_addr_is_phys_addr_without_iommu_one_iova_range_with)
{
	struct segment phys[MAX_SEGMENTS];
	size_t n = read_segments("phys_addr", phys, MAX_SEGMENTS), i;
	uint64_t total = 0;

	for (i = 0; i < self->nr_segs; i++) {
		EXPECT_EQ(total, self->segs[i].offset);
		total += self->segs[i].size;
		/* Within edu's reach: its mask was honoured. */
		EXPECT_LE(self->segs[i].addr + self->segs[i].size, 1ULL << EDU_MASK_BITS);
	}
	EXPECT_EQ(self->size, total);
	if (iommu_expected()) {
		/* A physical address is not a device address here. */
		EXPECT_EQ(1, self->nr_segs);
		EXPECT_NE(phys[0].addr, self->segs[0].addr);
		return;
	}
	ASSERT_EQ(n, self->nr_segs);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(phys[i].offset, self->segs[i].offset);
		EXPECT_EQ(phys[i].size, self->segs[i].size);
		EXPECT_EQ(phys[i].addr, self->segs[i].addr);
	}
}

TEST_F(dma, bound_by_the_module_parameter_at_load)
{
	char param[128], shown[128];

	ASSERT_ERR(0, -read_text("/sys/module/chrmem/parameters/dma_device",
				 param, sizeof(param)));
	if (!*param)
		SKIP("the module was loaded without dma_device=");
	/* The fixture rebound it to the same device and mask. */
	sysfs_str(dev_index(), "dma_device", shown, sizeof(shown));
	EXPECT_STREQ(param, shown);
}

TEST_F_TIMEOUT(dma, edu_copies_in_every_cache_mode, 120)
{
	uint64_t len = EDU_MAX_COPY;
	uint32_t mode;
	uint8_t *map;

	ASSERT_GE(self->size, 4 * page_size());
	for (mode = 0; mode < CHRMEM_CACHE_MODES; mode++) {
		ASSERT_OK(set_cache_mode(self->fd, mode));
		map = map_all();
		/* An odd offset, and a copy that crosses a page boundary. */
		copy_through_edu(map, 0x123, page_size() + page_size() / 2 + mode,
				 len, 10 + mode);
		ASSERT_OK(munmap(map, self->size));
	}
}

TEST_F_TIMEOUT(dma, edu_copies_through_read_and_write, 60)
{
	copy_through_edu(NULL, 0, self->size - EDU_MAX_COPY, EDU_MAX_COPY, 20);
}

TEST_F_TIMEOUT(dma, edu_copies_between_the_first_and_last_segment, 60)
{
	const struct segment *last = &self->segs[self->nr_segs - 1];
	uint8_t *map = map_all();

	copy_through_edu(map, last->offset + last->size - 1000, 100, 1000, 30);
	ASSERT_OK(munmap(map, self->size));
}

TEST_F(dma, rebind_refused_while_mapped)
{
	uint8_t *map = map_all();

	EXPECT_ERR(EBUSY, -write_text(attr_path("dma_device"), "\n"));
	EXPECT_ERR(EBUSY, -write_text(attr_path("dma_device"), self->target));
	ASSERT_OK(munmap(map, self->size));
	bind(self->target);
}

static void expect_unbound_(struct th_test *_metadata, struct th_fixture_dma *self)
{
	char text[64];

	ASSERT_ERR(0, -read_file(attr_path("dma_addr"), text, sizeof(text)));
	EXPECT_STREQ("", text);
	sysfs_str(dev_index(), "dma_device", text, sizeof(text));
	EXPECT_STREQ("", text);
	EXPECT_ERRNO(ENODEV, sync_range(self->fd, 0, self->size,
					CHRMEM_SYNC_START | CHRMEM_SYNC_RW));
}
#define expect_unbound()	expect_unbound_(_metadata, self)

TEST_F(dma, unbind_empties_dma_addr_and_sync_says_enodev)
{
	char text[64];

	bind("\n");
	expect_unbound();
	bind(self->target);
	sysfs_str(dev_index(), "dma_device", text, sizeof(text));
	EXPECT_STREQ(self->target, text);
}

TEST_F(dma, bad_targets_refused)
{
	static const char *const bad[] = {
		"00:02.0", "0000:00:02", "0000:00:20.0", "0000:00:02.8",
		"0000:00:02.0/", "0000:00:02.0/23", "0000:00:02.0/65",
		"0000:00:02.0 x", "zzzz:00:02.0", "0000:00:02.0,0000:00:03.0",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = write_text(attr_path("dma_device"), bad[i]);

		if (err != -EINVAL)
			TH_LOG("dma_device \"%s\": %s", bad[i], th_errname(-err));
		EXPECT_ERR(EINVAL, -err);
	}
	/* Well-formed, but no such device. */
	EXPECT_ERR(ENODEV, -write_text(attr_path("dma_device"), "0000:ff:1f.7"));
	/* A failed bind leaves the buffer unbound. */
	EXPECT_ERRNO(ENODEV, sync_range(self->fd, 0, 1, CHRMEM_SYNC_START | CHRMEM_SYNC_READ));
}

TEST_F(dma, mask_the_buffer_cannot_meet_refused_without_iommu)
{
	struct segment phys[MAX_SEGMENTS];
	size_t n = read_segments("phys_addr", phys, MAX_SEGMENTS), i;
	bool beyond = false;
	char target[64];
	int err;

	for (i = 0; i < n; i++)
		beyond |= phys[i].addr + phys[i].size > (1ULL << 24);
	snprintf(target, sizeof(target), "%s/24", self->edu.bdf);
	err = write_text(attr_path("dma_device"), target);
	if (iommu_expected() || !beyond)
		EXPECT_ERR(0, -err);	/* IOVAs are allocated within the mask */
	else
		EXPECT_ERR(ERANGE, -err);
}

TEST_F(dma, sync_bad_ranges_and_flags_einval)
{
	struct chrmem_sync s = { .offset = 0, .length = 1, .flags = 0, .reserved = 1 };
	uint32_t ok = CHRMEM_SYNC_START | CHRMEM_SYNC_READ;

	EXPECT_ERRNO(EINVAL, sync_range(self->fd, 0, self->size + 1, ok));
	EXPECT_ERRNO(EINVAL, sync_range(self->fd, self->size, 1, ok));
	EXPECT_ERRNO(EINVAL, sync_range(self->fd, 1, 0, ok));
	EXPECT_ERRNO(EINVAL, sync_range(self->fd, UINT64_MAX, 2, ok));
	EXPECT_ERRNO(EINVAL, sync_range(self->fd, 2, UINT64_MAX, ok));
	/* Neither read nor write; an unknown bit. */
	EXPECT_ERRNO(EINVAL, sync_range(self->fd, 0, 1, CHRMEM_SYNC_END));
	EXPECT_ERRNO(EINVAL, sync_range(self->fd, 0, 1, ok | 0x8));
	EXPECT_ERRNO(EINVAL, sync_range(self->fd, 0, 1, 0x80000000u | ok));
	s.flags = ok;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, CHRMEM_IOC_SYNC, &s));
	/* The good ones, including the whole buffer and the last byte. */
	EXPECT_OK(sync_range(self->fd, 0, self->size, CHRMEM_SYNC_START | CHRMEM_SYNC_RW));
	EXPECT_OK(sync_range(self->fd, 0, self->size, CHRMEM_SYNC_END | CHRMEM_SYNC_RW));
	EXPECT_OK(sync_range(self->fd, self->size - 1, 1, CHRMEM_SYNC_END | CHRMEM_SYNC_WRITE));
}

TEST_F(dma, sync_from_a_read_only_file)
{
	int fd = open_dev(dev_index(), O_RDONLY);

	EXPECT_OK(sync_range(fd, 0, self->size, CHRMEM_SYNC_START | CHRMEM_SYNC_READ));
	close(fd);
}

/* Child of the next test: 0 if every refusal was right. */
static int unprivileged_attempts(const char *target, int opened_as_root)
{
	char path[256], text[64];
	int bad = 0;

	snprintf(path, sizeof(path), "%s", attr_path("dma_device"));
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 100;
	/* The file's mode keeps others out... */
	bad += write_text(path, "\n") != -EACCES;
	bad += read_text(attr_path("dma_addr"), text, sizeof(text)) != -EACCES;
	/* ...and a descriptor root opened is not enough either. */
	bad += write(opened_as_root, target, strlen(target)) != -1 || errno != EPERM;
	return bad;
}

TEST_F(dma, non_root_cannot_bind_or_read_dma_addr)
{
	int fd = open(attr_path("dma_device"), O_WRONLY);
	int status;
	pid_t pid;

	ASSERT_OK(fd);
	pid = fork();
	ASSERT_OK(pid);
	if (!pid)
		_exit(unprivileged_attempts(self->target, fd));
	close(fd);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}


/* ---- the bound device going away -------------------------------------- */

/* Binding and its segments afresh, for a device that came back. */
static void rebind_(struct th_test *_metadata, struct th_fixture_dma *self)
{
	ASSERT_TRUE(edu_rescan());
	edu_open(&self->edu);
	bind(self->target);
	self->nr_segs = read_segments("dma_addr", self->segs, MAX_SEGMENTS);
	ASSERT_GT(self->nr_segs, 0);
}
#define rebind()	rebind_(_metadata, self)

TEST_F_TIMEOUT(dma, hot_removal_while_mapped_unbinds_and_keeps_the_data, 120)
{
	uint8_t *map = map_all();
	uint8_t byte;

	fill_pattern(map, self->size, 0, 40);
	edu_remove(&self->edu);
	/* The binding ended with the device... */
	expect_unbound();
	/* ...and the program's mapping, which is the buffer's, did not. */
	ASSERT_PATTERN(map, self->size, 0, 40);
	map[self->size - 1] ^= 0xff;
	pread_all(self->fd, &byte, 1, self->size - 1);
	EXPECT_EQ(map[self->size - 1], byte);
	map[self->size - 1] ^= 0xff;
	/* Still no rebinding while mapped, and nothing at the old address. */
	EXPECT_ERR(EBUSY, -write_text(attr_path("dma_device"), self->target));
	ASSERT_OK(munmap(map, self->size));
	EXPECT_ERR(ENODEV, -write_text(attr_path("dma_device"), self->target));
	/* Back after a rescan: bound again, and edu's DMA reaches the buffer. */
	rebind();
	map = map_all();
	ASSERT_PATTERN(map + page_size(), page_size(), page_size(), 40);
	copy_through_edu(map, 0x10, 3 * page_size(), EDU_MAX_COPY, 41);
	ASSERT_OK(munmap(map, self->size));
}

TEST_F_TIMEOUT(dma, hot_removal_while_unmapped_then_rescan_and_rebind, 120)
{
	edu_remove(&self->edu);
	expect_unbound();
	rebind();
	copy_through_edu(NULL, self->size - EDU_MAX_COPY, 0, EDU_MAX_COPY, 42);
}

TEST_F_TIMEOUT(dma, a_driver_bound_or_unbound_ends_the_binding, 120)
{
	uint8_t *map;

	if (access(PCI_STUB, F_OK)) {
		if (!th_strict())
			SKIP("no pci-stub driver (tests/vm/run --kernel-module pci-stub)");
		TH_LOG("no %s: the lane must load pci-stub", PCI_STUB);
		ASSERT_TRUE(false);
	}
	map = map_all();
	fill_pattern(map, self->size, 0, 50);
	/* The driver owns the device's DMA mask and maybe its IOMMU domain. */
	ASSERT_ERR(0, -edu_set_driver(self->edu.bdf, "pci-stub"));
	expect_unbound();
	ASSERT_PATTERN(map, self->size, 0, 50);
	ASSERT_OK(munmap(map, self->size));
	/* A mask is the driver's to set now; the address alone binds. */
	EXPECT_ERR(EBUSY, -write_text(attr_path("dma_device"), self->target));
	bind(self->edu.bdf);
	map = map_all();
	/* The driver going ends that binding too. */
	ASSERT_ERR(0, -edu_set_driver(self->edu.bdf, ""));
	expect_unbound();
	ASSERT_PATTERN(map, self->size, 0, 50);
	ASSERT_OK(munmap(map, self->size));
	bind(self->target);
	self->nr_segs = read_segments("dma_addr", self->segs, MAX_SEGMENTS);
	map = map_all();
	/* Whatever the driver did to the command register. */
	ASSERT_ERR(0, -edu_enable_master(self->edu.bdf));
	copy_through_edu(map, 0, 2 * page_size(), EDU_MAX_COPY, 51);
	ASSERT_OK(munmap(map, self->size));
}

/* ---- a dma-buf imported by a kernel driver ----------------------------- */

static int export_range(int fd, uint64_t off, uint64_t len, uint32_t flags)
{
	struct chrmem_export_dmabuf req = {
		.offset = off, .length = len, .flags = flags,
	};

	return ioctl(fd, CHRMEM_IOC_EXPORT_DMABUF, &req);
}

static int dmabuf_sync(int dmabuf, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	return ioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &sync);
}

/* /dev/chrmem_importer, loading the module first if need be. */
static int importer_open_(struct th_test *_metadata)
{
	const char *ko = getenv("CHRMEM_IMPORTER_KO");
	int fd, kofd;

	if (access(IMPORTER_DEV, F_OK)) {
		kofd = open(ko ? ko : IMPORTER_KO, O_RDONLY | O_CLOEXEC);
		if (kofd < 0 && !th_strict())
			SKIP("no chrmem_importer module: %s", strerror(errno));
		ASSERT_OK(kofd);
		if (syscall(SYS_finit_module, kofd, "", 0) && errno != EEXIST)
			ASSERT_OK(-1);
		close(kofd);
	}
	fd = open(IMPORTER_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_OK(fd);
	return fd;
}
#define importer_open()	importer_open_(_metadata)

/* The importer's device address of dma-buf offset @off, like dma_address(). */
static uint64_t imported_address_(struct th_test *_metadata,
				  const struct importer_map *m, uint64_t off,
				  uint64_t len)
{
	uint64_t start = 0;
	uint32_t i;

	for (i = 0; i < m->nr_segs && i < IMPORTER_MAX_SEGS; i++) {
		if (off - start < m->segs[i].len) {
			ASSERT_LE(off + len, start + m->segs[i].len);
			return m->segs[i].addr + (off - start);
		}
		start += m->segs[i].len;
	}
	TH_LOG("dma-buf offset %#llx is in no segment the importer got",
	       (unsigned long long)off);
	ASSERT_TRUE(false);
	return 0;
}
#define imported_address(m, off, len) imported_address_(_metadata, m, off, len)

static void import_for_edu_(struct th_test *_metadata, struct th_fixture_dma *self,
			    int importer, int dmabuf, struct importer_map *m)
{
	unsigned int domain, bus, slot, func;

	ASSERT_EQ(4, sscanf(self->edu.bdf, "%x:%x:%x.%x", &domain, &bus, &slot, &func));
	memset(m, 0, sizeof(*m));
	m->fd = dmabuf;
	m->domain = domain;
	m->bus = bus;
	m->devfn = slot << 3 | func;
	ASSERT_OK(ioctl(importer, IMPORTER_IOC_MAP, m));
	ASSERT_GT(m->nr_segs, 0);
}
#define import_for_edu(importer, dmabuf, m) \
	import_for_edu_(_metadata, self, importer, dmabuf, m)

TEST_F_TIMEOUT(dma, a_kernel_importer_maps_an_export_for_edu, 60)
{
	uint64_t page = page_size(), off = 2 * page, len = 2 * page;
	uint64_t from = 0x100, to = page + 0x100;
	struct segment phys[MAX_SEGMENTS];
	struct importer_vmap vmap = { 0 };
	struct importer_map m;
	uint8_t *buf = xmalloc(len), *map;
	int importer = importer_open(), dmabuf;

	/* The binding's "/28" gave edu the mask the importer maps within. */
	dmabuf = export_range(self->fd, off, len, O_RDWR | O_CLOEXEC);
	ASSERT_OK(dmabuf);
	import_for_edu(importer, dmabuf, &m);
	read_segments("phys_addr", phys, MAX_SEGMENTS);
	if (iommu_expected()) {
		/* One IOVA range, not the CPU's address. */
		EXPECT_EQ(1, m.nr_segs);
		EXPECT_NE(phys[0].addr + off, m.segs[0].addr);
	} else {
		EXPECT_EQ(phys[0].addr + off, m.segs[0].addr);
	}
	fill_pattern(buf, len, 0, 70);
	pwrite_all(self->fd, buf, len, off);
	/* The CPU is done writing; edu copies within the range; the CPU reads. */
	ASSERT_OK(dmabuf_sync(dmabuf, DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE));
	edu_dma(&self->edu, imported_address(&m, from, EDU_MAX_COPY), EDU_BUFFER,
		EDU_MAX_COPY, false);
	edu_dma(&self->edu, EDU_BUFFER, imported_address(&m, to, EDU_MAX_COPY),
		EDU_MAX_COPY, true);
	ASSERT_OK(dmabuf_sync(dmabuf, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);
	ASSERT_NE(MAP_FAILED, (void *)map);
	ASSERT_PATTERN(map + to, EDU_MAX_COPY, from, 70);
	pread_all(self->fd, buf, EDU_MAX_COPY, off + to);
	ASSERT_PATTERN(buf, EDU_MAX_COPY, from, 70);
	/* The importer's kernel view (vmap) of the start of the range. */
	vmap.fd = dmabuf;
	ASSERT_OK(ioctl(importer, IMPORTER_IOC_VMAP, &vmap));
	ASSERT_PATTERN(vmap.data, sizeof(vmap.data), 0, 70);
	ASSERT_OK(munmap(map, len));
	ASSERT_OK(ioctl(importer, IMPORTER_IOC_UNMAP));
	close(dmabuf);
	close(importer);
	free(buf);
}

TEST_F_TIMEOUT(dma, hot_removal_while_exported_ends_the_binding_not_the_export, 120)
{
	uint64_t page = page_size();
	int dmabuf = export_range(self->fd, 0, page, O_RDWR);
	uint8_t *map;

	ASSERT_OK(dmabuf);
	edu_remove(&self->edu);
	expect_unbound();
	/* The export is the buffer's, not the bound device's. */
	map = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);
	ASSERT_NE(MAP_FAILED, (void *)map);
	map[5] = 0x3c;
	ASSERT_OK(munmap(map, page));
	ASSERT_TRUE(edu_rescan());
	edu_open(&self->edu);
	/* No binding while exported; after the export, as before. */
	EXPECT_ERR(EBUSY, -write_text(attr_path("dma_device"), self->target));
	close(dmabuf);
	bind(self->target);
}
