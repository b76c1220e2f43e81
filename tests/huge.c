// SPDX-License-Identifier: GPL-2.0
/*
 * huge - 2 MiB (PMD) entries in chrmem's mappings (issue #15).
 *
 * Where the kernel maps PFNs with PMDs (6.12 on, x86-64), each 2 MiB part
 * of a PFN mapping whose user address is 2 MiB-aligned and whose buffer
 * pages are 512 contiguous frames from a 2 MiB-aligned one is mapped by
 * one PMD: remap mode in every cache mode, fault mode uncached and wc.
 * Cached fault mode is page-backed (pinnable) and stays 4 KiB, and so
 * does everything on 6.1. The suite proves it from the page tables: the
 * test-only chrmem_ptebits module reports the level of the entry that
 * maps each page. Which parts can be PMDs it works out itself, from the
 * buffer's physical layout (sysfs phys_addr), the user addresses, and
 * the kernel's own word on whether it will call the driver's huge fault
 * handler for the area (THPeligible in /proc/self/smaps, which follows
 * the THP setting on the kernels that apply it to PFN maps). Every case
 * also checks the data, both ways.
 *
 * Runs against any load (the guest lanes: three of the cache_mode x
 * map_mode lanes on a 6 MiB buffer) and goes through the three cache
 * modes itself. It changes the device's "huge" switch, and the THP
 * setting to "madvise" (one test tries the others), and puts both back.
 *
 * Environment: CHRMEM_PTEBITS_KO (see modes.c).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chrmem_test.h"
#include "ptebits/ptebits.h"

#define HUGE_SIZE	(2UL << 20)
#define MAX_SEGMENTS	64
#define THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"
#define SEED		151
#define SEED2		152

struct segment {
	unsigned long long off, size, phys;
};

FIXTURE(huge) {
	int fd;
	size_t size;
	unsigned int mode;		/* the cache mode it was loaded with */
	unsigned int map_mode;
	bool kernel;			/* huge_pfnmap_kernel() */
	char huge_was[8];		/* sysfs "huge" at the start */
	char thp_was[16];		/* the THP setting at the start */
	struct segment segs[MAX_SEGMENTS];
	size_t nsegs;
	int ptebits;
};

/* ---- helpers ---------------------------------------------------------- */

static const char *huge_attr(void)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/huge", sysfs_dir(dev_index()));
	return path;
}

static void read_segments_(struct th_test *_metadata,
			   struct th_fixture_huge *self)
{
	char path[256], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/phys_addr", sysfs_dir(dev_index()));
	f = fopen(path, "re");
	ASSERT_TRUE(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		struct segment *s = &self->segs[self->nsegs];

		ASSERT_LT(self->nsegs, MAX_SEGMENTS);
		ASSERT_EQ(3, sscanf(line, "%llx %llx %llx", &s->off, &s->size,
				    &s->phys));
		self->nsegs++;
	}
	fclose(f);
}
#define read_segments(self)	read_segments_(_metadata, self)

/*
 * Are the buffer's 2 MiB from @off (2 MiB-aligned) one contiguous run of
 * frames from a 2 MiB-aligned one?
 */
static bool buffer_part_fits(struct th_fixture_huge *self, unsigned long long off)
{
	size_t i;

	if (off % HUGE_SIZE)
		return false;
	for (i = 0; i < self->nsegs; i++) {
		const struct segment *s = &self->segs[i];

		if (off >= s->off && off < s->off + s->size)
			return off + HUGE_SIZE <= s->off + s->size &&
			       (s->phys + off - s->off) % HUGE_SIZE == 0;
	}
	return false;
}

/* Whether new mappings of @cache may get PMDs, by the driver's rules. */
static bool huge_kind(struct th_fixture_huge *self, unsigned int cache, bool on)
{
	return self->kernel && on &&
	       (self->map_mode == CHRMEM_MAP_REMAP ||
		cache != CHRMEM_CACHE_CACHED);
}

/* THPeligible of the area at @addr: the kernel calls .huge_fault there. */
static int thp_eligible_(struct th_test *_metadata, const void *addr)
{
	char text[32];

	ASSERT_OK(smaps_field(addr, "THPeligible", text, sizeof(text)));
	return atoi(text);
}
#define thp_eligible(addr)	thp_eligible_(_metadata, addr)

/* The THP setting: "always", "madvise" or "never" (the bracketed one). */
static void thp_setting_(struct th_test *_metadata, char *out, size_t len)
{
	char text[128], *open, *close;

	ASSERT_ERR(0, -read_text(THP_ENABLED, text, sizeof(text)));
	open = strchr(text, '[');
	close = open ? strchr(open, ']') : NULL;
	ASSERT_TRUE(close != NULL);
	*close = '\0';
	snprintf(out, len, "%s", open + 1);
}
#define thp_setting(out, len)	thp_setting_(_metadata, out, len)

