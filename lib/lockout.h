/*
 * Per-account failure tally for recovery: consecutive failed codes or
 * tickets; at PR_LOCKOUT_LIMIT the account's recovery is locked until an
 * administrator clears it (practicerunner-admin unlock). <state_dir>/tally/<user>.
 */
#ifndef PR_LOCKOUT_H
#define PR_LOCKOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "state.h"

#define PR_LOCKOUT_LIMIT 100   /* SP 800-63B-4: never more than 100 consecutive failures */

struct pr_lockout {
	int failures;          /* consecutive */
	int64_t last_failure;
	bool locked;
};

/* Count one failure; *after (may be NULL) gets the new state. */
int pr_lockout_fail(struct pr_state *state, const char *user, int64_t now,
    struct pr_lockout *after, struct pr_errbuf *eb);
/*
 * Count before evaluating (doc/ARCHITECTURE.md §6.2): take one try against
 * the account, PR_ERR_LOCKED_OUT (nothing counted) when none is left; then
 * either keep it (the try failed) or pr_lockout_release it (it did not).
 * *after gets the state after the reservation.
 */
int pr_lockout_reserve(struct pr_state *state, const char *user, int64_t now,
    struct pr_lockout *after, struct pr_errbuf *eb);
/* Give one reserved try back; *after (may be NULL) the new state. */
int pr_lockout_release(struct pr_state *state, const char *user, struct pr_lockout *after,
    struct pr_errbuf *eb);
/* A success resets the consecutive count. */
int pr_lockout_success(struct pr_state *state, const char *user, struct pr_errbuf *eb);
/* Current state (no file: zero failures, not locked). */
int pr_lockout_get(struct pr_state *state, const char *user, struct pr_lockout *st,
    struct pr_errbuf *eb);
/* Administrator's unlock: failures back to zero. */
int pr_lockout_clear(struct pr_state *state, const char *user, struct pr_errbuf *eb);

#endif
