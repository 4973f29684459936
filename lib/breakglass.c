/*
 * Break-glass state: <state_dir>/breakglass/<user> (0600, in a 0700
 * directory), changed only under <state_dir>/locks/<user>+breakglass.lock
 * and replaced atomically (lib/user_file.c).
 *
 * File format (version 1), exactly five lines:
 *
 *   practicerunner-breakglass 1
 *   salt=<32 hex> N=<2^k> r=<1..32> p=<1..16> hash=<64 hex>
 *   created=<time> expires=<time> by=<name> services=<service>[,<service>...]
 *   used=-                      or  used=<time> service=<name> tty=<name>
 *   acked=-                     or  acked=<time> by=<name>
 *
 * The hash is lib/codes.c's (scrypt through OpenSSL, a salt per code).
 * Names are written with anything but [A-Za-z0-9._@:()/+-] as '_' ("-" for
 * none), so a field never holds a space or a newline. The parser is strict:
 * anything else is PR_ERR_CORRUPT naming file and line, and a corrupt file
 * is never used (the code does not work) until create replaces it.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "breakglass.h"
#include "err.h"
#include "textfmt.h"
#include "user_file.h"
#include "util.h"

#define BG_HEADER "practicerunner-breakglass 1"
#define BG_MAGIC "practicerunner-breakglass "
#define BG_SUBDIR "breakglass"
#define BG_LOCK "+breakglass.lock"
#define BG_MAX_SIZE 2048

/* ---- names and service lists ------------------------------------------------------ */

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    strchr("._@:()/+-", c) != NULL;
}

/* src as a field value: unsafe characters as '_', "-" for none or empty. */
static void name_copy(char out[PR_BREAKGLASS_NAME_MAX], const char *src)
{
	size_t i = 0;

	for (; src != NULL && src[i] != '\0' && i < PR_BREAKGLASS_NAME_MAX - 1; i++)
		out[i] = name_char(src[i]) ? src[i] : '_';
	out[i] = '\0';
	if (i == 0)
		snprintf(out, PR_BREAKGLASS_NAME_MAX, "-");
}

static bool name_valid(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n >= PR_BREAKGLASS_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char(v[i]))
			return false;
	return true;
}

static bool service_valid(const char *s, size_t n)
{
	if (n == 0 || n >= PR_BREAKGLASS_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || strchr("._-", s[i]) != NULL))
			return false;
	return true;
}

static bool services_valid(const char *v)
{
	const char *p = v, *comma;

	if (strlen(v) >= PR_BREAKGLASS_SERVICES_MAX)
		return false;
	for (;; p = comma + 1) {
		comma = strchr(p, ',');
		if (!service_valid(p, comma != NULL ? (size_t)(comma - p) : strlen(p)))
			return false;
		if (comma == NULL)
			return true;
	}
}

bool pr_breakglass_services_join(const struct pr_strlist *services, char *out, size_t size)
{
	size_t o = 0;

	if (services == NULL || services->n == 0 || size == 0)
		return false;
	out[0] = '\0';
	for (size_t i = 0; i < services->n; i++) {
		const char *s = services->v[i];
		size_t n = strlen(s);

		if (!service_valid(s, n) || o + n + 2 > size)
			return false;
		if (i > 0)
			out[o++] = ',';
		memcpy(out + o, s, n + 1);
		o += n;
	}
	return true;
}

bool pr_breakglass_service_listed(const struct pr_breakglass *bg, const char *service)
{
	size_t n = service != NULL ? strlen(service) : 0;
	const char *p = bg->services, *comma;

	if (n == 0)
		return false;
	for (;; p = comma + 1) {
		comma = strchr(p, ',');
		if ((comma != NULL ? (size_t)(comma - p) : strlen(p)) == n &&
		    strncmp(p, service, n) == 0)
			return true;
		if (comma == NULL)
			return false;
	}
}

bool pr_breakglass_unacked(const struct pr_breakglass *bg)
{
	return bg->used != 0 && bg->acked == 0;
}

