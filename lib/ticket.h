/*
 * Recovery tickets: a one-time, short-lived secret an administrator issues
 * (or mails) so a user can start recovery; stored only as a hash with its
 * expiry under <state_dir>/tickets/<user>.
 */
#ifndef PR_TICKET_H
#define PR_TICKET_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "state.h"

#define PR_TICKET_MAX_FAILURES 5    /* wrong tickets or codes before the ticket is void */

struct pr_ticket_info {
	int64_t created;
	int64_t expires;
	int failures;
	bool code_used;      /* a recovery code was consumed under this ticket */
};

/* Issue a ticket (replacing any earlier one); *ticket is the secret, wipe it. */
int pr_ticket_create(struct pr_state *state, const char *user, int64_t lifetime,
    int64_t now, char **ticket, struct pr_errbuf *eb);

/*
 * Check ticket without using it up: PR_OK, PR_ERR_NOT_FOUND, PR_ERR_EXPIRED,
 * PR_ERR_TICKET_INVALID (counted; after PR_TICKET_MAX_FAILURES it is void).
 */
int pr_ticket_check(struct pr_state *state, const char *user, const char *ticket,
    int64_t now, struct pr_errbuf *eb);

/* Count a failure against the ticket (e.g. a wrong recovery code). */
int pr_ticket_fail(struct pr_state *state, const char *user, int64_t now,
    struct pr_errbuf *eb);

/*
 * One try taken on the ticket before a code is evaluated (pr_token_reserve);
 * then pr_ticket_release (the code was right, or was not evaluated: the try
 * is given back, code_used noted when set) or pr_ticket_spent (wrong: it
 * stays counted, and the ticket is void after the last).
 */
int pr_ticket_reserve(struct pr_state *state, const char *user, const char *ticket,
    int64_t now, struct pr_errbuf *eb);
int pr_ticket_release(struct pr_state *state, const char *user, const char *ticket,
    bool code_used, struct pr_errbuf *eb);
int pr_ticket_spent(struct pr_state *state, const char *user, const char *ticket,
    bool *voided, struct pr_errbuf *eb);

/* Record that a code was consumed under this ticket (enrollment may then be retried until expiry). */
int pr_ticket_mark_code_used(struct pr_state *state, const char *user, const char *ticket,
    int64_t now, struct pr_errbuf *eb);

/* Recovery finished: delete the ticket (checked again under the lock). */
int pr_ticket_finish(struct pr_state *state, const char *user, const char *ticket,
    int64_t now, struct pr_errbuf *eb);

/* Dates and state without the secret: PR_OK or PR_ERR_NOT_FOUND. */
int pr_ticket_info(struct pr_state *state, const char *user, struct pr_ticket_info *info,
    struct pr_errbuf *eb);

/* Whether user has an unexpired, unvoided ticket (the module offers recovery only then). */
bool pr_ticket_active(struct pr_state *state, const char *user, int64_t now);

int pr_ticket_revoke(struct pr_state *state, const char *user, struct pr_errbuf *eb);

#endif
