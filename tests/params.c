// SPDX-License-Identifier: GPL-2.0
/*
 * params.c - module parameters, load and unload.
 *
 * This suite loads and unloads the module itself with finit_module(2) and
 * delete_module(2): run it with the module NOT loaded (tests/vm/run
 * --no-load). The module file is $CHRMEM_KO (default /chrmem/chrmem.ko).
 * The memory tests adapt to the guest: with 512M a 1G buffer must fail
 * with ENOMEM, with 2G (--mem 2G) it must load.
 *
 * Every refused load must fail with EINVAL (ENOMEM when memory is short),
 * log exactly one error line naming the parameter, the value and the
 * allowed range, warn nothing, and leave nothing behind.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chrmem_test.h"

#define MiB	(1ULL << 20)
#define GiB	(1ULL << 30)

/* Slack for comparisons of free memory before and after. */
#define MEM_SLACK	(24 * MiB)

FIXTURE(mod) {
	struct kmsg log;
};

FIXTURE_SETUP(mod)
{
	int err;

	if (access(module_file(), R_OK) != 0) {
		if (!th_strict())
			SKIP("no module file %s (set CHRMEM_KO)", module_file());
		TH_LOG("module file %s: %s", module_file(), strerror(errno));
		ASSERT_TRUE(false);
	}
	if (geteuid() != 0)
		SKIP("loading modules needs root");
	/* The suite owns the module: it must start unloaded. */
	if (module_loaded()) {
		err = unload_module();
		if (err)
			TH_LOG("chrmem was loaded and cannot be unloaded (%s): run this suite with the module not loaded",
			       th_errname(err));
		ASSERT_ERR(0, err);
	}
	ASSERT_OK(kmsg_open(&self->log));
}

FIXTURE_TEARDOWN(mod)
{
	if (module_loaded() && unload_module() != 0)
		TH_LOG("teardown: could not unload chrmem");
	kmsg_close(&self->log);
}

/* Logs the kernel's error lines since the last collect (for failures). */
static void log_kernel_errors(struct kmsg *k)
{
	size_t i;

	for (i = 0; i < k->count; i++)
		if (k->lines[i].facility == 0 && k->lines[i].level <= KMSG_WARNING)
			TH_LOG("kernel: <%d>%s", k->lines[i].level, k->lines[i].text);
}

/* Loads with @params, asserting success. */
static void load_ok_(struct th_test *_metadata, struct kmsg *k,
		     const char *params)
{
	int err;

	kmsg_forget(k);
	err = load_module(params);
	kmsg_collect(k);
	if (err) {
		TH_LOG("loading with \"%s\" failed", params);
		log_kernel_errors(k);
	}
	ASSERT_ERR(0, err);
	ASSERT_TRUE(module_loaded());
}
#define load_ok(params)	load_ok_(_metadata, &self->log, params)

/* Unloads, asserting success and that nothing is left behind. */
static void unload_ok_(struct th_test *_metadata)
{
	ASSERT_ERR(0, unload_module());
	EXPECT_FALSE(module_loaded());
	EXPECT_FALSE(path_exists("/sys/class/chrmem"));
	EXPECT_FALSE(path_exists("/dev/chrmem0"));
}
#define unload_ok()	unload_ok_(_metadata)

static bool line_has_any(const char *line, const char *alternatives)
{
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", alternatives);
	for (tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save))
		if (strstr(line, tok))
			return true;
	return false;
}

/*
 * Loads with @params, which must be refused with @want; the log must show
 * exactly one error line, and it must contain each of @words (each one a
 * "a|b" list of alternatives; NULL-terminated).
 */
static void load_refused_(struct th_test *_metadata, struct kmsg *k,
			  const char *params, int want,
			  const char *const *words)
{
	const struct kmsg_line *line;
	size_t errors, i;
	int err;

	kmsg_forget(k);
	err = load_module(params);
	kmsg_collect(k);
	if (err != want)
		TH_LOG("load with \"%.200s\": expected %s, got %s", params,
		       th_errname(want), err ? th_errname(err) : "success");
	EXPECT_ERR(want, err);
	if (!err)
		unload_module();
	EXPECT_FALSE(module_loaded());
	/* Nothing is left behind by the failed load. */
	EXPECT_FALSE(path_exists("/sys/class/chrmem"));
	EXPECT_FALSE(path_exists("/dev/chrmem0"));

	errors = kmsg_count(k, KMSG_ERR, NULL);
	line = kmsg_find(k, KMSG_ERR, NULL);
	if (errors != 1) {
		TH_LOG("load with \"%.200s\": %zu error lines, want exactly one",
		       params, errors);
		log_kernel_errors(k);
	}
	EXPECT_EQ(1, errors);
	for (i = 0; line && words[i]; i++) {
		if (!line_has_any(line->text, words[i]))
			TH_LOG("load with \"%.200s\": the error line does not contain \"%s\": %s",
			       params, words[i], line->text);
		EXPECT_TRUE(line_has_any(line->text, words[i]));
	}
	/* A refused load is no kernel problem: no warning, no OOM killer. */
	EXPECT_EQ(-1, kmsg_splat(k, 0));
}
#define load_refused(params, want, ...) load_refused_(_metadata, &self->log, \
	params, want, (const char *const[]){ __VA_ARGS__, NULL })

