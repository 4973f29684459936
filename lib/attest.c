/*
 * Attestation: verify a new credential's statement (libfido2) and its
 * certificate chain (OpenSSL), then classify it physical or passkey
 * (doc/ARCHITECTURE.md §2.2). libfido2 checks the signatures. We read authData
 * and attStmt ourselves (libcbor) only to learn what libfido2 must be told
 * (key type, extensions) and to get the whole x5c chain.
 *
 * libcbor's accessors assert their item's type and abort() otherwise, so
 * every accessor here runs only after a check of type (and, for strings,
 * arrays and maps, definiteness): cbor_isa_* first, then the accessor.
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <fido.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "attest.h"
#include "err.h"

#define RPID_HASH_LEN 32
#define AD_FIXED_LEN 37         /* rpIdHash, flags, signCount */
#define AAGUID_LEN 16
#define AD_FLAG_UP 0x01
#define AD_FLAG_BE 0x08
#define AD_FLAG_AT 0x40
#define AD_FLAG_ED 0x80
#define CDH_LEN 32
#define X5C_MAX 8
#define COSE_KEY_LABEL_ALG 3
/* FIDO id-fido-gen-ce-aaguid: the AAGUID an attestation certificate vouches for. */
#define OID_FIDO_AAGUID "1.3.6.1.4.1.45724.1.1.4"
#define WHY_BE "backup eligible (synced passkey)"

/* What a statement proves once verified. */
enum att_kind {
	ATT_NONE,       /* fmt none: nothing to verify */
	ATT_APPLE,      /* fmt apple: libfido2 1.12 cannot verify it */
	ATT_SELF,       /* packed, signed by the credential key itself */
	ATT_TPM,        /* tpm: a platform authenticator */
	ATT_X5C,        /* packed with an attestation certificate */
	ATT_U2F,        /* fido-u2f */
};

/* What we read from authData ourselves. */
struct authdata_info {
	uint8_t flags;
	int key_alg;            /* COSE alg of the credential key */
	int ext_mask;           /* FIDO_EXT_* as libfido2 derives them */
	int prot;               /* credProtect, 0 if absent */
	size_t minpinlen;       /* minPinLength, 0 if absent */
};

/* What we read from attStmt ourselves. */
struct attstmt_info {
	size_t n_entries;
	int alg;                /* 0 if absent */
	STACK_OF(X509) *x5c;    /* leaf first; NULL if absent */
};

struct class_policy {
	X509_STORE *anchors;
	const unsigned char (*aaguids)[16];
	size_t n_aaguids;
};

