/*
 * Unit tests of lib/signin.c, the one sign-in decision of the module and
 * practicerunner-verify, with softkey devices and without root (keyenv.h):
 * for each case the outcome and the audit record it leaves, field by
 * field, as tests/integration/module_auth.sh and module_stepup.sh check
 * them through PAM as root.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "policy.h"
#include "signin.h"
#include "store.h"
#include "keyenv.h"
#include "testlib.h"

/* Module options of one attempt. */
/* OPT_MERGED: the attempt is over the failure-record rate, counted and not written. */
enum { OPT_OPPORTUNISTIC = 1, OPT_STEP_UP = 2, OPT_UV_REQUIRED = 4, OPT_MERGED = 8 };

/* The record an attempt must leave. NULL: the field is absent; ANY: present. */
struct want {
	const char *event, *result, *reason, *user, *role, *method, *cls, *flags;
	long long sign_count;     /* -1: absent */
	bool cred;                /* cred_id and aaguid present */
};
#define ANY "*"

static int give_pin(void *arg, char **pin)
{
	*pin = strdup((const char *)arg);
	return *pin != NULL ? PR_OK : PR_ERR_NOMEM;
}

/*
 * One attempt as pam_sm_authenticate makes it on the direct path: the user,
 * the decision, the record. pin: what the user types at the PIN prompt
 * (NULL: no prompt answered). The record must be the only one added (none
 * with OPT_MERGED); *record is then the log's last record.
 */
static int sign_in(const char *user, int opts, const char *pin, bool *ignore, char **record)
{
	struct pr_signin s = {
		.cfg = ke.cfg, .user = user, .service = "login", .tty = "pts/7",
		.rhost = "192.0.2.10", .path = "direct",
		.opportunistic = (opts & OPT_OPPORTUNISTIC) != 0,
		.step_up = (opts & OPT_STEP_UP) != 0,
		.uv_required = (opts & OPT_UV_REQUIRED) != 0,
		.ui = { .pin = pin != NULL ? give_pin : NULL, .arg = (void *)pin },
	};
	const char *note = NULL;
	long before = keyenv_records();
	int r;

	*ignore = false;
	if ((r = pr_signin_user(&s)) == PR_OK)
		r = pr_signin_auth(&s, ignore, &note);
	ck_assert_msg(pr_signin_record(&s, pr_signin_event(&s), r, note) == PR_OK, "%s",
	    s.eb.msg);
	pr_signin_clear(&s);
	ck_assert_int_eq(keyenv_records(), before + ((opts & OPT_MERGED) != 0 ? 0 : 1));
	*record = test_audit_last(ke.audit);
	return r;
}

static void field_is(const char *rec, const char *key, const char *want)
{
	const char *v = test_audit_field(rec, key);

	if (want == NULL)
		ck_assert_msg(v == NULL, "%s=%s, want none, in: %s", key, v, rec);
	else if (strcmp(want, ANY) == 0)
		ck_assert_msg(v != NULL && v[0] != '\0', "no %s in: %s", key, rec);
	else
		ck_assert_msg(v != NULL && strcmp(v, want) == 0, "%s=%s, want %s, in: %s", key,
		    v != NULL ? v : "(none)", want, rec);
}

static void record_is(char *rec, const struct want *w)
{
	char count[24];

	field_is(rec, "event", w->event);
	field_is(rec, "result", w->result);
	field_is(rec, "reason", w->reason);
	field_is(rec, "user", w->user);
	field_is(rec, "role", w->role);
	field_is(rec, "method", w->method);
	field_is(rec, "class", w->cls);
	field_is(rec, "flags", w->flags);
	snprintf(count, sizeof(count), "%lld", w->sign_count);
	field_is(rec, "sign_count", w->sign_count >= 0 ? count : NULL);
	field_is(rec, "cred_id", w->cred ? ANY : NULL);
	field_is(rec, "aaguid", w->cred ? ANY : NULL);
	/* Every attempt names where it ran and for which relying party. */
	field_is(rec, "service", "login");
	field_is(rec, "tty", "pts/7");
	field_is(rec, "rhost", "192.0.2.10");
	field_is(rec, "rp_id", KE_RP_ID);
	field_is(rec, "path", "direct");
	free(rec);
}

