// SPDX-License-Identifier: GPL-2.0
/*
 * unit - host unit tests of devctl's driver-independent code.
 *
 *   unit                          run the tests: "ok - ..." lines that
 *                                 tests/host.sh numbers and counts, then
 *                                 the plan "1..N" once all N have run
 *   unit hexdump FILE OFFSET LEN  dump FILE through devctl's own read loop
 *                                 and formatter, to compare with hexdump -C
 *   unit json STRING...           a JSON document {"strings": [...]}, for a
 *                                 real JSON parser to check
 *
 * The device-facing loops run here on regular files: range-io.c takes a file
 * descriptor and a size, which is the seam (see range-io.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../range-io.h"
#include "../device.h"
#include "../hexdump.h"
#include "../parse.h"
#include "../print.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static unsigned int checks, failed;

static void check(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	checks++;
	printf("%sok - ", ok ? "" : "not ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		failed++;
}

/* Shows both sides of a failed string comparison as TAP diagnostics. */
static bool same_text(const char *got, const char *want)
{
	if (strcmp(got, want) == 0)
		return true;
	printf("# want:\n# %s\n# got:\n# %s\n", want, got);
	return false;
}

static void test_parse_u64(void)
{
	static const struct {
		const char *input;
		int err;
		uint64_t value;
	} cases[] = {
		{ "0", 0, 0 },
		{ "4096", 0, 4096 },
		{ "010", 0, 10 },	/* decimal, never octal */
		{ "0x1000", 0, 4096 },
		{ "0X1f", 0, 31 },
		{ "0xAbC", 0, 0xabc },
		{ "1K", 0, 1024 },
		{ "1k", 0, 1024 },
		{ "1KiB", 0, 1024 },
		{ "4M", 0, 4 << 20 },
		{ "4MiB", 0, 4 << 20 },
		{ "3G", 0, UINT64_C(3) << 30 },
		{ "2g", 0, UINT64_C(2) << 30 },
		{ "1T", 0, UINT64_C(1) << 40 },
		{ "0x10K", 0, 16 << 10 },
		{ "0x1B", 0, 27 },	/* B is a digit here, not a suffix */
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "0xffffffffffffffff", 0, UINT64_MAX },
		{ "16777215T", 0, UINT64_C(16777215) << 40 },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "0x10000000000000000", -ERANGE, 0 },
		{ "16777216T", -ERANGE, 0 },
		{ "17179869184G", -ERANGE, 0 },
		{ "99999999999999999999999K", -ERANGE, 0 },
		{ "", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 },
		{ "1 ", -EINVAL, 0 },
		{ "1.5K", -EINVAL, 0 },
		{ "K", -EINVAL, 0 },
		{ "0x", -EINVAL, 0 },
		{ "0xK", -EINVAL, 0 },
		{ "1KB", -EINVAL, 0 },
		{ "1Ki", -EINVAL, 0 },
		{ "1kib", -EINVAL, 0 },
		{ "1KK", -EINVAL, 0 },
		{ "1e3", -EINVAL, 0 },
		{ "12abc", -EINVAL, 0 },
		{ "99999999999999999999xyz", -EINVAL, 0 },
	};
	uint64_t value;
	size_t i;
	int err;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		value = 0;
		err = parse_u64(cases[i].input, &value);
		check(err == cases[i].err && (err || value == cases[i].value),
		      "parse_u64(\"%s\") = %d, %" PRIu64, cases[i].input,
		      cases[i].err, cases[i].value);
	}
}

