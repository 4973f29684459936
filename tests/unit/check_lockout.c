/*
 * Unit tests of lib/lockout.c: counting, the limit of 100, success and
 * clear resetting, the strict parser (one row per malformed tally, each
 * read as locked), and concurrent failures from forked processes all
 * counted. Run as root.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "lockout.h"
#include "secure_file.h"
#include "util.h"
#include "testlib.h"

#define NOW ((int64_t)1700000000)
#define FORKS 20
#define PER_FORK 5

static char sdir[64];
static char tpath[192];

static void setup(void)
{
	strcpy(sdir, "/tmp/check_lockout.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(sdir));
	snprintf(tpath, sizeof(tpath), "%s/tally/alice", sdir);
}

static void teardown(void)
{
	ck_assert_msg(test_rm_tree(AT_FDCWD, sdir), "could not remove %s", sdir);
}

static struct pr_lockout get(const char *user)
{
	struct pr_errbuf eb = { 0 };
	struct pr_lockout st;

	ck_assert_msg(pr_lockout_get(PR_STATE_FILES(sdir), user, &st, &eb) == PR_OK, "%s", eb.msg);
	return st;
}

static void fail_n(const char *user, int n)
{
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(pr_lockout_fail(PR_STATE_FILES(sdir), user, NOW + i, NULL, NULL), PR_OK);
}

START_TEST(counts_and_file)
{
	struct pr_lockout st, after;
	struct stat sb;
	char *text = NULL;
	size_t len = 0;

	st = get("alice");
	ck_assert_int_eq(st.failures, 0);
	ck_assert(!st.locked);
	ck_assert(!test_exists(tpath));
	ck_assert_int_eq(pr_lockout_fail(PR_STATE_FILES(sdir), "alice", NOW, &after, NULL), PR_OK);
	ck_assert_int_eq(after.failures, 1);
	ck_assert_int_eq(after.last_failure, NOW);
	ck_assert(!after.locked);
	fail_n("alice", 2);
	st = get("alice");
	ck_assert_int_eq(st.failures, 3);
	ck_assert_int_eq(st.last_failure, NOW + 1);
	ck_assert_int_eq(stat(tpath, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	ck_assert_int_eq(pr_secure_read(AT_FDCWD, tpath, 0, 4096, &text, &len), PR_FILE_OK);
	ck_assert_str_eq(text, "practicerunner-tally 1\nfailures=3 last=1700000001\n");
	free(text);
	ck_assert_int_eq(get("bob").failures, 0);
}
END_TEST

START_TEST(limit_locks)
{
	struct pr_lockout after;

	fail_n("alice", PR_LOCKOUT_LIMIT - 1);
	ck_assert(!get("alice").locked);
	ck_assert_int_eq(pr_lockout_fail(PR_STATE_FILES(sdir), "alice", NOW + 500, &after, NULL), PR_OK);
	ck_assert_int_eq(after.failures, PR_LOCKOUT_LIMIT);
	ck_assert(after.locked);
	ck_assert(get("alice").locked);
	/* Further failures stay at the limit. */
	ck_assert_int_eq(pr_lockout_fail(PR_STATE_FILES(sdir), "alice", NOW + 600, &after, NULL), PR_OK);
	ck_assert_int_eq(after.failures, PR_LOCKOUT_LIMIT);
	ck_assert_int_eq(get("alice").last_failure, NOW + 600);
	ck_assert(!get("bob").locked);
}
END_TEST

START_TEST(success_resets)
{
	ck_assert_int_eq(pr_lockout_success(PR_STATE_FILES(sdir), "alice", NULL), PR_OK);
	fail_n("alice", 7);
	ck_assert_int_eq(pr_lockout_success(PR_STATE_FILES(sdir), "alice", NULL), PR_OK);
	ck_assert_int_eq(get("alice").failures, 0);
	ck_assert(!test_exists(tpath));
	fail_n("alice", 1);
	ck_assert_int_eq(get("alice").failures, 1);
}
END_TEST

START_TEST(clear_unlocks)
{
	ck_assert_int_eq(pr_lockout_clear(PR_STATE_FILES(sdir), "alice", NULL), PR_OK);
	fail_n("alice", PR_LOCKOUT_LIMIT);
	ck_assert(get("alice").locked);
	ck_assert_int_eq(pr_lockout_clear(PR_STATE_FILES(sdir), "alice", NULL), PR_OK);
	ck_assert(!get("alice").locked);
	ck_assert_int_eq(get("alice").failures, 0);
	ck_assert(!test_exists(tpath));
}
END_TEST

