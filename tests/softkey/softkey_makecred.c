/*
 * authenticatorMakeCredential (CTAP 2.0 section 5.1): ES256 or EdDSA,
 * non-resident only. Steps in the order of the specification: parameters,
 * excludeList, options, PIN, user presence, then the credential.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "softkey.h"

#define USER_ID_MAX 64

enum mc_param {
	MC_CDH = 1,
	MC_RP = 2,
	MC_USER = 3,
	MC_ALGS = 4,
	MC_EXCLUDE = 5,
	MC_OPTIONS = 7,
	MC_PIN_AUTH = 8,
	MC_PIN_PROTOCOL = 9,
};

struct mc_req {
	const unsigned char *cdh;
	unsigned char rp_hash[SK_HASH_LEN];
	const cbor_item_t *exclude;     /* NULL when absent */
	int alg;                        /* the first offered algorithm we make */
	int rk, uv, up;                 /* options: -1 absent, 0, 1 */
	struct sk_pin_auth pa;
};

/* Optional text fields must be text when present. */
static bool texts_ok(const cbor_item_t *map, const char *const *names)
{
	const cbor_item_t *v;

	for (; *names != NULL; names++)
		if ((v = sk_cbor_field(map, *names)) != NULL && !sk_cbor_is_text(v))
			return false;
	return true;
}

static int parse_rp(const cbor_item_t *rp, struct mc_req *q)
{
	static const char *const optional[] = { "name", "icon", NULL };
	const cbor_item_t *id;
	int st;

	if ((st = sk_cbor_check_fields(rp)) != SK_CTAP2_OK)
		return st;
	if ((id = sk_cbor_field(rp, "id")) == NULL)
		return SK_CTAP2_ERR_MISSING_PARAMETER;
	if (!sk_cbor_is_text(id) || !texts_ok(rp, optional))
		return SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	if (sk_sha256(cbor_string_handle(id), cbor_string_length(id), q->rp_hash) != SK_OK)
		return SK_CTAP1_ERR_OTHER;
	return SK_CTAP2_OK;
}

static int parse_user(const cbor_item_t *user)
{
	static const char *const optional[] = { "name", "displayName", "icon", NULL };
	const cbor_item_t *id;
	int st;

	if ((st = sk_cbor_check_fields(user)) != SK_CTAP2_OK)
		return st;
	if ((id = sk_cbor_field(user, "id")) == NULL)
		return SK_CTAP2_ERR_MISSING_PARAMETER;
	if (!sk_cbor_is_bytes(id) || !texts_ok(user, optional))
		return SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	if (cbor_bytestring_length(id) > USER_ID_MAX)
		return SK_CTAP1_ERR_INVALID_LENGTH;
	return SK_CTAP2_OK;
}

/* A COSE algorithm the softkey makes keys for, or 0. */
static int alg_supported(const cbor_item_t *alg)
{
	if (!cbor_isa_negint(alg))
		return 0;
	if (cbor_get_int(alg) == (uint64_t)(-1 - SK_COSE_ES256))
		return SK_COSE_ES256;
	if (cbor_get_int(alg) == (uint64_t)(-1 - SK_COSE_EDDSA))
		return SK_COSE_EDDSA;
	return 0;
}

/*
 * pubKeyCredParams must offer {"type": "public-key", "alg": -7 or -8}; the
 * host lists them in its order of preference, so the first one we make wins.
 */
static int parse_algs(const cbor_item_t *algs, int *chosen)
{
	cbor_item_t **items;
	const cbor_item_t *alg, *type;
	int st;

	*chosen = 0;
	if (!cbor_isa_array(algs) || !cbor_array_is_definite(algs))
		return SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	items = cbor_array_handle(algs);
	for (size_t i = 0; i < cbor_array_size(algs); i++) {
		if ((st = sk_cbor_check_fields(items[i])) != SK_CTAP2_OK)
			return st;
		alg = sk_cbor_field(items[i], "alg");
		type = sk_cbor_field(items[i], "type");
		if (alg == NULL || type == NULL)
			return SK_CTAP2_ERR_MISSING_PARAMETER;
		if (!sk_cbor_is_text(type) || (!cbor_isa_negint(alg) && !cbor_isa_uint(alg)))
			return SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
		if (*chosen == 0 && sk_cbor_text_eq(type, "public-key"))
			*chosen = alg_supported(alg);
	}
	return *chosen != 0 ? SK_CTAP2_OK : SK_CTAP2_ERR_UNSUPPORTED_ALGORITHM;
}

static int parse_options(const cbor_item_t *opts, struct mc_req *q)
{
	int st;

	q->rk = q->uv = q->up = -1;
	if (opts == NULL)
		return SK_CTAP2_OK;
	if ((st = sk_cbor_check_fields(opts)) != SK_CTAP2_OK ||
	    (st = sk_cbor_option(opts, "rk", &q->rk)) != SK_CTAP2_OK ||
	    (st = sk_cbor_option(opts, "uv", &q->uv)) != SK_CTAP2_OK ||
	    (st = sk_cbor_option(opts, "up", &q->up)) != SK_CTAP2_OK)
		return st;
	if (q->up != -1)
		return SK_CTAP2_ERR_INVALID_OPTION;  /* "up" is not a makeCredential option in 2.0 */
	if (q->rk == 1)
		return SK_CTAP2_ERR_UNSUPPORTED_OPTION;  /* no resident keys */
	return SK_CTAP2_OK;
}

