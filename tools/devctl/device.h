/* SPDX-License-Identifier: GPL-2.0 */
/*
 * device.h - finding chrmem devices, opening them, asking them for state.
 *
 * devctl talks to the driver only through <linux/chrmem.h> and sysfs:
 *   /sys/class/chrmem/chrmemN/{size,cache_mode,map_mode,mappings,opens}
 *   /sys/class/chrmem/chrmemN/phys_addr   (root only, newer drivers)
 *   /dev/chrmemN, and the udev link /dev/chrmem to the first device.
 */
#ifndef DEVCTL_DEVICE_H
#define DEVCTL_DEVICE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/chrmem.h>

#include "range-io.h"

#define SYSFS_CLASS_DIR	"/sys/class/chrmem"
#define CHRMEM_GROUP	"chrmem"

struct chrmem_device {
	char name[NAME_MAX + 1];	/* "chrmemN"; "" while unknown */
	char path[PATH_MAX];		/* the device node */
	char sysfs[sizeof(SYSFS_CLASS_DIR "/") + NAME_MAX];	/* "" if unknown */
};

/*
 * What status and info report. Mode names are numbers if devctl does not
 * know them. The have_* fields are false when only sysfs could be read
 * and it lacks the attribute (an older driver may lack it).
 */
struct device_state {
	uint32_t info_size;	/* bytes of chrmem_info filled; 0: sysfs */
	uint64_t size;
	char cache_mode[16];
	char map_mode[16];
	bool have_memory_type;	/* the driver reports it (version 1) */
	char memory_type[16];	/* the buffer's memory type now */
	uint64_t mappings;
	uint64_t opens;		/* not counting devctl's own open */
	bool have_chunks, have_bytes_read, have_bytes_written;
	uint64_t chunks;
	uint64_t bytes_read;
	uint64_t bytes_written;
};

/* "devctl: PATH: OP: message" on stderr; PATH may be NULL. */
void report(const char *path, const char *op, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same with strerror(@err) and, when it is the usual cause, a hint. */
void report_errno(const char *path, const char *op, int err);

/* Orders "chrmem2" before "chrmem10". */
int device_name_compare(const char *a, const char *b);

/* Every device in sysfs, sorted; reports and returns -1 if none. */
int device_list(const char *op, struct chrmem_device **devices,
		size_t *count);

/* /dev/chrmem if that link exists, else /dev/chrmem0. */
const char *device_default_path(void);

/*
 * Sets @path (NULL: the default device), and name and sysfs when sysfs
 * knows the node.
 */
void device_from_path(struct chrmem_device *dev, const char *path);

/*
 * Opens the device with @flags, checks with GET_INFO that it is a chrmem
 * device and fills in @info. Returns the descriptor, or -1 after
 * reporting why for @op.
 */
int device_open(struct chrmem_device *dev, const char *op, int flags,
		struct chrmem_info *info);

/*
 * Fills @state from GET_INFO when the node can be opened, else from sysfs,
 * so that a user who may read sysfs but not the node still gets a status.
 * Returns 0, or -1 after reporting why for @op.
 */
int device_query(struct chrmem_device *dev, const char *op,
		 struct device_state *state);

/*
 * Calls @fn on the device at @path (NULL: the default) or, with @all, on
 * every device in sysfs. @fn returns an exit status; the result is
 * EXIT_FAILURE if it failed for any device.
 */
typedef int (*device_fn)(struct chrmem_device *dev, void *arg);
int device_for_each(const char *path, bool all, const char *op,
		    device_fn fn, void *arg);

/* Starts the JSON object of a device with its name and path. */
/* Reads sysfs attribute @attr of @dev without its newline; 0 or -errno. */
int device_sysfs_read(const struct chrmem_device *dev, const char *attr,
		      char *buf, size_t len);

/* Writes @text to sysfs attribute @attr of @dev; 0 or -errno. */
int device_sysfs_write(const struct chrmem_device *dev, const char *attr,
		       const char *text);

void open_device_object(const struct chrmem_device *dev);

/* Why a range of the buffer was refused, with both sizes. */
void report_range(const struct chrmem_device *dev, const char *op,
		  enum range_status status, uint64_t offset, uint64_t length,
		  uint64_t size);

/* Why a copy failed; @other names the far side (a file, stdout). */
void report_io(const struct chrmem_device *dev, const char *op,
	       const struct io_error *error, const char *other);

#endif /* DEVCTL_DEVICE_H */
