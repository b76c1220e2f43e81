// SPDX-License-Identifier: GPL-2.0
/*
 * stress - hammer chrmem devices from several processes and threads at once,
 * check every outcome the driver defines, then unload the module.
 *
 *   stress [-t SECONDS] [-p PROCS] [-j THREADS] [-s SEED] [-P PATTERN]
 *          [-u MODULE] DEVICE...
 *
 * Meant for the debug kernel of tests/debug (KASAN, lockdep, kmemleak...):
 * the kernel's checkers find what goes wrong inside the driver, this program
 * what goes wrong at its interface. Each worker thread loops, until the time
 * is up, over random steps on a random device:
 *
 *  - Most steps are episodes, taken under the device's lock in shared mode:
 *    open and close; pread, pwrite, readv, writev; lseek; mmap (shared,
 *    private, through an O_SYNC file); stores and loads through a mapping
 *    and through /proc/self/mem; partial munmap; mremap (shrink, move, a
 *    refused growth); fork with a live mapping; GET_INFO; bad arguments;
 *    the whole device mapped, 2 MiB entries and fault windows split by
 *    mprotect and munmap, the huge switch flipped meanwhile (issue #15).
 *    Each worker owns a slot of every buffer: what it writes to its slot
 *    must read back identically through every path. The mappings of an
 *    episode are gone at its end; open files may outlive it.
 *  - A few steps take the lock exclusively, when no episode runs, so that
 *    the state of the whole device is defined: CLEAR (all zero after it),
 *    RESET (the pattern, zeros, zeroed counters), SET_CACHE_MODE by ioctl
 *    and sysfs (must succeed with no mapping, must be refused with EBUSY
 *    while mapped), and the exact open and mapping counts of GET_INFO.
 *
 * The last page of each device belongs to no slot: writes that cross the
 * end of the device land there. With -u, once the workers are done, the
 * module must refuse to unload while a file or a mapping is live, unload
 * once they are gone, and take its device nodes and class with it.
 *
 * Output is TAP, ending with "N passed, N failed"; the exit status is 0 only
 * when nothing failed. The first failures are printed as "# FAIL" lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chrmem.h"

#define MAX_DEVICES	8
#define MAX_PROCS	32
#define MAX_THREADS	32
#define MAX_FILES	4	/* open files per worker and device */
#define MAX_MAPS	8	/* mappings per episode */
#define MAX_MESSAGES	40	/* failure messages printed */
#define GRACE_SECONDS	120	/* for the workers to end after the time is up */
#define PAGE		4096UL

/* Shared by all processes: a lock and counters per device, statistics. */
struct device_state {
	pthread_rwlock_t lock;		/* episodes shared, whole-device steps exclusive */
	atomic_int files;		/* files the workers have open */
	atomic_uint cache_mode;		/* changed only under the exclusive lock */
};

struct shared {
	struct device_state dev[MAX_DEVICES];
	atomic_long steps, exclusive, maps, busy, forks, mode_changes;
	atomic_long failures;
	atomic_int messages;
};

struct device {
	const char *path;
	char sysfs[64];			/* /sys/class/chrmem/chrmemN */
	uint64_t size;
	uint64_t slot;			/* bytes per worker, whole pages */
	uint32_t index;
};

/* An open file of a worker. It is released once closed and unmapped. */
struct file {
	int fd;
	bool open;
	bool writable;
	unsigned int maps;
};

/* A mapping of an episode: [addr, addr + len) shows [off, off + len). */
struct map {
	unsigned char *addr;
	size_t len;
	uint64_t off;
	struct file *file;
};

struct worker {
	unsigned int slot;
	uint64_t rng;
	struct file files[MAX_DEVICES][MAX_FILES];
	struct map maps[MAX_MAPS];
	unsigned int nmaps;
	unsigned char *want;		/* expected bytes of the episode's range */
	unsigned char *got;		/* bytes read back */
};

/* What a whole-device check expects. */
enum content { ZEROS, PATTERN, SALTED };

static unsigned int seconds = 10, nprocs = 4, nthreads = 4;
static uint64_t seed;
static const char *pattern = "";
static const char *module;

static struct device devices[MAX_DEVICES];
static unsigned int ndevices;
static size_t buf_size;		/* of w->want and w->got */
static struct shared *sh;
static time_t deadline;

/* An address no process maps; volatile, so the compiler does not object. */
static void *volatile bad_address = (void *)8;

/* ---- reporting ---- */

static void failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void failf(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	atomic_fetch_add(&sh->failures, 1);
	if (atomic_fetch_add(&sh->messages, 1) >= MAX_MESSAGES)
		return;
	n = snprintf(line, sizeof(line), "# FAIL (pid %d) ", (int)getpid());
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line: lines of different processes do not interleave. */
	if (write(STDOUT_FILENO, line, n) != n)
		_exit(3);
}

/* @ret must be -1 with errno @err. */
static void expect_errno(long ret, int err, const char *what)
{
	if (ret == -1 && errno == err)
		return;
	if (ret == -1)
		failf("%s: expected %s, got %s", what, strerrorname_np(err),
		      strerrorname_np(errno));
	else
		failf("%s: expected %s, got %ld", what, strerrorname_np(err), ret);
}

/* @ret must be @want. */
static bool expect_value(long ret, long want, const char *what)
{
	if (ret == want)
		return true;
	if (ret == -1)
		failf("%s: expected %ld, got -1 (%s)", what, want, strerrorname_np(errno));
	else
		failf("%s: expected %ld, got %ld", what, want, ret);
	return false;
}

