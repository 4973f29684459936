/*
 * Unit tests of lib/codes.c: the codes' form and alphabet, what the file
 * holds (never a code), consume once, an older set refused, wrong and
 * malformed inputs refused without touching the file (one table row each),
 * the accepted input forms, a known-answer file, the strict parser (one
 * table row per corrupt file), unsafe files, and concurrent consumers of
 * one code (exactly one wins). The scrypt cost is not timed here. Run as
 * root for the wrong-owner case.
 */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codes.h"
#include "err.h"
#include "secure_file.h"
#include "util.h"
#include "testlib.h"

#define NOW ((int64_t)1700000000)
#define CODE_LEN 19   /* 4 groups of 4, 3 dashes */
#define ALPHABET "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

static char sdir[64];
static char cpath[192];

static void setup(void)
{
	strcpy(sdir, "/tmp/check_codes.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(sdir));
	snprintf(cpath, sizeof(cpath), "%s/codes/alice", sdir);
}

static void teardown(void)
{
	ck_assert_msg(test_rm_tree(AT_FDCWD, sdir), "could not remove %s", sdir);
}

static char **generate(const char *user, int n)
{
	struct pr_errbuf eb = { 0 };
	char **codes = NULL;

	ck_assert_msg(pr_codes_generate(PR_STATE_FILES(sdir), user, n, NOW, &codes, &eb) == PR_OK, "%s", eb.msg);
	ck_assert_ptr_nonnull(codes);
	return codes;
}

static int consume(const char *code)
{
	return pr_codes_consume(PR_STATE_FILES(sdir), "alice", code, NOW + 60, NULL);
}

static int remaining(void)
{
	struct pr_codes_status st;

	ck_assert_int_eq(pr_codes_status(PR_STATE_FILES(sdir), "alice", &st, NULL), PR_OK);
	return st.remaining;
}

/* codes/ (0700) and codes/alice (0600) with the given text. */
static void put_codes_file(const char *data, size_t len)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/codes", sdir);
	ck_assert(mkdir(p, 0700) == 0 || test_exists(p));
	test_write_file(cpath, data, len, 0600);
}

/* The 16 characters without dashes. */
static void bare(const char *code, char out[PR_CODE_CHARS + 1])
{
	size_t o = 0;

	for (const char *p = code; *p != '\0'; p++)
		if (*p != '-')
			out[o++] = *p;
	out[o] = '\0';
}

/* ---- the codes -------------------------------------------------------------------- */

