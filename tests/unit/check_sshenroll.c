/*
 * Unit tests of lib/ssh/sshenroll.c, the SSH key enrollment steps the admin
 * tool and the setuid helper share: which key files are accepted, the
 * credential made from a real ssh-keygen key and attestation
 * (tests/data/ssh), and the fingerprint a stored key gives back (the audit
 * detail naming it is check_audit_event's).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "err.h"
#include "ssh/sshenroll.h"
#include "testlib.h"

#define DATA TOP_SRCDIR "/tests/data/ssh/"
#define TEST_CA TOP_SRCDIR "/tests/softkey/test-ca.pem"

static char *fixture(const char *name, size_t *len)
{
	char path[512];
	char *s;

	snprintf(path, sizeof(path), DATA "%s", name);
	ck_assert_ptr_nonnull(s = test_slurp(path));
	if (len != NULL)
		*len = strlen(s);
	return s;
}

/* Binary fixtures (attestations, the challenge): length from the file. */
static unsigned char *fixture_bin(const char *name, size_t *len)
{
	char path[512];
	unsigned char *s;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), DATA "%s", name);
	ck_assert_ptr_nonnull(f = fopen(path, "rb"));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	ck_assert_int_ge(n = ftell(f), 1);
	rewind(f);
	ck_assert_ptr_nonnull(s = malloc((size_t)n));
	ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return s;
}

static X509_STORE *test_anchors(void)
{
	X509_STORE *st = X509_STORE_new();
	X509 *ca;
	FILE *f;

	ck_assert_ptr_nonnull(st);
	ck_assert_ptr_nonnull(f = fopen(TEST_CA, "r"));
	ck_assert_ptr_nonnull(ca = PEM_read_X509(f, NULL, NULL, NULL));
	fclose(f);
	ck_assert_int_eq(X509_STORE_add_cert(st, ca), 1);
	X509_free(ca);
	return st;
}

/* ---- key files ------------------------------------------------------------------- */

static const struct {
	const char *file;
	int want;
} key_rows[] = {
	{ "yubikey5-ed25519-sk.pub", PR_OK },
	{ "yubikey5-ecdsa-sk.pub", PR_OK },
	{ "other-app.pub", PR_OK },                  /* ssh:other: still ssh: */
	{ "plain-ed25519.pub", PR_ERR_ALGORITHM },
};

START_TEST(key_files)
{
	struct pr_sshkey k;
	struct pr_errbuf eb = { 0 };
	size_t len;
	char *text = fixture(key_rows[_i].file, &len);

	ck_assert_int_eq(pr_sshenroll_parse_key(text, len, &k, &eb),
	    key_rows[_i].want);
	if (key_rows[_i].want == PR_OK)
		ck_assert_int_eq(strncmp(k.application, "ssh:", 4), 0);
	else
		ck_assert_ptr_null(k.blob);
	pr_sshkey_clear(&k);
	free(text);
}
END_TEST

static const struct {
	const char *text;
	size_t len;      /* 0: strlen */
	int want;
} bad_rows[] = {
	{ "", 0, PR_ERR_CORRUPT },
	{ "garbage\n", 0, PR_ERR_ALGORITHM },           /* an unknown key type */
	{ "sk-ssh-ed25519@openssh.com\n", 0, PR_ERR_CORRUPT },
	{ "sk-ssh-ed25519@openssh.com AAAA\n", 0, PR_ERR_CORRUPT },
	{ "garbage\0more", 12, PR_ERR_CORRUPT },    /* a NUL inside */
};

START_TEST(bad_key_text)
{
	struct pr_sshkey k;
	struct pr_errbuf eb = { 0 };
	size_t len = bad_rows[_i].len ? bad_rows[_i].len : strlen(bad_rows[_i].text);

	ck_assert_int_eq(pr_sshenroll_parse_key(bad_rows[_i].text, len, &k, &eb),
	    bad_rows[_i].want);
	ck_assert_ptr_null(k.blob);
	ck_assert_str_ne(eb.msg, "");
}
END_TEST

/* A valid line after a NUL is still refused: the parser must not see half a file. */
START_TEST(nul_before_second_key)
{
	struct pr_sshkey k;
	char *text, *both;
	struct pr_errbuf eb = { 0 };
	size_t len;

	text = fixture("yubikey5-ed25519-sk.pub", &len);
	ck_assert_ptr_nonnull(both = malloc(2 * len + 1));
	memcpy(both, text, len);
	both[len - 1] = '\0';                 /* the newline becomes a NUL */
	memcpy(both + len, text, len);
	both[2 * len] = '\0';
	ck_assert_int_eq(pr_sshenroll_parse_key(both, 2 * len, &k, &eb),
	    PR_ERR_CORRUPT);
	ck_assert(strstr(eb.msg, "NUL") != NULL);
	free(both);
	free(text);
}
END_TEST

START_TEST(application_must_be_ssh)
{
	struct pr_sshkey k, other;
	char *text, *line = NULL;
	struct pr_errbuf eb = { 0 };
	size_t len;

	text = fixture("yubikey5-ed25519-sk.pub", &len);
	ck_assert_int_eq(pr_sshenroll_parse_key(text, len, &k, &eb), PR_OK);
	ck_assert_int_eq(pr_sshkey_from_parts(k.cose_alg, k.pubkey, k.pubkey_len,
	    "webauthn:example.org", &other), PR_OK);
	ck_assert_int_eq(pr_sshkey_format(&other, NULL, NULL, &line), PR_OK);
	pr_sshkey_clear(&k);
	ck_assert_int_eq(pr_sshenroll_parse_key(line, strlen(line), &k, &eb),
	    PR_ERR_INVALID_ARG);
	ck_assert(strstr(eb.msg, "ssh:") != NULL);
	ck_assert_ptr_null(k.blob);
	pr_sshkey_clear(&other);
	free(line);
	free(text);
}
END_TEST

