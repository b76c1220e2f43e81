// SPDX-License-Identifier: GPL-2.0
/*
 * chrmem-bench - measure chrmem against what a user would use instead
 *
 * Runs inside the QEMU guest that bench/run boots (tests/vm/run --no-load).
 * It loads and unloads chrmem itself with finit_module(2) and
 * delete_module(2), with the parameters each measurement needs, and runs
 * fio as a real client of /dev/chrmem0.
 *
 * Under TCG a timing depends on what ran before it: the first pass over
 * new code or new memory pays for translation and for filling QEMU's
 * software TLB. So every section first runs one warm-up round that is
 * thrown away, then interleaves its targets round by round (the first
 * target of a round rotates), and reports the median of the rounds. Each
 * figure comes with its ratio to a baseline measured in the same rounds:
 * the median of the per-round ratios, each taken between samples measured
 * moments apart, so that a host busy with other work in some rounds
 * disturbs both sides of a ratio alike.
 *
 * usage: chrmem-bench [--rounds N] [--fio PATH] [--ko PATH] [SECTION]...
 *   SECTION: info bw touch window rw clear load fio (default: all, in this
 *            order)
 *   --rounds N  measured rounds of every section (default: per section)
 *
 * Output on stdout, one tab-separated record per line, read by bench/report:
 *   @info	KEY	VALUE
 *   @result	SECTION	CASE	PARAM	UNIT	BETTER	MEDIAN	MIN	MAX	N
 *		BASELINE	BASE_MEDIAN	RATIO	RATIO_MIN	RATIO_MAX
 * BETTER is "higher" or "lower"; MEDIAN, MIN and MAX are over N rounds;
 * RATIO is the median of the per-round ratios figure / baseline, RATIO_MIN
 * and RATIO_MAX their range. A figure that is itself a baseline has "-" in
 * the last five fields.
 * Progress and errors go to stderr. Exit status 0, or 1 when anything
 * failed: a system call, a fio run, or a fio verification error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chrmem.h"

#define MiB		(1UL << 20)
#define PAGE		4096UL
#define DEVICE		"/dev/chrmem0"
#define MODULE_NAME	"chrmem"
#define TMPFS_FILE	"/tmp/chrmem-bench.dat"
#define FIO_JOBFILE	"/tmp/chrmem-bench.fio"
#define FIO_TMPFS_FILE	"/tmp/chrmem-bench.fio.dat"
#define MAX_SAMPLES	64

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *ko_path = "/chrmem/chrmem.ko";
static const char *fio_path = "fio";
static unsigned int rounds_override;
static double start_time;

/* ---- samples and output ---- */

struct series {
	double v[MAX_SAMPLES];
	unsigned int n;
};

enum better { HIGHER, LOWER };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void add(struct series *s, double x)
{
	if (s->n < MAX_SAMPLES)
		s->v[s->n++] = x;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts a copy of @s into @v; returns the median. */
static double sorted(const struct series *s, double *v)
{
	if (!s->n)
		return 0;
	memcpy(v, s->v, s->n * sizeof(v[0]));
	qsort(v, s->n, sizeof(v[0]), cmp_double);
	return s->n % 2 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
}

/* Prints "MEDIAN MIN MAX" of @s, tab-separated. */
static void print_stats(const struct series *s)
{
	double v[MAX_SAMPLES];
	double m = sorted(s, v);

	printf("%.4g\t%.4g\t%.4g", m, s->n ? v[0] : 0, s->n ? v[s->n - 1] : 0);
}

/* The per-round ratios of two series measured in the same rounds. */
static void ratios(const struct series *s, const struct series *base,
		   struct series *r)
{
	unsigned int i;

