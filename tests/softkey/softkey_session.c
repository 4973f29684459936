/*
 * What a device remembers only while it is powered (one open handle): the
 * PIN token and key agreement key of PIN protocol 1, and how many wrong
 * PINs were tried since power-up. Also the reply buffers handlers fill.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "softkey.h"

int sk_session_init(struct sk_session *s, const char *path)
{
	struct sk_txn t = SK_TXN_INIT;
	int r;

	memset(s, 0, sizeof(*s));
	/* A device whose state does not load is not plugged in. */
	if ((r = sk_txn_begin(path, &t)) != SK_OK)
		return r;
	s->profile = t.st.profile;
	sk_txn_end(&t);
	if ((s->path = strdup(path)) == NULL)
		return SK_ENOMEM;
	if ((r = sk_random(s->pin_token, sizeof(s->pin_token))) != SK_OK)
		sk_session_clear(s);
	return r;
}

void sk_session_clear(struct sk_session *s)
{
	free(s->path);
	EVP_PKEY_free(s->key_agreement);
	OPENSSL_cleanse(s, sizeof(*s));
}

void sk_reply_free(struct sk_reply *r)
{
	free(r->ptr);
	r->ptr = NULL;
	r->len = 0;
}

int sk_reply_status(struct sk_reply *r, uint8_t status)
{
	if ((r->ptr = malloc(1)) == NULL)
		return SK_ENOMEM;
	r->ptr[0] = status;
	r->len = 1;
	return SK_OK;
}
