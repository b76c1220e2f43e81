// SPDX-License-Identifier: GPL-2.0
/*
 * harness.c - runner and reporting of the chrmem test harness.
 *
 * main() runs every registered test (or those named with -t) in a forked
 * child of its own process group, waits for it with a time limit, reaps
 * whatever the test left behind, checks the kernel log, and prints TAP.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "kmsg.h"

#define TH_DEFAULT_TIMEOUT	60	/* seconds */
#define TH_EXIT_PASS		0
#define TH_EXIT_FAIL		1
#define TH_EXIT_SKIP		4	/* kselftest's KSFT_SKIP */

/* Shared between the runner and the test's processes and threads. */
struct th_shared {
	int failures;
	int skipped;
	char skip_reason[512];
};

static struct th_test *th_first, *th_last;
static struct th_shared *th_result;

void th_register(struct th_test *t)
{
	if (th_last)
		th_last->next = t;
	else
		th_first = t;
	th_last = t;
}

/*
 * Strict: set CHRMEM_STRICT=1, or run inside the chrmem test guest (which
 * tests/vm/run builds with the module at /chrmem/chrmem.ko) without
 * CHRMEM_STRICT=0. There a missing device is a failure, never a skip.
 */
bool th_strict(void)
{
	const char *s = getenv("CHRMEM_STRICT");

	if (s && *s)
		return strcmp(s, "0") != 0;
	return access("/chrmem/chrmem.ko", F_OK) == 0;
}

/*
 * Every line of output goes out with one write(), so lines of a test's
 * threads and processes never interleave and no stdio buffer is
 * duplicated by fork().
 */
static void th_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void th_vprint(const char *prefix, const char *fmt, va_list ap)
{
	char buf[2048];
	int n = snprintf(buf, sizeof(buf), "%s", prefix);

	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	if (n >= (int)sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	if (n == 0 || buf[n - 1] != '\n')
		buf[n++] = '\n';
	if (write(STDOUT_FILENO, buf, n) < 0)
		return;
}

static void th_print(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	th_vprint("", fmt, ap);
	va_end(ap);
}

void th_log(const char *file, int line, const char *fmt, ...)
{
	char prefix[256];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "# %s:%d: ", file, line);
	va_start(ap, fmt);
	th_vprint(prefix, fmt, ap);
	va_end(ap);
}

const char *th_errname(int err)
{
	static __thread char buf[16];
	const char *name = err ? strerrorname_np(err) : NULL;

	if (name)
		return name;
	snprintf(buf, sizeof(buf), "%d", err);
	return buf;
}

static bool th_in_test_main(struct th_test *t)
{
	return syscall(SYS_gettid) == t->pid;
}

void th_fail(struct th_test *t, bool fatal)
{
	__atomic_fetch_add(&th_result->failures, 1, __ATOMIC_SEQ_CST);
	t->failures++;
	if (!fatal)
		return;
	if (!th_in_test_main(t))
		_exit(TH_EXIT_FAIL);	/* a helper thread or process */
	longjmp(t->env, 1);
}

void th_skip(struct th_test *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(th_result->skip_reason, sizeof(th_result->skip_reason),
		  fmt, ap);
	va_end(ap);
	th_result->skipped = 1;
	if (!th_in_test_main(t))
		_exit(TH_EXIT_SKIP);
	longjmp(t->env, 1);
}

/* ---- comparison reports ------------------------------------------- */

static int th_cmp3(unsigned long long a, bool as, unsigned long long b,
		   bool bs)
{
	bool aneg = as && (long long)a < 0, bneg = bs && (long long)b < 0;

	if (aneg != bneg)
		return aneg ? -1 : 1;
	if (aneg)
		return (long long)a < (long long)b ? -1 : (a != b);
	return a < b ? -1 : (a != b);
}

