/*
 * SSH_AUTH_INFO_0 (sshauthinfo.h): a strict parser of what sshd says about
 * the methods that succeeded. Every line must end in a newline; names use
 * a small alphabet; a key is canonical base64 whose blob names the same
 * type as the line; a publickey step carries nothing after its key but
 * OpenSSH's "signature count = N". Other methods' text is kept out of the
 * result (it is not ours to interpret) but may hold no control characters.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "sshauthinfo.h"
#include "sshkey.h"

#define COUNT_PREFIX "signature count = "

static int bad(struct pr_errbuf *eb, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(struct pr_errbuf *eb, size_t line, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return pr_fail_line(eb, (int)line, PR_ERR_CORRUPT, "SSH_AUTH_INFO_0 line %zu: %s", line,
	    msg);
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '@';
}

/* A name of name_chars at *p, up to stop (or the end); copied into out. */
static bool take_name(const char **p, const char *end, char stop,
    char out[PR_SSHAUTH_NAME_MAX + 1])
{
	size_t n = 0;

	while (*p < end && **p != stop && name_char(**p)) {
		if (n == PR_SSHAUTH_NAME_MAX)
			return false;
		out[n++] = *(*p)++;
	}
	out[n] = '\0';
	return n > 0;
}

/* METHOD[/SUBMETHOD]: both names, at most PR_SSHAUTH_NAME_MAX in all. */
static bool take_method(const char **p, const char *end, char out[PR_SSHAUTH_NAME_MAX + 1])
{
	char sub[PR_SSHAUTH_NAME_MAX + 1];
	size_t n;

	if (!take_name(p, end, '/', out))
		return false;
	if (*p == end || **p != '/')
		return true;
	(*p)++;
	if (!take_name(p, end, ' ', sub))
		return false;
	n = strlen(out);
	if (n + 1 + strlen(sub) > PR_SSHAUTH_NAME_MAX)
		return false;
	out[n] = '/';
	memcpy(out + n + 1, sub, strlen(sub) + 1);
	return true;
}

static bool method_is(const char *method, const char *name)
{
	size_t n = strlen(name);

	return strncmp(method, name, n) == 0 && (method[n] == '\0' || method[n] == '/');
}

bool pr_sshauth_is_publickey(const struct pr_sshauth_step *step)
{
	return step != NULL && method_is(step->method, "publickey");
}

/* " KEYTYPE BASE64": the key, whose blob must name the same type. */
static int take_key(const char **p, const char *end, struct pr_sshauth_step *st,
    size_t line, struct pr_errbuf *eb)
{
	const char *b64, *type;
	size_t type_len;
	int r;

	if (*p == end || **p != ' ')
		return bad(eb, line, "%s step without a key", st->method);
	(*p)++;
	if (!take_name(p, end, ' ', st->key_type) || *p == end || **p != ' ')
		return bad(eb, line, "malformed key type");
	b64 = ++(*p);
	while (*p < end && **p != ' ')
		(*p)++;
	if ((r = pr_ssh_b64_decode(b64, (size_t)(*p - b64), &st->blob, &st->blob_len)) ==
	    PR_ERR_NOMEM)
		return r;
	if (r != PR_OK)
		return bad(eb, line, "key is not canonical base64");
	if (pr_ssh_blob_type(st->blob, st->blob_len, &type, &type_len) != PR_OK ||
	    type_len != strlen(st->key_type) || memcmp(type, st->key_type, type_len) != 0)
		return bad(eb, line, "key blob does not match its type %s",
		    st->key_type);
	return PR_OK;
}

/* " signature count = N" (decimal, no leading zeros, at most UINT32_MAX). */
static bool take_count(const char *p, const char *end, uint32_t *count)
{
	const size_t plen = strlen(" " COUNT_PREFIX);
	uint64_t v = 0;

	if ((size_t)(end - p) <= plen || memcmp(p, " " COUNT_PREFIX, plen) != 0)
		return false;
	p += plen;
	if (*p == '0' && end - p > 1)
		return false;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*count = (uint32_t)v;
	return true;
}

/* Text we do not interpret: no control characters. */
static bool text_ok(const char *p, const char *end)
{
	for (; p < end; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* One line [p, end) (without its newline). */
static int parse_line(const char *p, const char *end, struct pr_sshauth_step *st,
    size_t line, struct pr_errbuf *eb)
{
	int r;

	if (!take_method(&p, end, st->method) || (p < end && *p != ' '))
		return bad(eb, line, "malformed method name");
	if (method_is(st->method, "publickey") || method_is(st->method, "hostbased")) {
		if ((r = take_key(&p, end, st, line, eb)) != PR_OK)
			return r;
	}
	if (p == end)
		return PR_OK;
	if (pr_sshauth_is_publickey(st)) {
		if (!take_count(p, end, &st->sign_count))
			return bad(eb, line, "unexpected text after the key");
		st->has_count = true;
		return PR_OK;
	}
	if (!text_ok(p, end))
		return bad(eb, line, "control character");
	return PR_OK;
}

static size_t count_lines(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n';
	return n;
}

int pr_sshauth_parse(const char *s, size_t len, struct pr_sshauth *out,
    struct pr_errbuf *eb)
{
	const char *p, *nl, *end;
	size_t lines;
	int r;

	memset(out, 0, sizeof(*out));
	if (s == NULL || len > PR_SSHAUTH_MAX || memchr(s, '\0', len) != NULL)
		return bad(eb, 0, "missing, too long or holds a NUL");
	if (len == 0)
		return PR_OK;
	if (s[len - 1] != '\n')
		return bad(eb, count_lines(s, len) + 1, "not ended by a newline");
	if ((lines = count_lines(s, len)) > PR_SSHAUTH_STEPS_MAX)
		return bad(eb, lines, "more than %d steps", PR_SSHAUTH_STEPS_MAX);
	if ((out->v = calloc(lines, sizeof(*out->v))) == NULL)
		return PR_ERR_NOMEM;
	for (p = s, end = s + len; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		r = parse_line(p, nl, &out->v[out->n], out->n + 1, eb);
		out->n++;
		if (r != PR_OK) {
			pr_sshauth_clear(out);
			return r;
		}
	}
	return PR_OK;
}

void pr_sshauth_clear(struct pr_sshauth *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i].blob);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}
