/*
 * Audit records: one line per event, hash-chained.
 *
 *   seq=<n> time=<YYYY-MM-DDTHH:MM:SSZ> host=<h> event=<e> result=<success|failure>
 *   [reason= user= role= method= service= tty= rhost= rp_id= cred_id= aaguid=
 *    flags= sign_count= class= path= actor= detail= merged=] prev=<hex> hash=<hex>
 *
 * Fields appear in exactly this order, separated by one space; absent ones
 * are omitted. Values are percent-encoded (%XX, upper-case hex) for space,
 * '=', '%', control characters and bytes >= 0x80, so a value can never
 * forge a field or a line. flags is "0x<hex byte>:<names of set bits>"
 * (e.g. "0x1d:UP,UV,BE,BS"; "0x00:-" when none of UP, UV, BE, BS, AT, ED
 * is set): the hex is exact, the names are for people. merged=N says N
 * similar records for the same user or address were counted, not written,
 * since the last one written (lib/audit_rate.c). service and tty are cut
 * to AUDIT_SHORT_MAX bytes and rhost to AUDIT_RHOST_MAX (a caller of
 * practicerunner-verify picks them): a longer value keeps its first bytes
 * and ends in "...", so the record is still written, never refused.
 * prev is the SHA-256 (hex) of the previous record's whole line without its
 * newline (64 zeros for the first record); hash is the SHA-256 of this
 * line's text before " hash=". seq starts at 1 and grows by one.
 *
 * The chain alone cannot show that records were cut from its end, or that
 * the whole log was deleted. So a head file beside the log,
 * "<audit_log>.head", holds "<seq> <SHA-256 of that record's line>\n" for
 * the last record, replaced atomically under the log's lock after the
 * record is fsync'd. Append and verify require the log to end there; a log
 * one record past its head is accepted when that record's prev= is the
 * head's hash (a crash between the record's fsync and the head's rename).
 * A log without a head (written before heads existed) gets one on the
 * next append.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>


#include "audit.h"
#include "audit_pending.h"
#include "audit_rate.h"
#include "digest.h"
#include "err.h"
#include "secure_file.h"
#include "store.h"
#include "util.h"

#define AUDIT_LOCK_WAIT_MS 10000
#define AUDIT_LOCK_POLL_NS (10 * 1000000L)

#define AUDIT_MAX_RECORD 8192          /* bytes, newline included */
#define AUDIT_SHORT_MAX 64             /* bytes of service= and tty= before escaping */
#define AUDIT_RHOST_MAX 255            /* bytes of rhost= (PAM_RHOST, a host name) */
#define AUDIT_CUT_MARK "..."
#define AUDIT_TAIL_WINDOW (64 * 1024)  /* how far back append looks for the last record */
#define HASH_HEX_LEN (PR_SHA256_LEN * 2)
#define VERIFY_HINT "run 'practicerunner-admin audit verify' and repair or move the log aside"
#define HEAD_SUFFIX ".head"
#define HEAD_MAX 128                   /* "<seq> <64 hex>\n" and then some */
#define HEAD_HINT "run 'practicerunner-admin audit verify'; move the log aside only " \
	"together with its .head file"

/* The fixed field order; required fields are marked. */
enum audit_key {
	K_SEQ, K_TIME, K_HOST, K_EVENT, K_RESULT, K_REASON, K_USER, K_ROLE, K_METHOD,
	K_SERVICE, K_TTY, K_RHOST, K_RP_ID, K_CRED_ID, K_AAGUID, K_FLAGS, K_SIGN_COUNT,
	K_CLASS, K_PATH, K_ACTOR, K_DETAIL, K_MERGED, K_PREV, K_HASH, NKEYS
};
#define KEY(name, req) { name, sizeof(name) - 1, req }
static const struct {
	const char *key;
	size_t len;
	bool required;
} audit_keys[NKEYS] = {
	[K_SEQ] = KEY("seq", true), [K_TIME] = KEY("time", true),
	[K_HOST] = KEY("host", true), [K_EVENT] = KEY("event", true),
	[K_RESULT] = KEY("result", true), [K_REASON] = KEY("reason", false),
	[K_USER] = KEY("user", false), [K_ROLE] = KEY("role", false),
	[K_METHOD] = KEY("method", false), [K_SERVICE] = KEY("service", false),
	[K_TTY] = KEY("tty", false), [K_RHOST] = KEY("rhost", false),
	[K_RP_ID] = KEY("rp_id", false), [K_CRED_ID] = KEY("cred_id", false),
	[K_AAGUID] = KEY("aaguid", false), [K_FLAGS] = KEY("flags", false),
	[K_SIGN_COUNT] = KEY("sign_count", false), [K_CLASS] = KEY("class", false),
	[K_PATH] = KEY("path", false), [K_ACTOR] = KEY("actor", false),
	[K_DETAIL] = KEY("detail", false), [K_MERGED] = KEY("merged", false),
	[K_PREV] = KEY("prev", true),
	[K_HASH] = KEY("hash", true),
};
#undef KEY

/* ---- escaping ------------------------------------------------------------------ */

static bool value_char_plain(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '=' && c != '%';
}

static void put_value(FILE *f, const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p != '\0'; p++) {
		if (value_char_plain(*p))
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
	put_field(f, "actor", ev->actor);
	put_field(f, "detail", ev->detail);
	if (merged > 0) {
		snprintf(count, sizeof(count), "%" PRId64, merged);
		put_field(f, "merged", count);
	}
}

/* Everything from time= to merged= (seq, prev and hash are added by the chain). */
static int format_record(const struct pr_audit_event *ev, int64_t merged, int64_t when,
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

struct rec_info {
	long long seq;
	char prev[HASH_HEX_LEN + 1];
	char hash[HASH_HEX_LEN + 1];
	size_t hashed_len;  /* length of the text the hash covers */
};

static int rec_fail(char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int rec_fail(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return PR_ERR_CORRUPT;
}

static bool upper_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* Exactly what put_value produces. */
static bool value_escaped_ok(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '%') {
			if (i + 2 >= n || !upper_hex(v[i + 1]) || !upper_hex(v[i + 2]))
				return false;
			i += 2;
		} else if (!value_char_plain((unsigned char)v[i])) {
			return false;
		}
	}
	return true;
}

/* Branch-free: hex digits are random, so a branch per digit mispredicts. */
static bool hash_hex_ok(const char *v, size_t n)
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

