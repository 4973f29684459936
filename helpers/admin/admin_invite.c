/*
 * practicerunner-admin invite USER [--expires DURATION] [--mail]
 *                      invite list | invite revoke USER
 *
 * The token is shown once (or only mailed), never stored, listed or
 * audited. With --mail the recipient is the user name itself: the mail
 * command's local delivery (and /etc/aliases) decides where it goes.
 */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "invite.h"
#include "mail.h"
#include "util.h"

#define INVITE_MAX_LIFETIME (30 * 86400)   /* as lib/invite.c enforces */
#define ENROLL_COMMAND "practicerunner-enroll enroll"
#define MAIL_SUBJECT "Enrollment invitation for your sign-in"

struct invite_args {
	const char *user;
	int64_t lifetime;
	bool mail;
};

static int parse_invite(struct cli *c, int argc, char **argv, struct invite_args *a)
{
	static const struct option opts[] = {
		{ "expires", required_argument, NULL, 'e' },
		{ "mail", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "e:m", opts, NULL)) != -1) {
		if (ch == 'm') {
			a->mail = true;
		} else if (ch == 'e' &&
		    !cli_parse_duration(optarg, INVITE_MAX_LIFETIME, &a->lifetime)) {
			cli_err(c, "--expires takes a duration such as 30m, 72h or 7d, at most 30d");
			return CLI_USAGE;
		} else if (ch != 'e') {
			optind = argc;  /* unknown option: usage below */
			break;
		}
	}
	if (optind != argc - 1) {
		cli_err(c, "usage: invite USER [--expires DURATION] [--mail]");
		return CLI_USAGE;
	}
	a->user = argv[optind];
	return CLI_OK;
}

/* A user we may invite: a valid name that is a local or NSS account. */
static bool known_user(struct cli *c, const char *user)
{
	if (!pr_username_valid(user) || getpwnam(user) == NULL) {
		cli_err(c, "no such user: %s", pr_username_valid(user) ? user : "(invalid name)");
		return false;
	}
	return true;
}

/* ---- invite USER --------------------------------------------------------------- */

/* The generic message: that there is an invitation, the code, until when, what to run. */
static char *mail_body(const char *token, int64_t expires)
{
	char when[32], *body = NULL;

	if (asprintf(&body,
	    "There is an enrollment invitation for your sign-in.\n"
	    "\n"
	    "Invitation code: %s\n"
	    "Valid until:     %s\n"
	    "\n"
	    "To use it, sign in to your account and run:\n"
	    "\n"
	    "    %s\n"
	    "\n"
	    "Type the invitation code when asked, then touch your security key\n"
	    "when told. The code works once.\n"
	    "\n"
	    "If you did not expect this message, tell your administrator.\n",
	    token, pr_time_utc(expires, when), ENROLL_COMMAND) < 0)
		return NULL;
	return body;
}

static int send_invitation(struct cli *c, const char *user, const char *token,
    int64_t expires)
{
	struct pr_errbuf eb = { 0 };
	char *body = mail_body(token, expires);
	int r;

	if (body == NULL) {
		cli_err(c, "invitation not sent: out of memory");
		return PR_ERR_NOMEM;
	}
	r = pr_mail_send(c->cfg->recovery.mail_command, user, MAIL_SUBJECT, body, &eb);
	pr_secret_strfree(&body);
	if (r != PR_OK)
		cli_err(c, "invitation not sent: %s", eb.msg);
	return r;
}

/*
 * --mail: send it; an invitation nobody received is withdrawn. Returns an
 * exit status: a mail command that fails is a refusal (1), not a state error.
 */
static int invite_by_mail(struct cli *c, const struct invite_args *a,
    const char *token, int64_t expires)
{
	struct pr_errbuf eb = { 0 };
	char when[32];
	int r;

	if ((r = send_invitation(c, a->user, token, expires)) != PR_OK) {
		if (pr_invite_revoke(c->cfg->state, a->user, &eb) == PR_OK)
			cli_err(c, "the invitation for %s was withdrawn", a->user);
		else
			cli_err(c, "%s", eb.msg);
		cli_audit(c, "invite", r, a->user, NULL, "mail failed, revoked");
		return r == PR_ERR_NOMEM ? cli_exit_code(r) : CLI_FAILED;
	}
	if ((r = cli_audit(c, "invite", PR_OK, a->user, NULL, "mailed")) != PR_OK)
		return cli_exit_code(r);
	printf("Invitation for %s mailed to %s, valid until %s.\n", a->user, a->user,
	    pr_time_utc(expires, when));
	return CLI_OK;
}

static void print_token(const struct invite_args *a, const char *token, int64_t expires)
{
	char when[32];

	printf("Invitation for %s, valid until %s:\n\n    %s\n\n", a->user,
	    pr_time_utc(expires, when), token);
	printf("It is shown only this once. Hand it to %s in person or over another\n"
	    "trusted channel. Signed in as %s, they run\n\n    %s\n\n"
	    "and type the code when asked. It works once; %d wrong codes void it.\n",
	    a->user, a->user, ENROLL_COMMAND, PR_INVITE_MAX_FAILURES);
}

