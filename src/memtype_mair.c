// SPDX-License-Identifier: GPL-2.0
/*
 * arm64's part of memtype.c: Normal Non-cacheable mappings, a kernel view
 * of the same type, and the cache maintenance that keeps the cacheable
 * linear map from ever holding data the buffer does not.
 *
 * The type. arm64 has no per-page record like PAT: a mapping's type is the
 * MAIR attribute its entries' AttrIndx selects, so user mappings simply
 * get one. Both "uncached" and "wc" are Normal Non-cacheable (MAIR 0x44,
 * pgprot_writecombine()), which is what dma_alloc_coherent() gives
 * non-coherent devices (pgprot_dmacoherent()). The other non-cacheable
 * kind, Device memory (pgprot_noncached(): nGnRnE), is for registers: an
 * unaligned access to it faults, and DC ZVA, which the kernel's
 * clear_page() and the C library's memset() use, faults too, so plain
 * memcpy() and memset() on the buffer would kill the process or oops the
 * kernel. Normal-NC lets the CPU gather and merge stores and read ahead,
 * as x86's write-combining does; it never allocates a cache line. So on
 * arm64 the two modes are the same memory type (and sysfs tells them
 * apart only by name); nothing stronger than Normal-NC is sound for RAM
 * that user space treats as memory.
 *
 * The kernel's view. The linear map covers every page with Normal
 * write-back, and arm64 cannot change it page by page (it may be made of
 * block entries, and changing a live entry's type needs break-before-make
 * on a mapping every CPU uses). Accessing the buffer through it while
 * user mappings are Normal-NC would be a mismatched-attribute alias: a
 * kernel store could sit in a cache line that no user load ever looks at.
 * So while the buffer is non-cacheable, the kernel's own accesses (read,
 * write, CLEAR, RESET, .access) go through buf->view, a vmap() of the
 * buffer's pages with the user mappings' page protection; the linear
 * map is left untouched and unused. (dmabuf.c's vmap() for importers is
 * made the same way.)
 *
 * The maintenance, on the linear map's addresses of the pages:
 *  - to non-cacheable: clean and invalidate to the point of coherency, so
 *    that every write made while the buffer was cacheable is in memory,
 *    where non-cacheable accesses look, and no dirty line is left to be
 *    written back later over newer data;
 *  - back to cacheable: the same, for the lines the CPU may have fetched
 *    speculatively through the linear map meanwhile (it may, for any
 *    Normal cacheable mapping): they are clean but stale, and a cacheable
 *    load would hit them. Nothing wrote through the linear map, so the
 *    clean finds nothing dirty, and the invalidation drops them.
 * The kernel's own way (arch_dma_prep_coherent() for dma-direct) is not
 * exported; the persistent-memory API is, on every kernel chrmem
 * supports (CONFIG_ARCH_HAS_PMEM_API, which arm64 always selects):
 * arch_wb_cache_pmem() cleans to the point of persistence, which is at or
 * beyond the point of coherency, and arch_invalidate_pmem() invalidates to
 * the point of coherency. Each ends with a DSB, so the maintenance is
 * complete before the type is.
 */
#include <linux/libnvdimm.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/vmalloc.h>

#include "internal.h"

/* Cleans and invalidates the linear map's lines of every page. */
static void chrmem_clean_inval_linear(struct chrmem_buffer *buf)
{
	unsigned long first, run;
	void *addr;

	for (first = 0; first < buf->nr_pages; first += run) {
		run = chrmem_buffer_run(buf, first, buf->nr_pages);
		addr = page_address(buf->pages[first]);
		arch_wb_cache_pmem(addr, run << PAGE_SHIFT);
		arch_invalidate_pmem(addr, run << PAGE_SHIFT);
		cond_resched();
	}
}

/*
 * Called with buf->view_lock held for writing: no kernel access is under
 * way, and none can start, through the view being replaced. Only the
 * vmap() can fail, before anything changed.
 */
int chrmem_arch_set_memtype(struct chrmem_buffer *buf, u32 mode)
{
	void *view;

	if (mode == CHRMEM_CACHE_CACHED) {
		if (!buf->view)
			return 0;
		/*
		 * No access through the view remains: the kernel's are done
		 * (the lock), the user mappings gone (rule 2). vunmap() may
		 * leave TLB entries behind for a while; nothing uses them, and
		 * a non-cacheable entry fills no cache line.
		 */
		vunmap(buf->view);
		buf->view = NULL;
		chrmem_clean_inval_linear(buf);
		return 0;
	}
	if (buf->view)
		return 0;	/* uncached and wc are the same type here */
	view = vmap(buf->pages, buf->nr_pages, VM_MAP,
		    chrmem_arch_pgprot(PAGE_KERNEL, mode));
	if (!view)
		return -ENOMEM;
	chrmem_clean_inval_linear(buf);
	buf->view = view;
	return 0;
}

/* Normal Non-cacheable for both: see the top of this file. */
pgprot_t chrmem_arch_pgprot(pgprot_t prot, u32 mode)
{
	return mode == CHRMEM_CACHE_CACHED ? prot : pgprot_writecombine(prot);
}