/* The stored sign counter of user's only credential. */
static uint32_t stored_counter(const char *user)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	uint32_t c;

	ck_assert_int_eq(pr_store_load(PR_STATE_FILES(ke.state), user, &l, &eb), PR_OK);
	ck_assert_uint_eq(l.n, 1);
	c = l.v[0].sign_count;
	pr_credlist_clear(&l);
	return c;
}

static void setup(void)
{
	keyenv_setup();
}

static void teardown(void)
{
	keyenv_teardown();
}

/* ---- no requirement ---------------------------------------------------------------- */

START_TEST(policy_none_ignores)
{
	const char *yk;
	uint32_t dev0, st0;
	bool ignore;
	char *rec;

	keyenv_policy("none", "none", "preferred", NULL);
	yk = keyenv_device("yk", "yubikey5", NULL);
	keyenv_enroll(KE_STAFF, yk, NULL);
	dev0 = keyenv_counter(yk);
	st0 = stored_counter(KE_STAFF);
	keyenv_attach(yk);
	ck_assert_int_eq(sign_in(KE_STAFF, 0, NULL, &ignore, &rec), PR_OK);
	ck_assert(ignore);
	record_is(rec, &(struct want){ "auth", "success", "no-requirement", KE_STAFF, "staff",
	    NULL, NULL, NULL, -1, false });
	/* Nothing asked of the key: its counter did not move. */
	ck_assert_uint_eq(keyenv_counter(yk), dev0);
	ck_assert_uint_eq(stored_counter(KE_STAFF), st0);
}
END_TEST

START_TEST(exempt_user_ignored)
{
	bool ignore;
	char *rec;

	keyenv_policy("all-users", "all-users", "required", NULL);
	ck_assert_int_eq(sign_in(KE_EXEMPT, 0, NULL, &ignore, &rec), PR_OK);
	ck_assert(ignore);
	record_is(rec, &(struct want){ "auth", "success", "no-requirement", KE_EXEMPT, "staff",
	    NULL, NULL, NULL, -1, false });
}
END_TEST

START_TEST(system_account_ignored)
{
	bool ignore;
	char *rec;

	keyenv_policy("all-users", "owners", "preferred", NULL);
	ck_assert_int_eq(sign_in(KE_SYSTEM, OPT_OPPORTUNISTIC, NULL, &ignore, &rec), PR_OK);
	ck_assert(ignore);
	record_is(rec, &(struct want){ "auth", "success", "system-account", KE_SYSTEM, "staff",
	    NULL, NULL, NULL, -1, false });
}
END_TEST

START_TEST(unknown_user_refused_unnamed)
{
	bool ignore;
	char *rec;

	keyenv_policy("all-users", "owners", "preferred", NULL);
	ck_assert_int_eq(sign_in(KE_UNKNOWN, 0, NULL, &ignore, &rec), PR_ERR_NOT_FOUND);
	ck_assert(!ignore);
	/* A name that is no account may be a mistyped password: never recorded. */
	ck_assert_ptr_null(strstr(rec, KE_UNKNOWN));
	record_is(rec, &(struct want){ "auth", "failure", "not-found", "(unknown)", NULL,
	    NULL, NULL, NULL, -1, false });
}
END_TEST

/* ---- a requirement met ------------------------------------------------------------- */

START_TEST(physical_key_signs_in)
{
	const char *yk;
	bool ignore;
	char *rec;

	keyenv_policy("all-users", "owners", "preferred", NULL);
	yk = keyenv_device("yk", "yubikey5", NULL);
	keyenv_enroll(KE_STAFF, yk, NULL);
	keyenv_attach(yk);
	ck_assert_int_eq(sign_in(KE_STAFF, 0, NULL, &ignore, &rec), PR_OK);
	ck_assert(!ignore);
	record_is(rec, &(struct want){ "auth", "success", "security-key", KE_STAFF, "staff",
	    "security-key", "physical", "0x01:UP", keyenv_counter(yk), true });
	/* The counter the key signed is the one stored. */
	ck_assert_uint_eq(stored_counter(KE_STAFF), keyenv_counter(yk));
	/* The owner, under the physical rule, with the same kind of key. */
	yk = keyenv_device("own", "yubikey5", NULL);
	keyenv_enroll(KE_OWNER, yk, NULL);
	keyenv_attach(yk);
	ck_assert_int_eq(sign_in(KE_OWNER, 0, NULL, &ignore, &rec), PR_OK);
	ck_assert_str_eq(test_audit_field(rec, "aaguid"), KE_YUBIKEY5_AAGUID);
	record_is(rec, &(struct want){ "auth", "success", "physical-key", KE_OWNER, "owner",
	    "security-key", "physical", "0x01:UP", keyenv_counter(yk), true });
}
END_TEST

