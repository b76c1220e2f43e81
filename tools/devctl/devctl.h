/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devctl.h - what main() and the subcommands share.
 *
 * Each subcommand lives in its own cmd-NAME.c and exports one struct
 * command; devctl.c lists them in a table from which the help is built.
 * A subcommand parses its own options and returns an exit status.
 */
#ifndef DEVCTL_DEVCTL_H
#define DEVCTL_DEVCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "range-io.h"
#include "device.h"

/* Exit statuses, as documented in devctl(1). */
#define EXIT_USAGE 2		/* besides EXIT_SUCCESS and EXIT_FAILURE */

/*
 * The global options. main() parses those before the command; a command's
 * own parser takes -d and -j after it (command_common_option()), into the
 * same structure: "devctl status --json" is "devctl --json status".
 */
struct devctl {
	const char *device;	/* --device, or NULL for the default */
};

struct command {
	const char *name;
	int (*run)(const struct devctl *ctx, int argc, char *argv[]);
	const char *summary;	/* one line for "devctl --help" */
	const char *usage;	/* what follows the name in the synopsis */
	const char *options;	/* option lines of "devctl NAME --help" */
};

extern const struct command cmd_status;
extern const struct command cmd_info;
extern const struct command cmd_clear;
extern const struct command cmd_reset;
extern const struct command cmd_dump;
extern const struct command cmd_fill;
extern const struct command cmd_load;
extern const struct command cmd_save;
extern const struct command cmd_set;
extern const struct command cmd_sync;

/* "devctl NAME --help": synopsis, summary and options, on stdout. */
void command_help(const struct command *cmd);

/*
 * Reports a usage error of @cmd on stderr, points to its --help and
 * returns EXIT_USAGE, so that callers can "return usage_error(...)".
 */
int usage_error(const struct command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The getopt_long() options every subcommand starts its own with: ':' to
 * tell a missing argument from an unknown option, 'h' for help, and the
 * global options -d/--device and -j/--json, which may follow the command.
 * No subcommand may use these letters or names for anything else.
 */
#define COMMON_SHORT_OPTIONS ":hd:j"
#define COMMON_LONG_OPTIONS \
	{ "help",   no_argument,       NULL, 'h' }, \
	{ "device", required_argument, NULL, 'd' }, \
	{ "json",   no_argument,       NULL, 'j' }

/* Where command_common_option() stores -d; main() calls this first. */
void command_globals(struct devctl *ctx);

/*
 * Handles what every subcommand's getopt_long() loop shares: -h, the
 * global options, unknown options and missing arguments. Call it from the
 * default: case. Returns -1 after a global option (go on parsing), else
 * the exit status the subcommand should return at once.
 */
int command_common_option(const struct command *cmd, int opt, char *argv[]);

/*
 * For subcommands without options of their own: parses -h and checks
 * that no argument follows. Returns -1 to go on, else an exit status.
 */
int command_no_options(const struct command *cmd, int argc, char *argv[]);

/* Parses a number argument of @cmd (see parse_u64()); 0 or EXIT_USAGE. */
int parse_number_arg(const struct command *cmd, const char *what,
		     const char *arg, uint64_t *value);

/*
 * clear and reset: one argument-less ioctl on the selected device, or
 * with --all on every device.
 */
int run_device_ioctl(const struct command *cmd, unsigned long request,
		     const struct devctl *ctx, int argc, char *argv[]);

/* --offset and --length as given; without --length, up to the end. */
struct range_args {
	uint64_t offset;
	uint64_t length;
	bool have_length;
};

/* The options of struct range_args, for a command's getopt_long() tables. */
#define RANGE_SHORT_OPTIONS "o:l:"
#define RANGE_LONG_OPTIONS \
	{ "offset", required_argument, NULL, 'o' }, \
	{ "length", required_argument, NULL, 'l' }

/*
 * Takes --offset ('o') or --length ('l') with its argument @arg into
 * @args. Returns 0, or EXIT_USAGE after reporting a bad number.
 */
int parse_range_option(const struct command *cmd, int opt, const char *arg,
		       struct range_args *args);

/*
 * Opens the device a single-device command acts on (--device, else the
 * default) with @flags and resolves @args against its size. Returns the
 * descriptor, or -1 after reporting why.
 */
int open_device_range(const struct command *cmd, const struct devctl *ctx,
		      int flags, const struct range_args *args,
		      struct chrmem_device *dev, struct range *range);

/* The JSON result of a command that moved @range: device, file, range. */
void print_range_result(const struct chrmem_device *dev, const char *file,
			const struct range *range);

#endif /* DEVCTL_DEVCTL_H */