static void test_format_size(void)
{
	static const struct {
		uint64_t bytes;
		const char *text;
	} cases[] = {
		{ 0, "0 B" },
		{ 512, "512 B" },
		{ 1023, "1023 B" },
		{ 1024, "1 KiB" },
		{ 1536, "1.5 KiB" },
		{ 12288, "12 KiB" },
		{ 1048576, "1 MiB" },
		{ 1048576 + 104858, "1.1 MiB" },
		{ UINT64_C(1) << 30, "1 GiB" },
		{ (UINT64_C(1) << 30) - 1, "1024.0 MiB" },
		{ UINT64_MAX, "16.0 EiB" },
	};
	char buf[SIZE_STR_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		check(same_text(format_size(cases[i].bytes, buf),
				cases[i].text),
		      "format_size(%" PRIu64 ") = \"%s\"", cases[i].bytes,
		      cases[i].text);
}

static void test_mode_names(void)
{
	uint32_t mode = 99;

	check(strcmp(cache_mode_name(CHRMEM_CACHE_WC), "wc") == 0,
	      "cache mode 2 is called wc");
	check(cache_mode_name(3) == NULL, "cache mode 3 has no name");
	check(cache_mode_from_name("uncached", &mode) == 0 &&
	      mode == CHRMEM_CACHE_UNCACHED, "uncached is cache mode 1");
	check(cache_mode_from_name("WC", &mode) == -EINVAL,
	      "cache mode names are case-sensitive");
	check(strcmp(map_mode_name(CHRMEM_MAP_FAULT), "fault") == 0,
	      "map mode 1 is called fault");
}

static void test_pci_target(void)
{
	static const char *const good[] = {
		"0000:00:05.0", "0000:00:05.0/28", "ffff:ff:1f.7/64",
		"0001:0a:00.0/24", "ABCD:EF:1F.7",
	};
	static const char *const bad[] = {
		"", "none", "00:05.0", "0000:00:05", "0000:00:20.0",
		"0000:00:05.8", "0000:00:05.0/", "0000:00:05.0/23",
		"0000:00:05.0/65", "0000:00:05.0/100", "0000:00:05.0/x",
		"0000:00:05.0/2x", "zzzz:00:05.0", "0000-00:05.0",
		"0000:00:05.0 ", " 0000:00:05.0", "0000:00:05.0/28/28",
		"00000:00:05.0", "0000:000:05.0",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++)
		check(parse_pci_target(good[i]) == 0, "PCI target '%s' accepted",
		      good[i]);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		check(parse_pci_target(bad[i]) == -EINVAL,
		      "PCI target '%s' refused", bad[i]);
}

static void test_device_names(void)
{
	check(device_name_compare("chrmem2", "chrmem10") < 0,
	      "chrmem2 sorts before chrmem10");
	check(device_name_compare("chrmem10", "chrmem9") > 0,
	      "chrmem10 sorts after chrmem9");
	check(device_name_compare("chrmem0", "chrmem0") == 0,
	      "a name equals itself");
}

static void test_range_resolve(void)
{
	static const struct {
		uint64_t offset;
		bool have_length;
		uint64_t length;
		enum range_status status;
		uint64_t resolved_length;
	} cases[] = {
		{ 0, false, 0, RANGE_OK, 100 },
		{ 40, false, 0, RANGE_OK, 60 },
		{ 100, false, 0, RANGE_OK, 0 },
		{ 0, true, 0, RANGE_OK, 0 },
		{ 50, true, 50, RANGE_OK, 50 },
		{ 101, false, 0, RANGE_BAD_OFFSET, 0 },
		{ 50, true, 51, RANGE_TOO_LONG, 0 },
		{ UINT64_MAX, true, 1, RANGE_BAD_OFFSET, 0 },
		/* offset + length wraps to 0: must not pass as in range */
		{ 1, true, UINT64_MAX, RANGE_TOO_LONG, 0 },
	};
	struct range range;
	enum range_status status;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		status = range_resolve(100, cases[i].offset,
				       cases[i].have_length, cases[i].length,
				       &range);
		check(status == cases[i].status &&
		      (status != RANGE_OK ||
		       (range.offset == cases[i].offset &&
			range.length == cases[i].resolved_length)),
		      "range at %" PRIu64 " of length %s%" PRIu64
		      " in 100 bytes: status %d", cases[i].offset,
		      cases[i].have_length ? "" : "(to the end) ",
		      cases[i].length, cases[i].status);
	}
}

