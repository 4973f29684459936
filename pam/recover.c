/*
 * Recovery at the sign-in prompt (doc/ARCHITECTURE.md §4.5, §6.2): what
 * practicerunner-recover does, through the same flow (lib/recovery_flow.c):
 * this file asks, makes the key and words; the order and records are there.
 * Offered only when no enrolled key answered, on a service listed in
 * recovery.services, to an account under a physical-key requirement, and
 * only while a recovery ticket is active; with recovery.self_request and
 * no ticket, the user may have one mailed instead. Every other sign-in
 * never asks for a ticket or a code.
 *
 * Ticket, then one code consumed first, then the replacement key enrolled
 * on the spot, then a new code set shown once; the sign-in then succeeds
 * with method recovery-code. A failed enrollment after the code leaves the
 * ticket usable without another code until it expires. Each step is
 * recorded as practicerunner-recover records it; the user is notified by
 * mail of every code use, new code set and completed recovery.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "attest.h"
#include "enroll.h"
#include "err.h"
#include "module.h"
#include "recovery_flow.h"
#include "ticket.h"
#include "transport.h"
#include "util.h"

#define SECRET_MAX 256          /* longest ticket or code answer accepted */

struct rec {
	struct pam_tx *tx;
	struct pr_recovery rc;
	bool uniform;               /* the same offer for everyone (§4.7) */
	char *ticket;               /* uniform: typed before the flow; wiped */
	int answered;               /* uniform: pam_tx_secret's result for it */
	bool accepted;              /* the ticket was checked and accepted */
};

static bool no_key_answered(int failure)
{
	return failure == PR_ERR_NOT_ENROLLED || failure == PR_ERR_NO_DEVICE ||
	    failure == PR_ERR_NO_CREDENTIAL;
}

#define TICKET_PROMPT "Recovery ticket (press Enter to skip): "
#define MAIL_PROMPT "No security key answered. Mail yourself a recovery ticket? [y/N] "
#define NOT_ACCEPTED "That recovery ticket was not accepted; nothing was changed."
#define NOT_RECORDED "The new key was not enrolled because it could not be recorded. " \
	"Ask your administrator."
#define NO_NEW_CODES "Your new key is enrolled, but new recovery codes could not be made. " \
	"Ask your administrator for new codes."

static const char *tx_service(struct pam_tx *tx)
{
	const void *v = NULL;

	return pam_get_item(tx->pamh, PAM_SERVICE, &v) == PAM_SUCCESS ? v : NULL;
}

static void say_locked(struct pam_tx *tx)
{
	pam_tx_error(tx, "Recovery for %s is locked after too many failed attempts. Ask your "
	    "administrator to check and unlock it.", tx->s.user);
}

/* ---- the words ------------------------------------------------------------------------- */

static void say_ticket_refused(struct rec *x, int r, const char *why)
{
	struct pam_tx *tx = x->tx;

	if (x->uniform) {
		/* An account that cannot recover here reads what a wrong ticket reads. */
		if (why != NULL && r != PR_ERR_TICKET_INVALID && r != PR_ERR_NOT_FOUND &&
		    r != PR_ERR_EXPIRED && r != PR_ERR_LOCKED_OUT)
			pam_syslog(tx->pamh, LOG_ERR, "recovery ticket: %s", why);
		pam_tx_error(tx, NOT_ACCEPTED);
	} else if (r == PR_ERR_TICKET_INVALID) {
		pam_tx_error(tx, "That is not your recovery ticket; nothing was changed. After %d "
		    "failed tries the ticket is void.", PR_TICKET_MAX_FAILURES);
	} else if (r == PR_ERR_NOT_FOUND || r == PR_ERR_EXPIRED) {
		pam_tx_error(tx, "Your recovery ticket is no longer valid. Ask your administrator "
		    "for a new one.");
	} else if (r == PR_ERR_LOCKED_OUT) {
		say_locked(tx);
	} else if (r != PR_ERR_CANCELLED) {
		pam_syslog(tx->pamh, LOG_ERR, "recovery ticket: %s", why != NULL ? why : pr_strerror(r));
	}
}

