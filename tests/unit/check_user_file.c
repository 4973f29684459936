/*
 * Unit tests of lib/user_file.c: names refused before the filesystem is
 * touched, a missing directory without create, create + lock + replace +
 * read + unlink, the size cap, an unsafe state directory, and that the
 * lock is really held until close.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "user_file.h"
#include "testlib.h"

static char sdir[64];

static void setup(void)
{
	strcpy(sdir, "/tmp/check_user_file.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(sdir));
}

static void teardown(void)
{
	ck_assert_msg(test_rm_tree(AT_FDCWD, sdir), "could not remove %s", sdir);
}

static bool exists(const char *rel)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", sdir, rel);
	return lstat(p, &st) == 0;
}

static mode_t mode_of(const char *rel)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", sdir, rel);
	ck_assert_int_eq(lstat(p, &st), 0);
	return st.st_mode & 07777;
}

static const char *const bad_users[] = { "", "..", "a/b", "-x", "a b", "a+b" };

START_TEST(invalid_user_touches_nothing)
{
	struct pr_errbuf eb = { 0 };
	struct pr_user_file f;

	ck_assert_int_eq(pr_user_file_open(&f, PR_STATE_FILES(sdir), "things", bad_users[_i], "+t.lock",
	    true, &eb), PR_ERR_INVALID_ARG);
	ck_assert_str_eq(eb.msg, "invalid user name");
	pr_user_file_close(&f);
	ck_assert(!exists("things"));
	ck_assert(!exists("locks"));
}
END_TEST

START_TEST(no_state_dir)
{
	struct pr_errbuf eb = { 0 };
	struct pr_user_file f;

	ck_assert_int_eq(pr_user_file_open(&f, PR_STATE_FILES(""), "things", "alice", NULL, false, &eb),
	    PR_ERR_INVALID_ARG);
	ck_assert_str_eq(eb.msg, "no state directory configured");
	pr_user_file_close(&f);
	ck_assert_int_eq(pr_user_file_open(&f, PR_STATE_FILES(NULL), "things", "alice", NULL, false, NULL),
	    PR_ERR_INVALID_ARG);
	pr_user_file_close(&f);
}
END_TEST

START_TEST(missing_dir_without_create)
{
	struct pr_errbuf eb = { 0 };
	struct pr_user_file f;
	char *buf = (char *)"x";
	size_t len = 1;

	ck_assert_int_eq(pr_user_file_open(&f, PR_STATE_FILES(sdir), "things", "alice", "+t.lock", false, &eb),
	    PR_OK);
	ck_assert_int_eq(f.dir_fd, -1);
	ck_assert_int_eq(f.lock_fd, -1);
	ck_assert_str_eq(eb.msg, "");
	ck_assert_int_eq(pr_user_file_read(&f, 100, &buf, &len, &eb), PR_OK);
	ck_assert_ptr_null(buf);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(pr_user_file_unlink(&f, &eb), PR_ERR_NOT_FOUND);
	pr_user_file_close(&f);
	ck_assert(!exists("things"));
	ck_assert(!exists("locks"));  /* no lock without something to lock */
}
END_TEST

