// SPDX-License-Identifier: GPL-2.0
/*
 * mmap.c - mmap() of /dev/chrmemN: offsets and lengths, sharing, fork,
 * partial munmap and the mapping count, refused flags, VmFlags, CLEAR and
 * RESET seen through a mapping, multi-chunk buffers, lifetime.
 *
 * Run with the default load and with size=6M (multi-chunk tests skip on a
 * buffer of one chunk).
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chrmem_test.h"

FIXTURE(map) {
	int idx;
	int fd;
	uint64_t size;
	size_t page;
};

FIXTURE_SETUP(map)
{
	self->idx = dev_index();
	self->page = page_size();
	self->fd = open_dev(self->idx, O_RDWR);
	self->size = dev_size(self->fd);
	ASSERT_LE(4 * self->page, self->size);
}

FIXTURE_TEARDOWN(map)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Live mappings, from GET_INFO; the sysfs attribute must agree. */
static unsigned int mappings_(struct th_test *_metadata, int idx, int fd)
{
	struct chrmem_info info;

	get_info(fd, &info);
	EXPECT_EQ(info.mappings, sysfs_ull(idx, "mappings"));
	return info.mappings;
}
#define mappings(self)	mappings_(_metadata, (self)->idx, (self)->fd)

TEST_F(map, whole_buffer)
{
	uint8_t *p = map_dev(self->fd, 0, self->size, PROT_READ | PROT_WRITE,
			     MAP_SHARED);

	/* Every byte of the buffer is reachable, first and last included. */
	p[0] = 0x5a;
	p[self->size - 1] = 0xa5;
	EXPECT_EQ(0x5a, p[0]);
	EXPECT_EQ(0xa5, p[self->size - 1]);
	ASSERT_OK(munmap(p, self->size));
}

TEST_F(map, write_seen_through_mapping)
{
	size_t len = 3 * self->page;
	uint8_t *p = map_dev(self->fd, 0, len, PROT_READ | PROT_WRITE,
			     MAP_SHARED);
	uint8_t *in = xmalloc(len);

	fill_pattern(in, len, 0, 20);
	/* write() lands in the mapping at once. */
	pwrite_all(self->fd, in, len, 0);
	EXPECT_PATTERN(p, len, 0, 20);
	munmap(p, len);
	free(in);
}

TEST_F(map, mapping_seen_through_read)
{
	size_t len = 3 * self->page;
	uint8_t *p = map_dev(self->fd, 0, len, PROT_READ | PROT_WRITE,
			     MAP_SHARED);
	uint8_t *out = xmalloc(len);

	fill_pattern(p, len, 0, 21);
	/* Stores through the mapping are what read() returns. */
	pread_all(self->fd, out, len, 0);
	EXPECT_PATTERN(out, len, 0, 21);
	munmap(p, len);
	free(out);
}

TEST_F(map, partial_at_offset)
{
	off_t off = 2 * self->page;
	size_t len = self->page + 100;	/* rounded up to two pages */
	uint8_t *p;
	uint8_t *in = xmalloc(2 * self->page);

	fill_pattern(in, 2 * self->page, off, 22);
	pwrite_all(self->fd, in, 2 * self->page, off);
	p = map_dev(self->fd, off, len, PROT_READ, MAP_SHARED);
	/* The mapping starts at the file offset, not at 0. */
	EXPECT_PATTERN(p, 2 * self->page, off, 22);
	munmap(p, len);
	free(in);
}

TEST_F(map, last_page)
{
	off_t off = self->size - self->page;
	uint8_t *p = map_dev(self->fd, off, self->page, PROT_READ | PROT_WRITE,
			     MAP_SHARED);
	uint8_t out[1];

	p[self->page - 1] = 0x77;
	ASSERT_EQ(1, pread(self->fd, out, 1, self->size - 1));
	EXPECT_EQ(0x77, out[0]);
	munmap(p, self->page);
}

