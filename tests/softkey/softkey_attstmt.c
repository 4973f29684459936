/*
 * Attestation statements of new CTAP2 credentials, by profile:
 *   packed (x5c)  {alg: -7, sig, x5c: [attestation cert]}, signed by the
 *                 device's attestation key (issued by the test CA);
 *   packed (self) {alg: -7 or -8, sig}, signed by the credential key itself;
 *   none          {}.
 * The signature covers authData || clientDataHash (WebAuthn 8.2).
 */
#include "config.h"

#include <stdlib.h>

#include "softkey.h"

int sk_att_key(const struct sk_state *st, EVP_PKEY **key)
{
	int r;

	*key = NULL;
	if (st->att_key == NULL)
		return SK_EINVAL;
	if ((r = sk_key_from_der(st->att_key, st->att_key_len, key)) != SK_OK)
		return r;
	if (sk_key_alg(*key) != SK_COSE_ES256) {   /* the certificate is for P-256 */
		EVP_PKEY_free(*key);
		*key = NULL;
		return SK_ECORRUPT;
	}
	return SK_OK;
}

static cbor_item_t *x5c_array(const struct sk_state *st)
{
	cbor_item_t *a = NULL, *cert = NULL;

	if ((a = cbor_new_definite_array(1)) == NULL)
		return NULL;
	cert = cbor_build_bytestring(st->att_cert, st->att_cert_len);
	if (cert == NULL || !cbor_array_push(a, cert))
		cbor_decref(&a);
	if (cert != NULL)
		cbor_decref(&cert);
	return a;
}

/* {alg, sig[, x5c]}: keys in canonical CTAP2 order; alg is the signing key's. */
static int packed_stmt(const struct sk_state *st, EVP_PKEY *key, bool with_x5c,
    const struct sk_iov signed_data[2], cbor_item_t **out)
{
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	cbor_item_t *m = NULL;
	int r;

	int alg = sk_key_alg(key);

	*out = NULL;
	if (alg == 0)
		return SK_EINVAL;
	if ((r = sk_sign_parts(key, signed_data, 2, &sig, &sig_len)) != SK_OK)
		return r;
	r = SK_ENOMEM;
	if ((m = cbor_new_definite_map(with_x5c ? 3 : 2)) == NULL ||
	    !sk_map_put_str(m, "alg", cbor_build_negint8((uint8_t)(-1 - alg))) ||
	    !sk_map_put_str(m, "sig", cbor_build_bytestring(sig, sig_len)) ||
	    (with_x5c && !sk_map_put_str(m, "x5c", x5c_array(st))))
		goto fail;
	*out = m;
	m = NULL;
	r = SK_OK;
fail:
	if (m != NULL)
		cbor_decref(&m);
	free(sig);
	return r;
}

static int packed_x5c(const struct sk_state *st, const struct sk_iov data[2],
    cbor_item_t **out)
{
	EVP_PKEY *key = NULL;
	int r;

	if ((r = sk_att_key(st, &key)) != SK_OK)
		return r;
	r = packed_stmt(st, key, true, data, out);
	EVP_PKEY_free(key);
	return r;
}

int sk_attstmt_build(const struct sk_state *st, EVP_PKEY *cred_key,
    const unsigned char *authdata, size_t authdata_len,
    const unsigned char cdh[SK_HASH_LEN], const char **fmt, cbor_item_t **stmt)
{
	const struct sk_iov data[2] = {
		{ authdata, authdata_len }, { cdh, SK_HASH_LEN },
	};

	*stmt = NULL;
	switch (st->profile->att) {
	case SK_ATT_PACKED:
		*fmt = "packed";
		return packed_x5c(st, data, stmt);
	case SK_ATT_SELF:
		*fmt = "packed";
		return packed_stmt(st, cred_key, false, data, stmt);
	case SK_ATT_NONE:
		*fmt = "none";
		*stmt = cbor_new_definite_map(0);
		return *stmt != NULL ? SK_OK : SK_ENOMEM;
	case SK_ATT_U2F:
		break;  /* fido-u2f comes only from a CTAP1 REGISTER */
	}
	return SK_EINVAL;
}
