// SPDX-License-Identifier: GPL-2.0
/*
 * devctl info: everything the driver reports about a device, including
 * the physical layout of its buffer and, when it is bound to a device for
 * DMA, the device's view of it, when the caller may read them (root).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devctl.h"
#include "device.h"
#include "print.h"

/*
 * One line of sysfs phys_addr or dma_addr: "offset size address", in hex
 * (the address is physical in one, the device's in the other).
 */
struct phys_chunk {
	uint64_t offset;
	uint64_t size;
	uint64_t address;
};

static int parse_chunk(const char *line, struct phys_chunk *chunk)
{
	int end = 0;

	if (sscanf(line, "%" SCNx64 " %" SCNx64 " %" SCNx64 " %n",
		   &chunk->offset, &chunk->size, &chunk->address, &end) != 3 ||
	    line[end] != '\0')
		return -EPROTO;
	return 0;
}

/* Reads the whole layout first, so that a bad line prints no half table. */
static int read_layout(const struct chrmem_device *dev, const char *attr,
		       struct phys_chunk **chunks, size_t *count)
{
	char path[PATH_MAX], *line = NULL;
	struct phys_chunk *grown;
	size_t line_size = 0;
	int err = 0;
	FILE *f;

	*chunks = NULL;
	*count = 0;
	snprintf(path, sizeof(path), "%s/%s", dev->sysfs, attr);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!err && getline(&line, &line_size, f) >= 0) {
		grown = realloc(*chunks, (*count + 1) * sizeof(**chunks));
		if (!grown) {
			err = -ENOMEM;
			break;
		}
		*chunks = grown;
		err = parse_chunk(line, &grown[(*count)++]);
	}
	if (!err && ferror(f))
		err = -EIO;
	free(line);
	fclose(f);
	if (err) {
		free(*chunks);
		*chunks = NULL;
	}
	return err;
}

/* Why there is no layout, in words for the text output. */
static const char *layout_missing_reason(int err, const char *attr)
{
	static char why[96];

	switch (err) {
	case -ENOENT:
		snprintf(why, sizeof(why),
			 "not available (this driver has no %s attribute)", attr);
		return why;
	case -EACCES:
	case -EPERM:
		return "only root may read it";
	case -EPROTO:
		snprintf(why, sizeof(why), "unreadable: unexpected content in %s",
			 attr);
		return why;
	default:
		return strerror(-err);
	}
}

/* The table of sysfs @attr, as JSON array @key or text headed @title. */
static void print_layout(const struct chrmem_device *dev, const char *attr,
			 const char *key, const char *title)
{
	struct phys_chunk *chunks;
	size_t count, i;
	int err;

	err = dev->sysfs[0] ? read_layout(dev, attr, &chunks, &count) : -ENOENT;
	if (err < 0) {
		print_unknown(PRINT_JSON, key, NULL);
		print_text("  %-16s %s\n", title, layout_missing_reason(err, attr));
		return;
	}
	open_json_array(key);
	print_text("  %s\n    %-18s %-18s %s\n", title, "OFFSET", "SIZE",
		   "ADDRESS");
	for (i = 0; i < count; i++) {
		open_json_object(NULL);
		print_hex(PRINT_ANY, "offset", "    %-18s ", chunks[i].offset);
		print_hex(PRINT_ANY, "size", "%-18s ", chunks[i].size);
		print_hex(PRINT_ANY, "address", "%s\n", chunks[i].address);
		close_json_object();
	}
	close_json_array();
	free(chunks);
}

/*
 * The PCI device the buffer is bound to for DMA ("" in JSON, "none" in
 * text, when unbound) and the device's view of the buffer; null and "-"
 * from a driver without DMA binding.
 */
static void print_dma(const struct chrmem_device *dev)
{
	char bound[64];

	if (!dev->sysfs[0] ||
	    device_sysfs_read(dev, "dma_device", bound, sizeof(bound)) < 0) {
		print_unknown(PRINT_ANY, "dma_device", "  DMA device:      %s\n");
		print_unknown(PRINT_JSON, "dma_layout", NULL);
		return;
	}
	print_string(PRINT_JSON, "dma_device", NULL, bound);
	print_text("  DMA device:      %s\n", bound[0] ? bound : "none");
	if (bound[0]) {
		print_layout(dev, "dma_addr", "dma_layout", "DMA layout:");
	} else {
		open_json_array("dma_layout");
		close_json_array();
	}
}