TEST_F(map, past_the_end_einval)
{
	size_t pg = self->page;
	off_t size = (off_t)self->size;

	EXPECT_ERR(EINVAL, try_map(self->fd, 0, self->size + pg,
				   PROT_READ, MAP_SHARED));
	EXPECT_ERR(EINVAL, try_map(self->fd, 0, self->size + 1,
				   PROT_READ, MAP_SHARED));
	EXPECT_ERR(EINVAL, try_map(self->fd, size, pg, PROT_READ, MAP_SHARED));
	EXPECT_ERR(EINVAL, try_map(self->fd, size - pg, 2 * pg,
				   PROT_READ, MAP_SHARED));
	EXPECT_ERR(EINVAL, try_map(self->fd, size + pg, pg,
				   PROT_READ, MAP_SHARED));
	EXPECT_ERR(EINVAL, try_map(self->fd, pg, self->size,
				   PROT_READ, MAP_SHARED));
	/* Nothing is left mapped by the refusals. */
	EXPECT_EQ(0, mappings(self));
}

TEST_F(map, huge_offsets_einval)
{
	size_t pg = self->page;

	/* Offsets far past the buffer, where off + len is still small. */
	EXPECT_ERR(EINVAL, try_map(self->fd, 1LL << 32, pg, PROT_READ, MAP_SHARED));
	EXPECT_ERR(EINVAL, try_map(self->fd, 1LL << 40, pg, PROT_READ, MAP_SHARED));
	EXPECT_ERR(EINVAL, try_map(self->fd, (off_t)(LLONG_MAX & ~(long long)(pg - 1)),
				   pg, PROT_READ, MAP_SHARED));
	/*
	 * An offset whose low 32 bits are 0: a driver that truncates the
	 * offset would map the start of the buffer.
	 */
	EXPECT_ERR(EINVAL, try_map(self->fd, (1LL << 32) + 0, self->size,
				   PROT_READ, MAP_SHARED));
	EXPECT_EQ(0, mappings(self));
}

TEST_F(map, offset_plus_length_overflow_refused)
{
	size_t pg = self->page;

	/*
	 * offset + length wraps around 2^64. The kernel's own check
	 * (do_mmap -> file_mmap_ok) answers EOVERFLOW before the driver
	 * is asked; what matters is that nothing is mapped.
	 */
	EXPECT_ERR(EOVERFLOW, try_map(self->fd, (off_t)-(long long)pg, pg,
				      PROT_READ, MAP_SHARED));
	EXPECT_ERR(EOVERFLOW, try_map(self->fd, (off_t)-(long long)pg, 2 * pg,
				      PROT_READ, MAP_SHARED));
	/*
	 * Just below the kernel's limit the offset reaches the driver:
	 * off + len does not wrap in 64 bits, the driver must refuse.
	 */
	EXPECT_ERR(EINVAL, try_map(self->fd, (off_t)-(long long)(4 * pg), pg,
				   PROT_READ, MAP_SHARED));
	EXPECT_EQ(0, mappings(self));
}

TEST_F(map, bad_length_and_alignment)
{
	/* Length 0 and unaligned offsets are refused by the kernel. */
	EXPECT_ERR(EINVAL, try_map(self->fd, 0, 0, PROT_READ, MAP_SHARED));
	EXPECT_ERR(EINVAL, try_map(self->fd, 1, self->page, PROT_READ, MAP_SHARED));
	EXPECT_ERR(EINVAL, try_map(self->fd, self->page / 2, self->page,
				   PROT_READ, MAP_SHARED));
	EXPECT_EQ(0, mappings(self));
}

TEST_F(map, private_writable_refused)
{
	EXPECT_ERR(EINVAL, try_map(self->fd, 0, self->page,
				   PROT_READ | PROT_WRITE, MAP_PRIVATE));
	EXPECT_ERR(EINVAL, try_map(self->fd, 0, self->page, PROT_WRITE,
				   MAP_PRIVATE));
	EXPECT_EQ(0, mappings(self));
}

TEST_F(map, private_readonly_cannot_become_writable)
{
	uint8_t in[16];
	uint8_t *p;

	fill_pattern(in, sizeof(in), 0, 23);
	pwrite_all(self->fd, in, sizeof(in), 0);
	p = map_dev(self->fd, 0, self->page, PROT_READ, MAP_PRIVATE);
	/* A private read-only mapping shows the buffer... */
	EXPECT_PATTERN(p, sizeof(in), 0, 23);
	/* ...and can never be made writable (no private copy of it). */
	EXPECT_ERRNO(EACCES, mprotect(p, self->page, PROT_READ | PROT_WRITE));
	munmap(p, self->page);
}

