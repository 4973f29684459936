/*
 * The softkey's cryptography: OpenSSL 3 EVP interfaces only (no deprecated
 * low-level EC_KEY/HMAC_CTX calls). P-256 keys, ECDSA-SHA256, HMAC-SHA256,
 * AES-256-CBC for PIN protocol 1, AES-256-GCM for credential ids.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "softkey.h"

#define GCM_IV_LEN 12
#define GCM_TAG_LEN 16

int sk_random(void *buf, size_t len)
{
	if (len > INT_MAX)
		return SK_EINVAL;
	return RAND_bytes(buf, (int)len) == 1 ? SK_OK : SK_ECRYPTO;
}

int sk_sha256(const void *data, size_t len, unsigned char out[SK_HASH_LEN])
{
	unsigned int n = 0;

	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 ||
	    n != SK_HASH_LEN)
		return SK_ECRYPTO;
	return SK_OK;
}

int sk_hmac_sha256(const unsigned char *key, size_t key_len,
    const struct sk_iov *parts, size_t n, unsigned char out[SK_HASH_LEN])
{
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t out_len = 0;
	int r = SK_ECRYPTO;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(mac)) == NULL ||
	    EVP_MAC_init(ctx, key, key_len, params) != 1)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (EVP_MAC_update(ctx, parts[i].ptr, parts[i].len) != 1)
			goto fail;
	if (EVP_MAC_final(ctx, out, &out_len, SK_HASH_LEN) != 1 ||
	    out_len != SK_HASH_LEN)
		goto fail;
	r = SK_OK;
fail:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return r;
}

bool sk_ct_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

void sk_wipe_free(void *pp, size_t len)
{
	void **p = pp;

	if (p == NULL || *p == NULL)
		return;
	OPENSSL_cleanse(*p, len);
	free(*p);
	*p = NULL;
}

int sk_ec_generate(EVP_PKEY **out)
{
	*out = EVP_EC_gen("P-256");
	return *out != NULL ? SK_OK : SK_ECRYPTO;
}

int sk_ec_public_point(EVP_PKEY *key, unsigned char out[SK_EC_POINT_LEN])
{
	size_t len = 0;

	if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, out,
	    SK_EC_POINT_LEN, &len) != 1 || len != SK_EC_POINT_LEN ||
	    out[0] != 0x04)
		return SK_ECRYPTO;
	return SK_OK;
}

int sk_ed25519_generate(EVP_PKEY **out)
{
	*out = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return *out != NULL ? SK_OK : SK_ECRYPTO;
}

int sk_ed25519_public(EVP_PKEY *key, unsigned char out[SK_ED25519_LEN])
{
	size_t len = SK_ED25519_LEN;

	if (!EVP_PKEY_is_a(key, "ED25519") ||
	    EVP_PKEY_get_raw_public_key(key, out, &len) != 1 || len != SK_ED25519_LEN)
		return SK_ECRYPTO;
	return SK_OK;
}

/* Only P-256 and Ed25519 keys: anything else in a state file or from the host is refused. */
static bool is_p256(EVP_PKEY *key)
{
	char group[32];
	size_t len = 0;

	if (!EVP_PKEY_is_a(key, "EC") ||
	    EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), &len) != 1)
		return false;
	return strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0;
}

int sk_key_alg(EVP_PKEY *key)
{
	if (key == NULL)
		return 0;
	if (is_p256(key))
		return SK_COSE_ES256;
	return EVP_PKEY_is_a(key, "ED25519") ? SK_COSE_EDDSA : 0;
}

/* Importing the point checks that it lies on the curve (invalid-curve attacks). */
int sk_ec_from_point(const unsigned char x[SK_EC_COORD_LEN],
    const unsigned char y[SK_EC_COORD_LEN], EVP_PKEY **out)
{
	unsigned char point[SK_EC_POINT_LEN];
	EVP_PKEY_CTX *ctx = NULL;
	OSSL_PARAM params[3];
	int r = SK_ECRYPTO;

	*out = NULL;
	point[0] = 0x04;
	memcpy(point + 1, x, SK_EC_COORD_LEN);
	memcpy(point + 1 + SK_EC_COORD_LEN, y, SK_EC_COORD_LEN);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	    (char *)"P-256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	    point, sizeof(point));
	params[2] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto fail;
	r = SK_OK;
fail:
	EVP_PKEY_CTX_free(ctx);
	return r;
}

int sk_key_to_der(EVP_PKEY *key, unsigned char **der, size_t *len)
{
	unsigned char *buf = NULL, *p;
	int n;

	*der = NULL;
	*len = 0;
	if ((n = i2d_PrivateKey(key, NULL)) <= 0)
		return SK_ECRYPTO;
	if ((buf = malloc((size_t)n)) == NULL)
		return SK_ENOMEM;
	p = buf;
	if (i2d_PrivateKey(key, &p) != n) {
		sk_wipe_free(&buf, (size_t)n);
		return SK_ECRYPTO;
	}
	*der = buf;
	*len = (size_t)n;
	return SK_OK;
}

int sk_key_from_der(const unsigned char *der, size_t len, EVP_PKEY **out)
{
	const unsigned char *p = der;
	EVP_PKEY *key = NULL;

	*out = NULL;
	if (len == 0 || len > LONG_MAX)
		return SK_EINVAL;
	key = d2i_AutoPrivateKey(NULL, &p, (long)len);
	if (key == NULL || p != der + len || sk_key_alg(key) == 0) {
		EVP_PKEY_free(key);
		return SK_ECORRUPT;
	}
	*out = key;
	return SK_OK;
}