START_TEST(form_alphabet_and_file)
{
	char **codes = generate("alice", PR_CODES_DEFAULT), *text, canon[PR_CODE_CHARS + 1];
	char lower[CODE_LEN + 1], p[160];
	struct pr_codes_status st;
	struct stat sb;

	for (int i = 0; i < PR_CODES_DEFAULT; i++) {
		ck_assert_uint_eq(strlen(codes[i]), CODE_LEN);
		for (size_t j = 0; j < CODE_LEN; j++) {
			if (j % 5 == 4)
				ck_assert_int_eq(codes[i][j], '-');
			else
				ck_assert_msg(strchr(ALPHABET, codes[i][j]) != NULL, "char %c", codes[i][j]);
		}
		for (int k = 0; k < i; k++)
			ck_assert_str_ne(codes[i], codes[k]);
	}
	ck_assert_int_eq(stat(cpath, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	snprintf(p, sizeof(p), "%s/codes", sdir);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0700);
	snprintf(p, sizeof(p), "%s/locks/alice+codes.lock", sdir);
	ck_assert(test_exists(p));
	/* Only hashes are stored. */
	text = test_slurp(cpath);
	ck_assert_ptr_eq(strstr(text, "practicerunner-codes 1\nsalt="), text);
	ck_assert_ptr_nonnull(strstr(text, " N=32768 r=8 p=1 created=1700000000\nhash="));
	for (int i = 0; i < PR_CODES_DEFAULT; i++) {
		bare(codes[i], canon);
		for (size_t j = 0; j <= CODE_LEN; j++)
			lower[j] = (char)tolower((unsigned char)codes[i][j]);
		ck_assert_ptr_null(strstr(text, codes[i]));
		ck_assert_ptr_null(strstr(text, canon));
		ck_assert_ptr_null(strstr(text, lower));
	}
	ck_assert_int_eq(pr_codes_status(PR_STATE_FILES(sdir), "alice", &st, NULL), PR_OK);
	ck_assert_int_eq(st.total, PR_CODES_DEFAULT);
	ck_assert_int_eq(st.remaining, PR_CODES_DEFAULT);
	ck_assert_int_eq(st.created, NOW);
	free(text);
	pr_codes_free(&codes, PR_CODES_DEFAULT);
	ck_assert_ptr_null(codes);
}
END_TEST

/* Every code works once; status counts down; a used code stays used. */
START_TEST(consume_each_once)
{
	char **codes = generate("alice", 4), *text;
	struct pr_codes_status st;

	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(consume(codes[i]), PR_OK);
		ck_assert_int_eq(remaining(), 3 - i);
		ck_assert_int_eq(consume(codes[i]), PR_ERR_CODE_INVALID);
	}
	ck_assert_int_eq(pr_codes_status(PR_STATE_FILES(sdir), "alice", &st, NULL), PR_OK);
	ck_assert_int_eq(st.total, 4);
	ck_assert_int_eq(st.remaining, 0);
	text = test_slurp(cpath);
	ck_assert_ptr_null(strstr(text, "used=-"));
	ck_assert_ptr_nonnull(strstr(text, " used=1700000060\n"));
	free(text);
	pr_codes_free(&codes, 4);
}
END_TEST

/* A new set replaces the old one: its codes, used or not, stop working. */
START_TEST(older_set_refused)
{
	char **old = generate("alice", 3), **cur;
	struct pr_errbuf eb = { 0 };

	ck_assert_int_eq(consume(old[0]), PR_OK);
	cur = generate("alice", 2);
	ck_assert_int_eq(remaining(), 2);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(pr_codes_consume(PR_STATE_FILES(sdir), "alice", old[i], NOW, &eb), PR_ERR_CODE_INVALID);
	ck_assert_int_eq(remaining(), 2);
	ck_assert_int_eq(consume(cur[1]), PR_OK);
	ck_assert_int_eq(remaining(), 1);
	pr_codes_free(&old, 3);
	pr_codes_free(&cur, 2);
}
END_TEST

/* Codes are bound to their user's set. */
START_TEST(other_users_code_refused)
{
	char **a = generate("alice", 1), **b = generate("bob", 1);

	ck_assert_int_eq(consume(b[0]), PR_ERR_CODE_INVALID);
	ck_assert_int_eq(pr_codes_consume(PR_STATE_FILES(sdir), "bob", a[0], NOW, NULL), PR_ERR_CODE_INVALID);
	ck_assert_int_eq(pr_codes_consume(PR_STATE_FILES(sdir), "bob", b[0], NOW, NULL), PR_OK);
	ck_assert_int_eq(remaining(), 1);
	pr_codes_free(&a, 1);
	pr_codes_free(&b, 1);
}
END_TEST

enum form { F_AS_IS, F_LOWER, F_BARE, F_SPACES, F_MIXED, F_LOOKALIKES };

/* What the person may type for code c. */
static void typed_form(enum form f, const char *c, char *out, size_t cap)
{
	size_t o = 0;
	int alt = 0;

	for (const char *p = c; *p != '\0' && o + 3 < cap; p++) {
		char ch = *p;

		switch (f) {
		case F_AS_IS: break;
		case F_LOWER: ch = (char)tolower((unsigned char)ch); break;
		case F_BARE: if (ch == '-') continue; break;
		case F_SPACES: if (ch == '-') ch = ' '; break;
		case F_MIXED:
			if (ch == '-') { out[o++] = ' '; out[o++] = '-'; ch = ' '; }
			else if (alt++ % 2) ch = (char)tolower((unsigned char)ch);
			break;
		case F_LOOKALIKES:
			if (ch == '0') ch = (alt++ % 2) ? 'o' : 'O';
			else if (ch == '1') ch = "IiLl"[alt++ % 4];
			break;
		}
		out[o++] = ch;
	}
	out[o] = '\0';
}

