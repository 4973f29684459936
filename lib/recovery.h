/*
 * The steps of an account recovery (doc/ARCHITECTURE.md §6.2), shared by
 * practicerunner-recover and the module on recovery services, so both
 * count failures, consume codes and commit the replacement key alike:
 *
 *   pr_recovery_begin    not while the account's recovery is locked out
 *   pr_recovery_pending  a ticket is waiting (before asking for it)
 *   pr_recovery_ticket   the ticket is checked (not used up)
 *   pr_recovery_code     unless one was consumed under this ticket already,
 *                        one code is consumed first and the ticket notes it
 *   pr_recovery_commit   the replacement key stored, the ticket finished
 *   pr_recovery_done     the account's failure tally reset
 *
 * A wrong ticket or code counts against the ticket (PR_TICKET_MAX_FAILURES
 * void it) and the account (PR_LOCKOUT_LIMIT lock it). Talking to the user,
 * the audit records and the notices are the caller's.
 */
#ifndef PR_RECOVERY_H
#define PR_RECOVERY_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "err.h"
#include "lockout.h"
#include "store.h"

struct pr_recovery {
	const struct pr_config *cfg;
	const char *user;
	int64_t expires;         /* the ticket's, once accepted */
	bool code_used;          /* a code was consumed under the ticket before: none is needed */
	bool no_code_set;        /* the last code was refused because the user has no set */
	bool mark_failed;        /* a code was consumed but the ticket could not note it */
	bool key_left;           /* a commit failed and its key could not be taken back */
	struct pr_lockout tally; /* the account's tally after the last counted failure */
};

/*
 * Start: PR_OK, or PR_ERR_LOCKED_OUT while the account's recovery is locked
 * (also when the tally cannot be read: fail closed; eb says why).
 */
int pr_recovery_begin(struct pr_recovery *rc, const struct pr_config *cfg,
    const char *user, struct pr_errbuf *eb);

/*
 * Before asking for the ticket: PR_OK with rc->expires when one is waiting;
 * PR_ERR_NOT_FOUND (none, used or void) or PR_ERR_EXPIRED.
 */
int pr_recovery_pending(struct pr_recovery *rc, int64_t now, struct pr_errbuf *eb);

/*
 * Check ticket (NULL: what was typed cannot be a ticket, counted as a wrong
 * one). PR_OK with rc->expires and rc->code_used; PR_ERR_NOT_FOUND (none,
 * used or void), PR_ERR_EXPIRED, PR_ERR_TICKET_INVALID (counted; see
 * rc->tally.locked), or the error that kept it from being checked.
 */
int pr_recovery_ticket(struct pr_recovery *rc, const char *ticket, int64_t now,
    struct pr_errbuf *eb);

/*
 * Consume code (NULL: cannot be a code, counted as a wrong one) under the
 * accepted ticket. PR_OK: consumed, and the ticket notes it (rc->mark_failed
 * if it could not); PR_ERR_CODE_INVALID: wrong, used, from an older set or
 * no set (rc->no_code_set), counted; other errors say nothing about the
 * code and are not counted.
 */
int pr_recovery_code(struct pr_recovery *rc, const char *ticket, const char *code,
    int64_t now, struct pr_errbuf *eb);

/*
 * Store the replacement key and finish the ticket; if the ticket cannot be
 * finished (expired, withdrawn or finished by another run meanwhile), the
 * key is removed again, and rc->key_left says when that failed too.
 */
int pr_recovery_commit(struct pr_recovery *rc, const char *ticket,
    const struct pr_cred *cred, int64_t now, struct pr_errbuf *eb);

/* Take back a committed key whose record could not be written. PR_OK when it is gone. */
int pr_recovery_undo(struct pr_recovery *rc, const struct pr_cred *cred);

/* Completed: the account's consecutive failures back to zero. */
int pr_recovery_done(struct pr_recovery *rc, struct pr_errbuf *eb);

/* Whether service is listed in recovery.services (NULL: no). */
bool pr_recovery_service_listed(const struct pr_config *cfg, const char *service);

/*
 * Recovery on service for user, with one read of the tally and the ticket:
 * PR_OK when the service is listed in recovery.services, recovery is not
 * locked and a ticket is active (rc is then ready for pr_recovery_ticket);
 * otherwise why not (PR_ERR_PERM: not listed), with eb set only when a
 * file could not be read. Anything unreadable means no.
 */
int pr_recovery_open(struct pr_recovery *rc, const struct pr_config *cfg,
    const char *service, const char *user, int64_t now, struct pr_errbuf *eb);

/* pr_recovery_open as a yes or no. */
bool pr_recovery_offered(const struct pr_config *cfg, const char *service,
    const char *user, int64_t now);

/*
 * A ticket the user asks for themselves (recovery.self_request): issued
 * and mailed to the user's own address, never shown. PR_OK with *expires;
 * PR_ERR_PERM when self requests are off; PR_ERR_LOCKED_OUT; PR_ERR_EXISTS
 * when a ticket was issued less than ticket_lifetime ago (one request per
 * lifetime, so nobody can flood a mailbox); PR_ERR_IO when the mail failed
 * (the ticket is withdrawn again). The caller checks the user's requirement
 * and records the outcome.
 */
int pr_recovery_request(const struct pr_config *cfg, const char *user, int64_t now,
    int64_t *expires, struct pr_errbuf *eb);

#endif
