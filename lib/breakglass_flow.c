/*
 * The break-glass flows (breakglass_flow.h). Issue: a code nobody can find
 * in the audit log is never shown. Redeem: the try is counted before the
 * code is evaluated (as recovery counts, doc/ARCHITECTURE.md §6.2), so
 * parallel guesses cannot exceed the bound, and the use is on file before
 * the sign-in is accepted.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "breakglass_flow.h"
#include "lockout.h"
#include "notify.h"
#include "util.h"

#define METHOD "break-glass"

/* ---- issue ---------------------------------------------------------------------------- */

static void issue_detail(const struct pr_breakglass_issue *bi, bool replaces, char *out,
    size_t size)
{
	char services[PR_BREAKGLASS_SERVICES_MAX] = "?", until[32];

	(void)pr_breakglass_services_join(bi->services, services, sizeof(services));
	snprintf(out, size, "created, services %s, expires %s%s", services,
	    pr_time_utc(pr_now() + bi->lifetime, until), replaces ? ", replaces an unused code" : "");
}

/* Intent, code, record, under the front end's hold; *code only when recorded. */
static int issue_commit(const struct pr_breakglass_issue *bi, const char *detail,
    char **code, bool *replaced)
{
	const struct pr_recorder *rec = bi->rec;
	struct pr_errbuf eb = { 0 };
	int r;

	if ((r = rec->begin(rec->arg, PR_BREAKGLASS_EVENT, METHOD, NULL, detail)) != PR_OK) {
		rec->record(rec->arg, PR_BREAKGLASS_EVENT, r, METHOD, NULL, detail);
		bi->say(bi->arg, PR_BG_NOT_MADE, r, NULL);
		return r;
	}
	if ((r = pr_breakglass_create(bi->cfg->state, bi->user, bi->services, bi->lifetime,
	    bi->by, pr_now(), code, replaced, &eb)) != PR_OK) {
		rec->record(rec->arg, PR_BREAKGLASS_EVENT, r, METHOD, NULL, detail);
		bi->say(bi->arg, PR_BG_NOT_MADE, r, eb.msg[0] ? eb.msg : pr_strerror(r));
		return r;
	}
	if ((r = rec->record(rec->arg, PR_BREAKGLASS_EVENT, PR_OK, METHOD, NULL, detail)) != PR_OK) {
		/* Unrecorded: nobody may hold it. */
		pr_secret_strfree(code);
		(void)pr_breakglass_revoke(bi->cfg->state, bi->user, &eb);
		if (rec->undone != NULL)
			rec->undone(rec->arg);
		bi->say(bi->arg, PR_BG_NOT_SHOWN, r, NULL);
	}
	return r;
}

int pr_breakglass_issue(const struct pr_breakglass_issue *bi)
{
	struct pr_breakglass old;
	struct pr_errbuf eb = { 0 };
	char *code = NULL, detail[PR_BREAKGLASS_SERVICES_MAX + 128];
	bool replaces, replaced = false;
	int r;

	replaces = pr_breakglass_get(bi->cfg->state, bi->user, &old, &eb) == PR_OK &&
	    old.used == 0;
	explicit_bzero(&old, sizeof(old));
	issue_detail(bi, replaces, detail, sizeof(detail));
	pr_recorder_hold(bi->rec, true);
	r = issue_commit(bi, detail, &code, &replaced);
	pr_recorder_hold(bi->rec, false);
	if (r != PR_OK)
		return r;
	if (replaced)
		bi->say(bi->arg, PR_BG_REPLACED, PR_OK, NULL);
	bi->reveal(bi->arg, code, pr_now() + bi->lifetime);
	pr_secret_strfree(&code);
	return PR_OK;
}

/* ---- redeem --------------------------------------------------------------------------- */

/* The record's words for a refusal: fixed, never the input. */
static const char *refusal(int r)
{
	switch (r) {
	case PR_ERR_CODE_INVALID:
		return "wrong or used code";
	case PR_ERR_EXPIRED:
		return "code expired";
	case PR_ERR_PERM:
		return "code not for this service";
	case PR_ERR_NOT_FOUND:
		return "no code";
	case PR_ERR_LOCKED_OUT:
		return "locked";
	default:
		return "not checked";
	}
}

/* Counted failures: what a guess can produce; anything else (a use too) gives the try back. */
static bool counted(int r)
{
	return r == PR_ERR_CODE_INVALID || r == PR_ERR_EXPIRED || r == PR_ERR_PERM ||
	    r == PR_ERR_NOT_FOUND;
}

