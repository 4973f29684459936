/* Changes begun, recorded even if the program ends halfway (audit_intent.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_intent.h"
#include "util.h"

/*
 * What the person reading the log needs: that the record is not the
 * change's own outcome, and where to look for it.
 */
#define INTERRUPTED_NOTE "the program ended after this change was begun and before it " \
	"was recorded; it may or may not have been saved: compare with the store"

int pr_audit_intent_body(const struct pr_audit_event *ev, int64_t when, const char *host,
    char **out)
{
	struct pr_audit_event iv;
	char *detail = NULL;
	int r;

	*out = NULL;
	if (ev == NULL)
		return PR_ERR_INVALID_ARG;
	iv = *ev;
	iv.success = false;
	iv.reason = PR_INTENT_REASON;
	/* Keep what the change would have been recorded with: its note, its detail. */
	if (asprintf(&detail, "%s%s%s%s%s", INTERRUPTED_NOTE,
	    ev->success && ev->reason != NULL ? "; " : "",
	    ev->success && ev->reason != NULL ? ev->reason : "",
	    ev->detail != NULL ? "; " : "", ev->detail != NULL ? ev->detail : "") < 0)
		return PR_ERR_NOMEM;
	iv.detail = detail;
	r = pr_audit_format(&iv, when, host, out);
	free(detail);
	return r;
}

static void host_name(char *out, size_t cap)
{
	if (gethostname(out, cap) != 0 || out[0] == '\0')
		snprintf(out, cap, "unknown");
	out[cap - 1] = '\0';
}

int pr_audit_intent_begin(const char *log_path, const struct pr_audit_event *ev,
    struct pr_audit_intent **out, struct pr_errbuf *eb)
{
	struct pr_audit_intent *in = NULL;
	char host[256], *body = NULL;
	int r;

	*out = NULL;
	if (log_path == NULL || log_path[0] == '\0')
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no audit log configured");
	host_name(host, sizeof(host));
	if ((r = pr_audit_intent_body(ev, pr_now(), host, &body)) != PR_OK) {
		pr_fail(eb, r, "the change's record could not be prepared: %s", pr_strerror(r));
		goto out;
	}
	if ((in = calloc(1, sizeof(*in))) == NULL || (in->log_path = strdup(log_path)) == NULL) {
		r = pr_fail(eb, PR_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = pr_pending_write(log_path, body, in->name, eb)) != PR_OK)
		goto out;
	*out = in;
	in = NULL;
out:
	if (in != NULL)
		free(in->log_path);
	free(in);
	free(body);
	return r;
}

static void intent_free(struct pr_audit_intent **in)
{
	free((*in)->log_path);
	free(*in);
	*in = NULL;
}

void pr_audit_intent_end(struct pr_audit_intent **in)
{
	if (in == NULL || *in == NULL)
		return;
	/*
	 * Not removable: it stays, and is recorded as interrupted once we are
	 * gone, a second record of a change already recorded, never a change
	 * without one.
	 */
	(void)pr_pending_remove((*in)->log_path, (*in)->name);
	intent_free(in);
}

void pr_audit_intent_keep(struct pr_audit_intent **in)
{
	if (in == NULL || *in == NULL)
		return;
	intent_free(in);
}
