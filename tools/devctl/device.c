// SPDX-License-Identifier: GPL-2.0
/*
 * device.c - finding chrmem devices, opening them, asking them for state.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "devctl.h"
#include "device.h"
#include "parse.h"
#include "print.h"

#define NAME_PREFIX "chrmem"
#define MODULE_HINT \
	"is the module loaded? try 'systemctl start chrmem'"

void report(const char *path, const char *op, const char *fmt, ...)
{
	va_list ap;

	/* Keep errors after the output they interrupt on a shared terminal. */
	fflush(stdout);
	fputs("devctl: ", stderr);
	if (path)
		fprintf(stderr, "%s: ", path);
	fprintf(stderr, "%s: ", op);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The usual cause of an error when opening a device node, if there is one. */
static const char *open_hint(int err)
{
	switch (err) {
	case EACCES:
	case EPERM:
		return "is this user in group '" CHRMEM_GROUP "'?";
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return MODULE_HINT;
	default:
		return NULL;
	}
}

void report_errno(const char *path, const char *op, int err)
{
	const char *hint = open_hint(err);

	if (hint)
		report(path, op, "%s (%s)", strerror(err), hint);
	else
		report(path, op, "%s", strerror(err));
}

/* The N of "chrmemN", or -1 for any other name. */
static long device_number(const char *name)
{
	const char *digits = name + strlen(NAME_PREFIX);
	char *end;
	long n;

	if (strncmp(name, NAME_PREFIX, strlen(NAME_PREFIX)) != 0 ||
	    *digits < '0' || *digits > '9')
		return -1;
	errno = 0;
	n = strtol(digits, &end, 10);
	return *end || errno ? -1 : n;
}

int device_name_compare(const char *a, const char *b)
{
	long na = device_number(a), nb = device_number(b);

	if (na != nb)
		return na < nb ? -1 : 1;
	return strcmp(a, b);
}

static int compare_devices(const void *a, const void *b)
{
	const struct chrmem_device *da = a, *db = b;

	return device_name_compare(da->name, db->name);
}

static void device_from_name(struct chrmem_device *dev, const char *name)
{
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	snprintf(dev->path, sizeof(dev->path), "/dev/%s", name);
	snprintf(dev->sysfs, sizeof(dev->sysfs), SYSFS_CLASS_DIR "/%s", name);
}

static int append_device(struct chrmem_device **devices, size_t *count,
			 const char *name)
{
	struct chrmem_device *grown;

	grown = realloc(*devices, (*count + 1) * sizeof(**devices));
	if (!grown)
		return -ENOMEM;
	*devices = grown;
	device_from_name(&grown[(*count)++], name);
	return 0;
}

/* Collects the chrmemN entries of the class directory; 0 or -errno. */
static int read_class_dir(struct chrmem_device **devices, size_t *count)
{
	DIR *dir = opendir(SYSFS_CLASS_DIR);
	struct dirent *entry;
	int err = 0;

	if (!dir)
		return -errno;
	while (!err && (entry = readdir(dir)))
		if (device_number(entry->d_name) >= 0)
			err = append_device(devices, count, entry->d_name);
	closedir(dir);
	return err;
}

int device_list(const char *op, struct chrmem_device **devices,
		size_t *count)
{
	int err;

	*devices = NULL;
	*count = 0;
	err = read_class_dir(devices, count);
	/* The class directory goes away with the module's last device. */
	if (err == -ENOENT || (!err && *count == 0)) {
		report(NULL, op, "no chrmem devices in %s (%s)",
		       SYSFS_CLASS_DIR, MODULE_HINT);
		err = -ENODEV;
	} else if (err) {
		report(NULL, op, "%s: %s", SYSFS_CLASS_DIR, strerror(-err));
	}
	if (err) {
		free(*devices);
		*devices = NULL;
		*count = 0;
		return -1;
	}
	qsort(*devices, *count, sizeof(**devices), compare_devices);
	return 0;
}

const char *device_default_path(void)
{
	struct stat st;

	return stat("/dev/chrmem", &st) == 0 ? "/dev/chrmem" : "/dev/chrmem0";
}

/* Whether the sysfs device directory @dir belongs to the class chrmem. */
static bool in_chrmem_class(const char *dir)
{
	char link[PATH_MAX + sizeof("/subsystem")], class[PATH_MAX];
	const char *base;

	snprintf(link, sizeof(link), "%s/subsystem", dir);
	if (!realpath(link, class))
		return false;
	base = strrchr(class, '/');
	return base && strcmp(base + 1, "chrmem") == 0;
}

