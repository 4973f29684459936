/*
 * One-time tokens stored as a hash (see token.h): <state_dir>/<subdir>/<user>
 * (0600, in a 0700 directory), changed only under
 * <state_dir>/locks/<user><lock> and replaced atomically. ('+' cannot occur
 * in a user name, so a lock never shares a name with another user's.)
 *
 * File format (version 1 of each kind), exactly two lines:
 *
 *   <header>
 *   hash=<64 lower-case hex> created=<unix time> expires=<unix time> failures=<0..max>[ <flag>=<0|1>]
 *
 * hash is SHA-256 over the kind's hash domain, NUL, the user name, NUL, and
 * the token in canonical form, so a hash copied into another user's file
 * (or another kind's) matches nothing. The token never touches the disk.
 * Tokens carry 140 random bits (28 characters of Crockford's base32: no I,
 * L, O or U), shown as 7 groups of 4 joined by '-'; input is accepted in
 * either case, with or without dashes and spaces, with O read as 0 and I or
 * L as 1.
 *
 * failures = max is a token whose tries are all taken while the last one
 * is still being evaluated (pr_token_reserve): void to every reader.
 * A failure counts in failures; the one that reaches the kind's maximum
 * deletes the file, as does a check after expiry. The parser is strict:
 * anything else is PR_ERR_CORRUPT naming file and line, and a corrupt file
 * is never rewritten (revoke removes it).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/sha.h>

#include "err.h"
#include "textfmt.h"
#include "token.h"
#include "user_file.h"
#include "util.h"

#define TOKEN_MAX_SIZE 4096
#define TOKEN_CHARS 28                     /* 28 x 5 bits = 140 bits */
#define TOKEN_GROUP 4
#define HASH_LEN SHA256_DIGEST_LENGTH
#define USER_MAX 64                        /* pr_username_valid's limit */
#define DOMAIN_MAX 63                      /* a kind's hash_domain, at most */

struct token_rec {
	unsigned char hash[HASH_LEN];
	int64_t created;
	int64_t expires;
	int failures;
	bool flag;
};

/* What every operation carries: the kind, the open file, the record. */
struct ctx {
	const struct pr_token_kind *k;
	struct pr_user_file x;
	struct token_rec rec;
};

/* ---- tokens --------------------------------------------------------------- */

/* SHA-256 of domain, NUL, user, NUL, canonical token (user is <= 64 bytes). */
static void token_hash(const struct pr_token_kind *k, const char *user, const char *canon,
    unsigned char md[HASH_LEN])
{
	unsigned char buf[DOMAIN_MAX + 1 + USER_MAX + 1 + TOKEN_CHARS];
	size_t o = 0, n;

	n = strnlen(k->hash_domain, DOMAIN_MAX);
	memcpy(buf, k->hash_domain, n);
	o = n;
	buf[o++] = '\0';
	n = strnlen(user, USER_MAX);
	memcpy(buf + o, user, n);
	o += n;
	buf[o++] = '\0';
	memcpy(buf + o, canon, TOKEN_CHARS);
	o += TOKEN_CHARS;
	SHA256(buf, o, md);
	explicit_bzero(buf, sizeof(buf));
}

/* ---- the file's text -------------------------------------------------------- */

/* The kind's longest lifetime in words: "30 days", "1 day", "5400 seconds". */
static const char *lifetime_text(const struct pr_token_kind *k, char buf[48])
{
	int64_t d = k->max_lifetime / 86400;

	if (k->max_lifetime % 86400 == 0)
		snprintf(buf, 48, "%" PRId64 " day%s", d, d == 1 ? "" : "s");
	else
		snprintf(buf, 48, "%" PRId64 " seconds", k->max_lifetime);
	return buf;
}

static int parse_times(const struct pr_token_kind *k, char **p, struct token_rec *rec,
    struct pr_parse_err *pe)
{
	const char *v;
	int64_t n;

