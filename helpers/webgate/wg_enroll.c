/*
 * Browser enrollment with an invitation, inside a pending sign-in the VPN
 * side made (wg_enroll.h): only for that sign-in's user, from its client
 * address when bound, at most PR_WP_INVITE_TRIES wrong invitations per
 * sign-in (never counted against the invitation), and the sign-in goes on
 * to an assertion by the new key afterwards.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "audit_event.h"
#include "audit_intent.h"
#include "enroll.h"
#include "invite.h"
#include "keychange.h"
#include "policy.h"
#include "roles.h"
#include "util.h"
#include "webauthn/wa_register.h"
#include "wg_enroll.h"

#define LABEL "browser"

struct enroll_ctx {
	const struct pr_config *cfg;
	struct pr_wp_entry *e;          /* the pending sign-in */
	const char *user;               /* a known account, else NULL */
	enum pr_role role;
	const char *rhost, *user_agent;
	char shown[9];
	struct pr_audit_intent *intent;
	const char *note;               /* a success's reason; NULL: "invitation" */
	const char *detail;
};

/* The record of an enrollment step, built by lib/audit_event.c. */
static int record(struct enroll_ctx *x, int err, const struct pr_cred *cred, bool intent)
{
	const struct pr_audit_who who = {
		.cfg = x->cfg, .service = "webgate", .rhost = x->rhost, .path = "webgate",
		.origin = x->cfg->web.origin, .user_agent = x->user_agent,
		.vpn_rhost = x->e != NULL ? x->e->rhost : NULL,
		.pending = x->shown[0] != '\0' ? x->shown : NULL,
	};
	const struct pr_audit_what what = {
		.event = "enroll", .err = err, .note = x->note != NULL ? x->note : "invitation",
		.user = x->user != NULL ? x->user : "(unknown)",
		.role = x->user != NULL ? pr_role_name(x->role) : NULL,
		.method = "webauthn", .cred = cred, .evidence = PR_AUDIT_ENROLLED,
		.flags = -1, .sign_count = -1, .detail = err != PR_OK ? x->detail : NULL,
	};
	struct pr_audit_built b;
	struct pr_errbuf eb = { 0 };
	int r;

	if ((r = pr_audit_build(&who, &what, &b)) != PR_OK)
		return r;
	if (intent)
		r = pr_audit_intent_begin(x->cfg->audit_log, &b.ev, &x->intent, &eb);
	else
		r = pr_audit_append(x->cfg->audit_log, &b.ev, &eb);
	pr_audit_built_clear(&b);
	return r;
}

/* A known account's name and role, else NULL (never a record of a name that is no account). */
static void resolve(struct enroll_ctx *x, const char *user, enum pr_need *need)
{
	struct pr_user_policy up;

	x->user = NULL;
	*need = PR_NEED_PHYSICAL;
	if (!pr_username_valid(user) || pr_user_policy(x->cfg, user, &up) != PR_OK)
		return;
	x->user = user;
	x->role = up.role;
	*need = up.need;
}

/*
 * The pending sign-in a request names, open and not expired, taken from
 * the VPN client's address when bound; else the refusal, recorded (with
 * the sign-in decided when it expired or came from another address).
 */
static int pending_for(struct wg_verifier *v, struct enroll_ctx *x, const struct pr_wa_req *q,
    bool creating)
{
	struct pr_wp_entry *e = pr_wp_find(v->table, q->pending);
	int r = PR_OK;

	if (e == NULL || e->state != PR_WP_OPEN || e->kind != PR_WP_SIGNIN ||
	    (creating && !e->enrolling))
		r = PR_ERR_REPLAY;
	else if (pr_wp_expired(e, pr_now()))
		r = PR_ERR_EXPIRED;
	else if (v->cfg->web.bind_client_address && strcmp(q->rhost, e->rhost) != 0)
		r = PR_ERR_ADDRESS;
	if (r != PR_OK) {
		wg_record_refusal(v, e, q, r);
		if (e != NULL && e->state == PR_WP_OPEN && r != PR_ERR_REPLAY)
			pr_wp_decide(e, r, 0, NULL);
		return r;
	}
	x->e = e;
	memcpy(x->shown, e->hex, sizeof(x->shown) - 1);
	x->shown[sizeof(x->shown) - 1] = '\0';
	return PR_OK;
}

