// SPDX-License-Identifier: GPL-2.0
/*
 * dma-buf export of a range of a buffer (CHRMEM_IOC_EXPORT_DMABUF): the
 * kernel's way for other drivers (V4L2 capture, DRM, an FPGA's driver) to
 * have their devices DMA into chrmem memory.
 *
 * A dma-buf is a file. Each importer attaches its own struct device and
 * asks for the range mapped for it: map_dma_buf() builds an sg table of
 * the range's pages and maps it with dma_map_sgtable(), so each device
 * gets its own addresses (an IOMMU's, where there is one), as with the
 * buffer's own binding (dma.c), which an export neither needs nor uses.
 * begin/end_cpu_access() sync every live mapping for the CPU and back.
 *
 * What an export freezes, for as long as its file lives:
 *  - the buffer's memory type (memtype.c, rule 2): mmap() of the dma-buf
 *    maps with it, through mmap.c exactly like a mapping of the device, and
 *    vmap() maps the range for the kernel with it, so no two types ever
 *    alias; the last export (or mapping) to go restores rule 4;
 *  - the binding (dma.c refuses changes while exported);
 *  - the module: DEFINE_DMA_BUF_EXPORT_INFO() makes THIS_MODULE the
 *    dma-buf's owner, which dma_buf_export() takes a reference on and the
 *    file's release gives back, so this code outlives every dma-buf and
 *    rmmod fails with EBUSY meanwhile. The export holds its device too.
 *
 * Locking: the dma-buf core calls map/unmap_dma_buf(), vmap() and mmap()
 * with the dma-buf's reservation lock held, begin/end_cpu_access()
 * without; chrmem_export.lock nests inside it, dev->lock (mmap()) too.
 */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/fcntl.h>
#include <linux/iosys-map.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "internal.h"

CHRMEM_IMPORT_NS_DMA_BUF;

struct chrmem_export {
	struct chrmem_dev *dev;		/* holds a reference */
	unsigned long first;		/* the range: its first page... */
	unsigned long nr_pages;		/* ...and how many */
	u32 mem_type;			/* the buffer's, frozen while exported */
	struct mutex lock;		/* protects @attachments */
	struct list_head attachments;	/* of struct chrmem_attachment */
};

/* One importer's device, and the mapping it asked for (one at a time). */
struct chrmem_attachment {
	struct list_head node;		/* in chrmem_export.attachments */
	struct device *dev;
	struct sg_table *sgt;		/* NULL while not mapped */
	enum dma_data_direction dir;
};

static int chrmem_dmabuf_attach(struct dma_buf *dmabuf,
				struct dma_buf_attachment *attach)
{
	struct chrmem_export *exp = dmabuf->priv;
	struct chrmem_attachment *a;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	a->dev = attach->dev;
	attach->priv = a;
	mutex_lock(&exp->lock);
	list_add(&a->node, &exp->attachments);
	mutex_unlock(&exp->lock);
	return 0;
}

static void chrmem_dmabuf_detach(struct dma_buf *dmabuf,
				 struct dma_buf_attachment *attach)
{
	struct chrmem_export *exp = dmabuf->priv;
	struct chrmem_attachment *a = attach->priv;

	mutex_lock(&exp->lock);
	list_del(&a->node);
	mutex_unlock(&exp->lock);
	kfree(a);
}

/* The range's pages, as the importer's device takes them in one entry. */
static struct sg_table *chrmem_export_table(struct chrmem_export *exp,
					    struct device *d)
{
	struct sg_table *sgt;
	int ret;

	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table_from_pages_segment(sgt,
						exp->dev->buf.pages + exp->first,
						exp->nr_pages, 0,
						exp->nr_pages << PAGE_SHIFT,
						chrmem_dma_max_segment(d),
						GFP_KERNEL);
	if (ret) {
		kfree(sgt);
		return ERR_PTR(ret);
	}
	return sgt;
}

static void chrmem_export_table_free(struct sg_table *sgt)
{
	sg_free_table(sgt);
	kfree(sgt);
}

