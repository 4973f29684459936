/*
 * Unit tests of lib/grant.c and lib/signin_grant.c (module option
 * web_grant), without root (keyenv.h): a grant is made as the web gate
 * makes it after a sign-in with a softkey-enrolled credential, then taken
 * as pam/grant.c takes it. Each case checks the verdict, that the grant is
 * spent or kept, and the audit record.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aal.h"
#include "err.h"
#include "grant.h"
#include "signin.h"
#include "state.h"
#include "store.h"
#include "util.h"
#include "keyenv.h"
#include "testlib.h"

#define NOW 1800000000
#define SERVICE "xrdp-sesman"
#define FLAGS_UP_UV (PR_AUTHDATA_UP | PR_AUTHDATA_UV)

static struct pr_state st;

/* The short id of user's first credential, as the gate names it in a grant. */
static void first_keyid(const char *user, char out[PR_KEYID_LEN + 1])
{
	struct pr_credlist l = { 0 };
	struct pr_errbuf eb = { 0 };

	ck_assert_msg(pr_store_load(&st, user, &l, &eb) == PR_OK, "%s", eb.msg);
	ck_assert_uint_ge(l.n, 1);
	pr_keyid(l.v[0].id, l.v[0].id_len, out);
	pr_credlist_clear(&l);
}

/* Leave a grant for user, service, bound to rhost ("" none), with the user's first key. */
static void grant(const char *user, const char *service, const char *rhost, uint8_t flags,
    int64_t lifetime)
{
	struct pr_grant g;
	struct pr_errbuf eb = { 0 };

	memset(&g, 0, sizeof(g));
	snprintf(g.service, sizeof(g.service), "%s", service);
	snprintf(g.rhost, sizeof(g.rhost), "%s", rhost);
	first_keyid(user, g.keyid);
	g.flags = flags;
	ck_assert_msg(pr_grant_create(&st, user, &g, NOW, lifetime, &eb) == PR_OK, "%s", eb.msg);
	ck_assert_uint_eq(strlen(g.id), PR_GRANT_ID_HEX);
}

static bool grant_on_file(const char *user)
{
	char path[512];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/" PR_GRANT_SUBDIR "/%s", ke.state, user);
	return lstat(path, &sb) == 0;
}

/* One sign-in as pam/grant.c makes it, at now from rhost (NULL: the service gives none). */
static int take(const char *user, const char *rhost, int64_t now, bool *ignore, char **record)
{
	struct pr_signin s = {
		.cfg = ke.cfg, .user = user, .service = SERVICE, .rhost = rhost, .path = "direct",
	};
	const char *note = NULL;
	long before = keyenv_records();
	int r;

	*ignore = false;
	if ((r = pr_signin_user(&s)) == PR_OK || r == PR_ERR_NOT_FOUND)
		r = pr_signin_grant(&s, now, ignore, &note);
	ck_assert_msg(pr_signin_record(&s, pr_signin_event(&s), r, note) == PR_OK, "%s",
	    s.eb.msg);
	pr_signin_clear(&s);
	ck_assert_int_eq(keyenv_records(), before + 1);
	*record = test_audit_last(ke.audit);
	return r;
}

static void has(const char *rec, const char *field, const char *want)
{
	const char *v = test_audit_field(rec, field);

	ck_assert_msg(v != NULL && strcmp(v, want) == 0, "%s: want %s in: %s", field, want, rec);
}

static void detail_has(const char *rec, const char *want)
{
	const char *d = test_audit_field(rec, "detail");

	ck_assert_msg(d != NULL && strstr(d, want) != NULL, "detail %s, want %s", d, want);
}

static void setup(void)
{
	const char *yk, *synced;

	keyenv_setup();
	keyenv_policy("all-users", "owners", "preferred",
	    "web {\n  origin = \"https://gate.riverside-clinic.example\"\n"
	    "  cert_file = \"/nonexistent/cert.pem\"\n  key_file = \"/nonexistent/key.pem\"\n}\n");
	pr_state_init(&st, ke.cfg);
	st.dir = ke.state;
	yk = keyenv_device("yk", "yubikey5", NULL);
	synced = keyenv_device("synced", "synced", NULL);
	keyenv_attach(yk);
	keyenv_enroll(KE_OWNER, yk, NULL);
	keyenv_attach(synced);
	keyenv_enroll(KE_STAFF, synced, NULL);
	keyenv_attach("");
}

static void teardown(void)
{
	keyenv_teardown();
}

