// SPDX-License-Identifier: GPL-2.0
/*
 * kmsg-filter - the C harness's kernel-log matcher as a filter, on the
 * host, so that tests/host/kernel-log-selftest can hold it against
 * tests/vm/scan-kernel-log.
 *
 *	kmsg-filter < LOG
 *
 * Prints the lines of LOG that kmsg_is_splat() flags, as they are. The
 * harness sees a record's text without the console's "[    1.234567] "
 * time stamp, so that is left out of what the matcher is given.
 * Exit status: 0 if no line was flagged, 1 if some were, 2 on error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmsg.h"

/* The text after a leading console time stamp, if there is one. */
static const char *message_text(const char *line)
{
	const char *end;

	if (line[0] != '[')
		return line;
	end = strstr(line, "] ");
	return end ? end + 2 : line;
}

int main(void)
{
	size_t cap = 0;
	char *line = NULL;
	ssize_t n;
	int flagged = 0;

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (!kmsg_is_splat(message_text(line)))
			continue;
		printf("%s\n", line);
		flagged = 1;
	}
	free(line);
	if (ferror(stdin) || fflush(stdout) != 0) {
		perror("kmsg-filter");
		return 2;
	}
	return flagged;
}
