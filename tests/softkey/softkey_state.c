/*
 * The state file's text format, parsed strictly: a header line, then one
 * "name value" line per field, each field exactly once (imported
 * credentials: one line each), nothing unknown.
 * Comments (#) and blank lines are allowed. Example:
 *
 *   softkey-state 1
 *   profile yubikey5
 *   touch yes
 *   counter 0
 *   credentials 0
 *   pin none                 (or 32 hex digits: LEFT(SHA-256(PIN), 16))
 *   pin-retries 8
 *   wrap-key <64 hex digits>
 *   att-key <hex DER>        (yubikey5 and u2f only)
 *   att-cert <hex DER>       (yubikey5 and u2f only)
 *   imported <rpIdHash hex>:<credential id hex>:<hex DER private key>
 *                            (0 to SK_IMPORTED_MAX lines: softkey-ctl import)
 *
 * The file holds the device's secrets: it is written 0600 and wiped from
 * memory after use.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "softkey.h"

#define HEADER "softkey-state 1"
#define MAX_DER 4096

enum field_bit {
	F_PROFILE = 1 << 0,
	F_TOUCH = 1 << 1,
	F_COUNTER = 1 << 2,
	F_CREDS = 1 << 3,
	F_PIN = 1 << 4,
	F_RETRIES = 1 << 5,
	F_WRAP = 1 << 6,
	F_ATT_KEY = 1 << 7,
	F_ATT_CERT = 1 << 8,
	F_IMPORTED = 1 << 9,   /* may repeat */
};
#define F_ALWAYS \
	(F_PROFILE | F_TOUCH | F_COUNTER | F_CREDS | F_PIN | F_RETRIES | F_WRAP)
#define F_ATT (F_ATT_KEY | F_ATT_CERT)

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;  /* upper case is not what we write, so not accepted either */
}

