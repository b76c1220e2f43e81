// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping a chrmem buffer into user space.
 *
 * mmap() maps [offset, offset + length) of the buffer in one of two ways:
 *  - remap: all at once, with remap_pfn_range(), one call per physically
 *    contiguous run of pages. Cheapest to touch, but the area is a raw
 *    PFN map (VM_IO | VM_PFNMAP): get_user_pages() refuses it, so O_DIRECT
 *    and io_uring cannot use it as a buffer.
 *  - fault: nothing at mmap() time; the fault handler hands the MM each
 *    page's struct page on first touch. The PTEs are then ordinary ones to
 *    refcounted pages, which get_user_pages(), and so O_DIRECT, accept.
 * Either way the page protection carries the memory type (memtype.c).
 *
 * Live mappings are counted through the VMA open/close operations, which
 * the MM calls for every VMA that fork, a partial munmap or mremap creates
 * or destroys; only the first VMA of an mmap() has to be counted by hand.
 */
#include <linux/mm.h>
#include <linux/uio.h>

#include "internal.h"

static void chrmem_vma_open(struct vm_area_struct *vma)
{
	struct chrmem_dev *dev = vma->vm_private_data;

	atomic_inc(&dev->mappings);
}

static void chrmem_vma_close(struct vm_area_struct *vma)
{
	struct chrmem_dev *dev = vma->vm_private_data;

	atomic_dec(&dev->mappings);
}

/*
 * Debuggers and /proc/PID/mem reach a VM_IO | VM_PFNMAP area only through
 * .access. (generic_access_phys() would ioremap() RAM, which x86 refuses.)
 * The kernel's mapping of the buffer has the same memory type as the
 * user's, so going through it is coherent.
 */
static int chrmem_vma_access(struct vm_area_struct *vma, unsigned long addr,
			     void *data, int len, int write)
{
	struct chrmem_dev *dev = vma->vm_private_data;
	u64 pos = ((u64)vma->vm_pgoff << PAGE_SHIFT) + (addr - vma->vm_start);
	struct kvec kvec = { .iov_base = data };
	struct iov_iter iter;

	if (write && !(vma->vm_flags & VM_WRITE))
		return -EACCES;
	kvec.iov_len = min_t(unsigned long, len, vma->vm_end - addr);
	iov_iter_kvec(&iter, write ? ITER_SOURCE : ITER_DEST, &kvec, 1,
		      kvec.iov_len);
	return chrmem_buffer_copy_iter(&dev->buf, pos, kvec.iov_len, &iter);
}

/*
 * Hands the MM the page at the faulting offset, with a reference for the
 * PTE it installs. An offset past the buffer cannot occur (mmap() checks
 * the bounds and mremap() may not grow the area); it would be SIGBUS.
 */
static vm_fault_t chrmem_vma_fault(struct vm_fault *vmf)
{
	struct chrmem_dev *dev = vmf->vma->vm_private_data;

	if (vmf->pgoff >= dev->buf.nr_pages)
		return VM_FAULT_SIGBUS;
	vmf->page = dev->buf.pages[vmf->pgoff];
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct chrmem_remap_vm_ops = {
	.open	= chrmem_vma_open,
	.close	= chrmem_vma_close,
	.access	= chrmem_vma_access,
};

static const struct vm_operations_struct chrmem_fault_vm_ops = {
	.open	= chrmem_vma_open,
	.close	= chrmem_vma_close,
	.fault	= chrmem_vma_fault,
	.access	= chrmem_vma_access,
};

/* The MM has already refused a zero length and a page offset that wraps. */
static bool chrmem_mmap_in_bounds(const struct chrmem_dev *dev,
				  struct vm_area_struct *vma)
{
	unsigned long first = vma->vm_pgoff;

	return first < dev->buf.nr_pages &&
	       vma_pages(vma) <= dev->buf.nr_pages - first;
}

/*
 * A private mapping would give the process copy-on-write copies that are
 * no longer the buffer: refuse it writable, and take away the right to
 * mprotect() a read-only one to writable later.
 */
static int chrmem_mmap_check_private(struct vm_area_struct *vma)
{
	if (vma->vm_flags & VM_MAYSHARE)
		return 0;
	if (vma->vm_flags & VM_WRITE)
		return -EINVAL;
	vm_flags_clear(vma, VM_MAYWRITE);
	return 0;
}

static int chrmem_remap(struct chrmem_dev *dev, struct vm_area_struct *vma)
{
	unsigned long first = vma->vm_pgoff;
	unsigned long end = first + vma_pages(vma);
	unsigned long addr = vma->vm_start;
	unsigned long run;
	int ret;

	for (; first < end; first += run, addr += run << PAGE_SHIFT) {
		run = chrmem_buffer_run(&dev->buf, first, end);
		ret = remap_pfn_range(vma, addr,
				      page_to_pfn(dev->buf.pages[first]),
				      run << PAGE_SHIFT, vma->vm_page_prot);
		if (ret)
			return ret;
	}
	return 0;
}

/* Like /dev/mem, a file opened with O_SYNC (or O_DSYNC) maps uncached. */
static u32 chrmem_mmap_memtype(struct chrmem_dev *dev, struct file *file)
{
	return file->f_flags & O_DSYNC ? CHRMEM_CACHE_UNCACHED : dev->cache_mode;
}

/* Called with dev->lock held, so that the memory type cannot change. */
static int chrmem_mmap_locked(struct chrmem_dev *dev, struct file *file,
			      struct vm_area_struct *vma)
{
	u32 mode = chrmem_mmap_memtype(dev, file);
	int ret;

	ret = chrmem_dev_claim_memtype(dev, mode);
	if (ret == -EBUSY)
		dev_info_ratelimited(&dev->dev,
				     "%s mapping refused: the buffer is mapped %s\n",
				     chrmem_cache_mode_name(mode),
				     chrmem_cache_mode_name(dev->mem_type));
	if (ret)
		return ret;
	vma->vm_page_prot = chrmem_memtype_pgprot(vma->vm_page_prot, mode);

	if (dev->map_mode == CHRMEM_MAP_REMAP) {
		ret = chrmem_remap(dev, vma);
		if (ret)
			return ret;
		vma->vm_ops = &chrmem_remap_vm_ops;
	} else {
		vma->vm_ops = &chrmem_fault_vm_ops;
	}
	chrmem_vma_open(vma);
	return 0;
}

int chrmem_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct chrmem_dev *dev = file->private_data;
	int ret;

	if (!chrmem_mmap_in_bounds(dev, vma))
		return -EINVAL;
	ret = chrmem_mmap_check_private(vma);
	if (ret)
		return ret;

	/* No growth by mremap(), and no kernel buffer in core dumps. */
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_private_data = dev;

	mutex_lock(&dev->lock);
	ret = chrmem_mmap_locked(dev, file, vma);
	mutex_unlock(&dev->lock);
	return ret;
}
