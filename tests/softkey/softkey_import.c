/*
 * Credentials made by another authenticator, kept in the state file
 * (doc/ARCHITECTURE.md §10.2). The end-to-end web gate test enrolls a key
 * in Chromium's virtual authenticator, whose DevTools give out each
 * credential's private key; taken in here, the same credential then signs
 * at the console through libfido2, as a key carried from the browser to a
 * workstation would. Such a credential is stored whole (its id cannot be
 * one of our wrapped ids), so the state file lists it; its key is a secret
 * like the wrap key and is wiped with the state.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "softkey.h"

#define KEY_B64_MAX 8192

static bool b64_alphabet(const char *s, size_t n)
{
	static const char set[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t body = strspn(s, set);

	/* Letters, then at most two '=' that end it. */
	return body + 2 >= n && strspn(s + body, "=") == n - body;
}

int sk_base64_decode(const char *in, unsigned char **out, size_t *len)
{
	size_t n = in != NULL ? strnlen(in, KEY_B64_MAX + 1) : 0, pad;
	unsigned char *buf = NULL;
	int got;

	*out = NULL;
	*len = 0;
	if (n == 0 || n > KEY_B64_MAX || n % 4 != 0 || !b64_alphabet(in, n))
		return SK_EINVAL;
	pad = (size_t)(in[n - 1] == '=') + (size_t)(in[n - 2] == '=');
	if ((buf = malloc(n / 4 * 3)) == NULL)
		return SK_ENOMEM;
	/* EVP_DecodeBlock counts the padding as zero bytes: take them off. */
	if ((got = EVP_DecodeBlock(buf, (const unsigned char *)in, (int)n)) < 0 ||
	    (size_t)got != n / 4 * 3 || (size_t)got <= pad) {
		sk_wipe_free(&buf, n / 4 * 3);
		return SK_EINVAL;
	}
	*out = buf;
	*len = (size_t)got - pad;
	return SK_OK;
}

static const struct sk_imported *find(const struct sk_state *st,
    const unsigned char rp_hash[SK_HASH_LEN], const unsigned char *id, size_t id_len)
{
	for (size_t i = 0; i < st->n_imported; i++) {
		const struct sk_imported *c = &st->imported[i];

		if (c->id_len == id_len && memcmp(c->id, id, id_len) == 0 &&
		    memcmp(c->rp_hash, rp_hash, SK_HASH_LEN) == 0)
			return c;
	}
	return NULL;
}

bool sk_imported_open(const struct sk_state *st, const unsigned char rp_hash[SK_HASH_LEN],
    const unsigned char *id, size_t id_len, EVP_PKEY **key)
{
	const struct sk_imported *c;

	*key = NULL;
	if (id == NULL || id_len == 0 || id_len > SK_CRED_ID_MAX ||
	    (c = find(st, rp_hash, id, id_len)) == NULL)
		return false;
	return sk_key_from_der(c->key, c->key_len, key) == SK_OK;
}

/* The id: 1 to SK_CRED_ID_MAX bytes, not yet held for this relying party. */
static int take_id(const struct sk_state *st, const char *id_b64, struct sk_imported *c)
{
	unsigned char *id = NULL;
	size_t len = 0;
	int r;

	if ((r = sk_base64_decode(id_b64, &id, &len)) != SK_OK)
		return r;
	if (len > SK_CRED_ID_MAX)
		r = SK_EINVAL;
	else if (find(st, c->rp_hash, id, len) != NULL)
		r = SK_EEXIST;
	else {
		memcpy(c->id, id, len);
		c->id_len = len;
	}
	free(id);
	return r;
}

/* The key: a whole DER private key of a kind the device signs with. */
static int take_key(const char *key_b64, struct sk_imported *c)
{
	EVP_PKEY *key = NULL;
	int r;

	if ((r = sk_base64_decode(key_b64, &c->key, &c->key_len)) != SK_OK)
		return r;
	if (sk_key_from_der(c->key, c->key_len, &key) != SK_OK)
		r = SK_EINVAL;
	EVP_PKEY_free(key);
	return r;
}

int sk_import(struct sk_state *st, const char *rp_id, const char *id_b64,
    const char *key_b64, uint32_t sign_count)
{
	struct sk_imported c;
	int r;

	memset(&c, 0, sizeof(c));
	if (rp_id == NULL || rp_id[0] == '\0' || st->n_imported >= SK_IMPORTED_MAX)
		return SK_EINVAL;
	if ((r = sk_sha256(rp_id, strlen(rp_id), c.rp_hash)) != SK_OK ||
	    (r = take_id(st, id_b64, &c)) != SK_OK ||
	    (r = take_key(key_b64, &c)) != SK_OK) {
		sk_wipe_free(&c.key, c.key_len);
		return r;
	}
	st->imported[st->n_imported++] = c;
	/* A lower count would make the next signature look like a cloned key's. */
	if (st->profile->counts && st->counter < sign_count)
		st->counter = sign_count;
	return SK_OK;
}