TEST(readonly_fd_cannot_map_writable)
{
	int idx = dev_index();
	int fd = open_dev(idx, O_RDONLY);
	size_t pg = page_size();
	uint8_t *p;

	/* The kernel's rule for shared mappings of a read-only file. */
	EXPECT_ERR(EACCES, try_map(fd, 0, pg, PROT_READ | PROT_WRITE, MAP_SHARED));
	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	EXPECT_ERRNO(EACCES, mprotect(p, pg, PROT_READ | PROT_WRITE));
	munmap(p, pg);
	close(fd);
}

TEST(writeonly_fd_cannot_map)
{
	int fd = open_dev(dev_index(), O_WRONLY);

	EXPECT_ERR(EACCES, try_map(fd, 0, page_size(), PROT_WRITE, MAP_SHARED));
	close(fd);
}

TEST_F(map, vmflags_dontdump_dontexpand)
{
	uint8_t *p = map_dev(self->fd, 0, 2 * self->page,
			     PROT_READ | PROT_WRITE, MAP_SHARED);
	char flags[256];

	ASSERT_OK(smaps_vmflags(p, flags, sizeof(flags)));
	TH_LOG("VmFlags:%s", flags);
	/* Out of core dumps, never grown by mremap, shared. */
	EXPECT_TRUE(vmflags_has(flags, "dd"));
	EXPECT_TRUE(vmflags_has(flags, "de"));
	EXPECT_TRUE(vmflags_has(flags, "sh"));
	munmap(p, 2 * self->page);
}

TEST_F(map, mremap_growth_refused)
{
	size_t pg = self->page;
	uint8_t *p = map_dev(self->fd, 0, 2 * pg, PROT_READ | PROT_WRITE,
			     MAP_SHARED);
	void *q;

	fill_pattern(p, 2 * pg, 0, 24);
	/* VM_DONTEXPAND: the kernel answers EFAULT, in place or moving. */
	q = mremap(p, 2 * pg, 4 * pg, 0);
	EXPECT_TRUE(q == MAP_FAILED);
	EXPECT_EQ(EFAULT, errno);
	q = mremap(p, 2 * pg, 4 * pg, MREMAP_MAYMOVE);
	EXPECT_TRUE(q == MAP_FAILED);
	EXPECT_EQ(EFAULT, errno);
	/* The mapping is untouched. */
	EXPECT_EQ(1, mappings(self));
	EXPECT_PATTERN(p, 2 * pg, 0, 24);
	/* Shrinking is a partial munmap, and allowed. */
	q = mremap(p, 2 * pg, pg, 0);
	EXPECT_TRUE(q == (void *)p);
	EXPECT_EQ(1, mappings(self));
	munmap(p, pg);
	EXPECT_EQ(0, mappings(self));
}

