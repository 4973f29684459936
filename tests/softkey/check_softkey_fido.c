/*
 * libfido2 against softkey devices, per profile: attestation, assertions,
 * the silent probe, sign counters, credentials of other devices and
 * relying parties, excludeList, getInfo, and concurrent use of one device
 * by two processes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fido/eddsa.h>

#include "check_softkey.h"
#include "softkey.h"

#define RP "pam://softkey-test"
#define AD_UP 0x01
#define AD_UV 0x04
#define AD_BE 0x08
#define AD_BS 0x10
#define AD_AT 0x40

static X509 *cred_cert(const fido_cred_t *c)
{
	const unsigned char *p = fido_cred_x5c_ptr(c);

	ck_assert_ptr_nonnull(p);
	return d2i_X509(NULL, &p, (long)fido_cred_x5c_len(c));
}

/* Does the attestation certificate chain to the anchors the transport adds? */
static bool chains_to_test_ca(X509 *cert)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	bool ok;

	ck_assert_ptr_nonnull(store);
	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(pr_transport_add_anchors(store), 0);
	ck_assert_int_eq(X509_STORE_CTX_init(ctx, store, cert, NULL), 1);
	ok = X509_verify_cert(ctx) == 1;
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok;
}

/* The id-fido-gen-ce-aaguid extension: OCTET STRING { 16 bytes }. */
static void check_aaguid_ext(X509 *cert, const unsigned char *aaguid)
{
	ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.45724.1.1.4", 1);
	int i = X509_get_ext_by_OBJ(cert, oid, -1);
	const ASN1_OCTET_STRING *v;

	ck_assert_int_ge(i, 0);
	ck_assert_int_eq(X509_EXTENSION_get_critical(X509_get_ext(cert, i)), 0);
	v = X509_EXTENSION_get_data(X509_get_ext(cert, i));
	ck_assert_int_eq(ASN1_STRING_length(v), 18);
	ck_assert_int_eq(ASN1_STRING_get0_data(v)[0], 0x04);
	ck_assert_int_eq(ASN1_STRING_get0_data(v)[1], 16);
	ck_assert_mem_eq(ASN1_STRING_get0_data(v) + 2, aaguid, 16);
	ASN1_OBJECT_free(oid);
}

static void check_subject(X509 *cert)
{
	char ou[64] = "";

	ck_assert_int_gt(X509_NAME_get_text_by_NID(X509_get_subject_name(cert),
	    NID_organizationalUnitName, ou, sizeof(ou)), 0);
	ck_assert_str_eq(ou, "Authenticator Attestation");
	ck_assert_int_eq(X509_check_ca(cert), 0);  /* basicConstraints CA:FALSE */
	ck_assert_int_eq(X509_get_version(cert), 2);
}

static const unsigned char *profile_aaguid(const char *name)
{
	return sk_profile_find(name)->aaguid;
}

START_TEST(yubikey5_packed_attestation)
{
	struct test_dev t;
	char *path = test_new_device("yubikey5", NULL);
	fido_cred_t *c;
	X509 *cert;
	int r;

	test_open(&t, path);
	c = test_make_cred(t.dev, RP, NULL, &r);
	ck_assert_int_eq(r, FIDO_OK);
	ck_assert_str_eq(fido_cred_fmt(c), "packed");
	ck_assert_int_eq(fido_cred_verify(c), FIDO_OK);
	ck_assert_int_eq(fido_cred_flags(c), AD_UP | AD_AT);  /* BE=0 BS=0 UV=0 */
	ck_assert_uint_eq(fido_cred_aaguid_len(c), 16);
	ck_assert_mem_eq(fido_cred_aaguid_ptr(c), profile_aaguid("yubikey5"), 16);
	ck_assert_ptr_nonnull(cert = cred_cert(c));
	ck_assert(chains_to_test_ca(cert));
	check_subject(cert);
	check_aaguid_ext(cert, profile_aaguid("yubikey5"));
	X509_free(cert);
	fido_cred_free(&c);
	test_close(&t);
	free(path);
}
END_TEST

