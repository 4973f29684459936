/*
 * The offline cache of the clinic directory (doc/ARCHITECTURE.md §7.6):
 * <state_dir>/cache, a root-only directory holding one root-only file per
 * user, each a copy of that user's public credential data written at each
 * successful directory read, used for sign-in only when no directory
 * answers and only while it is not older than cache_max_age.
 */
#ifndef PR_DIR_CACHE_H
#define PR_DIR_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* The cache's directory under state_dir. */
#define PR_DIR_CACHE_SUBDIR "cache"

/* The cache's files at a glance, by their modification times (store status). */
struct pr_dir_cache_ages {
	size_t n;          /* files (users) in the cache */
	size_t stale;      /* of them, older than the max_age given */
	int64_t oldest;    /* modification time of the oldest; 0 when n = 0 */
	int64_t newest;    /* ... and of the newest */
};

/*
 * Scan <state_dir>/cache without following links: regular files only,
 * names starting with "." (files being written) left out. A cache
 * directory not there yet is empty (PR_OK, n = 0). The directory must be
 * root's with no permission for group or others (PR_ERR_UNSAFE_FILE).
 */
int pr_dir_cache_ages(const char *state_dir, int64_t max_age, int64_t now,
    struct pr_dir_cache_ages *out, struct pr_errbuf *eb);

#endif