/* ---- loads that work ------------------------------------------------- */

static void check_node_(struct th_test *_metadata, int idx)
{
	char dev[32], want[32];
	struct stat st;

	ASSERT_OK(stat(dev_path(idx), &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	/* devtmpfs without udev: 0600 root:root. */
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);
	sysfs_str(idx, "dev", dev, sizeof(dev));
	snprintf(want, sizeof(want), "%u:%u", major(st.st_rdev), minor(st.st_rdev));
	EXPECT_STREQ(want, dev);
}
#define check_node(idx)	check_node_(_metadata, idx)

static uint64_t info_size_(struct th_test *_metadata, int idx)
{
	int fd = open_dev(idx, O_RDONLY);
	uint64_t size = dev_size(fd);

	close(fd);
	return size;
}
#define info_size(idx)	info_size_(_metadata, idx)

TEST_F(mod, default_load)
{
	char text[64], path[64];
	uint8_t *buf;
	ssize_t n;
	int fd;

	load_ok("");
	EXPECT_TRUE(path_exists("/sys/class/chrmem"));
	EXPECT_EQ(1048576, sysfs_ull(0, "size"));
	check_node(0);
	/* One device only. */
	EXPECT_FALSE(path_exists(dev_path(1)));
	EXPECT_FALSE(path_exists(sysfs_dir(1)));
	sysfs_str(0, "cache_mode", text, sizeof(text));
	EXPECT_STREQ("cached", text);
	sysfs_str(0, "map_mode", text, sizeof(text));
	EXPECT_STREQ("remap", text);
	EXPECT_EQ(0, sysfs_ull(0, "mappings"));
	EXPECT_EQ(0, sysfs_ull(0, "opens"));
	/* The device's class is "chrmem". */
	snprintf(path, sizeof(path), "%s/subsystem", sysfs_dir(0));
	n = readlink(path, text, sizeof(text) - 1);
	ASSERT_LT(0, n);
	text[n] = '\0';
	EXPECT_STREQ("chrmem", strrchr(text, '/') ? strrchr(text, '/') + 1 : text);

	/* No pattern: the buffer is all zero. */
	fd = open_dev(0, O_RDONLY);
	buf = xmalloc(1048576);
	memset(buf, 0xee, 1048576);
	ASSERT_EQ(1048576, read(fd, buf, 1048576));
	EXPECT_FILLED(buf, 1048576, 0);
	close(fd);
	free(buf);
	unload_ok();
}

TEST_F(mod, sixteen_devices_each_with_its_own_buffer)
{
	uint8_t page[4096];
	unsigned int minors[16];
	struct stat st;
	int i, j, fd;

	load_ok("devices=16");
	for (i = 0; i < 16; i++) {
		check_node(i);
		EXPECT_EQ(1048576, sysfs_ull(i, "size"));
		ASSERT_OK(stat(dev_path(i), &st));
		minors[i] = minor(st.st_rdev);
		for (j = 0; j < i; j++)
			EXPECT_NE(minors[j], minors[i]);
	}
	EXPECT_FALSE(path_exists(dev_path(16)));
	/* Write a different page into each device, then read all back. */
	for (i = 0; i < 16; i++) {
		fd = open_dev(i, O_RDWR);
		fill_pattern(page, sizeof(page), 0, 300 + i);
		ASSERT_EQ(4096, pwrite(fd, page, sizeof(page), 0));
		close(fd);
	}
	for (i = 0; i < 16; i++) {
		fd = open_dev(i, O_RDONLY);
		ASSERT_EQ(4096, pread(fd, page, sizeof(page), 0));
		EXPECT_PATTERN(page, sizeof(page), 0, 300 + i);
		close(fd);
	}
	unload_ok();
}

TEST_F(mod, devices_1_and_2)
{
	load_ok("devices=1");
	EXPECT_TRUE(path_exists(dev_path(0)));
	EXPECT_FALSE(path_exists(dev_path(1)));
	unload_ok();
	load_ok("devices=2");
	EXPECT_TRUE(path_exists(dev_path(1)));
	EXPECT_FALSE(path_exists(dev_path(2)));
	unload_ok();
}

struct size_case {
	const char *param;
	unsigned long long bytes;
};

TEST_F_TIMEOUT(mod, size_suffixes_and_page_rounding, 120)
{
	const struct size_case cases[] = {
		{ "size=1", 4096 },
		{ "size=4095", 4096 },
		{ "size=4096", 4096 },
		{ "size=4097", 8192 },
		{ "size=5000", 8192 },
		{ "size=4K", 4096 },
		{ "size=5K", 8192 },
		{ "size=64K", 65536 },
		{ "size=1M", 1048576 },
		{ "size=2M", 2097152 },
		{ "size=6M", 6291456 },
		{ "size=1048577", 1048576 + 4096 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		load_ok(cases[i].param);
		if (sysfs_ull(0, "size") != cases[i].bytes)
			TH_LOG("%s", cases[i].param);
		EXPECT_EQ(cases[i].bytes, sysfs_ull(0, "size"));
		EXPECT_EQ(cases[i].bytes, info_size(0));
		unload_ok();
	}
}

TEST_F(mod, size_list_one_per_device)
{
	const unsigned long long want[3] = { 4096, 8192, 1048576 };
	uint8_t page[4096];
	int i, fd;

	load_ok("devices=3 size=4K,8K,1M");
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(want[i], sysfs_ull(i, "size"));
		EXPECT_EQ(want[i], info_size(i));
		fd = open_dev(i, O_RDWR);
		fill_pattern(page, sizeof(page), 0, 310 + i);
		ASSERT_EQ(4096, pwrite(fd, page, sizeof(page), 0));
		close(fd);
	}
	for (i = 0; i < 3; i++) {
		fd = open_dev(i, O_RDONLY);
		ASSERT_EQ(4096, pread(fd, page, sizeof(page), 0));
		EXPECT_PATTERN(page, sizeof(page), 0, 310 + i);
		close(fd);
	}
	unload_ok();
}

TEST_F(mod, size_single_value_for_all_devices)
{
	int i;

	load_ok("devices=3 size=8K");
	for (i = 0; i < 3; i++)
		EXPECT_EQ(8192, sysfs_ull(i, "size"));
	unload_ok();
}

/* Reads the first @len bytes of device @idx and checks its pattern. */
static void check_pattern_content_(struct th_test *_metadata, int idx,
				   const char *pattern)
{
	int fd = open_dev(idx, O_RDONLY);
	uint64_t size = dev_size(fd);
	uint8_t *buf = xmalloc(size);
	size_t n = strlen(pattern);

	memset(buf, 0xee, size);
	ASSERT_EQ((ssize_t)size, read(fd, buf, size));
	/* The pattern at offset 0, without its NUL; zeros after it. */
	EXPECT_EQ(0, memcmp(buf, pattern, n));
	EXPECT_FILLED(buf + n, size - n, 0);
	close(fd);
	free(buf);
}
#define check_pattern_content(idx, pattern) \
	check_pattern_content_(_metadata, idx, pattern)

TEST_F(mod, pattern_at_offset_0_zeros_after)
{
	load_ok("pattern=\"hello, user!\"");
	check_pattern_content(0, "hello, user!");
	unload_ok();
}

TEST_F(mod, pattern_of_64_bytes)
{
	char params[128], pattern[65];

	memset(pattern, 'p', 64);
	pattern[0] = 'A';
	pattern[63] = 'Z';
	pattern[64] = '\0';
	snprintf(params, sizeof(params), "pattern=%s", pattern);
	load_ok(params);
	check_pattern_content(0, pattern);
	unload_ok();
}

TEST_F(mod, pattern_on_every_device)
{
	load_ok("devices=2 size=4K,8K pattern=abc");
	check_pattern_content(0, "abc");
	check_pattern_content(1, "abc");
	unload_ok();
}

/* ---- refused loads ----------------------------------------------------- */

TEST_F_TIMEOUT(mod, devices_bad_values, 120)
{
	const char *const bad[] = {
		"0", "17", "-1", "garbage", "1x", "16.0", "4294967297",
		"99999999999999999999",
	};
	char params[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(params, sizeof(params), "devices=%s", bad[i]);
		load_refused(params, EINVAL, "devices", bad[i], "16");
	}
	load_refused("devices=", EINVAL, "devices", "16");
}

TEST_F_TIMEOUT(mod, size_bad_values, 180)
{
	const char *const bad[] = {
		"0", "0K", "1073741825", "1048577K", "1025M", "2G",
		"abc", "K", "1Q", "-1", "1.5M", "4KK",
		"99999999999999999999", "18446744073709551616",
		"16777216T", "17179869184G",
	};
	char params[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(params, sizeof(params), "size=%s", bad[i]);
		load_refused(params, EINVAL, "size", bad[i], "1G|1073741824");
	}
	load_refused("size=", EINVAL, "size", "1G|1073741824");
}

TEST_F_TIMEOUT(mod, size_list_bad, 120)
{
	/* A list must have exactly one value per device. */
	load_refused("devices=3 size=4K,8K", EINVAL, "size", "4K,8K");
	load_refused("devices=2 size=4K,8K,16K", EINVAL, "size", "4K,8K,16K");
	load_refused("size=4K,8K", EINVAL, "size", "4K,8K");
	load_refused("devices=3 size=4K,,8K", EINVAL, "size", "4K,,8K");
	load_refused("devices=2 size=1M,", EINVAL, "size", "1M,");
	load_refused("devices=2 size=,1M", EINVAL, "size", ",1M");
	load_refused("devices=2 size=1M,2G", EINVAL, "size", "2G");
	load_refused("devices=2 size=1M,abc", EINVAL, "size", "abc");
}

TEST_F(mod, pattern_too_long)
{
	char params[300], pattern[201];

	memset(pattern, 'q', sizeof(pattern) - 1);
	pattern[sizeof(pattern) - 1] = '\0';
	/* 65 bytes: one too many. */
	snprintf(params, sizeof(params), "pattern=%.65s", pattern);
	load_refused(params, EINVAL, "pattern", "64");
	snprintf(params, sizeof(params), "pattern=%s", pattern);
	load_refused(params, EINVAL, "pattern", "64");
}

TEST_F_TIMEOUT(mod, dma_device_bad_values, 120)
{
	/* Not a PCI address DDDD:BB:DD.F[/BITS]; lists as for size. */
	load_refused("dma_device=00:02.0", EINVAL, "dma_device", "00:02.0");
	load_refused("dma_device=0000:00:20.0", EINVAL, "dma_device", "0000:00:20.0");
	load_refused("dma_device=0000:00:02.0/8", EINVAL, "dma_device", "/8");
	load_refused("dma_device=0000:00:02.0/65", EINVAL, "dma_device", "/65");
	load_refused("devices=3 dma_device=0000:00:02.0,0000:00:03.0", EINVAL,
		     "dma_device", "0000:00:03.0");
	load_refused("devices=2 dma_device=0000:00:02.0,x", EINVAL,
		     "dma_device", ",x");
}

TEST_F(mod, dma_device_unknown_pci_address_enodev)
{
	/* Well formed, but no such device: the one error line names it. */
	load_refused("dma_device=0000:ff:1f.7", ENODEV, "no PCI device",
		     "0000:ff:1f.7");
	load_refused("devices=2 dma_device=,0000:ff:1f.7", ENODEV, "chrmem1",
		     "0000:ff:1f.7");
}

TEST_F(mod, dma_device_empty_means_unbound)
{
	char text[64];

	load_ok("devices=2 dma_device=,");
	sysfs_str(0, "dma_device", text, sizeof(text));
	EXPECT_STREQ("", text);
	sysfs_str(1, "dma_device", text, sizeof(text));
	EXPECT_STREQ("", text);
	unload_ok();
}

TEST_F_TIMEOUT(mod, node_bad_values, 120)
{
	/* Not a number, negative, no such node, a list of the wrong length. */
	load_refused("node=x", EINVAL, "node", "'x'");
	load_refused("node=-1", EINVAL, "node", "'-1'");
	load_refused("node=0x0", EINVAL, "node", "'0x0'");
	load_refused("node=1023", EINVAL, "node", "online NUMA nodes");
	load_refused("node=99999999999", EINVAL, "node", "99999999999");
	load_refused("devices=3 node=0,0", EINVAL, "node", "3 comma-separated");
}

TEST_F(mod, node_0_and_the_default)
{
	char text[64];

	/* Every machine has node 0; an empty item is the default. */
	load_ok("devices=2 node=0,");
	sysfs_str(0, "numa_node", text, sizeof(text));
	EXPECT_STREQ("0", text);
	unload_ok();
}

TEST_F_TIMEOUT(mod, huge_bad_values, 120)
{
	/* Not one of kstrtobool's words; empty is no word either. */
	load_refused("huge=maybe", EINVAL, "huge", "'maybe'");
	load_refused("huge=2", EINVAL, "huge", "'2'");
	load_refused("huge=", EINVAL, "huge", "''");
}

TEST_F(mod, huge_off_and_the_default)
{
	bool kernel_has_huge = huge_pfnmap_kernel();

	/* On by default where the kernel has huge PFN mappings, else off. */
	load_ok("devices=2");
	EXPECT_EQ(kernel_has_huge, sysfs_ull(0, "huge"));
	EXPECT_EQ(kernel_has_huge, sysfs_ull(1, "huge"));
	unload_ok();
	load_ok("huge=0");
	EXPECT_EQ(0, sysfs_ull(0, "huge"));
	unload_ok();
	/* "on" where the kernel cannot is what it can have: off. */
	load_ok("huge=on");
	EXPECT_EQ(kernel_has_huge, sysfs_ull(0, "huge"));
	unload_ok();
}

TEST_F_TIMEOUT(mod, fault_window_bad_values, 120)
{
	load_refused("fault_window=maybe", EINVAL, "fault_window", "'maybe'");
	load_refused("fault_window=", EINVAL, "fault_window", "''");
}

/*
 * Fault mode maps a window of up to 2 MiB per fault (mmap.c); the
 * benchmarking switch fault_window=0 makes it one page again. Touches a
 * page whose next page lies in the same 2 MiB of user addresses, and
 * asks the page tables about that next page without touching it.
 */
static bool next_page_mapped_(struct th_test *_metadata, int ptebits)
{
	size_t pg = page_size(), len = 16 * pg;
	int fd = open_dev(0, O_RDWR);
	uint8_t *map = map_dev(fd, 0, len, PROT_READ | PROT_WRITE, MAP_SHARED);
	uint8_t *at = map;
	bool mapped;

	if (((uintptr_t)at + pg) % (2UL << 20) == 0)
		at += pg;
	*(volatile uint8_t *)at = 1;
	EXPECT_TRUE(ptebits_mapped(ptebits, at));
	mapped = ptebits_mapped(ptebits, at + pg);
	munmap(map, len);
	close(fd);
	return mapped;
}
#define next_page_mapped(ptebits)	next_page_mapped_(_metadata, ptebits)

TEST_F_TIMEOUT(mod, fault_window_off_maps_one_page_per_fault, 120)
{
	int ptebits = ptebits_open();
	char text[8];

	load_ok("map_mode=fault");
	ASSERT_ERR(0, -read_text("/sys/module/chrmem/parameters/fault_window",
				 text, sizeof(text)));
	EXPECT_STREQ("1", text);
	EXPECT_TRUE(next_page_mapped(ptebits));
	unload_ok();
	load_ok("map_mode=fault fault_window=0");
	EXPECT_FALSE(next_page_mapped(ptebits));
	unload_ok();
	/* (The PFN maps' windows are the huge suite's, in every mode.) */
	close(ptebits);
}

TEST_F(mod, bad_value_with_good_ones)
{
	/* One bad parameter among good ones still refuses the load. */
	load_refused("devices=2 size=8K pattern=ok devices=0", EINVAL,
		     "devices", "0", "16");
	load_refused("devices=4 size=0 pattern=ok", EINVAL, "size", "0",
		     "1G|1073741824");
}

/* ---- memory ------------------------------------------------------------ */

/* MemAvailable must exceed what a load needs by this much to predict
 * success; MemTotal below the need predicts failure. */
#define MEM_MARGIN	(256 * MiB)

/* The name of any device (chrmem1 also matches chrmem10..15). */
#define ANY_DEVICE	"chrmem0|chrmem1|chrmem2|chrmem3|chrmem4|chrmem5|chrmem6|chrmem7|chrmem8|chrmem9"

TEST_F_TIMEOUT(mod, size_1g_loads_when_memory_allows, 300)
{
	long long total = meminfo_bytes("MemTotal");
	long long avail = meminfo_bytes("MemAvailable");
	long long free_before;
	struct chrmem_info info;
	uint8_t byte = 0x42;
	int fd;

	ASSERT_LT(0, total);
	if ((unsigned long long)total < GiB) {
		/* Cannot fit: ENOMEM naming device and size, no OOM killer. */
		load_refused("size=1G", ENOMEM, "chrmem0", "1073741824|1G|1024M");
		return;
	}
	if ((unsigned long long)avail < GiB + MEM_MARGIN)
		SKIP("MemAvailable %lld MiB: cannot tell whether 1G fits", avail >> 20);
	free_before = free_memory_bytes();
	load_ok("size=1G");
	EXPECT_EQ(GiB, sysfs_ull(0, "size"));
	fd = open_dev(0, O_RDWR);
	get_info(fd, &info);
	EXPECT_EQ(GiB, info.size);
	EXPECT_LE(1, info.chunks);
	/* The allocation is real: memory went down by about 1G. */
	EXPECT_GT(free_before - (long long)GiB + (long long)MEM_SLACK,
		  free_memory_bytes());
	/* The last byte is there. */
	ASSERT_EQ(1, pwrite(fd, &byte, 1, GiB - 1));
	byte = 0;
	ASSERT_EQ(1, pread(fd, &byte, 1, GiB - 1));
	EXPECT_EQ(0x42, byte);
	close(fd);
	unload_ok();
	EXPECT_LT(free_before - (long long)MEM_SLACK, free_memory_bytes());
}

TEST_F_TIMEOUT(mod, too_large_for_memory_enomem, 300)
{
	long long total = meminfo_bytes("MemTotal");
	long long before;

	ASSERT_LT(0, total);
	if ((unsigned long long)total >= 15 * GiB)
		SKIP("MemTotal %lld MiB: 16 x 1G might fit", total >> 20);
	before = free_memory_bytes();
	load_refused("devices=16 size=1G", ENOMEM, ANY_DEVICE,
		     "1073741824|1G|1024M");
	/* Whatever was allocated before the failure was given back. */
	EXPECT_LT(before - (long long)MEM_SLACK, free_memory_bytes());
}

TEST_F_TIMEOUT(mod, partial_allocation_unwound, 300)
{
	long long total = meminfo_bytes("MemTotal");
	long long avail = meminfo_bytes("MemAvailable");
	unsigned long long each;
	char params[64], sizes[64];
	long long before;

	ASSERT_LT(0, total);
	/* 16 devices of a sixth of the memory: a few fit, a later one not. */
	each = ((unsigned long long)total / 6) & ~(MiB - 1);
	if (each > GiB)
		each = GiB;
	if (16 * each < (unsigned long long)total + MEM_MARGIN)
		SKIP("MemTotal %lld MiB: 16 x %llu MiB might fit", total >> 20,
		     each >> 20);
	if ((unsigned long long)avail < 2 * each + MEM_MARGIN)
		SKIP("MemAvailable %lld MiB: not even two devices of %llu MiB fit",
		     avail >> 20, each >> 20);
	snprintf(params, sizeof(params), "devices=16 size=%lluM", each >> 20);
	snprintf(sizes, sizeof(sizes), "%llu|%lluM", each, each >> 20);
	before = free_memory_bytes();
	/* The failing device is a later one: chrmem1 or beyond. */
	load_refused(params, ENOMEM, "chrmem1|chrmem2|chrmem3|chrmem4|chrmem5|chrmem6|chrmem7|chrmem8|chrmem9",
		     sizes);
	/* The devices created before the failure are gone, memory is back. */
	EXPECT_LT(before - (long long)MEM_SLACK, free_memory_bytes());
}

TEST_F_TIMEOUT(mod, unload_gives_memory_back, 300)
{
	long long before = free_memory_bytes();
	int round;

	ASSERT_LT(0, before);
	if ((unsigned long long)before < 256 * MiB)
		SKIP("free memory %lld MiB: too little to measure", before >> 20);
	for (round = 0; round < 3; round++) {
		load_ok("devices=4 size=32M");
		/* 128M are taken at load... */
		EXPECT_GT(before - (long long)(120 * MiB), free_memory_bytes());
		unload_ok();
		/* ...and all given back at unload, round after round. */
		EXPECT_LT(before - (long long)MEM_SLACK, free_memory_bytes());
	}
}

/* Reads sysfs phys_addr of device @idx into @text; its length. */
static size_t read_phys_addr_(struct th_test *_metadata, int idx, char *text,
			      size_t max)
{
	char path[256];
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "%s/phys_addr", sysfs_dir(idx));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_OK(fd);
	len = read(fd, text, max - 1);
	ASSERT_OK(len);
	close(fd);
	text[len] = 0;
	return len;
}
#define read_phys_addr(idx, text, max) \
	read_phys_addr_(_metadata, idx, text, max)