static bool seq_ok(const char *v, size_t n, long long *out)
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
    char *why, size_t cap)
{
	const char *key = audit_keys[idx].key;
	long long merged;

	if (!value_escaped_ok(v, n))
		return rec_fail(why, cap, "badly escaped value of %s", key);
	switch (idx) {
	case K_SEQ:
		if (!seq_ok(v, n, &ri->seq))
			return rec_fail(why, cap, "bad seq");
		break;
	case K_RESULT:
		if (!(n == 7 && memcmp(v, "success", 7) == 0) &&
		    !(n == 7 && memcmp(v, "failure", 7) == 0))
			return rec_fail(why, cap, "result is neither success nor failure");
		break;
	case K_TIME:
		if (n != 20)
			return rec_fail(why, cap, "bad time");
		break;
	case K_MERGED:
		if (!seq_ok(v, n, &merged))
			return rec_fail(why, cap, "bad merged");
		break;
	case K_PREV:
	case K_HASH:
		if (!hash_hex_ok(v, n))
			return rec_fail(why, cap, "bad %s", key);
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
    struct rec_info *ri, char *why, size_t cap)
{
	const char *tok = line + *pos, *end, *eq;
	size_t tlen;
	int idx;

	end = memchr(tok, ' ', len - *pos);
	tlen = end != NULL ? (size_t)(end - tok) : len - *pos;
	if ((eq = memchr(tok, '=', tlen)) == NULL)
		return rec_fail(why, cap, "field without '='");
	if ((idx = key_index(tok, (size_t)(eq - tok), *last + 1)) < 0)
		return rec_fail(why, cap, "unknown field '%.*s'", (int)(eq - tok > 32 ? 32 : eq - tok), tok);
	if (idx <= *last)
		return rec_fail(why, cap, "field %s out of order or repeated", audit_keys[idx].key);
	for (int k = *last + 1; k < idx; k++)
		if (audit_keys[k].required)
			return rec_fail(why, cap, "missing field %s", audit_keys[k].key);
	if (idx == K_HASH)
		ri->hashed_len = *pos - 1;
	*last = idx;
	*pos += tlen + (end != NULL ? 1 : 0);
	if (end != NULL && *pos == len)
		return rec_fail(why, cap, "trailing space");
	return check_value(ri, (size_t)idx, eq + 1, tlen - (size_t)(eq + 1 - tok), why, cap);
}

/* Syntax of one line (without its newline). */
static int parse_record(const char *line, size_t len, struct rec_info *ri,
    char *why, size_t cap)
{
	size_t pos = 0;
	int last = -1, r;

	memset(ri, 0, sizeof(*ri));
	if (len + 1 > AUDIT_MAX_RECORD)
		return rec_fail(why, cap, "longer than %d bytes", AUDIT_MAX_RECORD);
	if (memchr(line, '\0', len) != NULL)
		return rec_fail(why, cap, "NUL byte");
	if (len == 0)
		return rec_fail(why, cap, "empty line");
	while (pos < len)
		if ((r = parse_field(line, len, &pos, &last, ri, why, cap)) != PR_OK)
			return r;
	if (last != (int)NKEYS - 1)
		return rec_fail(why, cap, "does not end with hash=");
	return PR_OK;
}

static void sha256_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1])
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
static bool record_hash_ok(const char *line, const struct rec_info *ri)
{
	char h[HASH_HEX_LEN + 1];

	sha256_hex(line, ri->hashed_len, h);
	return pr_ct_equal(h, ri->hash, HASH_HEX_LEN);
}

/* ---- where the chain ends, and the head file that must agree ------------------------ */

/* The last record: seq (0: none), SHA-256 of its line (the next prev=), its prev=. */
struct chain_end {
	long long seq;
	char hash[HASH_HEX_LEN + 1];
	char prev[HASH_HEX_LEN + 1];
};

static void chain_start(struct chain_end *end)
{
	end->seq = 0;
	memset(end->hash, '0', HASH_HEX_LEN);
	end->hash[HASH_HEX_LEN] = '\0';
	end->prev[0] = '\0';
}

/* After a parsed, intact record: it is the end now. */
static void chain_advance(struct chain_end *end, const char *line, size_t len,
    const struct rec_info *ri)
{
	end->seq = ri->seq;
	sha256_hex(line, len, end->hash);
	memcpy(end->prev, ri->prev, sizeof(end->prev));
}

static char *head_path(const char *log_path)
{
	char *p = NULL;

	return asprintf(&p, "%s" HEAD_SUFFIX, log_path) < 0 ? NULL : p;
}

/* Exactly "<seq> <64 lower-case hex>\n". */
static bool head_parse(const char *buf, size_t len, struct chain_end *head)
{
	const char *sp = memchr(buf, ' ', len);
	size_t n;

	if (sp == NULL || buf[len - 1] != '\n')
		return false;
	n = (size_t)(sp - buf);
	if (!seq_ok(buf, n, &head->seq) || !hash_hex_ok(sp + 1, len - n - 2))
		return false;
	memcpy(head->hash, sp + 1, HASH_HEX_LEN);
	head->hash[HASH_HEX_LEN] = '\0';
	head->prev[0] = '\0';
	return true;
}

/* *present is false (PR_OK) when there is no head; unsafe or malformed is an error. */
static int head_read(const char *hpath, bool *present, struct chain_end *head,
    struct pr_errbuf *eb)
{
	enum pr_file_status st;
	char *buf = NULL;
	size_t len = 0;
	int r = PR_OK;

	*present = false;
	st = pr_secure_read(AT_FDCWD, hpath, 022, HEAD_MAX, &buf, &len);
	if (st == PR_FILE_MISSING)
		return PR_OK;
	if (st != PR_FILE_OK)
		r = pr_fail(eb, st == PR_FILE_IO ? PR_ERR_AUDIT : pr_file_status_err(st),
		    "%s: %s", hpath, pr_file_status_text(st));
	else if (len == 0 || !head_parse(buf, len, head))
		r = pr_fail(eb, PR_ERR_CORRUPT, "%s: is malformed (expected \"<seq> "
		    "<sha-256>\"); %s", hpath, HEAD_HINT);
	else
		*present = true;
	free(buf);
	return r;
}

enum head_fit { HEAD_FITS, HEAD_SHORT, HEAD_OTHER, HEAD_STALE };

/* Where the log ends against the head (see the file comment for one past it). */
static enum head_fit head_fit(const struct chain_end *log, const struct chain_end *head)
{
	if (log->seq < head->seq)
		return HEAD_SHORT;
	if (log->seq == head->seq)
		return strcmp(log->hash, head->hash) == 0 ? HEAD_FITS : HEAD_OTHER;
	if (log->seq == head->seq + 1)
		return strcmp(log->prev, head->hash) == 0 ? HEAD_FITS : HEAD_OTHER;
	return HEAD_STALE;
}

/* ---- appending ---------------------------------------------------------------------- */

/*
 * Wait for the log's lock, but not forever: a holder that is stuck (or
 * stopped) must not hang every sign-in. EWOULDBLOCK after the deadline.
 */
