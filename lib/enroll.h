/* Enrollment: makeCredential on a device, then attestation and class. */
#ifndef PR_ENROLL_H
#define PR_ENROLL_H

#include <fido.h>
#include <openssl/x509.h>

#include "assertion.h"
#include "conf.h"
#include "store.h"

struct pr_enroll_opts {
	const struct pr_config *cfg;
	const char *user;
	const char *label;
	bool uv_required;
	X509_STORE *anchors;
};

/*
 * The options of an enrollment for user as the policy sets them, so no
 * front end reads those settings itself: user verification by the
 * policy's rule (pr_policy_uv_required) and the trust anchors of
 * cfg->trust_anchors (a missing directory holds none: every key is then a
 * passkey). label may be NULL (the default). PR_OK with *o filled, to be
 * freed with pr_enroll_opts_clear, or the anchors' error with eb naming
 * the file; then *o holds nothing to free.
 */
int pr_enroll_opts_load(const struct pr_config *cfg, const char *user, const char *label,
    struct pr_enroll_opts *o, struct pr_errbuf *eb);

/* Free what pr_enroll_opts_load loaded. Safe to call twice. */
void pr_enroll_opts_clear(struct pr_enroll_opts *o);

/*
 * What every enrollment adds to a classified credential before it is
 * stored, from the console or the browser (lib/webauthn/wa_register.c):
 * its label (NULL: none), kind FIDO, the time, never used.
 */
void pr_enroll_stamp(struct pr_cred *c, const char *label);

/*
 * Make a credential on the first device the user touches (excluding ids
 * already enrolled), verify its attestation and classify it into out.
 * reason (may be NULL) gets why the key has its class; eb (may be NULL)
 * says why an attestation was refused.
 */
int pr_enroll_make(const struct pr_devices *devs, const struct pr_enroll_opts *o,
    const struct pr_credlist *existing, const struct pr_ui *ui,
    struct pr_cred *out, struct pr_class_reason *reason, struct pr_errbuf *eb);

#endif
