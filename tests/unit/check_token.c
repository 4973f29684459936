/*
 * Unit tests of lib/token.c, the one-time token mechanism under invitations
 * (check_invite) and recovery tickets (check_ticket), here with two kinds
 * of its own: generation and display form, the file kept (a hash, never
 * the token), the accepted spellings, every malformed token refused and
 * counted, the comparison on both paths (redeem, reserve) refusing a token
 * one character off wherever the difference is, the hash bound to kind and
 * user, expiry, the failure limit, reserve/release/spent and the flag.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "token.h"
#include "util.h"
#include "testlib.h"

#define NOW ((int64_t)1700000000)
#define LIFETIME 600
#define USER "alice"
#define TOKEN_LEN 34                 /* 7 groups of 4, 6 dashes */
#define ALPHABET "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

static const struct pr_token_kind pass = {
	.subdir = "passes", .lock = "+pass.lock",
	.header = "practicerunner-pass 1", .magic = "practicerunner-pass ",
	.hash_domain = "practicerunner-pass-v1", .noun = "pass",
	.remedy = "revoke it", .secret = "pass token", .failures_word = "wrong passes",
	.flag = NULL, .max_failures = 3, .max_lifetime = 3600,
	.invalid_err = PR_ERR_INVITE_INVALID,
};

/* The same files and format as pass, another hash domain. */
static const struct pr_token_kind pass2 = {
	.subdir = "passes", .lock = "+pass.lock",
	.header = "practicerunner-pass 1", .magic = "practicerunner-pass ",
	.hash_domain = "practicerunner-pass-v2", .noun = "pass",
	.remedy = "revoke it", .secret = "pass token", .failures_word = "wrong passes",
	.flag = NULL, .max_failures = 3, .max_lifetime = 3600,
	.invalid_err = PR_ERR_TICKET_INVALID,
};

/* A kind with a flag. */
static const struct pr_token_kind stamp = {
	.subdir = "stamps", .lock = "+stamp.lock",
	.header = "practicerunner-stamp 1", .magic = "practicerunner-stamp ",
	.hash_domain = "practicerunner-stamp-v1", .noun = "stamp",
	.remedy = "revoke it", .secret = "stamp token", .failures_word = "wrong stamps",
	.flag = "stamped", .max_failures = 3, .max_lifetime = 3600,
	.invalid_err = PR_ERR_TICKET_INVALID,
};

static char sdir[64];

static void setup(void)
{
	strcpy(sdir, "/tmp/check_token.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(sdir));
}

static void teardown(void)
{
	ck_assert_msg(test_rm_tree(AT_FDCWD, sdir), "could not remove %s", sdir);
}

static char *issue(const struct pr_token_kind *k, const char *user)
{
	struct pr_errbuf eb = { 0 };
	char *t = NULL;

	ck_assert_msg(pr_token_create(k, PR_STATE_FILES(sdir), user, LIFETIME, NOW, &t, &eb) == PR_OK, "%s",
	    eb.msg);
	ck_assert_ptr_nonnull(t);
	return t;
}

static int redeem(const struct pr_token_kind *k, const char *token, int64_t now, bool consume)
{
	struct pr_errbuf eb = { 0 };

	return pr_token_redeem(k, PR_STATE_FILES(sdir), USER, token, now, consume, false, &eb);
}

static int failures(const struct pr_token_kind *k)
{
	struct pr_token_info info;
	struct pr_errbuf eb = { 0 };
	int r = pr_token_info(k, PR_STATE_FILES(sdir), USER, &info, &eb);

	return r == PR_OK ? info.failures : r;
}

static char *file_text(const char *user)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/passes/%s", sdir, user);
	return test_slurp(p);
}

/* ---- generate, keep, verify --------------------------------------------------------- */

