/* SPDX-License-Identifier: GPL-2.0 */
/*
 * range-io.h - ranges of a buffer and the I/O loops that move them.
 *
 * Everything here works on a plain file descriptor and a size, not on a
 * chrmem device: the commands pass the device and the size GET_INFO gave,
 * the host tests pass a regular file. That seam lets the loops, the range
 * checks and the dump format be tested without a driver, while the guest
 * tests run the same code against the real device.
 */
#ifndef DEVCTL_RANGE_IO_H
#define DEVCTL_RANGE_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct range {
	uint64_t offset;
	uint64_t length;
};

enum range_status {
	RANGE_OK,
	RANGE_BAD_OFFSET,	/* the offset is past the end */
	RANGE_TOO_LONG,		/* offset + length is past the end */
};

/*
 * Checks [@offset, @offset + @length) against a buffer of @size bytes,
 * without overflow. Without @have_length, the range runs to the end.
 */
enum range_status range_resolve(uint64_t size, uint64_t offset,
				bool have_length, uint64_t length,
				struct range *range);

/* Consumes the next @len bytes read from the buffer; 0 or -errno. */
typedef int (*buffer_sink)(void *ctx, const void *data, size_t len);
/* Produces the next @len bytes to write into the buffer; 0 or -errno. */
typedef int (*buffer_source)(void *ctx, void *data, size_t len);

/* Which side of a copy failed, for the error message. */
enum io_side {
	IO_BUFFER,		/* the device: pread() or pwrite() */
	IO_OTHER,		/* the sink or the source */
};

struct io_error {
	int err;		/* positive errno */
	enum io_side side;
	uint64_t offset;	/* buffer offset of the failed chunk */
};

/*
 * Read @range of the buffer behind @fd, chunk by chunk, into @sink; or
 * write it, chunk by chunk, from @source. Return 0, or -1 with @error set.
 * A buffer that ends early (a read of 0) fails with ENODATA, a write of 0
 * with ENOSPC.
 */
int buffer_read(int fd, const struct range *range, buffer_sink sink,
		void *ctx, struct io_error *error);
int buffer_write(int fd, const struct range *range, buffer_source source,
		 void *ctx, struct io_error *error);

/* A source that repeats a pattern, starting with its first byte. */
struct pattern_source {
	const unsigned char *pattern;
	size_t length;		/* > 0 */
	size_t next;		/* index of the next byte to produce */
};
int pattern_source(void *ctx, void *data, size_t len);

/* A source reading exactly the bytes asked for from a file descriptor. */
int fd_source(void *ctx, void *data, size_t len);
/* A sink writing everything to a file descriptor. */
int fd_sink(void *ctx, const void *data, size_t len);

#endif /* DEVCTL_RANGE_IO_H */
