/*
 * Attestation statements (lib/attest.c): pr_attest_classify_raw, which
 * parses authenticator data (credential key, extensions) and the attStmt
 * CBOR map and verifies packed, fido-u2f, tpm, none and apple statements
 * against the test vectors' roots. Input, as the seeds are made from the
 * vectors (tests/fuzz/mkseeds.py):
 *
 *   u8 n, fmt (n bytes) | u8 n, rp_id (n bytes) | client data hash (32) |
 *   u16 big-endian n, authData (n bytes) | attStmt (the rest)
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "attest.h"
#include "err.h"
#include "fuzz.h"
#include "fuzz_anchors.h"

/* The next n bytes as a NUL-terminated string (malloc'd), or NULL. */
static char *take_str(const uint8_t **p, size_t *left)
{
	size_t n;
	char *s;

	if (*left < 1 || (n = (*p)[0]) > *left - 1 || (s = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(s, *p + 1, n);
	s[n] = '\0';
	*p += n + 1;
	*left -= n + 1;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pr_attest_input in = { 0 };
	struct pr_cred c;
	const uint8_t *p = data;
	char *fmt = NULL, *rp = NULL;
	struct pr_class_reason reason;
	struct pr_errbuf eb = { 0 };
	size_t left = size, n;

	if ((fmt = take_str(&p, &left)) == NULL || (rp = take_str(&p, &left)) == NULL ||
	    left < 32 + 2)
		goto out;
	in.fmt = fmt;
	in.rp_id = rp;
	in.cdh = p;
	in.cdh_len = 32;
	n = (size_t)p[32] << 8 | p[33];
	p += 34;
	left -= 34;
	if (n > left)
		goto out;
	in.authdata = p;
	in.authdata_len = n;
	in.attstmt = p + n;
	in.attstmt_len = left - n;
	if (pr_attest_classify_raw(&in, fuzz_anchors(), NULL, 0, &c, &reason, &eb) == PR_OK)
		pr_cred_clear(&c);
	/* zeroed on failure, and a refused key has no reason for a class (attest.h) */
	else if (c.id != NULL || c.pubkey != NULL || reason.text[0] != '\0')
		__builtin_trap();
out:
	free(fmt);
	free(rp);
	return 0;
}
