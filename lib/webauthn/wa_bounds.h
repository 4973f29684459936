/*
 * Size bounds on what a browser sends the web gate, shared by the
 * verifier's message parser (wa_proto.h) and the checks: anything longer
 * is refused before it is decoded. Far above what authenticators produce.
 */
#ifndef PR_WA_BOUNDS_H
#define PR_WA_BOUNDS_H

#define PR_WA_AUTHDATA_MIN 37           /* rpIdHash, flags, counter */
#define PR_WA_AUTHDATA_MAX 2048         /* with attested credential data and extensions */
#define PR_WA_SIG_MAX 1024              /* RS256 over a 4096-bit key is 512 */
#define PR_WA_USER_HANDLE_MAX 64        /* WebAuthn's limit */
#define PR_WA_ATTOBJ_MAX 16384          /* statement with its certificate chain (tpm: ~4 KB) */

#endif
