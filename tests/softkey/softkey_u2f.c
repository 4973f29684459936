/*
 * CTAP1/U2F over CTAPHID_MSG (FIDO U2F raw message formats v1.2): ISO 7816-4
 * APDUs with extended length encoding, CLA 0:
 *   REGISTER      (INS 0x01) challenge(32) application(32)
 *   AUTHENTICATE  (INS 0x02) P1 = 0x07 check-only, 0x03 enforce presence
 *                 and sign, 0x08 sign without presence;
 *                 challenge(32) application(32) L(1) key handle(L)
 *   VERSION       (INS 0x03) -> "U2F_V2"
 * Key handles are the same wrapped credential ids CTAP2 uses, so a key
 * made by either protocol signs under both. U2F has no keepalive: a
 * request that needs a touch that has not come returns SK_WAIT_TOUCH and
 * the framing layer answers SW_CONDITIONS_NOT_SATISFIED; the host retries.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "softkey.h"

#define INS_REGISTER 0x01
#define INS_AUTHENTICATE 0x02
#define INS_VERSION 0x03

#define AUTH_CHECK_ONLY 0x07
#define AUTH_ENFORCE 0x03
#define AUTH_DONT_ENFORCE 0x08

#define SW_NO_ERROR 0x9000
#define SW_WRONG_LENGTH 0x6700
#define SW_CONDITIONS_NOT_SATISFIED 0x6985
#define SW_WRONG_DATA 0x6a80
#define SW_INCORRECT_P1P2 0x6a86
#define SW_INS_NOT_SUPPORTED 0x6d00
#define SW_CLA_NOT_SUPPORTED 0x6e00
#define SW_NO_DIAGNOSIS 0x6f00

#define REGISTER_RESERVED 0x05
#define VERSION_STRING "U2F_V2"

struct apdu {
	uint8_t cla, ins, p1;
	const unsigned char *data;
	size_t lc;
};

/* Header only, header + Le, or header + Lc + data [+ Le] (extended lengths). */
static bool parse_apdu(const unsigned char *p, size_t len, struct apdu *a)
{
	size_t rest;

	memset(a, 0, sizeof(*a));
	if (len < 4)
		return false;
	a->cla = p[0];
	a->ins = p[1];
	a->p1 = p[2];
	if (len == 4 || (len == 7 && p[4] == 0))
		return true;
	if (len < 7 || p[4] != 0)
		return false;
	a->lc = (size_t)p[5] << 8 | p[6];
	if (a->lc == 0 || a->lc > len - 7)
		return false;
	a->data = p + 7;
	rest = len - 7 - a->lc;
	return rest == 0 || rest == 2;  /* optional Le */
}

static int reply_sw(struct sk_reply *out, unsigned sw)
{
	if ((out->ptr = malloc(2)) == NULL)
		return SK_ENOMEM;
	out->ptr[0] = (unsigned char)(sw >> 8);
	out->ptr[1] = (unsigned char)sw;
	out->len = 2;
	return SK_OK;
}

/* Reply = body then SW_NO_ERROR; body is copied. */
static int reply_ok(struct sk_reply *out, const unsigned char *body, size_t len)
{
	if ((out->ptr = malloc(len + 2)) == NULL)
		return SK_ENOMEM;
	memcpy(out->ptr, body, len);
	out->ptr[len] = SW_NO_ERROR >> 8;
	out->ptr[len + 1] = SW_NO_ERROR & 0xff;
	out->len = len + 2;
	return SK_OK;
}

/* 0x05 || pubkey || L || key handle || cert || signature */
static int register_reply(const struct sk_state *st, const unsigned char *chal,
    const unsigned char *app, const struct sk_newcred *c, struct sk_reply *out)
{
	const unsigned char zero = 0x00, rsv = REGISTER_RESERVED, l = (uint8_t)c->id_len;
	unsigned char *sig = NULL, *body = NULL, *p;
	size_t sig_len = 0, len;
	EVP_PKEY *att = NULL;
	int r;

	if ((r = sk_att_key(st, &att)) != SK_OK ||
	    (r = sk_sign_parts(att, (const struct sk_iov[]){ { &zero, 1 }, { app, SK_HASH_LEN },
	    { chal, SK_HASH_LEN }, { c->id, c->id_len }, { c->point, SK_EC_POINT_LEN } },
	    5, &sig, &sig_len)) != SK_OK)
		goto fail;
	len = 1 + SK_EC_POINT_LEN + 1 + c->id_len + st->att_cert_len + sig_len;
	if ((p = body = malloc(len)) == NULL) {
		r = SK_ENOMEM;
		goto fail;
	}
	*p++ = rsv;
	memcpy(p, c->point, SK_EC_POINT_LEN);
	p += SK_EC_POINT_LEN;
	*p++ = l;
	memcpy(p, c->id, c->id_len);
	p += c->id_len;
	memcpy(p, st->att_cert, st->att_cert_len);
	memcpy(p + st->att_cert_len, sig, sig_len);
	r = reply_ok(out, body, len);
fail:
	free(body);
	free(sig);
	EVP_PKEY_free(att);
	return r;
}

static int do_register(struct sk_session *s, const struct apdu *a, struct sk_reply *out)
{
	struct sk_txn t = SK_TXN_INIT;
	struct sk_newcred c;
	int r;

	memset(&c, 0, sizeof(c));
	if (a->lc != 2 * SK_HASH_LEN)
		return reply_sw(out, SW_WRONG_LENGTH);
	if ((r = sk_txn_begin(s->path, &t)) != SK_OK)
		return r;
	if (!t.st.touch) {
		r = SK_WAIT_TOUCH;
		goto fail;
	}
	t.st.creds_made++;
	if ((r = sk_cred_create(&t.st, a->data + SK_HASH_LEN, SK_COSE_ES256, &c)) != SK_OK ||
	    (r = sk_txn_commit(&t)) != SK_OK)
		goto fail;
	r = register_reply(&t.st, a->data, a->data + SK_HASH_LEN, &c, out);
fail:
	sk_newcred_clear(&c);
	sk_txn_end(&t);
	return r;
}