/* A wrong invitation: counted on the sign-in; the last try voids it. */
static void wrong_invitation(struct enroll_ctx *x, int why)
{
	x->e->invite_tries++;
	x->detail = pr_err_reason(why);
	if (x->e->invite_tries >= PR_WP_INVITE_TRIES) {
		x->detail = "wrong invitations: the pending sign-in is void";
		pr_wp_decide(x->e, PR_ERR_INVITE_INVALID, 0, NULL);
	}
	record(x, PR_ERR_INVITE_INVALID, NULL, false);
}

/*
 * Whether pr_invite_match's refusal says the invitation typed is not this
 * account's (wrong, none on file, expired, nothing typed), rather than
 * that it could not be checked now (a lock held, an I/O error): only the
 * first is counted as a wrong try.
 */
static bool invitation_mismatch(int r)
{
	return r == PR_ERR_INVITE_INVALID || r == PR_ERR_NOT_FOUND || r == PR_ERR_EXPIRED ||
	    r == PR_ERR_INVALID_ARG;
}

char *wg_enroll_options(struct wg_verifier *v, const struct pr_wa_req *q)
{
	struct enroll_ctx x = { .cfg = v->cfg, .rhost = q->rhost, .user_agent = q->user_agent };
	struct pr_errbuf eb = { 0 };
	enum pr_need need;
	int64_t now = pr_now();
	int r;

	if ((r = pending_for(v, &x, q, false)) != PR_OK)
		return wg_result(r, -1, 0, 0);
	resolve(&x, x.e->user, &need);
	r = x.user == NULL ? PR_ERR_INVITE_INVALID :
	    pr_invite_match(v->cfg->state, x.user, q->invitation, now, &eb);
	/* No invitation, a wrong one or an expired one look alike to the page. */
	if (r != PR_OK && invitation_mismatch(r)) {
		wrong_invitation(&x, r);
		return wg_result(PR_ERR_INVITE_INVALID, -1, 0, 0);
	}
	/*
	 * Not checked: recorded, not counted. Only a held lock is answered
	 * busy (the page's side asks again). Anything else (the directory
	 * unreachable, an I/O error) reads as a wrong invitation does, since
	 * a name that is no account would get that answer at once.
	 */
	if (r != PR_OK) {
		x.detail = eb.msg[0] != '\0' ? eb.msg : NULL;
		record(&x, r, NULL, false);
		return wg_result(r == PR_ERR_BUSY ? PR_ERR_BUSY : PR_ERR_INVITE_INVALID, -1, 0, 0);
	}
	/*
	 * Accepted: on record before the page may create a key, so an auditor
	 * sees who was let that far even when no key follows. A record that
	 * cannot be written lets nobody on: busy, the sign-in unchanged and no
	 * try counted, and the page's side asks again (wg_api.c).
	 */
	x.note = "invitation-accepted";
	if (record(&x, PR_OK, NULL, false) != PR_OK)
		return wg_result(PR_ERR_BUSY, -1, 0, 0);
	pr_secret_strfree(&x.e->secret);
	if ((x.e->secret = strdup(q->invitation)) == NULL)
		return NULL;
	/* The creation answers its own challenge, never the sign-in's. */
	if (pr_wp_rechallenge(x.e) != PR_OK) {
		pr_wp_decide(x.e, PR_ERR_IO, 0, NULL);
		return wg_result(PR_ERR_IO, -1, 0, 0);
	}
	x.e->enrolling = true;
	return wg_options_create(v, x.e, now);
}

/* keychange.h's side: the intent, the invitation, the record. */
static int kc_begin(void *arg, const char *event, const struct pr_cred *cred)
{
	(void)event;
	return record(arg, PR_OK, cred, true) == PR_OK ? PR_OK : PR_ERR_AUDIT;
}

