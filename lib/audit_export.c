/*
 * `practicerunner-admin audit export` (doc/ARCHITECTURE.md §8.8): records
 * of the whole series as JSON lines (json-c builds every object: no JSON
 * is written by hand) or as RFC 5424 messages with the fields as
 * structured data. syslog(3) cannot carry structured data (it writes RFC
 * 3164-style lines to /dev/log), so this is the supported way to hand
 * every field to a collector.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "audit_export.h"
#include "audit_internal.h"
#include "audit_series.h"
#include "err.h"
#include "secure_file.h"

#define SYSLOG_PRI 85          /* LOG_AUTHPRIV (10) * 8 + LOG_NOTICE (5), as the syslog copy */
#define APP_NAME "practicerunner"
#define MSGID_MAX 32           /* RFC 5424 section 6.2.7 */
#define HOSTNAME_MAX 255       /* RFC 5424 section 6.2.4 */

int pr_export_format_parse(const char *name, enum pr_export_format *fmt)
{
	if (name != NULL && strcmp(name, "json") == 0)
		*fmt = PR_EXPORT_JSON;
	else if (name != NULL && strcmp(name, "rfc5424") == 0)
		*fmt = PR_EXPORT_RFC5424;
	else
		return PR_ERR_INVALID_ARG;
	return PR_OK;
}

/* s[0..n) matches pat, where 'd' is a digit and any other byte itself. */
static bool shape(const char *s, const char *pat)
{
	size_t n = strlen(pat);

	if (strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return false;
	return true;
}

int pr_export_since_parse(const char *text, char out[21])
{
	if (text != NULL && shape(text, "dddd-dd-dd"))
		snprintf(out, 21, "%sT00:00:00Z", text);
	else if (text != NULL && shape(text, "dddd-dd-ddTdd:dd:ddZ"))
		snprintf(out, 21, "%s", text);
	else
		return PR_ERR_INVALID_ARG;
	return PR_OK;
}

/* ---- one record --------------------------------------------------------------------- */

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10;
}

/* RFC 3629 UTF-8, no overlongs, no surrogates. */
static bool utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i], len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 :
		    (c >> 3) == 30 ? 4 : 0;
		unsigned cp;

		if (len == 0 || i + len > n)
			return false;
		cp = len == 1 ? c : c & (0x7f >> len);
		for (unsigned k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

/*
 * A value as the record means it: %XX unescaped, when that is UTF-8 text;
 * otherwise as the log holds it. out holds at least n + 1 bytes.
 */
static size_t value_text(const char *v, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (v[i] == '%' && i + 2 < n) {   /* the record parsed: %XX is whole */
			out[o++] = (char)(hexval(v[i + 1]) * 16 + hexval(v[i + 2]));
			i += 2;
		} else {
			out[o++] = v[i];
		}
	}
	if (!utf8_ok((const unsigned char *)out, o) || memchr(out, '\0', o) != NULL) {
		memcpy(out, v, n);
		o = n;
	}
	out[o] = '\0';
	return o;
}

static bool numeric_key(const char *k, size_t n)
{
	return (n == 3 && memcmp(k, "seq", 3) == 0) || (n == 10 && memcmp(k, "sign_count", 10) == 0) ||
	    (n == 6 && memcmp(k, "merged", 6) == 0);
}

/* A field of a parsed record: its key, its value as the log holds it, and unescaped. */
struct field {
	const char *key;
	size_t klen;
	const char *raw;
	size_t rawlen;
	const char *val;
	size_t vlen;
};
typedef int (*field_fn)(void *arg, const struct field *f);

static int each_field(const char *line, size_t len, field_fn fn, void *arg)
{
	char *val = malloc(len + 1), key[32];
	size_t pos = 0;
	int r = PR_OK;

	if (val == NULL)
		return PR_ERR_NOMEM;
	while (pos < len && r == PR_OK) {
		const char *tok = line + pos, *sp = memchr(tok, ' ', len - pos);
		size_t tlen = sp != NULL ? (size_t)(sp - tok) : len - pos;
		const char *eq = memchr(tok, '=', tlen);
		size_t klen = (size_t)(eq - tok), vlen;

		/* the record parsed: every field has '=' and a known key (< 32 bytes) */
		struct field f;

		memcpy(key, tok, klen);
		key[klen] = '\0';
		vlen = value_text(eq + 1, tlen - klen - 1, val);
		f = (struct field){ key, klen, eq + 1, tlen - klen - 1, val, vlen };
		r = fn(arg, &f);
		pos += tlen + 1;
	}
	free(val);
	return r;
}

