// SPDX-License-Identifier: GPL-2.0
/*
 * The buffer behind each chrmem device, and the memory model it follows.
 *
 * A buffer is a list of order-0 pages taken from blocks that are as large
 * as the page allocator will give (split with split_page()), so that big
 * buffers are made of few physically contiguous chunks and still load on
 * a fragmented machine. The allocator zeroes them before anyone sees them.
 *
 * Page references. The driver holds exactly one reference on each page,
 * from allocation to the release of the device, and nothing else: no
 * PG_reserved, no page lock, no LRU. Everything else that reaches a page
 * takes and drops references of its own on top of that one:
 *  - a page-backed mapping (cached, fault mode: vm_insert_pages(), see
 *    mmap.c) holds one reference and one mapcount per PTE, dropped when the
 *    PTE is zapped;
 *  - get_user_pages() and pin_user_pages() on such a mapping (O_DIRECT,
 *    io_uring, vmsplice, process_vm_readv, KVM) hold theirs until they
 *    are done, which may be after the mapping is gone;
 *  - PFN mappings (remap mode, and uncached or write-combining mappings
 *    in either mode) hold none: the MM sees no struct page behind them,
 *    and get_user_pages() refuses them.
 * So a page whose count is 1 is the driver's alone (chrmem_buffer_in_use()).
 * Releasing the device drops the driver's reference with put_page(): a
 * page that someone still holds goes back to the allocator when they let
 * go of it, never before.
 *
 * Why no PG_reserved. The tutorials chrmem comes from mark their pages
 * reserved, a leftover from kernels that refused to map anything else.
 * It promises nothing today, and it makes the MM treat a page as not
 * refcounted: KVM, for one, takes no reference on a reserved page and so
 * drops none, while get_user_pages() took one, and the page leaks. What
 * users want from "reserved" holds without the flag: the pages are
 * unmovable kernel allocations (GFP_KERNEL, never __GFP_MOVABLE), not on
 * any LRU list and held by a reference, so compaction and migration skip
 * them and reclaim and swap never see them. Their physical addresses stay
 * the same from load to unload, which is what DMA by physical address
 * needs. (The kernel's own page-backed driver mappings, vm_insert_page()
 * users such as DRM and V4L2 buffers, work the same way.)
 *
 * Memory types are memtype.c's: the kernel's view of the pages has the type
 * of every user mapping, and pages go back to the allocator write-back.
 * The kernel's own accesses (read, write, .access, CLEAR, RESET) take the
 * view a stretch (at most a MiB) at a time under view_lock, which a change
 * of type takes for writing, so none of them uses a view that is being
 * changed or unmapped. Copies to and from user memory run with page faults
 * disabled under it (a fault may need mmap_lock, under which mmap()
 * changes the type), fault the user pages in after letting go of it, and
 * go on through a small bounce buffer when that was not enough.
 */
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/numa.h>
#include <linux/pfn.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "internal.h"

/*
 * Large blocks are only worth a cheap attempt: if one fails we fall back
 * to smaller orders. Single pages may reclaim harder, but a buffer that
 * does not fit must fail the load, never wake the OOM killer. Neither may
 * warn: failing is an expected, reported outcome.
 */
static gfp_t chrmem_gfp(unsigned int order)
{
	gfp_t gfp = GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN;

	return gfp | (order ? __GFP_NORETRY : __GFP_RETRY_MAYFAIL);
}

/*
 * Where the pages come from: anywhere (the task's memory policy) without
 * a node; the node first, then the others, for a device's node; that node
 * alone when asked for by name (the node parameter).
 */
static struct page *chrmem_alloc_block(int nid, bool only_nid,
				       unsigned int order)
{
	gfp_t gfp = chrmem_gfp(order) | (only_nid ? __GFP_THISNODE : 0);

	if (nid == NUMA_NO_NODE)
		return alloc_pages(gfp, order);
	return alloc_pages_node(nid, gfp, order);
}

/* Drops the driver's reference on each page: see the top of this file. */
static void chrmem_release_pages(struct page **pages, unsigned long count)
{
	unsigned long i;

	for (i = 0; i < count; i++)
		put_page(pages[i]);
}