static void say_ticket_accepted(struct rec *x)
{
	x->accepted = true;
	if (!x->uniform)
		return;
	/* The ticket is checked: from here on the words may be the account's own. */
	x->tx->s.used = NULL;
	pam_tx_info(x->tx, "Recovery ticket accepted. Enter one of your saved recovery codes "
	    "to enroll a new physical security key; leave it empty to cancel.");
}

static void say_code(struct pam_tx *tx, enum pr_recovery_said what, int r, const char *why)
{
	if (what == PR_REC_CODE_NOT_NEEDED)
		pam_tx_info(tx, "A recovery code was already used with this ticket: no code is "
		    "needed now.");
	else if (what == PR_REC_CODE_NOT_RECORDED)
		pam_tx_error(tx, "The recovery code was not checked, as it could not be recorded. "
		    "Ask your administrator.");
	else if (what == PR_REC_CODE_INVALID)
		pam_tx_error(tx, "That recovery code is not valid (wrong, already used, or from an "
		    "older set); nothing was changed. After %d failed tries the ticket is void.",
		    PR_TICKET_MAX_FAILURES);
	else if (what == PR_REC_CODE_UNMARKED)
		pam_tx_error(tx, "Warning: the ticket could not note that your code was used; if "
		    "the enrollment fails you will need another code.");
	else if (what == PR_REC_CODE_NOT_CHECKED) {
		/* The code was not checked (no try left, another run, state unreadable): not counted. */
		if (r == PR_ERR_LOCKED_OUT)
			say_locked(tx);
		pam_syslog(tx->pamh, LOG_ERR, "recovery code: %s", why != NULL ? why : pr_strerror(r));
	}
}

/* What went wrong with the new key, and that the ticket still works. */
static void explain_enroll_failure(struct rec *x, int r)
{
	struct pam_tx *tx = x->tx;
	char until[32];

	if (r == PR_ERR_NO_DEVICE)
		pam_tx_error(tx, "No security key found. Plug in your new physical security key.");
	else if (r == PR_ERR_TIMEOUT)
		pam_tx_error(tx, "The security key was not touched in time.");
	else if (r == PR_ERR_EXISTS)
		pam_tx_error(tx, "This key is already enrolled for you; use your new key.");
	else if (r != PR_ERR_CLASS)
		pam_tx_error(tx, "The new security key could not be enrolled.");
	pam_tx_error(tx, "No key was enrolled. Your recovery code has been used, but your ticket "
	    "stays usable until %s: sign in again with the same ticket (no code is needed) and "
	    "your new key.", pr_time_utc(x->rc.expires, until));
}

static void say_key(struct rec *x, enum pr_recovery_said what, int r, const char *why)
{
	struct pam_tx *tx = x->tx;

	if (what == PR_REC_KEY_PASSKEY)
		pam_tx_error(tx, "Refused: this key is a passkey. Recovery must restore a physical "
		    "security key, as your sign-in policy requires.");
	else if (what == PR_REC_KEY_FAILED)
		explain_enroll_failure(x, r);
	else if (what == PR_REC_KEY_NOT_RECORDED || what == PR_REC_KEY_UNDONE)
		pam_tx_error(tx, NOT_RECORDED);
	else if (what == PR_REC_KEY_LEFT)
		pam_tx_error(tx, "The new key is still enrolled although the recovery did not "
		    "complete. Ask your administrator to check your keys.");
	else if (what == PR_REC_COMMIT_FAILED) {
		pam_syslog(tx->pamh, LOG_ERR, "recovery: %s", why != NULL ? why : pr_strerror(r));
		pam_tx_error(tx, "The recovery could not be completed (the ticket expired or was "
		    "withdrawn meanwhile). Ask your administrator for a new ticket.");
	} else if (what == PR_REC_TALLY_NOT_RESET)
		pam_syslog(tx->pamh, LOG_ERR, "recovery: %s", why != NULL ? why : pr_strerror(r));
}

