// SPDX-License-Identifier: GPL-2.0
/*
 * selftest.c - tests of the test harness itself, run on the host by
 * "make -C tests selftest". Each test's name says how it must end:
 * pass_*, fail_* or skip_*; the Makefile checks every TAP line against
 * that, the totals line against the counts, and that teardowns ran.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chrmem_test.h"

TEST(pass_plain)
{
	ASSERT_EQ(1, 1);
	EXPECT_NE(1, 2);
	ASSERT_STREQ("a", "a");
	ASSERT_TRUE(1);
	ASSERT_FALSE(0);
}

TEST(fail_assert_eq)
{
	ASSERT_EQ(1, 2);
}

TEST(fail_expect_goes_on)
{
	EXPECT_EQ(1, 2);
	TH_LOG("selftest: still running after EXPECT");
}

TEST(pass_mixed_sign_math)
{
	/* Mathematical comparison, not C's conversions. */
	ASSERT_LT(-1, 0u);
	ASSERT_GT(0u, -1);
	ASSERT_NE((size_t)-1, -1);
	ASSERT_EQ(4294967295ULL, (unsigned int)-1);
	ASSERT_LE(-5LL, (unsigned char)0);
}

TEST(fail_mixed_sign_not_equal)
{
	/* In C, (unsigned)-1 == -1; mathematically it is not. */
	ASSERT_EQ((unsigned int)-1, -1);
}

TEST(fail_strne)
{
	ASSERT_STREQ("abc", "abd");
}

TEST(pass_errno)
{
	int fd = ASSERT_OK(dup(1));

	ASSERT_OK(close(fd));
	ASSERT_ERRNO(EBADF, close(-1));
	ASSERT_ERRNO2(EINVAL, EBADF, close(-1));
	ASSERT_ERR(0, 0);
	ASSERT_ERR(EBADF, close(-1) == -1 ? errno : 0);
}

TEST(fail_errno_wrong)
{
	ASSERT_ERRNO(EINVAL, close(-1));
}

TEST(fail_errno_but_success)
{
	ASSERT_ERRNO(EBADF, dup(1));
}

TEST(fail_ok)
{
	ASSERT_OK(close(-1));
}

TEST(fail_crash)
{
	*(volatile int *)opaque_ptr(0) = 1;
}

TEST_SIGNAL(pass_expected_signal, SIGBUS)
{
	raise(SIGBUS);
}

TEST_SIGNAL(fail_expected_signal_missing, SIGBUS)
{
}

TEST_SIGNAL(fail_wrong_signal, SIGBUS)
{
	raise(SIGSEGV);
}

TEST_SIGNAL(fail_assert_before_signal, SIGBUS)
{
	EXPECT_EQ(1, 2);
	raise(SIGBUS);
}

TEST_TIMEOUT(fail_timeout, 1)
{
	pause();
}

TEST(skip_with_reason)
{
	SKIP("selftest reason %d", 42);
	ASSERT_TRUE(false);	/* not reached */
}

TEST(fail_expect_then_skip)
{
	EXPECT_EQ(1, 2);
	SKIP("a failure before a skip stays a failure");
}

FIXTURE(fx) {
	int x;
};

FIXTURE_SETUP(fx)
{
	self->x = 7;
}

FIXTURE_TEARDOWN(fx)
{
	TH_LOG("selftest: teardown ran, x=%d", self->x);
}

TEST_F(fx, pass_uses_setup)
{
	ASSERT_EQ(7, self->x);
	self->x = 8;
}

TEST_F(fx, fail_assert_runs_teardown)
{
	self->x = 9;
	ASSERT_EQ(0, 1);
}

TEST_F_SIGNAL(fx, pass_signal_in_fixture, SIGBUS)
{
	raise(SIGBUS);
}

FIXTURE(skipping) {
	int unused;
};

FIXTURE_SETUP(skipping)
{
	SKIP("setup skips");
}

FIXTURE_TEARDOWN(skipping)
{
	TH_LOG("selftest: BUG: teardown after a setup that did not complete");
}

TEST_F(skipping, skip_in_setup)
{
	ASSERT_TRUE(false);
}

static void *thread_expect(void *arg)
{
	struct th_test *_metadata = arg;

	EXPECT_EQ(1, 2);
	return NULL;
}

TEST(fail_expect_in_thread)
{
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, thread_expect, _metadata));
	ASSERT_EQ(0, pthread_join(t, NULL));
}

static void *thread_assert(void *arg)
{
	struct th_test *_metadata = arg;

	ASSERT_EQ(1, 2);
	return NULL;
}

TEST(fail_assert_in_thread)
{
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, thread_assert, _metadata));
	pthread_join(t, NULL);
	pause();	/* the failing ASSERT ends the process first */
}

TEST(fail_expect_in_child)
{
	pid_t pid = fork();

	ASSERT_OK(pid);
	if (pid == 0) {
		EXPECT_EQ(1, 2);
		_exit(0);	/* exits "successfully": the failure still counts */
	}
	waitpid(pid, NULL, 0);
}

TEST(fail_assert_in_child)
{
	pid_t pid = fork();

	ASSERT_OK(pid);
	if (pid == 0) {
		ASSERT_EQ(1, 2);
		_exit(0);
	}
	wait_ok(pid);
}

TEST(pass_leaves_a_process_behind)
{
	/* The runner kills and reaps it; the next test must not wait. */
	if (fork() == 0)
		pause();
}

TEST(pass_pattern_helpers)
{
	uint8_t buf[4096];
	size_t first;

	fill_pattern(buf, sizeof(buf), 8192, 5);
	ASSERT_EQ(0, check_pattern(buf, sizeof(buf), 8192, 5, &first));
	/* Another offset or seed does not match. */
	ASSERT_LT(4000, check_pattern(buf, sizeof(buf), 8192 + 4096, 5, &first));
	ASSERT_LT(4000, check_pattern(buf, sizeof(buf), 8192, 6, &first));
	buf[1000] ^= 1;
	ASSERT_EQ(1, check_pattern(buf, sizeof(buf), 8192, 5, &first));
	ASSERT_EQ(1000, first);
	memset(buf, 0, sizeof(buf));
	buf[77] = 3;
	ASSERT_EQ(1, check_fill(buf, sizeof(buf), 0, &first));
	ASSERT_EQ(77, first);
}

TEST(fail_pattern_mismatch_reported)
{
	uint8_t buf[64];

	fill_pattern(buf, sizeof(buf), 0, 1);
	buf[10] ^= 0xff;
	ASSERT_PATTERN(buf, sizeof(buf), 0, 1);
}

TEST(pass_kmsg_markers)
{
	ASSERT_TRUE(kmsg_is_splat("WARNING: CPU: 1 PID: 77 at mm/page_alloc.c:5525"));
	ASSERT_TRUE(kmsg_is_splat("BUG: unable to handle page fault for address"));
	ASSERT_TRUE(kmsg_is_splat("insmod: page allocation failure: order:10"));
	ASSERT_TRUE(kmsg_is_splat("insmod invoked oom-killer: gfp_mask=0x0"));
	ASSERT_TRUE(kmsg_is_splat("x86/PAT: t:92 map pfn RAM range req uncached-minus"));
	ASSERT_FALSE(kmsg_is_splat("chrmem: loading out-of-tree module taints kernel."));
	ASSERT_FALSE(kmsg_is_splat("chrmem: devices: invalid value '0' (allowed: 1..16)"));
	ASSERT_FALSE(kmsg_is_splat("chrmem: chrmem0: cannot allocate 1073741824 bytes"));
}
