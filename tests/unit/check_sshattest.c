/*
 * Unit tests of lib/ssh/sshattest.c with real attestation files written by
 * ssh-keygen through the softkey provider (tests/data/ssh): ed25519-sk and
 * ecdsa-sk from every profile, classified as FIDO keys are; then every way
 * a file or its verification can be wrong.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "err.h"
#include "ssh/sshattest.h"
#include "ssh/sshkey.h"
#include "testlib.h"

#define DATA TOP_SRCDIR "/tests/data/ssh/"
#define TEST_CA TOP_SRCDIR "/tests/softkey/test-ca.pem"

static unsigned char *load(const char *name, size_t *len)
{
	char path[512];
	char *s;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), DATA "%s", name);
	ck_assert_ptr_nonnull(f = fopen(path, "rb"));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	ck_assert_int_ge(n = ftell(f), 1);
	rewind(f);
	ck_assert_ptr_nonnull(s = malloc((size_t)n + 1));
	ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return (unsigned char *)s;
}

static void load_key(const char *name, struct pr_sshkey *k)
{
	char file[128];
	unsigned char *line;
	size_t len;

	snprintf(file, sizeof(file), "%s.pub", name);
	line = load(file, &len);
	ck_assert_int_eq(pr_sshkey_parse_line((char *)line, k, NULL), PR_OK);
	free(line);
}

static void load_att(const char *file, struct pr_sshattest *a)
{
	struct pr_errbuf eb = { 0 };
	unsigned char *buf;
	size_t len;

	buf = load(file, &len);
	ck_assert_msg(pr_sshattest_parse(buf, len, a, &eb) == PR_OK, "%s", eb.msg);
	free(buf);
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

static unsigned char *challenge(size_t *len)
{
	return load("challenge", len);
}

/* Parse key and attestation name, classify with or without the test CA. */
static int classify(const char *keyname, const char *attfile, bool trust,
    struct pr_cred *out, struct pr_class_reason *reason, struct pr_errbuf *eb)
{
	struct pr_sshattest a;
	struct pr_sshkey k;
	X509_STORE *anchors = trust ? test_anchors() : NULL;
	unsigned char *ch;
	size_t ch_len;
	int r;

	load_key(keyname, &k);
	load_att(attfile, &a);
	ch = challenge(&ch_len);
	r = pr_sshattest_classify(&a, &k, ch, ch_len, anchors, NULL, 0, out, reason, eb);
	free(ch);
	pr_sshattest_clear(&a);
	pr_sshkey_clear(&k);
	X509_STORE_free(anchors);
	return r;
}

static const struct {
	const char *name;
	enum pr_class cls;
	const char *fmt;
} real[] = {
	{ "yubikey5-ed25519-sk", PR_CLASS_PHYSICAL, "packed" },
	{ "yubikey5-ecdsa-sk", PR_CLASS_PHYSICAL, "packed" },
	{ "u2f-ecdsa-sk", PR_CLASS_PHYSICAL, "fido-u2f" },
	{ "synced-ed25519-sk", PR_CLASS_PASSKEY, "none" },
	{ "synced-ecdsa-sk", PR_CLASS_PASSKEY, "none" },
	{ "selfattested-ed25519-sk", PR_CLASS_PASSKEY, "packed" },
	{ "selfattested-ecdsa-sk", PR_CLASS_PASSKEY, "packed" },
};

START_TEST(real_attestations)
{
	char att[128];
	struct pr_class_reason reason;
	struct pr_errbuf eb = { 0 };
	unsigned char h[32];
	struct pr_sshkey k;
	struct pr_cred c;

	snprintf(att, sizeof(att), "%s.att", real[_i].name);
	ck_assert_msg(classify(real[_i].name, att, true, &c, &reason, &eb) == PR_OK,
	    "%s: %s", real[_i].name, eb.msg);
	ck_assert_int_eq(c.cls, real[_i].cls);
	/*
	 * The reason is the class's, also when packed was tried first and
	 * failed (u2f-ecdsa-sk); a success leaves eb as it was.
	 */
	if (real[_i].cls == PR_CLASS_PHYSICAL)
		ck_assert_msg(strncmp(reason.text, "chains to trust anchor '", 24) == 0, "%s: %s",
		    real[_i].name, reason.text);
	else
		ck_assert_str_ne(reason.text, "");
	ck_assert_str_eq(eb.msg, "");
	ck_assert_str_eq(c.fmt, real[_i].fmt);
	ck_assert_int_eq(c.kind, PR_KIND_SSH);
	ck_assert(c.flags & 0x01);
	/* The id is the SHA-256 of the key blob: the fingerprint's bytes. */
	load_key(real[_i].name, &k);
	ck_assert_int_eq(pr_sshkey_hash(&k, h), PR_OK);
	ck_assert_uint_eq(c.id_len, 32);
	ck_assert_mem_eq(c.id, h, 32);
	ck_assert_int_eq(c.cose_alg, k.cose_alg);
	ck_assert_mem_eq(c.pubkey, k.pubkey, k.pubkey_len);
	pr_sshkey_clear(&k);
	pr_cred_clear(&c);
}
END_TEST

