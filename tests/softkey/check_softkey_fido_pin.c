/*
 * PIN protocol 1 through libfido2: UV with the right PIN, retries, blocking,
 * CTAP 2.0's "a set PIN is required to make credentials", no built-in UV,
 * setPIN and changePIN.
 */
#include "config.h"

#include <stdlib.h>

#include "check_softkey.h"
#include "softkey.h"

#define RP "pam://softkey-test"
#define PIN "4711"
#define AD_UP 0x01
#define AD_UV 0x04

static const char *const ctap2_profiles[] = { "yubikey5", "synced", "selfattested" };

START_TEST(pin_gives_uv)
{
	char *path = test_new_device(ctap2_profiles[_i], PIN);
	struct test_dev t;
	fido_assert_t *a = NULL;
	fido_cred_t *c;
	int r;

	test_open(&t, path);
	ck_assert(fido_dev_has_pin(t.dev));
	c = test_make_cred(t.dev, RP, PIN, &r);
	ck_assert_int_eq(r, FIDO_OK);
	ck_assert_int_eq(fido_cred_flags(c) & AD_UV, AD_UV);
	ck_assert_int_eq(test_assert(t.dev, RP, c, FIDO_OPT_TRUE, FIDO_OPT_TRUE,
	    PIN, &a), FIDO_OK);
	ck_assert_int_eq(fido_assert_flags(a, 0) & (AD_UP | AD_UV), AD_UP | AD_UV);
	ck_assert_int_eq(test_verify(a, c), FIDO_OK);  /* checks UV: uv was asked */
	fido_assert_free(&a);
	/* Without the PIN an assertion still works, with UV=0 (CTAP 2.0). */
	ck_assert_int_eq(test_assert(t.dev, RP, c, FIDO_OPT_TRUE, FIDO_OPT_OMIT,
	    NULL, &a), FIDO_OK);
	ck_assert_int_eq(fido_assert_flags(a, 0) & AD_UV, 0);
	fido_assert_free(&a);
	fido_cred_free(&c);
	test_close(&t);
	free(path);
}
END_TEST

START_TEST(pin_required_to_make_credential)
{
	char *path = test_new_device("yubikey5", PIN);
	struct test_dev t;
	fido_cred_t *c;
	int r;

	test_open(&t, path);
	c = test_make_cred(t.dev, RP, NULL, &r);
	ck_assert_int_eq(r, FIDO_ERR_PIN_REQUIRED);
	fido_cred_free(&c);
	test_close(&t);
	free(path);
}
END_TEST

START_TEST(wrong_pin_costs_a_retry)
{
	char *path = test_new_device("yubikey5", PIN);
	struct test_dev t;
	fido_assert_t *a = NULL;
	fido_cred_t *c;
	int r, retries = -1;

	test_open(&t, path);
	c = test_make_cred(t.dev, RP, PIN, &r);
	ck_assert_int_eq(r, FIDO_OK);
	ck_assert_int_eq(test_assert(t.dev, RP, c, FIDO_OPT_TRUE, FIDO_OPT_TRUE,
	    "0000", &a), FIDO_ERR_PIN_INVALID);
	fido_assert_free(&a);
	ck_assert_int_eq(fido_dev_get_retry_count(t.dev, &retries), FIDO_OK);
	ck_assert_int_eq(retries, 7);
	ck_assert_uint_eq(test_retries(path), 7);
	/* The right PIN restores all retries. */
	ck_assert_int_eq(test_assert(t.dev, RP, c, FIDO_OPT_TRUE, FIDO_OPT_TRUE,
	    PIN, &a), FIDO_OK);
	fido_assert_free(&a);
	ck_assert_uint_eq(test_retries(path), 8);
	fido_cred_free(&c);
	test_close(&t);
	free(path);
}
END_TEST

START_TEST(pin_blocked_at_zero_retries)
{
	char *path = test_new_device("yubikey5", PIN);
	struct test_dev t;
	fido_assert_t *a = NULL;
	fido_cred_t *c;
	int r;

	test_open(&t, path);
	c = test_make_cred(t.dev, RP, PIN, &r);
	ck_assert_int_eq(r, FIDO_OK);
	test_set_retries(path, 1);
	ck_assert_int_eq(test_assert(t.dev, RP, c, FIDO_OPT_TRUE, FIDO_OPT_TRUE,
	    "0000", &a), FIDO_ERR_PIN_BLOCKED);
	fido_assert_free(&a);
	ck_assert_int_eq(test_assert(t.dev, RP, c, FIDO_OPT_TRUE, FIDO_OPT_TRUE,
	    PIN, &a), FIDO_ERR_PIN_BLOCKED);  /* even the right PIN */
	fido_assert_free(&a);
	ck_assert_uint_eq(test_retries(path), 0);
	fido_cred_free(&c);
	test_close(&t);
	free(path);
}
END_TEST

/* Three wrong PINs in a row block PIN use until the key is re-plugged. */
START_TEST(three_wrong_pins_need_replug)
{
	char *path = test_new_device("yubikey5", PIN);
	struct test_dev t;
	fido_assert_t *a = NULL;
	fido_cred_t *c;
	int r;

	test_open(&t, path);
	c = test_make_cred(t.dev, RP, PIN, &r);
	ck_assert_int_eq(r, FIDO_OK);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(test_assert(t.dev, RP, c, FIDO_OPT_TRUE,
		    FIDO_OPT_TRUE, "0000", &a), FIDO_ERR_PIN_INVALID);
		fido_assert_free(&a);
	}
	ck_assert_int_eq(test_assert(t.dev, RP, c, FIDO_OPT_TRUE, FIDO_OPT_TRUE,
	    "0000", &a), FIDO_ERR_PIN_AUTH_BLOCKED);
	fido_assert_free(&a);
	ck_assert_int_eq(test_assert(t.dev, RP, c, FIDO_OPT_TRUE, FIDO_OPT_TRUE,
	    PIN, &a), FIDO_ERR_PIN_AUTH_BLOCKED);
	fido_assert_free(&a);
	ck_assert_uint_eq(test_retries(path), 5);
	test_close(&t);
	test_open(&t, path);
	ck_assert_int_eq(test_assert(t.dev, RP, c, FIDO_OPT_TRUE, FIDO_OPT_TRUE,
	    PIN, &a), FIDO_OK);
	fido_assert_free(&a);
	fido_cred_free(&c);
	test_close(&t);
	free(path);
}
END_TEST

