/*
 * pam_u2f mapping files: parse strictly (see pamu2f.h), all or nothing,
 * and turn each credential into a PracticeRunner credential.
 *
 * What the file cannot tell is not invented: there is no attestation, so
 * every credential is a passkey with a zero AAGUID and format "none"; and
 * no counter, so the sign counter starts at 0 (the first sign-in sets it).
 * Messages name fields, never their contents: the file could be anything.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <fido/rs256.h>
#include <openssl/evp.h>

#include "pamu2f.h"
#include "util.h"

#define ES256_XY_LEN 64
#define ES256_POINT_LEN 65
#define EDDSA_LEN 32
#define RS256_N_LEN 256
#define RS256_E_LEN 3
#define MAX_FIELDS 4

/* Where and why a line failed. */
struct parse_err {
	int line;
	char reason[256];
};

static int bad(struct parse_err *pe, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int bad(struct parse_err *pe, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pe->reason, sizeof(pe->reason), fmt, ap);
	va_end(ap);
	return PR_ERR_CORRUPT;
}

void pr_pamu2f_list_clear(struct pr_pamu2f_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].user);
		pr_cred_clear(&l->v[i].cred);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ---- public keys: check, and bring into libfido2's raw form --------------- */

static bool es256_valid(const unsigned char *p, size_t len)
{
	es256_pk_t *pk = es256_pk_new();
	EVP_PKEY *k = NULL;
	bool ok;

	ok = pk != NULL && es256_pk_from_ptr(pk, p, len) == FIDO_OK &&
	    (k = es256_pk_to_EVP_PKEY(pk)) != NULL;
	EVP_PKEY_free(k);
	es256_pk_free(&pk);
	return ok;
}

static bool eddsa_valid(const unsigned char *p, size_t len)
{
	eddsa_pk_t *pk = eddsa_pk_new();
	EVP_PKEY *k = NULL;
	bool ok;

	ok = pk != NULL && eddsa_pk_from_ptr(pk, p, len) == FIDO_OK &&
	    (k = eddsa_pk_to_EVP_PKEY(pk)) != NULL;
	EVP_PKEY_free(k);
	eddsa_pk_free(&pk);
	return ok;
}

/* A 2048-bit modulus (top byte set) and an odd exponent, as libfido2 packs them. */
static bool rs256_valid(const unsigned char *p, size_t len)
{
	rs256_pk_t *pk = NULL;
	EVP_PKEY *k = NULL;
	bool ok;

	if (len != RS256_N_LEN + RS256_E_LEN || p[0] == 0 || (p[len - 1] & 1) == 0)
		return false;
	pk = rs256_pk_new();
	ok = pk != NULL && rs256_pk_from_ptr(pk, p, len) == FIDO_OK &&
	    (k = rs256_pk_to_EVP_PKEY(pk)) != NULL;
	EVP_PKEY_free(k);
	rs256_pk_free(&pk);
	return ok;
}

/* raw (len bytes) into c->pubkey for c->cose_alg; the point's 04 prefix is dropped. */
static int set_pubkey(struct pr_cred *c, const unsigned char *raw, size_t len,
    int index, struct parse_err *pe)
{
	const char *what = NULL;

	if (c->cose_alg == COSE_ES256) {
		if (len == ES256_POINT_LEN && raw[0] == 0x04) {
			raw++;
			len--;
		}
		if (len != ES256_XY_LEN)
			what = "is not a P-256 public key (64 bytes, or 65 starting with 04)";
		else if (!es256_valid(raw, len))
			what = "is not a point on P-256";
	} else if (c->cose_alg == COSE_EDDSA) {
		if (len != EDDSA_LEN || !eddsa_valid(raw, len))
			what = "is not an Ed25519 public key (32 bytes)";
	} else if (!rs256_valid(raw, len)) {
		what = "is not an RSA-2048 public key (256-byte modulus and 3-byte exponent)";
	}
	if (what != NULL)
		return bad(pe, "credential %d: public key %s", index, what);
	if ((c->pubkey = malloc(len)) == NULL)
		return PR_ERR_NOMEM;
	memcpy(c->pubkey, raw, len);
	c->pubkey_len = len;
	return PR_OK;
}

/* ---- one credential ---------------------------------------------------------- */

static int parse_type(const char *s, int *alg)
{
	if (strcasecmp(s, "es256") == 0)
		*alg = COSE_ES256;
	else if (strcasecmp(s, "eddsa") == 0)
		*alg = COSE_EDDSA;
	else if (strcasecmp(s, "rs256") == 0)
		*alg = COSE_RS256;
	else
		return -1;
	return 0;
}

