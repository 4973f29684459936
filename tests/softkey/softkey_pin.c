/*
 * authenticatorClientPIN, PIN protocol 1 (CTAP 2.0 section 5.5), and the
 * pinAuth check of makeCredential/getAssertion.
 *
 * sharedSecret = SHA-256((ECDH(our key agreement key, platform key)).x);
 * PINs travel AES-256-CBC encrypted under it (IV 0) and requests carry
 * pinAuth = LEFT(HMAC-SHA-256(sharedSecret, ...), 16). The stored PIN is
 * LEFT(SHA-256(PIN), 16). A guess costs a retry before it is compared (the
 * decrement is on disk first); 8 wrong guesses block the PIN, 3 in a row
 * block PIN use until the device is re-plugged (re-opened).
 */
#include "config.h"

#include <string.h>

#include <openssl/crypto.h>

#include "softkey.h"

#define PIN_AUTH_LEN 16
#define PIN_ENC_LEN 64          /* a padded new PIN */
#define PIN_STREAK_MAX 3

enum pin_param {
	P_PROTOCOL = 1,
	P_SUBCOMMAND = 2,
	P_KEY_AGREEMENT = 3,
	P_PIN_AUTH = 4,
	P_NEW_PIN_ENC = 5,
	P_PIN_HASH_ENC = 6,
};

/* A byte-string parameter: SK_CTAP2_OK, missing or mistyped. */
static int bytes_param(const cbor_item_t *args, uint8_t key, const unsigned char **p,
    size_t *len)
{
	const cbor_item_t *v = sk_cbor_param(args, key);

	if (v == NULL)
		return SK_CTAP2_ERR_MISSING_PARAMETER;
	if (!sk_cbor_is_bytes(v))
		return SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	*p = cbor_bytestring_handle(v);
	*len = cbor_bytestring_length(v);
	return SK_CTAP2_OK;
}

static int key_agreement_key(struct sk_session *s, EVP_PKEY **key)
{
	int r = SK_OK;

	if (s->key_agreement == NULL)
		r = sk_ec_generate(&s->key_agreement);
	*key = s->key_agreement;
	return r;
}

/* sharedSecret from the platform's keyAgreement parameter: a CTAP status. */
static int shared_secret(struct sk_session *s, const cbor_item_t *args,
    unsigned char secret[SK_HASH_LEN])
{
	const cbor_item_t *ka = sk_cbor_param(args, P_KEY_AGREEMENT);
	EVP_PKEY *peer = NULL, *mine = NULL;
	int st;

	if (ka == NULL)
		return SK_CTAP2_ERR_MISSING_PARAMETER;
	if ((st = sk_cose_p256_parse(ka, &peer)) != SK_CTAP2_OK)
		return st;
	st = SK_CTAP1_ERR_OTHER;
	if (key_agreement_key(s, &mine) == SK_OK &&
	    sk_ecdh_secret(mine, peer, secret) == SK_OK)
		st = SK_CTAP2_OK;
	EVP_PKEY_free(peer);
	return st;
}

/* LEFT(HMAC-SHA-256(key, parts), 16) == auth, in constant time. */
static bool auth_ok(const unsigned char *key, size_t key_len,
    const struct sk_iov *parts, size_t n, const unsigned char *auth, size_t auth_len)
{
	unsigned char mac[SK_HASH_LEN];
	bool ok;

	if (auth_len != PIN_AUTH_LEN || sk_hmac_sha256(key, key_len, parts, n, mac) != SK_OK)
		return false;
	ok = sk_ct_equal(mac, auth, PIN_AUTH_LEN);
	OPENSSL_cleanse(mac, sizeof(mac));
	return ok;
}

/* The state of the PIN before a guess: a CTAP status. */
static int pin_usable(const struct sk_session *s, const struct sk_state *st)
{
	if (!st->pin_set)
		return SK_CTAP2_ERR_PIN_NOT_SET;
	if (st->pin_retries == 0)
		return SK_CTAP2_ERR_PIN_BLOCKED;
	if (s->pin_fail_streak >= PIN_STREAK_MAX)
		return SK_CTAP2_ERR_PIN_AUTH_BLOCKED;
	return SK_CTAP2_OK;
}

/*
 * Compare pinHashEnc with the stored PIN hash. The retry is spent and
 * written before the comparison, so killing the process mid-guess gains
 * nothing. Returns a CTAP status or a negative sk_result.
 */
