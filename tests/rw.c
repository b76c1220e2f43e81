// SPDX-License-Identifier: GPL-2.0
/*
 * rw.c - read(), write(), llseek() and their edges on /dev/chrmemN.
 *
 * Run with the default load and with a multi-chunk buffer (size=6M): the
 * chunk-boundary tests skip on buffers of one chunk.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "chrmem_test.h"

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
	/* Every test below needs at least two pages. */
	ASSERT_LE(2 * self->page, self->size);
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

static off_t pos_of(int fd)
{
	return lseek(fd, 0, SEEK_CUR);
}

/* An address that is certainly not mapped: a page we unmap again. */
static void *unmapped_page(void)
{
	void *p = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED)
		munmap(p, page_size());
	return opaque_ptr((uintptr_t)p);
}

/* A kernel address: user copies from or to it must fail. */
static void *kernel_address(void)
{
	return opaque_ptr(sizeof(long) == 8 ? (uintptr_t)0xffff888000000000ULL
					    : (uintptr_t)0xfffff000UL);
}

TEST_F(dev, pwrite_pread_roundtrip)
{
	size_t len = 10000;
	uint8_t *in = xmalloc(len), *out = xmalloc(len);

	fill_pattern(in, len, 123, 1);
	/* Data written at an unaligned offset reads back unchanged. */
	pwrite_all(self->fd, in, len, 123);
	pread_all(self->fd, out, len, 123);
	ASSERT_PATTERN(out, len, 123, 1);
	free(in);
	free(out);
}

TEST_F(dev, read_write_advance_position)
{
	uint8_t in[300], out[300];

	fill_pattern(in, sizeof(in), 0, 2);
	ASSERT_EQ(0, lseek(self->fd, 0, SEEK_SET));
	ASSERT_EQ(100, write(self->fd, in, 100));
	ASSERT_EQ(100, pos_of(self->fd));
	ASSERT_EQ(200, write(self->fd, in + 100, 200));
	ASSERT_EQ(300, pos_of(self->fd));
	ASSERT_EQ(0, lseek(self->fd, 0, SEEK_SET));
	ASSERT_EQ(150, read(self->fd, out, 150));
	ASSERT_EQ(150, pos_of(self->fd));
	ASSERT_EQ(150, read(self->fd, out + 150, 150));
	ASSERT_EQ(300, pos_of(self->fd));
	ASSERT_PATTERN(out, sizeof(out), 0, 2);
}

TEST_F(dev, read_short_at_end)
{
	uint8_t in[10], out[100];

	fill_pattern(in, sizeof(in), self->size - 10, 3);
	pwrite_all(self->fd, in, sizeof(in), self->size - 10);
	ASSERT_EQ((off_t)self->size - 10, lseek(self->fd, -10, SEEK_END));
	/* Only the 10 bytes before the end come back... */
	ASSERT_EQ(10, read(self->fd, out, sizeof(out)));
	ASSERT_PATTERN(out, 10, self->size - 10, 3);
	ASSERT_EQ((off_t)self->size, pos_of(self->fd));
	/* ...and then end of file, again and again. */
	ASSERT_EQ(0, read(self->fd, out, sizeof(out)));
	ASSERT_EQ(0, read(self->fd, out, sizeof(out)));
	ASSERT_EQ((off_t)self->size, pos_of(self->fd));
}

TEST_F(dev, pread_short_and_eof)
{
	uint8_t out[64];

	ASSERT_EQ(3, pread(self->fd, out, sizeof(out), self->size - 3));
	ASSERT_EQ(0, pread(self->fd, out, sizeof(out), self->size));
	ASSERT_EQ(0, pread(self->fd, out, sizeof(out), self->size + 1));
	ASSERT_EQ(0, pread(self->fd, out, sizeof(out), 1LL << 40));
	ASSERT_EQ(0, pread(self->fd, out, sizeof(out), LLONG_MAX - 100));
}

