// SPDX-License-Identifier: GPL-2.0
/*
 * modes - cache modes (cached, uncached, wc) and map modes (remap, fault).
 *
 * Runs against whatever combination the module was loaded with (the
 * guest runs it once per cache_mode x map_mode, on a one-chunk and on a
 * multi-chunk buffer). The memory type of every mapping is proved from
 * the page tables with the test-only chrmem_ptebits module, never from
 * what the driver says about itself.
 *
 * Environment:
 *	CHRMEM_PTEBITS_KO  the helper module (default
 *	                   /chrmem/chrmem_ptebits.ko)
 *	CHRMEM_DISK        a scratch block device of at least 256 KiB for the
 *	                   O_DIRECT test, overwritten (default /dev/vda)
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chrmem_test.h"
#include "ptebits/ptebits.h"

#define DISK_DEFAULT	"/dev/vda"
#define DISK_SEED	19
#define DIRECT_LEN	(256 * 1024)

/* ---- helpers ---------------------------------------------------------- */

#if defined(__x86_64__) || defined(__i386__)
/* The PTE bits a mapping of memory type @mode must have, of PWT|PCD|PAT. */
static unsigned int expected_bits(unsigned int mode)
{
	switch (mode) {
	case CHRMEM_CACHE_UNCACHED:
		return PTEBITS_PCD;	/* PAT index 2: UC- */
	case CHRMEM_CACHE_WC:
		return PTEBITS_PWT;	/* PAT index 1: WC */
	default:
		return 0;		/* PAT index 0: WB */
	}
}

static bool has_memory_type(const struct ptebits_query *q, unsigned int mode)
{
	unsigned int mask = PTEBITS_PWT | PTEBITS_PCD | PTEBITS_PAT;

	return (q->bits & mask) == expected_bits(mode);
}
#elif defined(__aarch64__)
/*
 * The MAIR attribute a mapping of memory type @mode must select: Normal
 * write-back, or Normal Non-cacheable for both uncached and wc (the
 * driver's memtype_mair.c says why not Device memory).
 */
static unsigned int expected_bits(unsigned int mode)
{
	return mode == CHRMEM_CACHE_CACHED ? PTEBITS_MAIR_NORMAL : PTEBITS_MAIR_NORMAL_NC;
}

static bool has_memory_type(const struct ptebits_query *q, unsigned int mode)
{
	return (q->bits & PTEBITS_ATTR) && q->attr == expected_bits(mode);
}
#else
#error "modes knows the memory types of x86 and arm64 page tables only"
#endif

/*
 * Touches every page of [map, map + len) and checks that each is mapped
 * by a present entry of the memory type of @mode: a 4 KiB PTE, or, in a
 * mapping that is not page-backed (cached in fault mode), maybe a 2 MiB
 * PMD (the huge suite says where).
 */
static void check_pte_bits_(struct th_test *_metadata, volatile uint8_t *map,
			    size_t len, unsigned int mode)
{
	bool may_be_huge = mode != CHRMEM_CACHE_CACHED ||
			   map_mode_number(expected_map_mode()) != CHRMEM_MAP_FAULT;
	struct ptebits_query q;
	size_t off, bad = 0;
	int fd = ptebits_open();

	for (off = 0; off < len; off += page_size()) {
		(void)map[off];
		q = (struct ptebits_query){ .addr = (uintptr_t)(map + off) };
		ASSERT_OK(ioctl(fd, PTEBITS_IOC_QUERY, &q));
		if (!(q.bits & PTEBITS_PRESENT) ||
		    ((q.bits & PTEBITS_HUGE) && !may_be_huge) ||
		    !has_memory_type(&q, mode)) {
			if (!bad++)
				TH_LOG("page at +%zu: bits 0x%x attr 0x%x, want present, %s, type 0x%x (%s)",
				       off, q.bits, q.attr,
				       may_be_huge ? "any size" : "4K",
				       expected_bits(mode), cache_mode_names[mode]);
		}
	}
	close(fd);
	EXPECT_EQ(0, bad);
}
#define check_pte_bits(map, len, mode) \
	check_pte_bits_(_metadata, map, len, mode)

