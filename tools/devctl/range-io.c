// SPDX-License-Identifier: GPL-2.0
/*
 * range-io.c - range checks and chunked copies (see range-io.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "range-io.h"

/*
 * Large enough that a 1 GiB buffer takes few system calls, small enough for
 * the stack; the driver's read and write loop over pages anyway.
 */
#define CHUNK_SIZE (64 * 1024)

enum range_status range_resolve(uint64_t size, uint64_t offset,
				bool have_length, uint64_t length,
				struct range *range)
{
	if (offset > size)
		return RANGE_BAD_OFFSET;
	/* Compared as "length > size - offset": offset + length may wrap. */
	if (!have_length)
		length = size - offset;
	else if (length > size - offset)
		return RANGE_TOO_LONG;
	range->offset = offset;
	range->length = length;
	return RANGE_OK;
}

static size_t chunk_length(uint64_t remaining)
{
	return remaining < CHUNK_SIZE ? (size_t)remaining : CHUNK_SIZE;
}

static int io_fail(struct io_error *error, int err, enum io_side side,
		   uint64_t offset)
{
	error->err = err;
	error->side = side;
	error->offset = offset;
	return -1;
}

/* Returns the bytes transferred (fewer only at end of file) or -errno. */
static ssize_t pread_full(int fd, void *data, size_t len, uint64_t offset)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, (char *)data + done, len - done,
			  (off_t)(offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static ssize_t pwrite_full(int fd, const void *data, size_t len,
			   uint64_t offset)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pwrite(fd, (const char *)data + done, len - done,
			   (off_t)(offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int buffer_read(int fd, const struct range *range, buffer_sink sink,
		void *ctx, struct io_error *error)
{
	unsigned char chunk[CHUNK_SIZE];
	uint64_t done, offset;
	size_t len;
	ssize_t n;
	int err;

	for (done = 0; done < range->length; done += len) {
		offset = range->offset + done;
		len = chunk_length(range->length - done);
		n = pread_full(fd, chunk, len, offset);
		if (n < 0)
			return io_fail(error, (int)-n, IO_BUFFER, offset);
		if ((size_t)n < len)
			return io_fail(error, ENODATA, IO_BUFFER,
				       offset + (uint64_t)n);
		err = sink(ctx, chunk, len);
		if (err < 0)
			return io_fail(error, -err, IO_OTHER, offset);
	}
	return 0;
}

int buffer_write(int fd, const struct range *range, buffer_source source,
		 void *ctx, struct io_error *error)
{
	unsigned char chunk[CHUNK_SIZE];
	uint64_t done, offset;
	size_t len;
	ssize_t n;
	int err;

	for (done = 0; done < range->length; done += len) {
		offset = range->offset + done;
		len = chunk_length(range->length - done);
		err = source(ctx, chunk, len);
		if (err < 0)
			return io_fail(error, -err, IO_OTHER, offset);
		n = pwrite_full(fd, chunk, len, offset);
		if (n < 0)
			return io_fail(error, (int)-n, IO_BUFFER, offset);
		if ((size_t)n < len)
			return io_fail(error, ENOSPC, IO_BUFFER,
				       offset + (uint64_t)n);
	}
	return 0;
}

int pattern_source(void *ctx, void *data, size_t len)
{
	struct pattern_source *ps = ctx;
	unsigned char *p = data;
	size_t n;

	while (len > 0) {
		n = ps->length - ps->next;
		if (n > len)
			n = len;
		memcpy(p, ps->pattern + ps->next, n);
		ps->next = (ps->next + n) % ps->length;
		p += n;
		len -= n;
	}
	return 0;
}

int fd_source(void *ctx, void *data, size_t len)
{
	const int *fd = ctx;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(*fd, (char *)data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		/* The file was measured before the copy; it shrank since. */
		if (n == 0)
			return -ENODATA;
		done += (size_t)n;
	}
	return 0;
}

int fd_sink(void *ctx, const void *data, size_t len)
{
	const int *fd = ctx;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(*fd, (const char *)data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	return 0;
}
