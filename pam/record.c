/*
 * The audit records of one PAM transaction (lib/signin.c writes them), and
 * syslog when one cannot be written.
 */
#include "config.h"

#include <security/pam_ext.h>
#include <syslog.h>

#include "err.h"
#include "module.h"

static int tx_logged(struct pam_tx *tx, const char *event, int err, int r)
{
	if (r == PR_OK)
		return r;
	if (tx->cfg == NULL)   /* no trusted log path: syslog only */
		pam_syslog(tx->pamh, LOG_NOTICE, "event=%s result=%s reason=%s", event,
		    err == PR_OK ? "success" : "failure", pr_err_reason(err));
	else
		pam_syslog(tx->pamh, LOG_ERR, "audit record not written: %s", tx->s.eb.msg);
	return r;
}

int pam_tx_audit(struct pam_tx *tx, const char *event, int err, const char *note)
{
	return tx_logged(tx, event, err, pr_signin_record(&tx->s, event, err, note));
}

int pam_tx_audit_begin(struct pam_tx *tx, const char *event, const char *method,
    const struct pr_cred *cred, const char *note)
{
	int r = pr_signin_begin_step(&tx->s, event, method, cred, note);

	if (r != PR_OK)
		pam_syslog(tx->pamh, LOG_ERR, "nothing was changed: %s", tx->s.eb.msg);
	return r;
}

int pam_tx_audit_step(struct pam_tx *tx, const char *event, int err, const char *method,
    const struct pr_cred *cred, const char *note)
{
	return tx_logged(tx, event, err,
	    pr_signin_record_step(&tx->s, event, err, method, cred, note));
}

/* ---- the recorder lib/ flows take (lib/flow.h) ------------------------------------------ */

static int rec_begin(void *arg, const char *event, const char *method,
    const struct pr_cred *cred, const char *detail)
{
	return pam_tx_audit_begin(arg, event, method, cred, detail);
}

static int rec_record(void *arg, const char *event, int err, const char *method,
    const struct pr_cred *cred, const char *detail)
{
	return pam_tx_audit_step(arg, event, err, method, cred, detail);
}

static void rec_undone(void *arg)
{
	struct pam_tx *tx = arg;

	pr_signin_step_undone(&tx->s);
}

void pam_tx_recorder(struct pam_tx *tx, struct pr_recorder *rec)
{
	*rec = (struct pr_recorder){
		.begin = rec_begin, .record = rec_record, .undone = rec_undone, .arg = tx,
	};
}
