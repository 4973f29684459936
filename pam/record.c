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

static const char *tx_method(const struct pam_tx *tx)
{
	if (tx->used == NULL)
		return NULL;
	return tx->used->cls == PR_CLASS_PHYSICAL ? "security-key" : "passkey";
}

/* Evidence of the credential used: id, AAGUID, class, flags and counter. */
static void fill_evidence(const struct pam_tx *tx, struct pr_audit_event *ev,
    char **cred_id, char aaguid[37])
{
	if (tx->used == NULL)
		return;
	*cred_id = pr_b64url_encode(tx->used->id, tx->used->id_len);
	pr_aaguid_format(tx->used->aaguid, aaguid);
	ev->cred_id = *cred_id;
	ev->aaguid = aaguid;
	ev->cred_class = pr_class_name(tx->used->cls);
	ev->method = tx_method(tx);
	if (tx->outcome.flags != 0) {
		ev->flags = tx->outcome.flags;
		ev->sign_count = tx->outcome.sign_count;
	}
}

int pam_tx_audit(struct pam_tx *tx, const char *event, int err, const char *note)
{
	struct pr_audit_event ev = { .flags = -1, .sign_count = -1 };
	struct pr_errbuf eb = { "" };
	char *cred_id = NULL;
	char aaguid[37];
	int r;

	ev.event = event;
	ev.success = err == PR_OK;
	ev.reason = err == PR_OK ? note : pr_err_reason(err);
	/* A name that is not an account may be a mistyped password: never record it. */
	ev.user = tx->user_known ? tx->user : "(unknown)";
	ev.role = tx->user_known ? pr_role_name(tx->role) : NULL;
	ev.service = pam_item_str(tx->pamh, PAM_SERVICE);
	ev.tty = pam_item_str(tx->pamh, PAM_TTY);
	ev.rhost = pam_item_str(tx->pamh, PAM_RHOST);
	ev.rp_id = tx->cfg != NULL ? tx->cfg->rp_id : NULL;
	ev.path = "direct";
	ev.detail = err == PR_OK ? NULL : note;
	fill_evidence(tx, &ev, &cred_id, aaguid);
	if (tx->cfg == NULL) {
		r = PR_ERR_CONFIG;     /* no trusted log path: syslog only */
		pam_syslog(tx->pamh, LOG_NOTICE, "event=%s result=%s reason=%s",
		    event, ev.success ? "success" : "failure", ev.reason);
	} else if ((r = pr_audit_append(tx->cfg->audit_log, &ev, &eb)) != PR_OK) {
		pam_syslog(tx->pamh, LOG_ERR, "audit record not written: %s", eb.msg);
	}
	free(cred_id);
	return r;
}