START_TEST(grant_signs_in_once)
{
	bool ignore;
	char *rec;

	grant(KE_OWNER, SERVICE, "", FLAGS_UP_UV, 60);
	ck_assert_int_eq(take(KE_OWNER, NULL, NOW + 5, &ignore, &rec), PR_OK);
	ck_assert(!ignore);
	has(rec, "result", "success");
	has(rec, "method", "web-grant");
	has(rec, "class", "physical");
	has(rec, "service", SERVICE);
	detail_has(rec, "web-grant ");
	free(rec);
	ck_assert(!grant_on_file(KE_OWNER));
	/* The second try finds nothing: single use. */
	ck_assert_int_eq(take(KE_OWNER, NULL, NOW + 6, &ignore, &rec), PR_ERR_NO_CREDENTIAL);
	has(rec, "result", "failure");
	detail_has(rec, "no web grant");
	free(rec);
}
END_TEST

START_TEST(expired_grant_refused_and_removed)
{
	bool ignore;
	char *rec;

	grant(KE_OWNER, SERVICE, "", FLAGS_UP_UV, 60);
	ck_assert_int_eq(take(KE_OWNER, NULL, NOW + 60, &ignore, &rec), PR_ERR_EXPIRED);
	detail_has(rec, "web grant expired");
	free(rec);
	ck_assert(!grant_on_file(KE_OWNER));
}
END_TEST

START_TEST(another_service_leaves_it)
{
	bool ignore;
	char *rec;

	grant(KE_OWNER, "sshd", "", FLAGS_UP_UV, 60);
	ck_assert_int_eq(take(KE_OWNER, NULL, NOW + 1, &ignore, &rec), PR_ERR_NO_CREDENTIAL);
	free(rec);
	ck_assert(grant_on_file(KE_OWNER));
}
END_TEST

START_TEST(address_binding)
{
	bool ignore;
	char *rec;

	grant(KE_OWNER, SERVICE, "192.0.2.7", FLAGS_UP_UV, 60);
	ck_assert_int_eq(take(KE_OWNER, "192.0.2.8", NOW + 1, &ignore, &rec), PR_ERR_NO_CREDENTIAL);
	detail_has(rec, "another address");
	free(rec);
	ck_assert(grant_on_file(KE_OWNER));     /* a guess from elsewhere does not spend it */
	ck_assert_int_eq(take(KE_OWNER, "192.0.2.7", NOW + 2, &ignore, &rec), PR_OK);
	free(rec);
	/*
	 * A service that gives no address, or an empty one, does not take a
	 * bound grant (it could come from anywhere); it is left for the service
	 * that gives the address. An unbound grant (xrdp 0.9's) is taken there.
	 */
	grant(KE_OWNER, SERVICE, "192.0.2.7", FLAGS_UP_UV, 60);
	ck_assert_int_eq(take(KE_OWNER, NULL, NOW + 3, &ignore, &rec), PR_ERR_NO_CREDENTIAL);
	detail_has(rec, "another address");
	free(rec);
	ck_assert_int_eq(take(KE_OWNER, "", NOW + 3, &ignore, &rec), PR_ERR_NO_CREDENTIAL);
	free(rec);
	ck_assert(grant_on_file(KE_OWNER));
	ck_assert_int_eq(take(KE_OWNER, "192.0.2.7", NOW + 4, &ignore, &rec), PR_OK);
	free(rec);
	grant(KE_OWNER, SERVICE, "", FLAGS_UP_UV, 60);
	ck_assert_int_eq(take(KE_OWNER, NULL, NOW + 5, &ignore, &rec), PR_OK);
	free(rec);
}
END_TEST

START_TEST(other_users_grant_is_not_mine)
{
	bool ignore;
	char *rec;

	grant(KE_STAFF, SERVICE, "", FLAGS_UP_UV, 60);
	ck_assert_int_eq(take(KE_OWNER, NULL, NOW + 1, &ignore, &rec), PR_ERR_NO_CREDENTIAL);
	free(rec);
	ck_assert(grant_on_file(KE_STAFF));
	ck_assert_int_eq(take(KE_STAFF, NULL, NOW + 1, &ignore, &rec), PR_OK);
	has(rec, "class", "passkey");
	free(rec);
}
END_TEST

