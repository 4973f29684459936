/*
 * The publicKey options the page hands navigator.credentials, made by the
 * root side with json-c (wg_verify.h). Every sign-in page offers
 * WG_ALLOW_IDS credential ids: the user's keys' and decoys, HMAC(the gate's
 * stored secret, name, i) (wg_secret.h), all sorted, so neither the count,
 * the order nor a restart tells a name that is no account, an account
 * without a key and an enrolled one apart before a key answers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "digest.h"
#include "store.h"
#include "util.h"
#include "wg_secret.h"
#include "wg_verify.h"

#define DECOY_PARTS 2           /* 64 bytes: as long as a typical security key's id */
#define DECOY_LEN (DECOY_PARTS * PR_SHA256_LEN)
/*
 * Ids a sign-in page offers: one CTAP batch of common keys (a YubiKey 5
 * takes 8 in a list), so browsers ask the key once; an account with more
 * keys than this shows them all.
 */
#define WG_ALLOW_IDS 8

static int add_b64(json_object *o, const char *key, const unsigned char *p, size_t len)
{
	char *enc = pr_b64url_encode(p, len);
	int r;

	if (enc == NULL)
		return -1;
	r = json_object_object_add(o, key, json_object_new_string(enc));
	free(enc);
	return r;
}

static int add_str(json_object *o, const char *key, const char *v)
{
	return json_object_object_add(o, key, json_object_new_string(v));
}

static json_object *cred_entry(const unsigned char *id, size_t len)
{
	json_object *c = json_object_new_object();

	if (c == NULL || add_str(c, "type", "public-key") != 0 || add_b64(c, "id", id, len) != 0) {
		json_object_put(c);
		return NULL;
	}
	return c;
}

/* A stable value of name and i under the gate's secret (wg_secret.c). */
static int derive(const struct wg_verifier *v, const char *label, const char *name, unsigned i,
    unsigned char out[PR_SHA256_LEN])
{
	return wg_secret_derive(v->secret, label, name, i, out);
}

struct id_ref {
	const unsigned char *p;
	size_t len;
};

/* Bytes first, then length: the order says nothing about which id is whose. */
static int id_order(const void *a, const void *b)
{
	const struct id_ref *x = a, *y = b;
	int c = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);

	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

static json_object *id_list(struct id_ref *ids, size_t n)
{
	json_object *list = json_object_new_array(), *c;

	qsort(ids, n, sizeof(*ids), id_order);
	for (size_t i = 0; list != NULL && i < n; i++) {
		if ((c = cred_entry(ids[i].p, ids[i].len)) == NULL ||
		    json_object_array_add(list, c) != 0) {
			json_object_put(c);
			json_object_put(list);
			return NULL;
		}
	}
	return list;
}

/*
 * The user's FIDO credential ids, padded with decoys to WG_ALLOW_IDS when
 * pad (a sign-in), else the real ones alone (a creation's exclude list).
 */
static json_object *cred_list(const struct wg_verifier *v, const char *user, bool pad)
{
	struct pr_credlist creds = { 0 };
	struct pr_errbuf eb = { 0 };
	unsigned char decoy[WG_ALLOW_IDS][DECOY_LEN];
	struct id_ref ids[PR_MAX_CREDS_PER_USER + WG_ALLOW_IDS];
	json_object *list = NULL;
	size_t n = 0;

	if (pr_username_valid(user) && pr_store_load(v->cfg->state, user, &creds, &eb) == PR_OK) {
		for (size_t i = 0; i < creds.n && n < PR_MAX_CREDS_PER_USER; i++)
			if (creds.v[i].kind == PR_KIND_FIDO)
				ids[n++] = (struct id_ref){ creds.v[i].id, creds.v[i].id_len };
	}
	for (unsigned d = 0; pad && n < WG_ALLOW_IDS; d++) {
		for (unsigned k = 0; k < DECOY_PARTS; k++)
			if (derive(v, "decoy credential", user, d * DECOY_PARTS + k,
			    decoy[d] + k * PR_SHA256_LEN) != PR_OK)
				goto out;
		ids[n++] = (struct id_ref){ decoy[d], DECOY_LEN };
	}
	list = id_list(ids, n);
out:
	pr_credlist_clear(&creds);
	return list;
}

static char *answer_of(json_object *root)
{
	const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	char *out = NULL;

	if (text == NULL || asprintf(&out, PR_WA_OPTIONS_PREFIX "%s\n", text) < 0)
		out = NULL;
	json_object_put(root);
	return out;
}

