/*
 * The recovery notices: one fixed sentence per kind and the time in UTC,
 * then the same advice for all. No host name: a workstation's name can
 * tell what the practice does (the audit record has it).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail.h"
#include "notify.h"

#define NOTIFY_SUBJECT "Security notice for your sign-in"

/* What happened, by kind; NULL for a kind we do not know. */
static const char *notice_what(enum pr_notice kind)
{
	switch (kind) {
	case PR_NOTICE_RECOVERY_DONE:
		return "A recovery of your sign-in was completed";
	case PR_NOTICE_CODE_USED:
		return "A recovery code was used";
	case PR_NOTICE_CODES_NEW:
		return "New recovery codes were created";
	}
	return NULL;
}

/* "2026-11-27 14:05 UTC" */
static void notice_time(int64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, 32, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, 32, "%" PRId64, t);
}

int pr_notify(const struct pr_config *cfg, const char *user, enum pr_notice kind,
    int64_t when, struct pr_errbuf *eb)
{
	const char *what = notice_what(kind);
	char at[32], *body = NULL;
	int r;

	if (cfg == NULL || user == NULL || what == NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no such notice");
	notice_time(when, at);
	if (asprintf(&body,
	    "%s at %s.\n"
	    "\n"
	    "If this was not you, tell your administrator at once.\n",
	    what, at) < 0)
		return pr_fail(eb, PR_ERR_NOMEM, "out of memory");
	r = pr_mail_send(cfg->recovery.mail_command, user, NOTIFY_SUBJECT, body, eb);
	free(body);
	return r;
}