static int hex_decode(const char *v, unsigned char *out, size_t len)
{
	if (strlen(v) != 2 * len)
		return SK_ECORRUPT;
	for (size_t i = 0; i < len; i++) {
		int hi = hex_value(v[2 * i]), lo = hex_value(v[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return SK_ECORRUPT;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return SK_OK;
}

static int hex_decode_alloc(const char *v, unsigned char **out, size_t *len)
{
	size_t n = strlen(v);
	unsigned char *buf = NULL;

	if (n == 0 || n % 2 != 0 || n / 2 > MAX_DER)
		return SK_ECORRUPT;
	if ((buf = malloc(n / 2)) == NULL)
		return SK_ENOMEM;
	if (hex_decode(v, buf, n / 2) != SK_OK) {
		sk_wipe_free(&buf, n / 2);
		return SK_ECORRUPT;
	}
	*out = buf;
	*len = n / 2;
	return SK_OK;
}

/* Decimal without sign, leading zeros or overflow; at most max. */
static int parse_uint(const char *v, uint64_t max, uint64_t *out)
{
	uint64_t n = 0, d;

	if (v[0] == '\0' || (v[0] == '0' && v[1] != '\0'))
		return SK_ECORRUPT;
	for (const char *p = v; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return SK_ECORRUPT;
		d = (uint64_t)(*p - '0');
		if (d > max || n > (max - d) / 10)
			return SK_ECORRUPT;
		n = n * 10 + d;
	}
	*out = n;
	return SK_OK;
}

static int set_profile(struct sk_state *st, const char *v)
{
	st->profile = sk_profile_find(v);
	return st->profile != NULL ? SK_OK : SK_ECORRUPT;
}

static int set_touch(struct sk_state *st, const char *v)
{
	if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
		return SK_ECORRUPT;
	st->touch = strcmp(v, "yes") == 0;
	return SK_OK;
}

static int set_counter(struct sk_state *st, const char *v)
{
	uint64_t n;

	if (parse_uint(v, UINT32_MAX, &n) != SK_OK)
		return SK_ECORRUPT;
	st->counter = (uint32_t)n;
	return SK_OK;
}

static int set_creds(struct sk_state *st, const char *v)
{
	return parse_uint(v, UINT64_MAX, &st->creds_made);
}

static int set_pin(struct sk_state *st, const char *v)
{
	if (strcmp(v, "none") == 0) {
		st->pin_set = false;
		return SK_OK;
	}
	st->pin_set = true;
	return hex_decode(v, st->pin_hash, sizeof(st->pin_hash));
}

static int set_retries(struct sk_state *st, const char *v)
{
	uint64_t n;

	if (parse_uint(v, SK_PIN_RETRIES, &n) != SK_OK)
		return SK_ECORRUPT;
	st->pin_retries = (unsigned)n;
	return SK_OK;
}

static int set_wrap(struct sk_state *st, const char *v)
{
	return hex_decode(v, st->wrap_key, sizeof(st->wrap_key));
}

static int set_att_key(struct sk_state *st, const char *v)
{
	return hex_decode_alloc(v, &st->att_key, &st->att_key_len);
}

static int set_att_cert(struct sk_state *st, const char *v)
{
	return hex_decode_alloc(v, &st->att_cert, &st->att_cert_len);
}

/* The hex between start and the next ':' (or the end), into out (max bytes). */
static int hex_part(const char **start, unsigned char *out, size_t max, size_t *len)
{
	const char *end = strchr(*start, ':');
	size_t n = end != NULL ? (size_t)(end - *start) : strlen(*start);
	char part[2 * MAX_DER + 1];
	int r;

	if (n == 0 || n % 2 != 0 || n / 2 > max)
		return SK_ECORRUPT;
	memcpy(part, *start, n);
	part[n] = '\0';
	r = hex_decode(part, out, n / 2);
	OPENSSL_cleanse(part, n);
	*len = n / 2;
	*start += n + (end != NULL);
	return r;
}

/* rpIdHash:id:key, each id at most once per relying party. */
static int set_imported(struct sk_state *st, const char *v)
{
	unsigned char key[MAX_DER];
	struct sk_imported *c = &st->imported[st->n_imported];
	size_t hash_len = 0, key_len = 0;
	int r = SK_ECORRUPT;

	if (st->n_imported >= SK_IMPORTED_MAX)
		return SK_ECORRUPT;
	if (hex_part(&v, c->rp_hash, SK_HASH_LEN, &hash_len) != SK_OK ||
	    hash_len != SK_HASH_LEN || strchr(v, ':') == NULL ||
	    hex_part(&v, c->id, SK_CRED_ID_MAX, &c->id_len) != SK_OK ||
	    strchr(v, ':') != NULL ||
	    hex_part(&v, key, sizeof(key), &key_len) != SK_OK)
		goto out;
	for (size_t i = 0; i < st->n_imported; i++)
		if (st->imported[i].id_len == c->id_len &&
		    memcmp(st->imported[i].id, c->id, c->id_len) == 0 &&
		    memcmp(st->imported[i].rp_hash, c->rp_hash, SK_HASH_LEN) == 0)
			goto out;  /* the same credential twice: which one counts? */
	r = SK_ENOMEM;
	if ((c->key = malloc(key_len)) == NULL)
		goto out;
	memcpy(c->key, key, key_len);
	c->key_len = key_len;
	st->n_imported++;
	r = SK_OK;
out:
	OPENSSL_cleanse(key, sizeof(key));
	if (r != SK_OK)
		memset(c, 0, sizeof(*c));
	return r;
}

static const struct field {
	const char *name;
	unsigned bit;
	int (*set)(struct sk_state *, const char *);
} fields[] = {
	{ "profile", F_PROFILE, set_profile },
	{ "touch", F_TOUCH, set_touch },
	{ "counter", F_COUNTER, set_counter },
	{ "credentials", F_CREDS, set_creds },
	{ "pin", F_PIN, set_pin },
	{ "pin-retries", F_RETRIES, set_retries },
	{ "wrap-key", F_WRAP, set_wrap },
	{ "att-key", F_ATT_KEY, set_att_key },
	{ "att-cert", F_ATT_CERT, set_att_cert },
	{ "imported", F_IMPORTED, set_imported },
};

/* One "name value" line (modified in place). */
static int parse_line(struct sk_state *st, char *line, unsigned *seen)
{
	char *value = strchr(line, ' ');

	if (value == NULL || value[1] == '\0' || strchr(value + 1, ' ') != NULL)
		return SK_ECORRUPT;
	*value++ = '\0';
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strcmp(fields[i].name, line) != 0)
			continue;
		if ((*seen & fields[i].bit) != 0 && fields[i].bit != F_IMPORTED)
			return SK_ECORRUPT;  /* a field twice: which one counts? */
		*seen |= fields[i].bit;
		return fields[i].set(st, value);
	}
	return SK_ECORRUPT;
}

/* Every field present once; attestation material exactly when the profile has it. */
static int check_complete(const struct sk_state *st, unsigned seen)
{
	unsigned want = F_ALWAYS;

	if ((seen & F_PROFILE) == 0)
		return SK_ECORRUPT;
	if (sk_profile_has_att_cert(st->profile))
		want |= F_ATT;
	return (seen & ~(unsigned)F_IMPORTED) == want ? SK_OK : SK_ECORRUPT;
}

static int parse_lines(char *text, struct sk_state *st)
{
	unsigned seen = 0;
	bool header = false;
	char *save = NULL;
	int r;

	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		if (!header) {
			if (strcmp(line, HEADER) != 0)
				return SK_ECORRUPT;
			header = true;
			continue;
		}
		if ((r = parse_line(st, line, &seen)) != SK_OK)
			return r;
	}
	return header ? check_complete(st, seen) : SK_ECORRUPT;
}

