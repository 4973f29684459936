/*
 * Unit tests of the policy's `web { }` section (lib/config_web.c through
 * lib/config.c): the defaults, every key's refusals, the rp id rule a
 * browser applies, and the deployment checks on the key and certificate.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "config_web.h"
#include "coverage.h"
#include "err.h"
#include "testlib.h"

#define HEAD "rp_id = \"clinic.example\"\n"
#define WEB(x) HEAD "web {\n origin = \"https://gate.clinic.example\"\n cert_file = \"/c.pem\"\n" \
	" key_file = \"/k.pem\"\n" x "}\n"


START_TEST(defaults)
{
	struct pr_errbuf eb = { 0 };
	struct pr_config *cfg = test_config_parse(HEAD, &eb);

	ck_assert_ptr_nonnull(cfg);
	ck_assert(!pr_web_enabled(&cfg->web));
	pr_config_free(&cfg);
	ck_assert_ptr_nonnull(cfg = test_config_parse(WEB(""), &eb));
	ck_assert(pr_web_enabled(&cfg->web));
	ck_assert_str_eq(cfg->web.origin, "https://gate.clinic.example");
	ck_assert_str_eq(cfg->web.listen, PR_WEB_DEFAULT_LISTEN);
	ck_assert_int_eq(cfg->web.pending_lifetime, 120);
	ck_assert_int_eq(cfg->web.grant_lifetime, 60);
	ck_assert_str_eq(cfg->web.grant_service, "xrdp-sesman");
	ck_assert(cfg->web.bind_client_address);
	ck_assert_str_eq(cfg->web.control_socket, "/run/practicerunner/webgate.sock");
	ck_assert_str_eq(cfg->web.control_group, "root");
	pr_config_free(&cfg);
	ck_assert_ptr_nonnull(cfg = test_config_parse(WEB(" control_socket = \"/run/gate.sock\"\n"
	    " control_group = \"openvpn\"\n"), &eb));
	ck_assert_str_eq(cfg->web.control_socket, "/run/gate.sock");
	ck_assert_str_eq(cfg->web.control_group, "openvpn");
	pr_config_free(&cfg);
	ck_assert_ptr_nonnull(cfg = test_config_parse(WEB(" listen = \"[::]:443\"\n pending_lifetime = 300\n"
	    " grant_lifetime = 30\n bind_client_address = false\n grant_service = \"rdp-gw\"\n"), &eb));
	ck_assert_str_eq(cfg->web.grant_service, "rdp-gw");
	ck_assert_str_eq(cfg->web.listen, "[::]:443");
	ck_assert_int_eq(cfg->web.pending_lifetime, 300);
	ck_assert_int_eq(cfg->web.grant_lifetime, 30);
	ck_assert(!cfg->web.bind_client_address);
	pr_config_free(&cfg);
}
END_TEST

static const struct bad {
	const char *text;
	const char *says;     /* in the message */
	int line;
} bad[] = {
	{ HEAD "web {\n}\n", "origin", 3 },
	{ HEAD "web {\n origin = \"https://gate.clinic.example\"\n}\n", "cert_file", 4 },
	{ HEAD "web {\n origin = \"https://g.clinic.example\"\n cert_file = \"/c\"\n}\n", "key_file", 5 },
	{ WEB(" origin = \"https://x.clinic.example\"\n"), "more than once", 6 },
	{ WEB(" control_socket = \"run/gate.sock\"\n"), "absolute path", 6 },
	{ WEB(" control_group = \"Open VPN\"\n"), "group name", 6 },
	{ WEB(" control_group = \"-x\"\n"), "group name", 6 },
	{ WEB("") "web {\n}\n", "more than once", 8 },
	{ WEB(" cert_file = \"c.pem\"\n"), "more than once", 6 },
	{ WEB(" pending_lifetime = 5\n"), "30 to 600", 6 },
	{ WEB(" pending_lifetime = 3600\n"), "30 to 600", 6 },
	{ WEB(" grant_lifetime = 0\n"), "10 to 600", 6 },
	{ WEB(" grant_service = \"xrdp sesman\"\n"), "grant_service", 6 },
	{ WEB(" grant_service = \"\"\n"), "grant_service", 6 },
	{ WEB(" grant_service = \"../pam\"\n"), "grant_service", 6 },
	{ WEB(" listen = \"localhost:443\"\n"), "ADDRESS:PORT", 6 },
	{ WEB(" listen = \"127.0.0.1\"\n"), "ADDRESS:PORT", 6 },
	{ WEB(" listen = \"127.0.0.1:0\"\n"), "ADDRESS:PORT", 6 },
	{ WEB(" listen = \"::1:443\"\n"), "ADDRESS:PORT", 6 },
	{ WEB(" listen = \"[::1]:65536\"\n"), "ADDRESS:PORT", 6 },
	{ WEB(" bind_client_address = maybe\n"), "", 6 },
	{ WEB(" user = \"x\"\n"), "", 6 },
};

START_TEST(refusals)
{
	const struct bad *tc = &bad[_i];
	struct pr_errbuf eb = { 0 };
	struct pr_config *cfg = test_config_parse(tc->text, &eb);
	char where[32];

	ck_assert_msg(cfg == NULL, "case %d accepted", _i);
	snprintf(where, sizeof(where), "t.conf:%d:", tc->line);
	ck_assert_msg(strstr(eb.msg, tc->says) != NULL && strstr(eb.msg, where) != NULL,
	    "case %d: %s", _i, eb.msg);
	pr_config_free(&cfg);
}
END_TEST

