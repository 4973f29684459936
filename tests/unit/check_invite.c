/*
 * Unit tests of lib/invite.c: the token's form and what input is accepted,
 * check/consume/expiry/failure limit/revoke, the strict parser of the
 * invitation file (one table row per malformed case), unsafe files, and
 * concurrent consumers (exactly one wins). Run as root for the
 * wrong-owner cases.
 */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <dirent.h>
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
#include "util.h"
#include "testlib.h"

#define NOW ((int64_t)1700000000)
#define DAY ((int64_t)86400)
#define TOKEN_LEN 34   /* 7 groups of 4, 6 dashes */
#define ALPHABET "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

static char sdir[64];
static char ipath[192];

static void setup(void)
{
	strcpy(sdir, "/tmp/check_invite.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(sdir));
	snprintf(ipath, sizeof(ipath), "%s/invites/alice", sdir);
}

static void teardown(void)
{
	ck_assert_msg(test_rm_tree(AT_FDCWD, sdir), "could not remove %s", sdir);
}

static char *invite(const char *user, int64_t lifetime)
{
	struct pr_errbuf eb = { 0 };
	char *t = NULL;

	ck_assert_msg(pr_invite_create(PR_STATE_FILES(sdir), user, lifetime, NOW, &t, &eb) == PR_OK, "%s", eb.msg);
	ck_assert_ptr_nonnull(t);
	return t;
}

static int failures(const char *user)
{
	struct pr_invite_info info;

	ck_assert_int_eq(pr_invite_info(PR_STATE_FILES(sdir), user, &info, NULL), PR_OK);
	return info.failures;
}

/* ---- the token ------------------------------------------------------------------ */

START_TEST(token_form_and_files)
{
	struct pr_invite_info info;
	struct stat st;
	char *t = invite("alice", PR_INVITE_DEFAULT_LIFETIME), *text, canon[32], lower[TOKEN_LEN + 1];
	char p[160], want[160];
	size_t o = 0;

	ck_assert_uint_eq(strlen(t), TOKEN_LEN);
	for (size_t i = 0; i < TOKEN_LEN; i++) {
		if (i % 5 == 4) {
			ck_assert_int_eq(t[i], '-');
			continue;
		}
		ck_assert_msg(strchr(ALPHABET, t[i]) != NULL, "char %c", t[i]);
		canon[o++] = t[i];
	}
	canon[o] = '\0';
	for (size_t i = 0; i <= TOKEN_LEN; i++)
		lower[i] = (char)tolower((unsigned char)t[i]);
	ck_assert_int_eq(stat(ipath, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	snprintf(p, sizeof(p), "%s/invites", sdir);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
	snprintf(p, sizeof(p), "%s/locks/alice+invite.lock", sdir);
	ck_assert(test_exists(p));
	/* Only the hash is stored. */
	text = test_slurp(ipath);
	ck_assert_ptr_null(strstr(text, t));
	ck_assert_ptr_null(strstr(text, canon));
	ck_assert_ptr_null(strstr(text, lower));
	ck_assert_ptr_eq(strstr(text, "practicerunner-invite 1\nhash="), text);
	snprintf(want, sizeof(want), " created=%lld expires=%lld failures=0\n",
	    (long long)NOW, (long long)(NOW + PR_INVITE_DEFAULT_LIFETIME));
	ck_assert_str_eq(text + strlen(text) - strlen(want), want);
	ck_assert_int_eq(pr_invite_info(PR_STATE_FILES(sdir), "alice", &info, NULL), PR_OK);
	ck_assert_int_eq(info.created, NOW);
	ck_assert_int_eq(info.expires, NOW + PR_INVITE_DEFAULT_LIFETIME);
	ck_assert_int_eq(info.failures, 0);
	free(text);
	pr_secret_strfree(&t);
	ck_assert_ptr_null(t);
}
END_TEST

/* A new invitation replaces the old one: only the newest token works. */
START_TEST(create_replaces)
{
	char *t1 = invite("alice", 3600), *t2 = invite("alice", 7200);
	struct pr_invite_info info;

	ck_assert_str_ne(t1, t2);
	ck_assert_int_eq(pr_invite_info(PR_STATE_FILES(sdir), "alice", &info, NULL), PR_OK);
	ck_assert_int_eq(info.expires, NOW + 7200);
	ck_assert_int_eq(pr_invite_check(PR_STATE_FILES(sdir), "alice", t1, NOW, NULL), PR_ERR_INVITE_INVALID);
	ck_assert_int_eq(pr_invite_consume(PR_STATE_FILES(sdir), "alice", t2, NOW, NULL), PR_OK);
	pr_secret_strfree(&t1);
	pr_secret_strfree(&t2);
}
END_TEST

START_TEST(check_then_consume_once)
{
	struct pr_errbuf eb = { 0 };
	char *t = invite("alice", 3600);

	ck_assert_int_eq(pr_invite_check(PR_STATE_FILES(sdir), "alice", t, NOW + 10, &eb), PR_OK);
	ck_assert_int_eq(pr_invite_check(PR_STATE_FILES(sdir), "alice", t, NOW + 20, &eb), PR_OK);
	ck_assert(test_exists(ipath));
	ck_assert_int_eq(pr_invite_consume(PR_STATE_FILES(sdir), "alice", t, NOW + 30, &eb), PR_OK);
	ck_assert(!test_exists(ipath));
	ck_assert_int_eq(pr_invite_consume(PR_STATE_FILES(sdir), "alice", t, NOW + 40, &eb), PR_ERR_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(eb.msg, "no invitation for alice"));
	ck_assert_int_eq(pr_invite_check(PR_STATE_FILES(sdir), "alice", t, NOW + 40, &eb), PR_ERR_NOT_FOUND);
	pr_secret_strfree(&t);
}
END_TEST

/* Ways a person may type the token that must be accepted. */
enum form { F_AS_IS, F_LOWER, F_NO_DASHES, F_SPACES, F_MIXED, F_PADDED, F_LOOKALIKES };

static void transform(const char *t, enum form f, char *out, size_t cap)
{
	size_t o = 0;

	for (const char *p = t; *p != '\0' && o + 3 < cap; p++) {
		char ch = *p;
		switch (f) {
		case F_LOWER: ch = (char)tolower((unsigned char)ch); break;
		case F_NO_DASHES: if (ch == '-') continue; break;
		case F_SPACES: if (ch == '-') ch = ' '; break;
		case F_MIXED:
			if (ch == '-' && (p - t) % 2)
				continue;
			if ((p - t) % 3 == 0)
				ch = (char)tolower((unsigned char)ch);
			break;
		case F_LOOKALIKES:
			ch = ch == '0' ? 'o' : ch == '1' ? ((p - t) % 2 ? 'I' : 'l') : ch;
			break;
		default: break;
		}
		if (f == F_PADDED && p == t)
			out[o++] = ' ';
		out[o++] = ch;
		if (f == F_SPACES && ch == ' ')
			out[o++] = ' ';
	}
	if (f == F_PADDED)
		out[o++] = ' ';
	out[o] = '\0';
}

START_TEST(accepted_forms)
{
	char typed[128], *t = NULL;
	int tries = 0;

	/* For the look-alikes, a token that has a 0 or a 1 to confuse. */
	do {
		pr_secret_strfree(&t);
		t = invite("alice", 3600);
	} while (_i == F_LOOKALIKES && strpbrk(t, "01") == NULL && ++tries < 200);
	transform(t, (enum form)_i, typed, sizeof(typed));
	if (_i != F_AS_IS)
		ck_assert_str_ne(typed, t);
	ck_assert_msg(pr_invite_check(PR_STATE_FILES(sdir), "alice", typed, NOW, NULL) == PR_OK, "'%s'", typed);
	ck_assert_msg(pr_invite_consume(PR_STATE_FILES(sdir), "alice", typed, NOW, NULL) == PR_OK, "'%s'", typed);
	pr_secret_strfree(&t);
}
END_TEST

/* Wrong input: each is refused and counted once, and the invitation stays. */
enum bad { B_CHANGED, B_SHORT, B_LONG, B_EXTRA_GROUP, B_EMPTY, B_U, B_TAB, B_NEWLINE,
	B_SLASH, B_OTHER_USER, B_HUGE, B_UNICODE };

static void wrong_form(const char *t, const char *other, enum bad b, char *out, size_t cap)
{
	const char *next;

	snprintf(out, cap, "%s", t);
	switch (b) {
	case B_CHANGED:
		next = strchr(ALPHABET, out[5]);
		out[5] = next[1] != '\0' ? next[1] : ALPHABET[0];
		break;
	case B_SHORT: out[strlen(out) - 1] = '\0'; break;
	case B_LONG: strcat(out, "A"); break;
	case B_EXTRA_GROUP: strcat(out, "-ABCD"); break;
	case B_EMPTY: out[0] = '\0'; break;
	case B_U: out[0] = 'U'; break;
	case B_TAB: out[4] = '\t'; break;
	case B_NEWLINE: strcat(out, "\n"); break;
	case B_SLASH: out[4] = '/'; break;
	case B_OTHER_USER: snprintf(out, cap, "%s", other); break;
	case B_HUGE:
		memset(out, ' ', cap - 1);
		out[cap - 1] = '\0';
		memcpy(out + cap - 1 - strlen(t), t, strlen(t));
		break;
	case B_UNICODE: snprintf(out, cap, "\xc3\x9c%s", t + 2); break;
	}
}

START_TEST(rejected_forms)
{
	struct pr_errbuf eb = { 0 };
	char *t = invite("alice", 3600), *other = invite("bob", 3600), typed[400];

	wrong_form(t, other, (enum bad)_i, typed, sizeof(typed));
	ck_assert_msg(pr_invite_check(PR_STATE_FILES(sdir), "alice", typed, NOW, &eb) == PR_ERR_INVITE_INVALID,
	    "row %d accepted", _i);
	ck_assert_ptr_nonnull(strstr(eb.msg, "1 of 5"));
	ck_assert_int_eq(failures("alice"), 1);
	ck_assert_int_eq(pr_invite_check(PR_STATE_FILES(sdir), "alice", t, NOW, &eb), PR_OK);
	ck_assert_int_eq(failures("bob"), 0);
	pr_secret_strfree(&t);
	pr_secret_strfree(&other);
}
END_TEST

START_TEST(failure_limit_voids)
{
	struct pr_errbuf eb = { 0 };
	char *t = invite("alice", 3600);
	const char *wrong = "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA";

	for (int i = 1; i < PR_INVITE_MAX_FAILURES; i++) {
		ck_assert_int_eq(pr_invite_consume(PR_STATE_FILES(sdir), "alice", wrong, NOW, &eb), PR_ERR_INVITE_INVALID);
		ck_assert_int_eq(failures("alice"), i);
	}
	/* Still good until the limit is reached. */
	ck_assert_int_eq(pr_invite_check(PR_STATE_FILES(sdir), "alice", t, NOW, &eb), PR_OK);
	ck_assert_int_eq(failures("alice"), PR_INVITE_MAX_FAILURES - 1);
	ck_assert_int_eq(pr_invite_check(PR_STATE_FILES(sdir), "alice", wrong, NOW, &eb), PR_ERR_INVITE_INVALID);
	ck_assert_ptr_nonnull(strstr(eb.msg, "void"));
	ck_assert(!test_exists(ipath));
	ck_assert_int_eq(pr_invite_consume(PR_STATE_FILES(sdir), "alice", t, NOW, &eb), PR_ERR_NOT_FOUND);
	pr_secret_strfree(&t);
}
END_TEST

/* The web gate's check: wrong tokens are the caller's to count, never the invitation's. */
START_TEST(match_does_not_count)
{
	struct pr_errbuf eb = { 0 };
	char *t = invite("alice", 3600);
	const char *wrong = "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA";

	for (int i = 0; i < 2 * PR_INVITE_MAX_FAILURES; i++)
		ck_assert_int_eq(pr_invite_match(PR_STATE_FILES(sdir), "alice", wrong, NOW, &eb),
		    PR_ERR_INVITE_INVALID);
	ck_assert_int_eq(failures("alice"), 0);
	ck_assert_int_eq(pr_invite_match(PR_STATE_FILES(sdir), "alice", t, NOW, &eb), PR_OK);
	ck_assert_int_eq(pr_invite_match(PR_STATE_FILES(sdir), "bob", t, NOW, &eb), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_invite_match(PR_STATE_FILES(sdir), "alice", t, NOW + 3600, &eb),
	    PR_ERR_EXPIRED);
	pr_secret_strfree(&t);
}
END_TEST

/* Expiry: the last valid second, the first expired one; expiry beats a wrong token. */
START_TEST(expiry)
{
	struct pr_errbuf eb = { 0 };
	char *t = invite("alice", 3600);

	ck_assert_int_eq(pr_invite_check(PR_STATE_FILES(sdir), "alice", t, NOW + 3599, &eb), PR_OK);
	ck_assert_int_eq(pr_invite_check(PR_STATE_FILES(sdir), "alice", "wrong", NOW + 3600, &eb), PR_ERR_EXPIRED);
	ck_assert_ptr_nonnull(strstr(eb.msg, "expired at 2023-11-14 23:13 UTC"));
	ck_assert(!test_exists(ipath));
	ck_assert_int_eq(pr_invite_consume(PR_STATE_FILES(sdir), "alice", t, NOW + 3600, &eb), PR_ERR_NOT_FOUND);
	pr_secret_strfree(&t);
	t = invite("alice", 60);
	ck_assert_int_eq(pr_invite_consume(PR_STATE_FILES(sdir), "alice", t, NOW + 86400, &eb), PR_ERR_EXPIRED);
	ck_assert(!test_exists(ipath));
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(revoke_removes)
{
	struct pr_errbuf eb = { 0 };
	struct pr_invite_info info;
	char *t = invite("alice", 3600);

	ck_assert_int_eq(pr_invite_revoke(PR_STATE_FILES(sdir), "bob", &eb), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_invite_revoke(PR_STATE_FILES(sdir), "alice", &eb), PR_OK);
	ck_assert(!test_exists(ipath));
	ck_assert_int_eq(pr_invite_check(PR_STATE_FILES(sdir), "alice", t, NOW, &eb), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_invite_info(PR_STATE_FILES(sdir), "alice", &info, &eb), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_invite_revoke(PR_STATE_FILES(sdir), "alice", &eb), PR_ERR_NOT_FOUND);
	pr_secret_strfree(&t);
}
END_TEST

/* No invites/ directory, no state directory: nothing to find, nothing created. */
START_TEST(nothing_there)
{
	struct pr_invite_info info;
	char missing[128], p[160];

	ck_assert_int_eq(pr_invite_check(PR_STATE_FILES(sdir), "alice", "x", NOW, NULL), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_invite_consume(PR_STATE_FILES(sdir), "alice", "x", NOW, NULL), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_invite_info(PR_STATE_FILES(sdir), "alice", &info, NULL), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_invite_revoke(PR_STATE_FILES(sdir), "alice", NULL), PR_ERR_NOT_FOUND);
	snprintf(p, sizeof(p), "%s/invites", sdir);
	ck_assert(!test_exists(p));
	snprintf(missing, sizeof(missing), "%s/nonexistent", sdir);
	ck_assert_int_eq(pr_invite_check(PR_STATE_FILES(missing), "alice", "x", NOW, NULL), PR_ERR_NOT_FOUND);
	ck_assert(!test_exists(missing));
}
END_TEST

/* The stored hash is bound to the user: a file copied to another name matches nothing. */
START_TEST(hash_bound_to_user)
{
	char *t = invite("alice", 3600), *text = test_slurp(ipath), bobpath[160];

	snprintf(bobpath, sizeof(bobpath), "%s/invites/bob", sdir);
	test_write_file(bobpath, text, strlen(text), 0600);
	ck_assert_int_eq(pr_invite_check(PR_STATE_FILES(sdir), "bob", t, NOW, NULL), PR_ERR_INVITE_INVALID);
	ck_assert_int_eq(pr_invite_check(PR_STATE_FILES(sdir), "alice", t, NOW, NULL), PR_OK);
	free(text);
	pr_secret_strfree(&t);
}
END_TEST

/* ---- arguments ----------------------------------------------------------------------- */

static const char *const bad_users[] = {
	"", "..", "../etc", "a/b", ".hidden", "-x", "a b", "a\nb", "a+invite",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
};

START_TEST(invalid_user_names)
{
	struct pr_invite_info info;
	char *t = (char *)"x";
	DIR *d;
	int entries = 0;

	ck_assert_int_eq(pr_invite_create(PR_STATE_FILES(sdir), bad_users[_i], 3600, NOW, &t, NULL), PR_ERR_INVALID_ARG);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(pr_invite_check(PR_STATE_FILES(sdir), bad_users[_i], "x", NOW, NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_invite_consume(PR_STATE_FILES(sdir), bad_users[_i], "x", NOW, NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_invite_info(PR_STATE_FILES(sdir), bad_users[_i], &info, NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_invite_revoke(PR_STATE_FILES(sdir), bad_users[_i], NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_invite_check(PR_STATE_FILES(sdir), NULL, "x", NOW, NULL), PR_ERR_INVALID_ARG);
	d = opendir(sdir);
	ck_assert_ptr_nonnull(d);
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		entries += e->d_name[0] != '.';
	closedir(d);
	ck_assert_int_eq(entries, 0);
}
END_TEST

static const struct {
	int64_t lifetime;
	int64_t now;
	int want;
} lifetime_rows[] = {
	{ 1, NOW, PR_OK },
	{ 30 * DAY, NOW, PR_OK },
	{ 30 * DAY + 1, NOW, PR_ERR_INVALID_ARG },
	{ 0, NOW, PR_ERR_INVALID_ARG },
	{ -3600, NOW, PR_ERR_INVALID_ARG },
	{ 3600, -1, PR_ERR_INVALID_ARG },
	{ 3600, INT64_MAX - 100, PR_ERR_INVALID_ARG },
};

START_TEST(lifetime_limits)
{
	char *t = NULL;

	ck_assert_int_eq(pr_invite_create(PR_STATE_FILES(sdir), "alice", lifetime_rows[_i].lifetime,
	    lifetime_rows[_i].now, &t, NULL), lifetime_rows[_i].want);
	ck_assert(lifetime_rows[_i].want == PR_OK ? t != NULL : t == NULL);
	ck_assert(test_exists(ipath) == (lifetime_rows[_i].want == PR_OK));
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(null_arguments)
{
	struct pr_errbuf eb = { 0 };
	char *t = NULL;

	ck_assert_int_eq(pr_invite_create(PR_STATE_FILES(sdir), "alice", 3600, NOW, NULL, &eb), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_invite_create(PR_STATE_FILES(NULL), "alice", 3600, NOW, &t, &eb), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_invite_create(PR_STATE_FILES(""), "alice", 3600, NOW, &t, &eb), PR_ERR_INVALID_ARG);
	t = invite("alice", 3600);
	ck_assert_int_eq(pr_invite_check(PR_STATE_FILES(sdir), "alice", NULL, NOW, &eb), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_invite_consume(PR_STATE_FILES(sdir), "alice", t, -5, &eb), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_invite_info(PR_STATE_FILES(sdir), "alice", NULL, &eb), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(failures("alice"), 0);
	pr_secret_strfree(&t);
}
END_TEST

/* ---- the strict parser: one row per malformed file --------------------------------- */

#define HDR "practicerunner-invite 1\n"
#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define GOOD "hash=" H64 " created=1700000000 expires=1700003600 failures=0\n"

static const struct {
	const char *text;
	size_t len;   /* 0: strlen */
	int line;
	const char *why;
} bad_files[] = {
	{ "", 0, 1, "empty file" },
	{ "practicerunner-invite 2\n" GOOD, 0, 1, "unsupported format version '2'" },
	{ "practicerunner-invite 1 \n" GOOD, 0, 1, "unsupported format version" },
	{ GOOD, 0, 1, "missing header line" },
	{ "# note\n" HDR GOOD, 0, 1, "missing header line" },
	{ HDR, 0, 2, "missing invitation line" },
	{ HDR GOOD GOOD, 0, 3, "more than one invitation line" },
	{ HDR GOOD "\n", 0, 3, "more than one invitation line" },
	{ HDR "\n" GOOD, 0, 2, "expected 'hash=...'" },
	{ HDR "hash=" H64, 0, 2, "no newline" },
	{ HDR "hash=" H64 " created=1", 0, 2, "no newline" },
	{ HDR "hash=0123 created=1700000000 expires=1700003600 failures=0\n", 0, 2, "64 lower-case hex" },
	{ HDR "hash=" H64 "00 created=1700000000 expires=1700003600 failures=0\n", 0, 2, "hex" },
	{ HDR "hash=0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef created=1700000000 expires=1700003600 failures=0\n", 0, 2, "hex" },
	{ HDR "hash=g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef created=1700000000 expires=1700003600 failures=0\n", 0, 2, "hex" },
	{ HDR "hash= created=1700000000 expires=1700003600 failures=0\n", 0, 2, "hex" },
	{ HDR "created=1700000000 hash=" H64 " expires=1700003600 failures=0\n", 0, 2, "expected field 'hash'" },
	{ HDR "hash=" H64 " expires=1700003600 created=1700000000 failures=0\n", 0, 2, "expected field 'created'" },
	{ HDR "hash=" H64 " created=01700000000 expires=1700003600 failures=0\n", 0, 2, "created is not" },
	{ HDR "hash=" H64 " created=-1 expires=1700003600 failures=0\n", 0, 2, "created is not" },
	{ HDR "hash=" H64 " created=1700000000 expires=soon failures=0\n", 0, 2, "expires is not" },
	{ HDR "hash=" H64 " created=1700000000 expires=99999999999999999999 failures=0\n", 0, 2, "expires is not" },
	{ HDR "hash=" H64 " created=1700000000 expires=1700000000 failures=0\n", 0, 2, "within 30 days" },
	{ HDR "hash=" H64 " created=1700000000 expires=1600000000 failures=0\n", 0, 2, "within 30 days" },
	{ HDR "hash=" H64 " created=1700000000 expires=1702592001 failures=0\n", 0, 2, "within 30 days" },
	{ HDR "hash=" H64 " created=1700000000 expires=1700003600 failures=6\n", 0, 2, "failures out of range (0..5)" },
	{ HDR "hash=" H64 " created=1700000000 expires=1700003600 failures=-1\n", 0, 2, "failures out of range" },
	{ HDR "hash=" H64 " created=1700000000 expires=1700003600 failures=x\n", 0, 2, "failures out of range" },
	{ HDR "hash=" H64 " created=1700000000 expires=1700003600\n", 0, 2, "missing field 'failures'" },
	{ HDR "hash=" H64 " created=1700000000 expires=1700003600 failures=0 token=AAAA\n", 0, 2, "extra text" },
	{ HDR "hash=" H64 " created=1700000000 expires=1700003600 failures=0 \n", 0, 2, "extra text" },
	{ HDR "hash=" H64 "  created=1700000000 expires=1700003600 failures=0\n", 0, 2, "expected 'created=...'" },
	{ HDR "hash=" H64 " created=1700000000 expires=1700003600 failures=0\r\n", 0, 2, "failures out of range" },
	{ HDR "hash=" H64 " created=1700000000 expires=1700003600 failures=0\n", 0, 2, "NUL byte" }, /* NUL patched in */
	{ HDR "hash=" H64 " created=1700000000\0 expires=1700003600 failures=0\n",
	  sizeof(HDR "hash=" H64 " created=1700000000\0 expires=1700003600 failures=0\n") - 1, 2, "NUL byte" },
};

/* alice's file holds text; invites/ made by inviting bob. */
static void put_invite_file(const char *text, size_t len)
{
	char *t = invite("bob", 3600);

	pr_secret_strfree(&t);
	test_write_file(ipath, text, len, 0600);
}

START_TEST(parse_bad_file_rows)
{
	struct pr_errbuf eb = { 0 };
	struct pr_invite_info info;
	struct stat before, after;
	char want[256], *t = NULL, *text;
	size_t len = bad_files[_i].len ? bad_files[_i].len : strlen(bad_files[_i].text);

	put_invite_file(bad_files[_i].text, len);
	if (_i == NROWS(bad_files) - 2) {  /* the NUL row without a literal NUL */
		int fd = open(ipath, O_WRONLY | O_CLOEXEC);
		ck_assert_int_eq(pwrite(fd, "", 1, (off_t)strlen(HDR) + 3), 1);
		close(fd);
	}
	ck_assert_int_eq(lstat(ipath, &before), 0);
	snprintf(want, sizeof(want), "%s:%d: ", ipath, bad_files[_i].line);
	ck_assert_int_eq(pr_invite_info(PR_STATE_FILES(sdir), "alice", &info, &eb), PR_ERR_CORRUPT);
	ck_assert_msg(strncmp(eb.msg, want, strlen(want)) == 0, "row %d: '%s' not at '%s'", _i,
	    eb.msg, want);
	ck_assert_msg(strstr(eb.msg, bad_files[_i].why) != NULL, "row %d: '%s' lacks '%s'", _i,
	    eb.msg, bad_files[_i].why);
	ck_assert_int_eq(pr_invite_check(PR_STATE_FILES(sdir), "alice", "x", NOW, &eb), PR_ERR_CORRUPT);
	ck_assert_int_eq(pr_invite_consume(PR_STATE_FILES(sdir), "alice", "x", NOW, &eb), PR_ERR_CORRUPT);
	ck_assert_int_eq(pr_invite_create(PR_STATE_FILES(sdir), "alice", 3600, NOW, &t, &eb), PR_ERR_CORRUPT);
	ck_assert_ptr_nonnull(strstr(eb.msg, "revoke the invitation"));
	ck_assert_ptr_null(t);
	/* Never rewritten, never removed but by revoke. */
	ck_assert_int_eq(lstat(ipath, &after), 0);
	ck_assert_int_eq(before.st_ino, after.st_ino);
	ck_assert_int_eq(before.st_size, after.st_size);
	text = test_slurp(ipath);
	ck_assert_mem_eq(text, bad_files[_i].text, _i == NROWS(bad_files) - 2 ? strlen(HDR) : len);
	free(text);
	ck_assert_int_eq(pr_invite_revoke(PR_STATE_FILES(sdir), "alice", &eb), PR_OK);
	ck_assert(!test_exists(ipath));
}
END_TEST

/* The reference line itself parses, so the rows above fail for their one defect. */
START_TEST(parse_good_reference)
{
	struct pr_invite_info info;

	put_invite_file(HDR GOOD, strlen(HDR GOOD));
	ck_assert_int_eq(pr_invite_info(PR_STATE_FILES(sdir), "alice", &info, NULL), PR_OK);
	ck_assert_int_eq(info.created, 1700000000);
	ck_assert_int_eq(info.expires, 1700003600);
	ck_assert_int_eq(pr_invite_check(PR_STATE_FILES(sdir), "alice", "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA",
	    NOW, NULL), PR_ERR_INVITE_INVALID);
	ck_assert_int_eq(failures("alice"), 1);
}
END_TEST

/* ---- unsafe files ------------------------------------------------------------------- */

enum damage { D_SYMLINK, D_MODE644, D_NOBODY, D_FIFO, D_DIR_0755, D_DIR_SYMLINK, D_TOO_BIG };

static const struct {
	enum damage d;
	int want;
	const char *msg;
} damage_rows[] = {
	{ D_SYMLINK, PR_ERR_UNSAFE_FILE, "/invites/alice: is a symbolic link" },
	{ D_MODE644, PR_ERR_UNSAFE_FILE, "/invites/alice: has unsafe permissions" },
	{ D_NOBODY, PR_ERR_UNSAFE_FILE, "/invites/alice: is not owned by root" },
	{ D_FIFO, PR_ERR_UNSAFE_FILE, "/invites/alice: is not of the expected type" },
	{ D_DIR_0755, PR_ERR_UNSAFE_FILE, "/invites: has unsafe permissions" },
	{ D_DIR_SYMLINK, PR_ERR_UNSAFE_FILE, "/invites: is a symbolic link" },
	{ D_TOO_BIG, PR_ERR_CORRUPT, "/invites/alice: larger than 4096 bytes" },
};

static void apply_damage(enum damage d)
{
	char p[160], q[160], big[5000];

	put_invite_file(HDR GOOD, strlen(HDR GOOD));
	snprintf(p, sizeof(p), "%s/invites", sdir);
	switch (d) {
	case D_SYMLINK:
		snprintf(q, sizeof(q), "%s/invites/bob", sdir);
		ck_assert_int_eq(unlink(ipath), 0);
		ck_assert_int_eq(symlink(q, ipath), 0);
		break;
	case D_MODE644: ck_assert_int_eq(chmod(ipath, 0644), 0); break;
	case D_NOBODY: ck_assert_int_eq(chown(ipath, NOBODY_UID, NOBODY_GID), 0); break;
	case D_FIFO:
		ck_assert_int_eq(unlink(ipath), 0);
		ck_assert_int_eq(mkfifo(ipath, 0600), 0);
		break;
	case D_DIR_0755: ck_assert_int_eq(chmod(p, 0755), 0); break;
	case D_DIR_SYMLINK:
		snprintf(q, sizeof(q), "%s/real-invites", sdir);
		ck_assert_int_eq(rename(p, q), 0);
		ck_assert_int_eq(symlink("real-invites", p), 0);
		snprintf(ipath, sizeof(ipath), "%s/alice", q);
		break;
	case D_TOO_BIG:
		memset(big, '\n', sizeof(big));
		memcpy(big, HDR, strlen(HDR));
		test_write_file(ipath, big, sizeof(big), 0600);
		break;
	}
}

START_TEST(damaged_rows)
{
	struct pr_errbuf eb = { 0 };
	struct pr_invite_info info;
	struct stat before, after;
	int r;

	apply_damage(damage_rows[_i].d);
	ck_assert_int_eq(lstat(ipath, &before), 0);
	r = pr_invite_info(PR_STATE_FILES(sdir), "alice", &info, &eb);
	ck_assert_msg(r == damage_rows[_i].want, "row %d: %d (%s)", _i, r, eb.msg);
	ck_assert_msg(strstr(eb.msg, damage_rows[_i].msg) != NULL, "row %d: '%s'", _i, eb.msg);
	ck_assert_int_eq(pr_invite_check(PR_STATE_FILES(sdir), "alice", "x", NOW, &eb), damage_rows[_i].want);
	ck_assert_int_eq(pr_invite_consume(PR_STATE_FILES(sdir), "alice", "x", NOW, &eb), damage_rows[_i].want);
	ck_assert_int_eq(lstat(ipath, &after), 0);
	ck_assert_int_eq(before.st_ino, after.st_ino);
	ck_assert_int_eq(before.st_mtime, after.st_mtime);
}
END_TEST

/* ---- concurrency ---------------------------------------------------------------------- */

#define RACERS 8

/* Fork n children that wait for the go signal, run fn, and exit with its mapping. */
static void race(int n, int (*fn)(const char *token), const char *token, int counts[3])
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
			r = fn(token);
			_exit(r == PR_OK ? 0 : r == PR_ERR_NOT_FOUND ? 1 : 2);
		}
	}
	close(go[0]);
	close(go[1]);  /* everyone starts now */
	counts[0] = counts[1] = counts[2] = 0;
	for (int i = 0; i < n; i++) {
		int st;
		ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) <= 2);
		counts[WEXITSTATUS(st)]++;
	}
}

static int do_consume(const char *token)
{
	return pr_invite_consume(PR_STATE_FILES(sdir), "alice", token, NOW, NULL);
}

static int do_wrong(const char *token)
{
	(void)token;
	return pr_invite_check(PR_STATE_FILES(sdir), "alice", "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA", NOW, NULL) ==
	    PR_ERR_INVITE_INVALID ? PR_OK : PR_ERR_IO;
}

START_TEST(concurrent_consume_one_wins)
{
	int counts[3];

	for (int round = 0; round < 5; round++) {
		char *t = invite("alice", 3600);
		race(RACERS, do_consume, t, counts);
		ck_assert_int_eq(counts[0], 1);
		ck_assert_int_eq(counts[1], RACERS - 1);
		ck_assert_int_eq(counts[2], 0);
		ck_assert(!test_exists(ipath));
		pr_secret_strfree(&t);
	}
}
END_TEST

START_TEST(concurrent_failures_all_counted)
{
	char *t = invite("alice", 3600);
	int counts[3];

	race(PR_INVITE_MAX_FAILURES - 1, do_wrong, NULL, counts);
	ck_assert_int_eq(counts[0], PR_INVITE_MAX_FAILURES - 1);
	ck_assert_int_eq(failures("alice"), PR_INVITE_MAX_FAILURES - 1);
	ck_assert_int_eq(pr_invite_consume(PR_STATE_FILES(sdir), "alice", t, NOW, NULL), PR_OK);
	pr_secret_strfree(&t);
}
END_TEST

static Suite *invite_suite(void)
{
	Suite *s = suite_create("invite");
	TCase *tt = tcase_create("token");
	TCase *tp = tcase_create("parser");
	TCase *tc = tcase_create("concurrency");

	tcase_add_checked_fixture(tt, setup, teardown);
	tcase_add_test(tt, token_form_and_files);
	tcase_add_test(tt, create_replaces);
	tcase_add_test(tt, check_then_consume_once);
	tcase_add_loop_test(tt, accepted_forms, F_AS_IS, F_LOOKALIKES + 1);
	tcase_add_loop_test(tt, rejected_forms, B_CHANGED, B_UNICODE + 1);
	tcase_add_test(tt, failure_limit_voids);
	tcase_add_test(tt, match_does_not_count);
	tcase_add_test(tt, expiry);
	tcase_add_test(tt, revoke_removes);
	tcase_add_test(tt, nothing_there);
	tcase_add_test(tt, hash_bound_to_user);
	tcase_add_loop_test(tt, invalid_user_names, 0, NROWS(bad_users));
	tcase_add_loop_test(tt, lifetime_limits, 0, NROWS(lifetime_rows));
	tcase_add_test(tt, null_arguments);
	suite_add_tcase(s, tt);

	tcase_add_checked_fixture(tp, setup, teardown);
	tcase_add_test(tp, parse_good_reference);
	tcase_add_loop_test(tp, parse_bad_file_rows, 0, NROWS(bad_files));
	tcase_add_loop_test(tp, damaged_rows, 0, NROWS(damage_rows));
	suite_add_tcase(s, tp);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, concurrent_consume_one_wins);
	tcase_add_test(tc, concurrent_failures_all_counted);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP must run as root (wrong-owner cases chown to nobody)\n");
		return EXIT_SUCCESS;
	}
	return test_run_tap(invite_suite());
}
