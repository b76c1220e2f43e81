// SPDX-License-Identifier: GPL-2.0
/*
 * devctl sync: hand a range of the buffer between the CPU and the device
 * it is bound to (CHRMEM_IOC_SYNC, see devctl set dma-device):
 *   --for-cpu     before the CPU reads what the device wrote (START)
 *   --for-device  after the CPU wrote what the device will read (END)
 * --read and --write say what the CPU does; both (the default) for both.
 * A no-op on cache-coherent machines (x86), cache maintenance elsewhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "devctl.h"
#include "print.h"

static void report_sync_error(const struct chrmem_device *dev, int err)
{
	switch (err) {
	case ENODEV:
		report(dev->path, cmd_sync.name, "%s (the buffer is bound to "
		       "no DMA device; see devctl set dma-device)",
		       strerror(err));
		break;
	case ENOTTY:
		report(dev->path, cmd_sync.name, "this driver has no sync "
		       "(%s)", strerror(err));
		break;
	default:
		report(dev->path, cmd_sync.name, "%s", strerror(err));
	}
}

static const char *access_name(__u32 flags)
{
	switch (flags & CHRMEM_SYNC_RW) {
	case CHRMEM_SYNC_READ:
		return "read";
	case CHRMEM_SYNC_WRITE:
		return "write";
	default:
		return "read-write";
	}
}

static int sync_device(const struct devctl *ctx,
		       const struct range_args *args, __u32 flags)
{
	struct chrmem_sync sync;
	struct chrmem_device dev;
	struct range range;
	int fd, err = 0;

	output_open();
	open_json_array("devices");
	/* Any open file may sync: it changes no data. */
	fd = open_device_range(&cmd_sync, ctx, O_RDONLY, args, &dev, &range);
	if (fd < 0)
		return EXIT_FAILURE;
	memset(&sync, 0, sizeof(sync));
	sync.offset = range.offset;
	sync.length = range.length;
	sync.flags = flags;
	if (!range.length)
		report(dev.path, cmd_sync.name, "the range is empty");
	else if (ioctl(fd, CHRMEM_IOC_SYNC, &sync) < 0)
		report_sync_error(&dev, err = errno);
	close(fd);
	if (err || !range.length)
		return EXIT_FAILURE;
	open_device_object(&dev);
	print_string(PRINT_JSON, "for", NULL,
		     flags & CHRMEM_SYNC_END ? "device" : "cpu");
	print_string(PRINT_JSON, "access", NULL, access_name(flags));
	print_u64(PRINT_JSON, "offset", NULL, range.offset);
	print_u64(PRINT_JSON, "length", NULL, range.length);
	close_json_object();
	close_json_array();
	return EXIT_SUCCESS;
}

static int sync_run(const struct devctl *ctx, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "for-cpu",    no_argument, NULL, 'c' },
		{ "for-device", no_argument, NULL, 'D' },
		{ "read",       no_argument, NULL, 'r' },
		{ "write",      no_argument, NULL, 'w' },
		RANGE_LONG_OPTIONS,
		COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct range_args args = { .have_length = false };
	int opt, status, sides = 0;
	__u32 flags = 0;

	while ((opt = getopt_long(argc, argv, COMMON_SHORT_OPTIONS "rw" RANGE_SHORT_OPTIONS,
				  options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			flags |= CHRMEM_SYNC_START;
			sides |= 1;
			break;
		case 'D':
			flags |= CHRMEM_SYNC_END;
			sides |= 2;
			break;
		case 'r':
			flags |= CHRMEM_SYNC_READ;
			break;
		case 'w':
			flags |= CHRMEM_SYNC_WRITE;
			break;
		case 'o':
		case 'l':
			if (parse_range_option(&cmd_sync, opt, optarg, &args))
				return EXIT_USAGE;
			break;
		default:
			status = command_common_option(&cmd_sync, opt, argv);
			if (status >= 0)
				return status;
		}
	}
	if (optind < argc)
		return usage_error(&cmd_sync, "unexpected argument '%s'",
				   argv[optind]);
	if (sides != 1 && sides != 2)
		return usage_error(&cmd_sync, "give either --for-cpu or "
				   "--for-device");
	if (!(flags & CHRMEM_SYNC_RW))
		flags |= CHRMEM_SYNC_RW;
	return sync_device(ctx, &args, flags);
}

const struct command cmd_sync = {
	.name = "sync",
	.run = sync_run,
	.summary = "sync a range of the buffer for the CPU or its DMA device",
	.usage = "(--for-cpu | --for-device) [--read] [--write] [--offset N] [--length N]",
	.options =
	"      --for-cpu      before the CPU reads what the device wrote\n"
	"      --for-device   after the CPU wrote what the device will read\n"
	"  -r, --read         the CPU reads (default: reads and writes)\n"
	"  -w, --write        the CPU writes (default: reads and writes)\n"
	"  -o, --offset N     start at byte N (default 0)\n"
	"  -l, --length N     sync N bytes (default: up to the end)\n",
};
