/*
 * Unit tests of lib/ssh/sshauthinfo.c: SSH_AUTH_INFO_0 as OpenSSH writes it
 * (auth2.c auth2_update_session_info), with real keys from tests/data/ssh,
 * every malformed form refused, and a mutation run: no input may crash
 * the parser or leave a half-filled result.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ssh/sshauthinfo.h"
#include "ssh/sshkey.h"
#include "testlib.h"

#define DATA TOP_SRCDIR "/tests/data/ssh/"

/* "TYPE BASE64" of a fixture's .pub line. */
static char *key_words(const char *name)
{
	char path[512], *s, *sp;

	snprintf(path, sizeof(path), DATA "%s.pub", name);
	ck_assert_ptr_nonnull(s = test_slurp(path));
	ck_assert_ptr_nonnull(sp = strchr(s, ' '));
	sp[strcspn(sp + 1, " \n") + 1] = '\0';
	return s;
}

/* fmt with its first and second "%s" replaced by the key words of k1 and k2, "%%" by "%". */
static char *info_of(const char *fmt, const char *k1, const char *k2)
{
	char *w[2] = { k1 != NULL ? key_words(k1) : NULL, k2 != NULL ? key_words(k2) : NULL };
	size_t cap = strlen(fmt) + 1, used = 0;
	char *out;
	int next = 0;

	for (int i = 0; i < 2; i++)
		cap += w[i] != NULL ? strlen(w[i]) : 0;
	ck_assert_ptr_nonnull(out = malloc(cap));
	for (const char *p = fmt; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 's' && next < 2) {
			const char *v = w[next++];

			if (v != NULL)
				used += (size_t)sprintf(out + used, "%s", v);
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			out[used++] = *p++;
		} else {
			out[used++] = *p;
		}
	}
	out[used] = '\0';
	free(w[0]);
	free(w[1]);
	return out;
}

static int parse(const char *s, struct pr_sshauth *a, struct pr_errbuf *eb)
{
	return pr_sshauth_parse(s, strlen(s), a, eb);
}

START_TEST(empty_is_no_step)
{
	struct pr_sshauth a;

	ck_assert_int_eq(parse("", &a, NULL), PR_OK);
	ck_assert_uint_eq(a.n, 0);
	pr_sshauth_clear(&a);
}
END_TEST

START_TEST(publickey_with_count)
{
	char *s = info_of("publickey %s signature count = 7\n", "yubikey5-ed25519-sk", NULL);
	char fp[PR_SSH_FP_LEN + 1], want[128], path[512], *f;
	struct pr_sshauth a;
	struct pr_errbuf eb = { 0 };

	ck_assert_msg(parse(s, &a, &eb) == PR_OK, "%s", eb.msg);
	ck_assert_uint_eq(a.n, 1);
	ck_assert_str_eq(a.v[0].method, "publickey");
	ck_assert(pr_sshauth_is_publickey(&a.v[0]));
	ck_assert_str_eq(a.v[0].key_type, PR_SSHKEY_ED25519_NAME);
	ck_assert(a.v[0].has_count);
	ck_assert_uint_eq(a.v[0].sign_count, 7);
	/* The blob is the key's: the fingerprint ssh-keygen -l printed. */
	ck_assert_int_eq(pr_ssh_blob_fingerprint(a.v[0].blob, a.v[0].blob_len, fp), PR_OK);
	snprintf(path, sizeof(path), DATA "yubikey5-ed25519-sk.fp");
	f = test_slurp(path);
	snprintf(want, sizeof(want), "%.*s", (int)strcspn(f, "\n"), f);
	ck_assert_str_eq(fp, want);
	free(f);
	pr_sshauth_clear(&a);
	ck_assert_ptr_null(a.v);
	free(s);
}
END_TEST

/* Forms sshd writes, with the steps and keys expected. */
static const struct {
	const char *fmt, *k1, *k2;
	size_t steps;
	const char *method_last;
	const char *type0;
} good[] = {
	{ "publickey %s\n", "yubikey5-ecdsa-sk", NULL, 1, "publickey", PR_SSHKEY_ECDSA_NAME },
	{ "publickey %s\n", "plain-ed25519", NULL, 1, "publickey", "ssh-ed25519" },
	{ "publickey %s signature count = 0\nkeyboard-interactive/pam\n", "synced-ed25519-sk",
	    NULL, 2, "keyboard-interactive/pam", PR_SSHKEY_ED25519_NAME },
	{ "publickey %s signature count = 4294967295\npublickey %s signature count = 1\n",
	    "yubikey5-ed25519-sk", "u2f-ecdsa-sk", 2, "publickey", PR_SSHKEY_ED25519_NAME },
	{ "password\n", NULL, NULL, 1, "password", "" },
	{ "keyboard-interactive/pam\n", NULL, NULL, 1, "keyboard-interactive/pam", "" },
	{ "gssapi-with-mic\npassword\n", NULL, NULL, 2, "password", "" },
	{ "hostbased %s client user \"bob\", client host \"h.example\"\n", "plain-ed25519", NULL,
	    1, "hostbased", "ssh-ed25519" },
};

