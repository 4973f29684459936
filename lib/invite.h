/*
 * One-time enrollment invitations: a high-entropy token shown once to the
 * administrator (or mailed), stored only as a hash with its expiry, under
 * <state_dir>/invites/<user>. A user gets a first key only through one.
 */
#ifndef PR_INVITE_H
#define PR_INVITE_H

#include <stdint.h>

#include "conf.h"
#include "err.h"
#include "state.h"

#define PR_INVITE_DEFAULT_LIFETIME (72 * 3600)
#define PR_INVITE_MAX_FAILURES 5      /* wrong tokens before the invitation is void */

struct pr_invite_info {
	int64_t created;
	int64_t expires;
	int failures;              /* wrong tokens so far */
};

/*
 * Issue a new invitation for user (replacing any earlier one), valid for
 * lifetime seconds. *token is the secret to hand over: malloc'd, wipe with
 * pr_secret_strfree. Only its hash is stored.
 */
int pr_invite_create(struct pr_state *state, const char *user, int64_t lifetime,
    int64_t now, char **token, struct pr_errbuf *eb);

/*
 * Check token for user without consuming it: PR_OK, PR_ERR_NOT_FOUND (no
 * invitation), PR_ERR_EXPIRED, PR_ERR_INVITE_INVALID (wrong token: counted;
 * after PR_INVITE_MAX_FAILURES the invitation is void). Constant-time.
 */
int pr_invite_check(struct pr_state *state, const char *user, const char *token,
    int64_t now, struct pr_errbuf *eb);

/*
 * pr_invite_check without counting a wrong token against the invitation:
 * for the web gate, which counts wrong tries per pending sign-in, so a
 * stranger cannot void someone's invitation (doc/ARCHITECTURE.md §4.8).
 */
int pr_invite_match(struct pr_state *state, const char *user, const char *token,
    int64_t now, struct pr_errbuf *eb);

/* Check and delete in one step under the user's lock (the token works once). */
int pr_invite_consume(struct pr_state *state, const char *user, const char *token,
    int64_t now, struct pr_errbuf *eb);

/* The invitation's dates, without the token: PR_OK or PR_ERR_NOT_FOUND. */
int pr_invite_info(struct pr_state *state, const char *user,
    struct pr_invite_info *info, struct pr_errbuf *eb);

/* Withdraw user's invitation: PR_OK or PR_ERR_NOT_FOUND. */
int pr_invite_revoke(struct pr_state *state, const char *user, struct pr_errbuf *eb);

#endif