/*
 * What "reserved" means to users, without PG_reserved: the buffer's pages
 * are plain kernel pages that only the driver holds (no reserved, LRU,
 * anonymous, slab or free page among them), and they stay where they are
 * through compaction and reclaim, so their physical addresses hold for DMA.
 */
TEST_F_TIMEOUT(mod, buffer_pages_are_unmovable_driver_pages, 120)
{
	char before[4096], after[4096], *line, *save = NULL;
	unsigned long long off, size, phys, pfn, pages = 0, odd = 0;
	struct chrmem_info info;
	unsigned int chunks = 0;
	uint8_t *data = xmalloc(6 * MiB);
	long long flags;
	int fd;

	load_ok("size=6M");
	fd = open_dev(0, O_RDWR);
	get_info(fd, &info);
	fill_pattern(data, 6 * MiB, 0, 331);
	pwrite_all(fd, data, 6 * MiB, 0);
	read_phys_addr(0, before, sizeof(before));
	for (line = strtok_r(before, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		ASSERT_EQ(3, sscanf(line, "%llx %llx %llx", &off, &size, &phys));
		chunks++;
		for (pfn = phys >> 12; pfn < (phys + size) >> 12; pfn++) {
			flags = kpageflags(pfn);
			if (flags < 0 && !th_strict())
				SKIP("/proc/kpageflags: %s", strerror((int)-flags));
			ASSERT_LE(0, flags);
			pages++;
			if (flags & (1LL << KPF_RESERVED | 1LL << KPF_LRU |
				     1LL << KPF_ANON | 1LL << KPF_SLAB |
				     1LL << KPF_BUDDY)) {
				if (!odd++)
					TH_LOG("pfn %#llx: kpageflags %#llx",
					       pfn, flags);
			}
		}
	}
	EXPECT_EQ(info.chunks, chunks);
	EXPECT_EQ(6 * MiB / 4096, pages);
	EXPECT_EQ(0, odd);

	/* Compaction and reclaim move nothing, and lose nothing. */
	ASSERT_EQ(0, write_text("/proc/sys/vm/compact_memory", "1"));
	ASSERT_EQ(0, write_text("/proc/sys/vm/drop_caches", "3"));
	read_phys_addr(0, before, sizeof(before));
	read_phys_addr(0, after, sizeof(after));
	EXPECT_STREQ(before, after);
	memset(data, 0, 6 * MiB);
	pread_all(fd, data, 6 * MiB, 0);
	EXPECT_PATTERN(data, 6 * MiB, 0, 331);
	free(data);
	close(fd);
	unload_ok();
}

/*
 * A load that fails must never have shown a device: the module's code is
 * freed whatever holds it, so a file opened (or a mapping made) during
 * the load would outlive it. A watcher tries to open and map chrmem0 all
 * through a load whose last device cannot be allocated.
 */
TEST_F_TIMEOUT(mod, failed_load_never_shows_a_device, 300)
{
	long long total = meminfo_bytes("MemTotal");
	volatile int *stop = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char params[128], sizes[96] = "4K";
	unsigned int devices, i;
	int status;
	pid_t pid;

	ASSERT_LT(0, total);
	ASSERT_NE(MAP_FAILED, (void *)stop);
	/* A tiny chrmem0, then 1G buffers until memory runs out. */
	devices = 2 + (unsigned int)((unsigned long long)total / GiB);
	ASSERT_GE(16, devices);
	for (i = 1; i < devices; i++)
		strcat(sizes, ",1G");
	snprintf(params, sizeof(params), "devices=%u size=%s", devices, sizes);

	pid = fork();
	ASSERT_OK(pid);
	if (!pid) {
		uint8_t *map = MAP_FAILED;
		int fd = -1, seen = 0;

		while (!*stop) {
			if (fd < 0)
				fd = open("/dev/chrmem0", O_RDWR | O_CLOEXEC);
			if (fd >= 0 && map == MAP_FAILED)
				map = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					   MAP_SHARED, fd, 0);
			seen |= fd >= 0 || path_exists("/sys/class/chrmem/chrmem0");
		}
		/* On a broken driver this is where freed code runs. */
		if (map != MAP_FAILED) {
			map[0] = 1;
			munmap(map, 4096);
		}
		if (fd >= 0)
			close(fd);
		_exit(seen);
	}
	load_refused(params, ENOMEM, "chrmem", "1073741824|1G|1024M");
	*stop = 1;
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	if (WEXITSTATUS(status))
		TH_LOG("chrmem0 could be seen or opened during a load that failed");
	EXPECT_EQ(0, WEXITSTATUS(status));
	munmap((void *)stop, 4096);
}

