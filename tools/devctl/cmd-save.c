// SPDX-License-Identifier: GPL-2.0
/*
 * devctl save: copy a range of the buffer into a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "devctl.h"
#include "print.h"

/* The range was checked first: a bad range leaves an existing file alone. */
static int save_range(const struct chrmem_device *dev, int fd,
		      const struct range *range, const char *file)
{
	struct io_error error;
	int file_fd, ret;

	file_fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (file_fd < 0) {
		report(dev->path, cmd_save.name, "%s: %s", file,
		       strerror(errno));
		return EXIT_FAILURE;
	}
	ret = buffer_read(fd, range, fd_sink, &file_fd, &error);
	/* Some file systems only report a failed write at close(). */
	if (close(file_fd) < 0 && ret == 0) {
		error.err = errno;
		error.side = IO_OTHER;
		ret = -1;
	}
	if (ret < 0) {
		report_io(dev, cmd_save.name, &error, file);
		return EXIT_FAILURE;
	}
	print_range_result(dev, file, range);
	return EXIT_SUCCESS;
}

static int save_run(const struct devctl *ctx, int argc, char *argv[])
{
	static const struct option options[] = {
		RANGE_LONG_OPTIONS,
		COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct range_args args = { .have_length = false };
	struct chrmem_device dev;
	struct range range;
	int opt, fd, status;

	while ((opt = getopt_long(argc, argv, COMMON_SHORT_OPTIONS RANGE_SHORT_OPTIONS,
				  options, NULL)) != -1) {
		switch (opt) {
		case 'o':
		case 'l':
			if (parse_range_option(&cmd_save, opt, optarg, &args))
				return EXIT_USAGE;
			break;
		default:
			status = command_common_option(&cmd_save, opt, argv);
			if (status >= 0)
				return status;
		}
	}
	if (optind + 1 != argc)
		return usage_error(&cmd_save, optind == argc ?
				   "which file?" : "one file at a time");

	output_open();
	open_json_array("devices");
	fd = open_device_range(&cmd_save, ctx, O_RDONLY, &args, &dev, &range);
	if (fd < 0)
		return EXIT_FAILURE;
	status = save_range(&dev, fd, &range, argv[optind]);
	close(fd);
	close_json_array();
	return status;
}

const struct command cmd_save = {
	.name = "save",
	.run = save_run,
	.summary = "copy a range of the buffer into a file",
	.usage = "FILE [--offset N] [--length N]",
	.options =
	"  -o, --offset N     start at byte N (default 0)\n"
	"  -l, --length N     save N bytes (default: up to the end)\n",
};