/* Dumps @len bytes of @data fed in pieces of @piece bytes. */
static char *hexdump_of(const void *data, size_t len, uint64_t offset,
			size_t piece)
{
	const unsigned char *p = data;
	struct hexdump hd;
	char *text = NULL;
	size_t size = 0, n;
	FILE *out;

	out = open_memstream(&text, &size);
	if (!out)
		abort();
	hexdump_init(&hd, out, offset);
	for (; len > 0; p += n, len -= n) {
		n = len < piece ? len : piece;
		hexdump_feed(&hd, p, n);
	}
	hexdump_finish(&hd);
	fclose(out);
	return text;
}

static void check_hexdump(const void *data, size_t len, uint64_t offset,
			  const char *want, const char *what)
{
	char *whole = hexdump_of(data, len, offset, len ? len : 1);
	char *bytewise = hexdump_of(data, len, offset, 1);

	check(same_text(whole, want), "hexdump: %s", what);
	check(same_text(bytewise, want), "hexdump: %s, fed byte by byte",
	      what);
	free(whole);
	free(bytewise);
}

static void test_hexdump(void)
{
	unsigned char zeros[40] = { 0 }, mixed[80] = { 0 };

	check_hexdump("", 0, 0, "", "an empty range prints nothing");
	check_hexdump("hello\n", 6, 0,
		"00000000  68 65 6c 6c 6f 0a                                "
		" |hello.|\n00000006\n", "a short line");
	check_hexdump("\x80\xff\x7f \x7e\x1f", 6, 0,
		"00000000  80 ff 7f 20 7e 1f                                "
		" |... ~.|\n00000006\n", "only printable ASCII as text");
	check_hexdump(zeros, 40, 0,
		"00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00 "
		" |................|\n*\n"
		"00000020  00 00 00 00 00 00 00 00                          "
		" |........|\n00000028\n",
		"repeated lines squeeze into one '*', a short last line not");
	memset(mixed + 48, 'a', 16);
	check_hexdump(mixed, 80, 0,
		"00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00 "
		" |................|\n*\n"
		"00000030  61 61 61 61 61 61 61 61  61 61 61 61 61 61 61 61 "
		" |aaaaaaaaaaaaaaaa|\n"
		"00000040  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00 "
		" |................|\n00000050\n",
		"a line after a squeezed run prints again");
	check_hexdump(zeros, 16, 0x100000000,
		"100000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00 "
		" |................|\n100000010\n",
		"offsets past 4 GiB widen");
}

static char *json_of_strings(const char *const *strings, size_t count)
{
	char *text = NULL;
	size_t size = 0, i;
	FILE *out;

	out = open_memstream(&text, &size);
	if (!out)
		abort();
	output_init(out, true);
	output_open();
	open_json_array("strings");
	for (i = 0; i < count; i++)
		print_string(PRINT_ANY, NULL, NULL, strings[i]);
	close_json_array();
	output_close();
	fclose(out);
	output_init(NULL, false);
	return text;
}

static void check_json_string(const char *input, const char *want,
			      const char *what)
{
	char *text = json_of_strings(&input, 1);
	char expected[256];

	snprintf(expected, sizeof(expected),
		 "{\n  \"strings\": [\n    %s\n  ]\n}\n", want);
	check(same_text(text, expected), "JSON string: %s", what);
	free(text);
}

static void test_json(void)
{
	char *text;

	check_json_string("plain", "\"plain\"", "plain text");
	check_json_string("a\"b\\c/d", "\"a\\\"b\\\\c/d\"",
			  "quote and backslash escaped");
	check_json_string("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"",
			  "short escapes");
	check_json_string("\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"",
			  "other controls as \\u00XX, DEL as is");
	check_json_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
			  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
			  "valid UTF-8 kept");
	check_json_string("a\xff" "b", "\"a\\ufffdb\"",
			  "an invalid byte becomes U+FFFD");
	check_json_string("\xc0\xaf", "\"\\ufffd\\ufffd\"",
			  "an overlong form is invalid");
	check_json_string("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"",
			  "a UTF-16 surrogate is invalid");
	check_json_string("\xe2\x82", "\"\\ufffd\\ufffd\"",
			  "a truncated sequence is invalid");
	check_json_string("\xf4\x90\x80\x80",
			  "\"\\ufffd\\ufffd\\ufffd\\ufffd\"",
			  "above U+10FFFF is invalid");

	text = json_of_strings(NULL, 0);
	check(same_text(text, "{\n  \"strings\": []\n}\n"),
	      "JSON: an empty array");
	free(text);
}

