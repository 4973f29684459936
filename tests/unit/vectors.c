/*
 * Reader for the .vec files of tests/data/vectors. Its own decoders, so a
 * bug in the library's encoders cannot hide itself behind the test data.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "attest.h"
#include "vectors.h"

#ifndef TOP_SRCDIR
#error "build with -DTOP_SRCDIR=\"...\" (the source tree holding tests/data/vectors)"
#endif

#define VEC_MAX_FILE (256 * 1024)
#define VEC_MAX_FIELDS 64
#define VEC_SUFFIX ".vec"

static char *dup_range(const char *s, size_t len)
{
	char *p = NULL;

	if ((p = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

int vec_dir(char *out, size_t out_len)
{
	const char *top = getenv("top_srcdir");
	int n;

	if (top == NULL || *top == '\0')
		top = TOP_SRCDIR;
	n = snprintf(out, out_len, "%s/tests/data/vectors", top);
	return (n < 0 || (size_t)n >= out_len) ? -1 : 0;
}

/* Whole file into a NUL-terminated buffer. */
static int read_file(const char *path, char **buf, size_t *len)
{
	FILE *fp = NULL;
	char *b = NULL;
	size_t n;
	int r = -1;

	if ((fp = fopen(path, "rb")) == NULL)
		goto fail;
	if ((b = malloc(VEC_MAX_FILE + 1)) == NULL)
		goto fail;
	n = fread(b, 1, VEC_MAX_FILE + 1, fp);
	if (ferror(fp) || n > VEC_MAX_FILE)
		goto fail;
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
	r = 0;
fail:
	free(b);
	if (fp != NULL)
		fclose(fp);
	return r;
}

/* One "key: value" line (without its newline) into v. */
static int add_line(struct vec *v, const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	const char *val;
	size_t klen;

	if (colon == NULL || colon == line || v->n >= VEC_MAX_FIELDS)
		return -1;
	klen = (size_t)(colon - line);
	val = colon + 1;
	while (val < line + len && *val == ' ')
		val++;
	for (size_t i = 0; i < v->n; i++)
		if (strlen(v->f[i].key) == klen &&
		    memcmp(v->f[i].key, line, klen) == 0)
			return -1;
	if ((v->f[v->n].key = dup_range(line, klen)) == NULL)
		return -1;
	if ((v->f[v->n].value = dup_range(val, (size_t)(line + len - val))) == NULL) {
		free(v->f[v->n].key);
		return -1;
	}
	v->n++;
	return 0;
}

static int parse_lines(struct vec *v, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = (nl != NULL) ? nl + 1 : end;
		size_t l = (size_t)((nl != NULL ? nl : end) - p);

		if (l > 0 && p[l - 1] == '\r')
			l--;
		if (l > 0 && add_line(v, p, l) != 0)
			return -1;
		p = next;
	}
	return 0;
}

int vec_load(const char *name, struct vec *v)
{
	char dir[4096], path[4352];
	char *buf = NULL;
	size_t len;
	int r = -1;

	memset(v, 0, sizeof(*v));
	if (vec_dir(dir, sizeof(dir)) != 0 ||
	    snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		goto fail;
	if (read_file(path, &buf, &len) != 0)
		goto fail;
	if ((v->name = dup_range(name, strlen(name))) == NULL ||
	    (v->f = calloc(VEC_MAX_FIELDS, sizeof(*v->f))) == NULL)
		goto fail;
	if (parse_lines(v, buf, len) != 0)
		goto fail;
	r = 0;
fail:
	free(buf);
	if (r != 0) {
		fprintf(stderr, "# cannot load vector %s\n", name);
		vec_free(v);
	}
	return r;
}

void vec_free(struct vec *v)
{
	if (v->f != NULL)
		for (size_t i = 0; i < v->n; i++) {
			free(v->f[i].key);
			free(v->f[i].value);
		}
	free(v->f);
	free(v->name);
	memset(v, 0, sizeof(*v));
}

const char *vec_get(const struct vec *v, const char *key)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->f[i].key, key) == 0)
			return v->f[i].value;
	return NULL;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int vec_hex_decode(const char *in, unsigned char **out, size_t *out_len)
{
	size_t len = strlen(in);
	unsigned char *b = NULL;

	if (len % 2 != 0 || (b = malloc(len / 2 + 1)) == NULL)
		return -1;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hexval((unsigned char)in[2 * i]);
		int lo = hexval((unsigned char)in[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(b);
			return -1;
		}
		b[i] = (unsigned char)(hi << 4 | lo);
	}
	*out = b;
	*out_len = len / 2;
	return 0;
}

static int b64url_val(int c)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *p = (c != '\0') ? strchr(alphabet, c) : NULL;

	return p != NULL ? (int)(p - alphabet) : -1;
}