START_TEST(generate_form_and_file)
{
	char *t = issue(&pass, USER), *t2, *text;
	struct pr_token_info info;
	struct pr_errbuf eb = { 0 };

	ck_assert_uint_eq(strlen(t), TOKEN_LEN);
	for (size_t i = 0; i < TOKEN_LEN; i++)
		if (i % 5 == 4)
			ck_assert_int_eq(t[i], '-');
		else
			ck_assert_ptr_nonnull(strchr(ALPHABET, t[i]));
	/* Kept as a hash: the token is nowhere in the file. */
	text = file_text(USER);
	ck_assert_int_eq(strncmp(text, "practicerunner-pass 1\nhash=", 27), 0);
	ck_assert_ptr_null(strstr(text, t));
	ck_assert_ptr_null(strstr(text, t + 30));
	free(text);
	ck_assert_int_eq(pr_token_info(&pass, PR_STATE_FILES(sdir), USER, &info, &eb), PR_OK);
	ck_assert_int_eq(info.created, NOW);
	ck_assert_int_eq(info.expires, NOW + LIFETIME);
	ck_assert_int_eq(info.failures, 0);
	/* A new token replaces the old one, and is a different one. */
	t2 = issue(&pass, USER);
	ck_assert_str_ne(t, t2);
	ck_assert_int_eq(redeem(&pass, t, NOW, false), PR_ERR_INVITE_INVALID);
	ck_assert_int_eq(redeem(&pass, t2, NOW, false), PR_OK);
	ck_assert_int_eq(redeem(&pass, t2, NOW, true), PR_OK);
	ck_assert_int_eq(redeem(&pass, t2, NOW, true), PR_ERR_NOT_FOUND);
	pr_secret_strfree(&t);
	pr_secret_strfree(&t2);
}
END_TEST

/* Spellings of the same token a person may type. */
enum { F_LOWER, F_NO_DASHES, F_SPACES, F_LOOKALIKES, F_COUNT };