static void say_step(void *arg, enum pr_recovery_said what, int r, const char *why)
{
	struct rec *x = arg;

	switch (what) {
	case PR_REC_TICKET_REFUSED:
		say_ticket_refused(x, r, why);
		break;
	case PR_REC_TICKET_ACCEPTED:
		say_ticket_accepted(x);
		break;
	case PR_REC_LOCKED:
	case PR_REC_CODE_CANCELLED:
		break;
	case PR_REC_NOTICE_FAILED:
		/* A failure is logged and recorded, never an undo. */
		pam_syslog(x->tx->pamh, LOG_WARNING, "recovery notice not sent: %s",
		    why != NULL ? why : pr_strerror(r));
		break;
	case PR_REC_CODE_NOT_NEEDED:
	case PR_REC_CODE_NOT_RECORDED:
	case PR_REC_CODE_INVALID:
	case PR_REC_CODE_NOT_CHECKED:
	case PR_REC_CODE_UNMARKED:
		say_code(x->tx, what, r, why);
		break;
	default:
		say_key(x, what, r, why);
		break;
	}
}

/* ---- the questions --------------------------------------------------------------------- */

/* An answer that is not a ticket or code is checked as a wrong one; only a cancel is none. */
static int answered(int r)
{
	return r == PR_OK || r == PR_ERR_CANCELLED ? r : PR_ERR_INVALID_ARG;
}

static int ask_ticket(void *arg, char **ticket)
{
	struct rec *x = arg;
	char until[32];

	if (x->uniform) {
		/* Typed before the flow (recover_uniform): hand it over. */
		*ticket = x->ticket;
		x->ticket = NULL;
		return answered(x->answered);
	}
	pam_tx_info(x->tx, "No enrolled security key answered. You have a recovery ticket (valid "
	    "until %s): enter it and one of your saved recovery codes to enroll a new physical "
	    "security key. Leave it empty to cancel.", pr_time_utc(x->rc.expires, until));
	return answered(pam_tx_secret(x->tx, "Recovery ticket: ", SECRET_MAX, ticket));
}

/*
 * Uniform: the ticket is evaluated only after it was typed. An account that
 * cannot recover here (no account, no physical requirement, no ticket,
 * locked) reads what a wrong ticket reads, and nothing is counted for it; a
 * wrong ticket for an account that has one is counted as before.
 */
static int may_check(void *arg)
{
	struct rec *x = arg;
	struct pam_tx *tx = x->tx;
	struct pr_errbuf eb = { 0 };
	int r;

	if (!tx->s.user_known || tx->s.need != PR_NEED_PHYSICAL)
		return PR_ERR_PERM;
	r = pr_recovery_open(&x->rc, tx->cfg, tx_service(tx), tx->s.user, pr_now(), &eb);
	if (r != PR_OK && eb.msg[0] != '\0' && r != PR_ERR_NOT_FOUND && r != PR_ERR_EXPIRED &&
	    r != PR_ERR_LOCKED_OUT)
		pam_syslog(tx->pamh, LOG_ERR, "recovery ticket: %s", eb.msg);
	return r;
}

static int ask_code(void *arg, char **code)
{
	struct rec *x = arg;

	return answered(pam_tx_secret(x->tx, "Recovery code: ", SECRET_MAX, code));
}

/* makeCredential on the attached keys (the flow refuses anything but a physical key). */
static int make_key(void *arg, struct pr_cred *cred, struct pr_class_reason *reason)
{
	struct rec *x = arg;
	struct pam_tx *tx = x->tx;
	struct pr_devices devs = { .n = 0 };
	struct pr_errbuf eb = { 0 };
	struct pr_ui ui;
	struct pr_enroll_opts o;
	int r;

	/* NULL label: the default label, as practicerunner-recover gives. */
	if ((r = pr_enroll_opts_load(tx->cfg, tx->s.user, NULL, &o, &eb)) != PR_OK) {
		pam_syslog(tx->pamh, LOG_ERR, "trust anchors: %s", eb.msg);
		return r;
	}
	pam_tx_ui(tx, &ui);
	pam_tx_info(tx, "Now touch your new physical security key to enroll it.");
	if ((r = pr_devices_open(&devs)) == PR_OK)
		r = pr_enroll_make(&devs, &o, &tx->s.creds, &ui, cred, reason, NULL);
	pr_devices_close(&devs);
	pr_enroll_opts_clear(&o);
	return r;
}

