/*
 * The one builder of audit records (audit_event.h): every front end's
 * records are filled here, so two of them cannot drift apart.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_event.h"
#include "err.h"
#include "ssh/sshkey.h"
#include "util.h"

/* How a credential was used, unless the front end says (a recovery code, say). */
static const char *cred_method(const struct pr_cred *c)
{
	if (c->kind == PR_KIND_SSH)
		return "ssh-sk";
	return c->cls == PR_CLASS_PHYSICAL ? "security-key" : "passkey";
}

static int set_cred(const struct pr_audit_what *what, struct pr_audit_built *b)
{
	const struct pr_cred *c = what->cred;
	struct pr_audit_event *ev = &b->ev;

	if ((b->cred_id = pr_b64url_encode(c->id, c->id_len)) == NULL)
		return PR_ERR_NOMEM;
	ev->cred_id = b->cred_id;
	ev->cred_class = pr_class_name(c->cls);
	if (ev->method == NULL)
		ev->method = cred_method(c);
	/* An imported key's file held no attestation, flags or counter: record none. */
	if (what->evidence == PR_AUDIT_ID_ONLY)
		return PR_OK;
	pr_aaguid_format(c->aaguid, b->aaguid);
	ev->aaguid = b->aaguid;
	/* A sign-in records this assertion's flags and counter, not the enrollment's. */
	ev->flags = what->evidence == PR_AUDIT_THIS_USE ? what->flags : c->flags;
	ev->sign_count = what->evidence == PR_AUDIT_THIS_USE ? what->sign_count :
	    (int64_t)c->sign_count;
	return PR_OK;
}

char *pr_audit_ssh_detail(const char *fp, const char *detail)
{
	char *out = NULL;

	if (asprintf(&out, "ssh-key %s%s%s", fp != NULL && fp[0] != '\0' ? fp : "(unknown)",
	    detail != NULL ? "; " : "", detail != NULL ? detail : "") < 0)
		return NULL;
	return out;
}

/* The detail with the SSH key named in it, when there is one. */
static int set_detail(const struct pr_audit_what *what, struct pr_audit_built *b)
{
	char fp[PR_SSH_FP_LEN + 1];

	b->ev.detail = what->detail;
	if (what->ssh_key != NULL && what->ssh_key[0] != '\0') {
		if (what->detail == NULL) {
			b->ev.detail = what->ssh_key;
			return PR_OK;
		}
		if (asprintf(&b->detail, "%s; %s", what->detail, what->ssh_key) < 0) {
			b->detail = NULL;
			return PR_ERR_NOMEM;
		}
	} else if (what->cred != NULL && what->cred->kind == PR_KIND_SSH) {
		pr_sshkey_cred_fingerprint(what->cred, fp);
		if ((b->detail = pr_audit_ssh_detail(fp, what->detail)) == NULL)
			return PR_ERR_NOMEM;
	} else
		return PR_OK;
	b->ev.detail = b->detail;
	return PR_OK;
}

int pr_audit_build(const struct pr_audit_who *who, const struct pr_audit_what *what,
    struct pr_audit_built *b)
{
	struct pr_audit_event *ev = &b->ev;
	int r;

	memset(b, 0, sizeof(*b));
	ev->flags = -1;
	ev->sign_count = -1;
	ev->event = what->event;
	ev->success = what->err == PR_OK;
	ev->reason = what->err == PR_OK ? what->note : pr_err_reason(what->err);
	ev->user = what->user;
	ev->role = what->role;
	ev->method = what->method;
	ev->service = who->service;
	ev->tty = who->tty;
	ev->rhost = who->rhost;
	ev->path = who->path;
	ev->store = who->store;
	ev->origin = who->origin;
	ev->user_agent = who->user_agent;
	ev->vpn_rhost = who->vpn_rhost;
	ev->pending = who->pending;
	ev->actor = who->actor;
	ev->rp_id = who->cfg != NULL ? who->cfg->rp_id : NULL;
	ev->limits = who->cfg != NULL ? &who->cfg->audit : NULL;
	if ((what->cred == NULL || (r = set_cred(what, b)) == PR_OK) &&
	    (r = set_detail(what, b)) == PR_OK)
		return PR_OK;
	pr_audit_built_clear(b);
	return r;
}

void pr_audit_built_clear(struct pr_audit_built *b)
{
	free(b->cred_id);
	free(b->detail);
	b->cred_id = NULL;
	b->detail = NULL;
}