static void expect_same(const unsigned char *got, const unsigned char *want,
			size_t len, uint64_t off, const char *how)
{
	size_t i;

	if (!memcmp(got, want, len))
		return;
	for (i = 0; got[i] == want[i]; i++)
		;
	failf("%s: byte %#" PRIx64 " is %#x, expected %#x", how, off + i, got[i], want[i]);
}

/* ---- helpers ---- */

/* xorshift64*: cheap, and the same steps again for the same seed. */
static uint64_t rnd(struct worker *w)
{
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 2685821657736338717ULL;
}

static uint64_t below(struct worker *w, uint64_t n)
{
	return n ? rnd(w) % n : 0;
}

static void fill_random(struct worker *w, unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(rnd(w) >> 56);
}

static time_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* A full fence drains write-combining buffers before the next system call. */
static void store_fence(void)
{
	atomic_thread_fence(memory_order_seq_cst);
}

static int get_info(int fd, struct chrmem_info *info)
{
	memset(info, 0xff, sizeof(*info));
	return ioctl(fd, CHRMEM_IOC_GET_INFO, info);
}

static bool pwrite_all(int fd, const void *p, size_t len, uint64_t off, const char *how)
{
	return expect_value(pwrite(fd, p, len, off), len, how);
}

static bool pread_all(int fd, void *p, size_t len, uint64_t off, const char *how)
{
	return expect_value(pread(fd, p, len, off), len, how);
}

static int delete_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

/* ---- files ---- */

static struct file *open_file(struct worker *w, unsigned int d, int flags)
{
	struct file *f = NULL;
	unsigned int i;
	int fd;

	for (i = 0; i < MAX_FILES && !f; i++)
		if (!w->files[d][i].open && !w->files[d][i].maps)
			f = &w->files[d][i];
	if (!f)
		return NULL;
	fd = open(devices[d].path, flags | O_CLOEXEC);
	if (fd < 0) {
		failf("open %s: %s", devices[d].path, strerrorname_np(errno));
		return NULL;
	}
	atomic_fetch_add(&sh->dev[d].files, 1);
	*f = (struct file){ .fd = fd, .open = true,
			    .writable = (flags & O_ACCMODE) == O_RDWR };
	return f;
}

static void put_file(unsigned int d, struct file *f)
{
	if (!f->open && !f->maps)
		atomic_fetch_sub(&sh->dev[d].files, 1);
}

static void close_file(unsigned int d, struct file *f)
{
	expect_value(close(f->fd), 0, "close");
	f->open = false;
	put_file(d, f);
}

/* Any open file of the device, or a new one opened with @flags. */
static struct file *some_file(struct worker *w, unsigned int d, bool writable, int flags)
{
	unsigned int i, start = below(w, MAX_FILES);
	struct file *f;

	for (i = 0; i < MAX_FILES; i++) {
		f = &w->files[d][(start + i) % MAX_FILES];
		if (f->open && (f->writable || !writable))
			return f;
	}
	return open_file(w, d, flags);
}

static void close_some_file(struct worker *w, unsigned int d)
{
	struct file *f = &w->files[d][below(w, MAX_FILES)];

	if (f->open)
		close_file(d, f);
}

/* ---- mappings ---- */

static struct map *map_range(struct worker *w, unsigned int d, struct file *f,
			     uint64_t off, size_t len, int prot, int flags)
{
	struct map *m;
	void *addr;

	if (w->nmaps == MAX_MAPS)
		return NULL;
	addr = mmap(NULL, len, prot, flags, f->fd, off);
	if (addr == MAP_FAILED) {
		/* Another worker may have mapped the buffer with another type. */
		if (errno == EBUSY) {
			atomic_fetch_add(&sh->busy, 1);
			return NULL;
		}
		failf("mmap of %zu bytes at %#" PRIx64 " of %s: %s", len, off,
		      devices[d].path, strerrorname_np(errno));
		return NULL;
	}
	atomic_fetch_add(&sh->maps, 1);
	m = &w->maps[w->nmaps++];
	*m = (struct map){ addr, len, off, f };
	f->maps++;
	return m;
}

static void unmap_all(struct worker *w, unsigned int d)
{
	struct map *m;

	while (w->nmaps) {
		m = &w->maps[--w->nmaps];
		expect_value(munmap(m->addr, m->len), 0, "munmap");
		m->file->maps--;
		put_file(d, m->file);
	}
}

/* The mapping shows the bytes of w->want, which start at device offset @base. */
static void expect_map(struct worker *w, const struct map *m, uint64_t base, const char *how)
{
	expect_same(m->addr, w->want + (m->off - base), m->len, m->off, how);
}

/* ---- episodes ---- */

/* A random range of the worker's slot: bytes, or whole pages. */
static void pick_bytes(struct worker *w, unsigned int d, uint64_t *off, size_t *len)
{
	uint64_t start = below(w, devices[d].slot);

	*len = 1 + below(w, devices[d].slot - start);
	*off = w->slot * devices[d].slot + start;
}

static void pick_pages(struct worker *w, unsigned int d, uint64_t *off, size_t *len)
{
	uint64_t pages = devices[d].slot / PAGE;
	uint64_t first = below(w, pages);

	*len = (1 + below(w, pages - first)) * PAGE;
	*off = w->slot * devices[d].slot + first * PAGE;
}

