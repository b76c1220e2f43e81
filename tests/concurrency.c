// SPDX-License-Identifier: GPL-2.0
/*
 * concurrency.c - threads and processes hammering read, write, ioctl,
 * mmap, munmap, open and close at once, for a fixed number of iterations
 * (never for a time), then checking the invariants: open and mapping
 * counts back to their baseline, data integrity where it is defined
 * (disjoint regions), exact statistics, and no kernel warning (the
 * harness checks the kernel log after every test).
 *
 * CHRMEM_ITERATIONS scales the work (default 200 per thread).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chrmem_test.h"

#define THREADS		8
#define MAX_REGION	(64u << 10)

static int iterations(void)
{
	const char *s = getenv("CHRMEM_ITERATIONS");
	int n = s ? atoi(s) : 0;

	return n > 0 ? n : 200;
}

FIXTURE(dev) {
	int idx;
	int fd;
	uint64_t size;
	size_t page;
	size_t region;		/* bytes per thread, a multiple of pages */
	struct chrmem_info base;
};

FIXTURE_SETUP(dev)
{
	self->idx = dev_index();
	self->page = page_size();
	self->fd = open_dev(self->idx, O_RDWR);
	get_info(self->fd, &self->base);
	self->size = self->base.size;
	self->region = (self->size / THREADS) & ~(self->page - 1);
	if (self->region > MAX_REGION)
		self->region = MAX_REGION;
	ASSERT_LE(self->page, self->region);
	/* Nobody else uses the device: the counts are ours. */
	ASSERT_EQ(1, self->base.opens);
	ASSERT_EQ(0, self->base.mappings);
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

/* Counts back at their baseline, and the sysfs view agrees. */
static void check_counts_(struct th_test *_metadata, int idx, int fd)
{
	struct chrmem_info info;

	get_info(fd, &info);
	EXPECT_EQ(1, info.opens);
	EXPECT_EQ(0, info.mappings);
	EXPECT_EQ(1, sysfs_ull(idx, "opens"));
	EXPECT_EQ(0, sysfs_ull(idx, "mappings"));
}
#define check_counts(self)	check_counts_(_metadata, (self)->idx, (self)->fd)

/* What a worker thread is given and reports. */
struct worker {
	pthread_t thread;
	int id;
	int fd;
	int idx;
	uint64_t size;
	size_t page;
	size_t region;
	int iterations;
	volatile int *stop;	/* for background threads */
	/* results */
	unsigned long long bytes_read, bytes_written;
	unsigned int last_seed;
	int errors;
	char first_error[160];
};

static void worker_error(struct worker *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void worker_error(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	if (!w->errors++) {
		va_start(ap, fmt);
		vsnprintf(w->first_error, sizeof(w->first_error), fmt, ap);
		va_end(ap);
	}
}

static void start_workers_(struct th_test *_metadata, struct worker *w,
			   int n, void *(*fn)(void *))
{
	int i;

	for (i = 0; i < n; i++)
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, fn, &w[i]));
}
#define start_workers(w, n, fn)	start_workers_(_metadata, w, n, fn)

static void join_workers_(struct th_test *_metadata, struct worker *w, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, pthread_join(w[i].thread, NULL));
		if (w[i].errors)
			TH_LOG("worker %d: %d errors, first: %s", w[i].id,
			       w[i].errors, w[i].first_error);
		EXPECT_EQ(0, w[i].errors);
	}
}
#define join_workers(w, n)	join_workers_(_metadata, w, n)

static void init_workers(struct worker *w, int n, const void *fixture_self)
{
	const struct th_fixture_dev *self = fixture_self;
	int i;

	memset(w, 0, n * sizeof(*w));
	for (i = 0; i < n; i++) {
		w[i].id = i;
		w[i].fd = self->fd;
		w[i].idx = self->idx;
		w[i].size = self->size;
		w[i].page = self->page;
		w[i].region = self->region;
		w[i].iterations = iterations();
	}
}

/* ---- disjoint read/write: integrity and exact statistics ------------ */