static int lock_wait(int fd, int op)
{
	const struct timespec pause = { 0, AUDIT_LOCK_POLL_NS };
	long tries = AUDIT_LOCK_WAIT_MS * 1000000L / AUDIT_LOCK_POLL_NS;
	int rc;

	while ((rc = flock(fd, op | LOCK_NB)) != 0 && (errno == EINTR || errno == EWOULDBLOCK) &&
	    tries-- > 0)
		nanosleep(&pause, NULL);
	return rc;
}

static int audit_open_locked(const char *path, int *fd, struct pr_errbuf *eb)
{
	enum pr_file_status st;

	/* Read access too: the chain continues from the last record. */
	st = pr_secure_open(AT_FDCWD, path, O_RDWR | O_APPEND | O_CREAT, 022, fd);
	if (st != PR_FILE_OK)
		return pr_fail(eb, st == PR_FILE_IO ? PR_ERR_AUDIT : pr_file_status_err(st),
		    "%s: %s%s%s", path, pr_file_status_text(st), st == PR_FILE_IO ? ": " : "",
		    st == PR_FILE_IO ? strerror(errno) : "");
	if (lock_wait(*fd, LOCK_EX) != 0) {
		close(*fd);
		*fd = -1;
		return pr_fail(eb, PR_ERR_LOCK, "%s: cannot lock: %s", path, strerror(errno));
	}
	return PR_OK;
}