	if ((v = pr_parse_take_field(p, "created", pe)) == NULL)
		return PR_ERR_CORRUPT;
	if (!pr_parse_uint(v, INT64_MAX, &rec->created))
		return pr_parse_fail(pe, "created is not a valid time");
	if ((v = pr_parse_take_field(p, "expires", pe)) == NULL)
		return PR_ERR_CORRUPT;
	if (!pr_parse_uint(v, INT64_MAX, &rec->expires))
		return pr_parse_fail(pe, "expires is not a valid time");
	if (rec->expires <= rec->created || rec->expires - rec->created > k->max_lifetime) {
		char span[48];
		return pr_parse_fail(pe, "expires is not within %s after created",
		    lifetime_text(k, span));
	}
	if ((v = pr_parse_take_field(p, "failures", pe)) == NULL)
		return PR_ERR_CORRUPT;
	/* max_failures: every try taken, the last one still being evaluated (void). */
	if (!pr_parse_uint(v, k->max_failures, &n))
		return pr_parse_fail(pe, "failures out of range (0..%d)", k->max_failures);
	rec->failures = (int)n;
	return PR_OK;
}

static int parse_flag(const struct pr_token_kind *k, char **p, struct token_rec *rec,
    struct pr_parse_err *pe)
{
	const char *v;

	rec->flag = false;
	if (k->flag == NULL)
		return PR_OK;
	if ((v = pr_parse_take_field(p, k->flag, pe)) == NULL)
		return PR_ERR_CORRUPT;
	if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
		return pr_parse_fail(pe, "%s is not 0 or 1", k->flag);
	rec->flag = v[0] == '1';
	return PR_OK;
}

static int parse_entry(const struct pr_token_kind *k, char *line, struct token_rec *rec,
    struct pr_parse_err *pe)
{
	const char *v;
	char *p = line;
	int r;

	if ((v = pr_parse_take_field(&p, "hash", pe)) == NULL)
		return PR_ERR_CORRUPT;
	if (!pr_parse_hex_exact(v, rec->hash, HASH_LEN))
		return pr_parse_fail(pe, "hash is not 64 lower-case hex digits");
	if ((r = parse_times(k, &p, rec, pe)) != PR_OK ||
	    (r = parse_flag(k, &p, rec, pe)) != PR_OK)
		return r;
	if (p != NULL)
		return pr_parse_fail(pe, "extra text after %s",
		    k->flag != NULL ? k->flag : "failures");
	return PR_OK;
}

/* text is NUL-terminated, ends in '\n' and is modified in place. */
static int parse_lines(const struct pr_token_kind *k, char *text, struct token_rec *rec,
    struct pr_parse_err *pe)
{
	char *p = text;
	int r;

	pe->line = 1;
	if ((r = pr_parse_check_header(strsep(&p, "\n"), k->header, k->magic,
	    pe)) != PR_OK)
		return r;
	pe->line = 2;
	if (*p == '\0')
		return pr_parse_fail(pe, "missing %s line", k->noun);
	if ((r = parse_entry(k, strsep(&p, "\n"), rec, pe)) != PR_OK)
		return r;
	if (*p != '\0') {
		pe->line = 3;
		return pr_parse_fail(pe, "more than one %s line", k->noun);
	}
	return PR_OK;
}

static int token_parse(const struct pr_token_kind *k, const char *buf, size_t len,
    struct token_rec *rec, struct pr_parse_err *pe)
{
	char *text = NULL;
	int r;

	memset(rec, 0, sizeof(*rec));
	if ((r = pr_parse_copy(buf, len, pe, &text)) != PR_OK)
		return r;
	r = parse_lines(k, text, rec, pe);
	free(text);
	return r;
}

