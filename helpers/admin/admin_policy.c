/* practicerunner-admin policy check | show */
#include "config.h"

#include <grp.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "admin.h"
#include "attest.h"
#include "audit_rate.h"
#include "directory/directory.h"
#include "grant.h"
#include "policy.h"
#include "accounts.h"
#include "roles.h"
#include "store.h"
#include "util.h"

/*
 * An owners/admins @group that does not resolve makes every sign-in fail
 * closed (roles cannot be decided): say so before it is deployed.
 */
static int check_groups(struct cli *c, const char *what, const struct pr_strlist *l)
{
	int bad = 0;

	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i][0] != '@' || getgrnam(l->v[i] + 1) != NULL)
			continue;
		cli_err(c, "%s: %s lists %s, which is not a group on this machine: every "
		    "sign-in would be refused until it exists", c->cfg->path, what, l->v[i]);
		bad = 1;
	}
	return bad;
}

/* Keys of root's that the policy accepts for need; -1 when they cannot be read. */
static long root_keys(const struct pr_config *cfg, enum pr_need need)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	long n = 0;

	if (pr_store_load(cfg->state, "root", &l, &eb) != PR_OK)
		return -1;
	for (size_t i = 0; i < l.n; i++)
		n += l.v[i].kind == PR_KIND_FIDO && pr_policy_class_ok(need, l.v[i].cls);
	pr_credlist_clear(&l);
	return n;
}

/*
 * Root is covered at authentication unless exempt (pam_practicerunner(8),
 * "Which accounts are covered"): a policy that asks root for a key root
 * does not have leaves only the rescue path. A warning, not an error: the
 * administrator may be about to enroll it. Said nothing when the store
 * cannot be read (not run as root): coverage reports that.
 */
static void warn_root(const struct cli *c)
{
	struct pr_user_policy up;

	if (pr_user_policy(c->cfg, "root", &up) != PR_OK || up.need == PR_NEED_NONE ||
	    root_keys(c->cfg, up.need) != 0)
		return;
	fprintf(stderr, "warning: the policy requires %s of root, and root has none "
	    "enrolled: root could not sign in at the console, by su or by ssh. Enroll one "
	    "(practicerunner-admin key enroll root), or list \"root\" in exempt; if you "
	    "are locked out already, see \"Locked out\" in pam_practicerunner(8).\n",
	    up.need == PR_NEED_PHYSICAL ? "a physical security key" : "a security key");
}

bool admin_audit_space_low(const struct cli *c)
{
	uint64_t mb = 0;

	/* Cannot tell (no log directory yet, no rights): nothing to say here. */
	if (pr_rate_free_mb_path(c->cfg->audit_log, &mb) != PR_OK ||
	    mb >= (uint64_t)c->cfg->audit.min_free_mb)
		return false;
	fprintf(stderr, "warning: %s: %" PRIu64 " MB free on its file system, below "
	    "min_free_mb (%ld MB): failure records are being counted, not written, and "
	    "when the file system is full every sign-in is refused. Free space there or "
	    "move the audit log to a larger file system; see \"Audit space\" in "
	    "practicerunner.conf(5).\n", c->cfg->audit_log, mb, c->cfg->audit.min_free_mb);
	return true;
}

/*
 * store = ldap: the bind password file must pass the checks a connection
 * makes (root-owned, 0600, no link, one line) before the policy is deployed.
 */
static int check_directory(struct cli *c)
{
	struct pr_errbuf eb = { 0 };
	char *password = NULL;

	if (c->cfg->store != PR_STORE_LDAP)
		return 0;
	if (pr_dir_password_read(c->cfg->ldap.bind_password_file, &password, &eb) != PR_OK) {
		cli_err(c, "%s: ldap { bind_password_file }: %s", c->cfg->path, eb.msg);
		return 1;
	}
	pr_secret_strfree(&password);
	return 0;
}

/*
 * What a grant left by the approval page is bound to (doc/ARCHITECTURE.md
 * §4.9). Weaker than the VPN's binding in most cases, so an administrator
 * sees it before deploying; a warning, not an error, as bind_client_address
 * = false is: the site may have no better option.
 */