START_TEST(passkey_signs_in_without_physical_rule)
{
	const char *sy;
	bool ignore;
	char *rec;

	keyenv_policy("all-users", "owners", "preferred", NULL);
	sy = keyenv_device("sy", "synced", NULL);
	keyenv_enroll(KE_STAFF, sy, NULL);
	keyenv_attach(sy);
	ck_assert_int_eq(sign_in(KE_STAFF, 0, NULL, &ignore, &rec), PR_OK);
	/* A synced passkey keeps no counter (0) and says BE and BS. */
	record_is(rec, &(struct want){ "auth", "success", "security-key", KE_STAFF, "staff",
	    "passkey", "passkey", "0x19:UP,BE,BS", 0, true });
}
END_TEST

/* ---- refusals ------------------------------------------------------------------------ */

START_TEST(passkey_under_physical_rule)
{
	const char *yk, *sy;
	bool ignore;
	char *rec;

	keyenv_policy("all-users", "owners", "preferred", NULL);
	yk = keyenv_device("yk", "yubikey5", NULL);
	sy = keyenv_device("sy", "synced", NULL);
	/* Only a passkey on file: the owner has nothing policy accepts. */
	keyenv_enroll(KE_OWNER, sy, NULL);
	keyenv_attach(sy);
	ck_assert_int_eq(sign_in(KE_OWNER, 0, NULL, &ignore, &rec), PR_ERR_CLASS);
	record_is(rec, &(struct want){ "auth", "failure", "class-not-allowed", KE_OWNER, "owner",
	    "passkey", "passkey", NULL, -1, true });
	/* Nothing attached: the refusal says only that nothing policy accepts is enrolled. */
	keyenv_attach("");
	ck_assert_int_eq(sign_in(KE_OWNER, 0, NULL, &ignore, &rec), PR_ERR_NOT_ENROLLED);
	record_is(rec, &(struct want){ "auth", "failure", "not-enrolled", KE_OWNER, "owner",
	    NULL, NULL, NULL, -1, false });
	/* A physical key too (forced passkey beside it): the passkey presented is refused. */
	keyenv_enroll(KE_OWNER, yk, NULL);
	keyenv_attach(sy);
	ck_assert_int_eq(sign_in(KE_OWNER, 0, NULL, &ignore, &rec), PR_ERR_CLASS);
	ck_assert(!ignore);
	record_is(rec, &(struct want){ "auth", "failure", "class-not-allowed", KE_OWNER, "owner",
	    "passkey", "passkey", NULL, -1, true });
	/* The physical key still signs in. */
	keyenv_attach(yk);
	ck_assert_int_eq(sign_in(KE_OWNER, 0, NULL, &ignore, &rec), PR_OK);
	free(rec);
}
END_TEST

START_TEST(uv_required_key_without_pin)
{
	const char *sy, *pinned;
	bool ignore;
	char *rec;

	keyenv_policy("all-users", "owners", "required", NULL);
	sy = keyenv_device("sy", "synced", NULL);
	keyenv_enroll(KE_STAFF, sy, NULL);
	keyenv_attach(sy);
	ck_assert_int_eq(sign_in(KE_STAFF, 0, NULL, &ignore, &rec), PR_ERR_NO_PIN);
	/* No signature was made, so there is no evidence to record. */
	record_is(rec, &(struct want){ "auth", "failure", "no-pin-set", KE_STAFF, "staff",
	    NULL, NULL, NULL, -1, false });
	/* The same key with a PIN set and given: UV is in the signed flags. */
	pinned = keyenv_device("pinned", "yubikey5", KE_PIN);
	keyenv_enroll(KE_STAFF2, pinned, NULL);
	keyenv_attach(pinned);
	ck_assert_int_eq(sign_in(KE_STAFF2, 0, "0000", &ignore, &rec), PR_ERR_PIN_INVALID);
	record_is(rec, &(struct want){ "auth", "failure", "pin-invalid", KE_STAFF2, "staff",
	    NULL, NULL, NULL, -1, false });
	ck_assert_int_eq(sign_in(KE_STAFF2, 0, KE_PIN, &ignore, &rec), PR_OK);
	record_is(rec, &(struct want){ "auth", "success", "security-key", KE_STAFF2, "staff",
	    "security-key", "physical", "0x05:UP,UV", keyenv_counter(pinned), true });
}
END_TEST

