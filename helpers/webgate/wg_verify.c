/*
 * The verifier (wg_verify.h). A browser's sign-in is lib/signin.c's
 * sign-in with the statement judged by pr_wa_assert_verify instead of an
 * attached device: the same requirement, class rule, counter update under
 * the user's lock and record, with path=webgate and the web's evidence.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "aal.h"
#include "audit.h"
#include "signin.h"
#include "util.h"
#include "webauthn/wa_assert.h"
#include "wg_approve.h"
#include "wg_enroll.h"
#include "wg_verify.h"

#define PENDING_SHOWN 8         /* hex digits of the id a record keeps */

struct judge_ctx {
	struct pr_wa_assertion in;
	struct pr_wa_expect expect;
	const char *rp_id;
	struct pr_errbuf eb;
};

static int judge(void *arg, const struct pr_credlist *creds, const bool *acceptable,
    bool uv_required, struct pr_assert_outcome *out)
{
	struct judge_ctx *j = arg;

	return pr_wa_assert_verify(&j->in, &j->expect, j->rp_id, creds, acceptable, uv_required,
	    out, &j->eb);
}

char *wg_result(int err, int cls, uint8_t flags, uint32_t sign_count)
{
	struct pr_wa_result res = { .err = err, .cls = cls, .flags = flags,
	    .sign_count = sign_count };
	char line[PR_WA_RESULT_MAX];

	if (pr_wa_result_format(&res, line, sizeof(line)) != PR_OK)
		return NULL;
	return strdup(line);
}

static char *options(struct wg_verifier *v, const struct pr_wa_req *q)
{
	struct pr_wp_entry *e = pr_wp_find(v->table, q->pending);
	int64_t now = pr_now();

	if (e == NULL || e->state != PR_WP_OPEN || e->kind != PR_WP_SIGNIN)
		return wg_result(PR_ERR_REPLAY, -1, 0, 0);
	if (pr_wp_expired(e, now)) {
		pr_wp_decide(e, PR_ERR_EXPIRED, 0, NULL);
		return wg_result(PR_ERR_EXPIRED, -1, 0, 0);
	}
	return wg_options_get(v, e, now);
}

/* The person's account and need; a browser sign-in always asks for a key. */
static int signin_user(struct pr_signin *s)
{
	int r = pr_signin_user(s);

	if (r != PR_OK && r != PR_ERR_NOT_FOUND)
		return r;
	/* A service account never signs in with a key (signin.c), not here either. */
	if (s->user_known && s->kind == PR_ACCOUNT_SYSTEM)
		return PR_ERR_NOT_ENROLLED;
	if (s->need == PR_NEED_NONE)
		s->need = PR_NEED_ANY_KEY;
	return PR_OK;
}

static void fill_assertion(const struct pr_wa_req *q, struct judge_ctx *j)
{
	j->in.cred_id = q->credential.p;
	j->in.cred_id_len = q->credential.len;
	j->in.authdata = q->authenticator_data.p;
	j->in.authdata_len = q->authenticator_data.len;
	j->in.sig = q->signature.p;
	j->in.sig_len = q->signature.len;
	j->in.cdj = q->client_data.p;
	j->in.cdj_len = q->client_data.len;
	j->in.user_handle = q->user_handle.p;
	j->in.user_handle_len = q->user_handle.len;
}

/* The verdict for op=wait: the level reached and the key's class. */
static void decide(struct pr_wp_entry *e, const struct pr_signin *s, int r)
{
	struct pr_aal_evidence ev = { .key = true };

	if (r != PR_OK || s->used == NULL) {
		pr_wp_decide(e, r != PR_OK ? r : PR_ERR_NOT_ENROLLED, 0, NULL);
		return;
	}
	ev.cls = s->used->cls;
	ev.flags = s->outcome.flags;
	pr_wp_decide(e, PR_OK, (int)pr_aal_of(&ev), pr_class_name(s->used->cls));
}

/*
 * The address an entry gives its record: a VPN sign-in's is its VPN
 * client's (vpn_rhost=); an approval has no VPN side, and its address is
 * that of the browser that asked for it (rhost=, ARCHITECTURE §4.9). A
 * request's own address, when there is one, is the record's rhost.
 */
static void vpn_side(const struct pr_wp_entry *e, const char **rhost, const char **vpn_rhost)
{
	if (e->kind == PR_WP_APPROVE)
		*rhost = e->rhost;
	else
		*vpn_rhost = e->rhost;
}

/*
 * A response for an id that is not open (replayed, decided, expired, never
 * made), or a sign-in that expired with nobody answering: recorded, with
 * the account when the entry is still there, else as "(unknown)".
 */