/* flags || counter || signature over app || flags || counter || challenge */
static int auth_reply(const struct sk_state *st, EVP_PKEY *key, uint8_t flags,
    const unsigned char *chal, const unsigned char *app, struct sk_reply *out)
{
	uint32_t n = sk_counter_value(st);
	unsigned char head[5] = { flags, (unsigned char)(n >> 24),
	    (unsigned char)(n >> 16), (unsigned char)(n >> 8), (unsigned char)n };
	unsigned char *sig = NULL, *body = NULL;
	size_t sig_len = 0;
	int r;

	if ((r = sk_sign_parts(key, (const struct sk_iov[]){ { app, SK_HASH_LEN },
	    { head, sizeof(head) }, { chal, SK_HASH_LEN } }, 3, &sig, &sig_len)) != SK_OK)
		return r;
	if ((body = malloc(sizeof(head) + sig_len)) == NULL) {
		free(sig);
		return SK_ENOMEM;
	}
	memcpy(body, head, sizeof(head));
	memcpy(body + sizeof(head), sig, sig_len);
	r = reply_ok(out, body, sizeof(head) + sig_len);
	free(body);
	free(sig);
	return r;
}

/* Sign for an opened key: touch, counter (on disk first), reply. */
static int auth_sign(struct sk_txn *t, const struct apdu *a, EVP_PKEY *key,
    struct sk_reply *out)
{
	uint8_t flags = a->p1 == AUTH_ENFORCE ? SK_AD_UP : 0;
	int r;

	if (a->p1 == AUTH_ENFORCE && !t->st.touch)
		return SK_WAIT_TOUCH;
	if (!sk_counter_next(&t->st))
		return reply_sw(out, SW_CONDITIONS_NOT_SATISFIED);
	if (t->st.profile->counts && (r = sk_txn_commit(t)) != SK_OK)
		return r;
	return auth_reply(&t->st, key, flags, a->data, a->data + SK_HASH_LEN, out);
}

static int do_authenticate(struct sk_session *s, const struct apdu *a,
    struct sk_reply *out)
{
	struct sk_txn t = SK_TXN_INIT;
	EVP_PKEY *key = NULL;
	size_t kh_len;
	int r;

	if (a->p1 != AUTH_CHECK_ONLY && a->p1 != AUTH_ENFORCE && a->p1 != AUTH_DONT_ENFORCE)
		return reply_sw(out, SW_INCORRECT_P1P2);
	if (a->lc < 2 * SK_HASH_LEN + 1 ||
	    (kh_len = a->data[2 * SK_HASH_LEN]) != a->lc - 2 * SK_HASH_LEN - 1)
		return reply_sw(out, SW_WRONG_LENGTH);
	if ((r = sk_txn_begin(s->path, &t)) != SK_OK)
		return r;
	/* U2F signs with P-256 only: an EdDSA credential is not a U2F key handle. */
	if (!sk_cred_open(&t.st, a->data + SK_HASH_LEN, a->data + 2 * SK_HASH_LEN + 1,
	    kh_len, &key) || sk_key_alg(key) != SK_COSE_ES256)
		r = reply_sw(out, SW_WRONG_DATA);  /* not ours, or not for this app */
	else if (a->p1 == AUTH_CHECK_ONLY)
		r = reply_sw(out, SW_CONDITIONS_NOT_SATISFIED);  /* "yes, it is ours" */
	else
		r = auth_sign(&t, a, key, out);
	EVP_PKEY_free(key);
	sk_txn_end(&t);
	return r;
}

static int do_version(struct sk_session *s, const struct apdu *a,
    struct sk_reply *out)
{
	(void)s;
	if (a->lc != 0)
		return reply_sw(out, SW_WRONG_LENGTH);
	return reply_ok(out, (const unsigned char *)VERSION_STRING,
	    strlen(VERSION_STRING));
}

static const struct u2f_cmd {
	uint8_t ins;
	int (*run)(struct sk_session *, const struct apdu *, struct sk_reply *);
} u2f_cmds[] = {
	{ INS_REGISTER, do_register },
	{ INS_AUTHENTICATE, do_authenticate },
	{ INS_VERSION, do_version },
};

static int dispatch(struct sk_session *s, const unsigned char *req, size_t len,
    struct sk_reply *out)
{
	struct apdu a;

	out->ptr = NULL;
	out->len = 0;
	if (!parse_apdu(req, len, &a))
		return reply_sw(out, SW_WRONG_LENGTH);
	if (a.cla != 0)
		return reply_sw(out, SW_CLA_NOT_SUPPORTED);
	for (size_t i = 0; i < sizeof(u2f_cmds) / sizeof(u2f_cmds[0]); i++)
		if (u2f_cmds[i].ins == a.ins)
			return u2f_cmds[i].run(s, &a, out);
	return reply_sw(out, SW_INS_NOT_SUPPORTED);
}

int sk_u2f_dispatch(struct sk_session *s, const unsigned char *req, size_t len,
    struct sk_reply *out)
{
	int r = dispatch(s, req, len, out);

	if (r < 0) {
		/* Fail closed: an internal error is a failure status word. */
		sk_reply_free(out);
		r = reply_sw(out, SW_NO_DIAGNOSIS);
	}
	return r;
}

int sk_u2f_reply_touch_needed(struct sk_reply *out)
{
	return reply_sw(out, SW_CONDITIONS_NOT_SATISFIED);
}