/* Counts the physically contiguous runs of the page list. */
static unsigned int chrmem_count_chunks(const struct chrmem_buffer *buf)
{
	unsigned long first = 0;
	unsigned int chunks = 0;

	while (first < buf->nr_pages) {
		first += chrmem_buffer_run(buf, first, buf->nr_pages);
		chunks++;
	}
	return chunks;
}

/*
 * Fills buf->pages with buf->nr_pages pages, largest blocks first. Once an
 * order fails it is not tried again: on a fragmented machine retrying
 * large orders for every block only costs time.
 */
static int chrmem_fill_pages(struct chrmem_buffer *buf, int nid,
			     bool only_nid)
{
	unsigned int order = MAX_PAGE_ORDER;
	unsigned long done = 0, i;
	struct page *block;

	while (done < buf->nr_pages) {
		order = min_t(unsigned int, order, ilog2(buf->nr_pages - done));
		block = chrmem_alloc_block(nid, only_nid, order);
		if (!block) {
			if (!order) {
				chrmem_release_pages(buf->pages, done);
				return -ENOMEM;
			}
			order--;
			continue;
		}
		/* Each page gets its own reference count and is freed alone. */
		split_page(block, order);
		for (i = 0; i < (1UL << order); i++)
			buf->pages[done++] = block + i;
		cond_resched();
	}
	return 0;
}

/**
 * chrmem_buffer_alloc() - allocate a zeroed buffer
 * @buf:      the buffer to fill in
 * @size:     bytes, a non-zero multiple of PAGE_SIZE
 * @nid:      the NUMA node to take the pages from, or NUMA_NO_NODE
 * @only_nid: from @nid and no other (else @nid first)
 *
 * A buffer larger than the memory the kernel deems available (MemAvailable:
 * free memory plus what reclaim can easily give back) is refused at once.
 * Taking it anyway would mean reclaiming until the allocator gives up, and
 * while memory is that low every other task's allocations can wake the OOM
 * killer: a load that fails must not cost anyone else a process.
 *
 * Return: 0 or -ENOMEM.
 */
int chrmem_buffer_alloc(struct chrmem_buffer *buf, u64 size, int nid,
			bool only_nid)
{
	int ret;

	init_rwsem(&buf->view_lock);
	buf->view = NULL;
	buf->nr_pages = size >> PAGE_SHIFT;
	if (buf->nr_pages > si_mem_available())
		return -ENOMEM;
	buf->pages = kvmalloc_array(buf->nr_pages, sizeof(*buf->pages),
				    GFP_KERNEL | __GFP_RETRY_MAYFAIL |
				    __GFP_NOWARN);
	if (!buf->pages)
		return -ENOMEM;

	ret = chrmem_fill_pages(buf, nid, only_nid);
	if (ret) {
		kvfree(buf->pages);
		buf->pages = NULL;
		return ret;
	}
	buf->nr_chunks = chrmem_count_chunks(buf);
	return 0;
}

void chrmem_buffer_free(struct chrmem_buffer *buf)
{
	if (!buf->pages)
		return;
	chrmem_release_pages(buf->pages, buf->nr_pages);
	kvfree(buf->pages);
	buf->pages = NULL;
}

/**
 * chrmem_buffer_run() - length of the contiguous run starting at a page
 * @buf:   the buffer
 * @first: index of the first page of the run
 * @end:   index one past the last page that may belong to it
 *
 * Return: the number of pages from @first on (at least one, at most
 * @end - @first) whose page frames follow each other.
 */
unsigned long chrmem_buffer_run(const struct chrmem_buffer *buf,
				unsigned long first, unsigned long end)
{
	unsigned long pfn = page_to_pfn(buf->pages[first]);
	unsigned long n = 1;

	while (first + n < end && page_to_pfn(buf->pages[first + n]) == pfn + n)
		n++;
	return n;
}

/*
 * The kernel's accesses to the buffer (read(), write(), .access, CLEAR,
 * RESET) go a stretch at a time rather than a page at a time: one copy or
 * memset, one check for a fatal signal and one cond_resched() per stretch,
 * each under view_lock (see the top of this file). A stretch is at most
 * CHRMEM_STEP long, so that a task being killed or another task waiting
 * for the CPU (or a change of type waiting for view_lock) waits for at
 * most a MiB.
 */