static void *rw_disjoint(void *arg)
{
	struct worker *w = arg;
	off_t base = (off_t)w->id * w->region;
	uint8_t *in = malloc(w->region), *out = malloc(w->region);
	int i;

	if (!in || !out) {
		worker_error(w, "malloc");
		goto out;
	}
	for (i = 0; i < w->iterations; i++) {
		unsigned int seed = 1000 * (w->id + 1) + i;
		size_t half = w->region / 2 + (i % 7);
		ssize_t n;
		size_t bad, first;

		fill_pattern(in, w->region, base, seed);
		/* Two writes with an odd split, one read. */
		n = pwrite(w->fd, in, half, base);
		if (n != (ssize_t)half) {
			worker_error(w, "pwrite: %zd (%s)", n, strerror(errno));
			break;
		}
		w->bytes_written += n;
		n = pwrite(w->fd, in + half, w->region - half, base + half);
		if (n != (ssize_t)(w->region - half)) {
			worker_error(w, "pwrite: %zd (%s)", n, strerror(errno));
			break;
		}
		w->bytes_written += n;
		n = pread(w->fd, out, w->region, base);
		if (n != (ssize_t)w->region) {
			worker_error(w, "pread: %zd (%s)", n, strerror(errno));
			break;
		}
		w->bytes_read += n;
		bad = check_pattern(out, w->region, base, seed, &first);
		if (bad)
			worker_error(w, "iteration %d: %zu bytes wrong, first at offset %lld",
				     i, bad, (long long)(base + first));
		w->last_seed = seed;
	}
out:
	free(in);
	free(out);
	return NULL;
}

TEST_F_TIMEOUT(dev, threads_rw_disjoint_regions, 300)
{
	struct worker w[THREADS];
	struct chrmem_info before, after;
	unsigned long long rd = 0, wr = 0;
	uint8_t *out = xmalloc(self->region);
	int i;

	init_workers(w, THREADS, self);
	get_info(self->fd, &before);
	start_workers(w, THREADS, rw_disjoint);
	join_workers(w, THREADS);
	get_info(self->fd, &after);
	for (i = 0; i < THREADS; i++) {
		rd += w[i].bytes_read;
		wr += w[i].bytes_written;
		/* Each region holds its writer's last pattern. */
		pread_all(self->fd, out, self->region, (off_t)i * self->region);
		EXPECT_PATTERN(out, self->region, (uint64_t)i * self->region,
			       w[i].last_seed);
	}
	/* Not one byte lost from the statistics. */
	EXPECT_EQ(before.bytes_written + wr, after.bytes_written);
	EXPECT_EQ(before.bytes_read + rd, after.bytes_read);
	check_counts(self);
	free(out);
}

/* ---- mmap stores by several threads, read() by others ---------------- */

static void *map_writer(void *arg)
{
	struct worker *w = arg;
	off_t base = (off_t)w->id * w->region;
	uint8_t *p = mmap(NULL, w->region, PROT_READ | PROT_WRITE, MAP_SHARED,
			  w->fd, base);
	int i;

	if (p == MAP_FAILED) {
		worker_error(w, "mmap: %s", strerror(errno));
		return NULL;
	}
	for (i = 0; i < w->iterations; i++) {
		unsigned int seed = 2000 * (w->id + 1) + i;
		size_t bad, first;

		fill_pattern(p, w->region, base, seed);
		bad = check_pattern(p, w->region, base, seed, &first);
		if (bad)
			worker_error(w, "iteration %d: %zu bytes wrong", i, bad);
		w->last_seed = seed;
	}
	munmap(p, w->region);
	return NULL;
}

static void *region_reader(void *arg)
{
	struct worker *w = arg;
	uint8_t *out = malloc(w->region);
	int i;

	if (!out) {
		worker_error(w, "malloc");
		return NULL;
	}
	for (i = 0; !*w->stop && i < 100 * w->iterations; i++) {
		off_t off = (off_t)(i % THREADS) * w->region;
		ssize_t n = pread(w->fd, out, w->region, off);

		if (n != (ssize_t)w->region)
			worker_error(w, "pread: %zd (%s)", n, strerror(errno));
	}
	free(out);
	return NULL;
}

TEST_F_TIMEOUT(dev, mapped_writers_with_concurrent_readers, 300)
{
	struct worker w[THREADS], r[2];
	volatile int stop = 0;
	uint8_t *out = xmalloc(self->region);
	int i;

	init_workers(w, THREADS, self);
	init_workers(r, 2, self);
	r[0].stop = r[1].stop = &stop;
	r[0].id = 100;
	r[1].id = 101;
	start_workers(r, 2, region_reader);
	start_workers(w, THREADS, map_writer);
	join_workers(w, THREADS);
	stop = 1;
	join_workers(r, 2);
	for (i = 0; i < THREADS; i++) {
		pread_all(self->fd, out, self->region, (off_t)i * self->region);
		EXPECT_PATTERN(out, self->region, (uint64_t)i * self->region,
			       w[i].last_seed);
	}
	check_counts(self);
	free(out);
}

