/*
 * Unit tests of lib/enroll.c: makeCredential on a softkey device, the
 * attestation verified and the credential classified (doc/ARCHITECTURE.md
 * §2.2), without root (keyenv.h). The only trust anchor is the softkey test
 * CA, which the softkey transport adds, as in tests/softkey-build.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest.h"
#include "enroll.h"
#include "err.h"
#include "store.h"
#include "transport.h"
#include "util.h"
#include "keyenv.h"
#include "testlib.h"

#define AD_UP 0x01
#define AD_UV 0x04
#define AD_BE 0x08
#define AD_BS 0x10

static const unsigned char yubikey5_aaguid[16] = {
	0xcb, 0x69, 0x48, 0x1e, 0x8f, 0xf7, 0x40, 0x39,
	0x93, 0xec, 0x0a, 0x27, 0x29, 0xa1, 0x54, 0xa8,
};

static int give_pin(void *arg, char **pin)
{
	*pin = strdup((const char *)arg);
	return *pin != NULL ? PR_OK : PR_ERR_NOMEM;
}

/*
 * pr_enroll_make for user on the attached devices (paths), with the
 * configured anchors as the admin tool loads them; pin NULL: no prompt.
 */
static int enroll_on(const char *paths, const char *user, bool uv_required, const char *pin,
    const struct pr_credlist *existing, struct pr_cred *out, struct pr_class_reason *reason)
{
	struct pr_enroll_opts o = {
		.cfg = ke.cfg, .user = user, .label = "desk", .uv_required = uv_required,
	};
	struct pr_ui ui = { .pin = pin != NULL ? give_pin : NULL, .arg = (void *)pin };
	struct pr_devices devs = { .n = 0 };
	struct pr_errbuf eb = { 0 };
	int r;

	ck_assert_msg(pr_anchors_load(ke.cfg->trust_anchors, 1, &o.anchors, &eb) == PR_OK,
	    "%s", eb.msg);
	keyenv_attach(paths);
	ck_assert_int_eq(pr_devices_open(&devs), PR_OK);
	r = pr_enroll_make(&devs, &o, existing, &ui, out, reason, NULL);
	pr_devices_close(&devs);
	X509_STORE_free(o.anchors);
	return r;
}

static void setup(void)
{
	keyenv_setup();
	keyenv_policy("all-users", "owners", "preferred", NULL);
}

static void teardown(void)
{
	unsetenv("PRACTICERUNNER_SOFTKEY_NO_TEST_CA");
	keyenv_teardown();
}

/* ---- each profile, classified ------------------------------------------------------ */

static const struct {
	const char *profile;
	enum pr_class cls;
	const char *fmt;
	uint8_t flags;          /* beyond UP (and AT) */
	bool aaguid;            /* the profile's AAGUID, not zeros */
} profile_rows[] = {
	{ "yubikey5", PR_CLASS_PHYSICAL, "packed", 0, true },
	{ "u2f", PR_CLASS_PHYSICAL, "fido-u2f", 0, false },
	{ "synced", PR_CLASS_PASSKEY, "none", AD_BE | AD_BS, true },
	{ "selfattested", PR_CLASS_PASSKEY, "packed", 0, true },
};

START_TEST(profile_classified)
{
	const char *dev = keyenv_device("k", profile_rows[_i].profile, NULL);
	static const unsigned char zero[16];
	struct pr_cred c;
	struct pr_class_reason reason = { "" };
	int64_t before = pr_now();

	ck_assert_msg(enroll_on(dev, KE_STAFF, false, NULL, NULL, &c, &reason) == PR_OK,
	    "%s", reason.text);
	ck_assert_msg(c.cls == profile_rows[_i].cls, "%s: class %s (%s)",
	    profile_rows[_i].profile, pr_class_name(c.cls), reason.text);
	ck_assert_str_eq(c.fmt, profile_rows[_i].fmt);
	ck_assert_int_eq(c.kind, PR_KIND_FIDO);
	ck_assert_str_eq(c.label, "desk");
	ck_assert_int_ge(c.created, before);
	ck_assert_int_eq(c.last_used, 0);
	ck_assert_uint_gt(c.id_len, 0);
	ck_assert_uint_gt(c.pubkey_len, 0);
	ck_assert_uint_eq(c.flags & (AD_UP | AD_BE | AD_BS), AD_UP | profile_rows[_i].flags);
	ck_assert_int_eq(memcmp(c.aaguid, zero, 16) != 0, profile_rows[_i].aaguid);
	if (strcmp(profile_rows[_i].profile, "yubikey5") == 0)
		ck_assert_int_eq(memcmp(c.aaguid, yubikey5_aaguid, 16), 0);
	ck_assert(reason.text[0] != '\0');
	pr_cred_clear(&c);
}
END_TEST

/* Without the test CA nothing chains to an anchor: every key is a passkey. */
START_TEST(no_anchor_no_physical)
{
	const char *yk = keyenv_device("yk", "yubikey5", NULL);
	const char *u2 = keyenv_device("u2", "u2f", NULL);
	struct pr_cred c;
	struct pr_class_reason reason = { "" };

	ck_assert_int_eq(setenv("PRACTICERUNNER_SOFTKEY_NO_TEST_CA", "1", 1), 0);
	ck_assert_int_eq(enroll_on(yk, KE_STAFF, false, NULL, NULL, &c, &reason), PR_OK);
	ck_assert_int_eq(c.cls, PR_CLASS_PASSKEY);
	pr_cred_clear(&c);
	ck_assert_int_eq(enroll_on(u2, KE_STAFF, false, NULL, NULL, &c, &reason), PR_OK);
	ck_assert_int_eq(c.cls, PR_CLASS_PASSKEY);
	pr_cred_clear(&c);
}
END_TEST