START_TEST(create_replace_read_unlink)
{
	struct pr_errbuf eb = { 0 };
	struct pr_user_file f;
	char *buf = NULL, want[256];
	size_t len = 0;

	ck_assert_msg(pr_user_file_open(&f, PR_STATE_FILES(sdir), "things", "alice", "+t.lock", true, &eb)
	    == PR_OK, "%s", eb.msg);
	snprintf(want, sizeof(want), "%s/things/alice", sdir);
	ck_assert_str_eq(f.path, want);
	ck_assert_uint_eq(mode_of("things"), 0700);
	ck_assert_uint_eq(mode_of("locks"), 0700);
	ck_assert(exists("locks/alice+t.lock"));
	ck_assert_int_ge(f.lock_fd, 0);
	ck_assert_int_eq(pr_user_file_read(&f, 100, &buf, &len, &eb), PR_OK);
	ck_assert_ptr_null(buf);
	ck_assert_int_eq(pr_user_file_replace(&f, "hello\n", 6, &eb), PR_OK);
	ck_assert_uint_eq(mode_of("things/alice"), 0600);
	ck_assert_int_eq(pr_user_file_read(&f, 100, &buf, &len, &eb), PR_OK);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(len, 6);
	ck_assert_str_eq(buf, "hello\n");
	free(buf);
	ck_assert_int_eq(pr_user_file_read(&f, 5, &buf, &len, &eb), PR_ERR_CORRUPT);
	snprintf(want, sizeof(want), "%s/things/alice: larger than 5 bytes", sdir);
	ck_assert_str_eq(eb.msg, want);
	ck_assert_int_eq(pr_user_file_unlink(&f, &eb), PR_OK);
	ck_assert(!exists("things/alice"));
	ck_assert_int_eq(pr_user_file_unlink(&f, &eb), PR_ERR_NOT_FOUND);
	pr_user_file_close(&f);
	ck_assert_int_eq(f.state_fd, -1);
	ck_assert_int_eq(f.dir_fd, -1);
}
END_TEST

/* flock locks belong to the open file: a second open sees the lock held. */
static bool lock_is_held(const char *rel)
{
	char p[256];
	int fd, r;

	snprintf(p, sizeof(p), "%s/%s", sdir, rel);
	ck_assert_int_ge(fd = open(p, O_RDONLY | O_CLOEXEC), 0);
	r = flock(fd, LOCK_EX | LOCK_NB);
	close(fd);
	return r != 0 && errno == EWOULDBLOCK;
}

START_TEST(lock_held_until_close)
{
	struct pr_errbuf eb = { 0 };
	struct pr_user_file f;

	ck_assert_int_eq(pr_user_file_open(&f, PR_STATE_FILES(sdir), "things", "alice", ".lock", true, &eb),
	    PR_OK);
	ck_assert(lock_is_held("locks/alice.lock"));
	pr_user_file_close(&f);
	ck_assert(!lock_is_held("locks/alice.lock"));
	/* Without a lock suffix: no lock file at all. */
	ck_assert_int_eq(pr_user_file_open(&f, PR_STATE_FILES(sdir), "things", "bob", NULL, true, &eb), PR_OK);
	ck_assert_int_eq(f.lock_fd, -1);
	pr_user_file_close(&f);
	ck_assert(!exists("locks/bob.lock"));
}
END_TEST

START_TEST(bad_lock_suffix)
{
	struct pr_errbuf eb = { 0 };
	struct pr_user_file f;

	ck_assert_int_eq(pr_user_file_open(&f, PR_STATE_FILES(sdir), "things", "alice", "/../x", true, &eb),
	    PR_ERR_INVALID_ARG);
	pr_user_file_close(&f);
	ck_assert(!exists("locks"));
}
END_TEST

START_TEST(unsafe_state_dir)
{
	struct pr_errbuf eb = { 0 };
	struct pr_user_file f;

	ck_assert_int_eq(chmod(sdir, 0777), 0);
	ck_assert_int_eq(pr_user_file_open(&f, PR_STATE_FILES(sdir), "things", "alice", ".lock", true, &eb),
	    PR_ERR_UNSAFE_FILE);
	pr_user_file_close(&f);
	ck_assert_int_eq(chmod(sdir, 0700), 0);
	ck_assert(!exists("things"));
}
END_TEST

static Suite *user_file_suite(void)
{
	Suite *s = suite_create("user_file");
	TCase *tc = tcase_create("user_file");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, invalid_user_touches_nothing, 0, NROWS(bad_users));
	tcase_add_test(tc, no_state_dir);
	tcase_add_test(tc, missing_dir_without_create);
	tcase_add_test(tc, create_replace_read_unlink);
	tcase_add_test(tc, lock_held_until_close);
	tcase_add_test(tc, bad_lock_suffix);
	tcase_add_test(tc, unsafe_state_dir);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_tap(user_file_suite());
}
