// SPDX-License-Identifier: GPL-2.0
/*
 * Memory types: keeping the kernel's view of a buffer in step with the
 * mappings user space has of it.
 *
 * The kernel's own accesses (read, write, CLEAR, RESET, .access) go
 * through its "view" of the buffer (buffer.c), which always has the type
 * of every user mapping, so a CLEAR, RESET or write() is seen through
 * every live mapping and a store through a mapping by the next read().
 * How each architecture gets there is its own file's:
 *
 * x86 (memtype_pat.c). The memory type of a mapping is chosen by PAT, and
 * for ordinary RAM the kernel records one type per page. A user mapping
 * asked for as uncached or write-combining of a page still recorded as
 * write-back is quietly made write-back ("x86/PAT: ... got write-back").
 * So the type is first set on the buffer's kernel (linear) mapping, which
 * records it and is the view; user mappings then get the same type:
 *  - cached:   both sides write-back, and x86 caches are coherent;
 *  - uncached: both sides UC-, every access goes to memory;
 *  - wc:       both sides write-combining; the kernel ends its stores with
 *              wmb() (sfence), which drains its write-combining buffers
 *              before the system call returns.
 *
 * arm64 (memtype_mair.c). The linear map stays write-back; a non-cacheable
 * buffer gets a second kernel mapping of its own type (a vmap()) as the
 * view, and the linear map's lines are cleaned and invalidated when the
 * type changes, in both directions:
 *  - cached:   Normal write-back everywhere, coherent;
 *  - uncached and wc: both Normal Non-cacheable (the type
 *              dma_alloc_coherent() gives non-coherent devices), not
 *              Device memory, on which memcpy() and memset() fault;
 *              wmb() (DSB) completes the kernel's stores. The file says
 *              why at length.
 *
 * The rules, which keep two types from ever aliasing (lost writes, machine
 * checks) and what the driver reports true:
 *  1. A buffer has one type at a time, dev->mem_type; the kernel's view
 *     and every user mapping have it. sysfs "memory_type" and GET_INFO's
 *     memory_type report it.
 *  2. It changes only while nothing maps the buffer, no dma-buf exports
 *     any of it (dmabuf.c: importers map and vmap it with the type it had
 *     at export) and nothing else holds a page of it: a pin that outlived
 *     its mapping (see buffer.c) would
 *     keep a write-back view of pages that became uncached. Uncached and
 *     write-combining mappings are PFN maps (mmap.c), which cannot be
 *     pinned, so only write-back pages can have such holders.
 *  3. It changes only for someone who may write the device: the
 *     SET_CACHE_MODE ioctl and a mapping through a file open for writing,
 *     and root through sysfs. A mapping that would change it through a
 *     read-only file fails with -EACCES.
 *  4. Whenever nothing maps the buffer, it has the device's cache_mode. A
 *     file opened with O_SYNC maps uncached (like /dev/mem); on a device
 *     of another mode that makes the buffer uncached for as long as such
 *     mappings live, and the last one to go takes it back. A mapping of a
 *     type other than the buffer's while it is mapped fails with -EBUSY.
 *  5. A change is one call over the whole page array: the kernel's
 *     set_pages_array_*() flush the TLBs and caches once, not once per
 *     page or chunk (arm64: one vmap() and one pass of cache maintenance).
 *  6. After a failed change, dev->mem_type still says what the buffer has:
 *     the old type when the kernel undid the change, write-back when the
 *     way back was taken, or CHRMEM_MEMORY_TYPE_MIXED when even that failed.
 *     A mixed buffer can be mapped by no one until a later change to
 *     write-back succeeds, and pages that are not surely write-back are
 *     never given back to the allocator.
 *
 * Other architectures have no part here: their kernel's cached view of
 * the buffer could hide data from an uncached user mapping, so only the
 * cached mode is offered there; the others fail with -EOPNOTSUPP.
 */
#include <linux/mm.h>

#include "internal.h"

/*
 * The architecture's part (memtype_pat.c, memtype_mair.c): the type of the
 * kernel's view, and the page protection of user mappings. Elsewhere only
 * the cached mode is offered.
 */
#if !defined(CONFIG_X86) && !defined(CONFIG_ARM64)
int chrmem_arch_set_memtype(struct chrmem_buffer *buf, u32 mode)
{
	return mode == CHRMEM_CACHE_CACHED ? 0 : -EOPNOTSUPP;
}

pgprot_t chrmem_arch_pgprot(pgprot_t prot, u32 mode)
{
	return prot;
}
#endif

/*
 * Every type change runs with the kernel's view locked against the
 * kernel's own accesses (buffer.c), which never use a view that is being
 * changed or torn down.
 */
static int set_pages_memtype(struct chrmem_buffer *buf, u32 mode)
{
	int ret;

	down_write(&buf->view_lock);
	ret = chrmem_arch_set_memtype(buf, mode);
	up_write(&buf->view_lock);
	return ret;
}

