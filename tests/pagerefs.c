// SPDX-License-Identifier: GPL-2.0
/*
 * pagerefs - who holds references to the buffer's pages, and that every
 * reference taken is given back.
 *
 * The memory model this suite proves, for the cache_mode x map_mode the
 * module was loaded with (the guest runs it in each of the six):
 *  - The buffer is made of order-0 pages with exactly one reference each,
 *    the driver's; they are not PG_reserved and not on an LRU list.
 *  - cached + map_mode=fault maps them page-backed: each PTE holds a
 *    reference and a map count, and get_user_pages()/pin_user_pages()
 *    work, so O_DIRECT, io_uring (plain reads and writes; fixed buffers
 *    from 6.5 on: 6.1 refuses file-backed memory with EOPNOTSUPP),
 *    vmsplice and process_vm_readv/writev use the mapping itself.
 *  - Every other mapping (cached + remap; uncached and wc in both map
 *    modes; an O_SYNC file's, which is uncached) is a raw PFN map: no page
 *    reference at all, and all of the above fail with EFAULT.
 *  - After any of these has ended, every page is back to the driver's one
 *    reference and no mapping.
 *  - The memory type cannot change while a page has a reference beyond the
 *    driver's (pages left in a pipe by vmsplice, an io_uring fixed buffer):
 *    SET_CACHE_MODE fails with EBUSY until the pin is gone.
 *
 * The page frames come from the root-only sysfs file phys_addr; the
 * reference and map counts from the test-only chrmem_ptebits module
 * (PTEBITS_IOC_PAGE), never from the driver's word about itself. A kernel
 * warning in any of it fails the test (the harness reads /dev/kmsg).
 *
 * Environment:
 *	CHRMEM_PTEBITS_KO  the helper module (default
 *	                   /chrmem/chrmem_ptebits.ko)
 *	CHRMEM_DISK        a scratch block device of at least 256 KiB for the
 *	                   O_DIRECT and io_uring tests, overwritten (default
 *	                   /dev/vda)
 */
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chrmem_test.h"
#include "ptebits/ptebits.h"

#define DISK_DEFAULT	"/dev/vda"
#define IO_LEN		(256 * 1024)	/* bytes of each O_DIRECT/io_uring I/O */
#define SPLICE_PAGES	16		/* a default pipe's capacity */
#define SETTLE_MS	10000		/* for references the kernel drops late */
#define LOGGED_PAGES	4		/* wrong pages shown per check */

/* Pattern seeds: who wrote what (see fill_pattern()). */
#define DISK_SEED	41	/* put on the disk from anonymous memory */
#define MAP_SEED	42	/* written through the mapping */
#define PEER_READ_SEED	43	/* for another process to read */
#define PEER_WRITE_SEED	44	/* written by another process */

/* ---- the fixture: the device, its page frames, the helper ------------ */

FIXTURE(bufpages) {
	int fd;			/* /dev/chrmemN, read-write */
	int helper;		/* /dev/chrmem_ptebits */
	struct chrmem_info info;
	size_t size;		/* bytes */
	size_t nr_pages;
	uint64_t *pfns;		/* the page frame of each page, in order */
	size_t boundary;	/* offset of the first chunk boundary, or 0 */
	unsigned int cache_mode;	/* as loaded */
	bool page_backed;	/* cached + fault: PTEs hold references */
};

/*
 * Fills self->pfns from sysfs phys_addr ("offset size phys" in hex, one
 * line per physically contiguous chunk) and notes the first boundary
 * between chunks.
 */
static void read_buffer_pfns_(struct th_test *_metadata,
			      struct th_fixture_bufpages *self)
{
	unsigned long long off, size, phys, next = 0;
	char path[256], line[128];
	size_t i, pg = page_size();
	FILE *f;

	self->pfns = xmalloc(self->nr_pages * sizeof(*self->pfns));
	snprintf(path, sizeof(path), "%s/phys_addr", sysfs_dir(dev_index()));
	f = fopen(path, "re");
	if (!f)
		TH_LOG("%s: %s", path, strerror(errno));
	ASSERT_TRUE(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		ASSERT_EQ(3, sscanf(line, "%llx %llx %llx", &off, &size, &phys));
		ASSERT_EQ(next, off);
		ASSERT_LE(off + size, self->size);
		if (off && !self->boundary)
			self->boundary = off;
		for (i = 0; i < size / pg; i++)
			self->pfns[off / pg + i] = phys / pg + i;
		next = off + size;
	}
	fclose(f);
	ASSERT_EQ(self->size, next);
}
#define read_buffer_pfns(self)	read_buffer_pfns_(_metadata, self)

FIXTURE_SETUP(bufpages)
{
	int want_cache = cache_mode_number(expected_cache_mode());
	int want_map = map_mode_number(expected_map_mode());

	self->helper = -1;
	self->fd = open_dev(dev_index(), O_RDWR | O_CLOEXEC);
	get_info(self->fd, &self->info);
	/* A lane that loaded other modes than it says proves nothing. */
	ASSERT_EQ(want_cache, (int)self->info.cache_mode);
	ASSERT_EQ(want_map, (int)self->info.map_mode);
	self->cache_mode = self->info.cache_mode;
	self->page_backed = self->info.cache_mode == CHRMEM_CACHE_CACHED &&
			    self->info.map_mode == CHRMEM_MAP_FAULT;
	self->size = self->info.size;
	self->nr_pages = self->size / page_size();
	self->helper = ptebits_open();
	read_buffer_pfns(self);
}