static void recovered(void *arg, const struct pr_cred *cred,
    const struct pr_class_reason *reason)
{
	struct rec *x = arg;

	(void)cred;
	(void)reason;
	pam_tx_info(x->tx, "Recovery complete: your new security key is enrolled.%s",
	    x->tx->s.creds.n > 0 ? " Your earlier keys are still enrolled; if one was lost or "
	    "stolen, ask your administrator to remove it now." : "");
}

/* ---- new codes ------------------------------------------------------------------------- */

/* All codes in one message (a screen locker may show each message alone); wiped after. */
static void show_codes(void *arg, char *const *codes, int n)
{
	struct rec *x = arg;
	size_t size = 512 + (size_t)n * 32, o = 0;
	char *text = malloc(size);

	if (text == NULL)
		return;
	o += (size_t)snprintf(text + o, size - o, "Your new recovery codes (shown only this "
	    "once; store them safely, apart from your security key; each works once, and your "
	    "earlier codes no longer work):\n");
	for (int i = 0; i < n && o < size; i++)
		o += (size_t)snprintf(text + o, size - o, "  %2d. %s\n", i + 1, codes[i]);
	pam_prompt(x->tx->pamh, PAM_TEXT_INFO, NULL, "%s", text);
	pr_secret_free(&text, size);
}

/* A new set after the recovery; never undoes it. */
static void say_codes(void *arg, enum pr_codes_said what, int r, const char *why)
{
	struct rec *x = arg;
	struct pam_tx *tx = x->tx;

	if (what == PR_CODES_NOT_MADE) {
		if (why != NULL)
			pam_syslog(tx->pamh, LOG_ERR, "recovery codes: %s", why);
		pam_tx_error(tx, NO_NEW_CODES);
	} else if (what == PR_CODES_NOT_SHOWN) {
		/* The set is in place but unrecorded: not handed out. */
		pam_tx_error(tx, "Your new key is enrolled, but the new recovery codes were not "
		    "shown because they could not be recorded. Ask your administrator.");
	} else {
		say_step(x, PR_REC_NOTICE_FAILED, r, why);
	}
}

/* ---- the flows ------------------------------------------------------------------------- */

/* Ticket, code, new key, its record, new codes: lib/recovery_flow.c over this conversation. */
static int rec_run(struct rec *x)
{
	struct pr_recorder rec;
	struct pr_recovery_flow f = {
		.rc = &x->rc, .rec = &rec, .ask_ticket = ask_ticket,
		.may_check = x->uniform ? may_check : NULL, .ask_code = ask_code,
		.make_key = make_key, .say = say_step, .recovered = recovered, .arg = x,
		.codes = { .reveal = show_codes, .say = say_codes, .arg = x },
	};

	pam_tx_recorder(x->tx, &rec);
	return pr_recovery_complete(&f);
}

/* What a recovery that was entered ends as: a cancel is the key's failure again. */
static int rec_outcome(struct pam_tx *tx, int r, int failure)
{
	if (r == PR_ERR_CANCELLED)
		return failure;
	tx->explained = true;
	if (r == PR_OK)
		tx->s.method = "recovery-code";
	return r;
}

/* recovery.self_request: mail a ticket to the user's own address, on request. */
static void rec_request(struct pam_tx *tx)
{
	struct pr_errbuf eb = { 0 };
	int64_t expires = 0;
	char until[32];
	int r;

	if (!pam_tx_yes(tx, "No security key answered. Mail yourself a recovery ticket? [y/N] "))
		return;
	r = pr_recovery_request(tx->cfg, tx->s.user, pr_now(), &expires, &eb);
	pam_tx_audit_step(tx, "recovery-ticket", r, NULL, NULL,
	    r == PR_OK ? "requested, mailed" : "requested");
	tx->explained = true;
	if (r == PR_OK)
		pam_tx_info(tx, "A recovery ticket was mailed to you, valid until %s. Sign in again "
		    "with it and one of your saved recovery codes.", pr_time_utc(expires, until));
	else if (r == PR_ERR_EXISTS)
		pam_tx_info(tx, "A recovery ticket was mailed to you recently; use that one, or ask "
		    "your administrator.");
	else if (r == PR_ERR_LOCKED_OUT)
		say_locked(tx);
	else {
		pam_syslog(tx->pamh, LOG_ERR, "recovery ticket request: %s", eb.msg);
		pam_tx_error(tx, "The recovery ticket could not be sent. Ask your administrator.");
	}
}