/* ---- the file's text ------------------------------------------------------------------- */

static int take_name(char **p, const char *key, char out[PR_BREAKGLASS_NAME_MAX],
    struct pr_parse_err *pe)
{
	const char *v;

	if ((v = pr_parse_take_field(p, key, pe)) == NULL)
		return PR_ERR_CORRUPT;
	if (!name_valid(v))
		return pr_parse_fail(pe, "%s is not a name", key);
	memcpy(out, v, strlen(v) + 1);
	return PR_OK;
}

static int take_time(char **p, const char *key, int64_t *out, struct pr_parse_err *pe)
{
	const char *v;

	if ((v = pr_parse_take_field(p, key, pe)) == NULL)
		return PR_ERR_CORRUPT;
	if (!pr_parse_uint(v, INT64_MAX, out))
		return pr_parse_fail(pe, "%s is not a valid time", key);
	return PR_OK;
}

static int take_end(char *p, struct pr_parse_err *pe)
{
	return p == NULL ? PR_OK : pr_parse_fail(pe, "extra text at the end of the line");
}

static int parse_hash(char *p, struct pr_code_hash *h, struct pr_parse_err *pe)
{
	const char *v[5];
	static const char *const keys[5] = { "salt", "N", "r", "p", "hash" };
	int64_t n, r, pp;

	for (int i = 0; i < 5; i++)
		if ((v[i] = pr_parse_take_field(&p, keys[i], pe)) == NULL)
			return PR_ERR_CORRUPT;
	if (!pr_parse_hex_exact(v[0], h->salt, PR_CODE_SALT_LEN) ||
	    !pr_parse_hex_exact(v[4], h->hash, PR_CODE_HASH_LEN))
		return pr_parse_fail(pe, "salt or hash is not lower-case hex of its length");
	if (!pr_parse_uint(v[1], INT64_MAX, &n) || !pr_parse_uint(v[2], 64, &r) ||
	    !pr_parse_uint(v[3], 64, &pp) ||
	    !pr_code_cost_valid((uint64_t)n, (uint32_t)r, (uint32_t)pp))
		return pr_parse_fail(pe, "scrypt cost out of range");
	h->n = (uint64_t)n;
	h->r = (uint32_t)r;
	h->p = (uint32_t)pp;
	return take_end(p, pe);
}

static int parse_made(char *p, struct pr_breakglass *bg, struct pr_parse_err *pe)
{
	const char *v;
	int r;

	if ((r = take_time(&p, "created", &bg->created, pe)) != PR_OK ||
	    (r = take_time(&p, "expires", &bg->expires, pe)) != PR_OK ||
	    (r = take_name(&p, "by", bg->created_by, pe)) != PR_OK)
		return r;
	if ((v = pr_parse_take_field(&p, "services", pe)) == NULL)
		return PR_ERR_CORRUPT;
	if (!services_valid(v))
		return pr_parse_fail(pe, "services is not a list of service names");
	memcpy(bg->services, v, strlen(v) + 1);
	return take_end(p, pe);
}

/* "used=-" or "used=T service=S tty=T". */
static int parse_used(char *p, struct pr_breakglass *bg, struct pr_parse_err *pe)
{
	int r;

	if (strcmp(p, "used=-") == 0)
		return PR_OK;
	if ((r = take_time(&p, "used", &bg->used, pe)) != PR_OK ||
	    (r = take_name(&p, "service", bg->used_service, pe)) != PR_OK ||
	    (r = take_name(&p, "tty", bg->used_tty, pe)) != PR_OK)
		return r;
	if (bg->used == 0)
		return pr_parse_fail(pe, "used is not a valid time");
	return take_end(p, pe);
}

static int parse_acked(char *p, struct pr_breakglass *bg, struct pr_parse_err *pe)
{
	int r;

	if (strcmp(p, "acked=-") == 0)
		return PR_OK;
	if ((r = take_time(&p, "acked", &bg->acked, pe)) != PR_OK ||
	    (r = take_name(&p, "by", bg->acked_by, pe)) != PR_OK)
		return r;
	if (bg->acked == 0 || bg->used == 0)
		return pr_parse_fail(pe, "acked without a use, or not a valid time");
	return take_end(p, pe);
}

