/*
 * The web gate's own secret: 32 random bytes in <state_dir>/webgate.secret
 * (root's, 0600, created atomically when missing, never read through a
 * symbolic link), kept across restarts so that what is derived from it
 * stays the same: the decoy credential ids a sign-in page offers and the
 * user handles of browser enrollment (doc/ARCHITECTURE.md §4.8). A decoy
 * made from a secret that changed at each start would tell a restart
 * watcher which ids are real.
 */
#ifndef PR_WG_SECRET_H
#define PR_WG_SECRET_H

#include "digest.h"
#include "err.h"

#define WG_SECRET_LEN 32
#define WG_SECRET_FILE "webgate.secret"

/*
 * The secret from state_dir, made and stored first when there is none.
 * PR_OK; else the reason (a file of another size, owner or mode, a link:
 * refused, never replaced) with the words in eb.
 */
int wg_secret_load(const char *state_dir, unsigned char secret[WG_SECRET_LEN],
    struct pr_errbuf *eb);

/* HMAC-SHA256(secret, label NUL name NUL i): a value stable per name and i. */
int wg_secret_derive(const unsigned char secret[WG_SECRET_LEN], const char *label,
    const char *name, unsigned i, unsigned char out[PR_SHA256_LEN]);

#endif