/* pwrite or pwritev, then pread or preadv: the same bytes come back. */
static void episode_rw(struct worker *w, unsigned int d)
{
	struct file *f = some_file(w, d, true, O_RDWR);
	struct iovec iov[3];
	size_t len, cut1, cut2;
	uint64_t off;

	if (!f)
		return;
	pick_bytes(w, d, &off, &len);
	fill_random(w, w->want, len);
	cut1 = below(w, len + 1);
	cut2 = cut1 + below(w, len - cut1 + 1);
	iov[0] = (struct iovec){ w->want, cut1 };
	iov[1] = (struct iovec){ w->want + cut1, cut2 - cut1 };
	iov[2] = (struct iovec){ w->want + cut2, len - cut2 };
	if (below(w, 2) ? !pwrite_all(f->fd, w->want, len, off, "pwrite") :
			  !expect_value(pwritev(f->fd, iov, 3, off), len, "pwritev"))
		return;
	iov[0].iov_base = w->got;
	iov[1].iov_base = w->got + cut1;
	iov[2].iov_base = w->got + cut2;
	if (below(w, 2) ? !pread_all(f->fd, w->got, len, off, "pread") :
			  !expect_value(preadv(f->fd, iov, 3, off), len, "preadv"))
		return;
	expect_same(w->got, w->want, len, off, "read back after a write");
}

/* /proc/self/mem reaches the mapping through the driver's .access. */
static void via_proc_mem(struct worker *w, const struct map *m)
{
	size_t at = below(w, m->len), len = 1 + below(w, m->len - at);
	int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	uint64_t addr = (uintptr_t)m->addr + at;

	if (!expect_value(fd >= 0, 1, "open /proc/self/mem"))
		return;
	if (expect_value(pread(fd, w->got, len, addr), len, "read of a mapping via /proc/self/mem"))
		expect_same(w->got, m->addr + at, len, m->off + at, "/proc/self/mem read");
	fill_random(w, w->got, len);
	if (expect_value(pwrite(fd, w->got, len, addr), len, "write to a mapping via /proc/self/mem"))
		expect_same(m->addr + at, w->got, len, m->off + at, "/proc/self/mem write");
	memcpy(w->want + at, w->got, len);
	close(fd);
}

