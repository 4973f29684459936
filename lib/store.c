/*
 * Credential store: <state_dir>/users/<user> (0600), one credential per
 * line, replaced atomically under <state_dir>/locks/<user>.lock.
 *
 * File format (version 1):
 *
 *   practicerunner-credentials 1
 *   id=<b64url> alg=<cose> pubkey=<hex> class=<physical|passkey> kind=<fido|ssh>
 *     aaguid=<8-4-4-4-12> flags=<0..255> sign_count=<0..2^32-1> fmt=<name>
 *     label=<percent-encoded> created=<unix time> last_used=<unix time, 0 = never>
 *
 * (one line per credential; fields in exactly this order, separated by one
 * space). The parser is strict: anything else is PR_ERR_CORRUPT with the
 * line number, and a corrupt file is never rewritten.
 *
 * Version 2 adds SSH security keys: a kind=ssh line ends with one more
 * field, app=<percent-encoded application>, which kind=fido lines never
 * have. Files without SSH keys are still written as version 1, so older
 * programs keep reading them; a version 2 file is refused by them (fail
 * closed) rather than misread.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directory/dir_scan.h"
#include "directory/dir_slot.h"
#include "err.h"
#include "secure_file.h"
#include "store.h"
#include "store_revoked.h"
#include "user_file.h"
#include "util.h"

#define STORE_HEADER "practicerunner-credentials 1"
#define STORE_HEADER_V2 "practicerunner-credentials 2"
#define STORE_MAGIC "practicerunner-credentials "
#define STORE_MAX_SIZE (1024 * 1024)
#define STORE_LOCK ".lock"   /* locks/<user>.lock */
#define STORE_FMT_MAX 15
#define COSE_ES256 (-7)
#define COSE_EDDSA (-8)
#define COSE_RS256 (-257)