static int pread_all(int fd, char *buf, size_t len, off_t off)
{
	ssize_t n;

	while (len > 0) {
		n = pread(fd, buf, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return PR_ERR_AUDIT;
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return PR_OK;
}

/*
 * Locate the last line in the tail window [buf, buf+n) that ends in '\n'.
 * Bytes after it (a record cut short: no newline) are *torn bytes long;
 * with no whole line before them, *line is NULL.
 */
static int last_line(const char *buf, size_t n, bool whole_file, const char **line,
    size_t *len, size_t *torn, char *why, size_t cap)
{
	const char *nl;

	*line = NULL;
	*len = 0;
	*torn = 0;
	if (buf[n - 1] != '\n') {
		nl = memrchr(buf, '\n', n);
		*torn = nl != NULL ? (size_t)(buf + n - (nl + 1)) : n;
		if (*torn >= AUDIT_MAX_RECORD || (nl == NULL && !whole_file))
			return rec_fail(why, cap, "last record is torn (no newline)");
		if (nl == NULL)
			return PR_OK;
		n -= *torn;
	}
	nl = n > 1 ? memrchr(buf, '\n', n - 1) : NULL;
	if (nl == NULL && !whole_file)
		return rec_fail(why, cap, "last record is longer than %d bytes", AUDIT_TAIL_WINDOW);
	*line = nl != NULL ? nl + 1 : buf;
	*len = (size_t)(buf + n - 1 - *line);
	return PR_OK;
}

/*
 * Where the chain ends, to continue from. A torn, unparsable or edited
 * last record stops the append: chaining onto it would bless it.
 */
static int chain_tail(int fd, const char *path, struct chain_end *end,
    off_t *size, size_t *torn, struct pr_errbuf *eb)
{
	struct rec_info ri;
	struct stat st;
	const char *line = NULL;
	char *buf = NULL, why[160] = "";
	size_t n, len = 0;
	int r;

	if (fstat(fd, &st) != 0)
		return pr_fail(eb, PR_ERR_AUDIT, "%s: %s", path, strerror(errno));
	*size = st.st_size;
	chain_start(end);
	if (st.st_size == 0)
		return PR_OK;
	n = st.st_size > AUDIT_TAIL_WINDOW ? AUDIT_TAIL_WINDOW : (size_t)st.st_size;
	if ((buf = malloc(n)) == NULL)
		return PR_ERR_NOMEM;
	if ((r = pread_all(fd, buf, n, st.st_size - (off_t)n)) != PR_OK) {
		pr_fail(eb, r, "%s: cannot read the last record", path);
		goto fail;
	}
	if ((r = last_line(buf, n, (off_t)n == st.st_size, &line, &len, torn, why,
	    sizeof(why))) != PR_OK)
		goto corrupt;
	if (line == NULL) {
		r = PR_OK;       /* only a torn first record: the chain starts afresh */
		goto fail;
	}
	if ((r = parse_record(line, len, &ri, why, sizeof(why))) != PR_OK)
		goto corrupt;
	if (!record_hash_ok(line, &ri)) {
		r = rec_fail(why, sizeof(why), "last record was edited");
		goto corrupt;
	}
	chain_advance(end, line, len, &ri);
	r = PR_OK;
	goto fail;
corrupt:
	pr_fail(eb, r, "%s: %s; refusing to append: %s", path, why, VERIFY_HINT);
fail:
	free(buf);
	return r;
}

/* "seq=N <body> prev=P hash=H\n" */
int pr_audit_chain(long long seq, const char *prev, const char *body,
    char **out, size_t *out_len, char next[65])
{
	char hash[HASH_HEX_LEN + 1];
	char *line = NULL;
	int n;

	*out = NULL;
	if (seq < 1 || prev == NULL || body == NULL || !hash_hex_ok(prev, strlen(prev)))
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
	sha256_hex(line, (size_t)n - strlen(" hash=") - HASH_HEX_LEN - 1, hash);
	memcpy(line + n - 1 - HASH_HEX_LEN, hash, HASH_HEX_LEN);
	if (next != NULL)
		sha256_hex(line, (size_t)n - 1, next);
	*out = line;
	*out_len = (size_t)n;
	return PR_OK;
}

/* One write(): concurrent readers never see half a record; a short write is undone. */
static int write_record(int fd, const char *path, const char *line, size_t len,
    off_t old_size, struct pr_errbuf *eb)
{
	ssize_t n;

	do {
		n = write(fd, line, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0 || (size_t)n != len) {
		int saved = n < 0 ? errno : EIO;
		if (n > 0 && ftruncate(fd, old_size) != 0)
			return pr_fail(eb, PR_ERR_AUDIT, "%s: partial record left behind: %s",
			    path, VERIFY_HINT);
		return pr_fail(eb, PR_ERR_AUDIT, "%s: cannot write: %s", path, strerror(saved));
	}
	if (fsync(fd) != 0)
		return pr_fail(eb, PR_ERR_AUDIT, "%s: cannot sync: %s", path, strerror(errno));
	return PR_OK;
}

/* Append goes on only where the head says the log ends; *behind: one record past it. */
static int head_check(const char *log_path, const char *hpath,
    const struct chain_end *end, bool *behind, bool *present, struct pr_errbuf *eb)
{
	struct chain_end head;
	int r;

	*behind = false;
	*present = false;
	if ((r = head_read(hpath, present, &head, eb)) != PR_OK || !*present)
		return r;
	switch (head_fit(end, &head)) {
	case HEAD_FITS:
		*behind = end->seq == head.seq + 1;
		return PR_OK;
	case HEAD_SHORT:
		return pr_fail(eb, PR_ERR_CORRUPT, "%s: audit log ends before record %lld "
		    "recorded in %s: records were removed; %s", log_path, head.seq, hpath,
		    HEAD_HINT);
	case HEAD_OTHER:
		return pr_fail(eb, PR_ERR_CORRUPT, "%s: audit log does not match record "
		    "%lld recorded in %s: records were replaced; %s", log_path, head.seq,
		    hpath, HEAD_HINT);
	case HEAD_STALE:
		break;
	}
	return pr_fail(eb, PR_ERR_CORRUPT, "%s: audit log goes on past record %lld "
	    "recorded in %s (to record %lld): the head file is stale; %s", log_path,
	    head.seq, hpath, end->seq, HEAD_HINT);
}

/* The head says the log ends at record seq, whose line hashes to hash. */
static int head_store(const char *hpath, long long seq, const char *hash,
    struct pr_errbuf *eb)
{
	char text[HEAD_MAX];
	int n, r;

	n = snprintf(text, sizeof(text), "%lld %s\n", seq, hash);
	if (n < 0 || (size_t)n >= sizeof(text))
		return pr_fail(eb, PR_ERR_AUDIT, "%s: head too long", hpath);
	/* Written under the log's exclusive lock. */
	if ((r = pr_atomic_replace_locked(AT_FDCWD, hpath, text, (size_t)n, 0600)) != PR_OK)
		return pr_fail(eb, PR_ERR_AUDIT, "%s: cannot be replaced (%s); record %lld "
		    "was written, the next append updates the head", hpath, pr_strerror(r), seq);
	return PR_OK;
}

/* The head follows the record just written (line with its newline). */
static int head_write(const char *hpath, long long seq, const char *line, size_t len,
    struct pr_errbuf *eb)
{
	char hash[HASH_HEX_LEN + 1];

	sha256_hex(line, len - 1, hash);
	return head_store(hpath, seq, hash, eb);
}

static void local_host(char *out, size_t cap)
{
	if (gethostname(out, cap) != 0 || out[0] == '\0')
		snprintf(out, cap, "unknown");
	out[cap - 1] = '\0';
}

/*
 * A record cut short (a crash or power loss during its write: no newline)
 * was never acknowledged when the head file says the log ends before it
 * and its bytes are the start of the next record (torn_is_next_record).
 * Then it is cut off and the cut is itself recorded (event audit-repair,
 * with how many bytes after which record), so one crash cannot stop every
 * sign-in that needs a record, and nothing is removed unseen. Without a
 * head file nothing proves that, and the append stays refused.
 */
static int cut_torn_tail(int fd, const char *log_path, const char *hpath,
    struct chain_end *end, off_t *size, size_t torn, struct pr_errbuf *eb)
{
	struct pr_audit_event ev = { .flags = -1, .sign_count = -1 };
	char host[256], detail[128], *body = NULL, *line = NULL;
	size_t len = 0;
	int r;

	if (ftruncate(fd, *size - (off_t)torn) != 0 || fsync(fd) != 0)
		return pr_fail(eb, PR_ERR_AUDIT, "%s: cannot cut off the torn last record: %s",
		    log_path, strerror(errno));
	*size -= (off_t)torn;
	snprintf(detail, sizeof(detail), "removed %zu bytes of a record cut short after "
	    "record %lld", torn, end->seq);
	ev.event = "audit-repair";
	ev.reason = "torn-record";
	ev.detail = detail;
	local_host(host, sizeof(host));
	if ((r = pr_audit_format(&ev, pr_now(), host, &body)) == PR_OK &&
	    (r = pr_audit_chain(end->seq + 1, end->hash, body, &line, &len, NULL)) == PR_OK &&
	    (r = write_record(fd, log_path, line, len, *size, eb)) == PR_OK)
		r = head_write(hpath, end->seq + 1, line, len, eb);
	free(body);
	free(line);
	return r;
}

/*
 * Whether the torn bytes at the end of the log look like the start of the
 * next record, as a crash leaves it: "seq=<next> ..." (or a prefix of that)
 * in printable ASCII. Anything else (binary junk) is damage to keep as
 * evidence, not a torn write to cut.
 */
static bool torn_is_next_record(int fd, off_t size, size_t torn, long long next)
{
	char want[40], buf[AUDIT_MAX_RECORD];
	int n = snprintf(want, sizeof(want), "seq=%lld ", next);

	if (torn == 0 || torn > sizeof(buf) || pread_all(fd, buf, torn, size - (off_t)torn) != PR_OK)
		return false;
	if (memcmp(buf, want, torn < (size_t)n ? torn : (size_t)n) != 0)
		return false;
	for (size_t i = 0; i < torn; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			return false;
	return true;
}

/* Where to append: the chain's end, checked against the head; a torn tail cut off. */
static int open_tail(int fd, const char *log_path, const char *hpath, struct chain_end *end,
    off_t *size, bool *behind, struct pr_errbuf *eb)
{
	bool present = false;
	size_t torn = 0;
	int r;

	for (int pass = 0; pass < 2; pass++) {
		if ((r = chain_tail(fd, log_path, end, size, &torn, eb)) != PR_OK ||
		    (r = head_check(log_path, hpath, end, behind, &present, eb)) != PR_OK)
			return r;
		if (torn == 0)
			return PR_OK;
		if (!present || pass > 0 || !torn_is_next_record(fd, *size, torn, end->seq + 1))
			break;
		if ((r = cut_torn_tail(fd, log_path, hpath, end, size, torn, eb)) != PR_OK)
			return r;
	}
	return pr_fail(eb, PR_ERR_CORRUPT, "%s: last record is torn (no newline), and it is "
	    "not a record the head file shows was never finished; refusing to append: %s",
	    log_path, VERIFY_HINT);
}

/* Where a sweep appends: the locked log, and its end as each record moves it. */
struct sweep_ctx {
	int fd;
	const char *log_path;
	const char *hpath;
	struct chain_end *end;
	off_t *size;
	struct pr_errbuf *eb;
};

/* One record for a change whose writer ended before recording it (audit_pending.h). */
static int sweep_record(void *arg, const char *body)
{
	struct sweep_ctx *sc = arg;
	char next[HASH_HEX_LEN + 1];
	char *line = NULL;
	size_t len = 0;
	int r;

	if ((r = pr_audit_chain(sc->end->seq + 1, sc->end->hash, body, &line, &len, next)) != PR_OK) {
		pr_fail(sc->eb, r, "%s" PR_PENDING_SUFFIX ": a pending record is not valid", sc->log_path);
		return r;
	}
	if ((r = write_record(sc->fd, sc->log_path, line, len, *sc->size, sc->eb)) == PR_OK) {
		sc->end->seq++;
		memcpy(sc->end->prev, sc->end->hash, sizeof(sc->end->prev));
		memcpy(sc->end->hash, next, sizeof(sc->end->hash));
		*sc->size += (off_t)len;
		r = head_store(sc->hpath, sc->end->seq, next, sc->eb);
		line[len - 1] = '\0';
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "practicerunner: %s", line);
	}
	free(line);
	return r;
}

/*
 * Before our own record, under the lock: the changes of processes that
 * ended between their commit and their record (audit_pending.h).
 */
static int sweep_pending(int fd, const char *log_path, const char *hpath,
    struct chain_end *end, off_t *size, struct pr_errbuf *eb)
{
	struct sweep_ctx sc = { fd, log_path, hpath, end, size, eb };
	int swept = 0;

	return pr_pending_sweep(log_path, sweep_record, &sc, &swept);
}

/*
 * The rate of failure and offer records and the free-space floor
 * (lib/audit_rate.c, doc/ARCHITECTURE.md §8.6), decided under the log's
 * lock, so the log's lock is the one lock of the rate file too. *write:
 * whether this record is written (with *merged); the rate file is saved
 * by gate_close.
 */
struct gate {
	struct pr_rate_table t;
	char *path;
	bool dirty;
};

static void space_alert(uint64_t free_mb, long min_mb)
{
	syslog(LOG_AUTHPRIV | LOG_ALERT, "practicerunner: audit space low: %" PRIu64 " MB "
	    "free on the audit log's file system (minimum %ld); failure records are being "
	    "counted, not written", free_mb, min_mb);
}

static void gate_open(struct gate *g, int fd, const char *log_path,
    const struct pr_audit_event *ev, int64_t now, bool *write, int64_t *merged)
{
	static const struct pr_audit_limits defaults = {
		PR_AUDIT_DEFAULT_PER_MINUTE, PR_AUDIT_DEFAULT_MIN_FREE_MB,
	};
	const struct pr_audit_limits *lim = ev->limits != NULL ? ev->limits : &defaults;
	uint64_t free_mb = UINT64_MAX;
	bool low;

	*write = true;
	*merged = 0;
	/* A file system that cannot say is not called full: records go on being written. */
	low = pr_rate_free_mb_fd(fd, &free_mb) == PR_OK && free_mb < (uint64_t)lim->min_free_mb;
	if (asprintf(&g->path, "%s%s", log_path, PR_RATE_SUFFIX) < 0) {
		g->path = NULL;
		return;     /* no memory: written, as before there was a rate */
	}
	pr_rate_load(g->path, &g->t);
	if (low && pr_rate_alert_due(&g->t, now)) {
		space_alert(free_mb, lim->min_free_mb);
		g->dirty = true;
	}
	if (pr_rate_applies(ev)) {
		*write = pr_rate_admit(&g->t, ev->user, ev->rhost, now, lim->per_minute, low,
		    merged);
		g->dirty = true;
	} else if ((*merged = pr_rate_carry(&g->t, ev->user, ev->rhost)) > 0) {
		/* a success (or any record always written) says what was not written before it */
		g->dirty = true;
	}
}

/* Save the table when the decision stands (commit); the log is still locked. */
static void gate_close(struct gate *g, bool commit, int64_t now)
{
	if (commit && g->dirty && g->path != NULL)
		(void)pr_rate_save(g->path, &g->t, now);  /* best effort: see audit_rate.c */
	pr_rate_clear(&g->t);
	free(g->path);
	g->path = NULL;
}

/* The record's line after end; body formatted again when it carries merged=. */
static int chain_line(const struct pr_audit_event *ev, int64_t merged, int64_t now,
    const char *host, const struct chain_end *end, char **body, char **line, size_t *len,
    struct pr_errbuf *eb)
{
	int r;

	if (merged > 0) {
		free(*body);
		*body = NULL;
		if ((r = format_record(ev, merged, now, host, body)) != PR_OK)
			return pr_fail(eb, r, "audit record not written: out of memory");
	}
	if ((r = pr_audit_chain(end->seq + 1, end->hash, *body, line, len, NULL)) != PR_OK)
		return pr_fail(eb, r, "audit record longer than %d bytes: not written",
		    AUDIT_MAX_RECORD);
	return PR_OK;
}

int pr_audit_append(const char *log_path, const struct pr_audit_event *ev,
    struct pr_errbuf *eb)
{
	char host[256];
	char *body = NULL, *line = NULL, *hpath = NULL;
	struct gate g = { .path = NULL };
	struct chain_end end;
	int64_t now = pr_now(), merged = 0;
	size_t len = 0;
	off_t size = 0;
	bool behind = false, write = true;
	int fd = -1, r;

	if (log_path == NULL || log_path[0] == '\0')
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no audit log configured");
	local_host(host, sizeof(host));
	if ((r = pr_audit_format(ev, now, host, &body)) != PR_OK) {
		pr_fail(eb, r, "audit record not written: invalid event");
		goto fail;
	}
	if ((hpath = head_path(log_path)) == NULL) {
		r = pr_fail(eb, PR_ERR_NOMEM, "audit record not written: out of memory");
		goto fail;
	}
	if ((r = audit_open_locked(log_path, &fd, eb)) != PR_OK)
		goto fail;
	gate_open(&g, fd, log_path, ev, now, &write, &merged);
	if (!write)
		goto fail;   /* counted, not written: PR_OK, and no syslog line either */
	if ((r = open_tail(fd, log_path, hpath, &end, &size, &behind, eb)) != PR_OK)
		goto fail;
	/*
	 * A crash left the head one record behind: bring it up before our own
	 * record, so that a crash after ours leaves it one behind again, never
	 * two (which every later append and verify would refuse).
	 */
	if (behind && (r = head_store(hpath, end.seq, end.hash, eb)) != PR_OK)
		goto fail;
	if ((r = sweep_pending(fd, log_path, hpath, &end, &size, eb)) != PR_OK ||
	    (r = chain_line(ev, merged, now, host, &end, &body, &line, &len, eb)) != PR_OK ||
	    (r = write_record(fd, log_path, line, len, size, eb)) != PR_OK)
		goto fail;
	/* The record stands whatever happens to the head now. */
	r = head_write(hpath, end.seq + 1, line, len, eb);
	gate_close(&g, true, now);
	close(fd);  /* drops the lock */
	fd = -1;
	/*
	 * No openlog(): a module must not change its host's ident. The
	 * facility goes in the priority and the message names us.
	 */
	line[len - 1] = '\0';
	syslog(LOG_AUTHPRIV | LOG_NOTICE, "practicerunner: %s", line);
fail:
	/* a record counted (not written) saves its count; a record that failed does not */
	gate_close(&g, !write, now);
	if (fd >= 0)
		close(fd);
	free(body);
	free(line);
	free(hpath);
	return r;
}

/* ---- verifying ---------------------------------------------------------------------- */

/*
 * A verify reads the whole log, so its cost is set against reading and
 * hashing the file once (bench/audit.sh): the log is read in blocks and
 * each line is checked where it lies, and a record is parsed by
 * scan_record below, which finds the bytes that matter (space, '=', '%'
 * and anything not allowed in a value) a group of 16 at a time. A line is
 * taken only when scan_record accepts it and its hashes and seq= follow
 * the chain; any other goes to verify_line_slow, the record-by-record
 * check with parse_record, which words the refusal, so messages do not
 * depend on which path saw the record. 128 KiB blocks stay in the cache
 * between the read, the scan and the hashing, with 4,000 reads a GB.
 */
#define VERIFY_BLOCK (128 * 1024)   /* bytes per read(); a record is at most 8 KiB */
#define SCAN_GROUP 16               /* scan_record reads whole groups past a line's end */

#if defined(__SSE2__)
#include <emmintrin.h>

/* Bit i set when p[i] is not a plain value byte (see value_char_plain). */
static uint32_t scan_group(const char *p)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
	/* signed compares: bytes >= 0x80 are negative, so not > 0x20 */
	__m128i printable = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(0x20)),
	    _mm_cmplt_epi8(x, _mm_set1_epi8(0x7f)));
	__m128i sep = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('=')),
	    _mm_cmpeq_epi8(x, _mm_set1_epi8('%')));

	return ~(uint32_t)_mm_movemask_epi8(_mm_andnot_si128(sep, printable)) & 0xffffu;
}
#else
static uint32_t scan_group(const char *p)
{
	uint32_t m = 0;

	for (unsigned i = 0; i < SCAN_GROUP; i++)
		if (!value_char_plain((unsigned char)p[i]))
			m |= 1u << i;
	return m;
}
#endif

