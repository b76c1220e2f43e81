/* SPDX-License-Identifier: GPL-2.0 */
/*
 * chrmem_test.h - helpers shared by the chrmem test suites, named for what
 * a test wants to do. Those that take the test's _metadata (hidden by a
 * macro of the same name) assert on their own; the others return a value
 * for the test to check.
 *
 * Environment:
 *	CHRMEM_DEVICE	N of the /dev/chrmemN the suites use (default 0)
 *	CHRMEM_PATTERN	the pattern= the module was loaded with ("" for
 *			none); by default /sys/module/chrmem/parameters/pattern;
 *			without either, RESET is checked for consistency only
 *	CHRMEM_CACHE_MODE, CHRMEM_MAP_MODE
 *			the cache_mode= and map_mode= the module was loaded
 *			with (names: cached/uncached/wc, remap/fault); by
 *			default from /sys/module/chrmem/parameters/, else
 *			cached and remap
 *	CHRMEM_KO	the module file for the params suite
 *			(default /chrmem/chrmem.ko)
 *	CHRMEM_STRICT	see harness.h: a missing device is a failure
 */
#ifndef CHRMEM_TEST_H
#define CHRMEM_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "chrmem.h"
#include "harness.h"
#include "kmsg.h"

#define CHRMEM_MODULE		"chrmem"
#define CHRMEM_DEFAULT_KO	"/chrmem/chrmem.ko"
#define CHRMEM_CHUNK_MAX	(4UL << 20)	/* order-10 block */
#define CHRMEM_PATTERN_MAX	64
#define CHRMEM_SIZE_MAX		(1ULL << 30)

/* ---- the device ----------------------------------------------------- */

size_t page_size(void);
int dev_index(void);			/* CHRMEM_DEVICE, default 0 */
const char *dev_path(int idx);		/* "/dev/chrmemN", static buffer */
const char *sysfs_dir(int idx);		/* "/sys/class/chrmem/chrmemN" */
/* CHRMEM_PATTERN, else the module's pattern parameter from sysfs, or
 * NULL if the test cannot know the load pattern. */
const char *expected_pattern(void);

/*
 * The modes the module was loaded with, as names and as CHRMEM_CACHE_* /
 * CHRMEM_MAP_* numbers (-1 for a name the tests do not know).
 */
const char *expected_cache_mode(void);
const char *expected_map_mode(void);
/* The cache modes' names, indexed by CHRMEM_CACHE_* (from the uapi). */
#define CHRMEM_CACHE_MODES 3
extern const char *const cache_mode_names[CHRMEM_CACHE_MODES];
int cache_mode_number(const char *name);
int map_mode_number(const char *name);
/* CHRMEM_IOC_SET_CACHE_MODE to @mode: 0 or -1 with errno. */
int set_cache_mode(int fd, uint32_t mode);
/*
 * Opens /dev/chrmemN. A missing node is a SKIP ("module not loaded"), or a
 * failure under CHRMEM_STRICT; any other error fails the test.
 */
int open_dev_(struct th_test *_metadata, int idx, int flags);
#define open_dev(idx, flags)	open_dev_(_metadata, idx, flags)

/* GET_INFO into *info (pre-filled with 0xa5), asserting success. */
void get_info_(struct th_test *_metadata, int fd, struct chrmem_info *info);
#define get_info(fd, info)	get_info_(_metadata, fd, info)

/* The buffer size, from GET_INFO. */
uint64_t dev_size_(struct th_test *_metadata, int fd);
#define dev_size(fd)		dev_size_(_metadata, fd)

/* Skips unless the buffer is larger than one 4 MiB chunk. */
void require_multichunk_(struct th_test *_metadata, uint64_t size);
#define require_multichunk(size)	require_multichunk_(_metadata, size)

/* mmap() of the device that must succeed. */
void *map_dev_(struct th_test *_metadata, int fd, off_t off, size_t len,
	       int prot, int flags);
#define map_dev(fd, off, len, prot, flags) \
	map_dev_(_metadata, fd, off, len, prot, flags)

/* mmap() that may fail: 0 if it mapped (and it is unmapped again), else
 * the errno. */
int try_map(int fd, off_t off, size_t len, int prot, int flags);

/* ---- sysfs and procfs ---------------------------------------------- */