/* Where a parse failed and why, for "<path>:<line>: <reason>". */
struct parse_err {
	int line;
	char reason[160];
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

/*
 * ---- names of enumerations in the file. Kept here although types.c now
 * sits below the store: class_word writes "passkey" for any value that is
 * not physical, where pr_class_name would write "unknown".
 */

static const char *class_word(enum pr_class c)
{
	return c == PR_CLASS_PHYSICAL ? "physical" : "passkey";
}

static int class_from_word(const char *s, enum pr_class *out)
{
	if (strcmp(s, "physical") == 0)
		*out = PR_CLASS_PHYSICAL;
	else if (strcmp(s, "passkey") == 0)
		*out = PR_CLASS_PASSKEY;
	else
		return -1;
	return 0;
}

static const char *kind_word(enum pr_cred_kind k)
{
	return k == PR_KIND_SSH ? "ssh" : "fido";
}

static int kind_from_word(const char *s, enum pr_cred_kind *out)
{
	if (strcmp(s, "fido") == 0)
		*out = PR_KIND_FIDO;
	else if (strcmp(s, "ssh") == 0)
		*out = PR_KIND_SSH;
	else
		return -1;
	return 0;
}

static bool alg_supported(long alg)
{
	return alg == COSE_ES256 || alg == COSE_EDDSA || alg == COSE_RS256;
}

/* Attestation format names: short, lower-case words ("packed", "fido-u2f"). */
static bool fmt_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > STORE_FMT_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

/* ---- labels: percent-encode everything but printable ASCII other than '%' */

static bool label_char_plain(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '%';
}

static void label_encode(FILE *f, const char *label)
{
	for (const unsigned char *p = (const unsigned char *)label; *p != '\0'; p++) {
		if (label_char_plain(*p))
			fputc(*p, f);
		else
			fprintf(f, "%%%02X", *p);
	}
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode into out (PR_LABEL_MAX + 1); only what label_encode can produce. */
static int label_decode(const char *in, char *out, struct parse_err *pe)
{
	size_t o = 0;

	for (const char *p = in; *p != '\0'; p++) {
		int c = (unsigned char)*p;
		if (c == '%') {
			int hi = hex_nibble(p[1]), lo = hi < 0 ? -1 : hex_nibble(p[2]);
			if (hi < 0 || lo < 0)
				return parse_fail(pe, "label has a bad %%-escape");
			c = hi << 4 | lo;
			p += 2;
			if (c == 0)
				return parse_fail(pe, "label contains a NUL byte");
		} else if (!label_char_plain((unsigned char)c)) {
			return parse_fail(pe, "label has an unescaped character");
		}
		if (o == PR_LABEL_MAX)
			return parse_fail(pe, "label longer than %d bytes", PR_LABEL_MAX);
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return PR_OK;
}

/* ---- numbers: plain decimal, no sign unless allowed, no leading zeros ---- */

static int parse_int(const char *s, bool allow_negative, int64_t min, int64_t max,
    int64_t *out)
{
	const char *p = s;
	uint64_t v = 0;
	bool neg = false;

	if (*p == '-' && allow_negative) {
		neg = true;
		p++;
	}
	if (*p == '\0' || (p[0] == '0' && p[1] != '\0') || (neg && p[0] == '0'))
		return -1;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || v > (uint64_t)INT64_MAX / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v > (uint64_t)INT64_MAX)
		return -1;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return *out < min || *out > max ? -1 : 0;
}

/* ---- one field each: text in, cred field out ------------------------------- */

static int field_id(const char *v, struct pr_cred *c, struct parse_err *pe)
{
	char *canon = NULL;
	int r;

	if (pr_b64url_decode(v, &c->id, &c->id_len) != PR_OK)
		return parse_fail(pe, "id is not valid base64url");
	if (c->id_len == 0 || c->id_len > PR_CRED_ID_MAX)
		return parse_fail(pe, "id length %zu out of range", c->id_len);
	/* Only the canonical unpadded form, so one id has one spelling. */
	if ((canon = pr_b64url_encode(c->id, c->id_len)) == NULL)
		return PR_ERR_NOMEM;
	r = strcmp(canon, v) == 0 ? PR_OK : parse_fail(pe, "id is not canonical base64url");
	free(canon);
	return r;
}

static int field_alg(const char *v, struct pr_cred *c, struct parse_err *pe)
{
	int64_t n;

	if (parse_int(v, true, -65536, 65536, &n) != 0 || !alg_supported((long)n))
		return parse_fail(pe, "alg '%s' is not a supported COSE algorithm", v);
	c->cose_alg = (int)n;
	return PR_OK;
}

static int field_pubkey(const char *v, struct pr_cred *c, struct parse_err *pe)
{
	if (pr_hex_decode(v, &c->pubkey, &c->pubkey_len) != PR_OK)
		return parse_fail(pe, "pubkey is not valid hex");
	if (c->pubkey_len == 0 || c->pubkey_len > PR_PUBKEY_MAX)
		return parse_fail(pe, "pubkey length %zu out of range", c->pubkey_len);
	return PR_OK;
}

static int field_class(const char *v, struct pr_cred *c, struct parse_err *pe)
{
	return class_from_word(v, &c->cls) == 0 ? PR_OK :
	    parse_fail(pe, "class must be physical or passkey");
}

static int field_kind(const char *v, struct pr_cred *c, struct parse_err *pe)
{
	return kind_from_word(v, &c->kind) == 0 ? PR_OK :
	    parse_fail(pe, "kind must be fido or ssh");
}

static int field_aaguid(const char *v, struct pr_cred *c, struct parse_err *pe)
{
	return strlen(v) == 36 && pr_aaguid_parse(v, c->aaguid) == PR_OK ? PR_OK :
	    parse_fail(pe, "aaguid is not 8-4-4-4-12 hex");
}

static int field_flags(const char *v, struct pr_cred *c, struct parse_err *pe)
{
	int64_t n;

	if (parse_int(v, false, 0, 255, &n) != 0)
		return parse_fail(pe, "flags out of range (0..255)");
	c->flags = (uint8_t)n;
	return PR_OK;
}

static int field_sign_count(const char *v, struct pr_cred *c, struct parse_err *pe)
{
	int64_t n;

	if (parse_int(v, false, 0, UINT32_MAX, &n) != 0)
		return parse_fail(pe, "sign_count out of range (0..4294967295)");
	c->sign_count = (uint32_t)n;
	return PR_OK;
}

static int field_fmt(const char *v, struct pr_cred *c, struct parse_err *pe)
{
	if (!fmt_valid(v))
		return parse_fail(pe, "fmt is not a valid attestation format name");
	memcpy(c->fmt, v, strlen(v) + 1);
	return PR_OK;
}

static int field_label(const char *v, struct pr_cred *c, struct parse_err *pe)
{
	return label_decode(v, c->label, pe);
}

static int field_created(const char *v, struct pr_cred *c, struct parse_err *pe)
{
	return parse_int(v, false, 0, INT64_MAX, &c->created) == 0 ? PR_OK :
	    parse_fail(pe, "created is not a valid time");
}

static int field_last_used(const char *v, struct pr_cred *c, struct parse_err *pe)
{
	return parse_int(v, false, 0, INT64_MAX, &c->last_used) == 0 ? PR_OK :
	    parse_fail(pe, "last_used is not a valid time");
}

static const struct {
	const char *key;
	int (*parse)(const char *v, struct pr_cred *c, struct parse_err *pe);
} fields[] = {
	{ "id", field_id },
	{ "alg", field_alg },
	{ "pubkey", field_pubkey },
	{ "class", field_class },
	{ "kind", field_kind },
	{ "aaguid", field_aaguid },
	{ "flags", field_flags },
	{ "sign_count", field_sign_count },
	{ "fmt", field_fmt },
	{ "label", field_label },
	{ "created", field_created },
	{ "last_used", field_last_used },
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* ---- lines and files ----------------------------------------------------------- */

/*
 * The application of an SSH key, as label_encode wrote it: printable ASCII
 * without blanks once decoded (sshkey.c allows no other), 1..PR_APP_MAX.
 */
static int field_app(const char *v, struct pr_cred *c, struct parse_err *pe)
{
	size_t n = 0;
	int ch, hi, lo;

	for (const char *p = v; *p != '\0'; c->app[n++] = (char)ch) {
		if (n == PR_APP_MAX)
			return parse_fail(pe, "app longer than %d bytes", PR_APP_MAX);
		if (*p != '%') {
			if (!label_char_plain((unsigned char)*p))
				return parse_fail(pe, "app has an unescaped character");
			ch = (unsigned char)*p++;
			continue;
		}
		if ((hi = hex_nibble(p[1])) < 0 || (lo = hex_nibble(p[2])) < 0)
			return parse_fail(pe, "app has a bad %%-escape");
		if ((ch = hi << 4 | lo) <= 0x20 || ch >= 0x7f)
			return parse_fail(pe, "app has a control or blank character");
		p += 3;
	}
	c->app[n] = '\0';
	return n > 0 ? PR_OK : parse_fail(pe, "app is empty");
}

/* Version 2: kind=ssh lines carry app=, kind=fido lines must not. */
static int parse_app_field(char *p, int version, struct pr_cred *c, struct parse_err *pe)
{
	char *eq;

	if (version < 2 || c->kind != PR_KIND_SSH) {
		if (p != NULL)
			return parse_fail(pe, "extra text after last_used");
		return version >= 2 || c->kind != PR_KIND_SSH ? PR_OK :
		    parse_fail(pe, "ssh credential in a version 1 file");
	}
	if (p == NULL)
		return parse_fail(pe, "missing field 'app'");
	if ((eq = strchr(p, '=')) == NULL || (size_t)(eq - p) != 3 ||
	    strncmp(p, "app", 3) != 0)
		return parse_fail(pe, "expected field 'app', found '%.32s'", p);
	if (strchr(eq + 1, ' ') != NULL)
		return parse_fail(pe, "extra text after app");
	return field_app(eq + 1, c, pe);
}

/* Parse one credential line (modified in place). */
static int parse_cred_line(char *line, int version, struct pr_cred *c,
    struct parse_err *pe)
{
	char *p = line, *tok, *eq;
	int r;

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < NFIELDS; i++) {
		if (p == NULL)
			return parse_fail(pe, "missing field '%s'", fields[i].key);
		tok = strsep(&p, " ");
		if ((eq = strchr(tok, '=')) == NULL)
			return parse_fail(pe, "expected '%s=...', found '%.32s'", fields[i].key, tok);
		*eq = '\0';
		if (strcmp(tok, fields[i].key) != 0)
			return parse_fail(pe, "expected field '%s', found '%.32s'", fields[i].key, tok);
		if ((r = fields[i].parse(eq + 1, c, pe)) != PR_OK)
			return r;
	}
	return parse_app_field(p, version, c, pe);
}

static int credlist_push(struct pr_credlist *l, struct pr_cred *c)
{
	struct pr_cred *v;

	if ((v = realloc(l->v, (l->n + 1) * sizeof(*v))) == NULL)
		return PR_ERR_NOMEM;
	l->v = v;
	l->v[l->n++] = *c;  /* takes ownership of c's buffers */
	memset(c, 0, sizeof(*c));
	return PR_OK;
}

/* Whole-buffer checks before any line is looked at. */
static int check_buffer(const char *buf, size_t len, struct parse_err *pe)
{
	const char *nul;
	int line = 1;

	if ((nul = memchr(buf, '\0', len)) != NULL) {
		for (const char *p = buf; p < nul; p++)
			line += *p == '\n';
		pe->line = line;
		return parse_fail(pe, "NUL byte in file");
	}
	if (len == 0) {
		pe->line = 1;
		return parse_fail(pe, "empty file (no header line)");
	}
	if (buf[len - 1] != '\n') {
		for (size_t i = 0; i < len; i++)
			line += buf[i] == '\n';
		pe->line = line;
		return parse_fail(pe, "last line has no newline (torn write?)");
	}
	return PR_OK;
}

static int check_header(const char *line, int *version, struct parse_err *pe)
{
	*version = strcmp(line, STORE_HEADER) == 0 ? 1 :
	    strcmp(line, STORE_HEADER_V2) == 0 ? 2 : 0;
	if (*version != 0)
		return PR_OK;
	if (strncmp(line, STORE_MAGIC, strlen(STORE_MAGIC)) == 0)
		return parse_fail(pe, "unsupported format version '%.16s'",
		    line + strlen(STORE_MAGIC));
	return parse_fail(pe, "missing header line '%s'", STORE_HEADER);
}

static int parse_lines(char *text, struct pr_credlist *out, struct parse_err *pe)
{
	struct pr_cred c = { 0 };
	char *p = text, *line;
	int r, version;

	pe->line = 1;
	line = strsep(&p, "\n");
	if ((r = check_header(line, &version, pe)) != PR_OK)
		return r;
	/* text ends in '\n', so the last strsep yields an empty remainder. */
	while (p != NULL && *p != '\0') {
		pe->line++;
		line = strsep(&p, "\n");
		if (out->n == PR_MAX_CREDS_PER_USER)
			return parse_fail(pe, "more than %d credentials", PR_MAX_CREDS_PER_USER);
		if ((r = parse_cred_line(line, version, &c, pe)) != PR_OK)
			goto out;
		if (pr_credlist_find(out, c.id, c.id_len) != NULL) {
			r = parse_fail(pe, "duplicate credential id");
			goto out;
		}
		if ((r = credlist_push(out, &c)) != PR_OK)
			goto out;
	}
	r = PR_OK;
out:
	pr_cred_clear(&c);
	return r;
}

static int parse_buffer(const char *buf, size_t len, struct pr_credlist *out,
    struct parse_err *pe)
{
	char *text = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	pe->line = 0;
	pe->reason[0] = '\0';
	if ((r = check_buffer(buf, len, pe)) != PR_OK)
		return r;
	if ((text = malloc(len + 1)) == NULL)
		return PR_ERR_NOMEM;
	memcpy(text, buf, len);
	text[len] = '\0';
	r = parse_lines(text, out, pe);
	free(text);
	if (r != PR_OK)
		pr_credlist_clear(out);
	return r;
}

int pr_store_parse(const char *buf, size_t len, struct pr_credlist *out,
    struct pr_errbuf *eb)
{
	struct parse_err pe;
	int r;

	if ((r = parse_buffer(buf, len, out, &pe)) == PR_ERR_CORRUPT)
		pr_fail_line(eb, pe.line, r, "%s", pe.reason);
	return r;
}

/* ---- writing ------------------------------------------------------------------ */

/* What the parser would refuse is never written. */
static bool cred_writable(const struct pr_cred *c)
{
	return c->id != NULL && c->id_len > 0 && c->id_len <= PR_CRED_ID_MAX &&
	    c->pubkey != NULL && c->pubkey_len > 0 && c->pubkey_len <= PR_PUBKEY_MAX &&
	    alg_supported(c->cose_alg) &&
	    (c->cls == PR_CLASS_PHYSICAL || c->cls == PR_CLASS_PASSKEY) &&
	    (c->kind == PR_KIND_FIDO || c->kind == PR_KIND_SSH) &&
	    memchr(c->fmt, '\0', sizeof(c->fmt)) != NULL && fmt_valid(c->fmt) &&
	    memchr(c->label, '\0', sizeof(c->label)) != NULL &&
	    memchr(c->app, '\0', sizeof(c->app)) != NULL &&
	    (c->kind == PR_KIND_SSH) == (c->app[0] != '\0') &&
	    c->created >= 0 && c->last_used >= 0;
}

static int format_cred(FILE *f, const struct pr_cred *c)
{
	char *id = NULL, *pk = NULL, aaguid[37];

	if ((id = pr_b64url_encode(c->id, c->id_len)) == NULL ||
	    (pk = malloc(2 * c->pubkey_len + 1)) == NULL) {
		free(id);
		return PR_ERR_NOMEM;
	}
	pr_hex_encode(c->pubkey, c->pubkey_len, pk);
	pr_aaguid_format(c->aaguid, aaguid);
	fprintf(f, "id=%s alg=%d pubkey=%s class=%s kind=%s aaguid=%s flags=%u "
	    "sign_count=%" PRIu32 " fmt=%s label=", id, c->cose_alg, pk,
	    class_word(c->cls), kind_word(c->kind), aaguid, (unsigned)c->flags,
	    c->sign_count, c->fmt);
	label_encode(f, c->label);
	fprintf(f, " created=%" PRId64 " last_used=%" PRId64, c->created,
	    c->last_used);
	if (c->kind == PR_KIND_SSH) {
		fputs(" app=", f);
		label_encode(f, c->app);
	}
	fputc('\n', f);
	free(id);
	free(pk);
	return PR_OK;
}

/* Version 1 while there is no SSH key, so older readers keep working. */
static bool any_ssh(const struct pr_credlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].kind == PR_KIND_SSH)
			return true;
	return false;
}