/* An administrator must know at once: syslog at LOG_ALERT, then the mail (its result). */
static int alert(const struct pr_breakglass_redeem *f, int64_t when)
{
	struct pr_errbuf eb = { 0 };
	char at[32];
	int r;

	syslog(LOG_AUTHPRIV | LOG_ALERT, "practicerunner: break glass: %s signed in with the "
	    "emergency code at %s (service %s, tty %s, rhost %s); review the audit log, then run "
	    "practicerunner-admin breakglass ack %s", f->user, pr_time_utc(when, at),
	    f->service != NULL ? f->service : "-", f->tty != NULL ? f->tty : "-",
	    f->rhost != NULL ? f->rhost : "-", f->user);
	r = pr_notify_breakglass(f->cfg, f->user, f->service, f->tty, when, &eb);
	if (r != PR_OK) {
		syslog(LOG_AUTHPRIV | LOG_ERR, "practicerunner: break-glass mail not sent: %s",
		    eb.msg[0] ? eb.msg : pr_strerror(r));
		f->rec->record(f->rec->arg, PR_BREAKGLASS_EVENT, r, METHOD, NULL, "mail not sent");
	}
	return r;
}

/*
 * The tally a try counts on: this machine's own, whatever the store. The
 * code works on this machine only, and must work when the clinic directory
 * does not answer (doc/ARCHITECTURE.md §6.4); with the files store it is
 * the recovery tally itself.
 */
static struct pr_state machine_tally(const struct pr_breakglass_redeem *f)
{
	struct pr_state st = { .dir = f->cfg->state->dir, .kind = PR_STORE_FILES };

	return st;
}

/* The tally after a refusal: the try kept (counted) or given back; a lock is recorded. */
static void settle_try(const struct pr_breakglass_redeem *f, int r)
{
	struct pr_state tally = machine_tally(f);
	struct pr_lockout after = { 0 };
	struct pr_errbuf eb = { 0 };

	if (f->user == NULL)
		return;
	if (!counted(r)) {
		(void)pr_lockout_release(&tally, f->user, NULL, &eb);
		return;
	}
	if (pr_lockout_get(&tally, f->user, &after, &eb) == PR_OK && after.locked)
		f->rec->record(f->rec->arg, "lockout", PR_ERR_LOCKED_OUT, METHOD, NULL,
		    "recovery and break glass locked");
}

static int consume(const struct pr_breakglass_redeem *f, const char *code, int64_t now)
{
	struct pr_errbuf eb = { 0 };

	return pr_breakglass_use(f->cfg->state, f->user, code, f->service, f->tty, now,
	    NULL, &eb);
}

int pr_breakglass_redeem(const struct pr_breakglass_redeem *f, const char *code,
    int *notice)
{
	const struct pr_recorder *rec = f->rec;
	struct pr_state machine = machine_tally(f);
	struct pr_lockout tally = { 0 };
	struct pr_errbuf eb = { 0 };
	int64_t now = pr_now();
	int r;

	*notice = PR_OK;
	if (f->user != NULL &&
	    (r = pr_lockout_reserve(&machine, f->user, now, &tally, &eb)) != PR_OK) {
		rec->record(rec->arg, PR_BREAKGLASS_EVENT, r, METHOD, NULL, refusal(r));
		return r;
	}
	pr_recorder_hold(rec, true);
	if ((r = rec->begin(rec->arg, PR_BREAKGLASS_EVENT, METHOD, NULL, "used")) != PR_OK) {
		rec->record(rec->arg, PR_BREAKGLASS_EVENT, r, METHOD, NULL, "not checked");
		settle_try(f, r);
		pr_recorder_hold(rec, false);
		return r;
	}
	r = consume(f, code, now);
	if (r != PR_OK) {
		rec->record(rec->arg, PR_BREAKGLASS_EVENT, r, METHOD, NULL, refusal(r));
		settle_try(f, r);
		pr_recorder_hold(rec, false);
		return r;
	}
	settle_try(f, PR_OK);       /* a use is no failure: its try is given back */
	r = rec->record(rec->arg, PR_BREAKGLASS_EVENT, PR_OK, METHOD, NULL, "used");
	pr_recorder_hold(rec, false);
	if (r != PR_OK)
		return PR_ERR_AUDIT;   /* the code is void all the same */
	*notice = alert(f, now);
	return PR_OK;
}