/* The case being tried, for the messages. */
static const char *what = "";

/* The level (PTEBITS_LEVEL_*) of the entry that maps @addr, touched first. */
static unsigned int level_at_(struct th_test *_metadata, int ptebits,
			      volatile const uint8_t *addr)
{
	struct ptebits_query q = { .addr = (uintptr_t)addr };

	(void)*addr;
	ASSERT_OK(ioctl(ptebits, PTEBITS_IOC_QUERY, &q));
	ASSERT_TRUE(q.bits & PTEBITS_PRESENT);
	return q.level;
}

/*
 * Checks the entries of the area [map, map + len) at buffer offset @off,
 * made while the switch was @on, in cache mode @cache: every page is
 * touched, and a PMD maps it exactly where one fits (see the top). When
 * the kernel can and the area has a 2 MiB part whose user address suits
 * the file offset, THPeligible must be 1 unless THP is "never" (which
 * some kernels apply to PFN maps, and some not). Returns the PMDs seen.
 */
static size_t check_levels_(struct th_test *_metadata,
			    struct th_fixture_huge *self, const uint8_t *map,
			    unsigned long long off, size_t len,
			    unsigned int cache, bool on)
{
	uintptr_t start = (uintptr_t)map, end = start + len, w;
	bool kind = huge_kind(self, cache, on);
	int eligible = thp_eligible(map);
	size_t pg = page_size(), i, bad = 0, pmds = 0, suitable = 0;
	char thp[16];

	thp_setting(thp, sizeof(thp));
	for (w = (start + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1); w + HUGE_SIZE <= end;
	     w += HUGE_SIZE)
		suitable += (off + (w - start)) % HUGE_SIZE == 0;
	if (!kind)
		EXPECT_EQ(0, eligible);
	else if (suitable && strcmp(thp, "never"))
		EXPECT_EQ(1, eligible);

	for (i = 0; i < len; i += pg) {
		unsigned int level = level_at_(_metadata, self->ptebits, map + i);
		bool want;

		w = (start + i) & ~(HUGE_SIZE - 1);
		want = kind && eligible && w >= start && w + HUGE_SIZE <= end &&
		       buffer_part_fits(self, off + (w - start));
		pmds += level == PTEBITS_LEVEL_PMD && (start + i) % HUGE_SIZE == 0;
		if (level != (want ? PTEBITS_LEVEL_PMD : PTEBITS_LEVEL_PTE) &&
		    !bad++)
			TH_LOG("%s %s %s, offset %llu + %zu of %zu: level %u, want %s (THP %s, THPeligible %d)",
			       what, cache_mode_names[cache], on ? "huge" : "4K",
			       off, i, len, level, want ? "PMD" : "PTE", thp,
			       eligible);
	}
	EXPECT_EQ(0, bad);
	return pmds;
}
#define check_levels(map, off, len, cache, on) \
	check_levels_(_metadata, self, map, off, len, cache, on)

/*
 * Every page of [map, map + len) is mapped by a 4 KiB PTE: what an area
 * was mapped with before mremap() moved it (the kernel moves entries as
 * they are, and never turns PTEs back into a PMD).
 */
static void check_all_4k_(struct th_test *_metadata, int ptebits,
			  const uint8_t *map, size_t len)
{
	size_t i, bad = 0;

	for (i = 0; i < len; i += page_size())
		if (level_at_(_metadata, ptebits, map + i) != PTEBITS_LEVEL_PTE &&
		    !bad++)
			TH_LOG("+%zu of %zu: not a 4 KiB PTE", i, len);
	EXPECT_EQ(0, bad);
}
#define check_all_4k(map, len)	check_all_4k_(_metadata, self->ptebits, map, len)

/*
 * The area holds the buffer's pattern @seed at @off; a new one written
 * through it reaches the buffer (read back with pread()).
 */
static void check_data_(struct th_test *_metadata, int fd, uint8_t *map,
			unsigned long long off, size_t len, uint32_t seed,
			bool writable)
{
	uint8_t *back;

	EXPECT_PATTERN(map, len, off, seed);
	if (!writable)
		return;
	fill_pattern(map, len, off, seed + 1000);
	back = xmalloc(len);
	pread_all(fd, back, len, off);
	EXPECT_PATTERN(back, len, off, seed + 1000);
	free(back);
}
#define check_data(map, off, len, seed, writable) \
	check_data_(_metadata, self->fd, map, off, len, seed, writable)

/* Puts pattern @seed in the whole buffer. */
static void fill_buffer_(struct th_test *_metadata, struct th_fixture_huge *self,
			 uint32_t seed)
{
	uint8_t *buf = xmalloc(self->size);

	fill_pattern(buf, self->size, 0, seed);
	pwrite_all(self->fd, buf, self->size, 0);
	free(buf);
}
#define fill_buffer(seed)	fill_buffer_(_metadata, self, seed)