static struct sg_table *chrmem_dmabuf_map(struct dma_buf_attachment *attach,
					  enum dma_data_direction dir)
{
	struct chrmem_export *exp = attach->dmabuf->priv;
	struct chrmem_attachment *a = attach->priv;
	struct sg_table *sgt;
	int ret;

	/* begin/end_cpu_access() keep one mapping per attachment. */
	if (READ_ONCE(a->sgt))
		return ERR_PTR(-EBUSY);
	sgt = chrmem_export_table(exp, attach->dev);
	if (IS_ERR(sgt))
		return sgt;
	ret = dma_map_sgtable(attach->dev, sgt, dir, 0);
	if (ret) {
		chrmem_export_table_free(sgt);
		return ERR_PTR(ret);
	}
	mutex_lock(&exp->lock);
	a->sgt = sgt;
	a->dir = dir;
	mutex_unlock(&exp->lock);
	return sgt;
}

static void chrmem_dmabuf_unmap(struct dma_buf_attachment *attach,
				struct sg_table *sgt,
				enum dma_data_direction dir)
{
	struct chrmem_export *exp = attach->dmabuf->priv;
	struct chrmem_attachment *a = attach->priv;

	mutex_lock(&exp->lock);
	a->sgt = NULL;
	mutex_unlock(&exp->lock);
	dma_unmap_sgtable(attach->dev, sgt, dir, 0);
	chrmem_export_table_free(sgt);
}

/*
 * The CPU is about to read what the devices wrote (for_cpu) or has written
 * what they will read (for the devices): every live mapping, in the
 * direction it was mapped with, which is what the DMA API checks.
 */
static void chrmem_dmabuf_sync(struct chrmem_export *exp, bool for_cpu)
{
	struct chrmem_attachment *a;

	mutex_lock(&exp->lock);
	list_for_each_entry(a, &exp->attachments, node) {
		if (!a->sgt)
			continue;
		if (for_cpu)
			dma_sync_sgtable_for_cpu(a->dev, a->sgt, a->dir);
		else
			dma_sync_sgtable_for_device(a->dev, a->sgt, a->dir);
	}
	mutex_unlock(&exp->lock);
}

static int chrmem_dmabuf_begin_cpu_access(struct dma_buf *dmabuf,
					  enum dma_data_direction dir)
{
	chrmem_dmabuf_sync(dmabuf->priv, true);
	return 0;
}

static int chrmem_dmabuf_end_cpu_access(struct dma_buf *dmabuf,
					enum dma_data_direction dir)
{
	chrmem_dmabuf_sync(dmabuf->priv, false);
	return 0;
}

/* The core has checked the area against the range's size. */
static int chrmem_dmabuf_mmap(struct dma_buf *dmabuf,
			      struct vm_area_struct *vma)
{
	struct chrmem_export *exp = dmabuf->priv;

	vma->vm_pgoff += exp->first;
	/* The type is frozen (and is the buffer's): nothing to change. */
	return chrmem_mmap_buffer(exp->dev, vma, exp->mem_type, false);
}

/* The kernel's view, with the type of every other view of the range. */
static int chrmem_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct chrmem_export *exp = dmabuf->priv;
	void *vaddr;

	vaddr = vmap(exp->dev->buf.pages + exp->first, exp->nr_pages, VM_MAP,
		     chrmem_memtype_pgprot(PAGE_KERNEL, exp->mem_type));
	if (!vaddr)
		return -ENOMEM;
	iosys_map_set_vaddr(map, vaddr);
	return 0;
}

static void chrmem_dmabuf_vunmap(struct dma_buf *dmabuf,
				 struct iosys_map *map)
{
	vunmap(map->vaddr);
}

/* The last export to go gives the buffer its device's type back. */
static void chrmem_export_end(struct chrmem_dev *dev)
{
	mutex_lock(&dev->lock);
	dev->exports--;
	chrmem_dev_restore_memtype(dev);
	mutex_unlock(&dev->lock);
}

static void chrmem_export_free(struct chrmem_export *exp)
{
	struct chrmem_dev *dev = exp->dev;

	kfree(exp);
	chrmem_export_end(dev);
	put_device(&dev->dev);
}