/* A code that contains a 0 or a 1 (so the lookalike form differs). */
static char *code_with_lookalikes(char ***codes, int n)
{
	for (int round = 0; round < 20; round++) {
		*codes = generate("alice", n);
		for (int i = 0; i < n; i++)
			if (strpbrk((*codes)[i], "01") != NULL)
				return (*codes)[i];
		pr_codes_free(codes, n);
	}
	ck_abort_msg("no code with 0 or 1 in 20 sets");
	return NULL;
}

START_TEST(accepted_forms)
{
	char **codes = NULL, typed[64], *c = code_with_lookalikes(&codes, 5);

	typed_form((enum form)_i, c, typed, sizeof(typed));
	ck_assert_msg(consume(typed) == PR_OK, "form %d: '%s'", _i, typed);
	ck_assert_int_eq(remaining(), 4);
	ck_assert_int_eq(consume(c), PR_ERR_CODE_INVALID);
	pr_codes_free(&codes, 5);
}
END_TEST

enum bad { B_CHANGED, B_ZEROS, B_SHORT, B_LONG, B_LETTER_U, B_DOT, B_TAB, B_UNICODE,
	B_EMPTY, B_DASHES, B_HUGE, B_TWO_CODES };

static void bad_form(enum bad b, const char *c, char *out, size_t cap)
{
	char canon[PR_CODE_CHARS + 1];

	bare(c, canon);
	switch (b) {
	case B_CHANGED:
		snprintf(out, cap, "%s", c);
		out[0] = out[0] == 'A' ? 'B' : 'A';
		break;
	case B_ZEROS: snprintf(out, cap, "0000-0000-0000-0000"); break;
	case B_SHORT: snprintf(out, cap, "%.15s", canon); break;
	case B_LONG: snprintf(out, cap, "%sA", canon); break;
	case B_LETTER_U: snprintf(out, cap, "%.15sU", canon); break;
	case B_DOT: snprintf(out, cap, "%.4s.%s", canon, canon + 4); break;
	case B_TAB: snprintf(out, cap, "%s\t", c); break;
	case B_UNICODE: snprintf(out, cap, "%.15s\xc3\x85", canon); break;
	case B_EMPTY: out[0] = '\0'; break;
	case B_DASHES: snprintf(out, cap, "----"); break;
	case B_HUGE:
		memset(out, '-', cap - 1);
		memcpy(out, canon, PR_CODE_CHARS);
		out[cap - 1] = '\0';
		break;
	case B_TWO_CODES: snprintf(out, cap, "%s %s", c, c); break;
	}
}

/* Refused, and the file is not rewritten. */
START_TEST(rejected_forms)
{
	char **codes = generate("alice", 2), typed[400], *before, *after;
	struct pr_errbuf eb = { 0 };
	struct stat s1, s2;

	bad_form((enum bad)_i, codes[0], typed, sizeof(typed));
	before = test_slurp(cpath);
	ck_assert_int_eq(lstat(cpath, &s1), 0);
	ck_assert_msg(pr_codes_consume(PR_STATE_FILES(sdir), "alice", typed, NOW, &eb) == PR_ERR_CODE_INVALID,
	    "row %d: %s", _i, eb.msg);
	ck_assert_ptr_null(strstr(eb.msg, codes[0]));
	after = test_slurp(cpath);
	ck_assert_int_eq(lstat(cpath, &s2), 0);
	ck_assert_str_eq(before, after);
	ck_assert_int_eq(s1.st_ino, s2.st_ino);
	ck_assert_int_eq(remaining(), 2);
	ck_assert_int_eq(consume(codes[0]), PR_OK);
	free(before);
	free(after);
	pr_codes_free(&codes, 2);
}
END_TEST