static char sysfs_attr_path[256];
static const char *sysfs_attr(int idx, const char *attr)
{
	snprintf(sysfs_attr_path, sizeof(sysfs_attr_path), "%s/%s",
		 sysfs_dir(idx), attr);
	return sysfs_attr_path;
}

/* ---- fixture: the device, its size and its current cache mode -------- */

FIXTURE(dev) {
	int fd;
	size_t size;
	unsigned int mode;
	struct chrmem_info info;
};

FIXTURE_SETUP(dev)
{
	self->fd = open_dev(dev_index(), O_RDWR | O_CLOEXEC);
	get_info(self->fd, &self->info);
	self->size = self->info.size;
	self->mode = self->info.cache_mode;
	ASSERT_LE(self->mode, CHRMEM_CACHE_WC);
}

FIXTURE_TEARDOWN(dev)
{
	/* Leave the device in the mode the module was loaded with. */
	set_cache_mode(self->fd, self->mode);
	close(self->fd);
}

/* ---- what the driver reports ----------------------------------------- */

TEST_F(dev, reports_modes_in_sysfs_and_info)
{
	const char *want_cache = getenv("CHRMEM_CACHE_MODE");
	const char *want_map = getenv("CHRMEM_MAP_MODE");
	char text[32];

	EXPECT_EQ(self->mode, sysfs_cache_type(dev_index(), "cache_mode"));
	sysfs_str(dev_index(), "map_mode", text, sizeof(text));
	EXPECT_STREQ(self->info.map_mode == CHRMEM_MAP_FAULT ? "fault" : "remap",
		     text);
	if (want_cache)
		EXPECT_STREQ(want_cache, cache_mode_names[self->mode]);
	if (want_map)
		EXPECT_STREQ(want_map, text);
}

/* ---- the memory type is really in force ------------------------------ */

TEST_F(dev, pte_bits_match_cache_mode_on_every_page)
{
	uint8_t *map = map_dev(self->fd, 0, self->size, PROT_READ | PROT_WRITE,
			       MAP_SHARED);

	check_pte_bits(map, self->size, self->mode);
	munmap(map, self->size);
}

TEST_F(dev, pte_bits_follow_every_mode_switch)
{
	unsigned int order[] = { CHRMEM_CACHE_UNCACHED, CHRMEM_CACHE_WC,
				 CHRMEM_CACHE_CACHED, CHRMEM_CACHE_WC,
				 CHRMEM_CACHE_UNCACHED, CHRMEM_CACHE_CACHED };
	unsigned int i;
	uint8_t *map;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		ASSERT_OK(set_cache_mode(self->fd, order[i]));
		EXPECT_EQ(order[i], sysfs_cache_type(dev_index(), "cache_mode"));
		map = map_dev(self->fd, 0, self->size, PROT_READ | PROT_WRITE,
			      MAP_SHARED);
		/* Data written in one mode must survive the switch. */
		if (i)
			EXPECT_PATTERN(map, self->size, 0, i);
		fill_pattern(map, self->size, 0, i + 1);
		check_pte_bits(map, self->size, order[i]);
		munmap(map, self->size);
	}
}

/* What sysfs and GET_INFO say of the buffer's type agree with @want. */
static void check_memory_type_(struct th_test *_metadata, int fd,
			       unsigned int want)
{
	struct chrmem_info info;

	get_info(fd, &info);
	EXPECT_EQ(want, info.memory_type);
	EXPECT_EQ(want, sysfs_cache_type(dev_index(), "memory_type"));
}
#define check_memory_type(fd, want)	check_memory_type_(_metadata, fd, want)

TEST_F(dev, o_sync_maps_uncached)
{
	int sfd = open_dev(dev_index(), O_RDWR | O_SYNC | O_CLOEXEC);
	uint8_t *map = map_dev(sfd, 0, self->size, PROT_READ | PROT_WRITE,
			       MAP_SHARED);

	check_pte_bits(map, self->size, CHRMEM_CACHE_UNCACHED);
	/* The buffer is uncached, and says so; the device's mode stays. */
	check_memory_type(self->fd, CHRMEM_CACHE_UNCACHED);
	EXPECT_EQ(self->mode, sysfs_cache_type(dev_index(), "cache_mode"));
	munmap(map, self->size);
	close(sfd);

	/*
	 * The last O_SYNC mapping took the buffer back to the device's mode
	 * at once, not at the next mapping: read() and write() use it too.
	 */
	check_memory_type(self->fd, self->mode);
	map = map_dev(self->fd, 0, self->size, PROT_READ, MAP_SHARED);
	check_pte_bits(map, self->size, self->mode);
	munmap(map, self->size);
}