/* Unpadded base64url; a dangling single character or non-zero spare bits are errors. */
int vec_b64url_decode(const char *in, unsigned char **out, size_t *out_len)
{
	size_t len = strlen(in), n = 0;
	unsigned char *b = NULL;
	unsigned long acc = 0;
	int bits = 0;

	if (len % 4 == 1 || (b = malloc(len * 3 / 4 + 1)) == NULL)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = b64url_val((unsigned char)in[i]);

		if (v < 0)
			goto bad;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			b[n++] = (unsigned char)(acc >> bits);
			acc &= (1UL << bits) - 1;
		}
	}
	if (acc != 0)
		goto bad;
	*out = b;
	*out_len = n;
	return 0;
bad:
	free(b);
	return -1;
}

int vec_hex(const struct vec *v, const char *key, unsigned char **out,
    size_t *out_len)
{
	const char *s = vec_get(v, key);

	return s != NULL ? vec_hex_decode(s, out, out_len) : -1;
}

int vec_b64url(const struct vec *v, const char *key, unsigned char **out,
    size_t *out_len)
{
	const char *s = vec_get(v, key);

	return s != NULL ? vec_b64url_decode(s, out, out_len) : -1;
}

int vec_aaguid(const struct vec *v, unsigned char out[16])
{
	const char *s = vec_get(v, "aaguid");
	char hex[33];
	unsigned char *b = NULL;
	size_t n = 0, len = 0;

	if (s == NULL || strlen(s) != 36)
		return -1;
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -1;
			continue;
		}
		hex[n++] = s[i];
	}
	hex[n] = '\0';
	if (vec_hex_decode(hex, &b, &len) != 0)
		return -1;
	if (len == 16)
		memcpy(out, b, 16);
	free(b);
	return len == 16 ? 0 : -1;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_vec_name(const char *name)
{
	size_t len = strlen(name), sl = strlen(VEC_SUFFIX);

	return len > sl && strcmp(name + len - sl, VEC_SUFFIX) == 0;
}

int vec_list(char ***names, size_t *n)
{
	char dir[4096];
	DIR *d = NULL;
	struct dirent *de;
	char **v = NULL, **nv;
	size_t cnt = 0;
	int r = -1;

	if (vec_dir(dir, sizeof(dir)) != 0 || (d = opendir(dir)) == NULL)
		goto fail;
	for (errno = 0; (de = readdir(d)) != NULL; errno = 0) {
		if (!is_vec_name(de->d_name))
			continue;
		if ((nv = realloc(v, (cnt + 1) * sizeof(*v))) == NULL)
			goto fail;
		v = nv;
		if ((v[cnt] = dup_range(de->d_name, strlen(de->d_name))) == NULL)
			goto fail;
		cnt++;
	}
	if (errno != 0)
		goto fail;
	if (cnt > 0)
		qsort(v, cnt, sizeof(*v), cmp_names);
	*names = v;
	*n = cnt;
	v = NULL;
	r = 0;
fail:
	if (d != NULL)
		closedir(d);
	if (r != 0)
		vec_list_free(&v, cnt);
	return r;
}

void vec_list_free(char ***names, size_t n)
{
	if (*names == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free((*names)[i]);
	free(*names);
	*names = NULL;
}

/* The key as libfido2's regress vector carries it: raw ES256 x||y. */
static int regress_cred(const struct vec *v, struct pr_cred *cred)
{
	if (vec_hex(v, "public_key_raw_xy_hex", &cred->pubkey, &cred->pubkey_len) != 0)
		return -1;
	if (vec_get(v, "credential_id_b64url") != NULL &&
	    vec_b64url(v, "credential_id_b64url", &cred->id, &cred->id_len) != 0)
		return -1;
	cred->cose_alg = COSE_ES256;
	return 0;
}

int vec_registration_cred(const char *name, struct pr_cred *cred)
{
	struct vec v = { 0 };
	unsigned char *ad = NULL, *st = NULL, *cdh = NULL;
	size_t ad_len, st_len, cdh_len;
	X509_STORE *none = NULL;
	struct pr_attest_input in = { 0 };
	int r = -1;

	if (vec_load(name, &v) != 0)
		return -1;
	if (vec_get(&v, "att_stmt_cbor_hex") == NULL) {
		r = regress_cred(&v, cred);
		goto out;
	}
	if ((none = X509_STORE_new()) == NULL || vec_hex(&v, "auth_data_hex", &ad, &ad_len) != 0 ||
	    vec_hex(&v, "att_stmt_cbor_hex", &st, &st_len) != 0 ||
	    vec_hex(&v, "client_data_hash_hex", &cdh, &cdh_len) != 0)
		goto out;
	in.fmt = vec_get(&v, "attestation_fmt");
	in.authdata = ad;
	in.authdata_len = ad_len;
	in.attstmt = st;
	in.attstmt_len = st_len;
	in.cdh = cdh;
	in.cdh_len = cdh_len;
	in.rp_id = vec_get(&v, "rp_id");
	r = pr_attest_classify_raw(&in, none, NULL, 0, cred, NULL, NULL) == PR_OK ? 0 : -1;
out:
	X509_STORE_free(none);
	free(ad);
	free(st);
	free(cdh);
	vec_free(&v);
	return r;
}