TEST_F(dev, huge_count_near_end_is_short)
{
	/*
	 * A count far larger than the buffer only returns what is left.  The
	 * kernel checks the whole user range [out, out + huge) before reading,
	 * so out must have 1 GiB of address space above it: a stack buffer
	 * does not when the stack is randomised near the top of user space
	 * (EFAULT about one run in sixteen); a static one, low in a static
	 * binary, always does.
	 */
	static uint8_t out[64];
	volatile size_t huge = 1UL << 30;

	ASSERT_EQ(16, pread(self->fd, out, huge, self->size - 16));
}

TEST_F(dev, zero_length_transfers)
{
	uint8_t buf[1];

	ASSERT_EQ(0, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(0, read(self->fd, buf, 0));
	EXPECT_EQ(0, write(self->fd, buf, 0));
	EXPECT_EQ(0, pos_of(self->fd));
}

TEST_F(dev, write_at_end_enospc)
{
	struct chrmem_info before, after;
	uint8_t in[16] = { 0 }, last[16], out[16];

	fill_pattern(last, sizeof(last), self->size - 16, 4);
	pwrite_all(self->fd, last, sizeof(last), self->size - 16);
	get_info(self->fd, &before);

	ASSERT_EQ((off_t)self->size, lseek(self->fd, 0, SEEK_END));
	EXPECT_ERRNO(ENOSPC, write(self->fd, in, 1));
	EXPECT_ERRNO(ENOSPC, write(self->fd, in, sizeof(in)));
	/* The failed writes did not move the position. */
	EXPECT_EQ((off_t)self->size, pos_of(self->fd));
	EXPECT_ERRNO(ENOSPC, pwrite(self->fd, in, 1, self->size));
	EXPECT_ERRNO(ENOSPC, pwrite(self->fd, in, 1, self->size + 4096));
	EXPECT_ERRNO(ENOSPC, pwrite(self->fd, in, 1, 1LL << 40));

	/* Nothing was written, nothing was counted. */
	pread_all(self->fd, out, sizeof(out), self->size - 16);
	EXPECT_PATTERN(out, sizeof(out), self->size - 16, 4);
	get_info(self->fd, &after);
	EXPECT_EQ(before.bytes_written, after.bytes_written);
}

TEST_F(dev, write_crossing_end_writes_what_fits)
{
	uint8_t old[32], in[32], out[32];
	uint64_t end = self->size;

	fill_pattern(old, sizeof(old), end - 32, 5);
	pwrite_all(self->fd, old, sizeof(old), end - 32);
	fill_pattern(in, sizeof(in), 0, 6);

	/* 10 bytes at end - 5: the 5 that fit are written and counted. */
	ASSERT_EQ(5, pwrite(self->fd, in, 10, end - 5));
	pread_all(self->fd, out, sizeof(out), end - 32);
	EXPECT_PATTERN(out, 27, end - 32, 5);
	EXPECT_EQ(0, memcmp(out + 27, in, 5));

	/* Same through write(): the position stops at the end... */
	ASSERT_EQ((off_t)end - 3, lseek(self->fd, -3, SEEK_END));
	ASSERT_EQ(3, write(self->fd, in, 8));
	EXPECT_EQ((off_t)end, pos_of(self->fd));
	/* ...and the next write finds no space. */
	EXPECT_ERRNO(ENOSPC, write(self->fd, in, 8));
}

TEST_F(dev, llseek_within_range)
{
	off_t size = (off_t)self->size;

	EXPECT_EQ(0, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(size / 2, lseek(self->fd, size / 2, SEEK_SET));
	EXPECT_EQ(size, lseek(self->fd, size, SEEK_SET));
	EXPECT_EQ(size, lseek(self->fd, 0, SEEK_CUR));
	EXPECT_EQ(size - 1, lseek(self->fd, -1, SEEK_CUR));
	EXPECT_EQ(size, lseek(self->fd, 1, SEEK_CUR));
	EXPECT_EQ(0, lseek(self->fd, -size, SEEK_CUR));
	EXPECT_EQ(size, lseek(self->fd, 0, SEEK_END));
	EXPECT_EQ(size - 1, lseek(self->fd, -1, SEEK_END));
	EXPECT_EQ(0, lseek(self->fd, -size, SEEK_END));
}

struct bad_seek {
	int whence;
	long long offset;	/* for SEEK_CUR relative to 4096 */
	const char *what;
};

TEST_F(dev, llseek_outside_range_einval)
{
	long long size = (long long)self->size, pos = 4096;
	const struct bad_seek bad[] = {
		{ SEEK_SET, -1, "SET -1" },
		{ SEEK_SET, size + 1, "SET size+1" },
		{ SEEK_SET, size + 4096, "SET size+4096" },
		{ SEEK_SET, LLONG_MAX, "SET LLONG_MAX" },
		{ SEEK_SET, LLONG_MIN, "SET LLONG_MIN" },
		{ SEEK_CUR, -pos - 1, "CUR before 0" },
		{ SEEK_CUR, size - pos + 1, "CUR past size" },
		{ SEEK_CUR, LLONG_MAX, "CUR LLONG_MAX (overflow)" },
		{ SEEK_CUR, LLONG_MIN, "CUR LLONG_MIN" },
		{ SEEK_END, 1, "END +1" },
		{ SEEK_END, -size - 1, "END before 0" },
		{ SEEK_END, LLONG_MAX, "END LLONG_MAX (overflow)" },
		{ SEEK_END, LLONG_MIN, "END LLONG_MIN" },
		{ 5, 0, "whence 5" },
		{ 99, 0, "whence 99" },
		{ -1, 0, "whence -1" },
		{ INT_MAX, 0, "whence INT_MAX" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_EQ(pos, lseek(self->fd, pos, SEEK_SET));
		errno = 0;
		off_t r = lseek(self->fd, bad[i].offset, bad[i].whence);
		if (r != -1 || errno != EINVAL)
			TH_LOG("lseek %s: returned %lld, errno %s", bad[i].what,
			       (long long)r, th_errname(errno));
		EXPECT_EQ(-1, r);
		EXPECT_EQ(EINVAL, errno);
		/* A failed seek leaves the position alone. */
		EXPECT_EQ(pos, pos_of(self->fd));
	}
}

TEST_F(dev, llseek_data_hole_einval)
{
	/* The issue: SEEK_SET/CUR/END within [0, size], EINVAL otherwise. */
	ASSERT_EQ(4096, lseek(self->fd, 4096, SEEK_SET));
	EXPECT_ERRNO(EINVAL, lseek(self->fd, 0, SEEK_DATA));
	EXPECT_ERRNO(EINVAL, lseek(self->fd, 100, SEEK_DATA));
	EXPECT_ERRNO(EINVAL, lseek(self->fd, 0, SEEK_HOLE));
	EXPECT_ERRNO(EINVAL, lseek(self->fd, 100, SEEK_HOLE));
	EXPECT_EQ(4096, pos_of(self->fd));
}

TEST_F(dev, positions_are_per_open_file)
{
	int fd2 = open_dev(self->idx, O_RDWR);
	uint8_t in[5], out[5];

	fill_pattern(in, sizeof(in), 100, 7);
	ASSERT_EQ(100, lseek(self->fd, 100, SEEK_SET));
	/* The second open file starts at 0 and moves on its own. */
	EXPECT_EQ(0, pos_of(fd2));
	ASSERT_EQ(5, read(fd2, out, sizeof(out)));
	EXPECT_EQ(5, pos_of(fd2));
	EXPECT_EQ(100, pos_of(self->fd));
	ASSERT_EQ(5, write(self->fd, in, sizeof(in)));
	EXPECT_EQ(105, pos_of(self->fd));
	EXPECT_EQ(5, pos_of(fd2));
	/* Both see the same buffer. */
	ASSERT_EQ(5, pread(fd2, out, sizeof(out), 100));
	EXPECT_PATTERN(out, sizeof(out), 100, 7);
	close(fd2);
}

TEST_F(dev, pread_pwrite_keep_position)
{
	uint8_t buf[64];

	fill_pattern(buf, sizeof(buf), 0, 8);
	ASSERT_EQ(50, lseek(self->fd, 50, SEEK_SET));
	ASSERT_EQ(64, pwrite(self->fd, buf, sizeof(buf), 1000));
	ASSERT_EQ(64, pread(self->fd, buf, sizeof(buf), 2000));
	EXPECT_EQ(50, pos_of(self->fd));
}

TEST_F(dev, negative_offsets_einval)
{
	uint8_t buf[8] = { 0 };

	EXPECT_ERRNO(EINVAL, pread(self->fd, buf, sizeof(buf), -1));
	EXPECT_ERRNO(EINVAL, pwrite(self->fd, buf, sizeof(buf), -1));
	EXPECT_ERRNO(EINVAL, pread(self->fd, buf, sizeof(buf), LLONG_MIN));
	/* pos + count would overflow loff_t: the VFS refuses it. */
	EXPECT_ERRNO(EINVAL, pwrite(self->fd, buf, sizeof(buf), LLONG_MAX - 2));
}

TEST_F(dev, readv_writev_gather_scatter)
{
	uint8_t in[3000], out[3000];
	struct iovec wv[3] = {
		{ in, 1000 }, { in + 1000, 1 }, { in + 1001, 1999 },
	};
	struct iovec rv[2] = { { out, 2500 }, { out + 2500, 500 } };

	fill_pattern(in, sizeof(in), self->page - 1500, 9);
	ASSERT_EQ((off_t)self->page - 1500,
		  lseek(self->fd, self->page - 1500, SEEK_SET));
	ASSERT_EQ(3000, writev(self->fd, wv, 3));
	ASSERT_EQ((off_t)self->page - 1500,
		  lseek(self->fd, self->page - 1500, SEEK_SET));
	ASSERT_EQ(3000, readv(self->fd, rv, 2));
	EXPECT_PATTERN(out, sizeof(out), self->page - 1500, 9);
}

/*
 * Bad user pointers: EFAULT, and nothing moves: not the position, not the
 * device content, not the statistics.
 */
TEST_F(dev, read_into_bad_pointer_efault)
{
	void *ro = mmap(NULL, self->page, PROT_READ,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *none = unmapped_page();
	struct chrmem_info before, after;
	uint8_t data[64], out[64];

	ASSERT_TRUE(ro != MAP_FAILED);
	fill_pattern(data, sizeof(data), 0, 10);
	pwrite_all(self->fd, data, sizeof(data), 0);
	get_info(self->fd, &before);
	ASSERT_EQ(0, lseek(self->fd, 0, SEEK_SET));

	EXPECT_ERRNO(EFAULT, read(self->fd, opaque_ptr(0), 16));
	EXPECT_ERRNO(EFAULT, read(self->fd, opaque_ptr(1), 16));
	EXPECT_ERRNO(EFAULT, read(self->fd, none, 16));
	/* The kernel cannot write into a read-only mapping either. */
	EXPECT_ERRNO(EFAULT, read(self->fd, ro, 16));
	EXPECT_ERRNO(EFAULT, read(self->fd, kernel_address(), 16));
	EXPECT_ERRNO(EFAULT, pread(self->fd, none, 16, 100));
	EXPECT_ERRNO(EFAULT, pread(self->fd, ro, 16, 100));

	EXPECT_EQ(0, pos_of(self->fd));
	get_info(self->fd, &after);
	EXPECT_EQ(before.bytes_read, after.bytes_read);
	pread_all(self->fd, out, sizeof(out), 0);
	EXPECT_PATTERN(out, sizeof(out), 0, 10);
	munmap(ro, self->page);
}

TEST_F(dev, write_from_bad_pointer_efault)
{
	void *noaccess = mmap(NULL, self->page, PROT_NONE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *none = unmapped_page();
	struct chrmem_info before, after;
	uint8_t data[64], out[64];

	ASSERT_TRUE(noaccess != MAP_FAILED);
	fill_pattern(data, sizeof(data), 0, 11);
	pwrite_all(self->fd, data, sizeof(data), 0);
	get_info(self->fd, &before);
	ASSERT_EQ(0, lseek(self->fd, 0, SEEK_SET));

	EXPECT_ERRNO(EFAULT, write(self->fd, opaque_ptr(0), 16));
	EXPECT_ERRNO(EFAULT, write(self->fd, opaque_ptr(1), 16));
	EXPECT_ERRNO(EFAULT, write(self->fd, none, 16));
	EXPECT_ERRNO(EFAULT, write(self->fd, noaccess, 16));
	EXPECT_ERRNO(EFAULT, write(self->fd, kernel_address(), 16));
	EXPECT_ERRNO(EFAULT, pwrite(self->fd, none, 16, 0));

	EXPECT_EQ(0, pos_of(self->fd));
	get_info(self->fd, &after);
	EXPECT_EQ(before.bytes_written, after.bytes_written);
	/* The device content is what it was. */
	pread_all(self->fd, out, sizeof(out), 0);
	EXPECT_PATTERN(out, sizeof(out), 0, 11);
	munmap(noaccess, self->page);
}

/*
 * A user buffer whose first 100 bytes are mapped and the rest not: the
 * driver may copy the 100 bytes and return 100, or fail with EFAULT; either
 * way the statistics count exactly what moved and the data that moved is
 * right, nothing else changed.
 */
TEST_F(dev, partially_bad_buffer_counts_what_moved)
{
	size_t pg = self->page;
	uint8_t *two = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *edge = two + pg - 100;
	struct chrmem_info a, b;
	uint8_t data[200], out[200];
	ssize_t r;

	ASSERT_TRUE(two != MAP_FAILED);
	ASSERT_OK(munmap(two + pg, pg));
	fill_pattern(data, sizeof(data), 0, 13);
	pwrite_all(self->fd, data, sizeof(data), 0);

	get_info(self->fd, &a);
	r = pread(self->fd, edge, 200, 0);
	get_info(self->fd, &b);
	TH_LOG("read into a half-mapped buffer: %zd (%s)", r,
	       r < 0 ? th_errname(errno) : "partial");
	EXPECT_TRUE(r == 100 || (r == -1 && errno == EFAULT));
	EXPECT_EQ(a.bytes_read + (r > 0 ? r : 0), b.bytes_read);
	if (r > 0)
		EXPECT_PATTERN(edge, (size_t)r, 0, 13);

	fill_pattern(edge, 100, 0, 14);
	get_info(self->fd, &a);
	r = pwrite(self->fd, edge, 200, 0);
	get_info(self->fd, &b);
	EXPECT_TRUE(r == 100 || (r == -1 && errno == EFAULT));
	EXPECT_EQ(a.bytes_written + (r > 0 ? r : 0), b.bytes_written);
	pread_all(self->fd, out, sizeof(out), 0);
	/* What was written is the mapped part; the rest is unchanged. */
	if (r > 0)
		EXPECT_PATTERN(out, (size_t)r, 0, 14);
	EXPECT_PATTERN(out + (r > 0 ? r : 0), sizeof(out) - (r > 0 ? r : 0),
		       (r > 0 ? r : 0), 13);
	munmap(two, pg);
}

TEST(wrong_access_mode_ebadf)
{
	int idx = dev_index();
	int ro = open_dev(idx, O_RDONLY), wo = open_dev(idx, O_WRONLY);
	uint8_t buf[8] = { 0 };

	EXPECT_ERRNO(EBADF, write(ro, buf, sizeof(buf)));
	EXPECT_ERRNO(EBADF, read(wo, buf, sizeof(buf)));
	/* The other direction works. */
	EXPECT_EQ(8, read(ro, buf, sizeof(buf)));
	EXPECT_EQ(8, write(wo, buf, sizeof(buf)));
	close(ro);
	close(wo);
}

/* The whole buffer in one write() and one read() (at most 64 MiB at once). */
TEST_F_TIMEOUT(dev, whole_buffer_in_one_call, 300)
{
	size_t win = self->size < (64u << 20) ? self->size : (64u << 20);
	uint8_t *in = xmalloc(win), *out = xmalloc(win);
	uint64_t off;

	for (off = 0; off < self->size; off += win) {
		fill_pattern(in, win, off, 12);
		ASSERT_EQ(off, lseek(self->fd, off, SEEK_SET));
		ASSERT_EQ((ssize_t)win, write(self->fd, in, win));
	}
	for (off = 0; off < self->size; off += win) {
		memset(out, 0, win);
		ASSERT_EQ(off, lseek(self->fd, off, SEEK_SET));
		ASSERT_EQ((ssize_t)win, read(self->fd, out, win));
		ASSERT_PATTERN(out, win, off, 12);
	}
	free(in);
	free(out);
}

/* Transfers that start just before a 4 MiB chunk boundary and cross it. */
TEST_F_TIMEOUT(dev, transfers_across_chunk_boundaries, 120)
{
	const size_t lens[] = { 1, 7, 4095, 4096, 4097, 3 * 4096 + 5, 1 << 20 };
	uint8_t *in, *out;
	uint64_t b;
	size_t i;

	require_multichunk(self->size);
	in = xmalloc(2u << 20);
	out = xmalloc(2u << 20);
	for (b = CHRMEM_CHUNK_MAX; b < self->size; b += CHRMEM_CHUNK_MAX) {
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			size_t len = lens[i];
			uint64_t off = b - (len + 1) / 2;
			uint32_t seed = 100 + (uint32_t)i;

			if (off + len > self->size)
				continue;
			fill_pattern(in, len, off, seed);
			ASSERT_EQ((ssize_t)len, pwrite(self->fd, in, len, off));
			memset(out, 0, len);
			ASSERT_EQ((ssize_t)len, pread(self->fd, out, len, off));
			ASSERT_PATTERN(out, len, off, seed);
		}
		/* Written by pages, read by one call crossing the boundary. */
		for (i = 0; i < 16; i++) {
			uint64_t off = b - 8 * 4096 + i * 4096;

			fill_pattern(in, 4096, off, 200);
			ASSERT_EQ(4096, pwrite(self->fd, in, 4096, off));
		}
		ASSERT_EQ(16 * 4096 - 2,
			  pread(self->fd, out, 16 * 4096 - 2, b - 8 * 4096 + 1));
		ASSERT_PATTERN(out, 16 * 4096 - 2, b - 8 * 4096 + 1, 200);
	}
	free(in);
	free(out);
}

TEST_F(dev, statistics_count_transferred_bytes)
{
	struct chrmem_info a, b;
	uint8_t buf[1000] = { 0 };

	get_info(self->fd, &a);
	ASSERT_EQ(1000, pwrite(self->fd, buf, 1000, 0));
	ASSERT_EQ(700, pread(self->fd, buf, 700, 0));
	/* Short transfers count what they moved, failures nothing. */
	ASSERT_EQ(10, pread(self->fd, buf, 100, self->size - 10));
	ASSERT_EQ(0, pread(self->fd, buf, 100, self->size));
	ASSERT_EQ(4, pwrite(self->fd, buf, 100, self->size - 4));
	EXPECT_ERRNO(ENOSPC, pwrite(self->fd, buf, 100, self->size));
	EXPECT_ERRNO(EFAULT, pread(self->fd, opaque_ptr(0), 100, 0));
	get_info(self->fd, &b);
	EXPECT_EQ(a.bytes_written + 1004, b.bytes_written);
	EXPECT_EQ(a.bytes_read + 710, b.bytes_read);
}