/*
 * A free stretch of @len bytes of address space that starts @skew bytes
 * past a 2 MiB boundary, for MAP_FIXED and mremap(MREMAP_FIXED).
 */
static uint8_t *free_area_(struct th_test *_metadata, size_t len, size_t skew)
{
	size_t span = len + 2 * HUGE_SIZE;
	uint8_t *p = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	uintptr_t a;

	ASSERT_TRUE(p != MAP_FAILED);
	a = (((uintptr_t)p + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1)) + skew;
	munmap(p, span);
	return (uint8_t *)a;
}
#define free_area(len, skew)	free_area_(_metadata, len, skew)

static void set_switch_(struct th_test *_metadata, const char *value)
{
	ASSERT_ERR(0, -write_text(huge_attr(), value));
}
#define set_switch(value)	set_switch_(_metadata, value)

/* ---- fixture ------------------------------------------------------------ */

FIXTURE_SETUP(huge)
{
	struct chrmem_info info;

	self->fd = open_dev(dev_index(), O_RDWR | O_CLOEXEC);
	get_info(self->fd, &info);
	self->size = info.size;
	self->mode = info.cache_mode;
	self->map_mode = info.map_mode;
	self->kernel = huge_pfnmap_kernel();
	ASSERT_ERR(0, -read_text(huge_attr(), self->huge_was,
				 sizeof(self->huge_was)));
	read_segments(self);
	self->ptebits = ptebits_open();
	/*
	 * "madvise": the areas ask for huge pages, so every kernel that can
	 * must map them huge (the guests' 512 MiB boot with "never").
	 */
	thp_setting(self->thp_was, sizeof(self->thp_was));
	ASSERT_ERR(0, -write_text(THP_ENABLED, "madvise"));
}

FIXTURE_TEARDOWN(huge)
{
	/* The buffer as loaded (pattern, zeros) for the suites after us. */
	ioctl(self->fd, CHRMEM_IOC_RESET);
	write_text(huge_attr(), self->huge_was);
	if (self->thp_was[0])
		write_text(THP_ENABLED, self->thp_was);
	set_cache_mode(self->fd, self->mode);
	close(self->ptebits);
	close(self->fd);
}

/* ---- the switch ------------------------------------------------------- */

/* kstrtobool()'s "on" words: 1, y, Y, on (any case). */
static bool text_is_on(const char *text)
{
	return strchr("1yY", text[0]) ||
	       ((text[0] == 'o' || text[0] == 'O') &&
		(text[1] == 'n' || text[1] == 'N'));
}

TEST_F(huge, switch_in_sysfs_follows_the_parameter_and_the_kernel)
{
	char param[8];
	struct stat st;

	/* Root may write it; on where the kernel can, if the load said so. */
	ASSERT_OK(stat(huge_attr(), &st));
	EXPECT_EQ(0644, st.st_mode & 07777);
	ASSERT_ERR(0, -read_text("/sys/module/chrmem/parameters/huge", param,
				 sizeof(param)));
	EXPECT_EQ(self->kernel && text_is_on(param),
		  sysfs_ull(dev_index(), "huge"));

	set_switch("0");
	EXPECT_EQ(0, sysfs_ull(dev_index(), "huge"));
	set_switch("off");
	EXPECT_EQ(0, sysfs_ull(dev_index(), "huge"));
	/* "On" is refused where the kernel has no huge PFN mappings. */
	EXPECT_ERR(self->kernel ? 0 : EOPNOTSUPP, -write_text(huge_attr(), "1"));
	EXPECT_EQ(self->kernel, sysfs_ull(dev_index(), "huge"));
	EXPECT_ERR(self->kernel ? 0 : EOPNOTSUPP, -write_text(huge_attr(), "on\n"));
	EXPECT_EQ(self->kernel, sysfs_ull(dev_index(), "huge"));
}

TEST_F(huge, switch_bad_values_einval)
{
	/* (An empty write never reaches the attribute: nothing to refuse.) */
	static const char *const bad[] = { "maybe", "2", "\n", "-1", "x1" };
	unsigned long long before = sysfs_ull(dev_index(), "huge");
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_ERR(EINVAL, -write_text(huge_attr(), bad[i]));
		EXPECT_EQ(before, sysfs_ull(dev_index(), "huge"));
	}
}

/* ---- where the PMDs are ---------------------------------------------- */

struct map_case {
	const char *name;
	unsigned long long off;
	size_t len;
	size_t skew;		/* MAP_FIXED this far past a 2 MiB boundary */
	bool fixed;
	bool private_ro;
};

/*
 * The areas every cache mode is tried with: the whole buffer; from a
 * 2 MiB offset; from a 4 KiB offset (the kernel's address keeps the
 * offset's place in 2 MiB, so the parts after the first boundary still
 * fit); an odd length; the whole buffer at an address 4 KiB off the
 * offset's place (nothing fits); a private read-only one.
 */
