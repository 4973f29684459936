/*
 * Small text-parsing helpers shared by the strict state-file parsers
 * (codes.c, token.c, lockout.c): where a parse failed, whole-buffer and
 * header checks, "key=value" fields, plain decimals, exact hex, and
 * Crockford base32: random secrets in it, and input as people type it.
 */
#ifndef PR_TEXTFMT_H
#define PR_TEXTFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a parse failed and why, for "<path>:<line>: <reason>". */
struct pr_parse_err {
	int line;
	char reason[160];
};

/* Word pe->reason (pe->line is the caller's); returns PR_ERR_CORRUPT. */
int pr_parse_fail(struct pr_parse_err *pe, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Whole-buffer checks before any line is looked at: no NUL byte, not empty,
 * a final newline. PR_OK (pe->line is then 1) or PR_ERR_CORRUPT.
 */
int pr_parse_check_buffer(const char *buf, size_t len, struct pr_parse_err *pe);

/*
 * pe reset, the whole-buffer checks, then a NUL-terminated copy of buf for
 * the line parser to cut up (*text; free it). PR_OK, PR_ERR_CORRUPT or
 * PR_ERR_NOMEM; *text is NULL on failure.
 */
int pr_parse_copy(const char *buf, size_t len, struct pr_parse_err *pe, char **text);

/*
 * line is exactly header, or PR_ERR_CORRUPT: "unsupported format version"
 * when it starts with magic, else "missing header line".
 */
int pr_parse_check_header(const char *line, const char *header, const char *magic,
    struct pr_parse_err *pe);

/*
 * "key=value" at *p (fields separated by one space), split off in place:
 * the value, or NULL with pe->reason set if key is not next.
 */
const char *pr_parse_take_field(char **p, const char *key, struct pr_parse_err *pe);

/*
 * A socket request of the helpers' text protocols (wa_proto.c,
 * wa_control.c): buf (len bytes, NUL-terminated, cut up in place) is the
 * line header, then lines handed to line(), then one empty line that ends
 * buf. PR_OK, or PR_ERR_CORRUPT at the first thing out of place (or the
 * first line() refuses).
 */
int pr_parse_request_lines(char *buf, size_t len, const char *header,
    int (*line)(char *line, void *arg), void *arg);

/* Plain decimal, no sign, no leading zeros, 0..max (max >= 0). */
bool pr_parse_uint(const char *s, int64_t max, int64_t *out);

/* Exactly 2*len lower-case hex digits into out. */
bool pr_parse_hex_exact(const char *v, unsigned char *out, size_t len);

/* Crockford's base32 (no I, L, O or U), as generated. */
extern const char pr_crockford_alphabet[33];

/*
 * The one generator of secrets people type (recovery codes, invitations,
 * tickets): chars random characters, 5 bits each, as a malloc'd string in
 * groups of group (> 0) characters joined by '-' (*out; wipe it with
 * pr_secret_strfree). canon, chars + 1 bytes or NULL, gets the characters
 * bare. PR_OK, PR_ERR_NOMEM or PR_ERR_IO; *out is NULL on failure.
 */
int pr_crockford_random(size_t chars, size_t group, char **out, char *canon);

/*
 * What a person typed, as the chars characters that were generated: either
 * case, dashes and spaces dropped, O read as 0, I and L as 1. out holds
 * chars + 1 bytes; false for anything else (including over-long input).
 */
bool pr_crockford_normalise(const char *in, char *out, size_t chars);

#endif
