/*
 * SSH_AUTH_INFO_0: what sshd (OpenSSH >= 7.8, auth2.c
 * auth2_update_session_info) puts into the PAM environment before it runs
 * the PAM stack: one line per authentication method that succeeded so far
 * in this connection, each ended by a newline:
 *
 *   METHOD[/SUBMETHOD][ KEYTYPE BASE64][ INFO]\n
 *
 * The key is present for "publickey" and "hostbased". For a publickey step
 * with a FIDO key, an sshd without privilege separation adds INFO
 * "signature count = N" (auth2-pubkey.c); OpenSSH 9.2 as it runs (the
 * monitor records the key) adds nothing. The signature's UP/UV flags are
 * never exposed, which is why user
 * verification is enforced by sshd itself (verify-required in the
 * authorized keys) and not here.
 *
 * The parser is strict and pure (no PAM, no I/O), so it can be fuzzed:
 * anything it does not understand is PR_ERR_CORRUPT, and the caller
 * refuses.
 */
#ifndef PR_SSHAUTHINFO_H
#define PR_SSHAUTHINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define PR_SSHAUTH_MAX 65536          /* bytes of the whole variable */
#define PR_SSHAUTH_STEPS_MAX 16       /* lines (successful methods) */
#define PR_SSHAUTH_NAME_MAX 64        /* a method or key type name */

struct pr_sshauth_step {
	char method[PR_SSHAUTH_NAME_MAX + 1];     /* "publickey", "keyboard-interactive/pam", ... */
	char key_type[PR_SSHAUTH_NAME_MAX + 1];   /* "" when the step names no key */
	unsigned char *blob;                      /* the key's wire form, malloc'd; NULL: none */
	size_t blob_len;
	bool has_count;                           /* publickey: "signature count = N" given */
	uint32_t sign_count;
};

struct pr_sshauth {
	struct pr_sshauth_step *v;
	size_t n;
};

/*
 * Parse len bytes of s (no NUL inside; "" is no step at all). PR_OK,
 * PR_ERR_CORRUPT (eb says what and on which line), PR_ERR_NOMEM. out is
 * empty on failure; free with pr_sshauth_clear.
 */
int pr_sshauth_parse(const char *s, size_t len, struct pr_sshauth *out,
    struct pr_errbuf *eb);

void pr_sshauth_clear(struct pr_sshauth *a);

/* Whether step is a publickey step ("publickey", with or without a submethod). */
bool pr_sshauth_is_publickey(const struct pr_sshauth_step *step);

#endif