static size_t map_cases(size_t size, size_t pg, struct map_case *c)
{
	size_t n = 0;

	c[n++] = (struct map_case){ "whole", 0, size, 0, false, false };
	if (size > HUGE_SIZE)
		c[n++] = (struct map_case){ "from 2M", HUGE_SIZE,
					    size - HUGE_SIZE, 0, false, false };
	c[n++] = (struct map_case){ "from 4K", pg, size - pg, 0, false, false };
	c[n++] = (struct map_case){ "odd length", 0,
				    size > HUGE_SIZE + 3 * pg ?
				    HUGE_SIZE + 3 * pg : size - pg,
				    0, false, false };
	c[n++] = (struct map_case){ "misplaced address", 0, size, pg, true,
				    false };
	c[n++] = (struct map_case){ "private read-only", 0, size, 0, false,
				    true };
	return n;
}

static void try_case_(struct th_test *_metadata, struct th_fixture_huge *self,
		      const struct map_case *c, unsigned int cache,
		      size_t *pmds)
{
	int prot = c->private_ro ? PROT_READ : PROT_READ | PROT_WRITE;
	int flags = c->private_ro ? MAP_PRIVATE : MAP_SHARED;
	uint8_t *want_at = NULL, *map;

	what = c->name;
	if (c->fixed) {
		want_at = free_area(c->len, c->skew);
		map = mmap(want_at, c->len, prot, flags | MAP_FIXED_NOREPLACE,
			   self->fd, c->off);
		ASSERT_TRUE(map == want_at);
	} else {
		map = map_dev(self->fd, c->off, c->len, prot, flags);
	}
	if (!want_at && self->kernel && c->len >= HUGE_SIZE)
		/* .get_unmapped_area: the offset's place in 2 MiB. */
		EXPECT_EQ(c->off % HUGE_SIZE, (uintptr_t)map % HUGE_SIZE);
	*pmds += check_levels(map, c->off, c->len, cache, true);
	check_data(map, c->off, c->len, SEED, !c->private_ro);
	munmap(map, c->len);
	fill_buffer(SEED);
	what = "";
}

TEST_F_TIMEOUT(huge, pmds_exactly_where_they_fit_in_every_cache_mode, 300)
{
	struct map_case cases[8];
	size_t n = map_cases(self->size, page_size(), cases), i, pmds;
	unsigned int cache;

	set_switch(self->kernel ? "1" : "0");
	for (cache = CHRMEM_CACHE_CACHED; cache <= CHRMEM_CACHE_WC; cache++) {
		ASSERT_OK(set_cache_mode(self->fd, cache));
		fill_buffer(SEED);
		pmds = 0;
		for (i = 0; i < n; i++)
			try_case_(_metadata, self, &cases[i], cache, &pmds);
		/* Not vacuous: a buffer with a fitting part shows PMDs. */
		if (huge_kind(self, cache, true) && buffer_part_fits(self, 0))
			EXPECT_LT(0, pmds);
		TH_LOG("%s: %zu PMDs", cache_mode_names[cache], pmds);
	}
}

/* ---- what turns them off ---------------------------------------------- */

TEST_F(huge, switch_off_gives_4k_to_new_mappings_only)
{
	uint8_t *before, *after;

	fill_buffer(SEED);
	set_switch(self->kernel ? "1" : "0");
	before = map_dev(self->fd, 0, self->size, PROT_READ | PROT_WRITE,
			 MAP_SHARED);
	set_switch("0");
	after = map_dev(self->fd, 0, self->size, PROT_READ | PROT_WRITE,
			MAP_SHARED);
	/* The first keeps the kind it was made with; the new one is 4 KiB. */
	check_levels(before, 0, self->size, self->mode, true);
	check_levels(after, 0, self->size, self->mode, false);
	EXPECT_PATTERN(after, self->size, 0, SEED);
	check_data(before, 0, self->size, SEED, true);
	EXPECT_PATTERN(after, self->size, 0, SEED + 1000);
	munmap(before, self->size);
	munmap(after, self->size);
}

/*
 * THP "never", "madvise" and "always": the areas are VM_HUGEPAGE, so
 * madvise mode gives PMDs; never gives what THPeligible says (4 KiB on
 * kernels that apply it to PFN maps, such as 6.12.95; PMDs on those that
 * do not, such as 6.12.118 and 7.2). The teardown puts it back.
 */
