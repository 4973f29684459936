/*
 * Recovery steps over the ticket, code and tally files (ticket.c, codes.c,
 * lockout.c). Each step's file change happens under that file's own lock;
 * the order (code consumed before the key is enrolled, the ticket finished
 * with the key) is what makes a recovery no weaker than the sign-in.
 */
#include "config.h"

#include <string.h>

#include "codes.h"
#include "notify.h"
#include "recovery.h"
#include "ticket.h"
#include "util.h"

int pr_recovery_begin(struct pr_recovery *rc, const struct pr_config *cfg,
    const char *user, struct pr_errbuf *eb)
{
	int r;

	memset(rc, 0, sizeof(*rc));
	rc->cfg = cfg;
	rc->user = user;
	if ((r = pr_lockout_get(cfg->state, user, &rc->tally, eb)) != PR_OK)
		return PR_ERR_LOCKED_OUT;   /* an unreadable tally may hide a lockout */
	return rc->tally.locked ? PR_ERR_LOCKED_OUT : PR_OK;
}

int pr_recovery_pending(struct pr_recovery *rc, int64_t now, struct pr_errbuf *eb)
{
	struct pr_ticket_info info;
	int r;

	if ((r = pr_ticket_info(rc->cfg->state, rc->user, &info, eb)) != PR_OK)
		return r;
	rc->expires = info.expires;
	return info.expires <= now ? PR_ERR_EXPIRED : PR_OK;
}

/*
 * Count before evaluating (doc/ARCHITECTURE.md §6.2): a try is taken
 * against the account (and, for a code, the ticket) and written before the
 * ticket or code is checked, and given back only when it was not a failure.
 * So N runs at once evaluate no more guesses than the limits have left, and
 * a run killed in between leaves its try counted. rc->tally tells whether
 * the account is now locked.
 */
static int reserve_account(struct pr_recovery *rc, int64_t now, struct pr_errbuf *eb)
{
	int r = pr_lockout_reserve(rc->cfg->state, rc->user, now, &rc->tally, eb);

	/* A tally that cannot be read may hide a lockout (fail closed). */
	return r == PR_OK ? PR_OK : PR_ERR_LOCKED_OUT;
}

/* Not a failure after all: the account's try back. */
static void release_account(struct pr_recovery *rc)
{
	pr_lockout_release(rc->cfg->state, rc->user, &rc->tally, NULL);
}

int pr_recovery_ticket(struct pr_recovery *rc, const char *ticket, int64_t now,
    struct pr_errbuf *eb)
{
	struct pr_state *dir = rc->cfg->state;
	struct pr_ticket_info info;
	int r;

	if ((r = reserve_account(rc, now, eb)) != PR_OK)
		return r;
	if (ticket == NULL) {
		/* As a wrong ticket: counted only when there is a ticket to count it against. */
		if ((r = pr_ticket_fail(dir, rc->user, now, eb)) == PR_OK)
			r = pr_fail(eb, PR_ERR_TICKET_INVALID, "not a recovery ticket");
	} else {
		r = pr_ticket_check(dir, rc->user, ticket, now, eb);
	}
	if (r != PR_ERR_TICKET_INVALID)
		release_account(rc);
	if (r != PR_OK)
		return r;
	/* The state as the check left it: was a code consumed under it already? */
	if ((r = pr_ticket_info(dir, rc->user, &info, eb)) != PR_OK)
		return r;
	rc->expires = info.expires;
	rc->code_used = info.code_used;
	return PR_OK;
}

/* One try on the account, then one on the ticket (checked again: it may be void by now). */
static int reserve_code_try(struct pr_recovery *rc, const char *ticket, int64_t now,
    struct pr_errbuf *eb)
{
	int r;

	if ((r = reserve_account(rc, now, eb)) != PR_OK)
		return r;
	if ((r = pr_ticket_reserve(rc->cfg->state, rc->user, ticket, now, eb)) != PR_OK &&
	    r != PR_ERR_TICKET_INVALID)
		release_account(rc);   /* gone, expired or unreadable: nothing was tried */
	return r;
}

int pr_recovery_code(struct pr_recovery *rc, const char *ticket, const char *code,
    int64_t now, struct pr_errbuf *eb)
{
	struct pr_state *dir = rc->cfg->state;
	bool voided = false;
	int r;

	rc->no_code_set = false;
	rc->mark_failed = false;
	if ((r = reserve_code_try(rc, ticket, now, eb)) != PR_OK)
		return r;
	/*
	 * One evaluation per user at a time: pr_codes_consume holds the user's
	 * codes lock through its scrypt, and another run waits for it at most
	 * PR_LOCK_WAIT_MS (PR_ERR_BUSY: not evaluated, its tries given back).
	 */
	r = code != NULL ? pr_codes_consume(dir, rc->user, code, now, eb) : PR_ERR_CODE_INVALID;
	if (r == PR_ERR_CODE_INVALID || r == PR_ERR_NOT_FOUND) {
		/* Wrong, used, from an older set, or no set at all: the tries stay counted. */
		rc->no_code_set = r == PR_ERR_NOT_FOUND;
		pr_ticket_spent(dir, rc->user, ticket, &voided, NULL);
		return pr_fail(eb, PR_ERR_CODE_INVALID, "not a valid recovery code");
	}
	if (r == PR_OK) {
		rc->code_used = true;
		rc->mark_failed = pr_ticket_release(dir, rc->user, ticket, true, NULL) != PR_OK;
	} else {
		pr_ticket_release(dir, rc->user, ticket, false, NULL);
	}
	release_account(rc);
	return r;
}

