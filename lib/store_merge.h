/*
 * When `store migrate` finds a slot both on this host and in the directory
 * (doc/ARCHITECTURE.md §7.6): whether the two are the same data, one of
 * them only further along (sign counters grown, recovery codes marked
 * used), or different data. Only values that can only grow are merged,
 * and always upwards: a counter is never lowered, a used code never
 * becomes unused again. Anything else is "different" and is left to a
 * person. Pure text in, text out: no I/O.
 */
#ifndef PR_STORE_MERGE_H
#define PR_STORE_MERGE_H

#include <stddef.h>

#include "err.h"

enum pr_merge {
	PR_MERGE_SAME = 0,  /* the directory holds this host's data, or further along */
	PR_MERGE_RAISE,     /* the same data, this host's further along: write *out */
	PR_MERGE_DIFFERS,   /* different data: why says what differs */
};

#define PR_MERGE_WHY_MAX 200

/*
 * Credential stores (pr_store_format's text): the same keys with the same
 * public data; the directory's label is kept (a rename there is newer
 * than this host's copy). *out (RAISE only) takes each key's larger sign
 * counter and later last use. A text that does not parse is PR_ERR_CORRUPT.
 */
int pr_merge_creds(const char *host, size_t host_len, const char *dir, size_t dir_len,
    enum pr_merge *m, char **out, size_t *out_len, char why[PR_MERGE_WHY_MAX],
    struct pr_errbuf *eb);

/*
 * Recovery code sets (codes.c's text): the same set (header, salt line,
 * hashes in order); a code used on either side is used in *out.
 */
int pr_merge_codes(const char *host, size_t host_len, const char *dir, size_t dir_len,
    enum pr_merge *m, char **out, size_t *out_len, char why[PR_MERGE_WHY_MAX]);

#endif
