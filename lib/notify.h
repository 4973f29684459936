/*
 * Notices to a user about their own account's recovery (doc/ARCHITECTURE.md
 * §6.3, NIST SP 800-63B-4: a subscriber is notified of every recovery), sent
 * through the configured mail command (recovery.mail_command). The text is
 * generic: what happened, when, on which machine, and what to do if it was
 * not them. It never holds a code, a ticket, the relying party or anything
 * about the practice's work.
 */
#ifndef PR_NOTIFY_H
#define PR_NOTIFY_H

#include <stdint.h>

#include "conf.h"
#include "err.h"

enum pr_notice {
	PR_NOTICE_RECOVERY_DONE,   /* a recovery of the sign-in was completed */
	PR_NOTICE_CODE_USED,       /* a recovery code was used */
	PR_NOTICE_CODES_NEW,       /* a new set of recovery codes was created */
};

/*
 * Send user (a user name: pr_mail_send's recipient) the notice kind about
 * an event at when (unix time, shown in UTC) on this host. PR_OK, or the
 * error of pr_mail_send (PR_ERR_IO, PR_ERR_INVALID_ARG, ...) with eb naming
 * the command; PR_ERR_INVALID_ARG for an unknown kind. The caller decides
 * what a failure means (recovery is never undone because of it).
 */
int pr_notify(const struct pr_config *cfg, const char *user, enum pr_notice kind,
    int64_t when, struct pr_errbuf *eb);

/*
 * Mail user their recovery ticket (an administrator's --mail, or the user's
 * own request): the ticket, until when it is valid and how to use it, in
 * the same generic words. PR_OK or pr_mail_send's error.
 */
int pr_notify_ticket(const struct pr_config *cfg, const char *user, const char *ticket,
    int64_t expires, struct pr_errbuf *eb);

/*
 * Tell the administrators (breakglass.notify) that user's break-glass code
 * was used at when, on this host, at service and tty, and what to do now.
 * PR_OK or pr_mail_send's error.
 */
int pr_notify_breakglass(const struct pr_config *cfg, const char *user, const char *service,
    const char *tty, int64_t when, struct pr_errbuf *eb);

#endif
