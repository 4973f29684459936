/*
 * SHA-256 through OpenSSL's direct functions rather than EVP.
 *
 * Why: in OpenSSL 3 the first EVP digest of a process (SHA256() is one)
 * loads openssl.cnf, sets up the default provider and copies every legacy
 * algorithm name into the provider name map: about 5 million instructions,
 * about 40% of a whole login process that fails for want of a key, where
 * the audit record's hash is the only cryptography (measured with
 * callgrind; bench/nokey.sh). SHA256_Init/Update/Final run the same
 * assembly (SHA-NI where the CPU has it) with none of that. OpenSSL marks
 * them deprecated in favour of EVP but keeps them in 3.x; where OpenSSL
 * was built without them (OPENSSL_NO_DEPRECATED_3_0) this file falls back
 * to EVP, with the same results.
 */
#include "config.h"

/* Before any OpenSSL header: the direct functions are marked deprecated. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "digest.h"
#include "err.h"

#ifndef OPENSSL_NO_DEPRECATED_3_0

int pr_sha256_init(struct pr_sha256 *h)
{
	return SHA256_Init(&h->ctx) == 1 ? PR_OK : PR_ERR_NOMEM;
}

int pr_sha256_update(struct pr_sha256 *h, const void *data, size_t len)
{
	return SHA256_Update(&h->ctx, data, len) == 1 ? PR_OK : PR_ERR_NOMEM;
}

int pr_sha256_final(struct pr_sha256 *h, unsigned char md[PR_SHA256_LEN])
{
	return SHA256_Final(md, &h->ctx) == 1 ? PR_OK : PR_ERR_NOMEM;
}

int pr_sha256_copy(struct pr_sha256 *to, const struct pr_sha256 *from)
{
	*to = *from;
	return PR_OK;
}

void pr_sha256_clear(struct pr_sha256 *h)
{
	(void)h;
}

#else

int pr_sha256_init(struct pr_sha256 *h)
{
	if ((h->ctx = EVP_MD_CTX_new()) == NULL)
		return PR_ERR_NOMEM;
	if (EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		pr_sha256_clear(h);
		return PR_ERR_NOMEM;
	}
	return PR_OK;
}

int pr_sha256_update(struct pr_sha256 *h, const void *data, size_t len)
{
	return EVP_DigestUpdate(h->ctx, data, len) == 1 ? PR_OK : PR_ERR_NOMEM;
}

int pr_sha256_final(struct pr_sha256 *h, unsigned char md[PR_SHA256_LEN])
{
	int r = EVP_DigestFinal_ex(h->ctx, md, NULL) == 1 ? PR_OK : PR_ERR_NOMEM;

	pr_sha256_clear(h);
	return r;
}

int pr_sha256_copy(struct pr_sha256 *to, const struct pr_sha256 *from)
{
	if ((to->ctx = EVP_MD_CTX_new()) == NULL)
		return PR_ERR_NOMEM;
	if (EVP_MD_CTX_copy_ex(to->ctx, from->ctx) != 1) {
		pr_sha256_clear(to);
		return PR_ERR_NOMEM;
	}
	return PR_OK;
}

void pr_sha256_clear(struct pr_sha256 *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

#endif

int pr_sha256(const void *data, size_t len, unsigned char md[PR_SHA256_LEN])
{
	struct pr_sha256 h;
	int r;

	if ((r = pr_sha256_init(&h)) != PR_OK)
		return r;
	if ((r = pr_sha256_update(&h, data, len)) != PR_OK) {
		pr_sha256_clear(&h);
		return r;
	}
	return pr_sha256_final(&h, md);
}
