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
#include <unistd.h>

#include "mail.h"
#include "notify.h"
#include "util.h"

#define NOTIFY_SUBJECT "Security notice for your sign-in"
#define TICKET_SUBJECT "Recovery of your sign-in"
#define RECOVER_COMMAND "practicerunner-recover"
#define BREAKGLASS_SUBJECT "Break glass: an emergency code was used"

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

int pr_notify(const struct pr_config *cfg, const char *user, enum pr_notice kind,
    int64_t when, struct pr_errbuf *eb)
{
	const char *what = notice_what(kind);
	char at[32], *body = NULL;
	int r;

	if (cfg == NULL || user == NULL || what == NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no such notice");
	pr_time_utc(when, at);
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

int pr_notify_ticket(const struct pr_config *cfg, const char *user, const char *ticket,
    int64_t expires, struct pr_errbuf *eb)
{
	char until[32], *body = NULL;
	int r;

	if (cfg == NULL || user == NULL || ticket == NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no ticket to send");
	if (asprintf(&body,
	    "A recovery of your sign-in was started.\n"
	    "\n"
	    "Recovery ticket: %s\n"
	    "Valid until:     %s\n"
	    "\n"
	    "To use it, sign in as usual where your administrator allows recovery:\n"
	    "when no security key answers, you are asked for this ticket and one of\n"
	    "your saved recovery codes, then you enroll your new security key.\n"
	    "If you are already signed in, run %s instead.\n"
	    "The ticket works once.\n"
	    "\n"
	    "If you did not ask for this, tell your administrator.\n",
	    ticket, pr_time_utc(expires, until), RECOVER_COMMAND) < 0)
		return pr_fail(eb, PR_ERR_NOMEM, "out of memory");
	r = pr_mail_send(cfg->recovery.mail_command, user, TICKET_SUBJECT, body, eb);
	pr_secret_strfree(&body);
	return r;
}

/*
 * To the administrators, not the user: they must know which machine, so
 * this one names the host (the audit record holds the rest).
 */
int pr_notify_breakglass(const struct pr_config *cfg, const char *user, const char *service,
    const char *tty, int64_t when, struct pr_errbuf *eb)
{
	char at[32], host[256] = "", *body = NULL;
	int r;

	if (cfg == NULL || user == NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no break-glass use to report");
	if (gethostname(host, sizeof(host) - 1) != 0)
		snprintf(host, sizeof(host), "(unknown)");
	if (asprintf(&body,
	    "The break-glass (emergency) code of %s was used to sign in.\n"
	    "\n"
	    "Host:    %s\n"
	    "Time:    %s\n"
	    "Service: %s\n"
	    "Tty:     %s\n"
	    "\n"
	    "The code no longer works. Review what was done in the session (the\n"
	    "audit log and the system logs), then run on that host:\n"
	    "  practicerunner-admin breakglass ack %s\n"
	    "Until then practicerunner-admin coverage and policy check report it.\n"
	    "Then change the account's password and seal a new code\n"
	    "(practicerunner-admin breakglass create %s).\n",
	    user, host, pr_time_utc(when, at), service != NULL ? service : "-",
	    tty != NULL ? tty : "-", user, user) < 0)
		return pr_fail(eb, PR_ERR_NOMEM, "out of memory");
	r = pr_mail_send(cfg->recovery.mail_command, cfg->breakglass.notify, BREAKGLASS_SUBJECT,
	    body, eb);
	free(body);
	return r;
}