START_TEST(good_forms)
{
	char *s = info_of(good[_i].fmt, good[_i].k1, good[_i].k2);
	struct pr_sshauth a;
	struct pr_errbuf eb = { 0 };

	ck_assert_msg(parse(s, &a, &eb) == PR_OK, "%s: %s", s, eb.msg);
	ck_assert_uint_eq(a.n, good[_i].steps);
	ck_assert_str_eq(a.v[a.n - 1].method, good[_i].method_last);
	ck_assert_str_eq(a.v[0].key_type, good[_i].type0);
	ck_assert(good[_i].type0[0] == '\0' ? a.v[0].blob == NULL : a.v[0].blob != NULL);
	pr_sshauth_clear(&a);
	free(s);
}
END_TEST

/* Everything else is refused, naming the line. */
static const struct {
	const char *fmt, *k1;
	const char *why;
} bad[] = {
	{ "publickey %s", "yubikey5-ed25519-sk", "line 1: not ended by a newline" },
	{ "password\npublickey %s", "yubikey5-ed25519-sk", "line 2: not ended by a newline" },
	{ "publickey\n", NULL, "line 1: publickey step without a key" },
	{ "publickey \n", NULL, "line 1: malformed key type" },
	{ "publickey sk-ssh-ed25519@openssh.com\n", NULL, "malformed key type" },
	{ "publickey sk-ssh-ed25519@openssh.com AAAA\n", NULL, "match its type" },
	{ "publickey sk-ssh-ed25519@openssh.com !!!!\n", NULL, "not canonical base64" },
	{ "publickey sk-ssh-ed25519@openssh.com \n", NULL, "not canonical base64" },
	{ "publickey %s extra\n", "yubikey5-ed25519-sk", "unexpected text after the key" },
	{ "publickey %s signature count = \n", "yubikey5-ed25519-sk", "unexpected text" },
	{ "publickey %s signature count = 01\n", "yubikey5-ed25519-sk", "unexpected text" },
	{ "publickey %s signature count = 4294967296\n", "yubikey5-ed25519-sk", "unexpected text" },
	{ "publickey %s signature count = 5 \n", "yubikey5-ed25519-sk", "unexpected text" },
	{ "publickey %s signature count = -5\n", "yubikey5-ed25519-sk", "unexpected text" },
	{ "publickey  %s\n", "yubikey5-ed25519-sk", "malformed key type" },
	{ "publickey\t%s\n", "yubikey5-ed25519-sk", "malformed method name" },
	{ "publickey %s\r\n", "yubikey5-ed25519-sk", "not canonical base64" },
	{ "\n", NULL, "line 1: malformed method name" },
	{ "password\n\n", NULL, "line 2: malformed method name" },
	{ " password\n", NULL, "malformed method name" },
	{ "pass word\n", NULL, NULL },      /* free text after a method: allowed */
	{ "password/\n", NULL, "malformed method name" },
	{ "pass%%word\n", NULL, "malformed method name" },
	{ "keyboard-interactive/pam\x01\n", NULL, "malformed method name" },
	{ "password info\x1b[2J\n", NULL, "control character" },
	{ "ssh-ed25519 %s\n", "plain-ed25519", NULL },   /* a method name, then text */
};

START_TEST(bad_forms)
{
	char *s = info_of(bad[_i].fmt, bad[_i].k1, NULL);
	struct pr_sshauth a;
	struct pr_errbuf eb = { 0 };
	int r = parse(s, &a, &eb);

	if (bad[_i].why == NULL) {
		ck_assert_msg(r == PR_OK, "%s: %s", s, eb.msg);
	} else {
		ck_assert_msg(r == PR_ERR_CORRUPT, "accepted: %s", s);
		ck_assert_msg(strstr(eb.msg, bad[_i].why) != NULL, "%s: why '%s'", s, eb.msg);
		ck_assert_ptr_null(a.v);
		ck_assert_uint_eq(a.n, 0);
	}
	pr_sshauth_clear(&a);
	free(s);
}
END_TEST