TEST_F(map, mremap_move_keeps_count_and_data)
{
	size_t pg = self->page;
	uint8_t *p = map_dev(self->fd, 0, 2 * pg, PROT_READ | PROT_WRITE,
			     MAP_SHARED);
	uint8_t *dst = mmap(NULL, 2 * pg, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *q;

	ASSERT_TRUE(dst != MAP_FAILED);
	fill_pattern(p, 2 * pg, 0, 35);
	/* Moving the mapping elsewhere keeps one live VMA and the data. */
	q = mremap(p, 2 * pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	ASSERT_TRUE(q == dst);
	EXPECT_EQ(1, mappings(self));
	EXPECT_PATTERN(q, 2 * pg, 0, 35);
	/* Keeping the old range mapped too is refused for such areas. */
	EXPECT_TRUE(mremap(q, 2 * pg, 2 * pg,
			   MREMAP_MAYMOVE | MREMAP_DONTUNMAP) == MAP_FAILED);
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, mappings(self));
	munmap(q, 2 * pg);
	EXPECT_EQ(0, mappings(self));
}

/* Where access_past_mapping_segv expects its one SIGSEGV. */
static void *volatile guard_addr;

/* Exit status of a SIGSEGV anywhere else: not the signal the test wants. */
#define SEGV_ELSEWHERE	3

/* Async-signal-safe "# <what> 0x<addr>\n" on stdout. */
static void say_addr(const char *what, const void *addr)
{
	char buf[128], *q = buf;
	uintptr_t v = (uintptr_t)addr;
	int shift;

	*q++ = '#';
	*q++ = ' ';
	while (*what && q < buf + 80)
		*q++ = *what++;
	*q++ = ' ';
	*q++ = '0';
	*q++ = 'x';
	for (shift = sizeof(v) * 8 - 4; shift >= 0; shift -= 4)
		*q++ = "0123456789abcdef"[(v >> shift) & 0xf];
	*q++ = '\n';
	if (write(STDOUT_FILENO, buf, q - buf) < 0)
		return;
}

/*
 * A SIGSEGV at the guard page returns with the default action back in
 * place (SA_RESETHAND): the access faults again and kills the test with
 * SIGSEGV, as the harness expects. Anywhere else it exits, so a fault
 * before the guard page (in the mapping itself) can never pass.
 */
static void segv_at_guard(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	if (si->si_addr == guard_addr)
		return;
	say_addr("SIGSEGV at", si->si_addr);
	say_addr("and not at the guard page", guard_addr);
	_exit(SEGV_ELSEWHERE);
}

/* The harness must see this die of SIGSEGV at the page after the mapping:
 * the mapping is exactly as long as asked, and that page is a guard. */
TEST_F_SIGNAL(map, access_past_mapping_segv, SIGSEGV)
{
	struct sigaction sa = {
		.sa_sigaction = segv_at_guard,
		.sa_flags = SA_SIGINFO | SA_RESETHAND,
	};
	size_t pg = self->page;
	uint8_t *area = mmap(NULL, 2 * pg, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile uint8_t *p;

	ASSERT_TRUE(area != MAP_FAILED);
	p = mmap(area, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 self->fd, 0);
	ASSERT_TRUE(p == area);
	guard_addr = area + pg;
	ASSERT_OK(sigaction(SIGSEGV, &sa, NULL));
	p[pg - 1] = 1;
	p[pg] = 1;	/* the guard page */
	TH_LOG("no SIGSEGV past the mapping");
}

TEST_F(map, two_processes_share_the_buffer)
{
	struct sync_pipe to_child, to_parent;
	size_t pg = self->page;
	uint8_t *p;
	pid_t pid;

	sync_init(&to_child);
	sync_init(&to_parent);
	pid = fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		/* An independent open and mmap in another process. */
		int fd = open_dev(self->idx, O_RDWR);
		uint8_t *c = map_dev(fd, pg, pg, PROT_READ | PROT_WRITE,
				     MAP_SHARED);

		close(fd);
		sync_wait(&to_child);		/* parent has written */
		EXPECT_PATTERN(c, pg, pg, 25);
		fill_pattern(c, pg, pg, 26);
		sync_signal(&to_parent);	/* child has written */
		_exit(_metadata->failures ? 1 : 0);
	}
	p = map_dev(self->fd, pg, pg, PROT_READ | PROT_WRITE, MAP_SHARED);
	fill_pattern(p, pg, pg, 25);
	sync_signal(&to_child);
	sync_wait(&to_parent);
	EXPECT_PATTERN(p, pg, pg, 26);
	wait_ok(pid);
	munmap(p, pg);
}

TEST_F(map, fork_child_shares_mapping_and_count)
{
	size_t len = 2 * self->page;
	uint8_t *p = map_dev(self->fd, 0, len, PROT_READ | PROT_WRITE,
			     MAP_SHARED);
	struct sync_pipe forked, done;
	pid_t pid;

	fill_pattern(p, len, 0, 27);
	EXPECT_EQ(1, mappings(self));
	sync_init(&forked);
	sync_init(&done);
	pid = fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		/* The inherited mapping shows the parent's data... */
		EXPECT_PATTERN(p, len, 0, 27);
		sync_signal(&forked);
		sync_wait(&done);
		/* ...and the parent sees the child's stores. */
		fill_pattern(p, len, 0, 28);
		_exit(_metadata->failures ? 1 : 0);
	}
	sync_wait(&forked);
	/* The child's copy of the VMA is a live mapping too. */
	EXPECT_EQ(2, mappings(self));
	sync_signal(&done);
	wait_ok(pid);
	EXPECT_PATTERN(p, len, 0, 28);
	/* The child's exit closed its VMA. */
	EXPECT_EQ(1, mappings(self));
	munmap(p, len);
	EXPECT_EQ(0, mappings(self));
}