/*
 * The memory type is the whole buffer's: a file that may not write the
 * device may not change it, not even through an O_SYNC mapping.
 */
TEST_F(dev, o_sync_through_read_only_file_cannot_change_the_type)
{
	int rofd = open_dev(dev_index(), O_RDONLY | O_SYNC | O_CLOEXEC);
	size_t pg = page_size();
	uint8_t *map;

	if (self->mode == CHRMEM_CACHE_UNCACHED) {
		/* No change needed: read-only O_SYNC mappings are fine. */
		map = map_dev(rofd, 0, pg, PROT_READ, MAP_SHARED);
		check_pte_bits(map, pg, CHRMEM_CACHE_UNCACHED);
		munmap(map, pg);
	} else {
		EXPECT_EQ(EACCES, try_map(rofd, 0, pg, PROT_READ, MAP_SHARED));
		EXPECT_EQ(EACCES, try_map(rofd, 0, pg, PROT_READ, MAP_PRIVATE));
	}
	check_memory_type(self->fd, self->mode);
	close(rofd);

	/* A plain read-only file maps in the device's mode, as always. */
	rofd = open_dev(dev_index(), O_RDONLY | O_CLOEXEC);
	map = map_dev(rofd, 0, pg, PROT_READ, MAP_SHARED);
	check_pte_bits(map, pg, self->mode);
	munmap(map, pg);
	close(rofd);
}

/*
 * Page-backed mappings (cached, fault mode) can be pinned and used for
 * zero-copy I/O; every other one is a PFN map that cannot. smaps shows
 * which: "mm" (VM_MIXEDMAP, which NUMA balancing also leaves alone)
 * against "pf" and "io" (VM_PFNMAP, VM_IO).
 */
static bool page_backed(const struct chrmem_info *info, unsigned int type)
{
	return info->map_mode == CHRMEM_MAP_FAULT &&
	       type == CHRMEM_CACHE_CACHED;
}

static void check_mapping_kind_(struct th_test *_metadata, const void *map,
				bool want_pages)
{
	char flags[256];

	ASSERT_OK(smaps_vmflags(map, flags, sizeof(flags)));
	TH_LOG("VmFlags:%s", flags);
	EXPECT_EQ(want_pages, vmflags_has(flags, "mm"));
	EXPECT_EQ(!want_pages, vmflags_has(flags, "pf"));
	EXPECT_EQ(!want_pages, vmflags_has(flags, "io"));
}
#define check_mapping_kind(map, want_pages) \
	check_mapping_kind_(_metadata, map, want_pages)

TEST_F(dev, mapping_is_page_backed_only_when_cached_in_fault_mode)
{
	int sfd = open_dev(dev_index(), O_RDWR | O_SYNC | O_CLOEXEC);
	size_t pg = page_size();
	uint8_t *map;

	map = map_dev(self->fd, 0, pg, PROT_READ | PROT_WRITE, MAP_SHARED);
	map[0] = 1;
	check_mapping_kind(map, page_backed(&self->info, self->mode));
	munmap(map, pg);

	map = map_dev(sfd, 0, pg, PROT_READ | PROT_WRITE, MAP_SHARED);
	map[0] = 2;
	check_mapping_kind(map, false);
	munmap(map, pg);
	close(sfd);
}

/* Two memory types for one buffer at once would alias: the second waits. */
TEST_F(dev, second_memory_type_refused_while_mapped)
{
	int sfd = open_dev(dev_index(), O_RDWR | O_SYNC | O_CLOEXEC);
	size_t pg = page_size();
	uint8_t *map = map_dev(self->fd, 0, pg, PROT_READ, MAP_SHARED);
	int want = self->mode == CHRMEM_CACHE_UNCACHED ? 0 : EBUSY;

	/* Even a different part of the buffer: the type is per buffer. */
	EXPECT_EQ(want, try_map(sfd, self->size - pg, pg, PROT_READ,
				MAP_SHARED));
	munmap(map, pg);
	EXPECT_EQ(0, try_map(sfd, 0, pg, PROT_READ, MAP_SHARED));
	close(sfd);
}

