/*
 * Keys an administrator removed while the store lock was held (see
 * store_revoked.c): what store.c reads to drop them. The administrator's
 * side (pr_store_revoke, pr_store_settle_revoked) is in store.h.
 */
#ifndef PR_STORE_REVOKED_H
#define PR_STORE_REVOKED_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "store.h"

struct pr_revoked {
	char *text;     /* the file as read; NULL: none */
	size_t n;       /* id lines */
};

/* The user's list (none: text NULL, PR_OK); a damaged file is an error. */
int pr_revoked_load(struct pr_state *state, const char *user, struct pr_revoked *rv,
    struct pr_errbuf *eb);
void pr_revoked_clear(struct pr_revoked *rv);

/*
 * The same from text already read (a directory value, len bytes), checked
 * as a file is; rv takes a copy. where names it in eb.
 */
int pr_revoked_from_text(const char *text, size_t len, const char *where, const char *user,
    struct pr_revoked *rv, struct pr_errbuf *eb);

/* Whether id is listed. */
bool pr_revoked_has(const struct pr_revoked *rv, const unsigned char *id, size_t id_len);

/* Drop the listed keys from l. */
void pr_revoked_filter(const struct pr_revoked *rv, struct pr_credlist *l);

/*
 * Remove the list if it is still the one read (under its lock): the caller
 * holds the store lock and wrote the store without read's keys. A list
 * changed since (a removal on another host, or by another administrator past
 * a stuck lock) stays, so that removal is not lost; PR_OK either way.
 */
int pr_revoked_forget(struct pr_state *state, const char *user, const struct pr_revoked *read,
    struct pr_errbuf *eb);

#endif
