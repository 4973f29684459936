/*
 * Coverage report: the status of one user (pure). Who is in scope is
 * coverage_scope.c's.
 */
#include "config.h"

#include <string.h>

#include "coverage.h"
#include "lifecycle.h"

/* ---- one user's status (pure) --------------------------------------------- */

/* Latest use of a key that counts for need (created when never used). */
static int64_t latest_use(const struct pr_credlist *l, enum pr_need need, int64_t *last_used)
{
	int64_t latest = INT64_MIN;

	*last_used = 0;
	for (size_t i = 0; l != NULL && i < l->n; i++) {
		const struct pr_cred *c = &l->v[i];
		int64_t t = c->last_used != 0 ? c->last_used : c->created;

		if (c->kind != PR_KIND_FIDO || !pr_policy_class_ok(need, c->cls))
			continue;
		if (t > latest)
			latest = t;
		if (c->last_used > *last_used)
			*last_used = c->last_used;
	}
	return latest;
}

static void count_classes(const struct pr_credlist *l, struct pr_coverage *out)
{
	for (size_t i = 0; l != NULL && i < l->n; i++) {
		if (l->v[i].kind != PR_KIND_FIDO)
			continue;
		if (l->v[i].cls == PR_CLASS_PHYSICAL)
			out->physical++;
		else if (l->v[i].cls == PR_CLASS_PASSKEY)
			out->passkey++;
	}
}

static bool stale(int64_t latest, int64_t now)
{
	return latest != INT64_MIN && now - latest > PR_COVERAGE_UNUSED_SECONDS;
}

void pr_coverage_compute(enum pr_role role, enum pr_need need, bool exempt,
    const struct pr_credlist *creds, int64_t now, struct pr_coverage *out)
{
	int64_t latest;

	memset(out, 0, sizeof(*out));
	count_classes(creds, out);
	latest = latest_use(creds, need, &out->last_used);
	if (exempt && role == PR_ROLE_STAFF)
		out->status = PR_COV_EXEMPT;
	else if (need != PR_NEED_NONE && out->physical + out->passkey == 0)
		out->status = PR_COV_NO_KEY;
	else if (need == PR_NEED_PHYSICAL && out->physical == 0)
		out->status = PR_COV_NEEDS_PHYSICAL;
	else if (pr_lifecycle_single_physical(creds, need))
		out->status = PR_COV_SINGLE_PHYSICAL;
	else if (stale(latest, now))
		out->status = PR_COV_UNUSED_90D;
	else
		out->status = PR_COV_OK;
}

static const char *const status_names[] = {
	[PR_COV_OK] = "ok",
	[PR_COV_EXEMPT] = "exempt",
	[PR_COV_NO_KEY] = "no-key",
	[PR_COV_NEEDS_PHYSICAL] = "needs-physical",
	[PR_COV_SINGLE_PHYSICAL] = "single-physical-key",
	[PR_COV_UNUSED_90D] = "unused-90d",
};

const char *pr_coverage_status_name(enum pr_coverage_status s)
{
	if ((int)s < 0 || (size_t)s >= sizeof(status_names) / sizeof(status_names[0]))
		return "unknown";
	return status_names[s];
}

size_t pr_coverage_web_usable(const struct pr_config *cfg, const struct pr_credlist *creds)
{
	char host[256];
	size_t n = 0;

	if (!pr_web_enabled(&cfg->web) || !pr_web_origin_host(cfg->web.origin, host, sizeof(host)) ||
	    !pr_web_rp_id_fits(cfg->rp_id, host))
		return 0;
	for (size_t i = 0; i < creds->n; i++)
		n += creds->v[i].kind == PR_KIND_FIDO;
	return n;
}

bool pr_coverage_out_of_policy(enum pr_coverage_status s)
{
	switch (s) {
	case PR_COV_OK:
	case PR_COV_EXEMPT:
	case PR_COV_SINGLE_PHYSICAL:
	case PR_COV_UNUSED_90D:
		return false;
	case PR_COV_NO_KEY:
	case PR_COV_NEEDS_PHYSICAL:
		return true;
	}
	return true;
}
