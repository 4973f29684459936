/*
 * Sign-in's reads and counter updates with `store = ldap`, and the offline
 * cache behind them (doc/ARCHITECTURE.md §7.6, store_cache.h):
 *
 * - the directory answered: the counters this host saw while offline are
 *   written to it first (never lowering its value), then the cache is
 *   refreshed with what the directory holds;
 * - no directory answered (PR_ERR_DIR_UNREACHABLE, and only that: a
 *   directory that refuses is a configuration error, never the cache): the
 *   user's cache, if it was read at most ldap { cache_max_age } ago. A
 *   counter seen then is checked against the cached one and kept in the
 *   cache, marked for the next contact.
 *
 * With `store = files` these are pr_store_load and pr_store_record_use.
 */
#ifndef PR_STORE_OFFLINE_H
#define PR_STORE_OFFLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cred.h"
#include "err.h"
#include "state.h"

/*
 * A counter seen offline that the directory contradicts, found at the next
 * contact: counters must grow in time order, so an equal counter, a higher
 * one used before the offline use, or a lower one used after it, means two
 * keys with one credential (a clone).
 */
struct pr_store_conflict {
	const struct pr_cred *cred;  /* as this host's cache has it */
	uint32_t offline_count;      /* the counter seen offline here */
	int64_t offline_at;          /* ... and when */
	uint32_t dir_count;          /* the directory's counter at the contact */
	int64_t dir_at;              /* ... and its last use */
};

/* Called for each conflict; the caller records it (signin.c). */
typedef void (*pr_store_conflict_fn)(const struct pr_store_conflict *c, void *arg);

/*
 * Sign-in's read of user's credentials (see above). *from_cache tells
 * where they came from. With no usable cache (none, or older than
 * cache_max_age, alike) the directory's PR_ERR_DIR_UNREACHABLE is
 * returned, eb saying so in the same words either way.
 */
int pr_store_load_signin(struct pr_state *state, const char *user, struct pr_credlist *out,
    bool *from_cache, pr_store_conflict_fn fn, void *arg, struct pr_errbuf *eb);

/*
 * Sign-in's counter update: pr_store_record_use (then the cache follows),
 * or with from_cache the cache alone, with the same counter rule
 * (PR_ERR_COUNTER) against the cached counter.
 */
int pr_store_record_use_signin(struct pr_state *state, const char *user, bool from_cache,
    const unsigned char *id, size_t id_len, uint32_t new_count, int64_t now,
    struct pr_errbuf *eb);

/* Whether a counter seen offline (n at ta) and the directory's (m at tb) contradict. */
bool pr_store_counters_conflict(uint32_t n, int64_t ta, uint32_t m, int64_t tb);

#endif
