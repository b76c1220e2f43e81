// SPDX-License-Identifier: GPL-2.0
/*
 * jsoncheck - a strict JSON validator, for the guest, which has no python.
 *
 *   jsoncheck [--flat] < DOCUMENT
 *
 * Exits 0 if standard input is exactly one JSON value (RFC 8259) in UTF-8,
 * else prints where and why it is not and exits 1. Stricter than the RFC
 * where devctl must be: no duplicate keys in an object, no unpaired UTF-16
 * surrogate escapes. With --flat it also prints one line per scalar,
 * "PATH<TAB>VALUE" (e.g. ".devices[0].size<TAB>4096", strings with their
 * quotes and escapes as written), so that shell tests can grep for a field
 * without depending on the layout of the document.
 *
 * The host tests check this validator against python's json module.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64
#define MAX_PATH 1024

struct parser {
	const unsigned char *p, *start, *end;
	const char *error;
	unsigned int depth;
	bool flat;
	char path[MAX_PATH];
	size_t path_len;
};

static bool parse_value(struct parser *ps);

static bool fail(struct parser *ps, const char *error)
{
	if (!ps->error)
		ps->error = error;
	return false;
}

static int peek(const struct parser *ps)
{
	return ps->p < ps->end ? *ps->p : -1;
}

static void skip_space(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
				   *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static bool expect(struct parser *ps, char c, const char *error)
{
	skip_space(ps);
	if (peek(ps) != c)
		return fail(ps, error);
	ps->p++;
	return true;
}

/* Appends a path component; returns the old length to restore. */
static size_t path_push(struct parser *ps, const char *fmt,
			const void *text, size_t len, unsigned long index)
{
	size_t old = ps->path_len;
	int n;

	if (text)
		n = snprintf(ps->path + old, MAX_PATH - old, fmt, (int)len,
			     (const char *)text);
	else
		n = snprintf(ps->path + old, MAX_PATH - old, fmt, index);
	if (n > 0 && (size_t)n < MAX_PATH - old)
		ps->path_len += (size_t)n;
	return old;
}

static void path_pop(struct parser *ps, size_t old)
{
	ps->path_len = old;
	ps->path[old] = '\0';
}

