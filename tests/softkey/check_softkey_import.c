/*
 * Credentials taken in from another authenticator (softkey_import.c): the
 * base64 rules, what is refused, and a taken-in credential signing through
 * libfido2 under its own id and relying party, its count continued.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <fido/es256.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "check_softkey.h"
#include "softkey.h"

#define RP "clinic.test"

/* Standard base64 of n bytes; malloc'd. */
static char *b64(const unsigned char *p, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(EVP_EncodeBlock((unsigned char *)out, p, (int)n),
	    (int)(4 * ((n + 2) / 3)));
	return out;
}

/* key as PKCS#8 DER in base64, the form DevTools' privateKey has. */
static char *pkcs8_b64(EVP_PKEY *key)
{
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(key);
	unsigned char *der = NULL;
	char *out;
	int n;

	ck_assert_ptr_nonnull(p8);
	ck_assert_int_gt(n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der), 0);
	out = b64(der, (size_t)n);
	OPENSSL_free(der);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return out;
}

static const struct {
	const char *in;
	const char *out;   /* NULL: refused */
} b64_cases[] = {
	{ "QQ==", "A" }, { "QUI=", "AB" }, { "QUJD", "ABC" }, { "QUJDRA==", "ABCD" },
	{ "", NULL }, { "QQ=", NULL }, { "QQ", NULL }, { "Q===", NULL }, { "QQ=A", NULL },
	{ "=QQ=", NULL }, { "QU-D", NULL }, { "QU_D", NULL }, { "QUJD\n", NULL },
	{ " QUJD", NULL }, { "QUJ D", NULL },
};

START_TEST(base64_strict)
{
	unsigned char *out = NULL;
	size_t len = 0;
	int r = sk_base64_decode(b64_cases[_i].in, &out, &len);

	if (b64_cases[_i].out == NULL) {
		ck_assert_msg(r != SK_OK, "accepted: '%s'", b64_cases[_i].in);
		ck_assert_ptr_null(out);
		return;
	}
	ck_assert_int_eq(r, SK_OK);
	ck_assert_uint_eq(len, strlen(b64_cases[_i].out));
	ck_assert_mem_eq(out, b64_cases[_i].out, len);
	free(out);
}
END_TEST

/* Import into path's device; the result. */
static int import(const char *path, const char *rp, const char *id, const char *key,
    uint32_t count)
{
	struct sk_txn t = SK_TXN_INIT;
	int r;

	ck_assert_int_eq(sk_txn_begin(path, &t), SK_OK);
	if ((r = sk_import(&t.st, rp, id, key, count)) == SK_OK)
		ck_assert_int_eq(sk_txn_commit(&t), SK_OK);
	sk_txn_end(&t);
	return r;
}

/* A browser's credential, taken in, signs under its id and continues its count. */
START_TEST(imported_credential_signs)
{
	char *path = test_new_device("yubikey5", NULL);
	unsigned char id[16];
	char *id_b64, *key_b64;
	EVP_PKEY *key = NULL;
	es256_pk_t *pk = es256_pk_new();
	fido_assert_t *a = NULL;
	struct test_dev d;

	ck_assert_int_eq(sk_ec_generate(&key), SK_OK);
	ck_assert_int_eq(sk_random(id, sizeof(id)), SK_OK);
	id_b64 = b64(id, sizeof(id));
	key_b64 = pkcs8_b64(key);
	ck_assert_int_eq(import(path, RP, id_b64, key_b64, 41), SK_OK);
	ck_assert_uint_eq(test_counter(path), 41);
	test_open(&d, path);
	ck_assert_int_eq(test_assert_id(d.dev, RP, id, sizeof(id), FIDO_OPT_OMIT,
	    FIDO_OPT_OMIT, NULL, &a), FIDO_OK);
	ck_assert_int_eq(es256_pk_from_EVP_PKEY(pk, key), FIDO_OK);
	ck_assert_int_eq(fido_assert_verify(a, 0, COSE_ES256, pk), FIDO_OK);
	ck_assert_uint_eq(fido_assert_sigcount(a, 0), 42);
	ck_assert_mem_eq(fido_assert_id_ptr(a, 0), id, sizeof(id));
	fido_assert_free(&a);
	/* Only for its own relying party. */
	ck_assert_int_eq(test_assert_id(d.dev, "other.test", id, sizeof(id),
	    FIDO_OPT_OMIT, FIDO_OPT_OMIT, NULL, &a), FIDO_ERR_NO_CREDENTIALS);
	fido_assert_free(&a);
	test_close(&d);
	/* A lower count never winds the device's counter back. */
	id[0] ^= 1;
	free(id_b64);
	id_b64 = b64(id, sizeof(id));
	ck_assert_int_eq(import(path, RP, id_b64, key_b64, 7), SK_OK);
	ck_assert_uint_eq(test_counter(path), 42);
	es256_pk_free(&pk);
	EVP_PKEY_free(key);
	free(id_b64);
	free(key_b64);
	free(path);
}
END_TEST