static void reason_say(struct pr_class_reason *reason, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The class's reason, for people (reason may be NULL). */
static void reason_say(struct pr_class_reason *reason, const char *fmt, ...)
{
	va_list ap;

	if (reason == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(reason->text, sizeof(reason->text), fmt, ap);
	va_end(ap);
}

/*
 * The size of the CBOR item at b (at most len bytes), or 0 when a length
 * or count does not fit in the bytes left (every item takes at least one
 * byte), a length is indefinite (CTAP2's canonical CBOR has none), or it
 * nests deeper than CBOR_DEPTH_MAX. Runs before cbor_load: libcbor 0.8
 * allocates and clears a definite array's or map's item table from the
 * declared count before reading any item, so a five-byte header claiming
 * 2^31 items costs 16 GiB.
 */
#define CBOR_DEPTH_MAX 16

static size_t cbor_item_size(const unsigned char *b, size_t len, int depth)
{
	unsigned mt, ai;
	uint64_t arg;
	size_t off = 1, n, s;

	if (len == 0 || depth > CBOR_DEPTH_MAX)
		return 0;
	mt = b[0] >> 5;
	ai = b[0] & 0x1f;
	if (ai < 24) {
		arg = ai;
	} else if (ai <= 27) {  /* 1, 2, 4 or 8 argument bytes follow */
		off += (size_t)1 << (ai - 24);
		if (len < off)
			return 0;
		arg = 0;
		for (size_t i = 1; i < off; i++)
			arg = arg << 8 | b[i];
	} else {
		return 0;           /* reserved, or indefinite length */
	}
	switch (mt) {
	case 2: case 3:         /* byte and text strings */
		return arg > len - off ? 0 : off + (size_t)arg;
	case 4: case 5:         /* arrays, maps (two items an entry) */
		if (arg > (len - off) / (mt == 5 ? 2 : 1))
			return 0;
		n = (size_t)arg * (mt == 5 ? 2 : 1);
		for (size_t i = 0; i < n; i++, off += s)
			if ((s = cbor_item_size(b + off, len - off, depth + 1)) == 0)
				return 0;
		return off;
	case 6:                 /* a tag, then its item */
		s = cbor_item_size(b + off, len - off, depth + 1);
		return s == 0 ? 0 : off + s;
	default:                /* integers, simple values, floats */
		return off;
	}
}

bool pr_cbor_fits(const unsigned char *buf, size_t len)
{
	return buf != NULL && cbor_item_size(buf, len, 0) != 0;
}

static bool text_is(const cbor_item_t *item, const char *s)
{
	size_t len = strlen(s);

	return cbor_isa_string(item) && cbor_string_is_definite(item) &&
	    cbor_string_length(item) == len &&
	    memcmp(cbor_string_handle(item), s, len) == 0;
}

/*
 * A negative CBOR integer as a COSE algorithm; 0 if it is not one. Any value
 * an int holds: registered algorithms go below INT16_MIN (RS1 is -65535,
 * which Windows Hello's tpm statements use), and one we do not support is
 * for the caller to name, not a malformed item.
 */
static int cose_alg_of(const cbor_item_t *v)
{
	if (!cbor_isa_negint(v) || cbor_get_int(v) > (uint64_t)INT_MAX)
		return 0;
	return -(int)cbor_get_int(v) - 1;
}

/* The alg (label 3) of a COSE_Key; 0 if absent. */
static int cose_key_alg(const cbor_item_t *key)
{
	struct cbor_pair *p;

	if (!cbor_isa_map(key) || !cbor_map_is_definite(key))
		return 0;
	p = cbor_map_handle(key);
	for (size_t i = 0; i < cbor_map_size(key); i++)
		if (cbor_isa_uint(p[i].key) &&
		    cbor_get_int(p[i].key) == COSE_KEY_LABEL_ALG)
			return cose_alg_of(p[i].value);
	return 0;
}

static bool is_uint8(const cbor_item_t *v)
{
	return cbor_isa_uint(v) && cbor_int_get_width(v) == CBOR_INT_8;
}

/*
 * true or false. libcbor 0.8's cbor_is_bool asserts (abort()) on a float
 * (f9/fa/fb), which is a float_ctrl item too: only a width-0 item is a ctrl.
 */
static bool is_bool(const cbor_item_t *v)
{
	return cbor_isa_float_ctrl(v) && cbor_float_get_width(v) == CBOR_FLOAT_0 &&
	    cbor_is_bool(v);
}

/*
 * One authData extension, read as libfido2 1.12 reads it: fido_cred_verify
 * demands that the extensions we request equal the ones authData reports.
 */
static int ext_entry(const struct cbor_pair *p, struct authdata_info *ad)
{
	if (text_is(p->key, "hmac-secret") || text_is(p->key, "credBlob")) {
		if (!is_bool(p->value))
			return -1;
		if (cbor_get_bool(p->value))
			ad->ext_mask |= text_is(p->key, "credBlob") ?
			    FIDO_EXT_CRED_BLOB : FIDO_EXT_HMAC_SECRET;
	} else if (text_is(p->key, "credProtect")) {
		if (!is_uint8(p->value))
			return -1;
		ad->ext_mask |= FIDO_EXT_CRED_PROTECT;
		ad->prot = cbor_get_uint8(p->value);
	} else if (text_is(p->key, "minPinLength")) {
		if (!is_uint8(p->value))
			return -1;
		ad->ext_mask |= FIDO_EXT_MINPINLEN;
		ad->minpinlen = cbor_get_uint8(p->value);
	}
	return 0;       /* others: libfido2 ignores them too */
}

static int ext_parse(const cbor_item_t *ext, struct authdata_info *ad)
{
	struct cbor_pair *p;

	if (!cbor_isa_map(ext) || !cbor_map_is_definite(ext))
		return -1;
	p = cbor_map_handle(ext);
	for (size_t i = 0; i < cbor_map_size(ext); i++)
		if (ext_entry(&p[i], ad) != 0)
			return -1;
	return 0;
}

/*
 * Walk authData: fixed part, attested credential data (AAGUID, id, COSE
 * key), extensions. Trailing bytes are refused.
 */
static int authdata_walk(const unsigned char *b, size_t len,
    struct authdata_info *ad)
{
	cbor_item_t *key = NULL, *ext = NULL;
	struct cbor_load_result res;
	size_t off = AD_FIXED_LEN + AAGUID_LEN, id_len;
	int r = PR_ERR_ATTESTATION;

	memset(ad, 0, sizeof(*ad));
	if (len < off + 2)
		goto out;
	ad->flags = b[RPID_HASH_LEN];
	if ((ad->flags & AD_FLAG_AT) == 0)
		goto out;
	id_len = (size_t)b[off] << 8 | b[off + 1];
	off += 2;
	if (id_len == 0 || id_len > PR_CRED_ID_MAX || len - off < id_len)
		goto out;
	off += id_len;
	if (!pr_cbor_fits(b + off, len - off) ||
	    (key = cbor_load(b + off, len - off, &res)) == NULL)
		goto out;
	off += res.read;
	if ((ad->key_alg = cose_key_alg(key)) == 0)
		goto out;
	if (ad->flags & AD_FLAG_ED) {
		if (off >= len || !pr_cbor_fits(b + off, len - off) ||
		    (ext = cbor_load(b + off, len - off, &res)) == NULL)
			goto out;
		off += res.read;
		if (ext_parse(ext, ad) != 0)
			goto out;
	}
	if (off != len)
		goto out;
	r = PR_OK;
out:
	if (key != NULL)
		cbor_decref(&key);
	if (ext != NULL)
		cbor_decref(&ext);
	return r;
}

/* authData is for this rp id, with user presence, and a key type we support. */
static int authdata_check(const struct pr_attest_input *in,
    struct authdata_info *ad, struct pr_errbuf *eb)
{
	unsigned char h[RPID_HASH_LEN];
	unsigned int hlen = 0;

	if (authdata_walk(in->authdata, in->authdata_len, ad) != PR_OK) {
		return pr_fail(eb, PR_ERR_ATTESTATION, "malformed authenticator data");
	}
	if (EVP_Digest(in->rp_id, strlen(in->rp_id), h, &hlen, EVP_sha256(),
	    NULL) != 1 || hlen != sizeof(h))
		return PR_ERR_NOMEM;
	if (CRYPTO_memcmp(h, in->authdata, sizeof(h)) != 0) {
		return pr_fail(eb, PR_ERR_ATTESTATION, "rpIdHash does not match rp id '%s'",
		    in->rp_id);
	}
	if ((ad->flags & AD_FLAG_UP) == 0) {
		return pr_fail(eb, PR_ERR_UP_MISSING, "user presence flag not set");
	}
	if (ad->key_alg != COSE_ES256 && ad->key_alg != COSE_EDDSA &&
	    ad->key_alg != COSE_RS256) {
		return pr_fail(eb, PR_ERR_ALGORITHM, "unsupported key algorithm %d",
		    ad->key_alg);
	}
	if (in->cose_alg != 0 && in->cose_alg != ad->key_alg) {
		return pr_fail(eb, PR_ERR_ATTESTATION, "key algorithm %d, expected %d",
		    ad->key_alg, in->cose_alg);
	}
	return PR_OK;
}

/* attStmt.x5c: a definite array of DER certificates, leaf first. */
static int x5c_decode(const cbor_item_t *arr, STACK_OF(X509) **out)
{
	cbor_item_t **v;
	STACK_OF(X509) *sk = NULL;
	X509 *cert = NULL;
	size_t n;
	int r = PR_ERR_ATTESTATION;

	if (!cbor_isa_array(arr) || !cbor_array_is_definite(arr) ||
	    (n = cbor_array_size(arr)) == 0 || n > X5C_MAX)
		return PR_ERR_ATTESTATION;
	v = cbor_array_handle(arr);
	if ((sk = sk_X509_new_null()) == NULL)
		return PR_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *der, *p;
		size_t len;

		if (!cbor_isa_bytestring(v[i]) || !cbor_bytestring_is_definite(v[i]) ||
		    (len = cbor_bytestring_length(v[i])) > LONG_MAX)
			goto out;
		der = p = cbor_bytestring_handle(v[i]);
		if ((cert = d2i_X509(NULL, &p, (long)len)) == NULL || p != der + len)
			goto out;
		if (sk_X509_push(sk, cert) == 0) {
			r = PR_ERR_NOMEM;
			goto out;
		}
		cert = NULL;
	}
	*out = sk;
	sk = NULL;
	r = PR_OK;
out:
	X509_free(cert);
	sk_X509_pop_free(sk, X509_free);
	return r;
}

static int attstmt_parse(const unsigned char *buf, size_t len,
    struct attstmt_info *st)
{
	cbor_item_t *item = NULL;
	struct cbor_load_result res;
	struct cbor_pair *p;
	int r = PR_ERR_ATTESTATION;

	memset(st, 0, sizeof(*st));
	if (!pr_cbor_fits(buf, len) ||
	    (item = cbor_load(buf, len, &res)) == NULL || res.read != len ||
	    !cbor_isa_map(item) || !cbor_map_is_definite(item))
		goto out;
	p = cbor_map_handle(item);
	st->n_entries = cbor_map_size(item);
	for (size_t i = 0; i < st->n_entries; i++) {
		if (text_is(p[i].key, "alg")) {
			if (st->alg != 0 || (st->alg = cose_alg_of(p[i].value)) == 0)
				goto out;
		} else if (text_is(p[i].key, "x5c")) {
			if (st->x5c != NULL || (r = x5c_decode(p[i].value,
			    &st->x5c)) != PR_OK)
				goto out;
			r = PR_ERR_ATTESTATION;
		}
	}
	r = PR_OK;
out:
	if (item != NULL)
		cbor_decref(&item);
	if (r != PR_OK) {
		sk_X509_pop_free(st->x5c, X509_free);
		st->x5c = NULL;
	}
	return r;
}

/*
 * fmt as it may appear in a reason: it comes from outside, so printable
 * ASCII only (others shown as '?') and at most FMT_SHOWN characters.
 */
#define FMT_SHOWN 32

static void fmt_show(const char *fmt, char out[FMT_SHOWN + 4])
{
	size_t n = 0;

	for (; fmt[n] != '\0' && n < FMT_SHOWN; n++)
		out[n] = fmt[n] >= 0x20 && fmt[n] < 0x7f && fmt[n] != '\'' ? fmt[n] : '?';
	snprintf(out + n, 4, "%s", fmt[n] != '\0' ? "..." : "");
}

/* Formats we verify (or, "apple", accept unverified); others fail closed. */
static int fmt_check(const char *fmt, struct pr_errbuf *eb)
{
	static const char *const known[] = { "none", "apple", "packed", "fido-u2f", "tpm" };
	char shown[FMT_SHOWN + 4];

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(fmt, known[i]) == 0)
			return PR_OK;
	fmt_show(fmt, shown);
	return pr_fail(eb, PR_ERR_ATTESTATION, "unsupported attestation format '%s'", shown);
}