static int json_field(void *arg, const struct field *f)
{
	json_object *v = numeric_key(f->key, f->klen) ?
	    json_object_new_int64(strtoll(f->val, NULL, 10)) :
	    json_object_new_string_len(f->val, (int)f->vlen);

	if (v == NULL)
		return PR_ERR_NOMEM;
	return json_object_object_add(arg, f->key, v) == 0 ? PR_OK : PR_ERR_NOMEM;
}

static int json_line(const char *line, size_t len, char **out)
{
	json_object *o = json_object_new_object();
	const char *text;
	int r;

	if (o == NULL)
		return PR_ERR_NOMEM;
	if ((r = each_field(line, len, json_field, o)) == PR_OK) {
		text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE);
		r = text != NULL && asprintf(out, "%s\n", text) >= 0 ? PR_OK : PR_ERR_NOMEM;
	}
	json_object_put(o);
	return r;
}

/* ---- RFC 5424 ------------------------------------------------------------------------ */

struct sd_ctx {
	FILE *f;
	char time[32], host[HOSTNAME_MAX + 1], event[MSGID_MAX + 1];
};

/* PRINTUSASCII, 1 to max bytes: else "-" (the NILVALUE). */
static void header_token(const char *v, size_t n, char *out, size_t max)
{
	bool ok = n > 0 && n <= max;

	for (size_t i = 0; ok && i < n; i++)
		ok = v[i] > 32 && v[i] < 127;
	snprintf(out, max + 1, "%.*s", ok ? (int)n : 1, ok ? v : "-");
}

static bool has_control(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return true;
	return false;
}

/*
 * PARAM-VALUE: '"', '\' and ']' escaped with a backslash (RFC 5424
 * section 6.3.3). A value with control characters (a newline would end the
 * message for a line-based collector) is given as the log holds it.
 */
static int sd_field(void *arg, const struct field *f)
{
	struct sd_ctx *c = arg;
	const char *val = has_control(f->val, f->vlen) ? f->raw : f->val;
	size_t vlen = val == f->raw ? f->rawlen : f->vlen;

	if (f->klen == 4 && memcmp(f->key, "time", 4) == 0)
		header_token(val, vlen, c->time, sizeof(c->time) - 1);
	else if (f->klen == 4 && memcmp(f->key, "host", 4) == 0)
		header_token(val, vlen, c->host, HOSTNAME_MAX);
	else if (f->klen == 5 && memcmp(f->key, "event", 5) == 0)
		header_token(val, vlen, c->event, MSGID_MAX);
	fprintf(c->f, " %s=\"", f->key);
	for (size_t i = 0; i < vlen; i++) {
		if (val[i] == '"' || val[i] == '\\' || val[i] == ']')
			fputc('\\', c->f);
		fputc(val[i], c->f);
	}
	fputc('"', c->f);
	return PR_OK;
}

/* "<85>1 TIME HOST practicerunner - EVENT [practicerunner@32473 k="v" ...]" */
static int rfc5424_line(const char *line, size_t len, char **out)
{
	struct sd_ctx c = { .f = NULL };
	char *sd = NULL;
	size_t sdlen = 0;
	int r;

	if ((c.f = open_memstream(&sd, &sdlen)) == NULL)
		return PR_ERR_NOMEM;
	r = each_field(line, len, sd_field, &c);
	if (fclose(c.f) != 0 && r == PR_OK)
		r = PR_ERR_NOMEM;
	if (r == PR_OK && asprintf(out, "<%d>1 %s %s " APP_NAME " - %s [" PR_EXPORT_SD_ID "%s]\n",
	    SYSLOG_PRI, c.time, c.host, c.event, sd) < 0)
		r = PR_ERR_NOMEM;
	free(sd);
	return r;
}

int pr_export_line(const char *line, size_t len, enum pr_export_format fmt, char **out,
    struct pr_errbuf *eb)
{
	struct rec_info ri;
	int r;