/* ---- changing the mode ----------------------------------------------- */

TEST_F(dev, set_cache_mode_busy_while_mapped)
{
	unsigned int other = (self->mode + 1) % CHRMEM_CACHE_MODES;
	uint8_t *map = map_dev(self->fd, 0, page_size(), PROT_READ, MAP_SHARED);
	char text[16];

	EXPECT_ERRNO(EBUSY, set_cache_mode(self->fd, other));
	EXPECT_EQ(-EBUSY, write_text(sysfs_attr(dev_index(), "cache_mode"),
				     cache_mode_names[other]));
	/* Setting the mode it already has is not a change. */
	EXPECT_OK(set_cache_mode(self->fd, self->mode));
	EXPECT_EQ(self->mode, sysfs_cache_type(dev_index(), "cache_mode"));

	/* A forked copy of the mapping keeps the device busy. */
	pid_t pid = fork();

	ASSERT_OK(pid);
	if (!pid) {
		munmap(map, page_size());
		_exit(0);
	}
	wait_ok(pid);
	EXPECT_ERRNO(EBUSY, set_cache_mode(self->fd, other));

	munmap(map, page_size());
	EXPECT_OK(set_cache_mode(self->fd, other));
	EXPECT_EQ(other, sysfs_cache_type(dev_index(), "cache_mode"));
	snprintf(text, sizeof(text), "%s\n", cache_mode_names[self->mode]);
	EXPECT_EQ(0, write_text(sysfs_attr(dev_index(), "cache_mode"), text));
	EXPECT_EQ(self->mode, sysfs_cache_type(dev_index(), "cache_mode"));
}

TEST_F(dev, set_cache_mode_bad_input)
{
	int rofd = open_dev(dev_index(), O_RDONLY | O_CLOEXEC);
	const char *attr = sysfs_attr(dev_index(), "cache_mode");

	EXPECT_ERRNO(EINVAL, set_cache_mode(self->fd, 3));
	EXPECT_ERRNO(EINVAL, set_cache_mode(self->fd, UINT32_MAX));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, CHRMEM_IOC_SET_CACHE_MODE,
				   opaque_ptr(8)));
	EXPECT_ERRNO(EBADF, set_cache_mode(rofd, CHRMEM_CACHE_WC));
	EXPECT_EQ(-EINVAL, write_text(attr, "writeback"));
	EXPECT_EQ(-EINVAL, write_text(attr, "\n"));
	EXPECT_EQ(-EINVAL, write_text(attr, "wc wc"));
	/* Nothing above changed anything. */
	EXPECT_EQ(self->mode, sysfs_cache_type(dev_index(), "cache_mode"));
	close(rofd);
}

/* ---- data and coherence ---------------------------------------------- */

TEST_F(dev, data_through_mapping_and_read_write)
{
	uint8_t *map = map_dev(self->fd, 0, self->size, PROT_READ | PROT_WRITE,
			       MAP_SHARED);
	uint8_t *buf = xmalloc(self->size);

	fill_pattern(map, self->size, 0, 11);
	pread_all(self->fd, buf, self->size, 0);
	EXPECT_PATTERN(buf, self->size, 0, 11);

	fill_pattern(buf, self->size, 0, 12);
	pwrite_all(self->fd, buf, self->size, 0);
	EXPECT_PATTERN(map, self->size, 0, 12);
	free(buf);
	munmap(map, self->size);
}