	r->n = 0;
	for (i = 0; i < s->n && i < base->n; i++)
		add(r, s->v[i] / base->v[i]);
}

static double mib_per_s(size_t bytes, double secs)
{
	return bytes / secs / MiB;
}

static double ms(double secs)
{
	return secs * 1e3;
}

static void info(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("@info\t%s\t", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/*
 * One figure; @base_name NULL when the figure is a baseline itself. The
 * i-th sample of @s and of @base must come from the same round.
 */
static void result(const char *section, const char *name, const char *param,
		   const char *unit, enum better better,
		   const struct series *s, const char *base_name,
		   const struct series *base)
{
	double v[MAX_SAMPLES];
	struct series r;

	printf("@result\t%s\t%s\t%s\t%s\t%s\t", section, name, param, unit,
	       better == HIGHER ? "higher" : "lower");
	print_stats(s);
	printf("\t%u\t", s->n);
	if (base_name) {
		ratios(s, base, &r);
		printf("%s\t%.4g\t", base_name, sorted(base, v));
		print_stats(&r);
		putchar('\n');
	} else {
		printf("-\t-\t-\t-\t-\n");
	}
	fflush(stdout);
}

static void progress(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "chrmem-bench: [%5.1fs] ", now() - start_time);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * Reports a failure, with errno's text unless errno is 0; returns -1 for
 * the caller.
 */
static int fail(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fprintf(stderr, "chrmem-bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
	return -1;
}

static unsigned int rounds(unsigned int def)
{
	return rounds_override ? rounds_override : def;
}

/* ---- the module and the device ---- */

static bool module_loaded(void)
{
	return access("/sys/module/" MODULE_NAME, F_OK) == 0;
}

static int module_load(const char *params, double *secs)
{
	int fd = open(ko_path, O_RDONLY | O_CLOEXEC);
	double t0;
	long ret;

	if (fd < 0)
		return fail("open %s", ko_path);
	t0 = now();
	ret = syscall(SYS_finit_module, fd, params, 0);
	if (secs)
		*secs = now() - t0;
	close(fd);
	if (ret)
		return fail("finit_module %s \"%s\"", ko_path, params);
	return 0;
}

static int module_unload(double *secs)
{
	double t0 = now();

	if (syscall(SYS_delete_module, MODULE_NAME, O_NONBLOCK))
		return fail("delete_module %s", MODULE_NAME);
	if (secs)
		*secs = now() - t0;
	return 0;
}

/* Loads the module with @params and opens /dev/chrmem0 read-write. */
static int device_setup(const char *params)
{
	int fd;

	if (module_load(params, NULL))
		return -1;
	fd = open(DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fail("open %s", DEVICE);
		module_unload(NULL);
	}
	return fd;
}

static int device_teardown(int fd)
{
	close(fd);
	return module_unload(NULL);
}

static int set_cache_mode(int fd, uint32_t mode)
{
	if (ioctl(fd, CHRMEM_IOC_SET_CACHE_MODE, &mode))
		return fail("CHRMEM_IOC_SET_CACHE_MODE %u", mode);
	return 0;
}

static void *map_device(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED) {
		fail("mmap %s, %zu bytes", DEVICE, len);
		return NULL;
	}
	return p;
}

static void *map_anon(size_t len, int flags)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);

	if (p == MAP_FAILED) {
		fail("mmap anonymous, %zu bytes", len);
		return NULL;
	}
	return p;
}

/* ---- info: what the figures were measured on ---- */

static void info_cpu_model(void)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");
	unsigned int cpus = 0;
	char *model = NULL;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "processor", 9))
			cpus++;
		if (!model && !strncmp(line, "model name", 10) &&
		    strchr(line, ':')) {
			model = strdup(strchr(line, ':') + 2);
			model[strcspn(model, "\n")] = '\0';
		}
	}
	fclose(f);
	info("cpu_model", "%s", model ? model : "unknown");
	info("cpus", "%u", cpus);
	free(model);
}

static void info_first_line(const char *key, const char *path)
{
	char line[256] = "unknown";
	FILE *f = fopen(path, "r");

	if (f) {
		if (!fgets(line, sizeof(line), f))
			strcpy(line, "unknown");
		fclose(f);
	}
	line[strcspn(line, "\n")] = '\0';
	info(key, "%s", line);
}

static int section_info(void)
{
	struct utsname u;

	uname(&u);
	info("kernel", "%s", u.release);
	info("arch", "%s", u.machine);
	info_cpu_model();
	info_first_line("memtotal", "/proc/meminfo");
	info_first_line("thp", "/sys/kernel/mm/transparent_hugepage/enabled");
	return 0;
}

/* ---- bw: sequential bandwidth through a mapping, per cache mode ---- */

#define BW_SIZE		(32 * MiB)
#define BW_PASSES	4	/* per sample: long enough to outlast hiccups */

enum bw_target { BW_ANON, BW_CACHED, BW_UNCACHED, BW_WC, BW_TARGETS };

static const char *const bw_names[BW_TARGETS] = {
	"anon MAP_POPULATE", "chrmem cached", "chrmem uncached", "chrmem wc",
};

static const uint32_t bw_modes[BW_TARGETS] = {
	[BW_CACHED] = CHRMEM_CACHE_CACHED,
	[BW_UNCACHED] = CHRMEM_CACHE_UNCACHED,
	[BW_WC] = CHRMEM_CACHE_WC,
};

static volatile uint64_t sink;

/* 64-bit loads, summed so that the compiler keeps them. */
static void read_pass(const uint64_t *p, size_t len)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < len / 8; i++)
		sum += p[i];
	sink += sum;
}

static void write_pass(uint64_t *p, size_t len, uint64_t seed)
{
	size_t i;

	for (i = 0; i < len / 8; i++)
		p[i] = seed ^ i;
}

static void *bw_map(int fd, enum bw_target t)
{
	if (t == BW_ANON)
		return map_anon(BW_SIZE, MAP_POPULATE);
	if (set_cache_mode(fd, bw_modes[t]))
		return NULL;
	return map_device(fd, BW_SIZE);
}

/* Write passes, then read passes, over a fresh mapping of target @t. */
static int bw_sample(int fd, enum bw_target t, double *rd, double *wr)
{
	uint64_t *p = bw_map(fd, t);
	double t0, t1, t2;
	unsigned int i;

	if (!p)
		return -1;
	t0 = now();
	for (i = 0; i < BW_PASSES; i++)
		write_pass(p, BW_SIZE, i);
	t1 = now();
	for (i = 0; i < BW_PASSES; i++)
		read_pass(p, BW_SIZE);
	t2 = now();
	munmap(p, BW_SIZE);
	*wr = mib_per_s(BW_PASSES * BW_SIZE, t1 - t0);
	*rd = mib_per_s(BW_PASSES * BW_SIZE, t2 - t1);
	return 0;
}

