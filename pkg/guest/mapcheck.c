// SPDX-License-Identifier: GPL-2.0
/*
 * mapcheck - what a program of a user in group chrmem does with a device:
 * map it, write through the mapping, read it back with read().
 *
 *   mapcheck DEVICE TEXT
 *
 * Maps the first page of DEVICE shared, copies TEXT (at most 255 bytes)
 * to its start through the mapping, unmaps it, then reads the same bytes
 * with pread() and prints "read back: " and them. Exit status 0 when they
 * are TEXT, 1 on any error (with the system's message: "Permission
 * denied" for a user the node refuses). pkg/e2e-arm64's guest builds it
 * with the system's gcc; devctl itself never maps a device.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	char back[256];
	size_t len;
	ssize_t got;
	char *map;
	int fd;

	if (argc != 3) {
		fputs("usage: mapcheck DEVICE TEXT\n", stderr);
		return 2;
	}
	len = strlen(argv[2]);
	if (len >= sizeof(back)) {
		fputs("mapcheck: TEXT is longer than 255 bytes\n", stderr);
		return 2;
	}
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "mapcheck: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "mapcheck: mmap %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	memcpy(map, argv[2], len);
	/* Unmapped first, so what pread() returns comes from the buffer alone. */
	if (munmap(map, 4096) < 0) {
		fprintf(stderr, "mapcheck: munmap: %s\n", strerror(errno));
		return 1;
	}
	got = pread(fd, back, len, 0);
	if (got < 0) {
		fprintf(stderr, "mapcheck: pread %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	back[got] = '\0';
	printf("read back: %s\n", back);
	return (size_t)got == len && memcmp(back, argv[2], len) == 0 ? 0 : 1;
}
