/*
 * ssh-keygen attestation files (sshattest.h): parse, rebuild the WebAuthn
 * attestation statement the fields came from, and hand it to the same
 * verification and classification as FIDO keys (attest.c).
 *
 * OpenSSH keeps no format name: a certificate and a signature are a packed
 * statement with x5c, or (P-256 with an all-zero AAGUID only) fido-u2f from
 * a CTAP1 key; a
 * signature alone is packed self attestation; neither is "none". Each
 * candidate must verify in full, so trying them cannot upgrade a key.
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "attest.h"
#include "err.h"
#include "sshattest.h"

#define ATTEST_MAGIC "ssh-sk-attest-v01"
#define HASH_LEN 32
#define NO_ATTESTATION_FMT "unattested"
#define AAGUID_OFF 37           /* rpIdHash (32), flags (1), signCount (4) */
#define AAGUID_LEN 16

void pr_sshattest_clear(struct pr_sshattest *a)
{
	if (a == NULL)
		return;
	free(a->cert);
	free(a->sig);
	free(a->authdata);
	memset(a, 0, sizeof(*a));
}

/* ---- the file ------------------------------------------------------------------ */

struct reader {
	const unsigned char *p;
	size_t left;
};

static bool read_u32(struct reader *r, uint32_t *v)
{
	if (r->left < 4)
		return false;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	    (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->left -= 4;
	return true;
}

static bool read_string(struct reader *r, const unsigned char **s, size_t *len)
{
	uint32_t n;

	if (!read_u32(r, &n) || n > r->left)
		return false;
	*s = r->p;
	*len = n;
	r->p += n;
	r->left -= n;
	return true;
}

/* A copy of s (NULL for an empty field). */
static int dup_field(const unsigned char *s, size_t len, unsigned char **out,
    size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	if (len == 0)
		return PR_OK;
	if ((*out = malloc(len)) == NULL)
		return PR_ERR_NOMEM;
	memcpy(*out, s, len);
	*out_len = len;
	return PR_OK;
}

/* The authenticator data: exactly one definite CBOR byte string. */
static int unwrap_authdata(const unsigned char *s, size_t len,
    struct pr_sshattest *out)
{
	struct cbor_load_result res;
	cbor_item_t *item = NULL;
	int r = PR_ERR_CORRUPT;

	if (len == 0)
		return PR_ERR_CORRUPT;
	if (!pr_cbor_fits(s, len))
		return PR_ERR_CORRUPT;
	item = cbor_load(s, len, &res);
	if (item != NULL && res.error.code == CBOR_ERR_NONE && res.read == len &&
	    cbor_isa_bytestring(item) && cbor_bytestring_is_definite(item) &&
	    cbor_bytestring_length(item) > 0)
		r = dup_field(cbor_bytestring_handle(item), cbor_bytestring_length(item),
		    &out->authdata, &out->authdata_len);
	if (item != NULL)
		cbor_decref(&item);
	return r;
}

int pr_sshattest_parse(const unsigned char *buf, size_t len,
    struct pr_sshattest *out, struct pr_errbuf *eb)
{
	struct reader r = { buf, len };
	const unsigned char *magic, *cert, *sig, *ad, *reserved;
	size_t magic_len, cert_len, sig_len, ad_len, reserved_len;
	uint32_t flags;
	int rc;

	memset(out, 0, sizeof(*out));
	if (buf == NULL || len == 0 || len > PR_SSHATTEST_MAX)
		return pr_fail(eb, PR_ERR_CORRUPT, "attestation is empty or too large");
	if (!read_string(&r, &magic, &magic_len) || magic_len != strlen(ATTEST_MAGIC) ||
	    memcmp(magic, ATTEST_MAGIC, magic_len) != 0)
		return pr_fail(eb, PR_ERR_CORRUPT, "not an %s attestation file",
		    ATTEST_MAGIC);
	if (!read_string(&r, &cert, &cert_len) || !read_string(&r, &sig, &sig_len) ||
	    !read_string(&r, &ad, &ad_len) || !read_u32(&r, &flags) ||
	    !read_string(&r, &reserved, &reserved_len))
		return pr_fail(eb, PR_ERR_CORRUPT, "attestation file is truncated");
	/* Unknown extensions could change the meaning: refuse rather than guess. */
	if (flags != 0 || reserved_len != 0)
		return pr_fail(eb, PR_ERR_CORRUPT, "attestation uses reserved fields");
	if (r.left != 0)
		return pr_fail(eb, PR_ERR_CORRUPT, "extra bytes after the attestation");
	if (cert_len > 0 && sig_len == 0)
		return pr_fail(eb, PR_ERR_CORRUPT,
		    "attestation has a certificate but no signature");
	if ((rc = dup_field(cert, cert_len, &out->cert, &out->cert_len)) != PR_OK ||
	    (rc = dup_field(sig, sig_len, &out->sig, &out->sig_len)) != PR_OK ||
	    (rc = unwrap_authdata(ad, ad_len, out)) != PR_OK) {
		pr_sshattest_clear(out);
		return rc == PR_ERR_NOMEM ? rc : pr_fail(eb, rc,
		    "authenticator data is not a CBOR byte string");
	}
	return PR_OK;
}

/* ---- statements ---------------------------------------------------------------- */

/* The COSE algorithm of the certificate's key, as packed's "alg" names it. */
static int cert_alg(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	EVP_PKEY *pk;
	X509 *x = NULL;
	int alg = 0;

	/* d2i_X509 decodes the key lazily: a key OpenSSL cannot read is NULL here. */
	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL || p != der + len ||
	    (pk = X509_get0_pubkey(x)) == NULL)
		goto out;
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_EC:
		alg = COSE_ES256;
		break;
	case EVP_PKEY_ED25519:
		alg = COSE_EDDSA;
		break;
	case EVP_PKEY_RSA:
		alg = COSE_RS256;
		break;
	}
