/*
 * Recovery at the sign-in prompt (doc/ARCHITECTURE.md §4.5, §6.2): what
 * practicerunner-recover does, through the same steps (lib/recovery.c).
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
#include "codes.h"
#include "enroll.h"
#include "err.h"
#include "lockout.h"
#include "module.h"
#include "notify.h"
#include "recovery.h"
#include "ticket.h"
#include "transport.h"
#include "util.h"

#define SECRET_MAX 256          /* longest ticket or code answer accepted */

struct rec {
	struct pam_tx *tx;
	struct pr_recovery rc;
	char *ticket;               /* wiped */
};

static bool no_key_answered(int failure)
{
	return failure == PR_ERR_NOT_ENROLLED || failure == PR_ERR_NO_DEVICE ||
	    failure == PR_ERR_NO_CREDENTIAL;
}

#define TICKET_PROMPT "Recovery ticket (press Enter to skip): "
#define MAIL_PROMPT "No security key answered. Mail yourself a recovery ticket? [y/N] "
#define NOT_ACCEPTED "That recovery ticket was not accepted; nothing was changed."

static const char *tx_service(struct pam_tx *tx)
{
	const void *v = NULL;

	return pam_get_item(tx->pamh, PAM_SERVICE, &v) == PAM_SUCCESS ? v : NULL;
}

/* Mail the notice; a failure is logged and recorded, never an undo. */
static void notify(struct rec *x, enum pr_notice kind, const char *event)
{
	struct pr_errbuf eb = { "" };
	int r;

	if ((r = pr_notify(x->tx->cfg, x->tx->s.user, kind, pr_now(), &eb)) == PR_OK)
		return;
	pam_syslog(x->tx->pamh, LOG_WARNING, "recovery notice not sent: %s", eb.msg);
	pam_tx_audit_step(x->tx, event, r, NULL, NULL, "notice not sent");
}

/* After a counted failure: record the lockout it caused, if any. */
static void record_if_locked(struct rec *x)
{
	if (x->rc.tally.locked)
		pam_tx_audit_step(x->tx, "lockout", PR_ERR_LOCKED_OUT, "recovery-code", NULL,
		    "recovery locked");
}

static void say_locked(struct pam_tx *tx)
{
	pam_tx_error(tx, "Recovery for %s is locked after too many failed attempts. Ask your "
	    "administrator to check and unlock it.", tx->s.user);
}

/* ---- ticket and code ------------------------------------------------------------------- */

static int rec_ticket(struct rec *x)
{
	struct pam_tx *tx = x->tx;
	struct pr_errbuf eb = { "" };
	char until[32];
	int r;

	pam_tx_info(tx, "No enrolled security key answered. You have a recovery ticket (valid "
	    "until %s): enter it and one of your saved recovery codes to enroll a new physical "
	    "security key. Leave it empty to cancel.", pr_time_utc(x->rc.expires, until));
	r = pam_tx_secret(tx, "Recovery ticket: ", SECRET_MAX, &x->ticket);
	if (r == PR_ERR_CANCELLED) {
		pam_tx_audit_step(tx, "recovery-ticket", r, NULL, NULL, NULL);
		return r;
	}
	r = pr_recovery_ticket(&x->rc, r == PR_OK ? x->ticket : NULL, pr_now(), &eb);
	if (r == PR_OK) {
		pam_tx_audit_step(tx, "recovery-ticket", PR_OK, NULL, NULL,
		    x->rc.code_used ? "accepted, code already used" : "accepted");
		return PR_OK;
	}
	pam_tx_audit_step(tx, "recovery-ticket", r, NULL, NULL, NULL);
	if (r == PR_ERR_TICKET_INVALID) {
		record_if_locked(x);
		pam_tx_error(tx, "That is not your recovery ticket; nothing was changed. After %d "
		    "failed tries the ticket is void.", PR_TICKET_MAX_FAILURES);
	} else if (r == PR_ERR_NOT_FOUND || r == PR_ERR_EXPIRED) {
		pam_tx_error(tx, "Your recovery ticket is no longer valid. Ask your administrator "
		    "for a new one.");
	} else if (r == PR_ERR_LOCKED_OUT) {
		say_locked(tx);
	} else {
		pam_syslog(tx->pamh, LOG_ERR, "recovery ticket: %s", eb.msg);
	}
	return r;
}