/* ---- mmap/munmap/mprotect storm while ioctls run ---------------------- */

static void *map_storm(void *arg)
{
	struct worker *w = arg;
	size_t pages = w->size / w->page;
	unsigned int rnd = 12345 + w->id;
	int i;

	for (i = 0; i < w->iterations; i++) {
		size_t first = (rnd = rnd * 1103515245 + 12345) % pages;
		size_t count = 1 + (rnd >> 8) % 4;
		uint8_t *p;

		if (first + count > pages)
			count = pages - first;
		p = mmap(NULL, count * w->page, PROT_READ | PROT_WRITE,
			 MAP_SHARED, w->fd, first * w->page);
		if (p == MAP_FAILED) {
			worker_error(w, "mmap %zu pages at page %zu: %s", count,
				     first, strerror(errno));
			continue;
		}
		p[0] = (uint8_t)i;
		p[count * w->page - 1] = (uint8_t)i;
		switch (i % 3) {
		case 0:	/* split by mprotect, then unmap all */
			if (count > 1 && mprotect(p, w->page, PROT_READ))
				worker_error(w, "mprotect: %s", strerror(errno));
			break;
		case 1:	/* unmap the first page separately */
			if (count > 1) {
				munmap(p, w->page);
				munmap(p + w->page, (count - 1) * w->page);
				continue;
			}
			break;
		default:
			break;
		}
		if (munmap(p, count * w->page))
			worker_error(w, "munmap: %s", strerror(errno));
	}
	return NULL;
}

static void *ioctl_storm(void *arg)
{
	struct worker *w = arg;
	struct chrmem_info info;
	int i;

	for (i = 0; !*w->stop && i < 4 * w->iterations; i++) {
		/*
		 * Mostly GET_INFO: CLEAR and RESET hold the device lock for a
		 * whole-buffer pass (long under TCG for a big buffer), and
		 * mmap() waits for that lock; back to back they would starve
		 * the mmap() threads.
		 */
		unsigned long cmd = i % 16 == 0 ? CHRMEM_IOC_CLEAR :
				    i % 16 == 8 ? CHRMEM_IOC_RESET :
						  CHRMEM_IOC_GET_INFO;

		if (ioctl(w->fd, cmd, &info) != 0) {
			worker_error(w, "ioctl 0x%lx: %s", cmd, strerror(errno));
			continue;
		}
		if (cmd == CHRMEM_IOC_GET_INFO &&
		    (info.size != w->size || info.struct_size != sizeof(info) ||
		     info.mappings > 4 * THREADS || info.opens < 1))
			worker_error(w, "GET_INFO: size %llu struct_size %u mappings %u opens %u",
				     (unsigned long long)info.size, info.struct_size,
				     info.mappings, info.opens);
	}
	return NULL;
}

TEST_F_TIMEOUT(dev, mmap_munmap_storm_with_ioctls, 300)
{
	struct worker w[THREADS], io[2];
	volatile int stop = 0;
	uint8_t *buf;

	init_workers(w, THREADS, self);
	init_workers(io, 2, self);
	io[0].stop = io[1].stop = &stop;
	io[0].id = 100;
	io[1].id = 101;
	start_workers(io, 2, ioctl_storm);
	start_workers(w, THREADS, map_storm);
	join_workers(w, THREADS);
	stop = 1;
	join_workers(io, 2);
	check_counts(self);
	/* The device still works: CLEAR gives zeros everywhere. */
	ASSERT_OK(ioctl(self->fd, CHRMEM_IOC_CLEAR));
	buf = xmalloc(self->size);
	pread_all(self->fd, buf, self->size, 0);
	EXPECT_FILLED(buf, self->size, 0);
	free(buf);
}

/* ---- open/close storm -------------------------------------------------- */

