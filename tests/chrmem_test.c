// SPDX-License-Identifier: GPL-2.0
/*
 * chrmem_test.c - helpers shared by the chrmem test suites.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chrmem_test.h"
#include "ptebits/ptebits.h"

size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

int dev_index(void)
{
	const char *s = getenv("CHRMEM_DEVICE");

	return s && *s ? atoi(s) : 0;
}

const char *dev_path(int idx)
{
	static __thread char path[64];

	snprintf(path, sizeof(path), "/dev/chrmem%d", idx);
	return path;
}

const char *sysfs_dir(int idx)
{
	static __thread char path[64];

	snprintf(path, sizeof(path), "/sys/class/chrmem/chrmem%d", idx);
	return path;
}

/*
 * The pattern= the module was loaded with: $CHRMEM_PATTERN if set, else the
 * kernel's record of the parameter in /sys/module/chrmem/parameters/.
 */
const char *expected_pattern(void)
{
	static char from_sysfs[CHRMEM_PATTERN_MAX + 64];
	const char *env = getenv("CHRMEM_PATTERN");

	if (env)
		return env;
	if (read_text("/sys/module/" CHRMEM_MODULE "/parameters/pattern",
		      from_sysfs, sizeof(from_sysfs)) == 0)
		return from_sysfs;
	return NULL;
}

static const char *expected_mode(const char *env, const char *param,
				 char *buf, size_t len, const char *dflt)
{
	const char *value = getenv(env);
	char path[96];

	if (value && *value)
		return value;
	snprintf(path, sizeof(path), "/sys/module/" CHRMEM_MODULE "/parameters/%s",
		 param);
	if (read_text(path, buf, len) == 0 && *buf)
		return buf;
	return dflt;
}

const char *expected_cache_mode(void)
{
	static char buf[32];

	return expected_mode("CHRMEM_CACHE_MODE", "cache_mode", buf, sizeof(buf),
			     "cached");
}

const char *expected_map_mode(void)
{
	static char buf[32];

	return expected_mode("CHRMEM_MAP_MODE", "map_mode", buf, sizeof(buf),
			     "remap");
}

const char *const cache_mode_names[CHRMEM_CACHE_MODES] =
	CHRMEM_CACHE_MODE_NAMES;
static const char *const map_mode_names[] = CHRMEM_MAP_MODE_NAMES;

static int name_number(const char *name, const char *const *names,
		       int count)
{
	int i;

	for (i = 0; i < count; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

int cache_mode_number(const char *name)
{
	return name_number(name, cache_mode_names, CHRMEM_CACHE_MODES);
}

int set_cache_mode(int fd, uint32_t mode)
{
	return ioctl(fd, CHRMEM_IOC_SET_CACHE_MODE, &mode);
}

int map_mode_number(const char *name)
{
	return name_number(name, map_mode_names,
			   sizeof(map_mode_names) / sizeof(map_mode_names[0]));
}

int open_dev_(struct th_test *_metadata, int idx, int flags)
{
	const char *path = dev_path(idx);
	int fd = open(path, flags | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT && !th_strict())
		SKIP("%s does not exist: module not loaded", path);
	TH_LOG("open(%s, 0%o): %s", path, flags, strerror(errno));
	th_fail(_metadata, true);
	return -1;
}

void get_info_(struct th_test *_metadata, int fd, struct chrmem_info *info)
{
	memset(info, 0xa5, sizeof(*info));
	ASSERT_OK(ioctl(fd, CHRMEM_IOC_GET_INFO, info));
}

uint64_t dev_size_(struct th_test *_metadata, int fd)
{
	struct chrmem_info info;

	get_info(fd, &info);
	return info.size;
}

void require_multichunk_(struct th_test *_metadata, uint64_t size)
{
	if (size <= CHRMEM_CHUNK_MAX)
		SKIP("needs a buffer larger than one 4 MiB chunk (this one is %llu bytes); load with size=6M",
		     (unsigned long long)size);
}

void *map_dev_(struct th_test *_metadata, int fd, off_t off, size_t len,
	       int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p == MAP_FAILED) {
		TH_LOG("mmap(len %zu, prot %d, flags 0x%x, offset %lld): %s",
		       len, prot, flags, (long long)off, strerror(errno));
		th_fail(_metadata, true);
	}
	return p;
}

int try_map(int fd, off_t off, size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p == MAP_FAILED)
		return errno;
	munmap(p, len);
	return 0;
}

int read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	close(fd);
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

/* One attribute of a PCI device: 0 or -errno. */
static int pci_attr(const char *bdf, const char *attr, char *buf, size_t len)
{
	char path[512];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, attr);
	return read_text(path, buf, len);
}