/* The first n (< 8) bytes of a 64-bit word loaded from memory, or all 8 for n >= 8. */
static uint64_t byte_mask(size_t n)
{
	uint64_t m = n >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << (8 * n)) - 1;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	m = __builtin_bswap64(m);
#endif
	return m;
}

/*
 * A record as scan_record found it. prev= and hash= are 64 bytes long but
 * their digits are not checked: a record is only taken when both equal
 * hashes verify_line made (lower-case hex), and otherwise parse_record
 * judges it.
 */
struct scan_info {
	long long seq;
	size_t hashed_len;
	const char *prev;
	const char *hash;
};

/* The keys again, NUL-padded to 16 bytes, for comparing 8 bytes at a time. */
static const char scan_keys[NKEYS][16] = {
	[K_SEQ] = "seq", [K_TIME] = "time", [K_HOST] = "host", [K_EVENT] = "event",
	[K_RESULT] = "result", [K_REASON] = "reason", [K_USER] = "user",
	[K_ROLE] = "role", [K_METHOD] = "method", [K_SERVICE] = "service",
	[K_TTY] = "tty", [K_RHOST] = "rhost", [K_RP_ID] = "rp_id",
	[K_CRED_ID] = "cred_id", [K_AAGUID] = "aaguid", [K_FLAGS] = "flags",
	[K_SIGN_COUNT] = "sign_count", [K_CLASS] = "class", [K_PATH] = "path",
	[K_ACTOR] = "actor", [K_DETAIL] = "detail", [K_MERGED] = "merged", [K_PREV] = "prev",
	[K_HASH] = "hash",
};

