/*
 * Recovery codes: <state_dir>/codes/<user> (0600, in a 0700 directory),
 * changed only under <state_dir>/locks/<user>+codes.lock and replaced
 * atomically (lib/user_file.c).
 *
 * File format (version 1):
 *
 *   practicerunner-codes 1
 *   salt=<32 lower-case hex> N=<2^k> r=<1..32> p=<1..16> created=<unix time>
 *   hash=<64 lower-case hex> used=-
 *   hash=<64 lower-case hex> used=<unix time>
 *   ...                                  (1..PR_CODES_MAX code lines)
 *
 * Each hash is scrypt(canonical code, salt, N, r, p) with a 32-byte output,
 * through OpenSSL 3's EVP_KDF "SCRYPT"; the salt is 16 random bytes per
 * set, so a new set (which replaces the file) makes every older code
 * useless. "used=-" is an unused code, "used=T" one used at time T.
 *
 * Codes carry 80 random bits: 16 characters of Crockford's base32 (no I,
 * L, O or U) shown as 4 groups of 4 joined by '-'. Input is accepted in
 * either case, with or without dashes and spaces, with O read as 0 and I
 * or L as 1; anything else is refused before any derivation.
 *
 * A consumption is one scrypt derivation, compared in constant time with
 * every code of the set (no early exit), and the match is marked used and
 * the file replaced under the lock before PR_OK is returned. The parser is
 * strict: anything else is PR_ERR_CORRUPT naming file and line; a corrupt
 * file is never used, only replaced by a new set.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "codes.h"
#include "err.h"
#include "textfmt.h"
#include "user_file.h"
#include "util.h"

#define CODES_HEADER "practicerunner-codes 1"
#define CODES_MAGIC "practicerunner-codes "
#define CODES_SUBDIR "codes"
#define CODES_LOCK "+codes.lock"          /* locks/<user>+codes.lock */
#define CODES_MAX_SIZE 16384               /* 100 lines of ~80 bytes + header */
#define CODE_GROUP 4
#define SALT_LEN 16
#define HASH_LEN 32

/* scrypt cost: about 90 ms per derivation on the reference machine. */
#define SCRYPT_N ((uint64_t)1 << 15)
#define SCRYPT_R 8
#define SCRYPT_P 1
/* What a file may ask for (it is root's own, but bound the work anyway). */
#define SCRYPT_N_MIN ((uint64_t)1 << 10)
#define SCRYPT_N_MAX ((uint64_t)1 << 20)
#define SCRYPT_R_MAX 32
#define SCRYPT_P_MAX 16

struct code_rec {
	unsigned char hash[HASH_LEN];
	int64_t used;                  /* 0: unused; else when it was used */
};

struct code_set {
	unsigned char salt[SALT_LEN];
	uint64_t n;
	uint32_t r;
	uint32_t p;
	int64_t created;
	int count;
	struct code_rec codes[PR_CODES_MAX];
};

/* ---- scrypt ------------------------------------------------------------------ */

/* out = scrypt(canon, salt, n, r, p), 32 bytes. PR_OK or PR_ERR_NOMEM/IO. */
static int derive_cost(EVP_KDF *kdf, const char *canon, const unsigned char salt[SALT_LEN],
    uint64_t n, uint32_t r, uint32_t p, unsigned char out[HASH_LEN])
{
	OSSL_PARAM params[7];
	EVP_KDF_CTX *ctx = NULL;
	/* V is 128*r*N bytes, B 128*r*p; leave room for OpenSSL's own accounting. */
	uint64_t maxmem = 128u * (uint64_t)r * (n + p) + ((uint64_t)1 << 20);
	int ret;

	if ((ctx = EVP_KDF_CTX_new(kdf)) == NULL)
		return PR_ERR_NOMEM;
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	    (void *)(uintptr_t)canon, PR_CODE_CHARS);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)(uintptr_t)salt, SALT_LEN);
	params[2] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	params[3] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r);
	params[4] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p);
	params[5] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem);
	params[6] = OSSL_PARAM_construct_end();
	ret = EVP_KDF_derive(ctx, out, HASH_LEN, params) > 0 ? PR_OK : PR_ERR_IO;
	EVP_KDF_CTX_free(ctx);
	return ret;
}

static int derive(EVP_KDF *kdf, const char *canon, const struct code_set *set,
    unsigned char out[HASH_LEN])
{
	return derive_cost(kdf, canon, set->salt, set->n, set->r, set->p, out);
}

static int fetch_scrypt(EVP_KDF **kdf, struct pr_errbuf *eb)
{
	if ((*kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL)) == NULL)
		return pr_fail(eb, PR_ERR_IO, "scrypt is not available from OpenSSL");
	return PR_OK;
}