/* Without the test CA as anchor, a vendor-attested key is only a passkey. */
START_TEST(untrusted_cert_is_passkey)
{
	struct pr_errbuf eb = { 0 };
	struct pr_cred c;

	ck_assert_int_eq(classify("yubikey5-ecdsa-sk", "yubikey5-ecdsa-sk.att", false, &c,
	    NULL, &eb), PR_OK);
	ck_assert_int_eq(c.cls, PR_CLASS_PASSKEY);
	pr_cred_clear(&c);
}
END_TEST

START_TEST(no_attestation_is_passkey)
{
	struct pr_class_reason reason;
	struct pr_sshkey k;
	struct pr_cred c;

	load_key("yubikey5-ed25519-sk", &k);
	ck_assert_int_eq(pr_sshattest_classify(NULL, &k, NULL, 0, NULL, NULL, 0, &c,
	    &reason, NULL), PR_OK);
	ck_assert_int_eq(c.cls, PR_CLASS_PASSKEY);
	ck_assert_str_eq(reason.text, "no attestation");
	ck_assert_str_eq(c.fmt, "unattested");
	ck_assert_int_eq(c.kind, PR_KIND_SSH);
	ck_assert_uint_eq(c.id_len, 32);
	pr_cred_clear(&c);
	pr_sshkey_clear(&k);
}
END_TEST

/* A different key under its own application verifies; under ssh: it does not. */
START_TEST(application_must_match)
{
	struct pr_errbuf eb = { 0 };
	struct pr_cred c;

	ck_assert_int_eq(classify("other-app", "other-app.att", true, &c, NULL, &eb), PR_OK);
	ck_assert_int_eq(c.cls, PR_CLASS_PHYSICAL);
	pr_cred_clear(&c);
	ck_assert_int_eq(classify("yubikey5-ed25519-sk", "other-app.att", true, &c, NULL, &eb),
	    PR_ERR_ATTESTATION);
	ck_assert_ptr_null(c.id);
}
END_TEST

/* A valid attestation of another key with the same application. */
START_TEST(key_mismatch)
{
	struct pr_class_reason reason;
	struct pr_errbuf eb = { 0 };
	struct pr_cred c;

	/* The statement verifies, so a class was found; the key refused, there is none. */
	ck_assert_int_eq(classify("synced-ed25519-sk", "yubikey5-ed25519-sk.att", true, &c,
	    &reason, &eb), PR_ERR_ATTESTATION);
	ck_assert_ptr_nonnull(strstr(eb.msg, "not this SSH key"));
	ck_assert_str_eq(reason.text, "");
	ck_assert_int_eq(classify("yubikey5-ecdsa-sk", "yubikey5-ed25519-sk.att", true, &c,
	    NULL, &eb), PR_ERR_ATTESTATION);
}
END_TEST

enum tamper { T_SIG, T_AUTHDATA_COUNTER, T_CERT, T_CERT_KEY, T_CHALLENGE, T_EMPTY_CHALLENGE };