static int kc_record(void *arg, const struct pr_cred *cred, const struct pr_kc_outcome *o)
{
	struct enroll_ctx *x = arg;
	int r;

	if (o->step != PR_KC_DONE)
		x->detail = o->step == PR_KC_PREPARE ? "invitation" : o->eb->msg;
	r = record(x, o->err, cred, false);
	if (o->err != PR_OK || r == PR_OK)
		pr_audit_intent_end(&x->intent);
	return r;
}

static void kc_undone(void *arg)
{
	struct enroll_ctx *x = arg;

	pr_audit_intent_end(&x->intent);
}

static int kc_consume(void *arg, const struct pr_cred *cred, struct pr_errbuf *eb)
{
	struct enroll_ctx *x = arg;

	(void)cred;
	return pr_invite_consume(x->cfg->state, x->user, x->e->secret, pr_now(), eb);
}

/* The registration judged and classified; then the class against the user's need. */
static int judge(struct wg_verifier *v, struct enroll_ctx *x, const struct pr_wa_req *q,
    enum pr_need need, struct pr_cred *cred, struct pr_errbuf *eb)
{
	const struct pr_wa_registration in = {
		.attobj = q->attestation.p, .attobj_len = q->attestation.len,
		.cdj = q->client_data.p, .cdj_len = q->client_data.len,
	};
	const struct pr_wa_expect expect = {
		.type = PR_WA_CREATE, .challenge = x->e->challenge,
		.challenge_len = sizeof(x->e->challenge), .origin = v->cfg->web.origin,
	};
	struct pr_enroll_opts o;
	struct pr_class_reason reason;
	int r;

	if ((r = pr_enroll_opts_load(v->cfg, x->user, LABEL, &o, eb)) != PR_OK)
		return r;
	r = pr_wa_register(&in, &expect, &o, cred, &reason, eb);
	pr_enroll_opts_clear(&o);
	if (r == PR_OK && !pr_policy_class_ok(need, cred->cls))
		r = pr_fail(eb, PR_ERR_CLASS, "a %s is not enough for this account's policy",
		    pr_class_name(cred->cls));
	return r;
}

char *wg_enroll_create(struct wg_verifier *v, const struct pr_wa_req *q)
{
	struct enroll_ctx x = { .cfg = v->cfg, .rhost = q->rhost, .user_agent = q->user_agent };
	const struct pr_kc_record rec = { kc_begin, kc_record, kc_undone, kc_consume, &x };
	struct pr_errbuf eb = { 0 };
	struct pr_cred cred = { 0 };
	enum pr_need need;
	bool unrecorded = false, changed = false;
	char *answer;
	int r;

	if ((r = pending_for(v, &x, q, true)) != PR_OK)
		return wg_result(r, -1, 0, 0);
	/* Nothing judged, no invitation spent, that could not be recorded now. */
	if (!wg_record_possible(v))
		return wg_result(PR_ERR_BUSY, -1, 0, 0);
	resolve(&x, x.e->user, &need);
	if (x.user == NULL)
		r = PR_ERR_NOT_FOUND;
	else if ((r = judge(v, &x, q, need, &cred, &eb)) == PR_OK) {
		const struct pr_kc_enroll ke = { v->cfg->state, x.user, &cred, false };
		changed = true;
		r = pr_keychange_enroll(&ke, &rec, &unrecorded);
	}
	if (r != PR_OK && !changed) {
		/* Refused before the store: recorded here (keychange records its own steps). */
		x.detail = eb.msg[0] != '\0' ? eb.msg : NULL;
		record(&x, r, NULL, false);
	}
	/*
	 * Enrolled: the same sign-in goes on, with a fresh challenge, to an
	 * assertion by the new key; the invitation alone decides nothing.
	 * Refused: the sign-in is decided, as any refused response decides it.
	 */
	if (r == PR_OK && (r = pr_wp_rechallenge(x.e)) == PR_OK) {
		x.e->enrolling = false;
		pr_secret_strfree(&x.e->secret);
	} else {
		pr_wp_decide(x.e, r, 0, NULL);
	}
	/* Decided: an answer the page's side does not send again (it would read replay). */
	if (r == PR_ERR_BUSY)
		r = PR_ERR_IO;
	answer = wg_result(r, r == PR_OK ? (int)cred.cls : -1, cred.flags, 0);
	pr_cred_clear(&cred);
	return answer;
}
