/*
 * One-time tokens kept as a hash: the mechanism shared by enrollment
 * invitations (invite.c) and recovery tickets (ticket.c). A kind says where
 * the token lives (<state_dir>/<subdir>/<user>, lock locks/<user><lock>),
 * its file header, the domain its hash is bound to, its words in messages,
 * its limits, and whether it carries one flag (e.g. code_used).
 */
#ifndef PR_TOKEN_H
#define PR_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "state.h"

struct pr_token_kind {
	const char *subdir;        /* "invites" */
	const char *lock;          /* "+invite.lock": must not contain '/' */
	const char *header;        /* first line, "practicerunner-invite 1" */
	const char *magic;         /* header up to the version, "practicerunner-invite " */
	const char *hash_domain;   /* hashed ahead of user and token, at most 63 bytes */
	const char *noun;          /* "invitation", in messages */
	const char *remedy;        /* how an administrator clears a damaged file */
	const char *secret;        /* "invitation token": what was wrong */
	const char *failures_word; /* "wrong tokens": what counts towards the limit */
	const char *flag;          /* NULL, or the flag's field name ("code_used") */
	int max_failures;          /* the failure that reaches this voids the token */
	int64_t max_lifetime;      /* seconds */
	int invalid_err;           /* PR_ERR_INVITE_INVALID, PR_ERR_TICKET_INVALID */
};

struct pr_token_info {
	int64_t created;
	int64_t expires;
	int failures;
	bool flag;                 /* false for kinds without one */
};

/*
 * Issue a token (replacing an earlier one, never a damaged file); *token is
 * malloc'd in display form, wipe it with pr_secret_strfree.
 */
int pr_token_create(const struct pr_token_kind *k, struct pr_state *state,
    const char *user, int64_t lifetime, int64_t now, char **token, struct pr_errbuf *eb);

/*
 * Check token under the user's lock: PR_OK, PR_ERR_NOT_FOUND, PR_ERR_EXPIRED
 * (the file is removed), k->invalid_err (counted; the failure that reaches
 * k->max_failures removes the file). With consume, PR_OK also removes it;
 * with set_flag, PR_OK also sets the flag. Constant-time comparison.
 */
int pr_token_redeem(const struct pr_token_kind *k, struct pr_state *state,
    const char *user, const char *token, int64_t now, bool consume, bool set_flag,
    struct pr_errbuf *eb);

/*
 * Check token as pr_token_redeem does, without counting a wrong one
 * against the token: PR_OK, PR_ERR_NOT_FOUND, PR_ERR_EXPIRED (removed),
 * k->invalid_err. For a caller that bounds the tries itself, where a
 * stranger's wrong tokens must not void the owner's (the web gate counts
 * them per pending sign-in, doc/ARCHITECTURE.md §4.8).
 */
int pr_token_match(const struct pr_token_kind *k, struct pr_state *state,
    const char *user, const char *token, int64_t now, struct pr_errbuf *eb);

/*
 * Count one failure against the user's token without a token to check:
 * PR_OK (counted; the token may now be void), PR_ERR_NOT_FOUND,
 * PR_ERR_EXPIRED (removed).
 */
int pr_token_fail(const struct pr_token_kind *k, struct pr_state *state,
    const char *user, int64_t now, struct pr_errbuf *eb);

/*
 * Count before evaluating (doc/ARCHITECTURE.md §6.2): check token as
 * pr_token_redeem does, then take one try (failures + 1) and write it,
 * before the caller evaluates whatever the token guards. PR_OK: reserved;
 * then exactly one of pr_token_release (the try was not a failure) or
 * pr_token_spent (it was). A token whose every try is taken is void
 * (PR_ERR_NOT_FOUND) for everything but those two, so N parallel callers
 * never evaluate more than k->max_failures tries. A caller killed between
 * leaves its try counted.
 */
int pr_token_reserve(const struct pr_token_kind *k, struct pr_state *state,
    const char *user, const char *token, int64_t now, struct pr_errbuf *eb);

/* Give the reserved try back, and set the flag when set_flag. PR_ERR_NOT_FOUND: replaced or gone. */
int pr_token_release(const struct pr_token_kind *k, struct pr_state *state,
    const char *user, const char *token, bool set_flag, struct pr_errbuf *eb);

/* The reserved try failed: it stays counted; *voided when it was the last (the file goes). */
int pr_token_spent(const struct pr_token_kind *k, struct pr_state *state,
    const char *user, const char *token, bool *voided, struct pr_errbuf *eb);

/* Dates and counts without the secret, no lock: PR_OK or PR_ERR_NOT_FOUND. */
int pr_token_info(const struct pr_token_kind *k, struct pr_state *state,
    const char *user, struct pr_token_info *info, struct pr_errbuf *eb);

/* Remove the file whatever it holds: PR_OK or PR_ERR_NOT_FOUND. */
int pr_token_revoke(const struct pr_token_kind *k, struct pr_state *state,
    const char *user, struct pr_errbuf *eb);

#endif
