/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Interface of the test-only chrmem_ptebits module, for the guest tests to
 * see what the kernel itself records, independently of the chrmem driver:
 *  - PTEBITS_IOC_QUERY: the memory type of the page table entry mapping
 *    a user address of the calling process: its cache bits on x86, the
 *    MAIR attribute its AttrIndx selects on arm64; and its level (a 4 KiB
 *    PTE or a 2 MiB PMD leaf);
 *  - PTEBITS_IOC_PAGE: the reference count, map count and a few flags of
 *    the page at a page frame number (who holds the buffer's pages).
 * The device is root's alone (mode 0600); PTEBITS_IOC_PAGE also wants
 * CAP_SYS_ADMIN.
 */
#ifndef CHRMEM_PTEBITS_H
#define CHRMEM_PTEBITS_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define PTEBITS_PRESENT	0x01
#define PTEBITS_PWT	0x02	/* page write-through */
#define PTEBITS_PCD	0x04	/* page cache disable */
#define PTEBITS_PAT	0x08	/* PAT index bit 2 */
#define PTEBITS_HUGE	0x10	/* a PMD or PUD leaf maps the address */
#define PTEBITS_ATTR	0x20	/* attr holds the entry's MAIR attribute */

/* The MAIR attributes Linux programs on arm64 (arch/arm64 sysreg.h). */
#define PTEBITS_MAIR_DEVICE_NGNRNE	0x00
#define PTEBITS_MAIR_DEVICE_NGNRE	0x04
#define PTEBITS_MAIR_NORMAL_NC		0x44
#define PTEBITS_MAIR_NORMAL		0xff	/* write-back */

/* The level of the page table entry that maps the address (a leaf). */
#define PTEBITS_LEVEL_PTE	1	/* 4 KiB */
#define PTEBITS_LEVEL_PMD	2	/* 2 MiB */
#define PTEBITS_LEVEL_PUD	3	/* 1 GiB */

struct ptebits_query {
	__u64 addr;	/* in: user address */
	__u32 bits;	/* out: PTEBITS_* */
	__u32 attr;	/* out: arm64: the MAIR attribute byte; else 0 */
	__u32 level;	/* out: PTEBITS_LEVEL_* */
	__u32 reserved;	/* out: 0 */
};

#define PTEBITS_IOC_QUERY	_IOWR(0xC7, 0xF0, struct ptebits_query)

/* Flags of a page, in struct ptebits_page.flags. */
#define PTEBITS_PAGE_RESERVED	0x01	/* PG_reserved (order-0 pages only) */
#define PTEBITS_PAGE_LRU	0x02	/* on an LRU list: reclaimable, movable */
#define PTEBITS_PAGE_LARGE	0x04	/* part of a large folio (compound) */
#define PTEBITS_PAGE_ANON	0x08	/* anonymous memory */
#define PTEBITS_PAGE_PINNED	0x10	/* maybe DMA-pinned (pin_user_pages) */
#define PTEBITS_PAGE_FREE	0x20	/* no reference: free or being freed */

/*
 * A snapshot: the page may change as soon as the ioctl returns. The
 * helper's own reference, taken to read a page that cannot be freed under
 * it, is not counted. A free page (PTEBITS_PAGE_FREE) has every other
 * field zero.
 */
struct ptebits_page {
	__u64 pfn;	/* in: page frame number */
	__s32 refcount;	/* out: references to the page's folio */
	__s32 mapcount;	/* out: user page table entries mapping the folio */
	__u32 flags;	/* out: PTEBITS_PAGE_* */
	__u32 reserved;	/* out: zero */
};

/*
 * Fails with ENXIO for a page frame with no online memory behind it, and
 * with EOPNOTSUPP for a page of a large folio on a kernel (6.1) whose
 * folio_mapcount() is not available to modules.
 */
#define PTEBITS_IOC_PAGE	_IOWR(0xC7, 0xF1, struct ptebits_page)

#endif /* CHRMEM_PTEBITS_H */