static int bw_rounds(int fd, struct series *rd, struct series *wr)
{
	unsigned int r, k, n = rounds(9);
	enum bw_target t;
	double x, y;

	for (t = 0; t < BW_TARGETS; t++)
		if (bw_sample(fd, t, &x, &y))
			return -1;
	for (r = 0; r < n; r++) {
		for (k = 0; k < BW_TARGETS; k++) {
			t = (r + k) % BW_TARGETS;
			if (bw_sample(fd, t, &x, &y))
				return -1;
			add(&rd[t], x);
			add(&wr[t], y);
		}
	}
	return 0;
}

static int section_bw(void)
{
	static struct series rd[BW_TARGETS], wr[BW_TARGETS];
	const char *base = bw_names[BW_ANON];
	enum bw_target t;
	int fd, ret;

	progress("bw: mmap sequential read/write, %lu MiB, per cache mode",
		 BW_SIZE / MiB);
	fd = device_setup("size=32M map_mode=remap cache_mode=cached");
	if (fd < 0)
		return -1;
	ret = bw_rounds(fd, rd, wr);
	if (device_teardown(fd) || ret)
		return -1;
	for (t = 0; t < BW_TARGETS; t++) {
		result("bw", bw_names[t], "read", "MiB/s", HIGHER, &rd[t],
		       t == BW_ANON ? NULL : base, &rd[BW_ANON]);
		result("bw", bw_names[t], "write", "MiB/s", HIGHER, &wr[t],
		       t == BW_ANON ? NULL : base, &wr[BW_ANON]);
	}
	return 0;
}

/* ---- touch: map, then write one byte to every page ---- */

/*
 * Each map mode is measured against the anonymous mapping that fills its
 * page tables the same way: remap mode maps in mmap(), like MAP_POPULATE
 * (its 2 MiB parts on first touch, one PMD each); fault mode maps on first
 * touch, like plain anonymous memory. The map mode is a load parameter,
 * so each mode gets a load. Within it, the device's "huge" switch, read
 * at mmap(), and its cache mode pick each target's kind of mapping, so
 * 2 MiB and 4 KiB entries are measured in the same rounds. A kernel
 * without huge PFN mappings (6.1) refuses the switch, and its huge
 * targets are left out.
 */
enum touch_kind { T_ANON, T_DEVICE };

struct touch_target {
	const char *name;
	enum touch_kind kind;
	int anon_flags;
	uint32_t cache;
	bool huge;
};

#define TOUCH_TARGETS	4

struct touch_phase {
	const char *map_mode;
	struct touch_target t[TOUCH_TARGETS];	/* [0]: the anonymous baseline */
	unsigned int n;
};

static const struct touch_phase touch_phases[] = {
	{ "remap", {
		{ "anon MAP_POPULATE", T_ANON, MAP_POPULATE, 0, false },
		{ "chrmem remap, 2 MiB entries", T_DEVICE, 0,
		  CHRMEM_CACHE_CACHED, true },
		{ "chrmem remap, 4 KiB entries", T_DEVICE, 0,
		  CHRMEM_CACHE_CACHED, false },
	}, 3 },
	{ "fault", {
		{ "anon on demand", T_ANON, 0, 0, false },
		{ "chrmem fault cached, 4 KiB windows", T_DEVICE, 0,
		  CHRMEM_CACHE_CACHED, false },
		{ "chrmem fault wc, 2 MiB entries", T_DEVICE, 0,
		  CHRMEM_CACHE_WC, true },
		{ "chrmem fault wc, 4 KiB windows", T_DEVICE, 0,
		  CHRMEM_CACHE_WC, false },
	}, 4 },
};

static const size_t touch_sizes[] = { 4 * MiB, 64 * MiB, 512 * MiB };
static const unsigned int touch_rounds[] = { 9, 7, 5 };
#define TOUCH_SIZES	ARRAY_SIZE(touch_sizes)

/* Per target and size. */
struct touch_series {
	struct series s[TOUCH_TARGETS][TOUCH_SIZES];
	bool skip[TOUCH_TARGETS];	/* huge, where the kernel has none */
};

/* The device's huge switch: 0, or -1 when the kernel refuses "on". */
static int set_huge(bool on)
{
	const char *path = "/sys/class/chrmem/chrmem0/huge";
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return fail("open %s", path);
	n = write(fd, on ? "1" : "0", 1);
	close(fd);
	if (n == 1)
		return 0;
	if (on && errno == EOPNOTSUPP)
		return -1;
	return fail("write %s", path);
}

/*
 * Sets the device up for target @t (not timed), then maps @len of it and
 * writes a byte to every page (timed).
 */
