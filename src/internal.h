/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Structures shared by the files of the chrmem driver.
 *
 * main.c    module load/unload, device creation
 * params.c  module parameters: parsing and validation
 * buffer.c  the pages behind each device, allocated at load
 * memtype.c memory types (cached, uncached, wc) of a buffer
 *           memtype_pat.c (x86), memtype_mair.c (arm64): their arch part
 * fops.c    open/release/read/write/llseek/ioctl
 * mmap.c    mmap() and the VMA operations
 * sysfs.c   per-device sysfs attributes
 * dma.c     binding a buffer to a DMA master (PCI device), SYNC
 * dmabuf.c  dma-buf export of a range of a buffer
 */
#ifndef CHRMEM_INTERNAL_H
#define CHRMEM_INTERNAL_H

#include <linux/atomic.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/sizes.h>
#include <linux/types.h>

#include "uapi/chrmem.h"

#define CHRMEM_MAX_DEVICES	16
#define CHRMEM_MAX_SIZE		SZ_1G	/* per device; documented in chrmem(4) */
#define CHRMEM_PATTERN_MAX	64	/* bytes, without the terminating NUL */

/* A PCI device to map a buffer for: "DDDD:BB:DD.F[/BITS]" (dma.c). */
struct chrmem_dma_target {
	bool set;			/* false: none */
	u16 domain;
	u8 bus;
	u8 devfn;
	u8 mask_bits;			/* 0: keep the device's DMA mask */
};

/* The module parameters, validated once at load and read-only after it. */
struct chrmem_config {
	unsigned int devices;
	u64 sizes[CHRMEM_MAX_DEVICES];	/* bytes, whole pages */
	char pattern[CHRMEM_PATTERN_MAX + 1];
	size_t pattern_len;
	u32 cache_mode;			/* CHRMEM_CACHE_* */
	u32 map_mode;			/* CHRMEM_MAP_* */
	bool huge;			/* 2 MiB entries: see mmap.c */
	bool fault_window;		/* fault windows: see mmap.c */
	struct chrmem_dma_target dma[CHRMEM_MAX_DEVICES];
	int nodes[CHRMEM_MAX_DEVICES];	/* NUMA_NO_NODE: the default */
};

/*
 * struct chrmem_buffer - the memory behind one device
 *
 * Pages come from the page allocator in blocks as large as it will give
 * (up to MAX_PAGE_ORDER), split into independent order-0 pages so that
 * each one can be handed to the MM on its own; the driver holds one
 * reference on each (buffer.c says what else may). @pages lists them in
 * buffer order; physically contiguous runs of it are the "chunks"
 * reported to user space.
 *
 * The kernel reaches the pages through its "view" of them, which has the
 * memory type of the user mappings (memtype.c): the linear map, or, where
 * that cannot change type (arm64), @view, a vmap() of the pages.
 */
struct chrmem_buffer {
	struct page **pages;
	unsigned long nr_pages;
	unsigned int nr_chunks;
	/*
	 * Held for reading by every kernel access to the pages (buffer.c),
	 * one page at a time and never across a page fault; for writing while
	 * the memory type, and so the view, changes (memtype.c), inside
	 * dev->lock there. Readers take nothing under it (copies to user
	 * memory run with page faults disabled), so it also nests inside
	 * mmap_lock (.access) and content_lock (CLEAR, RESET).
	 */
	struct rw_semaphore view_lock;
	void *view;		/* NULL: the linear map is the view */
};

/*
 * Where the last read of a segment list (sysfs phys_addr, dma_addr) ended,
 * so that reading it in pieces costs one pass over the list, not one per
 * piece.
 */
struct chrmem_chunk_cursor {
	struct mutex lock;	/* protects the two fields below */
	loff_t text_off;	/* offset in the text of the line of @pos */
	unsigned long pos;	/* a segment's position in its list, or the end */
};

/* One line of phys_addr or dma_addr: bytes [offset, offset + size) at addr. */
struct chrmem_segment {
	u64 offset;
	u64 size;
	u64 addr;
};

/* Fills @seg with the segment at @pos; returns the position after it. */
typedef unsigned long (*chrmem_next_segment_fn)(const void *data,
						unsigned long pos,
						struct chrmem_segment *seg);

struct chrmem_dma_binding;

/* A buffer's binding to a DMA master: see dma.c. */
struct chrmem_dma {
	/*
	 * Protects @binding (whose contents never change once it is set).
	 * Taken inside chrmem_dev.lock and dma.c's list lock when the binding
	 * changes (which needs "no mapping" stable), inside the list lock
	 * alone when the bus notifier ends it, alone by SYNC and sysfs;
	 * @cursor's lock nests inside it. The whole order is at the top of
	 * dma.c.
	 */
	struct mutex lock;
	struct chrmem_dma_binding *binding;	/* NULL: unbound */
	struct chrmem_chunk_cursor cursor;	/* for sysfs dma_addr */
};

struct chrmem_dev {
	struct device dev;
	struct cdev cdev;
	unsigned int index;
	u64 size;			/* bytes; nr_pages << PAGE_SHIFT */
	struct chrmem_buffer buf;
	const struct chrmem_config *config;

	u32 map_mode;			/* CHRMEM_MAP_*, fixed at load */
	/*
	 * New PFN mappings get 2 MiB entries where they fit (mmap.c); read
	 * once per mmap(), so sysfs may change it at any time. Always false
	 * without CHRMEM_HUGE_PFNMAP.
	 */
	bool huge;

