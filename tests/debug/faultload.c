// SPDX-License-Identifier: GPL-2.0
/*
 * faultload - load a module with its 1st, 2nd, 3rd... allocation failing,
 * until a load makes no more allocations than the one that would fail.
 *
 *   faultload [-m MIN] MODULE.KO NAME [PARAM]...
 *
 * Systematic fault injection (Documentation/fault-injection): writing N to
 * /proc/thread-self/fail-nth makes the N-th call of this thread to a fault
 * injection point (slab or page allocation, with failslab and
 * fail_page_alloc built in) fail. finit_module() then runs the module
 * loader and the module's init in this thread, so each N fails one more
 * allocation site of the load, the driver's own included. Reading the file
 * back tells whether the failure happened (0) or the load was over before
 * the N-th call (N minus the calls made).
 *
 * Each load with an injected failure must either fail with ENOMEM and leave
 * nothing behind (no module, no /dev/chrmem0, no chrmem class), or succeed
 * (an allocation with a fallback: smaller page orders, vmalloc) and then
 * unload. The first load without an injected failure must succeed.
 * The caller allows failslab and fail_page_alloc for sleeping allocations
 * of any order (ignore-gfp-wait, min-order) and checks kmemleak afterwards.
 *
 * Fewer than MIN loads with an injected failure (default 1) is a failure:
 * a kernel whose fault injection does not reach the load (no fail-nth,
 * failslab not applying) would otherwise pass every check by making none.
 *
 * Output: TAP lines without numbers ("ok - ...", "not ok - ...", "# ..."),
 * five points, all at the end, then the plan and the totals line;
 * exit status 0 when all passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_N		20000
#define MAX_SHOWN	20	/* unexpected outcomes printed */

struct tally {
	unsigned int injected, enomem, absorbed, other, leftovers, unload_failed;
};

static const char *ko_path, *name;
static char params[1024];

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static int fail_nth(unsigned int n)
{
	char text[16];
	int fd = open("/proc/thread-self/fail-nth", O_RDWR);
	int len, ret;

	if (fd < 0)
		return -1;
	len = snprintf(text, sizeof(text), "%u", n);
	ret = write(fd, text, len) == len ? 0 : -1;
	close(fd);
	return ret;
}

/* What is left of the count written to fail-nth; 0 once it failed a call. */
static long fail_nth_left(void)
{
	char text[16] = "";
	int fd = open("/proc/thread-self/fail-nth", O_RDONLY);
	ssize_t len;

	if (fd < 0)
		return -1;
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	return len > 0 ? strtol(text, NULL, 10) : -1;
}

/* Loads with the N-th fault point failing; returns finit_module's errno. */
static int load_failing(int ko, unsigned int n, bool *injected)
{
	int ret, err;

	if (fail_nth(n)) {
		perror("faultload: /proc/thread-self/fail-nth");
		exit(2);
	}
	ret = syscall(SYS_finit_module, ko, params, 0);
	err = ret ? errno : 0;
	*injected = fail_nth_left() == 0;
	fail_nth(0);
	return err;
}

static bool leftovers(void)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return exists(path) || exists("/dev/chrmem0") || exists("/sys/class/chrmem");
}

static bool unload(void)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) == 0;
}

static void note(struct tally *t, unsigned int n, const char *what)
{
	if (t->other + t->leftovers + t->unload_failed <= MAX_SHOWN)
		printf("# load failing fault point %u: %s\n", n, what);
}

/* One load; returns true when the N-th point was not reached: all done. */
static bool try_point(int ko, unsigned int n, struct tally *t, bool *clean_load)
{
	bool injected;
	int err = load_failing(ko, n, &injected);

	if (!injected) {
		*clean_load = !err;
		if (err)
			printf("# load with no failure injected: %s\n", strerror(err));
		else if (!unload())
			t->unload_failed++, note(t, n, "no unload after a clean load");
		return true;
	}
	t->injected++;
	if (!err) {
		t->absorbed++;
		if (!unload())
			t->unload_failed++, note(t, n, strerror(errno));
	} else if (err == ENOMEM) {
		t->enomem++;
	} else {
		t->other++;
		note(t, n, strerrorname_np(err));
	}
	if (err && leftovers()) {
		t->leftovers++;
		note(t, n, "the failed load left the module or its devices behind");
	}
	return false;
}

static int points, failed;

static void point(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void point(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok - ", ok ? "" : "not ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	points++;
	failed += !ok;
}

int main(int argc, char **argv)
{
	struct tally t = { 0 };
	bool done = false, clean_load = false;
	unsigned int n, min = 1;
	int ko, i, first = 1;

	if (argc > 2 && strcmp(argv[1], "-m") == 0) {
		min = (unsigned int)strtoul(argv[2], NULL, 10);
		first = 3;
	}
	if (argc - first < 2) {
		fprintf(stderr, "usage: faultload [-m MIN] MODULE.KO NAME [PARAM]...\n");
		return 2;
	}
	ko_path = argv[first];
	name = argv[first + 1];
	for (i = first + 2; i < argc; i++)
		snprintf(params + strlen(params), sizeof(params) - strlen(params), "%s%s",
			 i > first + 2 ? " " : "", argv[i]);
	ko = open(ko_path, O_RDONLY | O_CLOEXEC);
	if (ko < 0) {
		perror(ko_path);
		return 2;
	}
	for (n = 1; n <= MAX_N && !done; n++)
		done = try_point(ko, n, &t, &clean_load);

	printf("# %u loads with an injected allocation failure: %u failed with ENOMEM, "
	       "%u succeeded (fallback), %u failed otherwise\n",
	       t.injected, t.enomem, t.absorbed, t.other);
	point(t.injected >= min, "at least %u loads had an injected allocation failure (%u)",
	      min, t.injected);
	point(!t.other && done,
	      "every load with a failing allocation failed with ENOMEM or recovered (%u fault points)",
	      t.injected);
	point(!t.leftovers, "no failed load left the module, /dev/chrmem0 or the class behind");
	point(!t.unload_failed, "every successful load unloaded");
	point(clean_load, "the load succeeds with no failure injected");
	printf("1..%d\n%d passed, %d failed\n", points, points - failed, failed);
	return failed ? 1 : 0;
}
