/*
 * pam_practicerunner: the organisation's security-key policy at sign-in.
 * auth: decide the user's requirement, assert with an acceptable enrolled
 * credential, verify, record. account: deny users who cannot meet policy.
 */
#include "config.h"

#include <stdlib.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "err.h"
#include "module.h"
#include "roles.h"
#include "transport.h"
#include "util.h"

/* Options and policy file; any error fails closed with a log line naming it. */
static int tx_begin(struct pam_tx *tx, pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct pr_errbuf eb = { "" };
	int r;

	tx->pamh = pamh;
	tx->silent = (flags & PAM_SILENT) != 0;
	if ((r = pr_modopts_parse(argc, argv, &tx->opts, &eb)) != PR_OK) {
		pam_syslog(pamh, LOG_ERR, "bad module option: %s", eb.msg);
		return PR_ERR_CONFIG;
	}
	if ((r = pr_config_load(tx->opts.config != NULL ? tx->opts.config :
	    PR_DEFAULT_CONFIG, &tx->cfg, &eb)) != PR_OK) {
		pam_syslog(pamh, LOG_ERR, "policy not loaded, denying: %s", eb.msg);
		return PR_ERR_CONFIG;   /* unsafe or invalid: a configuration error either way */
	}
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
	if (!pr_username_valid(user))
		return PR_ERR_NOT_FOUND;
	if ((r = pr_user_need(tx->cfg, user, &tx->role, &tx->need)) != PR_OK)
		return r;
	tx->user = user;
	tx->user_known = true;
	PR_DEBUG(tx, "%s: role %s, need %s", __func__, pr_role_name(tx->role),
	    pr_need_name(tx->need));
	return PR_OK;
}

/* Enrolled credentials and which of them policy accepts for this user. */
static int tx_load_creds(struct pam_tx *tx)
{
	struct pr_errbuf eb = { "" };
	size_t usable = 0;
	int r;

	if ((r = pr_store_load(tx->cfg->state_dir, tx->user, &tx->creds, &eb)) != PR_OK) {
		pam_syslog(tx->pamh, LOG_ERR, "credential store: %s", eb.msg);
		return r == PR_ERR_NOT_FOUND ? PR_ERR_IO : r;   /* e.g. no state_dir */
	}
	if (tx->creds.n > 0 && (tx->acceptable = calloc(tx->creds.n, sizeof(bool))) == NULL)
		return PR_ERR_NOMEM;
	for (size_t i = 0; i < tx->creds.n; i++) {
		tx->acceptable[i] = tx->creds.v[i].kind == PR_KIND_FIDO &&
		    pr_policy_class_ok(tx->need, tx->creds.v[i].cls);
		usable += tx->acceptable[i];
	}
	return usable > 0 ? PR_OK : PR_ERR_NOT_ENROLLED;
}

static int tx_timeout_ms(const struct pam_tx *tx)
{
	int s = tx->cfg->touch_timeout;

	/* The option may shorten the wait, never lengthen it. */
	if (tx->opts.timeout > 0 && tx->opts.timeout < s)
		s = tx->opts.timeout;
	return s * 1000;
}

/* Assert on the attached devices, then store the counter under the lock. */
static int tx_assert(struct pam_tx *tx)
{
	struct pr_devices devs = { .n = 0 };
	struct pr_errbuf eb = { "" };
	struct pr_ui ui;
	struct pr_assert_opts o = {
		.rp_id = tx->cfg->rp_id,
		.uv_required = pr_policy_uv_required(&tx->cfg->policy, tx->opts.uv_required),
		.uv_preferred = tx->cfg->policy.user_verification == PR_UV_PREFERRED,
		.timeout_ms = tx_timeout_ms(tx),
		.acceptable = tx->acceptable,
	};
	const struct pr_cred *c;
	int r;

	pam_tx_ui(tx, &ui);
	if ((r = pr_devices_open(&devs)) != PR_OK)
		goto fail;
	r = pr_assert_run(&devs, &tx->creds, &o, &ui, &tx->outcome);
	if (tx->outcome.index < tx->creds.n)
		tx->used = &tx->creds.v[tx->outcome.index];
	if (r != PR_OK)
		goto fail;
	c = tx->used;
	r = pr_store_record_use(tx->cfg->state_dir, tx->user, c->id, c->id_len,
	    tx->outcome.sign_count, pr_now(), &eb);
	if (r != PR_OK && r != PR_ERR_COUNTER) {
		pam_syslog(tx->pamh, LOG_ERR, "credential store: %s", eb.msg);
		if (r == PR_ERR_NOT_FOUND)
			r = PR_ERR_IO;  /* removed while signing in: could not record */
	}
fail:
	pr_devices_close(&devs);
	return r;
}

