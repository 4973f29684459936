/*
 * SHA-256 of the audit chain and of key ids, without OpenSSL 3's provider
 * look-up (see digest.c for why).
 */
#ifndef PR_DIGEST_H
#define PR_DIGEST_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#define PR_SHA256_LEN 32

/* A running SHA-256; copy the struct to fork it (the audit verifier does). */
struct pr_sha256 {
#ifdef OPENSSL_NO_DEPRECATED_3_0
	EVP_MD_CTX *ctx;   /* OpenSSL built without the direct functions */
#else
	SHA256_CTX ctx;
#endif
};

/* Each returns PR_OK or PR_ERR_NOMEM (only the EVP fallback can fail). */
int pr_sha256_init(struct pr_sha256 *h);
int pr_sha256_update(struct pr_sha256 *h, const void *data, size_t len);
/* Writes the digest and releases h (init again to reuse it). */
int pr_sha256_final(struct pr_sha256 *h, unsigned char md[PR_SHA256_LEN]);
/* A copy of h that can be finished on its own. */
int pr_sha256_copy(struct pr_sha256 *to, const struct pr_sha256 *from);
/* Releases h without a digest (after a failure between init and final). */
void pr_sha256_clear(struct pr_sha256 *h);

int pr_sha256(const void *data, size_t len, unsigned char md[PR_SHA256_LEN]);

#endif