out:
	X509_free(x);
	return alg;
}

static bool put_alg(cbor_item_t *m, int alg)
{
	struct cbor_pair kv;
	bool ok;

	kv.key = cbor_build_string("alg");
	kv.value = alg < 0 ? cbor_build_negint16((uint16_t)(-1 - alg)) :
	    cbor_build_uint16((uint16_t)alg);
	ok = kv.key != NULL && kv.value != NULL && cbor_map_add(m, kv);
	if (kv.key != NULL)
		cbor_decref(&kv.key);
	if (kv.value != NULL)
		cbor_decref(&kv.value);
	return ok;
}

static bool put_bytes(cbor_item_t *m, const char *key, const unsigned char *p,
    size_t len, bool in_array)
{
	struct cbor_pair kv;
	cbor_item_t *b = NULL;
	bool ok = false;

	kv.key = cbor_build_string(key);
	kv.value = NULL;
	if (kv.key == NULL || (b = cbor_build_bytestring(p, len)) == NULL)
		goto out;
	if (in_array) {
		if ((kv.value = cbor_new_definite_array(1)) == NULL ||
		    !cbor_array_push(kv.value, b))
			goto out;
	} else {
		kv.value = cbor_incref(b);
	}
	ok = cbor_map_add(m, kv);
out:
	if (b != NULL)
		cbor_decref(&b);
	if (kv.key != NULL)
		cbor_decref(&kv.key);
	if (kv.value != NULL)
		cbor_decref(&kv.value);
	return ok;
}

enum stmt_kind { STMT_PACKED_X5C, STMT_PACKED_SELF, STMT_U2F, STMT_NONE };