START_TEST(tampered)
{
	const char *names[] = { "yubikey5-ed25519-sk", "yubikey5-ecdsa-sk",
	    "selfattested-ed25519-sk", "u2f-ecdsa-sk" };
	char file[128];
	struct pr_errbuf eb = { 0 };
	struct pr_sshattest a;
	struct pr_sshkey k;
	struct pr_cred c;
	X509_STORE *anchors = test_anchors();
	unsigned char *ch, *pt;
	size_t ch_len;
	int r;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(file, sizeof(file), "%s.att", names[i]);
		load_key(names[i], &k);
		load_att(file, &a);
		ch = challenge(&ch_len);
		switch ((enum tamper)_i) {
		case T_SIG:
			a.sig[a.sig_len - 3] ^= 0x01;
			break;
		case T_AUTHDATA_COUNTER:
			a.authdata[36] ^= 0x01;   /* signCount: signed, so it must fail */
			break;
		case T_CERT:
			if (a.cert == NULL) {
				a.sig[a.sig_len - 1] ^= 0x01;
				break;
			}
			a.cert[a.cert_len - 5] ^= 0x01;   /* the certificate's signature */
			break;
		case T_CERT_KEY:
			/*
			 * The certificate's P-256 point off the curve: OpenSSL parses
			 * the certificate but cannot load its key (fuzz_sshattest
			 * found a NULL dereference here).
			 */
			if (a.cert == NULL) {
				a.sig[a.sig_len - 1] ^= 0x01;
				break;
			}
			ck_assert_ptr_nonnull(pt = memmem(a.cert, a.cert_len, "\x03\x42\x00\x04", 4));
			pt[4 + 63] ^= 0x01;
			break;
		case T_CHALLENGE:
			ch[0] ^= 0x01;
			break;
		case T_EMPTY_CHALLENGE:
			ch_len = 0;
			break;
		}
		r = pr_sshattest_classify(&a, &k, ch, ch_len, anchors, NULL, 0, &c, NULL, &eb);
		if (_i == T_AUTHDATA_COUNTER && strcmp(names[i], "u2f-ecdsa-sk") == 0) {
			/* fido-u2f signs no counter or flags (FIDO U2F raw message format). */
			ck_assert_int_eq(r, PR_OK);
			pr_cred_clear(&c);
		} else if (_i == T_CERT && a.cert != NULL) {
			/* A broken certificate signature breaks only the chain. */
			ck_assert(r != PR_OK || c.cls == PR_CLASS_PASSKEY);
			pr_cred_clear(&c);
		} else {
			ck_assert_msg(r != PR_OK, "%s tamper %d accepted", names[i], _i);
			ck_assert_ptr_null(c.id);
		}
		free(ch);
		pr_sshattest_clear(&a);
		pr_sshkey_clear(&k);
	}
	X509_STORE_free(anchors);
}
END_TEST

/*
 * A refusal names the format that failed. A key with an AAGUID is a CTAP2
 * key, so only packed applies; an ES256 key with an all-zero AAGUID may be
 * either, and when both fail the reason names both. (It once named
 * fido-u2f, the last one tried, for a packed key's bad signature.)
 */
static const struct {
	const char *name;
	const char *why;
} failure_reason[] = {
	{ "yubikey5-ecdsa-sk", "'packed' attestation statement does not verify" },
	{ "yubikey5-ed25519-sk", "'packed' attestation statement does not verify" },
	{ "selfattested-ecdsa-sk", "'packed' attestation statement does not verify" },
	{ "u2f-ecdsa-sk", "'packed' attestation statement does not verify; "
	  "'fido-u2f' attestation statement does not verify" },
};

START_TEST(failure_names_format)
{
	char file[128];
	struct pr_errbuf eb = { 0 };
	struct pr_sshattest a;
	struct pr_sshkey k;
	struct pr_cred c;
	X509_STORE *anchors = test_anchors();
	unsigned char *ch;
	size_t ch_len;

	snprintf(file, sizeof(file), "%s.att", failure_reason[_i].name);
	load_key(failure_reason[_i].name, &k);
	load_att(file, &a);
	ch = challenge(&ch_len);
	a.sig[a.sig_len - 3] ^= 0x01;
	ck_assert_int_eq(pr_sshattest_classify(&a, &k, ch, ch_len, anchors, NULL, 0, &c,
	    NULL, &eb), PR_ERR_ATTESTATION);
	ck_assert_str_eq(eb.msg, failure_reason[_i].why);
	free(ch);
	pr_sshattest_clear(&a);
	pr_sshkey_clear(&k);
	X509_STORE_free(anchors);
}
END_TEST

/* UP cleared in unsigned ("none") authenticator data: the flag itself is checked. */
START_TEST(missing_up)
{
	struct pr_errbuf eb = { 0 };
	struct pr_sshattest a;
	struct pr_sshkey k;
	struct pr_cred c;
	unsigned char *ch;
	size_t ch_len;

	load_key("synced-ed25519-sk", &k);
	load_att("synced-ed25519-sk.att", &a);
	ch = challenge(&ch_len);
	a.authdata[32] &= (unsigned char)~0x01;
	ck_assert_int_eq(pr_sshattest_classify(&a, &k, ch, ch_len, NULL, NULL, 0, &c, NULL, &eb),
	    PR_ERR_UP_MISSING);
	free(ch);
	pr_sshattest_clear(&a);
	pr_sshkey_clear(&k);
}
END_TEST

/* ---- the file format ---------------------------------------------------------- */

START_TEST(every_truncation)
{
	struct pr_sshattest a;
	unsigned char *buf;
	size_t len;

	buf = load("yubikey5-ecdsa-sk.att", &len);
	for (size_t n = 0; n < len; n++)
		ck_assert_int_eq(pr_sshattest_parse(buf, n, &a, NULL), PR_ERR_CORRUPT);
	free(buf);
}
END_TEST