/*
 * Kills a CLEAR of the whole buffer once it has begun (its first page is
 * zero); true if the kill cut it short (the last page still holds 0xff).
 */
static bool clear_cut_short_(struct th_test *_metadata, int fd, size_t size)
{
	uint8_t page[4096], first = 0xff;
	int status;
	pid_t pid;

	memset(page, 0xff, sizeof(page));
	pwrite_all(fd, page, sizeof(page), 0);
	pwrite_all(fd, page, sizeof(page), size - sizeof(page));
	pid = fork();
	ASSERT_OK(pid);
	if (!pid) {
		ioctl(fd, CHRMEM_IOC_CLEAR);
		_exit(0);
	}
	while (first) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			TH_LOG("the CLEAR ended before it was seen to begin");
			return false;
		}
		pread_all(fd, &first, 1, 0);
	}
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	pread_all(fd, page, sizeof(page), size - sizeof(page));
	return page[sizeof(page) - 1] == 0xff;
}
#define clear_cut_short(fd, size)	clear_cut_short_(_metadata, fd, size)

/*
 * A CLEAR of a large buffer takes seconds (far more when uncached on real
 * hardware); a killed process must not have to wait for it to end. The
 * kill is sent as soon as the clear is seen to have begun, so the clear
 * can only win the race on a very fast machine: of three tries one must
 * be cut short.
 */
