/*
 * Attestation certificates, issued by the softkey test CA when a device is
 * made. They follow the packed attestation certificate requirements of
 * WebAuthn (section 8.2.1): version 3, subject C/O/OU/CN with OU
 * "Authenticator Attestation", basicConstraints CA:FALSE, and the
 * id-fido-gen-ce-aaguid extension holding the device's AAGUID.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "softkey.h"

#define OID_FIDO_AAGUID "1.3.6.1.4.1.45724.1.1.4"

/* Test data files: opened without following links, any owner. */
static BIO *open_data(const char *path)
{
	FILE *f = NULL;
	BIO *b = NULL;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)) < 0)
		return NULL;
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return NULL;
	}
	if ((b = BIO_new_fp(f, BIO_CLOSE)) == NULL)
		fclose(f);
	return b;
}

static int load_ca(const char *cert_path, const char *key_path, X509 **cert,
    EVP_PKEY **key)
{
	BIO *b = NULL;

	*cert = NULL;
	*key = NULL;
	if ((b = open_data(cert_path)) != NULL)
		*cert = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if ((b = open_data(key_path)) != NULL)
		*key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	if (*cert == NULL || *key == NULL || X509_check_private_key(*cert, *key) != 1) {
		X509_free(*cert);
		EVP_PKEY_free(*key);
		*cert = NULL;
		*key = NULL;
		return SK_ECA;
	}
	return SK_OK;
}

static int set_subject(X509 *x, const char *profile_name)
{
	X509_NAME *name = X509_get_subject_name(x);
	char cn[128];

	snprintf(cn, sizeof(cn), "PracticeRunner Softkey %s", profile_name);
	if (X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC,
	    (const unsigned char *)"US", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"PracticeRunner Tests", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_ASC,
	    (const unsigned char *)"Authenticator Attestation", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) != 1)
		return SK_ECRYPTO;
	return SK_OK;
}

/* Random positive 128-bit serial. */
static int set_serial(X509 *x)
{
	unsigned char rnd[16];
	BIGNUM *bn = NULL;
	int r = SK_ECRYPTO;

	if (sk_random(rnd, sizeof(rnd)) != SK_OK)
		return SK_ECRYPTO;
	rnd[0] &= 0x7f;
	rnd[0] |= 0x01;  /* never zero, never negative */
	if ((bn = BN_bin2bn(rnd, sizeof(rnd), NULL)) != NULL &&
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL)
		r = SK_OK;
	BN_free(bn);
	return r;
}

/* The AAGUID extension's value is an OCTET STRING of 16 bytes, DER-wrapped. */
static int add_aaguid(X509 *x, const unsigned char *aaguid)
{
	unsigned char der[2 + SK_AAGUID_LEN] = { 0x04, SK_AAGUID_LEN };
	ASN1_OBJECT *oid = NULL;
	ASN1_OCTET_STRING *value = NULL;
	X509_EXTENSION *ext = NULL;
	int r = SK_ECRYPTO;

	memcpy(der + 2, aaguid, SK_AAGUID_LEN);
	if ((oid = OBJ_txt2obj(OID_FIDO_AAGUID, 1)) == NULL ||
	    (value = ASN1_OCTET_STRING_new()) == NULL ||
	    ASN1_OCTET_STRING_set(value, der, sizeof(der)) != 1 ||
	    (ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, value)) == NULL ||
	    X509_add_ext(x, ext, -1) != 1)
		goto fail;
	r = SK_OK;
fail:
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(value);
	ASN1_OBJECT_free(oid);
	return r;
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = NULL;
	int r = SK_ECRYPTO;

	if ((ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value)) != NULL &&
	    X509_add_ext(x, ext, -1) == 1)
		r = SK_OK;
	X509_EXTENSION_free(ext);
	return r;
}

static int add_extensions(X509 *x, X509 *ca, const unsigned char *aaguid)
{
	X509V3_CTX ctx;

	X509V3_set_ctx(&ctx, ca, x, NULL, NULL, 0);
	if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") != SK_OK ||
	    add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature") != SK_OK ||
	    add_ext(x, &ctx, NID_subject_key_identifier, "hash") != SK_OK ||
	    add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always") != SK_OK)
		return SK_ECRYPTO;
	return aaguid != NULL ? add_aaguid(x, aaguid) : SK_OK;
}

/*
 * Valid exactly as long as the CA: like a factory certificate, and never
 * "not yet valid" on a test machine whose clock runs behind.
 */
static int build_cert(X509 *x, X509 *ca, EVP_PKEY *key, const char *profile_name,
    const unsigned char *aaguid)
{
	if (X509_set_version(x, 2) != 1 || set_serial(x) != SK_OK ||
	    X509_set_issuer_name(x, X509_get_subject_name(ca)) != 1 ||
	    set_subject(x, profile_name) != SK_OK ||
	    X509_set1_notBefore(x, X509_get0_notBefore(ca)) != 1 ||
	    X509_set1_notAfter(x, X509_get0_notAfter(ca)) != 1 ||
	    X509_set_pubkey(x, key) != 1 ||
	    add_extensions(x, ca, aaguid) != SK_OK)
		return SK_ECRYPTO;
	return SK_OK;
}

static int to_der(X509 *x, unsigned char **der, size_t *len)
{
	unsigned char *buf = NULL, *p;
	int n;

	if ((n = i2d_X509(x, NULL)) <= 0)
		return SK_ECRYPTO;
	if ((buf = malloc((size_t)n)) == NULL)
		return SK_ENOMEM;
	p = buf;
	if (i2d_X509(x, &p) != n) {
		free(buf);
		return SK_ECRYPTO;
	}
	*der = buf;
	*len = (size_t)n;
	return SK_OK;
}

int sk_attcert_issue(const char *ca_cert_path, const char *ca_key_path,
    const char *profile_name, const unsigned char *aaguid, EVP_PKEY **key,
    unsigned char **cert_der, size_t *cert_len)
{
	X509 *ca = NULL, *x = NULL;
	EVP_PKEY *ca_key = NULL, *k = NULL;
	int r;

	*key = NULL;
	*cert_der = NULL;
	*cert_len = 0;
	if ((r = load_ca(ca_cert_path, ca_key_path, &ca, &ca_key)) != SK_OK)
		return r;
	if ((r = sk_ec_generate(&k)) != SK_OK)
		goto fail;
	r = SK_ECRYPTO;
	if ((x = X509_new()) == NULL ||
	    build_cert(x, ca, k, profile_name, aaguid) != SK_OK ||
	    X509_sign(x, ca_key, EVP_sha256()) <= 0)
		goto fail;
	if ((r = to_der(x, cert_der, cert_len)) != SK_OK)
		goto fail;
	*key = k;
	k = NULL;
fail:
	EVP_PKEY_free(k);
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	return r;
}