/*
 * show_status: the offer as it tells the account apart (only to an account
 * under a physical requirement, only with a ticket, or the mail offer).
 */
static int recover_told(struct pam_tx *tx, int failure)
{
	struct pr_errbuf eb = { 0 };
	struct rec x = { .tx = tx };
	int r;

	if (!no_key_answered(failure) || tx->s.need != PR_NEED_PHYSICAL)
		return failure;
	if (pr_recovery_open(&x.rc, tx->cfg, tx_service(tx), tx->s.user, pr_now(), &eb) != PR_OK) {
		/* An admin promised a ticket that never shows: say why. */
		if (eb.msg[0] != '\0')
			pam_syslog(tx->pamh, LOG_ERR, "recovery not offered: %s", eb.msg);
		if (tx->cfg->recovery.self_request)
			rec_request(tx);
		return failure;
	}
	tx->s.used = NULL;        /* the failed attempt's key is not this sign-in's evidence */
	r = rec_run(&x);
	return rec_outcome(tx, r, failure);
}

/* ---- the same offer for everyone (doc/ARCHITECTURE.md §4.7) ----------------------------- */

/*
 * The mail offer after a skipped ticket, to everyone: a ticket is issued
 * only to an account under a physical requirement, and the answer is the
 * same whether one was issued, one was mailed recently, or none can be.
 */
static void uniform_request(struct pam_tx *tx)
{
	struct pr_errbuf eb = { 0 };
	int64_t expires = 0;
	int r = PR_ERR_PERM;

	if (!tx->cfg->recovery.self_request || !pam_tx_yes(tx, MAIL_PROMPT))
		return;
	if (tx->s.user_known && tx->s.need == PR_NEED_PHYSICAL)
		r = pr_recovery_request(tx->cfg, tx->s.user, pr_now(), &expires, &eb);
	pam_tx_audit_step(tx, "recovery-ticket", r, NULL, NULL,
	    r == PR_OK ? "requested, mailed" : r == PR_ERR_PERM ? "requested, not offered" :
	    "requested");
	if (r != PR_OK && r != PR_ERR_PERM && r != PR_ERR_EXISTS && r != PR_ERR_LOCKED_OUT)
		pam_syslog(tx->pamh, LOG_ERR, "recovery ticket request: %s", eb.msg);
	pam_tx_info(tx, "If this account can be recovered, a recovery ticket is mailed to its "
	    "owner (at most one per %d minutes). Sign in again with it and one of your saved "
	    "recovery codes, or ask your administrator.",
	    (int)((tx->cfg->recovery.ticket_lifetime + 59) / 60));
}

static int recover_uniform(struct pam_tx *tx, int failure)
{
	struct rec x = { .tx = tx, .uniform = true };
	int r;

	if ((x.answered = pam_tx_secret(tx, TICKET_PROMPT, SECRET_MAX, &x.ticket)) ==
	    PR_ERR_CANCELLED) {
		uniform_request(tx);
		return failure;
	}
	r = rec_run(&x);
	pr_secret_strfree(&x.ticket);
	if (!x.accepted) {
		tx->explained = true;
		return failure;
	}
	return rec_outcome(tx, r, failure);
}

int pam_tx_recover(struct pam_tx *tx, int failure)
{
	/* Recovery needs prompts and shows codes: never on a silent call. */
	if (tx->silent || !pr_recovery_service_listed(tx->cfg, tx_service(tx)))
		return failure;
	if (tx->opts.show_status)
		return recover_told(tx, failure);
	if (!no_key_answered(failure) && failure != PR_ERR_NOT_FOUND)
		return failure;
	/* A name that is no account, where staff need no key, sees what such staff see. */
	if (failure == PR_ERR_NOT_FOUND && tx->s.need == PR_NEED_NONE)
		return failure;
	return recover_uniform(tx, failure);
}
