// SPDX-License-Identifier: GPL-2.0
/*
 * chrmem - character devices that give user space direct access to
 * reserved-page kernel buffers: mmap(), read()/write(), and ioctls to
 * clear, reset and report status.
 *
 * This file creates the devices at load and removes them at unload.
 *
 * Lifetime: every open file holds a reference on the module (fops.owner)
 * and every mapping holds its file, so the module cannot be unloaded, and
 * the devices cannot go away, while anything can still reach a buffer.
 *
 * Loading is the exception: while init runs, try_module_get() succeeds,
 * yet a failed init frees the module whatever holds it. A file opened
 * then, or a mapping made through it, would outlive the code it points
 * to. So init first allocates and prepares every buffer, which is what
 * can take long and fail, and only then makes the devices visible; and
 * open() refuses with -ENXIO until init has succeeded, which covers the
 * last step, a later device failing to appear after an earlier one did.
 */
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/numa.h>
#include <linux/slab.h>

#include "internal.h"

static struct class chrmem_class = {
	.name		= "chrmem",
	.dev_groups	= chrmem_groups,
};

static struct chrmem_config chrmem_config;
static dev_t chrmem_first_devt;
static struct chrmem_dev *chrmem_devs[CHRMEM_MAX_DEVICES];
static unsigned int chrmem_nr_visible;	/* chrmem_devs[0, n) are added */
static bool chrmem_live;		/* init has succeeded */

/* Whether files may be opened: see the top of this file. */
bool chrmem_is_live(void)
{
	/* Pairs with chrmem_init()'s release: live means every device set. */
	return smp_load_acquire(&chrmem_live);
}

/* Called when the last reference to the device is dropped. */
static void chrmem_dev_release(struct device *d)
{
	struct chrmem_dev *dev = to_chrmem_dev(d);

	/* No device may keep a mapping of pages that go away. */
	chrmem_dev_dma_unbind(dev);
	/* Pages go back to the allocator write-back, or not at all. */
	if (chrmem_buffer_set_memtype(&dev->buf, &dev->mem_type,
				      CHRMEM_CACHE_CACHED))
		dev_err(d, "cannot make the buffer write-back again; leaking it\n");
	else
		chrmem_buffer_free(&dev->buf);
	kfree(dev);
}

static struct chrmem_dev *chrmem_dev_alloc(unsigned int index)
{
	struct chrmem_dev *dev;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return NULL;
	dev->index = index;
	dev->size = chrmem_config.sizes[index];
	dev->config = &chrmem_config;
	dev->cache_mode = chrmem_config.cache_mode;
	dev->mem_type = CHRMEM_CACHE_CACHED;
	dev->map_mode = chrmem_config.map_mode;
	dev->huge = chrmem_config.huge;
	mutex_init(&dev->lock);
	mutex_init(&dev->content_lock);
	mutex_init(&dev->chunk_cursor.lock);
	mutex_init(&dev->dma.lock);
	mutex_init(&dev->dma.cursor.lock);
	return dev;
}

/*
 * The node the buffer's pages come from: the one asked for (and only
 * that one), else the bound device's (where its DMA is cheapest), else
 * anywhere.
 */
static int chrmem_dev_node(unsigned int index, bool *only)
{
	*only = chrmem_config.nodes[index] != NUMA_NO_NODE;
	if (*only)
		return chrmem_config.nodes[index];
	if (chrmem_config.dma[index].set)
		return chrmem_dma_target_node(&chrmem_config.dma[index]);
	return NUMA_NO_NODE;
}

/*
 * Everything a device needs before it can be seen: its buffer, with its
 * content and memory type, and its struct device and cdev, ready to add.
 */
static struct chrmem_dev *chrmem_dev_prepare(unsigned int index)
{
	struct chrmem_dev *dev;
	u32 type = CHRMEM_CACHE_CACHED;
	bool only_node;
	int ret, nid;

	dev = chrmem_dev_alloc(index);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	nid = chrmem_dev_node(index, &only_node);
	ret = chrmem_buffer_alloc(&dev->buf, dev->size, nid, only_node);
	if (ret && only_node) {
		pr_err("chrmem%u: cannot allocate %llu bytes on node %d\n",
		       index, dev->size, nid);
		goto err_free_dev;
	}
	if (ret) {
		pr_err("chrmem%u: cannot allocate %llu bytes\n",
		       index, dev->size);
		goto err_free_dev;
	}
	chrmem_dev_put_pattern(dev);
	ret = chrmem_buffer_set_memtype(&dev->buf, &type, dev->cache_mode);
	if (ret) {
		pr_err("chrmem%u: cannot make the buffer %s: %d\n", index,
		       chrmem_cache_mode_name(dev->cache_mode), ret);
		goto err_free_buffer;
	}
	dev->mem_type = type;

