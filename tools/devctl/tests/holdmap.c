// SPDX-License-Identifier: GPL-2.0
/*
 * holdmap - keep a shared mapping of a device alive, for the guest tests.
 *
 *   holdmap DEVICE [LENGTH]
 *
 * Maps the first LENGTH bytes (default 4096) of DEVICE shared, touches the
 * first byte so that a fault-mode device inserts a page, prints "mapped"
 * and waits to be killed. It dies with the script that started it, so a
 * test that forgets it cannot keep the module busy for ever; no timer,
 * which a slow guest could outlive (the mapping gone before the test that
 * needs it ran).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	size_t length = 4096;
	volatile unsigned char *map;
	unsigned char first;
	int fd;

	if (argc < 2 || argc > 3) {
		fputs("usage: holdmap DEVICE [LENGTH]\n", stderr);
		return 2;
	}
	if (argc == 3)
		length = strtoul(argv[2], NULL, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1) {
		perror("holdmap: PR_SET_PDEATHSIG");
		return 1;
	}
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	map = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	first = map[0];
	(void)first;
	printf("mapped\n");
	fflush(stdout);
	for (;;)
		pause();
}
