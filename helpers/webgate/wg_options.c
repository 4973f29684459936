/*
 * The publicKey options the page hands navigator.credentials, made by the
 * root side with json-c (wg_verify.h). A name that is no account, or an
 * account without a key, gets the shape an enrolled account gets: one
 * credential id derived from the name with a key made at start, so the
 * same name always shows the same id and nothing before authentication
 * tells who is enrolled.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "digest.h"
#include "store.h"
#include "util.h"
#include "wg_verify.h"

#define DECOY_PARTS 2           /* 64 bytes: as long as a typical key's id */

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

/* SHA-256(secret || label || name || i): derived ids and handles, stable per name. */
static int derive(const struct wg_verifier *v, const char *label, const char *name, unsigned i,
    unsigned char out[PR_SHA256_LEN])
{
	struct pr_sha256 h;
	unsigned char n = (unsigned char)i;
	int r;

	if ((r = pr_sha256_init(&h)) == PR_OK &&
	    (r = pr_sha256_update(&h, v->secret, sizeof(v->secret))) == PR_OK &&
	    (r = pr_sha256_update(&h, label, strlen(label) + 1)) == PR_OK &&
	    (r = pr_sha256_update(&h, name, strlen(name) + 1)) == PR_OK &&
	    (r = pr_sha256_update(&h, &n, 1)) == PR_OK)
		r = pr_sha256_final(&h, out);
	pr_sha256_clear(&h);
	return r;
}

/* The user's FIDO credential ids, or the decoy: a list of one at least. */
static json_object *cred_list(const struct wg_verifier *v, const char *user, bool decoy_if_none)
{
	struct pr_credlist creds = { 0 };
	struct pr_errbuf eb = { 0 };
	unsigned char id[DECOY_PARTS * PR_SHA256_LEN];
	json_object *list = json_object_new_array(), *c;
	size_t n = 0;

	if (list == NULL)
		return NULL;
	if (pr_username_valid(user) && pr_store_load(v->cfg->state, user, &creds, &eb) == PR_OK) {
		for (size_t i = 0; i < creds.n; i++) {
			if (creds.v[i].kind != PR_KIND_FIDO)
				continue;
			if ((c = cred_entry(creds.v[i].id, creds.v[i].id_len)) == NULL ||
			    json_object_array_add(list, c) != 0)
				goto fail;
			n++;
		}
	}
	if (n == 0 && decoy_if_none) {
		for (unsigned i = 0; i < DECOY_PARTS; i++)
			if (derive(v, "decoy credential", user, i, id + i * PR_SHA256_LEN) != PR_OK)
				goto fail;
		if ((c = cred_entry(id, sizeof(id))) == NULL || json_object_array_add(list, c) != 0)
			goto fail;
	}
	pr_credlist_clear(&creds);
	return list;
fail:
	pr_credlist_clear(&creds);
	json_object_put(list);
	return NULL;
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