/*
 * The slowest CLEAR, so that the kill surely lands in it: an uncached
 * buffer's on x86. TCG models no caches, so on arm64 a cached CLEAR takes
 * as long, and spares the load its second mapping and cache maintenance.
 */
#if defined(__x86_64__) || defined(__i386__)
#define SLOWEST_CLEAR_MODE "uncached"
#else
#define SLOWEST_CLEAR_MODE "cached"
#endif

TEST_F_TIMEOUT(mod, clear_stops_when_the_task_is_killed, 300)
{
	long long avail = meminfo_bytes("MemAvailable");
	unsigned long long size = 1024 * MiB;
	char params[64];
	int tries, cut = 0, fd;

	if ((unsigned long long)avail < size + 256 * MiB)
		size = 256 * MiB;
	snprintf(params, sizeof(params), "size=%lluM cache_mode=%s",
		 size >> 20, SLOWEST_CLEAR_MODE);
	load_ok(params);
	fd = open_dev(0, O_RDWR);
	for (tries = 0; tries < 3 && !cut; tries++)
		cut += clear_cut_short(fd, size);
	if (!cut)
		TH_LOG("three CLEARs of %llu MiB ran to their end despite SIGKILL",
		       size >> 20);
	EXPECT_EQ(1, cut);
	/* The device works on: a full CLEAR. */
	ASSERT_OK(ioctl(fd, CHRMEM_IOC_CLEAR));
	close(fd);
	unload_ok();
}