int pr_store_format(const struct pr_credlist *l, char **out, size_t *out_len)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	*out_len = 0;
	if (l->n > PR_MAX_CREDS_PER_USER)
		return PR_ERR_INVALID_ARG;
	for (size_t i = 0; i < l->n; i++)
		if (!cred_writable(&l->v[i]))
			return PR_ERR_INVALID_ARG;
	if ((f = open_memstream(&buf, &len)) == NULL)
		return PR_ERR_NOMEM;
	fprintf(f, "%s\n", any_ssh(l) ? STORE_HEADER_V2 : STORE_HEADER);
	r = PR_OK;
	for (size_t i = 0; i < l->n && r == PR_OK; i++)
		r = format_cred(f, &l->v[i]);
	if (r == PR_OK && ferror(f))
		r = PR_ERR_NOMEM;
	if (fclose(f) != 0 && r == PR_OK)
		r = PR_ERR_NOMEM;
	if (r != PR_OK) {
		free(buf);
		return r;
	}
	*out = buf;
	*out_len = len;
	return PR_OK;
}

/* ---- files ---------------------------------------------------------------------- */

/*
 * Read and parse the user's file; a missing file is an empty list. Keys an
 * administrator removed (store_revoked.c) are left out, whatever the file
 * says: a writer that committed what it read before the removal does not
 * bring them back. rv (may be NULL) keeps that list for the caller.
 */
