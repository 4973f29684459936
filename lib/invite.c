/*
 * Enrollment invitations: <state_dir>/invites/<user> (0600, in a 0700
 * directory), changed only under <state_dir>/locks/<user>+invite.lock and
 * replaced atomically. ('+' cannot occur in a user name, so the lock never
 * shares a name with the credential store's <user>.lock of another user.)
 *
 * File format (version 1), exactly two lines:
 *
 *   practicerunner-invite 1
 *   hash=<64 lower-case hex> created=<unix time> expires=<unix time> failures=<0..4>
 *
 * hash is SHA-256 over "practicerunner-invite 1", NUL, the user name, NUL,
 * and the token in canonical form, so a hash copied into another user's
 * file matches nothing. The token never touches the disk. Tokens carry 140
 * random bits (28 characters of Crockford's base32: no I, L, O or U),
 * shown as 7 groups of 4 joined by '-'; input is accepted in either case,
 * with or without dashes and spaces, with O read as 0 and I or L as 1.
 *
 * A wrong token counts in failures; the one that reaches
 * PR_INVITE_MAX_FAILURES deletes the file, as does a check after expiry.
 * The parser is strict: anything else is PR_ERR_CORRUPT naming file and
 * line, and a corrupt file is never rewritten (revoke removes it).
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/sha.h>

#include "err.h"
#include "invite.h"
#include "user_file.h"
#include "util.h"

#define INVITE_HEADER "practicerunner-invite 1"
#define INVITE_MAGIC "practicerunner-invite "
#define INVITE_MAX_SIZE 4096
#define INVITE_LOCK "+invite.lock"         /* locks/<user>+invite.lock */
#define INVITE_MAX_LIFETIME (30 * 86400)   /* the longest an invitation may last */
#define TOKEN_CHARS 28                     /* 28 x 5 bits = 140 bits */
#define TOKEN_GROUP 4
#define TOKEN_TEXT_LEN (TOKEN_CHARS + TOKEN_CHARS / TOKEN_GROUP - 1)
#define TOKEN_INPUT_MAX 256                /* longer input is not a token */
#define HASH_LEN SHA256_DIGEST_LENGTH
#define USER_MAX 64                        /* pr_username_valid's limit */

static const char token_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* Where a parse failed and why, for "<path>:<line>: <reason>". */
struct parse_err {
	int line;
	char reason[160];
};

struct invite_rec {
	unsigned char hash[HASH_LEN];
	int64_t created;
	int64_t expires;
	int failures;
};

static int parse_fail(struct parse_err *pe, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int parse_fail(struct parse_err *pe, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pe->reason, sizeof(pe->reason), fmt, ap);
	va_end(ap);
	return PR_ERR_CORRUPT;
}

/* ---- tokens --------------------------------------------------------------- */

/* 28 random characters in groups of 4; 256 is a multiple of 32, so no bias. */
static int token_generate(char **out)
{
	unsigned char rnd[TOKEN_CHARS];
	char *t = NULL;
	size_t o = 0;
	int r;

	*out = NULL;
	if ((t = malloc(TOKEN_TEXT_LEN + 1)) == NULL)
		return PR_ERR_NOMEM;
	if ((r = pr_random(rnd, sizeof(rnd))) != PR_OK) {
		free(t);
		return r;
	}
	for (size_t i = 0; i < TOKEN_CHARS; i++) {
		if (i > 0 && i % TOKEN_GROUP == 0)
			t[o++] = '-';
		t[o++] = token_alphabet[rnd[i] & 0x1f];
	}
	t[o] = '\0';
	explicit_bzero(rnd, sizeof(rnd));
	*out = t;
	return PR_OK;
}

/* One typed character in canonical form, '\0' to skip it, or -1 if invalid. */
static int token_char(char ch)
{
	if (ch == '-' || ch == ' ')
		return '\0';
	if (ch >= 'a' && ch <= 'z')
		ch = (char)(ch - 'a' + 'A');
	if (ch == 'O')
		return '0';
	if (ch == 'I' || ch == 'L')
		return '1';
	if (ch != '\0' && strchr(token_alphabet, ch) != NULL)
		return ch;
	return -1;
}