static void show_grant_binding(const struct pr_web_conf *w)
{
	if (!pr_grant_service_gives_rhost(w->grant_service))
		fprintf(stderr, "warning: grants for %s are bound to user, service and time only: "
		    "xrdp does not give the client address. Whoever knows the password and signs "
		    "in within web { grant_lifetime } (%ld s) of the approval is let in; keep it "
		    "short.\n", w->grant_service, w->grant_lifetime);
	else if (!w->bind_client_address)
		fprintf(stderr, "warning: grants for %s are bound to user, service and time only: "
		    "web { bind_client_address = false }.\n", w->grant_service);
	else
		printf("grants for %s are bound to user, service, time and the browser's address: "
		    "the service must give the client's address (PAM_RHOST) as the gate saw it.\n",
		    w->grant_service);
}

/*
 * web { }: a browser must be able to use rp_id at the gate's origin, and
 * the gate's key must be root's alone, before the gate is deployed.
 */
static int check_web(struct cli *c)
{
	const struct pr_web_conf *w = &c->cfg->web;
	struct pr_errbuf eb = { 0 };

	if (!pr_web_enabled(w))
		return 0;
	if (pr_web_deploy_check(w, c->cfg->rp_id, &eb) != PR_OK) {
		cli_err(c, "%s: %s", c->cfg->path, eb.msg);
		return 1;
	}
	if (!w->bind_client_address)
		fprintf(stderr, "warning: web { bind_client_address = false }: a sign-in link opened "
		    "from any address is accepted, so a link sent to someone else works for them. "
		    "Keep it true unless the VPN clients reach the gate through NAT.\n");
	show_grant_binding(w);
	return 0;
}

/* The policy loaded (main did that); also the anchors and role groups must resolve. */
int admin_policy_check(struct cli *c, int argc, char **argv)
{
	struct pr_errbuf eb = { 0 };
	X509_STORE *anchors = NULL;

	(void)argv;
	if (argc != 1) {
		cli_err(c, "usage: policy check");
		return CLI_USAGE;
	}
	if (pr_anchors_load(c->cfg->trust_anchors, 1, &anchors, &eb) != PR_OK) {
		cli_err(c, "%s", eb.msg);
		return CLI_CONFIG;
	}
	X509_STORE_free(anchors);
	if (check_groups(c, "roles.owners", &c->cfg->owners) |
	    check_groups(c, "roles.admins", &c->cfg->admins) |
	    check_directory(c) | check_web(c))
		return CLI_CONFIG;
	warn_root(c);
	printf("%s: policy is valid\n", c->cfg->path);
	return admin_state_status(c, false, false);
}

static void show_list(const char *name, const struct pr_strlist *l)
{
	printf("%s = {", name);
	for (size_t i = 0; i < l->n; i++)
		printf("%s\"%s\"", i ? ", " : "", l->v[i]);
	printf("}\n");
}

static void show_opt_str(const char *name, const char *v, const char *unset)
{
	if (v != NULL)
		printf("  %-18s = \"%s\"\n", name, v);
	else
		printf("  %-18s   # not set%s\n", name, unset);
}

/* The directory's section, shown whichever store is in use (it may be about to change). */
static void show_ldap(const struct pr_config *cfg)
{
	const struct pr_ldap_conf *l = &cfg->ldap;

	printf("store                = %s\n", pr_store_kind_name(cfg->store));
	printf("ldap {\n");
	printf("  uri                = {");
	for (size_t i = 0; i < l->uri.n; i++)
		printf("%s\"%s\"", i ? ", " : "", l->uri.v[i]);
	printf("}%s\n", l->uri.n > 1 ? "   # tried in this order" : "");
	show_opt_str("base", l->base, "");
	show_opt_str("bind_dn", l->bind_dn, "");
	show_opt_str("bind_password_file", l->bind_password_file, "");
	show_opt_str("ca_file", l->ca_file, ": needed for ldaps:// and starttls");
	printf("  starttls           = %s\n", l->starttls ? "true" : "false");
	printf("  timeout            = %ld\n", l->timeout);
	printf("  cache_max_age      = %ld%s\n", l->cache_max_age,
	    l->cache_max_age == 0 ? "   # no offline cache" : "");
	printf("}\n");
}

