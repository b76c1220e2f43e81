// SPDX-License-Identifier: GPL-2.0
/*
 * cmd-common.c - what several subcommands share: option and argument
 * handling with uniform usage errors, and the simple device ioctls.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "devctl.h"
#include "device.h"
#include "parse.h"
#include "print.h"

int usage_error(const struct command *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "devctl: %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'devctl %s --help'.\n", cmd->name);
	return EXIT_USAGE;
}

static struct devctl *globals;

void command_globals(struct devctl *ctx)
{
	globals = ctx;
}

int command_common_option(const struct command *cmd, int opt, char *argv[])
{
	switch (opt) {
	case 'h':
		command_help(cmd);
		return EXIT_SUCCESS;
	case 'd':
		globals->device = optarg;
		return -1;
	case 'j':
		output_set_json(true);
		return -1;
	case ':':
		return usage_error(cmd, "option '%s' needs an argument",
				   argv[optind - 1]);
	case '?':
		if (optopt)
			return usage_error(cmd, "unknown option '-%c'", optopt);
		return usage_error(cmd, "unknown option '%s'",
				   argv[optind - 1]);
	default:
		/* A subcommand's option its own switch forgot to handle. */
		return usage_error(cmd, "unhandled option '%c'", opt);
	}
}

int command_no_options(const struct command *cmd, int argc, char *argv[])
{
	static const struct option options[] = {
		COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int opt, status;

	while ((opt = getopt_long(argc, argv, COMMON_SHORT_OPTIONS, options,
				  NULL)) != -1) {
		status = command_common_option(cmd, opt, argv);
		if (status >= 0)
			return status;
	}
	if (optind < argc)
		return usage_error(cmd, "unexpected argument '%s'",
				   argv[optind]);
	return -1;
}

int parse_number_arg(const struct command *cmd, const char *what,
		     const char *arg, uint64_t *value)
{
	int err = parse_u64(arg, value);

	if (err == -ERANGE)
		return usage_error(cmd, "%s '%s' is out of range", what, arg);
	if (err < 0)
		return usage_error(cmd, "%s '%s' is not a number (%s)", what,
				   arg, "digits or 0x and hex digits, "
				   "optionally followed by K, M, G or T");
	return 0;
}

int parse_range_option(const struct command *cmd, int opt, const char *arg,
		       struct range_args *args)
{
	if (opt == 'o')
		return parse_number_arg(cmd, "offset", arg, &args->offset);
	args->have_length = true;
	return parse_number_arg(cmd, "length", arg, &args->length);
}

struct device_ioctl {
	const struct command *cmd;
	unsigned long request;
};

static int device_ioctl_one(struct chrmem_device *dev, void *arg)
{
	const struct device_ioctl *op = arg;
	struct chrmem_info info;
	int fd, err = 0;

	/* Changing the buffer needs write access, as write() would. */
	fd = device_open(dev, op->cmd->name, O_RDWR, &info);
	if (fd < 0)
		return EXIT_FAILURE;
	if (ioctl(fd, op->request) < 0)
		err = errno;
	close(fd);
	if (err) {
		report(dev->path, op->cmd->name, "%s", strerror(err));
		return EXIT_FAILURE;
	}
	open_device_object(dev);
	close_json_object();
	return EXIT_SUCCESS;
}

int run_device_ioctl(const struct command *cmd, unsigned long request,
		     const struct devctl *ctx, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "all", no_argument, NULL, 'a' },
		COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct device_ioctl op = { .cmd = cmd, .request = request };
	bool all = false;
	int opt, status;

	while ((opt = getopt_long(argc, argv, COMMON_SHORT_OPTIONS "a",
				  options, NULL)) != -1) {
		if (opt == 'a') {
			all = true;
			continue;
		}
		status = command_common_option(cmd, opt, argv);
		if (status >= 0)
			return status;
	}
	if (optind < argc)
		return usage_error(cmd, "unexpected argument '%s'",
				   argv[optind]);
	if (all && ctx->device)
		return usage_error(cmd, "--all and --device exclude each other");
	output_open();
	open_json_array("devices");
	status = device_for_each(ctx->device, all, cmd->name,
				 device_ioctl_one, &op);
	close_json_array();
	return status;
}

int open_device_range(const struct command *cmd, const struct devctl *ctx,
		      int flags, const struct range_args *args,
		      struct chrmem_device *dev, struct range *range)
{
	struct chrmem_info info;
	enum range_status status;
	int fd;

	device_from_path(dev, ctx->device);
	fd = device_open(dev, cmd->name, flags, &info);
	if (fd < 0)
		return -1;
	status = range_resolve(info.size, args->offset, args->have_length,
			       args->length, range);
	if (status != RANGE_OK) {
		report_range(dev, cmd->name, status, args->offset,
			     args->length, info.size);
		close(fd);
		return -1;
	}
	return fd;
}

void print_range_result(const struct chrmem_device *dev, const char *file,
			const struct range *range)
{
	open_device_object(dev);
	if (file)
		print_string(PRINT_JSON, "file", NULL, file);
	print_u64(PRINT_JSON, "offset", NULL, range->offset);
	print_u64(PRINT_JSON, "length", NULL, range->length);
	close_json_object();
}