FIXTURE_TEARDOWN(bufpages)
{
	/* Leave the device in the mode the module was loaded with. */
	set_cache_mode(self->fd, self->cache_mode);
	if (self->helper >= 0)
		close(self->helper);
	close(self->fd);
	free(self->pfns);
}

/* ---- page states ------------------------------------------------------ */

/* The helper's snapshot of buffer page @index. */
static void read_page_state_(struct th_test *_metadata,
			     struct th_fixture_bufpages *self, size_t index,
			     struct ptebits_page *page)
{
	int tries = 0, ret;

	/* EAGAIN: the page changed folios under the helper (not ours). */
	do {
		*page = (struct ptebits_page){ .pfn = self->pfns[index] };
		ret = ioctl(self->helper, PTEBITS_IOC_PAGE, page);
	} while (ret && errno == EAGAIN && ++tries < 100);
	if (ret)
		TH_LOG("PTEBITS_IOC_PAGE of page %zu (pfn %#llx): %s", index,
		       (unsigned long long)self->pfns[index], strerror(errno));
	ASSERT_OK(ret);
}
#define read_page_state(self, index, page) \
	read_page_state_(_metadata, self, index, page)

/*
 * The number of pages of [first, first + count) whose reference count or
 * map count is not @refs / @maps; with @what, the first few are logged.
 */
static size_t count_pages_unlike_(struct th_test *_metadata,
				  struct th_fixture_bufpages *self,
				  size_t first, size_t count, int refs,
				  int maps, const char *what)
{
	struct ptebits_page p;
	size_t i, bad = 0;

	for (i = first; i < first + count; i++) {
		read_page_state(self, i, &p);
		if (p.refcount == refs && p.mapcount == maps)
			continue;
		if (what && ++bad <= LOGGED_PAGES)
			TH_LOG("%s: page %zu (pfn %#llx): %d references, %d mappings, flags %#x; want %d and %d",
			       what, i, (unsigned long long)p.pfn, p.refcount,
			       p.mapcount, p.flags, refs, maps);
		else if (!what)
			bad++;
	}
	if (what && bad > LOGGED_PAGES)
		TH_LOG("%s: %zu pages of %zu wrong in all", what, bad, count);
	return bad;
}
#define count_pages_unlike(self, first, count, refs, maps, what) \
	count_pages_unlike_(_metadata, self, first, count, refs, maps, what)

/* Pages [first, first + count) show @refs references and @maps mappings. */
#define expect_pages(self, first, count, refs, maps, what) \
	EXPECT_EQ(0, count_pages_unlike(self, first, count, refs, maps, what))

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Every page of the buffer is back to the driver's one reference and no
 * mapping. Some references are dropped by the kernel a little after the
 * system call that ends their use returns (an io_uring ring is torn down
 * by a worker): the check waits up to SETTLE_MS for them, and says so when
 * it had to wait. A reference that is never given back fails.
 */
static void expect_only_driver_references_(struct th_test *_metadata,
					   struct th_fixture_bufpages *self,
					   const char *after)
{
	long long start = now_ms();
	bool waited = false;

	while (count_pages_unlike(self, 0, self->nr_pages, 1, 0, NULL) &&
	       now_ms() - start < SETTLE_MS) {
		usleep(10000);
		waited = true;
	}
	if (waited)
		TH_LOG("after %s: waited %lld ms for the references to settle",
		       after, now_ms() - start);
	expect_pages(self, 0, self->nr_pages, 1, 0, after);
}
#define expect_only_driver_references(self, after) \
	expect_only_driver_references_(_metadata, self, after)

/* References and mappings of a page that a live mapping has touched. */
static int touched_refs(const struct th_fixture_bufpages *self)
{
	return self->page_backed ? 2 : 1;
}

static int touched_maps(const struct th_fixture_bufpages *self)
{
	return self->page_backed ? 1 : 0;
}

/* ---- mappings and I/O windows ---------------------------------------- */

static uint8_t *map_buffer_(struct th_test *_metadata,
			    struct th_fixture_bufpages *self, int fd)
{
	return map_dev(fd, 0, self->size, PROT_READ | PROT_WRITE, MAP_SHARED);
}
#define map_buffer(self, fd)	map_buffer_(_metadata, self, fd)

/* Writes one byte in every @step-th page of the first @len bytes. */
static void touch_pages(volatile uint8_t *map, size_t len, size_t step)
{
	size_t off;

	for (off = 0; off < len; off += step * page_size())
		map[off] = (uint8_t)(off >> 12);
}

/* The length of an I/O test: IO_LEN, or the whole of a smaller buffer. */
static size_t io_len(const struct th_fixture_bufpages *self)
{
	return self->size < IO_LEN ? self->size : IO_LEN;
}

/*
 * Where an I/O test works in the buffer: across the first boundary
 * between physically contiguous chunks, if there is one, so that the
 * kernel has to take pages from two chunks; else at the start.
 */
static size_t io_offset(const struct th_fixture_bufpages *self)
{
	size_t len = io_len(self);

	if (!self->boundary || self->boundary < len / 2 ||
	    self->boundary - len / 2 + len > self->size)
		return 0;
	return self->boundary - len / 2;
}