/* The web gate's section; "not configured" without an origin. */
static void show_web(const struct pr_web_conf *w)
{
	if (!pr_web_enabled(w)) {
		printf("web { }                # not configured: no web gate\n");
		return;
	}
	printf("web {\n");
	show_opt_str("origin", w->origin, "");
	show_opt_str("listen", w->listen, "");
	show_opt_str("cert_file", w->cert_file, "");
	show_opt_str("key_file", w->key_file, "");
	printf("  pending_lifetime   = %ld\n", w->pending_lifetime);
	printf("  grant_lifetime     = %ld\n", w->grant_lifetime);
	show_opt_str("grant_service", w->grant_service, "");
	printf("  bind_client_address = %s\n", w->bind_client_address ? "true" : "false");
	printf("}\n");
}

static void show_aaguids(const struct pr_config *cfg)
{
	char text[37];

	printf("physical_aaguids     = {");
	for (size_t i = 0; i < cfg->n_physical_aaguids; i++) {
		pr_aaguid_format(cfg->physical_aaguids[i], text);
		printf("%s\"%s\"", i ? ", " : "", text);
	}
	printf("}%s\n", cfg->n_physical_aaguids == 0 ? "   # any AAGUID from a trust anchor" : "");
}

/* The effective policy, implied settings spelled out. */
int admin_policy_show(struct cli *c, int argc, char **argv)
{
	const struct pr_config *cfg = c->cfg;
	struct pr_policy eff = pr_policy_effective(&cfg->policy);

	(void)argv;
	if (argc != 1) {
		cli_err(c, "usage: policy show");
		return CLI_USAGE;
	}
	printf("# effective policy from %s\n", cfg->path);
	printf("rp_id                = \"%s\"\n", cfg->rp_id);
	printf("require_security_key = %s%s\n", pr_require_key_name(eff.require_security_key),
	    eff.require_security_key != cfg->policy.require_security_key ?
	    "   # implied by require_physical_key = all-users" : "");
	printf("require_physical_key = %s\n", pr_require_physical_name(eff.require_physical_key));
	printf("user_verification    = %s\n", pr_uv_name(eff.user_verification));
	printf("touch_timeout        = %d\n", cfg->touch_timeout);
	printf("state_dir            = \"%s\"\n", cfg->state_dir);
	printf("audit_log            = \"%s\"\n", cfg->audit_log);
	printf("trust_anchors        = \"%s\"\n", cfg->trust_anchors);
	show_aaguids(cfg);
	show_list("exempt              ", &cfg->exempt);
	printf("uid_min              = %lu%s\n", (unsigned long)pr_config_uid_min(cfg),
	    cfg->uid_min > 0 ? "" : "   # UID_MIN from /etc/login.defs (or 1000)");
	show_list("unattended_services ", &cfg->unattended_services);
	show_list("roles.owners        ", &cfg->owners);
	show_list("roles.admins        ", &cfg->admins);
	show_ldap(cfg);
	show_list("breakglass.services ", &cfg->breakglass.services);
	printf("breakglass.session_limit = %ld\nbreakglass.notify    = \"%s\"\n",
	    cfg->breakglass.session_limit, cfg->breakglass.notify);
	show_web(&cfg->web);
	printf("# requirement: owner=%s admin=%s staff=%s\n",
	    pr_need_name(pr_policy_need(&cfg->policy, PR_ROLE_OWNER, false)),
	    pr_need_name(pr_policy_need(&cfg->policy, PR_ROLE_ADMIN, false)),
	    pr_need_name(pr_policy_need(&cfg->policy, PR_ROLE_STAFF, false)));
	return CLI_OK;
}