/* PureEdDSA has no streaming interface: sign the parts joined in one buffer. */
static int sign_ed25519(EVP_PKEY *key, const struct sk_iov *parts, size_t n,
    unsigned char **sig, size_t *sig_len)
{
	EVP_MD_CTX *ctx = NULL;
	unsigned char *msg = NULL, *buf = NULL;
	size_t len = 0, off = 0, sl = 64;
	int r = SK_ENOMEM;

	for (size_t i = 0; i < n; i++)
		len += parts[i].len;
	if ((msg = malloc(len > 0 ? len : 1)) == NULL || (buf = malloc(sl)) == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		memcpy(msg + off, parts[i].ptr, parts[i].len);
		off += parts[i].len;
	}
	r = SK_ECRYPTO;
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign(ctx, buf, &sl, msg, len) != 1)
		goto fail;
	*sig = buf;
	*sig_len = sl;
	buf = NULL;
	r = SK_OK;
fail:
	free(msg);
	free(buf);
	EVP_MD_CTX_free(ctx);
	return r;
}

int sk_sign_parts(EVP_PKEY *key, const struct sk_iov *parts, size_t n,
    unsigned char **sig, size_t *sig_len)
{
	EVP_MD_CTX *ctx = NULL;
	unsigned char *buf = NULL;
	size_t len = 0;
	int r = SK_ECRYPTO;

	*sig = NULL;
	*sig_len = 0;
	if (sk_key_alg(key) == SK_COSE_EDDSA)
		return sign_ed25519(key, parts, n, sig, sig_len);
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (EVP_DigestSignUpdate(ctx, parts[i].ptr, parts[i].len) != 1)
			goto fail;
	if (EVP_DigestSignFinal(ctx, NULL, &len) != 1)
		goto fail;
	if ((buf = malloc(len)) == NULL) {
		r = SK_ENOMEM;
		goto fail;
	}
	if (EVP_DigestSignFinal(ctx, buf, &len) != 1)
		goto fail;
	*sig = buf;
	*sig_len = len;
	buf = NULL;
	r = SK_OK;
fail:
	free(buf);
	EVP_MD_CTX_free(ctx);
	return r;
}

int sk_ecdh_secret(EVP_PKEY *mine, EVP_PKEY *peer, unsigned char out[SK_HASH_LEN])
{
	EVP_PKEY_CTX *ctx = NULL;
	unsigned char z[SK_EC_COORD_LEN];
	size_t len = sizeof(z);
	int r = SK_ECRYPTO;

	if (!is_p256(peer))
		return SK_EINVAL;
	if ((ctx = EVP_PKEY_CTX_new(mine, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, peer) != 1 ||
	    EVP_PKEY_derive(ctx, z, &len) != 1 || len != sizeof(z))
		goto fail;
	r = sk_sha256(z, sizeof(z), out);
fail:
	OPENSSL_cleanse(z, sizeof(z));
	EVP_PKEY_CTX_free(ctx);
	return r;
}

int sk_aes_cbc(bool encrypt, const unsigned char key[32], const unsigned char *in,
    size_t len, unsigned char *out)
{
	static const unsigned char iv[16];  /* all zero, as PIN protocol 1 says */
	EVP_CIPHER_CTX *ctx = NULL;
	int n = 0, fin = 0, r = SK_ECRYPTO;

	if (len == 0 || len % 16 != 0 || len > INT_MAX)
		return SK_EINVAL;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, iv,
	    encrypt ? 1 : 0) != 1 ||
	    EVP_CIPHER_CTX_set_padding(ctx, 0) != 1 ||
	    EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1 ||
	    EVP_CipherFinal_ex(ctx, out + n, &fin) != 1 ||
	    (size_t)(n + fin) != len)
		goto fail;
	r = SK_OK;
fail:
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

int sk_aes_gcm_seal(const unsigned char key[32], const unsigned char iv[12],
    const unsigned char *aad, size_t aad_len, const unsigned char *in, size_t len,
    unsigned char *out, unsigned char tag[16])
{
	EVP_CIPHER_CTX *ctx = NULL;
	int n = 0, fin = 0, r = SK_ECRYPTO;

	if (len > INT_MAX || aad_len > INT_MAX)
		return SK_EINVAL;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, GCM_IV_LEN, NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, key, iv) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1 ||
	    EVP_EncryptUpdate(ctx, out, &n, in, (int)len) != 1 ||
	    EVP_EncryptFinal_ex(ctx, out + n, &fin) != 1 ||
	    (size_t)(n + fin) != len ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, GCM_TAG_LEN, tag) != 1)
		goto fail;
	r = SK_OK;
fail:
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

/* Fails (SK_ECRYPTO) when the tag does not match: wrong key, id or aad. */
int sk_aes_gcm_open(const unsigned char key[32], const unsigned char iv[12],
    const unsigned char *aad, size_t aad_len, const unsigned char *in, size_t len,
    const unsigned char tag[16], unsigned char *out)
{
	EVP_CIPHER_CTX *ctx = NULL;
	unsigned char tag_copy[GCM_TAG_LEN];
	int n = 0, fin = 0, r = SK_ECRYPTO;

	if (len > INT_MAX || aad_len > INT_MAX)
		return SK_EINVAL;
	memcpy(tag_copy, tag, sizeof(tag_copy));  /* the ctrl wants a mutable buffer */
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, GCM_IV_LEN, NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key, iv) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1 ||
	    EVP_DecryptUpdate(ctx, out, &n, in, (int)len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, GCM_TAG_LEN,
	    tag_copy) != 1 ||
	    EVP_DecryptFinal_ex(ctx, out + n, &fin) != 1 ||
	    (size_t)(n + fin) != len)
		goto fail;
	r = SK_OK;
fail:
	if (r != SK_OK)
		OPENSSL_cleanse(out, len);
	EVP_CIPHER_CTX_free(ctx);
	return r;
}
