/*
 * Unit tests of the policy's `store` key and `ldap { }` section
 * (lib/config_ldap.c through lib/config.c): every key, the defaults, and
 * every refusal with its line. No slapd and no root needed.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "config_ldap.h"
#include "err.h"
#include "testlib.h"

#define HEAD "rp_id = \"pam://clinic\"\n"


START_TEST(defaults)
{
	struct pr_errbuf eb = { 0 };
	struct pr_config *cfg = test_config_parse(HEAD, &eb);

	ck_assert_msg(cfg != NULL, "%s", eb.msg);
	ck_assert_int_eq(cfg->store, PR_STORE_FILES);
	ck_assert_uint_eq(cfg->ldap.uri.n, 0);
	ck_assert_ptr_null(cfg->ldap.base);
	ck_assert_ptr_null(cfg->ldap.ca_file);
	ck_assert(!cfg->ldap.starttls);
	ck_assert_int_eq(cfg->ldap.timeout, 3);
	ck_assert_int_eq(cfg->ldap.cache_max_age, 7 * 86400);
	pr_config_free(&cfg);
}
END_TEST

START_TEST(every_key)
{
	struct pr_errbuf eb = { 0 };
	struct pr_config *cfg = test_config_parse(HEAD "store = ldap\nldap {\n"
	    "  uri = {\"ldaps://ldap1.clinic.example\", \"ldap://ldap2.clinic.example:389\"}\n"
	    "  base = \"ou=practicerunner,dc=clinic,dc=example\"\n"
	    "  bind_dn = \"cn=practicerunner,ou=services,dc=clinic,dc=example\"\n"
	    "  bind_password_file = \"/etc/practicerunner/ldap.secret\"\n"
	    "  ca_file = \"/etc/practicerunner/ldap-ca.pem\"\n"
	    "  starttls = true\n  timeout = 5\n  cache_max_age = 0\n}\n", &eb);

	ck_assert_msg(cfg != NULL, "%s", eb.msg);
	ck_assert_int_eq(cfg->store, PR_STORE_LDAP);
	ck_assert_uint_eq(cfg->ldap.uri.n, 2);
	ck_assert_str_eq(cfg->ldap.uri.v[0], "ldaps://ldap1.clinic.example");
	ck_assert_str_eq(cfg->ldap.uri.v[1], "ldap://ldap2.clinic.example:389");
	ck_assert_str_eq(cfg->ldap.base, "ou=practicerunner,dc=clinic,dc=example");
	ck_assert_str_eq(cfg->ldap.bind_dn, "cn=practicerunner,ou=services,dc=clinic,dc=example");
	ck_assert_str_eq(cfg->ldap.bind_password_file, "/etc/practicerunner/ldap.secret");
	ck_assert_str_eq(cfg->ldap.ca_file, "/etc/practicerunner/ldap-ca.pem");
	ck_assert(cfg->ldap.starttls);
	ck_assert_int_eq(cfg->ldap.timeout, 5);
	ck_assert_int_eq(cfg->ldap.cache_max_age, 0);
	pr_config_free(&cfg);
}
END_TEST

#define LDAP_OK_PARTS "  base = \"dc=clinic,dc=test\"\n  bind_dn = \"cn=svc,dc=clinic,dc=test\"\n" \
	"  bind_password_file = \"/etc/practicerunner/ldap.secret\"\n"

/* Accepted: local transports need no TLS; TLS with a CA file. */
static const char *const good_rows[] = {
	HEAD "store = ldap\nldap {\n  uri = {\"ldapi:///\"}\n" LDAP_OK_PARTS "}\n",
	HEAD "store = ldap\nldap {\n  uri = {\"ldapi://%2Frun%2Fslapd%2Fldapi\"}\n" LDAP_OK_PARTS "}\n",
	HEAD "store = ldap\nldap {\n  uri = {\"ldap://127.0.0.1\"}\n" LDAP_OK_PARTS "}\n",
	HEAD "store = ldap\nldap {\n  uri = {\"ldap://127.1.2.3:3389\"}\n" LDAP_OK_PARTS "}\n",
	HEAD "store = ldap\nldap {\n  uri = {\"ldap://[::1]\"}\n" LDAP_OK_PARTS "}\n",
	HEAD "store = ldap\nldap {\n  uri = {\"ldap://ldap.example\"}\n  starttls = true\n"
	    "  ca_file = \"/ca.pem\"\n" LDAP_OK_PARTS "}\n",
	HEAD "store = ldap\nldap {\n  uri = {\"ldaps://ldap.example:636\"}\n  ca_file = \"/ca.pem\"\n"
	    LDAP_OK_PARTS "}\n",
	/* store = files: an incomplete section is kept for later, not refused */
	HEAD "ldap {\n  uri = {\"ldap://ldap.example\"}\n}\n",
};

START_TEST(good_policies)
{
	struct pr_errbuf eb = { 0 };
	struct pr_config *cfg = test_config_parse(good_rows[_i], &eb);

	ck_assert_msg(cfg != NULL, "row %d refused: %s", _i, eb.msg);
	pr_config_free(&cfg);
}
END_TEST

