/*
 * Recovery tickets: one-time tokens (token.c) of the kind below, under
 * <state_dir>/tickets/<user>, changed only under
 * <state_dir>/locks/<user>+ticket.lock.
 *
 * File format (version 1), exactly two lines:
 *
 *   practicerunner-ticket 1
 *   hash=<64 lower-case hex> created=<unix time> expires=<unix time> failures=<0..5> code_used=<0|1>
 *
 * hash is SHA-256 over "practicerunner-ticket 1", NUL, the user name, NUL,
 * and the ticket in canonical form, so an invitation's hash never matches
 * a ticket. Wrong tickets and wrong recovery codes (pr_ticket_fail) count
 * together; the one that reaches PR_TICKET_MAX_FAILURES deletes the file.
 * A ticket lasts at most a day (the policy file's ticket_lifetime limit).
 */
#include "config.h"

#include <string.h>

#include "err.h"
#include "ticket.h"
#include "token.h"

static const struct pr_token_kind ticket_kind = {
	.subdir = "tickets",
	.lock = "+ticket.lock",
	.header = "practicerunner-ticket 1",
	.magic = "practicerunner-ticket ",
	.hash_domain = "practicerunner-ticket 1",
	.noun = "recovery ticket",
	/* No command revokes a ticket: say what does clear it. */
	.remedy = "move that file aside to clear it, then start the recovery again",
	.secret = "recovery ticket",
	.failures_word = "failures",
	.flag = "code_used",
	.max_failures = PR_TICKET_MAX_FAILURES,
	.max_lifetime = 86400,
	.invalid_err = PR_ERR_TICKET_INVALID,
};

int pr_ticket_create(struct pr_state *state, const char *user, int64_t lifetime,
    int64_t now, char **ticket, struct pr_errbuf *eb)
{
	return pr_token_create(&ticket_kind, state, user, lifetime, now, ticket, eb);
}

int pr_ticket_check(struct pr_state *state, const char *user, const char *ticket,
    int64_t now, struct pr_errbuf *eb)
{
	return pr_token_redeem(&ticket_kind, state, user, ticket, now, false, false, eb);
}

int pr_ticket_fail(struct pr_state *state, const char *user, int64_t now,
    struct pr_errbuf *eb)
{
	return pr_token_fail(&ticket_kind, state, user, now, eb);
}

int pr_ticket_mark_code_used(struct pr_state *state, const char *user, const char *ticket,
    int64_t now, struct pr_errbuf *eb)
{
	return pr_token_redeem(&ticket_kind, state, user, ticket, now, false, true, eb);
}

int pr_ticket_finish(struct pr_state *state, const char *user, const char *ticket,
    int64_t now, struct pr_errbuf *eb)
{
	return pr_token_redeem(&ticket_kind, state, user, ticket, now, true, false, eb);
}

int pr_ticket_info(struct pr_state *state, const char *user, struct pr_ticket_info *info,
    struct pr_errbuf *eb)
{
	struct pr_token_info ti;
	int r;

	if (info == NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no place for the result");
	memset(info, 0, sizeof(*info));
	if ((r = pr_token_info(&ticket_kind, state, user, &ti, eb)) != PR_OK)
		return r;
	info->created = ti.created;
	info->expires = ti.expires;
	info->failures = ti.failures;
	info->code_used = ti.flag;
	return PR_OK;
}

/* A voided or finished ticket is gone; an unreadable one is not active (fail closed). */
bool pr_ticket_active(struct pr_state *state, const char *user, int64_t now)
{
	struct pr_ticket_info info;

	return pr_ticket_info(state, user, &info, NULL) == PR_OK && now >= 0 &&
	    now < info.expires;
}

int pr_ticket_revoke(struct pr_state *state, const char *user, struct pr_errbuf *eb)
{
	return pr_token_revoke(&ticket_kind, state, user, eb);
}

int pr_ticket_reserve(struct pr_state *state, const char *user, const char *ticket,
    int64_t now, struct pr_errbuf *eb)
{
	return pr_token_reserve(&ticket_kind, state, user, ticket, now, eb);
}

int pr_ticket_release(struct pr_state *state, const char *user, const char *ticket,
    bool code_used, struct pr_errbuf *eb)
{
	return pr_token_release(&ticket_kind, state, user, ticket, code_used, eb);
}

int pr_ticket_spent(struct pr_state *state, const char *user, const char *ticket,
    bool *voided, struct pr_errbuf *eb)
{
	return pr_token_spent(&ticket_kind, state, user, ticket, voided, eb);
}
