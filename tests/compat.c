// SPDX-License-Identifier: GPL-2.0
/*
 * compat.c - the key ioctls, read/write/llseek and mmap, built twice:
 * "compat" (native 64-bit, the baseline) and "compat32" (-m32, static),
 * which goes through the kernel's 32-bit compat entry points
 * (compat_ioctl, mmap2, _llseek, pread64...) on a 64-bit kernel.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "chrmem_test.h"

/* The layout is the same for 32- and 64-bit programs. */
_Static_assert(sizeof(struct chrmem_info) == CHRMEM_INFO_SIZE_VER1, "size");
_Static_assert(offsetof(struct chrmem_info, size) == 8, "size offset");
_Static_assert(offsetof(struct chrmem_info, bytes_read) == 32, "bytes_read");
_Static_assert(offsetof(struct chrmem_info, chunks) == 48, "chunks");
_Static_assert(sizeof(struct chrmem_sync) == 24, "sync size");
_Static_assert(offsetof(struct chrmem_sync, length) == 8, "sync length");
_Static_assert(offsetof(struct chrmem_sync, flags) == 16, "sync flags");
_Static_assert(offsetof(struct chrmem_sync, reserved) == 20, "sync reserved");
/* The number encodes the size: the same for both. */
_Static_assert(CHRMEM_IOC_SYNC == 0x4018c704, "CHRMEM_IOC_SYNC");
_Static_assert(sizeof(off_t) == 8, "build with -D_FILE_OFFSET_BITS=64");

#define GET_INFO_SIZED(size)	_IOC(_IOC_READ, CHRMEM_IOC_MAGIC, \
				     _IOC_NR(CHRMEM_IOC_GET_INFO), size)
#define FOUR_GIB		(1LL << 32)

FIXTURE(dev) {
	int idx;
	int fd;
	uint64_t size;
	size_t page;
};

FIXTURE_SETUP(dev)
{
	self->idx = dev_index();
	self->page = page_size();
	self->fd = open_dev(self->idx, O_RDWR);
	self->size = dev_size(self->fd);
	ASSERT_LE(4 * self->page, self->size);
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST(abi)
{
	struct utsname u;

	ASSERT_OK(uname(&u));
#if defined(__i386__)
	/* A 32-bit process on a 64-bit kernel: the compat paths are used. */
	EXPECT_EQ(4, sizeof(long));
	EXPECT_STREQ("x86_64", u.machine);
	TH_LOG("32-bit process on a %s kernel", u.machine);
#else
	EXPECT_EQ(8, sizeof(long));
	TH_LOG("64-bit process on a %s kernel (baseline for compat32)", u.machine);
#endif
}

TEST_F(dev, get_info)
{
	struct chrmem_info info;

	get_info(self->fd, &info);
	EXPECT_EQ(CHRMEM_INFO_SIZE_VER1, info.struct_size);
	EXPECT_EQ(self->idx, info.index);
	EXPECT_EQ(sysfs_ull(self->idx, "size"), info.size);
	EXPECT_EQ(cache_mode_number(expected_cache_mode()), info.cache_mode);
	EXPECT_EQ(map_mode_number(expected_map_mode()), info.map_mode);
	EXPECT_EQ(0, info.mappings);
	EXPECT_EQ(1, info.opens);
	EXPECT_LE(1, info.chunks);
	EXPECT_EQ(0, info.reserved);
	EXPECT_EQ(info.cache_mode, info.memory_type);
	EXPECT_EQ(0, info.reserved1);
}

TEST_F(dev, get_info_struct_sizes)
{
	uint8_t raw[88];
	struct chrmem_info info;

	/* Larger: known part filled, the tail zeroed, nothing past it. */
	memset(raw, 0xa5, sizeof(raw));
	ASSERT_OK(ioctl(self->fd, GET_INFO_SIZED(72), raw));
	memcpy(&info, raw, sizeof(info));
	EXPECT_EQ(CHRMEM_INFO_SIZE_VER1, info.struct_size);
	EXPECT_EQ(self->size, info.size);
	EXPECT_FILLED(raw + 64, 8, 0);
	EXPECT_FILLED(raw + 72, 16, 0xa5);
	/* Version 0's size: filled up to it, as old programs expect. */
	memset(raw, 0xa5, sizeof(raw));
	ASSERT_OK(ioctl(self->fd, GET_INFO_SIZED(CHRMEM_INFO_SIZE_VER0), raw));
	memcpy(&info, raw, sizeof(info));
	EXPECT_EQ(CHRMEM_INFO_SIZE_VER0, info.struct_size);
	EXPECT_FILLED(raw + CHRMEM_INFO_SIZE_VER0, 32, 0xa5);
	/* Smaller than version 0: refused, untouched. */
	memset(raw, 0xa5, sizeof(raw));
	EXPECT_ERRNO2(EINVAL, ENOTTY, ioctl(self->fd, GET_INFO_SIZED(48), raw));
	EXPECT_FILLED(raw, sizeof(raw), 0xa5);
}

TEST_F(dev, get_info_bad_pointer_efault)
{
	void *hole = mmap(NULL, self->page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_TRUE(hole != MAP_FAILED);
	munmap(hole, self->page);
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, CHRMEM_IOC_GET_INFO, opaque_ptr(0)));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, CHRMEM_IOC_GET_INFO,
				   opaque_ptr((uintptr_t)hole)));
	/* The top of a 32-bit address space (kernel space for 64-bit). */
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, CHRMEM_IOC_GET_INFO,
				   opaque_ptr((uintptr_t)0xfffff000UL)));
}

