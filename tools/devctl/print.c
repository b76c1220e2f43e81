// SPDX-License-Identifier: GPL-2.0
/*
 * print.c - text or JSON output, one call per field (see print.h).
 *
 * The JSON writer is a small stack of open containers; it indents two
 * spaces per level so that the document is readable without jq.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "parse.h"
#include "print.h"

/* The deepest document devctl writes is devices[] > device > layout[] > chunk. */
#define JSON_MAX_DEPTH 8

static struct {
	FILE *stream;		/* NULL until output_init(): stdout */
	bool json;
	bool opened;
	unsigned int depth;	/* open containers, the document included */
	bool nonempty[JSON_MAX_DEPTH];	/* container at [depth] has members */
	char closer[JSON_MAX_DEPTH];	/* '}' or ']' */
} out;

static FILE *stream(void)
{
	return out.stream ? out.stream : stdout;
}

void output_init(FILE *file, bool json)
{
	out.stream = file;
	out.json = json;
	out.opened = false;
	out.depth = 0;
}

void output_set_json(bool json)
{
	out.json = json;
}

bool output_is_json(void)
{
	return out.json;
}

/*
 * Length of the valid UTF-8 sequence at @p (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF), or 0 if it is not valid.
 */
static size_t utf8_length(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] < 0xc2)
		return 0;
	if (p[0] < 0xe0) {
		n = 2;
	} else if (p[0] < 0xf0) {
		n = 3;
		lo = p[0] == 0xe0 ? 0xa0 : 0x80;
		hi = p[0] == 0xed ? 0x9f : 0xbf;
	} else if (p[0] < 0xf5) {
		n = 4;
		lo = p[0] == 0xf0 ? 0x90 : 0x80;
		hi = p[0] == 0xf4 ? 0x8f : 0xbf;
	} else {
		return 0;
	}
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static void json_escape_char(unsigned char c)
{
	FILE *f = stream();

	switch (c) {
	case '"':  fputs("\\\"", f); break;
	case '\\': fputs("\\\\", f); break;
	case '\b': fputs("\\b", f); break;
	case '\f': fputs("\\f", f); break;
	case '\n': fputs("\\n", f); break;
	case '\r': fputs("\\r", f); break;
	case '\t': fputs("\\t", f); break;
	default:
		if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

static void json_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	fputc('"', stream());
	while (*p) {
		n = utf8_length(p);
		if (n == 0) {
			/* Paths and arguments need not be UTF-8; JSON must. */
			fputs("\\ufffd", stream());
			p++;
		} else if (n == 1) {
			json_escape_char(*p++);
		} else {
			fwrite(p, 1, n, stream());
			p += n;
		}
	}
	fputc('"', stream());
}

static void json_indent(void)
{
	unsigned int i;

	fputc('\n', stream());
	for (i = 0; i < out.depth; i++)
		fputs("  ", stream());
}

/* Starts a member of the innermost container: separator, indent, key. */
static void json_member(const char *key)
{
	assert(out.depth > 0);
	if (out.nonempty[out.depth - 1])
		fputc(',', stream());
	out.nonempty[out.depth - 1] = true;
	json_indent();
	if (key) {
		json_string(key);
		fputs(": ", stream());
	}
}

static void json_push(char opener, char closer)
{
	assert(out.depth < JSON_MAX_DEPTH);
	fputc(opener, stream());
	out.nonempty[out.depth] = false;
	out.closer[out.depth] = closer;
	out.depth++;
}

static void json_pop(void)
{
	assert(out.depth > 0);
	out.depth--;
	if (out.nonempty[out.depth])
		json_indent();
	fputc(out.closer[out.depth], stream());
}

void output_open(void)
{
	out.opened = true;
	if (out.json)
		json_push('{', '}');
}

void output_close(void)
{
	if (!out.opened)
		return;
	out.opened = false;
	if (!out.json)
		return;
	/* Close what an error path left open: the document stays valid. */
	while (out.depth > 0)
		json_pop();
	fputc('\n', stream());
}

void open_json_object(const char *key)
{
	if (!out.json)
		return;
	json_member(key);
	json_push('{', '}');
}

void close_json_object(void)
{
	if (out.json)
		json_pop();
}

void open_json_array(const char *key)
{
	if (!out.json)
		return;
	json_member(key);
	json_push('[', ']');
}

void close_json_array(void)
{
	if (out.json)
		json_pop();
}

static bool wanted(enum print_kind kind)
{
	return kind & (out.json ? PRINT_JSON : PRINT_TEXT);
}

/* The text side of every print_*(): @fmt has one "%s" for @value. */
static void text_field(const char *fmt, const char *value)
{
	fprintf(stream(), fmt, value);
}

void print_string(enum print_kind kind, const char *key, const char *fmt,
		  const char *value)
{
	if (!wanted(kind))
		return;
	if (out.json) {
		json_member(key);
		json_string(value);
	} else {
		text_field(fmt, value);
	}
}

void print_u64(enum print_kind kind, const char *key, const char *fmt,
	       uint64_t value)
{
	char buf[24];

	if (!wanted(kind))
		return;
	snprintf(buf, sizeof(buf), "%" PRIu64, value);
	if (out.json) {
		json_member(key);
		fputs(buf, stream());
	} else {
		text_field(fmt, buf);
	}
}

void print_hex(enum print_kind kind, const char *key, const char *fmt,
	       uint64_t value)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, value);
	print_string(kind, key, fmt, buf);
}

void print_size(enum print_kind kind, const char *key, const char *fmt,
		uint64_t value)
{
	char buf[SIZE_STR_MAX];

	if (out.json)
		print_u64(kind, key, fmt, value);
	else
		print_string(kind, key, fmt, format_size(value, buf));
}

void print_unknown(enum print_kind kind, const char *key, const char *fmt)
{
	if (!wanted(kind))
		return;
	if (out.json) {
		json_member(key);
		fputs("null", stream());
	} else {
		text_field(fmt, "-");
	}
}

void print_u64_if(bool known, enum print_kind kind, const char *key,
		  const char *fmt, uint64_t value)
{
	if (known)
		print_u64(kind, key, fmt, value);
	else
		print_unknown(kind, key, fmt);
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (out.json)
		return;
	va_start(ap, fmt);
	vfprintf(stream(), fmt, ap);
	va_end(ap);
}

void print_json_hex_open(const char *key)
{
	json_member(key);
	fputc('"', stream());
}

void print_json_hex_data(const void *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = data;
	char buf[512];
	size_t i, n = 0;

	/* By hand: a GiB buffer would otherwise take 2^30 fprintf() calls. */
	for (i = 0; i < len; i++) {
		buf[n++] = digits[p[i] >> 4];
		buf[n++] = digits[p[i] & 0xf];
		if (n == sizeof(buf) || i + 1 == len) {
			fwrite(buf, 1, n, stream());
			n = 0;
		}
	}
}

void print_json_hex_close(void)
{
	fputc('"', stream());
}

int output_flush(void)
{
	errno = 0;
	if (fflush(stream()) == 0 && !ferror(stream()))
		return 0;
	/* An earlier failed write may have left errno behind since. */
	return errno ? -errno : -EIO;
}
