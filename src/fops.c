// SPDX-License-Identifier: GPL-2.0
/*
 * File operations of /dev/chrmemN other than mmap.
 *
 * read() and write() are implemented as read_iter/write_iter, so readv,
 * pread, preadv2 and io_uring work too. Positions are per open file.
 */
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "internal.h"

static int chrmem_open(struct inode *inode, struct file *file)
{
	struct chrmem_dev *dev = container_of(inode->i_cdev,
					      struct chrmem_dev, cdev);

	if (!chrmem_is_live())
		return -ENXIO;	/* still loading: see main.c */
	file->private_data = dev;
	atomic_inc(&dev->opens);
	return 0;
}

static int chrmem_release(struct inode *inode, struct file *file)
{
	struct chrmem_dev *dev = file->private_data;

	atomic_dec(&dev->opens);
	return 0;
}

/* Short read at the end of the buffer, 0 at or past it. */
static ssize_t chrmem_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct chrmem_dev *dev = iocb->ki_filp->private_data;
	loff_t pos = iocb->ki_pos;
	size_t count, done;

	if (pos >= dev->size)
		return 0;
	count = min_t(u64, iov_iter_count(to), dev->size - pos);
	done = chrmem_buffer_copy_iter(&dev->buf, pos, count, to);
	if (!done && count)
		return -EFAULT;
	iocb->ki_pos = pos + done;
	atomic64_add(done, &dev->bytes_read);
	return done;
}

/* A write that crosses the end writes what fits; one at the end, ENOSPC. */
static ssize_t chrmem_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct chrmem_dev *dev = iocb->ki_filp->private_data;
	loff_t pos = iocb->ki_pos;
	size_t count, done;

	if (!iov_iter_count(from))
		return 0;
	if (pos >= dev->size)
		return -ENOSPC;
	count = min_t(u64, iov_iter_count(from), dev->size - pos);
	done = chrmem_buffer_copy_iter(&dev->buf, pos, count, from);
	if (!done)
		return -EFAULT;
	iocb->ki_pos = pos + done;
	atomic64_add(done, &dev->bytes_written);
	return done;
}

/* SEEK_SET, SEEK_CUR and SEEK_END within [0, size]; anything else EINVAL. */
static loff_t chrmem_llseek(struct file *file, loff_t offset, int whence)
{
	struct chrmem_dev *dev = file->private_data;

	return fixed_size_llseek(file, offset, whence, dev->size);
}

static void chrmem_fill_info(struct chrmem_dev *dev, struct chrmem_info *info)
{
	memset(info, 0, sizeof(*info));
	info->index = dev->index;
	info->size = dev->size;
	info->cache_mode = READ_ONCE(dev->cache_mode);
	info->map_mode = dev->map_mode;
	info->mappings = atomic_read(&dev->mappings);
	info->opens = atomic_read(&dev->opens);
	info->bytes_read = atomic64_read(&dev->bytes_read);
	info->bytes_written = atomic64_read(&dev->bytes_written);
	info->chunks = dev->buf.nr_chunks;
	info->memory_type = READ_ONCE(dev->mem_type);
}

/*
 * The caller's idea of struct chrmem_info may be older (smaller) or newer
 * (larger) than ours: copy what both know, zero what only the caller
 * knows, and say in struct_size how much is real.
 */
static long chrmem_ioctl_get_info(struct chrmem_dev *dev,
				  void __user *uinfo, size_t usize)
{
	struct chrmem_info info;
	size_t known = min(usize, sizeof(info));

	if (usize < CHRMEM_INFO_SIZE_VER0)
		return -EINVAL;
	chrmem_fill_info(dev, &info);
	info.struct_size = known;
	if (copy_to_user(uinfo, &info, known))
		return -EFAULT;
	if (usize > known && clear_user(uinfo + known, usize - known))
		return -EFAULT;
	return 0;
}

static bool chrmem_is_get_info(unsigned int cmd)
{
	return _IOC_TYPE(cmd) == CHRMEM_IOC_MAGIC &&
	       _IOC_NR(cmd) == _IOC_NR(CHRMEM_IOC_GET_INFO) &&
	       _IOC_DIR(cmd) == _IOC_READ;
}

static long chrmem_ioctl_set_cache_mode(struct chrmem_dev *dev,
					u32 __user *umode)
{
	u32 mode;

	if (get_user(mode, umode))
		return -EFAULT;
	return chrmem_dev_set_cache_mode(dev, mode);
}

/* Any open file may sync: it changes no data, only who sees it. */
static long chrmem_ioctl_sync(struct chrmem_dev *dev,
			      struct chrmem_sync __user *usync)
{
	struct chrmem_sync sync;

	if (copy_from_user(&sync, usync, sizeof(sync)))
		return -EFAULT;
	return chrmem_dev_dma_sync(dev, &sync);
}

/* CHRMEM_IOC_EXPORT_DMABUF: see dmabuf.c. */
static long chrmem_ioctl_export_dmabuf(struct chrmem_dev *dev,
				       struct chrmem_export_dmabuf __user *ureq)
{
	struct chrmem_export_dmabuf req;

	if (copy_from_user(&req, ureq, sizeof(req)))
		return -EFAULT;
	return chrmem_dev_export_dmabuf(dev, &req);
}

/* Commands that change the device need a file opened for writing. */
static long chrmem_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct chrmem_dev *dev = file->private_data;
	bool writable = file->f_mode & FMODE_WRITE;

	switch (cmd) {
	case CHRMEM_IOC_CLEAR:
	case CHRMEM_IOC_LEGACY_CLEAR:
		if (!writable)
			return -EBADF;
		return chrmem_dev_clear(dev);
	case CHRMEM_IOC_RESET:
	case CHRMEM_IOC_LEGACY_RESET:
		if (!writable)
			return -EBADF;
		return chrmem_dev_reset(dev);
	case CHRMEM_IOC_SET_CACHE_MODE:
		if (!writable)
			return -EBADF;
		return chrmem_ioctl_set_cache_mode(dev, (u32 __user *)arg);
	case CHRMEM_IOC_SYNC:
		return chrmem_ioctl_sync(dev, (struct chrmem_sync __user *)arg);
	case CHRMEM_IOC_EXPORT_DMABUF:
		/* The importers' devices may write the range. */
		if (!writable)
			return -EBADF;
		return chrmem_ioctl_export_dmabuf(dev, (void __user *)arg);
	}
	if (chrmem_is_get_info(cmd))
		return chrmem_ioctl_get_info(dev, (void __user *)arg,
					     _IOC_SIZE(cmd));
	return -ENOTTY;
}

const struct file_operations chrmem_fops = {
	.owner		= THIS_MODULE,
	.open		= chrmem_open,
	.release	= chrmem_release,
	.read_iter	= chrmem_read_iter,
	.write_iter	= chrmem_write_iter,
	.llseek		= chrmem_llseek,
	.mmap		= chrmem_mmap,
	/* User addresses fit for 2 MiB entries (compat.h, mmap.c). */
	.get_unmapped_area = CHRMEM_GET_UNMAPPED_AREA,
	.fsync		= noop_fsync,	/* msync(MS_SYNC): always in memory */
	.unlocked_ioctl	= chrmem_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};
