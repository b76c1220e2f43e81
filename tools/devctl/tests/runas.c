// SPDX-License-Identifier: GPL-2.0
/*
 * runas - run a command as another user, for the guest tests.
 *
 *   runas UID GID COMMAND [ARGS...]
 *
 * The guest has neither /etc/passwd users nor a su that would need them:
 * this drops the supplementary groups, then the group, then the user, and
 * executes COMMAND.
 */
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	uid_t uid;
	gid_t gid;

	if (argc < 4) {
		fputs("usage: runas UID GID COMMAND [ARGS...]\n", stderr);
		return 2;
	}
	uid = (uid_t)strtoul(argv[1], NULL, 10);
	gid = (gid_t)strtoul(argv[2], NULL, 10);
	/* Groups first: after setuid() we would no longer be allowed to. */
	if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		perror("runas");
		return 126;
	}
	execvp(argv[3], argv + 3);
	perror(argv[3]);
	return 127;
}
