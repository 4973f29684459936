/*
 * OpenSSH FIDO public keys (sshkey.h): strict parsing of one key line or
 * blob, the raw key in the form the store keeps, fingerprints and
 * authorized_keys lines. Base64 through OpenSSL's EVP encoder; only the
 * canonical encoding of a blob is accepted, so one key has one spelling.
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#include "cred.h"
#include "err.h"
#include "sshkey.h"

#define COSE_ES256 (-7)
#define COSE_EDDSA (-8)
#define ED25519_LEN 32
#define P256_POINT_LEN 65
#define P256_COORD_LEN 32
#define CURVE_NAME "nistp256"
#define BLOB_MAX 4096

const char *pr_sshkey_type_name(enum pr_sshkey_type t)
{
	return t == PR_SSHKEY_ECDSA_SK ? PR_SSHKEY_ECDSA_NAME : PR_SSHKEY_ED25519_NAME;
}

void pr_sshkey_clear(struct pr_sshkey *k)
{
	if (k == NULL)
		return;
	free(k->blob);
	memset(k, 0, sizeof(*k));
}

/* ---- base64 ------------------------------------------------------------------ */

static bool b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Padded base64 into a new buffer; *out NULL on malformed input. */
static int b64_decode(const char *in, size_t n, unsigned char **out, size_t *out_len)
{
	size_t pad = 0;
	unsigned char *buf;
	int got;

	*out = NULL;
	*out_len = 0;
	if (n == 0 || n % 4 != 0 || n > 2 * BLOB_MAX)
		return PR_ERR_CORRUPT;
	if (in[n - 1] == '=')
		pad = in[n - 2] == '=' ? 2 : 1;
	for (size_t i = 0; i < n - pad; i++)
		if (!b64_char(in[i]))
			return PR_ERR_CORRUPT;
	if ((buf = malloc(n / 4 * 3 + 1)) == NULL)
		return PR_ERR_NOMEM;
	if ((got = EVP_DecodeBlock(buf, (const unsigned char *)in, (int)n)) < 0 ||
	    (size_t)got != n / 4 * 3) {
		free(buf);
		return PR_ERR_CORRUPT;
	}
	*out = buf;
	*out_len = (size_t)got - pad;
	return PR_OK;
}

/* Padded base64 (no newlines); malloc'd string or NULL. */
static char *b64_encode(const unsigned char *in, size_t len)
{
	char *out;

	if (len > BLOB_MAX || (out = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return out;
}

/* ---- the blob -------------------------------------------------------------------- */

struct reader {
	const unsigned char *p;
	size_t left;
};

/* One RFC 4251 string: uint32 length, then that many bytes. */
static bool read_string(struct reader *r, const unsigned char **s, size_t *len)
{
	uint32_t n;

	if (r->left < 4)
		return false;
	n = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	    (uint32_t)r->p[2] << 8 | r->p[3];
	if (n > r->left - 4)
		return false;
	*s = r->p + 4;
	*len = n;
	r->p += 4 + n;
	r->left -= 4 + n;
	return true;
}

static bool str_is(const unsigned char *s, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(s, want, len) == 0;
}

/* Printable ASCII without blanks, as OpenSSH's own applications ("ssh:..."). */
static bool app_valid(const unsigned char *s, size_t len)
{
	if (len == 0 || len > PR_SSH_APP_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return false;
	return true;
}

/* Importing the point makes OpenSSL check that it lies on P-256. */
static bool p256_point_valid(const unsigned char *q)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	OSSL_PARAM params[3];
	bool ok = false;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	    (char *)"P-256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	    (void *)q, P256_POINT_LEN);
	params[2] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) != NULL &&
	    EVP_PKEY_fromdata_init(ctx) == 1 &&
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) == 1)
		ok = true;
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