static int touch_sample(const struct touch_target *t, int fd, size_t len,
			double *secs)
{
	volatile char *p;
	double t0;
	size_t off;

	if (t->kind == T_DEVICE && (set_cache_mode(fd, t->cache) ||
				    set_huge(t->huge)))
		return -1;
	t0 = now();
	p = t->kind == T_ANON ? map_anon(len, t->anon_flags) :
				map_device(fd, len);
	if (!p)
		return -1;
	for (off = 0; off < len; off += PAGE)
		p[off] = 1;
	*secs = now() - t0;
	munmap((void *)p, len);
	return 0;
}

static void info_chunks(int fd, const char *key)
{
	struct chrmem_info ci = { 0 };

	if (!ioctl(fd, CHRMEM_IOC_GET_INFO, &ci))
		info(key, "%u", ci.chunks);
}

/* Leaves out the huge targets where the kernel has no huge PFN maps. */
static void touch_check_huge(const struct touch_phase *ph,
			     struct touch_series *res)
{
	bool kernel = set_huge(true) == 0;
	unsigned int k;

	for (k = 0; k < ph->n; k++)
		res->skip[k] = ph->t[k].huge && !kernel;
	info("huge_pfnmap", "%s", kernel ? "yes" : "no");
}

static int touch_rounds_of(const struct touch_phase *ph, int fd,
			   struct touch_series *res)
{
	unsigned int i, r, k, j;
	double secs;

	for (k = 0; k < ph->n; k++)
		if (!res->skip[k] &&
		    touch_sample(&ph->t[k], fd, touch_sizes[0], &secs))
			return -1;
	for (i = 0; i < TOUCH_SIZES; i++) {
		for (r = 0; r < rounds(touch_rounds[i]); r++) {
			for (j = 0; j < ph->n; j++) {
				k = (r + j) % ph->n;
				if (res->skip[k])
					continue;
				if (touch_sample(&ph->t[k], fd, touch_sizes[i],
						 &secs))
					return -1;
				add(&res->s[k][i], ms(secs));
			}
		}
		progress("touch: %s, %zu MiB done", ph->map_mode,
			 touch_sizes[i] / MiB);
	}
	return 0;
}

static int touch_phase_run(const struct touch_phase *ph,
			   struct touch_series *res)
{
	char params[64], key[32];
	int fd, ret;

	snprintf(params, sizeof(params), "size=%zuM map_mode=%s",
		 touch_sizes[TOUCH_SIZES - 1] / MiB, ph->map_mode);
	fd = device_setup(params);
	if (fd < 0)
		return -1;
	snprintf(key, sizeof(key), "chunks_%s", ph->map_mode);
	info_chunks(fd, key);
	touch_check_huge(ph, res);
	ret = touch_rounds_of(ph, fd, res);
	if (set_cache_mode(fd, CHRMEM_CACHE_CACHED) || device_teardown(fd))
		ret = -1;
	return ret;
}

/*
 * Every chrmem figure against the phase's anonymous baseline ("touch"),
 * and each 2 MiB figure against the same mapping with 4 KiB entries, the
 * target after it ("huge").
 */
static void touch_results(const struct touch_phase *ph,
			  struct touch_series *res, unsigned int i)
{
	char param[32];
	unsigned int k;

	snprintf(param, sizeof(param), "%zu MiB", touch_sizes[i] / MiB);
	result("touch", ph->t[0].name, param, "ms", LOWER, &res->s[0][i],
	       NULL, NULL);
	for (k = 1; k < ph->n; k++) {
		if (res->skip[k])
			continue;
		result("touch", ph->t[k].name, param, "ms", LOWER,
		       &res->s[k][i], ph->t[0].name, &res->s[0][i]);
		if (ph->t[k].huge && k + 1 < ph->n)
			result("huge", ph->t[k].name, param, "ms", LOWER,
			       &res->s[k][i], ph->t[k + 1].name,
			       &res->s[k + 1][i]);
	}
}

static int section_touch(void)
{
	static struct touch_series res[ARRAY_SIZE(touch_phases)];
	unsigned int i, p;

	progress("touch: map + first write to every page, remap and fault modes");
	for (p = 0; p < ARRAY_SIZE(touch_phases); p++)
		if (touch_phase_run(&touch_phases[p], &res[p]))
			return -1;
	for (i = 0; i < TOUCH_SIZES; i++)
		for (p = 0; p < ARRAY_SIZE(touch_phases); p++)
			touch_results(&touch_phases[p], &res[p], i);
	return 0;
}

/* ---- window: fault mode with fault windows against page by page ---- */

/*
 * fault_window is a load parameter, so each round loads the module twice,
 * once with windows and once without (page by page, as before windows),
 * in rotating order, and takes the same samples in both: the page-backed
 * cached mapping and the PFN map of wc with 4 KiB entries (huge off).
 */
#define WINDOW_DEV_SIZE	"64M"

static const size_t window_sizes[] = { 4 * MiB, 64 * MiB };
#define WINDOW_SIZES	ARRAY_SIZE(window_sizes)

static const struct touch_target window_targets[] = {
	{ "chrmem fault cached", T_DEVICE, 0, CHRMEM_CACHE_CACHED, false },
	{ "chrmem fault wc", T_DEVICE, 0, CHRMEM_CACHE_WC, false },
};
#define WINDOW_TARGETS	ARRAY_SIZE(window_targets)