bool find_pci_device(const char *vendor, const char *device,
		     const char *node, char *bdf, size_t len)
{
	char text[16];
	struct dirent *e;
	bool found = false;
	DIR *dir = opendir("/sys/bus/pci/devices");

	while (dir && !found && (e = readdir(dir))) {
		if (pci_attr(e->d_name, "vendor", text, sizeof(text)) ||
		    strcmp(text, vendor) ||
		    pci_attr(e->d_name, "device", text, sizeof(text)) ||
		    strcmp(text, device))
			continue;
		if (node && (pci_attr(e->d_name, "numa_node", text, sizeof(text)) ||
			     strcmp(text, node)))
			continue;
		snprintf(bdf, len, "%.31s", e->d_name);
		found = true;
	}
	if (dir)
		closedir(dir);
	return found;
}

int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	if (n < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	close(fd);
	return 0;
}

void sysfs_str_(struct th_test *_metadata, int idx, const char *attr,
		char *buf, size_t len)
{
	char path[128];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", sysfs_dir(idx), attr);
	ret = read_text(path, buf, len);
	if (ret) {
		TH_LOG("reading %s: %s", path, strerror(-ret));
		th_fail(_metadata, true);
	}
}

unsigned long long sysfs_ull_(struct th_test *_metadata, int idx,
			      const char *attr)
{
	char buf[64], *end;
	unsigned long long v;

	sysfs_str(idx, attr, buf, sizeof(buf));
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || end == buf || *end) {
		TH_LOG("%s/%s: \"%s\" is not a number", sysfs_dir(idx), attr, buf);
		th_fail(_metadata, true);
	}
	return v;
}

unsigned int sysfs_cache_type_(struct th_test *_metadata, int idx,
			       const char *attr)
{
	char buf[64];
	int mode;

	sysfs_str(idx, attr, buf, sizeof(buf));
	mode = cache_mode_number(buf);
	if (mode < 0) {
		TH_LOG("%s/%s: \"%s\" is no cache mode", sysfs_dir(idx), attr, buf);
		th_fail(_metadata, true);
	}
	return mode;
}

bool path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

long long meminfo_bytes(const char *key)
{
	size_t klen = strlen(key);
	char line[256];
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			v = strtoll(line + klen + 1, NULL, 10) * 1024;
			break;
		}
	}
	fclose(f);
	return v;
}

long long free_memory_bytes(void)
{
	long long free = meminfo_bytes("MemFree"), pcp = 0;
	char line[256];
	FILE *f = fopen("/proc/zoneinfo", "re");

	if (free < 0 || !f) {
		if (f)
			fclose(f);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		const char *p = line + strspn(line, " ");

		if (strncmp(p, "count:", 6) == 0)
			pcp += strtoll(p + 6, NULL, 10);
	}
	fclose(f);
	return free + pcp * (long long)page_size();
}

/* The /proc/kpageflags word of page frame @pfn (KPF_* bits), or -errno. */
long long kpageflags(unsigned long long pfn)
{
	uint64_t word;
	int fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	ssize_t got;
	int err;

	if (fd < 0)
		return -errno;
	got = pread(fd, &word, sizeof(word), (off_t)(pfn * sizeof(word)));
	err = errno;
	close(fd);
	if (got != sizeof(word))
		return got < 0 ? -err : -EIO;
	return (long long)(word & ~(1ULL << 63));
}

int smaps_field(const void *addr, const char *key, char *value, size_t len)
{
	unsigned long a = (unsigned long)addr, start, end;
	size_t klen = strlen(key);
	bool inside = false;
	char line[512];
	FILE *f = fopen("/proc/self/smaps", "re");
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			inside = a >= start && a < end;
			continue;
		}
		if (inside && strncmp(line, key, klen) == 0 && line[klen] == ':') {
			snprintf(value, len, "%s", line + klen + 1);
			value[strcspn(value, "\n")] = '\0';
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

int smaps_vmflags(const void *addr, char *flags, size_t len)
{
	return smaps_field(addr, "VmFlags", flags, len);
}

bool huge_pfnmap_kernel(void)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;

	if (uname(&u) ||
	    (strcmp(u.machine, "x86_64") && strcmp(u.machine, "aarch64")) ||
	    !path_exists("/sys/kernel/mm/transparent_hugepage/enabled"))
		return false;
	if (sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 12);
}

