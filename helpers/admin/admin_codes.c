/*
 * practicerunner-admin codes generate USER | codes status USER
 *
 * Recovery codes exist only for accounts under a physical-key requirement
 * (doc/ARCHITECTURE.md §6.2); others are re-enrolled by an administrator. A new set is
 * printed once and replaces the previous one; the codes are never stored,
 * listed or audited, and status shows only counts.
 */
#include "config.h"

#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "admin.h"
#include "codes.h"
#include "codes_issue.h"
#include "roles.h"
#include "util.h"

/* argv = { "generate"|"status", USER }: the user, or NULL after a usage message. */
static const char *parse_user(struct cli *c, int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		cli_err(c, "usage: codes %s USER", argv[0]);
		return NULL;
	}
	return argv[1];
}

/* A valid name that is a local or NSS account. */
static bool known_user(struct cli *c, const char *user)
{
	if (!pr_username_valid(user) || getpwnam(user) == NULL) {
		cli_err(c, "no such user: %s", pr_username_valid(user) ? user : "(invalid name)");
		return false;
	}
	return true;
}

/* CLI_OK when user is under a physical-key requirement; else the exit status. */
static int need_physical(struct cli *c, const char *user)
{
	enum pr_need need;
	int r;

	if ((r = pr_user_need(c->cfg, user, NULL, &need)) != PR_OK) {
		cli_err(c, "cannot tell what the policy requires of %s: %s", user, pr_strerror(r));
		return cli_exit_code(r);
	}
	if (need != PR_NEED_PHYSICAL) {
		cli_err(c, "recovery codes are not used for %s's account (no physical-key "
		    "requirement); re-enroll through an administrator instead", user);
		return CLI_FAILED;
	}
	return CLI_OK;
}

/* The admin's records about user, as the lib/ flows write them (admin.h). */
static int run_begin(void *arg, const char *event, const char *method,
    const struct pr_cred *cred, const char *detail)
{
	const struct admin_run *run = arg;

	(void)method;
	return cli_audit_begin(run->c, event, run->user, cred, detail);
}

static int run_record(void *arg, const char *event, int err, const char *method,
    const struct pr_cred *cred, const char *detail)
{
	const struct admin_run *run = arg;

	(void)method;
	return cli_audit(run->c, event, err, run->user, cred, detail);
}

static void run_undone(void *arg)
{
	(void)arg;
	cli_audit_undone();
}

void admin_recorder(struct admin_run *run, struct pr_recorder *rec)
{
	*rec = (struct pr_recorder){
		.begin = run_begin, .record = run_record, .undone = run_undone, .arg = run,
	};
}

/* The flow's reveal: shown once, for the administrator to hand over. */
static void print_codes(void *arg, char *const *codes, int n)
{
	const struct admin_run *run = arg;
	const char *user = run->user;

	printf("New recovery codes for %s:\n\n", user);
	for (int i = 0; i < n; i++)
		printf("    %2d. %s\n", i + 1, codes[i]);
	printf("\nThey are shown only this once. Give them to %s to store safely, apart\n"
	    "from the security key (on paper, or in a password manager). Each code\n"
	    "works once. Any earlier recovery codes for %s no longer work.\n", user, user);
}

static void run_say(void *arg, enum pr_codes_said what, int err, const char *why)
{
	const struct admin_run *run = arg;

	if (what == PR_CODES_NOT_MADE && why != NULL)
		cli_err(run->c, "%s", why);
	else if (what == PR_CODES_NOT_SHOWN)
		cli_err(run->c, "the new codes were not shown because they could not be recorded; "
		    "fix the audit log and generate again");
	else if (what == PR_CODES_NOTICE_FAILED)
		/* The user hears of every new set (a set they did not ask for is a warning sign). */
		cli_err(run->c, "warning: %s was not notified: %s", run->user,
		    why != NULL ? why : pr_strerror(err));
}

int admin_codes_generate(struct cli *c, int argc, char **argv)
{
	struct admin_run run = { .c = c };
	struct pr_recorder rec;
	struct pr_codes_issue ci = {
		.cfg = c->cfg, .rec = &rec, .reveal = print_codes, .say = run_say, .arg = &run,
	};
	int rc;

	if ((run.user = parse_user(c, argc, argv)) == NULL)
		return CLI_USAGE;
	if (!cli_require_root(c) || !known_user(c, run.user))
		return CLI_FAILED;
	if ((rc = need_physical(c, run.user)) != CLI_OK)
		return rc;
	ci.user = run.user;
	admin_recorder(&run, &rec);
	return cli_exit_code(pr_codes_issue(&ci));
}

int admin_codes_status(struct cli *c, int argc, char **argv)
{
	struct pr_codes_status st;
	struct pr_errbuf eb = { 0 };
	const char *user;
	char when[32];
	int r;

	if ((user = parse_user(c, argc, argv)) == NULL)
		return CLI_USAGE;
	if (!cli_require_root(c) || !known_user(c, user))
		return CLI_FAILED;
	if ((r = pr_codes_status(c->cfg->state, user, &st, &eb)) == PR_ERR_NOT_FOUND) {
		printf("%s has no recovery codes (see: codes generate %s).\n", user, user);
		return CLI_FAILED;
	}
	if (r != PR_OK) {
		cli_err(c, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
		return cli_exit_code(r);
	}
	printf("Recovery codes for %s: %d of %d remaining (set created %s).\n", user,
	    st.remaining, st.total, pr_time_utc(st.created, when));
	if (st.remaining == 0)
		printf("None left: generate a new set (codes generate %s).\n", user);
	return CLI_OK;
}
