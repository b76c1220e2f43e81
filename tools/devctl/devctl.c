// SPDX-License-Identifier: GPL-2.0
/*
 * devctl - show and change the buffers of chrmem devices.
 *
 * main() parses the global options, finds the subcommand in the table
 * below and hands it the rest of the command line; the subcommand's own
 * parser takes the global -d and -j there too (command_common_option()).
 */
#include <ctype.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "devctl.h"
#include "print.h"

#ifndef DEVCTL_VERSION
#error "DEVCTL_VERSION comes from VERSION in the Makefile: build with make"
#endif

static int help_run(const struct devctl *ctx, int argc, char *argv[]);

static const struct command cmd_help = {
	.name = "help",
	.run = help_run,
	.summary = "show this help, or the help of a command",
	.usage = "[COMMAND]",
};

/* In the order "devctl --help" lists them: reporting first. */
static const struct command *const commands[] = {
	&cmd_status,
	&cmd_info,
	&cmd_dump,
	&cmd_save,
	&cmd_clear,
	&cmd_reset,
	&cmd_fill,
	&cmd_load,
	&cmd_set,
	&cmd_sync,
	&cmd_help,
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static void print_help(FILE *out)
{
	size_t i;

	fputs("Usage: devctl [OPTIONS] COMMAND [ARGS]\n"
	      "\n"
	      "Show and change the memory buffers of chrmem devices.\n"
	      "\n"
	      "Options:\n"
	      "  -d, --device PATH  the device to act on; without it, status and info\n"
	      "                     report every device, other commands act on\n"
	      "                     /dev/chrmem, or /dev/chrmem0 without that link\n"
	      "  -j, --json         print one JSON document instead of text\n"
	      "  -h, --help         show this help\n"
	      "  -V, --version      show the version\n"
	      "-d and -j may also follow the command: devctl status --json.\n"
	      "\n"
	      "Commands:\n", out);
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-8s %s\n", commands[i]->name,
			commands[i]->summary);
	fputs("\n"
	      "Run 'devctl COMMAND --help' for the arguments of a command.\n"
	      "Exit status: 0 success, 1 failure, 2 usage error. See devctl(1).\n",
	      out);
}

void command_help(const struct command *cmd)
{
	/* The summary starts in lower case to fit the command list. */
	printf("Usage: devctl [OPTIONS] %s%s%s\n\n%c%s.\n",
	       cmd->name, cmd->usage[0] ? " " : "", cmd->usage,
	       toupper((unsigned char)cmd->summary[0]), cmd->summary + 1);
	printf("\nOptions:\n%s", cmd->options ? cmd->options : "");
	/* help_run() reads its argument itself: no global options there. */
	if (cmd != &cmd_help)
		fputs("  -d, --device PATH  the device to act on (see 'devctl --help')\n"
		      "  -j, --json         print one JSON document instead of text\n",
		      stdout);
	fputs("  -h, --help         show this help\n", stdout);
}

static int help_run(const struct devctl *ctx, int argc, char *argv[])
{
	const struct command *cmd;

	(void)ctx;
	if (argc > 2)
		return usage_error(&cmd_help, "too many arguments");
	if (argc < 2) {
		print_help(stdout);
		return EXIT_SUCCESS;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		cmd = &cmd_help;
	else
		cmd = find_command(argv[1]);
	if (!cmd)
		return usage_error(&cmd_help, "unknown command '%s'", argv[1]);
	command_help(cmd);
	return EXIT_SUCCESS;
}

/* Returns -1 to go on with the command at argv[optind], else an exit status. */
static int parse_global_options(int argc, char *argv[], struct devctl *ctx,
				bool *json)
{
	static const struct option options[] = {
		{ "device",  required_argument, NULL, 'd' },
		{ "json",    no_argument,       NULL, 'j' },
		{ "help",    no_argument,       NULL, 'h' },
		{ "version", no_argument,       NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	/* '+': options after the command name belong to the command. */
	while ((opt = getopt_long(argc, argv, "+:d:jhV", options, NULL)) != -1) {
		switch (opt) {
		case 'd':
			ctx->device = optarg;
			break;
		case 'j':
			*json = true;
			break;
		case 'h':
			print_help(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("devctl %s\n", DEVCTL_VERSION);
			return EXIT_SUCCESS;
		case ':':
			fprintf(stderr, "devctl: option '%s' needs an argument\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		default:
			if (optopt)
				fprintf(stderr, "devctl: unknown option '-%c'\n",
					optopt);
			else
				fprintf(stderr, "devctl: unknown option '%s'\n",
					argv[optind - 1]);
			fputs("Try 'devctl --help'.\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	return -1;
}

int main(int argc, char *argv[])
{
	struct devctl ctx = { .device = NULL };
	const struct command *cmd;
	bool json = false;
	int status, err;

	opterr = 0;	/* every message is ours, with the command name */
	command_globals(&ctx);	/* -d after the command lands in ctx too */
	status = parse_global_options(argc, argv, &ctx, &json);
	if (status >= 0)
		return status;
	cmd = find_command(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "devctl: unknown command '%s'\n\n",
			argv[optind]);
		print_help(stderr);
		return EXIT_USAGE;
	}
	output_init(stdout, json);
	argc -= optind;
	argv += optind;
	optind = 0;	/* a full getopt reset, in glibc and musl alike */
	status = cmd->run(&ctx, argc, argv);
	output_close();
	err = output_flush();
	if (err < 0 && status == EXIT_SUCCESS) {
		fprintf(stderr, "devctl: standard output: %s\n", strerror(-err));
		status = EXIT_FAILURE;
	}
	return status;
}