void device_from_path(struct chrmem_device *dev, const char *path)
{
	char link[64], dir[PATH_MAX];
	const char *base;
	struct stat st;

	memset(dev, 0, sizeof(*dev));
	if (!path)
		path = device_default_path();
	snprintf(dev->path, sizeof(dev->path), "%s", path);
	/* Any node of the device will do: /sys/dev/char/MAJ:MIN names it. */
	if (stat(path, &st) < 0 || !S_ISCHR(st.st_mode))
		return;
	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u",
		 major(st.st_rdev), minor(st.st_rdev));
	if (!realpath(link, dir) || !in_chrmem_class(dir))
		return;
	base = strrchr(dir, '/') + 1;
	snprintf(dev->name, sizeof(dev->name), "%s", base);
	snprintf(dev->sysfs, sizeof(dev->sysfs), SYSFS_CLASS_DIR "/%s", base);
}

/*
 * GET_INFO, following the growth protocol of struct chrmem_info: the
 * structure is zeroed, the driver fills in the part it knows and says how
 * much in struct_size. This devctl knows the version 0 fields, so it needs
 * at least those.
 */
static int get_info(int fd, struct chrmem_info *info)
{
	memset(info, 0, sizeof(*info));
	if (ioctl(fd, CHRMEM_IOC_GET_INFO, info) < 0)
		return -errno;
	if (info->struct_size < CHRMEM_INFO_SIZE_VER0)
		return -EPROTO;
	return 0;
}

/* Opens and identifies the device; -errno, -ENOTTY if not chrmem. */
static int open_chrmem(const char *path, int flags, struct chrmem_info *info)
{
	struct stat st;
	int fd, err;

	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Never send our ioctls to a file or to another driver's device. */
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode))
		err = -ENOTTY;
	else
		err = get_info(fd, info);
	if (err < 0) {
		close(fd);
		return err;
	}
	return fd;
}

/* Names a device that was given by its path, once GET_INFO tells N. */
static void complete_identity(struct chrmem_device *dev,
			      const struct chrmem_info *info)
{
	if (dev->name[0])
		return;
	snprintf(dev->name, sizeof(dev->name), NAME_PREFIX "%" PRIu32,
		 info->index);
	snprintf(dev->sysfs, sizeof(dev->sysfs), SYSFS_CLASS_DIR "/%s",
		 dev->name);
}

static void report_open_error(const char *path, const char *op, int err)
{
	if (err == -ENOTTY)
		report(path, op, "not a chrmem device");
	else if (err == -EPROTO)
		report(path, op, "the driver answered GET_INFO with %s",
		       "a structure shorter than its version 0");
	else
		report_errno(path, op, -err);
}

int device_open(struct chrmem_device *dev, const char *op, int flags,
		struct chrmem_info *info)
{
	int fd = open_chrmem(dev->path, flags, info);

	if (fd < 0) {
		report_open_error(dev->path, op, fd);
		return -1;
	}
	complete_identity(dev, info);
	return fd;
}

static void mode_text(char *buf, size_t len, const char *name, uint32_t mode)
{
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%" PRIu32, mode);
}

static void state_from_info(struct device_state *state,
			    const struct chrmem_info *info)
{
	memset(state, 0, sizeof(*state));
	state->info_size = info->struct_size;
	state->size = info->size;
	mode_text(state->cache_mode, sizeof(state->cache_mode),
		  cache_mode_name(info->cache_mode), info->cache_mode);
	mode_text(state->map_mode, sizeof(state->map_mode),
		  map_mode_name(info->map_mode), info->map_mode);
	if (info->struct_size >= CHRMEM_INFO_SIZE_VER1) {
		state->have_memory_type = true;
		mode_text(state->memory_type, sizeof(state->memory_type),
			  info->memory_type == CHRMEM_MEMORY_TYPE_MIXED ?
			  CHRMEM_MEMORY_TYPE_MIXED_NAME :
			  cache_mode_name(info->memory_type),
			  info->memory_type);
	}
	state->mappings = info->mappings;
	/* Our own descriptor is one of the driver's open files. */
	state->opens = info->opens > 0 ? info->opens - 1 : 0;
	state->have_chunks = true;
	state->chunks = info->chunks;
	state->have_bytes_read = true;
	state->bytes_read = info->bytes_read;
	state->have_bytes_written = true;
	state->bytes_written = info->bytes_written;
}