/*
 * Whether new mappings get 2 MiB entries where they can (sysfs huge; never
 * on a kernel without huge PFN mappings); null from a driver without it.
 */
static void print_huge(const struct chrmem_device *dev)
{
	char huge[16];

	if (dev->sysfs[0] &&
	    device_sysfs_read(dev, "huge", huge, sizeof(huge)) == 0)
		print_string(PRINT_ANY, "huge", "  huge mappings:   %s\n",
			     strcmp(huge, "0") ? "on" : "off");
	else
		print_unknown(PRINT_ANY, "huge", "  huge mappings:   %s\n");
}

/* The NUMA nodes of the buffer's pages, as the kernel lists them ("0-1"). */
static void print_numa_node(const struct chrmem_device *dev)
{
	char nodes[64];

	if (dev->sysfs[0] &&
	    device_sysfs_read(dev, "numa_node", nodes, sizeof(nodes)) == 0)
		print_string(PRINT_ANY, "numa_node", "  NUMA nodes:      %s\n",
			     nodes);
	else
		print_unknown(PRINT_ANY, "numa_node", "  NUMA nodes:      %s\n");
}

static int info_one(struct chrmem_device *dev, void *arg)
{
	struct device_state st;
	bool *first = arg;

	if (device_query(dev, cmd_info.name, &st) < 0)
		return EXIT_FAILURE;
	if (!*first)
		print_text("\n");
	*first = false;
	open_json_object(NULL);
	print_string(PRINT_ANY, "name", "%s:\n", dev->name);
	print_string(PRINT_ANY, "path", "  path:            %s\n", dev->path);
	print_string(PRINT_ANY, "sysfs", "  sysfs:           %s\n", dev->sysfs);
	print_u64(PRINT_ANY, "size", "  size:            %s bytes\n", st.size);
	print_u64_if(st.have_chunks, PRINT_ANY, "chunks",
		     "  chunks:          %s\n", st.chunks);
	print_string(PRINT_ANY, "cache_mode", "  cache mode:      %s\n",
		     st.cache_mode);
	/* The type the buffer has now; the cache mode unless O_SYNC maps it. */
	if (st.have_memory_type)
		print_string(PRINT_ANY, "memory_type",
			     "  memory type:     %s\n", st.memory_type);
	else
		print_unknown(PRINT_ANY, "memory_type",
			      "  memory type:     %s\n");
	print_string(PRINT_ANY, "map_mode", "  map mode:        %s\n",
		     st.map_mode);
	print_huge(dev);
	print_u64(PRINT_ANY, "mappings", "  mappings:        %s\n", st.mappings);
	print_u64(PRINT_ANY, "opens", "  open files:      %s\n", st.opens);
	print_u64_if(st.have_bytes_read, PRINT_ANY, "bytes_read",
		     "  bytes read:      %s\n", st.bytes_read);
	print_u64_if(st.have_bytes_written, PRINT_ANY, "bytes_written",
		     "  bytes written:   %s\n", st.bytes_written);
	/* How much of struct chrmem_info the driver knows; 0: not opened. */
	print_u64_if(st.info_size > 0, PRINT_ANY, "info_size",
		     "  info size:       %s bytes\n", st.info_size);
	print_numa_node(dev);
	print_layout(dev, "phys_addr", "phys_layout", "physical layout:");
	print_dma(dev);
	close_json_object();
	return EXIT_SUCCESS;
}

static int info_run(const struct devctl *ctx, int argc, char *argv[])
{
	bool first = true;
	int status;

	status = command_no_options(&cmd_info, argc, argv);
	if (status >= 0)
		return status;
	output_open();
	open_json_array("devices");
	status = device_for_each(ctx->device, !ctx->device, cmd_info.name,
				 info_one, &first);
	close_json_array();
	return status;
}

const struct command cmd_info = {
	.name = "info",
	.run = info_run,
	.summary = "show everything the driver reports, physical and DMA layout for root",
	.usage = "",
};