/* ---- codes ------------------------------------------------------------------- */

void pr_codes_free(char ***codes, int n)
{
	if (codes == NULL || *codes == NULL)
		return;
	for (int i = 0; i < n; i++)
		pr_secret_strfree(&(*codes)[i]);
	free(*codes);
	*codes = NULL;
}

/* ---- the file's text ---------------------------------------------------------- */

static int parse_cost(char **p, struct code_set *set, struct pr_parse_err *pe)
{
	const char *v;
	int64_t x;

	if ((v = pr_parse_take_field(p, "N", pe)) == NULL)
		return PR_ERR_CORRUPT;
	if (!pr_parse_uint(v, (int64_t)SCRYPT_N_MAX, &x) || (uint64_t)x < SCRYPT_N_MIN ||
	    (x & (x - 1)) != 0)
		return pr_parse_fail(pe, "N is not a power of 2 from 2^10 to 2^20");
	set->n = (uint64_t)x;
	if ((v = pr_parse_take_field(p, "r", pe)) == NULL)
		return PR_ERR_CORRUPT;
	if (!pr_parse_uint(v, SCRYPT_R_MAX, &x) || x < 1)
		return pr_parse_fail(pe, "r out of range (1..%d)", SCRYPT_R_MAX);
	set->r = (uint32_t)x;
	if ((v = pr_parse_take_field(p, "p", pe)) == NULL)
		return PR_ERR_CORRUPT;
	if (!pr_parse_uint(v, SCRYPT_P_MAX, &x) || x < 1)
		return pr_parse_fail(pe, "p out of range (1..%d)", SCRYPT_P_MAX);
	set->p = (uint32_t)x;
	return PR_OK;
}

static int parse_set_line(char *line, struct code_set *set, struct pr_parse_err *pe)
{
	const char *v;
	char *p = line;
	int r;

	if ((v = pr_parse_take_field(&p, "salt", pe)) == NULL)
		return PR_ERR_CORRUPT;
	if (!pr_parse_hex_exact(v, set->salt, SALT_LEN))
		return pr_parse_fail(pe, "salt is not %d lower-case hex digits", 2 * SALT_LEN);
	if ((r = parse_cost(&p, set, pe)) != PR_OK)
		return r;
	if ((v = pr_parse_take_field(&p, "created", pe)) == NULL)
		return PR_ERR_CORRUPT;
	if (!pr_parse_uint(v, INT64_MAX, &set->created))
		return pr_parse_fail(pe, "created is not a valid time");
	if (p != NULL)
		return pr_parse_fail(pe, "extra text after created");
	return PR_OK;
}

static int parse_code_line(char *line, struct code_rec *rec, struct pr_parse_err *pe)
{
	const char *v;
	char *p = line;

	if ((v = pr_parse_take_field(&p, "hash", pe)) == NULL)
		return PR_ERR_CORRUPT;
	if (!pr_parse_hex_exact(v, rec->hash, HASH_LEN))
		return pr_parse_fail(pe, "hash is not %d lower-case hex digits", 2 * HASH_LEN);
	if ((v = pr_parse_take_field(&p, "used", pe)) == NULL)
		return PR_ERR_CORRUPT;
	if (strcmp(v, "-") == 0)
		rec->used = 0;
	else if (!pr_parse_uint(v, INT64_MAX, &rec->used) || rec->used == 0)
		return pr_parse_fail(pe, "used is neither '-' nor a valid time");
	if (p != NULL)
		return pr_parse_fail(pe, "extra text after used");
	return PR_OK;
}

/* text is NUL-terminated, ends in '\n' and is modified in place. */
static int parse_lines(char *text, struct code_set *set, struct pr_parse_err *pe)
{
	char *p = text;
	int r;

	pe->line = 1;
	if ((r = pr_parse_check_header(strsep(&p, "\n"), CODES_HEADER, CODES_MAGIC,
	    pe)) != PR_OK)
		return r;
	pe->line = 2;
	if (*p == '\0')
		return pr_parse_fail(pe, "missing salt line");
	if ((r = parse_set_line(strsep(&p, "\n"), set, pe)) != PR_OK)
		return r;
	for (pe->line = 3; *p != '\0'; pe->line++) {
		if (set->count == PR_CODES_MAX)
			return pr_parse_fail(pe, "more than %d codes", PR_CODES_MAX);
		if ((r = parse_code_line(strsep(&p, "\n"), &set->codes[set->count], pe)) != PR_OK)
			return r;
		set->count++;
	}
	if (set->count == 0)
		return pr_parse_fail(pe, "no code lines");
	return PR_OK;
}

