/*
 * Audit records: one line per event, hash-chained.
 *
 *   seq=<n> time=<YYYY-MM-DDTHH:MM:SSZ> host=<h> event=<e> result=<success|failure>
 *   [reason= user= role= method= service= tty= rhost= rp_id= cred_id= aaguid=
 *    flags= sign_count= class= path= store= origin= user_agent= vpn_rhost= pending=
 *    actor= detail= merged=] prev=<hex> hash=<hex>
 *
 * Fields appear in exactly this order, separated by one space; absent ones
 * are omitted. Values are percent-encoded (%XX, upper-case hex) for space,
 * '=', '%', control characters and bytes >= 0x80, so a value can never
 * forge a field or a line. flags is "0x<hex byte>:<names of set bits>"
 * (e.g. "0x1d:UP,UV,BE,BS"; "0x00:-" when none of UP, UV, BE, BS, AT, ED
 * is set): the hex is exact, the names are for people. merged=N says N
 * similar records for the same user or address were counted, not written,
 * since the last one written (lib/audit_rate.c). service and tty are cut
 * to AUDIT_SHORT_MAX bytes and rhost, origin, user_agent and vpn_rhost to
 * AUDIT_RHOST_MAX (a caller of practicerunner-verify or a browser picks them): a longer value keeps its first bytes
 * and ends in "...", so the record is still written, never refused.
 * prev is the SHA-256 (hex) of the previous record's whole line without its
 * newline (64 zeros for the first record); hash is the SHA-256 of this
 * line's text before " hash=". seq starts at 1 and grows by one.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "audit_internal.h"
#include "digest.h"
#include "err.h"
#include "util.h"

#define AUDIT_SHORT_MAX 64             /* bytes of service= and tty= before escaping */
#define AUDIT_RHOST_MAX 255            /* bytes of rhost= (PAM_RHOST, a host name) */
#define AUDIT_CUT_MARK "..."

#define KEY(name, req) { name, sizeof(name) - 1, req }
const struct audit_key_def audit_keys[NKEYS] = {
	[K_SEQ] = KEY("seq", true), [K_TIME] = KEY("time", true),
	[K_HOST] = KEY("host", true), [K_EVENT] = KEY("event", true),
	[K_RESULT] = KEY("result", true), [K_REASON] = KEY("reason", false),
	[K_USER] = KEY("user", false), [K_ROLE] = KEY("role", false),
	[K_METHOD] = KEY("method", false), [K_SERVICE] = KEY("service", false),
	[K_TTY] = KEY("tty", false), [K_RHOST] = KEY("rhost", false),
	[K_RP_ID] = KEY("rp_id", false), [K_CRED_ID] = KEY("cred_id", false),
	[K_AAGUID] = KEY("aaguid", false), [K_FLAGS] = KEY("flags", false),
	[K_SIGN_COUNT] = KEY("sign_count", false), [K_CLASS] = KEY("class", false),
	[K_PATH] = KEY("path", false), [K_STORE] = KEY("store", false),
	[K_ORIGIN] = KEY("origin", false), [K_USER_AGENT] = KEY("user_agent", false),
	[K_VPN_RHOST] = KEY("vpn_rhost", false), [K_PENDING] = KEY("pending", false),
	[K_ACTOR] = KEY("actor", false),
	[K_DETAIL] = KEY("detail", false), [K_MERGED] = KEY("merged", false),
	[K_PREV] = KEY("prev", true),
	[K_HASH] = KEY("hash", true),
};
#undef KEY

/* ---- escaping ------------------------------------------------------------------ */

bool audit_value_char_plain(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '=' && c != '%';
}

static void put_value(FILE *f, const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p != '\0'; p++) {
		if (audit_value_char_plain(*p))
			fputc(*p, f);
		else
			fprintf(f, "%%%02X", *p);
	}
}

static void put_field(FILE *f, const char *key, const char *value)
{
	if (value == NULL)
		return;
	fprintf(f, " %s=", key);
	put_value(f, value);
}

