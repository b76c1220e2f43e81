// SPDX-License-Identifier: GPL-2.0
/*
 * devctl fill: write a repeated pattern or byte over a range of the buffer.
 */
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "devctl.h"
#include "print.h"

static int fill_run(const struct devctl *ctx, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "pattern", required_argument, NULL, 'p' },
		{ "byte",    required_argument, NULL, 'b' },
		RANGE_LONG_OPTIONS,
		COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct range_args args = { .have_length = false };
	const char *pattern = NULL, *byte_arg = NULL;
	struct pattern_source source;
	struct chrmem_device dev;
	struct io_error error;
	struct range range;
	unsigned char byte;
	uint64_t value;
	int opt, fd, status;

	while ((opt = getopt_long(argc, argv, COMMON_SHORT_OPTIONS "p:b:" RANGE_SHORT_OPTIONS,
				  options, NULL)) != -1) {
		switch (opt) {
		case 'p':
			pattern = optarg;
			break;
		case 'b':
			byte_arg = optarg;
			break;
		case 'o':
		case 'l':
			if (parse_range_option(&cmd_fill, opt, optarg, &args))
				return EXIT_USAGE;
			break;
		default:
			status = command_common_option(&cmd_fill, opt, argv);
			if (status >= 0)
				return status;
		}
	}
	if (optind < argc)
		return usage_error(&cmd_fill, "unexpected argument '%s'",
				   argv[optind]);
	if (!pattern == !byte_arg)
		return usage_error(&cmd_fill, "give either --pattern or --byte");
	if (pattern && !pattern[0])
		return usage_error(&cmd_fill, "the pattern is empty");
	if (byte_arg) {
		if (parse_number_arg(&cmd_fill, "byte", byte_arg, &value))
			return EXIT_USAGE;
		if (value > 0xff)
			return usage_error(&cmd_fill, "byte '%s' is out of "
					   "range (0 to 255)", byte_arg);
		byte = (unsigned char)value;
	}

	source.pattern = pattern ? (const unsigned char *)pattern : &byte;
	source.length = pattern ? strlen(pattern) : 1;
	source.next = 0;
	output_open();
	open_json_array("devices");
	fd = open_device_range(&cmd_fill, ctx, O_RDWR, &args, &dev, &range);
	if (fd < 0)
		return EXIT_FAILURE;
	if (buffer_write(fd, &range, pattern_source, &source, &error) < 0) {
		close(fd);
		report_io(&dev, cmd_fill.name, &error, "pattern");
		return EXIT_FAILURE;
	}
	close(fd);
	print_range_result(&dev, NULL, &range);
	close_json_array();
	return EXIT_SUCCESS;
}

const struct command cmd_fill = {
	.name = "fill",
	.run = fill_run,
	.summary = "write a repeated pattern or byte over a range of the buffer",
	.usage = "(--pattern STRING | --byte N) [--offset N] [--length N]",
	.options =
	"  -p, --pattern STR  repeat the bytes of STR\n"
	"  -b, --byte N       repeat the byte N (0 to 255)\n"
	"  -o, --offset N     start at byte N (default 0)\n"
	"  -l, --length N     fill N bytes (default: up to the end)\n",
};