static void print_scalar(const struct parser *ps, const unsigned char *from)
{
	if (ps->flat)
		printf("%s\t%.*s\n", ps->path_len ? ps->path : ".",
		       (int)(ps->p - from), (const char *)from);
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The code unit of a \uXXXX escape, with ps->p just after the 'u'. */
static long parse_u_escape(struct parser *ps)
{
	long unit = 0;
	int i, d;

	for (i = 0; i < 4; i++) {
		d = hex_value(peek(ps));
		if (d < 0)
			return -1;
		unit = unit * 16 + d;
		ps->p++;
	}
	return unit;
}

static bool parse_escape(struct parser *ps)
{
	long unit, low;

	switch (peek(ps)) {
	case '"': case '\\': case '/': case 'b':
	case 'f': case 'n': case 'r': case 't':
		ps->p++;
		return true;
	case 'u':
		ps->p++;
		unit = parse_u_escape(ps);
		if (unit < 0)
			return fail(ps, "bad \\u escape");
		if (unit >= 0xdc00 && unit <= 0xdfff)
			return fail(ps, "unpaired low surrogate");
		if (unit < 0xd800 || unit > 0xdbff)
			return true;
		if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
			return fail(ps, "unpaired high surrogate");
		ps->p += 2;
		low = parse_u_escape(ps);
		if (low < 0xdc00 || low > 0xdfff)
			return fail(ps, "unpaired high surrogate");
		return true;
	default:
		return fail(ps, "bad escape");
	}
}

/* Length of the valid UTF-8 sequence at ps->p (RFC 3629), or 0. */
static size_t utf8_length(const struct parser *ps)
{
	const unsigned char *p = ps->p;
	size_t avail = (size_t)(ps->end - p), n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		return 1;
	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	n = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (avail < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static bool parse_string(struct parser *ps)
{
	size_t n;

	if (!expect(ps, '"', "expected a string"))
		return false;
	for (;;) {
		if (ps->p >= ps->end)
			return fail(ps, "unterminated string");
		if (*ps->p == '"') {
			ps->p++;
			return true;
		}
		if (*ps->p < 0x20)
			return fail(ps, "control character in string");
		if (*ps->p == '\\') {
			ps->p++;
			if (!parse_escape(ps))
				return false;
			continue;
		}
		n = utf8_length(ps);
		if (n == 0)
			return fail(ps, "invalid UTF-8");
		ps->p += n;
	}
}

static bool parse_digits(struct parser *ps)
{
	const unsigned char *start = ps->p;

	while (peek(ps) >= '0' && peek(ps) <= '9')
		ps->p++;
	return ps->p > start || fail(ps, "expected a digit");
}

static bool parse_number(struct parser *ps)
{
	if (peek(ps) == '-')
		ps->p++;
	if (peek(ps) == '0')
		ps->p++;
	else if (!parse_digits(ps))
		return false;
	if (peek(ps) == '.') {
		ps->p++;
		if (!parse_digits(ps))
			return false;
	}
	if (peek(ps) == 'e' || peek(ps) == 'E') {
		ps->p++;
		if (peek(ps) == '+' || peek(ps) == '-')
			ps->p++;
		if (!parse_digits(ps))
			return false;
	}
	return true;
}

static bool parse_literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return fail(ps, "unexpected character");
	ps->p += n;
	return true;
}

struct key {
	const unsigned char *text;
	size_t len;
};

static bool seen_before(const struct key *keys, size_t count,
			const struct key *key)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (keys[i].len == key->len &&
		    memcmp(keys[i].text, key->text, key->len) == 0)
			return true;
	return false;
}

static bool parse_member(struct parser *ps, struct key **keys, size_t *count)
{
	struct key key, *grown;
	size_t old;
	bool ok;

	skip_space(ps);
	key.text = ps->p + 1;
	if (!parse_string(ps))
		return false;
	key.len = (size_t)(ps->p - key.text) - 1;
	if (seen_before(*keys, *count, &key))
		return fail(ps, "duplicate key");
	grown = realloc(*keys, (*count + 1) * sizeof(**keys));
	if (!grown)
		return fail(ps, "out of memory");
	*keys = grown;
	grown[(*count)++] = key;
	if (!expect(ps, ':', "expected ':'"))
		return false;
	old = path_push(ps, ".%.*s", key.text, key.len, 0);
	ok = parse_value(ps);
	path_pop(ps, old);
	return ok;
}

static bool parse_object(struct parser *ps)
{
	struct key *keys = NULL;
	size_t count = 0;
	bool ok = true;

	ps->p++;
	skip_space(ps);
	if (peek(ps) == '}') {
		ps->p++;
		return true;
	}
	for (;;) {
		ok = parse_member(ps, &keys, &count);
		skip_space(ps);
		if (!ok || peek(ps) != ',')
			break;
		ps->p++;
	}
	free(keys);
	return ok && expect(ps, '}', "expected ',' or '}'");
}

static bool parse_array(struct parser *ps)
{
	unsigned long index = 0;
	size_t old;
	bool ok;

	ps->p++;
	skip_space(ps);
	if (peek(ps) == ']') {
		ps->p++;
		return true;
	}
	for (;;) {
		old = path_push(ps, "[%lu]", NULL, 0, index++);
		ok = parse_value(ps);
		path_pop(ps, old);
		skip_space(ps);
		if (!ok || peek(ps) != ',')
			break;
		ps->p++;
	}
	return ok && expect(ps, ']', "expected ',' or ']'");
}

static bool parse_value(struct parser *ps)
{
	const unsigned char *from;
	bool ok;

	skip_space(ps);
	from = ps->p;
	switch (peek(ps)) {
	case '{':
	case '[':
		if (++ps->depth > MAX_DEPTH)
			return fail(ps, "nested too deeply");
		ok = peek(ps) == '{' ? parse_object(ps) : parse_array(ps);
		ps->depth--;
		return ok;
	case '"':
		ok = parse_string(ps);
		break;
	case 't':
		ok = parse_literal(ps, "true");
		break;
	case 'f':
		ok = parse_literal(ps, "false");
		break;
	case 'n':
		ok = parse_literal(ps, "null");
		break;
	case -1:
		return fail(ps, "unexpected end of input");
	default:
		ok = (peek(ps) == '-' || (peek(ps) >= '0' && peek(ps) <= '9'))
		     ? parse_number(ps) : fail(ps, "unexpected character");
	}
	if (ok)
		print_scalar(ps, from);
	return ok;
}

static unsigned char *read_all(FILE *f, size_t *len)
{
	unsigned char *data = NULL, *grown;
	size_t size = 0, n;

	*len = 0;
	do {
		if (*len == size) {
			size = size ? size * 2 : 65536;
			grown = realloc(data, size);
			if (!grown) {
				free(data);
				return NULL;
			}
			data = grown;
		}
		n = fread(data + *len, 1, size - *len, f);
		*len += n;
	} while (n > 0);
	if (ferror(f)) {
		free(data);
		return NULL;
	}
	return data;
}

/* 1-based line and column of the error, for the message. */
static void locate(const struct parser *ps, unsigned long *line,
		   unsigned long *column)
{
	const unsigned char *q;

	*line = 1;
	*column = 1;
	for (q = ps->start; q < ps->p; q++) {
		if (*q == '\n') {
			++*line;
			*column = 1;
		} else {
			++*column;
		}
	}
}

int main(int argc, char *argv[])
{
	struct parser ps = { .error = NULL };
	unsigned long line, column;
	unsigned char *data;
	size_t len;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--flat") != 0)) {
		fputs("usage: jsoncheck [--flat] < DOCUMENT\n", stderr);
		return 2;
	}
	ps.flat = argc == 2;
	data = read_all(stdin, &len);
	if (!data) {
		perror("jsoncheck: standard input");
		return 1;
	}
	ps.start = ps.p = data;
	ps.end = data + len;
	if (parse_value(&ps)) {
		skip_space(&ps);
		if (ps.p != ps.end)
			fail(&ps, "data after the document");
	}
	if (ps.error) {
		locate(&ps, &line, &column);
		fprintf(stderr, "jsoncheck: line %lu, column %lu: %s\n", line,
			column, ps.error);
	}
	free(data);
	return ps.error ? 1 : 0;
}
