// SPDX-License-Identifier: GPL-2.0
/*
 * chrmem_importer - test-only module, never packaged: the kernel driver's
 * side of a chrmem dma-buf (see importer.h). A real importer (V4L2, DRM)
 * attaches its device, maps the dma-buf for it and programs the device
 * with the sg table's DMA addresses; this one does the same for a PCI
 * device named by the test, and hands the addresses to user space, which
 * has QEMU's edu DMA at them.
 *
 * One mapping per open file, kept in file->private_data under @lock.
 */
#include <linux/dma-buf.h>
#include <linux/fs.h>
#include <linux/iosys-map.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "importer.h"

#ifdef IMPORTER_HAVE_IMPORT_NS_STRING
MODULE_IMPORT_NS("DMA_BUF");
#else
MODULE_IMPORT_NS(DMA_BUF);
#endif

#ifndef IMPORTER_HAVE_VMAP_UNLOCKED
#define dma_buf_vmap_unlocked	dma_buf_vmap
#define dma_buf_vunmap_unlocked	dma_buf_vunmap
#endif

struct importer_mapping {
	struct dma_buf *dmabuf;			/* holds a reference */
	struct pci_dev *pdev;			/* holds a reference */
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
};

/* Protects every open file's private_data (tests are small). */
static DEFINE_MUTEX(importer_lock);

static void importer_unmap(struct importer_mapping *m)
{
	if (!m)
		return;
	dma_buf_unmap_attachment_unlocked(m->attach, m->sgt, DMA_BIDIRECTIONAL);
	dma_buf_detach(m->dmabuf, m->attach);
	dma_buf_put(m->dmabuf);
	pci_dev_put(m->pdev);
	kfree(m);
}

static void importer_report(const struct importer_mapping *m,
			    struct importer_map *req)
{
	struct scatterlist *sg;
	unsigned int i;

	req->nr_segs = m->sgt->nents;
	for_each_sgtable_dma_sg(m->sgt, sg, i) {
		if (i >= IMPORTER_MAX_SEGS)
			break;
		req->segs[i].addr = sg_dma_address(sg);
		req->segs[i].len = sg_dma_len(sg);
	}
}

static struct importer_mapping *importer_map(const struct importer_map *req)
{
	struct importer_mapping *m;
	int ret;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return ERR_PTR(-ENOMEM);
	m->pdev = pci_get_domain_bus_and_slot(req->domain, req->bus, req->devfn);
	if (!m->pdev) {
		ret = -ENODEV;
		goto err_free;
	}
	m->dmabuf = dma_buf_get(req->fd);
	if (IS_ERR(m->dmabuf)) {
		ret = PTR_ERR(m->dmabuf);
		goto err_put_pdev;
	}
	m->attach = dma_buf_attach(m->dmabuf, &m->pdev->dev);
	if (IS_ERR(m->attach)) {
		ret = PTR_ERR(m->attach);
		goto err_put_dmabuf;
	}
	m->sgt = dma_buf_map_attachment_unlocked(m->attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(m->sgt)) {
		ret = PTR_ERR(m->sgt);
		goto err_detach;
	}
	return m;

err_detach:
	dma_buf_detach(m->dmabuf, m->attach);
err_put_dmabuf:
	dma_buf_put(m->dmabuf);
err_put_pdev:
	pci_dev_put(m->pdev);
err_free:
	kfree(m);
	return ERR_PTR(ret);
}

static long importer_ioctl_map(struct file *file, void __user *arg)
{
	struct importer_mapping *m;
	struct importer_map req;
	long ret = 0;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.reserved)
		return -EINVAL;
	mutex_lock(&importer_lock);
	if (file->private_data) {
		ret = -EBUSY;
		goto out_unlock;
	}
	m = importer_map(&req);
	if (IS_ERR(m)) {
		ret = PTR_ERR(m);
		goto out_unlock;
	}
	importer_report(m, &req);
	if (copy_to_user(arg, &req, sizeof(req))) {
		importer_unmap(m);
		ret = -EFAULT;
		goto out_unlock;
	}
	file->private_data = m;
out_unlock:
	mutex_unlock(&importer_lock);
	return ret;
}

static long importer_ioctl_unmap(struct file *file)
{
	mutex_lock(&importer_lock);
	importer_unmap(file->private_data);
	file->private_data = NULL;
	mutex_unlock(&importer_lock);
	return 0;
}

/* What a driver does to look at the data: CPU access, then vmap. */
static int importer_read(struct dma_buf *dmabuf, struct importer_vmap *req)
{
	struct iosys_map map;
	int ret;

	ret = dma_buf_begin_cpu_access(dmabuf, DMA_FROM_DEVICE);
	if (ret)
		return ret;
	ret = dma_buf_vmap_unlocked(dmabuf, &map);
	if (!ret) {
		iosys_map_memcpy_from(req->data, &map, 0, sizeof(req->data));
		dma_buf_vunmap_unlocked(dmabuf, &map);
	}
	dma_buf_end_cpu_access(dmabuf, DMA_FROM_DEVICE);
	return ret;
}

static long importer_ioctl_vmap(void __user *arg)
{
	struct importer_vmap req;
	struct dma_buf *dmabuf;
	int ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	dmabuf = dma_buf_get(req.fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	ret = dmabuf->size < sizeof(req.data) ? -EINVAL : importer_read(dmabuf, &req);
	dma_buf_put(dmabuf);
	if (!ret && copy_to_user(arg, &req, sizeof(req)))
		ret = -EFAULT;
	return ret;
}

static long importer_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	switch (cmd) {
	case IMPORTER_IOC_MAP:
		return importer_ioctl_map(file, (void __user *)arg);
	case IMPORTER_IOC_UNMAP:
		return importer_ioctl_unmap(file);
	case IMPORTER_IOC_VMAP:
		return importer_ioctl_vmap((void __user *)arg);
	}
	return -ENOTTY;
}

/* misc_open() left the miscdevice in private_data: no mapping yet. */
static int importer_open(struct inode *inode, struct file *file)
{
	file->private_data = NULL;
	return 0;
}

static int importer_release(struct inode *inode, struct file *file)
{
	return importer_ioctl_unmap(file);
}

static const struct file_operations importer_fops = {
	.owner		= THIS_MODULE,
	.open		= importer_open,
	.release	= importer_release,
	.unlocked_ioctl	= importer_ioctl,
};

static struct miscdevice importer_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "chrmem_importer",
	.fops	= &importer_fops,
	.mode	= 0600,
};

module_misc_device(importer_misc);

MODULE_DESCRIPTION("Test-only importer of chrmem dma-bufs");
MODULE_LICENSE("GPL");