/* The file's last reference is gone: no importer is attached any more. */
static void chrmem_dmabuf_release(struct dma_buf *dmabuf)
{
	chrmem_export_free(dmabuf->priv);
}

static const struct dma_buf_ops chrmem_dmabuf_ops = {
	.attach			= chrmem_dmabuf_attach,
	.detach			= chrmem_dmabuf_detach,
	.map_dma_buf		= chrmem_dmabuf_map,
	.unmap_dma_buf		= chrmem_dmabuf_unmap,
	.release		= chrmem_dmabuf_release,
	.begin_cpu_access	= chrmem_dmabuf_begin_cpu_access,
	.end_cpu_access		= chrmem_dmabuf_end_cpu_access,
	.mmap			= chrmem_dmabuf_mmap,
	.vmap			= chrmem_dmabuf_vmap,
	.vunmap			= chrmem_dmabuf_vunmap,
};

/* Page-aligned, non-empty, within the buffer, without wrapping around. */
static int chrmem_export_check(const struct chrmem_dev *dev,
			       const struct chrmem_export_dmabuf *req)
{
	u32 mode = req->flags & O_ACCMODE;
	u64 end;

	if ((req->flags & ~(O_ACCMODE | O_CLOEXEC)) || req->reserved ||
	    (mode != O_RDONLY && mode != O_RDWR))
		return -EINVAL;
	if (!req->length || !PAGE_ALIGNED(req->offset) ||
	    !PAGE_ALIGNED(req->length) ||
	    check_add_overflow(req->offset, req->length, &end) ||
	    end > dev->size)
		return -EINVAL;
	return 0;
}

/* Counts the export and freezes the type; see the top of this file. */
static struct chrmem_export *chrmem_export_begin(struct chrmem_dev *dev,
						 const struct chrmem_export_dmabuf *req)
{
	struct chrmem_export *exp;

	exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	if (!exp)
		return ERR_PTR(-ENOMEM);
	mutex_lock(&dev->lock);
	if (dev->mem_type == CHRMEM_MEMORY_TYPE_MIXED) {
		/* Nobody may map it (memtype.c, rule 6). */
		mutex_unlock(&dev->lock);
		kfree(exp);
		return ERR_PTR(-EIO);
	}
	exp->mem_type = dev->mem_type;
	dev->exports++;
	mutex_unlock(&dev->lock);
	get_device(&dev->dev);
	exp->dev = dev;
	exp->first = req->offset >> PAGE_SHIFT;
	exp->nr_pages = req->length >> PAGE_SHIFT;
	mutex_init(&exp->lock);
	INIT_LIST_HEAD(&exp->attachments);
	return exp;
}

/**
 * chrmem_dev_export_dmabuf() - CHRMEM_IOC_EXPORT_DMABUF
 * @dev: the device
 * @req: the range and the file's flags
 *
 * Return: the new descriptor; -EINVAL for a bad range, flags or reserved
 * field; -EIO for a buffer of mixed type; -ENOMEM, -EMFILE.
 */
int chrmem_dev_export_dmabuf(struct chrmem_dev *dev,
			     const struct chrmem_export_dmabuf *req)
{
	DEFINE_DMA_BUF_EXPORT_INFO(info);
	struct chrmem_export *exp;
	struct dma_buf *dmabuf;
	int ret;

	ret = chrmem_export_check(dev, req);
	if (ret)
		return ret;
	exp = chrmem_export_begin(dev, req);
	if (IS_ERR(exp))
		return PTR_ERR(exp);
	info.ops = &chrmem_dmabuf_ops;
	info.size = req->length;
	info.flags = req->flags & O_ACCMODE;
	info.priv = exp;
	dmabuf = dma_buf_export(&info);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto err_free_export;
	}
	ret = dma_buf_fd(dmabuf, req->flags & O_CLOEXEC);
	if (ret < 0)
		dma_buf_put(dmabuf);	/* its release frees @exp */
	return ret;

err_free_export:
	chrmem_export_free(exp);
	return ret;
}