/* The result a zero-copy operation on the mapping must have: 0 or errno. */
static int expected_zero_copy_errno(const struct th_fixture_bufpages *self)
{
	return self->page_backed ? 0 : EFAULT;
}

/* ---- the scratch disk ------------------------------------------------- */

static int open_scratch_disk_(struct th_test *_metadata)
{
	const char *disk = getenv("CHRMEM_DISK");
	int fd = open(disk ? disk : DISK_DEFAULT, O_RDWR | O_DIRECT | O_CLOEXEC);

	if (fd < 0 && !th_strict())
		SKIP("no scratch disk %s: %s", disk ? disk : DISK_DEFAULT,
		     strerror(errno));
	ASSERT_OK(fd);
	return fd;
}
#define open_scratch_disk()	open_scratch_disk_(_metadata)

/* Anonymous (always pinnable) memory, page aligned for O_DIRECT. */
static uint8_t *anon_buffer_(struct th_test *_metadata, size_t len)
{
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	return p;
}
#define anon_buffer(len)	anon_buffer_(_metadata, len)

/* Writes the pattern @seed (for offset 0) to the first @len disk bytes. */
static void put_pattern_on_disk_(struct th_test *_metadata, int dfd,
				 size_t len, uint32_t seed)
{
	uint8_t *buf = anon_buffer(len);

	fill_pattern(buf, len, 0, seed);
	ASSERT_EQ((ssize_t)len, pwrite(dfd, buf, len, 0));
	munmap(buf, len);
}
#define put_pattern_on_disk(dfd, len, seed) \
	put_pattern_on_disk_(_metadata, dfd, len, seed)

/* The first @len disk bytes hold the pattern @seed (for offset 0). */
static void expect_pattern_on_disk_(struct th_test *_metadata, int dfd,
				    size_t len, uint32_t seed)
{
	uint8_t *buf = anon_buffer(len);

	ASSERT_EQ((ssize_t)len, pread(dfd, buf, len, 0));
	EXPECT_PATTERN(buf, len, 0, seed);
	munmap(buf, len);
}
#define expect_pattern_on_disk(dfd, len, seed) \
	expect_pattern_on_disk_(_metadata, dfd, len, seed)

/* ---- io_uring, by its system calls ----------------------------------- */

struct uring {
	int fd;
	void *sq_ring, *cq_ring;
	size_t sq_ring_len, cq_ring_len;
	struct io_uring_sqe *sqes;
	size_t sqes_len;
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_cqe *cqes;
};

static void *map_ring_part_(struct th_test *_metadata, int fd, size_t len,
			    off_t what)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, fd, what);

	ASSERT_NE(MAP_FAILED, p);
	return p;
}
#define map_ring_part(fd, len, what) map_ring_part_(_metadata, fd, len, what)

/*
 * A ring of a few entries. io_uring missing from the kernel, or disabled
 * (kernel.io_uring_disabled), is a failure: the zero-copy paths of the
 * driver then go untested, which must not pass unnoticed.
 */
static void open_ring_(struct th_test *_metadata, struct uring *r)
{
	struct io_uring_params p = { 0 };
	uint8_t *sq, *cq;

	r->fd = syscall(SYS_io_uring_setup, 4, &p);
	if (r->fd < 0)
		TH_LOG("io_uring_setup: %s: io_uring is not available, and the driver's io_uring paths cannot be checked",
		       strerror(errno));
	ASSERT_OK(r->fd);
	r->sq_ring_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	r->cq_ring_len = p.cq_off.cqes +
			 p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (r->cq_ring_len > r->sq_ring_len)
			r->sq_ring_len = r->cq_ring_len;
		r->sq_ring = map_ring_part(r->fd, r->sq_ring_len,
					   IORING_OFF_SQ_RING);
		r->cq_ring = NULL;
		cq = r->sq_ring;
	} else {
		r->sq_ring = map_ring_part(r->fd, r->sq_ring_len,
					   IORING_OFF_SQ_RING);
		r->cq_ring = map_ring_part(r->fd, r->cq_ring_len,
					   IORING_OFF_CQ_RING);
		cq = r->cq_ring;
	}
	sq = r->sq_ring;
	r->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
	r->sqes = map_ring_part(r->fd, r->sqes_len, IORING_OFF_SQES);
	r->sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned int *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned int *)(sq + p.sq_off.array);
	r->cq_head = (unsigned int *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned int *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
}
#define open_ring(r)	open_ring_(_metadata, r)

static void close_ring(struct uring *r)
{
	munmap(r->sqes, r->sqes_len);
	if (r->cq_ring)
		munmap(r->cq_ring, r->cq_ring_len);
	munmap(r->sq_ring, r->sq_ring_len);
	close(r->fd);
}

/* Submits one request, waits for it, and returns its result (res). */
static int run_request_(struct th_test *_metadata, struct uring *r,
			const struct io_uring_sqe *sqe)
{
	unsigned int tail = *r->sq_tail, head, slot = tail & *r->sq_mask;
	struct io_uring_cqe cqe;

	r->sqes[slot] = *sqe;
	r->sq_array[slot] = slot;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	ASSERT_EQ(1, syscall(SYS_io_uring_enter, r->fd, 1, 1,
			     IORING_ENTER_GETEVENTS, NULL, 0));
	head = *r->cq_head;
	ASSERT_NE(head, __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE));
	cqe = r->cqes[head & *r->cq_mask];
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return cqe.res;
}
#define run_request(r, sqe)	run_request_(_metadata, r, sqe)

