/*
 * Reader for the WebAuthn test vectors (tests/data/vectors, files named
 * NAME.vec): one "key: value" per line, described in that directory's
 * README.md. Test code only.
 */
#ifndef PR_TEST_VECTORS_H
#define PR_TEST_VECTORS_H

#include <stddef.h>

struct vec_field {
	char *key;
	char *value;
};

struct vec {
	char *name;             /* file name inside the vector directory */
	struct vec_field *f;
	size_t n;
};

/*
 * The vector directory: $top_srcdir/tests/data/vectors when top_srcdir is
 * set in the environment, else the TOP_SRCDIR the tests were built with.
 * Returns 0, or -1 if it does not fit in out.
 */
int vec_dir(char *out, size_t out_len);

/*
 * Load one vector file by name (relative to vec_dir). Lines without ':',
 * duplicate keys and over-long files are errors. Returns 0 or -1.
 */
int vec_load(const char *name, struct vec *v);
void vec_free(struct vec *v);

/* The value of key, or NULL if the file has no such line. */
const char *vec_get(const struct vec *v, const char *key);

/* Decode a hex / unpadded base64url value into a malloc'd buffer; 0 or -1. */
int vec_hex(const struct vec *v, const char *key, unsigned char **out,
    size_t *out_len);
int vec_b64url(const struct vec *v, const char *key, unsigned char **out,
    size_t *out_len);

/* The "aaguid" value (8-4-4-4-12) as 16 bytes; 0 or -1. */
int vec_aaguid(const struct vec *v, unsigned char out[16]);

/* Sorted names of every *.vec file in vec_dir; 0 or -1. */
int vec_list(char ***names, size_t *n);
void vec_list_free(char ***names, size_t n);

struct pr_cred;

/*
 * The stored credential of a registration vector, as enrollment keeps it
 * (pr_attest_classify_raw without trust anchors); libfido2's regress
 * vector carries its raw key instead of a statement. 0 or -1.
 */
int vec_registration_cred(const char *name, struct pr_cred *cred);

/* Decoders, exposed for building tampered inputs in tests; 0 or -1. */
int vec_hex_decode(const char *in, unsigned char **out, size_t *out_len);
int vec_b64url_decode(const char *in, unsigned char **out, size_t *out_len);

#endif
