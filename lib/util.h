/* Small encodings and secret handling shared across lib/. */
#ifndef PR_UTIL_H
#define PR_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lower-case hex; out must hold 2*len+1 bytes. */
void pr_hex_encode(const unsigned char *in, size_t len, char *out);
/* Strict hex decode into a new buffer; returns PR_OK or PR_ERR_CORRUPT. */
int pr_hex_decode(const char *in, unsigned char **out, size_t *out_len);

/* Unpadded base64url; returns a malloc'd string or NULL. */
char *pr_b64url_encode(const unsigned char *in, size_t len);
/* Strict unpadded (or padded) base64url/base64 decode; PR_OK or PR_ERR_CORRUPT. */
int pr_b64url_decode(const char *in, unsigned char **out, size_t *out_len);

/* Constant-time comparison of equal-length buffers. */
bool pr_ct_equal(const void *a, const void *b, size_t len);

/* Wipe and free; NULLs the caller's pointer. */
void pr_secret_free(void *pp, size_t len);
/* Wipe and free a NUL-terminated string; NULLs the caller's pointer. */
void pr_secret_strfree(char **s);
/*
 * Trim blanks (space, tab, CR, LF) from both ends of a secret typed by a
 * person, in place; the bytes the trim vacates are wiped, so no copy of
 * the secret is left past its new end. Returns the new length.
 */
size_t pr_secret_trim(char *s);

/* A user name we are willing to use in file names and records. */
bool pr_username_valid(const char *user);

/* AAGUID as 8-4-4-4-12 text; out must hold 37 bytes. */
void pr_aaguid_format(const unsigned char aaguid[16], char out[37]);
/* Parse 8-4-4-4-12 (or 32 hex digits); PR_OK or PR_ERR_INVALID_ARG. */
int pr_aaguid_parse(const char *text, unsigned char aaguid[16]);

/* Short key id shown to people: hex of the first 6 bytes of SHA-256(cred id). */
#define PR_KEYID_LEN 12
void pr_keyid(const unsigned char *cred_id, size_t len, char out[PR_KEYID_LEN + 1]);

/* Fill buf with cryptographically random bytes; PR_OK or PR_ERR_IO. */
int pr_random(void *buf, size_t len);

/* Seconds since the epoch. */
int64_t pr_now(void);

/* CLOCK_MONOTONIC in milliseconds, for deadlines. */
int64_t pr_monotonic_ms(void);

/* t as "2026-11-27 14:05 UTC" (the number itself if it cannot be shown); returns buf. */
const char *pr_time_utc(int64_t t, char buf[32]);

#endif
