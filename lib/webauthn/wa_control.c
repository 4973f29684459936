/*
 * The web gate's control protocol (wa_control.h). One table says, per op,
 * which keys are required, so the parser has one path for every key, as
 * wa_proto.c does for the verifier's protocol.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textfmt.h"
#include "util.h"
#include "wa_control.h"

#define REQ_HEADER "practicerunner-pending 1"
#define OP_SEEN (1u << 31)
#define ON(o) (1u << (o))

static const char *const op_names[] = { "create", "wait" };

enum kind { K_NAME, K_RHOST, K_LIFETIME, K_PENDING };

static const struct key {
	const char *name;
	enum kind kind;
	unsigned ops;          /* the ops that require it (and the only ones that take it) */
} keys[] = {
	{ "user", K_NAME, ON(PR_WC_CREATE) },
	{ "service", K_NAME, ON(PR_WC_CREATE) },
	{ "rhost", K_RHOST, ON(PR_WC_CREATE) },
	{ "lifetime", K_LIFETIME, ON(PR_WC_CREATE) },
	{ "pending", K_PENDING, ON(PR_WC_WAIT) },
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* Names: what a user or service name may hold in a record or a file name. */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= PR_WC_NAME_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@") == n &&
	    s[0] != '-';
}

/* An address as OpenVPN writes untrusted_ip: IPv4 dotted or IPv6 hex with colons. */
static bool rhost_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= PR_WC_RHOST_MAX && strspn(s, "0123456789abcdefABCDEF.:") == n;
}

static bool hex_ok(const char *s)
{
	return strlen(s) == PR_WC_HEX && strspn(s, "0123456789abcdef") == PR_WC_HEX;
}

static int key_set(const struct key *k, const char *v, struct pr_wc_req *q)
{
	int64_t n = 0;

	switch (k->kind) {
	case K_NAME:
		if (!name_ok(v))
			return PR_ERR_CORRUPT;
		snprintf(strcmp(k->name, "user") == 0 ? q->user : q->service, PR_WC_NAME_MAX + 1,
		    "%s", v);
		return PR_OK;
	case K_RHOST:
		if (!rhost_ok(v))
			return PR_ERR_CORRUPT;
		snprintf(q->rhost, sizeof(q->rhost), "%s", v);
		return PR_OK;
	case K_LIFETIME:
		if (!pr_parse_uint(v, PR_WC_LIFETIME_MAX, &n) || n == 0)
			return PR_ERR_CORRUPT;
		q->lifetime = (long)n;
		return PR_OK;
	case K_PENDING:
		if (!hex_ok(v))
			return PR_ERR_CORRUPT;
		memcpy(q->pending, v, PR_WC_HEX + 1);
		return PR_OK;
	}
	return PR_ERR_CORRUPT;
}

static int op_parse(const char *v, enum pr_wc_op *op)
{
	for (unsigned i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
		if (strcmp(v, op_names[i]) == 0) {
			*op = (enum pr_wc_op)i;
			return PR_OK;
		}
	return PR_ERR_CORRUPT;
}

/* One "key=value" line; seen: a bit per key, OP_SEEN for op. */
static int line_parse(char *line, struct pr_wc_req *q, uint32_t *seen)
{
	char *eq = strchr(line, '=');

	if (eq == NULL)
		return PR_ERR_CORRUPT;
	*eq = '\0';
	if (strcmp(line, "op") == 0) {
		if ((*seen & OP_SEEN) != 0)
			return PR_ERR_CORRUPT;
		*seen |= OP_SEEN;
		return op_parse(eq + 1, &q->op);
	}
	for (size_t i = 0; i < N_KEYS; i++) {
		if (strcmp(keys[i].name, line) != 0)
			continue;
		if ((*seen & (1u << i)) != 0)
			return PR_ERR_CORRUPT;
		*seen |= 1u << i;
		return key_set(&keys[i], eq + 1, q);
	}
	return PR_ERR_CORRUPT;
}

static bool keys_fit_op(const struct pr_wc_req *q, uint32_t seen)
{
	if ((seen & OP_SEEN) == 0)
		return false;
	for (size_t i = 0; i < N_KEYS; i++)
		if (((seen & (1u << i)) != 0) != ((keys[i].ops & ON(q->op)) != 0))
			return false;
	return true;
}

/* buf: a private NUL-terminated copy of len bytes. */
static int lines_parse(char *buf, size_t len, struct pr_wc_req *q)
{
	char *line = buf, *nl;
	uint32_t seen = 0;

	if ((nl = memchr(line, '\n', len)) == NULL)
		return PR_ERR_CORRUPT;
	*nl = '\0';
	if (strcmp(line, REQ_HEADER) != 0)
		return PR_ERR_CORRUPT;
	for (line = nl + 1; (size_t)(line - buf) < len; line = nl + 1) {
		if ((nl = memchr(line, '\n', len - (size_t)(line - buf))) == NULL)
			return PR_ERR_CORRUPT;
		*nl = '\0';
		if (*line == '\0')
			return (size_t)(nl + 1 - buf) == len && keys_fit_op(q, seen) ?
			    PR_OK : PR_ERR_CORRUPT;
		if (line_parse(line, q, &seen) != PR_OK)
			return PR_ERR_CORRUPT;
	}
	return PR_ERR_CORRUPT;
}

int pr_wc_req_parse(const char *text, size_t len, struct pr_wc_req *q, struct pr_errbuf *eb)
{
	char buf[PR_WC_REQ_MAX + 1];
	int r;

	memset(q, 0, sizeof(*q));
	if (text == NULL || len == 0 || len > PR_WC_REQ_MAX || memchr(text, '\0', len) != NULL)
		return pr_fail(eb, PR_ERR_CORRUPT, "control request empty, too long or binary");
	memcpy(buf, text, len);
	buf[len] = '\0';
	if ((r = lines_parse(buf, len, q)) != PR_OK) {
		memset(q, 0, sizeof(*q));
		return pr_fail(eb, r, "malformed control request");
	}
	return PR_OK;
}

int pr_wc_req_format(const struct pr_wc_req *q, char *buf, size_t size)
{
	int n;

	if (q->op == PR_WC_CREATE) {
		if (!name_ok(q->user) || !name_ok(q->service) || !rhost_ok(q->rhost) ||
		    q->lifetime <= 0 || q->lifetime > PR_WC_LIFETIME_MAX)
			return PR_ERR_INVALID_ARG;
		n = snprintf(buf, size, "%s\nop=create\nuser=%s\nservice=%s\nrhost=%s\n"
		    "lifetime=%ld\n\n", REQ_HEADER, q->user, q->service, q->rhost, q->lifetime);
	} else if (q->op == PR_WC_WAIT) {
		if (!hex_ok(q->pending))
			return PR_ERR_INVALID_ARG;
		n = snprintf(buf, size, "%s\nop=wait\npending=%s\n\n", REQ_HEADER, q->pending);
	} else
		return PR_ERR_INVALID_ARG;
	return n < 0 || (size_t)n >= size ? PR_ERR_INVALID_ARG : PR_OK;
}

/* ---- answers ------------------------------------------------------------------------ */

/* A URL as the gate makes it: printable ASCII, no space. */
static bool url_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > PR_WC_URL_MAX || strncmp(s, "https://", 8) != 0)
		return false;
	for (; *s != '\0'; s++)
		if (*s <= 0x20 || *s >= 0x7f)
			return false;
	return true;
}

