/*
 * Enrollment invitations: one-time tokens (token.c) of the kind below,
 * under <state_dir>/invites/<user>, changed only under
 * <state_dir>/locks/<user>+invite.lock.
 *
 * File format (version 1), exactly two lines:
 *
 *   practicerunner-invite 1
 *   hash=<64 lower-case hex> created=<unix time> expires=<unix time> failures=<0..5> (5: void, see token.c)
 *
 * hash is SHA-256 over "practicerunner-invite 1", NUL, the user name, NUL,
 * and the token in canonical form. Token form, input rules, failure counting
 * and the strict parser are token.c's.
 */
#include "config.h"

#include <string.h>

#include "err.h"
#include "invite.h"
#include "token.h"

static const struct pr_token_kind invite_kind = {
	.subdir = "invites",
	.lock = "+invite.lock",
	.header = "practicerunner-invite 1",
	.magic = "practicerunner-invite ",
	.hash_domain = "practicerunner-invite 1",
	.noun = "invitation",
	.remedy = "revoke the invitation to remove it",
	.secret = "invitation token",
	.failures_word = "wrong tokens",
	.flag = NULL,
	.max_failures = PR_INVITE_MAX_FAILURES,
	.max_lifetime = 30 * 86400,
	.invalid_err = PR_ERR_INVITE_INVALID,
};

int pr_invite_create(struct pr_state *state, const char *user, int64_t lifetime,
    int64_t now, char **token, struct pr_errbuf *eb)
{
	return pr_token_create(&invite_kind, state, user, lifetime, now, token, eb);
}

int pr_invite_check(struct pr_state *state, const char *user, const char *token,
    int64_t now, struct pr_errbuf *eb)
{
	return pr_token_redeem(&invite_kind, state, user, token, now, false, false, eb);
}

int pr_invite_match(struct pr_state *state, const char *user, const char *token,
    int64_t now, struct pr_errbuf *eb)
{
	return pr_token_match(&invite_kind, state, user, token, now, eb);
}

int pr_invite_consume(struct pr_state *state, const char *user, const char *token,
    int64_t now, struct pr_errbuf *eb)
{
	return pr_token_redeem(&invite_kind, state, user, token, now, true, false, eb);
}

int pr_invite_info(struct pr_state *state, const char *user,
    struct pr_invite_info *info, struct pr_errbuf *eb)
{
	struct pr_token_info ti;
	int r;

	if (info == NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no place for the result");
	memset(info, 0, sizeof(*info));
	if ((r = pr_token_info(&invite_kind, state, user, &ti, eb)) != PR_OK)
		return r;
	info->created = ti.created;
	info->expires = ti.expires;
	info->failures = ti.failures;
	return PR_OK;
}

int pr_invite_revoke(struct pr_state *state, const char *user, struct pr_errbuf *eb)
{
	return pr_token_revoke(&invite_kind, state, user, eb);
}
