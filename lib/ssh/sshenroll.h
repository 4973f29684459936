/*
 * Enrolling an OpenSSH FIDO key: the part practicerunner-admin key
 * enroll-ssh and practicerunner-enroll enroll-ssh share, so both accept
 * the same files and make the same credential. Pure: the callers read the
 * files (with whose rights is theirs to decide: the setuid helper reads
 * them with the caller's), take the user's challenge (sshchallenge.h)
 * between parsing and classifying, apply the policy and audit.
 *
 *   1. pr_sshenroll_parse_key        the public key file's text
 *   2. pr_sshenroll_parse_attestation the attestation file, if one was given
 *   3. pr_sshchallenge_take          only when there is an attestation
 *   4. pr_sshenroll_credential       verify, classify, fill the credential
 */
#ifndef PR_SSHENROLL_H
#define PR_SSHENROLL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "conf.h"
#include "sshattest.h"
#include "sshchallenge.h"
#include "sshkey.h"
#include "store.h"

#define PR_SSHENROLL_KEY_MAX PR_SSH_LINE_MAX   /* bytes of a public key file */
#define PR_SSHENROLL_ATT_MAX PR_SSHATTEST_MAX  /* bytes of an attestation file */

/*
 * text (len bytes, NUL-terminated) must be exactly one FIDO SSH key line
 * (sshkey.h), no NUL byte inside, whose application starts with "ssh:"
 * (what ssh-keygen uses and sshd accepts). PR_OK, PR_ERR_CORRUPT,
 * PR_ERR_ALGORITHM (not a FIDO key type), PR_ERR_INVALID_ARG (another
 * application), PR_ERR_NOMEM; why says what. k is cleared on failure.
 */
int pr_sshenroll_parse_key(const char *text, size_t len, struct pr_sshkey *k,
    char *why, size_t why_len);

/* An attestation file: PR_OK, PR_ERR_ATTESTATION (malformed, with why), PR_ERR_NOMEM. */
int pr_sshenroll_parse_attestation(const unsigned char *buf, size_t len,
    struct pr_sshattest *att, char *why, size_t why_len);

/*
 * The credential to store for k: att (NULL: none, class passkey) verified
 * against challenge (required with att) and the anchors, classified with
 * the policy's AAGUID allow-list; application, label (NULL: none) and
 * creation time set. pr_sshattest_classify's errors; cred is cleared on
 * failure. Whether the class is allowed is the caller's policy check.
 */
int pr_sshenroll_credential(const struct pr_config *cfg, const struct pr_sshkey *k,
    const struct pr_sshattest *att, const unsigned char *challenge, X509_STORE *anchors,
    const char *label, int64_t now, struct pr_cred *cred, char *why, size_t why_len);

#endif
