/* Small encodings and secret handling shared across lib/. */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "digest.h"
#include "err.h"
#include "util.h"

#define USERNAME_MAX 64

static const char hex_digits[] = "0123456789abcdef";
static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void pr_hex_encode(const unsigned char *in, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex_digits[in[i] >> 4];
		out[2 * i + 1] = hex_digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

/* Value of one hex digit, or -1. */
static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int pr_hex_decode(const char *in, unsigned char **out, size_t *out_len)
{
	unsigned char *buf = NULL;
	size_t n;
	int r;

	*out = NULL;
	*out_len = 0;
	if (in == NULL || (n = strlen(in)) % 2 != 0)
		return PR_ERR_CORRUPT;
	/* +1 so an empty input still yields a non-NULL buffer. */
	if ((buf = malloc(n / 2 + 1)) == NULL)
		return PR_ERR_NOMEM;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_value(in[2 * i]);
		int lo = hex_value(in[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			r = PR_ERR_CORRUPT;
			goto out;
		}
		buf[i] = (unsigned char)(hi << 4 | lo);
	}
	*out = buf;
	*out_len = n / 2;
	buf = NULL;
	r = PR_OK;
out:
	free(buf);
	return r;
}

char *pr_b64url_encode(const unsigned char *in, size_t len)
{
	char *out = NULL;
	size_t o = 0;

	if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
		return NULL;
	if ((out = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		size_t rest = len - i;
		uint32_t v = (uint32_t)in[i] << 16;
		if (rest > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (rest > 2)
			v |= in[i + 2];
		out[o++] = b64url_alphabet[(v >> 18) & 0x3f];
		out[o++] = b64url_alphabet[(v >> 12) & 0x3f];
		if (rest > 1)
			out[o++] = b64url_alphabet[(v >> 6) & 0x3f];
		if (rest > 2)
			out[o++] = b64url_alphabet[v & 0x3f];
	}
	out[o] = '\0';
	return out;
}

/*
 * Value of one base64 character; *alpha records which alphabet it belongs
 * to (1 url, 2 standard) so a string mixing both is refused.
 */
static int b64_value(char c, int *alpha)
{
	int want = 0;
	int v;

	if (c >= 'A' && c <= 'Z')
		v = c - 'A';
	else if (c >= 'a' && c <= 'z')
		v = c - 'a' + 26;
	else if (c >= '0' && c <= '9')
		v = c - '0' + 52;
	else if (c == '-' || c == '_')
		v = c == '-' ? 62 : 63, want = 1;
	else if (c == '+' || c == '/')
		v = c == '+' ? 62 : 63, want = 2;
	else
		return -1;
	if (want != 0) {
		if (*alpha != 0 && *alpha != want)
			return -1;
		*alpha = want;
	}
	return v;
}

/* Length without padding; -1 if the padding is malformed. */
static long b64_data_len(const char *in, size_t n)
{
	size_t pad = 0;

	while (pad < n && pad < 2 && in[n - 1 - pad] == '=')
		pad++;
	if (pad > 0 && n % 4 != 0)
		return -1;  /* padding only completes a full quantum */
	if ((n - pad) % 4 == 1)
		return -1;  /* a lone 6-bit character cannot encode a byte */
	return (long)(n - pad);
}

/* Decode n characters (no padding) into out; strict about trailing bits. */
static int b64_decode_body(const char *in, size_t n, unsigned char *out, size_t *o)
{
	uint32_t acc = 0;
	int bits = 0;
	int alpha = 0;

	*o = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64_value(in[i], &alpha);
		if (v < 0)
			return PR_ERR_CORRUPT;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[(*o)++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Non-zero leftover bits mean a non-canonical encoding. */
	return acc != 0 ? PR_ERR_CORRUPT : PR_OK;
}

int pr_b64url_decode(const char *in, unsigned char **out, size_t *out_len)
{
	unsigned char *buf = NULL;
	size_t n, o = 0;
	long data;
	int r;

	*out = NULL;
	*out_len = 0;
	if (in == NULL)
		return PR_ERR_CORRUPT;
	n = strlen(in);
	if ((data = b64_data_len(in, n)) < 0)
		return PR_ERR_CORRUPT;
	if ((buf = malloc((size_t)data / 4 * 3 + 3)) == NULL)
		return PR_ERR_NOMEM;
	if ((r = b64_decode_body(in, (size_t)data, buf, &o)) != PR_OK)
		goto out;
	*out = buf;
	*out_len = o;
	buf = NULL;
	r = PR_OK;
out:
	free(buf);
	return r;
}

bool pr_ct_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

void pr_secret_free(void *pp, size_t len)
{
	void **p = pp;

	if (p == NULL || *p == NULL)
		return;
	explicit_bzero(*p, len);
	free(*p);
	*p = NULL;
}

void pr_secret_strfree(char **s)
{
	if (s == NULL || *s == NULL)
		return;
	explicit_bzero(*s, strlen(*s));
	free(*s);
	*s = NULL;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

size_t pr_secret_trim(char *s)
{
	size_t total = strlen(s), lead = 0, len;

	while (is_blank(s[lead]))
		lead++;
	for (len = total - lead; len > 0 && is_blank(s[lead + len - 1]); len--)
		;
	memmove(s, s + lead, len);
	explicit_bzero(s + len, total - len);
	return len;
}

static bool username_char_ok(char c, bool first)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_')
		return true;
	return !first && (c == '.' || c == '@' || c == '-');
}

/*
 * Names end up in file names and audit records: a conservative set with no
 * leading '.' or '-' (hidden files, options) and no ".." (paths).
 */
bool pr_username_valid(const char *user)
{
	size_t i;

	if (user == NULL || user[0] == '\0')
		return false;
	for (i = 0; user[i] != '\0'; i++) {
		if (i >= USERNAME_MAX || !username_char_ok(user[i], i == 0))
			return false;
		if (user[i] == '.' && user[i + 1] == '.')
			return false;
	}
	return true;
}

void pr_aaguid_format(const unsigned char aaguid[16], char out[37])
{
	size_t o = 0;

	for (size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex_digits[aaguid[i] >> 4];
		out[o++] = hex_digits[aaguid[i] & 0x0f];
	}
	out[o] = '\0';
}

int pr_aaguid_parse(const char *text, unsigned char aaguid[16])
{
	unsigned char tmp[16];
	size_t n, o = 0;
	bool dashed;

	if (text == NULL)
		return PR_ERR_INVALID_ARG;
	n = strlen(text);
	if (n != 32 && n != 36)
		return PR_ERR_INVALID_ARG;
	dashed = n == 36;
	for (size_t i = 0; i < n;) {
		if (dashed && (i == 8 || i == 13 || i == 18 || i == 23)) {
			if (text[i++] != '-')
				return PR_ERR_INVALID_ARG;
			continue;
		}
		int hi = hex_value(text[i]);
		int lo = hex_value(text[i + 1]);
		if (hi < 0 || lo < 0)
			return PR_ERR_INVALID_ARG;
		tmp[o++] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	memcpy(aaguid, tmp, sizeof(tmp));
	return PR_OK;
}

void pr_keyid(const unsigned char *cred_id, size_t len, char out[PR_KEYID_LEN + 1])
{
	unsigned char md[PR_SHA256_LEN];

	/* digest.c: no EVP set-up for a key id in a process that needs no other crypto */
	if (pr_sha256(cred_id, len, md) != PR_OK)
		memset(md, 0, sizeof(md));
	pr_hex_encode(md, PR_KEYID_LEN / 2, out);
}

int pr_random(void *buf, size_t len)
{
	if (len > INT_MAX)
		return PR_ERR_INVALID_ARG;
	return RAND_bytes(buf, (int)len) == 1 ? PR_OK : PR_ERR_IO;
}

int64_t pr_now(void)
{
	return (int64_t)time(NULL);
}

int64_t pr_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *pr_time_utc(int64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, 32, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, 32, "%" PRId64, t);
	return buf;
}