static int fmt_kind(const char *fmt, bool has_x5c, enum att_kind *kind)
{
	if (strcmp(fmt, "none") == 0)
		*kind = ATT_NONE;
	else if (strcmp(fmt, "apple") == 0)
		*kind = ATT_APPLE;
	else if (strcmp(fmt, "packed") == 0)
		*kind = has_x5c ? ATT_X5C : ATT_SELF;
	else if (strcmp(fmt, "fido-u2f") == 0)
		*kind = ATT_U2F;
	else if (strcmp(fmt, "tpm") == 0)
		*kind = ATT_TPM;
	else
		return PR_ERR_ATTESTATION;      /* cannot verify: fail closed */
	return PR_OK;
}

/*
 * A private fido_cred_t, told the extensions authData reports (libfido2
 * requires them to equal the requested ones; the YubiKey Bio sets
 * credProtect). with_stmt: the format is one libfido2 verifies.
 */
static int cred_build(const struct pr_attest_input *in,
    const struct authdata_info *ad, bool with_stmt, fido_cred_t **out)
{
	fido_cred_t *c = NULL;
	int r = PR_ERR_ATTESTATION;

	if ((c = fido_cred_new()) == NULL)
		return PR_ERR_NOMEM;
	if (fido_cred_set_type(c, ad->key_alg) != FIDO_OK ||
	    fido_cred_set_extensions(c, ad->ext_mask &
	    (FIDO_EXT_HMAC_SECRET | FIDO_EXT_CRED_BLOB)) != FIDO_OK ||
	    fido_cred_set_prot(c, ad->prot) != FIDO_OK ||
	    fido_cred_set_pin_minlen(c, ad->minpinlen) != FIDO_OK ||
	    fido_cred_set_authdata_raw(c, in->authdata, in->authdata_len) != FIDO_OK ||
	    fido_cred_set_clientdata_hash(c, in->cdh, in->cdh_len) != FIDO_OK ||
	    fido_cred_set_rp(c, in->rp_id, NULL) != FIDO_OK)
		goto out;
	if (with_stmt && (fido_cred_set_fmt(c, in->fmt) != FIDO_OK ||
	    fido_cred_set_attstmt(c, in->attstmt, in->attstmt_len) != FIDO_OK))
		goto out;
	*out = c;
	c = NULL;
	r = PR_OK;
out:
	fido_cred_free(&c);
	return r;
}

