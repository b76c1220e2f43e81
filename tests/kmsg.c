// SPDX-License-Identifier: GPL-2.0
/*
 * kmsg.c - read the kernel log through /dev/kmsg.
 *
 * Every read() of /dev/kmsg returns one record:
 *	"<prefix>,<seq>,<usec>,<flags>;<text>\n"
 * optionally followed by " KEY=value" continuation lines, where <prefix>
 * is facility * 8 + level. A reader that falls behind the ring buffer gets
 * EPIPE once and continues with the oldest record still there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmsg.h"

int kmsg_open(struct kmsg *k)
{
	memset(k, 0, sizeof(*k));
	k->fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->fd < 0) {
		k->open_errno = errno;
		return -errno;
	}
	if (lseek(k->fd, 0, SEEK_END) < 0) {
		k->open_errno = errno;
		close(k->fd);
		k->fd = -1;
		return -k->open_errno;
	}
	return 0;
}

static void kmsg_add(struct kmsg *k, int prefix, const char *text,
		     size_t len)
{
	struct kmsg_line *line;

	if (k->count == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 64;
		struct kmsg_line *lines = realloc(k->lines,
						  cap * sizeof(*lines));

		if (!lines)
			return;
		k->lines = lines;
		k->cap = cap;
	}
	line = &k->lines[k->count];
	line->text = strndup(text, len);
	if (!line->text)
		return;
	line->level = prefix & 7;
	line->facility = prefix >> 3;
	k->count++;
}

void kmsg_collect(struct kmsg *k)
{
	char rec[8192];

	if (k->fd < 0)
		return;
	for (;;) {
		ssize_t n = read(k->fd, rec, sizeof(rec) - 1);
		char *semi, *end;

		if (n < 0 && errno == EPIPE)
			continue;	/* overrun: go on with what is left */
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;		/* EAGAIN: nothing more */
		rec[n] = '\0';
		semi = strchr(rec, ';');
		if (!semi)
			continue;
		end = strchr(semi + 1, '\n');
		kmsg_add(k, atoi(rec), semi + 1,
			 end ? (size_t)(end - semi - 1) : strlen(semi + 1));
	}
}

void kmsg_forget(struct kmsg *k)
{
	size_t i;

	for (i = 0; i < k->count; i++)
		free(k->lines[i].text);
	k->count = 0;
}

void kmsg_close(struct kmsg *k)
{
	kmsg_forget(k);
	free(k->lines);
	k->lines = NULL;
	k->cap = 0;
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

const struct kmsg_line *kmsg_find(const struct kmsg *k, int max_level,
				  const char *substr)
{
	size_t i;

	for (i = 0; i < k->count; i++) {
		const struct kmsg_line *l = &k->lines[i];

		if (l->facility == 0 && l->level <= max_level &&
		    (!substr || strstr(l->text, substr)))
			return l;
	}
	return NULL;
}

size_t kmsg_count(const struct kmsg *k, int max_level, const char *substr)
{
	size_t i, n = 0;

	for (i = 0; i < k->count; i++) {
		const struct kmsg_line *l = &k->lines[i];

		if (l->facility == 0 && l->level <= max_level &&
		    (!substr || strstr(l->text, substr)))
			n++;
	}
	return n;
}

/* What the kernel prints when something went wrong inside it. */
static const char *const splat_markers[] = {
	"WARNING:",			/* WARN_ON() and friends */
	"BUG:",				/* BUG: unable to handle ..., KASAN, ... */
	"kernel BUG",
	"Oops",
	"general protection fault",
	"Call Trace",
	"page allocation failure",	/* allocator warning */
	"invoked oom-killer",
	"Out of memory",
	"x86/PAT",			/* memory type conflicts */
	"UBSAN:",
	"KASAN",
	"kmemleak",
	"refcount_t:",
	"list_add corruption",
	"list_del corruption",
	"Bad page",			/* "Bad page state", "Bad page map" */
	"bad pmd",
	"bad pte",
	"possible circular locking",
	"possible recursive locking",
	"inconsistent lock state",
	"sleeping function called from invalid context",
	"scheduling while atomic",
	"soft lockup",
	"hard LOCKUP",
	"blocked for more than",	/* hung task */
	"rcu_sched self-detected stall",
	"detected stalls",
	"Kernel panic",
};

int kmsg_is_splat(const char *text)
{
	size_t i;

	for (i = 0; i < sizeof(splat_markers) / sizeof(splat_markers[0]); i++)
		if (strstr(text, splat_markers[i]))
			return 1;
	return 0;
}

long kmsg_splat(const struct kmsg *k, size_t from)
{
	size_t i;

	for (i = from; i < k->count; i++)
		if (k->lines[i].facility == 0 && kmsg_is_splat(k->lines[i].text))
			return (long)i;
	return -1;
}