START_TEST(yubikey5_counter_grows)
{
	struct test_dev t;
	char *path = test_new_device("yubikey5", NULL);
	fido_assert_t *a = NULL;
	fido_cred_t *c;
	uint32_t start;
	int r;

	test_open(&t, path);
	c = test_make_cred(t.dev, RP, NULL, &r);
	ck_assert_int_eq(r, FIDO_OK);
	start = test_counter(path);
	for (uint32_t i = 1; i <= 3; i++) {
		ck_assert_int_eq(test_assert(t.dev, RP, c, FIDO_OPT_TRUE,
		    FIDO_OPT_OMIT, NULL, &a), FIDO_OK);
		ck_assert_int_eq(test_verify(a, c), FIDO_OK);
		ck_assert_uint_eq(fido_assert_sigcount(a, 0), start + i);
		ck_assert_int_eq(fido_assert_flags(a, 0), AD_UP);
		ck_assert_mem_eq(fido_assert_id_ptr(a, 0), fido_cred_id_ptr(c),
		    fido_cred_id_len(c));
		fido_assert_free(&a);
	}
	ck_assert_uint_eq(test_counter(path), start + 3);  /* stored, too */
	fido_cred_free(&c);
	test_close(&t);
	free(path);
}
END_TEST

static const char *const ctap2_profiles[] = { "yubikey5", "synced", "selfattested" };

/* up=false: answered without a touch (touch is off), UP=0, still signed. */
START_TEST(silent_probe)
{
	struct test_dev t;
	char *path = test_new_device(ctap2_profiles[_i], NULL);
	fido_assert_t *a = NULL;
	fido_cred_t *c;
	int r;

	test_open(&t, path);
	c = test_make_cred(t.dev, RP, NULL, &r);
	ck_assert_int_eq(r, FIDO_OK);
	test_set_touch(path, false);
	ck_assert_int_eq(test_assert(t.dev, RP, c, FIDO_OPT_FALSE, FIDO_OPT_OMIT,
	    NULL, &a), FIDO_OK);
	ck_assert_int_eq(fido_assert_flags(a, 0) & AD_UP, 0);
	ck_assert_int_eq(test_verify(a, c), FIDO_OK);
	fido_assert_free(&a);
	fido_cred_free(&c);
	test_close(&t);
	free(path);
}
END_TEST

START_TEST(synced_none_backup_zero_counter)
{
	struct test_dev t;
	char *path = test_new_device("synced", NULL);
	fido_assert_t *a = NULL;
	fido_cred_t *c;
	int r;

	test_open(&t, path);
	c = test_make_cred(t.dev, RP, NULL, &r);
	ck_assert_int_eq(r, FIDO_OK);
	ck_assert_str_eq(fido_cred_fmt(c), "none");
	ck_assert_ptr_null(fido_cred_x5c_ptr(c));
	ck_assert_ptr_null(fido_cred_sig_ptr(c));
	ck_assert_int_ne(fido_cred_verify(c), FIDO_OK);  /* nothing to verify */
	ck_assert_int_eq(fido_cred_flags(c), AD_UP | AD_BE | AD_BS | AD_AT);
	ck_assert_mem_eq(fido_cred_aaguid_ptr(c), profile_aaguid("synced"), 16);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(test_assert(t.dev, RP, c, FIDO_OPT_TRUE,
		    FIDO_OPT_OMIT, NULL, &a), FIDO_OK);
		ck_assert_int_eq(test_verify(a, c), FIDO_OK);
		ck_assert_uint_eq(fido_assert_sigcount(a, 0), 0);
		ck_assert_int_eq(fido_assert_flags(a, 0), AD_UP | AD_BE | AD_BS);
		fido_assert_free(&a);
	}
	fido_cred_free(&c);
	test_close(&t);
	free(path);
}
END_TEST