static void test_json_closes_on_error(void)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out;

	out = open_memstream(&text, &size);
	if (!out)
		abort();
	output_init(out, true);
	output_open();
	open_json_array("devices");
	open_json_object(NULL);
	print_u64(PRINT_ANY, "size", "%s", 4096);
	print_unknown(PRINT_ANY, "bytes_read", "%s");
	print_string(PRINT_TEXT, "text_only", "%s", "x");
	/* An error path returns here without closing anything. */
	output_close();
	fclose(out);
	output_init(NULL, false);
	check(same_text(text, "{\n  \"devices\": [\n    {\n"
			"      \"size\": 4096,\n      \"bytes_read\": null\n"
			"    }\n  ]\n}\n"),
	      "JSON: output_close() closes what is open; text-only fields"
	      " stay out");
	free(text);
}

static void test_text_output(void)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out;

	out = open_memstream(&text, &size);
	if (!out)
		abort();
	output_init(out, false);
	output_open();
	open_json_array("devices");
	print_string(PRINT_ANY, "name", "%-8s|", "chrmem0");
	print_size(PRINT_ANY, "size", "%s|", 1048576);
	print_u64(PRINT_ANY, "opens", "%3s|", 7);
	print_unknown(PRINT_ANY, "bytes_read", "%2s|");
	print_hex(PRINT_ANY, "address", "%s|", 0x10cf0000);
	print_string(PRINT_JSON, "path", "%s", "/dev/chrmem0");
	close_json_array();
	output_close();
	fclose(out);
	output_init(NULL, false);
	check(same_text(text, "chrmem0 |1 MiB|  7| -|0x10cf0000|"),
	      "text: one format per field, JSON-only fields stay out");
	free(text);
}

static void test_pattern_source(void)
{
	struct pattern_source ps = {
		.pattern = (const unsigned char *)"abcd", .length = 4,
	};
	char out[11] = { 0 };

	pattern_source(&ps, out, 3);
	pattern_source(&ps, out + 3, 7);
	check(same_text(out, "abcdabcdab"),
	      "a pattern continues across chunks");
}

/* A temporary file of @size bytes of @fill, open for reading and writing. */
static int temp_file(char *name, size_t size, int fill)
{
	char data[4096];
	size_t n;
	int fd;

	strcpy(name, "/tmp/devctl-unit-XXXXXX");
	fd = mkstemp(name);
	if (fd < 0)
		abort();
	unlink(name);
	memset(data, fill, sizeof(data));
	while (size > 0) {
		n = size < sizeof(data) ? size : sizeof(data);
		if (write(fd, data, n) != (ssize_t)n)
			abort();
		size -= n;
	}
	return fd;
}

static bool file_bytes_are(int fd, uint64_t offset, const void *want,
			   size_t len)
{
	char got[256];

	return len <= sizeof(got) &&
	       pread(fd, got, len, (off_t)offset) == (ssize_t)len &&
	       memcmp(got, want, len) == 0;
}

static void test_buffer_fill(void)
{
	struct pattern_source ps = {
		.pattern = (const unsigned char *)"xyz", .length = 3,
	};
	struct range range = { .offset = 100, .length = 200000 };
	struct io_error error;
	char name[32];
	int fd = temp_file(name, 300000, 0);

	/* Longer than one chunk, so the pattern must carry over. */
	check(buffer_write(fd, &range, pattern_source, &ps, &error) == 0,
	      "buffer_write: fill 200000 bytes at offset 100");
	check(file_bytes_are(fd, 98, "\0\0xyzxyz", 8) &&
	      file_bytes_are(fd, 100 + 65536, "yzx", 3) &&
	      file_bytes_are(fd, 100 + 199998, "xy\0", 3),
	      "buffer_write: pattern in place, bytes around untouched");
	close(fd);
}

