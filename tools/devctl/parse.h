/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parse.h - numbers, human-readable sizes, mode names and PCI addresses.
 *
 * Pure functions with no I/O, so the host unit tests cover them completely.
 */
#ifndef DEVCTL_PARSE_H
#define DEVCTL_PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses a byte count or offset: decimal or 0x-prefixed hexadecimal digits,
 * optionally followed by a binary multiplier K, M, G or T (either case) or
 * KiB, MiB, GiB or TiB. Nothing else is accepted: no sign, no spaces, no
 * fraction, no octal, no "KB" (it would be ambiguous between 1000 and 1024).
 * Returns 0, -EINVAL for garbage or -ERANGE when the value exceeds
 * UINT64_MAX.
 */
int parse_u64(const char *s, uint64_t *value);

/* Longest string format_size() produces, with its NUL. */
#define SIZE_STR_MAX 24

/*
 * Formats @bytes in the largest binary unit that keeps the value at least 1:
 * "512 B", "4 KiB", "1.5 MiB". Whole values print without a fraction so
 * that the usual page-multiple sizes read exactly. Returns @buf.
 */
const char *format_size(uint64_t bytes, char buf[SIZE_STR_MAX]);

/* CHRMEM_CACHE_* and CHRMEM_MAP_* values and their names in sysfs. */
const char *cache_mode_name(uint32_t mode);
int cache_mode_from_name(const char *name, uint32_t *mode);
const char *map_mode_name(uint32_t mode);

/*
 * Checks a DMA device as sysfs dma_device takes it: a PCI address
 * "DDDD:BB:DD.F" in hexadecimal (slot up to 1f, function up to 7), with an
 * optional "/BITS" DMA mask of 24 to 64 bits. Returns 0 or -EINVAL.
 */
int parse_pci_target(const char *s);

#endif /* DEVCTL_PARSE_H */