/*
 * libfido2 1.12 verifies a tpm statement only when it is signed with RS1
 * (its certInfo then carries a SHA-1 of authData and the client data hash):
 * say so rather than "does not verify" for one signed otherwise.
 */
static int tpm_alg_check(const struct attstmt_info *st, struct pr_errbuf *eb)
{
	if (st->alg == COSE_RS1)
		return PR_OK;
	if (st->alg == 0)
		return pr_fail(eb, PR_ERR_ATTESTATION, "malformed 'tpm' attestation statement");
	return pr_fail(eb, PR_ERR_ATTESTATION, "'tpm' statement signed with algorithm %d: "
	    "only RS1 (%d) tpm statements can be verified", st->alg, COSE_RS1);
}

/* The certificate libfido2 checked the signature with is our x5c[0]. */
static bool leaf_is_libfido2s(const fido_cred_t *c, STACK_OF(X509) *x5c)
{
	unsigned char *der = NULL;
	int len;
	bool same;

	if ((len = i2d_X509(sk_X509_value(x5c, 0), &der)) <= 0)
		return false;
	same = fido_cred_x5c_ptr(c) != NULL && fido_cred_x5c_len(c) == (size_t)len &&
	    memcmp(fido_cred_x5c_ptr(c), der, (size_t)len) == 0;
	OPENSSL_free(der);
	return same;
}