static void *open_close_storm(void *arg)
{
	struct worker *w = arg;
	struct chrmem_info info;
	int i;

	for (i = 0; i < w->iterations; i++) {
		int fd = open(dev_path(w->idx), (i & 1) ? O_RDONLY : O_RDWR);

		if (fd < 0) {
			worker_error(w, "open: %s", strerror(errno));
			continue;
		}
		if (ioctl(fd, CHRMEM_IOC_GET_INFO, &info) != 0)
			worker_error(w, "GET_INFO: %s", strerror(errno));
		else if (info.opens < 2 || info.opens > 1 + THREADS)
			worker_error(w, "opens %u outside [2, %d]", info.opens,
				     1 + THREADS);
		close(fd);
	}
	return NULL;
}

TEST_F_TIMEOUT(dev, open_close_storm, 300)
{
	struct worker w[THREADS];

	init_workers(w, THREADS, self);
	start_workers(w, THREADS, open_close_storm);
	join_workers(w, THREADS);
	check_counts(self);
}

/* ---- processes: fork with mappings, exit, all at once ------------------ */

static int process_worker(int idx, size_t page, uint64_t size, int id,
			  int iterations)
{
	int i, errors = 0;

	for (i = 0; i < iterations / 4 + 1; i++) {
		int fd = open(dev_path(idx), O_RDWR);
		size_t len = 2 * page;
		off_t off = (off_t)((id * 2 * page) % (size - len + page)) &
			    ~(off_t)(page - 1);
		uint8_t *p;
		pid_t pid;
		int status;

		if (fd < 0)
			return 1;
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
		close(fd);
		if (p == MAP_FAILED)
			return 1;
		pid = fork();
		if (pid == 0) {
			/* The child writes through the inherited mapping. */
			p[0] = (uint8_t)(id + i);
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			errors++;
		if (p[0] != (uint8_t)(id + i))
			errors++;
		munmap(p, len);
	}
	return errors ? 1 : 0;
}

TEST_F_TIMEOUT(dev, processes_fork_map_exit, 300)
{
	pid_t pids[6];
	int i;

	for (i = 0; i < 6; i++) {
		pids[i] = fork();
		ASSERT_OK(pids[i]);
		if (pids[i] == 0)
			_exit(process_worker(self->idx, self->page, self->size,
					     i, iterations()));
	}
	for (i = 0; i < 6; i++)
		wait_ok(pids[i]);
	check_counts(self);
}

/* ---- user pages that vanish while the driver copies to them ------------ */

/*
 * read() and write() copy with page faults disabled and must make progress
 * when the user's pages are taken away meanwhile: zapped by MADV_DONTNEED,
 * or made copy-on-write by a fork in another thread. Either is legal, and
 * neither may shorten the transfer (the debug lane's stress program saw
 * short reads and EFAULT when a copy that stopped twice gave up).
 */
struct vanisher {
	uint8_t *buf;
	size_t len;
	volatile int stop;
	unsigned long rounds;
	int error;
};

static void *zap_pages(void *arg)
{
	struct vanisher *v = arg;

	while (!v->stop) {
		if (madvise(v->buf, v->len, MADV_DONTNEED))
			v->error = errno;
		v->rounds++;
	}
	return NULL;
}

static void *fork_children(void *arg)
{
	struct vanisher *v = arg;
	int status;
	pid_t pid;

	while (!v->stop) {
		pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid < 0 || waitpid(pid, &status, 0) != pid || status)
			v->error = pid < 0 ? errno : ECHILD;
		v->rounds++;
	}
	return NULL;
}

/* The largest transfer the driver copies in one go (its stretch, 1 MiB). */
static size_t vanishing_len(const struct th_fixture_dev *self)
{
	return self->size < (1u << 20) ? self->size : 1u << 20;
}

TEST_F_TIMEOUT(dev, transfers_complete_while_user_pages_are_zapped, 300)
{
	struct vanisher v = { .len = vanishing_len(self) };
	unsigned long shorts = 0;
	pthread_t thread;
	ssize_t n;
	int i;

	v.buf = mmap(NULL, v.len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, v.buf);
	ASSERT_EQ(0, pthread_create(&thread, NULL, zap_pages, &v));
	/* A quarter: each transfer races the zapper all the way. */
	for (i = 0; i < iterations() / 4 + 1; i++) {
		n = (i & 1) ? pwrite(self->fd, v.buf, v.len, 0) :
			      pread(self->fd, v.buf, v.len, 0);
		if (n != (ssize_t)v.len && !shorts++)
			TH_LOG("%s %d: %zd of %zu bytes (%s)", (i & 1) ? "pwrite" : "pread",
			       i, n, v.len, n < 0 ? strerror(errno) : "short");
	}
	v.stop = 1;
	ASSERT_EQ(0, pthread_join(thread, NULL));
	TH_LOG("%d transfers of %zu bytes, %lu zaps meanwhile", i, v.len, v.rounds);
	EXPECT_EQ(0, v.error);
	EXPECT_EQ(0, shorts);
	munmap(v.buf, v.len);
	check_counts(self);
}

