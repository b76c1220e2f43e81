// SPDX-License-Identifier: GPL-2.0
/*
 * parse.c - numbers, human-readable sizes, mode names and PCI addresses.
 */
#include <errno.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <linux/chrmem.h>

#include "parse.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *suffix;
	unsigned int shift;
} multipliers[] = {
	{ "",    0 },
	{ "K",  10 }, { "k",  10 }, { "KiB", 10 },
	{ "M",  20 }, { "m",  20 }, { "MiB", 20 },
	{ "G",  30 }, { "g",  30 }, { "GiB", 30 },
	{ "T",  40 }, { "t",  40 }, { "TiB", 40 },
};

static int digit_value(char c, unsigned int base)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (base == 16 && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (base == 16 && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int multiplier_shift(const char *suffix, unsigned int *shift)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(multipliers); i++) {
		if (strcmp(suffix, multipliers[i].suffix) == 0) {
			*shift = multipliers[i].shift;
			return 0;
		}
	}
	return -EINVAL;
}

int parse_u64(const char *s, uint64_t *value)
{
	unsigned int base = 10, shift;
	const char *digits;
	bool overflow = false;
	uint64_t v = 0;
	int d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	/*
	 * Scan the whole string before reporting an overflow, so that
	 * "99999999999999999999xyz" is garbage rather than out of range.
	 */
	for (digits = s; (d = digit_value(*s, base)) >= 0; s++) {
		if (v > (UINT64_MAX - (unsigned int)d) / base)
			overflow = true;
		v = v * base + (unsigned int)d;
	}
	if (s == digits || multiplier_shift(s, &shift) < 0)
		return -EINVAL;
	if (overflow || v > UINT64_MAX >> shift)
		return -ERANGE;
	*value = v << shift;
	return 0;
}

const char *format_size(uint64_t bytes, char buf[SIZE_STR_MAX])
{
	static const char *const units[] = {
		"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
	};
	unsigned int u = 0, shift;
	uint64_t whole, rest, tenths;

	while (u + 1 < ARRAY_SIZE(units) && bytes >> (10 * (u + 1)) != 0)
		u++;
	shift = 10 * u;
	whole = bytes >> shift;
	rest = bytes - (whole << shift);
	if (rest == 0) {
		snprintf(buf, SIZE_STR_MAX, "%" PRIu64 " %s", whole, units[u]);
		return buf;
	}
	/* One rounded decimal; rest * 10 cannot overflow as rest < 2^60. */
	tenths = (rest * 10 + (UINT64_C(1) << (shift - 1))) >> shift;
	if (tenths == 10) {
		whole++;
		tenths = 0;
	}
	snprintf(buf, SIZE_STR_MAX, "%" PRIu64 ".%" PRIu64 " %s",
		 whole, tenths, units[u]);
	return buf;
}

static const char *const cache_modes[] = CHRMEM_CACHE_MODE_NAMES;
static const char *const map_modes[] = CHRMEM_MAP_MODE_NAMES;

const char *cache_mode_name(uint32_t mode)
{
	return mode < ARRAY_SIZE(cache_modes) ? cache_modes[mode] : NULL;
}

int cache_mode_from_name(const char *name, uint32_t *mode)
{
	uint32_t i;

	for (i = 0; i < ARRAY_SIZE(cache_modes); i++) {
		if (strcmp(name, cache_modes[i]) == 0) {
			*mode = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *map_mode_name(uint32_t mode)
{
	return mode < ARRAY_SIZE(map_modes) ? map_modes[mode] : NULL;
}

/* @n hexadecimal digits at @s, their value in *@value. */
static bool hex_field(const char *s, size_t n, unsigned int *value)
{
	size_t i;

	*value = 0;
	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return false;
		*value = *value * 16 + (unsigned int)digit_value(s[i], 16);
	}
	return true;
}

/* The driver's rules (src/dma.c), so that a typo is a usage error here. */
int parse_pci_target(const char *s)
{
	unsigned int field, bits = 0;
	const char *p;

	if (strcspn(s, "/") != sizeof("0000:00:00.0") - 1 ||
	    s[4] != ':' || s[7] != ':' || s[10] != '.' ||
	    !hex_field(s, 4, &field) || !hex_field(s + 5, 2, &field) ||
	    !hex_field(s + 8, 2, &field) || field > 0x1f ||
	    !hex_field(s + 11, 1, &field) || field > 7)
		return -EINVAL;
	if (!s[12])
		return 0;
	p = s + 13;
	if (!*p || strlen(p) > 2)
		return -EINVAL;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		bits = bits * 10 + (unsigned int)(*p - '0');
	}
	return bits >= 24 && bits <= 64 ? 0 : -EINVAL;
}