#define CHRMEM_STEP	SZ_1M

/*
 * The stretch of the buffer from byte @pos on, at most @max bytes long
 * (@pos + @max within the buffer): its address in the kernel's view, its
 * length in *@len; valid until chrmem_buffer_put_view(). In the linear map
 * a stretch is physically contiguous (no highmem where chrmem runs); a
 * vmap()ed view has the whole buffer at one run of addresses. This is the
 * one place that knows how the kernel reaches the buffer's pages.
 */
static void *chrmem_buffer_get_stretch(struct chrmem_buffer *buf, u64 pos,
				       size_t max, size_t *len)
{
	unsigned long first = pos >> PAGE_SHIFT, pages;
	size_t offset = offset_in_page(pos);

	max = min_t(size_t, max, CHRMEM_STEP);
	down_read(&buf->view_lock);
	if (buf->view) {
		*len = max;
		return buf->view + pos;
	}
	pages = DIV_ROUND_UP(offset + max, PAGE_SIZE);
	pages = chrmem_buffer_run(buf, first, min(first + pages, buf->nr_pages));
	*len = min_t(size_t, max, (pages << PAGE_SHIFT) - offset);
	return page_address(buf->pages[first]) + offset;
}

static void chrmem_buffer_put_view(struct chrmem_buffer *buf)
{
	up_read(&buf->view_lock);
}

/*
 * Copies @n bytes between @kaddr, in the view, and @iter without taking
 * a page fault. Return: bytes copied; fewer where user memory was not
 * mapped.
 */
static size_t chrmem_copy_nofault(void *kaddr, size_t n, struct iov_iter *iter)
{
	size_t copied;

	pagefault_disable();
	if (iov_iter_rw(iter) == READ)
		copied = copy_to_iter(kaddr, n, iter);
	else
		copied = copy_from_iter(kaddr, n, iter);
	pagefault_enable();
	return copied;
}

/*
 * Faults in the next @n bytes of @iter, a batch at a time and without
 * taking an exception per page, so that the next copy without faults
 * goes further. Best effort: what it could not fault in, the next copy
 * finds out.
 */
static void chrmem_fault_in(struct iov_iter *iter, size_t n)
{
	if (!user_backed_iter(iter))
		return;
	if (iov_iter_rw(iter) == READ)
		fault_in_iov_iter_writeable(iter, n);
	else
		fault_in_iov_iter_readable(iter, n);
}

/*
 * The slow way, for when taking faults cannot wait: CHRMEM_BOUNCE bytes at
 * a time through a buffer on the stack, each piece within one page of the
 * buffer, the user side copied with page faults allowed and without
 * view_lock. Another thread cannot beat it by taking the user's pages away
 * again between a fault-in and the copy.
 * Return: bytes copied; fewer than @count only where user memory cannot
 * be reached, or when the task is being killed.
 */
#define CHRMEM_BOUNCE	256

static size_t chrmem_copy_bounced(struct chrmem_buffer *buf, u64 pos,
				  size_t count, struct iov_iter *iter)
{
	u8 bounce[CHRMEM_BOUNCE];
	size_t done = 0, n, len, copied;
	void *addr;

	while (done < count && !fatal_signal_pending(current)) {
		n = min_t(size_t, count - done,
			  PAGE_SIZE - offset_in_page(pos + done));
		n = min_t(size_t, n, sizeof(bounce));
		if (iov_iter_rw(iter) == WRITE) {
			copied = copy_from_iter(bounce, n, iter);
			addr = chrmem_buffer_get_stretch(buf, pos + done, n, &len);
			memcpy(addr, bounce, copied);
			chrmem_buffer_put_view(buf);
		} else {
			addr = chrmem_buffer_get_stretch(buf, pos + done, n, &len);
			memcpy(bounce, addr, n);
			chrmem_buffer_put_view(buf);
			copied = copy_to_iter(bounce, n, iter);
		}
		done += copied;
		if (copied < n)
			break;
		if (offset_in_page(pos + done) == 0)
			cond_resched();
	}
	return done;
}