/* Makes the buffer write-back; *type says what it has afterwards. */
static int set_buffer_writeback(struct chrmem_buffer *buf, u32 *type)
{
	int ret = set_pages_memtype(buf, CHRMEM_CACHE_CACHED);

	*type = ret ? CHRMEM_MEMORY_TYPE_MIXED : CHRMEM_CACHE_CACHED;
	return ret;
}

/**
 * chrmem_buffer_set_memtype() - change the type of the kernel's mapping
 * @buf:  the buffer
 * @type: in: the type it has now; out: the type it has afterwards
 * @to:   the CHRMEM_CACHE_* type it should have
 *
 * PAT grants a type only to pages that are write-back, so a change between
 * two other types passes through write-back. A failed change to uncached
 * or write-combining is undone by the kernel for its records, and here
 * for the kernel mapping.
 *
 * Return: 0 (then *@type is @to), or the error of the change (then *@type
 * is what the buffer has: see rule 6 at the top of this file).
 */
int chrmem_buffer_set_memtype(struct chrmem_buffer *buf, u32 *type, u32 to)
{
	int ret;

	if (*type == to)
		return 0;
	if (*type != CHRMEM_CACHE_CACHED) {
		ret = set_buffer_writeback(buf, type);
		if (ret || to == CHRMEM_CACHE_CACHED)
			return ret;
	}
	ret = set_pages_memtype(buf, to);
	if (!ret) {
		*type = to;
		return 0;
	}
	set_buffer_writeback(buf, type);
	return ret;
}

/* The page protection of a user mapping of type @mode. */
pgprot_t chrmem_memtype_pgprot(pgprot_t prot, u32 mode)
{
	return chrmem_arch_pgprot(prot, mode);
}

/* Rule 2: a change needs a buffer that no mapping and no pin holds. */
static int chrmem_dev_change_memtype(struct chrmem_dev *dev, u32 mode)
{
	lockdep_assert_held(&dev->lock);
	if (mode == dev->mem_type)
		return 0;
	if (atomic_read(&dev->mappings) || dev->exports ||
	    chrmem_buffer_in_use(&dev->buf))
		return -EBUSY;
	return chrmem_buffer_set_memtype(&dev->buf, &dev->mem_type, mode);
}

/**
 * chrmem_dev_claim_memtype() - give the buffer a type for a new mapping
 * @dev:       the device, with dev->lock held
 * @mode:      the CHRMEM_CACHE_* type the new mapping needs
 * @may_write: whether the mapping's file was opened for writing
 *
 * Return: 0 when the buffer has type @mode; -EACCES when it has another
 * and the file may not change it; -EBUSY when mappings or pins hold the
 * other type; or the error of the change.
 */
int chrmem_dev_claim_memtype(struct chrmem_dev *dev, u32 mode, bool may_write)
{
	lockdep_assert_held(&dev->lock);
	if (mode == dev->mem_type)
		return 0;
	if (!may_write)
		return -EACCES;
	return chrmem_dev_change_memtype(dev, mode);
}

/**
 * chrmem_dev_restore_memtype() - rule 4: back to the device's mode
 * @dev: the device, with dev->lock held, whose last mapping or export
 *       just went
 *
 * A failure leaves the type the buffer has, which sysfs reports; the next
 * mapping or SET_CACHE_MODE tries again. While a mapping or an export
 * lives, the last of them to go does it.
 */
void chrmem_dev_restore_memtype(struct chrmem_dev *dev)
{
	int ret;

	lockdep_assert_held(&dev->lock);
	if (atomic_read(&dev->mappings) || dev->exports)
		return;
	ret = chrmem_dev_change_memtype(dev, dev->cache_mode);
	if (ret)
		dev_warn_ratelimited(&dev->dev,
				     "buffer stays %s, not %s: error %d\n",
				     chrmem_cache_mode_name(dev->mem_type),
				     chrmem_cache_mode_name(dev->cache_mode),
				     ret);
}

/**
 * chrmem_dev_set_cache_mode() - set the type of the device's mappings
 * @dev:  the device
 * @mode: CHRMEM_CACHE_*
 *
 * Setting the mode the device already has always succeeds. Another one is
 * refused while the buffer is mapped or pinned, and is applied to the
 * kernel's mapping at once, so that read() and write() use it too.
 *
 * Return: 0, -EINVAL for an unknown mode, -EBUSY while mapped or pinned,
 * or the error of the change (the mode is then unchanged).
 */
int chrmem_dev_set_cache_mode(struct chrmem_dev *dev, u32 mode)
{
	int ret = 0;

	if (mode > CHRMEM_CACHE_WC)
		return -EINVAL;
	mutex_lock(&dev->lock);
	if (mode != dev->cache_mode || !atomic_read(&dev->mappings)) {
		ret = chrmem_dev_change_memtype(dev, mode);
		if (!ret)
			WRITE_ONCE(dev->cache_mode, mode);
	}
	mutex_unlock(&dev->lock);
	return ret;
}
