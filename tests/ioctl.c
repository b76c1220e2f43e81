// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl.c - CLEAR, RESET, GET_INFO (with its struct_size protocol), the
 * legacy bare numbers 0 and 1, unknown commands, SET_CACHE_MODE and the
 * checks of SYNC (the dma suite has the syncs themselves).
 *
 * Set CHRMEM_PATTERN to the pattern= the module was loaded with ("" for
 * none) so RESET's content is checked exactly; without it RESET is only
 * checked to be the same every time and zero past 64 bytes.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "chrmem_test.h"

#define GET_INFO_SIZED(size)	_IOC(_IOC_READ, CHRMEM_IOC_MAGIC, \
				     _IOC_NR(CHRMEM_IOC_GET_INFO), size)

FIXTURE(dev) {
	int idx;
	int fd;
	uint64_t size;
	size_t page;
	uint8_t *buf;	/* size bytes */
};

FIXTURE_SETUP(dev)
{
	self->idx = dev_index();
	self->page = page_size();
	self->fd = open_dev(self->idx, O_RDWR);
	self->size = dev_size(self->fd);
	self->buf = xmalloc(self->size);
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
	free(self->buf);
}

static void fill_device_(struct th_test *_metadata, int fd, uint8_t *buf,
			 uint64_t size, uint32_t seed)
{
	fill_pattern(buf, size, 0, seed);
	pwrite_all(fd, buf, size, 0);
}
#define fill_device(self, seed) \
	fill_device_(_metadata, (self)->fd, (self)->buf, (self)->size, seed)

/* Reads the whole device into self->buf. */
#define read_device(self)	pread_all((self)->fd, (self)->buf, (self)->size, 0)

/* The content RESET must produce: the pattern at 0, zeros after it. */
static void check_reset_content_(struct th_test *_metadata, const uint8_t *buf,
				 uint64_t size)
{
	const char *pattern = expected_pattern();
	size_t n = pattern ? strlen(pattern) : 0;

	EXPECT_FILLED(buf + CHRMEM_PATTERN_MAX, size - CHRMEM_PATTERN_MAX, 0);
	if (!pattern) {
		TH_LOG("CHRMEM_PATTERN unset: the first 64 bytes are not checked");
		return;
	}
	EXPECT_EQ(0, memcmp(buf, pattern, n));
	EXPECT_FILLED(buf + n, CHRMEM_PATTERN_MAX - n, 0);
}
#define check_reset_content(buf, size) check_reset_content_(_metadata, buf, size)

TEST_F(dev, clear_zeroes_whole_buffer)
{
	fill_device(self, 40);
	ASSERT_OK(ioctl(self->fd, CHRMEM_IOC_CLEAR));
	read_device(self);
	EXPECT_FILLED(self->buf, self->size, 0);
}

TEST_F(dev, reset_restores_pattern_and_zeroes_statistics)
{
	struct chrmem_info info;
	uint8_t *first;

	fill_device(self, 41);
	read_device(self);
	get_info(self->fd, &info);
	ASSERT_LT(0, info.bytes_written);
	ASSERT_LT(0, info.bytes_read);

	ASSERT_OK(ioctl(self->fd, CHRMEM_IOC_RESET));
	get_info(self->fd, &info);
	EXPECT_EQ(0, info.bytes_read);
	EXPECT_EQ(0, info.bytes_written);
	read_device(self);
	check_reset_content(self->buf, self->size);

	/* A second RESET after other writes gives the same content. */
	first = xmalloc(CHRMEM_PATTERN_MAX);
	memcpy(first, self->buf, CHRMEM_PATTERN_MAX);
	fill_device(self, 42);
	ASSERT_OK(ioctl(self->fd, CHRMEM_IOC_RESET));
	read_device(self);
	EXPECT_EQ(0, memcmp(first, self->buf, CHRMEM_PATTERN_MAX));
	EXPECT_FILLED(self->buf + CHRMEM_PATTERN_MAX,
		      self->size - CHRMEM_PATTERN_MAX, 0);
	free(first);
}

