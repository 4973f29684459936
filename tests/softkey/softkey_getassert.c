/*
 * authenticatorGetAssertion (CTAP 2.0 section 5.2) for non-resident
 * credentials: the allowList must name one of this device's credentials for
 * this rpId. The first match signs; getNextAssertion has nothing more.
 *
 * "up": false is the silent probe hosts use to find which device holds a
 * credential: it answers at once, UP=0 in the flags. An allowList without
 * one of our credentials is answered at once with NO_CREDENTIALS (as CTAP
 * 2.1 authenticators do), so probing never waits for a touch.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "softkey.h"

enum ga_param {
	GA_RP_ID = 1,
	GA_CDH = 2,
	GA_ALLOW = 3,
	GA_EXTENSIONS = 4,
	GA_OPTIONS = 5,
	GA_PIN_AUTH = 6,
	GA_PIN_PROTOCOL = 7,
};

struct ga_req {
	unsigned char rp_hash[SK_HASH_LEN];
	const unsigned char *cdh;
	const cbor_item_t *allow;      /* NULL when absent */
	int up, uv;                    /* options: -1 absent, 0, 1 */
	struct sk_pin_auth pa;
};

static int parse_options(const cbor_item_t *opts, struct ga_req *q)
{
	int rk = -1, st;

	q->up = q->uv = -1;
	if (opts == NULL)
		return SK_CTAP2_OK;
	if ((st = sk_cbor_check_fields(opts)) != SK_CTAP2_OK ||
	    (st = sk_cbor_option(opts, "up", &q->up)) != SK_CTAP2_OK ||
	    (st = sk_cbor_option(opts, "uv", &q->uv)) != SK_CTAP2_OK ||
	    (st = sk_cbor_option(opts, "rk", &rk)) != SK_CTAP2_OK)
		return st;
	return rk == -1 ? SK_CTAP2_OK : SK_CTAP2_ERR_UNSUPPORTED_OPTION;
}

static int parse_request(const cbor_item_t *args, struct ga_req *q)
{
	const cbor_item_t *rp_id = sk_cbor_param(args, GA_RP_ID);
	const cbor_item_t *cdh = sk_cbor_param(args, GA_CDH);
	const cbor_item_t *ext = sk_cbor_param(args, GA_EXTENSIONS);
	int st;

	memset(q, 0, sizeof(*q));
	if (rp_id == NULL || cdh == NULL)
		return SK_CTAP2_ERR_MISSING_PARAMETER;
	if (!sk_cbor_is_text(rp_id) || !sk_cbor_is_bytes(cdh) ||
	    (ext != NULL && !cbor_isa_map(ext)))
		return SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	if (cbor_bytestring_length(cdh) != SK_HASH_LEN)
		return SK_CTAP1_ERR_INVALID_LENGTH;
	if (sk_sha256(cbor_string_handle(rp_id), cbor_string_length(rp_id),
	    q->rp_hash) != SK_OK)
		return SK_CTAP1_ERR_OTHER;
	q->cdh = cbor_bytestring_handle(cdh);
	q->allow = sk_cbor_param(args, GA_ALLOW);
	q->pa.auth = sk_cbor_param(args, GA_PIN_AUTH);
	q->pa.protocol = sk_cbor_param(args, GA_PIN_PROTOCOL);
	if (q->allow != NULL && (st = sk_cbor_check_descriptors(q->allow)) != SK_CTAP2_OK)
		return st;
	return parse_options(sk_cbor_param(args, GA_OPTIONS), q);
}

/* {"id": id, "type": "public-key"} */
static cbor_item_t *descriptor(const cbor_item_t *id)
{
	cbor_item_t *m = NULL;

	if ((m = cbor_new_definite_map(2)) == NULL)
		return NULL;
	if (!sk_map_put_str(m, "id", cbor_build_bytestring(cbor_bytestring_handle(id),
	    cbor_bytestring_length(id))) ||
	    !sk_map_put_str(m, "type", cbor_build_string("public-key")))
		cbor_decref(&m);
	return m;
}

static int build_reply(const struct sk_state *st, const struct ga_req *q,
    const cbor_item_t *id, EVP_PKEY *key, uint8_t flags, struct sk_reply *out)
{
	unsigned char *ad = NULL, *sig = NULL;
	size_t ad_len = 0, sig_len = 0;
	cbor_item_t *m = NULL;
	int r;

	if ((r = sk_authdata(q->rp_hash, flags, sk_counter_value(st), NULL, NULL,
	    &ad, &ad_len)) != SK_OK ||
	    (r = sk_sign_parts(key, (const struct sk_iov[]){ { ad, ad_len },
	    { q->cdh, SK_HASH_LEN } }, 2, &sig, &sig_len)) != SK_OK)
		goto fail;
	r = SK_ENOMEM;
	if ((m = cbor_new_definite_map(3)) == NULL ||
	    !sk_map_put_uint(m, 1, descriptor(id)) ||
	    !sk_map_put_uint(m, 2, cbor_build_bytestring(ad, ad_len)) ||
	    !sk_map_put_uint(m, 3, cbor_build_bytestring(sig, sig_len)))
		goto fail;
	r = sk_reply_cbor(SK_CTAP2_OK, m, &out->ptr, &out->len);
fail:
	if (m != NULL)
		cbor_decref(&m);
	free(ad);
	free(sig);
	return r;
}

/* Which credential, UV, UP: a CTAP status or SK_WAIT_TOUCH. */
static int preflight(struct sk_session *s, const struct sk_state *st,
    const struct ga_req *q, const cbor_item_t **id, EVP_PKEY **key, uint8_t *flags)
{
	bool uv = false;
	int r;

	if (q->allow == NULL || !sk_cred_find(st, q->rp_hash, q->allow, id, key))
		return SK_CTAP2_ERR_NO_CREDENTIALS;  /* we keep no resident keys */
	if ((r = sk_pin_verify_auth(s, st, &q->pa, q->cdh, q->uv, &uv)) != SK_CTAP2_OK)
		return r;
	*flags = (uv ? SK_AD_UV : 0) | sk_profile_flags(st->profile);
	if (q->up == 0)
		return SK_CTAP2_OK;  /* silent probe: no touch, UP=0 */
	*flags |= SK_AD_UP;
	return st->touch ? SK_CTAP2_OK : SK_WAIT_TOUCH;
}

int sk_ctap2_get_assertion(struct sk_session *s, const cbor_item_t *args,
    struct sk_reply *out)
{
	struct sk_txn t = SK_TXN_INIT;
	const cbor_item_t *id = NULL;
	EVP_PKEY *key = NULL;
	struct ga_req q;
	uint8_t flags = 0;
	int r;

	if ((r = parse_request(args, &q)) != SK_CTAP2_OK)
		return sk_reply_status(out, (uint8_t)r);
	if ((r = sk_txn_begin(s->path, &t)) != SK_OK)
		return r;
	if ((r = preflight(s, &t.st, &q, &id, &key, &flags)) != SK_CTAP2_OK) {
		if (r != SK_WAIT_TOUCH)
			r = sk_reply_status(out, (uint8_t)r);
		goto fail;
	}
	/* The counter is on disk before any signature shows it. */
	if (!sk_counter_next(&t.st)) {
		r = sk_reply_status(out, SK_CTAP1_ERR_OTHER);
		goto fail;
	}
	if (t.st.profile->counts && (r = sk_txn_commit(&t)) != SK_OK)
		goto fail;
	r = build_reply(&t.st, &q, id, key, flags, out);
fail:
	EVP_PKEY_free(key);
	sk_txn_end(&t);
	return r;
}
