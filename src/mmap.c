// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping a chrmem buffer into user space.
 *
 * mmap() maps [offset, offset + length) of the buffer. The map mode says
 * when the page tables are filled, the memory type of the mapping (see
 * memtype.c) what kind of mapping it is, and where the kernel can map a
 * PFN with a PMD (CHRMEM_HUGE_PFNMAP, 6.12 on) and the device's "huge"
 * switch is on, which parts get one 2 MiB entry:
 *
 *                  remap: at mmap()          fault: on first touch
 *   cached         remap_pfn_range()         vm_insert_pages()
 *                  PFN map                   page-backed
 *                  huge: PMDs on first touch 4 KiB only
 *   uncached, wc   remap_pfn_range()         vmf_insert_pfn()
 *                  PFN map                   PFN map
 *                  huge: PMDs on first touch huge: PMDs on first touch
 *
 * A fault that maps 4 KiB entries maps a window of them, up to 2 MiB
 * (chrmem_fault_window() says which).
 *
 *  - A PFN map (VM_IO | VM_PFNMAP) holds no page references: the MM sees
 *    no struct page behind it, get_user_pages() refuses it, so nothing can
 *    pin its pages, and the PTEs get their cache bits from PAT's record of
 *    each page (memtype.c), never a second type.
 *  - A page-backed mapping (VM_MIXEDMAP, the flag vm_insert_pages() wants
 *    from a fault handler) holds a reference per PTE on pages the driver
 *    owns (buffer.c): get_user_pages() accepts it, so O_DIRECT, io_uring,
 *    vmsplice and process_vm_readv can use it as a buffer. Only write-back
 *    mappings are page-backed: a pinned page is mapped write-back by
 *    whoever pinned it (io_uring's vmap, for one), which would alias an
 *    uncached or write-combining one. VM_MIXEDMAP also keeps NUMA
 *    balancing away: it would unmap pages that can never move.
 * Remap mode is the tutorials' remap_pfn_range() at mmap() time, kept as
 * it is taught: every memory type, cheapest to touch, not pinnable.
 *
 * Huge entries. A PMD can map a 2 MiB part of a mapping whose user
 * address is 2 MiB-aligned, that lies wholly inside the area, and whose
 * pages are 512 physically contiguous frames starting 2 MiB-aligned (a
 * buffer is made of naturally aligned blocks of up to 4 MiB, see
 * buffer.c, so all of a large buffer but its smaller tail blocks
 * qualifies). The PMD is a special entry with no struct page behind it,
 * like a PFN map's PTEs, which makes it right for the PFN maps and wrong
 * for the page-backed one:
 *  - cached fault mode exists to be pinnable (its vm_insert_pages() PTEs
 *    are what get_user_pages() follows); a special PMD would make
 *    O_DIRECT and io_uring fail on it, and the kernel can map a driver's
 *    order-0 pages with a PMD only as a PFN. It keeps 4 KiB entries: a
 *    user who wants huge cached mappings uses remap mode, which was never
 *    pinnable.
 *  - remap mode fills at mmap() what can never be a PMD, and leaves the
 *    2 MiB parts that can to their first touch, one fault each (the
 *    kernel has no way to put a PMD in from .mmap). Those areas have a
 *    4 KiB .fault as well, for the parts that the kernel maps with PTEs
 *    after all (MADV_NOHUGEPAGE, prctl(PR_SET_THP_DISABLE), THP "never"
 *    on kernels that obey it for PFN maps) and for the PTEs that replace
 *    a PMD split by mprotect(), mremap() or a partial munmap() (the
 *    kernel zaps a special PMD rather than splitting it).
 *  - uncached and write-combining fault mode get PMDs from the same
 *    .huge_fault, falling back to their 4 KiB .fault.
 * A huge area also gets VM_HUGEPAGE, so that THP "madvise" mode lets the
 * kernel call .huge_fault, and the file's .get_unmapped_area picks user
 * addresses 2 MiB-congruent with the file offset. The switch is read at
 * mmap(): an area keeps the kind it was made as.
 *
 * Live mappings are counted through the VMA open/close operations, which
 * the MM calls for every VMA that fork, a partial munmap or mremap creates
 * or destroys; only the first VMA of an mmap() has to be counted by hand.
 * The last one to go gives the buffer back its device's memory type
 * (memtype.c, rule 4).
 */
#include <linux/mm.h>
#include <linux/uio.h>

#include "internal.h"

static void chrmem_vma_open(struct vm_area_struct *vma)
{
	struct chrmem_dev *dev = vma->vm_private_data;

	atomic_inc(&dev->mappings);
}

/*
 * Under dev->lock, so that a mapping of the buffer cannot appear between
 * the last one going and the buffer's type being restored.
 */
static void chrmem_vma_close(struct vm_area_struct *vma)
{
	struct chrmem_dev *dev = vma->vm_private_data;

	mutex_lock(&dev->lock);
	if (atomic_dec_and_test(&dev->mappings))
		chrmem_dev_restore_memtype(dev);
	mutex_unlock(&dev->lock);
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

/* The buffer page that user address @addr of @vma maps. */
static unsigned long chrmem_vma_pgoff(struct vm_area_struct *vma,
				      unsigned long addr)
{
	return vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
}

/*
 * Fault windows. A 4 KiB fault maps the faulting page and its neighbours:
 * the rest of the area within the same 2 MiB of user addresses, which one
 * page table holds, in one batch. Touching a large area then costs one
 * fault per 2 MiB rather than one per page (DRM's TTM prefaults the same
 * way). The window stays inside
 *  - the area, and so inside the buffer: mmap() checked the area's bounds,
 *    and it can neither grow nor move in the file. A part of an area that
 *    mprotect(), munmap() or mremap() split off is an area of its own,
 *    with its own protection, and fork() copies areas as they are;
 *  - those 2 MiB, because the next 2 MiB of a huge area may be a PMD, under
 *    which no 4 KiB entry may go.
 * Every entry gets the area's protection (vm_page_prot), as the faulting
 * page's own would: writable in a shared writable area, read-only in a
 * private one, which can never become writable (see
 * chrmem_mmap_check_private()), so no entry is more writable than a fault
 * on its own page would have made it, and there is no copy-on-write to
 * break. Physical contiguity plays no part: each page gets its own entry.
 * Entries already there are left as they are. With the fault_window
 * parameter off, the window is the faulting page alone (for benchmarks).
 *
 * The window of the fault @vmf is [*@start, *@end); false when the faulting
 * page lies past the buffer, which cannot happen (it would be SIGBUS).
 */
static bool chrmem_fault_window(struct vm_fault *vmf, unsigned long *start,
				unsigned long *end)
{
	struct vm_area_struct *vma = vmf->vma;
	struct chrmem_dev *dev = vma->vm_private_data;
	unsigned long addr = vmf->address & PAGE_MASK;
	unsigned long pgoff = chrmem_vma_pgoff(vma, addr);

	if (pgoff >= dev->buf.nr_pages)
		return false;
	if (!dev->config->fault_window) {
		*start = addr;
		*end = addr + PAGE_SIZE;
		return true;
	}
	*start = max(vma->vm_start, addr & PMD_MASK);
	*end = min(vma->vm_end, (addr & PMD_MASK) + PMD_SIZE);
	*end = min(*end, addr + ((dev->buf.nr_pages - pgoff) << PAGE_SHIFT));
	return true;
}

/*
 * Page-backed: maps user addresses [@addr, @end) of @vma with
 * vm_insert_pages(), which takes each PTE's reference and mapcount, locks
 * each page table once per batch, and, unlike handing vmf->page back to
 * the MM, neither locks nor dirties a page that belongs to no file. It
 * stops at an entry that is already there (-EBUSY: another thread's
 * fault, or an earlier window).
 *
 * Return: the pages mapped, or the error if it mapped none.
 */
static long chrmem_insert_pages(struct vm_area_struct *vma, unsigned long addr,
				unsigned long end)
{
	struct chrmem_dev *dev = vma->vm_private_data;
	unsigned long count = (end - addr) >> PAGE_SHIFT, left = count;
	int ret;

	if (!count)
		return 0;
	ret = vm_insert_pages(vma, addr,
			      &dev->buf.pages[chrmem_vma_pgoff(vma, addr)],
			      &left);
	if (ret && left == count)
		return ret;
	return count - left;
}

/*
 * The faulting page and what follows it in the window first, then what
 * precedes it, each as far as it goes.
 */
static vm_fault_t chrmem_vma_fault_page(struct vm_fault *vmf)
{
	unsigned long addr = vmf->address & PAGE_MASK, start, end;
	long ret;

	if (!chrmem_fault_window(vmf, &start, &end))
		return VM_FAULT_SIGBUS;
	ret = chrmem_insert_pages(vmf->vma, addr, end);
	if (ret < 0 && ret != -EBUSY)
		return vmf_error(ret);
	chrmem_insert_pages(vmf->vma, start, addr);
	return VM_FAULT_NOPAGE;
}

/*
 * PFN map: one vmf_insert_pfn() per page (the kernel has no batched PFN
 * insert that a fault handler may call), each entry taking vm_page_prot's
 * type, checked against PAT's. An entry already there is left as it is.
 *
 * Return: VM_FAULT_NOPAGE, or the error of the first page that failed.
 */
static vm_fault_t chrmem_insert_pfns(struct vm_area_struct *vma,
				     unsigned long addr, unsigned long end)
{
	struct chrmem_dev *dev = vma->vm_private_data;
	unsigned long pgoff = chrmem_vma_pgoff(vma, addr);
	vm_fault_t ret = VM_FAULT_NOPAGE;

	for (; addr < end && ret == VM_FAULT_NOPAGE; addr += PAGE_SIZE)
		ret = vmf_insert_pfn(vma, addr,
				     page_to_pfn(dev->buf.pages[pgoff++]));
	return ret;
}

/* As chrmem_vma_fault_page(), with PFNs. */
static vm_fault_t chrmem_vma_fault_pfn(struct vm_fault *vmf)
{
	unsigned long addr = vmf->address & PAGE_MASK, start, end;
	vm_fault_t ret;

	if (!chrmem_fault_window(vmf, &start, &end))
		return VM_FAULT_SIGBUS;
	ret = chrmem_insert_pfns(vmf->vma, addr, addr + PAGE_SIZE);
	if (ret != VM_FAULT_NOPAGE)
		return ret;
	chrmem_insert_pfns(vmf->vma, addr + PAGE_SIZE, end);
	chrmem_insert_pfns(vmf->vma, start, addr);
	return VM_FAULT_NOPAGE;
}

#if CHRMEM_HUGE_PFNMAP
#define CHRMEM_PMD_PAGES	(PMD_SIZE >> PAGE_SHIFT)

/*
 * Can one PMD map the 2 MiB of @vma from @addr on? See the top: aligned,
 * inside the area, and 512 contiguous frames from an aligned one. (The
 * buffer's bounds hold for any part of the area: mmap() checked them, and
 * the area can neither grow nor move in the file.)
 */
static bool chrmem_huge_fits(struct chrmem_dev *dev, struct vm_area_struct *vma,
			     unsigned long addr)
{
	unsigned long first;

	if (!IS_ALIGNED(addr, PMD_SIZE) || addr < vma->vm_start ||
	    vma->vm_end - addr < PMD_SIZE)
		return false;
	first = chrmem_vma_pgoff(vma, addr);
	return IS_ALIGNED(page_to_pfn(dev->buf.pages[first]), CHRMEM_PMD_PAGES) &&
	       chrmem_buffer_run(&dev->buf, first, first + CHRMEM_PMD_PAGES) ==
	       CHRMEM_PMD_PAGES;
}

/*
 * PMD-sized faults only (a buffer has no 1 GiB of contiguous frames, so
 * a PUD never fits); VM_FAULT_FALLBACK sends the MM to the 4 KiB .fault.
 * A write fault on a read-only PMD comes back here with FAULT_FLAG_WRITE,
 * and vmf_insert_pfn_pmd() then makes the entry writable.
 */
static vm_fault_t chrmem_vma_huge_fault(struct vm_fault *vmf,
					unsigned int order)
{
	struct vm_area_struct *vma = vmf->vma;
	struct chrmem_dev *dev = vma->vm_private_data;
	unsigned long addr = vmf->address & PMD_MASK;
	struct page *page;

	if (order != PMD_ORDER || !chrmem_huge_fits(dev, vma, addr))
		return VM_FAULT_FALLBACK;
	page = dev->buf.pages[chrmem_vma_pgoff(vma, addr)];
	return vmf_insert_pfn_pmd(vmf, page_to_pfn(page),
				  vmf->flags & FAULT_FLAG_WRITE);
}

static const struct vm_operations_struct chrmem_huge_vm_ops = {
	.open		= chrmem_vma_open,
	.close		= chrmem_vma_close,
	.fault		= chrmem_vma_fault_pfn,
	.huge_fault	= chrmem_vma_huge_fault,
	.access		= chrmem_vma_access,
};
#endif /* CHRMEM_HUGE_PFNMAP */

static const struct vm_operations_struct chrmem_remap_vm_ops = {
	.open	= chrmem_vma_open,
	.close	= chrmem_vma_close,
	.access	= chrmem_vma_access,
};

static const struct vm_operations_struct chrmem_fault_page_vm_ops = {
	.open	= chrmem_vma_open,
	.close	= chrmem_vma_close,
	.fault	= chrmem_vma_fault_page,
	.access	= chrmem_vma_access,
};

static const struct vm_operations_struct chrmem_fault_pfn_vm_ops = {
	.open	= chrmem_vma_open,
	.close	= chrmem_vma_close,
	.fault	= chrmem_vma_fault_pfn,
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

/* Maps user addresses [@addr, @end) of @vma, one call per contiguous run. */
static int chrmem_remap_range(struct chrmem_dev *dev,
			      struct vm_area_struct *vma, unsigned long addr,
			      unsigned long end)
{
	unsigned long first = chrmem_vma_pgoff(vma, addr);
	unsigned long last = chrmem_vma_pgoff(vma, end);
	unsigned long run;
	int ret;

	for (; first < last; first += run, addr += run << PAGE_SHIFT) {
		run = chrmem_buffer_run(&dev->buf, first, last);
		ret = remap_pfn_range(vma, addr,
				      page_to_pfn(dev->buf.pages[first]),
				      run << PAGE_SHIFT, vma->vm_page_prot);
		if (ret)
			return ret;
	}
	return 0;
}

static int chrmem_remap(struct chrmem_dev *dev, struct vm_area_struct *vma)
{
	return chrmem_remap_range(dev, vma, vma->vm_start, vma->vm_end);
}

#if CHRMEM_HUGE_PFNMAP
/*
 * Remap mode, huge: maps now every stretch of the area that no PMD can
 * map, and leaves each 2 MiB part that one can to its first touch. A
 * stretch runs from a part that does not fit to the next one that does.
 */
static int chrmem_remap_small_parts(struct chrmem_dev *dev,
				    struct vm_area_struct *vma)
{
	unsigned long addr = vma->vm_start, end;
	int ret;

	while (addr < vma->vm_end) {
		if (chrmem_huge_fits(dev, vma, addr)) {
			addr += PMD_SIZE;
			continue;
		}
		end = min(ALIGN(addr + 1, PMD_SIZE), vma->vm_end);
		while (end < vma->vm_end && !chrmem_huge_fits(dev, vma, end))
			end = min(end + PMD_SIZE, vma->vm_end);
		ret = chrmem_remap_range(dev, vma, addr, end);
		if (ret)
			return ret;
		addr = end;
	}
	return 0;
}

/*
 * A PFN map whose 2 MiB parts get PMDs: remap mode in every memory type,
 * fault mode in the ones that are not page-backed (see the top).
 */
static bool chrmem_mmap_wants_huge(struct chrmem_dev *dev, u32 mode)
{
	if (!READ_ONCE(dev->huge))
		return false;
	return dev->map_mode == CHRMEM_MAP_REMAP || mode != CHRMEM_CACHE_CACHED;
}

/*
 * The operations go in once the area is filled, as in plain remap mode:
 * an area whose mmap() failed must have none of ours, whose .close would
 * uncount a mapping that was never counted.
 */
static int chrmem_mmap_fill_huge(struct chrmem_dev *dev,
				 struct vm_area_struct *vma)
{
	int ret;

	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_HUGEPAGE);
	if (dev->map_mode == CHRMEM_MAP_REMAP) {
		ret = chrmem_remap_small_parts(dev, vma);
		if (ret)
			return ret;
	}
	vma->vm_ops = &chrmem_huge_vm_ops;
	return 0;
}
#else
static bool chrmem_mmap_wants_huge(struct chrmem_dev *dev, u32 mode)
{
	return false;
}

static int chrmem_mmap_fill_huge(struct chrmem_dev *dev,
				 struct vm_area_struct *vma)
{
	return -EOPNOTSUPP;
}
#endif /* CHRMEM_HUGE_PFNMAP */

/* Like /dev/mem, a file opened with O_SYNC (or O_DSYNC) maps uncached. */
static u32 chrmem_mmap_memtype(struct chrmem_dev *dev, struct file *file)
{
	return file->f_flags & O_DSYNC ? CHRMEM_CACHE_UNCACHED : dev->cache_mode;
}

/* Sets up the area for its map mode and memory type: see the top. */
static int chrmem_mmap_fill(struct chrmem_dev *dev, struct vm_area_struct *vma,
			    u32 mode)
{
	int ret;

	vma->vm_page_prot = chrmem_memtype_pgprot(vma->vm_page_prot, mode);
	if (chrmem_mmap_wants_huge(dev, mode))
		return chrmem_mmap_fill_huge(dev, vma);
	if (dev->map_mode == CHRMEM_MAP_REMAP) {
		ret = chrmem_remap(dev, vma);
		if (ret)
			return ret;
		vma->vm_ops = &chrmem_remap_vm_ops;
	} else if (mode == CHRMEM_CACHE_CACHED) {
		vm_flags_set(vma, VM_MIXEDMAP);
		vma->vm_ops = &chrmem_fault_page_vm_ops;
	} else {
		vm_flags_set(vma, VM_IO | VM_PFNMAP);
		vma->vm_ops = &chrmem_fault_pfn_vm_ops;
	}
	return 0;
}

/* Called with dev->lock held, so that the memory type cannot change. */
static int chrmem_mmap_locked(struct chrmem_dev *dev, struct vm_area_struct *vma,
			      u32 mode, bool may_write)
{
	int ret;

	ret = chrmem_dev_claim_memtype(dev, mode, may_write);
	if (ret == -EBUSY)
		dev_info_ratelimited(&dev->dev,
				     "%s mapping refused: the buffer is %s, mapped or pinned\n",
				     chrmem_cache_mode_name(mode),
				     chrmem_cache_mode_name(dev->mem_type));
	if (ret)
		return ret;
	ret = chrmem_mmap_fill(dev, vma, mode);
	if (ret) {
		/* A type claimed for this mapping alone goes back. */
		if (!atomic_read(&dev->mappings))
			chrmem_dev_restore_memtype(dev);
		return ret;
	}
	chrmem_vma_open(vma);
	return 0;
}

/**
 * chrmem_mmap_buffer() - map part of a buffer into a new user area
 * @dev:       the device
 * @vma:       the area; vm_pgoff is its first page in the buffer
 * @mode:      the CHRMEM_CACHE_* type it needs
 * @may_write: whether the mapping may change the buffer's type to @mode
 *
 * For mmap() of the device, and of a dma-buf exported from it (dmabuf.c),
 * whose areas are the same in every respect but the file behind them.
 *
 * Return: 0 or the error for mmap() to return.
 */
int chrmem_mmap_buffer(struct chrmem_dev *dev, struct vm_area_struct *vma,
		       u32 mode, bool may_write)
{
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
	ret = chrmem_mmap_locked(dev, vma, mode, may_write);
	mutex_unlock(&dev->lock);
	return ret;
}

int chrmem_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct chrmem_dev *dev = file->private_data;

	return chrmem_mmap_buffer(dev, vma, chrmem_mmap_memtype(dev, file),
				  file->f_mode & FMODE_WRITE);
}