	/* From here on, put_device() frees the buffer and dev. */
	device_initialize(&dev->dev);
	dev->dev.class = &chrmem_class;
	dev->dev.devt = MKDEV(MAJOR(chrmem_first_devt), index);
	dev->dev.release = chrmem_dev_release;
	cdev_init(&dev->cdev, &chrmem_fops);
	dev->cdev.owner = THIS_MODULE;
	ret = dev_set_name(&dev->dev, "chrmem%u", index);
	if (ret)
		goto err_put_device;
	/* Named first: the binding's messages name the device. */
	ret = chrmem_dev_dma_bind(dev, &chrmem_config.dma[index]);
	if (ret)
		goto err_put_device;
	return dev;

err_put_device:
	put_device(&dev->dev);
	return ERR_PTR(ret);

err_free_buffer:
	/* A failed change left the type in @type: free only write-back. */
	if (type == CHRMEM_CACHE_CACHED)
		chrmem_buffer_free(&dev->buf);
err_free_dev:
	kfree(dev);
	return ERR_PTR(ret);
}

/* Removes the devices that were added and frees every prepared one. */
static void chrmem_destroy_devices(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(chrmem_devs); i++) {
		if (!chrmem_devs[i])
			continue;
		if (i < chrmem_nr_visible)
			cdev_device_del(&chrmem_devs[i]->cdev,
					&chrmem_devs[i]->dev);
		put_device(&chrmem_devs[i]->dev);
		chrmem_devs[i] = NULL;
	}
	chrmem_nr_visible = 0;
}

static int chrmem_prepare_devices(void)
{
	struct chrmem_dev *dev;
	unsigned int i;

	for (i = 0; i < chrmem_config.devices; i++) {
		dev = chrmem_dev_prepare(i);
		if (IS_ERR(dev))
			return PTR_ERR(dev);
		chrmem_devs[i] = dev;
	}
	return 0;
}

/* Makes the devices visible: /dev nodes, sysfs, uevents. */
static int chrmem_add_devices(void)
{
	struct chrmem_dev *dev;
	int ret;

	while (chrmem_nr_visible < chrmem_config.devices) {
		dev = chrmem_devs[chrmem_nr_visible];
		ret = cdev_device_add(&dev->cdev, &dev->dev);
		if (ret)
			return ret;
		chrmem_nr_visible++;
	}
	return 0;
}

static int __init chrmem_init(void)
{
	int ret;

	ret = chrmem_config_load(&chrmem_config);
	if (ret)
		return ret;

	ret = alloc_chrdev_region(&chrmem_first_devt, 0, chrmem_config.devices,
				  "chrmem");
	if (ret)
		return ret;
	ret = class_register(&chrmem_class);
	if (ret)
		goto err_unregister_chrdev_region;
	/* Before the first binding, which it must be able to end. */
	ret = chrmem_dma_init();
	if (ret)
		goto err_unregister_class;
	ret = chrmem_prepare_devices();
	if (ret)
		goto err_destroy_devices;
	ret = chrmem_add_devices();
	if (ret)
		goto err_destroy_devices;
	/* Pairs with chrmem_is_live(): open() from now on. */
	smp_store_release(&chrmem_live, true);
	return 0;

err_destroy_devices:
	chrmem_destroy_devices();
	chrmem_dma_exit();
err_unregister_class:
	class_unregister(&chrmem_class);
err_unregister_chrdev_region:
	unregister_chrdev_region(chrmem_first_devt, chrmem_config.devices);
	return ret;
}

static void __exit chrmem_exit(void)
{
	chrmem_destroy_devices();
	/* Each binding ended with its device's release. */
	chrmem_dma_exit();
	class_unregister(&chrmem_class);
	unregister_chrdev_region(chrmem_first_devt, chrmem_config.devices);
}

module_init(chrmem_init);
module_exit(chrmem_exit);

MODULE_DESCRIPTION("Character devices backed by reserved-page kernel buffers");
MODULE_AUTHOR("The chrmem developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(CHRMEM_VERSION);