static int store_read_user(struct pr_user_file *f, struct pr_credlist *out,
    struct pr_revoked *rv, struct pr_errbuf *eb)
{
	struct pr_revoked mine = { NULL, 0 };
	struct parse_err pe;
	char *buf = NULL;
	size_t len = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (rv == NULL)
		rv = &mine;
	if ((r = pr_revoked_load(f->state, f->user, rv, eb)) != PR_OK)
		return r;
	if ((r = pr_user_file_read(f, STORE_MAX_SIZE, &buf, &len, eb)) != PR_OK ||
	    buf == NULL)
		goto out;
	r = parse_buffer(buf, len, out, &pe);
	if (r == PR_ERR_CORRUPT)
		pr_fail_line(eb, pe.line, r, "%s:%d: %s", f->path, pe.line, pe.reason);
	else if (r != PR_OK)
		pr_fail(eb, r, "%s: %s", f->path, pr_strerror(r));
	else
		pr_revoked_filter(rv, out);
	free(buf);
out:
	pr_revoked_clear(&mine);
	return r;
}

int pr_store_load(struct pr_state *state, const char *user,
    struct pr_credlist *out, struct pr_errbuf *eb)
{
	struct pr_user_file f;
	int r;

	memset(out, 0, sizeof(*out));
	/*
	 * Readers take no lock: files are only ever replaced whole. No users/
	 * yet (nobody enrolled) reads as an empty list.
	 */
	if ((r = pr_user_file_open(&f, state, "users", user, NULL, false, eb)) == PR_OK)
		r = store_read_user(&f, out, NULL, eb);
	pr_user_file_close(&f);
	return r;
}

