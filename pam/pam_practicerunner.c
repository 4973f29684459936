/*
 * pam_practicerunner: the organisation's security-key policy at sign-in.
 * auth: decide the user's requirement, assert with an acceptable enrolled
 * credential, verify, record. account: deny users who cannot meet policy.
 */
#include "config.h"

#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "err.h"
#include "module.h"
#include "proc_control.h"
#include "roles.h"
#include "transport.h"
#include "util.h"

static const char *pam_item_str(pam_handle_t *pamh, int item)
{
	const void *v = NULL;

	return pam_get_item(pamh, item, &v) == PAM_SUCCESS ? v : NULL;
}

/*
 * Whether the process we run in is one its user can pause, kill or starve
 * (doc/ARCHITECTURE.md §7.5): su keeps the caller's real uid (kill(2)
 * checks it, so the caller may SIGSTOP it), sudo or su started from a
 * desktop's terminal live in user@UID.service (a cgroup v2 subtree the
 * user may freeze), and anyone may start them SCHED_IDLE or niced. Such a
 * process must take no lock someone else waits on: the audit log's, or
 * another user's sign-in and store locks.
 */
static bool host_user_controlled(struct pam_tx *tx)
{
	if (getuid() != 0) {
		PR_DEBUG(tx, "%s: real uid %ld: its user may stop this process", __func__,
		    (long)getuid());
		return true;
	}
	if (pr_proc_user_controlled()) {
		PR_DEBUG(tx, "%s: a user's cgroup or weak scheduling", __func__);
		return true;
	}
	return false;
}

/* Options and policy file; any error fails closed with a log line naming it. */
static int tx_begin(struct pam_tx *tx, pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct pr_errbuf eb = { 0 };
	int r;

	tx->pamh = pamh;
	tx->silent = (flags & PAM_SILENT) != 0;
	tx->s.service = pam_item_str(pamh, PAM_SERVICE);
	tx->s.tty = pam_item_str(pamh, PAM_TTY);
	tx->s.rhost = pam_item_str(pamh, PAM_RHOST);
	tx->s.path = "direct";
	tx->s.real_root = getuid() == 0;
	tx->s.ruser = pam_item_str(pamh, PAM_RUSER);
	if ((r = pr_modopts_parse(argc, argv, &tx->opts, &eb)) != PR_OK) {
		pam_syslog(pamh, LOG_ERR, "bad module option: %s", eb.msg);
		return PR_ERR_CONFIG;
	}
	tx->s.uv_required = tx->opts.uv_required;
	tx->s.step_up = tx->opts.step_up;
	tx->s.opportunistic = tx->opts.opportunistic;
	tx->s.timeout = tx->opts.timeout;
	pam_tx_ui(tx, &tx->s.ui);
	/*
	 * As the user the store is out of reach, and in a process the user
	 * controls no lock may be taken: practicerunner-verify decides. As
	 * root, the module reads the policy all the same (no lock in that) for
	 * the session's limits, and hands its config= on.
	 */
	tx->via_helper = geteuid() != 0 || host_user_controlled(tx);
	tx->helper_as_root = tx->via_helper && geteuid() == 0;
	if (tx->via_helper && !tx->helper_as_root) {
		if (tx->opts.config != NULL)
			PR_DEBUG(tx, "%s: config= is not used as an ordinary user; "
			    "practicerunner-verify reads %s", __func__, PR_DEFAULT_CONFIG);
		return PR_OK;
	}
	if ((r = pr_roles_config_load(tx->opts.config != NULL ? tx->opts.config :
	    PR_DEFAULT_CONFIG, &tx->cfg, &eb)) != PR_OK) {
		pam_syslog(pamh, LOG_ERR, "policy not loaded, denying: %s", eb.msg);
		return PR_ERR_CONFIG;   /* unsafe or invalid: a configuration error either way */
	}
	tx->s.cfg = tx->cfg;
	PR_DEBUG(tx, "%s: policy %s loaded", __func__, tx->cfg->path);
	return PR_OK;
}

/* The user and their requirement. Unknown or malformed names are not recorded. */
static int tx_user(struct pam_tx *tx)
{
	const char *user = NULL;
	int r;

	if (pam_get_user(tx->pamh, &user, NULL) != PAM_SUCCESS || user == NULL)
		return PR_ERR_CANCELLED;
	tx->s.user = user;
	if (tx->via_helper)
		return pr_username_valid(user) ? PR_OK : PR_ERR_NOT_FOUND;
	if ((r = pr_signin_user(&tx->s)) != PR_OK)
		return r;
	PR_DEBUG(tx, "%s: role %s, need %s", __func__, pr_role_name(tx->s.role),
	    pr_need_name(tx->s.need));
	return PR_OK;
}

/* What went wrong inside, for the administrator (never to the user). */
static void tx_log_internal(struct pam_tx *tx, int r)
{
	if (tx->s.eb.msg[0] != '\0' && r != PR_OK && r != PR_ERR_COUNTER)
		pam_syslog(tx->pamh, LOG_ERR, "credential store: %s", tx->s.eb.msg);
	tx->s.eb.msg[0] = '\0';
}

static void tx_end(struct pam_tx *tx)
{
	pr_signin_clear(&tx->s);
	pr_config_free(&tx->cfg);
	tx->s.cfg = NULL;
}