START_TEST(uv_option_stricter_than_policy)
{
	const char *sy;
	bool ignore;
	char *rec;

	keyenv_policy("all-users", "owners", "discouraged", NULL);
	sy = keyenv_device("sy", "synced", NULL);
	keyenv_enroll(KE_STAFF, sy, NULL);
	keyenv_attach(sy);
	ck_assert_int_eq(sign_in(KE_STAFF, 0, NULL, &ignore, &rec), PR_OK);
	free(rec);
	ck_assert_int_eq(sign_in(KE_STAFF, OPT_UV_REQUIRED, NULL, &ignore, &rec), PR_ERR_NO_PIN);
	record_is(rec, &(struct want){ "auth", "failure", "no-pin-set", KE_STAFF, "staff",
	    NULL, NULL, NULL, -1, false });
}
END_TEST

START_TEST(cloned_key_refused)
{
	const char *yk;
	uint32_t stored;
	bool ignore;
	char *rec;

	keyenv_policy("all-users", "owners", "preferred", NULL);
	yk = keyenv_device("yk", "yubikey5", NULL);
	keyenv_enroll(KE_OWNER, yk, NULL);
	keyenv_set_counter(yk, 1000);
	keyenv_attach(yk);
	ck_assert_int_eq(sign_in(KE_OWNER, 0, NULL, &ignore, &rec), PR_OK);
	free(rec);
	stored = stored_counter(KE_OWNER);
	ck_assert_uint_ge(stored, 1000);
	/* A clone is behind the original: it signs with a smaller counter. */
	keyenv_set_counter(yk, 5);
	ck_assert_int_eq(sign_in(KE_OWNER, 0, NULL, &ignore, &rec), PR_ERR_COUNTER);
	ck_assert(!ignore);
	/* The record carries the counter the clone gave, as evidence. */
	record_is(rec, &(struct want){ "auth", "failure", "counter-regression", KE_OWNER,
	    "owner", "security-key", "physical", "0x01:UP", keyenv_counter(yk), true });
	ck_assert_uint_eq(stored_counter(KE_OWNER), stored);
	/*
	 * The stored counter again is no growth either. (A sign-in asks the
	 * key twice, a silent probe then the assertion, and each counts.)
	 */
	keyenv_set_counter(yk, stored - 2);
	ck_assert_int_eq(sign_in(KE_OWNER, 0, NULL, &ignore, &rec), PR_ERR_COUNTER);
	ck_assert_uint_eq(keyenv_counter(yk), stored);
	free(rec);
	keyenv_set_counter(yk, 100000);
	ck_assert_int_eq(sign_in(KE_OWNER, 0, NULL, &ignore, &rec), PR_OK);
	free(rec);
	ck_assert_uint_gt(stored_counter(KE_OWNER), 100000);
	ck_assert_uint_eq(stored_counter(KE_OWNER), keyenv_counter(yk));
}
END_TEST

START_TEST(no_touch_times_out)
{
	const char *yk;
	bool ignore;
	char *rec;

	keyenv_policy("all-users", "owners", "preferred", NULL);
	yk = keyenv_device("yk", "yubikey5", NULL);
	keyenv_enroll(KE_STAFF, yk, NULL);
	keyenv_set_touch(yk, false);
	keyenv_attach(yk);
	ck_assert_int_eq(sign_in(KE_STAFF, 0, NULL, &ignore, &rec), PR_ERR_TIMEOUT);
	ck_assert(!ignore);
	/* Not touched: no signature, no evidence. */
	record_is(rec, &(struct want){ "auth", "failure", "timeout", KE_STAFF, "staff",
	    NULL, NULL, NULL, -1, false });
}
END_TEST