static void tx_end(struct pam_tx *tx)
{
	pr_credlist_clear(&tx->creds);
	free(tx->acceptable);
	tx->acceptable = NULL;
	pr_config_free(&tx->cfg);
}

/* Decide and record the result of a failed or completed step. */
static int tx_finish(struct pam_tx *tx, int r, const char *note)
{
	int audited;

	if (r == PR_OK)
		r = pam_tx_session_note(tx);   /* session.c: the level open_session exports */
	audited = pam_tx_audit(tx, "auth", r, note);
	if (r == PR_OK && audited != PR_OK) {
		r = PR_ERR_AUDIT;   /* an unrecorded success is no success */
		pam_tx_session_forget(tx->pamh);
	}
	if (r != PR_OK && !tx->explained)
		pam_tx_explain(tx, r);
	return pam_tx_code(r);
}

/*
 * No requirement: the rest of the stack decides. With "opportunistic", an
 * attached enrolled key still signs the user in.
 */
static int tx_no_requirement(struct pam_tx *tx)
{
	int r;

	if (!tx->opts.opportunistic) {
		pam_tx_audit(tx, "auth", PR_OK, "no-requirement");
		return PAM_IGNORE;
	}
	r = tx_load_creds(tx);
	if (r == PR_OK)
		r = tx_assert(tx);
	if (r == PR_ERR_NOT_ENROLLED || r == PR_ERR_NO_DEVICE || r == PR_ERR_NO_CREDENTIAL) {
		pam_tx_audit(tx, "auth", PR_OK, "no-requirement");
		return PAM_IGNORE;
	}
	return tx_finish(tx, r, r == PR_OK ? "opportunistic" : NULL);
}

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct pam_tx tx = { .pamh = pamh };
	int rc, r;

	pam_tx_session_forget(pamh);   /* only this attempt's level may reach the session */
	if ((r = tx_begin(&tx, pamh, flags, argc, argv)) != PR_OK ||
	    (r = tx_user(&tx)) != PR_OK) {
		rc = tx_finish(&tx, r, NULL);
		goto done;
	}
	if (tx.need == PR_NEED_NONE) {
		rc = tx_no_requirement(&tx);
		goto done;
	}
	if ((r = tx_load_creds(&tx)) == PR_OK)
		r = tx_assert(&tx);
	if (r != PR_OK && (r = pam_tx_recover(&tx, r)) == PR_OK) {
		rc = tx_finish(&tx, r, "recovery");
		goto done;
	}
	rc = tx_finish(&tx, r, pr_need_name(tx.need));
done:
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

/* Deny accounts that policy requires a key of but that have none acceptable. */
PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct pam_tx tx = { .pamh = pamh };
	int rc, r;

	if ((r = tx_begin(&tx, pamh, flags, argc, argv)) != PR_OK ||
	    (r = tx_user(&tx)) != PR_OK) {
		rc = tx_finish(&tx, r, "account");
		goto done;
	}
	if (tx.need == PR_NEED_NONE) {
		rc = PAM_IGNORE;
		goto done;
	}
	if ((r = tx_load_creds(&tx)) == PR_OK) {
		rc = PAM_SUCCESS;
		goto done;
	}
	rc = tx_finish(&tx, r, "account");
	if (r == PR_ERR_NOT_ENROLLED)
		rc = PAM_PERM_DENIED;
done:
	tx_end(&tx);
	return rc;
}