	*out = NULL;
	if ((r = audit_parse_record(line, len, &ri, eb)) != PR_OK)
		return r;
	return fmt == PR_EXPORT_JSON ? json_line(line, len, out) : rfc5424_line(line, len, out);
}

/* ---- the series ------------------------------------------------------------------------ */

/* Every record of one open file (closed here) at or after since. */
static int export_file(FILE *in, const char *path, const char *since,
    enum pr_export_format fmt, FILE *out, long *n, struct pr_errbuf *eb)
{
	struct pr_errbuf rec_eb = { 0 };
	char *line = NULL, *text = NULL;
	size_t cap = 0;
	ssize_t got;
	long lineno = 0;
	int r = PR_OK;

	while (r == PR_OK && (got = getline(&line, &cap, in)) > 0) {
		lineno++;
		if (line[got - 1] != '\n') {
			r = pr_fail(eb, PR_ERR_CORRUPT, "%s:%ld: last record is torn (no newline); "
			    "run 'practicerunner-admin audit verify --all'", path, lineno);
			break;
		}
		line[--got] = '\0';
		if ((r = pr_export_line(line, (size_t)got, fmt, &text, &rec_eb)) != PR_OK) {
			pr_fail(eb, r, "%s:%ld: %s; run 'practicerunner-admin audit verify --all'",
			    path, lineno, r == PR_ERR_CORRUPT ? rec_eb.msg : pr_strerror(r));
			break;
		}
		/* time= is the second field: "seq=N time=YYYY-MM-DDTHH:MM:SSZ" */
		if (since == NULL || strncmp(strstr(line, " time=") + 6, since, 20) >= 0) {
			fputs(text, out);
			(*n)++;
		}
		free(text);
		text = NULL;
	}
	if (r == PR_OK && ferror(in))
		r = pr_fail(eb, PR_ERR_IO, "%s: read error", path);
	free(line);
	fclose(in);
	return r;
}

static int export_one(const char *dir, const char *name, bool live, const char *since,
    enum pr_export_format fmt, FILE *out, long *n, struct pr_errbuf *eb)
{
	enum pr_file_status st;
	char path[4096];
	FILE *in;
	int fd = -1, r;

	/* A truncated name would open another file: refuse it. */
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "%s: path too long", name);
	if (live) {
		if ((r = audit_open_shared(path, &fd, eb)) != PR_OK) {
			if (fd >= 0)
				close(fd);
			return r;
		}
	} else if ((st = pr_secure_open(AT_FDCWD, path, O_RDONLY, 022, &fd)) != PR_FILE_OK) {
		return pr_fail(eb, pr_file_status_err(st), "%s: %s", path, pr_file_status_text(st));
	}
	if ((in = fdopen(fd, "r")) == NULL) {
		close(fd);
		return pr_fail(eb, PR_ERR_NOMEM, "%s: out of memory", path);
	}
	return export_file(in, path, since, fmt, out, n, eb);   /* closes in: drops the lock */
}

int pr_audit_export(const char *log_path, const char *since, enum pr_export_format fmt,
    FILE *out, long *n, struct pr_errbuf *eb)
{
	struct pr_audit_series s;
	char dir[4096], *slash;
	const char *base;
	int r;

	*n = 0;
	if (log_path == NULL || (slash = strrchr(log_path, '/')) == NULL || slash[1] == '\0')
		return pr_fail(eb, PR_ERR_INVALID_ARG, "the audit log must be an absolute path");
	if ((size_t)(slash - log_path) >= sizeof(dir))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "%s: path too long", log_path);
	memcpy(dir, log_path, slash == log_path ? 1 : (size_t)(slash - log_path));
	dir[slash == log_path ? 1 : slash - log_path] = '\0';
	base = slash + 1;
	if ((r = pr_audit_series_list(dir, base, &s, eb)) != PR_OK)
		return r;
	if (s.n == 0)
		r = pr_fail(eb, PR_ERR_NOT_FOUND, "%s: no such file, and no rotated file of it",
		    log_path);
	for (size_t i = 0; i < s.n && r == PR_OK; i++)
		r = export_one(dir, s.names[i], s.has_live && i == s.n - 1, since, fmt, out, n, eb);
	if (r == PR_OK && (fflush(out) != 0 || ferror(out)))
		r = pr_fail(eb, PR_ERR_IO, "cannot write the export");
	pr_audit_series_free(&s);
	return r;
}
