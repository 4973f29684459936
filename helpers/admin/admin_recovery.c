/*
 * practicerunner-admin recovery start USER [--mail]
 * practicerunner-admin recovery revoke USER
 * practicerunner-admin unlock USER
 *
 * A recovery ticket is only for accounts under a physical-key requirement
 * (others are re-enrolled with key enroll). It is shown once (or only
 * mailed), never stored, listed or audited. With --mail the recipient is the
 * user name itself, as for invitations. unlock clears the recovery failure
 * tally; tickets voided by failures stay void.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "lockout.h"
#include "notify.h"
#include "policy.h"
#include "roles.h"
#include "ticket.h"
#include "util.h"

#define RECOVER_COMMAND "practicerunner-recover"

struct recovery_args {
	const char *user;
	bool mail;
};

static int parse_start(struct cli *c, int argc, char **argv, struct recovery_args *a)
{
	static const struct option opts[] = {
		{ "mail", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "m", opts, NULL)) != -1) {
		if (ch != 'm') {
			optind = argc;  /* unknown option: usage below */
			break;
		}
		a->mail = true;
	}
	if (optind != argc - 1) {
		cli_err(c, "usage: recovery start USER [--mail]");
		return CLI_USAGE;
	}
	a->user = argv[optind];
	return CLI_OK;
}

/* Recovery is for accounts under a physical requirement only; says why not otherwise. */
static bool recovery_allowed(struct cli *c, const char *user)
{
	enum pr_need need;
	int r;

	if (!pr_username_valid(user) || getpwnam(user) == NULL) {
		cli_err(c, "no such user: %s", pr_username_valid(user) ? user : "(invalid name)");
		return false;
	}
	if ((r = pr_user_need(c->cfg, user, NULL, &need)) != PR_OK) {
		cli_err(c, "cannot resolve %s's role (%s); run policy check", user, pr_strerror(r));
		return false;
	}
	if (need != PR_NEED_PHYSICAL) {
		cli_err(c, "recovery is only for accounts under a physical-key requirement; "
		    "re-enroll %s's key with key enroll instead", user);
		return false;
	}
	return true;
}

