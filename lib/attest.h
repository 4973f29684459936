/*
 * Attestation verification (libfido2 + OpenSSL) and the physical/passkey
 * classification of doc/ARCHITECTURE.md §2.2.
 */
#ifndef PR_ATTEST_H
#define PR_ATTEST_H

#include <stdbool.h>
#include <stddef.h>

#include <fido.h>
#include <openssl/x509.h>

#include "cred.h"
#include "err.h"

/*
 * Load every *.pem in dir (no links; files and dir owned by root and not
 * writable by group/others) plus the transport's built-in anchors. A bad
 * file is an error naming it. A missing directory is an empty store only if
 * allow_missing is set.
 */
int pr_anchors_load(const char *dir, int allow_missing, X509_STORE **out,
    struct pr_errbuf *eb);

/*
 * Verify the attestation of cred and fill out (id, alg, pubkey, aaguid,
 * flags, sign_count, fmt, class). cred must carry its type, fmt, authdata,
 * attstmt, client data hash and rp id (as after fido_dev_make_cred, or set
 * from a stored registration). Classification:
 *   physical: packed-x5c or fido-u2f whose chain verifies to anchors, BE=0,
 *             and the AAGUID in aaguids when n_aaguids > 0 (fido-u2f keys
 *             have no AAGUID, so an allow-list excludes them);
 *   passkey:  any other statement that verifies (self, none, tpm, unknown
 *             vendor), and fmt "apple", which is not verified.
 * tpm statements verify when signed with RS1 (-65535), as Windows Hello's
 * are: the only kind libfido2 1.12 verifies; one signed otherwise is
 * refused, and eb says so.
 * A statement that does not verify, a format we cannot verify, or a wrong
 * rpIdHash is PR_ERR_ATTESTATION; UP clear is PR_ERR_UP_MISSING; a key other
 * than ES256/EdDSA/RS256 is PR_ERR_ALGORITHM. anchors may be NULL (nothing
 * is physical). out is overwritten (zeroed on failure). reason (may be
 * NULL) gets why the key has its class, empty on failure; eb (may be NULL)
 * says what failed.
 */
int pr_attest_classify(const fido_cred_t *cred, X509_STORE *anchors,
    const unsigned char (*aaguids)[16], size_t n_aaguids,
    struct pr_cred *out, struct pr_class_reason *reason, struct pr_errbuf *eb);

/*
 * A registration as raw bytes: stored or imported registrations (ssh-keygen
 * write-attestation, test vectors) and formats libfido2 1.12 cannot carry in
 * a fido_cred_t ("apple"). cose_alg 0 takes the algorithm from the
 * credential key in authdata.
 */
struct pr_attest_input {
	const char *fmt;
	const unsigned char *authdata;   /* raw authenticator data */
	size_t authdata_len;
	const unsigned char *attstmt;    /* the attStmt CBOR map */
	size_t attstmt_len;
	const unsigned char *cdh;        /* client data hash */
	size_t cdh_len;                  /* 32 */
	const char *rp_id;
	int cose_alg;
};

/* pr_attest_classify for raw input; pr_attest_classify is a thin path to it. */
int pr_attest_classify_raw(const struct pr_attest_input *in,
    X509_STORE *anchors, const unsigned char (*aaguids)[16], size_t n_aaguids,
    struct pr_cred *out, struct pr_class_reason *reason, struct pr_errbuf *eb);

/*
 * Whether the CBOR item at the start of buf fits in its len bytes: every
 * definite length and count within the bytes left, no indefinite lengths,
 * bounded nesting. Call before cbor_load on outside input (libcbor 0.8
 * allocates from the declared count first).
 */
bool pr_cbor_fits(const unsigned char *buf, size_t len);

#endif
