/*
 * Small text-parsing helpers shared by the strict state-file parsers, and
 * the generator of the Crockford base32 secrets they read back.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "textfmt.h"
#include "util.h"

#define CROCKFORD_INPUT_MAX 256            /* longer input is not a code or token */
#define RANDOM_CHUNK 32                    /* random bytes drawn at a time */

const char pr_crockford_alphabet[33] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/*
 * One random byte per character, its low 5 bits: 256 is a multiple of 32,
 * so every character is equally likely and each carries 5 bits.
 */
int pr_crockford_random(size_t chars, size_t group, char **out, char *canon)
{
	unsigned char rnd[RANDOM_CHUNK];
	size_t len = chars + (chars > 0 ? (chars - 1) / group : 0);
	char *t = NULL;
	size_t o = 0;
	int r;

	*out = NULL;
	if ((t = malloc(len + 1)) == NULL)
		return PR_ERR_NOMEM;
	for (size_t i = 0; i < chars; i++) {
		size_t k = i % RANDOM_CHUNK;

		if (k == 0 && (r = pr_random(rnd, sizeof(rnd))) != PR_OK) {
			pr_secret_free(&t, len + 1);
			if (canon != NULL)
				explicit_bzero(canon, chars + 1);
			return r;
		}
		if (i > 0 && i % group == 0)
			t[o++] = '-';
		t[o++] = pr_crockford_alphabet[rnd[k] & 0x1f];
		if (canon != NULL)
			canon[i] = t[o - 1];
	}
	t[o] = '\0';
	if (canon != NULL)
		canon[chars] = '\0';
	explicit_bzero(rnd, sizeof(rnd));
	*out = t;
	return PR_OK;
}

int pr_parse_fail(struct pr_parse_err *pe, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pe->reason, sizeof(pe->reason), fmt, ap);
	va_end(ap);
	return PR_ERR_CORRUPT;
}

static int count_lines(const char *buf, size_t len)
{
	int line = 1;

	for (size_t i = 0; i < len; i++)
		line += buf[i] == '\n';
	return line;
}

int pr_parse_check_buffer(const char *buf, size_t len, struct pr_parse_err *pe)
{
	const char *nul = memchr(buf, '\0', len);

	if (nul != NULL) {
		pe->line = count_lines(buf, (size_t)(nul - buf));
		return pr_parse_fail(pe, "NUL byte in file");
	}
	pe->line = 1;
	if (len == 0)
		return pr_parse_fail(pe, "empty file (no header line)");
	if (buf[len - 1] != '\n') {
		pe->line = count_lines(buf, len);
		return pr_parse_fail(pe, "last line has no newline (torn write?)");
	}
	return PR_OK;
}

int pr_parse_copy(const char *buf, size_t len, struct pr_parse_err *pe, char **text)
{
	int r;

	*text = NULL;
	pe->line = 0;
	pe->reason[0] = '\0';
	if ((r = pr_parse_check_buffer(buf, len, pe)) != PR_OK)
		return r;
	return (*text = strndup(buf, len)) != NULL ? PR_OK : PR_ERR_NOMEM;
}

int pr_parse_check_header(const char *line, const char *header, const char *magic,
    struct pr_parse_err *pe)
{
	if (strcmp(line, header) == 0)
		return PR_OK;
	if (strncmp(line, magic, strlen(magic)) == 0)
		return pr_parse_fail(pe, "unsupported format version '%.16s'",
		    line + strlen(magic));
	return pr_parse_fail(pe, "missing header line '%s'", header);
}

const char *pr_parse_take_field(char **p, const char *key, struct pr_parse_err *pe)
{
	char *tok, *eq;

	if (*p == NULL) {
		pr_parse_fail(pe, "missing field '%s'", key);
		return NULL;
	}
	tok = strsep(p, " ");
	if ((eq = strchr(tok, '=')) == NULL) {
		pr_parse_fail(pe, "expected '%s=...', found '%.32s'", key, tok);
		return NULL;
	}
	*eq = '\0';
	if (strcmp(tok, key) != 0) {
		pr_parse_fail(pe, "expected field '%s', found '%.32s'", key, tok);
		return NULL;
	}
	return eq + 1;
}

bool pr_parse_uint(const char *s, int64_t max, int64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return false;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || v > (uint64_t)INT64_MAX / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v > (uint64_t)max)
		return false;
	*out = (int64_t)v;
	return true;
}

bool pr_parse_hex_exact(const char *v, unsigned char *out, size_t len)
{
	unsigned char *raw = NULL;
	size_t n = 0;
	bool ok;

	for (const char *p = v; *p != '\0'; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	if (pr_hex_decode(v, &raw, &n) != PR_OK)
		return false;
	if ((ok = n == len))
		memcpy(out, raw, len);
	free(raw);
	return ok;
}

/* One typed character in canonical form, '\0' to skip it, or -1 if invalid. */
static int crockford_char(char ch)
{
	if (ch == '-' || ch == ' ')
		return '\0';
	if (ch >= 'a' && ch <= 'z')
		ch = (char)(ch - 'a' + 'A');
	if (ch == 'O')
		return '0';
	if (ch == 'I' || ch == 'L')
		return '1';
	if (ch != '\0' && strchr(pr_crockford_alphabet, ch) != NULL)
		return ch;
	return -1;
}

bool pr_crockford_normalise(const char *in, char *out, size_t chars)
{
	size_t o = 0;
	int ch;

	if (strnlen(in, CROCKFORD_INPUT_MAX + 1) > CROCKFORD_INPUT_MAX)
		return false;
	for (const char *p = in; *p != '\0'; p++) {
		if ((ch = crockford_char(*p)) < 0)
			return false;
		if (ch == '\0')
			continue;
		if (o == chars)
			return false;
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	return o == chars;
}

int pr_parse_request_lines(char *buf, size_t len, const char *header,
    int (*line)(char *line, void *arg), void *arg)
{
	char *at = buf, *nl;

	if ((nl = memchr(at, '\n', len)) == NULL)
		return PR_ERR_CORRUPT;
	*nl = '\0';
	if (strcmp(at, header) != 0)
		return PR_ERR_CORRUPT;
	for (at = nl + 1; (size_t)(at - buf) < len; at = nl + 1) {
		if ((nl = memchr(at, '\n', len - (size_t)(at - buf))) == NULL)
			return PR_ERR_CORRUPT;
		*nl = '\0';
		if (*at == '\0')
			return (size_t)(nl + 1 - buf) == len ? PR_OK : PR_ERR_CORRUPT;
		if (line(at, arg) != PR_OK)
			return PR_ERR_CORRUPT;
	}
	return PR_ERR_CORRUPT;
}