TEST_F_TIMEOUT(dev, reads_complete_and_arrive_while_another_thread_forks, 300)
{
	struct vanisher v = { .len = vanishing_len(self) };
	uint8_t *in = xmalloc(v.len);
	unsigned long shorts = 0, wrong = 0;
	pthread_t thread;
	ssize_t n;
	int i;

	v.buf = xmalloc(v.len);
	fill_pattern(in, v.len, 0, 70);
	pwrite_all(self->fd, in, v.len, 0);
	ASSERT_EQ(0, pthread_create(&thread, NULL, fork_children, &v));
	for (i = 0; i < iterations(); i++) {
		memset(v.buf, 0, v.len);
		n = pread(self->fd, v.buf, v.len, 0);
		if (n != (ssize_t)v.len && !shorts++)
			TH_LOG("pread %d: %zd of %zu bytes (%s)", i, n, v.len,
			       n < 0 ? strerror(errno) : "short");
		else if (n == (ssize_t)v.len && memcmp(v.buf, in, v.len))
			wrong++;
	}
	v.stop = 1;
	ASSERT_EQ(0, pthread_join(thread, NULL));
	TH_LOG("%d reads of %zu bytes, %lu forks meanwhile", i, v.len, v.rounds);
	EXPECT_EQ(0, v.error);
	EXPECT_EQ(0, shorts);
	EXPECT_EQ(0, wrong);
	free(v.buf);
	free(in);
	check_counts(self);
}

/* ---- everything at once on one shared fd ------------------------------- */

static void *shared_fd_mix(void *arg)
{
	struct worker *w = arg;
	uint8_t buf[512];
	struct chrmem_info info;
	int i;

	memset(buf, w->id, sizeof(buf));
	for (i = 0; i < w->iterations; i++) {
		ssize_t n;
		void *p;

		switch ((i + w->id) % 6) {
		case 0:	/* the shared position moves under our feet */
			if (lseek(w->fd, (off_t)(i * 4096) % (off_t)w->size, SEEK_SET) < 0)
				worker_error(w, "lseek: %s", strerror(errno));
			break;
		case 1:
			n = read(w->fd, buf, sizeof(buf));
			if (n < 0)
				worker_error(w, "read: %s", strerror(errno));
			break;
		case 2:
			n = write(w->fd, buf, sizeof(buf));
			if (n < 0 && errno != ENOSPC)
				worker_error(w, "write: %s", strerror(errno));
			break;
		case 3:
			p = mmap(NULL, w->page, PROT_READ, MAP_SHARED, w->fd, 0);
			if (p == MAP_FAILED)
				worker_error(w, "mmap: %s", strerror(errno));
			else
				munmap(p, w->page);
			break;
		case 4:
			if (ioctl(w->fd, CHRMEM_IOC_GET_INFO, &info))
				worker_error(w, "GET_INFO: %s", strerror(errno));
			break;
		default:
			if (ioctl(w->fd, (i & 1) ? CHRMEM_IOC_RESET : CHRMEM_IOC_CLEAR))
				worker_error(w, "CLEAR/RESET: %s", strerror(errno));
			break;
		}
	}
	return NULL;
}

TEST_F_TIMEOUT(dev, everything_at_once_on_one_fd, 300)
{
	struct worker w[THREADS];
	uint8_t in[4096], out[4096];
	off_t pos;

	init_workers(w, THREADS, self);
	start_workers(w, THREADS, shared_fd_mix);
	join_workers(w, THREADS);
	check_counts(self);
	/* The position is still within [0, size]. */
	pos = lseek(self->fd, 0, SEEK_CUR);
	EXPECT_LE(0, pos);
	EXPECT_GE((off_t)self->size, pos);
	/* And the device still does its job. */
	fill_pattern(in, sizeof(in), 0, 60);
	pwrite_all(self->fd, in, sizeof(in), 0);
	pread_all(self->fd, out, sizeof(out), 0);
	EXPECT_PATTERN(out, sizeof(out), 0, 60);
}
