/* SPDX-License-Identifier: GPL-2.0 */
/*
 * harness.h - the chrmem test harness, in the shape of the kernel's
 * kselftest harness (written for this project, not copied from it).
 *
 *	TEST(name) { ... }			a test
 *	TEST_SIGNAL(name, SIGBUS) { ... }	passes only if it dies of SIGBUS
 *	TEST_TIMEOUT(name, 120) { ... }		longer time limit (seconds)
 *
 *	FIXTURE(fx) { int fd; ... };		per-test state, "self"
 *	FIXTURE_SETUP(fx) { self->fd = ...; }
 *	FIXTURE_TEARDOWN(fx) { close(self->fd); }
 *	TEST_F(fx, name) { ... self->fd ... }	(also TEST_F_SIGNAL/_TIMEOUT)
 *
 * Each test runs in its own forked child, in its own process group, with a
 * time limit: a crash, a hang or a stray signal is one failed test, never a
 * dead suite. The runner checks the kernel log (/dev/kmsg) around every
 * test and fails the test if a WARNING, BUG, oops or allocator/OOM splat
 * appeared while it ran.
 *
 * ASSERT_*() stops the test (teardown still runs if setup completed),
 * EXPECT_*() records the failure and goes on. Comparisons take the
 * expected value first and print file:line, both expressions, both values
 * and, for a -1 result, errno.
 * SKIP(fmt, ...) stops the test and reports it as skipped with a reason.
 *
 * The failure count lives in memory shared by the test's threads and
 * processes: an EXPECT that fails in a helper thread or a forked process
 * fails the test. A failing ASSERT there prints its message and ends that
 * process with a failure status (there is no test body to return to).
 * The default time limit is 60 s.
 *
 * Output is TAP 13: a plan line, "ok N name", "not ok N name",
 * "ok N name # SKIP reason", "#" diagnostics, and a last line
 * "P passed, F failed, S skipped". The exit status is 0 only if F is 0.
 *
 * Strict mode turns "device/module missing" skips (see chrmem_test.h) into
 * failures and requires /dev/kmsg, so a guest run can never pass by
 * skipping. It is on with CHRMEM_STRICT=1, and by default inside the test
 * guest of tests/vm/run (recognised by its /chrmem/chrmem.ko); CHRMEM_STRICT=0
 * turns it off. CHRMEM_TIMEOUT_SCALE=N multiplies every time limit.
 */
#ifndef CHRMEM_HARNESS_H
#define CHRMEM_HARNESS_H

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct th_test {
	const char *name;
	void (*fn)(struct th_test *_metadata);
	int expect_signal;		/* 0: must exit normally */
	unsigned int timeout;		/* seconds, 0: default */
	struct th_test *next;

	/* State of the running test, in the test's own process. */
	jmp_buf env;			/* where ASSERT/SKIP jump to */
	int setup_done;			/* fixture teardown is due */
	int pid;			/* the test's main process and thread */
	int failures;			/* EXPECT/ASSERT failures so far */
};

void th_register(struct th_test *t);

#define TH_TEST_(name_str, sym, body_fn, sig, tmo)			\
	static struct th_test sym = {					\
		.name = name_str, .fn = body_fn,			\
		.expect_signal = sig, .timeout = tmo,			\
	};								\
	static void __attribute__((constructor)) sym##_register(void)	\
	{								\
		th_register(&sym);					\
	}