bool th_compare(unsigned long long a, bool a_signed, enum th_op op,
		unsigned long long b, bool b_signed)
{
	int c = th_cmp3(a, a_signed, b, b_signed);

	switch (op) {
	case TH_EQ: return c == 0;
	case TH_NE: return c != 0;
	case TH_LT: return c < 0;
	case TH_LE: return c <= 0;
	case TH_GT: return c > 0;
	case TH_GE: return c >= 0;
	}
	return false;
}

static void th_fmt_value(char *buf, size_t len, unsigned long long v,
			 bool is_signed)
{
	if (is_signed && (long long)v < 0)
		snprintf(buf, len, "%lld", (long long)v);
	else if (v > 4096)
		snprintf(buf, len, "%llu (0x%llx)", v, v);
	else
		snprintf(buf, len, "%llu", v);
}

void th_report_cmp(const char *file, int line, const char *a_str,
		   const char *op_str, const char *b_str,
		   unsigned long long a, bool a_signed,
		   unsigned long long b, bool b_signed, int err)
{
	char av[64], bv[64];

	th_fmt_value(av, sizeof(av), a, a_signed);
	th_fmt_value(bv, sizeof(bv), b, b_signed);
	th_print("# %s:%d: expected %s %s %s", file, line, a_str, op_str, b_str);
	th_print("#   values: %s %s %s", av, op_str, bv);
	if ((b_signed && (long long)b == -1) || (a_signed && (long long)a == -1))
		th_print("#   errno: %s (%s)", th_errname(err), strerror(err));
}

void th_report_bool(const char *file, int line, const char *expr,
		    bool wanted, int err)
{
	th_print("# %s:%d: expected %s to be %s", file, line, expr,
		 wanted ? "true" : "false");
	if (err)
		th_print("#   errno at the check: %s (%s)", th_errname(err),
			 strerror(err));
}

void th_report_str(const char *file, int line, const char *a_str,
		   const char *b_str, const char *a, const char *b, bool eq)
{
	th_print("# %s:%d: expected %s %s %s", file, line, a_str,
		 eq ? "==" : "!=", b_str);
	th_print("#   \"%s\" vs \"%s\"", a, b);
}

void th_report_errno(const char *file, int line, const char *expr,
		     long long ret, int err, int want1, int want2)
{
	if (!want1) {
		th_print("# %s:%d: %s failed: returned %lld, errno %s (%s)",
			 file, line, expr, ret, th_errname(err), strerror(err));
		return;
	}
	if (ret != -1)
		th_print("# %s:%d: expected %s to fail with %s%s%s, it returned %lld",
			 file, line, expr, th_errname(want1),
			 want1 != want2 ? " or " : "",
			 want1 != want2 ? th_errname(want2) : "", ret);
	else
		th_print("# %s:%d: expected %s to fail with %s%s%s, got %s (%s)",
			 file, line, expr, th_errname(want1),
			 want1 != want2 ? " or " : "",
			 want1 != want2 ? th_errname(want2) : "",
			 th_errname(err), strerror(err));
}

void th_report_err(const char *file, int line, const char *expr,
		   int want, int got)
{
	th_print("# %s:%d: expected %s to give %s, got %s%s%s%s", file, line,
		 expr, want ? th_errname(want) : "success",
		 got ? th_errname(got) : "success",
		 got ? " (" : "", got ? strerror(got) : "", got ? ")" : "");
}

/* ---- runner ---------------------------------------------------------- */

/* CHRMEM_TIMEOUT_SCALE=N multiplies every time limit (slow machines, more
 * CHRMEM_ITERATIONS). */
static unsigned int th_timeout_scale(void)
{
	const char *s = getenv("CHRMEM_TIMEOUT_SCALE");
	int n = s ? atoi(s) : 0;

	return n > 0 ? (unsigned int)n : 1;
}

static volatile sig_atomic_t th_alarm_fired;

static void th_on_alarm(int sig)
{
	(void)sig;
	th_alarm_fired = 1;
}