/* The attStmt map for kind, serialised. */
static int build_stmt(enum stmt_kind kind, const struct pr_sshattest *a, int key_alg,
    unsigned char **out, size_t *out_len)
{
	cbor_item_t *m = NULL;
	size_t cap = 0, n = kind == STMT_NONE ? 0 : kind == STMT_PACKED_X5C ? 3 : 2;
	bool ok;
	int alg;

	*out = NULL;
	*out_len = 0;
	if ((m = cbor_new_definite_map(n)) == NULL)
		return PR_ERR_NOMEM;
	switch (kind) {
	case STMT_PACKED_X5C:
		alg = cert_alg(a->cert, a->cert_len);
		ok = alg != 0 && put_alg(m, alg) &&
		    put_bytes(m, "sig", a->sig, a->sig_len, false) &&
		    put_bytes(m, "x5c", a->cert, a->cert_len, true);
		break;
	case STMT_PACKED_SELF:
		ok = put_alg(m, key_alg) && put_bytes(m, "sig", a->sig, a->sig_len, false);
		break;
	case STMT_U2F:
		ok = put_bytes(m, "sig", a->sig, a->sig_len, false) &&
		    put_bytes(m, "x5c", a->cert, a->cert_len, true);
		break;
	default:
		ok = true;
		break;
	}
	if (ok)
		*out_len = cbor_serialize_alloc(m, out, &cap);
	cbor_decref(&m);
	if (!ok || *out_len == 0) {
		free(*out);
		*out = NULL;
		return ok ? PR_ERR_NOMEM : PR_ERR_ATTESTATION;
	}
	return PR_OK;
}

static const char *stmt_fmt(enum stmt_kind kind)
{
	switch (kind) {
	case STMT_PACKED_X5C:
	case STMT_PACKED_SELF:
		return "packed";
	case STMT_U2F:
		return "fido-u2f";
	default:
		return "none";
	}
}

struct classify_ctx {
	const struct pr_sshattest *att;
	const struct pr_sshkey *key;
	unsigned char cdh[HASH_LEN];
	X509_STORE *anchors;
	const unsigned char (*aaguids)[16];
	size_t n_aaguids;
};

static int try_stmt(const struct classify_ctx *x, enum stmt_kind kind,
    struct pr_cred *out, struct pr_class_reason *reason, struct pr_errbuf *eb)
{
	struct pr_attest_input in;
	unsigned char *stmt = NULL;
	size_t stmt_len = 0;
	int r;

	if ((r = build_stmt(kind, x->att, x->key->cose_alg, &stmt, &stmt_len)) != PR_OK)
		return pr_fail(eb, r, "attestation certificate is not usable");
	in.fmt = stmt_fmt(kind);
	in.authdata = x->att->authdata;
	in.authdata_len = x->att->authdata_len;
	in.attstmt = stmt;
	in.attstmt_len = stmt_len;
	in.cdh = x->cdh;
	in.cdh_len = sizeof(x->cdh);
	in.rp_id = x->key->application;
	in.cose_alg = x->key->cose_alg;
	r = pr_attest_classify_raw(&in, x->anchors, x->aaguids, x->n_aaguids, out,
	    reason, eb);
	free(stmt);
	return r;
}

/*
 * fido-u2f authenticator data has an all-zero AAGUID (WebAuthn, fido-u2f
 * verification; libfido2's CTAP1 path leaves it so): a key that names its
 * model is a CTAP2 key and its statement is packed.
 */
static bool may_be_u2f(const struct classify_ctx *x)
{
	static const unsigned char zero[AAGUID_LEN];
	const struct pr_sshattest *a = x->att;

	return x->key->cose_alg == COSE_ES256 && a->authdata_len >= AAGUID_OFF + AAGUID_LEN &&
	    memcmp(a->authdata + AAGUID_OFF, zero, AAGUID_LEN) == 0;
}

/*
 * A certificate and a signature: packed, or fido-u2f where the data allows
 * it. When both fail, the reason names both, so it never blames only the
 * format the key does not use.
 */
static int verify_cert_statement(const struct classify_ctx *x, struct pr_cred *out,
    struct pr_class_reason *reason, struct pr_errbuf *eb)
{
	struct pr_errbuf as_packed = { 0 }, as_u2f = { 0 };
	int r;

	r = try_stmt(x, STMT_PACKED_X5C, out, reason, &as_packed);
	if (r != PR_ERR_ATTESTATION || !may_be_u2f(x))
		return r == PR_OK ? r : pr_fail(eb, r, "%s", as_packed.msg);
	r = try_stmt(x, STMT_U2F, out, reason, &as_u2f);
	if (r == PR_OK)
		return r;
	if (r != PR_ERR_ATTESTATION || strcmp(as_packed.msg, as_u2f.msg) == 0)
		return pr_fail(eb, r, "%s", as_u2f.msg);
	return pr_fail(eb, r, "%s; %s", as_packed.msg, as_u2f.msg);
}

