/*
 * Sending a short plain-text message through the configured mail command
 * (recovery.mail_command, e.g. "/usr/sbin/sendmail -t"): no shell, a fixed
 * environment, the message on the command's standard input. The command
 * must take the recipient from the To: header (sendmail's -t).
 */
#ifndef PR_MAIL_H
#define PR_MAIL_H

#include <stdbool.h>

#include "err.h"

/*
 * Send body to to with subject. mail_command is split on spaces into the
 * program (an absolute path) and its arguments. to must be a user name
 * (pr_username_valid; local delivery and aliases map it) or a plain
 * address local@domain; subject printable ASCII; body text without a line
 * that is a lone ".", NUL-free, lines of at most 998 bytes. Anything that
 * could add a header is refused with PR_ERR_INVALID_ARG before anything
 * runs. PR_OK when the command read the message and exited with status 0;
 * otherwise PR_ERR_IO with eb naming the command (never the body).
 */
int pr_mail_send(const char *mail_command, const char *to, const char *subject,
    const char *body, struct pr_errbuf *eb);

/* Whether to is a recipient pr_mail_send accepts (a user name or local@domain). */
bool pr_mail_recipient_valid(const char *to);

#endif