TEST_F(dev, clear_keeps_statistics)
{
	struct chrmem_info a, b;

	fill_device(self, 43);
	get_info(self->fd, &a);
	ASSERT_OK(ioctl(self->fd, CHRMEM_IOC_CLEAR));
	get_info(self->fd, &b);
	EXPECT_EQ(a.bytes_written, b.bytes_written);
	EXPECT_EQ(a.bytes_read, b.bytes_read);
}

TEST_F(dev, legacy_bare_0_clears)
{
	fill_device(self, 44);
	/* The tutorial's ioctl(fd, MEM_CLEAR, NULL). */
	ASSERT_OK(ioctl(self->fd, CHRMEM_IOC_LEGACY_CLEAR, NULL));
	read_device(self);
	EXPECT_FILLED(self->buf, self->size, 0);
}

TEST_F(dev, legacy_bare_1_resets)
{
	struct chrmem_info info;

	fill_device(self, 45);
	/* The tutorial's ioctl(fd, MEM_RESET, NULL). */
	ASSERT_OK(ioctl(self->fd, CHRMEM_IOC_LEGACY_RESET, NULL));
	get_info(self->fd, &info);
	EXPECT_EQ(0, info.bytes_written);
	read_device(self);
	check_reset_content(self->buf, self->size);
}

TEST_F(dev, clear_and_reset_need_write_access)
{
	int ro = open_dev(self->idx, O_RDONLY);
	struct chrmem_info info;

	fill_device(self, 46);
	/* The driver's rule: changing the buffer needs a writable file. */
	EXPECT_ERRNO(EBADF, ioctl(ro, CHRMEM_IOC_CLEAR));
	EXPECT_ERRNO(EBADF, ioctl(ro, CHRMEM_IOC_RESET));
	EXPECT_ERRNO(EBADF, ioctl(ro, CHRMEM_IOC_LEGACY_CLEAR, NULL));
	EXPECT_ERRNO(EBADF, ioctl(ro, CHRMEM_IOC_LEGACY_RESET, NULL));
	/* Reading the information does not. */
	get_info(ro, &info);
	EXPECT_EQ(self->size, info.size);
	read_device(self);
	EXPECT_PATTERN(self->buf, self->size, 0, 46);
	close(ro);
}

TEST_F(dev, get_info_fields)
{
	struct chrmem_info info;
	char text[64];

	get_info(self->fd, &info);
	EXPECT_EQ(CHRMEM_INFO_SIZE_VER1, info.struct_size);
	EXPECT_EQ(sizeof(info), info.struct_size);
	EXPECT_EQ(self->idx, info.index);
	EXPECT_EQ(sysfs_ull(self->idx, "size"), info.size);
	EXPECT_EQ(0, info.size % self->page);
	EXPECT_LE(self->page, info.size);
	EXPECT_GE(CHRMEM_SIZE_MAX, info.size);
	/* The modes the module was loaded with (default cached, remap). */
	EXPECT_EQ(cache_mode_number(expected_cache_mode()), info.cache_mode);
	sysfs_str(self->idx, "cache_mode", text, sizeof(text));
	EXPECT_STREQ(expected_cache_mode(), text);
	EXPECT_EQ(map_mode_number(expected_map_mode()), info.map_mode);
	sysfs_str(self->idx, "map_mode", text, sizeof(text));
	EXPECT_STREQ(expected_map_mode(), text);
	EXPECT_EQ(0, info.mappings);
	EXPECT_EQ(0, sysfs_ull(self->idx, "mappings"));
	/* Only this test has the device open. */
	EXPECT_EQ(1, info.opens);
	EXPECT_EQ(1, sysfs_ull(self->idx, "opens"));
	/*
	 * Chunks are the physically contiguous runs of the buffer: at least
	 * one, at most one per page (params checks them against the page
	 * frames).
	 */
	EXPECT_LE(1, info.chunks);
	EXPECT_GE(info.size / self->page, info.chunks);
	EXPECT_EQ(0, info.reserved);
	/* Nothing maps the buffer: it has the device's memory type. */
	EXPECT_EQ(info.cache_mode, info.memory_type);
	sysfs_str(self->idx, "memory_type", text, sizeof(text));
	EXPECT_STREQ(expected_cache_mode(), text);
	EXPECT_EQ(0, info.reserved1);
}