static int check_pin_hash(struct sk_session *s, struct sk_txn *t,
    const unsigned char secret[SK_HASH_LEN], const unsigned char *enc, size_t len)
{
	unsigned char hash[SK_PIN_HASH_LEN];
	bool match;
	int r;

	if (len != SK_PIN_HASH_LEN)
		return SK_CTAP1_ERR_INVALID_LENGTH;
	t->st.pin_retries--;
	if ((r = sk_txn_commit(t)) != SK_OK)
		return r;
	if ((r = sk_aes_cbc(false, secret, enc, len, hash)) != SK_OK)
		return r;
	match = sk_ct_equal(hash, t->st.pin_hash, sizeof(hash));
	OPENSSL_cleanse(hash, sizeof(hash));
	if (!match) {
		EVP_PKEY_free(s->key_agreement);  /* the platform must start over */
		s->key_agreement = NULL;
		s->pin_fail_streak++;
		if (t->st.pin_retries == 0)
			return SK_CTAP2_ERR_PIN_BLOCKED;
		if (s->pin_fail_streak >= PIN_STREAK_MAX)
			return SK_CTAP2_ERR_PIN_AUTH_BLOCKED;
		return SK_CTAP2_ERR_PIN_INVALID;
	}
	s->pin_fail_streak = 0;
	t->st.pin_retries = SK_PIN_RETRIES;
	return sk_txn_commit(t);
}

/* Decrypt a padded new PIN and store it (not yet committed): a CTAP status. */
static int store_new_pin(struct sk_session *s, struct sk_state *st,
    const unsigned char secret[SK_HASH_LEN], const unsigned char *enc, size_t len)
{
	unsigned char pin[PIN_ENC_LEN + 1];
	int r = SK_CTAP2_ERR_PIN_POLICY_VIOLATION;

	if (len != PIN_ENC_LEN)
		return SK_CTAP2_ERR_PIN_POLICY_VIOLATION;
	if (sk_aes_cbc(false, secret, enc, len, pin) != SK_OK)
		return SK_CTAP1_ERR_OTHER;
	pin[PIN_ENC_LEN] = '\0';
	if (sk_state_set_pin(st, (const char *)pin) == SK_OK &&
	    sk_random(s->pin_token, sizeof(s->pin_token)) == SK_OK)
		r = SK_CTAP2_OK;  /* a new PIN invalidates tokens handed out */
	OPENSSL_cleanse(pin, sizeof(pin));
	return r;
}

static int get_retries(struct sk_session *s, const cbor_item_t *args,
    struct sk_reply *out)
{
	struct sk_txn t = SK_TXN_INIT;
	cbor_item_t *m = NULL;
	int r;

	(void)args;
	if ((r = sk_txn_begin(s->path, &t)) != SK_OK)
		return r;
	if ((m = cbor_new_definite_map(1)) == NULL ||
	    !sk_map_put_uint(m, 3, cbor_build_uint8((uint8_t)t.st.pin_retries)))
		r = SK_ENOMEM;
	else
		r = sk_reply_cbor(SK_CTAP2_OK, m, &out->ptr, &out->len);
	if (m != NULL)
		cbor_decref(&m);
	sk_txn_end(&t);
	return r;
}

static int get_key_agreement(struct sk_session *s, const cbor_item_t *args,
    struct sk_reply *out)
{
	unsigned char point[SK_EC_POINT_LEN];
	EVP_PKEY *key = NULL;
	cbor_item_t *m = NULL;
	int r;

	(void)args;
	if ((r = key_agreement_key(s, &key)) != SK_OK ||
	    (r = sk_ec_public_point(key, point)) != SK_OK)
		return r;
	if ((m = cbor_new_definite_map(1)) == NULL ||
	    !sk_map_put_uint(m, 1, sk_cose_p256(point, -25)))
		r = SK_ENOMEM;
	else
		r = sk_reply_cbor(SK_CTAP2_OK, m, &out->ptr, &out->len);
	if (m != NULL)
		cbor_decref(&m);
	return r;
}

/* Parameters of setPIN/changePIN/getPINToken, as far as they are present. */
struct pin_args {
	const unsigned char *auth, *new_enc, *hash_enc;
	size_t auth_len, new_enc_len, hash_enc_len;
};