/* Reads one attribute without its newline; 0 or -errno. */
int device_sysfs_read(const struct chrmem_device *dev, const char *attr,
		      char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dev->sysfs, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int device_sysfs_write(const struct chrmem_device *dev, const char *attr,
		       const char *text)
{
	char path[PATH_MAX];
	size_t len = strlen(text);
	ssize_t n;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dev->sysfs, attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* sysfs takes a store in one write(); its error is the driver's. */
	n = write(fd, text, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

static int sysfs_read_u64(const struct chrmem_device *dev, const char *attr,
			  uint64_t *value)
{
	char buf[32];
	int err = device_sysfs_read(dev, attr, buf, sizeof(buf));

	if (err < 0)
		return err;
	return parse_u64(buf, value) < 0 ? -EPROTO : 0;
}

static int state_from_sysfs(const struct chrmem_device *dev, const char *op,
			    struct device_state *state)
{
	const struct {
		const char *attr;
		uint64_t *number;	/* a number, or else */
		char *mode;		/* a mode name */
		size_t mode_len;
		bool *present;		/* NULL: the attribute must exist */
	} fields[] = {
		{ "size", &state->size, NULL, 0, NULL },
		{ "cache_mode", NULL, state->cache_mode,
		  sizeof(state->cache_mode), NULL },
		{ "map_mode", NULL, state->map_mode,
		  sizeof(state->map_mode), NULL },
		{ "memory_type", NULL, state->memory_type,
		  sizeof(state->memory_type), &state->have_memory_type },
		{ "mappings", &state->mappings, NULL, 0, NULL },
		{ "opens", &state->opens, NULL, 0, NULL },
		{ "chunks", &state->chunks, NULL, 0, &state->have_chunks },
		{ "bytes_read", &state->bytes_read, NULL, 0,
		  &state->have_bytes_read },
		{ "bytes_written", &state->bytes_written, NULL, 0,
		  &state->have_bytes_written },
	};
	size_t i;
	int err;

	memset(state, 0, sizeof(*state));
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (fields[i].number)
			err = sysfs_read_u64(dev, fields[i].attr,
					     fields[i].number);
		else
			err = device_sysfs_read(dev, fields[i].attr, fields[i].mode,
					 fields[i].mode_len);
		if (fields[i].present && (err == 0 || err == -ENOENT)) {
			*fields[i].present = err == 0;
			continue;
		}
		if (err < 0) {
			report(dev->path, op, "cannot read %s/%s: %s",
			       dev->sysfs, fields[i].attr,
			       err == -EPROTO ? "unexpected content" :
			       strerror(-err));
			return -1;
		}
	}
	return 0;
}

int device_query(struct chrmem_device *dev, const char *op,
		 struct device_state *state)
{
	struct chrmem_info info;
	int ret;

	ret = open_chrmem(dev->path, O_RDONLY, &info);
	if (ret >= 0) {
		close(ret);
		complete_identity(dev, &info);
		state_from_info(state, &info);
		return 0;
	}
	/* sysfs is world-readable where the node may not be. */
	if ((ret == -EACCES || ret == -EPERM || ret == -ENOENT) &&
	    dev->sysfs[0])
		return state_from_sysfs(dev, op, state);
	report_open_error(dev->path, op, ret);
	return -1;
}

int device_for_each(const char *path, bool all, const char *op,
		    device_fn fn, void *arg)
{
	struct chrmem_device one, *devices;
	int status = EXIT_SUCCESS;
	size_t count, i;

	if (!all) {
		device_from_path(&one, path);
		return fn(&one, arg);
	}
	if (device_list(op, &devices, &count) < 0)
		return EXIT_FAILURE;
	/* One device failing does not keep the others from being served. */
	for (i = 0; i < count; i++)
		if (fn(&devices[i], arg) != EXIT_SUCCESS)
			status = EXIT_FAILURE;
	free(devices);
	return status;
}

void open_device_object(const struct chrmem_device *dev)
{
	open_json_object(NULL);
	print_string(PRINT_JSON, "name", NULL, dev->name);
	print_string(PRINT_JSON, "path", NULL, dev->path);
}

void report_range(const struct chrmem_device *dev, const char *op,
		  enum range_status status, uint64_t offset, uint64_t length,
		  uint64_t size)
{
	if (status == RANGE_BAD_OFFSET)
		report(dev->path, op, "offset %" PRIu64 " is past the end of "
		       "the buffer (%" PRIu64 " bytes)", offset, size);
	else
		report(dev->path, op, "%" PRIu64 " bytes at offset %" PRIu64
		       " do not fit in the buffer (%" PRIu64 " bytes)",
		       length, offset, size);
}

void report_io(const struct chrmem_device *dev, const char *op,
	       const struct io_error *error, const char *other)
{
	if (error->side == IO_OTHER)
		report(dev->path, op, "%s: %s", other, strerror(error->err));
	else
		report(dev->path, op, "at offset %" PRIu64 ": %s",
		       error->offset, strerror(error->err));
}