START_TEST(no_device_or_wrong_key)
{
	const char *yk, *other;
	bool ignore;
	char *rec;

	keyenv_policy("all-users", "owners", "preferred", NULL);
	yk = keyenv_device("yk", "yubikey5", NULL);
	other = keyenv_device("other", "yubikey5", NULL);
	keyenv_enroll(KE_STAFF, yk, NULL);
	keyenv_attach("");
	ck_assert_int_eq(sign_in(KE_STAFF, 0, NULL, &ignore, &rec), PR_ERR_NO_DEVICE);
	/* No key presented: none named. */
	record_is(rec, &(struct want){ "auth", "failure", "no-device", KE_STAFF, "staff",
	    NULL, NULL, NULL, -1, false });
	keyenv_attach(other);
	ck_assert_int_eq(sign_in(KE_STAFF, 0, NULL, &ignore, &rec), PR_ERR_NO_CREDENTIAL);
	record_is(rec, &(struct want){ "auth", "failure", "no-matching-key", KE_STAFF, "staff",
	    NULL, NULL, NULL, -1, false });
	/* Nobody's key at all: an admin without one. */
	keyenv_attach(yk);
	ck_assert_int_eq(sign_in(KE_ADMIN, 0, NULL, &ignore, &rec), PR_ERR_NOT_ENROLLED);
	record_is(rec, &(struct want){ "auth", "failure", "not-enrolled", KE_ADMIN, "admin",
	    NULL, NULL, NULL, -1, false });
}
END_TEST

/* ---- module options --------------------------------------------------------------- */

START_TEST(opportunistic)
{
	const char *sy;
	bool ignore;
	char *rec;

	keyenv_policy("none", "none", "preferred", NULL);
	sy = keyenv_device("sy", "synced", NULL);
	keyenv_enroll(KE_STAFF, sy, NULL);
	/* An enrolled key that answers signs the user in. */
	keyenv_attach(sy);
	ck_assert_int_eq(sign_in(KE_STAFF, OPT_OPPORTUNISTIC, NULL, &ignore, &rec), PR_OK);
	ck_assert(!ignore);
	record_is(rec, &(struct want){ "auth", "success", "opportunistic", KE_STAFF, "staff",
	    "passkey", "passkey", "0x19:UP,BE,BS", 0, true });
	/* No enrolled key answering: the rest of the stack decides. */
	keyenv_attach("");
	ck_assert_int_eq(sign_in(KE_STAFF, OPT_OPPORTUNISTIC, NULL, &ignore, &rec), PR_OK);
	ck_assert(ignore);
	record_is(rec, &(struct want){ "auth", "success", "no-requirement", KE_STAFF, "staff",
	    NULL, NULL, NULL, -1, false });
	keyenv_attach(sy);
	ck_assert_int_eq(sign_in(KE_STAFF2, OPT_OPPORTUNISTIC, NULL, &ignore, &rec), PR_OK);
	ck_assert(ignore);
	record_is(rec, &(struct want){ "auth", "success", "no-requirement", KE_STAFF2, "staff",
	    NULL, NULL, NULL, -1, false });
	/* A key that is enrolled but fails is a refusal, not a fall-back. */
	keyenv_set_touch(sy, false);
	ck_assert_int_eq(sign_in(KE_STAFF, OPT_OPPORTUNISTIC, NULL, &ignore, &rec),
	    PR_ERR_TIMEOUT);
	ck_assert(!ignore);
	record_is(rec, &(struct want){ "auth", "failure", "timeout", KE_STAFF, "staff",
	    NULL, NULL, NULL, -1, false });
}
END_TEST

