// SPDX-License-Identifier: GPL-2.0
/*
 * devctl set: change a setting of a device.
 *   set cache-mode cached|uncached|wc   (CHRMEM_IOC_SET_CACHE_MODE)
 *   set dma-device ADDRESS[/BITS]|none  (sysfs dma_device: the PCI device
 *                                        the buffer is mapped for)
 *   set huge on|off                     (sysfs huge: 2 MiB entries for
 *                                        the mappings made after it)
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "devctl.h"
#include "parse.h"
#include "print.h"

#define OP_CACHE_MODE "set cache-mode"
#define OP_DMA_DEVICE "set dma-device"
#define OP_HUGE "set huge"

/* The live mappings of the device; 0 if it cannot tell. */
static uint32_t live_mappings(int fd)
{
	struct chrmem_info info;

	memset(&info, 0, sizeof(info));
	return ioctl(fd, CHRMEM_IOC_GET_INFO, &info) == 0 ? info.mappings : 0;
}

/*
 * The driver refuses while mapped: two memory types at once, or a binding
 * that changes under a program's feet.
 */
static void report_busy(const struct chrmem_device *dev, int fd,
			const char *op)
{
	uint32_t mappings = live_mappings(fd);

	if (mappings > 0)
		report(dev->path, op, "device is mapped (%" PRIu32
		       " live mapping%s); unmap it and try again",
		       mappings, mappings == 1 ? "" : "s");
	else
		report(dev->path, op,
		       "device is mapped; unmap it and try again");
}

/*
 * One setting: the device opened with @flags, @apply changing it (an errno
 * value it has reported, or 0), then the JSON of what was set, @key:
 * @shown. The frame all settings share, so they report alike.
 */
static int apply_setting(const struct devctl *ctx, const char *op, int flags,
			 int (*apply)(struct chrmem_device *dev, int fd,
				      const char *value),
			 const char *value, const char *key, const char *shown)
{
	struct chrmem_device dev;
	struct chrmem_info info;
	int fd, err;

	output_open();
	open_json_array("devices");
	device_from_path(&dev, ctx->device);
	fd = device_open(&dev, op, flags, &info);
	if (fd < 0)
		return EXIT_FAILURE;
	err = apply(&dev, fd, value);
	close(fd);
	if (err)
		return EXIT_FAILURE;
	open_device_object(&dev);
	print_string(PRINT_JSON, key, NULL, shown);
	close_json_object();
	close_json_array();
	return EXIT_SUCCESS;
}

static void report_cache_mode_error(const struct chrmem_device *dev, int fd,
				    int err, const char *mode)
{
	switch (err) {
	case EBUSY:
		report_busy(dev, fd, OP_CACHE_MODE);
		break;
	case ENOTTY:
		report(dev->path, OP_CACHE_MODE, "this driver cannot change "
		       "the cache mode at run time; load the module with "
		       "cache_mode=%s instead", mode);
		break;
	case EINVAL:
		report(dev->path, OP_CACHE_MODE, "the driver refused cache "
		       "mode '%s': %s", mode, strerror(err));
		break;
	case EOPNOTSUPP:
		report(dev->path, OP_CACHE_MODE, "cache mode '%s' is not "
		       "available on this machine (%s)", mode, strerror(err));
		break;
	default:
		report(dev->path, OP_CACHE_MODE, "%s", strerror(err));
	}
}

static int apply_cache_mode(struct chrmem_device *dev, int fd,
			    const char *name)
{
	__u32 mode = 0;
	int err;

	(void)cache_mode_from_name(name, &mode);	/* set_cache_mode() checked it */
	if (ioctl(fd, CHRMEM_IOC_SET_CACHE_MODE, &mode) == 0)
		return 0;
	err = errno;
	report_cache_mode_error(dev, fd, err, name);
	return err;
}

static int set_cache_mode(const struct devctl *ctx, const char *name)
{
	__u32 mode;

	if (cache_mode_from_name(name, &mode) < 0)
		return usage_error(&cmd_set, "unknown cache mode '%s' "
				   "(cached, uncached or wc)", name);
	return apply_setting(ctx, OP_CACHE_MODE, O_RDWR, apply_cache_mode,
			     name, "cache_mode", name);
}