/* The candidates the fields allow, most specific first. */
static int verify_statement(const struct classify_ctx *x, struct pr_cred *out,
    struct pr_class_reason *reason, struct pr_errbuf *eb)
{
	const struct pr_sshattest *a = x->att;

	if (a->cert != NULL)
		return verify_cert_statement(x, out, reason, eb);
	return try_stmt(x, a->sig != NULL ? STMT_PACKED_SELF : STMT_NONE, out, reason, eb);
}

/* The store's view of an SSH key: id = SHA-256(blob), the raw key. */
static int ssh_identity(const struct pr_sshkey *key, struct pr_cred *c)
{
	unsigned char h[HASH_LEN];
	int r;

	free(c->id);
	free(c->pubkey);
	c->id = c->pubkey = NULL;
	if ((r = pr_sshkey_hash(key, h)) != PR_OK)
		return r;
	if ((c->id = malloc(HASH_LEN)) == NULL ||
	    (c->pubkey = malloc(key->pubkey_len)) == NULL)
		return PR_ERR_NOMEM;
	memcpy(c->id, h, HASH_LEN);
	c->id_len = HASH_LEN;
	memcpy(c->pubkey, key->pubkey, key->pubkey_len);
	c->pubkey_len = key->pubkey_len;
	c->cose_alg = key->cose_alg;
	c->kind = PR_KIND_SSH;
	return PR_OK;
}

static bool same_key(const struct pr_cred *c, const struct pr_sshkey *key)
{
	return c->cose_alg == key->cose_alg && c->pubkey_len == key->pubkey_len &&
	    CRYPTO_memcmp(c->pubkey, key->pubkey, key->pubkey_len) == 0;
}

static int unattested(const struct pr_sshkey *key, struct pr_cred *out,
    struct pr_class_reason *reason)
{
	memset(out, 0, sizeof(*out));
	out->cls = PR_CLASS_PASSKEY;
	snprintf(out->fmt, sizeof(out->fmt), "%s", NO_ATTESTATION_FMT);
	if (reason != NULL)
		snprintf(reason->text, sizeof(reason->text), "no attestation");
	return ssh_identity(key, out);
}

int pr_sshattest_classify(const struct pr_sshattest *att,
    const struct pr_sshkey *key, const unsigned char *challenge,
    size_t challenge_len, X509_STORE *anchors,
    const unsigned char (*aaguids)[16], size_t n_aaguids,
    struct pr_cred *out, struct pr_class_reason *reason, struct pr_errbuf *eb)
{
	struct classify_ctx x = { att, key, { 0 }, anchors, aaguids, n_aaguids };
	unsigned int n = 0;
	int r;

	if (out == NULL || key == NULL || key->blob == NULL)
		return PR_ERR_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	if (reason != NULL)
		reason->text[0] = '\0';
	if (att == NULL) {
		if ((r = unattested(key, out, reason)) != PR_OK)
			goto fail;
		return r;
	}
	if (challenge == NULL || challenge_len == 0 || att->authdata == NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no challenge to verify against");
	if (EVP_Digest(challenge, challenge_len, x.cdh, &n, EVP_sha256(), NULL) != 1 ||
	    n != HASH_LEN)
		return PR_ERR_NOMEM;
	if ((r = verify_statement(&x, out, reason, eb)) != PR_OK)
		goto fail;
	if (!same_key(out, key)) {
		r = pr_fail(eb, PR_ERR_ATTESTATION,
		    "the attested credential is not this SSH key");
		goto fail;
	}
	if ((r = ssh_identity(key, out)) != PR_OK)
		goto fail;
	return PR_OK;
fail:
	pr_cred_clear(out);
	if (reason != NULL)
		reason->text[0] = '\0';     /* no class, so no reason for one */
	return r;
}