START_TEST(limits)
{
	struct pr_sshauth a;
	char *s;
	struct pr_errbuf eb = { 0 };
	size_t n;

	/* Seventeen steps: too many. Sixteen: fine. */
	s = calloc(1, 17 * 9 + 1);
	for (int i = 0; i < 17; i++)
		strcat(s, "password\n");
	ck_assert_int_eq(parse(s, &a, &eb), PR_ERR_CORRUPT);
	ck_assert_ptr_nonnull(strstr(eb.msg, "more than 16 steps"));
	ck_assert_int_eq(parse(s + 9, &a, &eb), PR_OK);
	ck_assert_uint_eq(a.n, 16);
	pr_sshauth_clear(&a);
	free(s);
	/* A NUL inside, a missing string, an oversized one. */
	ck_assert_int_eq(pr_sshauth_parse("password\n\0x\n", 11, &a, NULL), PR_ERR_CORRUPT);
	ck_assert_int_eq(pr_sshauth_parse(NULL, 0, &a, NULL), PR_ERR_CORRUPT);
	n = PR_SSHAUTH_MAX + 1;
	s = malloc(n);
	memset(s, 'a', n);
	s[n - 1] = '\n';
	ck_assert_int_eq(pr_sshauth_parse(s, n, &a, NULL), PR_ERR_CORRUPT);
	free(s);
	/* A method name of 64 bytes is the longest. */
	ck_assert_int_eq(parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	    &a, NULL), PR_OK);
	pr_sshauth_clear(&a);
	ck_assert_int_eq(parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	    &a, NULL), PR_ERR_CORRUPT);
	ck_assert_int_eq(parse("keyboard-interactive/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	    &a, NULL), PR_ERR_CORRUPT);
}
END_TEST

/* Every truncation of a good two-step text: refused or a prefix of its steps. */
START_TEST(every_truncation)
{
	char *s = info_of("publickey %s signature count = 12\nkeyboard-interactive/pam\n",
	    "yubikey5-ecdsa-sk", NULL);
	size_t len = strlen(s);
	struct pr_sshauth a;

	for (size_t n = 0; n < len; n++) {
		int r = pr_sshauth_parse(s, n, &a, NULL);

		ck_assert(r == PR_OK || r == PR_ERR_CORRUPT);
		if (r == PR_OK)
			ck_assert_msg(n == 0 || s[n - 1] == '\n', "cut at %zu accepted", n);
		else
			ck_assert_ptr_null(a.v);
		pr_sshauth_clear(&a);
	}
	free(s);
}
END_TEST

/* Mutations (a small fuzz run, deterministic): never a crash, never half a result. */
START_TEST(mutations)
{
	char *s = info_of("publickey %s signature count = 3\npublickey %s\npassword\n",
	    "yubikey5-ed25519-sk", "plain-ed25519");
	size_t len = strlen(s);
	char *m = malloc(len);
	unsigned int seed = 12345;
	struct pr_sshauth a;

	for (int round = 0; round < 20000; round++) {
		memcpy(m, s, len);
		for (int k = 0; k < 1 + round % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			m[(seed >> 8) % len] = (char)(seed >> 16);
		}
		seed = seed * 1103515245u + 12345u;
		int r = pr_sshauth_parse(m, len - (seed >> 8) % 3, &a, NULL);

		ck_assert(r == PR_OK || r == PR_ERR_CORRUPT);
		if (r == PR_OK) {
			for (size_t i = 0; i < a.n; i++)
				ck_assert((a.v[i].blob == NULL) == (a.v[i].key_type[0] == '\0'));
		} else {
			ck_assert_uint_eq(a.n, 0);
		}
		pr_sshauth_clear(&a);
	}
	free(m);
	free(s);
}
END_TEST

static Suite *sshauthinfo_suite(void)
{
	Suite *s = suite_create("sshauthinfo");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, empty_is_no_step);
	tcase_add_test(tc, publickey_with_count);
	tcase_add_loop_test(tc, good_forms, 0, NROWS(good));
	tcase_add_loop_test(tc, bad_forms, 0, NROWS(bad));
	tcase_add_test(tc, limits);
	tcase_add_test(tc, every_truncation);
	tcase_add_test(tc, mutations);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_tap(sshauthinfo_suite());
}
