/* pr_assert_verify against real authenticator assertions, and the counter rule. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "assertion.h"
#include "attest.h"
#include "vectors.h"
#include "testlib.h"

/* The stored credential of a registration vector, as enrollment would keep it. */
static void cred_from_registration(const char *name, struct pr_cred *cred)
{
	ck_assert_msg(vec_registration_cred(name, cred) == 0, "%s: no credential", name);
}

/* An assertion object holding the vector's signed data, checked against rp_id. */
static fido_assert_t *assert_from_vector(const struct vec *v, const char *rp_id)
{
	unsigned char *ad = NULL, *sig = NULL, *cdh = NULL;
	size_t ad_len, sig_len, cdh_len;
	fido_assert_t *a = fido_assert_new();

	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(vec_hex(v, "auth_data_hex", &ad, &ad_len), 0);
	ck_assert_int_eq(vec_hex(v, "signature_hex", &sig, &sig_len), 0);
	ck_assert_int_eq(vec_hex(v, "client_data_hash_hex", &cdh, &cdh_len), 0);
	ck_assert_int_eq(fido_assert_set_count(a, 1), FIDO_OK);
	ck_assert_int_eq(fido_assert_set_rp(a, rp_id), FIDO_OK);
	ck_assert_int_eq(fido_assert_set_clientdata_hash(a, cdh, cdh_len), FIDO_OK);
	ck_assert_int_eq(fido_assert_set_authdata_raw(a, 0, ad, ad_len), FIDO_OK);
	ck_assert_int_eq(fido_assert_set_sig(a, 0, sig, sig_len), FIDO_OK);
	free(ad);
	free(sig);
	free(cdh);
	return a;
}

struct assert_case {
	const char *vector;
	const char *registration;  /* NULL: the vector's registration_vector (libfido2's own carries its key) */
	const char *rp_id;        /* NULL: the vector's own */
	bool uv_required;
	uint32_t stored_count;
	int expect;
};

static const struct assert_case cases[] = {
	{ "hw-yubikey5nfc-assertion.vec", NULL, NULL, false, 0, PR_OK },
	{ "hw-yubikey5nfc-assertion.vec", NULL, NULL, false, 57, PR_OK },
	{ "hw-yubikey5nfc-assertion.vec", NULL, NULL, false, 58, PR_ERR_COUNTER },
	{ "hw-yubikey5nfc-assertion.vec", NULL, NULL, false, 1000, PR_ERR_COUNTER },
	{ "hw-yubikey5nfc-assertion.vec", NULL, NULL, true, 0, PR_ERR_UV_REQUIRED },
	{ "hw-yubikey5nfc-assertion.vec", NULL, "evil.example", false, 0, PR_ERR_SIGNATURE },
	{ "hw-yubikey-bio-5.5.6-assertion.vec", NULL, NULL, true, 0, PR_OK },
	{ "hw-yubikey-neo-assertion.vec", NULL, NULL, false, 0, PR_OK },
	{ "neg-yubikey5nfc-assertion-wrong-key.vec", NULL, NULL, false, 0, PR_ERR_SIGNATURE },
	{ "aux-libfido2-regress-assert-es256.vec", "aux-libfido2-regress-assert-es256.vec", NULL, false, 0, PR_ERR_UP_MISSING },
	{ "sync-apple-icloud-keychain-iphone14-ios26-assertion.vec", NULL, NULL, false, 0, PR_OK },
	{ "sync-google-password-manager-assertion.vec", NULL, NULL, false, 0, PR_OK },
	{ "platform-apple-ios-2021-assertion.vec", NULL, NULL, false, 0, PR_OK },
	{ "platform-windows-hello-assertion-rs256.vec", NULL, NULL, true, 0, PR_OK },
};

START_TEST(test_assert_vectors)
{
	const struct assert_case *tc = &cases[_i];
	struct pr_cred cred = { 0 };
	struct vec v = { 0 };
	fido_assert_t *a;
	uint8_t flags = 0;
	uint32_t count = 0;
	int r;

	ck_assert_int_eq(vec_load(tc->vector, &v), 0);
	cred_from_registration(tc->registration != NULL ? tc->registration :
	    vec_get(&v, "registration_vector"), &cred);
	cred.sign_count = tc->stored_count;
	a = assert_from_vector(&v, tc->rp_id != NULL ? tc->rp_id : vec_get(&v, "rp_id"));
	r = pr_assert_verify(a, 0, &cred, tc->uv_required, &flags, &count);
	ck_assert_msg(r == tc->expect, "%s: got %d (rp %s, uv %d, stored %u)", tc->vector, r, tc->rp_id ? tc->rp_id : "own",
	    tc->uv_required, tc->stored_count);
	if (tc->expect == PR_OK)
		ck_assert_uint_eq(count, strtoul(vec_get(&v, "sign_count"), NULL, 10));
	fido_assert_free(&a);
	pr_cred_clear(&cred);
	vec_free(&v);
}
END_TEST

/* A statement verified against another credential's key is refused. */
START_TEST(test_assert_wrong_credential)
{
	struct pr_cred other = { 0 };
	struct vec v = { 0 };
	fido_assert_t *a;

	ck_assert_int_eq(vec_load("hw-yubikey5nfc-assertion.vec", &v), 0);
	cred_from_registration("hw-yubikey5ci-packed-es256.vec", &other);
	a = assert_from_vector(&v, vec_get(&v, "rp_id"));
	ck_assert_int_eq(pr_assert_verify(a, 0, &other, false, NULL, NULL), PR_ERR_SIGNATURE);
	other.cose_alg = 12345;
	ck_assert_int_eq(pr_assert_verify(a, 0, &other, false, NULL, NULL), PR_ERR_ALGORITHM);
	ck_assert_int_eq(pr_assert_verify(a, 1, &other, false, NULL, NULL), PR_ERR_INVALID_ARG);
	fido_assert_free(&a);
	pr_cred_clear(&other);
	vec_free(&v);
}
END_TEST

static const struct { uint32_t stored, seen; bool ok; } counter_rows[] = {
	{ 0, 0, true },          /* no counter at all (synced passkeys) */
	{ 0, 1, true },
	{ 5, 6, true },
	{ 5, 5, false },         /* replayed */
	{ 5, 4, false },         /* went back: clone */
	{ 5, 0, false },         /* counter vanished */
	{ 0xfffffffe, 0xffffffff, true },
	{ 0xffffffff, 0, false },
};

START_TEST(test_counter_rule)
{
	ck_assert_int_eq(pr_counter_ok(counter_rows[_i].stored, counter_rows[_i].seen),
	    counter_rows[_i].ok);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("assert");
	TCase *tc = tcase_create("verify");

	fido_init(0);
	tcase_add_loop_test(tc, test_assert_vectors, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_assert_wrong_credential);
	tcase_add_loop_test(tc, test_counter_rule, 0, sizeof(counter_rows) / sizeof(counter_rows[0]));
	suite_add_tcase(s, tc);
	return test_run_tap(s);
}