/* A run of +presence, +verification and +pin, each at most once. */
static int parse_options(const char *s, unsigned *out)
{
	static const struct { const char *word; unsigned bit; } opts[] = {
		{ "+presence", PR_PAMU2F_OPT_PRESENCE },
		{ "+verification", PR_PAMU2F_OPT_VERIFICATION },
		{ "+pin", PR_PAMU2F_OPT_PIN },
	};
	size_t i, n;

	*out = 0;
	while (*s != '\0') {
		for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
			n = strlen(opts[i].word);
			if (strncmp(s, opts[i].word, n) == 0 && (*out & opts[i].bit) == 0)
				break;
		}
		if (i == sizeof(opts) / sizeof(opts[0]))
			return -1;
		*out |= opts[i].bit;
		s += n;
	}
	return 0;
}

/* Split s at commas into at most MAX_FIELDS + 1 fields; the count, in place. */
static int split_fields(char *s, char *f[MAX_FIELDS + 1])
{
	int n = 0;

	while (s != NULL && n <= MAX_FIELDS)
		f[n++] = strsep(&s, ",");
	return s != NULL ? MAX_FIELDS + 2 : n;
}

static int decode_key_handle(const char *kh, struct pr_cred *c, int index,
    struct parse_err *pe)
{
	if (kh[0] == '\0')
		return bad(pe, "credential %d: empty key handle", index);
	if (pr_b64url_decode(kh, &c->id, &c->id_len) != PR_OK)
		return bad(pe, "credential %d: key handle is not valid base64", index);
	if (c->id_len == 0 || c->id_len > PR_CRED_ID_MAX)
		return bad(pe, "credential %d: key handle length %zu out of range (1..%d bytes)",
		    index, c->id_len, PR_CRED_ID_MAX);
	return PR_OK;
}

/* The public key text: hex in the old format, base64 in the current one. */
static int decode_pubkey(const char *pk, bool old, struct pr_cred *c, int index,
    struct parse_err *pe)
{
	unsigned char *raw = NULL;
	size_t len = 0;
	int r;

	if (pk[0] == '\0')
		return bad(pe, "credential %d: empty public key", index);
	if (old && pr_hex_decode(pk, &raw, &len) != PR_OK)
		return bad(pe, "credential %d: public key is not valid hex (old format)", index);
	if (!old && pr_b64url_decode(pk, &raw, &len) != PR_OK)
		return bad(pe, "credential %d: public key is not valid base64", index);
	if (old && (len != ES256_POINT_LEN || raw[0] != 0x04))
		r = bad(pe, "credential %d: old-format public key is not an uncompressed "
		    "P-256 point (130 hex digits starting with 04)", index);
	else
		r = set_pubkey(c, raw, len, index, pe);
	free(raw);
	return r;
}

static void cred_defaults(struct pr_cred *c, int64_t now)
{
	c->cls = PR_CLASS_PASSKEY;
	c->kind = PR_KIND_FIDO;
	memset(c->aaguid, 0, sizeof(c->aaguid));
	c->flags = 0;
	c->sign_count = 0;
	snprintf(c->fmt, sizeof(c->fmt), "none");
	snprintf(c->label, sizeof(c->label), "%s", PR_PAMU2F_LABEL);
	c->created = now;
	c->last_used = 0;
}

/* One "KEYHANDLE,PUBKEY[,TYPE[,OPTIONS]]" (modified in place) into e. */
static int parse_credential(char *text, int64_t now, struct pr_pamu2f_entry *e,
    struct parse_err *pe)
{
	char *f[MAX_FIELDS + 1];
	int n = split_fields(text, f);
	int r;

	if (n < 2)
		return bad(pe, "credential %d: expected KEYHANDLE,PUBKEY[,TYPE,OPTIONS]", e->index);
	if (n > MAX_FIELDS)
		return bad(pe, "credential %d: more than %d comma-separated fields",
		    e->index, MAX_FIELDS);
	e->old_format = n == 2;
	e->cred.cose_alg = COSE_ES256;
	if (!e->old_format && parse_type(f[2], &e->cred.cose_alg) != 0)
		return bad(pe, "credential %d: unknown key type (es256, eddsa or rs256)", e->index);
	/* Old lines always asked for presence; a current one says so in OPTIONS. */
	e->options = e->old_format ? PR_PAMU2F_OPT_PRESENCE : 0;
	if (n == 4 && parse_options(f[3], &e->options) != 0)
		return bad(pe, "credential %d: options must be a run of +presence, "
		    "+verification and +pin", e->index);
	if ((r = decode_pubkey(f[1], e->old_format, &e->cred, e->index, pe)) != PR_OK)
		return r;
	cred_defaults(&e->cred, now);
	/* Resident: pam_u2f kept no credential id, so there is nothing to import. */
	e->resident = strcmp(f[0], "*") == 0;
	return e->resident ? PR_OK : decode_key_handle(f[0], &e->cred, e->index, pe);
}