static int parse_request(const cbor_item_t *args, struct mc_req *q)
{
	const cbor_item_t *cdh = sk_cbor_param(args, MC_CDH);
	const cbor_item_t *rp = sk_cbor_param(args, MC_RP);
	const cbor_item_t *user = sk_cbor_param(args, MC_USER);
	const cbor_item_t *algs = sk_cbor_param(args, MC_ALGS);
	int st;

	memset(q, 0, sizeof(*q));
	if (cdh == NULL || rp == NULL || user == NULL || algs == NULL)
		return SK_CTAP2_ERR_MISSING_PARAMETER;
	if (!sk_cbor_is_bytes(cdh))
		return SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	if (cbor_bytestring_length(cdh) != SK_HASH_LEN)
		return SK_CTAP1_ERR_INVALID_LENGTH;
	q->cdh = cbor_bytestring_handle(cdh);
	q->exclude = sk_cbor_param(args, MC_EXCLUDE);
	q->pa.auth = sk_cbor_param(args, MC_PIN_AUTH);
	q->pa.protocol = sk_cbor_param(args, MC_PIN_PROTOCOL);
	if ((st = parse_rp(rp, q)) != SK_CTAP2_OK ||
	    (st = parse_user(user)) != SK_CTAP2_OK ||
	    (st = parse_algs(algs, &q->alg)) != SK_CTAP2_OK ||
	    (q->exclude != NULL &&
	    (st = sk_cbor_check_descriptors(q->exclude)) != SK_CTAP2_OK))
		return st;
	return parse_options(sk_cbor_param(args, MC_OPTIONS), q);
}

/* Everything before the credential is made: a CTAP status or SK_WAIT_TOUCH. */
static int preflight(struct sk_session *s, const struct sk_state *st,
    const struct mc_req *q, bool *uv)
{
	const cbor_item_t *id = NULL;
	EVP_PKEY *key = NULL;
	int r;

	if (q->exclude != NULL && sk_cred_find(st, q->rp_hash, q->exclude, &id, &key)) {
		EVP_PKEY_free(key);
		/* Already registered here: say so only after a touch. */
		return st->touch ? SK_CTAP2_ERR_CREDENTIAL_EXCLUDED : SK_WAIT_TOUCH;
	}
	if ((r = sk_pin_verify_auth(s, st, &q->pa, q->cdh, q->uv, uv)) != SK_CTAP2_OK)
		return r;
	if (!*uv && st->pin_set)
		return SK_CTAP2_ERR_PIN_REQUIRED;  /* CTAP 2.0: a set PIN must be used */
	return st->touch ? SK_CTAP2_OK : SK_WAIT_TOUCH;
}

static int build_reply(const struct sk_state *st, const struct mc_req *q,
    const struct sk_newcred *c, bool uv, struct sk_reply *out)
{
	uint8_t flags = SK_AD_UP | (uv ? SK_AD_UV : 0) | sk_profile_flags(st->profile);
	unsigned char *ad = NULL;
	size_t ad_len = 0;
	const char *fmt = NULL;
	cbor_item_t *stmt = NULL, *m = NULL;
	int r;

	if ((r = sk_authdata(q->rp_hash, flags, sk_counter_value(st), st->profile->aaguid, c,
	    &ad, &ad_len)) != SK_OK ||
	    (r = sk_attstmt_build(st, c->key, ad, ad_len, q->cdh, &fmt, &stmt)) != SK_OK)
		goto fail;
	r = SK_ENOMEM;
	if ((m = cbor_new_definite_map(3)) == NULL ||
	    !sk_map_put_uint(m, 1, cbor_build_string(fmt)) ||
	    !sk_map_put_uint(m, 2, cbor_build_bytestring(ad, ad_len)) ||
	    !sk_map_put_uint(m, 3, stmt))
		goto fail;
	stmt = NULL;  /* the map holds it now */
	r = sk_reply_cbor(SK_CTAP2_OK, m, &out->ptr, &out->len);
fail:
	if (m != NULL)
		cbor_decref(&m);
	if (stmt != NULL)
		cbor_decref(&stmt);
	free(ad);
	return r;
}

int sk_ctap2_make_credential(struct sk_session *s, const cbor_item_t *args,
    struct sk_reply *out)
{
	struct sk_txn t = SK_TXN_INIT;
	struct sk_newcred c;
	struct mc_req q;
	bool uv = false;
	int r;

	memset(&c, 0, sizeof(c));
	if ((r = parse_request(args, &q)) != SK_CTAP2_OK)
		return sk_reply_status(out, (uint8_t)r);
	if ((r = sk_txn_begin(s->path, &t)) != SK_OK)
		return r;
	if ((r = preflight(s, &t.st, &q, &uv)) != SK_CTAP2_OK) {
		if (r != SK_WAIT_TOUCH)
			r = sk_reply_status(out, (uint8_t)r);
		goto fail;
	}
	t.st.creds_made++;
	if ((r = sk_cred_create(&t.st, q.rp_hash, q.alg, &c)) != SK_OK ||
	    (r = sk_txn_commit(&t)) != SK_OK)
		goto fail;
	r = build_reply(&t.st, &q, &c, uv, out);
fail:
	sk_newcred_clear(&c);
	sk_txn_end(&t);
	return r;
}