/* A child inherits the mapping and sees the same bytes. */
static void fork_with(struct worker *w, struct map *m)
{
	int status;
	pid_t pid;

	atomic_fetch_add(&sh->forks, 1);
	pid = fork();
	if (pid < 0) {
		failf("fork: %s", strerrorname_np(errno));
		return;
	}
	if (!pid) {
		long before = atomic_load(&sh->failures);
		uint64_t off;

		expect_map(w, m, m->off, "mapping inherited by fork");
		off = m->off;
		if (pread_all(m->file->fd, w->got, m->len, off, "pread in a forked child"))
			expect_same(w->got, w->want, m->len, off, "pread in a forked child");
		_exit(atomic_load(&sh->failures) != before);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		failf("forked child: wait status %#x", status);
}

/* Unmap one page in the middle: the pages around it keep their offsets. */
static void punch_hole(struct worker *w, struct map *m, uint64_t base)
{
	size_t hole = (1 + below(w, m->len / PAGE - 2)) * PAGE;
	struct map *tail;

	if (!expect_value(munmap(m->addr + hole, PAGE), 0, "munmap of a page inside a mapping"))
		return;
	tail = &w->maps[w->nmaps++];
	*tail = (struct map){ m->addr + hole + PAGE, m->len - hole - PAGE,
			      m->off + hole + PAGE, m->file };
	m->file->maps++;
	m->len = hole;
	expect_map(w, m, base, "mapping before a hole");
	expect_map(w, tail, base, "mapping after a hole");
}

static void shrink(struct map *m, struct worker *w, uint64_t base)
{
	void *p = mremap(m->addr, m->len, m->len - PAGE, 0);

	if (p == MAP_FAILED) {
		failf("mremap shrinking a mapping: %s", strerrorname_np(errno));
		return;
	}
	m->len -= PAGE;
	expect_map(w, m, base, "mapping shrunk by mremap");
}

/* The driver forbids growth (VM_DONTEXPAND): EFAULT, nothing changes. */
static void refuse_growth(struct map *m)
{
	void *p = mremap(m->addr, m->len, m->len + PAGE, MREMAP_MAYMOVE);

	expect_errno(p == MAP_FAILED ? -1 : 0, EFAULT, "mremap growing a mapping");
	if (p != MAP_FAILED)
		m->addr = p, m->len += PAGE;
}

static void move(struct map *m, struct worker *w, uint64_t base)
{
	void *spot = mmap(NULL, m->len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *p;

	if (spot == MAP_FAILED) {
		failf("mmap of a spot to move to: %s", strerrorname_np(errno));
		return;
	}
	p = mremap(m->addr, m->len, m->len, MREMAP_MAYMOVE | MREMAP_FIXED, spot);
	if (p != spot) {
		failf("mremap moving a mapping: %s", strerrorname_np(errno));
		munmap(spot, m->len);
		return;
	}
	m->addr = p;
	expect_map(w, m, base, "mapping moved by mremap");
}

/*
 * Stores through a shared mapping reach read(), write() reaches the
 * mapping; then the mapping is forked (with the locks of all devices held:
 * the child has copies of every file and mapping of the process), or
 * reshaped, or accessed through /proc/self/mem, before it is unmapped.
 */
static void episode_mmap(struct worker *w, unsigned int d, bool fork)
{
	struct file *f = below(w, 4) ? some_file(w, d, true, O_RDWR) :
				       open_file(w, d, O_RDWR | O_SYNC);
	struct map *m;
	uint64_t off;
	size_t len;

	if (!f)
		return;
	pick_pages(w, d, &off, &len);
	m = map_range(w, d, f, off, len, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (m) {
		fill_random(w, w->want, len);
		memcpy(m->addr, w->want, len);
		store_fence();
		if (pread_all(f->fd, w->got, len, off, "pread of a mapped range"))
			expect_same(w->got, w->want, len, off, "read() after stores through mmap");
		fill_random(w, w->want, len);
		if (pwrite_all(f->fd, w->want, len, off, "pwrite of a mapped range"))
			expect_map(w, m, off, "mapping after write()");
		switch (fork ? 0 : 1 + below(w, 5)) {
		case 0:
			fork_with(w, m);
			break;
		case 1:
			if (len >= 3 * PAGE)
				punch_hole(w, m, off);
			break;
		case 2:
			if (len >= 2 * PAGE)
				shrink(m, w, off);
			break;
		case 3:
			refuse_growth(m);
			break;
		case 4:
			move(m, w, off);
			break;
		default:
			via_proc_mem(w, m);
			break;
		}
	}
	unmap_all(w, d);
	if (f->open && !below(w, 3))
		close_file(d, f);
}

#define HUGE_SIZE	(2UL << 20)

/*
 * The device's huge switch, read at mmap() (issue #15), flipped while
 * other workers map: "1" is refused where the kernel has no huge PFN maps.
 */
static void flip_huge(struct worker *w, unsigned int d)
{
	char path[80];
	bool on = below(w, 2);
	int fd;
	long ret;

	snprintf(path, sizeof(path), "%s/huge", devices[d].sysfs);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (!expect_value(fd >= 0, 1, "open sysfs huge"))
		return;
	ret = write(fd, on ? "1" : "0", 1);
	if (!(on && ret < 0 && errno == EOPNOTSUPP))
		expect_value(ret, 1, "write to sysfs huge");
	close(fd);
}

/*
 * The whole device mapped, so that its 2 MiB parts can be PMDs (where
 * the kernel and the huge switch allow them) and fault windows reach
 * into other workers' slots: every 2 MiB is touched by a read (other
 * slots are only read, their bytes unchecked), the worker's own pages
 * are written through the mapping and read back; then a page of them is
 * made read-only and writable again, or the page after their first is
 * unmapped, either of which splits the 2 MiB entry or window around it,
 * and the pages are checked and written again.
 */
static void episode_huge(struct worker *w, unsigned int d)
{
	struct file *f = some_file(w, d, true, O_RDWR);
	uint64_t off, size = devices[d].size, i;
	size_t len, keep = 0;
	struct map *m, *tail;

	if (!f)
		return;
	if (!below(w, 8))
		flip_huge(w, d);
	m = map_range(w, d, f, 0, size, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (!m)
		goto out;
	for (i = 0; i < size; i += HUGE_SIZE)
		(void)*(volatile unsigned char *)(m->addr + i);
	pick_pages(w, d, &off, &len);
	fill_random(w, w->want, len);
	memcpy(m->addr + off, w->want, len);
	store_fence();
	if (pread_all(f->fd, w->got, len, off, "pread of a whole-device mapping's range"))
		expect_same(w->got, w->want, len, off, "read() after stores through a whole-device mapping");
	if (below(w, 2) || len < 3 * PAGE) {
		expect_value(mprotect(m->addr + off, PAGE, PROT_READ), 0,
			     "mprotect of a page of a whole-device mapping");
		expect_same(m->addr + off, w->want, len, off, "whole-device mapping after mprotect");
		expect_value(mprotect(m->addr + off, PAGE, PROT_READ | PROT_WRITE), 0,
			     "mprotect of a page back to writable");
	} else {
		/*
		 * The two sides are unmapped apart later: another thread may
		 * map a page into the hole meanwhile, which an munmap() of
		 * the whole area would take away from it.
		 */
		if (expect_value(munmap(m->addr + off + PAGE, PAGE), 0,
				 "munmap of a page of a whole-device mapping")) {
			tail = &w->maps[w->nmaps++];
			*tail = (struct map){ m->addr + off + 2 * PAGE,
					      m->len - off - 2 * PAGE,
					      m->off + off + 2 * PAGE, m->file };
			m->file->maps++;
			m->len = off + PAGE;
		}
		expect_same(m->addr + off, w->want, PAGE, off, "whole-device mapping before a hole");
		keep = 2 * PAGE;
	}
	fill_random(w, w->want + keep, len - keep);
	memcpy(m->addr + off + keep, w->want + keep, len - keep);
	store_fence();
	if (pread_all(f->fd, w->got, len - keep, off + keep, "pread after a split"))
		expect_same(w->got, w->want + keep, len - keep, off + keep,
			    "read() after stores through a split whole-device mapping");
out:
	unmap_all(w, d);
}

/*
 * A private mapping may be read, never written: the driver refuses it
 * writable and takes away mprotect(PROT_WRITE).
 */
static void episode_private(struct worker *w, unsigned int d)
{
	struct file *f = some_file(w, d, true, O_RDWR);
	struct map *m;
	uint64_t off;
	size_t len;
	void *p;

	if (!f)
		return;
	pick_pages(w, d, &off, &len);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, f->fd, off);
	expect_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "writable private mmap");
	if (p != MAP_FAILED)
		munmap(p, len);
	m = map_range(w, d, f, off, len, PROT_READ, MAP_PRIVATE);
	if (m && pread_all(f->fd, w->want, len, off, "pread of a privately mapped range")) {
		expect_map(w, m, off, "private mapping");
		expect_errno(mprotect(m->addr, len, PROT_READ | PROT_WRITE), EACCES,
			     "mprotect(PROT_WRITE) of a private mapping");
	}
	unmap_all(w, d);
}

/* Mappings that would reach past the end of the buffer are refused. */
static void episode_mmap_bounds(struct worker *w, unsigned int d)
{
	struct file *f = some_file(w, d, false, O_RDONLY);
	uint64_t size = devices[d].size;
	uint64_t off = size - (1 + below(w, 2)) * PAGE;
	size_t len = size - off + PAGE * (1 + below(w, 2));
	void *p;

	if (!f)
		return;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, f->fd, off);
	expect_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "mmap reaching past the end");
	if (p != MAP_FAILED)
		munmap(p, len);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, f->fd, size);
	expect_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "mmap at the end");
	if (p != MAP_FAILED)
		munmap(p, PAGE);
}