TEST_F(dev, clear_and_reset_seen_through_mapping)
{
	uint8_t *map = map_dev(self->fd, 0, self->size, PROT_READ | PROT_WRITE,
			       MAP_SHARED);
	const char *pattern = expected_pattern();

	fill_pattern(map, self->size, 0, 13);
	ASSERT_OK(ioctl(self->fd, CHRMEM_IOC_CLEAR));
	EXPECT_FILLED(map, self->size, 0);

	fill_pattern(map, self->size, 0, 14);
	ASSERT_OK(ioctl(self->fd, CHRMEM_IOC_RESET));
	if (pattern) {
		size_t n = strlen(pattern);

		EXPECT_EQ(0, memcmp(map, pattern, n));
		EXPECT_FILLED(map + n, self->size - n, 0);
	} else {
		EXPECT_FILLED(map + CHRMEM_PATTERN_MAX,
			      self->size - CHRMEM_PATTERN_MAX, 0);
	}
	munmap(map, self->size);
}

/* ---- debuggers -------------------------------------------------------- */

TEST_F(dev, proc_pid_mem_reads_and_writes_the_mapping)
{
	uint8_t *map = map_dev(self->fd, 0, self->size, PROT_READ | PROT_WRITE,
			       MAP_SHARED);
	uint8_t *buf = xmalloc(self->size);
	int mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);

	ASSERT_OK(mem);
	fill_pattern(map, self->size, 0, 15);
	ASSERT_EQ((ssize_t)self->size,
		  pread(mem, buf, self->size, (off_t)(uintptr_t)map));
	EXPECT_PATTERN(buf, self->size, 0, 15);

	fill_pattern(buf, self->size, 0, 16);
	ASSERT_EQ((ssize_t)self->size,
		  pwrite(mem, buf, self->size, (off_t)(uintptr_t)map));
	pread_all(self->fd, buf, self->size, 0);
	EXPECT_PATTERN(buf, self->size, 0, 16);
	close(mem);
	free(buf);
	munmap(map, self->size);
}

/* What gdb does: PTRACE_PEEKDATA in a stopped child that inherited the map. */
TEST_F(dev, ptrace_peeks_into_the_mapping)
{
	uint8_t *map = map_dev(self->fd, 0, self->size, PROT_READ | PROT_WRITE,
			       MAP_SHARED);
	size_t off, step = self->size / 16;
	int status;
	pid_t pid;

	fill_pattern(map, self->size, 0, 17);
	pid = fork();
	ASSERT_OK(pid);
	if (!pid) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSTOPPED(status));
	for (off = 0; off + sizeof(long) <= self->size; off += step) {
		long want, got;

		memcpy(&want, map + off, sizeof(want));
		errno = 0;
		got = ptrace(PTRACE_PEEKDATA, pid, map + off, NULL);
		EXPECT_EQ(0, errno);
		EXPECT_EQ(want, got);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	munmap(map, self->size);
}

/* ---- zero-copy I/O ---------------------------------------------------- */

/*
 * An O_DIRECT read from a block device into the mapping: the block layer
 * pins the destination with get_user_pages(), which only page-backed
 * mappings allow (cached, fault mode); a PFN map gives EFAULT.
 */
