/*
 * The browser's clientDataJSON (WebAuthn Level 3 §5.8.1), checked against
 * what the web gate asked for before any signature is looked at
 * (doc/ARCHITECTURE.md §4.8). JSON is parsed by json-c only.
 */
#ifndef PR_WA_CLIENTDATA_H
#define PR_WA_CLIENTDATA_H

#include <stddef.h>

#include "err.h"

/* Browsers send about 150 to 300 bytes; more is not a browser's. */
#define PR_WA_CDJ_MAX 2048
/*
 * The gate's challenges are 32 random bytes; other servers' run longer (a
 * JWT of ~170 bytes in Windows Hello test data). Longer is refused before
 * it is decoded.
 */
#define PR_WA_CHALLENGE_MAX 256
#define PR_WA_ORIGIN_MAX 255

enum pr_wa_type {
	PR_WA_GET = 0,          /* "webauthn.get": a sign-in */
	PR_WA_CREATE,           /* "webauthn.create": an enrollment */
};

/* What the gate issued for this pending sign-in or enrollment. */
struct pr_wa_expect {
	enum pr_wa_type type;
	const unsigned char *challenge;  /* raw bytes the page was given */
	size_t challenge_len;
	const char *origin;              /* the policy's web { origin } */
};

/*
 * Check cdj (len bytes, not NUL-terminated): at most PR_WA_CDJ_MAX bytes,
 * one JSON object, no member given twice in any object, "type" the
 * expected one, "challenge" unpadded base64url of exactly the expected
 * bytes (compared in constant time), "origin" exactly the expected origin,
 * "crossOrigin" absent or false, "topOrigin" absent. Other members are
 * ignored, as the specification asks. PR_OK, PR_ERR_CLIENT_DATA,
 * PR_ERR_CHALLENGE, PR_ERR_ORIGIN, or PR_ERR_NOMEM; eb says what failed.
 */
int pr_wa_clientdata_check(const unsigned char *cdj, size_t len,
    const struct pr_wa_expect *e, struct pr_errbuf *eb);

/* The name the type has in clientDataJSON. */
const char *pr_wa_type_name(enum pr_wa_type t);

#endif