/* read() and write() at and across the end, lseek() in and out of range. */
static void episode_edges(struct worker *w, unsigned int d)
{
	struct file *f = some_file(w, d, true, O_RDWR);
	uint64_t size = devices[d].size;
	size_t len = 1 + below(w, PAGE);
	uint64_t off = size - below(w, len);
	uint64_t pos = below(w, size + 1);
	long fit = size - off;		/* less than len */

	if (!f)
		return;
	fill_random(w, w->want, len);
	/* Across the end only the last page, which is no worker's, is hit. */
	if (off == size)
		expect_errno(pwrite(f->fd, w->want, len, off), ENOSPC, "pwrite at the end");
	else
		expect_value(pwrite(f->fd, w->want, len, off), fit, "pwrite across the end");
	expect_value(pread(f->fd, w->got, len, off), fit, "pread across the end");
	expect_value(pread(f->fd, w->got, len, size + below(w, 3 * PAGE)), 0, "pread past the end");
	expect_errno(pwrite(f->fd, w->want, len, size + below(w, PAGE)), ENOSPC, "pwrite past the end");

	expect_value(lseek(f->fd, pos, SEEK_SET), pos, "lseek SEEK_SET");
	expect_value(lseek(f->fd, 0, SEEK_CUR), pos, "lseek SEEK_CUR 0");
	expect_errno(lseek(f->fd, -(off_t)pos - 1, SEEK_CUR), EINVAL, "lseek before 0");
	expect_errno(lseek(f->fd, size + 1 + below(w, PAGE), SEEK_SET), EINVAL, "lseek past the end");
	expect_errno(lseek(f->fd, 1, SEEK_END), EINVAL, "lseek SEEK_END + 1");
	expect_errno(lseek(f->fd, 0, SEEK_DATA), EINVAL, "lseek SEEK_DATA");
	expect_value(lseek(f->fd, 0, SEEK_END), size, "lseek SEEK_END");
	expect_value(read(f->fd, w->got, len), 0, "read at the end");
	expect_errno(write(f->fd, w->want, len), ENOSPC, "write at the end");
	expect_errno(pread(f->fd, bad_address, len, 0), EFAULT, "pread into a bad address");
	expect_errno(pwrite(f->fd, bad_address, len, w->slot * devices[d].slot), EFAULT,
		     "pwrite from a bad address");
}

/* GET_INFO, sizes old and new, and the commands the driver refuses. */
static void episode_ioctl(struct worker *w, unsigned int d)
{
	struct file *f = some_file(w, d, false, below(w, 2) ? O_RDONLY : O_RDWR);
	/* A structure from a future header: always larger than today's. */
	unsigned char bigger[sizeof(struct chrmem_info) + 32];
	struct chrmem_info info;
	uint32_t mode = 3 + below(w, 100);

	if (!f)
		return;
	if (expect_value(get_info(f->fd, &info), 0, "GET_INFO")) {
		expect_value(info.struct_size, sizeof(info), "GET_INFO struct_size");
		expect_value(info.index, devices[d].index, "GET_INFO index");
		expect_value(info.size, devices[d].size, "GET_INFO size");
		expect_value(info.cache_mode, atomic_load(&sh->dev[d].cache_mode), "GET_INFO cache_mode");
		expect_value(info.opens >= 1, 1, "GET_INFO opens >= 1");
		expect_value(info.chunks >= 1 && info.chunks <= info.size / PAGE, 1, "GET_INFO chunks");
		expect_value(info.reserved, 0, "GET_INFO reserved");
	}
	memset(bigger, 0xa5, sizeof(bigger));
	if (expect_value(ioctl(f->fd, _IOC(_IOC_READ, CHRMEM_IOC_MAGIC, 0x02, sizeof(bigger)), bigger),
			 0, "GET_INFO of a newer, larger structure")) {
		memcpy(&info, bigger, sizeof(info));
		expect_value(info.struct_size, sizeof(info), "larger GET_INFO struct_size");
		expect_value(bigger[sizeof(info)] == 0 && !memcmp(bigger + sizeof(info),
			     bigger + sizeof(info) + 1, sizeof(bigger) - sizeof(info) - 1), 1,
			     "larger GET_INFO: the unknown tail is zeroed");
	}
	expect_errno(ioctl(f->fd, _IOC(_IOC_READ, CHRMEM_IOC_MAGIC, 0x02, CHRMEM_INFO_SIZE_VER0 - 8), bigger),
		     EINVAL, "GET_INFO of a too small structure");
	expect_errno(ioctl(f->fd, CHRMEM_IOC_GET_INFO, NULL), EFAULT, "GET_INFO to NULL");
	expect_errno(ioctl(f->fd, _IO(CHRMEM_IOC_MAGIC, 0x40 + below(w, 64))), ENOTTY, "unknown ioctl");
	expect_errno(ioctl(f->fd, CHRMEM_IOC_SET_CACHE_MODE, &mode),
		     f->writable ? EINVAL : EBADF, "SET_CACHE_MODE of an unknown mode");
	if (!f->writable) {
		expect_errno(ioctl(f->fd, CHRMEM_IOC_CLEAR), EBADF, "CLEAR on a read-only file");
		expect_errno(ioctl(f->fd, CHRMEM_IOC_RESET), EBADF, "RESET on a read-only file");
	} else {
		expect_errno(ioctl(f->fd, CHRMEM_IOC_SET_CACHE_MODE, NULL), EFAULT,
			     "SET_CACHE_MODE from NULL");
	}
}

