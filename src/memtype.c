// SPDX-License-Identifier: GPL-2.0
/*
 * Memory types: keeping the kernel's view of a buffer in step with the
 * mappings user space has of it.
 *
 * On x86 the memory type of a mapping is chosen by PAT, and for ordinary
 * RAM the kernel records one type per page. A user mapping asked for as
 * uncached or write-combining of a page still recorded as write-back is
 * quietly made write-back ("x86/PAT: ... got write-back"). So the type is
 * first set on the buffer's kernel (linear) mapping with set_memory_uc() or
 * set_memory_wc(), which records it; user mappings then get the same type,
 * and the kernel's own accesses (read, write, CLEAR, RESET) go through a
 * mapping of the same type as every user mapping:
 *  - cached:   both sides write-back, and x86 caches are coherent;
 *  - uncached: both sides UC-, every access goes to memory;
 *  - wc:       both sides write-combining; the kernel ends its stores with
 *              wmb() (sfence), which drains its write-combining buffers
 *              before the system call returns.
 * So a CLEAR, RESET or write() is seen through every live mapping.
 *
 * Two mappings of one page with different types alias, which x86 forbids
 * (lost writes, machine checks). chrmem_dev_claim_memtype() therefore lets
 * a buffer change type only while nothing maps it, and refuses a mapping of
 * another type than the live ones with -EBUSY.
 *
 * Architectures without PAT have no per-page type to keep in step, and the
 * kernel's cached view of the buffer could hide data from an uncached user
 * mapping. There only the cached mode is offered; the others fail with
 * -EOPNOTSUPP.
 */
#include <linux/mm.h>

#include "internal.h"

#ifdef CONFIG_X86
#include <asm/set_memory.h>

static int set_run_memtype(struct page *first, unsigned long count, u32 mode)
{
	unsigned long addr = (unsigned long)page_address(first);

	switch (mode) {
	case CHRMEM_CACHE_UNCACHED:
		return set_memory_uc(addr, count);
	case CHRMEM_CACHE_WC:
		return set_memory_wc(addr, count);
	default:
		return set_memory_wb(addr, count);
	}
}
#else
static int set_run_memtype(struct page *first, unsigned long count, u32 mode)
{
	return mode == CHRMEM_CACHE_CACHED ? 0 : -EOPNOTSUPP;
}
#endif

static int set_buffer_memtype(struct chrmem_buffer *buf, u32 mode)
{
	unsigned long first, run;
	int ret;

	for (first = 0; first < buf->nr_pages; first += run) {
		run = chrmem_buffer_run(buf, first, buf->nr_pages);
		ret = set_run_memtype(buf->pages[first], run, mode);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * chrmem_buffer_set_memtype() - change the type of the kernel's mapping
 * @buf:  the buffer
 * @from: its current CHRMEM_CACHE_* type
 * @to:   the type it should have
 *
 * PAT grants a type only to pages that are write-back, so a change between
 * two other types passes through write-back.
 *
 * Return: 0, or an error after which the buffer is write-back again.
 */
int chrmem_buffer_set_memtype(struct chrmem_buffer *buf, u32 from, u32 to)
{
	int ret;

	if (from == to)
		return 0;
	if (from != CHRMEM_CACHE_CACHED) {
		ret = set_buffer_memtype(buf, CHRMEM_CACHE_CACHED);
		if (ret)
			return ret;
	}
	if (to == CHRMEM_CACHE_CACHED)
		return 0;
	ret = set_buffer_memtype(buf, to);
	if (ret)
		set_buffer_memtype(buf, CHRMEM_CACHE_CACHED);
	return ret;
}

/* The page protection of a user mapping of type @mode. */
pgprot_t chrmem_memtype_pgprot(pgprot_t prot, u32 mode)
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

/**
 * chrmem_dev_claim_memtype() - give the buffer a type for a new mapping
 * @dev:  the device, with dev->lock held
 * @mode: the CHRMEM_CACHE_* type the new mapping needs
 *
 * Return: 0 when the buffer has type @mode; -EBUSY when it has another
 * type and live mappings that depend on it; or the error of the change.
 */
int chrmem_dev_claim_memtype(struct chrmem_dev *dev, u32 mode)
{
	int ret;

	lockdep_assert_held(&dev->lock);
	if (mode == dev->mem_type)
		return 0;
	if (atomic_read(&dev->mappings))
		return -EBUSY;
	ret = chrmem_buffer_set_memtype(&dev->buf, dev->mem_type, mode);
	dev->mem_type = ret ? CHRMEM_CACHE_CACHED : mode;
	return ret;
}

/**
 * chrmem_dev_set_cache_mode() - set the type of the device's new mappings
 * @dev:  the device
 * @mode: CHRMEM_CACHE_*
 *
 * Setting the mode the device already has always succeeds. Another one is
 * refused while the buffer is mapped, and is applied to the kernel's
 * mapping at once, so that read() and write() use it too.
 *
 * Return: 0, -EINVAL for an unknown mode, -EBUSY while mapped, or the
 * error of the change.
 */
int chrmem_dev_set_cache_mode(struct chrmem_dev *dev, u32 mode)
{
	int ret = 0;

	if (mode > CHRMEM_CACHE_WC)
		return -EINVAL;
	mutex_lock(&dev->lock);
	if (mode != dev->cache_mode) {
		if (atomic_read(&dev->mappings))
			ret = -EBUSY;
		else
			ret = chrmem_dev_claim_memtype(dev, mode);
		if (!ret)
			WRITE_ONCE(dev->cache_mode, mode);
	}
	mutex_unlock(&dev->lock);
	return ret;
}