START_TEST(nothing_there)
{
	struct pr_codes_status st;
	struct pr_errbuf eb = { 0 };
	char **codes;

	ck_assert_int_eq(pr_codes_status(PR_STATE_FILES(sdir), "alice", &st, &eb), PR_ERR_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(eb.msg, "alice has no recovery codes"));
	ck_assert_int_eq(pr_codes_consume(PR_STATE_FILES(sdir), "alice", "0000-0000-0000-0000", NOW, NULL),
	    PR_ERR_NOT_FOUND);
	codes = generate("bob", 1);    /* codes/ exists, alice's file does not */
	ck_assert_int_eq(pr_codes_status(PR_STATE_FILES(sdir), "alice", &st, NULL), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_codes_consume(PR_STATE_FILES(sdir), "alice", codes[0], NOW, NULL), PR_ERR_NOT_FOUND);
	pr_codes_free(&codes, 1);
}
END_TEST

START_TEST(invalid_arguments)
{
	struct pr_codes_status st;
	char **codes = NULL;

	ck_assert_int_eq(pr_codes_generate(PR_STATE_FILES(sdir), "alice", 0, NOW, &codes, NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_codes_generate(PR_STATE_FILES(sdir), "alice", PR_CODES_MAX + 1, NOW, &codes, NULL),
	    PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_codes_generate(PR_STATE_FILES(sdir), "alice", 1, NOW, NULL, NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_codes_generate(PR_STATE_FILES(sdir), "../etc", 1, NOW, &codes, NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_codes_generate(PR_STATE_FILES(sdir), "", 1, NOW, &codes, NULL), PR_ERR_INVALID_ARG);
	ck_assert_ptr_null(codes);
	ck_assert_int_eq(pr_codes_consume(PR_STATE_FILES(sdir), "alice", NULL, NOW, NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_codes_consume(PR_STATE_FILES(sdir), "a/b", "0000-0000-0000-0000", NOW, NULL),
	    PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_codes_status(PR_STATE_FILES(sdir), "alice", NULL, NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_codes_status(PR_STATE_FILES(sdir), "..", &st, NULL), PR_ERR_INVALID_ARG);
	ck_assert(!test_exists(cpath));
	pr_codes_free(&codes, 3);   /* NULL: nothing to do */
}
END_TEST

/* ---- the file ----------------------------------------------------------------------- */

#define HDR "practicerunner-codes 1\n"
#define SALT_LINE "salt=000102030405060708090a0b0c0d0e0f N=1024 r=8 p=1 created=1700000000\n"
/* scrypt("K7QF2M9XTB4RWZ8C" / "0000111122223333", salt above, N=1024, r=8, p=1), openssl kdf */
#define H_K7QF "aa5a0836dcbbfc712dad5d3e898630031eb06bfd0370118d0daf70573ea597d5"
#define H_0000 "15c60f465dae795f5bf1b47ad9ea547e434c4eee09662008d07881ab27646439"
#define CODE1 "hash=" H_K7QF " used=-\n"
#define CODE2 "hash=" H_0000 " used=1700000500\n"
#define GOOD HDR SALT_LINE CODE1 CODE2

/* A file written by hand, with hashes from the openssl command: the format is the contract. */
START_TEST(known_answer_file)
{
	struct pr_codes_status st;
	char *text;

	put_codes_file(GOOD, strlen(GOOD));
	ck_assert_int_eq(pr_codes_status(PR_STATE_FILES(sdir), "alice", &st, NULL), PR_OK);
	ck_assert_int_eq(st.total, 2);
	ck_assert_int_eq(st.remaining, 1);
	ck_assert_int_eq(st.created, NOW);
	ck_assert_int_eq(consume("0000-1111-2222-3333"), PR_ERR_CODE_INVALID);  /* used */
	ck_assert_int_eq(consume("k7qf 2m9x tb4r wz8c"), PR_OK);
	text = test_slurp(cpath);
	ck_assert_str_eq(text, HDR SALT_LINE "hash=" H_K7QF " used=1700000060\n" CODE2);
	ck_assert_int_eq(remaining(), 0);
	free(text);
}
END_TEST

static const struct {
	const char *text;
	int line;
	const char *reason;
} bad_files[] = {
	{ "", 1, "empty file" },
	{ "\n", 1, "missing header line" },
	{ "practicerunner-invite 1\n" SALT_LINE CODE1, 1, "missing header line" },
	{ "practicerunner-codes 2\n" SALT_LINE CODE1, 1, "unsupported format version '2'" },
	{ HDR, 2, "missing salt line" },
	{ HDR SALT_LINE, 3, "no code lines" },
	{ HDR SALT_LINE CODE1 "hash=" H_0000 " used=-", 4, "last line has no newline" },
	{ HDR SALT_LINE "hash=" H_K7QF "\0 used=-\n", 3, "NUL byte" },
	{ HDR "salt=0001 N=1024 r=8 p=1 created=1\n" CODE1, 2, "salt is not 32 lower-case hex" },
	{ HDR "salt=000102030405060708090A0B0C0D0E0F N=1024 r=8 p=1 created=1\n" CODE1, 2,
	  "salt is not 32" },
	{ HDR "N=1024 salt=000102030405060708090a0b0c0d0e0f r=8 p=1 created=1\n" CODE1, 2,
	  "expected field 'salt'" },
	{ HDR "salt=000102030405060708090a0b0c0d0e0f N=1000 r=8 p=1 created=1\n" CODE1, 2,
	  "N is not a power of 2" },
	{ HDR "salt=000102030405060708090a0b0c0d0e0f N=2097152 r=8 p=1 created=1\n" CODE1, 2,
	  "N is not a power of 2" },
	{ HDR "salt=000102030405060708090a0b0c0d0e0f N=512 r=8 p=1 created=1\n" CODE1, 2,
	  "N is not a power of 2" },
	{ HDR "salt=000102030405060708090a0b0c0d0e0f N=1024 r=0 p=1 created=1\n" CODE1, 2,
	  "r out of range" },
	{ HDR "salt=000102030405060708090a0b0c0d0e0f N=1024 r=8 p=17 created=1\n" CODE1, 2,
	  "p out of range" },
	{ HDR "salt=000102030405060708090a0b0c0d0e0f N=1024 r=8 p=1\n" CODE1, 2,
	  "missing field 'created'" },
	{ HDR "salt=000102030405060708090a0b0c0d0e0f N=1024 r=8 p=1 created=-5\n" CODE1, 2,
	  "created is not a valid time" },
	{ HDR "salt=000102030405060708090a0b0c0d0e0f N=1024 r=8 p=1 created=1 x=1\n" CODE1, 2,
	  "extra text after created" },
	{ HDR SALT_LINE CODE1 "hash=" H_0000 "00 used=-\n", 4, "hash is not 64 lower-case hex" },
	{ HDR SALT_LINE "hash=" H_0000 "\n", 3, "missing field 'used'" },
	{ HDR SALT_LINE "hash=" H_0000 " used=0\n", 3, "used is neither" },
	{ HDR SALT_LINE "hash=" H_0000 " used=yes\n", 3, "used is neither" },
	{ HDR SALT_LINE "hash=" H_0000 " used=007\n", 3, "used is neither" },
	{ HDR SALT_LINE CODE1 "hash=" H_0000 " used=- x\n", 4, "extra text after used" },
	{ HDR SALT_LINE CODE1 "hash=" H_0000 " used=- x=1\n", 4, "extra text after used" },
	{ HDR SALT_LINE CODE1 "\n", 4, "expected 'hash=...'" },
	{ HDR SALT_LINE "used=- hash=" H_0000 "\n", 3, "expected field 'hash'" },
	{ HDR SALT_LINE " " CODE1, 3, "expected 'hash=...'" },
};

START_TEST(parse_bad_file_rows)
{
	const char *text = bad_files[_i].text;
	size_t len = strlen(text);
	struct pr_codes_status st;
	struct pr_errbuf eb = { 0 };
	struct stat s1, s2;
	char want[128];
	int r;

	/* The NUL row: its length is up to the end of the literal. */
	if (strstr(bad_files[_i].reason, "NUL") != NULL)
		len = strlen(text) + 1 + strlen(text + strlen(text) + 1);
	put_codes_file(text, len);
	ck_assert_int_eq(lstat(cpath, &s1), 0);
	r = pr_codes_status(PR_STATE_FILES(sdir), "alice", &st, &eb);
	ck_assert_msg(r == PR_ERR_CORRUPT, "row %d: %d (%s)", _i, r, eb.msg);
	snprintf(want, sizeof(want), "/codes/alice:%d: %s", bad_files[_i].line, bad_files[_i].reason);
	ck_assert_msg(strstr(eb.msg, want) != NULL, "row %d: '%s', want '%s'", _i, eb.msg, want);
	ck_assert_int_eq(pr_codes_consume(PR_STATE_FILES(sdir), "alice", "K7QF-2M9X-TB4R-WZ8C", NOW, &eb),
	    PR_ERR_CORRUPT);
	ck_assert_int_eq(lstat(cpath, &s2), 0);
	ck_assert_int_eq(s1.st_ino, s2.st_ino);
	ck_assert_int_eq(s1.st_size, s2.st_size);
}
END_TEST

START_TEST(too_many_codes)
{
	size_t cap = 20000, o = 0;
	char *text = malloc(cap);
	struct pr_errbuf eb = { 0 };
	struct pr_codes_status st;

	ck_assert_ptr_nonnull(text);
	o += (size_t)snprintf(text + o, cap - o, HDR SALT_LINE);
	for (int i = 0; i <= PR_CODES_MAX; i++)
		o += (size_t)snprintf(text + o, cap - o, "hash=" H_0000 " used=-\n");
	put_codes_file(text, o);
	ck_assert_int_eq(pr_codes_status(PR_STATE_FILES(sdir), "alice", &st, &eb), PR_ERR_CORRUPT);
	ck_assert_msg(strstr(eb.msg, "/codes/alice:103: more than 100 codes") != NULL, "%s", eb.msg);
	free(text);
}
END_TEST

/* A damaged set is replaced by a new one (the administrator's remedy). */
START_TEST(generate_replaces_corrupt)
{
	char **codes;

	put_codes_file(HDR "garbage\n", strlen(HDR "garbage\n"));
	codes = generate("alice", 2);
	ck_assert_int_eq(remaining(), 2);
	ck_assert_int_eq(consume(codes[0]), PR_OK);
	pr_codes_free(&codes, 2);
}
END_TEST

enum damage { D_SYMLINK, D_MODE644, D_NOBODY, D_DIR_0755 };

static const struct {
	enum damage d;
	const char *msg;
} damage_rows[] = {
	{ D_SYMLINK, "/codes/alice: is a symbolic link" },
	{ D_MODE644, "/codes/alice: has unsafe permissions" },
	{ D_NOBODY, "/codes/alice: is not owned by root" },
	{ D_DIR_0755, "/codes: has unsafe permissions" },
};

/* Refused by status, consume and generate; nothing replaced. */
START_TEST(unsafe_rows)
{
	char p[160], q[160], **codes = NULL;
	struct pr_errbuf eb = { 0 };
	struct pr_codes_status st;
	struct stat s1, s2;

	put_codes_file(GOOD, strlen(GOOD));
	snprintf(p, sizeof(p), "%s/codes", sdir);
	switch (damage_rows[_i].d) {
	case D_SYMLINK:
		snprintf(q, sizeof(q), "%s/codes/bob", sdir);
		ck_assert_int_eq(rename(cpath, q), 0);
		ck_assert_int_eq(symlink(q, cpath), 0);
		break;
	case D_MODE644: ck_assert_int_eq(chmod(cpath, 0644), 0); break;
	case D_NOBODY: ck_assert_int_eq(chown(cpath, NOBODY_UID, NOBODY_GID), 0); break;
	case D_DIR_0755: ck_assert_int_eq(chmod(p, 0755), 0); break;
	}
	ck_assert_int_eq(lstat(cpath, &s1), 0);
	ck_assert_int_eq(pr_codes_status(PR_STATE_FILES(sdir), "alice", &st, &eb), PR_ERR_UNSAFE_FILE);
	ck_assert_msg(strstr(eb.msg, damage_rows[_i].msg) != NULL, "row %d: '%s'", _i, eb.msg);
	ck_assert_int_eq(consume("K7QF-2M9X-TB4R-WZ8C"), PR_ERR_UNSAFE_FILE);
	ck_assert_int_eq(pr_codes_generate(PR_STATE_FILES(sdir), "alice", 1, NOW, &codes, NULL), PR_ERR_UNSAFE_FILE);
	ck_assert_ptr_null(codes);
	ck_assert_int_eq(lstat(cpath, &s2), 0);
	ck_assert_int_eq(s1.st_ino, s2.st_ino);
}
END_TEST

/* ---- concurrency ---------------------------------------------------------------------- */

#define RACERS 6

/* Fork n children that wait for the go signal and consume code; count exits. */
static void race(int n, const char *code, int counts[3])
{
	pid_t pids[RACERS];
	int go[2];
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
			r = consume(code);
			_exit(r == PR_OK ? 0 : r == PR_ERR_CODE_INVALID ? 1 : 2);
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

START_TEST(concurrent_consume_one_wins)
{
	char **codes = generate("alice", 3);
	int counts[3];

	for (int i = 0; i < 2; i++) {
		race(RACERS, codes[i], counts);
		ck_assert_int_eq(counts[0], 1);
		ck_assert_int_eq(counts[1], RACERS - 1);
		ck_assert_int_eq(counts[2], 0);
		ck_assert_int_eq(remaining(), 2 - i);
	}
	ck_assert_int_eq(consume(codes[2]), PR_OK);
	pr_codes_free(&codes, 3);
}
END_TEST

/* Two processes with different codes of one set: both uses are kept. */
START_TEST(concurrent_different_codes_both_kept)
{
	char **codes = generate("alice", 2);
	pid_t pid;
	int st;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(consume(codes[0]) == PR_OK ? 0 : 1);
	ck_assert_int_eq(consume(codes[1]), PR_OK);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(remaining(), 0);
	pr_codes_free(&codes, 2);
}
END_TEST

static Suite *codes_suite(void)
{
	Suite *s = suite_create("codes");
	TCase *tt = tcase_create("codes");
	TCase *tp = tcase_create("parser");
	TCase *tc = tcase_create("concurrency");

	tcase_add_checked_fixture(tt, setup, teardown);
	tcase_set_timeout(tt, 120);
	tcase_add_test(tt, form_alphabet_and_file);
	tcase_add_test(tt, consume_each_once);
	tcase_add_test(tt, older_set_refused);
	tcase_add_test(tt, other_users_code_refused);
	tcase_add_loop_test(tt, accepted_forms, F_AS_IS, F_LOOKALIKES + 1);
	tcase_add_loop_test(tt, rejected_forms, B_CHANGED, B_TWO_CODES + 1);
	tcase_add_test(tt, nothing_there);
	tcase_add_test(tt, invalid_arguments);
	suite_add_tcase(s, tt);

	tcase_add_checked_fixture(tp, setup, teardown);
	tcase_set_timeout(tp, 60);
	tcase_add_test(tp, known_answer_file);
	tcase_add_loop_test(tp, parse_bad_file_rows, 0, NROWS(bad_files));
	tcase_add_test(tp, too_many_codes);
	tcase_add_test(tp, generate_replaces_corrupt);
	tcase_add_loop_test(tp, unsafe_rows, 0, NROWS(damage_rows));
	suite_add_tcase(s, tp);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, concurrent_consume_one_wins);
	tcase_add_test(tc, concurrent_different_codes_both_kept);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP must run as root (wrong-owner cases chown to nobody)\n");
		return EXIT_SUCCESS;
	}
	return test_run_tap(codes_suite());
}