/* A read or write of @len bytes at disk offset 0 through the ring. */
static int ring_disk_io_(struct th_test *_metadata, struct uring *r,
			 uint8_t op, int dfd, void *buf, size_t len)
{
	struct io_uring_sqe sqe = {
		.opcode = op,
		.fd = dfd,
		.addr = (uintptr_t)buf,
		.len = (uint32_t)len,
		.off = 0,
	};

	return run_request(r, &sqe);
}
#define ring_disk_io(r, op, dfd, buf, len) \
	ring_disk_io_(_metadata, r, op, dfd, buf, len)

/* IORING_REGISTER_BUFFERS of one buffer: 0 or an errno value. */
static int register_fixed_buffer(struct uring *r, void *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	if (syscall(SYS_io_uring_register, r->fd, IORING_REGISTER_BUFFERS,
		    &iov, 1))
		return errno;
	return 0;
}

static int unregister_fixed_buffers(struct uring *r)
{
	return syscall(SYS_io_uring_register, r->fd,
		       IORING_UNREGISTER_BUFFERS, NULL, 0);
}

/* Whether the running kernel is MAJOR.MINOR or later (from uname -r). */
static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

/*
 * What IORING_REGISTER_BUFFERS of a mapping of the buffer gives. A raw PFN
 * map cannot be pinned: EFAULT. A page-backed one can, but up to 6.4
 * io_uring then refused file-backed memory that is not shmem or hugetlb
 * with EOPNOTSUPP (6.1); from 6.5 on it leaves that to
 * pin_user_pages(FOLL_LONGTERM), which pins it (6.12, 7.x).
 */
static int expected_fixed_buffer_errno(const struct th_fixture_bufpages *self)
{
	if (!self->page_backed)
		return EFAULT;
	return kernel_at_least(6, 5) ? 0 : EOPNOTSUPP;
}

/* ---- pipes and other processes ---------------------------------------- */

/*
 * The iovecs of a vmsplice of SPLICE_PAGES pages of the mapping: half
 * from its start, half from its end (so from two chunks of a multi-chunk
 * buffer), or all of a small buffer. Returns the iovec count.
 */
static int splice_iovecs(const struct th_fixture_bufpages *self,
			 uint8_t *map, struct iovec iov[2])
{
	size_t pg = page_size(), half = SPLICE_PAGES / 2 * pg;

	if (self->nr_pages <= SPLICE_PAGES) {
		iov[0] = (struct iovec){ map, self->size };
		return 1;
	}
	iov[0] = (struct iovec){ map, half };
	iov[1] = (struct iovec){ map + self->size - half, half };
	return 2;
}

static size_t iovecs_bytes(const struct iovec *iov, int n)
{
	size_t bytes = 0;

	while (n--)
		bytes += iov[n].iov_len;
	return bytes;
}

/* Each buffer page that an iovec of @iov covers has @refs / @maps. */
static void expect_spliced_pages_(struct th_test *_metadata,
				  struct th_fixture_bufpages *self,
				  uint8_t *map, const struct iovec *iov, int n,
				  int refs, int maps, const char *what)
{
	size_t pg = page_size();

	while (n--)
		expect_pages(self, ((uint8_t *)iov[n].iov_base - map) / pg,
			     iov[n].iov_len / pg, refs, maps, what);
}
#define expect_spliced_pages(self, map, iov, n, refs, maps, what) \
	expect_spliced_pages_(_metadata, self, map, iov, n, refs, maps, what)

/*
 * Reads everything the pipe holds, the pages of @iov (of the mapping
 * @map, which may be gone by now), and checks that they carry the
 * pattern @seed that was in the buffer.
 */
static void drain_pipe_(struct th_test *_metadata, int rd, const uint8_t *map,
			const struct iovec *iov, int n, uint32_t seed)
{
	size_t len = iovecs_bytes(iov, n), got = 0;
	uint8_t *buf = xmalloc(len);
	ssize_t r;
	int i;

	while (got < len) {
		r = read(rd, buf + got, len - got);
		ASSERT_LT(0, r);
		got += r;
	}
	for (i = 0, got = 0; i < n; got += iov[i].iov_len, i++)
		EXPECT_PATTERN(buf + got, iov[i].iov_len,
			       (uintptr_t)iov[i].iov_base - (uintptr_t)map, seed);
	free(buf);
}
#define drain_pipe(rd, map, iov, n, seed) \
	drain_pipe_(_metadata, rd, map, iov, n, seed)

/*
 * A process that does not map the buffer, forked before the mapping
 * exists: it waits for the address and length of the test process's
 * mapping on a pipe, runs @peer_op against it, and exits.
 */
struct remote_range {
	pid_t pid;
	uint8_t *addr;
	size_t len;
};

static pid_t start_peer_(struct th_test *_metadata, int pfd[2],
			 void (*peer_op)(struct th_test *_metadata,
					 const struct remote_range *range,
					 bool page_backed),
			 bool page_backed)
{
	struct remote_range range;
	pid_t pid;

	ASSERT_OK(pipe(pfd));
	pid = fork();
	ASSERT_OK(pid);
	if (pid)
		return pid;
	close(pfd[1]);
	ASSERT_EQ((ssize_t)sizeof(range), read(pfd[0], &range, sizeof(range)));
	peer_op(_metadata, &range, page_backed);
	_exit(0);
}
#define start_peer(pfd, op, page_backed) \
	start_peer_(_metadata, pfd, op, page_backed)