/* ---- attestation files ------------------------------------------------------------------ */

START_TEST(bad_attestation_is_attestation_error)
{
	struct pr_sshattest a;
	struct pr_errbuf eb = { 0 };
	const unsigned char junk[] = "ssh-sk-attest-v01";

	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(pr_sshenroll_parse_attestation(junk, sizeof(junk) - 1, &a, &eb),
	    PR_ERR_ATTESTATION);
	pr_sshattest_clear(&a);
}
END_TEST

/* ---- the credential ------------------------------------------------------------------------ */

static const struct {
	const char *key;
	bool attested;
	bool challenge;
	int want;
	enum pr_class cls;
} cred_rows[] = {
	{ "yubikey5-ed25519-sk", true, true, PR_OK, PR_CLASS_PHYSICAL },
	{ "yubikey5-ecdsa-sk", true, true, PR_OK, PR_CLASS_PHYSICAL },
	{ "synced-ed25519-sk", true, true, PR_OK, PR_CLASS_PASSKEY },
	{ "yubikey5-ed25519-sk", false, false, PR_OK, PR_CLASS_PASSKEY },
	{ "yubikey5-ed25519-sk", true, false, PR_ERR_INVALID_ARG, PR_CLASS_PASSKEY },
};

START_TEST(credential_rows)
{
	struct pr_config cfg;
	struct pr_sshkey k;
	struct pr_sshattest a;
	struct pr_cred c;
	X509_STORE *anchors = test_anchors();
	unsigned char *ch, *att = NULL;
	char name[128], *text;
	struct pr_errbuf eb = { 0 };
	size_t len, ch_len, att_len;
	int r;

	memset(&cfg, 0, sizeof(cfg));
	memset(&a, 0, sizeof(a));
	memset(&c, 0, sizeof(c));
	snprintf(name, sizeof(name), "%s.pub", cred_rows[_i].key);
	text = fixture(name, &len);
	ck_assert_int_eq(pr_sshenroll_parse_key(text, len, &k, &eb), PR_OK);
	if (cred_rows[_i].attested) {
		snprintf(name, sizeof(name), "%s.att", cred_rows[_i].key);
		att = fixture_bin(name, &att_len);
		ck_assert_int_eq(pr_sshenroll_parse_attestation(att, att_len, &a, &eb), PR_OK);
	}
	ch = fixture_bin("challenge", &ch_len);
	ck_assert_uint_eq(ch_len, PR_SSHCHALLENGE_LEN);
	r = pr_sshenroll_credential(&cfg, &k, cred_rows[_i].attested ? &a : NULL,
	    cred_rows[_i].challenge ? ch : NULL, anchors, "laptop", 1234, &c, NULL, &eb);
	ck_assert_msg(r == cred_rows[_i].want, "%d: %s", r, eb.msg);
	if (r == PR_OK) {
		ck_assert_int_eq(c.kind, PR_KIND_SSH);
		ck_assert_int_eq(c.cls, cred_rows[_i].cls);
		ck_assert_str_eq(c.app, "ssh:");
		ck_assert_str_eq(c.label, "laptop");
		ck_assert_int_eq(c.created, 1234);
	}
	pr_cred_clear(&c);
	pr_sshattest_clear(&a);
	pr_sshkey_clear(&k);
	X509_STORE_free(anchors);
	free(ch);
	free(att);
	free(text);
}
END_TEST

/* The stored credential gives back the fingerprint ssh-keygen -l prints. */
START_TEST(fingerprint)
{
	struct pr_config cfg;
	struct pr_sshkey k;
	struct pr_cred c;
	char fp[PR_SSH_FP_LEN + 1], *text, *want;
	struct pr_errbuf eb = { 0 };
	size_t len;

	memset(&cfg, 0, sizeof(cfg));
	text = fixture("yubikey5-ecdsa-sk.pub", &len);
	want = fixture("yubikey5-ecdsa-sk.fp", NULL);
	want[strcspn(want, "\n")] = '\0';
	ck_assert_int_eq(pr_sshenroll_parse_key(text, len, &k, &eb), PR_OK);
	ck_assert_int_eq(pr_sshenroll_credential(&cfg, &k, NULL, NULL, NULL, NULL, 1, &c, NULL,
	    &eb), PR_OK);
	ck_assert_str_eq(c.label, "");
	pr_sshkey_cred_fingerprint(&c, fp);
	ck_assert_str_eq(fp, want);
	/* A FIDO credential has no SSH fingerprint. */
	c.kind = PR_KIND_FIDO;
	pr_sshkey_cred_fingerprint(&c, fp);
	ck_assert_str_eq(fp, "");
	pr_cred_clear(&c);
	pr_sshkey_clear(&k);
	free(want);
	free(text);
}
END_TEST

static Suite *sshenroll_suite(void)
{
	Suite *s = suite_create("sshenroll");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, key_files, 0, NROWS(key_rows));
	tcase_add_loop_test(tc, bad_key_text, 0, NROWS(bad_rows));
	tcase_add_test(tc, nul_before_second_key);
	tcase_add_test(tc, application_must_be_ssh);
	tcase_add_test(tc, bad_attestation_is_attestation_error);
	tcase_add_loop_test(tc, credential_rows, 0, NROWS(cred_rows));
	tcase_add_test(tc, fingerprint);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_tap(sshenroll_suite());
}