TEST_F(dev, get_info_tracks_opens_and_mappings)
{
	struct chrmem_info info;
	int fd2 = open_dev(self->idx, O_RDONLY);
	int fd3 = open_dev(self->idx, O_WRONLY);
	void *m1 = map_dev(self->fd, 0, self->page, PROT_READ, MAP_SHARED);
	void *m2 = map_dev(fd2, 0, self->page, PROT_READ, MAP_SHARED);

	get_info(self->fd, &info);
	EXPECT_EQ(3, info.opens);
	EXPECT_EQ(2, info.mappings);
	munmap(m1, self->page);
	munmap(m2, self->page);
	close(fd2);
	close(fd3);
	get_info(self->fd, &info);
	EXPECT_EQ(1, info.opens);
	EXPECT_EQ(0, info.mappings);
}

TEST_F(dev, get_info_ver0_and_ver1_numbers)
{
	struct chrmem_info info;

	/* Binaries built against either header use exactly these numbers. */
	EXPECT_EQ(GET_INFO_SIZED(CHRMEM_INFO_SIZE_VER1), CHRMEM_IOC_GET_INFO);
	memset(&info, 0xa5, sizeof(info));
	ASSERT_OK(ioctl(self->fd, GET_INFO_SIZED(CHRMEM_INFO_SIZE_VER1), &info));
	EXPECT_EQ(CHRMEM_INFO_SIZE_VER1, info.struct_size);
	EXPECT_EQ(self->size, info.size);
	memset(&info, 0xa5, sizeof(info));
	ASSERT_OK(ioctl(self->fd, GET_INFO_SIZED(CHRMEM_INFO_SIZE_VER0), &info));
	EXPECT_EQ(CHRMEM_INFO_SIZE_VER0, info.struct_size);
	EXPECT_EQ(self->size, info.size);
	/* Nothing past version 0's end was written. */
	EXPECT_EQ(0xa5a5a5a5u, info.memory_type);
}

/* A newer program with a larger struct: known part filled, tail zeroed. */
static void check_larger_struct_(struct th_test *_metadata, int fd,
				 size_t usize, uint64_t size)
{
	size_t alloc = usize + 16;
	uint8_t *raw = xmalloc(alloc);
	struct chrmem_info info;

	memset(raw, 0xa5, alloc);
	ASSERT_OK(ioctl(fd, GET_INFO_SIZED(usize), raw));
	memcpy(&info, raw, sizeof(info));
	EXPECT_EQ(CHRMEM_INFO_SIZE_VER1, info.struct_size);
	EXPECT_EQ(size, info.size);
	EXPECT_EQ(0, info.reserved);
	EXPECT_EQ(0, info.reserved1);
	/* The part only the caller knows is zeroed... */
	EXPECT_FILLED(raw + sizeof(info), usize - sizeof(info), 0);
	/* ...and nothing past the size in the ioctl number is touched. */
	EXPECT_FILLED(raw + usize, 16, 0xa5);
	free(raw);
}
#define check_larger_struct(fd, usize, size) \
	check_larger_struct_(_metadata, fd, usize, size)

TEST_F(dev, get_info_larger_future_struct)
{
	check_larger_struct(self->fd, 72, self->size);
	check_larger_struct(self->fd, 65, self->size);
	/* The largest size an ioctl number can carry (14 bits). */
	check_larger_struct(self->fd, (1u << _IOC_SIZEBITS) - 1, self->size);
}

TEST_F(dev, get_info_smaller_struct_rejected)
{
	const size_t sizes[] = { 0, 1, 8, 16, 48, CHRMEM_INFO_SIZE_VER0 - 1 };
	uint8_t raw[CHRMEM_INFO_SIZE_VER0 + 16];
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(raw, 0xa5, sizeof(raw));
		errno = 0;
		int r = ioctl(self->fd, GET_INFO_SIZED(sizes[i]), raw);
		int err = errno;

		/* The driver answers EINVAL; ENOTTY would be acceptable too. */
		if (r != -1 || (err != EINVAL && err != ENOTTY))
			TH_LOG("GET_INFO with size %zu: returned %d, errno %s",
			       sizes[i], r, th_errname(err));
		EXPECT_EQ(-1, r);
		EXPECT_TRUE(err == EINVAL || err == ENOTTY);
		/* Nothing was written into the caller's memory. */
		EXPECT_FILLED(raw, sizeof(raw), 0xa5);
	}
}