/*
 * SYNC reaches the driver with its 64-bit fields intact: a range that
 * only a correctly read struct has passes the checks and meets the
 * binding (ENODEV when unbound, as in the lanes that bind nothing), one
 * past the end does not. The values have high halves, so a 32-bit
 * misreading shows.
 */
TEST_F(dev, sync_struct_decoded)
{
	struct chrmem_sync s = {
		.offset = self->size - 1, .length = 1,
		.flags = CHRMEM_SYNC_START | CHRMEM_SYNC_READ,
	};
	char dma[64];

	sysfs_str(self->idx, "dma_device", dma, sizeof(dma));
	if (*dma)
		EXPECT_OK(ioctl(self->fd, CHRMEM_IOC_SYNC, &s));
	else
		EXPECT_ERRNO(ENODEV, ioctl(self->fd, CHRMEM_IOC_SYNC, &s));
	s.length = 2;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, CHRMEM_IOC_SYNC, &s));
	s.offset = FOUR_GIB;
	s.length = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, CHRMEM_IOC_SYNC, &s));
	s.offset = 0;
	s.length = FOUR_GIB + 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, CHRMEM_IOC_SYNC, &s));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, CHRMEM_IOC_SYNC, opaque_ptr(0)));
}

TEST_F(dev, clear_reset_and_legacy_numbers)
{
	const char *pattern = expected_pattern();
	size_t len = 2 * self->page;
	uint8_t *buf = xmalloc(len);
	struct chrmem_info info;

	fill_pattern(buf, len, 0, 50);
	pwrite_all(self->fd, buf, len, 0);
	ASSERT_OK(ioctl(self->fd, CHRMEM_IOC_CLEAR));
	pread_all(self->fd, buf, len, 0);
	EXPECT_FILLED(buf, len, 0);

	fill_pattern(buf, len, 0, 51);
	pwrite_all(self->fd, buf, len, 0);
	ASSERT_OK(ioctl(self->fd, CHRMEM_IOC_LEGACY_CLEAR, NULL));
	pread_all(self->fd, buf, len, 0);
	EXPECT_FILLED(buf, len, 0);

	fill_pattern(buf, len, 0, 52);
	pwrite_all(self->fd, buf, len, 0);
	ASSERT_OK(ioctl(self->fd, CHRMEM_IOC_RESET));
	get_info(self->fd, &info);
	EXPECT_EQ(0, info.bytes_written);
	EXPECT_EQ(0, info.bytes_read);
	pread_all(self->fd, buf, len, 0);
	EXPECT_FILLED(buf + CHRMEM_PATTERN_MAX, len - CHRMEM_PATTERN_MAX, 0);
	if (pattern)
		EXPECT_EQ(0, memcmp(buf, pattern, strlen(pattern)));

	fill_pattern(buf, len, 0, 53);
	pwrite_all(self->fd, buf, len, 0);
	ASSERT_OK(ioctl(self->fd, CHRMEM_IOC_LEGACY_RESET, NULL));
	pread_all(self->fd, buf, len, 0);
	EXPECT_FILLED(buf + CHRMEM_PATTERN_MAX, len - CHRMEM_PATTERN_MAX, 0);
	free(buf);
}

