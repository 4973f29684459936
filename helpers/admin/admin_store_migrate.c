/*
 * practicerunner-admin store migrate --to ldap [--dry-run]
 *
 * Copies this host's local store into the directory the policy's ldap { }
 * section names (doc/ARCHITECTURE.md §7.6), whatever `store` says: a host
 * still on files is moved with this, then its policy switched. The plan,
 * the merge and the writes are lib/'s (store_migrate.c); this file words
 * them, records one audit record per user copied and a summary, and
 * chooses the exit status.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "directory/directory.h"
#include "store_migrate.h"

#define EVENT "store-migrate"

struct tally {
	size_t copied, current, differ;
};

static int usage(const struct cli *c)
{
	cli_err(c, "usage: store migrate --to ldap [--dry-run]");
	return CLI_USAGE;
}

/* --to ldap [--dry-run], in either order: CLI_OK or CLI_USAGE, said. */
static int parse_args(const struct cli *c, int argc, char **argv, bool *dry_run)
{
	bool to = false;

	*dry_run = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0 && !*dry_run)
			*dry_run = true;
		else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc && !to &&
		    strcmp(argv[i + 1], "ldap") == 0)
			to = true, i++;
		else
			return usage(c);
	}
	return to ? CLI_OK : usage(c);
}

/* A directory error as store status words it: no answer 4, refused 3, else by code. */
static int dir_exit(const struct cli *c, int r, const struct pr_errbuf *eb)
{
	cli_err(c, "%s", eb->msg[0] ? eb->msg : pr_strerror(r));
	if (pr_dir_unreachable(r)) {
		fprintf(stderr, "No directory server answered: check that slapd runs and that "
		    "this machine reaches it, then run store migrate again.\n");
		return CLI_STATE;
	}
	if (r == PR_ERR_DIR_BIND || r == PR_ERR_DIR_TLS || r == PR_ERR_DIR_SCHEMA ||
	    r == PR_ERR_DIRECTORY) {
		fprintf(stderr, "The directory answered and refused: correct the ldap section of "
		    "%s or the directory (see: store status), then run store migrate again.\n",
		    c->cfg->path);
		return CLI_CONFIG;
	}
	return cli_exit_code(r);
}

static void say_differs(const struct pr_migrate_plan *p)
{
	for (size_t i = 0; i < PR_MIGRATE_SLOTS; i++)
		if (p->slot[i].outcome == PR_MIGRATE_DIFFERS)
			printf("%s: not copied: the directory already holds other %s: %s\n",
			    p->user, p->slot[i].noun, p->slot[i].why);
	printf("  Nothing of %s's was written. If the directory's data is the one in use, "
	    "nothing is to be done (this host's files are not used once its policy says "
	    "store = ldap). To keep this host's instead, make the directory agree (key "
	    "list/key remove, codes generate or recovery revoke on a directory host) and "
	    "run store migrate again.\n", p->user);
}

/* One user: plan, then (unless a dry run) write and record. */
static int migrate_user(struct cli *c, struct pr_state *files, struct pr_state *dir,
    const char *user, bool dry_run, struct tally *t)
{
	struct pr_migrate_plan p;
	struct pr_errbuf eb = { 0 };
	char detail[160];
	int r;

	if ((r = pr_migrate_plan(files, dir, user, &p, &eb)) != PR_OK)
		goto fail;
	pr_migrate_detail(&p, detail, sizeof(detail));
	if (pr_migrate_plan_differs(&p)) {
		say_differs(&p);
		t->differ++;
	} else if (!pr_migrate_plan_writes(&p)) {
		t->current++;
	} else if (dry_run) {
		printf("%s: would copy %s\n", user, detail);
		t->copied++;
	} else {
		if ((r = cli_audit_begin(c, EVENT, user, NULL, detail)) != PR_OK)
			goto fail;
		if ((r = pr_migrate_apply(files, dir, &p, &eb)) != PR_OK) {
			cli_audit(c, EVENT, r, user, NULL, "copy failed");
			goto fail;
		}
		if ((r = cli_audit(c, EVENT, PR_OK, user, NULL, detail)) != PR_OK)
			goto fail;
		printf("%s: copied %s\n", user, detail);
		t->copied++;
	}
	r = PR_OK;
fail:
	if (r == PR_ERR_DIR_CONFLICT) {
		say_differs(&p);
		t->differ++;
		r = PR_OK;
	}
	pr_migrate_plan_clear(&p);
	return r != PR_OK ? dir_exit(c, r, &eb) : CLI_OK;
}

static void summary(const struct cli *c, const struct tally *t, bool dry_run, size_t users)
{
	char detail[128];

	snprintf(detail, sizeof(detail), "users:%zu,copied:%zu,current:%zu,differ:%zu", users,
	    t->copied, t->current, t->differ);
	if (!dry_run)
		cli_audit(c, EVENT, PR_OK, NULL, NULL, detail);
	if (t->copied == 0 && t->differ == 0)
		printf("Nothing to copy: the directory already holds this host's data for all "
		    "%zu users%s.\n", users, dry_run ? " (dry run)" : "");
	else
		printf("%s %zu of %zu users; %zu already in the directory; %zu not copied "
		    "(different data in the directory, above).\n",
		    dry_run ? "Dry run, nothing written: would copy" : "Copied", t->copied, users,
		    t->current, t->differ);
	if (!dry_run && t->differ == 0 && t->copied > 0)
		printf("This host's files are left in place. Set store = ldap in %s to use the "
		    "directory.\n", c->cfg->path);
}

int admin_store_migrate(struct cli *c, int argc, char **argv)
{
	struct pr_state files = { .dir = c->cfg->state_dir, .kind = PR_STORE_FILES };
	struct pr_state dir = { .dir = c->cfg->state_dir, .kind = PR_STORE_LDAP,
	    .ldap = &c->cfg->ldap };
	struct pr_strlist users = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	struct tally t = { 0, 0, 0 };
	struct pr_dir *conn = NULL;
	bool dry_run;
	int rc, r;

	if ((rc = parse_args(c, argc, argv, &dry_run)) != CLI_OK)
		return rc;
	if (!cli_require_root(c))
		return CLI_FAILED;
	if (pr_ldap_conf_check(PR_STORE_LDAP, &c->cfg->ldap, &eb) != NULL) {
		cli_err(c, "%s: ldap { } is not complete enough to migrate to: %s", c->cfg->path,
		    eb.msg);
		return CLI_CONFIG;
	}
	if ((r = pr_state_conn(&dir, &conn, &eb)) != PR_OK) {
		rc = dir_exit(c, r, &eb);
		goto out;
	}
	if ((r = pr_migrate_users(&files, &users, &eb)) != PR_OK) {
		cli_err(c, "%s: the state directory cannot be read: %s", c->cfg->state_dir,
		    eb.msg[0] ? eb.msg : pr_strerror(r));
		rc = cli_exit_code(r);
		goto out;
	}
	for (size_t i = 0; rc == CLI_OK && i < users.n; i++)
		rc = migrate_user(c, &files, &dir, users.v[i], dry_run, &t);
	if (rc == CLI_OK) {
		summary(c, &t, dry_run, users.n);
		rc = t.differ > 0 ? CLI_FAILED : CLI_OK;
	}
out:
	pr_strlist_clear(&users);
	pr_state_close(&dir);
	return rc;
}