/* Fetch the byte-string parameters named in want (bits 1 << P_*). */
static int get_args(const cbor_item_t *args, unsigned want, struct pin_args *a)
{
	int st = SK_CTAP2_OK;

	memset(a, 0, sizeof(*a));
	if (want & (1u << P_PIN_AUTH))
		st = bytes_param(args, P_PIN_AUTH, &a->auth, &a->auth_len);
	if (st == SK_CTAP2_OK && (want & (1u << P_NEW_PIN_ENC)))
		st = bytes_param(args, P_NEW_PIN_ENC, &a->new_enc, &a->new_enc_len);
	if (st == SK_CTAP2_OK && (want & (1u << P_PIN_HASH_ENC)))
		st = bytes_param(args, P_PIN_HASH_ENC, &a->hash_enc, &a->hash_enc_len);
	if (st == SK_CTAP2_OK && sk_cbor_param(args, P_KEY_AGREEMENT) == NULL)
		st = SK_CTAP2_ERR_MISSING_PARAMETER;
	return st;
}

/* Finish a PIN subcommand: a CTAP status (>= 0) becomes the reply. */
static int reply_or_fail(int r, struct sk_reply *out)
{
	return r >= 0 ? sk_reply_status(out, (uint8_t)r) : r;
}

static int set_pin_steps(struct sk_session *s, struct sk_txn *t,
    const cbor_item_t *args)
{
	unsigned char secret[SK_HASH_LEN];
	struct pin_args a;
	int st;

	if ((st = get_args(args, 1u << P_PIN_AUTH | 1u << P_NEW_PIN_ENC, &a)) != SK_CTAP2_OK)
		return st;
	if (t->st.pin_set)
		return SK_CTAP2_ERR_PIN_AUTH_INVALID;  /* changePIN is the way */
	if ((st = shared_secret(s, args, secret)) != SK_CTAP2_OK)
		return st;
	if (!auth_ok(secret, sizeof(secret),
	    &(struct sk_iov){ a.new_enc, a.new_enc_len }, 1, a.auth, a.auth_len))
		st = SK_CTAP2_ERR_PIN_AUTH_INVALID;
	else if ((st = store_new_pin(s, &t->st, secret, a.new_enc,
	    a.new_enc_len)) == SK_CTAP2_OK)
		st = sk_txn_commit(t);
	OPENSSL_cleanse(secret, sizeof(secret));
	return st;
}

static int set_pin(struct sk_session *s, const cbor_item_t *args,
    struct sk_reply *out)
{
	struct sk_txn t = SK_TXN_INIT;
	int r;

	if ((r = sk_txn_begin(s->path, &t)) != SK_OK)
		return r;
	r = set_pin_steps(s, &t, args);
	sk_txn_end(&t);
	return reply_or_fail(r, out);
}

static int change_pin_steps(struct sk_session *s, struct sk_txn *t,
    const cbor_item_t *args)
{
	unsigned char secret[SK_HASH_LEN];
	struct sk_iov parts[2];
	struct pin_args a;
	int st;

	if ((st = get_args(args, 1u << P_PIN_AUTH | 1u << P_NEW_PIN_ENC |
	    1u << P_PIN_HASH_ENC, &a)) != SK_CTAP2_OK ||
	    (st = pin_usable(s, &t->st)) != SK_CTAP2_OK ||
	    (st = shared_secret(s, args, secret)) != SK_CTAP2_OK)
		return st;
	parts[0] = (struct sk_iov){ a.new_enc, a.new_enc_len };
	parts[1] = (struct sk_iov){ a.hash_enc, a.hash_enc_len };
	if (!auth_ok(secret, sizeof(secret), parts, 2, a.auth, a.auth_len))
		st = SK_CTAP2_ERR_PIN_AUTH_INVALID;
	else if ((st = check_pin_hash(s, t, secret, a.hash_enc,
	    a.hash_enc_len)) == SK_CTAP2_OK &&
	    (st = store_new_pin(s, &t->st, secret, a.new_enc,
	    a.new_enc_len)) == SK_CTAP2_OK)
		st = sk_txn_commit(t);
	OPENSSL_cleanse(secret, sizeof(secret));
	return st;
}

static int change_pin(struct sk_session *s, const cbor_item_t *args,
    struct sk_reply *out)
{
	struct sk_txn t = SK_TXN_INIT;
	int r;

	if ((r = sk_txn_begin(s->path, &t)) != SK_OK)
		return r;
	r = change_pin_steps(s, &t, args);
	sk_txn_end(&t);
	return reply_or_fail(r, out);
}

/* {2: pinTokenEnc} */
static int reply_token(struct sk_session *s, const unsigned char secret[SK_HASH_LEN],
    struct sk_reply *out)
{
	unsigned char enc[SK_PIN_TOKEN_LEN];
	cbor_item_t *m = NULL;
	int r;

