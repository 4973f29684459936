/*
 * Unit tests of lib/ssh/sshkey.c: real FIDO SSH keys made by ssh-keygen with the
 * softkey provider (tests/data/ssh, make-fixtures.sh), their fingerprints
 * as ssh-keygen -l prints them, authorized_keys lines, and every kind of
 * malformed or foreign key refused.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ssh/sshkey.h"
#include "testlib.h"

#define DATA TOP_SRCDIR "/tests/data/ssh/"

static char *fixture(const char *name)
{
	char path[512];
	char *s;

	snprintf(path, sizeof(path), DATA "%s", name);
	ck_assert_ptr_nonnull(s = test_slurp(path));
	return s;
}

static const struct {
	const char *name;
	enum pr_sshkey_type type;
	int alg;
	size_t pk_len;
} keys[] = {
	{ "yubikey5-ed25519-sk", PR_SSHKEY_ED25519_SK, -8, 32 },
	{ "yubikey5-ecdsa-sk", PR_SSHKEY_ECDSA_SK, -7, 64 },
	{ "synced-ed25519-sk", PR_SSHKEY_ED25519_SK, -8, 32 },
	{ "synced-ecdsa-sk", PR_SSHKEY_ECDSA_SK, -7, 64 },
	{ "selfattested-ed25519-sk", PR_SSHKEY_ED25519_SK, -8, 32 },
	{ "u2f-ecdsa-sk", PR_SSHKEY_ECDSA_SK, -7, 64 },
};

/* "TYPE BASE64" of a key line: its first two words. */
static char *first_two_words(const char *line)
{
	const char *sp = strchr(line, ' ');
	const char *end;

	ck_assert_ptr_nonnull(sp);
	end = strpbrk(sp + 1, " \n");
	return strndup(line, end != NULL ? (size_t)(end - line) : strlen(line));
}

START_TEST(real_keys)
{
	char name[128], fp[PR_SSH_FP_LEN + 1];
	struct pr_errbuf eb = { 0 };
	char *line, *want_fp, *out = NULL, *two;
	struct pr_sshkey k, again;

	snprintf(name, sizeof(name), "%s.pub", keys[_i].name);
	line = fixture(name);
	snprintf(name, sizeof(name), "%s.fp", keys[_i].name);
	want_fp = fixture(name);
	want_fp[strcspn(want_fp, "\n")] = '\0';
	ck_assert_msg(pr_sshkey_parse_line(line, &k, &eb) == PR_OK, "%s", eb.msg);
	/* A success leaves eb as it was: callers reuse one buffer for several steps. */
	ck_assert_str_eq(eb.msg, "");
	ck_assert_int_eq(k.type, keys[_i].type);
	ck_assert_int_eq(k.cose_alg, keys[_i].alg);
	ck_assert_uint_eq(k.pubkey_len, keys[_i].pk_len);
	ck_assert_str_eq(k.application, "ssh:");
	ck_assert_int_eq(pr_sshkey_fingerprint(&k, fp), PR_OK);
	ck_assert_str_eq(fp, want_fp);
	/* Back to a line: the same type and base64 as ssh-keygen wrote. */
	two = first_two_words(line);
	ck_assert_int_eq(pr_sshkey_format(&k, NULL, NULL, &out), PR_OK);
	ck_assert_str_eq(out, two);
	free(out);
	/* From what the store keeps, the same key. */
	ck_assert_int_eq(pr_sshkey_from_parts(k.cose_alg, k.pubkey, k.pubkey_len,
	    k.application, &again), PR_OK);
	ck_assert_uint_eq(again.blob_len, k.blob_len);
	ck_assert_mem_eq(again.blob, k.blob, k.blob_len);
	pr_sshkey_clear(&again);
	free(two);
	pr_sshkey_clear(&k);
	free(line);
	free(want_fp);
}
END_TEST

START_TEST(format_with_options)
{
	char *line = fixture("yubikey5-ed25519-sk.pub"), *out = NULL, *two;
	struct pr_sshkey k;
	char want[1024];

	ck_assert_int_eq(pr_sshkey_parse_line(line, &k, NULL), PR_OK);
	two = first_two_words(line);
	ck_assert_int_eq(pr_sshkey_format(&k, "verify-required", "alice key", &out), PR_OK);
	snprintf(want, sizeof(want), "verify-required %s alice key", two);
	ck_assert_str_eq(out, want);
	free(out);
	ck_assert_int_eq(pr_sshkey_format(&k, "a\nb", NULL, &out), PR_ERR_INVALID_ARG);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(pr_sshkey_format(&k, NULL, "x\ny", &out), PR_ERR_INVALID_ARG);
	/* The printed line parses back to the same key. */
	ck_assert_int_eq(pr_sshkey_format(&k, NULL, "c", &out), PR_OK);
	pr_sshkey_clear(&k);
	ck_assert_int_eq(pr_sshkey_parse_line(out, &k, NULL), PR_OK);
	free(out);
	pr_sshkey_clear(&k);
	free(two);
	free(line);
}
END_TEST