/*
 * With store = ldap the reader reads every user's credentials and revoked
 * list in one paged search when it opens (dir_scan.h), so a report over N
 * users is one search, not N + 1; then loads parse from that.
 */
struct pr_store_reader {
	struct pr_user_file f;
	bool directory;
	struct pr_dir_table table;
};

static int reader_scan(struct pr_store_reader *rd, struct pr_state *state,
    struct pr_errbuf *eb)
{
	static const char *const attrs[] = { "prCredential", "prRevoked" };
	struct pr_dir *d = NULL;
	int r;

	rd->directory = true;
	if ((r = pr_state_conn(state, &d, eb)) != PR_OK)
		return r;
	return pr_dir_scan(d, attrs, 2, &rd->table, eb);
}

/* One user's keys from the table read at open: parsed and filtered as a read of the entry is. */
static int reader_table_load(struct pr_store_reader *rd, const char *user,
    struct pr_credlist *out, struct pr_errbuf *eb)
{
	const struct pr_dir_row *row = pr_dir_table_find(&rd->table, user);
	struct pr_revoked rv = { NULL, 0 };
	struct parse_err pe;
	int r = PR_OK;

	if (row == NULL)
		return PR_OK;     /* no entry: no keys */
	if (row->val[1].val != NULL && (r = pr_revoked_from_text(row->val[1].val,
	    row->val[1].len, "the directory entry (prRevoked)", user, &rv, eb)) != PR_OK)
		return r;
	if (row->val[0].val == NULL)
		goto out;
	if (row->val[0].len > STORE_MAX_SIZE) {
		r = pr_fail(eb, PR_ERR_CORRUPT, "%s: larger than %d bytes", rd->f.path,
		    STORE_MAX_SIZE);
		goto out;
	}
	r = parse_buffer(row->val[0].val, row->val[0].len, out, &pe);
	if (r == PR_ERR_CORRUPT)
		pr_fail_line(eb, pe.line, r, "%s:%d: %s", rd->f.path, pe.line, pe.reason);
	else if (r != PR_OK)
		pr_fail(eb, r, "%s: %s", rd->f.path, pr_strerror(r));
	else
		pr_revoked_filter(&rv, out);
out:
	pr_revoked_clear(&rv);
	return r;
}

