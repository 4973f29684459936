/*
 * OpenSSH FIDO public keys: one line of "sk-ssh-ed25519@openssh.com" or
 * "sk-ecdsa-sha2-nistp256@openssh.com" (the key types of
 * doc/ARCHITECTURE.md §4.4). Every other key type and anything malformed is refused.
 *
 * Wire form of the base64 blob (RFC 4251 strings):
 *   ed25519: string type, string key (32), string application
 *   ecdsa:   string type, string "nistp256", string Q (0x04||x||y), string application
 */
#ifndef PR_SSHKEY_H
#define PR_SSHKEY_H

#include <stddef.h>

#define PR_SSHKEY_ED25519_NAME "sk-ssh-ed25519@openssh.com"
#define PR_SSHKEY_ECDSA_NAME "sk-ecdsa-sha2-nistp256@openssh.com"
#define PR_SSH_APP_MAX 255           /* bytes of the application string */
#define PR_SSH_LINE_MAX 8192         /* a public key line, comment included */
#define PR_SSH_FP_LEN 50             /* "SHA256:" + 43 base64 characters */

enum pr_sshkey_type { PR_SSHKEY_ED25519_SK = 1, PR_SSHKEY_ECDSA_SK };

struct pr_sshkey {
	enum pr_sshkey_type type;
	int cose_alg;                    /* -8 (EdDSA) or -7 (ES256) */
	unsigned char pubkey[64];        /* libfido2 raw form: Ed25519 32 bytes, ES256 x||y */
	size_t pubkey_len;
	char application[PR_SSH_APP_MAX + 1];
	unsigned char *blob;             /* the wire form, malloc'd */
	size_t blob_len;
};

/*
 * Parse "TYPE BASE64 [COMMENT]" (no options; surrounding blanks and one
 * trailing newline allowed). PR_OK, PR_ERR_CORRUPT (malformed, with why),
 * PR_ERR_ALGORITHM (another key type), PR_ERR_NOMEM. out is cleared on
 * failure; free with pr_sshkey_clear.
 */
int pr_sshkey_parse_line(const char *line, struct pr_sshkey *out, char *why,
    size_t why_len);

/* The same for a decoded blob. */
int pr_sshkey_parse_blob(const unsigned char *blob, size_t len,
    struct pr_sshkey *out, char *why, size_t why_len);

/*
 * Rebuild a key from what the store keeps: COSE algorithm, raw public key
 * and application. PR_OK, PR_ERR_ALGORITHM, PR_ERR_CORRUPT, PR_ERR_NOMEM.
 */
int pr_sshkey_from_parts(int cose_alg, const unsigned char *pubkey,
    size_t pubkey_len, const char *application, struct pr_sshkey *out);

void pr_sshkey_clear(struct pr_sshkey *k);

/* The key type's name as it appears in key lines. */
const char *pr_sshkey_type_name(enum pr_sshkey_type t);

/* SHA-256 of the blob (the bytes behind the fingerprint). */
int pr_sshkey_hash(const struct pr_sshkey *k, unsigned char out[32]);

/* "SHA256:<unpadded base64>", exactly as ssh-keygen -l prints it. */
int pr_sshkey_fingerprint(const struct pr_sshkey *k, char out[PR_SSH_FP_LEN + 1]);

/*
 * The fingerprint of a stored SSH credential, rebuilt from its parts; ""
 * for a FIDO credential or one that cannot be rebuilt.
 */
struct pr_cred;
void pr_sshkey_cred_fingerprint(const struct pr_cred *c, char out[PR_SSH_FP_LEN + 1]);

/* The same for any key blob (of any type): SHA256:<unpadded base64> of its bytes. */
int pr_ssh_blob_fingerprint(const unsigned char *blob, size_t len,
    char out[PR_SSH_FP_LEN + 1]);

/*
 * Canonical padded base64 of n bytes of s (the spelling OpenSSH writes),
 * into a new buffer: PR_OK, PR_ERR_CORRUPT, PR_ERR_NOMEM.
 */
int pr_ssh_b64_decode(const char *s, size_t n, unsigned char **blob, size_t *len);

/* The key type a blob of any type names (its first string, not NUL-terminated). */
int pr_ssh_blob_type(const unsigned char *blob, size_t len, const char **type,
    size_t *type_len);

/*
 * An authorized_keys line "[OPTIONS ]TYPE BASE64[ COMMENT]" without a
 * newline; options and comment may be NULL or "" and must not contain
 * newlines (PR_ERR_INVALID_ARG). *out is malloc'd.
 */
int pr_sshkey_format(const struct pr_sshkey *k, const char *options,
    const char *comment, char **out);

#endif