int wg_record_refusal(const struct wg_verifier *v, const struct pr_wp_entry *e,
    const struct pr_wa_req *q, int err)
{
	struct pr_signin s = {
		.cfg = v->cfg, .path = "webgate", .method = "webauthn",
		.origin = v->cfg->web.origin, .judge = judge,
	};
	char shown[PENDING_SHOWN + 1] = "";
	int r;

	if (e != NULL) {
		s.user = e->user;
		s.service = e->service;
		vpn_side(e, &s.rhost, &s.vpn_rhost);
		memcpy(shown, e->hex, PENDING_SHOWN);
		shown[PENDING_SHOWN] = '\0';
		s.pending = shown;
	} else if (q != NULL && strlen(q->pending) >= PENDING_SHOWN) {
		memcpy(shown, q->pending, PENDING_SHOWN);
		shown[PENDING_SHOWN] = '\0';
		s.pending = shown;
	}
	if (q != NULL) {
		s.rhost = q->rhost;
		s.user_agent = q->user_agent;
	}
	(void)pr_signin_user(&s);
	r = pr_signin_record(&s, pr_signin_event(&s), err, NULL);
	pr_signin_clear(&s);
	return r;
}

void wg_record_unmade(const struct wg_verifier *v, const char *user, const char *service,
    const char *vpn_rhost, int err)
{
	struct pr_signin s = {
		.cfg = v->cfg, .path = "webgate", .method = "webauthn",
		.origin = v->cfg->web.origin, .judge = judge, .user = user, .service = service,
		.vpn_rhost = vpn_rhost,
	};

	(void)pr_signin_user(&s);
	pr_signin_record(&s, pr_signin_event(&s), err, NULL);
	pr_signin_clear(&s);
}

size_t wg_record_lapsed(const struct wg_verifier *v, int64_t now)
{
	size_t n = 0;

	for (size_t i = 0; i < v->table->cap; i++) {
		struct pr_wp_entry *e = &v->table->v[i];
		if (e->state != PR_WP_OPEN || e->waited || e->lapse_recorded ||
		    !pr_wp_expired(e, now))
			continue;
		/* Left open: a late response or op=wait still reads "expired". */
		if (wg_record_refusal(v, e, NULL, PR_ERR_EXPIRED) != PR_OK)
			break;
		e->lapse_recorded = true;
		n++;
	}
	return n;
}

/*
 * Whether the audit log takes a record now (its lock within the parent's
 * short bound, wg_parent.c). If not, a response is answered busy and its
 * sign-in left open, as for a user's lock held: the page's side sends it
 * again, and it is judged and recorded once the log is free (§4.8).
 */
bool wg_record_possible(const struct wg_verifier *v)
{
	struct pr_errbuf eb = { 0 };

	if (pr_audit_ready(v->cfg->audit_log, &eb) == PR_OK)
		return true;
	syslog(LOG_AUTHPRIV | LOG_WARNING, "a sign-in at the gate waits: %s", eb.msg);
	return false;
}

/*
 * The attempt's record, and what its failure makes of r. Fail closed, as
 * the console (ARCHITECTURE §8.3): a success that is not on record is no
 * success (an approval's grant is taken back); a refusal made before the
 * counter's update began stored nothing, so it is answered busy and left
 * open (wg_record_possible); after that the counter may be stored, and the
 * refusal stands.
 */
static int record_attempt(const struct wg_verifier *v, const struct pr_wp_entry *e,
    struct pr_signin *s, int r, const char *note)
{
	if (pr_signin_record(s, pr_signin_event(s), r, note) == PR_OK)
		return r;
	syslog(LOG_AUTHPRIV | LOG_ERR, "audit record not written: %s", s->eb.msg);
	if (r == PR_OK) {
		if (e->kind == PR_WP_APPROVE)
			wg_approve_withdraw(v, e, s);
		return PR_ERR_AUDIT;
	}
	return s->use_begun ? r : PR_ERR_BUSY;
}

