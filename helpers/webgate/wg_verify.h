/*
 * The root side's answers to the gate's requests (lib/webauthn/wa_proto.h):
 * the options of a pending sign-in the VPN side made (for its assertion,
 * or for an enrollment with an invitation inside it, wg_enroll.c) or of an
 * approval (wg_approve.c), and the verdict on a browser's response, judged
 * and recorded by lib/signin.c and lib/webauthn/ exactly as a console
 * sign-in or enrollment is.
 */
#ifndef PR_WG_VERIFY_H
#define PR_WG_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "webauthn/wa_pending.h"
#include "webauthn/wa_proto.h"
#include "wg_secret.h"

struct wg_verifier {
	const struct pr_config *cfg;
	struct pr_wp_table *table;
	unsigned char secret[WG_SECRET_LEN];       /* kept under state_dir (wg_secret.c): decoy ids, user handles */
};

/* The answer to one request text (malloc'd line, newline included); NULL when out of memory. */
char *wg_verify(struct wg_verifier *v, const char *text, size_t len);

/*
 * Whether the audit log takes a record now (its lock within the parent's
 * short bound). When it does not, a response is answered busy before it
 * is judged, its sign-in left open and nothing consumed: the page's side
 * sends it again (§4.8).
 */
bool wg_record_possible(const struct wg_verifier *v);

/*
 * The record of a response refused before it was judged (err: replay or
 * expired) or of a sign-in that expired unanswered (q NULL): with e's
 * account when e is not NULL. PR_OK or the append's error.
 */
int wg_record_refusal(const struct wg_verifier *v, const struct pr_wp_entry *e,
    const struct pr_wa_req *q, int err);

/*
 * The record of a pending sign-in the VPN side asked for and did not get
 * (err: busy, the table is full).
 */
void wg_record_unmade(const struct wg_verifier *v, const char *user, const char *service,
    const char *vpn_rhost, int err);

/*
 * Open sign-ins past their lifetime that no op=wait holds: each recorded
 * once as expired (a late response or op=wait still reads "expired").
 * Stops at the first record that cannot be written (the audit log's lock
 * held, say), the rest left for the next tick, so a stuck log costs a
 * tick one wait, not one per sign-in. Returns how many were recorded.
 */
size_t wg_record_lapsed(const struct wg_verifier *v, int64_t now);

/* wg_options.c: the page's options as an "options {...}" answer; NULL when out of memory. */
char *wg_options_get(const struct wg_verifier *v, const struct pr_wp_entry *e, int64_t now);
char *wg_options_create(const struct wg_verifier *v, const struct pr_wp_entry *e, int64_t now);

#endif