/**
 * chrmem_buffer_copy_iter() - copy between the buffer and an iov_iter
 * @buf:   the buffer
 * @pos:   byte offset in the buffer; @pos + @count must not pass its end
 * @count: bytes to copy
 * @iter:  user memory; its direction decides the direction of the copy
 *
 * Copies a stretch at a time through the kernel's view (see above), with
 * page faults disabled. A copy stopped by a fault in user memory goes on
 * after a fault-in of the rest of the stretch; if the next copy makes no
 * progress all the same (another thread zapped the pages, or a fork made
 * them copy-on-write, in between; or they cannot be reached), the rest of
 * the stretch is bounced with faults allowed, so that only memory the
 * task cannot reach ends a transfer early. So does a fatal signal: a huge
 * transfer stays killable.
 *
 * Return: bytes copied.
 */
size_t chrmem_buffer_copy_iter(struct chrmem_buffer *buf, u64 pos,
			       size_t count, struct iov_iter *iter)
{
	bool faulted_in = false;
	size_t done = 0, n, copied;
	void *addr;

	while (done < count) {
		addr = chrmem_buffer_get_stretch(buf, pos + done, count - done,
						 &n);
		copied = chrmem_copy_nofault(addr, n, iter);
		chrmem_buffer_put_view(buf);
		done += copied;
		if (copied == n) {
			faulted_in = false;
		} else if (copied || !faulted_in) {
			chrmem_fault_in(iter, n - copied);
			faulted_in = true;
		} else {
			/*
			 * The pages went away again before the copy: someone
			 * races us for them. The rest of the stretch the slow
			 * way, rather than fault it all in again for nothing.
			 */
			copied = chrmem_copy_bounced(buf, pos + done, n, iter);
			done += copied;
			if (copied < n)
				break;
			faulted_in = false;
		}
		if (fatal_signal_pending(current))
			break;
		cond_resched();
	}
	if (iov_iter_rw(iter) == WRITE)
		wmb();	/* drain write-combining buffers: see memtype.c */
	return done;
}

/**
 * chrmem_buffer_in_use() - does anyone but the driver hold a buffer page?
 * @buf: the buffer
 *
 * Every page has the driver's one reference; any other is a mapping's or a
 * pin's (see the top of this file). Called with no mapping left, a true
 * answer means a pin that outlived its mapping: an io_uring fixed buffer,
 * pages in a pipe after vmsplice(), I/O still in flight.
 */
bool chrmem_buffer_in_use(const struct chrmem_buffer *buf)
{
	unsigned long i;

	for (i = 0; i < buf->nr_pages; i++)
		if (page_count(buf->pages[i]) != 1)
			return true;
	return false;
}

/* The longest line of chrmem_read_segments(), with its NUL. */
#define SEGMENT_LINE_MAX	sizeof("0x0123456789abcdef 0x0123456789abcdef 0x0123456789abcdef\n")

/**
 * chrmem_read_segments() - read a list of segments, as text
 * @next:  gives the segment at a position and the position after it
 * @data:  passed to @next
 * @end:   the position after the last segment
 * @cur:   where the previous read ended
 * @out:   destination
 * @off:   offset in the text
 * @count: bytes wanted
 *
 * The text has one line per segment: its offset in the buffer, its size
 * and its address, in hexadecimal. It is made line by line as it is read,
 * starting from where the previous read ended (from the start if @off lies
 * before that), so reading all of it in pieces costs one pass over the
 * list however long it is. Positions are @next's: pages for phys_addr,
 * entries of the DMA segment list for dma_addr (dma.c).
 *
 * Return: bytes copied, 0 at or past the end.
 */
ssize_t chrmem_read_segments(chrmem_next_segment_fn next, const void *data,
			     unsigned long end, struct chrmem_chunk_cursor *cur,
			     char *out, loff_t off, size_t count)
{
	char line[SEGMENT_LINE_MAX];
	size_t done = 0, len, skip, n;
	struct chrmem_segment seg;
	unsigned long after;

	mutex_lock(&cur->lock);
	if (off < cur->text_off) {
		cur->text_off = 0;
		cur->pos = 0;
	}
	while (done < count && cur->pos < end) {
		after = next(data, cur->pos, &seg);
		len = scnprintf(line, sizeof(line), "%#llx %#llx %#llx\n",
				seg.offset, seg.size, seg.addr);
		if (off + done < cur->text_off + (loff_t)len) {
			skip = off + done - cur->text_off;
			n = min(len - skip, count - done);
			memcpy(out + done, line + skip, n);
			done += n;
			if (skip + n < len)
				break;	/* the next read starts in this line */
		}
		cur->text_off += len;
		cur->pos = after;
	}
	mutex_unlock(&cur->lock);
	return done;
}