static void put_string(unsigned char *b, size_t *n, const void *s, size_t len)
{
	b[(*n)++] = (unsigned char)(len >> 24);
	b[(*n)++] = (unsigned char)(len >> 16);
	b[(*n)++] = (unsigned char)(len >> 8);
	b[(*n)++] = (unsigned char)len;
	memcpy(b + *n, s, len);
	*n += len;
}

enum bad_file { BF_MAGIC, BF_EXTRA, BF_FLAGS, BF_RESERVED, BF_AD_NOT_CBOR,
	BF_AD_NOT_BYTES, BF_AD_TRAILING, BF_CERT_NO_SIG, BF_AD_HUGE_ARRAY, BF_AD_EMPTY };

START_TEST(bad_file)
{
	static const unsigned char ad_bytes[] = { 0x43, 1, 2, 3 };     /* CBOR bstr(3) */
	static const unsigned char ad_text[] = { 0x63, 'a', 'b', 'c' }; /* CBOR tstr */
	static const unsigned char ad_trail[] = { 0x41, 1, 0 };
	/* An array claiming 2^31 items (fuzz_sshattest: libcbor allocated 16 GiB for it). */
	static const unsigned char ad_huge[] = { 0x9a, 0x80, 0, 0, 0, 0 };
	unsigned char b[512], zero4[4] = { 0 }, one4[4] = { 0, 0, 0, 1 };
	const char *magic = "ssh-sk-attest-v01";
	struct pr_errbuf eb = { 0 };
	struct pr_sshattest a;
	size_t n = 0;

	put_string(b, &n, _i == BF_MAGIC ? "ssh-sk-attest-v00" : magic, strlen(magic));
	put_string(b, &n, "C", _i == BF_CERT_NO_SIG ? 1 : 0);
	put_string(b, &n, "S", _i == BF_CERT_NO_SIG ? 0 : 1);
	switch ((enum bad_file)_i) {
	case BF_AD_NOT_CBOR:
		put_string(b, &n, "\xff\xff", 2);
		break;
	case BF_AD_NOT_BYTES:
		put_string(b, &n, ad_text, sizeof(ad_text));
		break;
	case BF_AD_TRAILING:
		put_string(b, &n, ad_trail, sizeof(ad_trail));
		break;
	case BF_AD_EMPTY:
		put_string(b, &n, "", 0);
		break;
	case BF_AD_HUGE_ARRAY:
		put_string(b, &n, ad_huge, sizeof(ad_huge));
		break;
	default:
		put_string(b, &n, ad_bytes, sizeof(ad_bytes));
		break;
	}
	memcpy(b + n, _i == BF_FLAGS ? one4 : zero4, 4);
	n += 4;
	put_string(b, &n, "R", _i == BF_RESERVED ? 1 : 0);
	if (_i == BF_EXTRA)
		b[n++] = 0;
	ck_assert_int_eq(pr_sshattest_parse(b, n, &a, &eb), PR_ERR_CORRUPT);
	ck_assert_ptr_null(a.authdata);
	ck_assert(eb.msg[0] != '\0');
}
END_TEST

/* The same hand-made file without a fault parses (so each fault above is the cause). */
START_TEST(good_minimal_file)
{
	static const unsigned char ad_bytes[] = { 0x43, 1, 2, 3 };
	unsigned char b[256], zero4[4] = { 0 };
	const char *magic = "ssh-sk-attest-v01";
	struct pr_sshattest a;
	size_t n = 0;

	put_string(b, &n, magic, strlen(magic));
	put_string(b, &n, "", 0);
	put_string(b, &n, "S", 1);
	put_string(b, &n, ad_bytes, sizeof(ad_bytes));
	memcpy(b + n, zero4, 4);
	n += 4;
	put_string(b, &n, "", 0);
	ck_assert_int_eq(pr_sshattest_parse(b, n, &a, NULL), PR_OK);
	ck_assert_uint_eq(a.authdata_len, 3);
	ck_assert_ptr_null(a.cert);
	pr_sshattest_clear(&a);
}
END_TEST

static Suite *sshattest_suite(void)
{
	Suite *s = suite_create("sshattest");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, real_attestations, 0, NROWS(real));
	tcase_add_test(tc, untrusted_cert_is_passkey);
	tcase_add_test(tc, no_attestation_is_passkey);
	tcase_add_test(tc, application_must_match);
	tcase_add_test(tc, key_mismatch);
	tcase_add_loop_test(tc, tampered, 0, T_EMPTY_CHALLENGE + 1);
	tcase_add_loop_test(tc, failure_names_format, 0, NROWS(failure_reason));
	tcase_add_test(tc, missing_up);
	tcase_add_test(tc, every_truncation);
	tcase_add_loop_test(tc, bad_file, 0, BF_AD_EMPTY + 1);
	tcase_add_test(tc, good_minimal_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_tap(sshattest_suite());
}