static void send_range_to_peer_(struct th_test *_metadata, int pfd[2],
				uint8_t *addr, size_t len)
{
	struct remote_range range = { getpid(), addr, len };

	close(pfd[0]);
	ASSERT_EQ((ssize_t)sizeof(range), write(pfd[1], &range, sizeof(range)));
	close(pfd[1]);
}
#define send_range_to_peer(pfd, addr, len) \
	send_range_to_peer_(_metadata, pfd, addr, len)

/* The peer reads the mapping: the pattern PEER_READ_SEED, or EFAULT. */
static void peer_reads_mapping(struct th_test *_metadata,
			       const struct remote_range *range,
			       bool page_backed)
{
	uint8_t *buf = xmalloc(range->len);
	struct iovec local = { buf, range->len };
	struct iovec remote = { range->addr, range->len };

	if (page_backed) {
		ASSERT_EQ((ssize_t)range->len,
			  process_vm_readv(range->pid, &local, 1, &remote, 1, 0));
		EXPECT_PATTERN(buf, range->len, 0, PEER_READ_SEED);
	} else {
		EXPECT_ERRNO(EFAULT, process_vm_readv(range->pid, &local, 1,
						      &remote, 1, 0));
	}
	free(buf);
}

/* The peer writes the pattern PEER_WRITE_SEED into the mapping, or EFAULT. */
static void peer_writes_mapping(struct th_test *_metadata,
				const struct remote_range *range,
				bool page_backed)
{
	uint8_t *buf = xmalloc(range->len);
	struct iovec local = { buf, range->len };
	struct iovec remote = { range->addr, range->len };

	fill_pattern(buf, range->len, 0, PEER_WRITE_SEED);
	if (page_backed)
		EXPECT_EQ((ssize_t)range->len,
			  process_vm_writev(range->pid, &local, 1, &remote, 1, 0));
	else
		EXPECT_ERRNO(EFAULT, process_vm_writev(range->pid, &local, 1,
						       &remote, 1, 0));
	free(buf);
}

/* ---- a. at rest: the driver's reference alone ----------------------- */

TEST_F(bufpages, at_rest_each_page_has_only_the_driver_reference)
{
	EXPECT_EQ(0, self->info.mappings);
	expect_pages(self, 0, self->nr_pages, 1, 0, "at rest");
}

/*
 * Plain kernel pages: not PG_reserved (the MM must be able to count
 * references to them), not on an LRU list (so never reclaimed or
 * migrated), order 0, not anonymous, not pinned.
 */
TEST_F(bufpages, pages_are_unreserved_order0_kernel_pages_off_the_lru)
{
	unsigned int unwanted = PTEBITS_PAGE_RESERVED | PTEBITS_PAGE_LRU |
				PTEBITS_PAGE_LARGE | PTEBITS_PAGE_ANON |
				PTEBITS_PAGE_PINNED | PTEBITS_PAGE_FREE;
	struct ptebits_page p;
	size_t i, bad = 0;

	for (i = 0; i < self->nr_pages; i++) {
		read_page_state(self, i, &p);
		if (!(p.flags & unwanted))
			continue;
		if (bad++ < LOGGED_PAGES)
			TH_LOG("page %zu (pfn %#llx): flags %#x (reserved %#x, lru %#x, large %#x, anon %#x, pinned %#x, free %#x)",
			       i, (unsigned long long)p.pfn, p.flags,
			       PTEBITS_PAGE_RESERVED, PTEBITS_PAGE_LRU,
			       PTEBITS_PAGE_LARGE, PTEBITS_PAGE_ANON,
			       PTEBITS_PAGE_PINNED, PTEBITS_PAGE_FREE);
	}
	EXPECT_EQ(0, bad);
}

/* ---- b. mappings ------------------------------------------------------ */

/*
 * Touch every other page: in a page-backed mapping exactly the pages the
 * page tables map hold a second reference and a mapping (which also
 * proves the helper sees references at all): each touched page, and in
 * fault mode the neighbours its fault window mapped with it (mmap.c),
 * nothing else; a raw PFN map holds none.
 */
TEST_F(bufpages, live_mapping_references_mapped_pages_only)
{
	uint8_t *map = map_buffer(self, self->fd);
	struct ptebits_page p;
	size_t i, bad = 0, unmapped_touch = 0;

	touch_pages(map, self->size, 2);
	for (i = 0; i < self->nr_pages; i++) {
		bool mapped = ptebits_mapped(self->helper, map + i * page_size());
		int refs = mapped ? touched_refs(self) : 1;
		int maps = mapped ? touched_maps(self) : 0;

		unmapped_touch += !(i % 2) && !mapped;
		read_page_state(self, i, &p);
		if (p.refcount == refs && p.mapcount == maps)
			continue;
		if (bad++ < LOGGED_PAGES)
			TH_LOG("%s page %zu (pfn %#llx) of a live mapping: %d references, %d mappings; want %d and %d",
			       mapped ? "mapped" : "unmapped", i,
			       (unsigned long long)p.pfn, p.refcount,
			       p.mapcount, refs, maps);
	}
	EXPECT_EQ(0, bad);
	/* A touched page is mapped, whatever else its fault mapped. */
	EXPECT_EQ(0, unmapped_touch);
	munmap(map, self->size);
	expect_only_driver_references(self, "munmap");
}