int pr_store_reader_open(struct pr_state *state, struct pr_store_reader **out,
    struct pr_errbuf *eb)
{
	struct pr_store_reader *rd;
	int r;

	if ((*out = rd = calloc(1, sizeof(*rd))) == NULL)
		return PR_ERR_NOMEM;
	/* Any valid name: only the directories are opened here. */
	if ((r = pr_user_file_open(&rd->f, state, "users", "root", NULL, false, eb)) == PR_OK &&
	    pr_state_directory(state))
		r = reader_scan(rd, state, eb);
	if (r != PR_OK)
		pr_store_reader_close(out);
	return r;
}

int pr_store_reader_load(struct pr_store_reader *rd, const char *user,
    struct pr_credlist *out, struct pr_errbuf *eb)
{
	struct pr_user_file *f = &rd->f;
	int n;

	memset(out, 0, sizeof(*out));
	if (!pr_username_valid(user))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "invalid user name");
	n = snprintf(f->path, sizeof(f->path), "%s/%s/%s", f->state_dir, f->subdir, user);
	if (n < 0 || (size_t)n >= sizeof(f->path))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "%s: path too long", f->state_dir);
	f->user = user;
	if (rd->directory) {
		snprintf(f->path, sizeof(f->path), "the directory entry of %s (prCredential)", user);
		return reader_table_load(rd, user, out, eb);
	}
	return store_read_user(f, out, NULL, eb);
}

void pr_store_reader_close(struct pr_store_reader **rd)
{
	if (rd == NULL || *rd == NULL)
		return;
	pr_user_file_close(&(*rd)->f);
	pr_dir_table_clear(&(*rd)->table);
	free(*rd);
	*rd = NULL;
}

/* What a change sees: the list, the file, and the keys an administrator removed. */
struct store_tx {
	struct pr_user_file f;
	struct pr_revoked rv;
};

typedef int (*store_mutator)(struct pr_credlist *l, const void *arg,
    struct store_tx *x, struct pr_errbuf *eb);

/*
 * Read-modify-write under the user's lock: the file is re-read after the
 * lock is taken, so concurrent writers serialise and lose nothing. A
 * mutator that fails leaves the file as it was.
 */
static int store_modify_once(struct pr_state *state, const char *user,
    store_mutator fn, const void *arg, struct pr_errbuf *eb)
{
	struct pr_credlist l = { NULL, 0 };
	struct store_tx x = { .rv = { NULL, 0 } };
	char *text = NULL;
	size_t len = 0;
	int r;

	if ((r = pr_user_file_open(&x.f, state, "users", user, STORE_LOCK, true, eb)) != PR_OK ||
	    (r = store_read_user(&x.f, &l, &x.rv, eb)) != PR_OK ||
	    (r = fn(&l, arg, &x, eb)) != PR_OK)
		goto out;
	if ((r = pr_store_format(&l, &text, &len)) != PR_OK) {
		pr_fail(eb, r, "%s: cannot serialise: %s", x.f.path, pr_strerror(r));
		goto out;
	}
	if ((r = pr_user_file_replace(&x.f, text, len, eb)) != PR_OK)
		goto out;
	r = PR_OK;
out:
	pr_user_file_close(&x.f);
	pr_revoked_clear(&x.rv);
	pr_credlist_clear(&l);
	free(text);
	return r;
}

/*
 * In the directory another host's change to the same keys makes the write
 * lose (PR_ERR_DIR_CONFLICT, nothing written). The change is then read and
 * judged again on the keys as they now are, as the files store's lock would
 * have had it wait: a sign-in, an enrollment or an undo is not refused for
 * a colleague's sign-in on another machine (doc/ARCHITECTURE.md §7.6). The
 * tries end with the lock's bound, so the web gate's parent waits no longer
 * here than for a lock.
 */
