/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmsg.h - read the kernel log through /dev/kmsg.
 *
 *	struct kmsg k;
 *	kmsg_open(&k);			// remembers the end of the log
 *	... do something ...
 *	kmsg_collect(&k);		// records since then
 *	kmsg_count(&k, KMSG_ERR, "size") ...
 *	kmsg_splat(&k, 0)		// first WARNING/BUG/oops/OOM line
 */
#ifndef CHRMEM_KMSG_H
#define CHRMEM_KMSG_H

#include <stddef.h>

/* Log levels, as in the kernel's printk: pr_err is KMSG_ERR. */
#define KMSG_EMERG	0
#define KMSG_ERR	3
#define KMSG_WARNING	4
#define KMSG_INFO	6
#define KMSG_DEBUG	7

struct kmsg_line {
	int level;		/* 0..7 */
	int facility;		/* 0: kernel, 1: user space (writes to kmsg) */
	char *text;		/* the message, without the trailing newline */
};

struct kmsg {
	int fd;			/* -1 if /dev/kmsg could not be opened */
	int open_errno;		/* why not */
	struct kmsg_line *lines;
	size_t count, cap;
};

/* Opens /dev/kmsg positioned at its end. Returns 0 or a negative errno. */
int kmsg_open(struct kmsg *k);
/* Appends the records logged since kmsg_open() or the last collect. */
void kmsg_collect(struct kmsg *k);
/* Forgets collected lines (the position in the log is kept). */
void kmsg_forget(struct kmsg *k);
void kmsg_close(struct kmsg *k);

/* Kernel records at @max_level or more severe that contain @substr (or
 * any, if NULL). */
size_t kmsg_count(const struct kmsg *k, int max_level, const char *substr);
/* The first such record, or NULL. */
const struct kmsg_line *kmsg_find(const struct kmsg *k, int max_level,
				  const char *substr);
/*
 * Index of the first kernel record from @from on that shows a kernel
 * problem (WARNING, BUG, oops, page allocation failure, OOM killer, x86/PAT
 * complaint, lockdep, KASAN/UBSAN, stalls, ...), or -1.
 */
long kmsg_splat(const struct kmsg *k, size_t from);
/*
 * Whether one line of text (kernel log or console) shows such a problem:
 * it contains a signature of tests/lib/kernel-log-signatures and none of
 * its exceptions, exactly as tests/vm/scan-kernel-log decides.
 */
int kmsg_is_splat(const char *text);

#endif /* CHRMEM_KMSG_H */