/* A fork shares the mapping: each process's PTEs count, then go. */
TEST_F(bufpages, forked_mapping_references_end_with_each_process)
{
	uint8_t *map = map_buffer(self, self->fd);
	struct sync_pipe touched, done;
	pid_t pid;

	touch_pages(map, self->size, 1);
	sync_init(&touched);
	sync_init(&done);
	pid = fork();
	ASSERT_OK(pid);
	if (!pid) {
		touch_pages(map, self->size, 1);
		sync_signal(&touched);
		sync_wait(&done);
		_exit(0);
	}
	sync_wait(&touched);
	expect_pages(self, 0, self->nr_pages, self->page_backed ? 3 : 1,
		     self->page_backed ? 2 : 0, "mapped by parent and child");
	sync_signal(&done);
	wait_ok(pid);
	expect_pages(self, 0, self->nr_pages, touched_refs(self),
		     touched_maps(self), "child gone, parent's mapping left");
	munmap(map, self->size);
	expect_only_driver_references(self, "fork, exit and munmap");
}

/* An O_SYNC file maps uncached: a raw PFN map whatever the device's mode. */
TEST_F(bufpages, o_sync_mapping_takes_no_page_reference)
{
	int sfd = open_dev(dev_index(), O_RDWR | O_SYNC | O_CLOEXEC);
	size_t len = io_len(self);
	uint8_t *map = map_buffer(self, sfd);
	int dfd = open_scratch_disk();

	touch_pages(map, self->size, 1);
	expect_pages(self, 0, self->nr_pages, 1, 0, "O_SYNC mapping, touched");
	EXPECT_ERRNO(EFAULT, pread(dfd, map, len, 0));
	munmap(map, self->size);
	close(dfd);
	close(sfd);
	expect_only_driver_references(self, "O_SYNC mapping and munmap");
}

/* ---- b, c. O_DIRECT ---------------------------------------------------- */

TEST_F(bufpages, o_direct_read_into_mapping)
{
	size_t len = io_len(self), off = io_offset(self);
	int dfd = open_scratch_disk();
	uint8_t *map;

	put_pattern_on_disk(dfd, len, DISK_SEED);
	map = map_buffer(self, self->fd);
	memset(map + off, 0, len);
	if (expected_zero_copy_errno(self)) {
		EXPECT_ERRNO(EFAULT, pread(dfd, map + off, len, 0));
	} else {
		EXPECT_EQ((ssize_t)len, pread(dfd, map + off, len, 0));
		EXPECT_PATTERN(map + off, len, 0, DISK_SEED);
	}
	munmap(map, self->size);
	close(dfd);
	expect_only_driver_references(self, "O_DIRECT read and munmap");
}

TEST_F(bufpages, o_direct_write_from_mapping)
{
	size_t len = io_len(self), off = io_offset(self);
	int dfd = open_scratch_disk();
	uint8_t *map;

	put_pattern_on_disk(dfd, len, DISK_SEED);
	map = map_buffer(self, self->fd);
	fill_pattern(map + off, len, 0, MAP_SEED);
	if (expected_zero_copy_errno(self)) {
		EXPECT_ERRNO(EFAULT, pwrite(dfd, map + off, len, 0));
		expect_pattern_on_disk(dfd, len, DISK_SEED);
	} else {
		EXPECT_EQ((ssize_t)len, pwrite(dfd, map + off, len, 0));
		expect_pattern_on_disk(dfd, len, MAP_SEED);
	}
	munmap(map, self->size);
	close(dfd);
	expect_only_driver_references(self, "O_DIRECT write and munmap");
}

/* ---- b, c. io_uring ---------------------------------------------------- */

TEST_F(bufpages, io_uring_read_into_mapping)
{
	size_t len = io_len(self), off = io_offset(self);
	int dfd = open_scratch_disk();
	struct uring ring;
	uint8_t *map;
	int res;

	put_pattern_on_disk(dfd, len, DISK_SEED);
	open_ring(&ring);
	map = map_buffer(self, self->fd);
	memset(map + off, 0, len);
	res = ring_disk_io(&ring, IORING_OP_READ, dfd, map + off, len);
	if (expected_zero_copy_errno(self)) {
		EXPECT_EQ(-EFAULT, res);
	} else {
		EXPECT_EQ((int)len, res);
		EXPECT_PATTERN(map + off, len, 0, DISK_SEED);
	}
	close_ring(&ring);
	munmap(map, self->size);
	close(dfd);
	expect_only_driver_references(self, "io_uring read, ring closed, munmap");
}

TEST_F(bufpages, io_uring_write_from_mapping)
{
	size_t len = io_len(self), off = io_offset(self);
	int dfd = open_scratch_disk();
	struct uring ring;
	uint8_t *map;
	int res;

	put_pattern_on_disk(dfd, len, DISK_SEED);
	open_ring(&ring);
	map = map_buffer(self, self->fd);
	fill_pattern(map + off, len, 0, MAP_SEED);
	res = ring_disk_io(&ring, IORING_OP_WRITE, dfd, map + off, len);
	if (expected_zero_copy_errno(self)) {
		EXPECT_EQ(-EFAULT, res);
		expect_pattern_on_disk(dfd, len, DISK_SEED);
	} else {
		EXPECT_EQ((int)len, res);
		expect_pattern_on_disk(dfd, len, MAP_SEED);
	}
	close_ring(&ring);
	munmap(map, self->size);
	close(dfd);
	expect_only_driver_references(self, "io_uring write, ring closed, munmap");
}