/* ---- unload ------------------------------------------------------------ */

TEST_F(mod, unload_refused_while_open)
{
	int fd;

	load_ok("");
	fd = open_dev(0, O_RDWR);
	EXPECT_LE(1, module_refcnt());
	/* delete_module(O_NONBLOCK) on a module in use: EWOULDBLOCK. */
	EXPECT_ERR(EWOULDBLOCK, unload_module());
	EXPECT_TRUE(module_loaded());
	/* The open file still works. */
	EXPECT_EQ(1048576, dev_size(fd));
	close(fd);
	EXPECT_EQ(0, module_refcnt());
	unload_ok();
}

TEST_F(mod, unload_refused_while_only_a_mapping_remains)
{
	uint8_t *p, out[4];
	int fd;

	load_ok("");
	fd = open_dev(0, O_RDWR);
	p = map_dev(fd, 0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED);
	close(fd);
	/* No fd is open, but the mapping holds the file and the module. */
	EXPECT_LE(1, module_refcnt());
	EXPECT_ERR(EWOULDBLOCK, unload_module());
	EXPECT_TRUE(module_loaded());
	memcpy(p, "live", 4);
	fd = open_dev(0, O_RDONLY);
	ASSERT_EQ(4, pread(fd, out, 4, 0));
	EXPECT_EQ(0, memcmp(out, "live", 4));
	close(fd);
	ASSERT_OK(munmap(p, 4096));
	EXPECT_EQ(0, module_refcnt());
	unload_ok();
}

TEST_F(mod, load_twice_eexist)
{
	load_ok("");
	EXPECT_ERR(EEXIST, load_module("devices=2"));
	EXPECT_FALSE(path_exists(dev_path(1)));
	unload_ok();
}

TEST_F_TIMEOUT(mod, reload_cycles_are_clean, 300)
{
	uint8_t page[4096];
	int round, fd;

	for (round = 0; round < 5; round++) {
		load_ok("devices=2 size=6M pattern=again");
		/* Every load starts from the pattern, not from old data. */
		check_pattern_content(1, "again");
		fd = open_dev(1, O_RDWR);
		fill_pattern(page, sizeof(page), 0, 320 + round);
		ASSERT_EQ(4096, pwrite(fd, page, sizeof(page), 0));
		close(fd);
		unload_ok();
	}
}
