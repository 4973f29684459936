/*
 * Unit tests of lib/mail.c with a fake mail command: a shell script the
 * test writes into a temporary directory, which records its arguments,
 * environment, descriptors and standard input. Headers and body, header
 * injection refused before anything runs, failing and missing commands,
 * SIGCHLD and SIGPIPE handling, closed standard descriptors.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "mail.h"
#include "secure_file.h"
#include "testlib.h"

#define FAKE_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define MARKER "SECRET-BODY-MARKER-7Q2W"
/* Mail commands that exit at once, and that are killed. */
#define SH_EXIT0 "#!/bin/sh\nexit 0\n"
#define SH_KILLED "#!/bin/sh\nkill -9 $$\n"

static char tdir[64];
static char fake[128];     /* the recording mail command */
static char cmd[256];      /* fake + " -t -i" */

/* Record everything, then exit with the status in $D/status (default 0). */
static const char recorder[] =
    "#!/bin/sh\n"
    "D=${0%/*}\n"
    "printf '%s\\n' \"$@\" > \"$D/args\"\n"
    "env > \"$D/env\"\n"
    "fd1=$(readlink /proc/$$/fd/1); fd2=$(readlink /proc/$$/fd/2); fds=$(ls /proc/$$/fd)\n"
    "printf '%s\\n' \"$fd1\" > \"$D/fd1\"\n"
    "printf '%s\\n' \"$fd2\" > \"$D/fd2\"\n"
    "printf '%s\\n' \"$fds\" > \"$D/fds\"\n"
    "printf '%s %s %s\\n' \"$(id -u)\" \"$(id -g)\" \"$(id -G)\" > \"$D/ids\"\n"
    "cat > \"$D/msg\"\n"
    "[ -f \"$D/status\" ] && exit $(cat \"$D/status\")\n"
    "exit 0\n";

static void put(const char *name, const char *data, mode_t mode)
{
	char p[192];

	snprintf(p, sizeof(p), "%s/%s", tdir, name);
	test_write_file(p, data, strlen(data), mode);
}

/* Contents of tdir/name, or NULL if it does not exist. */
static char *get(const char *name)
{
	char p[192], *buf = NULL;
	size_t len = 0;

	snprintf(p, sizeof(p), "%s/%s", tdir, name);
	if (pr_secure_read(AT_FDCWD, p, 0, 1 << 20, &buf, &len) != PR_FILE_OK)
		return NULL;
	return buf;
}

static bool ran(void)
{
	char *m = get("args");
	bool r = m != NULL;

	free(m);
	return r;
}