/*
 * Registered (fixed) buffers are pinned for as long as they stay
 * registered: while they are, each page shows the pin; a READ_FIXED lands
 * in the buffer; unregistering and closing the ring give every page back.
 */
TEST_F(bufpages, io_uring_fixed_buffer_of_mapping)
{
	size_t len = io_len(self), off = io_offset(self), pg = page_size();
	int want = expected_fixed_buffer_errno(self);
	int dfd = open_scratch_disk();
	struct ptebits_page p;
	struct uring ring;
	uint8_t *map;
	size_t i;
	int err;

	put_pattern_on_disk(dfd, len, DISK_SEED);
	open_ring(&ring);
	map = map_buffer(self, self->fd);
	memset(map + off, 0, len);
	err = register_fixed_buffer(&ring, map + off, len);
	EXPECT_ERR(want, err);
	if (!err) {
		struct io_uring_sqe sqe = {
			.opcode = IORING_OP_READ_FIXED,
			.fd = dfd,
			.addr = (uintptr_t)(map + off),
			.len = (uint32_t)len,
			.buf_index = 0,
		};

		for (i = off / pg; i < (off + len) / pg; i++) {
			read_page_state(self, i, &p);
			if (!(p.flags & PTEBITS_PAGE_PINNED) ||
			    p.refcount <= touched_refs(self)) {
				TH_LOG("registered page %zu: %d references, flags %#x: not pinned",
				       i, p.refcount, p.flags);
				th_fail(_metadata, false);
				break;
			}
		}
		EXPECT_EQ((int)len, run_request(&ring, &sqe));
		EXPECT_PATTERN(map + off, len, 0, DISK_SEED);
		EXPECT_OK(unregister_fixed_buffers(&ring));
	}
	close_ring(&ring);
	munmap(map, self->size);
	close(dfd);
	expect_only_driver_references(self,
				      "fixed buffer registered, used, unregistered; ring closed; munmap");
}

/* ---- b, c. vmsplice ---------------------------------------------------- */

/*
 * vmsplice puts the mapping's pages themselves in the pipe, each with a
 * reference, until the pipe is drained; a raw PFN map gives EFAULT.
 */
TEST_F(bufpages, vmsplice_of_mapping_into_pipe)
{
	uint8_t *map = map_buffer(self, self->fd);
	struct iovec iov[2];
	int n = splice_iovecs(self, map, iov), pfd[2];
	size_t bytes = iovecs_bytes(iov, n);

	fill_pattern(map, self->size, 0, MAP_SEED);
	ASSERT_OK(pipe(pfd));
	if (expected_zero_copy_errno(self)) {
		EXPECT_ERRNO(EFAULT, vmsplice(pfd[1], iov, n, SPLICE_F_NONBLOCK));
	} else {
		EXPECT_EQ((ssize_t)bytes,
			  vmsplice(pfd[1], iov, n, SPLICE_F_NONBLOCK));
		expect_spliced_pages(self, map, iov, n, touched_refs(self) + 1,
				     touched_maps(self), "mapped and in the pipe");
		drain_pipe(pfd[0], map, iov, n, MAP_SEED);
		expect_pages(self, 0, self->nr_pages, touched_refs(self),
			     touched_maps(self), "pipe drained, still mapped");
	}
	close(pfd[0]);
	close(pfd[1]);
	munmap(map, self->size);
	expect_only_driver_references(self, "vmsplice, pipe drained and closed, munmap");
}

/* ---- b, c. another process -------------------------------------------- */

TEST_F(bufpages, process_vm_readv_of_mapping)
{
	size_t len = io_len(self), off = io_offset(self);
	uint8_t *map;
	int pfd[2];
	pid_t pid = start_peer(pfd, peer_reads_mapping, self->page_backed);

	map = map_buffer(self, self->fd);
	fill_pattern(map + off, len, 0, PEER_READ_SEED);
	send_range_to_peer(pfd, map + off, len);
	wait_ok(pid);
	munmap(map, self->size);
	expect_only_driver_references(self, "process_vm_readv and munmap");
}

TEST_F(bufpages, process_vm_writev_into_mapping)
{
	size_t len = io_len(self), off = io_offset(self);
	uint8_t *map;
	int pfd[2];
	pid_t pid = start_peer(pfd, peer_writes_mapping, self->page_backed);

	map = map_buffer(self, self->fd);
	fill_pattern(map + off, len, 0, MAP_SEED);
	send_range_to_peer(pfd, map + off, len);
	wait_ok(pid);
	if (self->page_backed)
		EXPECT_PATTERN(map + off, len, 0, PEER_WRITE_SEED);
	else
		EXPECT_PATTERN(map + off, len, 0, MAP_SEED);
	munmap(map, self->size);
	expect_only_driver_references(self, "process_vm_writev and munmap");
}