START_TEST(blank_and_comment_forms)
{
	char *line = fixture("yubikey5-ecdsa-sk.pub"), *two = first_two_words(line);
	char buf[2048];
	struct pr_sshkey k;

	snprintf(buf, sizeof(buf), "  %s\n", two);
	ck_assert_int_eq(pr_sshkey_parse_line(buf, &k, NULL), PR_OK);
	pr_sshkey_clear(&k);
	snprintf(buf, sizeof(buf), "%s\tsome comment with spaces", two);
	ck_assert_int_eq(pr_sshkey_parse_line(buf, &k, NULL), PR_OK);
	pr_sshkey_clear(&k);
	free(two);
	free(line);
}
END_TEST

/* Lines that are not one FIDO key. */
static const struct {
	const char *line;
	int err;
} bad_lines[] = {
	{ "", PR_ERR_CORRUPT },
	{ "   \n", PR_ERR_CORRUPT },
	{ "sk-ssh-ed25519@openssh.com", PR_ERR_CORRUPT },
	{ "sk-ssh-ed25519@openssh.com !!!!", PR_ERR_CORRUPT },
	{ "sk-ssh-ed25519@openssh.com AAAA", PR_ERR_CORRUPT },
	{ "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t", PR_ERR_CORRUPT },
	{ "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAA", PR_ERR_CORRUPT },
	{ "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7", PR_ERR_ALGORITHM },
	{ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIND/XhFiyybZwcCJSY6rp3lyN/VGmrurzZl/OvScXcN",
	    PR_ERR_ALGORITHM },
	{ "ecdsa-sha2-nistp256 AAAA", PR_ERR_ALGORITHM },
	{ "verify-required sk-ssh-ed25519@openssh.com AAAA", PR_ERR_ALGORITHM },
	{ "sk-ssh-ed25519@openssh.com AAAAC3NzaC1lZDI1NTE5AAAAIIND/XhFiyybZwcCJSY6rp3lyN/"
	    "VGmrurzZl/OvScXcN", PR_ERR_ALGORITHM },   /* a plain key in an sk line */
};

START_TEST(bad_line)
{
	struct pr_errbuf eb = { 0 };
	struct pr_sshkey k;

	ck_assert_int_eq(pr_sshkey_parse_line(bad_lines[_i].line, &k, &eb),
	    bad_lines[_i].err);
	ck_assert_ptr_null(k.blob);
	ck_assert(eb.msg[0] != '\0');
}
END_TEST

/* Real lines made wrong: two keys, control characters, overlong, bad base64. */
START_TEST(bad_real_lines)
{
	char *line = fixture("synced-ed25519-sk.pub"), *two = first_two_words(line);
	char *other = fixture("yubikey5-ecdsa-sk.pub"), *big;
	char buf[4096];
	struct pr_errbuf eb = { 0 };
	struct pr_sshkey k;
	size_t n;

	snprintf(buf, sizeof(buf), "%s\n%s", two, two);
	ck_assert_int_eq(pr_sshkey_parse_line(buf, &k, &eb), PR_ERR_CORRUPT);
	snprintf(buf, sizeof(buf), "%s\r\n", two);
	ck_assert_int_eq(pr_sshkey_parse_line(buf, &k, &eb), PR_ERR_CORRUPT);
	snprintf(buf, sizeof(buf), "%s \x01", two);
	ck_assert_int_eq(pr_sshkey_parse_line(buf, &k, &eb), PR_ERR_CORRUPT);
	/* Type word of one kind, blob of the other. */
	snprintf(buf, sizeof(buf), "%s %s", PR_SSHKEY_ECDSA_NAME, strchr(two, ' ') + 1);
	ck_assert_int_eq(pr_sshkey_parse_line(buf, &k, &eb), PR_ERR_CORRUPT);
	/* Base64 cut short, padding removed, a character flipped to non-base64. */
	n = strlen(two);
	snprintf(buf, sizeof(buf), "%.*s", (int)(n - 4), two);
	ck_assert_int_eq(pr_sshkey_parse_line(buf, &k, &eb), PR_ERR_CORRUPT);
	snprintf(buf, sizeof(buf), "%s", two);
	while (buf[strlen(buf) - 1] == '=')
		buf[strlen(buf) - 1] = '\0';
	if (strlen(buf) != n)
		ck_assert_int_eq(pr_sshkey_parse_line(buf, &k, &eb), PR_ERR_CORRUPT);
	snprintf(buf, sizeof(buf), "%s", two);
	buf[n - 6] = '*';
	ck_assert_int_eq(pr_sshkey_parse_line(buf, &k, &eb), PR_ERR_CORRUPT);
	/* Too long. */
	ck_assert_ptr_nonnull(big = malloc(PR_SSH_LINE_MAX + 100));
	memset(big, 'x', PR_SSH_LINE_MAX + 99);
	big[PR_SSH_LINE_MAX + 99] = '\0';
	memcpy(big, two, strlen(two));
	big[strlen(two)] = ' ';
	ck_assert_int_eq(pr_sshkey_parse_line(big, &k, &eb), PR_ERR_CORRUPT);
	free(big);
	free(other);
	free(two);
	free(line);
}
END_TEST

