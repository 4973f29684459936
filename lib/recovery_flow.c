/*
 * The order of a recovery and its records (recovery_flow.h), over the
 * steps of recovery.c. Each change is made inside the front end's hold
 * with its record: the code consumed is on file before it is checked, the
 * key's record before it is stored, and a key whose record fails is taken
 * back, so the log never misses a change (doc/ARCHITECTURE.md §8.3).
 */
#include "config.h"

#include "notify.h"
#include "recovery_flow.h"
#include "util.h"

static int record(const struct pr_recovery_flow *f, const char *event, int err,
    const char *method, const struct pr_cred *cred, const char *detail)
{
	return f->rec->record(f->rec->arg, event, err, method, cred, detail);
}

static void say(const struct pr_recovery_flow *f, enum pr_recovery_said what, int err,
    const struct pr_errbuf *eb)
{
	f->say(f->arg, what, err, eb != NULL && eb->msg[0] != '\0' ? eb->msg : NULL);
}

/* After a counted failure: the lockout it caused, if any, recorded and said. */
static void record_if_locked(const struct pr_recovery_flow *f)
{
	if (!f->rc->tally.locked)
		return;
	record(f, "lockout", PR_ERR_LOCKED_OUT, "recovery-code", NULL, "recovery locked");
	say(f, PR_REC_LOCKED, PR_ERR_LOCKED_OUT, NULL);
}

/* A notice that cannot be sent is said and recorded under event; it undoes nothing. */
static void notify(const struct pr_recovery_flow *f, enum pr_notice kind, const char *event)
{
	struct pr_errbuf eb = { 0 };
	int r;

	if ((r = pr_notify(f->rc->cfg, f->rc->user, kind, pr_now(), &eb)) == PR_OK)
		return;
	f->say(f->arg, PR_REC_NOTICE_FAILED, r, eb.msg[0] ? eb.msg : pr_strerror(r));
	record(f, event, r, NULL, NULL, "notice not sent");
}

/* ---- ticket ------------------------------------------------------------------------ */

/* The answer checked (counted when wrong) and recorded, one change under the hold. */
static int check_ticket(struct pr_recovery_flow *f, int answered, const char *ticket,
    struct pr_errbuf *eb)
{
	int r = f->may_check != NULL ? f->may_check(f->arg) : PR_OK;

	if (r == PR_OK)
		r = pr_recovery_ticket(f->rc, answered == PR_OK ? ticket : NULL, pr_now(), eb);
	if (r == PR_OK) {
		record(f, "recovery-ticket", PR_OK, NULL, NULL,
		    f->rc->code_used ? "accepted, code already used" : "accepted");
		return PR_OK;
	}
	record(f, "recovery-ticket", r, NULL, NULL,
	    r == PR_ERR_PERM ? "not offered to this account" : NULL);
	return r;
}

static int flow_ticket(struct pr_recovery_flow *f, char **ticket)
{
	struct pr_errbuf eb = { 0 };
	int r;

	r = f->ask_ticket(f->arg, ticket);
	if (r == PR_OK || r == PR_ERR_INVALID_ARG) {
		pr_recorder_hold(f->rec, true);
		r = check_ticket(f, r, *ticket, &eb);
		pr_recorder_hold(f->rec, false);
	} else {
		record(f, "recovery-ticket", r, NULL, NULL, NULL);
	}
	if (r == PR_OK) {
		say(f, PR_REC_TICKET_ACCEPTED, PR_OK, NULL);
		return PR_OK;
	}
	say(f, PR_REC_TICKET_REFUSED, r, &eb);
	if (r == PR_ERR_TICKET_INVALID)
		record_if_locked(f);
	return r;
}

/* ---- code -------------------------------------------------------------------------- */

/* The code checked: consumed, or a failure counted; its record begun before. */
static int check_code(struct pr_recovery_flow *f, const char *ticket, const char *code,
    struct pr_errbuf *eb)
{
	const struct pr_recorder *rec = f->rec;
	int r;

	if ((r = rec->begin(rec->arg, "recovery-code", "recovery-code", NULL, "consumed")) !=
	    PR_OK) {
		record(f, "recovery-code", r, "recovery-code", NULL, NULL);
		say(f, PR_REC_CODE_NOT_RECORDED, r, NULL);
		return r;
	}
	r = pr_recovery_code(f->rc, ticket, code, pr_now(), eb);
	if (r == PR_ERR_CODE_INVALID) {
		record(f, "recovery-code", r, "recovery-code", NULL,
		    f->rc->no_code_set ? "no code set" : NULL);
		say(f, PR_REC_CODE_INVALID, r, eb);
		record_if_locked(f);
	} else if (r != PR_OK) {
		/* Not evaluated (no try left, another run, state unreadable): not counted. */
		record(f, "recovery-code", r, "recovery-code", NULL, NULL);
		say(f, PR_REC_CODE_NOT_CHECKED, r, eb);
	} else {
		record(f, "recovery-code", PR_OK, "recovery-code", NULL, "consumed");
	}
	return r;
}