static void episode(struct worker *w, unsigned int d)
{
	switch (below(w, 11)) {
	case 0:
		close_some_file(w, d);
		break;
	case 1:
	case 2:
		episode_rw(w, d);
		break;
	case 3:
	case 4:
	case 5:
		episode_mmap(w, d, false);
		break;
	case 6:
		episode_private(w, d);
		break;
	case 7:
		episode_mmap_bounds(w, d);
		break;
	case 8:
		episode_edges(w, d);
		break;
	case 9:
		episode_huge(w, d);
		break;
	default:
		episode_ioctl(w, d);
		break;
	}
}

/* ---- whole-device steps, under the exclusive lock ---- */

/* Byte @off of the content a whole-device step wrote with @salt. */
static unsigned char salted(uint64_t salt, uint64_t off)
{
	return (unsigned char)(((off + 1) * 0x9e3779b97f4a7c15ULL ^ salt) >> 56);
}

static void expected_chunk(enum content what, uint64_t salt, uint64_t off,
			   unsigned char *p, size_t len)
{
	size_t i, plen = strlen(pattern);

	for (i = 0; i < len; i++)
		p[i] = what == SALTED ? salted(salt, off + i) :
		       what == PATTERN && off + i < plen ? (unsigned char)pattern[off + i] : 0;
}

/* Reads the whole device, a chunk at a time, and compares. */
static void expect_device(struct worker *w, unsigned int d, int fd, enum content what,
			  uint64_t salt, const char *how)
{
	uint64_t off, size = devices[d].size;
	size_t len;

	for (off = 0; off < size; off += len) {
		len = size - off < buf_size ? size - off : buf_size;
		if (!pread_all(fd, w->got, len, off, how))
			return;
		expected_chunk(what, salt, off, w->want, len);
		if (memcmp(w->got, w->want, len)) {
			expect_same(w->got, w->want, len, off, how);
			return;
		}
	}
}

/* With no episode running, GET_INFO counts exactly the workers' files. */
static void check_counts(unsigned int d, int fd)
{
	struct chrmem_info info;

	if (!expect_value(get_info(fd, &info), 0, "GET_INFO"))
		return;
	expect_value(info.mappings, 0, "GET_INFO mappings with no episode running");
	expect_value(info.opens, atomic_load(&sh->dev[d].files),
		     "GET_INFO opens = the files the workers have open");
}

static void step_clear(struct worker *w, unsigned int d, struct file *f)
{
	unsigned long cmd = below(w, 4) ? CHRMEM_IOC_CLEAR : CHRMEM_IOC_LEGACY_CLEAR;

	if (expect_value(ioctl(f->fd, cmd), 0, "CLEAR"))
		expect_device(w, d, f->fd, ZEROS, 0, "device after CLEAR");
}

static void step_reset(struct worker *w, unsigned int d, struct file *f)
{
	unsigned long cmd = below(w, 4) ? CHRMEM_IOC_RESET : CHRMEM_IOC_LEGACY_RESET;
	struct chrmem_info info;

	if (!expect_value(ioctl(f->fd, cmd), 0, "RESET") ||
	    !expect_value(get_info(f->fd, &info), 0, "GET_INFO after RESET"))
		return;
	expect_value(info.bytes_read, 0, "bytes_read after RESET");
	expect_value(info.bytes_written, 0, "bytes_written after RESET");
	expect_device(w, d, f->fd, PATTERN, 0, "device after RESET");
	if (expect_value(get_info(f->fd, &info), 0, "GET_INFO after reading"))
		expect_value(info.bytes_read, devices[d].size, "bytes_read after reading the device");
}

static int set_mode_sysfs(unsigned int d, uint32_t mode)
{
	static const char *const names[] = CHRMEM_CACHE_MODE_NAMES;
	char path[96];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/cache_mode", devices[d].sysfs);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = write(fd, names[mode], strlen(names[mode])) < 0 ? -1 : 0;
	close(fd);
	return ret;
}

/*
 * With no mapping the mode always changes; then, with a mapping of the
 * whole device in that mode, data goes both ways and another mode (by
 * ioctl, or through an O_SYNC file) is refused with EBUSY.
 */