TEST_F(huge, thp_settings_never_madvise_always)
{
	static const char *const settings[] = { "never", "madvise", "always" };
	char flags[256];
	uint8_t *map;
	size_t i;

	set_switch(self->kernel ? "1" : "0");
	for (i = 0; i < 3; i++) {
		ASSERT_ERR(0, -write_text(THP_ENABLED, settings[i]));
		fill_buffer(SEED + i);
		map = map_dev(self->fd, 0, self->size, PROT_READ | PROT_WRITE,
			      MAP_SHARED);
		ASSERT_OK(smaps_vmflags(map, flags, sizeof(flags)));
		EXPECT_EQ(huge_kind(self, self->mode, true),
			  vmflags_has(flags, "hg"));
		TH_LOG("THP %s: THPeligible %d", settings[i], thp_eligible(map));
		check_levels(map, 0, self->size, self->mode, true);
		check_data(map, 0, self->size, SEED + i, true);
		munmap(map, self->size);
	}
}

/* ---- a huge mapping changed afterwards --------------------------------- */

/* Maps the whole buffer with pattern @seed, every page touched. */
static uint8_t *map_touched_(struct th_test *_metadata,
			     struct th_fixture_huge *self, uint32_t seed)
{
	uint8_t *map;

	set_switch(self->kernel ? "1" : "0");
	fill_buffer(seed);
	map = map_dev(self->fd, 0, self->size, PROT_READ | PROT_WRITE,
		      MAP_SHARED);
	check_levels(map, 0, self->size, self->mode, true);
	return map;
}
#define map_touched(seed)	map_touched_(_metadata, self, seed)

TEST_F(huge, fork_child_sees_and_writes_the_same_buffer)
{
	uint8_t *map = map_touched(SEED);
	size_t half = self->size / 2;
	pid_t pid;

	pid = fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		size_t first;

		if (check_pattern(map, self->size, 0, SEED, &first))
			_exit(1);
		fill_pattern(map + half, self->size - half, half, SEED2);
		_exit(0);
	}
	wait_ok(pid);
	EXPECT_PATTERN(map, half, 0, SEED);
	EXPECT_PATTERN(map + half, self->size - half, half, SEED2);
	check_levels(map, 0, self->size, self->mode, true);
	munmap(map, self->size);
}

TEST_F(huge, mremap_away_from_2m_and_back_keeps_the_data)
{
	uint8_t *map = map_touched(SEED), *to;
	size_t pg = page_size();

	/* Moved 4 KiB off the offset's place in 2 MiB: nothing fits. */
	to = free_area(self->size, pg);
	map = mremap(map, self->size, self->size, MREMAP_MAYMOVE | MREMAP_FIXED,
		     to);
	ASSERT_TRUE(map == to);
	check_levels(map, 0, self->size, self->mode, true);
	check_data(map, 0, self->size, SEED, true);

	/* Back on a boundary: the 4 KiB entries move as they are. */
	to = free_area(self->size, 0);
	map = mremap(map, self->size, self->size, MREMAP_MAYMOVE | MREMAP_FIXED,
		     to);
	ASSERT_TRUE(map == to);
	check_all_4k(map, self->size);
	check_data(map, 0, self->size, SEED + 1000, true);

	/* Shrunk in place by a page. */
	ASSERT_TRUE(mremap(map, self->size, self->size - pg, 0) == map);
	check_all_4k(map, self->size - pg);
	check_data(map, 0, self->size - pg, SEED + 2000, true);

	/* A huge area moved whole to another boundary keeps its PMDs. */
	munmap(map, self->size - pg);
	map = map_touched(SEED2);
	to = free_area(self->size, 0);
	map = mremap(map, self->size, self->size, MREMAP_MAYMOVE | MREMAP_FIXED,
		     to);
	ASSERT_TRUE(map == to);
	check_levels(map, 0, self->size, self->mode, true);
	check_data(map, 0, self->size, SEED2, true);
	munmap(map, self->size);
}

TEST_F(huge, partial_munmap_splits_and_keeps_the_data)
{
	uint8_t *map = map_touched(SEED);
	size_t pg = page_size(), hole = self->size / 2 - pg;
	size_t rest = hole + pg;

	/* A page out of the middle: two areas, each checked on its own. */
	ASSERT_OK(munmap(map + hole, pg));
	check_levels(map, 0, hole, self->mode, true);
	check_levels(map + rest, rest, self->size - rest, self->mode, true);
	check_data(map, 0, hole, SEED, true);
	check_data(map + rest, rest, self->size - rest, SEED, true);
	munmap(map, self->size);
}

TEST_F(huge, mprotect_of_a_part_splits_and_keeps_the_data)
{
	uint8_t *map = map_touched(SEED);
	size_t pg = page_size(), ro = self->size / 2 - pg;
	size_t rest = ro + pg;

	/* One read-only page in the middle: three areas. */
	ASSERT_OK(mprotect(map + ro, pg, PROT_READ));
	check_levels(map, 0, ro, self->mode, true);
	check_levels(map + ro, ro, pg, self->mode, true);
	check_levels(map + rest, rest, self->size - rest, self->mode, true);
	check_data(map, 0, ro, SEED, true);
	EXPECT_PATTERN(map + ro, pg, ro, SEED);
	check_data(map + rest, rest, self->size - rest, SEED, true);

	/* Writable again: the page takes writes like the rest. */
	ASSERT_OK(mprotect(map + ro, pg, PROT_READ | PROT_WRITE));
	fill_pattern(map, self->size, 0, SEED2);
	check_data(map, 0, self->size, SEED2, true);
	munmap(map, self->size);
}

