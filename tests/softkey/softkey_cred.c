/*
 * Credentials and authenticator data. Credentials are non-resident: the id
 * carries the private key, sealed under the device's wrap key, so the state
 * file never grows and an id is worthless on another device:
 *
 *   id = 0x01 || iv (12) || AES-256-GCM(wrap key, iv, aad = rpIdHash,
 *        DER private key) || tag (16)
 *
 * The rpIdHash as additional data means an id made for one relying party
 * does not open under another one's hash. Credentials taken in with
 * softkey-ctl import (softkey_import.c) are listed in the state instead and
 * answer under their own id and relying party only.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "softkey.h"

#define ID_VERSION 0x01
#define ID_IV_LEN 12
#define ID_TAG_LEN 16
#define ID_OVERHEAD (1 + ID_IV_LEN + ID_TAG_LEN)
#define AUTHDATA_BASE_LEN (SK_HASH_LEN + 1 + 4)

static int seal_key(const struct sk_state *st,
    const unsigned char rp_hash[SK_HASH_LEN], const unsigned char *der,
    size_t der_len, struct sk_newcred *out)
{
	unsigned char *iv = out->id + 1;
	unsigned char *ct = iv + ID_IV_LEN;
	int r;

	if (der_len > SK_CRED_ID_MAX - ID_OVERHEAD)
		return SK_EINVAL;
	out->id[0] = ID_VERSION;
	if ((r = sk_random(iv, ID_IV_LEN)) != SK_OK ||
	    (r = sk_aes_gcm_seal(st->wrap_key, iv, rp_hash, SK_HASH_LEN, der,
	    der_len, ct, ct + der_len)) != SK_OK)
		return r;
	out->id_len = der_len + ID_OVERHEAD;
	return SK_OK;
}

/* The key pair of a new credential and its public half. */
static int new_key(int alg, struct sk_newcred *out)
{
	int r;

	out->alg = alg;
	if (alg == SK_COSE_ES256) {
		if ((r = sk_ec_generate(&out->key)) != SK_OK)
			return r;
		return sk_ec_public_point(out->key, out->point);
	}
	if (alg == SK_COSE_EDDSA) {
		if ((r = sk_ed25519_generate(&out->key)) != SK_OK)
			return r;
		return sk_ed25519_public(out->key, out->ed_pub);
	}
	return SK_EINVAL;
}

int sk_cred_create(const struct sk_state *st, const unsigned char rp_hash[SK_HASH_LEN],
    int alg, struct sk_newcred *out)
{
	unsigned char *der = NULL;
	size_t der_len = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = new_key(alg, out)) != SK_OK ||
	    (r = sk_key_to_der(out->key, &der, &der_len)) != SK_OK ||
	    (r = seal_key(st, rp_hash, der, der_len, out)) != SK_OK)
		sk_newcred_clear(out);
	sk_wipe_free(&der, der_len);
	return r;
}

void sk_newcred_clear(struct sk_newcred *c)
{
	EVP_PKEY_free(c->key);
	OPENSSL_cleanse(c, sizeof(*c));
}

bool sk_cred_open(const struct sk_state *st, const unsigned char rp_hash[SK_HASH_LEN],
    const unsigned char *id, size_t id_len, EVP_PKEY **key)
{
	unsigned char *der = NULL;
	size_t der_len;
	bool ok = false;

	/* A credential taken in from another authenticator keeps its own id. */
	if (sk_imported_open(st, rp_hash, id, id_len, key))
		return true;
	if (id == NULL || id_len <= ID_OVERHEAD || id_len > SK_CRED_ID_MAX ||
	    id[0] != ID_VERSION)
		return false;
	der_len = id_len - ID_OVERHEAD;
	if ((der = malloc(der_len)) == NULL)
		return false;
	if (sk_aes_gcm_open(st->wrap_key, id + 1, rp_hash, SK_HASH_LEN,
	    id + 1 + ID_IV_LEN, der_len, id + 1 + ID_IV_LEN + der_len, der) == SK_OK &&
	    sk_key_from_der(der, der_len, key) == SK_OK)
		ok = true;
	sk_wipe_free(&der, der_len);
	return ok;
}