/* A value a caller chose, at most max bytes: a longer one is cut and ends in "...". */
static void put_field_max(FILE *f, const char *key, const char *value, size_t max)
{
	char cut[AUDIT_RHOST_MAX + 1];
	size_t keep = max - strlen(AUDIT_CUT_MARK);

	if (value == NULL || strnlen(value, max + 1) <= max) {
		put_field(f, key, value);
		return;
	}
	memcpy(cut, value, keep);
	memcpy(cut + keep, AUDIT_CUT_MARK, sizeof(AUDIT_CUT_MARK));
	put_field(f, key, cut);
}

/* "0x1d:UP,UV,BE,BS" (see the file comment). */
static void format_flags(int flags, char out[64])
{
	static const struct {
		int bit;
		const char *name;
	} names[] = {
		{ 0x01, "UP" }, { 0x04, "UV" }, { 0x08, "BE" }, { 0x10, "BS" },
		{ 0x40, "AT" }, { 0x80, "ED" },
	};
	size_t o = (size_t)snprintf(out, 64, "0x%02x:", (unsigned)flags);
	bool any = false;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((flags & names[i].bit) == 0)
			continue;
		o += (size_t)snprintf(out + o, 64 - o, "%s%s", any ? "," : "", names[i].name);
		any = true;
	}
	if (!any)
		snprintf(out + o, 64 - o, "-");
}

/* ---- formatting ------------------------------------------------------------------ */

static bool event_valid(const struct pr_audit_event *ev)
{
	return ev != NULL && ev->event != NULL && ev->event[0] != '\0' &&
	    ev->flags >= -1 && ev->flags <= 255 && ev->sign_count >= -1;
}

static void put_optional(FILE *f, const struct pr_audit_event *ev, int64_t merged)
{
	char flags[64], count[24];

	put_field(f, "reason", ev->reason);
	put_field(f, "user", ev->user);
	put_field(f, "role", ev->role);
	put_field(f, "method", ev->method);
	put_field_max(f, "service", ev->service, AUDIT_SHORT_MAX);
	put_field_max(f, "tty", ev->tty, AUDIT_SHORT_MAX);
	put_field_max(f, "rhost", ev->rhost, AUDIT_RHOST_MAX);
	put_field(f, "rp_id", ev->rp_id);
	put_field(f, "cred_id", ev->cred_id);
	put_field(f, "aaguid", ev->aaguid);
	if (ev->flags >= 0) {
		format_flags(ev->flags, flags);
		put_field(f, "flags", flags);
	}
	if (ev->sign_count >= 0) {
		snprintf(count, sizeof(count), "%" PRId64, ev->sign_count);
		put_field(f, "sign_count", count);
	}
	put_field(f, "class", ev->cred_class);
	put_field(f, "path", ev->path);
	put_field(f, "store", ev->store);
	put_field_max(f, "origin", ev->origin, AUDIT_RHOST_MAX);
	put_field_max(f, "user_agent", ev->user_agent, AUDIT_RHOST_MAX);
	put_field_max(f, "vpn_rhost", ev->vpn_rhost, AUDIT_RHOST_MAX);
	put_field_max(f, "pending", ev->pending, AUDIT_SHORT_MAX);
	put_field(f, "actor", ev->actor);
	put_field(f, "detail", ev->detail);
	if (merged > 0) {
		snprintf(count, sizeof(count), "%" PRId64, merged);
		put_field(f, "merged", count);
	}
}