static const struct origin_case {
	const char *origin;
	bool ok;
} origins[] = {
	{ "https://gate.clinic.example", true },
	{ "https://gate.clinic.example:8443", true },
	{ "https://localhost:8443", true },
	{ "https://xn--bcher-kva.example", true },
	{ "http://gate.clinic.example", false },
	{ "https://gate.clinic.example/", false },
	{ "https://gate.clinic.example/p", false },
	{ "https://gate.clinic.example:443", false },
	{ "https://gate.clinic.example:08443", false },
	{ "https://gate.clinic.example:65536", false },
	{ "https://gate.clinic.example:", false },
	{ "https://Gate.Clinic.Example", false },
	{ "https://user@gate.clinic.example", false },
	{ "https://gate.clinic.example?x", false },
	{ "https://192.0.2.1", false },
	{ "https://[::1]:8443", false },
	{ "https://gate..clinic.example", false },
	{ "https://-gate.clinic.example", false },
	{ "https://", false },
	{ "gate.clinic.example", false },
};

START_TEST(origin_forms)
{
	const struct origin_case *tc = &origins[_i];

	ck_assert_msg(pr_web_origin_valid(tc->origin) == tc->ok, "%s", tc->origin);
}
END_TEST

static const struct rp_case {
	const char *rp_id, *host;
	bool fits;
} rps[] = {
	{ "clinic.example", "clinic.example", true },
	{ "clinic.example", "gate.clinic.example", true },
	{ "clinic.example", "a.b.clinic.example", true },
	{ "gate.clinic.example", "gate.clinic.example", true },
	{ "clinic.example", "evilclinic.example", false },
	{ "clinic.example", "clinic.example.evil", false },
	{ "gate.clinic.example", "clinic.example", false },
	{ "other.example", "gate.clinic.example", false },
	{ "pam://clinic", "clinic", false },
	{ "pam://riverside-clinic", "gate.riverside-clinic.example", false },
	{ "Clinic.Example", "gate.clinic.example", false },
};

START_TEST(rp_id_rule)
{
	const struct rp_case *tc = &rps[_i];

	ck_assert_msg(pr_web_rp_id_fits(tc->rp_id, tc->host) == tc->fits, "%s at %s",
	    tc->rp_id, tc->host);
}
END_TEST

/* policy check's refusals: the rp id the browser would not use, an exposed key. */
START_TEST(deploy_checks)
{
	char dir[] = "/tmp/check_config_web.XXXXXX", key[64], cert[64];
	struct pr_web_conf w = { 0 };
	struct pr_errbuf eb = { 0 };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	test_write_file(key, "k", 1, 0600);
	test_write_file(cert, "c", 1, 0644);
	w.origin = (char *)"https://gate.clinic.example";
	w.key_file = key;
	w.cert_file = cert;
	ck_assert_int_eq(pr_web_deploy_check(&w, "clinic.example", &eb), PR_OK);
	ck_assert_int_eq(pr_web_deploy_check(&w, "pam://clinic", &eb), PR_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(eb.msg, "DNS domain"));
	ck_assert_int_eq(pr_web_deploy_check(&w, "evil.example", &eb), PR_ERR_CONFIG);
	ck_assert_int_eq(chmod(key, 0640), 0);
	ck_assert_int_eq(pr_web_deploy_check(&w, "clinic.example", &eb), PR_ERR_UNSAFE_FILE);
	ck_assert_ptr_nonnull(strstr(eb.msg, "chmod 600"));
	ck_assert_int_eq(chmod(key, 0600), 0);
	ck_assert_int_eq(chmod(cert, 0664), 0);
	ck_assert_int_eq(pr_web_deploy_check(&w, "clinic.example", &eb), PR_ERR_UNSAFE_FILE);
	ck_assert_int_eq(chmod(cert, 0644), 0);
	/* a link to the key is refused, not followed */
	ck_assert_int_eq(unlink(key), 0);
	ck_assert_int_eq(symlink(cert, key), 0);
	ck_assert_int_eq(pr_web_deploy_check(&w, "clinic.example", &eb), PR_ERR_UNSAFE_FILE);
	unlink(key);
	ck_assert_int_eq(pr_web_deploy_check(&w, "clinic.example", &eb), PR_ERR_NOT_FOUND);
	unlink(cert);
	rmdir(dir);
	/* no web section: nothing to check */
	w.origin = NULL;
	ck_assert_int_eq(pr_web_deploy_check(&w, "pam://clinic", &eb), PR_OK);
}
END_TEST

/* coverage: the keys the gate can use, by rp id and key kind. */
START_TEST(coverage_web_usable)
{
	struct pr_cred v[2] = { { .kind = PR_KIND_FIDO }, { .kind = PR_KIND_SSH } };
	struct pr_credlist l = { v, 2 };
	struct pr_config cfg = { 0 };

	cfg.rp_id = (char *)"clinic.example";
	ck_assert_uint_eq(pr_coverage_web_usable(&cfg, &l), 0);          /* no web section */
	cfg.web.origin = (char *)"https://gate.clinic.example:8443";
	ck_assert_uint_eq(pr_coverage_web_usable(&cfg, &l), 1);          /* the SSH key is not */
	cfg.rp_id = (char *)"pam://clinic";
	ck_assert_uint_eq(pr_coverage_web_usable(&cfg, &l), 0);
	cfg.rp_id = (char *)"other.example";
	ck_assert_uint_eq(pr_coverage_web_usable(&cfg, &l), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_web");
	TCase *tc = tcase_create("web");

	tcase_add_test(tc, defaults);
	tcase_add_loop_test(tc, refusals, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_loop_test(tc, origin_forms, 0, sizeof(origins) / sizeof(origins[0]));
	tcase_add_loop_test(tc, rp_id_rule, 0, sizeof(rps) / sizeof(rps[0]));
	tcase_add_test(tc, deploy_checks);
	tcase_add_test(tc, coverage_web_usable);
	suite_add_tcase(s, tc);
	return test_run_tap(s);
}