/* k[0..n) is key i; k[0..16) is readable. */
static bool scan_key_is(const char *k, size_t n, int i)
{
	uint64_t a, b, a2, b2;

	if (audit_keys[i].len != n)
		return false;
	memcpy(&a, k, 8);
	memcpy(&b, scan_keys[i], 8);
	memcpy(&a2, k + 8, 8);
	memcpy(&b2, scan_keys[i] + 8, 8);
	/* keys are at most 15 bytes; compare n bytes in memory order */
	if (n >= 8)
		return a == b && ((a2 ^ b2) & byte_mask(n - 8)) == 0;
	return ((a ^ b) & byte_mask(n)) == 0;
}

/* The next key after last: k[0..n) if no required field is skipped, else -1. */
static int scan_key(const char *k, size_t n, int last)
{
	for (int i = last + 1; i < (int)NKEYS; i++) {
		if (scan_key_is(k, n, i))
			return i;
		if (audit_keys[i].required)
			return -1;
	}
	return -1;
}

/* check_value's rules for the keys it checks; escapes were checked by the scan. */
static bool scan_value(struct scan_info *si, int idx, const char *v, size_t n)
{
	long long merged;

	switch (idx) {
	case K_SEQ:
		return seq_ok(v, n, &si->seq);
	case K_RESULT:
		return n == 7 && (memcmp(v, "success", 7) == 0 || memcmp(v, "failure", 7) == 0);
	case K_TIME:
		return n == 20;
	case K_MERGED:
		return seq_ok(v, n, &merged);
	case K_PREV:
		si->prev = v;
		return n == HASH_HEX_LEN;
	case K_HASH:
		si->hash = v;
		return n == HASH_HEX_LEN;
	default:
		return true;
	}
}

/*
 * parse_record's rules, fast, but for the digits of prev= and hash= (see
 * struct scan_info): false for every line parse_record refuses for another
 * reason. line[len .. len + SCAN_GROUP) must be readable (its bits are
 * dropped).
 */
static bool scan_record(const char *line, size_t len, struct scan_info *si)
{
	size_t start = 0, vstart = 0;  /* of the current field, of its value */
	bool in_value = false;
	int last = -1;

	if (len == 0 || len + 1 > AUDIT_MAX_RECORD)
		return false;
	for (size_t base = 0; base < len; base += SCAN_GROUP) {
		uint32_t m = scan_group(line + base);

		if (len - base < SCAN_GROUP)
			m &= (1u << (len - base)) - 1;
		for (; m != 0; m &= m - 1) {
			size_t p = base + (size_t)__builtin_ctz(m);
			char c = line[p];

			if (!in_value) {
				/* a key is plain bytes up to its '=' */
				if (c != '=' || (last = scan_key(line + start, p - start, last)) < 0)
					return false;
				vstart = p + 1;
				in_value = true;
			} else if (c == '%') {
				/* %XX: the digits are plain bytes, so no bits of theirs to skip */
				if (p + 2 >= len || !upper_hex(line[p + 1]) || !upper_hex(line[p + 2]))
					return false;
			} else if (c == ' ' && p + 1 < len) {
				if (!scan_value(si, last, line + vstart, p - vstart))
					return false;
				start = p + 1;
				in_value = false;
			} else {
				return false;  /* '=' or a byte not allowed in a value, or a trailing space */
			}
		}
	}
	if (!in_value || last != K_HASH)
		return false;
	si->hashed_len = start - 1;
	return scan_value(si, K_HASH, line + vstart, len - vstart);
}

/*
 * Both hashes of a line in one pass: the record's own (the text before
 * " hash=") and the whole line's (the next record's prev=). The shared
 * prefix is hashed once and its state copied for the record's own hash.
 */