START_TEST(selfattested_packed_self)
{
	struct test_dev t;
	char *path = test_new_device("selfattested", NULL);
	fido_assert_t *a = NULL;
	fido_cred_t *c;
	int r;

	test_open(&t, path);
	c = test_make_cred(t.dev, RP, NULL, &r);
	ck_assert_int_eq(r, FIDO_OK);
	ck_assert_str_eq(fido_cred_fmt(c), "packed");
	ck_assert_ptr_null(fido_cred_x5c_ptr(c));
	ck_assert_int_eq(fido_cred_verify_self(c), FIDO_OK);
	ck_assert_int_eq(fido_cred_flags(c), AD_UP | AD_AT);
	ck_assert_mem_eq(fido_cred_aaguid_ptr(c), profile_aaguid("selfattested"), 16);
	ck_assert_int_eq(test_assert(t.dev, RP, c, FIDO_OPT_TRUE, FIDO_OPT_OMIT,
	    NULL, &a), FIDO_OK);
	ck_assert_int_eq(test_verify(a, c), FIDO_OK);
	ck_assert_uint_eq(fido_assert_sigcount(a, 0), 1);
	fido_assert_free(&a);
	fido_cred_free(&c);
	test_close(&t);
	free(path);
}
END_TEST

START_TEST(u2f_register_and_authenticate)
{
	struct test_dev t;
	char *path = test_new_device("u2f", NULL);
	fido_assert_t *a = NULL;
	fido_cred_t *c;
	X509 *cert;
	int r;

	test_open(&t, path);
	ck_assert(!fido_dev_is_fido2(t.dev));
	c = test_make_cred(t.dev, RP, NULL, &r);
	ck_assert_int_eq(r, FIDO_OK);
	ck_assert_str_eq(fido_cred_fmt(c), "fido-u2f");
	ck_assert_int_eq(fido_cred_verify(c), FIDO_OK);
	ck_assert_ptr_nonnull(cert = cred_cert(c));
	ck_assert(chains_to_test_ca(cert));
	check_subject(cert);
	X509_free(cert);
	for (uint32_t i = 1; i <= 2; i++) {
		ck_assert_int_eq(test_assert(t.dev, RP, c, FIDO_OPT_TRUE,
		    FIDO_OPT_OMIT, NULL, &a), FIDO_OK);
		ck_assert_int_eq(test_verify(a, c), FIDO_OK);
		ck_assert_uint_eq(fido_assert_sigcount(a, 0), i);
		ck_assert_int_eq(fido_assert_flags(a, 0), AD_UP);
		fido_assert_free(&a);
	}
	/* libfido2's U2F probe: the key exists, but UP is required to sign. */
	ck_assert_int_eq(test_assert(t.dev, RP, c, FIDO_OPT_FALSE, FIDO_OPT_OMIT,
	    NULL, &a), FIDO_ERR_USER_PRESENCE_REQUIRED);
	fido_assert_free(&a);
	ck_assert_uint_eq(test_counter(path), 2);
	fido_cred_free(&c);
	test_close(&t);
	free(path);
}
END_TEST

/* A CTAP2 credential also signs over U2F on a yubikey5 (same key handle). */
START_TEST(yubikey5_u2f_uses_ctap2_credential)
{
	struct test_dev t;
	char *path = test_new_device("yubikey5", NULL);
	fido_assert_t *a = NULL;
	fido_cred_t *c;
	int r;

	test_open(&t, path);
	c = test_make_cred(t.dev, RP, NULL, &r);
	ck_assert_int_eq(r, FIDO_OK);
	fido_dev_force_u2f(t.dev);
	ck_assert_int_eq(test_assert(t.dev, RP, c, FIDO_OPT_TRUE, FIDO_OPT_OMIT,
	    NULL, &a), FIDO_OK);
	ck_assert_int_eq(test_verify(a, c), FIDO_OK);
	fido_assert_free(&a);
	fido_cred_free(&c);
	test_close(&t);
	free(path);
}
END_TEST