static void test_buffer_copy(void)
{
	struct range range = { .offset = 4096, .length = 70000 };
	char in_name[32], buf_name[32], out_name[32];
	int in = temp_file(in_name, 70000, 'q');
	int buf = temp_file(buf_name, 80000, 0);
	int out = temp_file(out_name, 0, 0);
	struct io_error error;

	lseek(in, 0, SEEK_SET);
	check(buffer_write(buf, &range, fd_source, &in, &error) == 0,
	      "buffer_write: load a 70000-byte file at offset 4096");
	check(buffer_read(buf, &range, fd_sink, &out, &error) == 0,
	      "buffer_read: save the same range to a file");
	check(lseek(out, 0, SEEK_END) == 70000 &&
	      file_bytes_are(out, 69990, "qqqqqqqqqq", 10) &&
	      file_bytes_are(buf, 4095, "\0q", 2),
	      "load and save round-trip");

	/* The source file is now at its end: as if it had shrunk. */
	check(buffer_write(buf, &range, fd_source, &in, &error) < 0 &&
	      error.err == ENODATA && error.side == IO_OTHER &&
	      error.offset == 4096,
	      "buffer_write: a source that ends early fails on its side");
	range.offset = 79990;
	range.length = 20;
	check(buffer_read(buf, &range, fd_sink, &out, &error) < 0 &&
	      error.err == ENODATA && error.side == IO_BUFFER &&
	      error.offset == 80000,
	      "buffer_read: a buffer that ends early fails at its end");
	close(in);
	close(buf);
	close(out);
}

/*
 * The plan and the totals line come last, when every test has run: a crash
 * or an early exit leaves neither, which tests/host.sh (tap_run) counts as
 * a failure. Lines go out one by one, so the points before a crash are
 * still seen.
 */
static int run_tests(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_parse_u64();
	test_format_size();
	test_mode_names();
	test_pci_target();
	test_device_names();
	test_range_resolve();
	test_hexdump();
	test_json();
	test_json_closes_on_error();
	test_text_output();
	test_pattern_source();
	test_buffer_fill();
	test_buffer_copy();
	printf("1..%u\n%u passed, %u failed\n", checks, checks - failed, failed);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

static int hexdump_sink(void *ctx, const void *data, size_t len)
{
	hexdump_feed(ctx, data, len);
	return 0;
}

/* "devctl dump" minus the device: the read loop and the formatter. */
static int dump_file(const char *file, const char *offset_arg,
		     const char *length_arg)
{
	uint64_t offset, length;
	struct io_error error;
	struct hexdump hd;
	struct range range;
	struct stat st;
	int fd;

	fd = open(file, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0 ||
	    parse_u64(offset_arg, &offset) < 0 ||
	    parse_u64(length_arg, &length) < 0 ||
	    range_resolve((uint64_t)st.st_size, offset, true, length,
			  &range) != RANGE_OK) {
		fprintf(stderr, "unit: cannot dump %s %s %s\n", file,
			offset_arg, length_arg);
		return EXIT_FAILURE;
	}
	hexdump_init(&hd, stdout, range.offset);
	if (buffer_read(fd, &range, hexdump_sink, &hd, &error) < 0) {
		fprintf(stderr, "unit: %s: %s\n", file, strerror(error.err));
		return EXIT_FAILURE;
	}
	hexdump_finish(&hd);
	close(fd);
	return EXIT_SUCCESS;
}

int main(int argc, char *argv[])
{
	char *text;

	if (argc == 1)
		return run_tests();
	if (argc == 5 && strcmp(argv[1], "hexdump") == 0)
		return dump_file(argv[2], argv[3], argv[4]);
	if (argc >= 2 && strcmp(argv[1], "json") == 0) {
		text = json_of_strings((const char *const *)argv + 2,
				       (size_t)argc - 2);
		fputs(text, stdout);
		free(text);
		return EXIT_SUCCESS;
	}
	fputs("usage: unit | unit hexdump FILE OFFSET LENGTH | "
	      "unit json STRING...\n", stderr);
	return 2;
}