int pr_recovery_commit(struct pr_recovery *rc, const char *ticket,
    const struct pr_cred *cred, int64_t now, struct pr_errbuf *eb)
{
	struct pr_state *dir = rc->cfg->state;
	int r;

	if ((r = pr_store_add(dir, rc->user, cred, eb)) != PR_OK)
		return r;
	if ((r = pr_ticket_finish(dir, rc->user, ticket, now, eb)) != PR_OK)
		rc->key_left = pr_recovery_undo(rc, cred) != PR_OK;
	return r;
}

int pr_recovery_undo(struct pr_recovery *rc, const struct pr_cred *cred)
{
	char kid[PR_KEYID_LEN + 1];
	int r;

	pr_keyid(cred->id, cred->id_len, kid);
	r = pr_store_remove(rc->cfg->state, rc->user, kid, NULL);
	return r == PR_ERR_NOT_FOUND ? PR_OK : r;   /* removed meanwhile: gone all the same */
}

int pr_recovery_done(struct pr_recovery *rc, struct pr_errbuf *eb)
{
	return pr_lockout_success(rc->cfg->state, rc->user, eb);
}

bool pr_recovery_service_listed(const struct pr_config *cfg, const char *service)
{
	if (service == NULL)
		return false;
	for (size_t i = 0; i < cfg->recovery.services.n; i++)
		if (strcmp(cfg->recovery.services.v[i], service) == 0)
			return true;
	return false;
}

int pr_recovery_open(struct pr_recovery *rc, const struct pr_config *cfg,
    const char *service, const char *user, int64_t now, struct pr_errbuf *eb)
{
	struct pr_errbuf teb = { 0 };
	int r, t;

	if (!pr_recovery_service_listed(cfg, service))
		return PR_ERR_PERM;
	r = pr_recovery_begin(rc, cfg, user, eb);
	if (r != PR_OK && eb != NULL && eb->msg[0] != '\0')
		return r;       /* the tally could not be read */
	/* The ticket is read even while locked, so a damaged one is reported. */
	t = pr_recovery_pending(rc, now, &teb);
	if (t != PR_OK && t != PR_ERR_NOT_FOUND && t != PR_ERR_EXPIRED)
		pr_fail(eb, t, "%s", teb.msg);
	return r != PR_OK ? r : t;
}

bool pr_recovery_offered(const struct pr_config *cfg, const char *service,
    const char *user, int64_t now)
{
	struct pr_recovery rc;

	return pr_recovery_open(&rc, cfg, service, user, now, NULL) == PR_OK;
}

/*
 * One request per ticket lifetime while the earlier ticket is on file (active
 * or expired). A used ticket is gone (that user has recovered), and voiding
 * one costs five failures against the account, so flooding ends in lockout.
 * Two requests at the same instant may both mail (the check and the create
 * take the lock separately); the second ticket replaces the first.
 */
static bool requested_recently(const struct pr_config *cfg, const char *user, int64_t now)
{
	struct pr_ticket_info info;

	return pr_ticket_info(cfg->state, user, &info, NULL) == PR_OK &&
	    now < info.created + cfg->recovery.ticket_lifetime;
}

int pr_recovery_request(const struct pr_config *cfg, const char *user, int64_t now,
    int64_t *expires, struct pr_errbuf *eb)
{
	struct pr_recovery rc;
	char *ticket = NULL;
	int r;

	if (!cfg->recovery.self_request)
		return pr_fail(eb, PR_ERR_PERM, "requesting a recovery ticket yourself is not "
		    "enabled");
	if ((r = pr_recovery_begin(&rc, cfg, user, eb)) != PR_OK)
		return r;
	if (requested_recently(cfg, user, now))
		return pr_fail(eb, PR_ERR_EXISTS, "a recovery ticket was issued recently");
	if ((r = pr_ticket_create(cfg->state, user, cfg->recovery.ticket_lifetime, now,
	    &ticket, eb)) != PR_OK)
		return r;
	*expires = now + cfg->recovery.ticket_lifetime;
	if ((r = pr_notify_ticket(cfg, user, ticket, *expires, eb)) != PR_OK) {
		/* A ticket nobody received is withdrawn. */
		pr_ticket_revoke(cfg->state, user, NULL);
		r = PR_ERR_IO;
	}
	pr_secret_strfree(&ticket);
	return r;
}