int sk_state_parse(const char *text, size_t len, struct sk_state *st)
{
	char *copy = NULL;
	int r;

	memset(st, 0, sizeof(*st));
	if (text == NULL || len == 0 || len > SK_STATE_MAX_SIZE ||
	    memchr(text, '\0', len) != NULL || text[len - 1] != '\n')
		return SK_ECORRUPT;
	if ((copy = strndup(text, len)) == NULL)
		return SK_ENOMEM;
	if ((r = parse_lines(copy, st)) != SK_OK)
		sk_state_clear(st);
	sk_wipe_free(&copy, len);
	return r;
}

void sk_state_clear(struct sk_state *st)
{
	if (st == NULL)
		return;
	sk_wipe_free(&st->att_key, st->att_key_len);
	free(st->att_cert);
	for (size_t i = 0; i < st->n_imported && i < SK_IMPORTED_MAX; i++)
		sk_wipe_free(&st->imported[i].key, st->imported[i].key_len);
	OPENSSL_cleanse(st, sizeof(*st));  /* zeroes: wrap key, PIN hash */
}

/* A fixed-size text buffer that never reallocates (secrets would be left behind). */
struct text {
	char *buf;
	size_t cap, len;
	bool overflow;
};

static void put(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->cap - t->len) {
		t->overflow = true;
		return;
	}
	t->len += (size_t)n;
}

static void put_bytes(struct text *t, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(t, "%02x", p[i]);
}

static void put_hex(struct text *t, const char *name, const unsigned char *p, size_t n)
{
	put(t, "%s ", name);
	put_bytes(t, p, n);
	put(t, "\n");
}

static void put_fields(struct text *t, const struct sk_state *st)
{
	put(t, "# softkey: a software FIDO2 authenticator for tests only.\n");
	put(t, "%s\nprofile %s\ntouch %s\ncounter %u\ncredentials %llu\n", HEADER,
	    st->profile->name, st->touch ? "yes" : "no", (unsigned)st->counter,
	    (unsigned long long)st->creds_made);
	if (st->pin_set)
		put_hex(t, "pin", st->pin_hash, sizeof(st->pin_hash));
	else
		put(t, "pin none\n");
	put(t, "pin-retries %u\n", st->pin_retries);
	put_hex(t, "wrap-key", st->wrap_key, sizeof(st->wrap_key));
	if (sk_profile_has_att_cert(st->profile)) {
		put_hex(t, "att-key", st->att_key, st->att_key_len);
		put_hex(t, "att-cert", st->att_cert, st->att_cert_len);
	}
	for (size_t i = 0; i < st->n_imported; i++) {
		const struct sk_imported *c = &st->imported[i];

		put(t, "imported ");
		put_bytes(t, c->rp_hash, SK_HASH_LEN);
		put(t, ":");
		put_bytes(t, c->id, c->id_len);
		put(t, ":");
		put_bytes(t, c->key, c->key_len);
		put(t, "\n");
	}
}

int sk_state_format(const struct sk_state *st, char **out, size_t *len)
{
	struct text t = { NULL, 0, 0, false };

	*out = NULL;
	*len = 0;
	if (st->profile == NULL || st->pin_retries > SK_PIN_RETRIES ||
	    st->n_imported > SK_IMPORTED_MAX ||
	    (sk_profile_has_att_cert(st->profile) &&
	    (st->att_key == NULL || st->att_cert == NULL ||
	    st->att_key_len > MAX_DER || st->att_cert_len > MAX_DER)))
		return SK_EINVAL;
	t.cap = 1024 + 2 * (st->att_key_len + st->att_cert_len);
	for (size_t i = 0; i < st->n_imported; i++) {
		if (st->imported[i].key_len == 0 || st->imported[i].key_len > MAX_DER ||
		    st->imported[i].id_len == 0 || st->imported[i].id_len > SK_CRED_ID_MAX)
			return SK_EINVAL;
		t.cap += 16 + 2 * (SK_HASH_LEN + st->imported[i].id_len + st->imported[i].key_len);
	}
	if ((t.buf = calloc(1, t.cap)) == NULL)
		return SK_ENOMEM;
	put_fields(&t, st);
	if (t.overflow) {
		sk_wipe_free(&t.buf, t.cap);
		return SK_EINVAL;
	}
	*out = t.buf;
	*len = t.len;
	return SK_OK;
}

int sk_state_set_pin(struct sk_state *st, const char *pin)
{
	unsigned char hash[SK_HASH_LEN];
	size_t n;
	int r;

	if (pin == NULL || (n = strlen(pin)) < SK_PIN_MIN_LEN || n > SK_PIN_MAX_LEN)
		return SK_EINVAL;
	if ((r = sk_sha256(pin, n, hash)) != SK_OK)
		return r;
	memcpy(st->pin_hash, hash, sizeof(st->pin_hash));
	OPENSSL_cleanse(hash, sizeof(hash));
	st->pin_set = true;
	st->pin_retries = SK_PIN_RETRIES;
	return SK_OK;
}