static void report_dma_device_error(const struct chrmem_device *dev, int fd,
				    int err, const char *target)
{
	switch (err) {
	case EBUSY:
		if (live_mappings(fd))
			report_busy(dev, fd, OP_DMA_DEVICE);
		else
			report(dev->path, OP_DMA_DEVICE, "%s is busy: its driver "
			       "owns its DMA mask (give the address without "
			       "/BITS) or its IOMMU domain (vfio); see the "
			       "kernel log", target);
		break;
	case ENODEV:
		report(dev->path, OP_DMA_DEVICE, "no PCI device %s", target);
		break;
	case ERANGE:
		report(dev->path, OP_DMA_DEVICE, "%s cannot reach the buffer "
		       "without bounce buffers (its DMA mask, no IOMMU); see "
		       "the kernel log", target);
		break;
	case ENOENT:
		report(dev->path, OP_DMA_DEVICE, "this driver cannot bind a "
		       "buffer to a DMA device (no sysfs dma_device)");
		break;
	case EACCES:
	case EPERM:
		report(dev->path, OP_DMA_DEVICE, "%s (only root may bind a "
		       "buffer to a DMA device)", strerror(err));
		break;
	default:
		report(dev->path, OP_DMA_DEVICE, "%s: %s", target,
		       strerror(err));
	}
}

static int apply_dma_device(struct chrmem_device *dev, int fd,
			    const char *target)
{
	bool none = strcmp(target, "none") == 0;
	int err = -device_sysfs_write(dev, "dma_device", none ? "\n" : target);

	if (err)
		report_dma_device_error(dev, fd, err, target);
	return err;
}

/* "none" unbinds; anything else must be a PCI address (parse.h). */
static int set_dma_device(const struct devctl *ctx, const char *target)
{
	bool none = strcmp(target, "none") == 0;

	if (!none && parse_pci_target(target) < 0)
		return usage_error(&cmd_set, "'%s' is not a PCI address "
				   "(DDDD:BB:DD.F, optionally /BITS of DMA "
				   "mask, 24 to 64) or none", target);
	return apply_setting(ctx, OP_DMA_DEVICE, O_RDONLY, apply_dma_device,
			     target, "dma_device", none ? "" : target);
}

static void report_huge_error(const struct chrmem_device *dev, int err)
{
	switch (err) {
	case EOPNOTSUPP:
		report(dev->path, OP_HUGE, "this kernel has no huge PFN "
		       "mappings (they need Linux 6.12 or later, on x86-64 or "
		       "arm64); mappings use 4 KiB entries");
		break;
	case ENOENT:
		report(dev->path, OP_HUGE, "this driver has no huge mappings "
		       "(no sysfs huge)");
		break;
	case EACCES:
	case EPERM:
		report(dev->path, OP_HUGE, "%s (only root may change it)",
		       strerror(err));
		break;
	default:
		report_errno(dev->path, OP_HUGE, err);
	}
}

static int apply_huge(struct chrmem_device *dev, int fd, const char *value)
{
	int err = -device_sysfs_write(dev, "huge",
				      strcmp(value, "on") ? "0\n" : "1\n");

	(void)fd;
	if (err)
		report_huge_error(dev, err);
	return err;
}

/* Applies to the mappings made after it; live ones keep their entries. */
static int set_huge(const struct devctl *ctx, const char *value)
{
	if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0)
		return usage_error(&cmd_set, "huge is on or off, not '%s'",
				   value);
	return apply_setting(ctx, OP_HUGE, O_RDONLY, apply_huge, value,
			     "huge", value);
}

static int set_run(const struct devctl *ctx, int argc, char *argv[])
{
	static const struct option options[] = {
		COMMON_LONG_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	int opt, status;

	while ((opt = getopt_long(argc, argv, COMMON_SHORT_OPTIONS, options,
				  NULL)) != -1) {
		status = command_common_option(&cmd_set, opt, argv);
		if (status >= 0)
			return status;
	}
	if (optind == argc)
		return usage_error(&cmd_set, "which setting? (cache-mode, "
				   "dma-device, huge)");
	if (strcmp(argv[optind], "cache-mode") == 0) {
		if (argc - optind != 2)
			return usage_error(&cmd_set, "cache-mode needs one "
					   "value (cached, uncached or wc)");
		return set_cache_mode(ctx, argv[optind + 1]);
	}
	if (strcmp(argv[optind], "dma-device") == 0) {
		if (argc - optind != 2)
			return usage_error(&cmd_set, "dma-device needs one "
					   "value (a PCI address or none)");
		return set_dma_device(ctx, argv[optind + 1]);
	}
	if (strcmp(argv[optind], "huge") == 0) {
		if (argc - optind != 2)
			return usage_error(&cmd_set, "huge needs one value "
					   "(on or off)");
		return set_huge(ctx, argv[optind + 1]);
	}
	return usage_error(&cmd_set, "unknown setting '%s' (cache-mode, "
			   "dma-device, huge)", argv[optind]);
}

const struct command cmd_set = {
	.name = "set",
	.run = set_run,
	.summary = "change a setting: cache-mode, dma-device, huge",
	.usage = "cache-mode cached|uncached|wc | dma-device ADDRESS[/BITS]|none"
		 " | huge on|off",
	.options = NULL,
};