static int hasher_line(const char *line, size_t hashed_len, size_t len,
    unsigned char rec[PR_SHA256_LEN], unsigned char whole[PR_SHA256_LEN])
{
	struct pr_sha256 h, prefix;

	if (pr_sha256_init(&h) != PR_OK)
		return PR_ERR_NOMEM;
	if (pr_sha256_update(&h, line, hashed_len) != PR_OK ||
	    pr_sha256_copy(&prefix, &h) != PR_OK) {
		pr_sha256_clear(&h);
		return PR_ERR_NOMEM;
	}
	if (pr_sha256_final(&prefix, rec) != PR_OK) {
		pr_sha256_clear(&h);
		return PR_ERR_NOMEM;
	}
	if (pr_sha256_update(&h, line + hashed_len, len - hashed_len) != PR_OK) {
		pr_sha256_clear(&h);
		return PR_ERR_NOMEM;
	}
	return pr_sha256_final(&h, whole) == PR_OK ? PR_OK : PR_ERR_NOMEM;
}

#if defined(__SSE2__)
/* 16 bytes as 32 lower-case hex digits. */
static void hex16(const unsigned char *in, char *out)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)in);
	__m128i nib = _mm_set1_epi8(0x0f);
	__m128i hi = _mm_and_si128(_mm_srli_epi16(x, 4), nib), lo = _mm_and_si128(x, nib);
	__m128i d0, d1;

	/* n + '0', and 'a' - '0' - 10 more for n > 9 */
	hi = _mm_add_epi8(_mm_add_epi8(hi, _mm_set1_epi8('0')), _mm_and_si128(
	    _mm_cmpgt_epi8(hi, _mm_set1_epi8(9)), _mm_set1_epi8('a' - '0' - 10)));
	lo = _mm_add_epi8(_mm_add_epi8(lo, _mm_set1_epi8('0')), _mm_and_si128(
	    _mm_cmpgt_epi8(lo, _mm_set1_epi8(9)), _mm_set1_epi8('a' - '0' - 10)));
	d0 = _mm_unpacklo_epi8(hi, lo);
	d1 = _mm_unpackhi_epi8(hi, lo);
	_mm_storeu_si128((__m128i *)(void *)out, d0);
	_mm_storeu_si128((__m128i *)(void *)(out + 16), d1);
}

/* A SHA-256 as 64 lower-case hex digits and a NUL, as pr_hex_encode writes it. */
static void hash_hex(const unsigned char md[PR_SHA256_LEN], char out[HASH_HEX_LEN + 1])
{
	hex16(md, out);
	hex16(md + 16, out + 32);
	out[HASH_HEX_LEN] = '\0';
}
#else
static void hash_hex(const unsigned char md[PR_SHA256_LEN], char out[HASH_HEX_LEN + 1])
{
	pr_hex_encode(md, PR_SHA256_LEN, out);
}
#endif

struct verify_state {
	long line;                       /* 1-based line number */
	struct chain_end end;            /* the last good record */
};

/*
 * The record-by-record check, which words every refusal: syntax, the
 * record's own hash, then the chain. verify_line's fast checks hand it
 * every line they do not take.
 */
static int verify_line_slow(struct verify_state *vs, const char *line, size_t len,
    char *why, size_t cap)
{
	unsigned char md_rec[PR_SHA256_LEN], md_whole[PR_SHA256_LEN];
	char rec[HASH_HEX_LEN + 1], whole[HASH_HEX_LEN + 1];
	struct rec_info ri;
	char sub[120];
	int r;

	if ((r = parse_record(line, len, &ri, sub, sizeof(sub))) != PR_OK)
		return rec_fail(why, cap, "record %ld is malformed (%s)", vs->line, sub);
	if ((r = hasher_line(line, ri.hashed_len, len, md_rec, md_whole)) != PR_OK) {
		snprintf(why, cap, "record %ld: cannot hash it", vs->line);
		return r;
	}
	hash_hex(md_rec, rec);
	hash_hex(md_whole, whole);
	if (memcmp(rec, ri.hash, HASH_HEX_LEN) != 0)
		return rec_fail(why, cap, "record %ld was edited", vs->line);
	if (ri.seq != vs->end.seq + 1 || strcmp(ri.prev, vs->end.hash) != 0) {
		if (vs->end.seq == 0)
			return rec_fail(why, cap, "record %lld does not follow the start of the "
			    "log (deleted or reordered)", ri.seq);
		return rec_fail(why, cap, "record %lld does not follow record %lld "
		    "(deleted or reordered)", ri.seq, vs->end.seq);
	}
	vs->end.seq = ri.seq;
	memcpy(vs->end.hash, whole, sizeof(vs->end.hash));
	memcpy(vs->end.prev, ri.prev, sizeof(vs->end.prev));
	return PR_OK;
}

/*
 * Check one complete line (newline stripped) against the chain so far:
 * a line that scans well, whose hash= is its own hash and whose seq= and
 * prev= follow the last record is good; verify_line_slow judges any
 * other. Hashes are public (the log is readable to its auditors), so they
 * are compared with memcmp.
 */
static int verify_line(struct verify_state *vs, const char *line, size_t len,
    char *why, size_t cap)
{
	unsigned char md_rec[PR_SHA256_LEN], md_whole[PR_SHA256_LEN];
	char rec[HASH_HEX_LEN + 1];
	struct scan_info si = { .seq = 0 };

	if (!scan_record(line, len, &si) ||
	    si.seq != vs->end.seq + 1 || memcmp(si.prev, vs->end.hash, HASH_HEX_LEN) != 0 ||
	    hasher_line(line, si.hashed_len, len, md_rec, md_whole) != PR_OK)
		return verify_line_slow(vs, line, len, why, cap);
	hash_hex(md_rec, rec);
	if (memcmp(rec, si.hash, HASH_HEX_LEN) != 0)
		return verify_line_slow(vs, line, len, why, cap);
	/* prev= equals the last hash, lower-case hex: it is the new end's prev */
	vs->end.seq = si.seq;
	memcpy(vs->end.prev, vs->end.hash, sizeof(vs->end.prev));
	hash_hex(md_whole, vs->end.hash);
	return PR_OK;
}

