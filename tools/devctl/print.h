/* SPDX-License-Identifier: GPL-2.0 */
/*
 * print.h - one call per field prints it as text or as JSON.
 *
 * The pattern is iproute2's print_*(): a command describes each field once,
 * with its JSON key and its text format, and the output mode decides which
 * of the two is written. Text and JSON therefore cannot drift apart.
 *
 * Every text format has exactly one "%s" conversion: the value is rendered
 * to a string first (a number in decimal, a size in binary units, "-" for
 * an unknown value), so widths like "%-10s" apply the same way to all.
 *
 * JSON output is one document on stdout, an object opened by output_open()
 * and closed by output_close(); strings are escaped per RFC 8259 and bytes
 * that are not valid UTF-8 become U+FFFD, so the document is always valid.
 */
#ifndef DEVCTL_PRINT_H
#define DEVCTL_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum print_kind {
	PRINT_TEXT = 1,		/* only in text mode */
	PRINT_JSON = 2,		/* only in JSON mode */
	PRINT_ANY  = 3,		/* in both */
};

/* Selects the mode and the stream; tests point it at a memory stream. */
void output_init(FILE *out, bool json);
/* Changes the mode before output_open(): -j after the command name. */
void output_set_json(bool json);
bool output_is_json(void);

/* Begin and end the document; output_close() is a no-op if not opened. */
void output_open(void);
void output_close(void);

/* Containers; @key is NULL for the members of an array. */
void open_json_object(const char *key);
void close_json_object(void);
void open_json_array(const char *key);
void close_json_array(void);

void print_string(enum print_kind kind, const char *key, const char *fmt,
		  const char *value);
void print_u64(enum print_kind kind, const char *key, const char *fmt,
	       uint64_t value);
/* Text: "0x..."; JSON: the same as a string, as JSON has no hex numbers. */
void print_hex(enum print_kind kind, const char *key, const char *fmt,
	       uint64_t value);
/* Text: binary units ("1 MiB"); JSON: the exact number of bytes. */
void print_size(enum print_kind kind, const char *key, const char *fmt,
		uint64_t value);
/* A value devctl could not learn: text "-", JSON null. */
void print_unknown(enum print_kind kind, const char *key, const char *fmt);
/* print_u64() if @known, else print_unknown(). */
void print_u64_if(bool known, enum print_kind kind, const char *key,
		  const char *fmt, uint64_t value);
/* Text only, for headers, labels and line ends. */
void print_text(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* A JSON string written in pieces: the hex digits of @len bytes each. */
void print_json_hex_open(const char *key);
void print_json_hex_data(const void *data, size_t len);
void print_json_hex_close(void);

/* Flushes the stream: 0, or -errno if any output was lost (EPIPE, ENOSPC). */
int output_flush(void);

#endif /* DEVCTL_PRINT_H */