/* [windows?][target][size] */
static struct series window_s[2][WINDOW_TARGETS][WINDOW_SIZES];

/* One load with or without windows, a sample of every target and size. */
static int window_load(bool windows, bool keep)
{
	char params[64];
	unsigned int k, i;
	double secs;
	int fd, ret = 0;

	snprintf(params, sizeof(params), "size=%s map_mode=fault fault_window=%d",
		 WINDOW_DEV_SIZE, windows);
	fd = device_setup(params);
	if (fd < 0)
		return -1;
	for (k = 0; k < WINDOW_TARGETS && !ret; k++) {
		for (i = 0; i < WINDOW_SIZES && !ret; i++) {
			ret = touch_sample(&window_targets[k], fd,
					   window_sizes[i], &secs);
			if (!ret && keep)
				add(&window_s[windows][k][i], ms(secs));
		}
	}
	if (set_cache_mode(fd, CHRMEM_CACHE_CACHED) || device_teardown(fd))
		ret = -1;
	return ret;
}

static int section_window(void)
{
	unsigned int r, n = rounds(7), k, i;
	char name[64], param[32];

	progress("window: fault mode, a window per fault vs one page per fault");
	if (window_load(true, false) || window_load(false, false))
		return -1;
	for (r = 0; r < n; r++)
		if (window_load(r % 2, true) || window_load(!(r % 2), true))
			return -1;
	for (k = 0; k < WINDOW_TARGETS; k++) {
		for (i = 0; i < WINDOW_SIZES; i++) {
			snprintf(param, sizeof(param), "%zu MiB",
				 window_sizes[i] / MiB);
			snprintf(name, sizeof(name), "%s, page by page",
				 window_targets[k].name);
			result("window", name, param, "ms", LOWER,
			       &window_s[0][k][i], NULL, NULL);
			snprintf(name, sizeof(name), "%s, windows",
				 window_targets[k].name);
			result("window", name, param, "ms", LOWER,
			       &window_s[1][k][i], "page by page",
			       &window_s[0][k][i]);
		}
	}
	return 0;
}

/* ---- rw: read() and write() of the whole buffer, per request size ---- */

#define RW_SIZE		(64 * MiB)

static const size_t rw_requests[] = { 4096, 64 * 1024, MiB };
#define RW_REQUESTS	ARRAY_SIZE(rw_requests)

static char *rw_buf;

/* Reads or writes RW_SIZE bytes from offset 0 in @req-sized calls. */
static int rw_pass(int fd, bool write_it, size_t req, double *secs)
{
	size_t done;
	ssize_t n;
	double t0;

	if (lseek(fd, 0, SEEK_SET))
		return fail("lseek");
	t0 = now();
	for (done = 0; done < RW_SIZE; done += req) {
		n = write_it ? write(fd, rw_buf, req) : read(fd, rw_buf, req);
		if (n != (ssize_t)req) {
			if (n >= 0)
				errno = 0;
			return fail("%s of %zu bytes at %zu returned %zd",
				    write_it ? "write" : "read", req, done, n);
		}
	}
	*secs = now() - t0;
	return 0;
}

