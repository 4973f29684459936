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
#include "notify.h"
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

static void print_codes(const char *user, char **codes, int n)
{
	printf("New recovery codes for %s:\n\n", user);
	for (int i = 0; i < n; i++)
		printf("    %2d. %s\n", i + 1, codes[i]);
	printf("\nThey are shown only this once. Give them to %s to store safely, apart\n"
	    "from the security key (on paper, or in a password manager). Each code\n"
	    "works once. Any earlier recovery codes for %s no longer work.\n", user, user);
}

/* The user hears of every new set (a set they did not ask for is a warning sign). */
static void notify_new_codes(struct cli *c, const char *user)
{
	struct pr_errbuf eb = { "" };
	int r;

	if ((r = pr_notify(c->cfg, user, PR_NOTICE_CODES_NEW, pr_now(), &eb)) == PR_OK)
		return;
	cli_err(c, "warning: %s was not notified: %s", user, eb.msg[0] ? eb.msg : pr_strerror(r));
	cli_audit(c, "codes-generated", r, user, NULL, "notice not sent");
}

int admin_codes_generate(struct cli *c, int argc, char **argv)
{
	struct pr_errbuf eb = { "" };
	const char *user;
	char **codes = NULL, detail[32];
	int n = c->cfg->recovery.codes, r, rc;

	if ((user = parse_user(c, argc, argv)) == NULL)
		return CLI_USAGE;
	if (!cli_require_root(c) || !known_user(c, user))
		return CLI_FAILED;
	if ((rc = need_physical(c, user)) != CLI_OK)
		return rc;
	snprintf(detail, sizeof(detail), "%d-codes", n);
	/* On file before the store changes (doc/ARCHITECTURE.md §8.3). */
	if ((r = cli_audit_begin(c, "codes-generated", user, NULL, detail)) != PR_OK) {
		cli_audit(c, "codes-generated", r, user, NULL, "generate failed");
		return cli_exit_code(r);
	}
	if ((r = pr_codes_generate(c->cfg->state_dir, user, n, pr_now(), &codes, &eb)) != PR_OK) {
		cli_err(c, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
		cli_audit(c, "codes-generated", r, user, NULL, "generate failed");
		return cli_exit_code(r);
	}
	if ((r = cli_audit(c, "codes-generated", PR_OK, user, NULL, detail)) != PR_OK) {
		/* The set is in place but unrecorded: do not hand it out. */
		cli_err(c, "the new codes were not shown because they could not be recorded; "
		    "fix the audit log and generate again");
		pr_codes_free(&codes, n);
		return cli_exit_code(r);
	}
	print_codes(user, codes, n);
	pr_codes_free(&codes, n);
	notify_new_codes(c, user);
	return CLI_OK;
}

int admin_codes_status(struct cli *c, int argc, char **argv)
{
	struct pr_codes_status st;
	struct pr_errbuf eb = { "" };
	const char *user;
	char when[32];
	int r;

	if ((user = parse_user(c, argc, argv)) == NULL)
		return CLI_USAGE;
	if (!cli_require_root(c) || !known_user(c, user))
		return CLI_FAILED;
	if ((r = pr_codes_status(c->cfg->state_dir, user, &st, &eb)) == PR_ERR_NOT_FOUND) {
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