/* The policy is checked again when the grant is taken. */
START_TEST(policy_checked_when_taken)
{
	bool ignore;
	char *rec;
	struct pr_errbuf eb = { 0 };
	char id[PR_KEYID_LEN + 1];

	/* No UV in the web sign-in, a policy that now requires it. */
	keyenv_policy("all-users", "owners", "required",
	    "web {\n  origin = \"https://gate.riverside-clinic.example\"\n"
	    "  cert_file = \"/nonexistent/cert.pem\"\n  key_file = \"/nonexistent/key.pem\"\n}\n");
	pr_state_init(&st, ke.cfg);
	st.dir = ke.state;
	grant(KE_STAFF, SERVICE, "", PR_AUTHDATA_UP, 60);
	ck_assert_int_eq(take(KE_STAFF, NULL, NOW + 1, &ignore, &rec), PR_ERR_UV_REQUIRED);
	free(rec);
	ck_assert(!grant_on_file(KE_STAFF));    /* spent first, whatever follows */
	/* The key was removed after the approval. */
	grant(KE_STAFF, SERVICE, "", FLAGS_UP_UV, 60);
	first_keyid(KE_STAFF, id);
	ck_assert_msg(pr_store_remove(&st, KE_STAFF, id, &eb) == PR_OK, "%s", eb.msg);
	ck_assert_int_ne(take(KE_STAFF, NULL, NOW + 2, &ignore, &rec), PR_OK);
	free(rec);
}
END_TEST

START_TEST(unknown_name_reads_as_no_grant)
{
	bool ignore;
	char *rec;

	ck_assert_int_eq(take(KE_UNKNOWN, NULL, NOW, &ignore, &rec), PR_ERR_NO_CREDENTIAL);
	ck_assert(!ignore);
	free(rec);
	ck_assert_int_eq(take(KE_STAFF2, NULL, NOW, &ignore, &rec), PR_ERR_NO_CREDENTIAL);
	free(rec);
}
END_TEST

START_TEST(damaged_grant_refused)
{
	char path[512];
	bool ignore;
	char *rec;
	FILE *f;

	grant(KE_OWNER, SERVICE, "", FLAGS_UP_UV, 60);
	snprintf(path, sizeof(path), "%s/" PR_GRANT_SUBDIR "/%s", ke.state, KE_OWNER);
	ck_assert_ptr_nonnull(f = fopen(path, "a"));
	fputs("id=0000000000000000 service=" SERVICE "\n", f);
	fclose(f);
	ck_assert_int_eq(take(KE_OWNER, NULL, NOW + 1, &ignore, &rec), PR_ERR_CORRUPT);
	free(rec);
}
END_TEST

START_TEST(fields_checked)
{
	struct pr_grant g;
	struct pr_errbuf eb = { 0 };

	ck_assert(pr_grant_field_valid("xrdp-sesman"));
	ck_assert(pr_grant_field_valid("2001:db8::1"));
	ck_assert(!pr_grant_field_valid(""));
	ck_assert(!pr_grant_field_valid("a b"));
	ck_assert(!pr_grant_field_valid("a\nb"));
	ck_assert(!pr_grant_field_valid("../x"));
	/* xrdp gives no PAM_RHOST, so its grants cannot be bound to an address. */
	ck_assert(!pr_grant_service_gives_rhost("xrdp-sesman"));
	ck_assert(pr_grant_service_gives_rhost("rdp-gateway"));
	memset(&g, 0, sizeof(g));
	snprintf(g.service, sizeof(g.service), "bad service");
	snprintf(g.keyid, sizeof(g.keyid), "00112233aabb");
	ck_assert_int_eq(pr_grant_create(&st, KE_OWNER, &g, NOW, 60, &eb), PR_ERR_INVALID_ARG);
	snprintf(g.service, sizeof(g.service), SERVICE);
	ck_assert_int_eq(pr_grant_create(&st, KE_OWNER, &g, NOW, 0, &eb), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_grant_create(&st, KE_OWNER, &g, NOW, PR_GRANT_MAX_LIFETIME + 1, &eb),
	    PR_ERR_INVALID_ARG);
	ck_assert(!grant_on_file(KE_OWNER));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("signin_grant");
	TCase *tc = tcase_create("grant");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, grant_signs_in_once);
	tcase_add_test(tc, expired_grant_refused_and_removed);
	tcase_add_test(tc, another_service_leaves_it);
	tcase_add_test(tc, address_binding);
	tcase_add_test(tc, other_users_grant_is_not_mine);
	tcase_add_test(tc, policy_checked_when_taken);
	tcase_add_test(tc, unknown_name_reads_as_no_grant);
	tcase_add_test(tc, damaged_grant_refused);
	tcase_add_test(tc, fields_checked);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_tap(suite());
}