/* Unless one was consumed under this ticket already, one code, consumed before anything else. */
static int flow_code(struct pr_recovery_flow *f, const char *ticket)
{
	struct pr_errbuf eb = { 0 };
	char *code = NULL;
	int r;

	if (f->rc->code_used) {
		say(f, PR_REC_CODE_NOT_NEEDED, PR_OK, NULL);
		return PR_OK;
	}
	if ((r = f->ask_code(f->arg, &code)) == PR_ERR_CANCELLED) {
		record(f, "recovery-code", r, "recovery-code", NULL, NULL);
		say(f, PR_REC_CODE_CANCELLED, r, NULL);
		return r;
	}
	pr_recorder_hold(f->rec, true);
	r = check_code(f, ticket, r == PR_OK ? code : NULL, &eb);
	pr_secret_strfree(&code);
	pr_recorder_hold(f->rec, false);
	if (r != PR_OK)
		return r;
	if (f->rc->mark_failed)
		say(f, PR_REC_CODE_UNMARKED, PR_OK, NULL);
	notify(f, PR_NOTICE_CODE_USED, "recovery-code");
	return PR_OK;
}

/* ---- the replacement key ----------------------------------------------------------- */

/*
 * The ticket could not be finished and the key stored for it could not be
 * taken back: the key is enrolled, so it is recorded as an enrollment (whose
 * intent stays if that record fails too), and the recovery as not done.
 */
static int key_left(struct pr_recovery_flow *f, const struct pr_cred *cred, int err)
{
	record(f, "enroll", PR_OK, NULL, cred,
	    "recovery not completed; the key could not be taken back and stays stored");
	record(f, "recovery-ticket", err, NULL, NULL, "not completed");
	say(f, PR_REC_KEY_LEFT, err, NULL);
	return err;
}

/* Store with the ticket finished, record; the key comes out again if it cannot be recorded. */
static int commit_key(struct pr_recovery_flow *f, const char *ticket,
    const struct pr_cred *cred)
{
	const struct pr_recorder *rec = f->rec;
	struct pr_errbuf eb = { 0 };
	int r;

	if ((r = rec->begin(rec->arg, "enroll", NULL, cred, "recovery")) != PR_OK) {
		record(f, "enroll", r, NULL, cred, "recovery");
		say(f, PR_REC_KEY_NOT_RECORDED, r, NULL);
		return r;
	}
	if ((r = pr_recovery_commit(f->rc, ticket, cred, pr_now(), &eb)) != PR_OK) {
		if (f->rc->key_left)
			return key_left(f, cred, r);
		record(f, "enroll", r, NULL, cred, "recovery");
		say(f, PR_REC_COMMIT_FAILED, r, &eb);
		return r;
	}
	if (record(f, "enroll", PR_OK, NULL, cred, "recovery") != PR_OK) {
		if (pr_recovery_undo(f->rc, cred) != PR_OK) {
			/* The intent stays: the next record written tells of the key. */
			say(f, PR_REC_KEY_LEFT, PR_ERR_AUDIT, NULL);
			return PR_ERR_AUDIT;
		}
		rec->undone(rec->arg);
		say(f, PR_REC_KEY_UNDONE, PR_ERR_AUDIT, NULL);
		return PR_ERR_AUDIT;
	}
	if (pr_recovery_done(f->rc, &eb) != PR_OK)
		say(f, PR_REC_TALLY_NOT_RESET, PR_OK, &eb);
	record(f, "recovery-ticket", PR_OK, NULL, NULL, "recovery completed");
	return PR_OK;
}

/* Made on the device, refused unless physical, then committed under the hold. */
static int flow_key(struct pr_recovery_flow *f, const char *ticket, struct pr_cred *cred,
    struct pr_class_reason *reason)
{
	int r;

	if ((r = f->make_key(f->arg, cred, reason)) != PR_OK) {
		record(f, "enroll", r, NULL, NULL, "recovery");
		f->say(f->arg, PR_REC_KEY_FAILED, r, NULL);
		return r;
	}
	if (cred->cls != PR_CLASS_PHYSICAL) {
		record(f, "enroll", PR_ERR_CLASS, NULL, cred, "recovery, refused by policy");
		f->say(f->arg, PR_REC_KEY_PASSKEY, PR_ERR_CLASS, reason->text);
		f->say(f->arg, PR_REC_KEY_FAILED, PR_ERR_CLASS, NULL);
		return PR_ERR_CLASS;
	}
	pr_recorder_hold(f->rec, true);
	r = commit_key(f, ticket, cred);
	pr_recorder_hold(f->rec, false);
	return r;
}

/* ---- the flow ---------------------------------------------------------------------- */

/* After a recovery: a fresh set replacing the old one; it never undoes the recovery. */
static void flow_codes(struct pr_recovery_flow *f)
{
	f->codes.cfg = f->rc->cfg;
	f->codes.user = f->rc->user;
	f->codes.rec = f->rec;
	f->codes_err = pr_codes_issue(&f->codes);
}

int pr_recovery_complete(struct pr_recovery_flow *f)
{
	struct pr_cred cred = { 0 };
	struct pr_class_reason reason = { "" };
	char *ticket = NULL;
	int r;

	f->codes_err = PR_OK;
	if ((r = flow_ticket(f, &ticket)) != PR_OK)
		goto out;
	if ((r = flow_code(f, ticket)) != PR_OK)
		goto out;
	if ((r = flow_key(f, ticket, &cred, &reason)) != PR_OK)
		goto out;
	pr_secret_strfree(&ticket);
	notify(f, PR_NOTICE_RECOVERY_DONE, "recovery-ticket");
	f->recovered(f->arg, &cred, &reason);
	flow_codes(f);
out:
	pr_secret_strfree(&ticket);
	pr_cred_clear(&cred);
	return r;
}