bool vmflags_has(const char *flags, const char *flag)
{
	size_t n = strlen(flag);
	const char *p = flags;

	while ((p = strstr(p, flag)) != NULL) {
		if ((p == flags || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

bool module_loaded(void)
{
	return path_exists("/sys/module/" CHRMEM_MODULE);
}

long module_refcnt(void)
{
	char buf[32];

	if (read_text("/sys/module/" CHRMEM_MODULE "/refcnt", buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

const char *module_file(void)
{
	const char *s = getenv("CHRMEM_KO");

	return s && *s ? s : CHRMEM_DEFAULT_KO;
}

int load_module(const char *params)
{
	int fd = open(module_file(), O_RDONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return errno;
	if (syscall(SYS_finit_module, fd, params, 0) != 0)
		ret = errno;
	close(fd);
	return ret;
}

int unload_module(void)
{
	if (syscall(SYS_delete_module, CHRMEM_MODULE, O_NONBLOCK) != 0)
		return errno;
	return 0;
}

static inline uint64_t pattern_word(uint64_t word, uint32_t seed)
{
	uint64_t x = word * 0x9e3779b97f4a7c15ULL + seed * 0xbf58476d1ce4e5b9ULL + 1;

	x ^= x >> 31;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 29;
	return x;
}

uint8_t pattern_byte(uint64_t off, uint32_t seed)
{
	return (uint8_t)(pattern_word(off >> 3, seed) >> ((off & 7) * 8));
}

void fill_pattern(void *buf, size_t len, uint64_t off, uint32_t seed)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = pattern_byte(off + i, seed);
}

size_t check_pattern(const void *buf, size_t len, uint64_t off,
		     uint32_t seed, size_t *first)
{
	const uint8_t *p = buf;
	size_t i, bad = 0;

	*first = 0;
	for (i = 0; i < len; i++) {
		if (p[i] != pattern_byte(off + i, seed) && !bad++)
			*first = i;
	}
	return bad;
}

size_t check_fill(const void *buf, size_t len, uint8_t val, size_t *first)
{
	const uint8_t *p = buf;
	size_t i, bad = 0;

	*first = 0;
	for (i = 0; i < len; i++) {
		if (p[i] != val && !bad++)
			*first = i;
	}
	return bad;
}

void pwrite_all_(struct th_test *_metadata, int fd, const void *buf,
		 size_t len, off_t off)
{
	ASSERT_EQ((ssize_t)len, pwrite(fd, buf, len, off));
}

void pread_all_(struct th_test *_metadata, int fd, void *buf, size_t len,
		off_t off)
{
	ASSERT_EQ((ssize_t)len, pread(fd, buf, len, off));
}

void *xmalloc_(struct th_test *_metadata, size_t len)
{
	void *p = malloc(len);

	ASSERT_TRUE(p != NULL);
	return p;
}

void wait_ok_(struct th_test *_metadata, pid_t pid)
{
	int status;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	if (WIFSIGNALED(status)) {
		TH_LOG("process %d was killed by signal %d (%s)", (int)pid,
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
		th_fail(_metadata, true);
	}
	if (WEXITSTATUS(status) != 0) {
		TH_LOG("process %d exited with status %d", (int)pid,
		       WEXITSTATUS(status));
		th_fail(_metadata, true);
	}
}

void sync_init_(struct th_test *_metadata, struct sync_pipe *p)
{
	int fds[2];

	ASSERT_OK(pipe(fds));
	p->rd = fds[0];
	p->wr = fds[1];
}

void sync_signal_(struct th_test *_metadata, struct sync_pipe *p)
{
	ASSERT_EQ(1, write(p->wr, "x", 1));
}

void sync_wait_(struct th_test *_metadata, struct sync_pipe *p)
{
	char c;

	ASSERT_EQ(1, read(p->rd, &c, 1));
}

int ptebits_open_(struct th_test *_metadata)
{
	const char *ko = getenv("CHRMEM_PTEBITS_KO");
	int fd, kofd;

	if (!path_exists(PTEBITS_DEV)) {
		kofd = open(ko ? ko : PTEBITS_KO, O_RDONLY | O_CLOEXEC);
		if (kofd < 0 && !th_strict())
			SKIP("no chrmem_ptebits module: %s", strerror(errno));
		ASSERT_OK(kofd);
		if (syscall(SYS_finit_module, kofd, "", 0) && errno != EEXIST)
			ASSERT_OK(-1);
		close(kofd);
	}
	fd = open(PTEBITS_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_OK(fd);
	return fd;
}

bool ptebits_mapped_(struct th_test *_metadata, int ptebits, const void *addr)
{
	struct ptebits_query q = { .addr = (uintptr_t)addr };

	/* ENOENT: the walk found no entry; anything else is a failure. */
	if (ioctl(ptebits, PTEBITS_IOC_QUERY, &q)) {
		EXPECT_ERR(ENOENT, errno);
		return false;
	}
	return q.bits & PTEBITS_PRESENT;
}