static int tmpfs_file_create(void)
{
	int fd = open(TMPFS_FILE, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	double secs;

	if (fd < 0)
		return fail("open %s", TMPFS_FILE);
	if (rw_pass(fd, true, MiB, &secs)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Both targets, both directions, one request size: rd[0]/wr[0] chrmem. */
static int rw_rounds(const int fds[2], size_t req, struct series rd[2],
		     struct series wr[2])
{
	unsigned int r, k, t, n = rounds(7);
	double x, y;

	for (t = 0; t < 2; t++)
		if (rw_pass(fds[t], false, req, &x) ||
		    rw_pass(fds[t], true, req, &y))
			return -1;
	for (r = 0; r < n; r++) {
		for (k = 0; k < 2; k++) {
			t = (r + k) % 2;
			if (rw_pass(fds[t], false, req, &x) ||
			    rw_pass(fds[t], true, req, &y))
				return -1;
			add(&rd[t], mib_per_s(RW_SIZE, x));
			add(&wr[t], mib_per_s(RW_SIZE, y));
		}
	}
	return 0;
}

static void rw_results(size_t req, struct series rd[2], struct series wr[2])
{
	const char *unit = req < MiB ? "KiB" : "MiB";
	size_t n = req < MiB ? req / 1024 : req / MiB;
	char param[32];

	snprintf(param, sizeof(param), "read %zu %s", n, unit);
	result("rw", "chrmem", param, "MiB/s", HIGHER, &rd[0], "tmpfs", &rd[1]);
	result("rw", "tmpfs", param, "MiB/s", HIGHER, &rd[1], NULL, NULL);
	snprintf(param, sizeof(param), "write %zu %s", n, unit);
	result("rw", "chrmem", param, "MiB/s", HIGHER, &wr[0], "tmpfs", &wr[1]);
	result("rw", "tmpfs", param, "MiB/s", HIGHER, &wr[1], NULL, NULL);
}

static int section_rw(void)
{
	static struct series rd[RW_REQUESTS][2], wr[RW_REQUESTS][2];
	int fds[2] = { -1, -1 }, ret = -1;
	unsigned int i;

	progress("rw: read()/write() of %lu MiB vs a tmpfs file", RW_SIZE / MiB);
	if (posix_memalign((void **)&rw_buf, PAGE, MiB))
		return fail("posix_memalign");
	memset(rw_buf, 0x5a, MiB);
	fds[0] = device_setup("size=64M");
	if (fds[0] < 0)
		goto out;
	fds[1] = tmpfs_file_create();
	if (fds[1] < 0)
		goto out;
	for (i = 0; i < RW_REQUESTS; i++)
		if (rw_rounds(fds, rw_requests[i], rd[i], wr[i]))
			goto out;
	for (i = 0; i < RW_REQUESTS; i++)
		rw_results(rw_requests[i], rd[i], wr[i]);
	ret = 0;
out:
	if (fds[1] >= 0)
		close(fds[1]);
	unlink(TMPFS_FILE);
	if (fds[0] >= 0 && device_teardown(fds[0]))
		ret = -1;
	free(rw_buf);
	return ret;
}

/* ---- clear: CLEAR and RESET against memset() through the mapping ---- */

#define CLEAR_SIZE	(64 * MiB)

enum clear_op { OP_CLEAR, OP_RESET, OP_MEMSET, OPS };

static const char *const clear_names[OPS] = {
	"ioctl CLEAR", "ioctl RESET", "memset via mmap",
};

static int clear_sample(int fd, void *p, enum clear_op op, double *secs)
{
	double t0 = now();

	switch (op) {
	case OP_CLEAR:
		if (ioctl(fd, CHRMEM_IOC_CLEAR))
			return fail("CHRMEM_IOC_CLEAR");
		break;
	case OP_RESET:
		if (ioctl(fd, CHRMEM_IOC_RESET))
			return fail("CHRMEM_IOC_RESET");
		break;
	default:
		memset(p, 0, CLEAR_SIZE);
		break;
	}
	*secs = now() - t0;
	return 0;
}

static int clear_rounds(int fd, void *p, struct series *s)
{
	unsigned int r, k, n = rounds(9);
	enum clear_op op;
	double secs;

	for (op = 0; op < OPS; op++)
		if (clear_sample(fd, p, op, &secs))
			return -1;
	for (r = 0; r < n; r++) {
		for (k = 0; k < OPS; k++) {
			op = (r + k) % OPS;
			if (clear_sample(fd, p, op, &secs))
				return -1;
			add(&s[op], ms(secs));
		}
	}
	return 0;
}

static int section_clear(void)
{
	static struct series s[OPS];
	const char *base = clear_names[OP_MEMSET];
	enum clear_op op;
	int fd, ret;
	void *p;

	progress("clear: CLEAR/RESET vs memset of %lu MiB", CLEAR_SIZE / MiB);
	fd = device_setup("size=64M pattern=chrmem-bench");
	if (fd < 0)
		return -1;
	p = map_device(fd, CLEAR_SIZE);
	ret = p ? clear_rounds(fd, p, s) : -1;
	if (p)
		munmap(p, CLEAR_SIZE);
	if (device_teardown(fd) || ret)
		return -1;
	for (op = 0; op < OPS; op++)
		result("clear", clear_names[op], "64 MiB", "ms", LOWER, &s[op],
		       op == OP_MEMSET ? NULL : base, &s[OP_MEMSET]);
	return 0;
}

/* ---- load: finit_module and delete_module against the buffer size ---- */

static const char *const load_sizes[] = {
	"4K", "1M", "4M", "16M", "64M", "256M", "512M",
};
#define LOAD_SIZES	ARRAY_SIZE(load_sizes)

static int load_sample(unsigned int i, double *load, double *unload)
{
	char params[32];

	snprintf(params, sizeof(params), "size=%s", load_sizes[i]);
	if (module_load(params, load))
		return -1;
	return module_unload(unload);
}

static void load_results(struct series *ld, struct series *ul)
{
	char param[16];
	unsigned int i;

	for (i = 0; i < LOAD_SIZES; i++) {
		snprintf(param, sizeof(param), "size=%s", load_sizes[i]);
		result("load", "load", param, "ms", LOWER, &ld[i],
		       i ? "size=4K" : NULL, &ld[0]);
		result("load", "unload", param, "ms", LOWER, &ul[i],
		       i ? "size=4K" : NULL, &ul[0]);
	}
}

static int section_load(void)
{
	static struct series ld[LOAD_SIZES], ul[LOAD_SIZES];
	unsigned int r, k, i, n = rounds(7);
	double x = 0, y = 0;

	progress("load: finit_module/delete_module vs size");
	for (i = 0; i < LOAD_SIZES; i++)
		if (load_sample(i, &x, &y))
			return -1;
	for (r = 0; r < n; r++) {
		for (k = 0; k < LOAD_SIZES; k++) {
			i = (r + k) % LOAD_SIZES;
			if (load_sample(i, &x, &y))
				return -1;
			add(&ld[i], ms(x));
			add(&ul[i], ms(y));
		}
	}
	load_results(ld, ul);
	return 0;
}

/* ---- fio: a real client, with crc32c verification ---- */

#define FIO_SIZE	"32M"
#define FIO_BS		"64k"

enum fio_job { J_DEV_MMAP, J_TMPFS_MMAP, J_DEV_PSYNC, J_TMPFS_PSYNC, JOBS };

static const char *const fio_jobs[JOBS] = {
	"chrmem-mmap", "tmpfs-mmap", "chrmem-psync", "tmpfs-psync",
};

static const char *fio_file(enum fio_job j)
{
	return j == J_DEV_MMAP || j == J_DEV_PSYNC ? DEVICE : FIO_TMPFS_FILE;
}

static const char *fio_engine(enum fio_job j)
{
	return j == J_DEV_MMAP || j == J_TMPFS_MMAP ? "mmap" : "psync";
}

/*
 * One job file per round, its jobs in @first's rotated order; stonewall
 * runs them one after another. Each job writes the whole area and reads
 * it back, checking the crc32c of every block.
 */
static int fio_write_jobfile(unsigned int first)
{
	FILE *f = fopen(FIO_JOBFILE, "w");
	unsigned int k;
	enum fio_job j;

	if (!f)
		return fail("fopen %s", FIO_JOBFILE);
	fprintf(f, "[global]\nthread=1\nsize=%s\nbs=%s\nrw=write\n"
		"verify=crc32c\ndo_verify=1\nverify_fatal=1\n"
		"invalidate=0\n", FIO_SIZE, FIO_BS);
	for (k = 0; k < JOBS; k++) {
		j = (first + k) % JOBS;
		fprintf(f, "\n[%s]\nstonewall\nioengine=%s\nfilename=%s\n",
			fio_jobs[j], fio_engine(j), fio_file(j));
	}
	if (fclose(f))
		return fail("write %s", FIO_JOBFILE);
	return 0;
}

/*
 * Runs fio with @args, its terse output into @out; returns its status.
 * With @quiet, its complaints on stderr are dropped too.
 */
static int fio_run(char *const args[], char *out, size_t size, bool quiet)
{
	size_t len = 0;
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(pipefd))
		return fail("pipe");
	pid = fork();
	if (pid < 0)
		return fail("fork");
	if (!pid) {
		dup2(pipefd[1], STDOUT_FILENO);
		if (quiet)
			dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		execvp(args[0], args);
		fail("exec %s", args[0]);
		_exit(127);
	}
	close(pipefd[1]);
	while (len < size - 1 &&
	       (n = read(pipefd[0], out + len, size - 1 - len)) > 0)
		len += n;
	out[len] = '\0';
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return fail("waitpid fio");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* The terse (version 3) fields bench uses, counted from 1 as fio's docs do. */
#define TERSE_NAME	3
#define TERSE_ERROR	5
#define TERSE_READ_BW	7	/* KiB/s */
#define TERSE_WRITE_BW	48	/* KiB/s */

static char *terse_field(char *line, unsigned int field)
{
	unsigned int i;
	char *p = line;

	for (i = 1; i < field && p; i++) {
		p = strchr(p, ';');
		if (p)
			p++;
	}
	return p;
}

static int fio_job_index(const char *name)
{
	unsigned int j;
	size_t len = strcspn(name, ";");

	for (j = 0; j < JOBS; j++)
		if (strlen(fio_jobs[j]) == len && !strncmp(name, fio_jobs[j], len))
			return j;
	return -1;
}

/* Records each job's bandwidths; a job that reports an error fails. */
static int fio_parse(char *out, struct series *wr, struct series *rd)
{
	unsigned int seen = 0;
	char *line, *save;
	int j;

	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "3;", 2) || !terse_field(line, TERSE_WRITE_BW))
			continue;
		j = fio_job_index(terse_field(line, TERSE_NAME));
		if (j < 0)
			continue;
		if (atoi(terse_field(line, TERSE_ERROR))) {
			errno = atoi(terse_field(line, TERSE_ERROR));
			return fail("fio job %s", fio_jobs[j]);
		}
		add(&wr[j], atof(terse_field(line, TERSE_WRITE_BW)) / 1024);
		add(&rd[j], atof(terse_field(line, TERSE_READ_BW)) / 1024);
		seen++;
	}
	if (seen != JOBS) {
		errno = 0;
		return fail("fio reported %u of %u jobs", seen, JOBS);
	}
	return 0;
}