static int rec_code(struct rec *x)
{
	struct pam_tx *tx = x->tx;
	struct pr_errbuf eb = { "" };
	char *code = NULL;
	int r;

	if (x->rc.code_used) {
		pam_tx_info(tx, "A recovery code was already used with this ticket: no code is "
		    "needed now.");
		return PR_OK;
	}
	if ((r = pam_tx_secret(tx, "Recovery code: ", SECRET_MAX, &code)) == PR_ERR_CANCELLED) {
		pam_tx_audit_step(tx, "recovery-code", r, "recovery-code", NULL, NULL);
		return r;
	}
	/* A code checked is a change either way: consumed, or a failure counted. */
	if (pam_tx_audit_begin(tx, "recovery-code", "recovery-code", NULL, "consumed") != PR_OK) {
		pr_secret_strfree(&code);
		pam_tx_audit_step(tx, "recovery-code", PR_ERR_AUDIT, "recovery-code", NULL, NULL);
		pam_tx_error(tx, "The recovery code was not checked, as it could not be recorded. "
		    "Ask your administrator.");
		return PR_ERR_AUDIT;
	}
	r = pr_recovery_code(&x->rc, x->ticket, r == PR_OK ? code : NULL, pr_now(), &eb);
	pr_secret_strfree(&code);
	if (r == PR_ERR_CODE_INVALID) {
		pam_tx_audit_step(tx, "recovery-code", r, "recovery-code", NULL,
		    x->rc.no_code_set ? "no code set" : NULL);
		record_if_locked(x);
		pam_tx_error(tx, "That recovery code is not valid (wrong, already used, or from an "
		    "older set); nothing was changed. After %d failed tries the ticket is void.",
		    PR_TICKET_MAX_FAILURES);
		return r;
	}
	if (r == PR_ERR_LOCKED_OUT)
		say_locked(tx);
	if (r != PR_OK) {
		/* The code was not checked (no try left, another run, state unreadable): not counted. */
		pam_syslog(tx->pamh, LOG_ERR, "recovery code: %s", eb.msg);
		pam_tx_audit_step(tx, "recovery-code", r, "recovery-code", NULL, NULL);
		return r;
	}
	pam_tx_audit_step(tx, "recovery-code", PR_OK, "recovery-code", NULL, "consumed");
	if (x->rc.mark_failed)
		pam_tx_error(tx, "Warning: the ticket could not note that your code was used; if "
		    "the enrollment fails you will need another code.");
	notify(x, PR_NOTICE_CODE_USED, "recovery-code");
	return PR_OK;
}

/* ---- the replacement key --------------------------------------------------------------- */