TEST_F(map, partial_munmap_keeps_count)
{
	size_t pg = self->page;
	uint8_t *p = map_dev(self->fd, 0, 4 * pg, PROT_READ | PROT_WRITE,
			     MAP_SHARED);

	fill_pattern(p, 4 * pg, 0, 29);
	EXPECT_EQ(1, mappings(self));
	/* A hole in the middle splits the VMA in two. */
	ASSERT_OK(munmap(p + pg, pg));
	EXPECT_EQ(2, mappings(self));
	EXPECT_PATTERN(p, pg, 0, 29);
	EXPECT_PATTERN(p + 2 * pg, 2 * pg, 2 * pg, 29);
	/* Removing the head removes one VMA. */
	ASSERT_OK(munmap(p, pg));
	EXPECT_EQ(1, mappings(self));
	/* Trimming the tail keeps one. */
	ASSERT_OK(munmap(p + 3 * pg, pg));
	EXPECT_EQ(1, mappings(self));
	EXPECT_PATTERN(p + 2 * pg, pg, 2 * pg, 29);
	ASSERT_OK(munmap(p + 2 * pg, pg));
	EXPECT_EQ(0, mappings(self));
}

TEST_F(map, mprotect_split_keeps_count)
{
	size_t pg = self->page;
	uint8_t *p = map_dev(self->fd, 0, 3 * pg, PROT_READ | PROT_WRITE,
			     MAP_SHARED);

	/* mprotect of the middle page makes three VMAs. */
	ASSERT_OK(mprotect(p + pg, pg, PROT_READ));
	EXPECT_EQ(3, mappings(self));
	ASSERT_OK(munmap(p, 3 * pg));
	EXPECT_EQ(0, mappings(self));
}

TEST_F(map, many_mappings_counted)
{
	uint8_t *p[8];
	int i;

	for (i = 0; i < 8; i++)
		p[i] = map_dev(self->fd, 0, self->page, PROT_READ, MAP_SHARED);
	EXPECT_EQ(8, mappings(self));
	for (i = 0; i < 8; i++)
		munmap(p[i], self->page);
	EXPECT_EQ(0, mappings(self));
}

TEST_F(map, clear_seen_through_mapping)
{
	uint8_t *p = map_dev(self->fd, 0, self->size, PROT_READ | PROT_WRITE,
			     MAP_SHARED);

	memset(p, 0xee, self->size);
	ASSERT_OK(ioctl(self->fd, CHRMEM_IOC_CLEAR));
	/* The mapping shows the zeroed buffer, all of it. */
	EXPECT_FILLED(p, self->size, 0);
	munmap(p, self->size);
}

TEST_F(map, reset_seen_through_mapping)
{
	const char *pattern = expected_pattern();
	size_t head = CHRMEM_PATTERN_MAX;
	uint8_t *p = map_dev(self->fd, 0, self->size, PROT_READ | PROT_WRITE,
			     MAP_SHARED);
	uint8_t *snap = xmalloc(head);

	memset(p, 0xee, self->size);
	ASSERT_OK(ioctl(self->fd, CHRMEM_IOC_RESET));
	/* Past the pattern's room, the reset buffer is zero. */
	EXPECT_FILLED(p + head, self->size - head, 0);
	memcpy(snap, p, head);
	/* The same content on every RESET, whatever was there before. */
	memset(p, 0x11, self->size);
	ASSERT_OK(ioctl(self->fd, CHRMEM_IOC_RESET));
	EXPECT_EQ(0, memcmp(snap, p, head));
	if (pattern) {
		size_t n = strlen(pattern);

		EXPECT_EQ(0, memcmp(p, pattern, n));
		EXPECT_FILLED(p + n, head - n, 0);
	} else {
		TH_LOG("CHRMEM_PATTERN unset: pattern content not checked");
	}
	munmap(p, self->size);
	free(snap);
}