/* ---- fault windows ------------------------------------------------------- */

/*
 * In fault mode a 4 KiB fault maps a window: the faulting page and the
 * rest of its area within the same 2 MiB of user addresses (mmap.c), or
 * that page alone when the module was loaded with fault_window=0. The
 * tests touch single pages of untouched areas and ask the page tables
 * which pages are mapped, without touching them.
 */

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

static bool fault_windows_on_(struct th_test *_metadata)
{
	char text[8];

	ASSERT_ERR(0, -read_text("/sys/module/chrmem/parameters/fault_window",
				 text, sizeof(text)));
	return text_is_on(text);
}
#define fault_windows_on()	fault_windows_on_(_metadata)

/* The pages of [map, map + len) that are mapped: a 1 or 0 per page. */
static void mapped_pages_(struct th_test *_metadata, int ptebits,
			  const uint8_t *map, size_t len, char *out)
{
	size_t i;

	for (i = 0; i < len / page_size(); i++)
		out[i] = ptebits_mapped(ptebits, map + i * page_size());
}

/* Marks in @want the window of a fault at @addr in area [map, map + len). */
static void add_window(const uint8_t *map, size_t len, const uint8_t *addr,
		       bool windows, char *want)
{
	uintptr_t start = (uintptr_t)map, end = start + len, a = (uintptr_t)addr;
	uintptr_t lo = a & ~(HUGE_SIZE - 1), hi = lo + HUGE_SIZE, p;

	if (!windows) {
		lo = a & ~(page_size() - 1);
		hi = lo + page_size();
	}
	lo = lo < start ? start : lo;
	hi = hi > end ? end : hi;
	for (p = lo; p < hi; p += page_size())
		want[(p - start) / page_size()] = 1;
}

/* Exactly the pages marked in @want are mapped. */
static void expect_mapped_(struct th_test *_metadata, int ptebits,
			   const uint8_t *map, size_t len, const char *want)
{
	size_t n = len / page_size(), i, bad = 0;
	char *got = xmalloc(n);

	mapped_pages_(_metadata, ptebits, map, len, got);
	for (i = 0; i < n; i++)
		if (got[i] != want[i] && !bad++)
			TH_LOG("%s: page %zu of %zu is %s", what, i, n,
			       got[i] ? "mapped, outside the window" :
			       "not mapped, inside the window");
	EXPECT_EQ(0, bad);
	free(got);
}
#define expect_mapped(map, len, want) \
	expect_mapped_(_metadata, self->ptebits, map, len, want)

