// SPDX-License-Identifier: GPL-2.0
/*
 * devctl status: one line per device.
 */
#include <stdbool.h>

#include "devctl.h"
#include "device.h"
#include "print.h"

struct status_run {
	bool header_printed;
};

static void print_header(struct status_run *run)
{
	if (run->header_printed)
		return;
	run->header_printed = true;
	print_text("%-9s %-9s %-8s %-5s %8s %5s %12s %12s\n", "DEVICE", "SIZE",
		   "CACHE", "MAP", "MAPPINGS", "OPENS", "READ", "WRITTEN");
}

static int status_one(struct chrmem_device *dev, void *arg)
{
	struct device_state state;

	if (device_query(dev, cmd_status.name, &state) < 0)
		return EXIT_FAILURE;
	print_header(arg);
	open_json_object(NULL);
	print_string(PRINT_ANY, "name", "%-9s ", dev->name);
	print_string(PRINT_JSON, "path", NULL, dev->path);
	print_size(PRINT_ANY, "size", "%-9s ", state.size);
	print_string(PRINT_ANY, "cache_mode", "%-8s ", state.cache_mode);
	print_string(PRINT_ANY, "map_mode", "%-5s ", state.map_mode);
	print_u64(PRINT_ANY, "mappings", "%8s ", state.mappings);
	print_u64(PRINT_ANY, "opens", "%5s ", state.opens);
	/* An older driver's sysfs may lack them: "-", or null in JSON. */
	print_u64_if(state.have_bytes_read, PRINT_ANY, "bytes_read", "%12s ",
		     state.bytes_read);
	print_u64_if(state.have_bytes_written, PRINT_ANY, "bytes_written",
		     "%12s\n", state.bytes_written);
	close_json_object();
	return EXIT_SUCCESS;
}

static int status_run(const struct devctl *ctx, int argc, char *argv[])
{
	struct status_run run = { .header_printed = false };
	int status;

	status = command_no_options(&cmd_status, argc, argv);
	if (status >= 0)
		return status;
	output_open();
	open_json_array("devices");
	status = device_for_each(ctx->device, !ctx->device, cmd_status.name,
				 status_one, &run);
	close_json_array();
	return status;
}

const struct command cmd_status = {
	.name = "status",
	.run = status_run,
	.summary = "show size, modes, mappings, open files and traffic per device",
	.usage = "",
};