/* An EdDSA credential on every CTAP2 profile: attested, then it signs. */
START_TEST(eddsa_credential)
{
	static const unsigned char user_id[] = { 'u' };
	const char *profile = ctap2_profiles[_i];
	struct test_dev t;
	char *path = test_new_device(profile, NULL);
	unsigned char cdh[32] = { 1 };
	fido_assert_t *a = NULL;
	fido_cred_t *c = fido_cred_new();
	eddsa_pk_t *pk = eddsa_pk_new();

	test_open(&t, path);
	ck_assert_int_eq(fido_cred_set_type(c, COSE_EDDSA), FIDO_OK);
	ck_assert_int_eq(fido_cred_set_clientdata_hash(c, cdh, sizeof(cdh)), FIDO_OK);
	ck_assert_int_eq(fido_cred_set_rp(c, RP, NULL), FIDO_OK);
	ck_assert_int_eq(fido_cred_set_user(c, user_id, sizeof(user_id), "u", NULL,
	    NULL), FIDO_OK);
	ck_assert_int_eq(fido_dev_make_cred(t.dev, c, NULL), FIDO_OK);
	ck_assert_int_eq(fido_cred_type(c), COSE_EDDSA);
	ck_assert_uint_eq(fido_cred_pubkey_len(c), 32);
	if (fido_cred_x5c_ptr(c) != NULL)
		ck_assert_int_eq(fido_cred_verify(c), FIDO_OK);
	else if (strcmp(fido_cred_fmt(c), "packed") == 0)
		ck_assert_int_eq(fido_cred_verify_self(c), FIDO_OK);
	ck_assert_int_eq(test_assert(t.dev, RP, c, FIDO_OPT_TRUE, FIDO_OPT_OMIT,
	    NULL, &a), FIDO_OK);
	ck_assert_int_eq(eddsa_pk_from_ptr(pk, fido_cred_pubkey_ptr(c),
	    fido_cred_pubkey_len(c)), FIDO_OK);
	ck_assert_int_eq(fido_assert_verify(a, 0, COSE_EDDSA, pk), FIDO_OK);
	eddsa_pk_free(&pk);
	fido_assert_free(&a);
	fido_cred_free(&c);
	test_close(&t);
	free(path);
}
END_TEST

static const char *const all_profiles[] = { "yubikey5", "synced", "selfattested", "u2f" };

START_TEST(credential_of_other_device)
{
	const char *profile = all_profiles[_i];
	char *p1 = test_new_device(profile, NULL), *p2 = test_new_device(profile, NULL);
	struct test_dev t1, t2;
	fido_assert_t *a = NULL;
	fido_cred_t *c;
	int r;

	test_open(&t1, p1);
	c = test_make_cred(t1.dev, RP, NULL, &r);
	ck_assert_int_eq(r, FIDO_OK);
	test_close(&t1);
	test_open(&t2, p2);
	ck_assert_int_eq(test_assert(t2.dev, RP, c, FIDO_OPT_TRUE, FIDO_OPT_OMIT,
	    NULL, &a), FIDO_ERR_NO_CREDENTIALS);
	fido_assert_free(&a);
	ck_assert_int_eq(test_assert(t2.dev, RP, c, FIDO_OPT_FALSE, FIDO_OPT_OMIT,
	    NULL, &a), FIDO_ERR_NO_CREDENTIALS);
	fido_assert_free(&a);
	fido_cred_free(&c);
	test_close(&t2);
	free(p1);
	free(p2);
}
END_TEST

