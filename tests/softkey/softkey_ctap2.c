/*
 * CTAP2 over CTAPHID_CBOR: a command byte, then (for most commands) a CBOR
 * map of parameters. The command table says which handler runs; anything
 * not in it is CTAP1_ERR_INVALID_COMMAND.
 */
#include "config.h"

#include <stdlib.h>

#include "softkey.h"

#define CMD_MAKE_CREDENTIAL 0x01
#define CMD_GET_ASSERTION 0x02
#define CMD_GET_INFO 0x04
#define CMD_CLIENT_PIN 0x06
#define CMD_GET_NEXT_ASSERTION 0x08

/* Append item to array, consuming our reference. */
static bool push(cbor_item_t *array, cbor_item_t *item)
{
	bool ok = item != NULL && cbor_array_push(array, item);

	if (item != NULL)
		cbor_decref(&item);
	return ok;
}

static cbor_item_t *build_versions(const struct sk_profile *p)
{
	cbor_item_t *a = NULL;

	if ((a = cbor_new_definite_array(p->ctap1 ? 2 : 1)) == NULL)
		return NULL;
	if ((p->ctap1 && !push(a, cbor_build_string("U2F_V2"))) ||
	    !push(a, cbor_build_string("FIDO_2_0")))
		cbor_decref(&a);
	return a;
}

/* No resident keys, no built-in UV; clientPin says whether a PIN is set. */
static cbor_item_t *build_options(bool pin_set)
{
	cbor_item_t *m = NULL;

	if ((m = cbor_new_definite_map(4)) == NULL)
		return NULL;
	if (!sk_map_put_str(m, "rk", cbor_build_bool(false)) ||
	    !sk_map_put_str(m, "up", cbor_build_bool(true)) ||
	    !sk_map_put_str(m, "plat", cbor_build_bool(false)) ||
	    !sk_map_put_str(m, "clientPin", cbor_build_bool(pin_set)))
		cbor_decref(&m);
	return m;
}

static cbor_item_t *build_protocols(void)
{
	cbor_item_t *a = NULL;

	if ((a = cbor_new_definite_array(1)) != NULL &&
	    !push(a, cbor_build_uint8(1)))
		cbor_decref(&a);
	return a;
}

static cbor_item_t *build_info(const struct sk_state *st)
{
	cbor_item_t *m = NULL;

	if ((m = cbor_new_definite_map(5)) == NULL)
		return NULL;
	if (!sk_map_put_uint(m, 1, build_versions(st->profile)) ||
	    !sk_map_put_uint(m, 3, cbor_build_bytestring(st->profile->aaguid,
	    SK_AAGUID_LEN)) ||
	    !sk_map_put_uint(m, 4, build_options(st->pin_set)) ||
	    !sk_map_put_uint(m, 5, cbor_build_uint16(SK_MAX_MSG_SIZE)) ||
	    !sk_map_put_uint(m, 6, build_protocols()))
		cbor_decref(&m);
	return m;
}

static int get_info(struct sk_session *s, const cbor_item_t *args,
    struct sk_reply *out)
{
	struct sk_txn t = SK_TXN_INIT;
	cbor_item_t *info = NULL;
	int r;

	(void)args;
	if ((r = sk_txn_begin(s->path, &t)) != SK_OK)
		return r;
	if ((info = build_info(&t.st)) == NULL)
		r = SK_ENOMEM;
	else
		r = sk_reply_cbor(SK_CTAP2_OK, info, &out->ptr, &out->len);
	if (info != NULL)
		cbor_decref(&info);
	sk_txn_end(&t);
	return r;
}

/* getAssertion returns the first matching credential only: nothing follows. */
static int get_next_assertion(struct sk_session *s, const cbor_item_t *args,
    struct sk_reply *out)
{
	(void)s;
	(void)args;
	return sk_reply_status(out, SK_CTAP2_ERR_NOT_ALLOWED);
}

static const struct ctap2_cmd {
	uint8_t cmd;
	bool takes_params;   /* a parameter map follows the command byte */
	int (*run)(struct sk_session *, const cbor_item_t *, struct sk_reply *);
} ctap2_cmds[] = {
	{ CMD_MAKE_CREDENTIAL, true, sk_ctap2_make_credential },
	{ CMD_GET_ASSERTION, true, sk_ctap2_get_assertion },
	{ CMD_GET_INFO, false, get_info },
	{ CMD_CLIENT_PIN, true, sk_ctap2_client_pin },
	{ CMD_GET_NEXT_ASSERTION, false, get_next_assertion },
};

static const struct ctap2_cmd *find_cmd(uint8_t cmd)
{
	for (size_t i = 0; i < sizeof(ctap2_cmds) / sizeof(ctap2_cmds[0]); i++)
		if (ctap2_cmds[i].cmd == cmd)
			return &ctap2_cmds[i];
	return NULL;
}

/* Decode the parameter map: the whole rest of the message, nothing after it. */
static int load_params(const unsigned char *p, size_t len, cbor_item_t **out)
{
	struct cbor_load_result res;
	int st;

	*out = NULL;
	if (len == 0)
		return SK_CTAP2_ERR_MISSING_PARAMETER;
	if ((*out = cbor_load(p, len, &res)) == NULL || res.read != len) {
		if (*out != NULL)
			cbor_decref(out);
		return SK_CTAP2_ERR_INVALID_CBOR;
	}
	if ((st = sk_cbor_check_params(*out)) != SK_CTAP2_OK)
		cbor_decref(out);
	return st;
}

static int dispatch(struct sk_session *s, const unsigned char *req, size_t len,
    struct sk_reply *out)
{
	const struct ctap2_cmd *c;
	cbor_item_t *params = NULL;
	int st, r;

	out->ptr = NULL;
	out->len = 0;
	if (len == 0)
		return sk_reply_status(out, SK_CTAP1_ERR_INVALID_LENGTH);
	if (len > SK_MAX_MSG_SIZE)
		return sk_reply_status(out, SK_CTAP2_ERR_REQUEST_TOO_LARGE);
	if ((c = find_cmd(req[0])) == NULL)
		return sk_reply_status(out, SK_CTAP1_ERR_INVALID_COMMAND);
	if (!c->takes_params)
		return len == 1 ? c->run(s, NULL, out) :
		    sk_reply_status(out, SK_CTAP1_ERR_INVALID_LENGTH);
	if ((st = load_params(req + 1, len - 1, &params)) != SK_CTAP2_OK)
		return sk_reply_status(out, (uint8_t)st);
	r = c->run(s, params, out);
	cbor_decref(&params);
	return r;
}

int sk_ctap2_dispatch(struct sk_session *s, const unsigned char *req, size_t len,
    struct sk_reply *out)
{
	int r = dispatch(s, req, len, out);

	if (r < 0) {
		/* Fail closed: an internal error is CTAP1_ERR_OTHER, never success. */
		sk_reply_free(out);
		r = sk_reply_status(out, SK_CTAP1_ERR_OTHER);
	}
	return r;
}
