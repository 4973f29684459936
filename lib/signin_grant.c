/*
 * Module option web_grant (doc/ARCHITECTURE.md §4.9): a service that can
 * neither show a link nor reach the person's key (xrdp-sesman) takes the
 * grant a web sign-in at the gate left for this user and service. The
 * grant is spent first, whatever follows; then the credential it names
 * must still be one of the user's, of a class the user's policy accepts
 * now (a key removed or revoked since the approval signs nobody in).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aal.h"
#include "grant.h"
#include "signin.h"
#include "util.h"

/* The grant's credential among the user's: PR_OK, PR_ERR_CLASS or PR_ERR_NO_CREDENTIAL. */
static int match_grant(struct pr_signin *s, const struct pr_grant *g)
{
	char id[PR_KEYID_LEN + 1];

	for (size_t i = 0; i < s->creds.n; i++) {
		const struct pr_cred *c = &s->creds.v[i];

		if (c->kind != PR_KIND_FIDO)
			continue;
		pr_keyid(c->id, c->id_len, id);
		if (strcmp(id, g->keyid) == 0) {
			s->used = c;
			return s->acceptable[i] ? PR_OK : PR_ERR_CLASS;
		}
	}
	return PR_ERR_NO_CREDENTIAL;
}

/* Take the grant: PR_OK, or the refusal (ssh_detail says which, for the record). */
static int take_grant(struct pr_signin *s, int64_t now, struct pr_grant *g)
{
	struct pr_errbuf eb = { 0 };
	int r = pr_grant_consume(s->cfg->state, s->user, s->service != NULL ? s->service : "",
	    s->rhost, now, g, &eb);

	switch (r) {
	case PR_OK:
		snprintf(s->ssh_detail, sizeof(s->ssh_detail), "web-grant %s", g->id);
		return PR_OK;
	case PR_ERR_NOT_FOUND:
		snprintf(s->ssh_detail, sizeof(s->ssh_detail), "no web grant");
		return PR_ERR_NO_CREDENTIAL;
	case PR_ERR_PERM:
		snprintf(s->ssh_detail, sizeof(s->ssh_detail), "web grant for another address");
		return PR_ERR_NO_CREDENTIAL;
	case PR_ERR_EXPIRED:
		snprintf(s->ssh_detail, sizeof(s->ssh_detail), "web grant expired");
		return PR_ERR_EXPIRED;
	default:
		return pr_fail(&s->eb, r, "%s", eb.msg);
	}
}

int pr_signin_grant(struct pr_signin *s, int64_t now, bool *ignore, const char **note)
{
	struct pr_grant g;
	int loaded, r;

	*ignore = false;
	*note = NULL;
	s->method = "web-grant";
	if (s->need == PR_NEED_NONE) {
		*ignore = true;
		*note = "no-requirement";
		return PR_OK;
	}
	*note = pr_need_name(s->need);
	if (!s->user_known) {
		snprintf(s->ssh_detail, sizeof(s->ssh_detail), "no web grant");
		return PR_ERR_NO_CREDENTIAL;   /* as a known name without one (ARCHITECTURE §4.7) */
	}
	if ((r = take_grant(s, now, &g)) != PR_OK)
		return r;
	loaded = pr_signin_load_creds(s, PR_KIND_FIDO);
	if (loaded != PR_OK && loaded != PR_ERR_NOT_ENROLLED)
		return loaded;
	if ((r = match_grant(s, &g)) != PR_OK)
		return r == PR_ERR_NO_CREDENTIAL && loaded == PR_ERR_NOT_ENROLLED ? loaded : r;
	s->outcome.flags = g.flags;
	/* The gate checked these; a policy made stricter since is honoured here. */
	if (!(g.flags & PR_AUTHDATA_UP))
		return PR_ERR_UP_MISSING;
	if ((pr_policy_uv_required(&s->cfg->policy) || s->uv_required) && !(g.flags & PR_AUTHDATA_UV))
		return PR_ERR_UV_REQUIRED;
	return PR_OK;
}