/* Reads a file into buf without the trailing newline: 0 or -errno. */
int read_text(const char *path, char *buf, size_t len);
/* Writes a string to a file: 0 or -errno. */
int write_text(const char *path, const char *text);
/* QEMU's edu DMA device, as sysfs names its vendor and device. */
#define EDU_VENDOR	"0x1234"
#define EDU_DEVICE	"0x11e8"
/*
 * Puts in @bdf the PCI address of the first device @vendor:@device whose
 * numa_node is @node (NULL: on any node). Return: whether there was one.
 */
bool find_pci_device(const char *vendor, const char *device,
		     const char *node, char *bdf, size_t len);
/* /sys/class/chrmem/chrmemN/<attr> as text / as a number, asserting. */
void sysfs_str_(struct th_test *_metadata, int idx, const char *attr,
		char *buf, size_t len);
#define sysfs_str(idx, attr, buf, len) \
	sysfs_str_(_metadata, idx, attr, buf, len)
unsigned long long sysfs_ull_(struct th_test *_metadata, int idx,
			      const char *attr);
#define sysfs_ull(idx, attr)	sysfs_ull_(_metadata, idx, attr)
/* The CHRMEM_CACHE_* that attribute @attr (cache_mode, memory_type) names. */
unsigned int sysfs_cache_type_(struct th_test *_metadata, int idx,
			       const char *attr);
#define sysfs_cache_type(idx, attr)	sysfs_cache_type_(_metadata, idx, attr)

bool path_exists(const char *path);
/* A "Key:   123 kB" line of /proc/meminfo, in bytes; -1 if absent. */
long long meminfo_bytes(const char *key);
/*
 * Free memory in bytes: MemFree plus the pages on the per-CPU free lists
 * (the "count:" of /proc/zoneinfo's pagesets), where freed order-0 pages
 * wait and MemFree does not see them. -1 on error.
 */
long long free_memory_bytes(void);
/*
 * The /proc/kpageflags word of page frame @pfn, or -errno. Bits: see
 * Documentation/admin-guide/mm/pagemap.rst (KPF_*); bit 63 is dropped so
 * that a valid word is never negative.
 */
#define KPF_LRU		5
#define KPF_SLAB	7
#define KPF_BUDDY	10
#define KPF_ANON	12
#define KPF_RESERVED	32
long long kpageflags(unsigned long long pfn);
/*
 * The value of line "@key:" of the /proc/self/smaps entry containing
 * @addr, as text without its newline: 0/-errno.
 */
int smaps_field(const void *addr, const char *key, char *value, size_t len);
/* The VmFlags of the /proc/self/smaps entry containing @addr: 0/-errno. */
int smaps_vmflags(const void *addr, char *flags, size_t len);
/*
 * Whether this kernel can map a PFN with a 2 MiB PMD (6.12 on, x86-64 or
 * arm64: CONFIG_ARCH_SUPPORTS_PMD_PFNMAP; transparent hugepages built in):
 * the tests' own knowledge, to hold the driver's sysfs "huge" against.
 */
bool huge_pfnmap_kernel(void);
/* Whether a VmFlags string contains the two-letter flag @flag. */
bool vmflags_has(const char *flags, const char *flag);

/* ---- the test-only helper module (tests/ptebits) ---------------------- */

#define PTEBITS_DEV	"/dev/chrmem_ptebits"
#define PTEBITS_KO	"/chrmem/chrmem_ptebits.ko"	/* $CHRMEM_PTEBITS_KO */
/*
 * Opens the helper's device, loading the module first if needed (a SKIP
 * without it, unless strict). Returns the descriptor.
 */
int ptebits_open_(struct th_test *_metadata);
#define ptebits_open()	ptebits_open_(_metadata)
/* Does an entry of any level map @addr? Asks without touching it. */
bool ptebits_mapped_(struct th_test *_metadata, int ptebits, const void *addr);
#define ptebits_mapped(ptebits, addr)	ptebits_mapped_(_metadata, ptebits, addr)

/* ---- the module ------------------------------------------------------ */

bool module_loaded(void);
/* /sys/module/chrmem/refcnt, or -1. */
long module_refcnt(void);
/* CHRMEM_KO, default /chrmem/chrmem.ko */
const char *module_file(void);
/* finit_module(2) with @params: 0 or an errno value. */
int load_module(const char *params);
/* delete_module(2) with O_NONBLOCK: 0 or an errno value. */
int unload_module(void);