/* makeCredential on the attached keys; only a physical key will do. */
static int rec_make(struct rec *x, struct pr_cred *cred)
{
	struct pam_tx *tx = x->tx;
	struct pr_devices devs = { .n = 0 };
	struct pr_errbuf eb = { "" };
	struct pr_ui ui;
	char why[256] = "";
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
		r = pr_enroll_make(&devs, &o, &tx->s.creds, &ui, cred, why, sizeof(why));
	pr_devices_close(&devs);
	pr_enroll_opts_clear(&o);
	if (r == PR_OK && cred->cls != PR_CLASS_PHYSICAL) {
		pam_tx_audit_step(tx, "enroll", PR_ERR_CLASS, NULL, cred,
		    "recovery, refused by policy");
		pam_tx_error(tx, "Refused: this key is a passkey. Recovery must restore a physical "
		    "security key, as your sign-in policy requires.");
		return PR_ERR_CLASS;
	}
	if (r != PR_OK)
		pam_tx_audit_step(tx, "enroll", r, NULL, NULL, "recovery");
	return r;
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

/* Store with the ticket finished, record; the key comes out again if it cannot be recorded. */
static int rec_commit(struct rec *x, const struct pr_cred *cred)
{
	struct pam_tx *tx = x->tx;
	struct pr_errbuf eb = { "" };
	int r;

	if ((r = pam_tx_audit_begin(tx, "enroll", NULL, cred, "recovery")) != PR_OK) {
		pam_tx_audit_step(tx, "enroll", r, NULL, cred, "recovery");
		pam_tx_error(tx, "The new key was not enrolled because it could not be recorded. "
		    "Ask your administrator.");
		return r;
	}
	if ((r = pr_recovery_commit(&x->rc, x->ticket, cred, pr_now(), &eb)) != PR_OK) {
		pam_syslog(tx->pamh, LOG_ERR, "recovery: %s", eb.msg);
		pam_tx_audit_step(tx, "enroll", r, NULL, cred, "recovery");
		pam_tx_error(tx, "The recovery could not be completed (the ticket expired or was "
		    "withdrawn meanwhile). Ask your administrator for a new ticket.");
		return r;
	}
	if (pam_tx_audit_step(tx, "enroll", PR_OK, NULL, cred, "recovery") != PR_OK) {
		pr_recovery_undo(&x->rc, cred);
		pr_signin_step_undone(&tx->s);
		pam_tx_error(tx, "The new key was not enrolled because it could not be recorded. "
		    "Ask your administrator.");
		return PR_ERR_AUDIT;
	}
	if (pr_recovery_done(&x->rc, &eb) != PR_OK)
		pam_syslog(tx->pamh, LOG_ERR, "recovery: %s", eb.msg);
	pam_tx_audit_step(tx, "recovery-ticket", PR_OK, NULL, NULL, "recovery completed");
	notify(x, PR_NOTICE_RECOVERY_DONE, "recovery-ticket");
	return PR_OK;
}

/* ---- new codes ------------------------------------------------------------------------- */

/* All codes in one message (a screen locker may show each message alone); wiped after. */
static void show_codes(struct pam_tx *tx, char **codes, int n)
{
	size_t size = 512 + (size_t)n * 32, o = 0;
	char *text = malloc(size);

	if (text == NULL)
		return;
	o += (size_t)snprintf(text + o, size - o, "Your new recovery codes (shown only this "
	    "once; store them safely, apart from your security key; each works once, and your "
	    "earlier codes no longer work):\n");
	for (int i = 0; i < n && o < size; i++)
		o += (size_t)snprintf(text + o, size - o, "  %2d. %s\n", i + 1, codes[i]);
	pam_prompt(tx->pamh, PAM_TEXT_INFO, NULL, "%s", text);
	pr_secret_free(&text, size);
}

/* A fresh set replacing the old one, recorded, then shown once. Never undoes the recovery. */
static void rec_new_codes(struct rec *x)
{
	struct pam_tx *tx = x->tx;
	struct pr_errbuf eb = { "" };
	char **codes = NULL, detail[32];
	int n = tx->cfg->recovery.codes, r;

	snprintf(detail, sizeof(detail), "%d-codes", n);
	if (pam_tx_audit_begin(tx, "codes-generated", NULL, NULL, detail) != PR_OK) {
		pam_tx_audit_step(tx, "codes-generated", PR_ERR_AUDIT, NULL, NULL, "generate failed");
		pam_tx_error(tx, "Your new key is enrolled, but new recovery codes could not be "
		    "made. Ask your administrator for new codes.");
		return;
	}
	if ((r = pr_codes_generate(tx->cfg->state_dir, tx->s.user, n, pr_now(), &codes,
	    &eb)) != PR_OK) {
		pam_syslog(tx->pamh, LOG_ERR, "recovery codes: %s", eb.msg);
		pam_tx_audit_step(tx, "codes-generated", r, NULL, NULL, "generate failed");
		pam_tx_error(tx, "Your new key is enrolled, but new recovery codes could not be "
		    "made. Ask your administrator for new codes.");
		return;
	}
	if (pam_tx_audit_step(tx, "codes-generated", PR_OK, NULL, NULL, detail) != PR_OK) {
		/* The set is in place but unrecorded: do not hand it out. */
		pam_tx_error(tx, "Your new key is enrolled, but the new recovery codes were not "
		    "shown because they could not be recorded. Ask your administrator.");
	} else {
		show_codes(tx, codes, n);
		notify(x, PR_NOTICE_CODES_NEW, "recovery-code");
	}
	pr_codes_free(&codes, n);
}

/* ---- the flows ------------------------------------------------------------------------- */

/* After the ticket: one code, the new key, its record, new codes. */
static int rec_after_ticket(struct rec *x)
{
	struct pr_cred cred = { 0 };
	int r;

	if ((r = rec_code(x)) != PR_OK)
		return r;
	if ((r = rec_make(x, &cred)) != PR_OK) {
		explain_enroll_failure(x, r);
		goto done;
	}
	if ((r = rec_commit(x, &cred)) != PR_OK)
		goto done;
	pam_tx_info(x->tx, "Recovery complete: your new security key is enrolled.%s",
	    x->tx->s.creds.n > 0 ? " Your earlier keys are still enrolled; if one was lost or "
	    "stolen, ask your administrator to remove it now." : "");
	rec_new_codes(x);
done:
	pr_cred_clear(&cred);
	return r;
}

static int rec_run(struct rec *x)
{
	int r;

	if ((r = rec_ticket(x)) != PR_OK)
		return r;
	return rec_after_ticket(x);
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
	struct pr_errbuf eb = { "" };
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
	struct pr_errbuf eb = { "" };
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
	pr_secret_strfree(&x.ticket);
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
	struct pr_errbuf eb = { "" };
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

/*
 * The ticket, evaluated only after it was typed: an account that cannot
 * recover here (no account, no physical requirement, no ticket, locked)
 * reads what a wrong ticket reads, and nothing is counted for it; a wrong
 * ticket for an account that has one is counted as before (lib/recovery.c).
 */
static int uniform_ticket(struct rec *x, int answered)
{
	struct pam_tx *tx = x->tx;
	struct pr_errbuf eb = { "" };
	int r = PR_ERR_PERM;

	if (tx->s.user_known && tx->s.need == PR_NEED_PHYSICAL &&
	    (r = pr_recovery_open(&x->rc, tx->cfg, tx_service(tx), tx->s.user, pr_now(),
	    &eb)) == PR_OK)
		r = pr_recovery_ticket(&x->rc, answered == PR_OK ? x->ticket : NULL, pr_now(), &eb);
	if (r == PR_OK) {
		pam_tx_audit_step(tx, "recovery-ticket", PR_OK, NULL, NULL,
		    x->rc.code_used ? "accepted, code already used" : "accepted");
		pam_tx_info(tx, "Recovery ticket accepted. Enter one of your saved recovery codes "
		    "to enroll a new physical security key; leave it empty to cancel.");
		return PR_OK;
	}
	if (eb.msg[0] != '\0' && r != PR_ERR_TICKET_INVALID && r != PR_ERR_NOT_FOUND &&
	    r != PR_ERR_EXPIRED && r != PR_ERR_LOCKED_OUT)
		pam_syslog(tx->pamh, LOG_ERR, "recovery ticket: %s", eb.msg);
	pam_tx_audit_step(tx, "recovery-ticket", r, NULL, NULL,
	    r == PR_ERR_PERM ? "not offered to this account" : NULL);
	if (r == PR_ERR_TICKET_INVALID)
		record_if_locked(x);
	pam_tx_error(tx, NOT_ACCEPTED);
	return r;
}

static int recover_uniform(struct pam_tx *tx, int failure)
{
	struct rec x = { .tx = tx };
	int r;

	if ((r = pam_tx_secret(tx, TICKET_PROMPT, SECRET_MAX, &x.ticket)) == PR_ERR_CANCELLED) {
		uniform_request(tx);
		return failure;
	}
	if (uniform_ticket(&x, r) != PR_OK) {
		pr_secret_strfree(&x.ticket);
		tx->explained = true;
		return failure;
	}
	/* The ticket is checked: from here on the words may be the account's own. */
	tx->s.used = NULL;
	r = rec_after_ticket(&x);
	pr_secret_strfree(&x.ticket);
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