TEST_F(dev, o_direct_read_into_mapping)
{
	const char *disk = getenv("CHRMEM_DISK");
	size_t len = self->size < DIRECT_LEN ? self->size : DIRECT_LEN;
	uint8_t *map;
	ssize_t got;
	int dfd;

	dfd = open(disk ? disk : DISK_DEFAULT, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (dfd < 0 && !th_strict())
		SKIP("no test disk: %s", strerror(errno));
	ASSERT_OK(dfd);

	/* Put the pattern on the disk, from ordinary (pinnable) memory. */
	map = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	fill_pattern(map, len, 0, DISK_SEED);
	ASSERT_EQ((ssize_t)len, pwrite(dfd, map, len, 0));
	munmap(map, len);

	map = map_dev(self->fd, 0, len, PROT_READ | PROT_WRITE, MAP_SHARED);
	memset(map, 0, len);

	got = pread(dfd, map, len, 0);
	if (page_backed(&self->info, self->mode)) {
		ASSERT_EQ((ssize_t)len, got);
		EXPECT_PATTERN(map, len, 0, DISK_SEED);
	} else {
		EXPECT_EQ(-1, got);
		EXPECT_EQ(EFAULT, errno);
	}
	munmap(map, len);
	close(dfd);
}

/* ---- the physical layout ---------------------------------------------- */

TEST_F(dev, phys_addr_describes_every_chunk)
{
	char path[256], line[128];
	unsigned long long off, size, phys, next = 0;
	unsigned int chunks = 0;
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s", sysfs_attr(dev_index(), "phys_addr"));
	ASSERT_OK(stat(path, &st));
	EXPECT_EQ(0400, st.st_mode & 07777);
	f = fopen(path, "r");
	ASSERT_TRUE(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		ASSERT_EQ(3, sscanf(line, "%llx %llx %llx", &off, &size, &phys));
		EXPECT_EQ(next, off);
		EXPECT_EQ(0, size % page_size());
		EXPECT_EQ(0, phys % page_size());
		EXPECT_NE(0, phys);
		next = off + size;
		chunks++;
	}
	fclose(f);
	EXPECT_EQ(self->size, next);
	EXPECT_EQ(self->info.chunks, chunks);
}

/* Reads all of @path, @piece bytes per read(); the text's length. */
static size_t read_in_pieces_(struct th_test *_metadata, const char *path,
			      char *out, size_t max, size_t piece)
{
	size_t len = 0;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	ASSERT_OK(fd);
	do {
		ASSERT_LE(len + piece, max);
		got = read(fd, out + len, piece);
		ASSERT_OK(got);
		len += got;
	} while (got);
	close(fd);
	return len;
}
#define read_in_pieces(path, out, max, piece) \
	read_in_pieces_(_metadata, path, out, max, piece)

/*
 * The driver makes the text as it is read, resuming where the last read
 * ended: any way of reading it gives the same text.
 */
TEST_F(dev, phys_addr_reads_the_same_in_any_pieces)
{
	const size_t pieces[] = { 1, 7, 57, 58, 100, 4095 };
	size_t max = 64 * (size_t)self->info.chunks + 8192, len, i;
	char *whole = xmalloc(max), *text = xmalloc(max);
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s", sysfs_attr(dev_index(), "phys_addr"));
	len = read_in_pieces(path, whole, max, 4096);
	ASSERT_LT(0, len);
	for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		memset(text, 0, max);
		EXPECT_EQ(len, read_in_pieces(path, text, max, pieces[i]));
		EXPECT_EQ(0, memcmp(whole, text, len));
	}
	/* Backwards and into the middle of a line: the same bytes. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_OK(fd);
	for (i = len; i-- > 0;) {
		char c;

		ASSERT_EQ(1, pread(fd, &c, 1, (off_t)i));
		if (c != whole[i]) {
			TH_LOG("byte %zu differs", i);
			EXPECT_EQ(whole[i], c);
			break;
		}
		if (i > 256)
			i -= i / 7;	/* sample a long text */
	}
	EXPECT_EQ(0, pread(fd, text, 16, (off_t)len));
	EXPECT_EQ(0, pread(fd, text, 16, (off_t)len + 4096));
	close(fd);
	free(whole);
	free(text);
}

TEST_F(dev, phys_addr_hidden_from_unprivileged_users)
{
	char path[256];
	pid_t pid;

	snprintf(path, sizeof(path), "%s", sysfs_attr(dev_index(), "phys_addr"));
	pid = fork();
	ASSERT_OK(pid);
	if (!pid) {
		char text[64];

		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(read_text(path, text, sizeof(text)) == -EACCES ? 0 : 1);
	}
	wait_ok(pid);
}

/* ---- the kernel log --------------------------------------------------- */

TEST_F(dev, no_pat_complaint_after_mapping_and_use)
{
	struct kmsg k;
	uint8_t *map;

	ASSERT_OK(kmsg_open(&k));
	map = map_dev(self->fd, 0, self->size, PROT_READ | PROT_WRITE,
		      MAP_SHARED);
	fill_pattern(map, self->size, 0, 18);
	EXPECT_PATTERN(map, self->size, 0, 18);
	munmap(map, self->size);
	kmsg_collect(&k);
	EXPECT_EQ(0, kmsg_count(&k, KMSG_DEBUG, "x86/PAT"));
	EXPECT_EQ(0, kmsg_count(&k, KMSG_DEBUG, "PAT:"));
	kmsg_close(&k);
}