START_TEST(accepted_spellings)
{
	char *t = issue(&pass, USER), typed[80];
	size_t o = 0;

	for (size_t i = 0; t[i] != '\0'; i++) {
		char ch = t[i];

		if (ch == '-' && _i == F_NO_DASHES)
			continue;
		if (ch == '-' && _i == F_SPACES)
			ch = ' ';
		if (_i == F_LOWER && ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (_i == F_LOOKALIKES && (ch == '0' || ch == '1'))
			ch = ch == '0' ? 'O' : (i % 2 ? 'I' : 'l');
		typed[o++] = ch;
	}
	typed[o] = '\0';
	ck_assert_int_eq(redeem(&pass, typed, NOW, true), PR_OK);
	pr_secret_strfree(&t);
}
END_TEST

/* ---- malformed and wrong tokens: refused, and counted ----------------------------- */

static const char *const malformed_rows[] = {
	"",
	"-",
	"ABCD",
	"ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-234",        /* a character short */
	"ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-23456",      /* a character long */
	"ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-23U5",       /* U is not in the alphabet */
	"ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-23!5",
	"ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-23\xc3\xa9",  /* UTF-8 */
	"ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345\n",
};

START_TEST(malformed_refused_and_counted)
{
	char *t = issue(&pass, USER);
	struct pr_errbuf eb = { 0 };

	ck_assert_int_eq(redeem(&pass, malformed_rows[_i], NOW, true), PR_ERR_INVITE_INVALID);
	ck_assert_int_eq(failures(&pass), 1);
	ck_assert_int_eq(pr_token_reserve(&pass, PR_STATE_FILES(sdir), USER, malformed_rows[_i], NOW, &eb),
	    PR_ERR_INVITE_INVALID);
	ck_assert_int_eq(failures(&pass), 2);
	/* The right one still works: nothing else changed. */
	ck_assert_int_eq(redeem(&pass, t, NOW, true), PR_OK);
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(null_token_is_no_try)
{
	char *t = issue(&pass, USER);
	struct pr_errbuf eb = { 0 };

	ck_assert_int_eq(redeem(&pass, NULL, NOW, true), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_token_reserve(&pass, PR_STATE_FILES(sdir), USER, NULL, NOW, &eb), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(failures(&pass), 0);
	pr_secret_strfree(&t);
}
END_TEST

/*
 * The token compared (through its hash, in constant time) wherever it is
 * one character off: the first, a middle and the last character, on
 * redeem's and reserve's paths. Each is refused and counted once.
 */
START_TEST(one_character_off)
{
	static const size_t at[] = { 0, 17, TOKEN_LEN - 1 };
	char *t = issue(&pass, USER), *w;
	struct pr_errbuf eb = { 0 };

	ck_assert_ptr_nonnull(w = strdup(t));
	w[at[_i]] = w[at[_i]] == 'Z' ? 'Y' : 'Z';
	ck_assert_int_eq(redeem(&pass, w, NOW, false), PR_ERR_INVITE_INVALID);
	ck_assert_int_eq(failures(&pass), 1);
	ck_assert_int_eq(pr_token_reserve(&pass, PR_STATE_FILES(sdir), USER, w, NOW, &eb), PR_ERR_INVITE_INVALID);
	ck_assert_int_eq(failures(&pass), 2);
	ck_assert_int_eq(redeem(&pass, t, NOW, true), PR_OK);
	free(w);
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(failure_limit_voids)
{
	char *t = issue(&pass, USER);
	struct pr_errbuf eb = { 0 };

	ck_assert_int_eq(redeem(&pass, "0000-0000-0000-0000-0000-0000-0000", NOW, true),
	    PR_ERR_INVITE_INVALID);
	ck_assert_int_eq(pr_token_fail(&pass, PR_STATE_FILES(sdir), USER, NOW, &eb), PR_OK);
	ck_assert_int_eq(failures(&pass), 2);
	/* The third failure reaches the limit: void, and the file gone. */
	ck_assert_int_eq(pr_token_redeem(&pass, PR_STATE_FILES(sdir), USER, "0000-0000-0000-0000-0000-0000-0000",
	    NOW, true, false, &eb), PR_ERR_INVITE_INVALID);
	ck_assert_str_eq(eb.msg, "wrong pass token; after 3 wrong passes the pass for alice is void");
	ck_assert_int_eq(failures(&pass), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(redeem(&pass, t, NOW, true), PR_ERR_NOT_FOUND);
	pr_secret_strfree(&t);
}
END_TEST

/* ---- the hash is bound to the kind and the user -------------------------------------- */

START_TEST(bound_to_kind_and_user)
{
	char *t = issue(&pass, USER), *text, p[160];

	/* The same file read as another kind: the hash domain differs. */
	ck_assert_int_eq(pr_token_redeem(&pass2, PR_STATE_FILES(sdir), USER, t, NOW, false, false, NULL),
	    PR_ERR_TICKET_INVALID);
	/* Copied to another user's name: the user is hashed in. */
	text = file_text(USER);
	snprintf(p, sizeof(p), "%s/passes/bob", sdir);
	test_write_file(p, text, strlen(text), 0600);
	ck_assert_int_eq(pr_token_redeem(&pass, PR_STATE_FILES(sdir), "bob", t, NOW, true, false, NULL),
	    PR_ERR_INVITE_INVALID);
	ck_assert_int_eq(redeem(&pass, t, NOW, true), PR_OK);
	free(text);
	pr_secret_strfree(&t);
}
END_TEST

/* ---- expiry and lifetimes ------------------------------------------------------------------ */

START_TEST(expiry)
{
	char *t = issue(&pass, USER);

	ck_assert_int_eq(redeem(&pass, t, NOW + LIFETIME - 1, false), PR_OK);
	ck_assert_int_eq(redeem(&pass, t, NOW + LIFETIME, false), PR_ERR_EXPIRED);
	/* An expired token's file is removed. */
	ck_assert_int_eq(redeem(&pass, t, NOW, false), PR_ERR_NOT_FOUND);
	pr_secret_strfree(&t);
}
END_TEST

static const struct {
	int64_t lifetime, now;
	int want;
} lifetime_rows[] = {
	{ 1, NOW, PR_OK },
	{ 3600, NOW, PR_OK },
	{ 3601, NOW, PR_ERR_INVALID_ARG },
	{ 0, NOW, PR_ERR_INVALID_ARG },
	{ -1, NOW, PR_ERR_INVALID_ARG },
	{ 60, -1, PR_ERR_INVALID_ARG },
	{ 60, INT64_MAX - 10, PR_ERR_INVALID_ARG },
};

START_TEST(lifetimes)
{
	struct pr_errbuf eb = { 0 };
	char *t = NULL;

	ck_assert_int_eq(pr_token_create(&pass, PR_STATE_FILES(sdir), USER, lifetime_rows[_i].lifetime,
	    lifetime_rows[_i].now, &t, &eb), lifetime_rows[_i].want);
	if (lifetime_rows[_i].want == PR_OK)
		ck_assert_ptr_nonnull(t);
	else
		ck_assert_str_eq(eb.msg, "a pass must last between 1 second and 3600 seconds");
	pr_secret_strfree(&t);
}
END_TEST

/* ---- reserve, release, spent; the flag ----------------------------------------------------- */

START_TEST(reserve_release_spent)
{
	char *t = issue(&stamp, USER);
	struct pr_token_info info;
	struct pr_errbuf eb = { 0 };
	bool voided = true;

	/* A reservation counts before the caller evaluates anything. */
	ck_assert_int_eq(pr_token_reserve(&stamp, PR_STATE_FILES(sdir), USER, t, NOW, &eb), PR_OK);
	ck_assert_int_eq(failures(&stamp), 1);
	ck_assert_int_eq(pr_token_release(&stamp, PR_STATE_FILES(sdir), USER, t, true, &eb), PR_OK);
	ck_assert_int_eq(pr_token_info(&stamp, PR_STATE_FILES(sdir), USER, &info, &eb), PR_OK);
	ck_assert_int_eq(info.failures, 0);
	ck_assert(info.flag);
	/* Spent tries stay counted; the last one voids the token. */
	for (int i = 1; i <= 3; i++) {
		ck_assert_int_eq(pr_token_reserve(&stamp, PR_STATE_FILES(sdir), USER, t, NOW, &eb), PR_OK);
		ck_assert_int_eq(pr_token_spent(&stamp, PR_STATE_FILES(sdir), USER, t, &voided, &eb), PR_OK);
		ck_assert_int_eq(voided, i == 3);
	}
	ck_assert_int_eq(pr_token_reserve(&stamp, PR_STATE_FILES(sdir), USER, t, NOW, &eb), PR_ERR_NOT_FOUND);
	/* A kind without a flag cannot set one. */
	pr_secret_strfree(&t);
	t = issue(&pass, USER);
	ck_assert_int_eq(pr_token_redeem(&pass, PR_STATE_FILES(sdir), USER, t, NOW, false, true, &eb),
	    PR_ERR_INVALID_ARG);
	pr_secret_strfree(&t);
}
END_TEST

static Suite *token_suite(void)
{
	Suite *s = suite_create("token");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, generate_form_and_file);
	tcase_add_loop_test(tc, accepted_spellings, 0, F_COUNT);
	tcase_add_loop_test(tc, malformed_refused_and_counted, 0, NROWS(malformed_rows));
	tcase_add_test(tc, null_token_is_no_try);
	tcase_add_loop_test(tc, one_character_off, 0, 3);
	tcase_add_test(tc, failure_limit_voids);
	tcase_add_test(tc, bound_to_kind_and_user);
	tcase_add_test(tc, expiry);
	tcase_add_loop_test(tc, lifetimes, 0, NROWS(lifetime_rows));
	tcase_add_test(tc, reserve_release_spent);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_tap(token_suite());
}