/* A debugger's way in works in every mode, and leaves nothing behind. */
TEST_F(bufpages, proc_pid_mem_access_to_mapping)
{
	size_t len = io_len(self), off = io_offset(self);
	uint8_t *map = map_buffer(self, self->fd);
	uint8_t *buf = xmalloc(len);
	int mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC);

	ASSERT_OK(mem);
	fill_pattern(map + off, len, 0, MAP_SEED);
	ASSERT_EQ((ssize_t)len, pread(mem, buf, len, (off_t)(uintptr_t)(map + off)));
	EXPECT_PATTERN(buf, len, 0, MAP_SEED);
	fill_pattern(buf, len, 0, PEER_WRITE_SEED);
	ASSERT_EQ((ssize_t)len, pwrite(mem, buf, len, (off_t)(uintptr_t)(map + off)));
	EXPECT_PATTERN(map + off, len, 0, PEER_WRITE_SEED);
	close(mem);
	free(buf);
	munmap(map, self->size);
	expect_only_driver_references(self, "/proc/self/mem and munmap");
}

/* ---- d. a pin that outlives its mapping -------------------------------- */

/* Another cache mode than the device's: the one a change would go to. */
static unsigned int other_cache_mode(const struct th_fixture_bufpages *self)
{
	return self->cache_mode == CHRMEM_CACHE_CACHED ?
	       CHRMEM_CACHE_UNCACHED : CHRMEM_CACHE_CACHED;
}

/* While pages are pinned, the memory type stays, by ioctl and by sysfs. */
static void expect_cache_mode_change_refused_(struct th_test *_metadata,
					      struct th_fixture_bufpages *self)
{
	unsigned int other = other_cache_mode(self);
	char path[256];

	EXPECT_ERRNO(EBUSY, set_cache_mode(self->fd, other));
	snprintf(path, sizeof(path), "%s/cache_mode", sysfs_dir(dev_index()));
	EXPECT_EQ(-EBUSY, write_text(path, cache_mode_names[other]));
	EXPECT_EQ(self->cache_mode, sysfs_cache_type(dev_index(), "cache_mode"));
}
#define expect_cache_mode_change_refused(self) \
	expect_cache_mode_change_refused_(_metadata, self)

/* Once nothing pins the pages, the mode changes, and changes back. */
static void expect_cache_mode_change_granted_(struct th_test *_metadata,
					      struct th_fixture_bufpages *self)
{
	unsigned int other = other_cache_mode(self);

	EXPECT_OK(set_cache_mode(self->fd, other));
	EXPECT_EQ(other, sysfs_cache_type(dev_index(), "cache_mode"));
	EXPECT_OK(set_cache_mode(self->fd, self->cache_mode));
	EXPECT_EQ(self->cache_mode, sysfs_cache_type(dev_index(), "cache_mode"));
}
#define expect_cache_mode_change_granted(self) \
	expect_cache_mode_change_granted_(_metadata, self)

/*
 * Pages left in a pipe after munmap still hold references: changing the
 * memory type under them would alias. In a raw PFN map the pin cannot be
 * taken in the first place.
 */
TEST_F(bufpages, pages_in_a_pipe_block_cache_mode_change)
{
	uint8_t *map = map_buffer(self, self->fd);
	struct iovec iov[2];
	int n = splice_iovecs(self, map, iov), pfd[2];
	size_t bytes = iovecs_bytes(iov, n);
	ssize_t put;
	int err;

	fill_pattern(map, self->size, 0, MAP_SEED);
	ASSERT_OK(pipe(pfd));
	put = vmsplice(pfd[1], iov, n, SPLICE_F_NONBLOCK);
	err = put < 0 ? errno : 0;
	munmap(map, self->size);
	EXPECT_ERR(expected_zero_copy_errno(self), err);
	if (!err)
		EXPECT_EQ((ssize_t)bytes, put);
	/* Taken, rightly or not: the pages must now be held by the pipe. */
	if (put > 0) {
		expect_spliced_pages(self, map, iov, n, 2, 0,
				     "in the pipe, unmapped");
		expect_cache_mode_change_refused(self);
		drain_pipe(pfd[0], map, iov, n, MAP_SEED);
	}
	close(pfd[0]);
	close(pfd[1]);
	expect_only_driver_references(self, "pipe drained and closed");
	expect_cache_mode_change_granted(self);
}

/*
 * The same with an io_uring fixed buffer, where the kernel lets one be
 * registered (a page-backed mapping, from 6.5 on); elsewhere the
 * registration is refused, and nothing is left pinned.
 */
TEST_F(bufpages, fixed_buffer_blocks_cache_mode_change)
{
	size_t len = io_len(self), off = io_offset(self);
	int want = expected_fixed_buffer_errno(self);
	struct uring ring;
	uint8_t *map;
	int err;

	open_ring(&ring);
	map = map_buffer(self, self->fd);
	touch_pages(map, self->size, 1);
	err = register_fixed_buffer(&ring, map + off, len);
	EXPECT_ERR(want, err);
	munmap(map, self->size);
	/* Registered, rightly or not: the pages are pinned until unregistered. */
	if (!err) {
		expect_cache_mode_change_refused(self);
		EXPECT_OK(unregister_fixed_buffers(&ring));
	}
	close_ring(&ring);
	expect_only_driver_references(self, "fixed buffer unregistered, ring closed");
	expect_cache_mode_change_granted(self);
}