START_TEST(import_refusals)
{
	char *path = test_new_device("yubikey5", NULL), *key_b64, *p384_b64, *id_b64;
	unsigned char long_id[SK_CRED_ID_MAX + 1], junk[64];
	EVP_PKEY *key = NULL, *p384 = EVP_EC_gen("P-384");
	char *long_b64, *junk_b64, name[16];   /* "r" and any int: gcc -O1 checks the whole range */

	ck_assert_ptr_nonnull(p384);
	ck_assert_int_eq(sk_ec_generate(&key), SK_OK);
	key_b64 = pkcs8_b64(key);
	p384_b64 = pkcs8_b64(p384);
	memset(long_id, 7, sizeof(long_id));
	memset(junk, 0x30, sizeof(junk));
	long_b64 = b64(long_id, sizeof(long_id));
	junk_b64 = b64(junk, sizeof(junk));
	id_b64 = b64(long_id, 16);
	ck_assert_int_eq(import(path, RP, id_b64, "not base64!", 0), SK_EINVAL);
	ck_assert_int_eq(import(path, RP, id_b64, junk_b64, 0), SK_EINVAL);
	ck_assert_int_eq(import(path, RP, id_b64, p384_b64, 0), SK_EINVAL);
	ck_assert_int_eq(import(path, RP, long_b64, key_b64, 0), SK_EINVAL);
	ck_assert_int_eq(import(path, RP, "", key_b64, 0), SK_EINVAL);
	ck_assert_int_eq(import(path, "", id_b64, key_b64, 0), SK_EINVAL);
	ck_assert_int_eq(import(path, RP, id_b64, key_b64, 0), SK_OK);
	ck_assert_int_eq(import(path, RP, id_b64, key_b64, 0), SK_EEXIST);
	ck_assert_int_eq(import(path, "other.test", id_b64, key_b64, 0), SK_OK);
	for (int i = 2; i < SK_IMPORTED_MAX; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		ck_assert_int_eq(import(path, name, id_b64, key_b64, 0), SK_OK);
	}
	ck_assert_int_eq(import(path, "full.test", id_b64, key_b64, 0), SK_EINVAL);
	EVP_PKEY_free(key);
	EVP_PKEY_free(p384);
	free(key_b64);
	free(p384_b64);
	free(long_b64);
	free(junk_b64);
	free(id_b64);
	free(path);
}
END_TEST

/* Imported credentials survive the state file: read back, written the same. */
START_TEST(imported_round_trip)
{
	char *path = test_new_device("synced", NULL), *key_b64, *text = NULL, *text2 = NULL;
	struct sk_txn t = SK_TXN_INIT;
	struct sk_state st2;
	EVP_PKEY *key = NULL;
	size_t len = 0, len2 = 0;

	ck_assert_int_eq(sk_ed25519_generate(&key), SK_OK);
	key_b64 = pkcs8_b64(key);
	ck_assert_int_eq(import(path, RP, "AAECAw==", key_b64, 0), SK_OK);
	ck_assert_int_eq(import(path, RP, "BAUGBw==", key_b64, 0), SK_OK);
	ck_assert_int_eq(sk_txn_begin(path, &t), SK_OK);
	ck_assert_uint_eq(t.st.n_imported, 2);
	ck_assert_uint_eq(t.st.imported[1].id_len, 4);
	ck_assert_uint_eq(t.st.imported[1].id[3], 7);
	ck_assert_int_eq(sk_state_format(&t.st, &text, &len), SK_OK);
	ck_assert_int_eq(sk_state_parse(text, len, &st2), SK_OK);
	ck_assert_int_eq(sk_state_format(&st2, &text2, &len2), SK_OK);
	ck_assert_uint_eq(len, len2);
	ck_assert_mem_eq(text, text2, len);
	sk_state_clear(&st2);
	sk_txn_end(&t);
	EVP_PKEY_free(key);
	free(text);
	free(text2);
	free(key_b64);
	free(path);
}
END_TEST

Suite *suite_import(void)
{
	Suite *s = suite_create("import");
	TCase *tc = tcase_create("import");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, base64_strict, 0,
	    (int)(sizeof(b64_cases) / sizeof(b64_cases[0])));
	tcase_add_test(tc, imported_credential_signs);
	tcase_add_test(tc, import_refusals);
	tcase_add_test(tc, imported_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
