/*
 * FIDO2 assertion on attached devices and its verification against stored
 * credentials: rpIdHash, UP, UV (from the signed authenticator data),
 * signature, and the sign-counter rule.
 */
#ifndef PR_ASSERTION_H
#define PR_ASSERTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <fido.h>

#include "cred.h"
#include "err.h"
#include "transport.h"

/* Callbacks to the caller's user interface (PAM conversation, terminal). */
struct pr_ui {
	/* Ask for the key's PIN; *pin is malloc'd and wiped by the caller. PR_OK or PR_ERR_CANCELLED. */
	int (*pin)(void *arg, char **pin);
	/* Tell the user to touch the key (may be NULL). */
	void (*touch)(void *arg);
	void *arg;
};

struct pr_assert_opts {
	const char *rp_id;
	bool uv_required;      /* fail unless the signed flags carry UV */
	bool uv_preferred;     /* ask for the PIN when the key has one */
	int timeout_ms;
	const bool *acceptable; /* per credential: allowed by policy (NULL: all) */
};

struct pr_assert_outcome {
	size_t index;          /* into creds; creds->n when no credential was seen */
	uint8_t flags;         /* signed authenticator data flags */
	uint32_t sign_count;
	bool verified;         /* the signature by creds[index] verified (the rest may still fail) */
};

/*
 * Ask the attached devices for an assertion over the acceptable creds
 * (allow list), with a fresh random challenge, and verify it
 * (pr_assert_verify). A silent probe (UP off) over all of creds first finds
 * which devices hold one: none is PR_ERR_NO_CREDENTIAL; only unacceptable
 * ones is PR_ERR_CLASS (out->index names the credential seen). Several
 * candidate devices: the user picks one by touch, the others are cancelled.
 * The counter is checked against creds but not stored: the caller stores
 * it with pr_store_record_use, which re-checks under the lock.
 */
int pr_assert_run(const struct pr_devices *devs, const struct pr_credlist *creds,
    const struct pr_assert_opts *opts, const struct pr_ui *ui,
    struct pr_assert_outcome *out);

/*
 * Verify statement idx of a (its rp id and client data hash already set)
 * against credential c: signature and rpIdHash, UP set, UV set when
 * uv_required, and the counter rule against c->sign_count.
 */
int pr_assert_verify(fido_assert_t *a, size_t idx, const struct pr_cred *c,
    bool uv_required, uint8_t *flags, uint32_t *sign_count);

/*
 * The judgment of one statement, wherever it came from (an attached
 * device here, a browser through lib/webauthn/): a must hold exactly one
 * statement, its rp id and client data hash already set. The credential
 * named by id (NULL: the statement's own) is looked up in creds (none:
 * PR_ERR_NO_CREDENTIAL), its signature verified (out->verified), then it
 * must be acceptable (PR_ERR_CLASS; acceptable NULL: all are), then the
 * flags and counter as pr_assert_verify checks them. out->index names the
 * credential once found. The class comes after the signature: before it,
 * anyone who can name an id would learn that it is one of the user's.
 */
int pr_assert_judge(fido_assert_t *a, const unsigned char *id, size_t id_len,
    const struct pr_credlist *creds, const bool *acceptable, bool uv_required,
    struct pr_assert_outcome *out);

/* Counter rule: 0 after 0 is fine (no counter); otherwise it must grow. */
bool pr_counter_ok(uint32_t stored, uint32_t seen);

#endif
