/*
 * Unit tests of lib/ticket.c (over lib/token.c): create/check/expiry, the
 * failure limit shared by wrong tickets and pr_ticket_fail, code_used,
 * finish, active, revoke, the strict parser (one row per malformed file),
 * and concurrent finishers (exactly one wins). Run as root.
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
#include "invite.h"
#include "secure_file.h"
#include "ticket.h"
#include "util.h"
#include "testlib.h"

#define NOW ((int64_t)1700000000)
#define WRONG "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA"
#define RACERS 8

static char sdir[64];
static char tpath[192];

static void setup(void)
{
	strcpy(sdir, "/tmp/check_ticket.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(sdir));
	snprintf(tpath, sizeof(tpath), "%s/tickets/alice", sdir);
}

static void teardown(void)
{
	ck_assert_msg(test_rm_tree(AT_FDCWD, sdir), "could not remove %s", sdir);
}

static char *ticket(const char *user, int64_t lifetime)
{
	struct pr_errbuf eb = { 0 };
	char *t = NULL;

	ck_assert_msg(pr_ticket_create(PR_STATE_FILES(sdir), user, lifetime, NOW, &t, &eb) == PR_OK, "%s", eb.msg);
	ck_assert_ptr_nonnull(t);
	return t;
}

static struct pr_ticket_info info_of(const char *user)
{
	struct pr_ticket_info info;

	ck_assert_int_eq(pr_ticket_info(PR_STATE_FILES(sdir), user, &info, NULL), PR_OK);
	return info;
}

static void write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pr_write_all(fd, data, len), PR_OK);
	close(fd);
}

START_TEST(create_and_file)
{
	struct pr_ticket_info info;
	struct stat st;
	char *t = ticket("alice", 1800), *text, undashed[64], want[160], p[160];
	size_t o = 0;

	ck_assert_uint_eq(strlen(t), 34);
	for (const char *q = t; *q != '\0'; q++)
		if (*q != '-')
			undashed[o++] = *q;
	undashed[o] = '\0';
	ck_assert_int_eq(stat(tpath, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	snprintf(p, sizeof(p), "%s/locks/alice+ticket.lock", sdir);
	ck_assert(test_exists(p));
	text = test_slurp(tpath);
	ck_assert_ptr_null(strstr(text, t));
	ck_assert_ptr_null(strstr(text, undashed));
	ck_assert_ptr_eq(strstr(text, "practicerunner-ticket 1\nhash="), text);
	snprintf(want, sizeof(want), " created=%lld expires=%lld failures=0 code_used=0\n",
	    (long long)NOW, (long long)(NOW + 1800));
	ck_assert_str_eq(text + strlen(text) - strlen(want), want);
	info = info_of("alice");
	ck_assert_int_eq(info.created, NOW);
	ck_assert_int_eq(info.expires, NOW + 1800);
	ck_assert_int_eq(info.failures, 0);
	ck_assert(!info.code_used);
	ck_assert_int_eq(pr_ticket_check(PR_STATE_FILES(sdir), "alice", t, NOW + 1, NULL), PR_OK);
	ck_assert(pr_ticket_active(PR_STATE_FILES(sdir), "alice", NOW + 1));
	free(text);
	pr_secret_strfree(&t);
}
END_TEST

/* A new ticket replaces the old; limits are those of a ticket (a day at most). */
START_TEST(replace_and_lifetime)
{
	struct pr_errbuf eb = { 0 };
	char *t1 = ticket("alice", 600), *t2 = ticket("alice", 1800), *t3 = NULL;

	ck_assert_int_eq(pr_ticket_check(PR_STATE_FILES(sdir), "alice", t1, NOW, NULL), PR_ERR_TICKET_INVALID);
	ck_assert_int_eq(pr_ticket_check(PR_STATE_FILES(sdir), "alice", t2, NOW, NULL), PR_OK);
	ck_assert_int_eq(pr_ticket_create(PR_STATE_FILES(sdir), "alice", 86401, NOW, &t3, &eb), PR_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(eb.msg, "a recovery ticket must last"));
	ck_assert_int_eq(pr_ticket_create(PR_STATE_FILES(sdir), "alice", 0, NOW, &t3, NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_ticket_create(PR_STATE_FILES(sdir), "a/b", 60, NOW, &t3, NULL), PR_ERR_INVALID_ARG);
	ck_assert_ptr_null(t3);
	ck_assert_int_eq(pr_ticket_check(PR_STATE_FILES(sdir), "alice", t2, NOW, NULL), PR_OK);
	pr_secret_strfree(&t1);
	pr_secret_strfree(&t2);
}
END_TEST

START_TEST(expired)
{
	struct pr_errbuf eb = { 0 };
	char *t = ticket("alice", 1800);

	ck_assert_int_eq(pr_ticket_check(PR_STATE_FILES(sdir), "alice", t, NOW + 1799, &eb), PR_OK);
	ck_assert(!pr_ticket_active(PR_STATE_FILES(sdir), "alice", NOW + 1800));
	ck_assert_int_eq(pr_ticket_check(PR_STATE_FILES(sdir), "alice", t, NOW + 1800, &eb), PR_ERR_EXPIRED);
	ck_assert_ptr_nonnull(strstr(eb.msg, "the recovery ticket for alice expired at"));
	ck_assert(!test_exists(tpath));
	ck_assert_int_eq(pr_ticket_finish(PR_STATE_FILES(sdir), "alice", t, NOW, &eb), PR_ERR_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(eb.msg, "no recovery ticket for alice"));
	pr_secret_strfree(&t);
	t = ticket("alice", 60);
	ck_assert_int_eq(pr_ticket_fail(PR_STATE_FILES(sdir), "alice", NOW + 60, NULL), PR_ERR_EXPIRED);
	ck_assert(!test_exists(tpath));
	pr_secret_strfree(&t);
}
END_TEST

/* Wrong tickets and pr_ticket_fail count together; the 5th voids it. */
START_TEST(wrong_and_limit)
{
	struct pr_errbuf eb = { 0 };
	char *t = ticket("alice", 1800);

	ck_assert_int_eq(pr_ticket_check(PR_STATE_FILES(sdir), "alice", WRONG, NOW, &eb), PR_ERR_TICKET_INVALID);
	ck_assert_ptr_nonnull(strstr(eb.msg, "wrong recovery ticket (1 of 5 tries used)"));
	ck_assert_int_eq(pr_ticket_fail(PR_STATE_FILES(sdir), "alice", NOW, &eb), PR_OK);
	ck_assert_int_eq(info_of("alice").failures, 2);
	ck_assert_int_eq(pr_ticket_finish(PR_STATE_FILES(sdir), "alice", "not a ticket", NOW, NULL),
	    PR_ERR_TICKET_INVALID);
	ck_assert_int_eq(pr_ticket_mark_code_used(PR_STATE_FILES(sdir), "alice", WRONG, NOW, NULL),
	    PR_ERR_TICKET_INVALID);
	ck_assert_int_eq(info_of("alice").failures, 4);
	ck_assert_int_eq(pr_ticket_check(PR_STATE_FILES(sdir), "alice", t, NOW, NULL), PR_OK);
	ck_assert(pr_ticket_active(PR_STATE_FILES(sdir), "alice", NOW));
	ck_assert_int_eq(pr_ticket_check(PR_STATE_FILES(sdir), "alice", WRONG, NOW, &eb), PR_ERR_TICKET_INVALID);
	ck_assert_ptr_nonnull(strstr(eb.msg, "void"));
	ck_assert(!test_exists(tpath));
	ck_assert(!pr_ticket_active(PR_STATE_FILES(sdir), "alice", NOW));
	ck_assert_int_eq(pr_ticket_check(PR_STATE_FILES(sdir), "alice", t, NOW, NULL), PR_ERR_NOT_FOUND);
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(fail_voids_at_limit)
{
	char *t = ticket("alice", 1800);

	for (int i = 1; i < PR_TICKET_MAX_FAILURES; i++) {
		ck_assert_int_eq(pr_ticket_fail(PR_STATE_FILES(sdir), "alice", NOW, NULL), PR_OK);
		ck_assert_int_eq(info_of("alice").failures, i);
	}
	ck_assert_int_eq(pr_ticket_fail(PR_STATE_FILES(sdir), "alice", NOW, NULL), PR_OK);
	ck_assert(!test_exists(tpath));
	ck_assert_int_eq(pr_ticket_fail(PR_STATE_FILES(sdir), "alice", NOW, NULL), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_ticket_check(PR_STATE_FILES(sdir), "alice", t, NOW, NULL), PR_ERR_NOT_FOUND);
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(code_used_then_finish)
{
	struct pr_errbuf eb = { 0 };
	char *t = ticket("alice", 1800), *text;

	ck_assert_int_eq(pr_ticket_mark_code_used(PR_STATE_FILES(sdir), "alice", t, NOW, &eb), PR_OK);
	ck_assert(info_of("alice").code_used);
	text = test_slurp(tpath);
	ck_assert_ptr_nonnull(strstr(text, " failures=0 code_used=1\n"));
	free(text);
	/* Idempotent, and the ticket still checks (enrollment may be retried). */
	ck_assert_int_eq(pr_ticket_mark_code_used(PR_STATE_FILES(sdir), "alice", t, NOW, &eb), PR_OK);
	ck_assert_int_eq(pr_ticket_check(PR_STATE_FILES(sdir), "alice", t, NOW + 5, &eb), PR_OK);
	ck_assert(info_of("alice").code_used);
	ck_assert_int_eq(pr_ticket_fail(PR_STATE_FILES(sdir), "alice", NOW, &eb), PR_OK);
	ck_assert(info_of("alice").code_used);
	ck_assert_int_eq(pr_ticket_finish(PR_STATE_FILES(sdir), "alice", t, NOW + 10, &eb), PR_OK);
	ck_assert(!test_exists(tpath));
	ck_assert_int_eq(pr_ticket_finish(PR_STATE_FILES(sdir), "alice", t, NOW + 10, &eb), PR_ERR_NOT_FOUND);
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(revoke_and_nothing_there)
{
	struct pr_ticket_info info;
	char *t;

	ck_assert_int_eq(pr_ticket_check(PR_STATE_FILES(sdir), "alice", WRONG, NOW, NULL), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_ticket_fail(PR_STATE_FILES(sdir), "alice", NOW, NULL), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_ticket_info(PR_STATE_FILES(sdir), "alice", &info, NULL), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_ticket_revoke(PR_STATE_FILES(sdir), "alice", NULL), PR_ERR_NOT_FOUND);
	ck_assert(!pr_ticket_active(PR_STATE_FILES(sdir), "alice", NOW));
	t = ticket("alice", 1800);
	ck_assert_int_eq(pr_ticket_revoke(PR_STATE_FILES(sdir), "bob", NULL), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_ticket_revoke(PR_STATE_FILES(sdir), "alice", NULL), PR_OK);
	ck_assert(!test_exists(tpath));
	ck_assert_int_eq(pr_ticket_check(PR_STATE_FILES(sdir), "alice", t, NOW, NULL), PR_ERR_NOT_FOUND);
	pr_secret_strfree(&t);
}
END_TEST

/* A ticket is not an invitation: the hash domain and the directory differ. */
START_TEST(not_an_invitation)
{
	char *t = ticket("alice", 1800), *text = test_slurp(tpath), ipath[192], p[160], *cut;

	snprintf(p, sizeof(p), "%s/invites", sdir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	snprintf(ipath, sizeof(ipath), "%s/invites/alice", sdir);
	/* The ticket's line under an invitation header. */
	memcpy(text, "practicerunner-invite", strlen("practicerunner-invite"));
	cut = strstr(text, " code_used=");
	cut[0] = '\n';
	cut[1] = '\0';
	write_file(ipath, text, strlen(text));
	ck_assert_int_eq(pr_invite_check(PR_STATE_FILES(sdir), "alice", t, NOW, NULL), PR_ERR_INVITE_INVALID);
	ck_assert_int_eq(pr_ticket_check(PR_STATE_FILES(sdir), "alice", t, NOW, NULL), PR_OK);
	free(text);
	pr_secret_strfree(&t);
}
END_TEST

/* ---- the strict parser ----------------------------------------------------------- */

#define HDR "practicerunner-ticket 1\n"
#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define LINE(f, c) "hash=" H64 " created=1700000000 expires=1700001800 failures=" f " code_used=" c "\n"

static const struct {
	const char *text;
	int line;
	const char *why;
} bad_files[] = {
	{ "", 1, "empty file" },
	{ "practicerunner-ticket 2\n" LINE("0", "0"), 1, "unsupported format version '2'" },
	{ "practicerunner-invite 1\n" LINE("0", "0"), 1, "missing header line" },
	{ HDR, 2, "missing recovery ticket line" },
	{ HDR LINE("0", "0") LINE("0", "0"), 3, "more than one recovery ticket line" },
	{ HDR "hash=" H64 " created=1700000000 expires=1700001800 failures=0\n", 2,
	  "missing field 'code_used'" },
	{ HDR LINE("0", "2"), 2, "code_used is not 0 or 1" },
	{ HDR LINE("0", "01"), 2, "code_used is not 0 or 1" },
	{ HDR LINE("0", ""), 2, "code_used is not 0 or 1" },
	{ HDR LINE("6", "0"), 2, "failures out of range (0..5)" },   /* 5: void, a try in flight */
	{ HDR "hash=" H64 " created=1700000000 expires=1700001800 failures=0 code_used=0 x=1\n", 2,
	  "extra text after code_used" },
	{ HDR "hash=" H64 " created=1700000000 expires=1700001800 code_used=0 failures=0\n", 2,
	  "expected field 'failures'" },
	{ HDR "hash=" H64 " created=1700000000 expires=1700086401 failures=0 code_used=0\n", 2,
	  "within 1 day after created" },
	{ HDR "hash=" H64 " created=1700000000 expires=1700001800 failures=0 code_used=0", 2,
	  "no newline" },
	{ HDR "hash=ABCD created=1700000000 expires=1700001800 failures=0 code_used=0\n", 2, "hex" },
};

START_TEST(parse_good_reference)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/tickets", sdir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	write_file(tpath, HDR LINE("3", "1"), strlen(HDR LINE("3", "1")));
	ck_assert_int_eq(info_of("alice").failures, 3);
	ck_assert(info_of("alice").code_used);
	ck_assert(pr_ticket_active(PR_STATE_FILES(sdir), "alice", NOW));
}
END_TEST

START_TEST(parse_bad_file_rows)
{
	struct pr_errbuf eb = { 0 };
	struct pr_ticket_info info;
	char want[256], p[160], *t = NULL, *text;

	snprintf(p, sizeof(p), "%s/tickets", sdir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	write_file(tpath, bad_files[_i].text, strlen(bad_files[_i].text));
	snprintf(want, sizeof(want), "%s:%d: ", tpath, bad_files[_i].line);
	ck_assert_int_eq(pr_ticket_info(PR_STATE_FILES(sdir), "alice", &info, &eb), PR_ERR_CORRUPT);
	ck_assert_msg(strncmp(eb.msg, want, strlen(want)) == 0, "row %d: '%s'", _i, eb.msg);
	ck_assert_msg(strstr(eb.msg, bad_files[_i].why) != NULL, "row %d: '%s' lacks '%s'", _i,
	    eb.msg, bad_files[_i].why);
	ck_assert(!pr_ticket_active(PR_STATE_FILES(sdir), "alice", NOW));
	ck_assert_int_eq(pr_ticket_check(PR_STATE_FILES(sdir), "alice", WRONG, NOW, NULL), PR_ERR_CORRUPT);
	ck_assert_int_eq(pr_ticket_fail(PR_STATE_FILES(sdir), "alice", NOW, NULL), PR_ERR_CORRUPT);
	ck_assert_int_eq(pr_ticket_mark_code_used(PR_STATE_FILES(sdir), "alice", WRONG, NOW, NULL), PR_ERR_CORRUPT);
	ck_assert_int_eq(pr_ticket_finish(PR_STATE_FILES(sdir), "alice", WRONG, NOW, NULL), PR_ERR_CORRUPT);
	ck_assert_int_eq(pr_ticket_create(PR_STATE_FILES(sdir), "alice", 1800, NOW, &t, &eb), PR_ERR_CORRUPT);
	/* There is no "revoke" for tickets: the hint names what clears it. */
	ck_assert_ptr_nonnull(strstr(eb.msg, "move that file aside to clear it, then start the recovery again"));
	ck_assert_ptr_null(t);
	text = test_slurp(tpath);
	ck_assert_str_eq(text, bad_files[_i].text);
	free(text);
	ck_assert_int_eq(pr_ticket_revoke(PR_STATE_FILES(sdir), "alice", NULL), PR_OK);
	ck_assert(!test_exists(tpath));
}
END_TEST

/* ---- concurrency ------------------------------------------------------------------- */

static void race(int n, int (*fn)(const char *), const char *arg, int counts[3])
{
	int go[2];
	pid_t pids[RACERS];
	char ch;

	ck_assert_int_eq(pipe(go), 0);
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			int r;
			close(go[1]);
			if (read(go[0], &ch, 1) != 0)
				_exit(3);
			r = fn(arg);
			_exit(r == PR_OK ? 0 : r == PR_ERR_NOT_FOUND ? 1 : 2);
		}
	}
	close(go[0]);
	close(go[1]);
	counts[0] = counts[1] = counts[2] = 0;
	for (int i = 0; i < n; i++) {
		int st;
		ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) <= 2);
		counts[WEXITSTATUS(st)]++;
	}
}

static int do_finish(const char *t)
{
	return pr_ticket_finish(PR_STATE_FILES(sdir), "alice", t, NOW, NULL);
}

static int do_fail(const char *t)
{
	(void)t;
	return pr_ticket_fail(PR_STATE_FILES(sdir), "alice", NOW, NULL);
}

START_TEST(concurrent_finish_one_wins)
{
	int counts[3];

	for (int round = 0; round < 5; round++) {
		char *t = ticket("alice", 1800);
		race(RACERS, do_finish, t, counts);
		ck_assert_int_eq(counts[0], 1);
		ck_assert_int_eq(counts[1], RACERS - 1);
		ck_assert(!test_exists(tpath));
		pr_secret_strfree(&t);
	}
}
END_TEST

START_TEST(concurrent_fails_all_counted)
{
	char *t = ticket("alice", 1800);
	int counts[3];

	race(PR_TICKET_MAX_FAILURES - 1, do_fail, NULL, counts);
	ck_assert_int_eq(counts[0], PR_TICKET_MAX_FAILURES - 1);
	ck_assert_int_eq(info_of("alice").failures, PR_TICKET_MAX_FAILURES - 1);
	ck_assert_int_eq(pr_ticket_finish(PR_STATE_FILES(sdir), "alice", t, NOW, NULL), PR_OK);
	pr_secret_strfree(&t);
}
END_TEST

static Suite *ticket_suite(void)
{
	Suite *s = suite_create("ticket");
	TCase *tt = tcase_create("ticket");
	TCase *tp = tcase_create("parser");
	TCase *tc = tcase_create("concurrency");

	tcase_add_checked_fixture(tt, setup, teardown);
	tcase_add_test(tt, create_and_file);
	tcase_add_test(tt, replace_and_lifetime);
	tcase_add_test(tt, expired);
	tcase_add_test(tt, wrong_and_limit);
	tcase_add_test(tt, fail_voids_at_limit);
	tcase_add_test(tt, code_used_then_finish);
	tcase_add_test(tt, revoke_and_nothing_there);
	tcase_add_test(tt, not_an_invitation);
	suite_add_tcase(s, tt);

	tcase_add_checked_fixture(tp, setup, teardown);
	tcase_add_test(tp, parse_good_reference);
	tcase_add_loop_test(tp, parse_bad_file_rows, 0, NROWS(bad_files));
	suite_add_tcase(s, tp);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, concurrent_finish_one_wins);
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
	return test_run_tap(ticket_suite());
}
