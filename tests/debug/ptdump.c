// SPDX-License-Identifier: GPL-2.0
/*
 * ptdump - check the cache bits of chrmem mappings in the kernel's own
 * page-table dump.
 *
 *   ptdump DEVICE
 *
 * For each memory type (cached, uncached, wc, and uncached through an
 * O_SYNC file) this maps a few pages of DEVICE, touches them, and reads
 * /sys/kernel/debug/page_tables/current_kernel (CONFIG_PTDUMP_DEBUGFS),
 * which dumps the page tables of the reading process, user half included.
 * (current_user exists only with PAGE_TABLE_ISOLATION, which the debug
 * kernel leaves off; it would show the same user PTEs.)
 * The PTEs of the mapping must carry the PAT index of the type
 * (Linux's PAT table: 0 WB, 1 WC, 2 UC-, 3 UC; index = PAT:PCD:PWT):
 *
 *   cached    neither PWT nor PCD nor PAT
 *   uncached  PCD only (UC-)
 *   wc        PWT only
 *
 * This view is independent of the driver and of tests/ptebits: it is the
 * kernel's generic x86 page-table walker.
 *
 * Output: TAP lines without numbers ("ok - ...", "not ok - ...", "# ..."),
 * one point per memory type, then the plan and the totals line (a crash
 * leaves neither: tests/lib/tap.sh's tap_run counts that as a failure);
 * exit status 0 when all passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "chrmem.h"

#define DUMP	"/sys/kernel/debug/page_tables/current_kernel"
#define PAGES	4
#define PAGE	4096UL

struct variant {
	const char *name;
	uint32_t mode;		/* CHRMEM_CACHE_* set on the device */
	int flags;		/* open flags */
	bool pwt, pcd;		/* expected bits */
};

static const struct variant variants[] = {
	{ "cached",            CHRMEM_CACHE_CACHED,   O_RDWR,          false, false },
	{ "uncached",          CHRMEM_CACHE_UNCACHED, O_RDWR,          false, true },
	{ "wc",                CHRMEM_CACHE_WC,       O_RDWR,          true,  false },
	{ "O_SYNC (uncached)", CHRMEM_CACHE_CACHED,   O_RDWR | O_SYNC, false, true },
};

static const char *device;
static int points, failures;

/* The whole dump: it must be read by the process whose tables it shows. */
static char *read_dump(void)
{
	size_t size = 1 << 20, len = 0;
	char *text = malloc(size);
	ssize_t n;
	int fd = open(DUMP, O_RDONLY);

	if (fd < 0 || !text)
		return NULL;
	while ((n = read(fd, text + len, size - len - 1)) > 0) {
		len += n;
		if (size - len < 4096) {
			size *= 2;
			text = realloc(text, size);
			if (!text)
				return NULL;
		}
	}
	close(fd);
	text[len] = '\0';
	return n < 0 ? NULL : text;
}

static bool has_word(const char *line, const char *word)
{
	size_t len = strlen(word);
	const char *p;

	for (p = strstr(line, word); p; p = strstr(p + 1, word))
		if (p[-1] == ' ' && (p[len] == ' ' || p[len] == '\0'))
			return true;
	return false;
}

/*
 * Checks that every page of [start, end) lies in a dump line with the
 * expected bits; prints the lines that cover it.
 */
static bool check_range(char *dump, uintptr_t start, uintptr_t end,
			const struct variant *v)
{
	uintptr_t covered = start, lo, hi;
	bool ok = true;
	char *line;

	for (line = strtok(dump, "\n"); line; line = strtok(NULL, "\n")) {
		if (sscanf(line, "0x%" SCNxPTR "-0x%" SCNxPTR, &lo, &hi) != 2)
			continue;
		if (hi <= start || lo >= end)
			continue;
		printf("# %s: %s\n", v->name, line);
		if (lo > covered)
			ok = false;
		if (hi > covered)
			covered = hi;
		if (!has_word(line, "USR") || !has_word(line, "RW") || !has_word(line, "pte") ||
		    has_word(line, "PWT") != v->pwt || has_word(line, "PCD") != v->pcd ||
		    has_word(line, "PAT"))
			ok = false;
	}
	return ok && covered >= end;
}

static void point(bool ok, const char *what, const char *why)
{
	printf("%sok - %s%s%s\n", ok ? "" : "not ", what, why ? ": " : "",
	       why ? why : "");
	fflush(stdout);
	points++;
	failures += !ok;
}

static void check_variant(const struct variant *v)
{
	uint32_t mode = v->mode;
	char what[128], *dump;
	unsigned char *p;
	size_t i;
	int fd;

	snprintf(what, sizeof(what), "%s mapping of %s has %s", v->name, device,
		 v->pcd ? "PCD and not PWT (UC-)" : v->pwt ? "PWT and not PCD (WC)" :
		 "neither PWT nor PCD (WB)");
	fd = open(device, v->flags | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, CHRMEM_IOC_SET_CACHE_MODE, &mode)) {
		point(false, what, strerror(errno));
		goto out;
	}
	p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		point(false, what, strerror(errno));
		goto out;
	}
	/* Touch every page, so that fault-mode mappings have their PTEs. */
	for (i = 0; i < PAGES; i++)
		((volatile unsigned char *)p)[i * PAGE] = 0x5a;
	dump = read_dump();
	if (!dump)
		point(false, what, "cannot read " DUMP);
	else
		point(check_range(dump, (uintptr_t)p, (uintptr_t)p + PAGES * PAGE, v), what, NULL);
	free(dump);
	munmap(p, PAGES * PAGE);
out:
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: ptdump DEVICE\n");
		return 2;
	}
	device = argv[1];
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
		check_variant(&variants[i]);
	printf("1..%d\n%d passed, %d failed\n", points, points - failures, failures);
	return failures ? 1 : 0;
}