	/*
	 * Protects cache_mode, mem_type and exports, and makes "no live
	 * mapping" stable while the memory type changes: mmap() counts a
	 * first mapping, and close() the end of the last one, under it.
	 * Taken inside mmap_lock (mmap() and close() are called with it
	 * held), so nothing under it may touch user memory; and inside a
	 * dma-buf's reservation lock (the dma-buf core holds it around an
	 * exported range's mmap()).
	 */
	struct mutex lock;
	u32 cache_mode;			/* CHRMEM_CACHE_* of mappings */
	/* The buffer's type now; CHRMEM_MEMORY_TYPE_MIXED: memtype.c rule 6 */
	u32 mem_type;
	unsigned int exports;		/* live dma-bufs of it (dmabuf.c) */

	/*
	 * Serialises the operations on the whole buffer (CLEAR, RESET), so
	 * that a RESET never leaves a half-cleared pattern behind. Not the
	 * lock above: a pass over a large buffer must not hold off mmap().
	 * read() and write() take neither: like accesses through a
	 * mapping, they race with other writers by design.
	 */
	struct mutex content_lock;

	struct chrmem_chunk_cursor chunk_cursor;
	struct chrmem_dma dma;

	atomic_t mappings;		/* live VMAs */
	atomic_t opens;			/* open files */
	atomic64_t bytes_read;
	atomic64_t bytes_written;
};

static inline struct chrmem_dev *to_chrmem_dev(struct device *dev)
{
	return container_of(dev, struct chrmem_dev, dev);
}

/* main.c */
bool chrmem_is_live(void);

/* params.c */
int chrmem_config_load(struct chrmem_config *config);
const char *chrmem_cache_mode_name(u32 mode);
const char *chrmem_map_mode_name(u32 mode);
int chrmem_cache_mode_parse(const char *text);

/* buffer.c */
int chrmem_buffer_alloc(struct chrmem_buffer *buf, u64 size, int nid,
			bool only_nid);
void chrmem_buffer_free(struct chrmem_buffer *buf);
unsigned long chrmem_buffer_run(const struct chrmem_buffer *buf,
				unsigned long first, unsigned long end);
size_t chrmem_buffer_copy_iter(struct chrmem_buffer *buf, u64 pos,
			       size_t count, struct iov_iter *iter);
bool chrmem_buffer_in_use(const struct chrmem_buffer *buf);
ssize_t chrmem_read_segments(chrmem_next_segment_fn next, const void *data,
			     unsigned long end, struct chrmem_chunk_cursor *cur,
			     char *out, loff_t off, size_t count);
void chrmem_chunk_cursor_reset(struct chrmem_chunk_cursor *cur);
ssize_t chrmem_buffer_read_chunks(const struct chrmem_buffer *buf,
				  struct chrmem_chunk_cursor *cur, char *out,
				  loff_t off, size_t count);
void chrmem_dev_put_pattern(struct chrmem_dev *dev);
int chrmem_dev_clear(struct chrmem_dev *dev);
int chrmem_dev_reset(struct chrmem_dev *dev);

/* memtype.c */
int chrmem_buffer_set_memtype(struct chrmem_buffer *buf, u32 *type, u32 to);
pgprot_t chrmem_memtype_pgprot(pgprot_t prot, u32 mode);
/* memtype_pat.c, memtype_mair.c: with view_lock held for writing */
int chrmem_arch_set_memtype(struct chrmem_buffer *buf, u32 mode);
pgprot_t chrmem_arch_pgprot(pgprot_t prot, u32 mode);
int chrmem_dev_claim_memtype(struct chrmem_dev *dev, u32 mode, bool may_write);
void chrmem_dev_restore_memtype(struct chrmem_dev *dev);
int chrmem_dev_set_cache_mode(struct chrmem_dev *dev, u32 mode);

/* fops.c */
extern const struct file_operations chrmem_fops;

/* mmap.c */
int chrmem_mmap_buffer(struct chrmem_dev *dev, struct vm_area_struct *vma,
		       u32 mode, bool may_write);
int chrmem_mmap(struct file *file, struct vm_area_struct *vma);

/* dma.c */
int chrmem_dma_init(void);
void chrmem_dma_exit(void);
int chrmem_dma_target_parse(const char *text, struct chrmem_dma_target *t);
int chrmem_dma_target_node(const struct chrmem_dma_target *t);
int chrmem_dma_target_print(const struct chrmem_dma_target *t, char *out,
			    size_t len);
int chrmem_dev_dma_bind(struct chrmem_dev *dev,
			const struct chrmem_dma_target *t);
void chrmem_dev_dma_unbind(struct chrmem_dev *dev);
int chrmem_dev_dma_print_target(struct chrmem_dev *dev, char *out, size_t len);
ssize_t chrmem_dev_dma_read_segments(struct chrmem_dev *dev, char *out,
				     loff_t off, size_t count);
int chrmem_dev_dma_sync(struct chrmem_dev *dev, const struct chrmem_sync *sync);
unsigned int chrmem_dma_max_segment(struct device *d);

/* dmabuf.c; without dma-buf in the kernel, the ioctl is unknown. */
#if IS_ENABLED(CONFIG_DMA_SHARED_BUFFER)
int chrmem_dev_export_dmabuf(struct chrmem_dev *dev,
			     const struct chrmem_export_dmabuf *req);
#else
static inline int chrmem_dev_export_dmabuf(struct chrmem_dev *dev,
					   const struct chrmem_export_dmabuf *req)
{
	return -ENOTTY;
}
#endif

/* sysfs.c */
extern const struct attribute_group *chrmem_groups[];

#endif /* CHRMEM_INTERNAL_H */