static char fio_out[1 << 16];

static int fio_round(unsigned int first, struct series *wr, struct series *rd)
{
	char *args[] = {
		(char *)fio_path, "--output-format=terse", "--terse-version=3",
		FIO_JOBFILE, NULL,
	};
	int status;

	if (fio_write_jobfile(first))
		return -1;
	status = fio_run(args, fio_out, sizeof(fio_out), false);
	if (status) {
		fputs(fio_out, stderr);
		errno = 0;
		return fail("fio exited with status %d: a verification error fails the benchmark",
			    status);
	}
	return fio_parse(fio_out, wr, rd);
}

/*
 * The check must be able to fail: after a CLEAR, fio verifying what the
 * last round wrote has to find bad blocks and exit non-zero.
 */
static int fio_negative_control(int fd)
{
	char *args[] = {
		(char *)fio_path, "--output-format=terse", "--thread",
		"--name=negative-control", "--ioengine=psync",
		"--filename=" DEVICE, "--size=" FIO_SIZE, "--bs=" FIO_BS,
		"--rw=write", "--verify=crc32c", "--verify_only=1",
		"--invalidate=0", NULL,
	};
	char *complaint;
	int status;

	if (ioctl(fd, CHRMEM_IOC_CLEAR))
		return fail("CHRMEM_IOC_CLEAR");
	status = fio_run(args, fio_out, sizeof(fio_out), true);
	complaint = strstr(fio_out, "verify:");
	if (complaint)
		complaint[strcspn(complaint, "\n")] = '\0';
	info("fio_negative_control", "exit status %d; %s", status,
	     complaint ? complaint : "no verify complaint");
	if (!status || !complaint) {
		errno = 0;
		return fail("fio found no verification error in a cleared buffer");
	}
	return 0;
}