static void step_cache_mode(struct worker *w, unsigned int d, struct file *f)
{
	uint32_t mode = below(w, 3), other = (mode + 1 + below(w, 2)) % 3;
	uint64_t size = devices[d].size, salt = rnd(w), i;
	struct chrmem_info info;
	struct file *plain, *sync;
	struct map *m;
	void *p;

	if (!expect_value(below(w, 2) ? ioctl(f->fd, CHRMEM_IOC_SET_CACHE_MODE, &mode) :
			  set_mode_sysfs(d, mode), 0, "SET_CACHE_MODE with nothing mapped"))
		return;
	atomic_store(&sh->dev[d].cache_mode, mode);
	atomic_fetch_add(&sh->mode_changes, 1);
	if (expect_value(get_info(f->fd, &info), 0, "GET_INFO"))
		expect_value(info.cache_mode, mode, "GET_INFO cache_mode after SET_CACHE_MODE");
	/* Not @f: it may have been opened O_SYNC, which maps uncached. */
	plain = open_file(w, d, O_RDWR);
	if (!plain)
		return;
	m = map_range(w, d, plain, 0, size, PROT_READ | PROT_WRITE, MAP_SHARED);
	close_file(d, plain);
	if (!m) {
		failf("no mapping of %s in cache mode %u", devices[d].path, mode);
		return;
	}
	for (i = 0; i < size; i++)
		m->addr[i] = salted(salt, i);
	store_fence();
	expect_device(w, d, f->fd, SALTED, salt, "read() after stores in the new cache mode");
	expect_errno(ioctl(f->fd, CHRMEM_IOC_SET_CACHE_MODE, &other), EBUSY,
		     "SET_CACHE_MODE while mapped");
	sync = mode == CHRMEM_CACHE_UNCACHED ? NULL : open_file(w, d, O_RDWR | O_SYNC);
	if (sync) {
		p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, sync->fd, 0);
		expect_errno(p == MAP_FAILED ? -1 : 0, EBUSY,
			     "uncached (O_SYNC) mmap while mapped in another mode");
		if (p != MAP_FAILED)
			munmap(p, PAGE);
		close_file(d, sync);
	}
	unmap_all(w, d);
}

static void exclusive_step(struct worker *w, unsigned int d)
{
	struct file *f = some_file(w, d, true, O_RDWR);

	if (!f)
		return;
	atomic_fetch_add(&sh->exclusive, 1);
	check_counts(d, f->fd);
	switch (below(w, 3)) {
	case 0:
		step_clear(w, d, f);
		break;
	case 1:
		step_reset(w, d, f);
		break;
	default:
		step_cache_mode(w, d, f);
		break;
	}
	check_counts(d, f->fd);
}

/* ---- workers ---- */

/* Shared locks on all devices, always taken in the same order. */
static void lock_all(void)
{
	unsigned int d;

	for (d = 0; d < ndevices; d++)
		pthread_rwlock_rdlock(&sh->dev[d].lock);
}

static void unlock_all(void)
{
	unsigned int d;

	for (d = ndevices; d--;)
		pthread_rwlock_unlock(&sh->dev[d].lock);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned int d;

	w->want = malloc(buf_size);
	w->got = malloc(buf_size);
	if (!w->want || !w->got) {
		failf("out of memory");
		return NULL;
	}
	while (now() < deadline) {
		d = below(w, ndevices);
		atomic_fetch_add(&sh->steps, 1);
		switch (below(w, 50)) {
		case 0:
			pthread_rwlock_wrlock(&sh->dev[d].lock);
			exclusive_step(w, d);
			pthread_rwlock_unlock(&sh->dev[d].lock);
			break;
		case 1:
			lock_all();
			episode_mmap(w, d, true);
			unlock_all();
			break;
		default:
			pthread_rwlock_rdlock(&sh->dev[d].lock);
			episode(w, d);
			pthread_rwlock_unlock(&sh->dev[d].lock);
			break;
		}
	}
	for (d = 0; d < ndevices; d++) {
		pthread_rwlock_rdlock(&sh->dev[d].lock);
		for (unsigned int i = 0; i < MAX_FILES; i++)
			if (w->files[d][i].open)
				close_file(d, &w->files[d][i]);
		pthread_rwlock_unlock(&sh->dev[d].lock);
	}
	free(w->want);
	free(w->got);
	return NULL;
}

static void process_main(unsigned int proc)
{
	static struct worker workers[MAX_THREADS];
	pthread_t threads[MAX_THREADS];
	unsigned int t;

	for (t = 0; t < nthreads; t++) {
		workers[t].slot = proc * nthreads + t;
		workers[t].rng = (seed ^ ((uint64_t)proc << 32 | t)) * 0x9e3779b97f4a7c15ULL | 1;
		if (pthread_create(&threads[t], NULL, worker_main, &workers[t])) {
			failf("pthread_create failed");
			_exit(1);
		}
	}
	for (t = 0; t < nthreads; t++)
		pthread_join(threads[t], NULL);
	_exit(0);
}

/* Waits for the worker processes; kills them if they hang. */
static bool reap_workers(pid_t *pids)
{
	unsigned int left = nprocs, i;
	bool ok = true;
	int status;
	pid_t pid;

	while (left) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid <= 0) {
			if (now() < deadline + GRACE_SECONDS) {
				usleep(100000);
				continue;
			}
			printf("# workers still running %d s after the end: killing them\n",
			       GRACE_SECONDS);
			for (i = 0; i < nprocs; i++)
				if (pids[i])
					kill(pids[i], SIGKILL);
			ok = false;
			pid = waitpid(-1, &status, 0);
		}
		for (i = 0; i < nprocs; i++)
			if (pids[i] == pid)
				pids[i] = 0;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			printf("# worker process %d: %s %d\n", (int)pid,
			       WIFSIGNALED(status) ? "killed by signal" : "exit status",
			       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
			ok = false;
		}
		left--;
	}
	return ok;
}

/* ---- main ---- */

static int tests, failed;