START_TEST(credential_of_other_rp)
{
	char *path = test_new_device(all_profiles[_i], NULL);
	struct test_dev t;
	fido_assert_t *a = NULL;
	fido_cred_t *c;
	int r;

	test_open(&t, path);
	c = test_make_cred(t.dev, "pam://clinic-a", NULL, &r);
	ck_assert_int_eq(r, FIDO_OK);
	ck_assert_int_eq(test_assert(t.dev, "pam://clinic-b", c, FIDO_OPT_TRUE,
	    FIDO_OPT_OMIT, NULL, &a), FIDO_ERR_NO_CREDENTIALS);
	fido_assert_free(&a);
	ck_assert_int_eq(test_assert(t.dev, "pam://clinic-a", c, FIDO_OPT_TRUE,
	    FIDO_OPT_OMIT, NULL, &a), FIDO_OK);
	fido_assert_free(&a);
	fido_cred_free(&c);
	test_close(&t);
	free(path);
}
END_TEST

START_TEST(empty_allow_list)
{
	char *path = test_new_device(ctap2_profiles[_i], NULL);
	struct test_dev t;
	fido_assert_t *a = NULL;

	test_open(&t, path);
	ck_assert_int_eq(test_assert(t.dev, RP, NULL, FIDO_OPT_TRUE, FIDO_OPT_OMIT,
	    NULL, &a), FIDO_ERR_NO_CREDENTIALS);
	fido_assert_free(&a);
	test_close(&t);
	free(path);
}
END_TEST

START_TEST(exclude_list)
{
	char *path = test_new_device(all_profiles[_i], NULL);
	struct test_dev t;
	fido_cred_t *c, *c2;
	int r;

	test_open(&t, path);
	c = test_make_cred(t.dev, RP, NULL, &r);
	ck_assert_int_eq(r, FIDO_OK);
	c2 = fido_cred_new();
	ck_assert_int_eq(fido_cred_set_type(c2, COSE_ES256), FIDO_OK);
	ck_assert_int_eq(fido_cred_set_clientdata_hash(c2,
	    (const unsigned char *)"0123456789abcdef0123456789abcdef", 32), FIDO_OK);
	ck_assert_int_eq(fido_cred_set_rp(c2, RP, NULL), FIDO_OK);
	ck_assert_int_eq(fido_cred_set_user(c2, (const unsigned char *)"u", 1, "u",
	    NULL, NULL), FIDO_OK);
	ck_assert_int_eq(fido_cred_exclude(c2, fido_cred_id_ptr(c),
	    fido_cred_id_len(c)), FIDO_OK);
	ck_assert_int_eq(fido_dev_make_cred(t.dev, c2, NULL), FIDO_ERR_CREDENTIAL_EXCLUDED);
	/* The same id excluded under another relying party is not a match. */
	ck_assert_int_eq(fido_cred_set_rp(c2, "pam://elsewhere", NULL), FIDO_OK);
	ck_assert_int_eq(fido_dev_make_cred(t.dev, c2, NULL), FIDO_OK);
	fido_cred_free(&c2);
	fido_cred_free(&c);
	test_close(&t);
	free(path);
}
END_TEST

START_TEST(resident_key_refused)
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
	ck_assert_int_eq(fido_cred_set_rk(c, FIDO_OPT_TRUE), FIDO_OK);
	ck_assert_int_eq(fido_dev_make_cred(t.dev, c, NULL), FIDO_ERR_UNSUPPORTED_OPTION);
	fido_cred_free(&c);
	test_close(&t);
	free(path);
}
END_TEST