/* A write to @addr kills a child with SIGSEGV: the entry is read-only. */
static void expect_write_segv_(struct th_test *_metadata, uint8_t *addr)
{
	int status;
	pid_t pid = fork();

	ASSERT_OK(pid);
	if (pid == 0) {
		*(volatile uint8_t *)addr = 1;
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
}
#define expect_write_segv(addr)	expect_write_segv_(_metadata, addr)

/*
 * 4 KiB entries only (the switch off), in @cache: maps [off, off + len)
 * with @prot and @flags, untouched. In remap mode mmap() has then mapped
 * every page: the tests expect that, and touches map nothing new.
 */
static uint8_t *map_4k_(struct th_test *_metadata, struct th_fixture_huge *self,
			unsigned int cache, unsigned long long off, size_t len,
			int prot, int flags)
{
	set_switch("0");
	ASSERT_OK(set_cache_mode(self->fd, cache));
	return map_dev(self->fd, off, len, prot, flags);
}
#define map_4k(cache, off, len, prot, flags) \
	map_4k_(_metadata, self, cache, off, len, prot, flags)

/*
 * Touches pages one at a time, by reading or writing, and after each
 * checks that exactly the windows so far are mapped: at the area's first
 * and last page, inside 2 MiB, just past a 2 MiB boundary.
 */
TEST_F_TIMEOUT(huge, fault_window_maps_the_2m_around_a_touch, 300)
{
	bool windows = fault_windows_on();
	bool prefilled = self->map_mode == CHRMEM_MAP_REMAP;
	size_t pg = page_size(), len = self->size - pg, n = len / pg, i, t;
	unsigned int cache;
	uint8_t *map;
	char *want;

	fill_buffer(SEED);
	for (cache = CHRMEM_CACHE_CACHED; cache <= CHRMEM_CACHE_WC; cache++) {
		/* From the second page: the area's 2 MiB are not the buffer's. */
		map = map_4k(cache, pg, len, PROT_READ | PROT_WRITE, MAP_SHARED);
		size_t touches[] = {
			(HUGE_SIZE + 5 * pg) % len, 0, len - pg,
			(((uintptr_t)map + HUGE_SIZE) & ~(HUGE_SIZE - 1)) -
				(uintptr_t)map,
		};

		want = xmalloc(n);
		memset(want, prefilled, n);
		what = cache_mode_names[cache];
		for (t = 0; t < sizeof(touches) / sizeof(touches[0]); t++) {
			i = touches[t] < len ? touches[t] : len - pg;
			if (t % 2)
				(void)*(volatile uint8_t *)(map + i);
			else
				*(volatile uint8_t *)(map + i) =
					pattern_byte(pg + i, SEED);
			add_window(map, len, map + i, windows, want);
			expect_mapped(map, len, want);
		}
		/* Read faults mapped their neighbours writable, and shared. */
		check_data(map, pg, len, SEED, true);
		munmap(map, len);
		fill_buffer(SEED);
		free(want);
	}
	what = "";
}

/*
 * An area split before it is touched: a page made read-only and a page
 * unmapped in the middle of a 2 MiB. No window crosses into the next
 * area, the read-only page is mapped read-only, and the data is right.
 */
TEST_F_TIMEOUT(huge, fault_window_stops_at_mprotect_and_munmap, 300)
{
	bool windows = fault_windows_on();
	bool prefilled = self->map_mode == CHRMEM_MAP_REMAP;
	size_t pg = page_size(), len = self->size, n = len / pg;
	size_t ro, hole, mid;
	uint8_t *map;
	char *want = xmalloc(n);

	fill_buffer(SEED);
	map = map_4k(self->mode, 0, len, PROT_READ | PROT_WRITE, MAP_SHARED);
	/* In the middle of the 2 MiB of user addresses that hold len / 2. */
	mid = ((((uintptr_t)map + len / 2) & ~(HUGE_SIZE - 1)) + HUGE_SIZE / 2) -
	      (uintptr_t)map;
	ro = mid;
	hole = mid + 8 * pg;
	ASSERT_OK(mprotect(map + ro, pg, PROT_READ));
	ASSERT_OK(munmap(map + hole, pg));
	memset(want, prefilled, n);
	what = "split area";

	/* Just before the read-only page: its area ends there. */
	map[ro - pg] = pattern_byte(ro - pg, SEED);
	add_window(map, ro, map + ro - pg, windows, want);
	expect_mapped(map, ro, want);
	EXPECT_EQ(prefilled, ptebits_mapped(self->ptebits, map + ro));
	EXPECT_EQ(prefilled, ptebits_mapped(self->ptebits, map + ro + pg));

	/* The read-only page alone, read-only. */
	EXPECT_EQ(pattern_byte(ro, SEED), map[ro]);
	EXPECT_TRUE(ptebits_mapped(self->ptebits, map + ro));
	EXPECT_EQ(prefilled, ptebits_mapped(self->ptebits, map + ro + pg));
	expect_write_segv(map + ro);

	/* Between it and the hole, then past the hole. */
	map[ro + pg] = pattern_byte(ro + pg, SEED);
	want[ro / pg] = 1;
	add_window(map + ro + pg, hole - ro - pg, map + ro + pg, windows,
		   want + ro / pg + 1);
	EXPECT_EQ(prefilled, ptebits_mapped(self->ptebits, map + hole + pg));
	map[len - pg] = pattern_byte(len - pg, SEED);
	add_window(map + hole + pg, len - hole - pg, map + len - pg, windows,
		   want + hole / pg + 1);
	expect_mapped(map, hole, want);
	expect_mapped(map + hole + pg, len - hole - pg, want + hole / pg + 1);

	check_data(map, 0, ro, SEED, true);
	EXPECT_PATTERN(map + ro, pg, ro, SEED);
	check_data(map + ro + pg, ro + pg, hole - ro - pg, SEED, true);
	check_data(map + hole + pg, hole + pg, len - hole - pg, SEED, true);
	munmap(map, len);
	free(want);
	what = "";
}

/*
 * fork() before the first touch: the child's faults fill the child's
 * page tables only, and what it writes is the parent's buffer too.
 * mremap() to an address 4 KiB off a 2 MiB boundary: the windows follow
 * the new addresses.
 */
TEST_F_TIMEOUT(huge, fault_window_after_fork_and_mremap, 300)
{
	bool windows = fault_windows_on();
	bool prefilled = self->map_mode == CHRMEM_MAP_REMAP;
	size_t pg = page_size(), len = self->size, n = len / pg, i;
	uint8_t *map, *to;
	char *want = xmalloc(n), *none = xmalloc(n);
	pid_t pid;

	fill_buffer(SEED);
	map = map_4k(self->mode, 0, len, PROT_READ | PROT_WRITE, MAP_SHARED);
	memset(none, prefilled, n);
	what = "fork";
	pid = fork();
	ASSERT_OK(pid);
	if (pid == 0) {
		size_t first;

		map[len / 2] = 0;
		memset(want, prefilled, n);
		add_window(map, len, map + len / 2, windows, want);
		expect_mapped(map, len, want);
		if (_metadata->failures ||
		    check_pattern(map, len / 2, 0, SEED, &first))
			_exit(1);
		fill_pattern(map, len, 0, SEED2);
		_exit(0);
	}
	wait_ok(pid);
	expect_mapped(map, len, none);
	EXPECT_PATTERN(map, len, 0, SEED2);

	what = "mremap";
	munmap(map, len);
	map = map_4k(self->mode, 0, len, PROT_READ | PROT_WRITE, MAP_SHARED);
	to = free_area(len, pg);
	map = mremap(map, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	ASSERT_TRUE(map == to);
	memset(want, prefilled, n);
	for (i = HUGE_SIZE / 2; i < len; i += HUGE_SIZE) {
		(void)*(volatile uint8_t *)(map + i);
		add_window(map, len, map + i, windows, want);
	}
	expect_mapped(map, len, want);
	check_data(map, 0, len, SEED2, true);
	munmap(map, len);
	free(want);
	free(none);
	what = "";
}

/*
 * A private read-only area (the only private kind chrmem allows): a read
 * maps its window read-only; writing is refused.
 */
TEST_F(huge, fault_window_private_read_only)
{
	bool windows = fault_windows_on();
	bool prefilled = self->map_mode == CHRMEM_MAP_REMAP;
	size_t len = self->size, n = len / page_size();
	uint8_t *map;
	char *want = xmalloc(n);

	fill_buffer(SEED);
	map = map_4k(self->mode, 0, len, PROT_READ, MAP_PRIVATE);
	memset(want, prefilled, n);
	what = "private";
	EXPECT_EQ(pattern_byte(len / 2, SEED), map[len / 2]);
	add_window(map, len, map + len / 2, windows, want);
	expect_mapped(map, len, want);
	expect_write_segv(map + len / 2 + page_size());
	EXPECT_PATTERN(map, len, 0, SEED);
	munmap(map, len);
	free(want);
	what = "";
}

/* ---- prefaulting --------------------------------------------------------- */

/*
 * MAP_POPULATE and MADV_POPULATE_WRITE, in every cache mode, as the
 * device's map mode and the switch make the area. They go through
 * get_user_pages(), which faults in each page that is not yet mapped
 * and then follows the page tables, so a page-backed area (cached fault
 * mode) is prefaulted one window at a time, every page mapped before the
 * first touch. A PFN map (VM_IO | VM_PFNMAP: remap mode, uncached and wc
 * fault mode, every huge area) is one get_user_pages() refuses: there
 * MAP_POPULATE maps nothing more than mmap() did and MADV_POPULATE_WRITE
 * fails with EINVAL, on the kernels chrmem supports; the test accepts a
 * kernel that populates them, and then wants the levels right.
 */
static void try_populate_(struct th_test *_metadata,
			  struct th_fixture_huge *self, unsigned int cache,
			  bool madv)
{
	size_t len = self->size, n = len / page_size(), i, count = 0;
	bool page_backed = self->map_mode == CHRMEM_MAP_FAULT &&
			   cache == CHRMEM_CACHE_CACHED;
	uint8_t *map;
	char *got = xmalloc(n);
	int ret = 0;

	map = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | (madv ? 0 : MAP_POPULATE), self->fd, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	if (madv) {
		ret = madvise(map, len, MADV_POPULATE_WRITE) ? errno : 0;
		EXPECT_TRUE(ret == 0 || (!page_backed && ret == EINVAL));
	}
	mapped_pages_(_metadata, self->ptebits, map, len, got);
	for (i = 0; i < n; i++)
		count += got[i];
	TH_LOG("%s %s: %s, %zu of %zu pages mapped before the first touch",
	       cache_mode_names[cache], madv ? "MADV_POPULATE_WRITE" : "MAP_POPULATE",
	       ret ? strerror(ret) : "ok", count, n);
	if (page_backed)
		EXPECT_EQ(n, count);
	if (count == n)
		check_levels(map, 0, len, cache, true);
	check_data(map, 0, len, SEED, true);
	munmap(map, len);
	fill_buffer(SEED);
	free(got);
}

TEST_F_TIMEOUT(huge, populate_prefaults_what_get_user_pages_can, 300)
{
	unsigned int cache;

	set_switch(self->kernel ? "1" : "0");
	fill_buffer(SEED);
	for (cache = CHRMEM_CACHE_CACHED; cache <= CHRMEM_CACHE_WC; cache++) {
		ASSERT_OK(set_cache_mode(self->fd, cache));
		try_populate_(_metadata, self, cache, false);
		try_populate_(_metadata, self, cache, true);
	}
}
