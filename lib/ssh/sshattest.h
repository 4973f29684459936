/*
 * The attestation file ssh-keygen writes for a FIDO SSH key
 * (-O write-attestation=FILE, format "ssh-sk-attest-v01" of OpenSSH's
 * PROTOCOL.u2f), its verification against the challenge saved at key
 * generation (-O challenge=FILE) and the physical/passkey classification
 * of attest.h, so SSH keys get the same class as FIDO keys.
 */
#ifndef PR_SSHATTEST_H
#define PR_SSHATTEST_H

#include <stddef.h>

#include <openssl/x509.h>

#include "cred.h"
#include "err.h"
#include "sshkey.h"

#define PR_SSHATTEST_MAX (64 * 1024)   /* bytes of an attestation file */

struct pr_sshattest {
	unsigned char *cert;        /* DER attestation certificate; NULL if none */
	size_t cert_len;
	unsigned char *sig;         /* attestation signature; NULL if none */
	size_t sig_len;
	unsigned char *authdata;    /* raw authenticator data (unwrapped from CBOR) */
	size_t authdata_len;
};

/*
 *   string  "ssh-sk-attest-v01"
 *   string  attestation certificate
 *   string  enrollment signature
 *   string  authenticator data (a CBOR byte string)
 *   uint32  reserved flags (must be 0)
 *   string  reserved (must be empty)
 * and nothing after. PR_OK, PR_ERR_CORRUPT (eb says what), PR_ERR_NOMEM.
 */
int pr_sshattest_parse(const unsigned char *buf, size_t len,
    struct pr_sshattest *out, struct pr_errbuf *eb);
void pr_sshattest_clear(struct pr_sshattest *a);

/*
 * Verify att (NULL: no attestation) for key and classify it; fill out as a
 * PR_KIND_SSH credential: id = SHA-256 of the key blob (the bytes of its
 * fingerprint), the key's algorithm and raw public key, class, and from the
 * attestation fmt, AAGUID, flags and sign count.
 *
 * The statement must verify over authData || SHA-256(challenge) (OpenSSH
 * 9.2's middleware hands the raw challenge to libfido2 as client data,
 * which hashes it), authData's rpIdHash must be SHA-256 of the key's
 * application, UP must be set, and the attested credential public key
 * must be the SSH key. packed (x5c or self), fido-u2f (a P-256 key with
 * an all-zero AAGUID) and none are tried as the fields allow. Without
 * attestation the class is passkey. reason (may be NULL) gets why the key
 * has its class ("no attestation" without one), empty on failure.
 * PR_ERR_ATTESTATION, PR_ERR_UP_MISSING, PR_ERR_ALGORITHM, PR_ERR_NOMEM,
 * PR_ERR_INVALID_ARG; eb says what, naming the format that failed (both,
 * when packed and fido-u2f both could apply and both fail).
 */
int pr_sshattest_classify(const struct pr_sshattest *att,
    const struct pr_sshkey *key, const unsigned char *challenge,
    size_t challenge_len, X509_STORE *anchors,
    const unsigned char (*aaguids)[16], size_t n_aaguids,
    struct pr_cred *out, struct pr_class_reason *reason, struct pr_errbuf *eb);

#endif