/* read() until len bytes, end of file or an error (-1); EINTR is retried. */
static ssize_t read_some(int fd, char *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

/*
 * A line already longer than a record may be, without its newline yet:
 * read on to its newline (malformed) or the end of the file (torn), as a
 * line-at-a-time reader would have judged it.
 */
static int verify_long_line(int fd, char *buf, const struct verify_state *vs,
    char *why, size_t cap)
{
	ssize_t n;

	while ((n = read_some(fd, buf, VERIFY_BLOCK)) > 0)
		if (memchr(buf, '\n', (size_t)n) != NULL)
			return rec_fail(why, cap, "record %ld is malformed (longer than %d bytes)",
			    vs->line, AUDIT_MAX_RECORD);
	if (n < 0)
		return PR_ERR_IO;
	return rec_fail(why, cap, "last record is torn (no newline)");
}

/* Every whole line of buf[*pos .. have); *pos ends at the first partial one. */
static int verify_lines(struct verify_state *vs, const char *buf, size_t *pos, size_t have,
    long *n_records, char *why, size_t cap)
{
	const char *nl;
	int r;

	while ((nl = memchr(buf + *pos, '\n', have - *pos)) != NULL) {
		vs->line++;
		if ((r = verify_line(vs, buf + *pos, (size_t)(nl - buf) - *pos, why, cap)) != PR_OK)
			return r;
		(*n_records)++;
		*pos = (size_t)(nl - buf) + 1;
	}
	return PR_OK;
}

static int verify_stream(int fd, const char *path, long *bad_record,
    long *n_records, struct chain_end *end, struct pr_errbuf *eb)
{
	struct verify_state vs = { .line = 0 };
	char why[200] = "";
	size_t have = 0, pos = 0;
	ssize_t n;
	char *buf;
	int r = PR_OK;

	/* zeroed: scan_record reads (and ignores) up to SCAN_GROUP bytes past a line */
	if ((buf = calloc(1, VERIFY_BLOCK + SCAN_GROUP)) == NULL)
		return pr_fail(eb, PR_ERR_NOMEM, "%s: out of memory", path);
	chain_start(&vs.end);
	for (;;) {
		if ((r = verify_lines(&vs, buf, &pos, have, n_records, why, sizeof(why))) != PR_OK)
			break;
		memmove(buf, buf + pos, have - pos);
		have -= pos;
		pos = 0;
		if (have + 1 > AUDIT_MAX_RECORD) {
			vs.line++;
			r = verify_long_line(fd, buf, &vs, why, sizeof(why));
			break;
		}
		if ((n = read_some(fd, buf + have, VERIFY_BLOCK - have)) <= 0) {
			r = n < 0 ? PR_ERR_IO : PR_OK;
			if (n == 0 && have > 0) {
				vs.line++;
				r = rec_fail(why, sizeof(why), "last record is torn (no newline)");
			}
			break;
		}
		have += (size_t)n;
	}
	free(buf);
	if (r == PR_ERR_IO)
		return pr_fail(eb, r, "%s: read error", path);
	if (r != PR_OK) {
		if (r == PR_ERR_CORRUPT)
			*bad_record = vs.line;
		return pr_fail(eb, r, "%s:%ld: %s", path, vs.line, why);
	}
	*end = vs.end;
	return PR_OK;
}

/* A verified chain (lines are seq numbers) ends where its head says. */
static int verify_head(const char *path, const char *hpath, const struct chain_end *end,
    long *bad_record, bool *present, struct pr_errbuf *eb)
{
	struct chain_end head;
	int r;

	if ((r = head_read(hpath, present, &head, eb)) != PR_OK || !*present)
		return r;
	switch (head_fit(end, &head)) {
	case HEAD_FITS:
		return PR_OK;
	case HEAD_SHORT:
		*bad_record = (long)end->seq + 1;
		return pr_fail(eb, PR_ERR_CORRUPT, "%s: records after %lld were removed "
		    "(head file says %lld)", path, end->seq, head.seq);
	case HEAD_OTHER:
		*bad_record = (long)head.seq;
		return pr_fail(eb, PR_ERR_CORRUPT, "%s:%lld: record %lld does not match the "
		    "head file (%s): records were replaced", path, head.seq, head.seq, hpath);
	case HEAD_STALE:
		break;
	}
	*bad_record = (long)end->seq;
	return pr_fail(eb, PR_ERR_CORRUPT, "%s:%lld: the log goes on past record %lld "
	    "recorded in the head file (%s): the head file is stale", path, end->seq,
	    head.seq, hpath);
}

/* A missing log is only "not found" when no head says it held records. */
static int verify_missing(const char *path, const char *hpath, long *bad_record,
    struct pr_errbuf *eb)
{
	struct chain_end none;
	bool present = false;
	int r;

	chain_start(&none);
	if ((r = verify_head(path, hpath, &none, bad_record, &present, eb)) != PR_OK ||
	    present)
		return r;
	return pr_fail(eb, PR_ERR_NOT_FOUND, "%s: %s", path,
	    pr_file_status_text(PR_FILE_MISSING));
}

/* The log and its head under a shared lock: appends wait, so the two agree. */
static int verify_open(const char *path, int *fd, struct pr_errbuf *eb)
{
	enum pr_file_status st;

	st = pr_secure_open(AT_FDCWD, path, O_RDONLY, 022, fd);
	if (st != PR_FILE_OK)
		return pr_fail(eb, pr_file_status_err(st), "%s: %s", path,
		    pr_file_status_text(st));
	if (lock_wait(*fd, LOCK_SH) != 0)
		return pr_fail(eb, PR_ERR_LOCK, "%s: cannot lock: %s", path, strerror(errno));
	return PR_OK;
}

int pr_audit_verify(const char *log_path, long *bad_record, long *n_records,
    struct pr_errbuf *eb)
{
	struct chain_end end;
	char *hpath = NULL;
	long bad = 0, n = 0;
	bool present = false;
	int fd = -1, r;

	if (log_path == NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no audit log configured");
	if ((hpath = head_path(log_path)) == NULL) {
		r = pr_fail(eb, PR_ERR_NOMEM, "%s: out of memory", log_path);
		goto fail;
	}
	if ((r = verify_open(log_path, &fd, eb)) == PR_ERR_NOT_FOUND) {
		r = verify_missing(log_path, hpath, &bad, eb);
		goto fail;
	}
	if (r != PR_OK)
		goto fail;
	if ((r = verify_stream(fd, log_path, &bad, &n, &end, eb)) == PR_OK)
		r = verify_head(log_path, hpath, &end, &bad, &present, eb);
fail:
	if (fd >= 0)
		close(fd);  /* drops the lock */
	free(hpath);
	if (bad_record != NULL)
		*bad_record = bad;
	if (n_records != NULL)
		*n_records = n;
	return r;
}

void pr_audit_set_cred(struct pr_audit_event *ev, const struct pr_cred *cred,
    char **cred_id, char aaguid[37])
{
	*cred_id = pr_b64url_encode(cred->id, cred->id_len);
	pr_aaguid_format(cred->aaguid, aaguid);
	ev->cred_id = *cred_id;
	ev->aaguid = aaguid;
	ev->flags = cred->flags;
	ev->sign_count = cred->sign_count;
	ev->cred_class = pr_class_name(cred->cls);
	if (ev->method == NULL && cred->kind == PR_KIND_SSH)
		ev->method = "ssh-sk";
	else if (ev->method == NULL)
		ev->method = cred->cls == PR_CLASS_PHYSICAL ? "security-key" : "passkey";
}
