/*
 * practicerunner-admin coverage [--json]: every user in scope of the policy
 * with role, requirement, keys by class, last use and status. The exit
 * status is for cron and monitoring: 1 when anyone is out of policy
 * (no-key, needs-physical), 4 when someone could not be checked or the
 * audit log's file system is below min_free_mb (said on stderr), 5 while a
 * break-glass use is not acknowledged (said on stderr; before 1), else 0;
 * warnings (single-physical-key, unused-90d) are listed but do not fail.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "coverage.h"
#include "roles.h"
#include "util.h"

struct row {
	const char *user;
	enum pr_role role;
	enum pr_need need;
	struct pr_coverage cov;
	size_t keys;           /* every credential on file, SSH keys included */
	size_t web_usable;     /* of them, those the web gate can use (pr_coverage_web_usable) */
};

/* What the whole report found, for the summary and the exit status. */
struct tally {
	size_t users;
	size_t out_of_policy;
	size_t warnings;
	size_t web_unusable; /* users with keys, none of them usable at the web gate */
	int error;          /* first error that left a user unchecked, or PR_OK */
};

static int parse_coverage(struct cli *c, int argc, char **argv, bool *json)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		if (ch != 'j')
			break;
		*json = true;
	}
	if (ch != -1 || optind != argc) {
		cli_err(c, "usage: coverage [--json]");
		return CLI_USAGE;
	}
	return CLI_OK;
}

/* Role and exemption by lookups, for a name the one pass did not resolve. */
static int lookup_user(struct cli *c, const char *user, enum pr_role *role, bool *exempt,
    enum pr_need *need)
{
	struct pr_user_policy up;
	int r;

	r = pr_user_policy(c->cfg, user, &up);
	if (r == PR_ERR_NOT_FOUND) {
		fprintf(stderr, "note: %s is named in the policy or has keys on file, but is "
		    "not an account on this system; not listed\n", user);
		return r;
	}
	if (r != PR_OK) {
		cli_err(c, "%s: cannot resolve the role (%s): the user or group database "
		    "cannot be read, or a group named in roles does not exist; run policy check",
		    user, pr_strerror(r));
		return r;
	}
	*role = up.role;
	*exempt = up.exempt;
	*need = up.need;
	return PR_OK;
}

/* Role, requirement, keys and status of one user; errors are printed here. */
static int user_row(struct cli *c, struct pr_store_reader *rd, const struct pr_scope_user *u,
    int64_t now, struct row *row)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	bool exempt = u->exempt;
	int r;

	memset(row, 0, sizeof(*row));
	row->user = u->name;
	row->role = u->role;
	if (u->resolved)
		row->need = pr_account_need(c->cfg, u->role, u->exempt, u->kind);
	else if ((r = lookup_user(c, u->name, &row->role, &exempt, &row->need)) != PR_OK)
		return r;
	/*
	 * The store is read per user, as the report reaches them; a user the
	 * state directory's listing did not name has no file, so no keys.
	 */
	if (u->has_file && (r = pr_store_reader_load(rd, u->name, &l, &eb)) != PR_OK) {
		cli_err(c, "%s: %s", u->name, eb.msg[0] ? eb.msg : pr_strerror(r));
		return r;
	}
	pr_coverage_compute(row->role, row->need, exempt, &l, now, &row->cov);
	row->keys = l.n;
	row->web_usable = pr_coverage_web_usable(c->cfg, &l);
	pr_credlist_clear(&l);
	return PR_OK;
}

static void table_header(void)
{
	printf("%-16s %-6s %-12s %8s %7s %-10s %s\n", "USER", "ROLE", "REQUIREMENT",
	    "PHYSICAL", "PASSKEY", "LAST-USED", "STATUS");
}