/* ---- blobs built by hand ------------------------------------------------------- */

struct blob {
	unsigned char b[1024];
	size_t n;
};

static void put(struct blob *b, const void *s, size_t len)
{
	b->b[b->n++] = (unsigned char)(len >> 24);
	b->b[b->n++] = (unsigned char)(len >> 16);
	b->b[b->n++] = (unsigned char)(len >> 8);
	b->b[b->n++] = (unsigned char)len;
	memcpy(b->b + b->n, s, len);
	b->n += len;
}

static void puts_(struct blob *b, const char *s)
{
	put(b, s, strlen(s));
}

/* The P-256 point of a real key, for blobs that vary one other field. */
static void real_point(unsigned char q[65])
{
	char *line = fixture("yubikey5-ecdsa-sk.pub");
	struct pr_sshkey k;

	ck_assert_int_eq(pr_sshkey_parse_line(line, &k, NULL), PR_OK);
	q[0] = 0x04;
	memcpy(q + 1, k.pubkey, 64);
	pr_sshkey_clear(&k);
	free(line);
}

START_TEST(blob_every_truncation)
{
	unsigned char q[65];
	struct blob b = { .n = 0 };
	struct pr_sshkey k;

	real_point(q);
	puts_(&b, PR_SSHKEY_ECDSA_NAME);
	puts_(&b, "nistp256");
	put(&b, q, sizeof(q));
	puts_(&b, "ssh:");
	ck_assert_int_eq(pr_sshkey_parse_blob(b.b, b.n, &k, NULL), PR_OK);
	pr_sshkey_clear(&k);
	for (size_t n = 0; n < b.n; n++)
		ck_assert_int_eq(pr_sshkey_parse_blob(b.b, n, &k, NULL), PR_ERR_CORRUPT);
	b.b[b.n++] = 0;   /* one byte too many */
	ck_assert_int_eq(pr_sshkey_parse_blob(b.b, b.n, &k, NULL), PR_ERR_CORRUPT);
}
END_TEST

enum bad_blob_kind {
	BB_CURVE, BB_POINT_OFF_CURVE, BB_COMPRESSED, BB_ED_SHORT, BB_ED_LONG,
	BB_APP_EMPTY, BB_APP_SPACE, BB_APP_LONG, BB_TYPE_PLAIN, BB_LEN_HUGE,
};

