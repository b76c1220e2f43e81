// SPDX-License-Identifier: GPL-2.0
/*
 * The module parameters of chrmem.
 *
 * Every parameter is declared as text and parsed here at load, so that a
 * bad value fails the load with -EINVAL and exactly one message of ours
 * that names the parameter, the value and what is allowed, instead of the
 * generic line of the kernel's parameter parser.
 */
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/nodemask.h>
#include <linux/numa.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

static char *devices_param = "1";
module_param_named(devices, devices_param, charp, 0444);
MODULE_PARM_DESC(devices, "Number of devices /dev/chrmemN, 1..16 (default 1)");

static char *size_param = "1M";
module_param_named(size, size_param, charp, 0444);
MODULE_PARM_DESC(size,
		 "Bytes per device, 1..1G, K/M/G suffixes, rounded up to whole pages; one value for all devices or a comma-separated list with one per device (default 1M)");

static char *pattern_param = "";
module_param_named(pattern, pattern_param, charp, 0444);
MODULE_PARM_DESC(pattern,
		 "Text of at most 64 bytes written at offset 0 at load and on RESET; the rest of the buffer is zero (default empty)");

static char *cache_mode_param = "cached";
module_param_named(cache_mode, cache_mode_param, charp, 0444);
MODULE_PARM_DESC(cache_mode,
		 "Memory type of new mappings: cached, uncached or wc (default cached); changeable per device in sysfs or by ioctl");

static char *map_mode_param = "remap";
module_param_named(map_mode, map_mode_param, charp, 0444);
MODULE_PARM_DESC(map_mode,
		 "How mmap() fills the page tables: remap (all at mmap time) or fault (on first touch, up to 2 MiB per fault; allows O_DIRECT into the mapping) (default remap)");

static char *huge_param = "1";
module_param_named(huge, huge_param, charp, 0444);
MODULE_PARM_DESC(huge,
		 "Map each 2 MiB-aligned, physically contiguous 2 MiB of a mapping with one page table entry where the kernel can (6.12 on) and the mapping is not page-backed: 1/y/on or 0/n/off (default 1); changeable per device in sysfs");

/*
 * A benchmarking and diagnostic switch, not a tuning knob: with it off,
 * fault mode maps one page per fault, as chrmem did before fault windows,
 * so that a benchmark can measure what the windows save on the same kernel
 * in the same run, and a suspected window bug can be ruled in or out.
 */
static char *fault_window_param = "1";
module_param_named(fault_window, fault_window_param, charp, 0444);
MODULE_PARM_DESC(fault_window,
		 "Fault mode: a fault maps the faulting page and its neighbours up to 2 MiB (1/y/on, the default) or that one page (0/n/off); for benchmarks and diagnosis");

static char *dma_device_param = "";
module_param_named(dma_device, dma_device_param, charp, 0444);
MODULE_PARM_DESC(dma_device,
		 "PCI device to map the buffer for DMA, as DDDD:BB:DD.F, or DDDD:BB:DD.F/BITS to give a device without a driver a BITS-bit DMA mask; one value for all devices or a comma-separated list with one per device, empty for none (default: none); changeable per device in sysfs");

static char *node_param = "";
module_param_named(node, node_param, charp, 0444);
MODULE_PARM_DESC(node,
		 "NUMA node whose memory holds the buffer, and nothing else; one value for all devices or a comma-separated list with one per device, empty for the default (default: the node of the device's dma_device if it has one, else anywhere)");

static const char * const cache_mode_names[] = CHRMEM_CACHE_MODE_NAMES;
static const char * const map_mode_names[] = CHRMEM_MAP_MODE_NAMES;

/* Also names the memory type of a buffer, which may be "mixed". */
const char *chrmem_cache_mode_name(u32 mode)
{
	if (mode == CHRMEM_MEMORY_TYPE_MIXED)
		return CHRMEM_MEMORY_TYPE_MIXED_NAME;
	return mode < ARRAY_SIZE(cache_mode_names) ? cache_mode_names[mode] : "?";
}