static int store_modify(struct pr_state *state, const char *user,
    store_mutator fn, const void *arg, struct pr_errbuf *eb)
{
	int64_t deadline = pr_monotonic_ms() + pr_lock_wait_ms();
	int r = PR_ERR_DIR_CONFLICT;

	for (int attempt = 0; attempt < PR_DIR_TRIES && r == PR_ERR_DIR_CONFLICT; attempt++) {
		if (attempt > 0) {
			if (pr_monotonic_ms() >= deadline)
				break;
			pr_dir_backoff(attempt - 1);
		}
		if (eb != NULL)
			*eb = (struct pr_errbuf){ .msg = "" };
		r = store_modify_once(state, user, fn, arg, eb);
	}
	return r;
}

/* Nothing to change: the write itself drops the removed keys from the file. */
static int mutate_none(struct pr_credlist *l, const void *arg, struct store_tx *x,
    struct pr_errbuf *eb)
{
	(void)l;
	(void)arg;
	(void)x;
	(void)eb;
	return PR_OK;
}

/*
 * The list may go only while the store lock is held: then no writer that
 * read the store before the removal is left to commit it (whoever held the
 * lock has finished or died), and the store as written here lacks the keys.
 * It goes only as it was read: a removal listed since stays listed.
 */
static int mutate_settle(struct pr_credlist *l, const void *arg, struct store_tx *x,
    struct pr_errbuf *eb)
{
	(void)l;
	(void)arg;
	return x->rv.text != NULL ? pr_revoked_forget(x->f.state, x->f.user, &x->rv, eb) : PR_OK;
}

int pr_store_settle_revoked(struct pr_state *state, const char *user, struct pr_errbuf *eb)
{
	struct pr_revoked rv = { NULL, 0 };
	int r;

	if ((r = pr_revoked_load(state, user, &rv, eb)) != PR_OK || rv.text == NULL) {
		pr_revoked_clear(&rv);
		return r;   /* nothing listed: nothing to wait for */
	}
	pr_revoked_clear(&rv);
	/* First the store without them (under the lock), then the list, still under it. */
	if ((r = store_modify(state, user, mutate_none, NULL, eb)) != PR_OK)
		return r;
	return store_modify(state, user, mutate_settle, NULL, eb);
}

static int mutate_add(struct pr_credlist *l, const void *arg, struct store_tx *x,
    struct pr_errbuf *eb)
{
	const struct pr_cred *c = arg;
	struct pr_cred copy;
	int r;

	if (pr_credlist_find(l, c->id, c->id_len) != NULL)
		return pr_fail(eb, PR_ERR_EXISTS, "%s: this credential is already enrolled",
		    x->f.path);
	/* Only an administrator's enrollment (after pr_store_settle_revoked) brings it back. */
	if (x->rv.text != NULL && pr_revoked_has(&x->rv, c->id, c->id_len))
		return pr_fail(eb, PR_ERR_PERM, "%s: an administrator removed this key; only "
		    "an administrator can enroll it again", x->f.path);
	if (l->n >= PR_MAX_CREDS_PER_USER)
		return pr_fail(eb, PR_ERR_INVALID_ARG,
		    "%s: already %d credentials, the most one user may have; remove one first",
		    x->f.path, PR_MAX_CREDS_PER_USER);
	if ((r = pr_cred_copy(&copy, c)) != PR_OK)
		return r;
	if ((r = credlist_push(l, &copy)) != PR_OK)
		pr_cred_clear(&copy);
	return r;
}

int pr_store_add(struct pr_state *state, const char *user,
    const struct pr_cred *c, struct pr_errbuf *eb)
{
	if (c == NULL || !cred_writable(c))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "credential has invalid fields");
	return store_modify(state, user, mutate_add, c, eb);
}

static bool keyid_valid(const char *keyid)
{
	if (keyid == NULL || strlen(keyid) != PR_KEYID_LEN)
		return false;
	for (size_t i = 0; i < PR_KEYID_LEN; i++)
		if (!((keyid[i] >= '0' && keyid[i] <= '9') || (keyid[i] >= 'a' && keyid[i] <= 'f')))
			return false;
	return true;
}

/* The one credential whose key id is keyid: *index, or an error naming the file. */
static int find_keyid(const struct pr_credlist *l, const char *keyid,
    struct pr_user_file *x, size_t *index, struct pr_errbuf *eb)
{
	char kid[PR_KEYID_LEN + 1];
	size_t matches = 0;