static int statement_verify(enum att_kind kind, const fido_cred_t *c,
    const struct attstmt_info *st, int key_alg)
{
	switch (kind) {
	case ATT_NONE:
		return st->n_entries == 0 ? PR_OK : PR_ERR_ATTESTATION;
	case ATT_APPLE:
		return PR_OK;   /* not verified; never physical */
	case ATT_SELF:
		if (st->alg != key_alg || fido_cred_verify_self(c) != FIDO_OK)
			return PR_ERR_ATTESTATION;
		return PR_OK;
	case ATT_TPM:
	case ATT_X5C:
	case ATT_U2F:
		if (st->x5c == NULL || fido_cred_verify(c) != FIDO_OK ||
		    !leaf_is_libfido2s(c, st->x5c))
			return PR_ERR_ATTESTATION;
		return PR_OK;
	}
	return PR_ERR_ATTESTATION;
}

/* The 16 bytes of the certificate's AAGUID extension (an OCTET STRING in the OCTET STRING). */
static int cert_aaguid(X509_EXTENSION *ext, unsigned char out[AAGUID_LEN])
{
	const ASN1_OCTET_STRING *outer = X509_EXTENSION_get_data(ext);
	const unsigned char *p = ASN1_STRING_get0_data(outer), *end;
	ASN1_OCTET_STRING *inner = NULL;
	int r = PR_ERR_ATTESTATION;

	end = p + ASN1_STRING_length(outer);
	if ((inner = d2i_ASN1_OCTET_STRING(NULL, &p,
	    ASN1_STRING_length(outer))) == NULL || p != end ||
	    ASN1_STRING_length(inner) != AAGUID_LEN)
		goto out;
	memcpy(out, ASN1_STRING_get0_data(inner), AAGUID_LEN);
	r = PR_OK;
out:
	ASN1_OCTET_STRING_free(inner);
	return r;
}

