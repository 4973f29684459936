/*
 * The web gate's verifier protocol (wa_proto.h). Fields are found through
 * one table saying, per op, which keys are required and which allowed,
 * and each value's bound, so the parser has one path for every key.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cred.h"
#include "textfmt.h"
#include "types.h"
#include "util.h"
#include "wa_bounds.h"
#include "wa_clientdata.h"
#include "wa_proto.h"

#define REQ_HEADER "practicerunner-webauthn 1"
#define OP(o) (1u << (o))
#define GET OP(PR_WA_OP_GET)
#define CREATE OP(PR_WA_OP_CREATE)
#define ENROLL OP(PR_WA_OP_ENROLL)
#define APPROVE OP(PR_WA_OP_APPROVE)
#define PENDING (OP(PR_WA_OP_OPTIONS) | GET | CREATE | ENROLL)
#define ALL (PENDING | APPROVE)

static const char *const op_names[] = { "options", "get", "create", "enroll", "approve" };
#define N_OPS (sizeof(op_names) / sizeof(op_names[0]))

enum field_kind { F_PENDING, F_TEXT, F_BLOB };

static const struct field {
	const char *key;
	enum field_kind kind;
	size_t offset;          /* into struct pr_wa_req */
	size_t max;             /* decoded bytes (blobs) or characters */
	unsigned required;      /* ops that must give it */
	unsigned allowed;       /* ops that may give it */
} fields[] = {
	{ "pending", F_PENDING, offsetof(struct pr_wa_req, pending), PR_WA_PENDING_HEX, PENDING,
	    PENDING },
	{ "user", F_TEXT, offsetof(struct pr_wa_req, user), PR_WA_NAME_MAX, APPROVE, APPROVE },
	{ "invitation", F_TEXT, offsetof(struct pr_wa_req, invitation), PR_WA_TEXT_MAX, ENROLL,
	    ENROLL },
	{ "rhost", F_TEXT, offsetof(struct pr_wa_req, rhost), PR_WA_TEXT_MAX, ALL, ALL },
	{ "user_agent", F_TEXT, offsetof(struct pr_wa_req, user_agent), PR_WA_TEXT_MAX, ALL, ALL },
	{ "client_data", F_BLOB, offsetof(struct pr_wa_req, client_data), PR_WA_CDJ_MAX,
	    GET | CREATE, GET | CREATE },
	{ "credential", F_BLOB, offsetof(struct pr_wa_req, credential), PR_CRED_ID_MAX, GET, GET },
	{ "authenticator_data", F_BLOB, offsetof(struct pr_wa_req, authenticator_data),
	    PR_WA_AUTHDATA_MAX, GET, GET },
	{ "signature", F_BLOB, offsetof(struct pr_wa_req, signature), PR_WA_SIG_MAX, GET, GET },
	{ "user_handle", F_BLOB, offsetof(struct pr_wa_req, user_handle), PR_WA_USER_HANDLE_MAX,
	    0, GET },
	{ "attestation", F_BLOB, offsetof(struct pr_wa_req, attestation), PR_WA_ATTOBJ_MAX,
	    CREATE, CREATE },
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

static bool text_ok(const char *s, size_t max)
{
	size_t n = 0;

	for (; *s != '\0'; s++, n++)
		if (*s < 0x20 || *s > 0x7e || *s == '=')
			return false;
	return n <= max;
}

static bool pending_ok(const char *s)
{
	return strlen(s) == PR_WA_PENDING_HEX &&
	    strspn(s, "0123456789abcdef") == PR_WA_PENDING_HEX;
}

static bool b64url_ok(const char *s, size_t max_bytes)
{
	size_t n = strlen(s);

	/* Unpadded base64url only: 4n/3 characters at most, never 1 mod 4. */
	return n % 4 != 1 && n <= (max_bytes * 4 + 2) / 3 &&
	    s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")] == '\0';
}

static int blob_set(const char *v, size_t max, struct pr_wa_blob *b)
{
	if (!b64url_ok(v, max))
		return PR_ERR_CORRUPT;
	b->given = true;
	if (*v == '\0')
		return PR_OK;
	if (pr_b64url_decode(v, &b->p, &b->len) != PR_OK || b->len > max) {
		free(b->p);
		b->p = NULL;
		b->len = 0;
		return PR_ERR_CORRUPT;
	}
	return PR_OK;
}

static int field_set(const struct field *f, const char *v, struct pr_wa_req *q)
{
	void *at = (char *)q + f->offset;

	switch (f->kind) {
	case F_PENDING:
		if (!pending_ok(v))
			return PR_ERR_CORRUPT;
		memcpy(at, v, PR_WA_PENDING_HEX + 1);
		return PR_OK;
	case F_TEXT:
		if (!text_ok(v, f->max))
			return PR_ERR_CORRUPT;
		snprintf(at, f->max + 1, "%s", v);
		return PR_OK;
	case F_BLOB:
		return blob_set(v, f->max, at);
	}
	return PR_ERR_CORRUPT;
}

static const struct field *field_find(const char *key)
{
	for (size_t i = 0; i < N_FIELDS; i++)
		if (strcmp(fields[i].key, key) == 0)
			return &fields[i];
	return NULL;
}

static int op_parse(const char *v, enum pr_wa_op *op)
{
	for (unsigned i = 0; i < N_OPS; i++)
		if (strcmp(v, op_names[i]) == 0) {
			*op = (enum pr_wa_op)i;
			return PR_OK;
		}
	return PR_ERR_CORRUPT;
}

/* One "key=value" line (NUL-terminated, no newline). seen: bit per field, bit 31 for op. */
static int line_parse(char *line, struct pr_wa_req *q, uint32_t *seen)
{
	char *eq = strchr(line, '=');
	const struct field *f;
	uint32_t bit;

	if (eq == NULL)
		return PR_ERR_CORRUPT;
	*eq = '\0';
	if (strcmp(line, "op") == 0) {
		if ((*seen & (1u << 31)) != 0)
			return PR_ERR_CORRUPT;
		*seen |= 1u << 31;
		return op_parse(eq + 1, &q->op);
	}
	if ((f = field_find(line)) == NULL)
		return PR_ERR_CORRUPT;
	bit = 1u << (f - fields);
	if ((*seen & bit) != 0)
		return PR_ERR_CORRUPT;
	*seen |= bit;
	return field_set(f, eq + 1, q);
}

/* The op was given, and every field it needs and none it does not take. */
static bool fields_fit_op(const struct pr_wa_req *q, uint32_t seen)
{
	if ((seen & (1u << 31)) == 0)
		return false;
	for (size_t i = 0; i < N_FIELDS; i++) {
		bool given = (seen & (1u << i)) != 0;
		if (given && (fields[i].allowed & OP(q->op)) == 0)
			return false;
		if (!given && (fields[i].required & OP(q->op)) != 0)
			return false;
	}
	return true;
}

struct parse_state {
	struct pr_wa_req *q;
	uint32_t seen;
};

static int one_line(char *line, void *arg)
{
	struct parse_state *st = arg;

	return line_parse(line, st->q, &st->seen);
}

/* Lines of buf (a private, NUL-terminated copy) up to the empty line that ends it. */
static int lines_parse(char *buf, size_t len, struct pr_wa_req *q)
{
	struct parse_state st = { q, 0 };

	if (pr_parse_request_lines(buf, len, REQ_HEADER, one_line, &st) != PR_OK)
		return PR_ERR_CORRUPT;
	return fields_fit_op(q, st.seen) ? PR_OK : PR_ERR_CORRUPT;
}

int pr_wa_req_parse(const char *text, size_t len, struct pr_wa_req *q, struct pr_errbuf *eb)
{
	char *buf = NULL;
	int r;

	memset(q, 0, sizeof(*q));
	if (text == NULL || len == 0 || len > PR_WA_REQ_MAX || memchr(text, '\0', len) != NULL)
		return pr_fail(eb, PR_ERR_CORRUPT, "web gate request empty, too long or binary");
	if ((buf = malloc(len + 1)) == NULL)
		return pr_fail(eb, PR_ERR_NOMEM, "out of memory");
	memcpy(buf, text, len);
	buf[len] = '\0';
	r = lines_parse(buf, len, q);
	/* The copy holds what q holds, the invitation included: wiped as q is. */
	explicit_bzero(buf, len + 1);
	free(buf);
	if (r != PR_OK) {
		pr_wa_req_clear(q);
		return pr_fail(eb, r, "malformed web gate request");
	}
	return PR_OK;
}

/* ---- formatting ------------------------------------------------------------------- */

struct out {
	char *p;
	size_t len, cap;
	bool failed;
};

static void put(struct out *o, const char *key, const char *value)
{
	size_t need = strlen(key) + strlen(value) + 2;

	if (o->failed || o->len + need > o->cap) {
		o->failed = true;
		return;
	}
	o->len += (size_t)snprintf(o->p + o->len, o->cap - o->len + 1, "%s%s%s\n", key,
	    *key != '\0' ? "=" : "", value);
}

static void put_field(struct out *o, const struct field *f, const struct pr_wa_req *q)
{
	const void *at = (const char *)q + f->offset;
	const struct pr_wa_blob *b = at;
	char *enc = NULL;

	if (f->kind != F_BLOB) {
		if (f->kind == F_PENDING ? !pending_ok(at) : !text_ok(at, f->max))
			o->failed = true;
		put(o, f->key, at);
		return;
	}
	if (!b->given)
		return;
	if (b->len > f->max || (enc = pr_b64url_encode(b->p, b->len)) == NULL) {
		o->failed = true;
		return;
	}
	put(o, f->key, enc);
	explicit_bzero(enc, strlen(enc));
	free(enc);
}

int pr_wa_req_format(const struct pr_wa_req *q, char **out, size_t *len)
{
	struct out o = { .cap = PR_WA_REQ_MAX };

	*out = NULL;
	*len = 0;
	if ((unsigned)q->op >= N_OPS)
		return PR_ERR_INVALID_ARG;
	if ((o.p = malloc(o.cap + 1)) == NULL)
		return PR_ERR_NOMEM;
	put(&o, "", REQ_HEADER);
	put(&o, "op", op_names[q->op]);
	for (size_t i = 0; i < N_FIELDS; i++) {
		const struct pr_wa_blob *b = (const void *)((const char *)q + fields[i].offset);
		/* A text field is sent for the ops that take it, a blob when given. */
		bool given = fields[i].kind != F_BLOB ? (fields[i].allowed & OP(q->op)) != 0 :
		    b->given;
		if (given && (fields[i].allowed & OP(q->op)) == 0)
			o.failed = true;
		else if (!given && (fields[i].required & OP(q->op)) != 0)
			o.failed = true;
		else if (given)
			put_field(&o, &fields[i], q);
	}
	put(&o, "", "");
	if (o.failed) {
		/* It may already hold the invitation (the caller wipes the text it is given). */
		explicit_bzero(o.p, o.cap + 1);
		free(o.p);
		return PR_ERR_INVALID_ARG;
	}
	*out = o.p;
	*len = o.len;
	return PR_OK;
}

static void blob_clear(struct pr_wa_blob *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void pr_wa_req_clear(struct pr_wa_req *q)
{
	if (q == NULL)
		return;
	blob_clear(&q->client_data);
	blob_clear(&q->credential);
	blob_clear(&q->authenticator_data);
	blob_clear(&q->signature);
	blob_clear(&q->user_handle);
	blob_clear(&q->attestation);
	explicit_bzero(q, sizeof(*q));
}

/* ---- the result line ---------------------------------------------------------------- */

int pr_wa_result_format(const struct pr_wa_result *r, char *buf, size_t size)
{
	int n = snprintf(buf, size, "result %s class=%s flags=0x%02x sign_count=%lu\n",
	    r->err == PR_OK ? "ok" : pr_err_reason(r->err),
	    r->cls < 0 ? "-" : pr_class_name((enum pr_class)r->cls), (unsigned)r->flags,
	    (unsigned long)r->sign_count);

	return n < 0 || (size_t)n >= size ? PR_ERR_INVALID_ARG : PR_OK;
}

int pr_wa_result_parse(const char *line, struct pr_wa_result *r, struct pr_errbuf *eb)
{
	char reason[64], cls[16], count[16], tail;
	unsigned flags;
	int64_t n = 0;
	enum pr_class c = PR_CLASS_PASSKEY;

	memset(r, 0, sizeof(*r));
	r->err = PR_ERR_IO;
	r->cls = -1;
	if (sscanf(line, "result %63s class=%15s flags=0x%2x sign_count=%15s%c", reason, cls,
	    &flags, count, &tail) != 4 || flags > 0xff ||
	    (strcmp(cls, "-") != 0 && pr_class_parse(cls, &c) != 0) ||
	    !pr_parse_uint(count, UINT32_MAX, &n))
		return pr_fail(eb, PR_ERR_CORRUPT, "malformed result from the WebAuthn verifier");
	r->err = pr_err_from_reason(reason);
	r->cls = strcmp(cls, "-") == 0 ? -1 : (int)c;
	r->flags = (uint8_t)flags;
	r->sign_count = (uint32_t)n;
	return PR_OK;
}