TEST_F_TIMEOUT(map, multichunk_mapping_integrity, 180)
{
	uint8_t *p, *buf;
	uint64_t off;
	size_t win = 1u << 20;

	require_multichunk(self->size);
	p = map_dev(self->fd, 0, self->size, PROT_READ | PROT_WRITE,
		    MAP_SHARED);
	buf = xmalloc(win);
	/* write() everything, check it through the mapping... */
	for (off = 0; off < self->size; off += win) {
		fill_pattern(buf, win, off, 30);
		pwrite_all(self->fd, buf, win, off);
	}
	ASSERT_PATTERN(p, self->size, 0, 30);
	/* ...store everything through the mapping, check it with read(). */
	fill_pattern(p, self->size, 0, 31);
	for (off = 0; off < self->size; off += win) {
		pread_all(self->fd, buf, win, off);
		ASSERT_PATTERN(buf, win, off, 31);
	}
	munmap(p, self->size);
	free(buf);
}

TEST_F(map, multichunk_partial_mapping_across_boundary)
{
	size_t pg = self->page, len = 6 * pg;
	off_t off = CHRMEM_CHUNK_MAX - 3 * pg;
	uint8_t *p, *buf;

	require_multichunk(self->size);
	buf = xmalloc(len);
	fill_pattern(buf, len, off, 32);
	pwrite_all(self->fd, buf, len, off);
	/* A mapping that starts in one chunk and ends in the next. */
	p = map_dev(self->fd, off, len, PROT_READ | PROT_WRITE, MAP_SHARED);
	EXPECT_PATTERN(p, len, off, 32);
	munmap(p, len);
	free(buf);
}

TEST_F(map, mapping_outlives_close_and_holds_module)
{
	long refs = module_refcnt();
	unsigned long long opens = sysfs_ull(self->idx, "opens");
	uint8_t *p = map_dev(self->fd, 0, self->page, PROT_READ | PROT_WRITE,
			     MAP_SHARED);
	uint8_t out[8];
	int fd2;

	/* Our open file holds the module. */
	ASSERT_LE(1, refs);
	close(self->fd);
	self->fd = -1;

	/* With the fd closed the mapping still works both ways. */
	fd2 = open_dev(self->idx, O_RDWR);
	fill_pattern(p, 8, 0, 33);
	ASSERT_EQ(8, pread(fd2, out, 8, 0));
	EXPECT_PATTERN(out, 8, 0, 33);
	fill_pattern(out, 8, 0, 34);
	ASSERT_EQ(8, pwrite(fd2, out, 8, 0));
	EXPECT_PATTERN(p, 8, 0, 34);
	close(fd2);

	/*
	 * The mapping keeps its file, so the file is not released: it still
	 * counts as open and still holds the module.
	 */
	EXPECT_EQ(1, sysfs_ull(self->idx, "mappings"));
	EXPECT_EQ(opens, sysfs_ull(self->idx, "opens"));
	EXPECT_EQ(refs, module_refcnt());

	/*
	 * munmap() releases the file: one open less, and no module reference
	 * left (an open char device holds two: its cdev and its fops).
	 */
	ASSERT_OK(munmap(p, self->page));
	EXPECT_EQ(0, sysfs_ull(self->idx, "mappings"));
	EXPECT_EQ(opens - 1, sysfs_ull(self->idx, "opens"));
	EXPECT_EQ(0, module_refcnt());
}

TEST_F(map, opens_counts_open_files)
{
	struct chrmem_info info;
	int fd2, fd3;
	unsigned int base;

	get_info(self->fd, &info);
	base = info.opens;
	EXPECT_LE(1, base);
	fd2 = open_dev(self->idx, O_RDONLY);
	fd3 = dup(fd2);		/* the same open file */
	get_info(self->fd, &info);
	EXPECT_EQ(base + 1, info.opens);
	EXPECT_EQ(base + 1, sysfs_ull(self->idx, "opens"));
	close(fd2);
	close(fd3);
	get_info(self->fd, &info);
	EXPECT_EQ(base, info.opens);
}