/* If the leaf names an AAGUID, it must be the one in authData (WebAuthn 8.2.1). */
static int leaf_aaguid_check(const X509 *leaf, const unsigned char *aaguid)
{
	ASN1_OBJECT *oid = NULL;
	unsigned char named[AAGUID_LEN];
	X509_EXTENSION *ext;
	int idx, r = PR_ERR_ATTESTATION;

	if ((oid = OBJ_txt2obj(OID_FIDO_AAGUID, 1)) == NULL)
		return PR_ERR_NOMEM;
	if ((idx = X509_get_ext_by_OBJ(leaf, oid, -1)) < 0) {
		r = PR_OK;
		goto out;
	}
	if (X509_get_ext_by_OBJ(leaf, oid, idx) >= 0 ||
	    (ext = X509_get_ext(leaf, idx)) == NULL ||
	    X509_EXTENSION_get_critical(ext) ||
	    cert_aaguid(ext, named) != PR_OK ||
	    memcmp(named, aaguid, AAGUID_LEN) != 0)
		goto out;
	r = PR_OK;
out:
	ASN1_OBJECT_free(oid);
	return r;
}

static void name_text(const X509_NAME *nm, char *out, size_t out_len)
{
	BIO *b = NULL;
	char *p = NULL;
	long n;

	snprintf(out, out_len, "(unnamed)");
	if ((b = BIO_new(BIO_s_mem())) == NULL ||
	    X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253) < 0 ||
	    (n = BIO_get_mem_data(b, &p)) <= 0 || n > INT_MAX)
		goto out;
	snprintf(out, out_len, "%.*s", (int)n, p);
out:
	BIO_free(b);
}

static bool issuer_unknown(int err)
{
	return err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
	    err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
	    err == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
	    err == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
	    err == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
}

/*
 * Does x5c[0] (x5c[1..] as intermediates) chain to an anchor? detail gets
 * the anchor's name, or why not.
 */
static int chain_verify(X509_STORE *anchors, STACK_OF(X509) *x5c,
    bool *chained, char *detail, size_t detail_len)
{
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *chain;
	int rc, r = PR_ERR_NOMEM;

	*chained = false;
	if (anchors == NULL) {
		snprintf(detail, detail_len, "no trust anchors configured");
		return PR_OK;
	}
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    X509_STORE_CTX_init(ctx, anchors, sk_X509_value(x5c, 0), x5c) != 1)
		goto out;
	/*
	 * No validity-period check: attestation proves make and model at
	 * manufacture, and a genuine key stays genuine after its attestation
	 * certificate expires (real YubiKey and Apple ones do). Distrust a bad
	 * batch by removing its anchor or with physical_aaguids.
	 */
	X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx),
	    X509_V_FLAG_NO_CHECK_TIME);
	if ((rc = X509_verify_cert(ctx)) < 0) {
		snprintf(detail, detail_len, "certificate chain could not be checked");
		r = PR_ERR_ATTESTATION;
		goto out;
	}
	if (rc == 1 && (chain = X509_STORE_CTX_get0_chain(ctx)) != NULL) {
		name_text(X509_get_subject_name(sk_X509_value(chain,
		    sk_X509_num(chain) - 1)), detail, detail_len);
		*chained = true;
	} else if (issuer_unknown(X509_STORE_CTX_get_error(ctx)))
		snprintf(detail, detail_len, "issuer is not a trust anchor");
	else
		snprintf(detail, detail_len, "certificate chain does not verify (%s)",
		    X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	r = PR_OK;
out:
	X509_STORE_CTX_free(ctx);
	return r;
}