static bool cls_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 16 && strspn(s, "abcdefghijklmnopqrstuvwxyz-") == n;
}

int pr_wc_answer_format(const struct pr_wc_answer *a, char *buf, size_t size)
{
	int n;

	if (a->pending[0] != '\0') {
		if (a->err != PR_OK || !hex_ok(a->pending) || !url_ok(a->url))
			return PR_ERR_INVALID_ARG;
		n = snprintf(buf, size, "pending %s %s\n", a->pending, a->url);
	} else if (a->err == PR_OK) {
		if (!name_ok(a->user) || a->aal < 1 || a->aal > 3 || !cls_ok(a->cls))
			return PR_ERR_INVALID_ARG;
		n = snprintf(buf, size, "result ok user=%s aal=%d class=%s\n", a->user, a->aal,
		    a->cls);
	} else
		n = snprintf(buf, size, "result %s\n", pr_err_reason(a->err));
	return n < 0 || (size_t)n >= size ? PR_ERR_INVALID_ARG : PR_OK;
}

static int ok_parse(const char *rest, struct pr_wc_answer *a)
{
	char user[PR_WC_NAME_MAX + 2], cls[17], tail;
	int aal;

	/* %65s and %16s: one more than allowed, so an overlong value is seen. */
	if (sscanf(rest, "user=%65s aal=%d class=%16s%c", user, &aal, cls, &tail) != 3 ||
	    !name_ok(user) || aal < 1 || aal > 3 || !cls_ok(cls))
		return PR_ERR_CORRUPT;
	snprintf(a->user, sizeof(a->user), "%s", user);
	snprintf(a->cls, sizeof(a->cls), "%s", cls);
	a->aal = aal;
	return PR_OK;
}

static int pending_parse(const char *rest, struct pr_wc_answer *a)
{
	const char *sp = strchr(rest, ' ');

	if (sp == NULL || (size_t)(sp - rest) != PR_WC_HEX)
		return PR_ERR_CORRUPT;
	memcpy(a->pending, rest, PR_WC_HEX);
	a->pending[PR_WC_HEX] = '\0';
	if (!hex_ok(a->pending) || !url_ok(sp + 1))
		return PR_ERR_CORRUPT;
	snprintf(a->url, sizeof(a->url), "%s", sp + 1);
	return PR_OK;
}

static int result_parse(const char *rest, struct pr_wc_answer *a)
{
	const char *sp = strchr(rest, ' ');
	char reason[48];
	size_t n = sp != NULL ? (size_t)(sp - rest) : strlen(rest);

	if (n == 0 || n >= sizeof(reason))
		return PR_ERR_CORRUPT;
	memcpy(reason, rest, n);
	reason[n] = '\0';
	if (strcmp(reason, "ok") == 0)
		return sp != NULL ? ok_parse(sp + 1, a) : PR_ERR_CORRUPT;
	/* A refusal is its token alone, and one we know. */
	if (sp != NULL || (a->err = pr_err_from_reason(reason)) == PR_OK ||
	    strcmp(pr_err_reason(a->err), reason) != 0)
		return PR_ERR_CORRUPT;
	return PR_OK;
}

int pr_wc_answer_parse(const char *line, struct pr_wc_answer *a, struct pr_errbuf *eb)
{
	int r = PR_ERR_CORRUPT;

	memset(a, 0, sizeof(*a));
	a->err = PR_ERR_IO;
	if (line != NULL && strncmp(line, "pending ", 8) == 0) {
		a->err = PR_OK;
		r = pending_parse(line + 8, a);
	} else if (line != NULL && strncmp(line, "result ", 7) == 0) {
		a->err = PR_OK;
		r = result_parse(line + 7, a);
	}
	if (r != PR_OK) {
		memset(a, 0, sizeof(*a));
		a->err = PR_ERR_IO;
		return pr_fail(eb, PR_ERR_CORRUPT, "malformed answer from the web gate");
	}
	return PR_OK;
}