static int codes_parse(const char *buf, size_t len, struct code_set *set,
    struct pr_parse_err *pe)
{
	char *text = NULL;
	int r;

	memset(set, 0, sizeof(*set));
	if ((r = pr_parse_copy(buf, len, pe, &text)) != PR_OK)
		return r;
	r = parse_lines(text, set, pe);
	free(text);
	return r;
}

/* The whole file into a new buffer (free with free()). */
static int codes_format(const struct code_set *set, char **out, size_t *len)
{
	size_t cap = CODES_MAX_SIZE, o = 0;
	char salt[2 * SALT_LEN + 1], hex[2 * HASH_LEN + 1], *buf = NULL;
	int n;

	*out = NULL;
	if ((buf = malloc(cap)) == NULL)
		return PR_ERR_NOMEM;
	pr_hex_encode(set->salt, SALT_LEN, salt);
	n = snprintf(buf, cap, "%s\nsalt=%s N=%" PRIu64 " r=%" PRIu32 " p=%" PRIu32
	    " created=%" PRId64 "\n", CODES_HEADER, salt, set->n, set->r, set->p, set->created);
	for (int i = 0; n >= 0 && (size_t)n < cap - o && i < set->count; i++) {
		o += (size_t)n;
		pr_hex_encode(set->codes[i].hash, HASH_LEN, hex);
		if (set->codes[i].used == 0)
			n = snprintf(buf + o, cap - o, "hash=%s used=-\n", hex);
		else
			n = snprintf(buf + o, cap - o, "hash=%s used=%" PRId64 "\n", hex,
			    set->codes[i].used);
	}
	if (n < 0 || (size_t)n >= cap - o) {
		free(buf);
		return PR_ERR_INVALID_ARG;
	}
	*len = o + (size_t)n;
	*out = buf;
	return PR_OK;
}

/* ---- files --------------------------------------------------------------------- */

static int no_codes(const char *user, struct pr_errbuf *eb)
{
	return pr_fail(eb, PR_ERR_NOT_FOUND, "%s has no recovery codes", user);
}

static int ctx_read(struct pr_user_file *x, struct code_set *set, struct pr_errbuf *eb)
{
	struct pr_parse_err pe;
	char *buf = NULL;
	size_t len = 0;
	int r;

	memset(set, 0, sizeof(*set));
	if ((r = pr_user_file_read(x, CODES_MAX_SIZE, &buf, &len, eb)) != PR_OK)
		return r;
	if (buf == NULL)
		return no_codes(x->user, eb);
	r = codes_parse(buf, len, set, &pe);
	if (r == PR_ERR_CORRUPT)
		pr_fail(eb, r, "%s:%d: %s", x->path, pe.line, pe.reason);
	else if (r != PR_OK)
		pr_fail(eb, r, "%s: %s", x->path, pr_strerror(r));
	free(buf);
	return r;
}

static int ctx_write(struct pr_user_file *x, const struct code_set *set,
    struct pr_errbuf *eb)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	if ((r = codes_format(set, &text, &len)) != PR_OK)
		return pr_fail(eb, r, "%s: cannot write: %s", x->path, pr_strerror(r));
	r = pr_user_file_replace(x, text, len, eb);
	free(text);
	return r;
}

/* ---- operations ------------------------------------------------------------------ */

/* Under the lock: a missing or damaged set may be replaced; an unsafe file may not. */
static int check_replaceable(struct pr_user_file *x, struct pr_errbuf *eb)
{
	struct pr_errbuf why = { 0 };
	struct code_set *old = NULL;
	int r;

	if ((old = malloc(sizeof(*old))) == NULL)
		return pr_fail(eb, PR_ERR_NOMEM, "out of memory");
	r = ctx_read(x, old, &why);
	free(old);
	if (r == PR_OK || r == PR_ERR_NOT_FOUND || r == PR_ERR_CORRUPT)
		return PR_OK;
	return pr_fail(eb, r, "%s", why.msg);
}

/* n fresh codes into *out and their hashes into set. */
static int make_set(EVP_KDF *kdf, struct code_set *set, int n, char **out,
    struct pr_errbuf *eb)
{
	char canon[PR_CODE_CHARS + 1] = "";
	int r = PR_OK;