#define TEST_OPTS_(name, sig, tmo)					\
	static void th_body_##name(struct th_test *_metadata);		\
	TH_TEST_(#name, th_test_##name, th_body_##name, sig, tmo)	\
	static void th_body_##name(struct th_test *_metadata TH_UNUSED)

#define TEST(name)			TEST_OPTS_(name, 0, 0)
#define TEST_SIGNAL(name, sig)		TEST_OPTS_(name, sig, 0)
#define TEST_TIMEOUT(name, secs)	TEST_OPTS_(name, 0, secs)

#define FIXTURE(fx)	struct th_fixture_##fx
#define TH_UNUSED	__attribute__((unused))
#define FIXTURE_SETUP(fx)						\
	static void th_setup_##fx(struct th_test *_metadata TH_UNUSED,	\
				  struct th_fixture_##fx *self TH_UNUSED)
#define FIXTURE_TEARDOWN(fx)						\
	static void th_teardown_##fx(struct th_test *_metadata TH_UNUSED,\
				     struct th_fixture_##fx *self TH_UNUSED)

/*
 * The fixture lives in static storage (one test per process), so its
 * contents are well defined after an ASSERT longjmp()s out of the body.
 */
#define TEST_F_OPTS_(fx, name, sig, tmo)				\
	static void th_fbody_##fx##_##name(struct th_test *_metadata,	\
		struct th_fixture_##fx *self);				\
	static void th_fwrap_##fx##_##name(struct th_test *_metadata)	\
	{								\
		static struct th_fixture_##fx th_self;			\
		if (setjmp(_metadata->env) == 0) {			\
			th_setup_##fx(_metadata, &th_self);		\
			_metadata->setup_done = 1;			\
			th_fbody_##fx##_##name(_metadata, &th_self);	\
		}							\
		if (_metadata->setup_done &&				\
		    setjmp(_metadata->env) == 0) {			\
			_metadata->setup_done = 0;			\
			th_teardown_##fx(_metadata, &th_self);		\
		}							\
	}								\
	TH_TEST_(#fx "." #name, th_test_##fx##_##name,			\
		 th_fwrap_##fx##_##name, sig, tmo)			\
	static void th_fbody_##fx##_##name(				\
		struct th_test *_metadata TH_UNUSED,			\
		struct th_fixture_##fx *self TH_UNUSED)

#define TEST_F(fx, name)		TEST_F_OPTS_(fx, name, 0, 0)
#define TEST_F_SIGNAL(fx, name, sig)	TEST_F_OPTS_(fx, name, sig, 0)
#define TEST_F_TIMEOUT(fx, name, secs)	TEST_F_OPTS_(fx, name, 0, secs)

/* ---- reporting ---------------------------------------------------- */

void th_log(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void th_fail(struct th_test *t, bool fatal);
void th_skip(struct th_test *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
bool th_strict(void);

/* A "# file:line: message" diagnostic line. */
#define TH_LOG(...)	th_log(__FILE__, __LINE__, __VA_ARGS__)

/* Stop the test and report it as skipped, with a reason. */
#define SKIP(...)	th_skip(_metadata, __VA_ARGS__)

/* ---- comparisons ---------------------------------------------------- */

/* Whether an integer expression has a signed type (no pointers here). */
#define TH_SIGNED(x) _Generic((x),					\
	char: (CHAR_MIN < 0), signed char: 1, short: 1, int: 1,	\
	long: 1, long long: 1, default: 0)

enum th_op { TH_EQ, TH_NE, TH_LT, TH_LE, TH_GT, TH_GE };

bool th_compare(unsigned long long a, bool a_signed, enum th_op op,
		unsigned long long b, bool b_signed);
void th_report_cmp(const char *file, int line, const char *a_str,
		   const char *op_str, const char *b_str,
		   unsigned long long a, bool a_signed,
		   unsigned long long b, bool b_signed, int err);

/*
 * "expected OP seen": for ASSERT_LT(a, b) the check is a < b. Both sides
 * are evaluated once; the comparison is done on the mathematical values,
 * so mixing signed and unsigned types is safe.
 */
#define TH_CMP_(exp, op, op_str, seen, fatal) do {			\
	__typeof__(exp) th_e_ = (exp);					\
	__typeof__(seen) th_s_ = (seen);				\
	int th_errno_ = errno;						\
	if (!th_compare((unsigned long long)th_e_, TH_SIGNED(th_e_), op,\
			(unsigned long long)th_s_, TH_SIGNED(th_s_))) {	\
		th_report_cmp(__FILE__, __LINE__, #exp, op_str, #seen,	\
			      (unsigned long long)th_e_, TH_SIGNED(th_e_),\
			      (unsigned long long)th_s_, TH_SIGNED(th_s_),\
			      th_errno_);				\
		th_fail(_metadata, fatal);				\
	}								\
} while (0)

#define ASSERT_EQ(e, s)	TH_CMP_(e, TH_EQ, "==", s, true)
#define ASSERT_NE(e, s)	TH_CMP_(e, TH_NE, "!=", s, true)
#define ASSERT_LT(e, s)	TH_CMP_(e, TH_LT, "<", s, true)
#define ASSERT_LE(e, s)	TH_CMP_(e, TH_LE, "<=", s, true)
#define ASSERT_GT(e, s)	TH_CMP_(e, TH_GT, ">", s, true)
#define ASSERT_GE(e, s)	TH_CMP_(e, TH_GE, ">=", s, true)
#define EXPECT_EQ(e, s)	TH_CMP_(e, TH_EQ, "==", s, false)
#define EXPECT_NE(e, s)	TH_CMP_(e, TH_NE, "!=", s, false)
#define EXPECT_LT(e, s)	TH_CMP_(e, TH_LT, "<", s, false)
#define EXPECT_LE(e, s)	TH_CMP_(e, TH_LE, "<=", s, false)
#define EXPECT_GT(e, s)	TH_CMP_(e, TH_GT, ">", s, false)
#define EXPECT_GE(e, s)	TH_CMP_(e, TH_GE, ">=", s, false)

void th_report_bool(const char *file, int line, const char *expr,
		    bool wanted, int err);

#define TH_BOOL_(cond, wanted, fatal) do {				\
	bool th_c_ = (cond);						\
	int th_errno_ = errno;						\
	if (th_c_ != (wanted)) {					\
		th_report_bool(__FILE__, __LINE__, #cond, wanted,	\
			       th_errno_);				\
		th_fail(_metadata, fatal);				\
	}								\
} while (0)

#define ASSERT_TRUE(c)	TH_BOOL_(c, true, true)
#define ASSERT_FALSE(c)	TH_BOOL_(c, false, true)
#define EXPECT_TRUE(c)	TH_BOOL_(c, true, false)
#define EXPECT_FALSE(c)	TH_BOOL_(c, false, false)

void th_report_str(const char *file, int line, const char *a_str,
		   const char *b_str, const char *a, const char *b, bool eq);

#define TH_STR_(a, b, eq, fatal) do {					\
	const char *th_a_ = (a), *th_b_ = (b);				\
	if ((strcmp(th_a_, th_b_) == 0) != (eq)) {			\
		th_report_str(__FILE__, __LINE__, #a, #b, th_a_, th_b_,	\
			      eq);					\
		th_fail(_metadata, fatal);				\
	}								\
} while (0)