static void table_row(const struct row *w)
{
	char d[32];

	printf("%-16s %-6s %-12s %8zu %7zu %-10s %s\n", w->user, pr_role_name(w->role),
	    pr_need_name(w->need), w->cov.physical, w->cov.passkey,
	    cli_date(w->cov.last_used, d), pr_coverage_status_name(w->cov.status));
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void json_string(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static void json_row(const struct row *w, bool first, bool web)
{
	char d[32];

	printf("%s  {\"user\": ", first ? "" : ",\n");
	json_string(w->user);
	printf(", \"role\": ");
	json_string(pr_role_name(w->role));
	printf(", \"requirement\": ");
	json_string(pr_need_name(w->need));
	printf(", \"physical\": %zu, \"passkey\": %zu, \"last_used\": ", w->cov.physical,
	    w->cov.passkey);
	if (w->cov.last_used == 0)
		printf("null");
	else
		json_string(cli_date(w->cov.last_used, d));
	printf(", \"status\": ");
	json_string(pr_coverage_status_name(w->cov.status));
	if (web)
		printf(", \"web_usable\": %zu", w->web_usable);
	putchar('}');
}

/*
 * With a web section: who has keys but none the gate can use, one line
 * each on stderr (the table's columns stay as scripts read them).
 */
static void web_note(const struct cli *c, struct tally *t, const struct row *w)
{
	if (!pr_web_enabled(&c->cfg->web) || w->keys == 0 || w->web_usable > 0)
		return;
	t->web_unusable++;
	fprintf(stderr, "web gate: %s has only keys the web gate cannot use (%s): enroll a "
	    "security key again once rp_id is a DNS domain the gate is under (see \"The web section\" "
	    "in practicerunner.conf(5))\n", w->user, w->cov.physical + w->cov.passkey > 0 ?
	    "enrolled under an rp id no browser uses at the gate" : "SSH keys only");
}

static void tally_row(struct tally *t, const struct row *w)
{
	t->users++;
	if (pr_coverage_out_of_policy(w->cov.status))
		t->out_of_policy++;
	else if (w->cov.status == PR_COV_SINGLE_PHYSICAL || w->cov.status == PR_COV_UNUSED_90D)
		t->warnings++;
}

/* Every user's row, as a table or a JSON array (valid even when some fail). */
static void report(struct cli *c, struct pr_store_reader *rd, const struct pr_scope *users,
    bool json, struct tally *t)
{
	int64_t now = pr_now();
	struct row w;
	int r;

	if (json)
		printf("[\n");
	else
		table_header();
	for (size_t i = 0; i < users->n; i++) {
		if ((r = user_row(c, rd, &users->v[i], now, &w)) != PR_OK) {
			if (r != PR_ERR_NOT_FOUND && t->error == PR_OK)
				t->error = r;
			continue;
		}
		if (json)
			json_row(&w, t->users == 0, pr_web_enabled(&c->cfg->web));
		else
			table_row(&w);
		web_note(c, t, &w);
		tally_row(t, &w);
	}
	if (json)
		printf("%s]\n", t->users == 0 ? "" : "\n");
}


int admin_coverage(struct cli *c, int argc, char **argv)
{
	struct pr_scope users = { NULL, 0, 0 };
	struct pr_store_reader *rd = NULL;
	struct pr_errbuf eb = { 0 };
	struct tally t = { 0, 0, 0, 0, PR_OK };
	bool json = false;
	int r, rc;

	if ((rc = parse_coverage(c, argc, argv, &json)) != CLI_OK)
		return rc;
	if (!cli_require_root(c))
		return CLI_FAILED;
	if ((r = pr_coverage_scope(c->cfg, &users, &eb)) != PR_OK ||
	    (r = pr_store_reader_open(c->cfg->state, &rd, &eb)) != PR_OK) {
		cli_err(c, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
		pr_scope_clear(&users);
		return cli_exit_code(r);
	}
	if (users.skipped > 0)
		fprintf(stderr, "note: %zu account name(s) left out: not usable as user names "
		    "by PracticeRunner\n", users.skipped);
	report(c, rd, &users, json, &t);
	if (!json)
		printf("%zu users in scope: %zu out of policy, %zu with warnings%s\n", t.users,
		    t.out_of_policy, t.warnings, t.error != PR_OK ? "; some could not be checked" : "");
	pr_store_reader_close(&rd);
	pr_scope_clear(&users);
	return admin_state_status(c, t.error != PR_OK, t.out_of_policy > 0);
}