const char *chrmem_map_mode_name(u32 mode)
{
	return mode < ARRAY_SIZE(map_mode_names) ? map_mode_names[mode] : "?";
}

/* Return: the CHRMEM_CACHE_* named @text (trailing newline allowed), or <0. */
int chrmem_cache_mode_parse(const char *text)
{
	return sysfs_match_string(cache_mode_names, text);
}

/* A switch @name, in kstrtobool()'s words. */
static int parse_switch(const char *name, const char *text, bool *on)
{
	if (kstrtobool(text, on)) {
		pr_err("%s: invalid value '%s' (allowed: 1, y, on, 0, n, off)\n",
		       name, text);
		return -EINVAL;
	}
	return 0;
}

/*
 * The huge switch. On a kernel without huge PFN mappings "on" (the
 * default) asks for what it can have there: nothing.
 */
static int parse_huge(const char *text, bool *huge)
{
	if (parse_switch("huge", text, huge))
		return -EINVAL;
	*huge = *huge && CHRMEM_HUGE_PFNMAP;
	return 0;
}

static int parse_mode(const char *name, const char *text,
		      const char * const *names, size_t count,
		      const char *allowed, u32 *mode)
{
	int ret = __sysfs_match_string(names, count, text);

	if (ret < 0) {
		pr_err("%s: invalid value '%s' (allowed: %s)\n",
		       name, text, allowed);
		return -EINVAL;
	}
	*mode = ret;
	return 0;
}

static int parse_devices(const char *text, unsigned int *devices)
{
	if (kstrtouint(text, 10, devices) ||
	    *devices < 1 || *devices > CHRMEM_MAX_DEVICES) {
		pr_err("devices: invalid value '%s' (allowed: 1..%u)\n",
		       text, CHRMEM_MAX_DEVICES);
		return -EINVAL;
	}
	return 0;
}

/*
 * One size: decimal or 0x-prefixed hexadecimal, optionally followed by
 * K, M or G (powers of 1024). No octal: "010" is ten, as people expect.
 */
static int parse_one_size(const char *text, u64 *bytes)
{
	char number[24];
	size_t len = strlen(text);
	unsigned int shift = 0;
	u64 value;

	if (len) {
		switch (tolower(text[len - 1])) {
		case 'k':
			shift = 10;
			break;
		case 'm':
			shift = 20;
			break;
		case 'g':
			shift = 30;
			break;
		}
	}
	if (shift)
		len--;
	if (!len || len >= sizeof(number))
		return -EINVAL;
	memcpy(number, text, len);
	number[len] = '\0';

	if (kstrtou64(number, strncasecmp(number, "0x", 2) ? 10 : 16, &value))
		return -EINVAL;
	if (check_shl_overflow(value, shift, bytes))
		return -EINVAL;
	if (*bytes < 1 || *bytes > CHRMEM_MAX_SIZE)
		return -EINVAL;
	*bytes = PAGE_ALIGN(*bytes);
	return 0;
}

/* Parsers of one item of a per-device list, into @item. */
static int parse_size_item(const char *text, void *item)
{
	return parse_one_size(text, item);
}

static int parse_dma_item(const char *text, void *item)
{
	return chrmem_dma_target_parse(text, item);
}

/*
 * A per-device list (size, dma_device, node): @count items of @item_size
 * bytes at @items, parsed from @text's comma-separated ones by @parse.
 * One item stands for every device; otherwise there must be @count.
 * Return: 0, -EINVAL or -ENOMEM.
 */
