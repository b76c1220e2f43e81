// SPDX-License-Identifier: GPL-2.0
/*
 * devctl load: copy a file into the buffer.
 *
 * The file must be a regular file: its size is checked against the buffer
 * before a single byte is written, so a file that does not fit leaves the
 * buffer untouched.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devctl.h"
#include "print.h"

/* Opens @file and measures it; -1 after reporting why it cannot be loaded. */
static int open_source_file(const struct chrmem_device *dev, const char *file,
			    uint64_t *size)
{
	struct stat st;
	int fd;

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		report(dev->path, cmd_load.name, "%s: %s", file,
		       strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		report(dev->path, cmd_load.name, "%s: %s", file,
		       "not a regular file (its size must be known first)");
		close(fd);
		return -1;
	}
	*size = (uint64_t)st.st_size;
	return fd;
}

static int load_file(struct chrmem_device *dev, int fd, uint64_t buffer_size,
		     const char *file, uint64_t offset)
{
	enum range_status status;
	struct io_error error;
	struct range range;
	uint64_t file_size;
	int file_fd, ret;

	file_fd = open_source_file(dev, file, &file_size);
	if (file_fd < 0)
		return EXIT_FAILURE;
	status = range_resolve(buffer_size, offset, true, file_size, &range);
	if (status == RANGE_TOO_LONG) {
		report(dev->path, cmd_load.name, "%s (%" PRIu64 " bytes) does "
		       "not fit at offset %" PRIu64 " in the buffer (%" PRIu64
		       " bytes)", file, file_size, offset, buffer_size);
		close(file_fd);
		return EXIT_FAILURE;
	}
	if (status != RANGE_OK) {
		report_range(dev, cmd_load.name, status, offset, file_size,
			     buffer_size);
		close(file_fd);
		return EXIT_FAILURE;
	}
	ret = buffer_write(fd, &range, fd_source, &file_fd, &error);
	close(file_fd);
	if (ret < 0) {
		report_io(dev, cmd_load.name, &error, file);
		return EXIT_FAILURE;
	}
	print_range_result(dev, file, &range);
	return EXIT_SUCCESS;
}

static int load_run(const struct devctl *ctx, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "offset", required_argument, NULL, 'o' },
		COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct chrmem_device dev;
	struct chrmem_info info;
	uint64_t offset = 0;
	int opt, fd, status;

	while ((opt = getopt_long(argc, argv, COMMON_SHORT_OPTIONS "o:",
				  options, NULL)) != -1) {
		switch (opt) {
		case 'o':
			if (parse_number_arg(&cmd_load, "offset", optarg,
					     &offset))
				return EXIT_USAGE;
			break;
		default:
			status = command_common_option(&cmd_load, opt, argv);
			if (status >= 0)
				return status;
		}
	}
	if (optind + 1 != argc)
		return usage_error(&cmd_load, optind == argc ?
				   "which file?" : "one file at a time");

	output_open();
	open_json_array("devices");
	device_from_path(&dev, ctx->device);
	fd = device_open(&dev, cmd_load.name, O_RDWR, &info);
	if (fd < 0)
		return EXIT_FAILURE;
	status = load_file(&dev, fd, info.size, argv[optind], offset);
	close(fd);
	close_json_array();
	return status;
}

const struct command cmd_load = {
	.name = "load",
	.run = load_run,
	.summary = "copy a file into the buffer",
	.usage = "FILE [--offset N]",
	.options =
	"  -o, --offset N     write the file at byte N (default 0)\n",
};