#define ASSERT_STREQ(a, b)	TH_STR_(a, b, true, true)
#define ASSERT_STRNE(a, b)	TH_STR_(a, b, false, true)
#define EXPECT_STREQ(a, b)	TH_STR_(a, b, true, false)
#define EXPECT_STRNE(a, b)	TH_STR_(a, b, false, false)

/* ---- system calls ---------------------------------------------------- */

void th_report_errno(const char *file, int line, const char *expr,
		     long long ret, int err, int want1, int want2);

/*
 * ASSERT_OK(call): the call (returning int, long, ssize_t or off_t) must
 * not return a negative value; the statement expression yields its value:
 *	int fd = ASSERT_OK(open(path, O_RDWR));
 */
#define TH_OK_(call, fatal) ({						\
	__typeof__(call) th_r_ = (call);				\
	int th_errno_ = errno;						\
	if ((long long)th_r_ < 0) {					\
		th_report_errno(__FILE__, __LINE__, #call,		\
				(long long)th_r_, th_errno_, 0, 0);	\
		th_fail(_metadata, fatal);				\
	}								\
	th_r_;								\
})
#define ASSERT_OK(call)	TH_OK_(call, true)
#define EXPECT_OK(call)	TH_OK_(call, false)

/*
 * ASSERT_ERRNO(EFAULT, call): the call must fail, returning -1 with errno
 * set to EFAULT. ASSERT_ERRNO2(EINVAL, ENOTTY, call) accepts either.
 */
#define TH_ERRNO_(e1, e2, call, fatal) do {				\
	errno = 0;							\
	long long th_r_ = (long long)(call);				\
	int th_errno_ = errno;						\
	if (th_r_ != -1 || (th_errno_ != (e1) && th_errno_ != (e2))) {	\
		th_report_errno(__FILE__, __LINE__, #call, th_r_,	\
				th_errno_, e1, e2);			\
		th_fail(_metadata, fatal);				\
	}								\
} while (0)
#define ASSERT_ERRNO(e, call)		TH_ERRNO_(e, e, call, true)
#define EXPECT_ERRNO(e, call)		TH_ERRNO_(e, e, call, false)
#define ASSERT_ERRNO2(e1, e2, call)	TH_ERRNO_(e1, e2, call, true)
#define EXPECT_ERRNO2(e1, e2, call)	TH_ERRNO_(e1, e2, call, false)

/*
 * For helpers that return 0 or an errno value (not -1/errno):
 * EXPECT_ERR(EINVAL, try_map(...)) prints both as errno names.
 */
void th_report_err(const char *file, int line, const char *expr,
		   int want, int got);
#define TH_ERR_(want, expr, fatal) do {					\
	int th_w_ = (want), th_g_ = (expr);				\
	if (th_w_ != th_g_) {						\
		th_report_err(__FILE__, __LINE__, #expr, th_w_, th_g_);	\
		th_fail(_metadata, fatal);				\
	}								\
} while (0)
#define ASSERT_ERR(want, expr)	TH_ERR_(want, expr, true)
#define EXPECT_ERR(want, expr)	TH_ERR_(want, expr, false)

/* "EFAULT" for 14; "0" for 0; the number if unknown. */
const char *th_errname(int err);

#endif /* CHRMEM_HARNESS_H */