static void setup(void)
{
	strcpy(tdir, "/tmp/check_mail.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tdir));
	snprintf(fake, sizeof(fake), "%s/fakemail", tdir);
	snprintf(cmd, sizeof(cmd), "%s -t  -i", fake);  /* two spaces: one separator */
	test_write_file(fake, recorder, strlen(recorder), 0755);
}

static void teardown(void)
{
	ck_assert_msg(test_rm_tree(AT_FDCWD, tdir), "could not remove %s", tdir);
}

/* ---- the message ------------------------------------------------------------------ */

START_TEST(message_headers_and_body)
{
	struct pr_errbuf eb = { 0 };
	char *m, *args, *fd1, *fd2;

	ck_assert_msg(pr_mail_send(cmd, "alice", "Enrollment invitation for your sign-in",
	    "Line one\n\nBcc: not-a-header@example.org\nLine \xc3\xbc\n", &eb) == PR_OK, "%s", eb.msg);
	m = get("msg");
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(m,
	    "To: alice\n"
	    "Subject: Enrollment invitation for your sign-in\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n"
	    "Auto-Submitted: auto-generated\n"
	    "\n"
	    "Line one\n\nBcc: not-a-header@example.org\nLine \xc3\xbc\n");
	args = get("args");
	ck_assert_str_eq(args, "-t\n-i\n");
	fd1 = get("fd1");
	fd2 = get("fd2");
	ck_assert_str_eq(fd1, "/dev/null\n");
	ck_assert_str_eq(fd2, "/dev/null\n");
	free(m);
	free(args);
	free(fd1);
	free(fd2);
}
END_TEST

START_TEST(body_gets_final_newline)
{
	char *m;

	ck_assert_int_eq(pr_mail_send(fake, "alice@example.org", "S", "no newline", NULL), PR_OK);
	m = get("msg");
	ck_assert_ptr_nonnull(strstr(m, "To: alice@example.org\n"));
	ck_assert_ptr_nonnull(strstr(m, "\n\nno newline\n"));
	ck_assert_int_eq(m[strlen(m) - 2], 'e');
	free(m);
}
END_TEST

/* The command gets PATH and nothing else from us, and none of our descriptors. */
START_TEST(fixed_environment_no_leaks)
{
	char *env, *fds, line[16];
	int leak = open("/dev/null", O_RDONLY);  /* deliberately without O_CLOEXEC */

	ck_assert_int_ge(leak, 3);
	ck_assert_int_lt(leak, 10);
	setenv("PR_TEST_SECRET", "do-not-pass", 1);
	setenv("LD_PRELOAD", "/nonexistent.so", 1);
	ck_assert_int_eq(pr_mail_send(cmd, "alice", "S", "b\n", NULL), PR_OK);
	env = get("env");
	ck_assert_ptr_nonnull(strstr(env, FAKE_PATH "\n"));
	ck_assert_ptr_null(strstr(env, "PR_TEST_SECRET"));
	ck_assert_ptr_null(strstr(env, "LD_PRELOAD"));
	ck_assert_ptr_null(strstr(env, "HOME="));
	fds = get("fds");
	snprintf(line, sizeof(line), "\n%d\n", leak);
	ck_assert_msg(strstr(fds, line) == NULL, "fd %d leaked: %s", leak, fds);
	ck_assert_int_eq(strncmp(fds, "0\n1\n", 4), 0);
	free(env);
	free(fds);
	close(leak);
}
END_TEST

/*
 * Effectively root in a process that still carries a caller's groups (su,
 * sudo or a setuid helper started by a user): the command runs as root,
 * group root, with no supplementary groups (rpmlint's
 * missing-call-to-setgroups-before-setuid).
 */
START_TEST(root_identity_without_groups)
{
	gid_t caller[2] = { 65534, 100 };
	char *ids;
	int r;

	if (geteuid() != 0)
		return;         /* needs setgroups: the root run covers it */
	ck_assert_int_eq(setgroups(2, caller), 0);
	ck_assert_int_eq(setegid(65534), 0);
	r = pr_mail_send(cmd, "alice", "S", "b\n", NULL);
	ck_assert_int_eq(setegid(0), 0);
	ck_assert_int_eq(setgroups(0, NULL), 0);
	ck_assert_int_eq(r, PR_OK);
	ck_assert_ptr_nonnull(ids = get("ids"));
	ck_assert_str_eq(ids, "0 0 0\n");
	free(ids);
}
END_TEST

/* With fds 0-2 closed in the caller, the pipe may land on them: still right. */
START_TEST(closed_standard_descriptors)
{
	char *m, *fd1;
	int r;

	close(STDIN_FILENO);
	close(STDOUT_FILENO);
	close(STDERR_FILENO);
	r = pr_mail_send(cmd, "alice", "S", "body\n", NULL);
	ck_assert_int_eq(r, PR_OK);
	m = get("msg");
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(strstr(m, "\n\nbody\n"));
	fd1 = get("fd1");
	ck_assert_str_eq(fd1, "/dev/null\n");
	free(m);
	free(fd1);
}
END_TEST

/* ---- refused before anything runs --------------------------------------------------- */

static const char *const good_to[] = {
	"alice", "a.b", "nurse-kim", "user_1", "alice@example.org",
	"first.last+tag@mail.example-host.org",
};

START_TEST(recipients_accepted)
{
	ck_assert_int_eq(pr_mail_send(fake, good_to[_i], "S", "b\n", NULL), PR_OK);
	ck_assert(ran());
}
END_TEST

static const char *const bad_to[] = {
	NULL, "", "alice\nBcc: evil@example.org", "alice\r\nBcc: evil@example.org",
	"alice\rBcc: x", "alice, evil@example.org", "alice evil", "<alice>", "-t", "-oQ/tmp",
	"alice@", "@example.org", "a@b@c", "alice@exa mple.org", "alice@-x.org", "alice@x-.org",
	"alice@x..org", "\"alice\"@x.org", "alice\t", "alice@x.org\n", ".alice@x.org",
	"alice..b@x.org", "alice@x.org;evil", "alice\\@x.org", "al\xc3\xaf" "ce",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.org",
};

START_TEST(recipients_refused)
{
	struct pr_errbuf eb = { 0 };

	ck_assert_int_eq(pr_mail_send(fake, bad_to[_i], "S", "b\n", &eb), PR_ERR_INVALID_ARG);
	ck_assert_str_eq(eb.msg, "not a valid mail recipient");
	ck_assert(!ran());
}
END_TEST

static const char *const bad_subjects[] = {
	NULL, "", "Hi\nBcc: evil@example.org", "Hi\r\nBcc: x", "Hi\r", "tab\there",
	"Gr\xc3\xbc\xc3\x9f" "e", "\x7f",
	"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
	"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789X",
};

START_TEST(subjects_refused)
{
	ck_assert_int_eq(pr_mail_send(fake, "alice", bad_subjects[_i], "b\n", NULL),
	    PR_ERR_INVALID_ARG);
	ck_assert(!ran());
}
END_TEST

static const char *const bad_bodies[] = {
	NULL, ".", ".\n", "a\n.\nb\n", "a\n.", "crlf\r\n", "bell\a\n", "esc \x1b[0m\n", "del\x7f\n",
};

START_TEST(bodies_refused)
{
	ck_assert_int_eq(pr_mail_send(fake, "alice", "S", bad_bodies[_i], NULL), PR_ERR_INVALID_ARG);
	ck_assert(!ran());
}
END_TEST

static const char *const good_bodies[] = {
	"", "\n", "..\n", ". \n", "a.\n", ".a\n", "tab\there\n", "\xe2\x82\xac\n",
};

START_TEST(bodies_accepted)
{
	ck_assert_int_eq(pr_mail_send(fake, "alice", "S", good_bodies[_i], NULL), PR_OK);
	ck_assert(ran());
}
END_TEST

START_TEST(body_size_limits)
{
	char *big = malloc(300 * 1024);
	size_t n = 0;

	ck_assert_ptr_nonnull(big);
	/* A line of 999 bytes is too long; 998 is fine. */
	memset(big, 'x', 999);
	big[999] = '\n';
	big[1000] = '\0';
	ck_assert_int_eq(pr_mail_send(fake, "alice", "S", big, NULL), PR_ERR_INVALID_ARG);
	big[998] = '\n';
	big[999] = '\0';
	ck_assert_int_eq(pr_mail_send(fake, "alice", "S", big, NULL), PR_OK);
	/* More than 256 KiB in total is refused. */
	while (n + 100 < 300 * 1024) {
		memset(big + n, 'y', 99);
		big[n + 99] = '\n';
		n += 100;
	}
	big[n] = '\0';
	ck_assert_int_eq(pr_mail_send(fake, "alice", "S", big, NULL), PR_ERR_INVALID_ARG);
	free(big);
}
END_TEST

static const char *const bad_commands[] = {
	NULL, "", " /usr/sbin/sendmail", "sendmail -t", "./sendmail", "/usr/sbin/sendmail\n-t",
	"/usr/sbin/sendmail\t-t",
	"/x 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16",
};

START_TEST(commands_refused)
{
	ck_assert_int_eq(pr_mail_send(bad_commands[_i], "alice", "S", "b\n", NULL),
	    PR_ERR_INVALID_ARG);
}
END_TEST

/* ---- commands that fail ----------------------------------------------------------------- */

START_TEST(failing_command)
{
	struct pr_errbuf eb = { 0 };
	char want[256];

	put("status", "75\n", 0600);
	ck_assert_int_eq(pr_mail_send(cmd, "alice", "S", MARKER "\n", &eb), PR_ERR_IO);
	snprintf(want, sizeof(want), "mail command %s failed (exit status 75)", fake);
	ck_assert_str_eq(eb.msg, want);
	ck_assert_ptr_null(strstr(eb.msg, MARKER));
}
END_TEST

START_TEST(missing_command)
{
	struct pr_errbuf eb = { 0 };
	char p[192];

	ck_assert_int_eq(pr_mail_send("/nonexistent/sendmail -t", "alice", "S", MARKER "\n", &eb),
	    PR_ERR_IO);
	ck_assert_str_eq(eb.msg,
	    "cannot run mail command /nonexistent/sendmail: No such file or directory");
	/* Not executable, and a directory. */
	snprintf(p, sizeof(p), "%s/plain", tdir);
	test_write_file(p, SH_EXIT0, strlen(SH_EXIT0), 0644);
	ck_assert_int_eq(pr_mail_send(p, "alice", "S", "b\n", &eb), PR_ERR_IO);
	ck_assert_ptr_nonnull(strstr(eb.msg, "Permission denied"));
	ck_assert_int_eq(pr_mail_send(tdir, "alice", "S", "b\n", &eb), PR_ERR_IO);
	ck_assert_ptr_nonnull(strstr(eb.msg, "cannot run mail command"));
}
END_TEST

START_TEST(killed_command)
{
	struct pr_errbuf eb = { 0 };
	char p[192];

	snprintf(p, sizeof(p), "%s/killer", tdir);
	test_write_file(p, SH_KILLED, strlen(SH_KILLED), 0755);
	ck_assert_int_eq(pr_mail_send(p, "alice", "S", "b\n", &eb), PR_ERR_IO);
	ck_assert_ptr_nonnull(strstr(eb.msg, "was killed by signal 9"));
	ck_assert_ptr_nonnull(strstr(eb.msg, p));
}
END_TEST

/* A command that exits without reading a large message: an error, not SIGPIPE. */
START_TEST(early_exit_no_sigpipe)
{
	struct pr_errbuf eb = { 0 };
	char p[192], *big = malloc(200 * 1024 + 1);
	sigset_t pending;

	ck_assert_ptr_nonnull(big);
	for (size_t i = 0; i < 200 * 1024; i++)
		big[i] = i % 100 == 99 ? '\n' : 'z';
	big[200 * 1024] = '\0';
	snprintf(p, sizeof(p), "%s/quitter", tdir);
	test_write_file(p, SH_EXIT0, strlen(SH_EXIT0), 0755);
	ck_assert_int_eq(pr_mail_send(p, "alice", "S", big, &eb), PR_ERR_IO);
	ck_assert_ptr_nonnull(strstr(eb.msg, "did not read the whole message"));
	ck_assert_int_eq(sigpending(&pending), 0);
	ck_assert_int_eq(sigismember(&pending, SIGPIPE), 0);
	free(big);
}
END_TEST

/* ---- SIGCHLD: the caller's disposition is kept and cannot steal our child ------------- */

static volatile sig_atomic_t chld_calls;

static void on_chld(int sig)
{
	(void)sig;
	chld_calls++;
}

START_TEST(sigchld_handler_restored)
{
	struct sigaction sa, now;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_RESTART;
	ck_assert_int_eq(sigaction(SIGCHLD, &sa, NULL), 0);
	chld_calls = 0;
	ck_assert_int_eq(pr_mail_send(cmd, "alice", "S", "b\n", NULL), PR_OK);
	ck_assert_int_eq(sigaction(SIGCHLD, NULL, &now), 0);
	ck_assert_ptr_eq((void *)now.sa_handler, (void *)on_chld);
	ck_assert_int_eq(now.sa_flags & SA_RESTART, SA_RESTART);
	ck_assert_int_eq(chld_calls, 0);
}
END_TEST

START_TEST(sigchld_ignored_still_reaped)
{
	struct pr_errbuf eb = { 0 };
	struct sigaction sa, now;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	ck_assert_int_eq(sigaction(SIGCHLD, &sa, NULL), 0);
	ck_assert_int_eq(pr_mail_send(cmd, "alice", "S", "b\n", &eb), PR_OK);
	put("status", "3\n", 0600);
	ck_assert_int_eq(pr_mail_send(cmd, "alice", "S", "b\n", &eb), PR_ERR_IO);
	ck_assert_ptr_nonnull(strstr(eb.msg, "exit status 3"));
	ck_assert_int_eq(sigaction(SIGCHLD, NULL, &now), 0);
	ck_assert_ptr_eq((void *)now.sa_handler, (void *)SIG_IGN);
}
END_TEST

static Suite *mail_suite(void)
{
	Suite *s = suite_create("mail");
	TCase *tm = tcase_create("message");
	TCase *tr = tcase_create("refused");
	TCase *tf = tcase_create("failures");

	tcase_add_checked_fixture(tm, setup, teardown);
	tcase_add_test(tm, message_headers_and_body);
	tcase_add_test(tm, body_gets_final_newline);
	tcase_add_test(tm, fixed_environment_no_leaks);
	tcase_add_test(tm, closed_standard_descriptors);
	tcase_add_test(tm, root_identity_without_groups);
	tcase_add_loop_test(tm, recipients_accepted, 0, NROWS(good_to));
	tcase_add_loop_test(tm, bodies_accepted, 0, NROWS(good_bodies));
	suite_add_tcase(s, tm);

	tcase_add_checked_fixture(tr, setup, teardown);
	tcase_add_loop_test(tr, recipients_refused, 0, NROWS(bad_to));
	tcase_add_loop_test(tr, subjects_refused, 0, NROWS(bad_subjects));
	tcase_add_loop_test(tr, bodies_refused, 0, NROWS(bad_bodies));
	tcase_add_test(tr, body_size_limits);
	tcase_add_loop_test(tr, commands_refused, 0, NROWS(bad_commands));
	suite_add_tcase(s, tr);

	tcase_add_checked_fixture(tf, setup, teardown);
	tcase_add_test(tf, failing_command);
	tcase_add_test(tf, missing_command);
	tcase_add_test(tf, killed_command);
	tcase_add_test(tf, early_exit_no_sigpipe);
	tcase_add_test(tf, sigchld_handler_restored);
	tcase_add_test(tf, sigchld_ignored_still_reaped);
	suite_add_tcase(s, tf);
	return s;
}

int main(void)
{
	return test_run_tap(mail_suite());
}