static void point(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void point(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	failed += !ok;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: stress [-t SECONDS] [-p PROCS] [-j THREADS] [-s SEED] [-P PATTERN]\n"
		"              [-u MODULE] DEVICE...\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	int opt;

	seed = (uint64_t)time(NULL);
	while ((opt = getopt(argc, argv, "t:p:j:s:P:u:")) != -1) {
		switch (opt) {
		case 't': seconds = strtoul(optarg, NULL, 0); break;
		case 'p': nprocs = strtoul(optarg, NULL, 0); break;
		case 'j': nthreads = strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'P': pattern = optarg; break;
		case 'u': module = optarg; break;
		default: usage();
		}
	}
	if (optind == argc || argc - optind > MAX_DEVICES || !seconds ||
	    !nprocs || nprocs > MAX_PROCS || !nthreads || nthreads > MAX_THREADS)
		usage();
	for (ndevices = 0; optind < argc; optind++)
		devices[ndevices++].path = argv[optind];
}

/* Size, index and initial cache mode of each device; the slots. */
static bool setup_devices(void)
{
	pthread_rwlockattr_t attr;
	struct chrmem_info info;
	unsigned int d;
	int fd;

	buf_size = 64 * 1024;

	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	/* Whole-device steps must not starve behind a stream of episodes. */
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	for (d = 0; d < ndevices; d++) {
		fd = open(devices[d].path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || get_info(fd, &info)) {
			printf("# %s: %s\n", devices[d].path, strerror(errno));
			return false;
		}
		close(fd);
		devices[d].size = info.size;
		devices[d].index = info.index;
		snprintf(devices[d].sysfs, sizeof(devices[d].sysfs), "/sys/class/chrmem/chrmem%u",
			 info.index);
		devices[d].slot = (info.size - PAGE) / (nprocs * nthreads) / PAGE * PAGE;
		if (!devices[d].slot) {
			printf("# %s: %" PRIu64 " bytes is too small for %u workers\n",
			       devices[d].path, (uint64_t)info.size, nprocs * nthreads);
			return false;
		}
		if (devices[d].slot > buf_size)
			buf_size = devices[d].slot;
		pthread_rwlock_init(&sh->dev[d].lock, &attr);
		atomic_store(&sh->dev[d].cache_mode, info.cache_mode);
		printf("# %s: %" PRIu64 " bytes, %u chunks, cache mode %u, map mode %u, %" PRIu64
		        " bytes per worker\n", devices[d].path, (uint64_t)info.size, info.chunks,
		       info.cache_mode, info.map_mode, devices[d].slot);
	}
	return true;
}

static void run_workers(void)
{
	pid_t pids[MAX_PROCS] = { 0 };
	unsigned int p;
	bool ok;

	deadline = now() + seconds;
	for (p = 0; p < nprocs; p++) {
		fflush(stdout);
		pids[p] = fork();
		if (pids[p] < 0) {
			failf("fork: %s", strerrorname_np(errno));
			pids[p] = 0;
			break;
		}
		if (!pids[p])
			process_main(p);
	}
	ok = reap_workers(pids);
	printf("# %ld steps, %ld of them whole-device; %ld mappings, %ld refused as busy, "
	       "%ld forks, %ld cache mode changes\n",
	       atomic_load(&sh->steps), atomic_load(&sh->exclusive), atomic_load(&sh->maps),
	       atomic_load(&sh->busy), atomic_load(&sh->forks), atomic_load(&sh->mode_changes));
	point(atomic_load(&sh->failures) == 0,
	      "%u processes x %u threads for %u s: every defined outcome held (%ld failures)",
	      nprocs, nthreads, seconds, atomic_load(&sh->failures));
	point(ok, "every worker process exited normally and in time");
}

static void check_quiet(void)
{
	struct chrmem_info info;
	unsigned int d;
	int fd;

	for (d = 0; d < ndevices; d++) {
		fd = open(devices[d].path, O_RDONLY | O_CLOEXEC);
		point(fd >= 0 && !get_info(fd, &info) && info.mappings == 0 && info.opens == 1,
		      "%s: no mapping and only one open file after the workers (%u, %u)",
		      devices[d].path, fd >= 0 ? info.mappings : 0, fd >= 0 ? info.opens : 0);
		if (fd >= 0)
			close(fd);
	}
}

/* The module stays while a file or a mapping is live, and goes after. */
static void check_unload(void)
{
	int fd = open(devices[0].path, O_RDWR | O_CLOEXEC);
	struct stat st;
	void *p;
	int ret;

	if (fd < 0) {
		point(false, "open %s to test unloading: %s", devices[0].path, strerror(errno));
		return;
	}
	ret = delete_module(module);
	point(ret == -1 && errno == EWOULDBLOCK, "unloading %s is refused while a file is open",
	      module);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		point(false, "mmap %s to test unloading: %s", devices[0].path, strerror(errno));
		return;
	}
	ret = delete_module(module);
	point(ret == -1 && errno == EWOULDBLOCK,
	      "unloading %s is refused while only a mapping is live", module);
	munmap(p, PAGE);
	ret = delete_module(module);
	point(ret == 0, "%s unloads once the mapping is gone%s%s", module,
	      ret ? ": " : "", ret ? strerror(errno) : "");
	point(stat(devices[0].path, &st) == -1 && errno == ENOENT &&
	      stat("/sys/class/chrmem", &st) == -1 && errno == ENOENT,
	      "the device node and the class went with the module");
}

int main(int argc, char **argv)
{
	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	printf("TAP version 13\n# seed %" PRIu64 " (stress -s %" PRIu64 " repeats the steps)\n",
	       seed, seed);
	if (!setup_devices()) {
		point(false, "the devices can be opened and are large enough");
	} else {
		run_workers();
		check_quiet();
		if (module)
			check_unload();
	}
	printf("1..%d\n%d passed, %d failed\n", tests, tests - failed, failed);
	return failed ? 1 : 0;
}