TEST_F(dev, unknown_commands_enotty)
{
	const unsigned long cmds[] = {
		_IO(0xCD, 0), _IO(CHRMEM_IOC_MAGIC, 0x05),
		_IOW(CHRMEM_IOC_MAGIC, 0x02, struct chrmem_info),
		_IOR(CHRMEM_IOC_MAGIC, 0x00, int), 3, 0x1234,
	};
	struct chrmem_info info;
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (ioctl(self->fd, cmds[i], &info) != -1 || errno != ENOTTY)
			TH_LOG("ioctl 0x%lx", cmds[i]);
		EXPECT_ERRNO(ENOTTY, ioctl(self->fd, cmds[i], &info));
	}
}

TEST_F(dev, set_cache_mode)
{
	__u32 mode = CHRMEM_CACHE_CACHED;

	/* The driver has the ioctl: ENOTTY here is a failure, never a skip. */
	ASSERT_OK(ioctl(self->fd, CHRMEM_IOC_SET_CACHE_MODE, &mode));
	mode = 3;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, CHRMEM_IOC_SET_CACHE_MODE, &mode));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, CHRMEM_IOC_SET_CACHE_MODE,
				   opaque_ptr(0)));
	/* Back to the mode the module was loaded with. */
	mode = cache_mode_number(expected_cache_mode());
	ASSERT_OK(ioctl(self->fd, CHRMEM_IOC_SET_CACHE_MODE, &mode));
}

TEST_F(dev, read_write_edges)
{
	uint8_t buf[64] = { 0 };

	EXPECT_EQ(10, pread(self->fd, buf, sizeof(buf), self->size - 10));
	EXPECT_EQ(0, pread(self->fd, buf, sizeof(buf), self->size));
	EXPECT_EQ(5, pwrite(self->fd, buf, 10, self->size - 5));
	EXPECT_ERRNO(ENOSPC, pwrite(self->fd, buf, 1, self->size));
	EXPECT_ERRNO(EFAULT, pread(self->fd, opaque_ptr(0), 16, 0));
	EXPECT_ERRNO(EFAULT, pwrite(self->fd, opaque_ptr(0), 16, 0));
}

TEST_F(dev, offsets_above_4g)
{
	uint8_t in[8], out[8];

	fill_pattern(in, sizeof(in), 0, 54);
	pwrite_all(self->fd, in, sizeof(in), 0);
	/*
	 * 64-bit offsets whose low 32 bits are 0: a truncation anywhere on
	 * the way would land on offset 0 of the buffer.
	 */
	EXPECT_ERRNO(EINVAL, lseek(self->fd, FOUR_GIB, SEEK_SET));
	EXPECT_ERRNO(EINVAL, lseek(self->fd, FOUR_GIB, SEEK_END));
	EXPECT_EQ(0, lseek(self->fd, 0, SEEK_CUR));
	EXPECT_EQ(0, pread(self->fd, out, sizeof(out), FOUR_GIB));
	EXPECT_ERRNO(ENOSPC, pwrite(self->fd, out, sizeof(out), FOUR_GIB));
	pread_all(self->fd, out, sizeof(out), 0);
	EXPECT_PATTERN(out, sizeof(out), 0, 54);
	EXPECT_ERR(EINVAL, try_map(self->fd, FOUR_GIB, self->page,
				   PROT_READ, MAP_SHARED));
	EXPECT_ERR(EINVAL, try_map(self->fd, FOUR_GIB + 4096, self->page,
				   PROT_READ, MAP_SHARED));
}

