/*
 * The approval page, <origin>/approve (doc/ARCHITECTURE.md §4.9): a
 * person types their name, signs in with their key exactly as on the VPN
 * page, and that leaves a grant (lib/grant.h) for the service that cannot
 * show a link (web { grant_service }, xrdp-sesman by default).
 */
#ifndef PR_WG_APPROVE_H
#define PR_WG_APPROVE_H

#include "signin.h"
#include "wg_verify.h"

/* Open approvals one client (IPv4 address, IPv6 /64: wa_addr.h) may hold, and all. */
#define WG_APPROVE_PER_ADDRESS 4
#define WG_APPROVE_SHARE 4       /* at most a quarter of the pending table */

/*
 * op=approve: a new pending approval for (q->user, the grant service, the
 * browser's address) and its request options, the shape every name gets;
 * or PR_ERR_BUSY, recorded, past the caps.
 */
char *wg_approve_options(struct wg_verifier *v, const struct pr_wa_req *q);

/*
 * After the sign-in of approval e succeeded: the grant for s->used, its id
 * into s->ssh_detail for the record. PR_OK or the store's error (s->eb).
 */
int wg_approve_grant(const struct wg_verifier *v, const struct pr_wp_entry *e,
    struct pr_signin *s);

/*
 * The grant wg_approve_grant just left, taken back because the approval's
 * record could not be written (an approval not on record approves
 * nothing). Logged when it cannot be: then it lives its short lifetime.
 */
void wg_approve_withdraw(const struct wg_verifier *v, const struct pr_wp_entry *e,
    const struct pr_signin *s);

/* The page's answer to an approval that left a grant (malloc'd "options {...}" line). */
char *wg_approve_answer(const struct wg_verifier *v);

#endif