static int parse_lines(char *text, struct pr_breakglass *bg, struct pr_parse_err *pe)
{
	int (*const step[])(char *, struct pr_breakglass *, struct pr_parse_err *) = {
		NULL, parse_made, parse_used, parse_acked,
	};
	char *p = text;
	int r;

	pe->line = 1;
	if ((r = pr_parse_check_header(strsep(&p, "\n"), BG_HEADER, BG_MAGIC, pe)) != PR_OK)
		return r;
	for (int i = 0; i < 4; i++) {
		pe->line = i + 2;
		if (*p == '\0')
			return pr_parse_fail(pe, "the file ends early");
		r = i == 0 ? parse_hash(strsep(&p, "\n"), &bg->hash, pe) :
		    step[i](strsep(&p, "\n"), bg, pe);
		if (r != PR_OK)
			return r;
	}
	pe->line = 6;
	return *p == '\0' ? PR_OK : pr_parse_fail(pe, "more than five lines");
}

static int bg_parse(const char *buf, size_t len, struct pr_breakglass *bg,
    struct pr_parse_err *pe)
{
	char *text = NULL;
	int r;

	memset(bg, 0, sizeof(*bg));
	if ((r = pr_parse_copy(buf, len, pe, &text)) != PR_OK)
		return r;
	r = parse_lines(text, bg, pe);
	free(text);
	return r;
}

static int bg_format(const struct pr_breakglass *bg, char *buf, size_t size)
{
	char salt[2 * PR_CODE_SALT_LEN + 1], hash[2 * PR_CODE_HASH_LEN + 1];
	char used[160], acked[120];
	int n;

	pr_hex_encode(bg->hash.salt, PR_CODE_SALT_LEN, salt);
	pr_hex_encode(bg->hash.hash, PR_CODE_HASH_LEN, hash);
	snprintf(used, sizeof(used), "used=-");
	if (bg->used != 0)
		snprintf(used, sizeof(used), "used=%" PRId64 " service=%s tty=%s", bg->used,
		    bg->used_service, bg->used_tty);
	snprintf(acked, sizeof(acked), "acked=-");
	if (bg->acked != 0)
		snprintf(acked, sizeof(acked), "acked=%" PRId64 " by=%s", bg->acked, bg->acked_by);
	n = snprintf(buf, size, "%s\nsalt=%s N=%" PRIu64 " r=%" PRIu32 " p=%" PRIu32
	    " hash=%s\ncreated=%" PRId64 " expires=%" PRId64 " by=%s services=%s\n%s\n%s\n",
	    BG_HEADER, salt, bg->hash.n, bg->hash.r, bg->hash.p, hash, bg->created,
	    bg->expires, bg->created_by, bg->services, used, acked);
	explicit_bzero(hash, sizeof(hash));
	return n > 0 && (size_t)n < size ? n : -1;
}

/* ---- files ------------------------------------------------------------------------------ */

static int no_code(const char *user, struct pr_errbuf *eb)
{
	return pr_fail(eb, PR_ERR_NOT_FOUND, "%s has no break-glass code", user);
}

static int bg_read(struct pr_user_file *x, struct pr_breakglass *bg, struct pr_errbuf *eb)
{
	struct pr_parse_err pe;
	char *buf = NULL;
	size_t len = 0;
	int r;

	memset(bg, 0, sizeof(*bg));
	if (x->dir_fd < 0)
		return no_code(x->user, eb);
	if ((r = pr_user_file_read(x, BG_MAX_SIZE, &buf, &len, eb)) != PR_OK)
		return r;
	if (buf == NULL)
		return no_code(x->user, eb);
	if ((r = bg_parse(buf, len, bg, &pe)) == PR_ERR_CORRUPT)
		pr_fail(eb, r, "%s:%d: %s", x->path, pe.line, pe.reason);
	else if (r != PR_OK)
		pr_fail(eb, r, "%s: %s", x->path, pr_strerror(r));
	free(buf);
	return r;
}

