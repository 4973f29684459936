/*
 * Unit tests of lib/ssh/signin_ssh.c, the SSH gateway decision (module option
 * ssh): SSH_AUTH_INFO_0 as sshd sets it, against SSH security keys
 * enrolled with their ssh-keygen attestation (tests/data/ssh, made with the
 * softkey), without root (keyenv.h). Each case checks the verdict and the
 * audit record, as tests/integration/module_ssh.sh does through PAM.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest.h"
#include "err.h"
#include "signin.h"
#include "ssh/sshenroll.h"
#include "store.h"
#include "keyenv.h"
#include "testlib.h"

#define DATA TOP_SRCDIR "/tests/data/ssh/"

/* A fixture file, NUL-terminated; *len (may be NULL) its length, binary files included. */
static char *fixture(const char *name, size_t *len)
{
	char path[512];
	size_t n;
	char *s;

	snprintf(path, sizeof(path), DATA "%s", name);
	s = test_slurp_len(path, &n);
	if (len != NULL)
		*len = n;
	return s;
}

/* The "type base64" words of a .pub fixture, as SSH_AUTH_INFO_0 names a key. */
static char *key_words(const char *key)
{
	char name[128], *text, *sp;

	snprintf(name, sizeof(name), "%s.pub", key);
	text = fixture(name, NULL);
	ck_assert_ptr_nonnull(sp = strchr(text, ' '));
	if ((sp = strpbrk(sp + 1, " \n")) != NULL)
		*sp = '\0';
	return text;
}

/* The ssh-keygen -l fingerprint of a fixture key. */
static char *key_fp(const char *key)
{
	char name[128], *fp;

	snprintf(name, sizeof(name), "%s.fp", key);
	fp = fixture(name, NULL);
	fp[strcspn(fp, "\n")] = '\0';
	return fp;
}

/* Enroll fixture key for user as key enroll-ssh does, attested when att is set. */
static void enroll_ssh(const char *user, const char *key, bool att)
{
	struct pr_sshattest a;
	struct pr_sshkey k;
	struct pr_errbuf eb = { 0 };
	struct pr_cred c;
	X509_STORE *anchors = NULL;
	char name[128];
	char *text, *bin = NULL, *challenge = NULL;
	size_t len, blen = 0, clen = 0;

	snprintf(name, sizeof(name), "%s.pub", key);
	text = fixture(name, &len);
	ck_assert_int_eq(pr_sshenroll_parse_key(text, len, &k, &eb), PR_OK);
	memset(&a, 0, sizeof(a));
	if (att) {
		snprintf(name, sizeof(name), "%s.att", key);
		bin = fixture(name, &blen);
		ck_assert_msg(pr_sshenroll_parse_attestation((const unsigned char *)bin, blen,
		    &a, &eb) == PR_OK, "%s", eb.msg);
		challenge = fixture("challenge", &clen);
	}
	ck_assert_int_eq(pr_anchors_load(ke.cfg->trust_anchors, 1, &anchors, &eb), PR_OK);
	ck_assert_msg(pr_sshenroll_credential(ke.cfg, &k, att ? &a : NULL,
	    (const unsigned char *)challenge, anchors, key, 1700000000, &c, NULL, &eb) == PR_OK,
	    "%s: %s", key, eb.msg);
	ck_assert_msg(pr_store_add(PR_STATE_FILES(ke.state), user, &c, &eb) == PR_OK, "%s", eb.msg);
	pr_cred_clear(&c);
	if (att)
		pr_sshattest_clear(&a);
	pr_sshkey_clear(&k);
	X509_STORE_free(anchors);
	free(text);
	free(bin);
	free(challenge);
}

/* SSH_AUTH_INFO_0 with one publickey step of key (its count when count >= 0). */
static char *info_one(const char *key, int count)
{
	char *w = key_words(key), *out = NULL;

	if (count >= 0)
		ck_assert_int_gt(asprintf(&out, "publickey %s signature count = %d\n", w, count), 0);
	else
		ck_assert_int_gt(asprintf(&out, "publickey %s\n", w), 0);
	free(w);
	return out;
}

