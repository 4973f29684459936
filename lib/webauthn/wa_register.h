/*
 * A browser's registration response (navigator.credentials.create with
 * attestation "direct"): its clientDataJSON (wa_clientdata.h), then the
 * attestationObject classified by the rules console enrollment uses
 * (attest.h: packed, fido-u2f, tpm, none, apple) into the same stored
 * credential (doc/ARCHITECTURE.md §4.8).
 */
#ifndef PR_WA_REGISTER_H
#define PR_WA_REGISTER_H

#include <stddef.h>

#include "cred.h"
#include "enroll.h"
#include "err.h"
#include "types.h"
#include "wa_clientdata.h"

struct pr_wa_registration {
	const unsigned char *attobj;    /* attestationObject (CBOR) */
	size_t attobj_len;
	const unsigned char *cdj;       /* clientDataJSON */
	size_t cdj_len;
};

/*
 * Check the client data against e (type webauthn.create), take fmt,
 * attStmt and authData out of the attestation object, verify and classify
 * them against o's policy (rp id, trust anchors, AAGUID allow-list), demand
 * UV where o->uv_required, and stamp the credential as enrollment does
 * (pr_enroll_stamp, o->label). PR_OK with *out filled (pr_cred_clear it),
 * the client data's refusal, PR_ERR_CORRUPT for an attestation object that
 * does not parse, or pr_attest_classify_raw's refusal; PR_ERR_UV_REQUIRED.
 */
int pr_wa_register(const struct pr_wa_registration *in, const struct pr_wa_expect *e,
    const struct pr_enroll_opts *o, struct pr_cred *out, struct pr_class_reason *reason,
    struct pr_errbuf *eb);

#endif