TEST_F(dev, llseek_edges)
{
	off_t size = (off_t)self->size;

	EXPECT_EQ(size, lseek(self->fd, 0, SEEK_END));
	EXPECT_EQ(size - 1, lseek(self->fd, -1, SEEK_CUR));
	EXPECT_ERRNO(EINVAL, lseek(self->fd, size + 1, SEEK_SET));
	EXPECT_ERRNO(EINVAL, lseek(self->fd, -1, SEEK_SET));
	EXPECT_ERRNO(EINVAL, lseek(self->fd, 1, SEEK_END));
	EXPECT_EQ(size - 1, lseek(self->fd, 0, SEEK_CUR));
}

TEST_F(dev, mmap_data_both_ways)
{
	size_t len = self->size;
	uint8_t *p = map_dev(self->fd, 0, len, PROT_READ | PROT_WRITE,
			     MAP_SHARED);
	uint8_t *buf = xmalloc(len);

	fill_pattern(buf, len, 0, 55);
	pwrite_all(self->fd, buf, len, 0);
	EXPECT_PATTERN(p, len, 0, 55);
	fill_pattern(p, len, 0, 56);
	pread_all(self->fd, buf, len, 0);
	EXPECT_PATTERN(buf, len, 0, 56);
	munmap(p, len);
	free(buf);
}

TEST_F(dev, mmap_offsets_and_lengths)
{
	size_t pg = self->page;
	off_t size = (off_t)self->size;
	uint8_t *p;
	uint8_t in[16];

	fill_pattern(in, sizeof(in), pg, 57);
	pwrite_all(self->fd, in, sizeof(in), pg);
	p = map_dev(self->fd, pg, 2 * pg, PROT_READ, MAP_SHARED);
	EXPECT_PATTERN(p, sizeof(in), pg, 57);
	munmap(p, 2 * pg);
	EXPECT_ERR(EINVAL, try_map(self->fd, 0, self->size + pg, PROT_READ, MAP_SHARED));
	EXPECT_ERR(EINVAL, try_map(self->fd, size, pg, PROT_READ, MAP_SHARED));
	EXPECT_ERR(EINVAL, try_map(self->fd, size - pg, 2 * pg, PROT_READ, MAP_SHARED));
	EXPECT_ERR(EINVAL, try_map(self->fd, 0, 0, PROT_READ, MAP_SHARED));
	EXPECT_ERR(EINVAL, try_map(self->fd, 0, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE));
}

TEST_F(dev, mapping_count_fork_and_split)
{
	size_t pg = self->page;
	uint8_t *p = map_dev(self->fd, 0, 3 * pg, PROT_READ | PROT_WRITE,
			     MAP_SHARED);
	struct chrmem_info info;
	struct sync_pipe forked, done;
	pid_t pid;

	get_info(self->fd, &info);
	EXPECT_EQ(1, info.mappings);
	sync_init(&forked);
	sync_init(&done);
	pid = fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		p[0] = 0x99;
		sync_signal(&forked);
		sync_wait(&done);
		_exit(0);
	}
	sync_wait(&forked);
	get_info(self->fd, &info);
	EXPECT_EQ(2, info.mappings);
	EXPECT_EQ(0x99, p[0]);
	sync_signal(&done);
	wait_ok(pid);
	ASSERT_OK(munmap(p + pg, pg));
	get_info(self->fd, &info);
	EXPECT_EQ(2, info.mappings);
	munmap(p, 3 * pg);
	get_info(self->fd, &info);
	EXPECT_EQ(0, info.mappings);
}