	if ((r = sk_aes_cbc(true, secret, s->pin_token, sizeof(s->pin_token), enc)) != SK_OK)
		return r;
	if ((m = cbor_new_definite_map(1)) == NULL ||
	    !sk_map_put_uint(m, 2, cbor_build_bytestring(enc, sizeof(enc))))
		r = SK_ENOMEM;
	else
		r = sk_reply_cbor(SK_CTAP2_OK, m, &out->ptr, &out->len);
	if (m != NULL)
		cbor_decref(&m);
	return r;
}

static int get_pin_token(struct sk_session *s, const cbor_item_t *args,
    struct sk_reply *out)
{
	struct sk_txn t = SK_TXN_INIT;
	unsigned char secret[SK_HASH_LEN];
	struct pin_args a;
	int r;

	if ((r = get_args(args, 1u << P_PIN_HASH_ENC, &a)) != SK_CTAP2_OK)
		return sk_reply_status(out, (uint8_t)r);
	if ((r = sk_txn_begin(s->path, &t)) != SK_OK)
		return r;
	if ((r = pin_usable(s, &t.st)) == SK_CTAP2_OK &&
	    (r = shared_secret(s, args, secret)) == SK_CTAP2_OK &&
	    (r = check_pin_hash(s, &t, secret, a.hash_enc, a.hash_enc_len)) == SK_OK)
		r = reply_token(s, secret, out);
	else
		r = reply_or_fail(r, out);
	OPENSSL_cleanse(secret, sizeof(secret));
	sk_txn_end(&t);
	return r;
}

static const struct pin_cmd {
	uint8_t sub;
	int (*run)(struct sk_session *, const cbor_item_t *, struct sk_reply *);
} pin_cmds[] = {
	{ 0x01, get_retries },
	{ 0x02, get_key_agreement },
	{ 0x03, set_pin },
	{ 0x04, change_pin },
	{ 0x05, get_pin_token },
};

int sk_ctap2_client_pin(struct sk_session *s, const cbor_item_t *args,
    struct sk_reply *out)
{
	const cbor_item_t *proto = sk_cbor_param(args, P_PROTOCOL);
	const cbor_item_t *sub = sk_cbor_param(args, P_SUBCOMMAND);

	if (proto == NULL || sub == NULL)
		return sk_reply_status(out, SK_CTAP2_ERR_MISSING_PARAMETER);
	if (!cbor_isa_uint(proto) || !cbor_isa_uint(sub))
		return sk_reply_status(out, SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE);
	if (cbor_get_int(proto) != 1)
		return sk_reply_status(out, SK_CTAP1_ERR_INVALID_PARAMETER);
	for (size_t i = 0; i < sizeof(pin_cmds) / sizeof(pin_cmds[0]); i++)
		if (cbor_get_int(sub) == pin_cmds[i].sub)
			return pin_cmds[i].run(s, args, out);
	return sk_reply_status(out, SK_CTAP1_ERR_INVALID_PARAMETER);
}

/* An empty pinAuth asks "is this the key the user touches?" (CTAP 2.0). */
static int touch_probe(const struct sk_state *st)
{
	if (!st->touch)
		return SK_WAIT_TOUCH;
	return st->pin_set ? SK_CTAP2_ERR_PIN_INVALID : SK_CTAP2_ERR_PIN_NOT_SET;
}

int sk_pin_verify_auth(struct sk_session *s, const struct sk_state *st,
    const struct sk_pin_auth *pa, const unsigned char cdh[SK_HASH_LEN],
    int uv_option, bool *uv)
{
	*uv = false;
	if (pa->auth == NULL)
		return uv_option == 1 ? SK_CTAP2_ERR_UNSUPPORTED_OPTION : SK_CTAP2_OK;
	if (!sk_cbor_is_bytes(pa->auth))
		return SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	if (cbor_bytestring_length(pa->auth) == 0)
		return touch_probe(st);
	if (pa->protocol == NULL)
		return SK_CTAP2_ERR_MISSING_PARAMETER;
	if (!cbor_isa_uint(pa->protocol) || cbor_get_int(pa->protocol) != 1)
		return SK_CTAP2_ERR_PIN_AUTH_INVALID;
	if (!st->pin_set)
		return SK_CTAP2_ERR_PIN_NOT_SET;
	if (!auth_ok(s->pin_token, sizeof(s->pin_token),
	    &(struct sk_iov){ cdh, SK_HASH_LEN }, 1,
	    cbor_bytestring_handle(pa->auth), cbor_bytestring_length(pa->auth)))
		return SK_CTAP2_ERR_PIN_AUTH_INVALID;
	*uv = true;
	return SK_CTAP2_OK;
}