/* ---- data ------------------------------------------------------------ */

/*
 * A byte pattern that depends on the absolute device offset and a seed,
 * so that data landing at the wrong offset (a wrong chunk, a wrong page)
 * is detected, and different seeds tell different writers apart.
 */
uint8_t pattern_byte(uint64_t off, uint32_t seed);
void fill_pattern(void *buf, size_t len, uint64_t off, uint32_t seed);
/* Number of bytes that differ from the pattern; *first: the first one. */
size_t check_pattern(const void *buf, size_t len, uint64_t off,
		     uint32_t seed, size_t *first);
/* Number of bytes that are not @val; *first: the first one. */
size_t check_fill(const void *buf, size_t len, uint8_t val, size_t *first);

#define TH_PATTERN_(buf, len, off, seed, fatal) do {			\
	size_t th_first_, th_bad_;					\
	th_bad_ = check_pattern(buf, len, off, seed, &th_first_);	\
	if (th_bad_) {							\
		TH_LOG("%s: %zu of %zu bytes differ from pattern %u at device offset %llu; first at +%zu: expected 0x%02x, got 0x%02x", \
		       #buf, th_bad_, (size_t)(len), (unsigned)(seed),	\
		       (unsigned long long)(off), th_first_,		\
		       pattern_byte((off) + th_first_, seed),		\
		       ((const uint8_t *)(buf))[th_first_]);		\
		th_fail(_metadata, fatal);				\
	}								\
} while (0)
#define ASSERT_PATTERN(buf, len, off, seed) TH_PATTERN_(buf, len, off, seed, true)
#define EXPECT_PATTERN(buf, len, off, seed) TH_PATTERN_(buf, len, off, seed, false)

#define TH_FILLED_(buf, len, val, fatal) do {				\
	size_t th_first_, th_bad_;					\
	th_bad_ = check_fill(buf, len, val, &th_first_);		\
	if (th_bad_) {							\
		TH_LOG("%s: %zu of %zu bytes are not 0x%02x; first at +%zu is 0x%02x", \
		       #buf, th_bad_, (size_t)(len), (unsigned)(val),	\
		       th_first_, ((const uint8_t *)(buf))[th_first_]);	\
		th_fail(_metadata, fatal);				\
	}								\
} while (0)
#define ASSERT_FILLED(buf, len, val)	TH_FILLED_(buf, len, val, true)
#define EXPECT_FILLED(buf, len, val)	TH_FILLED_(buf, len, val, false)

/* pread()/pwrite() of the whole range in one call, asserting the count. */
void pwrite_all_(struct th_test *_metadata, int fd, const void *buf,
		 size_t len, off_t off);
#define pwrite_all(fd, buf, len, off)	pwrite_all_(_metadata, fd, buf, len, off)
void pread_all_(struct th_test *_metadata, int fd, void *buf, size_t len,
		off_t off);
#define pread_all(fd, buf, len, off)	pread_all_(_metadata, fd, buf, len, off)

/* malloc() that asserts. */
void *xmalloc_(struct th_test *_metadata, size_t len);
#define xmalloc(len)	xmalloc_(_metadata, len)

/*
 * A pointer the compiler knows nothing about, for bad-pointer tests (so it
 * does not refuse to compile read(fd, NULL, 16)).
 */
static inline void *opaque_ptr(uintptr_t addr)
{
	void *p = (void *)addr;

	__asm__("" : "+r"(p));
	return p;
}

/* ---- processes ------------------------------------------------------- */

/* Waits for a process the test forked and asserts it exited with 0. */
void wait_ok_(struct th_test *_metadata, pid_t pid);
#define wait_ok(pid)	wait_ok_(_metadata, pid)

/*
 * A pipe used to let two processes take turns without sleeping:
 * sync_signal() writes a byte, sync_wait() reads one (asserting).
 */
struct sync_pipe { int rd, wr; };
void sync_init_(struct th_test *_metadata, struct sync_pipe *p);
#define sync_init(p)	sync_init_(_metadata, p)
void sync_signal_(struct th_test *_metadata, struct sync_pipe *p);
#define sync_signal(p)	sync_signal_(_metadata, p)
void sync_wait_(struct th_test *_metadata, struct sync_pipe *p);
#define sync_wait(p)	sync_wait_(_metadata, p)

#endif /* CHRMEM_TEST_H */