/* Decide and record the result of a failed or completed step. */
static int tx_finish(struct pam_tx *tx, int r, const char *note, bool auth)
{
	int audited;

	if (r == PR_OK)
		r = pam_tx_session_note(tx);   /* session.c: the level open_session exports */
	/* On the helper path the helper has recorded it. */
	audited = tx->via_helper ? PR_OK : pam_tx_audit(tx, pr_signin_event(&tx->s), r, note);
	if (r == PR_OK && audited != PR_OK) {
		r = PR_ERR_AUDIT;   /* an unrecorded success is no success */
		pam_tx_session_forget(tx->pamh);
	}
	if (r != PR_OK && !tx->explained)
		pam_tx_explain(tx, r);
	return auth ? pam_tx_auth_code(tx, r) : pam_tx_code(r);
}

/*
 * A name that is no account goes on, on the direct path, as an account
 * without a key would (lib/signin.c probes the devices alike), unless
 * show_status asks for the distinction (ARCHITECTURE §4.7).
 */
static bool unknown_goes_on(const struct pam_tx *tx, int r)
{
	return r == PR_ERR_NOT_FOUND && tx->s.user != NULL && !tx->via_helper &&
	    !tx->opts.ssh && !tx->opts.show_status;
}

/* An exempt account left to the stack sees what a covered one without its key sees. */
static void ignored_as_refused(struct pam_tx *tx)
{
	int shown = tx->s.shown_err;

	if (shown == 0 || tx->opts.show_status)
		return;
	if (!tx->via_helper && !tx->opts.ssh)
		pam_tx_recover(tx, shown);
	if (!tx->explained)
		pam_tx_explain(tx, shown);
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct pam_tx tx = { .pamh = pamh };
	const char *note = NULL;
	bool ignore = false;
	int rc, r;

	pam_tx_session_forget(pamh);   /* only this attempt's level may reach the session */
	if ((r = tx_begin(&tx, pamh, flags, argc, argv)) != PR_OK ||
	    ((r = tx_user(&tx)) != PR_OK && !unknown_goes_on(&tx, r))) {
		rc = tx_finish(&tx, r, NULL, true);
		goto out;
	}
	if (tx.opts.web_grant) {
		r = pam_tx_grant(&tx, &ignore, &note);
	} else if (tx.opts.ssh) {
		r = pam_tx_ssh(&tx, &ignore, &note);
	} else if (tx.via_helper) {
		r = pam_tx_helper(&tx, false, &ignore);
	} else {
		r = pr_signin_auth(&tx.s, &ignore, &note);
		tx_log_internal(&tx, r);
	}
	if (r == PR_OK && ignore) {
		if (!tx.via_helper)
			pam_tx_audit(&tx, "auth", PR_OK, note);
		ignored_as_refused(&tx);
		rc = PAM_IGNORE;
		goto out;
	}
	/*
	 * Recovery needs the store and shows codes: the direct path only. A
	 * web_grant service answers every hidden prompt with the password it
	 * was given, so it is asked for neither a recovery nor an emergency code.
	 */
	if (r != PR_OK && !tx.via_helper && !tx.opts.ssh && !tx.opts.web_grant &&
	    (r = pam_tx_recover(&tx, r)) == PR_OK)
		note = "recovery";
	if (r != PR_OK && !tx.opts.web_grant && (r = pam_tx_breakglass(&tx, r)) == PR_OK)
		note = "break-glass";
	rc = tx_finish(&tx, r, note, true);
out:
	tx_end(&tx);
	return rc;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

/*
 * Deny accounts that policy requires a key of but that have none
 * acceptable, when someone signs in as them (lib/signin.c decides who
 * that is; the ssh option's check is the gateway's sign-in itself).
 */
PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct pam_tx tx = { .pamh = pamh };
	const char *note = NULL;
	bool ignore = false;
	int rc, r;

	if ((r = tx_begin(&tx, pamh, flags, argc, argv)) != PR_OK ||
	    (r = tx_user(&tx)) != PR_OK) {
		rc = tx_finish(&tx, r, "account", false);
		goto out;
	}
	if (tx.opts.ssh) {
		r = pam_tx_ssh(&tx, &ignore, &note);
	} else if (tx.via_helper) {
		r = pam_tx_helper(&tx, true, &ignore);
	} else {
		r = pr_signin_account(&tx.s, &ignore);
		tx_log_internal(&tx, r);
	}
	/* An emergency sign-in has no key to meet policy with: its auth decided. */
	if (r != PR_OK && pam_tx_session_breakglass(pamh, tx.s.user)) {
		rc = PAM_SUCCESS;
		goto out;
	}
	if (r == PR_OK) {
		if (ignore)
			PR_DEBUG(&tx, "%s: left to the stack: %s", __func__, tx.s.account_note != NULL ?
			    tx.s.account_note : "practicerunner-verify decided");
		rc = ignore ? PAM_IGNORE : PAM_SUCCESS;
		goto out;
	}
	rc = tx_finish(&tx, r, "account", false);
	if (r == PR_ERR_NOT_ENROLLED || (tx.opts.ssh && rc == PAM_AUTH_ERR))
		rc = PAM_PERM_DENIED;
out:
	tx_end(&tx);
	return rc;
}