/* What the admin should know about what was there before. */
static void invite_notes(struct cli *c, const char *user, bool replaced)
{
	struct pr_credlist keys = { NULL, 0 };

	if (replaced)
		printf("(This replaces the earlier invitation for %s.)\n", user);
	if (pr_store_load(c->cfg->state, user, &keys, NULL) == PR_OK && keys.n > 0)
		printf("Note: %s already has %zu enrolled key(s); an invitation is only needed "
		    "for a first key.\n", user, keys.n);
	pr_credlist_clear(&keys);
}

int admin_invite(struct cli *c, int argc, char **argv)
{
	struct invite_args a = { NULL, PR_INVITE_DEFAULT_LIFETIME, false };
	struct pr_invite_info old;
	struct pr_errbuf eb = { 0 };
	int64_t now = pr_now();
	char *token = NULL;
	bool replaced;
	int r, rc;

	if ((rc = parse_invite(c, argc, argv, &a)) != CLI_OK)
		return rc;
	if (!cli_require_root(c) || !known_user(c, a.user))
		return CLI_FAILED;
	replaced = pr_invite_info(c->cfg->state, a.user, &old, NULL) == PR_OK;
	/* On file before the store changes (doc/ARCHITECTURE.md §8.3). */
	if ((r = cli_audit_begin(c, "invite", a.user, NULL, "created")) != PR_OK) {
		cli_audit(c, "invite", r, a.user, NULL, "create failed");
		goto out;
	}
	if ((r = pr_invite_create(c->cfg->state, a.user, a.lifetime, now, &token, &eb)) != PR_OK) {
		cli_err(c, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
		cli_audit(c, "invite", r, a.user, NULL, "create failed");
		goto out;
	}
	if ((r = cli_audit(c, "invite", PR_OK, a.user, NULL, "created")) != PR_OK) {
		/* No unrecorded invitation. */
		if (pr_invite_revoke(c->cfg->state, a.user, &eb) == PR_OK)
			cli_audit_undone();
		cli_err(c, "invitation withdrawn because it could not be recorded");
		goto out;
	}
	invite_notes(c, a.user, replaced);
	if (a.mail) {
		rc = invite_by_mail(c, &a, token, now + a.lifetime);
	} else {
		print_token(&a, token, now + a.lifetime);
		rc = CLI_OK;
	}
out:
	pr_secret_strfree(&token);
	return r != PR_OK ? cli_exit_code(r) : rc;
}

/* ---- invite list ------------------------------------------------------------------ */

/* Names in <state_dir>/invites, sorted. */
static int invite_users(struct cli *c, struct pr_strlist *out)
{
	struct pr_errbuf eb = { 0 };
	int r;

	if ((r = pr_state_users(c->cfg->state, "invites", out, &eb)) != PR_OK)
		cli_err(c, "%s", eb.msg);
	return r;
}

static int list_one(struct cli *c, const char *user, int64_t now)
{
	struct pr_invite_info info;
	struct pr_errbuf eb = { 0 };
	char d1[32], d2[32];
	int r;

	if ((r = pr_invite_info(c->cfg->state, user, &info, &eb)) != PR_OK) {
		cli_err(c, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
		return r;
	}
	printf("%-16s %-20s %-20s %-8d %s\n", user, pr_time_utc(info.created, d1),
	    pr_time_utc(info.expires, d2), info.failures, now >= info.expires ? "expired" : "active");
	return PR_OK;
}

int admin_invite_list(struct cli *c, int argc, char **argv)
{
	struct pr_strlist users = { NULL, 0 };
	int64_t now = pr_now();
	int r, worst = PR_OK;

	(void)argv;
	if (argc != 1) {
		cli_err(c, "usage: invite list");
		return CLI_USAGE;
	}
	if (!cli_require_root(c))
		return CLI_FAILED;
	if ((r = invite_users(c, &users)) != PR_OK) {
		pr_strlist_clear(&users);
		return cli_exit_code(r);
	}
	printf("%-16s %-20s %-20s %-8s %s\n", "USER", "CREATED", "EXPIRES", "FAILURES", "STATUS");
	/* A damaged file is reported and the rest still listed. */
	for (size_t i = 0; i < users.n; i++)
		if ((r = list_one(c, users.v[i], now)) != PR_OK && worst == PR_OK)
			worst = r;
	pr_strlist_clear(&users);
	return cli_exit_code(worst);
}

/* ---- invite revoke USER --------------------------------------------------------- */

int admin_invite_revoke(struct cli *c, int argc, char **argv)
{
	static const struct admin_revoke kind = {
		"invite revoke USER", "invite", "Invitation", "has no invitation (see: invite list)",
		pr_invite_revoke,
	};

	return admin_revoke(c, argc, argv, &kind);
}