/* Everything from time= to merged= (seq, prev and hash are added by the chain). */
int format_record(const struct pr_audit_event *ev, int64_t merged, int64_t when,
    const char *host, char **out)
{
	char stamp[32];
	struct tm tm;
	time_t t = (time_t)when;
	FILE *f = NULL;
	char *buf = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	if (!event_valid(ev) || host == NULL || when < 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return PR_ERR_INVALID_ARG;
	if ((f = open_memstream(&buf, &len)) == NULL)
		return PR_ERR_NOMEM;
	fprintf(f, "time=%s", stamp);
	put_field(f, "host", host);
	put_field(f, "event", ev->event);
	put_field(f, "result", ev->success ? "success" : "failure");
	put_optional(f, ev, merged);
	r = ferror(f) ? PR_ERR_NOMEM : PR_OK;
	if (fclose(f) != 0 && r == PR_OK)
		r = PR_ERR_NOMEM;
	if (r != PR_OK) {
		free(buf);
		return r;
	}
	*out = buf;
	return PR_OK;
}

int pr_audit_format(const struct pr_audit_event *ev, int64_t when,
    const char *host, char **out)
{
	return format_record(ev, 0, when, host, out);
}

/* ---- parsing one record (shared by append's tail check and verify) -------------- */

bool audit_upper_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* Exactly what put_value produces. */
static bool value_escaped_ok(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '%') {
			if (i + 2 >= n || !audit_upper_hex(v[i + 1]) || !audit_upper_hex(v[i + 2]))
				return false;
			i += 2;
		} else if (!audit_value_char_plain((unsigned char)v[i])) {
			return false;
		}
	}
	return true;
}

/* Branch-free: hex digits are random, so a branch per digit mispredicts. */
bool audit_hash_hex_ok(const char *v, size_t n)
{
	unsigned bad = 0;

	if (n != HASH_HEX_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		bad |= (unsigned)((unsigned char)(c - '0') > 9) &
		    (unsigned)((unsigned char)(c - 'a') > 5);
	}
	return bad == 0;
}

bool audit_seq_ok(const char *v, size_t n, long long *out)
{
	long long s = 0;

	if (n == 0 || n > 18 || v[0] == '0')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		s = s * 10 + (v[i] - '0');
	}
	*out = s;
	return true;
}

/*
 * The index of key k[0..n), or -1. Fields come in table order, so the
 * search starts after the previous field's (from) and wraps round: a
 * well-formed record costs one comparison per field.
 */
static int key_index(const char *k, size_t n, int from)
{
	for (size_t j = 0; j < NKEYS; j++) {
		size_t i = ((size_t)from + j) % NKEYS;
		if (audit_keys[i].len == n && memcmp(audit_keys[i].key, k, n) == 0)
			return (int)i;
	}
	return -1;
}

/* Values of the fields the chain and the parser care about. */
static int check_value(struct rec_info *ri, size_t idx, const char *v, size_t n,
    struct pr_errbuf *eb)
{
	const char *key = audit_keys[idx].key;
	long long merged;

	if (!value_escaped_ok(v, n))
		return pr_fail(eb, PR_ERR_CORRUPT, "badly escaped value of %s", key);
	switch (idx) {
	case K_SEQ:
		if (!audit_seq_ok(v, n, &ri->seq))
			return pr_fail(eb, PR_ERR_CORRUPT, "bad seq");
		break;
	case K_RESULT:
		if (!(n == 7 && memcmp(v, "success", 7) == 0) &&
		    !(n == 7 && memcmp(v, "failure", 7) == 0))
			return pr_fail(eb, PR_ERR_CORRUPT, "result is neither success nor failure");
		break;
	case K_TIME:
		if (n != 20)
			return pr_fail(eb, PR_ERR_CORRUPT, "bad time");
		break;
	case K_MERGED:
		if (!audit_seq_ok(v, n, &merged))
			return pr_fail(eb, PR_ERR_CORRUPT, "bad merged");
		break;
	case K_PREV:
	case K_HASH:
		if (!audit_hash_hex_ok(v, n))
			return pr_fail(eb, PR_ERR_CORRUPT, "bad %s", key);
		memcpy(idx == K_PREV ? ri->prev : ri->hash, v, n);
		(idx == K_PREV ? ri->prev : ri->hash)[n] = '\0';
		break;
	default:
		break;
	}
	return PR_OK;
}

/* One field "key=value" at line[*pos..]; advances *pos past it and its separator. */
static int parse_field(const char *line, size_t len, size_t *pos, int *last,
    struct rec_info *ri, struct pr_errbuf *eb)
{
	const char *tok = line + *pos, *end, *eq;
	size_t tlen;
	int idx;

