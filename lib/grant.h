/*
 * Web grants (doc/ARCHITECTURE.md §4.9): a sign-in made with a key at the
 * web gate, left for one service that cannot show a link or talk to a key
 * (xrdp-sesman), which consumes it once within a short lifetime. The grant
 * names the credential the web sign-in used, its signed flags and the
 * level reached; the consumer checks the credential again against the
 * store and policy. At most one per user, <state_dir>/grants/<user> (or
 * the directory entry's prWebGrant): a newer approval replaces an older.
 */
#ifndef PR_GRANT_H
#define PR_GRANT_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "state.h"

#define PR_GRANT_SUBDIR "grants"
#define PR_GRANT_ID_HEX 16          /* 64 random bits naming the approval in both records */
#define PR_GRANT_FIELD_MAX 63       /* service, address, class name */
#define PR_GRANT_KEYID_MAX 31       /* the short key id shown to people */
#define PR_GRANT_MAX_LIFETIME 3600  /* seconds: an approval is for a sign-in about to happen */

struct pr_grant {
	char id[PR_GRANT_ID_HEX + 1];
	char service[PR_GRANT_FIELD_MAX + 1];   /* the PAM service it is for */
	char rhost[PR_GRANT_FIELD_MAX + 1];     /* the client address it is bound to; "" none */
	int64_t created, expires;
	char keyid[PR_GRANT_KEYID_MAX + 1];     /* the credential the web sign-in used */
	uint8_t flags;                          /* its signed flags (UP, UV) */
};

/*
 * Whether a service name or an address may go into a grant: 1 to
 * PR_GRANT_FIELD_MAX bytes of [A-Za-z0-9._:-] (addresses: IPv4, IPv6).
 */
bool pr_grant_field_valid(const char *s);

/*
 * Whether the PAM service is known to set PAM_RHOST, so a grant for it
 * can be bound to the client's address. false for xrdp-sesman: xrdp
 * 0.9.21 sets only PAM_TTY (doc/ARCHITECTURE.md §4.9), so its grants bind
 * user, service and time only. true for any other service.
 */
bool pr_grant_service_gives_rhost(const char *service);

/*
 * Leave grant g for user (g->id is chosen here; created and expires from
 * now and lifetime, 1..PR_GRANT_MAX_LIFETIME), replacing an earlier one,
 * under the user's lock. PR_ERR_INVALID_ARG for a field that is not valid.
 */
int pr_grant_create(struct pr_state *state, const char *user, struct pr_grant *g,
    int64_t now, int64_t lifetime, struct pr_errbuf *eb);

/*
 * Take user's grant for service, under the user's lock. PR_OK: *out is the
 * grant, and it is already gone from the store (single use, even if the
 * caller then fails). PR_ERR_NOT_FOUND: none, or one for another service
 * (left in place). PR_ERR_EXPIRED: past its lifetime (removed).
 * PR_ERR_PERM: bound to a client address and rhost is another, or none
 * (NULL or ""): left in place, so a guess from elsewhere, or through a
 * service that gives no address, cannot spend the person's approval. An
 * unbound grant matches any rhost.
 */
int pr_grant_consume(struct pr_state *state, const char *user, const char *service,
    const char *rhost, int64_t now, struct pr_grant *out, struct pr_errbuf *eb);

#endif
