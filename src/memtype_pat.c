// SPDX-License-Identifier: GPL-2.0
/*
 * x86's part of memtype.c: PAT types, recorded per page, set on the
 * buffer's kernel (linear) mapping. The kernel's view of the buffer stays
 * that mapping (buf->view is never set), so once its type is changed,
 * the kernel's own accesses have the type of every user mapping.
 */
#include <linux/mm.h>
#include <asm/set_memory.h>

#include "internal.h"

int chrmem_arch_set_memtype(struct chrmem_buffer *buf, u32 mode)
{
	switch (mode) {
	case CHRMEM_CACHE_UNCACHED:
		return set_pages_array_uc(buf->pages, buf->nr_pages);
	case CHRMEM_CACHE_WC:
		return set_pages_array_wc(buf->pages, buf->nr_pages);
	default:
		return set_pages_array_wb(buf->pages, buf->nr_pages);
	}
}

/* UC- and WC: a user mapping then gets the type PAT recorded for its pages. */
pgprot_t chrmem_arch_pgprot(pgprot_t prot, u32 mode)
{
	switch (mode) {
	case CHRMEM_CACHE_UNCACHED:
		return pgprot_noncached(prot);
	case CHRMEM_CACHE_WC:
		return pgprot_writecombine(prot);
	default:
		return prot;
	}
}