	end = memchr(tok, ' ', len - *pos);
	tlen = end != NULL ? (size_t)(end - tok) : len - *pos;
	if ((eq = memchr(tok, '=', tlen)) == NULL)
		return pr_fail(eb, PR_ERR_CORRUPT, "field without '='");
	if ((idx = key_index(tok, (size_t)(eq - tok), *last + 1)) < 0)
		return pr_fail(eb, PR_ERR_CORRUPT, "unknown field '%.*s'",
		    (int)(eq - tok > 32 ? 32 : eq - tok), tok);
	if (idx <= *last)
		return pr_fail(eb, PR_ERR_CORRUPT, "field %s out of order or repeated",
		    audit_keys[idx].key);
	for (int k = *last + 1; k < idx; k++)
		if (audit_keys[k].required)
			return pr_fail(eb, PR_ERR_CORRUPT, "missing field %s", audit_keys[k].key);
	if (idx == K_HASH)
		ri->hashed_len = *pos - 1;
	*last = idx;
	*pos += tlen + (end != NULL ? 1 : 0);
	if (end != NULL && *pos == len)
		return pr_fail(eb, PR_ERR_CORRUPT, "trailing space");
	return check_value(ri, (size_t)idx, eq + 1, tlen - (size_t)(eq + 1 - tok), eb);
}

/* Syntax of one line (without its newline). */
int audit_parse_record(const char *line, size_t len, struct rec_info *ri,
    struct pr_errbuf *eb)
{
	size_t pos = 0;
	int last = -1, r;

	memset(ri, 0, sizeof(*ri));
	if (len + 1 > AUDIT_MAX_RECORD)
		return pr_fail(eb, PR_ERR_CORRUPT, "longer than %d bytes", AUDIT_MAX_RECORD);
	if (memchr(line, '\0', len) != NULL)
		return pr_fail(eb, PR_ERR_CORRUPT, "NUL byte");
	if (len == 0)
		return pr_fail(eb, PR_ERR_CORRUPT, "empty line");
	while (pos < len)
		if ((r = parse_field(line, len, &pos, &last, ri, eb)) != PR_OK)
			return r;
	if (last != (int)NKEYS - 1)
		return pr_fail(eb, PR_ERR_CORRUPT, "does not end with hash=");
	return PR_OK;
}

void audit_sha256_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1])
{
	unsigned char md[PR_SHA256_LEN];

	if (pr_sha256(data, len, md) == PR_OK) {
		pr_hex_encode(md, sizeof(md), out);
		return;
	}
	/* Only the EVP fallback can fail (no memory): a value no record can match. */
	memset(out, 'x', HASH_HEX_LEN);
	out[HASH_HEX_LEN] = '\0';
}

/* The record's own hash matches its text. */
bool audit_record_hash_ok(const char *line, const struct rec_info *ri)
{
	char h[HASH_HEX_LEN + 1];

	audit_sha256_hex(line, ri->hashed_len, h);
	return pr_ct_equal(h, ri->hash, HASH_HEX_LEN);
}

/* "seq=N <body> prev=P hash=H\n" */
int pr_audit_chain(long long seq, const char *prev, const char *body,
    char **out, size_t *out_len, char next[65])
{
	char hash[HASH_HEX_LEN + 1];
	char *line = NULL;
	int n;

	*out = NULL;
	if (seq < 1 || prev == NULL || body == NULL || !audit_hash_hex_ok(prev, strlen(prev)))
		return PR_ERR_INVALID_ARG;
	n = asprintf(&line, "seq=%lld %s prev=%s hash=%0*d\n", seq, body, prev,
	    HASH_HEX_LEN, 0);
	if (n < 0)
		return PR_ERR_NOMEM;
	if ((size_t)n > AUDIT_MAX_RECORD) {
		free(line);
		return PR_ERR_INVALID_ARG;
	}
	/* Hash the text before " hash=", then write the hash into its slot. */
	audit_sha256_hex(line, (size_t)n - strlen(" hash=") - HASH_HEX_LEN - 1, hash);
	memcpy(line + n - 1 - HASH_HEX_LEN, hash, HASH_HEX_LEN);
	if (next != NULL)
		audit_sha256_hex(line, (size_t)n - 1, next);
	*out = line;
	*out_len = (size_t)n;
	return PR_OK;
}
