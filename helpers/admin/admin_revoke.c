/*
 * invite revoke USER, recovery revoke USER: withdraw the user's one-time
 * token (its file under the state directory), recorded, or say there is none.
 * Also the one USER argument such root-only commands take.
 */
#include "config.h"

#include <stdio.h>

#include "admin.h"
#include "util.h"

int admin_user_arg(struct cli *c, int argc, char **argv, const char *usage,
    const char **user)
{
	if (argc != 2) {
		cli_err(c, "usage: %s", usage);
		return CLI_USAGE;
	}
	*user = argv[1];
	if (!cli_require_root(c))
		return CLI_FAILED;
	if (!pr_username_valid(*user)) {
		cli_err(c, "invalid user name");
		return CLI_USAGE;
	}
	return CLI_OK;
}

int admin_revoke(struct cli *c, int argc, char **argv, const struct admin_revoke *k)
{
	struct pr_errbuf eb = { 0 };
	const char *user = NULL;
	int r;

	if ((r = admin_user_arg(c, argc, argv, k->usage, &user)) != CLI_OK)
		return r;
	/* On file before the store changes (doc/ARCHITECTURE.md §8.3). */
	if ((r = cli_audit_begin(c, k->event, user, NULL, "revoked")) != PR_OK) {
		cli_audit(c, k->event, r, user, NULL, "revoke failed");
		return cli_exit_code(r);
	}
	if ((r = k->revoke(c->cfg->state, user, &eb)) == PR_ERR_NOT_FOUND) {
		cli_audit_undone();     /* nothing there, nothing changed */
		cli_err(c, "%s %s", user, k->none);
		return CLI_FAILED;
	}
	if (r != PR_OK) {
		cli_err(c, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
		cli_audit(c, k->event, r, user, NULL, "revoke failed");
		return cli_exit_code(r);
	}
	r = cli_audit(c, k->event, PR_OK, user, NULL, "revoked");
	printf("%s for %s revoked.\n", k->noun, user);
	return cli_exit_code(r);
}