/* Each refusal: the policy, and what the message must say (file:line first). */
static const struct {
	const char *text;
	const char *expect;
} bad_rows[] = {
	{ HEAD "store = sql\n", "t.conf:2: invalid value 'sql' for store (expected files or ldap)" },
	{ HEAD "store = ldap\nstore = files\n", "t.conf:3: store is set more than once" },
	{ HEAD "store = ldap\n", "t.conf:2: store = ldap needs ldap { uri = ... }" },
	{ HEAD "store = ldap\nldap {\n  uri = {\"ldapi:///\"}\n}\n",
	    "t.conf:5: store = ldap needs ldap { base = ... }" },   /* the section's end */
	{ HEAD "store = ldap\nldap {\n  uri = {\"ldapi:///\"}\n  base = \"dc=x\"\n}\n",
	    "store = ldap needs ldap { bind_dn = ... }" },
	{ HEAD "store = ldap\nldap {\n  uri = {\"ldapi:///\"}\n  base = \"dc=x\"\n"
	    "  bind_dn = \"cn=y\"\n}\n", "store = ldap needs ldap { bind_password_file = ... }" },
	/* plain LDAP across the network: the password and credentials in clear */
	{ HEAD "store = ldap\nldap {\n" LDAP_OK_PARTS "  uri = {\"ldap://ldap.example\"}\n}\n",
	    "t.conf:7: uri 'ldap://ldap.example' would send the bind password" },
	{ HEAD "store = ldap\nldap {\n" LDAP_OK_PARTS "  uri = {\"ldapi:///\", \"ldap://10.0.0.5\"}\n}\n",
	    "uri 'ldap://10.0.0.5' would send the bind password" },
	/* a name is not an address: "localhost" may resolve anywhere */
	{ HEAD "store = ldap\nldap {\n" LDAP_OK_PARTS "  uri = {\"ldap://localhost\"}\n}\n",
	    "uri 'ldap://localhost' would send" },
	{ HEAD "store = ldap\nldap {\n" LDAP_OK_PARTS "  uri = {\"ldaps://ldap.example\"}\n}\n",
	    "TLS to the directory needs ca_file" },
	{ HEAD "store = ldap\nldap {\n" LDAP_OK_PARTS "  uri = {\"ldap://ldap.example\"}\n"
	    "  starttls = true\n}\n", "TLS to the directory needs ca_file" },
	{ HEAD "ldap {\n  uri = {\"http://ldap.example\"}\n}\n",
	    "t.conf:3: invalid entry 'http://ldap.example' in uri" },
	{ HEAD "ldap {\n  uri = {\"ldap://ldap.example/dc=x??sub?(uid=*)\"}\n}\n",
	    "invalid entry 'ldap://ldap.example/dc=x??sub?(uid=*)' in uri" },
	{ HEAD "ldap {\n  uri = {\"ldap://\"}\n}\n", "invalid entry 'ldap://' in uri" },
	{ HEAD "ldap {\n  uri = {\"ldapi:///\"}\n  uri = {\"ldapi:///\"}\n}\n", "uri is given twice" },
	{ HEAD "ldap {\n  base = \"not a dn\"\n}\n",
	    "t.conf:3: invalid value 'not a dn' for base (expected a distinguished name" },
	{ HEAD "ldap {\n  bind_dn = \"cn=a,,dc=b\"\n}\n", "invalid value 'cn=a,,dc=b' for bind_dn" },
	{ HEAD "ldap {\n  bind_password_file = \"ldap.secret\"\n}\n",
	    "invalid value 'ldap.secret' for bind_password_file (expected an absolute path)" },
	{ HEAD "ldap {\n  ca_file = \"ca.pem\"\n}\n", "invalid value 'ca.pem' for ca_file" },
	{ HEAD "ldap {\n  timeout = 0\n}\n", "invalid value '0' for timeout (expected 1 to 60 seconds)" },
	{ HEAD "ldap {\n  timeout = 61\n}\n", "invalid value '61' for timeout" },
	{ HEAD "ldap {\n  cache_max_age = 7776001\n}\n",
	    "invalid value '7776001' for cache_max_age (expected 0 to 7776000" },
	{ HEAD "ldap {\n  cache_max_age = -1\n}\n", "invalid value '-1' for cache_max_age" },
	{ HEAD "ldap {\n  starttls = maybe\n}\n", "t.conf:3:" },
	{ HEAD "ldap {\n  password = \"x\"\n}\n", "t.conf:3:" },
	{ HEAD "ldap {\n}\nldap {\n}\n", "section 'ldap' is given more than once" },
};

START_TEST(bad_policies)
{
	struct pr_errbuf eb = { 0 };
	struct pr_config *cfg = test_config_parse(bad_rows[_i].text, &eb);

	ck_assert_msg(cfg == NULL, "row %d accepted", _i);
	ck_assert_msg(strstr(eb.msg, bad_rows[_i].expect) != NULL,
	    "row %d: message '%s' lacks '%s'", _i, eb.msg, bad_rows[_i].expect);
	pr_config_free(&cfg);
}
END_TEST

START_TEST(uri_rules)
{
	ck_assert(pr_ldap_uri_valid("ldapi:///"));
	ck_assert(pr_ldap_uri_valid("ldaps://127.0.0.1:6360"));
	ck_assert(!pr_ldap_uri_valid("ldaps://a b"));
	ck_assert(!pr_ldap_uri_valid(NULL));
	ck_assert(pr_ldap_uri_local("ldapi:///"));
	ck_assert(pr_ldap_uri_local("ldap://127.0.0.1:389"));
	ck_assert(!pr_ldap_uri_local("ldaps://127.0.0.1"));   /* TLS anyway; not "plain local" */
	ck_assert(!pr_ldap_uri_local("ldap://128.0.0.1"));
	ck_assert(!pr_ldap_uri_local("ldap://localhost"));
}
END_TEST

static Suite *config_ldap_suite(void)
{
	Suite *s = suite_create("config_ldap");
	TCase *tc = tcase_create("policy");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, every_key);
	tcase_add_loop_test(tc, good_policies, 0, NROWS(good_rows));
	tcase_add_loop_test(tc, bad_policies, 0, NROWS(bad_rows));
	tcase_add_test(tc, uri_rules);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_tap(config_ldap_suite());
}
