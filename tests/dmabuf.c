// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf.c - CHRMEM_IOC_EXPORT_DMABUF from user space: a range of the
 * buffer as a dma-buf file, its mmap() and DMA_BUF_IOCTL_SYNC, the bad
 * ranges and flags, and what an export freezes while it lives (the memory
 * type, the DMA binding, the module).
 *
 * Any module parameters (the dma lanes run it next to dma, with edu
 * bound); the buffer needs four pages. Run as root (unbinding, unloading
 * attempts). The kernel side, an importer mapping the dma-buf for a
 * device, is tests/dmabuf-importer's.
 */
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "chrmem_test.h"

static int export_range(int fd, uint64_t off, uint64_t len, uint32_t flags)
{
	struct chrmem_export_dmabuf req = {
		.offset = off, .length = len, .flags = flags,
	};

	return ioctl(fd, CHRMEM_IOC_EXPORT_DMABUF, &req);
}

FIXTURE(dmabuf) {
	int fd;
	uint64_t size;
	size_t page;
	uint32_t cache_mode;	/* the device's, restored at teardown */
};

FIXTURE_SETUP(dmabuf)
{
	struct chrmem_info info;

	self->fd = open_dev(dev_index(), O_RDWR);
	self->size = dev_size(self->fd);
	self->page = page_size();
	get_info(self->fd, &info);
	self->cache_mode = info.cache_mode;
	ASSERT_GE(self->size, 4 * self->page);
}

FIXTURE_TEARDOWN(dmabuf)
{
	set_cache_mode(self->fd, self->cache_mode);
	close(self->fd);
}

TEST_F(dmabuf, bad_ranges_and_flags_einval)
{
	uint64_t page = self->page, size = self->size;
	int rw = O_RDWR | O_CLOEXEC;
	struct chrmem_export_dmabuf req = {
		.offset = 0, .length = page, .flags = O_RDWR, .reserved = 1,
	};

	/* Empty, unaligned, past the end, wrapping around. */
	EXPECT_ERRNO(EINVAL, export_range(self->fd, 0, 0, rw));
	EXPECT_ERRNO(EINVAL, export_range(self->fd, 1, page, rw));
	EXPECT_ERRNO(EINVAL, export_range(self->fd, 0, page + 1, rw));
	EXPECT_ERRNO(EINVAL, export_range(self->fd, 0, page - 1, rw));
	EXPECT_ERRNO(EINVAL, export_range(self->fd, 0, size + page, rw));
	EXPECT_ERRNO(EINVAL, export_range(self->fd, size, page, rw));
	EXPECT_ERRNO(EINVAL, export_range(self->fd, page, size, rw));
	EXPECT_ERRNO(EINVAL, export_range(self->fd, -page, 2 * page, rw));
	EXPECT_ERRNO(EINVAL, export_range(self->fd, page, -page, rw));
	/* Write-only, other file flags, unknown bits, reserved. */
	EXPECT_ERRNO(EINVAL, export_range(self->fd, 0, page, O_WRONLY));
	EXPECT_ERRNO(EINVAL, export_range(self->fd, 0, page, O_RDWR | O_APPEND));
	EXPECT_ERRNO(EINVAL, export_range(self->fd, 0, page, O_RDWR | 0x80000000u));
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, CHRMEM_IOC_EXPORT_DMABUF, &req));
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, CHRMEM_IOC_EXPORT_DMABUF, NULL));
}

TEST_F(dmabuf, export_needs_a_file_open_for_writing)
{
	int ro = open_dev(dev_index(), O_RDONLY);

	EXPECT_ERRNO(EBADF, export_range(ro, 0, self->page, O_RDONLY));
	close(ro);
}

TEST_F(dmabuf, the_whole_buffer_and_its_last_page_export)
{
	int a = export_range(self->fd, 0, self->size, O_RDWR | O_CLOEXEC);
	int b = export_range(self->fd, self->size - self->page, self->page, O_RDONLY);

	ASSERT_OK(a);
	ASSERT_OK(b);
	/* O_CLOEXEC is the descriptor's; the access mode the file's. */
	EXPECT_EQ(FD_CLOEXEC, fcntl(a, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, fcntl(b, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDWR, fcntl(a, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(O_RDONLY, fcntl(b, F_GETFL) & O_ACCMODE);
	/* A dma-buf is as large as its range. */
	EXPECT_EQ((off_t)self->size, lseek(a, 0, SEEK_END));
	EXPECT_EQ((off_t)self->page, lseek(b, 0, SEEK_END));
	close(a);
	close(b);
}

TEST_F(dmabuf, mmap_of_the_dmabuf_is_the_range_of_the_buffer)
{
	size_t page = self->page, len = 3 * page;
	uint8_t *buf = xmalloc(len), *map;
	int dmabuf;

	/* The range starts one page into the buffer. */
	fill_pattern(buf, len, page, 60);
	pwrite_all(self->fd, buf, len, page);
	dmabuf = export_range(self->fd, page, len, O_RDWR | O_CLOEXEC);
	ASSERT_OK(dmabuf);
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);
	ASSERT_NE(MAP_FAILED, (void *)map);
	ASSERT_PATTERN(map, len, page, 60);
	/* And the other way round, at an offset into the dma-buf. */
	memset(map + page + 7, 0xa5, 9);
	pread_all(self->fd, buf, 9, 2 * page + 7);
	EXPECT_EQ(0xa5, buf[0]);
	EXPECT_EQ(0xa5, buf[8]);
	ASSERT_OK(munmap(map, len));
	map = mmap(NULL, page, PROT_READ, MAP_SHARED, dmabuf, 2 * page);
	ASSERT_NE(MAP_FAILED, (void *)map);
	pread_all(self->fd, buf, page, 3 * page);
	EXPECT_EQ(0, memcmp(map, buf, page));
	ASSERT_OK(munmap(map, page));
	/* Not past the range, even where the buffer goes on. */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, page, PROT_READ, MAP_SHARED, dmabuf, 3 * page));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 4 * page, PROT_READ, MAP_SHARED, dmabuf, 0));
	close(dmabuf);
	free(buf);
}

