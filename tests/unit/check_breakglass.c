/*
 * Unit tests of lib/breakglass.c: what the file holds (never the code),
 * one use then void, wrong codes, expiry, services, a use that must be
 * acknowledged before revoke or a new code, the strict parser (one row per
 * corrupt file), and that an account without a code is checked against a
 * dummy hash (it takes scrypt's time too). No root needed.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "breakglass.h"
#include "err.h"
#include "util.h"
#include "testlib.h"

#define NOW ((int64_t)1700000000)
#define DAY 86400

static char sdir[64];
static char bpath[192];
static char *login_v[] = { "login", "gdm-password" };
static const struct pr_strlist console = { login_v, 2 };

static void setup(void)
{
	strcpy(sdir, "/tmp/check_breakglass.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(sdir));
	snprintf(bpath, sizeof(bpath), "%s/breakglass/alice", sdir);
}

static void teardown(void)
{
	ck_assert_msg(test_rm_tree(AT_FDCWD, sdir), "could not remove %s", sdir);
}

/* A new code for alice, valid 180 days at login and gdm-password. */
static char *create(bool *replaced)
{
	struct pr_errbuf eb = { 0 };
	char *code = NULL;
	bool r = false;

	ck_assert_msg(pr_breakglass_create(PR_STATE_FILES(sdir), "alice", &console, 180 * DAY, "root", NOW,
	    &code, replaced != NULL ? replaced : &r, &eb) == PR_OK, "%s", eb.msg);
	ck_assert_ptr_nonnull(code);
	ck_assert_int_eq((int)strlen(code), 19);
	return code;
}

static int use(const char *user, const char *code, const char *service, int64_t at)
{
	struct pr_errbuf eb = { 0 };

	return pr_breakglass_use(PR_STATE_FILES(sdir), user, code, service, "tty1", at, NULL, &eb);
}