/* A locked-out account gets no ticket until an administrator unlocks it. */
static int check_not_locked(struct cli *c, const char *user)
{
	struct pr_errbuf eb = { 0 };
	struct pr_lockout st;
	int r;

	if ((r = pr_lockout_get(c->cfg->state, user, &st, &eb)) != PR_OK) {
		cli_err(c, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
		return r;
	}
	if (st.locked) {
		cli_err(c, "recovery for %s is locked after %d failed attempts; check with %s, "
		    "then run 'practicerunner-admin unlock %s' first", user, st.failures, user, user);
		cli_audit(c, "recovery-ticket", PR_ERR_LOCKED_OUT, user, NULL, "locked out");
		return PR_ERR_LOCKED_OUT;
	}
	return PR_OK;
}

/* --mail: send it; a ticket nobody received is withdrawn. Returns an exit status. */
static int ticket_by_mail(struct cli *c, const char *user, const char *ticket,
    int64_t expires)
{
	struct pr_errbuf eb = { 0 };
	char when[32];
	int r;

	if ((r = pr_notify_ticket(c->cfg, user, ticket, expires, &eb)) != PR_OK) {
		cli_err(c, "recovery ticket not sent: %s", eb.msg);
		if (pr_ticket_revoke(c->cfg->state, user, &eb) == PR_OK)
			cli_err(c, "the recovery ticket for %s was withdrawn", user);
		else
			cli_err(c, "%s", eb.msg);
		cli_audit(c, "recovery-ticket", r, user, NULL, "mail failed, revoked");
		return r == PR_ERR_NOMEM ? cli_exit_code(r) : CLI_FAILED;
	}
	if ((r = cli_audit(c, "recovery-ticket", PR_OK, user, NULL, "mailed")) != PR_OK)
		return cli_exit_code(r);
	printf("Recovery ticket for %s mailed to %s, valid until %s.\n", user, user,
	    pr_time_utc(expires, when));
	return CLI_OK;
}

static void print_ticket(const char *user, const char *ticket, int64_t expires)
{
	char when[32];

	printf("Recovery ticket for %s, valid until %s:\n\n    %s\n\n", user,
	    pr_time_utc(expires, when), ticket);
	printf("It is shown only this once. Hand it to %s in person or over another\n"
	    "trusted channel. Signed in as %s, they run\n\n    %s\n\n"
	    "and type the ticket and one of their saved recovery codes. It works once;\n"
	    "%d failed tries void it.\n", user, user, RECOVER_COMMAND, PR_TICKET_MAX_FAILURES);
}

int admin_recovery_start(struct cli *c, int argc, char **argv)
{
	struct recovery_args a = { NULL, false };
	struct pr_errbuf eb = { 0 };
	int64_t now = pr_now(), expires;
	char *ticket = NULL;
	int r, rc;

	if ((rc = parse_start(c, argc, argv, &a)) != CLI_OK)
		return rc;
	if (!cli_require_root(c) || !recovery_allowed(c, a.user))
		return CLI_FAILED;
	if ((r = check_not_locked(c, a.user)) != PR_OK)
		return r == PR_ERR_LOCKED_OUT ? CLI_FAILED : cli_exit_code(r);
	expires = now + c->cfg->recovery.ticket_lifetime;
	/* On file before the store changes (doc/ARCHITECTURE.md §8.3). */
	if ((r = cli_audit_begin(c, "recovery-ticket", a.user, NULL, "created")) != PR_OK) {
		cli_audit(c, "recovery-ticket", r, a.user, NULL, "create failed");
		goto out;
	}
	if ((r = pr_ticket_create(c->cfg->state, a.user, c->cfg->recovery.ticket_lifetime,
	    now, &ticket, &eb)) != PR_OK) {
		cli_err(c, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
		cli_audit(c, "recovery-ticket", r, a.user, NULL, "create failed");
		goto out;
	}
	if ((r = cli_audit(c, "recovery-ticket", PR_OK, a.user, NULL, "created")) != PR_OK) {
		/* No unrecorded ticket. */
		if (pr_ticket_revoke(c->cfg->state, a.user, &eb) == PR_OK)
			cli_audit_undone();
		cli_err(c, "recovery ticket withdrawn because it could not be recorded");
		goto out;
	}
	if (a.mail) {
		rc = ticket_by_mail(c, a.user, ticket, expires);
	} else {
		print_ticket(a.user, ticket, expires);
		rc = CLI_OK;
	}
out:
	pr_secret_strfree(&ticket);
	return r != PR_OK ? cli_exit_code(r) : rc;
}

/* ---- unlock USER ---------------------------------------------------------------- */

/* A ticket issued in error, or to someone who no longer needs it. */
int admin_recovery_revoke(struct cli *c, int argc, char **argv)
{
	static const struct admin_revoke kind = {
		"recovery revoke USER", "recovery-ticket", "Recovery ticket",
		"has no recovery ticket (it was never issued, was used, or became void)",
		pr_ticket_revoke,
	};

	return admin_revoke(c, argc, argv, &kind);
}

int admin_unlock(struct cli *c, int argc, char **argv)
{
	struct pr_errbuf eb = { 0 };
	struct pr_lockout st;
	const char *user;
	int r, before;

	if ((r = admin_user_arg(c, argc, argv, "unlock USER", &user)) != CLI_OK)
		return r;
	/* A damaged tally is reported, then cleared all the same. */
	if ((r = pr_lockout_get(c->cfg->state, user, &st, &eb)) != PR_OK)
		cli_err(c, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
	before = r == PR_OK ? st.failures : -1;
	if ((r = cli_audit_begin(c, "lockout", user, NULL, "cleared")) != PR_OK) {
		cli_audit(c, "lockout", r, user, NULL, "clear failed");
		return cli_exit_code(r);
	}
	if ((r = pr_lockout_clear(c->cfg->state, user, &eb)) != PR_OK) {
		cli_err(c, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
		cli_audit(c, "lockout", r, user, NULL, "clear failed");
		return cli_exit_code(r);
	}
	r = cli_audit(c, "lockout", PR_OK, user, NULL, "cleared");
	if (before == 0)
		printf("%s had no failed recovery attempts; nothing to clear.\n", user);
	else if (before > 0)
		printf("Recovery for %s unlocked (%d failed attempt%s cleared).\n", user, before,
		    before == 1 ? "" : "s");
	else
		printf("Recovery for %s unlocked (the damaged tally was removed).\n", user);
	printf("A recovery ticket voided by failures stays void; issue a new one with "
	    "recovery start %s.\n", user);
	return cli_exit_code(r);
}