static char *get(struct wg_verifier *v, const struct pr_wa_req *q)
{
	struct judge_ctx j = { .rp_id = v->cfg->rp_id };
	struct pr_signin s = { 0 };
	struct pr_wp_entry *e;
	char shown[PENDING_SHOWN + 1], *answer;
	const char *note = NULL;
	bool ignore = false;
	int r, cls = -1;

	if ((r = pr_wp_take(v->table, q->pending, pr_now(), &e)) != PR_OK ||
	    (e->kind != PR_WP_SIGNIN && e->kind != PR_WP_APPROVE)) {
		r = r != PR_OK ? r : PR_ERR_REPLAY;
		wg_record_refusal(v, pr_wp_find(v->table, q->pending), q, r);
		return wg_result(r, -1, 0, 0);
	}
	/* Nothing is judged (a counter stored) that could not be recorded now. */
	if (!wg_record_possible(v))
		return wg_result(PR_ERR_BUSY, -1, 0, 0);
	memcpy(shown, e->hex, PENDING_SHOWN);
	shown[PENDING_SHOWN] = '\0';
	fill_assertion(q, &j);
	j.expect = (struct pr_wa_expect){ .type = PR_WA_GET, .challenge = e->challenge,
	    .challenge_len = sizeof(e->challenge), .origin = v->cfg->web.origin };
	s = (struct pr_signin){
		.cfg = v->cfg, .user = e->user, .service = e->service, .rhost = q->rhost,
		.path = "webgate", .method = "webauthn", .judge = judge, .judge_arg = &j,
		.origin = v->cfg->web.origin, .user_agent = q->user_agent,
		.vpn_rhost = e->kind == PR_WP_APPROVE ? NULL : e->rhost, .pending = shown,
	};
	/* The address first: it must not depend on who the name is. */
	if (v->cfg->web.bind_client_address && strcmp(q->rhost, e->rhost) != 0) {
		(void)pr_signin_user(&s);
		r = PR_ERR_ADDRESS;
	} else if ((r = signin_user(&s)) == PR_OK) {
		r = pr_signin_auth(&s, &ignore, &note);
	}
	/* An approval leaves its grant before the record, which names it (§4.9). */
	if (r == PR_OK && e->kind == PR_WP_APPROVE)
		r = wg_approve_grant(v, e, &s);
	r = record_attempt(v, e, &s, r, r == PR_OK ? note :
	    (j.eb.msg[0] != '\0' ? j.eb.msg : NULL));
	/*
	 * Until a signature by one of the user's keys verified, the page and
	 * the VPN side read one refusal whoever the name is, as at the console
	 * (ARCHITECTURE §4.7): a name that is no account, an account without
	 * a key, another key, a malformed or misdirected response, and a
	 * garbage signature on a real credential id (its bad-signature or
	 * class refusal would tell the real ids from the decoys). The record
	 * above keeps the reason.
	 */
	if (r != PR_OK && !s.outcome.verified && r != PR_ERR_REPLAY && r != PR_ERR_EXPIRED &&
	    r != PR_ERR_ADDRESS && r != PR_ERR_BUSY)
		r = PR_ERR_NO_CREDENTIAL;
	/*
	 * The user's lock, or the audit log's, was held elsewhere past the
	 * parent's short bound (wg_parent.c) before the counter's update
	 * began (a signature may have verified: it is judged before the
	 * user's lock, lib/signin.c) or before a refusal was recorded:
	 * nothing was stored, so the sign-in stays open and the page may send
	 * the response again. Once the update began (s.use_begun), the
	 * counter may be stored: the sign-in is decided whatever failed
	 * after it (a grant's lock, say), or the page's resend would be
	 * judged a second time (a false cloned key, or a second acceptance of
	 * a key without a counter); the answer is then one the page does not
	 * resend.
	 */
	if (r == PR_ERR_BUSY && s.use_begun)
		r = PR_ERR_IO;
	if (r != PR_ERR_BUSY)
		decide(e, &s, r);
	if (r == PR_OK && s.used != NULL)
		cls = (int)s.used->cls;
	if (r == PR_OK && e->kind == PR_WP_APPROVE)
		answer = wg_approve_answer(v);
	else
		answer = wg_result(r, cls, s.outcome.flags, s.outcome.sign_count);
	pr_signin_clear(&s);
	return answer;
}

char *wg_verify(struct wg_verifier *v, const char *text, size_t len)
{
	struct pr_wa_req q;
	char *answer = NULL;

	if (pr_wa_req_parse(text, len, &q, NULL) != PR_OK)
		return wg_result(PR_ERR_CORRUPT, -1, 0, 0);
	switch (q.op) {
	case PR_WA_OP_OPTIONS:
		answer = options(v, &q);
		break;
	case PR_WA_OP_GET:
		answer = get(v, &q);
		break;
	case PR_WA_OP_ENROLL:
		answer = wg_enroll_options(v, &q);
		break;
	case PR_WA_OP_CREATE:
		answer = wg_enroll_create(v, &q);
		break;
	case PR_WA_OP_APPROVE:
		answer = wg_approve_options(v, &q);
		break;
	}
	pr_wa_req_clear(&q);
	return answer;
}
