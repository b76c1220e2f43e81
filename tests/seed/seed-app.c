// SPDX-License-Identifier: GPL-2.0
/*
 * seed-app.c - the legacy interface, used the way the memdev tutorials
 * that chrmem replaces use it: map the first page of a device, write a
 * string into it, then clear and reset the buffer with the bare ioctl
 * numbers 0 and 1 (no _IO() encoding, no argument), printing the start of
 * the page after each step.
 *
 * chrmem keeps those two numbers working as CHRMEM_IOC_CLEAR and
 * CHRMEM_IOC_RESET; tests/seed/check-seed runs this program against a
 * module loaded with pattern="hello, user!" and expects, after whatever
 * the buffer held first ("Before Write, shm = ..."):
 *
 *	After write, shm = User write to share memory!
 *	After clear, shm =
 *	After reset, shm = hello, user!
 *
 * Usage: seed-app [DEVICE]   (default /dev/chrmem0)
 * Exit status 0 when every step worked, 1 otherwise (the reason on stderr).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* The numbers the tutorials pass as they are, before <linux/chrmem.h>. */
enum { LEGACY_CLEAR = 0, LEGACY_RESET = 1 };

static const char message[] = "User write to share memory!";

/* "STEP, shm = " and the page up to its first NUL, never past its end. */
static void show(const char *step, const char *page, size_t size)
{
	printf("%s, shm = %.*s\n", step, (int)strnlen(page, size), page);
}

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "seed-app: %s: %s: %s\n", path, what, strerror(errno));
	return EXIT_FAILURE;
}

int main(int argc, char *argv[])
{
	const char *path = argc > 1 ? argv[1] : "/dev/chrmem0";
	long page_size = sysconf(_SC_PAGESIZE);
	size_t size;
	char *page;
	int fd;

	if (argc > 2 || page_size <= 0) {
		fputs("usage: seed-app [DEVICE]\n", stderr);
		return EXIT_FAILURE;
	}
	size = (size_t)page_size;

	fd = open(path, O_RDWR);
	if (fd < 0)
		return fail("open", path);
	page = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (page == MAP_FAILED)
		return fail("mmap", path);

	show("Before Write", page, size);
	memcpy(page, message, sizeof(message));	/* with its NUL */
	show("After write", page, size);

	if (ioctl(fd, LEGACY_CLEAR) < 0)
		return fail("ioctl 0 (clear)", path);
	show("After clear", page, size);

	if (ioctl(fd, LEGACY_RESET) < 0)
		return fail("ioctl 1 (reset)", path);
	show("After reset", page, size);

	if (munmap(page, size) < 0)
		return fail("munmap", path);
	if (close(fd) < 0)
		return fail("close", path);
	/* What was printed must have reached its reader. */
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "seed-app: standard output: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