bool sk_cred_find(const struct sk_state *st, const unsigned char rp_hash[SK_HASH_LEN],
    const cbor_item_t *list, const cbor_item_t **id, EVP_PKEY **key)
{
	cbor_item_t **items = cbor_array_handle(list);
	const cbor_item_t *v;

	*id = NULL;
	*key = NULL;
	for (size_t i = 0; i < cbor_array_size(list); i++) {
		/* Descriptors of a type we do not know are skipped, as CTAP says. */
		if (!sk_cbor_text_eq(sk_cbor_field(items[i], "type"), "public-key"))
			continue;
		v = sk_cbor_field(items[i], "id");
		if (sk_cred_open(st, rp_hash, cbor_bytestring_handle(v),
		    cbor_bytestring_length(v), key)) {
			*id = v;
			return true;
		}
	}
	return false;
}

bool sk_counter_next(struct sk_state *st)
{
	if (!st->profile->counts)
		return true;  /* like a synced passkey: always 0 */
	if (st->counter == UINT32_MAX)
		return false;  /* a wrapped counter would look like a cloned key */
	st->counter++;
	return true;
}

uint32_t sk_counter_value(const struct sk_state *st)
{
	return st->profile->counts ? st->counter : 0;
}

static size_t put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
	return 4;
}

/* aaguid || credIdLen || credId || COSE key, appended at p. */
static size_t put_attested(unsigned char *p, const unsigned char *aaguid,
    const struct sk_newcred *cred, const unsigned char *cose, size_t cose_len)
{
	unsigned char *start = p;

	memcpy(p, aaguid, SK_AAGUID_LEN);
	p += SK_AAGUID_LEN;
	*p++ = (unsigned char)(cred->id_len >> 8);
	*p++ = (unsigned char)cred->id_len;
	memcpy(p, cred->id, cred->id_len);
	p += cred->id_len;
	memcpy(p, cose, cose_len);
	p += cose_len;
	return (size_t)(p - start);
}

static int cose_bytes(const struct sk_newcred *cred, unsigned char **out, size_t *len)
{
	cbor_item_t *cose = NULL;
	size_t cap = 0;

	*out = NULL;
	*len = 0;
	cose = cred->alg == SK_COSE_EDDSA ? sk_cose_ed25519(cred->ed_pub) :
	    sk_cose_p256(cred->point, SK_COSE_ES256);
	if (cose == NULL)
		return SK_ENOMEM;
	*len = cbor_serialize_alloc(cose, out, &cap);
	cbor_decref(&cose);
	return *len > 0 ? SK_OK : SK_ENOMEM;
}

int sk_authdata(const unsigned char rp_hash[SK_HASH_LEN], uint8_t flags,
    uint32_t counter, const unsigned char *aaguid, const struct sk_newcred *cred,
    unsigned char **out, size_t *out_len)
{
	unsigned char *cose = NULL, *buf = NULL, *p;
	size_t cose_len = 0, len = AUTHDATA_BASE_LEN;
	int r;

	*out = NULL;
	*out_len = 0;
	if (cred != NULL) {
		if (aaguid == NULL)
			return SK_EINVAL;
		if ((r = cose_bytes(cred, &cose, &cose_len)) != SK_OK)
			return r;
		len += SK_AAGUID_LEN + 2 + cred->id_len + cose_len;
		flags |= SK_AD_AT;
	}
	if ((buf = malloc(len)) == NULL) {
		free(cose);
		return SK_ENOMEM;
	}
	memcpy(buf, rp_hash, SK_HASH_LEN);
	p = buf + SK_HASH_LEN;
	*p++ = flags;
	p += put_be32(p, counter);
	if (cred != NULL)
		put_attested(p, aaguid, cred, cose, cose_len);
	free(cose);
	*out = buf;
	*out_len = len;
	return SK_OK;
}