START_TEST(step_up)
{
	const char *stf, *nopin;
	bool ignore;
	char *rec;

	keyenv_policy("none", "owners", "discouraged", NULL);
	stf = keyenv_device("stf", "synced", KE_PIN);
	nopin = keyenv_device("nopin", "synced", NULL);
	keyenv_enroll(KE_STAFF, stf, NULL);
	keyenv_enroll(KE_STAFF2, nopin, NULL);
	/* No requirement, yet a touch and the PIN are asked; recorded as step-up. */
	keyenv_attach(stf);
	ck_assert_int_eq(sign_in(KE_STAFF, OPT_STEP_UP, KE_PIN, &ignore, &rec), PR_OK);
	ck_assert(!ignore);
	record_is(rec, &(struct want){ "step-up", "success", "step-up", KE_STAFF, "staff",
	    "passkey", "passkey", "0x1d:UP,UV,BE,BS", 0, true });
	/* UV is demanded even where policy discourages it. */
	keyenv_attach(nopin);
	ck_assert_int_eq(sign_in(KE_STAFF2, OPT_STEP_UP, NULL, &ignore, &rec), PR_ERR_NO_PIN);
	record_is(rec, &(struct want){ "step-up", "failure", "no-pin-set", KE_STAFF2, "staff",
	    NULL, NULL, NULL, -1, false });
	/* No key enrolled: refused, never left to the stack. */
	ck_assert_int_eq(sign_in(KE_ADMIN, OPT_STEP_UP, NULL, &ignore, &rec),
	    PR_ERR_NOT_ENROLLED);
	ck_assert(!ignore);
	record_is(rec, &(struct want){ "step-up", "failure", "not-enrolled", KE_ADMIN, "admin",
	    NULL, NULL, NULL, -1, false });
	/* The owner's passkey is still refused: step-up adds, never lowers. */
	keyenv_enroll(KE_OWNER, stf, NULL);
	keyenv_attach(stf);
	ck_assert_int_eq(sign_in(KE_OWNER, OPT_STEP_UP, KE_PIN, &ignore, &rec), PR_ERR_CLASS);
	record_is(rec, &(struct want){ "step-up", "failure", "class-not-allowed", KE_OWNER,
	    "owner", "passkey", "passkey", NULL, -1, true });
}
END_TEST

/*
 * Failed sign-ins leave no tally: lib/signin.c has no lockout (the
 * account lockout of lib/lockout.c guards recovery only, check_recovery),
 * so the right key still signs in after many wrong ones. Failure records
 * follow the default rate (10 a minute per user and address, §8.6): the
 * 11th and 12th are counted, and the success after them says so (merged=2).
 */
START_TEST(failures_recorded_each_no_lockout)
{
	const char *yk, *other;
	bool ignore;
	char *rec;

	keyenv_policy("all-users", "owners", "preferred", NULL);
	yk = keyenv_device("yk", "yubikey5", NULL);
	other = keyenv_device("other", "yubikey5", NULL);
	keyenv_enroll(KE_STAFF, yk, NULL);
	keyenv_attach(other);
	for (int i = 0; i < 12; i++) {
		ck_assert_int_eq(sign_in(KE_STAFF, i < 10 ? 0 : OPT_MERGED, NULL, &ignore, &rec),
		    PR_ERR_NO_CREDENTIAL);
		if (i < 10)
			field_is(rec, "merged", NULL);
		free(rec);
	}
	ck_assert_int_eq(keyenv_records(), 10);
	keyenv_attach(yk);
	ck_assert_int_eq(sign_in(KE_STAFF, 0, NULL, &ignore, &rec), PR_OK);
	field_is(rec, "result", "success");
	field_is(rec, "merged", "2");
	free(rec);
}
END_TEST

static Suite *signin_suite(void)
{
	Suite *s = suite_create("signin");
	TCase *tc = tcase_create("decision");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, policy_none_ignores);
	tcase_add_test(tc, exempt_user_ignored);
	tcase_add_test(tc, system_account_ignored);
	tcase_add_test(tc, unknown_user_refused_unnamed);
	tcase_add_test(tc, physical_key_signs_in);
	tcase_add_test(tc, passkey_signs_in_without_physical_rule);
	tcase_add_test(tc, passkey_under_physical_rule);
	tcase_add_test(tc, uv_required_key_without_pin);
	tcase_add_test(tc, uv_option_stricter_than_policy);
	tcase_add_test(tc, cloned_key_refused);
	tcase_add_test(tc, no_touch_times_out);
	tcase_add_test(tc, no_device_or_wrong_key);
	tcase_add_test(tc, opportunistic);
	tcase_add_test(tc, step_up);
	tcase_add_test(tc, failures_recorded_each_no_lockout);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_tap(signin_suite());
}