static int token_format(const struct pr_token_kind *k, const struct token_rec *rec,
    char *out, size_t cap, size_t *len)
{
	char hex[2 * HASH_LEN + 1], flag[80] = "";
	int n;

	if (k->flag != NULL &&
	    (n = snprintf(flag, sizeof(flag), " %s=%d", k->flag, rec->flag ? 1 : 0)) < 0)
		return PR_ERR_INVALID_ARG;
	pr_hex_encode(rec->hash, HASH_LEN, hex);
	n = snprintf(out, cap, "%s\nhash=%s created=%" PRId64 " expires=%" PRId64
	    " failures=%d%s\n", k->header, hex, rec->created, rec->expires, rec->failures, flag);
	if (n < 0 || (size_t)n >= cap)
		return PR_ERR_INVALID_ARG;
	*len = (size_t)n;
	return PR_OK;
}

/* ---- files ----------------------------------------------------------------- */

/* PR_ERR_NOT_FOUND in the words people see. */
static int none_for(const struct pr_token_kind *k, const char *user, struct pr_errbuf *eb)
{
	return pr_fail(eb, PR_ERR_NOT_FOUND, "no %s for %s", k->noun, user);
}

static void ctx_init(struct ctx *c, const struct pr_token_kind *k)
{
	memset(c, 0, sizeof(*c));
	c->k = k;
	pr_user_file_init(&c->x);
}

static void ctx_close(struct ctx *c)
{
	explicit_bzero(&c->rec, sizeof(c->rec));
	pr_user_file_close(&c->x);
}

/*
 * Open <subdir> (created only when create is set) and take the user's lock
 * when lock is set; no <subdir> is "none", found before any lock is taken.
 */
static int ctx_open(struct ctx *c, struct pr_state *state, const char *user, bool create,
    bool lock, struct pr_errbuf *eb)
{
	int r;

	if ((r = pr_user_file_open(&c->x, state, c->k->subdir, user,
	    lock ? c->k->lock : NULL, create, eb)) != PR_OK)
		return r;
	if (!pr_user_file_present(&c->x))
		return none_for(c->k, user, eb);
	return PR_OK;
}

static int ctx_read(struct ctx *c, struct token_rec *rec, struct pr_errbuf *eb)
{
	struct pr_parse_err pe;
	char *buf = NULL;
	size_t len = 0;
	int r;

	memset(rec, 0, sizeof(*rec));
	if ((r = pr_user_file_read(&c->x, TOKEN_MAX_SIZE, &buf, &len, eb)) != PR_OK)
		return r;
	if (buf == NULL)
		return none_for(c->k, c->x.user, eb);
	r = token_parse(c->k, buf, len, rec, &pe);
	if (r == PR_ERR_CORRUPT)
		pr_fail(eb, r, "%s:%d: %s", c->x.path, pe.line, pe.reason);
	else if (r != PR_OK)
		pr_fail(eb, r, "%s: %s", c->x.path, pr_strerror(r));
	free(buf);
	return r;
}

static int ctx_write(struct ctx *c, struct pr_errbuf *eb)
{
	char text[512];
	size_t len = 0;
	int r;

	if ((r = token_format(c->k, &c->rec, text, sizeof(text), &len)) != PR_OK)
		return pr_fail(eb, r, "%s: cannot write: %s", c->x.path, pr_strerror(r));
	return pr_user_file_replace(&c->x, text, len, eb);
}

/* Unlink the user's file and make that durable: a used token stays used. */
static int ctx_delete(struct ctx *c, struct pr_errbuf *eb)
{
	int r = pr_user_file_unlink(&c->x, eb);

	return r == PR_ERR_NOT_FOUND ? none_for(c->k, c->x.user, eb) : r;
}

/* ---- operations ------------------------------------------------------------- */

static bool lifetime_valid(const struct pr_token_kind *k, int64_t lifetime, int64_t now)
{
	return now >= 0 && lifetime > 0 && lifetime <= k->max_lifetime &&
	    now <= INT64_MAX - lifetime;
}

