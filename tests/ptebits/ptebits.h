/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Interface of the test-only chrmem_ptebits module: which x86 cache bits
 * the page table entry mapping a user address of the calling process has.
 * Used by the guest tests to prove a mapping's memory type from the page
 * tables themselves, independently of the chrmem driver.
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

struct ptebits_query {
	__u64 addr;	/* in: user address */
	__u32 bits;	/* out: PTEBITS_* */
	__u32 reserved;
};

#define PTEBITS_IOC_QUERY	_IOWR(0xC7, 0xF0, struct ptebits_query)

#endif /* CHRMEM_PTEBITS_H */