	if ((r = pr_random(set->salt, SALT_LEN)) != PR_OK)
		return pr_fail(eb, r, "cannot make a salt: %s", pr_strerror(r));
	for (int i = 0; i < n; i++) {
		if ((r = pr_crockford_random(PR_CODE_CHARS, CODE_GROUP, &out[i], canon)) != PR_OK) {
			pr_fail(eb, r, "cannot make a code: %s", pr_strerror(r));
			break;
		}
		if ((r = derive(kdf, canon, set, set->codes[i].hash)) != PR_OK) {
			pr_fail(eb, r, "scrypt failed: %s", pr_strerror(r));
			break;
		}
		set->codes[i].used = 0;
		set->count++;
	}
	explicit_bzero(canon, sizeof(canon));
	return r;
}

int pr_codes_generate(struct pr_state *state, const char *user, int n, int64_t now,
    char ***codes, struct pr_errbuf *eb)
{
	struct pr_user_file x;
	struct code_set *set = NULL;
	EVP_KDF *kdf = NULL;
	char **out = NULL;
	int r;

	pr_user_file_init(&x);
	if (codes == NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no place for the codes");
	*codes = NULL;
	if (n < 1 || n > PR_CODES_MAX || now < 0)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "a set has 1 to %d codes", PR_CODES_MAX);
	if ((r = pr_user_file_open(&x, state, CODES_SUBDIR, user, CODES_LOCK, true,
	    eb)) != PR_OK || (r = check_replaceable(&x, eb)) != PR_OK ||
	    (r = fetch_scrypt(&kdf, eb)) != PR_OK)
		goto out;
	if ((set = calloc(1, sizeof(*set))) == NULL ||
	    (out = calloc((size_t)n, sizeof(*out))) == NULL) {
		r = pr_fail(eb, PR_ERR_NOMEM, "out of memory");
		goto out;
	}
	set->n = SCRYPT_N;
	set->r = SCRYPT_R;
	set->p = SCRYPT_P;
	set->created = now;
	if ((r = make_set(kdf, set, n, out, eb)) != PR_OK ||
	    (r = ctx_write(&x, set, eb)) != PR_OK)
		goto out;
	*codes = out;
	out = NULL;
	r = PR_OK;
out:
	pr_codes_free(&out, n);
	if (set != NULL)
		explicit_bzero(set, sizeof(*set));
	free(set);
	EVP_KDF_free(kdf);
	pr_user_file_close(&x);
	return r;
}

/*
 * The index of the unused code whose hash is want, or -1. Every code is
 * compared, in constant time, whatever matched before.
 */
static int find_unused(const struct code_set *set, const unsigned char want[HASH_LEN])
{
	int found = -1;

	for (int i = 0; i < set->count; i++) {
		bool eq = pr_ct_equal(set->codes[i].hash, want, HASH_LEN);
		int hit = (int)eq & (int)(set->codes[i].used == 0) & (int)(found < 0);
		int mask = -hit;

		found = (found & ~mask) | (i & mask);
	}
	return found;
}

static int open_set(struct pr_user_file *x, struct pr_state *state, const char *user,
    const char *lock, struct code_set *set, struct pr_errbuf *eb)
{
	int r;

	if ((r = pr_user_file_open(x, state, CODES_SUBDIR, user, lock, false, eb)) != PR_OK)
		return r;
	if (!pr_user_file_present(x))
		return no_codes(user, eb);
	return ctx_read(x, set, eb);
}

int pr_codes_consume(struct pr_state *state, const char *user, const char *code,
    int64_t now, struct pr_errbuf *eb)
{
	unsigned char want[HASH_LEN];
	char canon[PR_CODE_CHARS + 1] = "";
	struct code_set *set = NULL;
	struct pr_user_file x;
	EVP_KDF *kdf = NULL;
	int r, i;

	pr_user_file_init(&x);
	memset(want, 0, sizeof(want));
	if (code == NULL || now < 0)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no code or invalid time");
	if ((set = malloc(sizeof(*set))) == NULL)
		return pr_fail(eb, PR_ERR_NOMEM, "out of memory");
	if ((r = open_set(&x, state, user, CODES_LOCK, set, eb)) != PR_OK)
		goto out;
	if (!pr_crockford_normalise(code, canon, PR_CODE_CHARS)) {
		r = pr_fail(eb, PR_ERR_CODE_INVALID, "that is not a recovery code "
		    "(%d characters, such as K7QF-2M9X-TB4R-WZ8C)", PR_CODE_CHARS);
		goto out;
	}
	if ((r = fetch_scrypt(&kdf, eb)) != PR_OK)
		goto out;
	if ((r = derive(kdf, canon, set, want)) != PR_OK) {
		pr_fail(eb, r, "scrypt failed: %s", pr_strerror(r));
		goto out;
	}
	if ((i = find_unused(set, want)) < 0) {
		r = pr_fail(eb, PR_ERR_CODE_INVALID, "wrong or already used recovery code");
		goto out;
	}
	set->codes[i].used = now > 0 ? now : 1;
	if ((r = ctx_write(&x, set, eb)) != PR_OK)
		goto out;
	r = PR_OK;
out:
	explicit_bzero(canon, sizeof(canon));
	explicit_bzero(want, sizeof(want));
	explicit_bzero(set, sizeof(*set));
	free(set);
	EVP_KDF_free(kdf);
	pr_user_file_close(&x);
	return r;
}

