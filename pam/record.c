/* The audit record of one PAM transaction, with the WebAuthn evidence. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <security/pam_ext.h>
#include <syslog.h>

#include "audit.h"
#include "err.h"
#include "module.h"
#include "util.h"

static const char *pam_item_str(pam_handle_t *pamh, int item)
{
	const void *v = NULL;

	if (pam_get_item(pamh, item, &v) != PAM_SUCCESS)
		return NULL;
	return v;
}

/* The fields every record of this transaction has. */
static void tx_event(struct pam_tx *tx, struct pr_audit_event *ev, const char *event,
    int err)
{
	ev->event = event;
	ev->success = err == PR_OK;
	ev->reason = err == PR_OK ? NULL : pr_err_reason(err);
	/* A name that is not an account may be a mistyped password: never record it. */
	ev->user = tx->user_known ? tx->user : "(unknown)";
	ev->role = tx->user_known ? pr_role_name(tx->role) : NULL;
	ev->service = pam_item_str(tx->pamh, PAM_SERVICE);
	ev->tty = pam_item_str(tx->pamh, PAM_TTY);
	ev->rhost = pam_item_str(tx->pamh, PAM_RHOST);
	ev->rp_id = tx->cfg != NULL ? tx->cfg->rp_id : NULL;
	ev->path = "direct";
}

static int tx_append(struct pam_tx *tx, const struct pr_audit_event *ev)
{
	struct pr_errbuf eb = { "" };
	int r;

	if (tx->cfg == NULL) {
		r = PR_ERR_CONFIG;     /* no trusted log path: syslog only */
		pam_syslog(tx->pamh, LOG_NOTICE, "event=%s result=%s reason=%s",
		    ev->event, ev->success ? "success" : "failure",
		    ev->reason != NULL ? ev->reason : "-");
	} else if ((r = pr_audit_append(tx->cfg->audit_log, ev, &eb)) != PR_OK) {
		pam_syslog(tx->pamh, LOG_ERR, "audit record not written: %s", eb.msg);
	}
	return r;
}

int pam_tx_audit(struct pam_tx *tx, const char *event, int err, const char *note)
{
	struct pr_audit_event ev = { .flags = -1, .sign_count = -1 };
	char *cred_id = NULL;
	char aaguid[37];
	int r;

	tx_event(tx, &ev, event, err);
	if (err == PR_OK)
		ev.reason = note;
	else
		ev.detail = note;
	ev.method = tx->method;
	if (tx->used != NULL) {
		pr_audit_set_cred(&ev, tx->used, &cred_id, aaguid);
		/* This attempt's flags and counter, not the enrollment's. */
		ev.flags = tx->outcome.flags != 0 ? tx->outcome.flags : -1;
		ev.sign_count = tx->outcome.flags != 0 ? (int64_t)tx->outcome.sign_count : -1;
	}
	r = tx_append(tx, &ev);
	free(cred_id);
	return r;
}

int pam_tx_audit_step(struct pam_tx *tx, const char *event, int err, const char *method,
    const struct pr_cred *cred, const char *note)
{
	struct pr_audit_event ev = { .flags = -1, .sign_count = -1 };
	char *cred_id = NULL;
	char aaguid[37];
	int r;

	tx_event(tx, &ev, event, err);
	ev.detail = note;
	ev.method = method;
	if (cred != NULL)
		pr_audit_set_cred(&ev, cred, &cred_id, aaguid);
	r = tx_append(tx, &ev);
	free(cred_id);
	return r;
}