/* Under the lock: an earlier token may be replaced, a damaged file may not. */
static int check_replaceable(struct ctx *c, struct pr_errbuf *eb)
{
	struct pr_errbuf why = { 0 };
	struct token_rec old;
	int r = ctx_read(c, &old, &why);

	explicit_bzero(&old, sizeof(old));
	if (r == PR_OK || r == PR_ERR_NOT_FOUND)
		return PR_OK;
	if (r == PR_ERR_CORRUPT || r == PR_ERR_UNSAFE_FILE)
		return pr_fail(eb, r, "%s (%s)", why.msg, c->k->remedy);
	return pr_fail(eb, r, "%s", why.msg);
}

static int lifetime_refused(const struct pr_token_kind *k, struct pr_errbuf *eb)
{
	const char *article = strchr("aeiou", k->noun[0]) != NULL ? "an" : "a";
	char span[48];

	return pr_fail(eb, PR_ERR_INVALID_ARG, "%s %s must last between 1 second and %s",
	    article, k->noun, lifetime_text(k, span));
}

int pr_token_create(const struct pr_token_kind *k, struct pr_state *state,
    const char *user, int64_t lifetime, int64_t now, char **token, struct pr_errbuf *eb)
{
	char canon[TOKEN_CHARS + 1] = "";
	char *t = NULL;
	struct ctx c;
	int r;

	ctx_init(&c, k);
	if (token == NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no place for the token");
	*token = NULL;
	if (!lifetime_valid(k, lifetime, now))
		return lifetime_refused(k, eb);
	if ((r = ctx_open(&c, state, user, true, true, eb)) != PR_OK ||
	    (r = check_replaceable(&c, eb)) != PR_OK)
		goto out;
	if ((r = pr_crockford_random(TOKEN_CHARS, TOKEN_GROUP, &t, NULL)) != PR_OK) {
		pr_fail(eb, r, "cannot make a token: %s", pr_strerror(r));
		goto out;
	}
	/* cannot fail: our own output */
	if (!pr_crockford_normalise(t, canon, TOKEN_CHARS)) {
		r = pr_fail(eb, PR_ERR_INVALID_ARG, "internal error: token form");
		goto out;
	}
	token_hash(k, user, canon, c.rec.hash);
	c.rec.created = now;
	c.rec.expires = now + lifetime;
	c.rec.failures = 0;
	c.rec.flag = false;
	if ((r = ctx_write(&c, eb)) != PR_OK)
		goto out;
	*token = t;
	t = NULL;
	r = PR_OK;
out:
	explicit_bzero(canon, sizeof(canon));
	pr_secret_strfree(&t);
	ctx_close(&c);
	return r;
}

/*
 * Count a failure, or void the token when the limit is reached: PR_OK or
 * an error writing; *voided says which.
 */
static int count_failure(struct ctx *c, bool *voided, struct pr_errbuf *eb)
{
	c->rec.failures++;
	*voided = c->rec.failures >= c->k->max_failures;
	return *voided ? ctx_delete(c, eb) : ctx_write(c, eb);
}

/* A wrong token: counted, and said so. */
static int wrong_token(struct ctx *c, struct pr_errbuf *eb)
{
	const struct pr_token_kind *k = c->k;
	bool voided = false;
	int r;

	if ((r = count_failure(c, &voided, eb)) != PR_OK)
		return r;
	if (voided)
		return pr_fail(eb, k->invalid_err, "wrong %s; after %d %s the %s for %s is void",
		    k->secret, k->max_failures, k->failures_word, k->noun, c->x.user);
	return pr_fail(eb, k->invalid_err, "wrong %s (%d of %d tries used)", k->secret,
	    c->rec.failures, k->max_failures);
}

static int expired(struct ctx *c, struct pr_errbuf *eb)
{
	char when[32];
	int r;

	if ((r = ctx_delete(c, eb)) != PR_OK)
		return r;
	return pr_fail(eb, PR_ERR_EXPIRED, "the %s for %s expired at %s", c->k->noun,
	    c->x.user, pr_time_utc(c->rec.expires, when));
}

/* The user's token, locked for a change, and not expired (an expired one is deleted). */
static int ctx_open_current(struct ctx *c, struct pr_state *state, const char *user,
    int64_t now, struct pr_errbuf *eb)
{
	int r;

	if ((r = ctx_open(c, state, user, false, true, eb)) != PR_OK ||
	    (r = ctx_read(c, &c->rec, eb)) != PR_OK)
		return r;
	if (now >= c->rec.expires)
		return expired(c, eb);
	/* Every try taken (one still being evaluated): void, though the file stays for it. */
	return c->rec.failures >= c->k->max_failures ? none_for(c->k, user, eb) : PR_OK;
}

/* Whether token is the one on file (constant time); canon is wiped. */
static bool token_matches(struct ctx *c, const char *token)
{
	unsigned char want[HASH_LEN];
	char canon[TOKEN_CHARS + 1] = "";
	bool match = pr_crockford_normalise(token, canon, TOKEN_CHARS);

	if (match) {
		token_hash(c->k, c->x.user, canon, want);
		match = pr_ct_equal(want, c->rec.hash, HASH_LEN);
	}
	explicit_bzero(canon, sizeof(canon));
	explicit_bzero(want, sizeof(want));
	return match;
}

/* A caller's token and time checked, then the user's current token locked (c to ctx_close). */
static int ctx_open_for(struct ctx *c, const struct pr_token_kind *k, struct pr_state *state,
    const char *user, const char *token, int64_t now, struct pr_errbuf *eb)
{
	ctx_init(c, k);
	if (token == NULL || now < 0)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no token or invalid time");
	return ctx_open_current(c, state, user, now, eb);
}

int pr_token_reserve(const struct pr_token_kind *k, struct pr_state *state,
    const char *user, const char *token, int64_t now, struct pr_errbuf *eb)
{
	struct ctx c;
	int r;

	if ((r = ctx_open_for(&c, k, state, user, token, now, eb)) != PR_OK)
		goto out;
	if (!token_matches(&c, token)) {
		r = wrong_token(&c, eb);
		goto out;
	}
	/* Counted now, before the caller evaluates anything: a kill cannot uncount it. */
	c.rec.failures++;
	r = ctx_write(&c, eb);
out:
	ctx_close(&c);
	return r;
}

/*
 * The same token (a replaced one is left alone: PR_ERR_NOT_FOUND), whatever
 * its count, for settling a reservation; expired or not.
 */
static int ctx_open_reserved(struct ctx *c, struct pr_state *state, const char *user,
    const char *token, struct pr_errbuf *eb)
{
	int r;

	if ((r = ctx_open(c, state, user, false, true, eb)) != PR_OK ||
	    (r = ctx_read(c, &c->rec, eb)) != PR_OK)
		return r;
	return token_matches(c, token) ? PR_OK : none_for(c->k, user, eb);
}

int pr_token_release(const struct pr_token_kind *k, struct pr_state *state,
    const char *user, const char *token, bool set_flag, struct pr_errbuf *eb)
{
	struct ctx c;
	int r;

	ctx_init(&c, k);
	if (token == NULL || (set_flag && k->flag == NULL))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no token, or a %s has no flag", k->noun);
	if ((r = ctx_open_reserved(&c, state, user, token, eb)) != PR_OK)
		goto out;
	if (c.rec.failures > 0)
		c.rec.failures--;
	c.rec.flag = c.rec.flag || set_flag;
	r = ctx_write(&c, eb);
out:
	ctx_close(&c);
	return r;
}

int pr_token_spent(const struct pr_token_kind *k, struct pr_state *state,
    const char *user, const char *token, bool *voided, struct pr_errbuf *eb)
{
	struct ctx c;
	int r;

	ctx_init(&c, k);
	*voided = false;
	if (token == NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no token");
	if ((r = ctx_open_reserved(&c, state, user, token, eb)) != PR_OK)
		goto out;
	if ((*voided = c.rec.failures >= k->max_failures))
		r = ctx_delete(&c, eb);
out:
	ctx_close(&c);
	return r;
}

int pr_token_match(const struct pr_token_kind *k, struct pr_state *state,
    const char *user, const char *token, int64_t now, struct pr_errbuf *eb)
{
	struct ctx c;
	int r;

	if ((r = ctx_open_for(&c, k, state, user, token, now, eb)) == PR_OK &&
	    !token_matches(&c, token))
		r = pr_fail(eb, k->invalid_err, "wrong %s (not counted: the caller counts)", k->secret);
	ctx_close(&c);
	return r;
}

int pr_token_redeem(const struct pr_token_kind *k, struct pr_state *state,
    const char *user, const char *token, int64_t now, bool consume, bool set_flag,
    struct pr_errbuf *eb)
{
	unsigned char want[HASH_LEN];
	char canon[TOKEN_CHARS + 1] = "";
	struct ctx c;
	bool match;
	int r;

	ctx_init(&c, k);
	memset(want, 0, sizeof(want));
	if (token == NULL || now < 0)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no token or invalid time");
	if (set_flag && k->flag == NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "a %s has no flag", k->noun);
	if ((r = ctx_open_current(&c, state, user, now, eb)) != PR_OK)
		goto out;
	match = pr_crockford_normalise(token, canon, TOKEN_CHARS);
	if (match) {
		token_hash(k, user, canon, want);
		match = pr_ct_equal(want, c.rec.hash, HASH_LEN);
	}
	if (!match) {
		r = wrong_token(&c, eb);
		goto out;
	}
	if (consume) {
		r = ctx_delete(&c, eb);
	} else if (set_flag && !c.rec.flag) {
		c.rec.flag = true;
		r = ctx_write(&c, eb);
	} else {
		r = PR_OK;
	}
out:
	explicit_bzero(canon, sizeof(canon));
	explicit_bzero(want, sizeof(want));
	ctx_close(&c);
	return r;
}

int pr_token_fail(const struct pr_token_kind *k, struct pr_state *state,
    const char *user, int64_t now, struct pr_errbuf *eb)
{
	bool voided = false;
	struct ctx c;
	int r;

	ctx_init(&c, k);
	if (now < 0)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "invalid time");
	if ((r = ctx_open_current(&c, state, user, now, eb)) != PR_OK)
		goto out;
	r = count_failure(&c, &voided, eb);
out:
	ctx_close(&c);
	return r;
}

/* Readers take no lock: the file is only ever replaced whole. */
int pr_token_info(const struct pr_token_kind *k, struct pr_state *state,
    const char *user, struct pr_token_info *info, struct pr_errbuf *eb)
{
	struct ctx c;
	int r;

	ctx_init(&c, k);
	if (info == NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no place for the result");
	memset(info, 0, sizeof(*info));
	if ((r = ctx_open(&c, state, user, false, false, eb)) != PR_OK ||
	    (r = ctx_read(&c, &c.rec, eb)) != PR_OK)
		goto out;
	if (c.rec.failures >= k->max_failures) {
		r = none_for(k, user, eb);   /* void: its last try is being evaluated */
		goto out;
	}
	info->created = c.rec.created;
	info->expires = c.rec.expires;
	info->failures = c.rec.failures;
	info->flag = c.rec.flag;
out:
	ctx_close(&c);
	return r;
}

/* Removes the file whatever it holds, so a corrupt one can be cleared. */
int pr_token_revoke(const struct pr_token_kind *k, struct pr_state *state,
    const char *user, struct pr_errbuf *eb)
{
	struct ctx c;
	int r;

	ctx_init(&c, k);
	if ((r = ctx_open(&c, state, user, false, true, eb)) == PR_OK)
		r = ctx_delete(&c, eb);
	ctx_close(&c);
	return r;
}
