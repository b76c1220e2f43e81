// SPDX-License-Identifier: GPL-2.0
/*
 * devctl dump: print a range of the buffer as "hexdump -C" would.
 *
 * With --json the bytes become one hex string instead: hexdump's layout is
 * for eyes, a script wants the data.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "devctl.h"
#include "hexdump.h"
#include "print.h"

static int hexdump_sink(void *ctx, const void *data, size_t len)
{
	hexdump_feed(ctx, data, len);
	return 0;
}

static int json_hex_sink(void *ctx, const void *data, size_t len)
{
	(void)ctx;
	print_json_hex_data(data, len);
	return 0;
}

static int dump_text(int fd, const struct range *range,
		     struct io_error *error)
{
	struct hexdump hd;

	hexdump_init(&hd, stdout, range->offset);
	if (buffer_read(fd, range, hexdump_sink, &hd, error) < 0)
		return -1;
	hexdump_finish(&hd);
	return 0;
}

static int dump_json(const struct chrmem_device *dev, int fd,
		     const struct range *range, struct io_error *error)
{
	int ret;

	open_device_object(dev);
	print_u64(PRINT_JSON, "offset", NULL, range->offset);
	print_u64(PRINT_JSON, "length", NULL, range->length);
	print_json_hex_open("data");
	ret = buffer_read(fd, range, json_hex_sink, NULL, error);
	/* Closed even after an error, so that the document stays valid. */
	print_json_hex_close();
	close_json_object();
	return ret;
}

static int dump_run(const struct devctl *ctx, int argc, char *argv[])
{
	static const struct option options[] = {
		RANGE_LONG_OPTIONS,
		COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct range_args args = { .have_length = false };
	struct chrmem_device dev;
	struct io_error error;
	struct range range;
	int opt, fd, ret, status;

	while ((opt = getopt_long(argc, argv, COMMON_SHORT_OPTIONS RANGE_SHORT_OPTIONS,
				  options, NULL)) != -1) {
		switch (opt) {
		case 'o':
		case 'l':
			if (parse_range_option(&cmd_dump, opt, optarg, &args))
				return EXIT_USAGE;
			break;
		default:
			status = command_common_option(&cmd_dump, opt, argv);
			if (status >= 0)
				return status;
		}
	}
	if (optind < argc)
		return usage_error(&cmd_dump, "unexpected argument '%s'",
				   argv[optind]);

	output_open();
	open_json_array("devices");
	fd = open_device_range(&cmd_dump, ctx, O_RDONLY, &args, &dev, &range);
	if (fd < 0)
		return EXIT_FAILURE;
	if (output_is_json())
		ret = dump_json(&dev, fd, &range, &error);
	else
		ret = dump_text(fd, &range, &error);
	close(fd);
	if (ret < 0) {
		report_io(&dev, cmd_dump.name, &error, "standard output");
		return EXIT_FAILURE;
	}
	close_json_array();
	return EXIT_SUCCESS;
}

const struct command cmd_dump = {
	.name = "dump",
	.run = dump_run,
	.summary = "print a range of the buffer in the format of hexdump -C",
	.usage = "[--offset N] [--length N]",
	.options =
	"  -o, --offset N     start at byte N (default 0)\n"
	"  -l, --length N     print N bytes (default: up to the end)\n",
};