/* Runs in the forked child; never returns. */
static void th_child(struct th_test *t)
{
	struct rlimit no_core = { 0, 0 };

	setpgid(0, 0);
	setrlimit(RLIMIT_CORE, &no_core);
	signal(SIGALRM, SIG_DFL);
	t->pid = (int)getpid();
	t->failures = 0;
	t->setup_done = 0;
	if (setjmp(t->env) == 0)
		t->fn(t);
	if (__atomic_load_n(&th_result->failures, __ATOMIC_SEQ_CST))
		_exit(TH_EXIT_FAIL);
	_exit(th_result->skipped ? TH_EXIT_SKIP : TH_EXIT_PASS);
}

/*
 * Waits for @pid for at most @timeout seconds; on timeout kills its
 * process group. Returns the wait status, *timed_out says what happened.
 */
static int th_wait(pid_t pid, unsigned int timeout, bool *timed_out)
{
	int status = 0;

	*timed_out = false;
	th_alarm_fired = 0;
	alarm(timeout);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			break;
		if (th_alarm_fired) {
			*timed_out = true;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			alarm(0);
		}
	}
	alarm(0);
	return status;
}

/*
 * Kills what the test left running in its process group and reaps every
 * descendant that was handed to us (we are a child subreaper), so the next
 * test starts with no process of this one still holding the device.
 */
static void th_reap_leftovers(pid_t pgid)
{
	int status;

	kill(-pgid, SIGKILL);
	th_alarm_fired = 0;
	alarm(10);
	while (waitpid(-1, &status, 0) > 0 || (errno == EINTR && !th_alarm_fired))
		;
	alarm(0);
}

static void th_print_kmsg(const struct kmsg *k, bool failed)
{
	long first = kmsg_splat(k, 0);
	size_t i, shown = 0;

	if (first < 0 && !failed)
		return;
	/* On a splat: everything from it on; on a failure: the errors. */
	for (i = 0; i < k->count && shown < 60; i++) {
		const struct kmsg_line *l = &k->lines[i];

		if (l->facility != 0)
			continue;
		if ((first >= 0 && (long)i >= first) || l->level <= KMSG_WARNING) {
			th_print("# kmsg: <%d>%s", l->level, l->text);
			shown++;
		}
	}
}

enum th_verdict { TH_PASS, TH_FAIL, TH_SKIPPED };

static enum th_verdict th_run_one(struct th_test *t, int num, bool kmsg_ok)
{
	unsigned int timeout = (t->timeout ? t->timeout : TH_DEFAULT_TIMEOUT) *
			       th_timeout_scale();
	enum th_verdict v = TH_FAIL;
	struct kmsg k;
	bool timed_out;
	int status;
	pid_t pid;

	memset(th_result, 0, sizeof(*th_result));
	if (kmsg_ok)
		kmsg_open(&k);
	else
		k.fd = -1;
	th_print("# RUN %s", t->name);
	pid = fork();
	if (pid < 0) {
		th_print("# fork: %s", strerror(errno));
		th_print("not ok %d %s", num, t->name);
		return TH_FAIL;
	}
	if (pid == 0)
		th_child(t);
	setpgid(pid, pid);
	status = th_wait(pid, timeout, &timed_out);
	th_reap_leftovers(pid);

