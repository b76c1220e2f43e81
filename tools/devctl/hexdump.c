// SPDX-License-Identifier: GPL-2.0
/*
 * hexdump.c - the canonical "hexdump -C" format (see hexdump.h).
 *
 * Squeezing follows util-linux: a full line equal to the full line before it
 * is not printed, and the first of a run is replaced by "*". The last,
 * partial line is always printed, even when it repeats the line before.
 */
#include <inttypes.h>
#include <string.h>

#include "hexdump.h"

void hexdump_init(struct hexdump *hd, FILE *out, uint64_t offset)
{
	memset(hd, 0, sizeof(*hd));
	hd->out = out;
	hd->offset = offset;
}

/* "%_p" of hexdump(1) in the C locale: printable ASCII or a dot. */
static char printable(unsigned char c)
{
	return c >= 0x20 && c < 0x7f ? (char)c : '.';
}

/* One line: offset, two groups of eight hex bytes, the bytes as text. */
static void print_line(const struct hexdump *hd)
{
	static const char digits[] = "0123456789abcdef";
	char hex[HEXDUMP_LINE * 3 + 2 + 1], text[HEXDUMP_LINE + 1];
	char *h = hex;
	size_t i;

	for (i = 0; i < HEXDUMP_LINE; i++) {
		if (i % 8 == 0)
			*h++ = ' ';
		/* Missing bytes of a short line keep the text column aligned. */
		*h++ = i < hd->fill ? digits[hd->line[i] >> 4] : ' ';
		*h++ = i < hd->fill ? digits[hd->line[i] & 0xf] : ' ';
		*h++ = ' ';
	}
	*h = '\0';
	for (i = 0; i < hd->fill; i++)
		text[i] = printable(hd->line[i]);
	text[i] = '\0';
	fprintf(hd->out, "%08" PRIx64 " %s |%s|\n", hd->offset, hex, text);
}

static void end_full_line(struct hexdump *hd)
{
	if (hd->have_prev && memcmp(hd->line, hd->prev, HEXDUMP_LINE) == 0) {
		if (!hd->squeezing)
			fputs("*\n", hd->out);
		hd->squeezing = true;
	} else {
		print_line(hd);
		memcpy(hd->prev, hd->line, HEXDUMP_LINE);
		hd->have_prev = true;
		hd->squeezing = false;
	}
	hd->offset += HEXDUMP_LINE;
	hd->fill = 0;
}

void hexdump_feed(struct hexdump *hd, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t n;

	while (len > 0) {
		n = HEXDUMP_LINE - hd->fill;
		if (n > len)
			n = len;
		memcpy(hd->line + hd->fill, p, n);
		hd->fill += n;
		hd->fed = true;
		p += n;
		len -= n;
		if (hd->fill == HEXDUMP_LINE)
			end_full_line(hd);
	}
}

void hexdump_finish(struct hexdump *hd)
{
	if (hd->fill > 0) {
		print_line(hd);
		hd->offset += hd->fill;
		hd->fill = 0;
	}
	/* Like hexdump(1), nothing at all for an empty range. */
	if (hd->fed)
		fprintf(hd->out, "%08" PRIx64 "\n", hd->offset);
}
