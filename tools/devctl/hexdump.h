/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hexdump.h - the canonical "hexdump -C" format, fed in arbitrary pieces.
 *
 * A dump of bytes [offset, offset + n) of a buffer prints exactly what
 * util-linux's "hexdump -C -s offset -n n FILE" prints: 16 bytes per line,
 * a "*" line for each run of lines equal to the line before, and a last
 * line with the offset just past the end. An empty range prints nothing.
 */
#ifndef DEVCTL_HEXDUMP_H
#define DEVCTL_HEXDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HEXDUMP_LINE 16

struct hexdump {
	FILE *out;
	uint64_t offset;	/* offset of the line being collected */
	unsigned char line[HEXDUMP_LINE];
	size_t fill;		/* bytes collected in line[] */
	unsigned char prev[HEXDUMP_LINE];	/* the last full line */
	bool have_prev;
	bool squeezing;		/* "*" printed for the current run */
	bool fed;		/* at least one byte seen */
};

void hexdump_init(struct hexdump *hd, FILE *out, uint64_t offset);
void hexdump_feed(struct hexdump *hd, const void *data, size_t len);
void hexdump_finish(struct hexdump *hd);

#endif /* DEVCTL_HEXDUMP_H */