static int bg_write(struct pr_user_file *x, const struct pr_breakglass *bg,
    struct pr_errbuf *eb)
{
	char buf[BG_MAX_SIZE];
	int n, r;

	if ((n = bg_format(bg, buf, sizeof(buf))) < 0)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "%s: cannot write: too long", x->path);
	r = pr_user_file_replace(x, buf, (size_t)n, eb);
	explicit_bzero(buf, sizeof(buf));
	return r;
}

/* Open (with the lock when change is set) and read user's state into *bg. */
static int bg_open(struct pr_user_file *x, struct pr_state *state, const char *user,
    bool change, bool create, struct pr_breakglass *bg, struct pr_errbuf *eb)
{
	int r;

	if ((r = pr_user_file_open(x, state, BG_SUBDIR, user, change ? BG_LOCK : NULL,
	    create, eb)) != PR_OK)
		return r;
	return bg_read(x, bg, eb);
}

/* ---- operations ------------------------------------------------------------------------- */

int pr_breakglass_get(struct pr_state *state, const char *user, struct pr_breakglass *bg,
    struct pr_errbuf *eb)
{
	struct pr_user_file x;
	int r;

	pr_user_file_init(&x);
	r = bg_open(&x, state, user, false, false, bg, eb);
	pr_user_file_close(&x);
	return r;
}

/* Under the lock: what a new code may replace (an unreviewed use may not be lost). */
static int check_replaceable(struct pr_user_file *x, bool *replaced, struct pr_errbuf *eb)
{
	struct pr_breakglass old;
	struct pr_errbuf why = { 0 };
	int r = bg_read(x, &old, &why);

	*replaced = r == PR_OK && old.used == 0;
	if (r == PR_OK && pr_breakglass_unacked(&old))
		r = pr_fail(eb, PR_ERR_EXISTS, "the break-glass code of %s was used and the use is "
		    "not yet acknowledged: review it, then breakglass ack %s", x->user, x->user);
	else if (r == PR_OK || r == PR_ERR_NOT_FOUND || r == PR_ERR_CORRUPT)
		r = PR_OK;
	else
		pr_fail(eb, r, "%s", why.msg);
	explicit_bzero(&old, sizeof(old));
	return r;
}

int pr_breakglass_create(struct pr_state *state, const char *user,
    const struct pr_strlist *services, int64_t lifetime, const char *by, int64_t now,
    char **code, bool *replaced, struct pr_errbuf *eb)
{
	struct pr_breakglass bg;
	struct pr_user_file x;
	int r;

	pr_user_file_init(&x);
	memset(&bg, 0, sizeof(bg));
	*code = NULL;
	*replaced = false;
	if (lifetime < 1 || lifetime > PR_BREAKGLASS_MAX_LIFETIME || now < 0)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "a code lasts 1 second to 3650 days");
	if (!pr_breakglass_services_join(services, bg.services, sizeof(bg.services)))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "services must be one or more PAM service "
		    "names");
	bg.created = now;
	bg.expires = now + lifetime;
	name_copy(bg.created_by, by);
	if ((r = pr_user_file_open(&x, state, BG_SUBDIR, user, BG_LOCK, true, eb)) != PR_OK ||
	    (r = check_replaceable(&x, replaced, eb)) != PR_OK ||
	    (r = pr_code_new(&bg.hash, code, eb)) != PR_OK)
		goto out;
	if ((r = bg_write(&x, &bg, eb)) != PR_OK)
		pr_secret_strfree(code);
out:
	explicit_bzero(&bg, sizeof(bg));
	pr_user_file_close(&x);
	return r;
}