static int parse_key(struct reader *r, struct pr_sshkey *k, char *why, size_t why_len)
{
	const unsigned char *s;
	size_t len;

	if (k->type == PR_SSHKEY_ED25519_SK) {
		if (!read_string(r, &s, &len) || len != ED25519_LEN)
			return pr_fail_why(why, why_len, PR_ERR_CORRUPT, "Ed25519 key is not 32 bytes");
		memcpy(k->pubkey, s, len);
		k->pubkey_len = len;
		k->cose_alg = COSE_EDDSA;
		return PR_OK;
	}
	if (!read_string(r, &s, &len) || !str_is(s, len, CURVE_NAME))
		return pr_fail_why(why, why_len, PR_ERR_CORRUPT, "curve is not nistp256");
	if (!read_string(r, &s, &len) || len != P256_POINT_LEN || s[0] != 0x04)
		return pr_fail_why(why, why_len, PR_ERR_CORRUPT,
		    "ECDSA key is not an uncompressed P-256 point");
	if (!p256_point_valid(s))
		return pr_fail_why(why, why_len, PR_ERR_CORRUPT, "ECDSA key is not on P-256");
	memcpy(k->pubkey, s + 1, 2 * P256_COORD_LEN);
	k->pubkey_len = 2 * P256_COORD_LEN;
	k->cose_alg = COSE_ES256;
	return PR_OK;
}

static int parse_type(const unsigned char *s, size_t len, enum pr_sshkey_type *t,
    char *why, size_t why_len)
{
	if (str_is(s, len, PR_SSHKEY_ED25519_NAME))
		*t = PR_SSHKEY_ED25519_SK;
	else if (str_is(s, len, PR_SSHKEY_ECDSA_NAME))
		*t = PR_SSHKEY_ECDSA_SK;
	else
		return pr_fail_why(why, why_len, PR_ERR_ALGORITHM, "not a FIDO security key "
		    "type (only %s and %s are accepted)", PR_SSHKEY_ED25519_NAME,
		    PR_SSHKEY_ECDSA_NAME);
	return PR_OK;
}

int pr_sshkey_parse_blob(const unsigned char *blob, size_t len,
    struct pr_sshkey *out, char *why, size_t why_len)
{
	struct reader r = { blob, len };
	const unsigned char *s;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (blob == NULL || len == 0 || len > BLOB_MAX)
		return pr_fail_why(why, why_len, PR_ERR_CORRUPT, "key blob is empty or too long");
	if (!read_string(&r, &s, &n))
		return pr_fail_why(why, why_len, PR_ERR_CORRUPT, "key blob is truncated");
	if ((rc = parse_type(s, n, &out->type, why, why_len)) != PR_OK ||
	    (rc = parse_key(&r, out, why, why_len)) != PR_OK)
		goto fail;
	rc = pr_fail_why(why, why_len, PR_ERR_CORRUPT, "application is missing or invalid");
	if (!read_string(&r, &s, &n) || !app_valid(s, n))
		goto fail;
	memcpy(out->application, s, n);
	out->application[n] = '\0';
	rc = pr_fail_why(why, why_len, PR_ERR_CORRUPT, "extra bytes after the key");
	if (r.left != 0)
		goto fail;
	rc = PR_ERR_NOMEM;
	if ((out->blob = malloc(len)) == NULL)
		goto fail;
	memcpy(out->blob, blob, len);
	out->blob_len = len;
	return PR_OK;
fail:
	pr_sshkey_clear(out);
	return rc;
}

/* ---- lines ------------------------------------------------------------------------- */

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The next blank-separated word: [*s, *e); a final newline ends the line. */
static void next_word(const char **p, const char **s, const char **e)
{
	while (blank(**p))
		(*p)++;
	*s = *p;
	while (**p != '\0' && **p != '\n' && !blank(**p))
		(*p)++;
	*e = *p;
}

static int check_line(const char *line, char *why, size_t why_len)
{
	size_t n = strnlen(line, PR_SSH_LINE_MAX + 1);
	const char *nl;

	if (n > PR_SSH_LINE_MAX)
		return pr_fail_why(why, why_len, PR_ERR_CORRUPT, "key line longer than %d bytes",
		    PR_SSH_LINE_MAX);
	if ((nl = strpbrk(line, "\r\n")) != NULL && !(nl[0] == '\n' && nl[1] == '\0'))
		return pr_fail_why(why, why_len, PR_ERR_CORRUPT,
		    "more than one line (give exactly one public key)");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 && line[i] != '\t' && line[i] != '\n')
			return pr_fail_why(why, why_len, PR_ERR_CORRUPT, "control character in key line");
	return PR_OK;
}