TEST_F(dev, get_info_bad_pointer_efault)
{
	size_t pg = self->page;
	uint8_t *two = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *ro = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_TRUE(two != MAP_FAILED);
	ASSERT_TRUE(ro != MAP_FAILED);
	ASSERT_OK(munmap(two + pg, pg));	/* a hole after the first page */

	EXPECT_ERRNO(EFAULT, ioctl(self->fd, CHRMEM_IOC_GET_INFO, opaque_ptr(0)));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, CHRMEM_IOC_GET_INFO, opaque_ptr(1)));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, CHRMEM_IOC_GET_INFO, ro));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, CHRMEM_IOC_GET_INFO, two + pg));
	/* The structure straddles the end of the mapped page. */
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, CHRMEM_IOC_GET_INFO,
				   two + pg - 20));
	/* The known part fits, the zeroed tail of a larger struct does not. */
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, GET_INFO_SIZED(64),
				   two + pg - CHRMEM_INFO_SIZE_VER0));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, CHRMEM_IOC_GET_INFO,
				   opaque_ptr(sizeof(long) == 8 ?
					      (uintptr_t)0xffff888000000000ULL :
					      (uintptr_t)0xfffff000UL)));
	munmap(two, pg);
	munmap(ro, pg);
}

TEST_F(dev, unknown_commands_enotty)
{
	const unsigned long cmds[] = {
		_IO(CHRMEM_IOC_MAGIC - 1, 0),			/* wrong magic */
		_IO(CHRMEM_IOC_MAGIC + 1, 1),
		_IOR(0xCD, 0x02, struct chrmem_info),
		_IO(CHRMEM_IOC_MAGIC, 0x05),			/* wrong nr */
		_IO(CHRMEM_IOC_MAGIC, 0x7f),
		_IO(CHRMEM_IOC_MAGIC, 0xff),
		_IOR(CHRMEM_IOC_MAGIC, 0x10, struct chrmem_info),
		_IOR(CHRMEM_IOC_MAGIC, 0x00, int),		/* wrong direction */
		_IOW(CHRMEM_IOC_MAGIC, 0x01, int),
		_IOW(CHRMEM_IOC_MAGIC, 0x02, struct chrmem_info),
		_IOWR(CHRMEM_IOC_MAGIC, 0x02, struct chrmem_info),
		_IO(CHRMEM_IOC_MAGIC, 0x02),
		3, 4, 0xff, 0x1234,				/* bare numbers */
		0xffffffffUL,
	};
	struct chrmem_info info;
	size_t i;

	fill_device(self, 47);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		memset(&info, 0xa5, sizeof(info));
		errno = 0;
		int r = ioctl(self->fd, cmds[i], &info);
		int err = errno;

		if (r != -1 || err != ENOTTY)
			TH_LOG("ioctl 0x%lx: returned %d, errno %s", cmds[i], r,
			       th_errname(err));
		EXPECT_EQ(-1, r);
		EXPECT_EQ(ENOTTY, err);
		EXPECT_FILLED(&info, sizeof(info), 0xa5);
	}
	/* None of them cleared or reset anything. */
	read_device(self);
	EXPECT_PATTERN(self->buf, self->size, 0, 47);
}

/*
 * SYNC checks its range and flags before it looks for the binding, so its
 * range semantics hold in every lane, bound or not: a bad range or flag
 * is EINVAL; a good one is 0 bound and ENODEV unbound, the whole buffer,
 * byte-granular ranges and the last byte included. (What a bound SYNC
 * does to the caches is the DMA API's: on arm64 under QEMU's TCG, which
 * models no caches, no test can see it.)
 */
static int sync_range(int fd, uint64_t off, uint64_t len, uint32_t flags)
{
	struct chrmem_sync s = { .offset = off, .length = len, .flags = flags };

	return ioctl(fd, CHRMEM_IOC_SYNC, &s);
}