static bool has_string(char **list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

START_TEST(get_info)
{
	const char *profile = ctap2_profiles[_i];
	char *path = test_new_device(profile, "1234");
	fido_cbor_info_t *ci = fido_cbor_info_new();
	struct test_dev t;
	char **names;
	const bool *values;
	bool client_pin = false;

	test_open(&t, path);
	ck_assert(fido_dev_is_fido2(t.dev));
	ck_assert(fido_dev_has_pin(t.dev));
	ck_assert_int_eq(fido_dev_get_cbor_info(t.dev, ci), FIDO_OK);
	ck_assert(has_string(fido_cbor_info_versions_ptr(ci),
	    fido_cbor_info_versions_len(ci), "FIDO_2_0"));
	ck_assert(has_string(fido_cbor_info_versions_ptr(ci),
	    fido_cbor_info_versions_len(ci), "U2F_V2") == (strcmp(profile, "yubikey5") == 0));
	ck_assert_mem_eq(fido_cbor_info_aaguid_ptr(ci), profile_aaguid(profile), 16);
	ck_assert_uint_eq(fido_cbor_info_maxmsgsiz(ci), 1200);
	ck_assert_uint_eq(fido_cbor_info_protocols_len(ci), 1);
	ck_assert_uint_eq(fido_cbor_info_protocols_ptr(ci)[0], 1);
	names = fido_cbor_info_options_name_ptr(ci);
	values = fido_cbor_info_options_value_ptr(ci);
	for (size_t i = 0; i < fido_cbor_info_options_len(ci); i++) {
		ck_assert(strcmp(names[i], "uv") != 0);  /* no built-in UV */
		if (strcmp(names[i], "clientPin") == 0)
			client_pin = values[i];
		if (strcmp(names[i], "rk") == 0)
			ck_assert(!values[i]);
	}
	ck_assert(client_pin);
	fido_cbor_info_free(&ci);
	test_close(&t);
	free(path);
}
END_TEST

#define CONCURRENT_ASSERTIONS 12

static int assert_many(const char *path, const fido_cred_t *c)
{
	struct pr_devices d;
	fido_assert_t *a = NULL;
	int bad = 0;

	if (setenv("PRACTICERUNNER_SOFTKEY", path, 1) != 0 || pr_devices_open(&d) != 0 ||
	    d.n != 1)
		return 1;
	for (int i = 0; i < CONCURRENT_ASSERTIONS; i++) {
		bad |= test_assert(d.dev[0], RP, c, FIDO_OPT_TRUE, FIDO_OPT_OMIT,
		    NULL, &a) != FIDO_OK || test_verify(a, c) != FIDO_OK;
		fido_assert_free(&a);
	}
	pr_devices_close(&d);
	return bad;
}

/* Two processes sign with one device at once: no counter step is lost. */
START_TEST(concurrent_processes)
{
	char *path = test_new_device(_i == 0 ? "yubikey5" : "u2f", NULL);
	struct test_dev t;
	fido_cred_t *c;
	pid_t pid[2];
	int r, status;

	test_open(&t, path);
	c = test_make_cred(t.dev, RP, NULL, &r);
	ck_assert_int_eq(r, FIDO_OK);
	test_close(&t);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_ge(pid[i] = fork(), 0);
		if (pid[i] == 0)
			_exit(assert_many(path, c));
	}
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(waitpid(pid[i], &status, 0), pid[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ck_assert_uint_eq(test_counter(path), 2 * CONCURRENT_ASSERTIONS);
	fido_cred_free(&c);
	free(path);
}
END_TEST

Suite *suite_fido(void)
{
	Suite *s = suite_create("fido");
	TCase *tc = tcase_create("profiles");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, yubikey5_packed_attestation);
	tcase_add_test(tc, yubikey5_counter_grows);
	tcase_add_loop_test(tc, silent_probe, 0, 3);
	tcase_add_test(tc, synced_none_backup_zero_counter);
	tcase_add_test(tc, selfattested_packed_self);
	tcase_add_test(tc, u2f_register_and_authenticate);
	tcase_add_loop_test(tc, eddsa_credential, 0, 3);
	tcase_add_test(tc, yubikey5_u2f_uses_ctap2_credential);
	tcase_add_loop_test(tc, credential_of_other_device, 0, 4);
	tcase_add_loop_test(tc, credential_of_other_rp, 0, 4);
	tcase_add_loop_test(tc, empty_allow_list, 0, 3);
	tcase_add_loop_test(tc, exclude_list, 0, 4);
	tcase_add_test(tc, resident_key_refused);
	tcase_add_loop_test(tc, get_info, 0, 3);
	tcase_add_loop_test(tc, concurrent_processes, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
