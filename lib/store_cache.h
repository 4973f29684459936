/*
 * The offline cache of the directory store (doc/ARCHITECTURE.md §7.6): one
 * root-only file per user, <state_dir>/cache/<user> (0600 in a 0700
 * directory), holding that user's PUBLIC credential data as the directory
 * gave it at a sign-in (the credential lines with their sign counters;
 * never codes, tickets, invitations or tallies) and the time it was read.
 * Files are read and written only through pr_user_file under the lock
 * locks/<user>+cache.lock, never through a link, and replaced atomically;
 * the file's modification time is set to the time it was read, which is
 * what `store status` shows (dir_cache.c).
 *
 * File format (version 1):
 *
 *   practicerunner-cache 1
 *   fetched=<unix time the directory was read>
 *   offline=<b64url credential id>     (zero or more: counters raised offline)
 *   <the credential list exactly as the store writes it (store.c)>
 */
#ifndef PR_STORE_CACHE_H
#define PR_STORE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cred.h"
#include "err.h"
#include "state.h"
#include "user_file.h"

/* A clock that went back this far is tolerated; further is a time that cannot be. */
#define PR_CACHE_FUTURE_SLACK 300

struct pr_store_cache {
	int64_t fetched;            /* when the directory was read (the older of file and mtime) */
	struct pr_credlist creds;
	bool *offline;              /* per credential: its counter was raised while offline */
};

void pr_store_cache_clear(struct pr_store_cache *c);

/* Serialise / parse one cache file (exposed for tests and fuzzing). */
int pr_store_cache_format(const struct pr_store_cache *c, char **out, size_t *len);
int pr_store_cache_parse(const char *buf, size_t len, struct pr_store_cache *out,
    struct pr_errbuf *eb);

/* Whether c may serve a sign-in at now: read at most max_age seconds ago. */
bool pr_store_cache_fresh(const struct pr_store_cache *c, int64_t max_age, int64_t now);

/* One user's cache file, opened and locked (the files store's writer underneath). */
struct pr_store_cache_file {
	struct pr_state files;      /* state_dir as a files store: the cache is per machine */
	struct pr_user_file f;
};

/* Open <state_dir>/cache (created 0700) and take the user's cache lock. */
int pr_store_cache_open(struct pr_store_cache_file *cf, const struct pr_state *state,
    const char *user, struct pr_errbuf *eb);

/*
 * Read the user's file: PR_ERR_NOT_FOUND when there is none; a link, a
 * file not root's or open to group or others is PR_ERR_UNSAFE_FILE (never
 * followed), a file that does not parse PR_ERR_CORRUPT.
 */
int pr_store_cache_read(struct pr_store_cache_file *cf, struct pr_store_cache *out,
    struct pr_errbuf *eb);

/*
 * Replace the user's file with c (0600, its modification time c->fetched);
 * with no credentials, remove it. Refused (PR_ERR_UNSAFE_FILE) when the
 * name is anything but a regular file: a planted link is neither followed
 * nor replaced.
 */
int pr_store_cache_write(struct pr_store_cache_file *cf, const struct pr_store_cache *c,
    struct pr_errbuf *eb);

void pr_store_cache_close(struct pr_store_cache_file *cf);

#endif