static bool aaguid_listed(const unsigned char *aaguid,
    const struct class_policy *pol)
{
	for (size_t i = 0; i < pol->n_aaguids; i++)
		if (memcmp(pol->aaguids[i], aaguid, AAGUID_LEN) == 0)
			return true;
	return false;
}

static const char *kind_text(enum att_kind kind)
{
	switch (kind) {
	case ATT_NONE: return "no attestation (none)";
	case ATT_APPLE: return "apple attestation not verified";
	case ATT_SELF: return "self attestation";
	case ATT_TPM: return "tpm attestation (platform authenticator)";
	case ATT_X5C: return "packed attestation";
	case ATT_U2F: return "fido-u2f attestation";
	}
	return "unknown attestation";
}

/*
 * Physical: a vendor-attested (packed x5c or fido-u2f) device-bound key
 * chaining to an anchor, and listed when there is an allow-list. fido-u2f
 * keys carry no AAGUID, so an allow-list excludes them.
 */
static int classify(enum att_kind kind, uint8_t flags, const fido_cred_t *c,
    STACK_OF(X509) *x5c, const struct class_policy *pol, enum pr_class *cls,
    struct pr_class_reason *reason, struct pr_errbuf *eb)
{
	char detail[256] = "";
	bool chained = false;
	int r;

	*cls = PR_CLASS_PASSKEY;
	if (kind != ATT_X5C && kind != ATT_U2F) {
		reason_say(reason, "%s%s", kind_text(kind),
		    (flags & AD_FLAG_BE) ? "; " WHY_BE : "");
		return PR_OK;
	}
	if (flags & AD_FLAG_BE) {
		reason_say(reason, "%s", WHY_BE);
		return PR_OK;
	}
	if ((r = chain_verify(pol->anchors, x5c, &chained, detail,
	    sizeof(detail))) != PR_OK)
		return pr_fail(eb, r, "%s", detail);
	if (!chained)
		reason_say(reason, "%s", detail);
	else if (pol->n_aaguids > 0 && kind == ATT_U2F)
		reason_say(reason, "fido-u2f key has no AAGUID; AAGUID not in physical_aaguids");
	else if (pol->n_aaguids > 0 && !aaguid_listed(fido_cred_aaguid_ptr(c), pol))
		reason_say(reason, "AAGUID not in physical_aaguids");
	else {
		*cls = PR_CLASS_PHYSICAL;
		reason_say(reason, "chains to trust anchor '%s'", detail);
	}
	return PR_OK;
}

/* Copy the verified credential into out (id and pubkey malloc'd). */
static int cred_fill(const fido_cred_t *c, const char *fmt, enum pr_class cls,
    struct pr_cred *out, struct pr_errbuf *eb)
{
	size_t id_len = fido_cred_id_len(c), pk_len = fido_cred_pubkey_len(c);
	unsigned char *id = NULL, *pk = NULL;

	if (id_len == 0 || id_len > PR_CRED_ID_MAX || pk_len == 0 ||
	    pk_len > PR_PUBKEY_MAX || fido_cred_aaguid_len(c) != AAGUID_LEN)
		return pr_fail(eb, PR_ERR_ATTESTATION, "credential id, public key or AAGUID "
		    "has an unusable length");
	if ((id = malloc(id_len)) == NULL || (pk = malloc(pk_len)) == NULL) {
		free(id);
		return PR_ERR_NOMEM;
	}
	memcpy(id, fido_cred_id_ptr(c), id_len);
	memcpy(pk, fido_cred_pubkey_ptr(c), pk_len);
	memset(out, 0, sizeof(*out));
	out->id = id;
	out->id_len = id_len;
	out->pubkey = pk;
	out->pubkey_len = pk_len;
	out->cose_alg = fido_cred_type(c);
	out->cls = cls;
	out->kind = PR_KIND_FIDO;
	memcpy(out->aaguid, fido_cred_aaguid_ptr(c), AAGUID_LEN);
	out->flags = fido_cred_flags(c);
	out->sign_count = fido_cred_sigcount(c);
	snprintf(out->fmt, sizeof(out->fmt), "%s", fmt);
	return PR_OK;
}

