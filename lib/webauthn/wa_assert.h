/*
 * A browser's assertion response (navigator.credentials.get) judged as a
 * console sign-in is: its clientDataJSON first (wa_clientdata.h), then
 * pr_assert_judge (assertion.h) over authenticatorData and the signature
 * on SHA-256(clientDataJSON), the same code the console path runs, so the
 * two cannot drift (doc/ARCHITECTURE.md §4.8).
 */
#ifndef PR_WA_ASSERT_H
#define PR_WA_ASSERT_H

#include <stdbool.h>
#include <stddef.h>

#include <fido.h>

#include "assertion.h"
#include "cred.h"
#include "err.h"
#include "wa_clientdata.h"

/* The response's parts, raw bytes as the browser gave them (base64url decoded). */
struct pr_wa_assertion {
	const unsigned char *cred_id;       /* rawId */
	size_t cred_id_len;
	const unsigned char *authdata;      /* authenticatorData */
	size_t authdata_len;
	const unsigned char *sig;           /* signature */
	size_t sig_len;
	const unsigned char *cdj;           /* clientDataJSON */
	size_t cdj_len;
	const unsigned char *user_handle;   /* may be NULL (not a discoverable credential) */
	size_t user_handle_len;
};

/*
 * Check the client data against e, then build the statement libfido2
 * verifies: rp_id, SHA-256(cdj) as the client data hash, authenticator
 * data and signature. PR_OK (*out to free with fido_assert_free), the
 * client data's refusal, PR_ERR_SIGNATURE for authenticator data or a
 * signature libfido2 will not take (or extensions whose CBOR does not fit
 * in the bytes given, refused before libcbor reads them),
 * PR_ERR_INVALID_ARG for parts out of bounds.
 */
int pr_wa_assert_statement(const struct pr_wa_assertion *in, const struct pr_wa_expect *e,
    const char *rp_id, fido_assert_t **out, struct pr_errbuf *eb);

/*
 * The whole judgment: pr_wa_assert_statement, then pr_assert_judge with the
 * response's credential id over creds and acceptable (policy's class rule,
 * as the sign-in computes it). The counter is checked, not stored.
 */
int pr_wa_assert_verify(const struct pr_wa_assertion *in, const struct pr_wa_expect *e,
    const char *rp_id, const struct pr_credlist *creds, const bool *acceptable,
    bool uv_required, struct pr_assert_outcome *out, struct pr_errbuf *eb);

#endif