/* The blob must be spelled exactly as its canonical encoding. */
static int decode_canonical(const char *s, size_t n, unsigned char **blob,
    size_t *len, char *why, size_t why_len)
{
	char *again = NULL;
	int rc;

	if ((rc = b64_decode(s, n, blob, len)) == PR_ERR_NOMEM)
		return rc;
	if (rc != PR_OK)
		return pr_fail_why(why, why_len, PR_ERR_CORRUPT, "key is not valid base64");
	if ((again = b64_encode(*blob, *len)) == NULL) {
		rc = PR_ERR_NOMEM;
	} else if (strlen(again) != n || memcmp(again, s, n) != 0) {
		rc = pr_fail_why(why, why_len, PR_ERR_CORRUPT, "key is not canonical base64");
	}
	free(again);
	if (rc != PR_OK) {
		free(*blob);
		*blob = NULL;
	}
	return rc;
}

int pr_ssh_b64_decode(const char *s, size_t n, unsigned char **blob, size_t *len)
{
	*blob = NULL;
	*len = 0;
	if (s == NULL)
		return PR_ERR_CORRUPT;
	return decode_canonical(s, n, blob, len, NULL, 0);
}

int pr_ssh_blob_type(const unsigned char *blob, size_t len, const char **type,
    size_t *type_len)
{
	struct reader r = { blob, len };
	const unsigned char *s;

	if (blob == NULL || !read_string(&r, &s, type_len) || *type_len == 0)
		return PR_ERR_CORRUPT;
	*type = (const char *)s;
	return PR_OK;
}

int pr_sshkey_parse_line(const char *line, struct pr_sshkey *out, char *why,
    size_t why_len)
{
	const char *p = line, *ts, *te, *bs, *be;
	unsigned char *blob = NULL;
	size_t blob_len = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (line == NULL)
		return pr_fail_why(why, why_len, PR_ERR_CORRUPT, "no key line");
	if ((rc = check_line(line, why, why_len)) != PR_OK)
		return rc;
	next_word(&p, &ts, &te);
	next_word(&p, &bs, &be);
	if (ts == te)
		return pr_fail_why(why, why_len, PR_ERR_CORRUPT, "empty key line");
	if ((rc = parse_type((const unsigned char *)ts, (size_t)(te - ts), &out->type,
	    why, why_len)) != PR_OK)
		return rc;
	if (bs == be)
		return pr_fail_why(why, why_len, PR_ERR_CORRUPT, "key line has no key after the type");
	if ((rc = decode_canonical(bs, (size_t)(be - bs), &blob, &blob_len, why,
	    why_len)) != PR_OK)
		return rc;
	rc = pr_sshkey_parse_blob(blob, blob_len, out, why, why_len);
	if (rc == PR_OK && strncmp(pr_sshkey_type_name(out->type), ts,
	    (size_t)(te - ts)) != 0) {
		pr_sshkey_clear(out);
		rc = pr_fail_why(why, why_len, PR_ERR_CORRUPT,
		    "key type in the line does not match the key");
	}
	free(blob);
	return rc;
}

/* ---- building and printing -------------------------------------------------------- */

static unsigned char *put_string(unsigned char *p, const void *s, size_t len)
{
	p[0] = (unsigned char)(len >> 24);
	p[1] = (unsigned char)(len >> 16);
	p[2] = (unsigned char)(len >> 8);
	p[3] = (unsigned char)len;
	memcpy(p + 4, s, len);
	return p + 4 + len;
}