static int parse_per_device(const char *text, unsigned int count,
			    void *items, size_t item_size,
			    int (*parse)(const char *text, void *item))
{
	char *list, *rest, *item;
	unsigned int n = 0, i;
	int ret = 0;

	list = kstrdup(text, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	rest = list;
	while (!ret && (item = strsep(&rest, ",")) != NULL) {
		if (n == CHRMEM_MAX_DEVICES ||
		    parse(item, (char *)items + n * item_size))
			ret = -EINVAL;
		n++;
	}
	kfree(list);
	if (!ret && n != 1 && n != count)
		ret = -EINVAL;
	for (i = n; !ret && i < count; i++)
		memcpy((char *)items + i * item_size, items, item_size);
	return ret;
}

static int parse_sizes(const char *text, struct chrmem_config *config)
{
	int ret = parse_per_device(text, config->devices, config->sizes,
				   sizeof(config->sizes[0]), parse_size_item);

	if (ret == -EINVAL)
		pr_err("size: invalid value '%s' (allowed: 1..1G with optional K/M/G suffix, one value or %u comma-separated values)\n",
		       text, config->devices);
	return ret;
}

static int parse_dma_devices(const char *text, struct chrmem_config *config)
{
	int ret = parse_per_device(text, config->devices, config->dma,
				   sizeof(config->dma[0]), parse_dma_item);

	if (ret == -EINVAL)
		pr_err("dma_device: invalid value '%s' (allowed: PCI addresses DDDD:BB:DD.F, each optionally followed by /BITS, 24..64; one value or %u comma-separated values)\n",
		       text, config->devices);
	return ret;
}

/* An online node, or an empty item: the default (NUMA_NO_NODE). */
static int parse_node_item(const char *text, void *item)
{
	int *nid = item;

	*nid = NUMA_NO_NODE;
	if (!*text)
		return 0;
	if (kstrtoint(text, 10, nid) || *nid < 0 || *nid >= MAX_NUMNODES ||
	    !node_online(*nid))
		return -EINVAL;
	return 0;
}

static int parse_nodes(const char *text, struct chrmem_config *config)
{
	int ret = parse_per_device(text, config->devices, config->nodes,
				   sizeof(config->nodes[0]), parse_node_item);

	if (ret == -EINVAL)
		pr_err("node: invalid value '%s' (allowed: online NUMA nodes %*pbl, or empty for the default; one value or %u comma-separated values)\n",
		       text, nodemask_pr_args(&node_states[N_ONLINE]),
		       config->devices);
	return ret;
}

static int parse_pattern(const char *text, struct chrmem_config *config)
{
	size_t len = strlen(text);

	if (len > CHRMEM_PATTERN_MAX) {
		pr_err("pattern: invalid value '%.*s...' (%zu bytes; allowed: at most %u bytes)\n",
		       CHRMEM_PATTERN_MAX, text, len, CHRMEM_PATTERN_MAX);
		return -EINVAL;
	}
	memcpy(config->pattern, text, len + 1);
	config->pattern_len = len;
	return 0;
}

/**
 * chrmem_config_load() - validate the module parameters
 * @config: filled in on success
 *
 * Return: 0, -EINVAL after logging which parameter is wrong, or -ENOMEM.
 */
int chrmem_config_load(struct chrmem_config *config)
{
	int ret;

	ret = parse_devices(devices_param, &config->devices);
	if (ret)
		return ret;
	ret = parse_sizes(size_param, config);
	if (ret)
		return ret;
	ret = parse_pattern(pattern_param, config);
	if (ret)
		return ret;
	ret = parse_dma_devices(dma_device_param, config);
	if (ret)
		return ret;
	ret = parse_nodes(node_param, config);
	if (ret)
		return ret;
	ret = parse_huge(huge_param, &config->huge);
	if (ret)
		return ret;
	ret = parse_switch("fault_window", fault_window_param,
			   &config->fault_window);
	if (ret)
		return ret;
	ret = parse_mode("cache_mode", cache_mode_param, cache_mode_names,
			 ARRAY_SIZE(cache_mode_names), "cached, uncached, wc",
			 &config->cache_mode);
	if (ret)
		return ret;
	return parse_mode("map_mode", map_mode_param, map_mode_names,
			  ARRAY_SIZE(map_mode_names), "remap, fault",
			  &config->map_mode);
}
