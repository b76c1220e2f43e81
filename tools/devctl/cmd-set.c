// SPDX-License-Identifier: GPL-2.0
/*
 * devctl set: change a setting of a device. There is one so far:
 *   set cache-mode cached|uncached|wc   (CHRMEM_IOC_SET_CACHE_MODE)
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "devctl.h"
#include "parse.h"
#include "print.h"

#define OP_CACHE_MODE "set cache-mode"

/* The driver refuses while mapped, to avoid two memory types at once. */
static void report_busy(const struct chrmem_device *dev, int fd)
{
	struct chrmem_info info;

	memset(&info, 0, sizeof(info));
	if (ioctl(fd, CHRMEM_IOC_GET_INFO, &info) == 0 && info.mappings > 0)
		report(dev->path, OP_CACHE_MODE, "device is mapped (%" PRIu32
		       " live mapping%s); unmap it and try again",
		       info.mappings, info.mappings == 1 ? "" : "s");
	else
		report(dev->path, OP_CACHE_MODE,
		       "device is mapped; unmap it and try again");
}

static void report_cache_mode_error(const struct chrmem_device *dev, int fd,
				    int err, const char *mode)
{
	switch (err) {
	case EBUSY:
		report_busy(dev, fd);
		break;
	case ENOTTY:
		report(dev->path, OP_CACHE_MODE, "this driver cannot change "
		       "the cache mode at run time; load the module with "
		       "cache_mode=%s instead", mode);
		break;
	case EINVAL:
		report(dev->path, OP_CACHE_MODE, "the driver refused cache "
		       "mode '%s': %s", mode, strerror(err));
		break;
	case EOPNOTSUPP:
		report(dev->path, OP_CACHE_MODE, "cache mode '%s' is not "
		       "available on this machine (%s)", mode, strerror(err));
		break;
	default:
		report(dev->path, OP_CACHE_MODE, "%s", strerror(err));
	}
}

static int set_cache_mode(const struct devctl *ctx, const char *name)
{
	struct chrmem_device dev;
	struct chrmem_info info;
	int fd, err = 0;
	__u32 mode;

	if (cache_mode_from_name(name, &mode) < 0)
		return usage_error(&cmd_set, "unknown cache mode '%s' "
				   "(cached, uncached or wc)", name);
	output_open();
	open_json_array("devices");
	device_from_path(&dev, ctx->device);
	fd = device_open(&dev, OP_CACHE_MODE, O_RDWR, &info);
	if (fd < 0)
		return EXIT_FAILURE;
	if (ioctl(fd, CHRMEM_IOC_SET_CACHE_MODE, &mode) < 0) {
		err = errno;
		report_cache_mode_error(&dev, fd, err, name);
	}
	close(fd);
	if (err)
		return EXIT_FAILURE;
	open_device_object(&dev);
	print_string(PRINT_JSON, "cache_mode", NULL, name);
	close_json_object();
	close_json_array();
	return EXIT_SUCCESS;
}

static int set_run(const struct devctl *ctx, int argc, char *argv[])
{
	static const struct option options[] = {
		COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	opt = getopt_long(argc, argv, COMMON_SHORT_OPTIONS, options, NULL);
	if (opt != -1)
		return command_common_option(&cmd_set, opt, argv);
	if (optind == argc)
		return usage_error(&cmd_set, "which setting? (cache-mode)");
	if (strcmp(argv[optind], "cache-mode") != 0)
		return usage_error(&cmd_set, "unknown setting '%s' "
				   "(cache-mode)", argv[optind]);
	if (argc - optind != 2)
		return usage_error(&cmd_set, "cache-mode needs one value "
				   "(cached, uncached or wc)");
	return set_cache_mode(ctx, argv[optind + 1]);
}

const struct command cmd_set = {
	.name = "set",
	.run = set_run,
	.summary = "change a setting: cache-mode cached|uncached|wc",
	.usage = "cache-mode MODE",
	.options = NULL,
};
