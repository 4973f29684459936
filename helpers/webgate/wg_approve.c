/*
 * The approval page's side in the root parent (wg_approve.h). The pending
 * approval is made before anyone authenticated, so it holds nothing a
 * stranger could use: the name as typed, the grant service, the
 * browser's address. A stranger may not fill the table either: each
 * address may hold a few open approvals, and all of them together a share
 * of the table, so VPN sign-ins and enrollments always find room.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <json-c/json.h>

#include "grant.h"
#include "util.h"
#include "wg_approve.h"
#include "wg_enroll.h"

/* Whether another open approval fits: from this address, and in all. */
static bool room_for(const struct wg_verifier *v, const char *rhost, int64_t now)
{
	return pr_wp_count_open(v->table, PR_WP_APPROVE, rhost, now) < WG_APPROVE_PER_ADDRESS &&
	    pr_wp_count_open(v->table, PR_WP_APPROVE, NULL, now) <
	    v->table->cap / WG_APPROVE_SHARE;
}

/* The record of an approval refused before any key answered (the name only if an account). */
static void record_refusal(const struct wg_verifier *v, const struct pr_wa_req *q, int err,
    const char *why)
{
	struct pr_signin s = {
		.cfg = v->cfg, .user = q->user, .service = v->cfg->web.grant_service,
		.rhost = q->rhost, .path = "webgate", .method = "webauthn",
		.origin = v->cfg->web.origin, .user_agent = q->user_agent,
	};

	(void)pr_signin_user(&s);
	pr_signin_record(&s, pr_signin_event(&s), err, why);
	pr_signin_clear(&s);
}

char *wg_approve_options(struct wg_verifier *v, const struct pr_wa_req *q)
{
	struct pr_wp_entry *e = NULL;
	int64_t now = pr_now();
	int r;

	if (q->user[0] == '\0')
		return wg_result(PR_ERR_INVALID_ARG, -1, 0, 0);
	if (!room_for(v, q->rhost, now)) {
		record_refusal(v, q, PR_ERR_BUSY, "too many approvals in progress from this address");
		return wg_result(PR_ERR_BUSY, -1, 0, 0);
	}
	/* Whoever the name is: the same entry, the same options (wg_options.c's decoy). */
	if ((r = pr_wp_add(v->table, PR_WP_APPROVE, q->user, v->cfg->web.grant_service, q->rhost,
	    now, v->cfg->web.pending_lifetime, &e)) != PR_OK)
		return wg_result(r, -1, 0, 0);
	return wg_options_get(v, e, now);
}

/*
 * The grant's address: the browser's, when bind_client_address asks for
 * it and the service gives PAM_RHOST to compare it with; otherwise none
 * (xrdp-sesman: user, service and time only), so the grant file and the
 * record say what the binding really is.
 */
static void grant_address(const struct wg_verifier *v, const struct pr_wp_entry *e,
    struct pr_grant *g)
{
	g->rhost[0] = '\0';
	if (v->cfg->web.bind_client_address && pr_grant_service_gives_rhost(e->service) &&
	    pr_grant_field_valid(e->rhost))
		snprintf(g->rhost, sizeof(g->rhost), "%s", e->rhost);
}

int wg_approve_grant(const struct wg_verifier *v, const struct pr_wp_entry *e,
    struct pr_signin *s)
{
	struct pr_grant g = { 0 };
	char keyid[PR_KEYID_LEN + 1];
	int r;

	if (s->used == NULL)
		return pr_fail(&s->eb, PR_ERR_NO_CREDENTIAL, "approval without a key");
	if (strlen(e->service) >= sizeof(g.service))
		return pr_fail(&s->eb, PR_ERR_CONFIG, "web { grant_service } is too long");
	memcpy(g.service, e->service, strlen(e->service) + 1);
	grant_address(v, e, &g);
	pr_keyid(s->used->id, s->used->id_len, keyid);
	snprintf(g.keyid, sizeof(g.keyid), "%s", keyid);
	g.flags = s->outcome.flags;
	r = pr_grant_create(v->cfg->state, s->user, &g, pr_now(), v->cfg->web.grant_lifetime,
	    &s->eb);
	if (r == PR_OK)
		snprintf(s->ssh_detail, sizeof(s->ssh_detail), "web-grant %s", g.id);
	return r;
}

void wg_approve_withdraw(const struct wg_verifier *v, const struct pr_wp_entry *e,
    const struct pr_signin *s)
{
	struct pr_grant g;
	struct pr_errbuf eb = { 0 };

	/* Bound to the entry's address or to none (grant_address): either matches it. */
	if (pr_grant_consume(v->cfg->state, s->user, e->service, e->rhost, pr_now(), &g, &eb) !=
	    PR_OK)
		syslog(LOG_AUTHPRIV | LOG_ERR, "an approval for %s was not recorded and its grant "
		    "could not be withdrawn (%s): it lapses in %ld s", s->user, eb.msg,
		    v->cfg->web.grant_lifetime);
	explicit_bzero(&g, sizeof(g));
}

char *wg_approve_answer(const struct wg_verifier *v)
{
	json_object *o = json_object_new_object();
	char message[128];
	const char *text;
	char *out = NULL;

	snprintf(message, sizeof(message), "Approved. Sign in to the remote desktop within %ld "
	    "seconds.", v->cfg->web.grant_lifetime);
	if (o == NULL ||
	    json_object_object_add(o, "result", json_object_new_string("ok")) != 0 ||
	    json_object_object_add(o, "message", json_object_new_string(message)) != 0 ||
	    json_object_object_add(o, "lifetime",
	    json_object_new_int64(v->cfg->web.grant_lifetime)) != 0 ||
	    (text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) == NULL ||
	    asprintf(&out, PR_WA_OPTIONS_PREFIX "%s\n", text) < 0)
		out = NULL;
	json_object_put(o);
	return out;
}