/* Readers take no lock: the file is only ever replaced whole. */
int pr_codes_status(struct pr_state *state, const char *user,
    struct pr_codes_status *st, struct pr_errbuf *eb)
{
	struct code_set *set = NULL;
	struct pr_user_file x;
	int r;

	pr_user_file_init(&x);
	if (st == NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no place for the result");
	memset(st, 0, sizeof(*st));
	if ((set = malloc(sizeof(*set))) == NULL)
		return pr_fail(eb, PR_ERR_NOMEM, "out of memory");
	if ((r = open_set(&x, state, user, NULL, set, eb)) != PR_OK)
		goto out;
	st->total = set->count;
	for (int i = 0; i < set->count; i++)
		st->remaining += set->codes[i].used == 0;
	st->created = set->created;
out:
	explicit_bzero(set, sizeof(*set));
	free(set);
	pr_user_file_close(&x);
	return r;
}

/* ---- one code alone (lib/breakglass.c) ---------------------------------------------- */

bool pr_code_cost_valid(uint64_t n, uint32_t r, uint32_t p)
{
	return n >= SCRYPT_N_MIN && n <= SCRYPT_N_MAX && (n & (n - 1)) == 0 &&
	    r >= 1 && r <= SCRYPT_R_MAX && p >= 1 && p <= SCRYPT_P_MAX;
}

void pr_code_hash_dummy(struct pr_code_hash *h)
{
	memset(h, 0, sizeof(*h));
	h->n = SCRYPT_N;
	h->r = SCRYPT_R;
	h->p = SCRYPT_P;
}

int pr_code_new(struct pr_code_hash *h, char **code, struct pr_errbuf *eb)
{
	char canon[PR_CODE_CHARS + 1] = "";
	EVP_KDF *kdf = NULL;
	int r;

	*code = NULL;
	pr_code_hash_dummy(h);
	if ((r = fetch_scrypt(&kdf, eb)) != PR_OK)
		return r;
	if ((r = pr_random(h->salt, SALT_LEN)) != PR_OK)
		pr_fail(eb, r, "cannot make a salt: %s", pr_strerror(r));
	else if ((r = pr_crockford_random(PR_CODE_CHARS, CODE_GROUP, code, canon)) != PR_OK)
		pr_fail(eb, r, "cannot make a code: %s", pr_strerror(r));
	else if ((r = derive_cost(kdf, canon, h->salt, h->n, h->r, h->p, h->hash)) != PR_OK)
		pr_fail(eb, r, "scrypt failed: %s", pr_strerror(r));
	if (r != PR_OK)
		pr_secret_strfree(code);
	explicit_bzero(canon, sizeof(canon));
	EVP_KDF_free(kdf);
	return r;
}

int pr_code_check(const struct pr_code_hash *h, const char *code, bool *match,
    struct pr_errbuf *eb)
{
	unsigned char got[HASH_LEN];
	char canon[PR_CODE_CHARS + 1] = "";
	EVP_KDF *kdf = NULL;
	int r;

	*match = false;
	if (code == NULL || !pr_crockford_normalise(code, canon, PR_CODE_CHARS))
		return pr_fail(eb, PR_ERR_CODE_INVALID, "not a code's form (%d characters, such "
		    "as K7QF-2M9X-TB4R-WZ8C)", PR_CODE_CHARS);
	if (!pr_code_cost_valid(h->n, h->r, h->p))
		return pr_fail(eb, PR_ERR_CORRUPT, "scrypt cost out of range");
	if ((r = fetch_scrypt(&kdf, eb)) != PR_OK)
		goto out;
	if ((r = derive_cost(kdf, canon, h->salt, h->n, h->r, h->p, got)) != PR_OK) {
		pr_fail(eb, r, "scrypt failed: %s", pr_strerror(r));
		goto out;
	}
	*match = pr_ct_equal(got, h->hash, HASH_LEN);
out:
	explicit_bzero(canon, sizeof(canon));
	explicit_bzero(got, sizeof(got));
	EVP_KDF_free(kdf);
	return r;
}