START_TEST(invalid_arguments)
{
	struct pr_lockout st;

	ck_assert_int_eq(pr_lockout_fail(PR_STATE_FILES(sdir), "../x", NOW, NULL, NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_lockout_fail(PR_STATE_FILES(sdir), "alice", -1, NULL, NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_lockout_get(PR_STATE_FILES(sdir), "a/b", &st, NULL), PR_ERR_INVALID_ARG);
	ck_assert(st.locked);
	ck_assert_int_eq(pr_lockout_get(PR_STATE_FILES(sdir), "alice", NULL, NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_lockout_clear(PR_STATE_FILES(sdir), "", NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_lockout_success(PR_STATE_FILES(NULL), "alice", NULL), PR_ERR_INVALID_ARG);
}
END_TEST

/* ---- the strict parser ------------------------------------------------------------ */

#define HDR "practicerunner-tally 1\n"

static const struct {
	const char *text;
	int line;
	const char *why;
} bad_files[] = {
	{ "", 1, "empty file" },
	{ "practicerunner-tally 2\nfailures=1 last=1\n", 1, "unsupported format version" },
	{ "failures=1 last=1\n", 1, "missing header line" },
	{ HDR, 2, "missing tally line" },
	{ HDR "failures=1 last=1\nfailures=1 last=1\n", 3, "more than one tally line" },
	{ HDR "failures=0 last=1\n", 2, "failures is not a number from 1 to 100" },
	{ HDR "failures=101 last=1\n", 2, "failures is not" },
	{ HDR "failures=01 last=1\n", 2, "failures is not" },
	{ HDR "failures=-1 last=1\n", 2, "failures is not" },
	{ HDR "failures=1\n", 2, "expected 'failures=N last=TIME'" },
	{ HDR "last=1 failures=1\n", 2, "failures is not" },
	{ HDR "failures=1 last=\n", 2, "last is not a valid time" },
	{ HDR "failures=1 last=1 x=2\n", 2, "last is not a valid time" },
	{ HDR "failures=1 last=99999999999999999999\n", 2, "last is not a valid time" },
	{ HDR "failures=1 last=1", 1, "no final newline" },
	{ HDR "failures=1 last=1\r\n", 2, "last is not a valid time" },
};

START_TEST(parse_bad_file_rows)
{
	struct pr_errbuf eb = { 0 };
	struct pr_lockout st;
	char want[256], *text = NULL;
	size_t len = 0;
	int fd;

	fail_n("alice", 1);   /* makes tally/ */
	fd = open(tpath, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pr_write_all(fd, bad_files[_i].text, strlen(bad_files[_i].text)), PR_OK);
	close(fd);
	snprintf(want, sizeof(want), "%s:%d: ", tpath, bad_files[_i].line);
	ck_assert_int_eq(pr_lockout_get(PR_STATE_FILES(sdir), "alice", &st, &eb), PR_ERR_CORRUPT);
	ck_assert_msg(strncmp(eb.msg, want, strlen(want)) == 0, "row %d: '%s'", _i, eb.msg);
	ck_assert_msg(strstr(eb.msg, bad_files[_i].why) != NULL, "row %d: '%s' lacks '%s'", _i,
	    eb.msg, bad_files[_i].why);
	ck_assert(st.locked);   /* fail closed */
	ck_assert_int_eq(pr_lockout_fail(PR_STATE_FILES(sdir), "alice", NOW, NULL, NULL), PR_ERR_CORRUPT);
	ck_assert_int_eq(pr_lockout_success(PR_STATE_FILES(sdir), "alice", NULL), PR_ERR_CORRUPT);
	ck_assert_int_eq(pr_secure_read(AT_FDCWD, tpath, 0, 4096, &text, &len), PR_FILE_OK);
	ck_assert_str_eq(text, bad_files[_i].text);
	free(text);
	ck_assert_int_eq(pr_lockout_clear(PR_STATE_FILES(sdir), "alice", NULL), PR_OK);
	ck_assert(!get("alice").locked);
}
END_TEST

/* ---- concurrency ------------------------------------------------------------------- */

START_TEST(concurrent_fails_all_counted)
{
	pid_t pids[FORKS];
	int go[2];
	char ch;

	ck_assert_int_eq(pipe(go), 0);
	for (int i = 0; i < FORKS; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			close(go[1]);
			if (read(go[0], &ch, 1) != 0)
				_exit(3);
			for (int j = 0; j < PER_FORK; j++)
				if (pr_lockout_fail(PR_STATE_FILES(sdir), "alice", NOW, NULL, NULL) != PR_OK)
					_exit(2);
			_exit(0);
		}
	}
	close(go[0]);
	close(go[1]);
	for (int i = 0; i < FORKS; i++) {
		int st;
		ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	ck_assert_int_eq(get("alice").failures, FORKS * PER_FORK);
	ck_assert(get("alice").locked);
}
END_TEST

static Suite *lockout_suite(void)
{
	Suite *s = suite_create("lockout");
	TCase *tt = tcase_create("tally");
	TCase *tc = tcase_create("concurrency");

	tcase_add_checked_fixture(tt, setup, teardown);
	tcase_add_test(tt, counts_and_file);
	tcase_add_test(tt, limit_locks);
	tcase_add_test(tt, success_resets);
	tcase_add_test(tt, clear_unlocks);
	tcase_add_test(tt, invalid_arguments);
	tcase_add_loop_test(tt, parse_bad_file_rows, 0, NROWS(bad_files));
	suite_add_tcase(s, tt);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, concurrent_fails_all_counted);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP must run as root (state files must be owned by root)\n");
		return EXIT_SUCCESS;
	}
	return test_run_tap(lockout_suite());
}