/* ---- the AAGUID allow-list ---------------------------------------------------------- */

static const struct {
	const char *list;
	const char *profile;
	enum pr_class cls;
} aaguid_rows[] = {
	{ "\"" KE_YUBIKEY5_AAGUID "\"", "yubikey5", PR_CLASS_PHYSICAL },
	{ "\"00000000-0000-0000-0000-000000000001\"", "yubikey5", PR_CLASS_PASSKEY },
	{ "\"00000000-0000-0000-0000-000000000001\", \"" KE_YUBIKEY5_AAGUID "\"", "yubikey5",
	  PR_CLASS_PHYSICAL },
	/* U2F keys have no AAGUID: a list leaves them out. */
	{ "\"" KE_YUBIKEY5_AAGUID "\"", "u2f", PR_CLASS_PASSKEY },
	/* Listed or not, a self-attested key is no vendor's. */
	{ "\"" KE_YUBIKEY5_AAGUID "\"", "selfattested", PR_CLASS_PASSKEY },
};

START_TEST(aaguid_allow_list)
{
	char extra[256];
	const char *dev;
	struct pr_cred c;
	struct pr_class_reason reason = { "" };

	snprintf(extra, sizeof(extra), "physical_aaguids = {%s}\n", aaguid_rows[_i].list);
	keyenv_policy("all-users", "owners", "preferred", extra);
	dev = keyenv_device("k", aaguid_rows[_i].profile, NULL);
	ck_assert_int_eq(enroll_on(dev, KE_OWNER, false, NULL, NULL, &c, &reason), PR_OK);
	ck_assert_msg(c.cls == aaguid_rows[_i].cls, "row %d: %s (%s)", _i, pr_class_name(c.cls),
	    reason.text);
	pr_cred_clear(&c);
}
END_TEST

/* ---- refusals ----------------------------------------------------------------------------- */

START_TEST(duplicate_refused)
{
	const char *yk = keyenv_device("yk", "yubikey5", NULL);
	const char *other = keyenv_device("other", "yubikey5", NULL);
	struct pr_credlist l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	struct pr_cred c;
	struct pr_class_reason reason = { "" };

	ck_assert_int_eq(enroll_on(yk, KE_STAFF, false, NULL, NULL, &c, &reason), PR_OK);
	ck_assert_int_eq(pr_store_add(PR_STATE_FILES(ke.state), KE_STAFF, &c, &eb), PR_OK);
	/* The store refuses the same credential id twice. */
	ck_assert_int_eq(pr_store_add(PR_STATE_FILES(ke.state), KE_STAFF, &c, &eb), PR_ERR_EXISTS);
	pr_cred_clear(&c);
	ck_assert_int_eq(pr_store_load(PR_STATE_FILES(ke.state), KE_STAFF, &l, &eb), PR_OK);
	ck_assert_uint_eq(l.n, 1);
	/* The key that holds an enrolled credential refuses to make another. */
	ck_assert_int_eq(enroll_on(yk, KE_STAFF, false, NULL, &l, &c, &reason),
	    PR_ERR_EXISTS);
	/* Another key is welcome. */
	ck_assert_int_eq(enroll_on(other, KE_STAFF, false, NULL, &l, &c, &reason),
	    PR_OK);
	pr_cred_clear(&c);
	pr_credlist_clear(&l);
}
END_TEST

START_TEST(user_verification)
{
	const char *nopin = keyenv_device("nopin", "yubikey5", NULL);
	const char *pinned = keyenv_device("pinned", "yubikey5", KE_PIN);
	struct pr_cred c;
	struct pr_class_reason reason = { "" };

	/* UV demanded of a key that cannot verify anyone. */
	ck_assert_int_eq(enroll_on(nopin, KE_STAFF, true, NULL, NULL, &c, &reason),
	    PR_ERR_NO_PIN);
	/* A key with a PIN needs it, whatever the policy says. */
	ck_assert_int_eq(enroll_on(pinned, KE_STAFF, false, NULL, NULL, &c, &reason),
	    PR_ERR_UV_REQUIRED);
	ck_assert_int_eq(enroll_on(pinned, KE_STAFF, false, "0000", NULL, &c, &reason),
	    PR_ERR_PIN_INVALID);
	ck_assert_int_eq(enroll_on(pinned, KE_STAFF, true, KE_PIN, NULL, &c, &reason),
	    PR_OK);
	ck_assert_uint_eq(c.flags & AD_UV, AD_UV);
	ck_assert_int_eq(c.cls, PR_CLASS_PHYSICAL);
	pr_cred_clear(&c);
}
END_TEST

START_TEST(no_device_or_no_touch)
{
	const char *yk = keyenv_device("yk", "yubikey5", NULL);
	struct pr_cred c;
	struct pr_class_reason reason = { "" };

	ck_assert_int_eq(enroll_on("", KE_STAFF, false, NULL, NULL, &c, &reason),
	    PR_ERR_NO_DEVICE);
	keyenv_set_touch(yk, false);
	ck_assert_int_eq(enroll_on(yk, KE_STAFF, false, NULL, NULL, &c, &reason),
	    PR_ERR_TIMEOUT);
	ck_assert_uint_eq(c.id_len, 0);
}
END_TEST

static Suite *enroll_suite(void)
{
	Suite *s = suite_create("enroll");
	TCase *tc = tcase_create("make");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, profile_classified, 0, NROWS(profile_rows));
	tcase_add_test(tc, no_anchor_no_physical);
	tcase_add_loop_test(tc, aaguid_allow_list, 0, NROWS(aaguid_rows));
	tcase_add_test(tc, duplicate_refused);
	tcase_add_test(tc, user_verification);
	tcase_add_test(tc, no_device_or_no_touch);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_tap(enroll_suite());
}