	if (timed_out) {
		th_print("# %s: timed out after %u s", t->name, timeout);
	} else if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);

		if (t->expect_signal == sig && !th_result->failures) {
			v = TH_PASS;
		} else {
			th_print("# %s: killed by signal %d (%s)%s", t->name,
				 sig, strsignal(sig),
				 t->expect_signal ? ", not the expected one" : "");
		}
	} else if (WIFEXITED(status)) {
		int code = WEXITSTATUS(status);

		if (t->expect_signal && code != TH_EXIT_SKIP) {
			th_print("# %s: exited with %d instead of dying of signal %d (%s)",
				 t->name, code, t->expect_signal,
				 strsignal(t->expect_signal));
		} else if (code == TH_EXIT_PASS && !th_result->failures) {
			v = TH_PASS;
		} else if (code == TH_EXIT_SKIP && !th_result->failures) {
			v = TH_SKIPPED;
		} else if (code != TH_EXIT_FAIL) {
			th_print("# %s: exited with unexpected status %d",
				 t->name, code);
		}
	}

	if (k.fd >= 0) {
		kmsg_collect(&k);
		if (kmsg_splat(&k, 0) >= 0) {
			th_print("# %s: the kernel log shows a problem during the test",
				 t->name);
			v = TH_FAIL;
		}
		th_print_kmsg(&k, v == TH_FAIL);
		kmsg_close(&k);
	} else if (th_strict() && v == TH_PASS) {
		/* The test passed, but one of its checks could not run. */
		th_print("# %s: counted as failed: kernel log not checked", t->name);
		v = TH_FAIL;
	}

	if (v == TH_PASS)
		th_print("ok %d %s", num, t->name);
	else if (v == TH_SKIPPED)
		th_print("ok %d %s # SKIP %s", num, t->name,
			 th_result->skip_reason);
	else
		th_print("not ok %d %s", num, t->name);
	return v;
}

static bool th_selected(const char *name, char **only, int n_only)
{
	int i;

	if (!n_only)
		return true;
	for (i = 0; i < n_only; i++)
		if (strcmp(name, only[i]) == 0)
			return true;
	return false;
}

static void th_usage(const char *prog)
{
	th_print("usage: %s [-l] [-t TEST]...", prog);
	th_print("  -l       list the tests");
	th_print("  -t TEST  run only TEST (repeatable)");
	th_print("Prints TAP; exits 0 only if no test failed.");
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = th_on_alarm };
	int counts[3] = { 0, 0, 0 }, planned = 0, num = 0, opt, n_only = 0;
	char **only = calloc(argc, sizeof(char *));
	bool kmsg_ok = true, list = false;
	const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	struct kmsg probe;
	struct th_test *t;

	while ((opt = getopt(argc, argv, "lt:h")) != -1) {
		switch (opt) {
		case 'l':
			list = true;
			break;
		case 't':
			only[n_only++] = optarg;
			break;
		default:
			th_usage(prog);
			return opt == 'h' ? 0 : 2;
		}
	}
	for (t = th_first; t; t = t->next)
		if (th_selected(t->name, only, n_only))
			planned++;
	if (list) {
		for (t = th_first; t; t = t->next)
			th_print("%s", t->name);
		return 0;
	}
	if (n_only && planned != n_only) {
		th_print("%s: unknown test name among -t arguments (see -l)", prog);
		return 2;
	}

	th_result = mmap(NULL, sizeof(*th_result), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (th_result == MAP_FAILED) {
		th_print("%s: mmap: %s", prog, strerror(errno));
		return 2;
	}
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: waitpid gets EINTR */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	th_print("TAP version 13");
	th_print("1..%d", planned);
	th_print("# %s: %d tests", prog, planned);
	if (kmsg_open(&probe) < 0) {
		kmsg_ok = false;
		th_print("# /dev/kmsg: %s: the kernel log is not checked%s",
			 strerror(probe.open_errno),
			 th_strict() ? " (CHRMEM_STRICT: every test fails)" : "");
	} else {
		kmsg_close(&probe);
	}

	for (t = th_first; t; t = t->next) {
		enum th_verdict v;

		if (!th_selected(t->name, only, n_only))
			continue;
		v = th_run_one(t, ++num, kmsg_ok);
		counts[v]++;
	}
	th_print("%d passed, %d failed, %d skipped", counts[TH_PASS],
		 counts[TH_FAIL], counts[TH_SKIPPED]);
	return counts[TH_FAIL] ? 1 : 0;
}