int pr_sshkey_from_parts(int cose_alg, const unsigned char *pubkey,
    size_t pubkey_len, const char *application, struct pr_sshkey *out)
{
	unsigned char point[P256_POINT_LEN], *blob, *p;
	const char *type;
	size_t app_len, len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (pubkey == NULL || application == NULL)
		return PR_ERR_INVALID_ARG;
	if (cose_alg != COSE_EDDSA && cose_alg != COSE_ES256)
		return PR_ERR_ALGORITHM;
	if (pubkey_len != (cose_alg == COSE_EDDSA ? ED25519_LEN : 2 * P256_COORD_LEN) ||
	    (app_len = strlen(application)) == 0 || app_len > PR_SSH_APP_MAX)
		return PR_ERR_CORRUPT;
	type = cose_alg == COSE_EDDSA ? PR_SSHKEY_ED25519_NAME : PR_SSHKEY_ECDSA_NAME;
	len = 4 + strlen(type) + 4 + app_len +
	    (cose_alg == COSE_EDDSA ? 4 + ED25519_LEN :
	    4 + strlen(CURVE_NAME) + 4 + P256_POINT_LEN);
	if ((blob = malloc(len)) == NULL)
		return PR_ERR_NOMEM;
	p = put_string(blob, type, strlen(type));
	if (cose_alg == COSE_EDDSA) {
		p = put_string(p, pubkey, ED25519_LEN);
	} else {
		point[0] = 0x04;
		memcpy(point + 1, pubkey, 2 * P256_COORD_LEN);
		p = put_string(p, CURVE_NAME, strlen(CURVE_NAME));
		p = put_string(p, point, P256_POINT_LEN);
	}
	put_string(p, application, app_len);
	/* Parse what was built: the same checks as for a key from outside. */
	rc = pr_sshkey_parse_blob(blob, len, out, NULL, 0);
	free(blob);
	return rc;
}

int pr_sshkey_hash(const struct pr_sshkey *k, unsigned char out[32])
{
	unsigned int n = 0;

	if (k == NULL || k->blob == NULL ||
	    EVP_Digest(k->blob, k->blob_len, out, &n, EVP_sha256(), NULL) != 1 ||
	    n != 32)
		return PR_ERR_INVALID_ARG;
	return PR_OK;
}

int pr_sshkey_fingerprint(const struct pr_sshkey *k, char out[PR_SSH_FP_LEN + 1])
{
	out[0] = '\0';
	if (k == NULL || k->blob == NULL)
		return PR_ERR_INVALID_ARG;
	return pr_ssh_blob_fingerprint(k->blob, k->blob_len, out);
}

void pr_sshkey_cred_fingerprint(const struct pr_cred *c, char out[PR_SSH_FP_LEN + 1])
{
	struct pr_sshkey k;

	out[0] = '\0';
	if (c == NULL || c->kind != PR_KIND_SSH ||
	    pr_sshkey_from_parts(c->cose_alg, c->pubkey, c->pubkey_len, c->app, &k) != PR_OK)
		return;
	if (pr_sshkey_fingerprint(&k, out) != PR_OK)
		out[0] = '\0';
	pr_sshkey_clear(&k);
}

int pr_ssh_blob_fingerprint(const unsigned char *blob, size_t len,
    char out[PR_SSH_FP_LEN + 1])
{
	unsigned char h[32];
	unsigned int hn = 0;
	char *b = NULL;
	char *eq;

	out[0] = '\0';
	if (blob == NULL || len == 0 ||
	    EVP_Digest(blob, len, h, &hn, EVP_sha256(), NULL) != 1 || hn != sizeof(h))
		return PR_ERR_INVALID_ARG;
	if ((b = b64_encode(h, sizeof(h))) == NULL)
		return PR_ERR_NOMEM;
	if ((eq = strchr(b, '=')) != NULL)
		*eq = '\0';               /* ssh-keygen prints it unpadded */
	snprintf(out, PR_SSH_FP_LEN + 1, "SHA256:%s", b);
	free(b);
	return PR_OK;
}

static bool one_line(const char *s)
{
	return s == NULL || strpbrk(s, "\r\n") == NULL;
}

int pr_sshkey_format(const struct pr_sshkey *k, const char *options,
    const char *comment, char **out)
{
	char *b = NULL;
	int n;

	*out = NULL;
	if (k == NULL || k->blob == NULL || !one_line(options) || !one_line(comment))
		return PR_ERR_INVALID_ARG;
	if ((b = b64_encode(k->blob, k->blob_len)) == NULL)
		return PR_ERR_NOMEM;
	n = asprintf(out, "%s%s%s %s%s%s", options != NULL ? options : "",
	    options != NULL && options[0] != '\0' ? " " : "",
	    pr_sshkey_type_name(k->type), b,
	    comment != NULL && comment[0] != '\0' ? " " : "",
	    comment != NULL ? comment : "");
	free(b);
	if (n < 0) {
		*out = NULL;
		return PR_ERR_NOMEM;
	}
	return PR_OK;
}