/*
 * One gateway sign-in as the module makes it (pam/ssh.c): user, decision,
 * record; the record must be the only one added. info may be NULL (unset).
 */
static int gateway(const char *user, bool opportunistic, const char *info, bool *ignore,
    char **record)
{
	struct pr_signin s = {
		.cfg = ke.cfg, .user = user, .service = "sshd", .rhost = "192.0.2.10",
		.path = "direct", .opportunistic = opportunistic,
	};
	const char *note = NULL;
	long before = keyenv_records();
	int r;

	*ignore = false;
	if ((r = pr_signin_user(&s)) == PR_OK)
		r = pr_signin_ssh(&s, info, ignore, &note);
	ck_assert_msg(pr_signin_record(&s, pr_signin_event(&s), r, note) == PR_OK, "%s",
	    s.eb.msg);
	pr_signin_clear(&s);
	ck_assert_int_eq(keyenv_records(), before + 1);
	*record = test_audit_last(ke.audit);
	return r;
}

/* field is want (NULL: absent) in rec. */
static void has(const char *rec, const char *field, const char *want)
{
	const char *v = test_audit_field(rec, field);

	if (want == NULL)
		ck_assert_msg(v == NULL, "%s=%s in: %s", field, v, rec);
	else
		ck_assert_msg(v != NULL && strcmp(v, want) == 0, "%s: want %s in: %s", field,
		    want, rec);
}

/* The record's detail ends in want (it follows the note: "physical-key; key ..."). */
static void detail_ends(const char *rec, const char *want)
{
	const char *d = test_audit_field(rec, "detail");

	ck_assert_msg(d != NULL && strlen(d) >= strlen(want) &&
	    strcmp(d + strlen(d) - strlen(want), want) == 0, "detail %s, want ...%s", d, want);
}

/* The record's detail names key by type and fingerprint. */
static void names_key(const char *rec, const char *type, const char *key)
{
	char *fp = key_fp(key), want[256];

	snprintf(want, sizeof(want), "key %s %s", type, fp);
	detail_ends(rec, want);
	free(fp);
}

static void setup(void)
{
	keyenv_setup();
	keyenv_policy("all-users", "owners", "preferred", NULL);
	enroll_ssh(KE_OWNER, "yubikey5-ed25519-sk", true);      /* physical */
	enroll_ssh(KE_OWNER, "synced-ed25519-sk", true);        /* passkey, forced */
	enroll_ssh(KE_STAFF, "synced-ecdsa-sk", false);         /* no attestation: passkey */
}

static void teardown(void)
{
	keyenv_teardown();
}

#define ED "sk-ssh-ed25519@openssh.com"
#define ECDSA "sk-ecdsa-sha2-nistp256@openssh.com"

START_TEST(enrolled_physical_key)
{
	char *info = info_one("yubikey5-ed25519-sk", 17), *rec;
	bool ignore;

	ck_assert_int_eq(gateway(KE_OWNER, false, info, &ignore, &rec), PR_OK);
	ck_assert(!ignore);
	has(rec, "event", "auth");
	has(rec, "result", "success");
	has(rec, "reason", "physical-key");
	has(rec, "user", KE_OWNER);
	has(rec, "role", "owner");
	has(rec, "method", "ssh-sk");
	has(rec, "class", "physical");
	/* sshd's counter is evidence; it carries no flags. */
	has(rec, "sign_count", "17");
	has(rec, "flags", NULL);
	has(rec, "service", "sshd");
	ck_assert_ptr_nonnull(test_audit_field(rec, "cred_id"));
	names_key(rec, ED, "yubikey5-ed25519-sk");
	free(rec);
	free(info);
}
END_TEST

START_TEST(staff_passkey_no_count)
{
	char *info = info_one("synced-ecdsa-sk", -1), *rec;
	bool ignore;

	ck_assert_int_eq(gateway(KE_STAFF, false, info, &ignore, &rec), PR_OK);
	has(rec, "result", "success");
	has(rec, "reason", "security-key");
	has(rec, "role", "staff");
	has(rec, "method", "ssh-sk");
	has(rec, "class", "passkey");
	has(rec, "sign_count", NULL);
	names_key(rec, ECDSA, "synced-ecdsa-sk");
	free(rec);
	free(info);
}
END_TEST