START_TEST(bad_blob)
{
	unsigned char q[65], ed[33] = { 0 }, huge[4] = { 0xff, 0xff, 0xff, 0xff };
	char app[PR_SSH_APP_MAX + 2];
	struct blob b = { .n = 0 };
	struct pr_sshkey k;
	struct pr_errbuf eb = { 0 };
	int want = PR_ERR_CORRUPT;

	real_point(q);
	memset(app, 'a', sizeof(app) - 1);
	app[sizeof(app) - 1] = '\0';
	switch ((enum bad_blob_kind)_i) {
	case BB_CURVE:
		puts_(&b, PR_SSHKEY_ECDSA_NAME); puts_(&b, "nistp384");
		put(&b, q, 65); puts_(&b, "ssh:");
		break;
	case BB_POINT_OFF_CURVE:
		q[64] ^= 1;
		puts_(&b, PR_SSHKEY_ECDSA_NAME); puts_(&b, "nistp256");
		put(&b, q, 65); puts_(&b, "ssh:");
		break;
	case BB_COMPRESSED:
		q[0] = 0x02;
		puts_(&b, PR_SSHKEY_ECDSA_NAME); puts_(&b, "nistp256");
		put(&b, q, 33); puts_(&b, "ssh:");
		break;
	case BB_ED_SHORT:
		puts_(&b, PR_SSHKEY_ED25519_NAME); put(&b, ed, 31); puts_(&b, "ssh:");
		break;
	case BB_ED_LONG:
		puts_(&b, PR_SSHKEY_ED25519_NAME); put(&b, ed, 33); puts_(&b, "ssh:");
		break;
	case BB_APP_EMPTY:
		puts_(&b, PR_SSHKEY_ED25519_NAME); put(&b, ed, 32); puts_(&b, "");
		break;
	case BB_APP_SPACE:
		puts_(&b, PR_SSHKEY_ED25519_NAME); put(&b, ed, 32); puts_(&b, "ssh: x");
		break;
	case BB_APP_LONG:
		puts_(&b, PR_SSHKEY_ED25519_NAME); put(&b, ed, 32); puts_(&b, app);
		break;
	case BB_TYPE_PLAIN:
		puts_(&b, "ssh-ed25519"); put(&b, ed, 32);
		want = PR_ERR_ALGORITHM;
		break;
	case BB_LEN_HUGE:
		puts_(&b, PR_SSHKEY_ED25519_NAME);
		memcpy(b.b + b.n, huge, 4);
		b.n += 4;
		break;
	}
	ck_assert_int_eq(pr_sshkey_parse_blob(b.b, b.n, &k, &eb), want);
	ck_assert_ptr_null(k.blob);
	ck_assert(eb.msg[0] != '\0');
}
END_TEST

START_TEST(from_parts_bad)
{
	unsigned char pk[64] = { 0 };
	struct pr_sshkey k;

	ck_assert_int_eq(pr_sshkey_from_parts(-257, pk, 64, "ssh:", &k), PR_ERR_ALGORITHM);
	ck_assert_int_eq(pr_sshkey_from_parts(-8, pk, 64, "ssh:", &k), PR_ERR_CORRUPT);
	ck_assert_int_eq(pr_sshkey_from_parts(-7, pk, 32, "ssh:", &k), PR_ERR_CORRUPT);
	ck_assert_int_eq(pr_sshkey_from_parts(-7, pk, 64, "ssh:", &k), PR_ERR_CORRUPT); /* not on curve */
	ck_assert_int_eq(pr_sshkey_from_parts(-8, pk, 32, "", &k), PR_ERR_CORRUPT);
	ck_assert_int_eq(pr_sshkey_from_parts(-8, pk, 32, NULL, &k), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_sshkey_from_parts(-8, pk, 32, "ssh:", &k), PR_OK);
	pr_sshkey_clear(&k);
}
END_TEST

START_TEST(other_application)
{
	char *line = fixture("other-app.pub");
	struct pr_sshkey k;

	ck_assert_int_eq(pr_sshkey_parse_line(line, &k, NULL), PR_OK);
	ck_assert_str_eq(k.application, "ssh:other");
	pr_sshkey_clear(&k);
	free(line);
}
END_TEST

START_TEST(plain_key_file)
{
	char *line = fixture("plain-ed25519.pub");
	struct pr_errbuf eb = { 0 };
	struct pr_sshkey k;

	ck_assert_int_eq(pr_sshkey_parse_line(line, &k, &eb), PR_ERR_ALGORITHM);
	ck_assert_ptr_nonnull(strstr(eb.msg, "not a FIDO security key type"));
	free(line);
}
END_TEST

static Suite *sshkey_suite(void)
{
	Suite *s = suite_create("sshkey");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, real_keys, 0, NROWS(keys));
	tcase_add_test(tc, format_with_options);
	tcase_add_test(tc, blank_and_comment_forms);
	tcase_add_loop_test(tc, bad_line, 0, NROWS(bad_lines));
	tcase_add_test(tc, bad_real_lines);
	tcase_add_test(tc, blob_every_truncation);
	tcase_add_loop_test(tc, bad_blob, 0, BB_LEN_HUGE + 1);
	tcase_add_test(tc, from_parts_bad);
	tcase_add_test(tc, other_application);
	tcase_add_test(tc, plain_key_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_tap(sshkey_suite());
}