TEST_F(dmabuf, a_read_only_dmabuf_maps_read_only)
{
	int dmabuf = export_range(self->fd, 0, self->page, O_RDONLY);
	void *map;

	ASSERT_OK(dmabuf);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, self->page, PROT_READ | PROT_WRITE,
				   MAP_SHARED, dmabuf, 0));
	EXPECT_EQ(EACCES, errno);
	map = mmap(NULL, self->page, PROT_READ, MAP_SHARED, dmabuf, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_OK(munmap(map, self->page));
	close(dmabuf);
}

TEST_F(dmabuf, dma_buf_ioctl_sync_brackets_cpu_access)
{
	struct dma_buf_sync sync = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW };
	int dmabuf = export_range(self->fd, 0, 2 * self->page, O_RDWR);

	ASSERT_OK(dmabuf);
	EXPECT_OK(ioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &sync));
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	EXPECT_OK(ioctl(dmabuf, DMA_BUF_IOCTL_SYNC, &sync));
	close(dmabuf);
}

static uint32_t other_mode(uint32_t mode)
{
	return mode == CHRMEM_CACHE_CACHED ? CHRMEM_CACHE_WC : CHRMEM_CACHE_CACHED;
}

TEST_F(dmabuf, memory_type_frozen_while_an_export_or_its_mapping_lives)
{
	uint32_t other = other_mode(self->cache_mode);
	int dmabuf = export_range(self->fd, 0, self->page, O_RDWR);
	char path[256];
	void *map;

	ASSERT_OK(dmabuf);
	EXPECT_ERRNO(EBUSY, set_cache_mode(self->fd, other));
	/* The mode it has is no change. */
	EXPECT_OK(set_cache_mode(self->fd, self->cache_mode));
	/* Nor may the binding change (unbinding an unbound buffer included). */
	snprintf(path, sizeof(path), "%s/dma_device", sysfs_dir(dev_index()));
	EXPECT_ERR(EBUSY, -write_text(path, "\n"));
	/* A mapping keeps the dma-buf, and so the freeze, alive. */
	map = mmap(NULL, self->page, PROT_READ, MAP_SHARED, dmabuf, 0);
	ASSERT_NE(MAP_FAILED, map);
	close(dmabuf);
	EXPECT_ERRNO(EBUSY, set_cache_mode(self->fd, other));
	ASSERT_OK(munmap(map, self->page));
	/* The last one gone, the type may change again. */
	EXPECT_OK(set_cache_mode(self->fd, other));
	EXPECT_OK(set_cache_mode(self->fd, self->cache_mode));
}

TEST_F(dmabuf, an_export_of_an_uncached_buffer_maps_and_ends_cleanly)
{
	int dmabuf;
	uint8_t *map;

	ASSERT_OK(set_cache_mode(self->fd, CHRMEM_CACHE_UNCACHED));
	dmabuf = export_range(self->fd, self->page, self->page, O_RDWR);
	ASSERT_OK(dmabuf);
	map = mmap(NULL, self->page, PROT_READ | PROT_WRITE, MAP_SHARED, dmabuf, 0);
	ASSERT_NE(MAP_FAILED, (void *)map);
	map[0] = 0x5a;
	ASSERT_OK(munmap(map, self->page));
	close(dmabuf);
	/* Back to the device's first mode once the export is gone. */
	EXPECT_OK(set_cache_mode(self->fd, self->cache_mode));
}

/* Only the dma-buf holds the module: every chrmem file is closed. */
TEST(rmmod_refused_while_an_export_lives)
{
	int fd = open_dev(dev_index(), O_RDWR);
	int dmabuf = export_range(fd, 0, page_size(), O_RDWR | O_CLOEXEC);

	ASSERT_OK(dmabuf);
	close(fd);
	EXPECT_ERR(EWOULDBLOCK, unload_module());
	EXPECT_TRUE(module_loaded());
	close(dmabuf);
}