START_TEST(passkey_refused_for_owner)
{
	char *info = info_one("synced-ed25519-sk", 3), *rec;
	bool ignore;

	ck_assert_int_eq(gateway(KE_OWNER, false, info, &ignore, &rec), PR_ERR_CLASS);
	has(rec, "result", "failure");
	has(rec, "reason", "class-not-allowed");
	has(rec, "method", "ssh-sk");
	has(rec, "class", "passkey");
	has(rec, "sign_count", "3");
	names_key(rec, ED, "synced-ed25519-sk");
	free(rec);
	free(info);
}
END_TEST

START_TEST(key_not_enrolled)
{
	char *info = info_one("yubikey5-ecdsa-sk", 2), *rec;
	bool ignore;

	/* A security key, but not one of the owner's. */
	ck_assert_int_eq(gateway(KE_OWNER, false, info, &ignore, &rec), PR_ERR_NO_CREDENTIAL);
	has(rec, "reason", "no-matching-key");
	has(rec, "method", "ssh-sk");
	has(rec, "cred_id", NULL);
	has(rec, "class", NULL);
	names_key(rec, ECDSA, "yubikey5-ecdsa-sk");
	free(rec);
	free(info);
	/* Another user's enrolled key. */
	info = info_one("yubikey5-ed25519-sk", 4);
	ck_assert_int_eq(gateway(KE_STAFF, false, info, &ignore, &rec), PR_ERR_NO_CREDENTIAL);
	has(rec, "reason", "no-matching-key");
	has(rec, "user", KE_STAFF);
	free(rec);
	free(info);
}
END_TEST

START_TEST(not_a_security_key)
{
	char *info = info_one("plain-ed25519", -1), *rec;
	bool ignore;

	ck_assert_int_eq(gateway(KE_OWNER, false, info, &ignore, &rec), PR_ERR_ALGORITHM);
	has(rec, "reason", "unsupported-algorithm");
	has(rec, "method", "ssh-sk");
	/* (No .fp fixture for it: the fingerprint's form only.) */
	ck_assert_ptr_nonnull(strstr(test_audit_field(rec, "detail"), "; key ssh-ed25519 SHA256:"));
	free(rec);
	free(info);
}
END_TEST

START_TEST(best_step_wins)
{
	char *plain = key_words("plain-ed25519"), *own = key_words("yubikey5-ed25519-sk");
	char *info = NULL, *rec;
	bool ignore;

	ck_assert_int_gt(asprintf(&info, "publickey %s\npublickey %s signature count = 9\n",
	    plain, own), 0);
	ck_assert_int_eq(gateway(KE_OWNER, false, info, &ignore, &rec), PR_OK);
	has(rec, "sign_count", "9");
	names_key(rec, ED, "yubikey5-ed25519-sk");
	free(rec);
	free(info);
	free(plain);
	free(own);
}
END_TEST

static const struct {
	const char *info;          /* NULL: not set */
	int want;
	const char *detail;
} bad_info_rows[] = {
	{ NULL, PR_ERR_NO_CREDENTIAL, "no SSH_AUTH_INFO_0" },
	{ "", PR_ERR_NO_CREDENTIAL, "no publickey step" },
	{ "keyboard-interactive/pam\n", PR_ERR_NO_CREDENTIAL, "no publickey step" },
	{ "publickey\n", PR_ERR_CORRUPT, "bad SSH_AUTH_INFO_0" },
	{ "publickey sk-ssh-ed25519@openssh.com AAAA extra\n", PR_ERR_CORRUPT,
	  "bad SSH_AUTH_INFO_0" },
	{ "publickey sk-ssh-ed25519@openssh.com !!!\n", PR_ERR_CORRUPT, "bad SSH_AUTH_INFO_0" },
};

START_TEST(bad_or_missing_info)
{
	char *rec;
	bool ignore;

	ck_assert_int_eq(gateway(KE_OWNER, false, bad_info_rows[_i].info, &ignore, &rec),
	    bad_info_rows[_i].want);
	ck_assert(!ignore);
	has(rec, "result", "failure");
	has(rec, "reason", pr_err_reason(bad_info_rows[_i].want));
	detail_ends(rec, bad_info_rows[_i].detail);
	has(rec, "cred_id", NULL);
	free(rec);
}
END_TEST