	*index = l->n;
	for (size_t i = 0; i < l->n; i++) {
		pr_keyid(l->v[i].id, l->v[i].id_len, kid);
		if (strcmp(kid, keyid) == 0) {
			*index = i;
			matches++;
		}
	}
	if (matches == 0)
		return pr_fail(eb, PR_ERR_NOT_FOUND, "%s: no key with id %s", x->path, keyid);
	if (matches > 1)  /* 48-bit collision: refuse rather than guess */
		return pr_fail(eb, PR_ERR_INVALID_ARG, "%s: key id %s is ambiguous", x->path, keyid);
	return PR_OK;
}

struct remove_arg {
	const char *keyid;
	pr_store_guard guard;
	void *guard_arg;
};

static int mutate_remove(struct pr_credlist *l, const void *arg, struct store_tx *x,
    struct pr_errbuf *eb)
{
	const struct remove_arg *a = arg;
	size_t found;
	int r;

	if ((r = find_keyid(l, a->keyid, &x->f, &found, eb)) != PR_OK)
		return r;
	/* The caller's rule, on the list as it is now, under the lock. */
	if (a->guard != NULL && (r = a->guard(l, found, a->guard_arg)) != PR_OK)
		return pr_fail(eb, r, "%s: removing key %s refused: %s", x->f.path, a->keyid,
		    pr_strerror(r));
	pr_cred_clear(&l->v[found]);
	memmove(&l->v[found], &l->v[found + 1], (l->n - found - 1) * sizeof(l->v[0]));
	l->n--;
	return PR_OK;
}

int pr_store_remove_if(struct pr_state *state, const char *user, const char *keyid,
    pr_store_guard guard, void *guard_arg, struct pr_errbuf *eb)
{
	struct remove_arg a = { keyid, guard, guard_arg };

	if (!keyid_valid(keyid))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "key id must be %d lower-case hex digits",
		    PR_KEYID_LEN);
	return store_modify(state, user, mutate_remove, &a, eb);
}

int pr_store_remove(struct pr_state *state, const char *user,
    const char *keyid, struct pr_errbuf *eb)
{
	return pr_store_remove_if(state, user, keyid, NULL, NULL, eb);
}

struct rename_arg {
	const char *keyid;
	const char *label;
};

static int mutate_rename(struct pr_credlist *l, const void *arg, struct store_tx *x,
    struct pr_errbuf *eb)
{
	const struct rename_arg *a = arg;
	size_t found;
	int r;

	if ((r = find_keyid(l, a->keyid, &x->f, &found, eb)) != PR_OK)
		return r;
	memcpy(l->v[found].label, a->label, strlen(a->label) + 1);
	return PR_OK;
}

int pr_store_rename(struct pr_state *state, const char *user, const char *keyid,
    const char *label, struct pr_errbuf *eb)
{
	struct rename_arg a = { keyid, label };

	if (!keyid_valid(keyid))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "key id must be %d lower-case hex digits",
		    PR_KEYID_LEN);
	if (label == NULL || strlen(label) > PR_LABEL_MAX)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "a label is at most %d bytes",
		    PR_LABEL_MAX);
	return store_modify(state, user, mutate_rename, &a, eb);
}

struct use_arg {
	const unsigned char *id;
	size_t id_len;
	uint32_t new_count;
	int64_t now;
};

static int mutate_use(struct pr_credlist *l, const void *arg, struct store_tx *x,
    struct pr_errbuf *eb)
{
	const struct use_arg *u = arg;
	struct pr_cred *c = (struct pr_cred *)pr_credlist_find(l, u->id, u->id_len);

	if (c == NULL)
		return pr_fail(eb, PR_ERR_NOT_FOUND, "%s: credential is not enrolled", x->f.path);
	/* A counter that stops growing (or drops to 0 once used) means a cloned key. */
	if (!pr_cred_counter_grows(c->sign_count, u->new_count))
		return pr_fail(eb, PR_ERR_COUNTER,
		    "%s: sign counter %" PRIu32 " is not above the stored %" PRIu32
		    " (possible cloned key)", x->f.path, u->new_count, c->sign_count);
	c->sign_count = u->new_count;
	c->last_used = u->now;
	return PR_OK;
}

int pr_store_record_use(struct pr_state *state, const char *user,
    const unsigned char *id, size_t id_len, uint32_t new_count, int64_t now,
    struct pr_errbuf *eb)
{
	struct use_arg u = { id, id_len, new_count, now };

	if (id == NULL || id_len == 0 || id_len > PR_CRED_ID_MAX || now < 0)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "invalid credential id or time");
	return store_modify(state, user, mutate_use, &u, eb);
}