int pr_breakglass_revoke(struct pr_state *state, const char *user, struct pr_errbuf *eb)
{
	struct pr_breakglass bg;
	struct pr_user_file x;
	int r;

	pr_user_file_init(&x);
	r = bg_open(&x, state, user, true, false, &bg, eb);
	if (r == PR_OK && pr_breakglass_unacked(&bg))
		r = pr_fail(eb, PR_ERR_EXISTS, "the break-glass code of %s was used and the use is "
		    "not yet acknowledged: review it, then breakglass ack %s", user, user);
	else if (r == PR_OK || r == PR_ERR_CORRUPT)
		r = pr_user_file_unlink(&x, eb);
	explicit_bzero(&bg, sizeof(bg));
	pr_user_file_close(&x);
	return r;
}

int pr_breakglass_ack(struct pr_state *state, const char *user, const char *by, int64_t now,
    struct pr_errbuf *eb)
{
	struct pr_breakglass bg;
	struct pr_user_file x;
	int r;

	pr_user_file_init(&x);
	if ((r = bg_open(&x, state, user, true, false, &bg, eb)) == PR_OK) {
		if (!pr_breakglass_unacked(&bg)) {
			r = pr_fail(eb, PR_ERR_NOT_FOUND, "%s has no break-glass use to acknowledge",
			    user);
		} else {
			bg.acked = now > 0 ? now : 1;
			name_copy(bg.acked_by, by);
			r = bg_write(&x, &bg, eb);
		}
	}
	explicit_bzero(&bg, sizeof(bg));
	pr_user_file_close(&x);
	return r;
}

/* Derived whatever there is (a dummy hash without a code); then the reasons in order. */
static int use_decide(const struct pr_breakglass *bg, int have, const char *code,
    const char *service, int64_t now, struct pr_errbuf *eb)
{
	struct pr_code_hash dummy;
	bool match = false;
	int r;

	pr_code_hash_dummy(&dummy);
	r = pr_code_check(have == PR_OK ? &bg->hash : &dummy, code, &match, eb);
	if (r != PR_OK)
		return r;
	if (have != PR_OK)
		return have;
	if (!match)
		return pr_fail(eb, PR_ERR_CODE_INVALID, "wrong break-glass code");
	if (bg->used != 0)
		return pr_fail(eb, PR_ERR_CODE_INVALID, "the break-glass code was already used");
	if (now >= bg->expires)
		return pr_fail(eb, PR_ERR_EXPIRED, "the break-glass code has expired");
	if (!pr_breakglass_service_listed(bg, service))
		return pr_fail(eb, PR_ERR_PERM, "the break-glass code is not for service %s",
		    service != NULL && name_valid(service) ? service : "(none)");
	return PR_OK;
}

int pr_breakglass_use(struct pr_state *state, const char *user, const char *code,
    const char *service, const char *tty, int64_t now, struct pr_breakglass *out,
    struct pr_errbuf *eb)
{
	struct pr_breakglass bg;
	struct pr_errbuf why = { 0 };
	struct pr_user_file x;
	int have = PR_ERR_NOT_FOUND, r;

	pr_user_file_init(&x);
	memset(&bg, 0, sizeof(bg));
	if (user != NULL) {
		have = bg_open(&x, state, user, true, false, &bg, &why);
		if (have != PR_OK && have != PR_ERR_NOT_FOUND) {
			r = pr_fail(eb, have, "%s", why.msg);
			goto out;
		}
	}
	if (have == PR_ERR_NOT_FOUND)
		pr_fail(&why, have, "%s has no break-glass code", user != NULL ? user : "(unknown)");
	if ((r = use_decide(&bg, have, code, service, now, eb)) != PR_OK) {
		if (r == have)
			pr_fail(eb, r, "%s", why.msg);
		goto out;
	}
	bg.used = now > 0 ? now : 1;
	name_copy(bg.used_service, service);
	name_copy(bg.used_tty, tty);
	if ((r = bg_write(&x, &bg, eb)) == PR_OK && out != NULL)
		*out = bg;
out:
	explicit_bzero(&bg, sizeof(bg));
	pr_user_file_close(&x);
	return r;
}