static long timeout_ms(const struct pr_wp_entry *e, int64_t now)
{
	return e->expires > now ? (long)(e->expires - now) * 1000 : 0;
}

char *wg_options_get(const struct wg_verifier *v, const struct pr_wp_entry *e, int64_t now)
{
	json_object *root = json_object_new_object(), *pk = json_object_new_object(), *list;
	char created[32];

	if (root == NULL || pk == NULL || json_object_object_add(root, "publicKey", pk) != 0) {
		json_object_put(pk);
		goto fail;
	}
	if ((list = cred_list(v, e->user, true)) == NULL ||
	    json_object_object_add(pk, "allowCredentials", list) != 0 ||
	    add_b64(pk, "challenge", e->challenge, sizeof(e->challenge)) != 0 ||
	    add_str(pk, "rpId", v->cfg->rp_id) != 0 ||
	    add_str(pk, "userVerification", pr_uv_name(v->cfg->policy.user_verification)) != 0 ||
	    json_object_object_add(pk, "timeout", json_object_new_int64(timeout_ms(e, now))) != 0 ||
	    add_str(root, "service", e->service) != 0 || add_str(root, "user", e->user) != 0 ||
	    add_str(root, "client_address", e->rhost) != 0 ||
	    add_str(root, "created", pr_time_utc(e->created, created)) != 0 ||
	    (e->kind == PR_WP_APPROVE && add_str(root, "pending", e->hex) != 0))
		goto fail;
	return answer_of(root);
fail:
	json_object_put(root);
	return NULL;
}

static json_object *cred_params(void)
{
	static const int algs[] = { -7, -8, -257 };     /* ES256, EdDSA, RS256 */
	json_object *list = json_object_new_array(), *p;

	for (size_t i = 0; list != NULL && i < sizeof(algs) / sizeof(algs[0]); i++) {
		if ((p = json_object_new_object()) == NULL || add_str(p, "type", "public-key") != 0 ||
		    json_object_object_add(p, "alg", json_object_new_int(algs[i])) != 0 ||
		    json_object_array_add(list, p) != 0) {
			json_object_put(p);
			json_object_put(list);
			return NULL;
		}
	}
	return list;
}

static json_object *rp_and_user(const struct wg_verifier *v, const char *user, json_object *pk)
{
	json_object *rp = json_object_new_object(), *u = json_object_new_object();
	unsigned char handle[PR_SHA256_LEN];

	if (rp == NULL || u == NULL || json_object_object_add(pk, "rp", rp) != 0) {
		json_object_put(rp);
		json_object_put(u);
		return NULL;
	}
	if (json_object_object_add(pk, "user", u) != 0)
		return NULL;
	if (add_str(rp, "id", v->cfg->rp_id) != 0 || add_str(rp, "name", v->cfg->rp_id) != 0 ||
	    derive(v, "user handle", user, 0, handle) != PR_OK ||
	    add_b64(u, "id", handle, 16) != 0 || add_str(u, "name", user) != 0 ||
	    add_str(u, "displayName", user) != 0)
		return NULL;
	return pk;
}

char *wg_options_create(const struct wg_verifier *v, const struct pr_wp_entry *e, int64_t now)
{
	json_object *root = json_object_new_object(), *pk = json_object_new_object(), *x, *sel;

	if (root == NULL || pk == NULL || json_object_object_add(root, "publicKey", pk) != 0) {
		json_object_put(pk);
		goto fail;
	}
	if ((sel = json_object_new_object()) == NULL ||
	    json_object_object_add(pk, "authenticatorSelection", sel) != 0 ||
	    add_str(sel, "userVerification", pr_uv_name(v->cfg->policy.user_verification)) != 0 ||
	    add_str(sel, "residentKey", "discouraged") != 0 ||
	    rp_and_user(v, e->user, pk) == NULL ||
	    (x = cred_params()) == NULL || json_object_object_add(pk, "pubKeyCredParams", x) != 0 ||
	    (x = cred_list(v, e->user, false)) == NULL ||
	    json_object_object_add(pk, "excludeCredentials", x) != 0 ||
	    add_b64(pk, "challenge", e->challenge, sizeof(e->challenge)) != 0 ||
	    add_str(pk, "attestation", "direct") != 0 ||
	    json_object_object_add(pk, "timeout", json_object_new_int64(timeout_ms(e, now))) != 0 ||
	    add_str(root, "pending", e->hex) != 0 || add_str(root, "user", e->user) != 0)
		goto fail;
	return answer_of(root);
fail:
	json_object_put(root);
	return NULL;
}
