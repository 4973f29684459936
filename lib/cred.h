/*
 * A credential as every layer sees it (doc/ARCHITECTURE.md §3.1): a FIDO
 * credential or an OpenSSH FIDO key, its public key and what enrollment
 * recorded, and lists of them. The store (store.h) keeps them in files;
 * the assertion, attestation and parsers only read and fill them.
 */
#ifndef PR_CRED_H
#define PR_CRED_H

#include <stddef.h>
#include <stdint.h>

#include "types.h"

#define PR_CRED_ID_MAX 1024
#define PR_PUBKEY_MAX 1024
#define PR_LABEL_MAX 64
#define PR_MAX_CREDS_PER_USER 64
#define PR_APP_MAX 255              /* an SSH key's application ("ssh:") */

enum pr_cred_kind { PR_KIND_FIDO = 0, PR_KIND_SSH };

/*
 * For PR_KIND_SSH the id is the SHA-256 of the OpenSSH public key blob (the
 * bytes of its SHA256 fingerprint), and cose_alg, pubkey and app rebuild the
 * key (sshkey.h).
 */
struct pr_cred {
	unsigned char *id;          /* credential id */
	size_t id_len;
	int cose_alg;               /* COSE_ES256, COSE_EDDSA, COSE_RS256 */
	unsigned char *pubkey;      /* libfido2 raw form (ES256: x||y, EdDSA: 32 bytes, RS256: n||e) */
	size_t pubkey_len;
	enum pr_class cls;
	enum pr_cred_kind kind;
	unsigned char aaguid[16];
	uint8_t flags;              /* authenticator data flags at enrollment */
	uint32_t sign_count;
	char fmt[16];               /* attestation format at enrollment */
	char label[PR_LABEL_MAX + 1];
	int64_t created;
	int64_t last_used;          /* 0: never */
	char app[PR_APP_MAX + 1];   /* PR_KIND_SSH: the key's application; "" for FIDO */
};

struct pr_credlist {
	struct pr_cred *v;
	size_t n;
};

/* Deep copy; PR_OK or PR_ERR_NOMEM. */
int pr_cred_copy(struct pr_cred *dst, const struct pr_cred *src);
void pr_cred_clear(struct pr_cred *c);
void pr_credlist_clear(struct pr_credlist *l);

/* Find by credential id in a list; NULL if absent. */
const struct pr_cred *pr_credlist_find(const struct pr_credlist *l,
    const unsigned char *id, size_t id_len);

/*
 * The counter rule (doc/ARCHITECTURE.md §4.1): a sign counter seen must be
 * above the stored one, or 0 while the stored one is 0 (a key without a
 * counter). Anything else is a cloned key's mark.
 */
bool pr_cred_counter_grows(uint32_t stored, uint32_t seen);

#endif