START_TEST(file_holds_no_code)
{
	char *code = create(NULL), *text = test_slurp(bpath), bare[17];
	struct stat st;

	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_null(strstr(text, code));
	memcpy(bare, code, 4);
	memcpy(bare + 4, code + 5, 4);
	memcpy(bare + 8, code + 10, 4);
	memcpy(bare + 12, code + 15, 4);
	bare[16] = '\0';
	ck_assert_ptr_null(strstr(text, bare));
	ck_assert_ptr_nonnull(strstr(text, "services=login,gdm-password\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nused=-\nacked=-\n"));
	ck_assert_int_eq(stat(bpath, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	free(text);
	pr_secret_strfree(&code);
}
END_TEST

START_TEST(one_use_then_void)
{
	char *code = create(NULL);
	struct pr_breakglass bg;

	ck_assert_int_eq(use("alice", code, "login", NOW + 60), PR_OK);
	ck_assert_int_eq(pr_breakglass_get(PR_STATE_FILES(sdir), "alice", &bg, NULL), PR_OK);
	ck_assert(bg.used == NOW + 60);
	ck_assert_str_eq(bg.used_service, "login");
	ck_assert_str_eq(bg.used_tty, "tty1");
	ck_assert(pr_breakglass_unacked(&bg));
	ck_assert_int_eq(use("alice", code, "login", NOW + 120), PR_ERR_CODE_INVALID);
	pr_secret_strfree(&code);
}
END_TEST

/* Every refusal leaves the file as it was. */
static const struct refusal_row {
	const char *name;
	const char *code;          /* NULL: the right code */
	const char *user;
	const char *service;
	int64_t at;
	int want;
} refusals[] = {
	{ "wrong code", "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "alice", "login", NOW + 1, PR_ERR_CODE_INVALID },
	{ "not a code", "hello", "alice", "login", NOW + 1, PR_ERR_CODE_INVALID },
	{ "empty", "", "alice", "login", NOW + 1, PR_ERR_CODE_INVALID },
	{ "expired", NULL, "alice", "login", NOW + 180 * DAY, PR_ERR_EXPIRED },
	{ "sshd not listed", NULL, "alice", "sshd", NOW + 1, PR_ERR_PERM },
	{ "sudo not listed", NULL, "alice", "sudo", NOW + 1, PR_ERR_PERM },
	{ "no service", NULL, "alice", NULL, NOW + 1, PR_ERR_PERM },
	{ "another account", NULL, "bob", "login", NOW + 1, PR_ERR_NOT_FOUND },
	{ "no account", NULL, NULL, "login", NOW + 1, PR_ERR_NOT_FOUND },
};

START_TEST(refusal_rows)
{
	const struct refusal_row *row = &refusals[_i];
	char *code = create(NULL), *before = test_slurp(bpath), *after;

	ck_assert_msg(use(row->user, row->code != NULL ? row->code : code, row->service,
	    row->at) == row->want, "%s", row->name);
	after = test_slurp(bpath);
	ck_assert_msg(strcmp(before, after) == 0, "%s: the file changed", row->name);
	/* The right code still works where it should. */
	ck_assert_int_eq(use("alice", code, "gdm-password", NOW + 2), PR_OK);
	free(before);
	free(after);
	pr_secret_strfree(&code);
}
END_TEST

START_TEST(input_forms)
{
	char *code = create(NULL), lower[32];

	for (size_t i = 0; i <= strlen(code); i++)
		lower[i] = (char)(code[i] >= 'A' && code[i] <= 'Z' ? code[i] + 32 : code[i]);
	ck_assert_int_eq(use("alice", lower, "login", NOW + 1), PR_OK);
	pr_secret_strfree(&code);
}
END_TEST

/* No code: a dummy derivation all the same (the time does not tell). */
START_TEST(no_code_takes_scrypt_time)
{
	struct timespec a, b, c;
	char *code;
	double with, without;

	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(use("bob", "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "login", NOW + 1), PR_ERR_NOT_FOUND);
	clock_gettime(CLOCK_MONOTONIC, &b);
	code = create(NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ck_assert_int_eq(use("alice", "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "login", NOW + 1),
	    PR_ERR_CODE_INVALID);
	clock_gettime(CLOCK_MONOTONIC, &c);
	without = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	with = (double)(c.tv_sec - b.tv_sec) + (double)(c.tv_nsec - b.tv_nsec) / 1e9;
	/* scrypt at N=2^15 takes tens of ms; without the dummy it would take microseconds */
	ck_assert_msg(without > with / 4, "no code: %.4f s, wrong code: %.4f s", without, with);
	pr_secret_strfree(&code);
}
END_TEST

START_TEST(replace_revoke_ack)
{
	struct pr_breakglass bg;
	bool replaced = false;
	char *code = create(&replaced), *second;

	ck_assert(!replaced);
	second = create(&replaced);
	ck_assert(replaced);
	ck_assert_int_eq(use("alice", code, "login", NOW + 1), PR_ERR_CODE_INVALID);
	ck_assert_int_eq(pr_breakglass_ack(PR_STATE_FILES(sdir), "alice", "admin1", NOW + 2, NULL),
	    PR_ERR_NOT_FOUND);
	ck_assert_int_eq(use("alice", second, "login", NOW + 3), PR_OK);
	/* An unreviewed use is kept: no revoke, no new code until ack. */
	ck_assert_int_eq(pr_breakglass_revoke(PR_STATE_FILES(sdir), "alice", NULL), PR_ERR_EXISTS);
	pr_secret_strfree(&code);
	ck_assert_int_eq(pr_breakglass_create(PR_STATE_FILES(sdir), "alice", &console, DAY, "root", NOW + 4,
	    &code, &replaced, NULL), PR_ERR_EXISTS);
	ck_assert_ptr_null(code);
	ck_assert_int_eq(pr_breakglass_ack(PR_STATE_FILES(sdir), "alice", "admin1", NOW + 5, NULL), PR_OK);
	ck_assert_int_eq(pr_breakglass_get(PR_STATE_FILES(sdir), "alice", &bg, NULL), PR_OK);
	ck_assert(!pr_breakglass_unacked(&bg));
	ck_assert(bg.acked == NOW + 5);
	ck_assert_str_eq(bg.acked_by, "admin1");
	ck_assert_int_eq(pr_breakglass_revoke(PR_STATE_FILES(sdir), "alice", NULL), PR_OK);
	ck_assert(!test_exists(bpath));
	ck_assert_int_eq(pr_breakglass_revoke(PR_STATE_FILES(sdir), "alice", NULL), PR_ERR_NOT_FOUND);
	pr_secret_strfree(&second);
}
END_TEST

START_TEST(invalid_arguments)
{
	static char *bad_v[] = { "log in" };
	const struct pr_strlist bad = { bad_v, 1 }, none = { NULL, 0 };
	char *code = NULL;
	bool replaced;

	ck_assert_int_eq(pr_breakglass_create(PR_STATE_FILES(sdir), "alice", &none, DAY, "root", NOW, &code,
	    &replaced, NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_breakglass_create(PR_STATE_FILES(sdir), "alice", &bad, DAY, "root", NOW, &code,
	    &replaced, NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_breakglass_create(PR_STATE_FILES(sdir), "alice", &console, 0, "root", NOW, &code,
	    &replaced, NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_breakglass_create(PR_STATE_FILES(sdir), "../x", &console, DAY, "root", NOW, &code,
	    &replaced, NULL), PR_ERR_INVALID_ARG);
	ck_assert_ptr_null(code);
}
END_TEST

#define HASHLINE "salt=00112233445566778899aabbccddeeff N=32768 r=8 p=1 hash=" \
	"0000000000000000000000000000000000000000000000000000000000000000\n"
#define MADE "created=1700000000 expires=1800000000 by=root services=login\n"

static const struct bad_row {
	const char *text;
	int line;
} bad_files[] = {
	{ "practicerunner-breakglass 2\n" HASHLINE MADE "used=-\nacked=-\n", 1 },
	{ "practicerunner-breakglass 1\n" MADE MADE "used=-\nacked=-\n", 2 },
	{ "practicerunner-breakglass 1\nsalt=00 N=32768 r=8 p=1 hash=00\n" MADE
	    "used=-\nacked=-\n", 2 },
	{ "practicerunner-breakglass 1\n" "salt=00112233445566778899aabbccddeeff N=3 r=8 p=1 "
	    "hash=0000000000000000000000000000000000000000000000000000000000000000\n" MADE
	    "used=-\nacked=-\n", 2 },
	{ "practicerunner-breakglass 1\n" HASHLINE
	    "created=1700000000 expires=1800000000 by=root services=log in\n"
	    "used=-\nacked=-\n", 3 },
	{ "practicerunner-breakglass 1\n" HASHLINE
	    "created=1700000000 expires=1800000000 by=root services=\nused=-\nacked=-\n", 3 },
	{ "practicerunner-breakglass 1\n" HASHLINE MADE "used=0 service=login tty=-\n"
	    "acked=-\n", 4 },
	{ "practicerunner-breakglass 1\n" HASHLINE MADE "used=-\nacked=1700000001 by=root\n", 5 },
	{ "practicerunner-breakglass 1\n" HASHLINE MADE "used=-\n", 5 },
	{ "practicerunner-breakglass 1\n" HASHLINE MADE "used=-\nacked=-\nmore\n", 6 },
	{ "practicerunner-breakglass 1\n" HASHLINE MADE "used=-\nacked=-", 5 },
};

START_TEST(parse_bad_file_rows)
{
	struct pr_errbuf eb = { 0 };
	struct pr_breakglass bg;
	char dir[128], want[256];

	snprintf(dir, sizeof(dir), "%s/breakglass", sdir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	test_write_file(bpath, bad_files[_i].text, strlen(bad_files[_i].text), 0600);
	ck_assert_int_eq(pr_breakglass_get(PR_STATE_FILES(sdir), "alice", &bg, &eb), PR_ERR_CORRUPT);
	snprintf(want, sizeof(want), "%s:%d: ", bpath, bad_files[_i].line);
	ck_assert_msg(strncmp(eb.msg, want, strlen(want)) == 0, "row %d: %s", _i, eb.msg);
	/* A corrupt file never works, whatever is typed. */
	ck_assert_int_eq(use("alice", "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "login", NOW + 1), PR_ERR_CORRUPT);
}
END_TEST

static Suite *breakglass_suite(void)
{
	Suite *s = suite_create("breakglass");
	TCase *tt = tcase_create("codes");
	TCase *tp = tcase_create("parser");

	tcase_add_checked_fixture(tt, setup, teardown);
	tcase_set_timeout(tt, 120);
	tcase_add_test(tt, file_holds_no_code);
	tcase_add_test(tt, one_use_then_void);
	tcase_add_loop_test(tt, refusal_rows, 0, NROWS(refusals));
	tcase_add_test(tt, input_forms);
	tcase_add_test(tt, no_code_takes_scrypt_time);
	tcase_add_test(tt, replace_revoke_ack);
	tcase_add_test(tt, invalid_arguments);
	suite_add_tcase(s, tt);
	tcase_add_checked_fixture(tp, setup, teardown);
	tcase_set_timeout(tp, 60);
	tcase_add_loop_test(tp, parse_bad_file_rows, 0, NROWS(bad_files));
	suite_add_tcase(s, tp);
	return s;
}

int main(void)
{
	return test_run_tap(breakglass_suite());
}