START_TEST(no_ssh_key_enrolled)
{
	char *info = info_one("yubikey5-ed25519-sk", 1), *rec;
	bool ignore;

	ck_assert_int_eq(gateway(KE_ADMIN, false, info, &ignore, &rec), PR_ERR_NOT_ENROLLED);
	has(rec, "reason", "not-enrolled");
	has(rec, "role", "admin");
	free(rec);
	ck_assert_int_eq(gateway(KE_UNKNOWN, false, info, &ignore, &rec), PR_ERR_NOT_FOUND);
	has(rec, "user", "(unknown)");
	has(rec, "role", NULL);
	free(rec);
	free(info);
}
END_TEST

START_TEST(no_requirement_and_opportunistic)
{
	char *info = info_one("synced-ecdsa-sk", 5), *plain = info_one("plain-ed25519", -1);
	char *rec;
	bool ignore;

	keyenv_policy("none", "none", "preferred", NULL);
	ck_assert_int_eq(gateway(KE_STAFF, false, info, &ignore, &rec), PR_OK);
	ck_assert(ignore);
	has(rec, "reason", "no-requirement");
	has(rec, "cred_id", NULL);
	free(rec);
	/* opportunistic: an enrolled key signs in; anything else is left to the stack. */
	ck_assert_int_eq(gateway(KE_STAFF, true, info, &ignore, &rec), PR_OK);
	ck_assert(!ignore);
	has(rec, "reason", "opportunistic");
	has(rec, "class", "passkey");
	has(rec, "sign_count", "5");
	free(rec);
	ck_assert_int_eq(gateway(KE_STAFF, true, plain, &ignore, &rec), PR_OK);
	ck_assert(ignore);
	has(rec, "reason", "no-requirement");
	free(rec);
	free(info);
	free(plain);
}
END_TEST

/* What practicerunner-authorized-keys prints, and its verdict on an offered key. */
START_TEST(authorized_keys_offer)
{
	struct pr_signin s = { .cfg = ke.cfg, .user = KE_OWNER };
	struct pr_sshkey k;
	struct pr_errbuf eb = { 0 };
	size_t len, shown = 0;
	char *text = fixture("synced-ed25519-sk.pub", &len);
	int loaded;

	ck_assert_int_eq(pr_signin_user(&s), PR_OK);
	ck_assert_int_eq(loaded = pr_signin_ssh_keys(&s), PR_OK);
	ck_assert_uint_eq(s.creds.n, 2);
	for (size_t i = 0; i < s.creds.n; i++)
		shown += s.acceptable[i];
	ck_assert_uint_eq(shown, 1);    /* the physical key only */
	ck_assert_int_eq(pr_sshenroll_parse_key(text, len, &k, &eb), PR_OK);
	ck_assert_int_eq(pr_signin_ssh_offer(&s, loaded, ED, k.blob, k.blob_len), PR_ERR_CLASS);
	ck_assert_ptr_nonnull(s.used);
	ck_assert_int_eq(s.used->cls, PR_CLASS_PASSKEY);
	ck_assert_ptr_nonnull(strstr(s.ssh_detail, ED));
	pr_sshkey_clear(&k);
	pr_signin_clear(&s);
	free(text);
}
END_TEST

static Suite *signin_ssh_suite(void)
{
	Suite *s = suite_create("signin_ssh");
	TCase *tc = tcase_create("gateway");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, enrolled_physical_key);
	tcase_add_test(tc, staff_passkey_no_count);
	tcase_add_test(tc, passkey_refused_for_owner);
	tcase_add_test(tc, key_not_enrolled);
	tcase_add_test(tc, not_a_security_key);
	tcase_add_test(tc, best_step_wins);
	tcase_add_loop_test(tc, bad_or_missing_info, 0, NROWS(bad_info_rows));
	tcase_add_test(tc, no_ssh_key_enrolled);
	tcase_add_test(tc, no_requirement_and_opportunistic);
	tcase_add_test(tc, authorized_keys_offer);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_tap(signin_ssh_suite());
}
