// SPDX-License-Identifier: GPL-2.0
/*
 * The reserved-page buffer behind each chrmem device.
 *
 * A buffer is a list of order-0 pages taken from blocks that are as large
 * as the page allocator will give, so that big buffers are made of few
 * physically contiguous chunks and still load on a fragmented machine.
 * Pages are zeroed by the allocator before anyone can see them, and marked
 * reserved while the driver owns them: they are never swapped, migrated or
 * reclaimed, which is what a mapping handed to user space (and maybe to a
 * DMA engine, by physical address) needs.
 */
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/pfn.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
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

static void chrmem_release_pages(struct page **pages, unsigned long count)
{
	unsigned long i;

	for (i = 0; i < count; i++) {
		ClearPageReserved(pages[i]);
		__free_page(pages[i]);
	}
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
static int chrmem_fill_pages(struct chrmem_buffer *buf)
{
	unsigned int order = MAX_PAGE_ORDER;
	unsigned long done = 0, i;
	struct page *block;

	while (done < buf->nr_pages) {
		order = min_t(unsigned int, order, ilog2(buf->nr_pages - done));
		block = alloc_pages(chrmem_gfp(order), order);
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
		for (i = 0; i < (1UL << order); i++) {
			SetPageReserved(block + i);
			buf->pages[done++] = block + i;
		}
		cond_resched();
	}
	return 0;
}

/**
 * chrmem_buffer_alloc() - allocate a zeroed, reserved buffer
 * @buf:  the buffer to fill in
 * @size: bytes, a non-zero multiple of PAGE_SIZE
 *
 * Return: 0 or -ENOMEM.
 */
int chrmem_buffer_alloc(struct chrmem_buffer *buf, u64 size)
{
	int ret;

	buf->nr_pages = size >> PAGE_SHIFT;
	buf->pages = kvmalloc_array(buf->nr_pages, sizeof(*buf->pages),
				    GFP_KERNEL | __GFP_RETRY_MAYFAIL |
				    __GFP_NOWARN);
	if (!buf->pages)
		return -ENOMEM;

	ret = chrmem_fill_pages(buf);
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

/**
 * chrmem_buffer_copy_iter() - copy between the buffer and an iov_iter
 * @buf:   the buffer
 * @pos:   byte offset in the buffer; @pos + @count must not pass its end
 * @count: bytes to copy
 * @iter:  user memory; its direction decides the direction of the copy
 *
 * Copies page by page, and stops early at a fault in user memory or when
 * the task is being killed, so a huge transfer stays interruptible.
 *
 * Return: bytes copied.
 */
size_t chrmem_buffer_copy_iter(struct chrmem_buffer *buf, u64 pos,
			       size_t count, struct iov_iter *iter)
{
	size_t done = 0;

	while (done < count) {
		struct page *page = buf->pages[(pos + done) >> PAGE_SHIFT];
		size_t offset = offset_in_page(pos + done);
		size_t n = min_t(size_t, PAGE_SIZE - offset, count - done);
		size_t copied;

		if (iov_iter_rw(iter) == READ)
			copied = copy_page_to_iter(page, offset, n, iter);
		else
			copied = copy_page_from_iter(page, offset, n, iter);
		done += copied;
		if (copied < n || fatal_signal_pending(current))
			break;
		cond_resched();
	}
	if (iov_iter_rw(iter) == WRITE)
		wmb();	/* drain write-combining buffers: see memtype.c */
	return done;
}

/**
 * chrmem_buffer_describe_chunks() - the physical layout, as text
 * @buf: the buffer
 * @len: set to the length of the text
 *
 * One line per physically contiguous chunk: its offset in the buffer, its
 * size and its physical address, in hexadecimal.
 *
 * Return: the text, to be freed with kvfree(), or NULL.
 */
char *chrmem_buffer_describe_chunks(const struct chrmem_buffer *buf,
				    size_t *len)
{
	const size_t line_max = sizeof("0x0123456789abcdef ") * 3;
	size_t size = buf->nr_chunks * line_max + 1;
	unsigned long first, run;
	char *text;

	text = kvmalloc(size, GFP_KERNEL);
	if (!text)
		return NULL;
	*len = 0;
	for (first = 0; first < buf->nr_pages; first += run) {
		run = chrmem_buffer_run(buf, first, buf->nr_pages);
		*len += scnprintf(text + *len, size - *len, "%#llx %#llx %#llx\n",
				  (u64)first << PAGE_SHIFT,
				  (u64)run << PAGE_SHIFT,
				  (u64)PFN_PHYS(page_to_pfn(buf->pages[first])));
	}
	return text;
}

static void chrmem_buffer_zero(struct chrmem_buffer *buf)
{
	unsigned long i;

	for (i = 0; i < buf->nr_pages; i++) {
		clear_page(page_address(buf->pages[i]));
		cond_resched();
	}
}

/* Zeroes the whole buffer. */
void chrmem_dev_clear(struct chrmem_dev *dev)
{
	mutex_lock(&dev->content_lock);
	chrmem_buffer_zero(&dev->buf);
	wmb();	/* drain write-combining buffers: see memtype.c */
	mutex_unlock(&dev->content_lock);
}

/*
 * Writes the pattern at offset 0. It is at most 64 bytes, so it lies
 * within the first page.
 */
void chrmem_dev_put_pattern(struct chrmem_dev *dev)
{
	const struct chrmem_config *config = dev->config;

	memcpy(page_address(dev->buf.pages[0]), config->pattern,
	       config->pattern_len);
}

/*
 * Restores the load-time content (the pattern, zeros after it) and zeroes
 * the statistics.
 */
void chrmem_dev_reset(struct chrmem_dev *dev)
{
	mutex_lock(&dev->content_lock);
	chrmem_buffer_zero(&dev->buf);
	chrmem_dev_put_pattern(dev);
	wmb();	/* drain write-combining buffers: see memtype.c */
	atomic64_set(&dev->bytes_read, 0);
	atomic64_set(&dev->bytes_written, 0);
	mutex_unlock(&dev->content_lock);
}
