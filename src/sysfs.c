// SPDX-License-Identifier: GPL-2.0
/*
 * Attributes of /sys/class/chrmem/chrmemN.
 *
 * They belong to the class (dev_groups), so they exist before the uevent
 * that udev reacts to.
 */
#include <linux/capability.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/sysfs.h>

#include "internal.h"

static ssize_t size_show(struct device *d, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%llu\n", to_chrmem_dev(d)->size);
}
static DEVICE_ATTR_RO(size);

static ssize_t chunks_show(struct device *d, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%u\n", to_chrmem_dev(d)->buf.nr_chunks);
}
static DEVICE_ATTR_RO(chunks);

static ssize_t cache_mode_show(struct device *d,
			       struct device_attribute *attr, char *buf)
{
	u32 mode = READ_ONCE(to_chrmem_dev(d)->cache_mode);

	return sysfs_emit(buf, "%s\n", chrmem_cache_mode_name(mode));
}

/* Root only (0644): EBUSY while the buffer is mapped. */
static ssize_t cache_mode_store(struct device *d,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	int mode = chrmem_cache_mode_parse(buf);
	int ret;

	if (mode < 0)
		return -EINVAL;
	ret = chrmem_dev_set_cache_mode(to_chrmem_dev(d), mode);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(cache_mode);

/* The type the buffer has now: see memtype.c. */
static ssize_t memory_type_show(struct device *d,
				struct device_attribute *attr, char *buf)
{
	u32 type = READ_ONCE(to_chrmem_dev(d)->mem_type);

	return sysfs_emit(buf, "%s\n", chrmem_cache_mode_name(type));
}
static DEVICE_ATTR_RO(memory_type);

static ssize_t map_mode_show(struct device *d, struct device_attribute *attr,
			     char *buf)
{
	u32 mode = to_chrmem_dev(d)->map_mode;

	return sysfs_emit(buf, "%s\n", chrmem_map_mode_name(mode));
}
static DEVICE_ATTR_RO(map_mode);

static ssize_t huge_show(struct device *d, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(to_chrmem_dev(d)->huge));
}

/*
 * Root only (0644). Applies to the mappings made after it: each mapping
 * keeps the kind of entries it was made with (mmap.c). EOPNOTSUPP for
 * "on" where the kernel has no huge PFN mappings.
 */
static ssize_t huge_store(struct device *d, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	bool huge;

	if (kstrtobool(buf, &huge))
		return -EINVAL;
	if (huge && !CHRMEM_HUGE_PFNMAP)
		return -EOPNOTSUPP;
	WRITE_ONCE(to_chrmem_dev(d)->huge, huge);
	return count;
}
static DEVICE_ATTR_RW(huge);

static ssize_t mappings_show(struct device *d, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&to_chrmem_dev(d)->mappings));
}
static DEVICE_ATTR_RO(mappings);

static ssize_t opens_show(struct device *d, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&to_chrmem_dev(d)->opens));
}
static DEVICE_ATTR_RO(opens);

static ssize_t bytes_read_show(struct device *d,
			       struct device_attribute *attr, char *buf)
{
	s64 bytes = atomic64_read(&to_chrmem_dev(d)->bytes_read);

	return sysfs_emit(buf, "%lld\n", bytes);
}
static DEVICE_ATTR_RO(bytes_read);

static ssize_t bytes_written_show(struct device *d,
				  struct device_attribute *attr, char *buf)
{
	s64 bytes = atomic64_read(&to_chrmem_dev(d)->bytes_written);

	return sysfs_emit(buf, "%lld\n", bytes);
}
static DEVICE_ATTR_RO(bytes_written);

/*
 * The physical layout, for DMA users: "offset size physical-address" per
 * contiguous chunk. Root only (0400): physical addresses help attacks on
 * the kernel, so they appear nowhere else. A binary attribute, because a
 * large buffer can have more chunks than fit in one page of text.
 */
static ssize_t phys_addr_read(struct file *file, struct kobject *kobj,
			      const struct bin_attribute *attr, char *out,
			      loff_t off, size_t count)
{
	struct chrmem_dev *dev = to_chrmem_dev(kobj_to_dev(kobj));

	return chrmem_buffer_read_chunks(&dev->buf, &dev->chunk_cursor, out,
					 off, count);
}
static BIN_ATTR_ADMIN_RO(phys_addr, 0);

/*
 * The bound device's view of the buffer: "offset size dma-address" per
 * DMA-contiguous segment, empty while unbound (dma.c). Root only, like
 * phys_addr, and in the same format.
 */
static ssize_t dma_addr_read(struct file *file, struct kobject *kobj,
			     const struct bin_attribute *attr, char *out,
			     loff_t off, size_t count)
{
	return chrmem_dev_dma_read_segments(to_chrmem_dev(kobj_to_dev(kobj)),
					    out, off, count);
}
static BIN_ATTR_ADMIN_RO(dma_addr, 0);

static const struct bin_attribute *const chrmem_bin_attrs[] = {
	&bin_attr_phys_addr,
	&bin_attr_dma_addr,
	NULL,
};

static ssize_t dma_device_show(struct device *d,
			       struct device_attribute *attr, char *buf)
{
	return chrmem_dev_dma_print_target(to_chrmem_dev(d), buf, PAGE_SIZE);
}

/*
 * Root only (0644 and CAP_SYS_ADMIN: it hands a device the buffer's
 * memory): bind to "DDDD:BB:DD.F[/BITS]", unbind with an empty line.
 * EBUSY while the buffer is mapped; see dma.c for the others.
 */
static ssize_t dma_device_store(struct device *d,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	struct chrmem_dma_target target;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = chrmem_dma_target_parse(buf, &target);
	if (ret)
		return ret;
	ret = chrmem_dev_dma_bind(to_chrmem_dev(d), &target);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(dma_device);

/* The NUMA nodes the buffer's pages are on, as a list ("0", "0-1"). */
static ssize_t numa_node_show(struct device *d,
			      struct device_attribute *attr, char *buf)
{
	const struct chrmem_buffer *b = &to_chrmem_dev(d)->buf;
	nodemask_t nodes;
	unsigned long i;

	nodes_clear(nodes);
	for (i = 0; i < b->nr_pages; i++)
		node_set(page_to_nid(b->pages[i]), nodes);
	return sysfs_emit(buf, "%*pbl\n", nodemask_pr_args(&nodes));
}
static DEVICE_ATTR_RO(numa_node);

static struct attribute *chrmem_attrs[] = {
	&dev_attr_size.attr,
	&dev_attr_chunks.attr,
	&dev_attr_cache_mode.attr,
	&dev_attr_memory_type.attr,
	&dev_attr_map_mode.attr,
	&dev_attr_huge.attr,
	&dev_attr_mappings.attr,
	&dev_attr_opens.attr,
	&dev_attr_bytes_read.attr,
	&dev_attr_bytes_written.attr,
	&dev_attr_dma_device.attr,
	&dev_attr_numa_node.attr,
	NULL,
};

static const struct attribute_group chrmem_group = {
	.attrs = chrmem_attrs,
	.bin_attrs = CHRMEM_BIN_ATTRS(chrmem_bin_attrs),
};

const struct attribute_group *chrmem_groups[] = {
	&chrmem_group,
	NULL,
};
