/*
 * Module option web_grant: the module in the stack of a service that can
 * neither show a link nor reach the person's key, such as xrdp-sesman
 * (its login screen has a user name and a password field only). The
 * person first signs in with their key at the web gate's approval page;
 * that leaves a grant here (lib/grant.c) which this sign-in takes
 * (lib/signin_grant.c decides). The words below say where to approve.
 */
#include "config.h"

#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "config_web.h"
#include "err.h"
#include "module.h"

/* Where the person approves: the gate's approval page, as the policy names the gate. */
#define APPROVE_PATH "/approve"

static void grant_explain(struct pam_tx *tx, int err)
{
	const char *origin = tx->cfg->web.origin;

	tx->explained = true;
	switch (err) {
	case PR_ERR_NO_CREDENTIAL:
	case PR_ERR_EXPIRED:
	case PR_ERR_NOT_FOUND:
	case PR_ERR_NOT_ENROLLED:
		/* One sentence whoever the name is (ARCHITECTURE §4.7). */
		pam_tx_error(tx, "Approve this sign-in first: open %s%s in your browser, sign in "
		    "with your security key, then sign in here within %ld seconds.", origin,
		    APPROVE_PATH, tx->cfg->web.grant_lifetime);
		break;
	case PR_ERR_CLASS:
		pam_tx_error(tx, "The key you approved with is not allowed for this account: "
		    "policy requires a physical security key. Approve again at %s%s with your "
		    "enrolled physical key.", origin, APPROVE_PATH);
		break;
	default:
		pam_tx_explain(tx, err);
		break;
	}
}

int pam_tx_grant(struct pam_tx *tx, bool *ignore, const char **note)
{
	int r;

	*ignore = false;
	*note = NULL;
	if (tx->via_helper) {
		/* Grants are root's state; the services that take them run as root. */
		pam_syslog(tx->pamh, LOG_ERR, "module option web_grant: the module must run as "
		    "root, not as uid %ld", (long)geteuid());
		return PR_ERR_CONFIG;
	}
	if (!pr_web_enabled(&tx->cfg->web)) {
		pam_syslog(tx->pamh, LOG_ERR, "module option web_grant: the policy file sets no "
		    "web { origin }, so there is no gate to approve at");
		return PR_ERR_CONFIG;
	}
	r = pr_signin_grant(&tx->s, (int64_t)time(NULL), ignore, note);
	if (r != PR_OK && tx->s.eb.msg[0] != '\0')
		pam_syslog(tx->pamh, LOG_ERR, "%s", tx->s.eb.msg);
	tx->s.eb.msg[0] = '\0';
	PR_DEBUG(tx, "%s: %s: %s", __func__, tx->s.ssh_detail, pr_strerror(r));
	if (r != PR_OK)
		grant_explain(tx, r);
	return r;
}