/* What the person typed, as the 28 characters that were generated. */
static bool token_canonical(const char *in, char out[TOKEN_CHARS + 1])
{
	size_t o = 0;
	int ch;

	if (strnlen(in, TOKEN_INPUT_MAX + 1) > TOKEN_INPUT_MAX)
		return false;
	for (const char *p = in; *p != '\0'; p++) {
		if ((ch = token_char(*p)) < 0)
			return false;
		if (ch == '\0')
			continue;
		if (o == TOKEN_CHARS)
			return false;
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	return o == TOKEN_CHARS;
}

/* SHA-256 of header, NUL, user, NUL, canonical token (user is <= 64 bytes). */
static void token_hash(const char *user, const char *canon, unsigned char md[HASH_LEN])
{
	unsigned char buf[sizeof(INVITE_HEADER) + USER_MAX + 1 + TOKEN_CHARS];
	size_t o = 0, n;

	memcpy(buf, INVITE_HEADER, sizeof(INVITE_HEADER));  /* with its NUL */
	o = sizeof(INVITE_HEADER);
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

/* Plain decimal, no sign, no leading zeros. */
static int parse_uint(const char *s, int64_t max, int64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || v > (uint64_t)INT64_MAX / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v > (uint64_t)max)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static bool hash_decode(const char *v, unsigned char hash[HASH_LEN])
{
	unsigned char *raw = NULL;
	size_t len = 0;
	bool ok;

	for (const char *p = v; *p != '\0'; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	if (pr_hex_decode(v, &raw, &len) != PR_OK)
		return false;
	if ((ok = len == HASH_LEN))
		memcpy(hash, raw, HASH_LEN);
	free(raw);
	return ok;
}

/* "key=value" at *p, split off in place; NULL value if the key is not next. */
static const char *take_field(char **p, const char *key, struct parse_err *pe)
{
	char *tok, *eq;

	if (*p == NULL) {
		parse_fail(pe, "missing field '%s'", key);
		return NULL;
	}
	tok = strsep(p, " ");
	if ((eq = strchr(tok, '=')) == NULL) {
		parse_fail(pe, "expected '%s=...', found '%.32s'", key, tok);
		return NULL;
	}
	*eq = '\0';
	if (strcmp(tok, key) != 0) {
		parse_fail(pe, "expected field '%s', found '%.32s'", key, tok);
		return NULL;
	}
	return eq + 1;
}

static int parse_times(char **p, struct invite_rec *rec, struct parse_err *pe)
{
	const char *v;
	int64_t n;

	if ((v = take_field(p, "created", pe)) == NULL)
		return PR_ERR_CORRUPT;
	if (parse_uint(v, INT64_MAX, &rec->created) != 0)
		return parse_fail(pe, "created is not a valid time");
	if ((v = take_field(p, "expires", pe)) == NULL)
		return PR_ERR_CORRUPT;
	if (parse_uint(v, INT64_MAX, &rec->expires) != 0)
		return parse_fail(pe, "expires is not a valid time");
	if (rec->expires <= rec->created || rec->expires - rec->created > INVITE_MAX_LIFETIME)
		return parse_fail(pe, "expires is not within %d days after created",
		    INVITE_MAX_LIFETIME / 86400);
	if ((v = take_field(p, "failures", pe)) == NULL)
		return PR_ERR_CORRUPT;
	if (parse_uint(v, PR_INVITE_MAX_FAILURES - 1, &n) != 0)
		return parse_fail(pe, "failures out of range (0..%d)", PR_INVITE_MAX_FAILURES - 1);
	rec->failures = (int)n;
	return PR_OK;
}

static int parse_entry(char *line, struct invite_rec *rec, struct parse_err *pe)
{
	const char *v;
	char *p = line;
	int r;

	if ((v = take_field(&p, "hash", pe)) == NULL)
		return PR_ERR_CORRUPT;
	if (!hash_decode(v, rec->hash))
		return parse_fail(pe, "hash is not 64 lower-case hex digits");
	if ((r = parse_times(&p, rec, pe)) != PR_OK)
		return r;
	if (p != NULL)
		return parse_fail(pe, "extra text after failures");
	return PR_OK;
}

static int count_lines(const char *buf, size_t len)
{
	int line = 1;

	for (size_t i = 0; i < len; i++)
		line += buf[i] == '\n';
	return line;
}

/* Whole-buffer checks before any line is looked at. */
static int check_buffer(const char *buf, size_t len, struct parse_err *pe)
{
	const char *nul = memchr(buf, '\0', len);

	if (nul != NULL) {
		pe->line = count_lines(buf, (size_t)(nul - buf));
		return parse_fail(pe, "NUL byte in file");
	}
	pe->line = 1;
	if (len == 0)
		return parse_fail(pe, "empty file (no header line)");
	if (buf[len - 1] != '\n') {
		pe->line = count_lines(buf, len);
		return parse_fail(pe, "last line has no newline (torn write?)");
	}
	return PR_OK;
}

static int check_header(const char *line, struct parse_err *pe)
{
	if (strcmp(line, INVITE_HEADER) == 0)
		return PR_OK;
	if (strncmp(line, INVITE_MAGIC, strlen(INVITE_MAGIC)) == 0)
		return parse_fail(pe, "unsupported format version '%.16s'",
		    line + strlen(INVITE_MAGIC));
	return parse_fail(pe, "missing header line '%s'", INVITE_HEADER);
}

/* text is NUL-terminated, ends in '\n' and is modified in place. */
static int parse_lines(char *text, struct invite_rec *rec, struct parse_err *pe)
{
	char *p = text;
	int r;

	pe->line = 1;
	if ((r = check_header(strsep(&p, "\n"), pe)) != PR_OK)
		return r;
	pe->line = 2;
	if (*p == '\0')
		return parse_fail(pe, "missing invitation line");
	if ((r = parse_entry(strsep(&p, "\n"), rec, pe)) != PR_OK)
		return r;
	if (*p != '\0') {
		pe->line = 3;
		return parse_fail(pe, "more than one invitation line");
	}
	return PR_OK;
}

static int invite_parse(const char *buf, size_t len, struct invite_rec *rec,
    struct parse_err *pe)
{
	char *text = NULL;
	int r;

	memset(rec, 0, sizeof(*rec));
	pe->line = 0;
	pe->reason[0] = '\0';
	if ((r = check_buffer(buf, len, pe)) != PR_OK)
		return r;
	if ((text = strndup(buf, len)) == NULL)
		return PR_ERR_NOMEM;
	r = parse_lines(text, rec, pe);
	free(text);
	return r;
}

static int invite_format(const struct invite_rec *rec, char *out, size_t cap, size_t *len)
{
	char hex[2 * HASH_LEN + 1];
	int n;

	pr_hex_encode(rec->hash, HASH_LEN, hex);
	n = snprintf(out, cap, "%s\nhash=%s created=%" PRId64 " expires=%" PRId64
	    " failures=%d\n", INVITE_HEADER, hex, rec->created, rec->expires, rec->failures);
	if (n < 0 || (size_t)n >= cap)
		return PR_ERR_INVALID_ARG;
	*len = (size_t)n;
	return PR_OK;
}

/* ---- files ----------------------------------------------------------------- */

/* PR_ERR_NOT_FOUND in the words people see. */
static int no_invitation(const char *user, struct pr_errbuf *eb)
{
	return pr_fail(eb, PR_ERR_NOT_FOUND, "no invitation for %s", user);
}

/*
 * Open invites/ (created only when create is set) and take the user's lock
 * when lock is INVITE_LOCK (NULL: no lock); no invites/ is "no invitation",
 * found before any lock is taken.
 */
static int ctx_open(const char *state_dir, const char *user, bool create,
    const char *lock, struct pr_user_file *x, struct pr_errbuf *eb)
{
	int r;

	if ((r = pr_user_file_open(x, state_dir, "invites", user, lock, create, eb)) != PR_OK)
		return r;
	if (x->dir_fd < 0)
		return no_invitation(user, eb);
	return PR_OK;
}

static int ctx_read(struct pr_user_file *x, struct invite_rec *rec, struct pr_errbuf *eb)
{
	struct parse_err pe;
	char *buf = NULL;
	size_t len = 0;
	int r;

	memset(rec, 0, sizeof(*rec));
	if ((r = pr_user_file_read(x, INVITE_MAX_SIZE, &buf, &len, eb)) != PR_OK)
		return r;
	if (buf == NULL)
		return no_invitation(x->user, eb);
	r = invite_parse(buf, len, rec, &pe);
	if (r == PR_ERR_CORRUPT)
		pr_fail(eb, r, "%s:%d: %s", x->path, pe.line, pe.reason);
	else if (r != PR_OK)
		pr_fail(eb, r, "%s: %s", x->path, pr_strerror(r));
	free(buf);
	return r;
}

static int ctx_write(struct pr_user_file *x, const struct invite_rec *rec,
    struct pr_errbuf *eb)
{
	char text[512];
	size_t len = 0;
	int r;

	if ((r = invite_format(rec, text, sizeof(text), &len)) != PR_OK)
		return pr_fail(eb, r, "%s: cannot write: %s", x->path, pr_strerror(r));
	return pr_user_file_replace(x, text, len, eb);
}

/* Unlink the user's file and make that durable: a used token stays used. */
static int ctx_delete(struct pr_user_file *x, struct pr_errbuf *eb)
{
	int r = pr_user_file_unlink(x, eb);

	return r == PR_ERR_NOT_FOUND ? no_invitation(x->user, eb) : r;
}

/* ---- operations ------------------------------------------------------------- */

static bool lifetime_valid(int64_t lifetime, int64_t now)
{
	return now >= 0 && lifetime > 0 && lifetime <= INVITE_MAX_LIFETIME &&
	    now <= INT64_MAX - lifetime;
}

/* Under the lock: an earlier invitation may be replaced, a damaged file may not. */
static int check_replaceable(struct pr_user_file *x, struct pr_errbuf *eb)
{
	struct pr_errbuf why = { "" };
	struct invite_rec old;
	int r = ctx_read(x, &old, &why);

	explicit_bzero(&old, sizeof(old));
	if (r == PR_OK || r == PR_ERR_NOT_FOUND)
		return PR_OK;
	if (r == PR_ERR_CORRUPT || r == PR_ERR_UNSAFE_FILE)
		return pr_fail(eb, r, "%s (revoke the invitation to remove it)", why.msg);
	return pr_fail(eb, r, "%s", why.msg);
}

int pr_invite_create(const char *state_dir, const char *user, int64_t lifetime,
    int64_t now, char **token, struct pr_errbuf *eb)
{
	struct pr_user_file x;
	struct invite_rec rec = { .failures = 0 };
	char canon[TOKEN_CHARS + 1] = "";
	char *t = NULL;
	int r;

	pr_user_file_init(&x);
	if (token == NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no place for the token");
	*token = NULL;
	if (!lifetime_valid(lifetime, now))
		return pr_fail(eb, PR_ERR_INVALID_ARG,
		    "an invitation must last between 1 second and %d days", INVITE_MAX_LIFETIME / 86400);
	if ((r = ctx_open(state_dir, user, true, INVITE_LOCK, &x, eb)) != PR_OK ||
	    (r = check_replaceable(&x, eb)) != PR_OK)
		goto fail;
	if ((r = token_generate(&t)) != PR_OK) {
		pr_fail(eb, r, "cannot make a token: %s", pr_strerror(r));
		goto fail;
	}
	if (!token_canonical(t, canon)) {  /* cannot happen: our own output */
		r = pr_fail(eb, PR_ERR_INVALID_ARG, "internal error: token form");
		goto fail;
	}
	token_hash(user, canon, rec.hash);
	rec.created = now;
	rec.expires = now + lifetime;
	if ((r = ctx_write(&x, &rec, eb)) != PR_OK)
		goto fail;
	*token = t;
	t = NULL;
	r = PR_OK;
fail:
	explicit_bzero(canon, sizeof(canon));
	pr_secret_strfree(&t);
	pr_user_file_close(&x);
	return r;
}

/* A wrong token: count it, or void the invitation when the limit is reached. */
static int count_failure(struct pr_user_file *x, struct invite_rec *rec,
    struct pr_errbuf *eb)
{
	int r;

	rec->failures++;
	if (rec->failures >= PR_INVITE_MAX_FAILURES) {
		if ((r = ctx_delete(x, eb)) != PR_OK)
			return r;
		return pr_fail(eb, PR_ERR_INVITE_INVALID, "wrong invitation token; after %d "
		    "wrong tokens the invitation for %s is void", PR_INVITE_MAX_FAILURES, x->user);
	}
	if ((r = ctx_write(x, rec, eb)) != PR_OK)
		return r;
	return pr_fail(eb, PR_ERR_INVITE_INVALID, "wrong invitation token (%d of %d tries used)",
	    rec->failures, PR_INVITE_MAX_FAILURES);
}

static int expired(struct pr_user_file *x, const struct invite_rec *rec,
    struct pr_errbuf *eb)
{
	char when[32] = "?";
	time_t t = (time_t)rec->expires;
	struct tm tm;
	int r;

	if ((r = ctx_delete(x, eb)) != PR_OK)
		return r;
	if (gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	return pr_fail(eb, PR_ERR_EXPIRED, "the invitation for %s expired at %s", x->user, when);
}

/* check (consume = false) and consume share everything but the delete. */
static int redeem(const char *state_dir, const char *user, const char *token,
    int64_t now, bool consume, struct pr_errbuf *eb)
{
	unsigned char want[HASH_LEN];
	char canon[TOKEN_CHARS + 1] = "";
	struct invite_rec rec = { .failures = 0 };
	struct pr_user_file x;
	bool match;
	int r;

	pr_user_file_init(&x);
	if (token == NULL || now < 0)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no token or invalid time");
	if ((r = ctx_open(state_dir, user, false, INVITE_LOCK, &x, eb)) != PR_OK ||
	    (r = ctx_read(&x, &rec, eb)) != PR_OK)
		goto fail;
	if (now >= rec.expires) {
		r = expired(&x, &rec, eb);
		goto fail;
	}
	match = token_canonical(token, canon);
	if (match) {
		token_hash(user, canon, want);
		match = pr_ct_equal(want, rec.hash, HASH_LEN);
	}
	if (!match) {
		r = count_failure(&x, &rec, eb);
		goto fail;
	}
	r = consume ? ctx_delete(&x, eb) : PR_OK;
fail:
	explicit_bzero(canon, sizeof(canon));
	explicit_bzero(want, sizeof(want));
	explicit_bzero(&rec, sizeof(rec));
	pr_user_file_close(&x);
	return r;
}

int pr_invite_check(const char *state_dir, const char *user, const char *token,
    int64_t now, struct pr_errbuf *eb)
{
	return redeem(state_dir, user, token, now, false, eb);
}

int pr_invite_consume(const char *state_dir, const char *user, const char *token,
    int64_t now, struct pr_errbuf *eb)
{
	return redeem(state_dir, user, token, now, true, eb);
}

/* Readers take no lock: the file is only ever replaced whole. */
int pr_invite_info(const char *state_dir, const char *user,
    struct pr_invite_info *info, struct pr_errbuf *eb)
{
	struct invite_rec rec;
	struct pr_user_file x;
	int r;

	pr_user_file_init(&x);
	if (info == NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no place for the result");
	memset(info, 0, sizeof(*info));
	if ((r = ctx_open(state_dir, user, false, NULL, &x, eb)) != PR_OK ||
	    (r = ctx_read(&x, &rec, eb)) != PR_OK)
		goto fail;
	info->created = rec.created;
	info->expires = rec.expires;
	info->failures = rec.failures;
fail:
	explicit_bzero(&rec, sizeof(rec));
	pr_user_file_close(&x);
	return r;
}

/* Removes the file whatever it holds, so a corrupt invitation can be cleared. */
int pr_invite_revoke(const char *state_dir, const char *user, struct pr_errbuf *eb)
{
	struct pr_user_file x;
	int r;

	pr_user_file_init(&x);
	if ((r = ctx_open(state_dir, user, false, INVITE_LOCK, &x, eb)) == PR_OK)
		r = ctx_delete(&x, eb);
	pr_user_file_close(&x);
	return r;
}