/* ---- lines ----------------------------------------------------------------------- */

static int list_push(struct pr_pamu2f_list *l, struct pr_pamu2f_entry *e)
{
	struct pr_pamu2f_entry *v;

	if ((v = realloc(l->v, (l->n + 1) * sizeof(*v))) == NULL)
		return PR_ERR_NOMEM;
	l->v = v;
	l->v[l->n++] = *e;   /* takes ownership */
	memset(e, 0, sizeof(*e));
	return PR_OK;
}

/* The same user on an earlier line, or the same credential id anywhere. */
static int check_duplicates(const struct pr_pamu2f_list *l, const struct pr_pamu2f_entry *e,
    struct parse_err *pe)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct pr_pamu2f_entry *o = &l->v[i];

		if (o->line != e->line && strcmp(o->user, e->user) == 0)
			return bad(pe, "second line for user %s (first on line %d); pam_u2f "
			    "uses only the last one: merge them or delete one", e->user, o->line);
		if (!e->resident && !o->resident && o->cred.id_len == e->cred.id_len &&
		    memcmp(o->cred.id, e->cred.id, e->cred.id_len) == 0)
			return bad(pe, "credential %d is the same key handle as credential %d "
			    "on line %d", e->index, o->index, o->line);
	}
	return PR_OK;
}

static int parse_user(const char *name, struct parse_err *pe)
{
	if (name[0] == '\0')
		return bad(pe, "no user name before ':'");
	if (!pr_username_valid(name))
		return bad(pe, "the user name is not a valid account name");
	return PR_OK;
}

/* One line (modified in place), appending its credentials to l. */
static int parse_line(char *line, int lineno, int64_t now, struct pr_pamu2f_list *l,
    struct parse_err *pe)
{
	struct pr_pamu2f_entry e;
	char *rest = line, *user, *cred;
	int r = PR_OK, index = 0;

	if (line[0] == '\0' || line[0] == '#')
		return PR_OK;
	if (strchr(line, '\r') != NULL)
		return bad(pe, "carriage return in line (DOS line endings?)");
	user = strsep(&rest, ":");
	if (rest == NULL)
		return bad(pe, "expected USER:CREDENTIAL[:CREDENTIAL...], found no ':'");
	if ((r = parse_user(user, pe)) != PR_OK)
		return r;
	while (r == PR_OK && rest != NULL) {
		cred = strsep(&rest, ":");
		memset(&e, 0, sizeof(e));
		e.line = lineno;
		e.index = ++index;
		if (cred[0] == '\0')
			r = bad(pe, "credential %d is empty (two ':' in a row, or a ':' at the end)",
			    index);
		else if ((e.user = strdup(user)) == NULL)
			r = PR_ERR_NOMEM;
		else if ((r = parse_credential(cred, now, &e, pe)) == PR_OK &&
		    (r = check_duplicates(l, &e, pe)) == PR_OK)
			r = list_push(l, &e);
		free(e.user);
		pr_cred_clear(&e.cred);
	}
	return r;
}

int pr_pamu2f_parse(const char *buf, size_t len, int64_t now,
    struct pr_pamu2f_list *out, struct pr_errbuf *eb)
{
	struct parse_err pe = { 0, "" };
	const char *p = buf, *end = buf + len, *nl;
	char *line = NULL;
	int r = PR_OK;

	memset(out, 0, sizeof(*out));
	while (r == PR_OK && p < end) {
		pe.line++;
		/* A last line without a newline is fine (pamu2fcfg -n >> file). */
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL)
			r = bad(&pe, "NUL byte in line");
		else if ((line = strndup(p, (size_t)(nl - p))) == NULL)
			r = PR_ERR_NOMEM;
		else
			r = parse_line(line, pe.line, now, out, &pe);
		free(line);
		line = NULL;
		p = nl + 1;
	}
	if (r == PR_OK)
		return PR_OK;
	pr_pamu2f_list_clear(out);
	if (r == PR_ERR_CORRUPT)
		pr_fail_line(eb, pe.line, r, "%s", pe.reason);
	return r;
}
