// SPDX-License-Identifier: GPL-2.0
/*
 * devctl reset: restore the content the buffer had at module load (the
 * pattern parameter, then zeros) and zero the traffic counters.
 */
#include "devctl.h"
#include "device.h"

static int reset_run(const struct devctl *ctx, int argc, char *argv[])
{
	return run_device_ioctl(&cmd_reset, CHRMEM_IOC_RESET, ctx, argc, argv);
}

const struct command cmd_reset = {
	.name = "reset",
	.run = reset_run,
	.summary = "restore the load-time content and zero the counters",
	.usage = "[--all]",
	.options = "  -a, --all          every device, not only the default one\n",
};