TEST_F(dev, sync_checks_range_and_flags)
{
	static const uint32_t good_flags[] = {
		CHRMEM_SYNC_START | CHRMEM_SYNC_READ, CHRMEM_SYNC_START | CHRMEM_SYNC_WRITE,
		CHRMEM_SYNC_START | CHRMEM_SYNC_RW, CHRMEM_SYNC_END | CHRMEM_SYNC_READ,
		CHRMEM_SYNC_END | CHRMEM_SYNC_WRITE, CHRMEM_SYNC_END | CHRMEM_SYNC_RW,
	};
	const uint64_t good[][2] = {
		{ 0, self->size }, { self->size - 1, 1 }, { 1, self->size - 1 },
		{ 0, 1 }, { self->size / 2 - 1, 2 },
	};
	const uint64_t bad[][2] = {
		{ 0, 0 }, { 1, 0 }, { 0, self->size + 1 }, { self->size, 1 },
		{ self->size - 1, 2 }, { UINT64_MAX, 2 }, { 2, UINT64_MAX },
		{ UINT64_MAX, 1 }, { 1ULL << 32, 1 },
	};
	uint32_t ok = CHRMEM_SYNC_START | CHRMEM_SYNC_READ;
	struct chrmem_sync s = { .offset = 0, .length = 1, .flags = ok, .reserved = 1 };
	char dma[64];
	size_t i, f;

	sysfs_str(self->idx, "dma_device", dma, sizeof(dma));
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		for (f = 0; f < sizeof(good_flags) / sizeof(good_flags[0]); f++) {
			if (*dma)
				EXPECT_OK(sync_range(self->fd, good[i][0], good[i][1], good_flags[f]));
			else
				EXPECT_ERRNO(ENODEV, sync_range(self->fd, good[i][0], good[i][1],
								good_flags[f]));
		}
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_ERRNO(EINVAL, sync_range(self->fd, bad[i][0], bad[i][1], ok));
	/* Neither read nor write; unknown bits; a reserved field set. */
	EXPECT_ERRNO(EINVAL, sync_range(self->fd, 0, 1, CHRMEM_SYNC_START));
	EXPECT_ERRNO(EINVAL, sync_range(self->fd, 0, 1, CHRMEM_SYNC_END));
	EXPECT_ERRNO(EINVAL, sync_range(self->fd, 0, 1, ok | 0x8));
	EXPECT_ERRNO(EINVAL, sync_range(self->fd, 0, 1, ok | 0x80000000u));
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, CHRMEM_IOC_SYNC, &s));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, CHRMEM_IOC_SYNC, NULL));
}

TEST_F(dev, set_cache_mode)
{
	__u32 mode = CHRMEM_CACHE_CACHED;
	struct chrmem_info info;
	void *m;

	/* The driver has the ioctl: ENOTTY here is a failure, never a skip. */
	ASSERT_OK(ioctl(self->fd, CHRMEM_IOC_SET_CACHE_MODE, &mode));
	get_info(self->fd, &info);
	EXPECT_EQ(CHRMEM_CACHE_CACHED, info.cache_mode);

	mode = 3;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, CHRMEM_IOC_SET_CACHE_MODE, &mode));
	mode = 0xffffffff;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, CHRMEM_IOC_SET_CACHE_MODE, &mode));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, CHRMEM_IOC_SET_CACHE_MODE,
				   opaque_ptr(0)));

	mode = CHRMEM_CACHE_UNCACHED;
	ASSERT_OK(ioctl(self->fd, CHRMEM_IOC_SET_CACHE_MODE, &mode));
	get_info(self->fd, &info);
	EXPECT_EQ(CHRMEM_CACHE_UNCACHED, info.cache_mode);

	/* Not while mapped. */
	m = map_dev(self->fd, 0, self->page, PROT_READ, MAP_SHARED);
	mode = CHRMEM_CACHE_CACHED;
	EXPECT_ERRNO(EBUSY, ioctl(self->fd, CHRMEM_IOC_SET_CACHE_MODE, &mode));
	munmap(m, self->page);

	ASSERT_OK(ioctl(self->fd, CHRMEM_IOC_SET_CACHE_MODE, &mode));
	get_info(self->fd, &info);
	EXPECT_EQ(CHRMEM_CACHE_CACHED, info.cache_mode);

	/* Back to the mode the module was loaded with. */
	mode = cache_mode_number(expected_cache_mode());
	ASSERT_OK(ioctl(self->fd, CHRMEM_IOC_SET_CACHE_MODE, &mode));
}