static int input_check(const struct pr_attest_input *in,
    const struct class_policy *pol, const struct pr_cred *out)
{
	if (in == NULL || out == NULL || in->fmt == NULL ||
	    in->authdata == NULL || in->attstmt == NULL || in->cdh == NULL ||
	    in->rp_id == NULL || in->rp_id[0] == '\0' ||
	    in->cdh_len != CDH_LEN || in->authdata_len == 0 ||
	    in->attstmt_len == 0 || (pol->n_aaguids > 0 && pol->aaguids == NULL))
		return PR_ERR_INVALID_ARG;
	return PR_OK;
}

int pr_attest_classify_raw(const struct pr_attest_input *in,
    X509_STORE *anchors, const unsigned char (*aaguids)[16], size_t n_aaguids,
    struct pr_cred *out, struct pr_class_reason *reason, struct pr_errbuf *eb)
{
	const struct class_policy pol = { anchors, aaguids, n_aaguids };
	struct authdata_info ad;
	struct attstmt_info st = { 0, 0, NULL };
	fido_cred_t *c = NULL;
	enum att_kind kind;
	enum pr_class cls;
	int r;

	reason_say(reason, "%s", "");
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if ((r = input_check(in, &pol, out)) != PR_OK ||
	    (r = fmt_check(in->fmt, eb)) != PR_OK ||
	    (r = authdata_check(in, &ad, eb)) != PR_OK)
		goto out;
	if ((r = attstmt_parse(in->attstmt, in->attstmt_len, &st)) != PR_OK ||
	    (r = fmt_kind(in->fmt, st.x5c != NULL, &kind)) != PR_OK) {
		pr_fail(eb, r, "malformed '%s' attestation statement", in->fmt);
		goto out;
	}
	if (kind == ATT_TPM && (r = tpm_alg_check(&st, eb)) != PR_OK)
		goto out;
	if ((r = cred_build(in, &ad, kind != ATT_NONE && kind != ATT_APPLE,
	    &c)) != PR_OK || (r = statement_verify(kind, c, &st,
	    ad.key_alg)) != PR_OK) {
		pr_fail(eb, r, "'%s' attestation statement does not verify", in->fmt);
		goto out;
	}
	if ((kind == ATT_X5C || kind == ATT_TPM) && (r = leaf_aaguid_check(
	    sk_X509_value(st.x5c, 0), fido_cred_aaguid_ptr(c))) != PR_OK) {
		pr_fail(eb, r, "attestation certificate names another AAGUID");
		goto out;
	}
	if ((r = classify(kind, ad.flags, c, st.x5c, &pol, &cls, reason, eb)) != PR_OK ||
	    (r = cred_fill(c, in->fmt, cls, out, eb)) != PR_OK)
		reason_say(reason, "%s", "");     /* no class, so no reason for one */
out:
	fido_cred_free(&c);
	sk_X509_pop_free(st.x5c, X509_free);
	return r;
}

/* The same for a credential libfido2 made (or one set from a stored registration). */
int pr_attest_classify(const fido_cred_t *cred, X509_STORE *anchors,
    const unsigned char (*aaguids)[16], size_t n_aaguids,
    struct pr_cred *out, struct pr_class_reason *reason, struct pr_errbuf *eb)
{
	struct pr_attest_input in;

	reason_say(reason, "%s", "");
	if (cred == NULL)
		return PR_ERR_INVALID_ARG;
	in.fmt = fido_cred_fmt(cred);
	in.authdata = fido_cred_authdata_raw_ptr(cred);
	in.authdata_len = fido_cred_authdata_raw_len(cred);
	in.attstmt = fido_cred_attstmt_ptr(cred);
	in.attstmt_len = fido_cred_attstmt_len(cred);
	in.cdh = fido_cred_clientdata_hash_ptr(cred);
	in.cdh_len = fido_cred_clientdata_hash_len(cred);
	in.rp_id = fido_cred_rp_id(cred);
	in.cose_alg = fido_cred_type(cred);
	return pr_attest_classify_raw(&in, anchors, aaguids, n_aaguids, out,
	    reason, eb);
}