/* No built-in UV: uv=true without a PIN is refused, with or without a PIN set. */
START_TEST(uv_without_pin_refused)
{
	char *path = test_new_device("yubikey5", _i == 0 ? NULL : PIN);
	char *other = test_new_device("yubikey5", NULL);
	struct test_dev t;
	fido_assert_t *a = NULL;
	fido_cred_t *c, *c2;
	int r;

	test_open(&t, other);
	c = test_make_cred(t.dev, RP, NULL, &r);
	ck_assert_int_eq(r, FIDO_OK);
	test_close(&t);
	test_open(&t, path);
	ck_assert_int_eq(test_assert(t.dev, RP, c, FIDO_OPT_TRUE, FIDO_OPT_TRUE,
	    NULL, &a), FIDO_ERR_NO_CREDENTIALS);  /* which device holds it comes first */
	fido_assert_free(&a);
	c2 = test_make_cred(t.dev, RP, _i == 0 ? NULL : PIN, &r);
	ck_assert_int_eq(r, FIDO_OK);
	ck_assert_int_eq(test_assert(t.dev, RP, c2, FIDO_OPT_TRUE, FIDO_OPT_TRUE,
	    NULL, &a), FIDO_ERR_UNSUPPORTED_OPTION);
	fido_assert_free(&a);
	fido_cred_free(&c2);
	fido_cred_free(&c);
	test_close(&t);
	free(path);
	free(other);
}
END_TEST

START_TEST(make_credential_uv_without_pin_refused)
{
	char *path = test_new_device("yubikey5", NULL);
	struct test_dev t;
	fido_cred_t *c = fido_cred_new();

	test_open(&t, path);
	ck_assert_int_eq(fido_cred_set_type(c, COSE_ES256), FIDO_OK);
	ck_assert_int_eq(fido_cred_set_clientdata_hash(c,
	    (const unsigned char *)"0123456789abcdef0123456789abcdef", 32), FIDO_OK);
	ck_assert_int_eq(fido_cred_set_rp(c, RP, NULL), FIDO_OK);
	ck_assert_int_eq(fido_cred_set_user(c, (const unsigned char *)"u", 1, "u",
	    NULL, NULL), FIDO_OK);
	ck_assert_int_eq(fido_cred_set_uv(c, FIDO_OPT_TRUE), FIDO_OK);
	ck_assert_int_eq(fido_dev_make_cred(t.dev, c, NULL), FIDO_ERR_UNSUPPORTED_OPTION);
	fido_cred_free(&c);
	test_close(&t);
	free(path);
}
END_TEST

START_TEST(set_and_change_pin)
{
	char *path = test_new_device(ctap2_profiles[_i], NULL);
	struct test_dev t;
	fido_assert_t *a = NULL;
	fido_cred_t *c;
	int r;

	test_open(&t, path);
	ck_assert(!fido_dev_has_pin(t.dev));
	ck_assert_int_eq(fido_dev_set_pin(t.dev, "4321", NULL), FIDO_OK);
	test_close(&t);
	test_open(&t, path);
	ck_assert(fido_dev_has_pin(t.dev));
	/* A second setPIN is refused: changePIN is the way. */
	ck_assert_int_eq(fido_dev_set_pin(t.dev, "9999", NULL), FIDO_ERR_PIN_AUTH_INVALID);
	ck_assert_int_eq(fido_dev_set_pin(t.dev, "5678", "0000"), FIDO_ERR_PIN_INVALID);
	ck_assert_uint_eq(test_retries(path), 7);
	ck_assert_int_eq(fido_dev_set_pin(t.dev, "5678", "4321"), FIDO_OK);
	ck_assert_uint_eq(test_retries(path), 8);
	c = test_make_cred(t.dev, RP, "5678", &r);
	ck_assert_int_eq(r, FIDO_OK);
	ck_assert_int_eq(test_assert(t.dev, RP, c, FIDO_OPT_TRUE, FIDO_OPT_TRUE,
	    "4321", &a), FIDO_ERR_PIN_INVALID);
	fido_assert_free(&a);
	fido_cred_free(&c);
	test_close(&t);
	free(path);
}
END_TEST

Suite *suite_fido_pin(void)
{
	Suite *s = suite_create("fido-pin");
	TCase *tc = tcase_create("pin");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, pin_gives_uv, 0, 3);
	tcase_add_test(tc, pin_required_to_make_credential);
	tcase_add_test(tc, wrong_pin_costs_a_retry);
	tcase_add_test(tc, pin_blocked_at_zero_retries);
	tcase_add_test(tc, three_wrong_pins_need_replug);
	tcase_add_loop_test(tc, uv_without_pin_refused, 0, 2);
	tcase_add_test(tc, make_credential_uv_without_pin_refused);
	tcase_add_loop_test(tc, set_and_change_pin, 0, 3);
	suite_add_tcase(s, tc);
	return s;
}
