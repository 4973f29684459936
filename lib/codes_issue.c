/*
 * Generate, record, reveal, notify (codes_issue.h). The order is the
 * point: a set nobody can find in the audit log is never shown, so every
 * code a person holds has a record naming who made it.
 */
#include "config.h"

#include <stdio.h>

#include "codes.h"
#include "codes_issue.h"
#include "notify.h"
#include "util.h"

#define EVENT "codes-generated"

/* "<n>-codes[, <proof>]": how many, and what confirmed it; never a code. */
static void issue_detail(const struct pr_codes_issue *ci, char *out, size_t size)
{
	int n = ci->cfg->recovery.codes;

	if (ci->proof != NULL && ci->proof[0] != '\0')
		snprintf(out, size, "%d-codes, %s", n, ci->proof);
	else
		snprintf(out, size, "%d-codes", n);
}

/* The user hears of every new set (one they did not ask for is a warning sign). */
static void issue_notify(const struct pr_codes_issue *ci)
{
	struct pr_errbuf eb = { 0 };
	int r;

	if ((r = pr_notify(ci->cfg, ci->user, PR_NOTICE_CODES_NEW, pr_now(), &eb)) == PR_OK)
		return;
	ci->say(ci->arg, PR_CODES_NOTICE_FAILED, r, eb.msg[0] ? eb.msg : pr_strerror(r));
	ci->rec->record(ci->rec->arg, EVENT, r, NULL, NULL, "notice not sent");
}

/* Intent, set, record, under the front end's hold; *codes only when recorded. */
static int issue_commit(const struct pr_codes_issue *ci, const char *detail, char ***codes)
{
	const struct pr_recorder *rec = ci->rec;
	struct pr_errbuf eb = { 0 };
	int n = ci->cfg->recovery.codes, r;

	if ((r = rec->begin(rec->arg, EVENT, NULL, NULL, detail)) != PR_OK) {
		rec->record(rec->arg, EVENT, r, NULL, NULL, detail);
		ci->say(ci->arg, PR_CODES_NOT_MADE, r, NULL);
		return r;
	}
	if ((r = pr_codes_generate(ci->cfg->state, ci->user, n, pr_now(), codes,
	    &eb)) != PR_OK) {
		rec->record(rec->arg, EVENT, r, NULL, NULL, detail);
		ci->say(ci->arg, PR_CODES_NOT_MADE, r, eb.msg[0] ? eb.msg : pr_strerror(r));
		return r;
	}
	if ((r = rec->record(rec->arg, EVENT, PR_OK, NULL, NULL, detail)) != PR_OK) {
		/* The set is in place but unrecorded: do not hand it out. */
		pr_codes_free(codes, n);
		ci->say(ci->arg, PR_CODES_NOT_SHOWN, r, NULL);
	}
	return r;
}

int pr_codes_issue(const struct pr_codes_issue *ci)
{
	char **codes = NULL, detail[128];
	int n = ci->cfg->recovery.codes, r;

	issue_detail(ci, detail, sizeof(detail));
	pr_recorder_hold(ci->rec, true);
	r = issue_commit(ci, detail, &codes);
	pr_recorder_hold(ci->rec, false);
	if (r != PR_OK)
		return r;
	ci->reveal(ci->arg, codes, n);
	pr_codes_free(&codes, n);
	issue_notify(ci);
	return PR_OK;
}