static void fio_results(struct series *wr, struct series *rd)
{
	static const char *const base[JOBS] = {
		[J_DEV_MMAP] = "tmpfs mmap", [J_DEV_PSYNC] = "tmpfs psync",
	};
	static const char *const name[JOBS] = {
		"chrmem mmap", "tmpfs mmap", "chrmem psync", "tmpfs psync",
	};
	enum fio_job j;

	for (j = 0; j < JOBS; j++) {
		result("fio", name[j], "write", "MiB/s", HIGHER, &wr[j],
		       base[j], &wr[j + 1]);
		result("fio", name[j], "verify read", "MiB/s", HIGHER, &rd[j],
		       base[j], &rd[j + 1]);
	}
}

static int section_fio(void)
{
	static struct series wr[JOBS], rd[JOBS], warm[JOBS];
	unsigned int r, n = rounds(5);
	int fd, ret = -1;

	progress("fio: mmap and psync engines, %s, bs=%s, verify=crc32c",
		 FIO_SIZE, FIO_BS);
	fd = device_setup("size=" FIO_SIZE);
	if (fd < 0)
		return -1;
	if (fio_round(0, warm, warm))
		goto out;
	for (r = 0; r < n; r++) {
		if (fio_round(r, wr, rd))
			goto out;
		progress("fio: round %u of %u done", r + 1, n);
	}
	ret = fio_negative_control(fd);
out:
	unlink(FIO_TMPFS_FILE);
	unlink(FIO_JOBFILE);
	if (device_teardown(fd))
		ret = -1;
	if (!ret)
		fio_results(wr, rd);
	return ret;
}

/* ---- main ---- */

static const struct section {
	const char *name;
	int (*run)(void);
} sections[] = {
	{ "info", section_info },
	{ "bw", section_bw },
	{ "touch", section_touch },
	{ "window", section_window },
	{ "rw", section_rw },
	{ "clear", section_clear },
	{ "load", section_load },
	{ "fio", section_fio },
};

static void usage(FILE *f)
{
	unsigned int i;

	fprintf(f, "usage: chrmem-bench [--rounds N] [--fio PATH] [--ko PATH] [SECTION]...\n"
		"sections (default: all):");
	for (i = 0; i < ARRAY_SIZE(sections); i++)
		fprintf(f, " %s", sections[i].name);
	fputc('\n', f);
}

static const struct section *find_section(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sections); i++)
		if (!strcmp(name, sections[i].name))
			return &sections[i];
	return NULL;
}

static bool wanted(char **names, int count, const char *name)
{
	int i;

	if (!count)
		return true;
	for (i = 0; i < count; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

static int run_section(const struct section *s)
{
	double t0 = now();
	int ret = s->run();

	info("section_seconds", "%s %.1f", s->name, now() - t0);
	if (ret)
		fprintf(stderr, "chrmem-bench: section %s failed\n", s->name);
	return ret;
}

/* Returns the index of the first SECTION argument, or -1. */
static int parse_options(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			exit(0);
		}
		if (i + 1 >= argc)
			return -1;
		if (!strcmp(argv[i], "--rounds"))
			rounds_override = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--fio"))
			fio_path = argv[++i];
		else if (!strcmp(argv[i], "--ko"))
			ko_path = argv[++i];
		else
			return -1;
	}
	if (rounds_override > MAX_SAMPLES / 2)
		return -1;
	return i;
}

int main(int argc, char **argv)
{
	const char *env = getenv("CHRMEM_KO");
	const struct section *s;
	int first, i, failed = 0;

	if (env && *env)
		ko_path = env;
	first = parse_options(argc, argv);
	if (first < 0) {
		usage(stderr);
		return 2;
	}
	for (i = first; i < argc; i++) {
		if (!find_section(argv[i])) {
			fprintf(stderr, "chrmem-bench: no section '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	start_time = now();
	if (module_loaded() && module_unload(NULL))
		return 1;
	for (i = 0; i < (int)ARRAY_SIZE(sections); i++) {
		s = &sections[i];
		if (!wanted(argv + first, argc - first, s->name))
			continue;
		failed |= run_section(s) != 0;
	}
	info("total_seconds", "%.1f", now() - start_time);
	return failed;
}
