// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping a chrmem buffer into user space.
 *
 * mmap() maps [offset, offset + length) of the buffer, all at once, with
 * remap_pfn_range(): one call per physically contiguous run of pages.
 * Live mappings are counted through the VMA open/close operations, which
 * the MM calls for every VMA that fork, a partial munmap or mremap creates
 * or destroys; only the first VMA of an mmap() has to be counted by hand.
 */
#include <linux/mm.h>

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

static const struct vm_operations_struct chrmem_remap_vm_ops = {
	.open	= chrmem_vma_open,
	.close	= chrmem_vma_close,
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

	ret = chrmem_remap(dev, vma);
	if (ret)
		return ret;
	vma->vm_ops = &chrmem_remap_vm_ops;
	chrmem_vma_open(vma);
	return 0;
}