/* Rewinds @cur: the list it walks has changed. */
void chrmem_chunk_cursor_reset(struct chrmem_chunk_cursor *cur)
{
	mutex_lock(&cur->lock);
	cur->text_off = 0;
	cur->pos = 0;
	mutex_unlock(&cur->lock);
}

/* The physically contiguous chunk that starts at page @first. */
static unsigned long chrmem_next_chunk(const void *data, unsigned long first,
				       struct chrmem_segment *seg)
{
	const struct chrmem_buffer *buf = data;
	unsigned long run = chrmem_buffer_run(buf, first, buf->nr_pages);

	seg->offset = (u64)first << PAGE_SHIFT;
	seg->size = (u64)run << PAGE_SHIFT;
	seg->addr = PFN_PHYS(page_to_pfn(buf->pages[first]));
	return first + run;
}

/**
 * chrmem_buffer_read_chunks() - read the physical layout, as text
 * @buf:   the buffer
 * @cur:   where the previous read ended
 * @out:   destination
 * @off:   offset in the text
 * @count: bytes wanted
 *
 * One line per physically contiguous chunk, its address the physical one:
 * see chrmem_read_segments().
 *
 * Return: bytes copied, 0 at or past the end.
 */
ssize_t chrmem_buffer_read_chunks(const struct chrmem_buffer *buf,
				  struct chrmem_chunk_cursor *cur, char *out,
				  loff_t off, size_t count)
{
	return chrmem_read_segments(chrmem_next_chunk, buf, buf->nr_pages,
				    cur, out, off, count);
}

/*
 * Zeroes the whole buffer, a stretch at a time (see CHRMEM_STEP).
 * A large uncached buffer takes seconds: a task that is being killed stops
 * early (-EINTR), the rest of the buffer as it was.
 */
static int chrmem_buffer_zero(struct chrmem_buffer *buf)
{
	u64 pos = 0, size = (u64)buf->nr_pages << PAGE_SHIFT;
	size_t n;
	void *addr;

	while (pos < size) {
		addr = chrmem_buffer_get_stretch(buf, pos, size - pos, &n);
		memset(addr, 0, n);
		chrmem_buffer_put_view(buf);
		pos += n;
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

/* Zeroes the whole buffer. Return: 0, or -EINTR if the task was killed. */
int chrmem_dev_clear(struct chrmem_dev *dev)
{
	int ret;

	mutex_lock(&dev->content_lock);
	ret = chrmem_buffer_zero(&dev->buf);
	wmb();	/* drain write-combining buffers: see memtype.c */
	mutex_unlock(&dev->content_lock);
	return ret;
}

/*
 * Writes the pattern at offset 0. It is at most 64 bytes, so it lies
 * within the first page.
 */
void chrmem_dev_put_pattern(struct chrmem_dev *dev)
{
	const struct chrmem_config *config = dev->config;
	size_t len;
	void *addr;

	addr = chrmem_buffer_get_stretch(&dev->buf, 0, config->pattern_len, &len);
	memcpy(addr, config->pattern, config->pattern_len);
	chrmem_buffer_put_view(&dev->buf);
}

/*
 * Restores the load-time content (the pattern, zeros after it) and zeroes
 * the statistics. Return: 0, or -EINTR if the task was killed: the buffer
 * is then zeroed up to where it stopped, and the pattern and statistics
 * are not restored.
 */
int chrmem_dev_reset(struct chrmem_dev *dev)
{
	int ret;

	mutex_lock(&dev->content_lock);
	ret = chrmem_buffer_zero(&dev->buf);
	if (!ret) {
		chrmem_dev_put_pattern(dev);
		atomic64_set(&dev->bytes_read, 0);
		atomic64_set(&dev->bytes_written, 0);
	}
	wmb();	/* drain write-combining buffers: see memtype.c */
	mutex_unlock(&dev->content_lock);
	return ret;
}
