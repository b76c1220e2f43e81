// SPDX-License-Identifier: GPL-2.0
/*
 * devctl clear: zero the whole buffer.
 */
#include "devctl.h"
#include "device.h"

static int clear_run(const struct devctl *ctx, int argc, char *argv[])
{
	return run_device_ioctl(&cmd_clear, CHRMEM_IOC_CLEAR, ctx, argc, argv);
}

const struct command cmd_clear = {
	.name = "clear",
	.run = clear_run,
	.summary = "zero the whole buffer",
	.usage = "[--all]",
	.options = "  -a, --all          every device, not only the default one\n",
};
