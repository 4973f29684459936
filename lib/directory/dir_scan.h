/*
 * Every user entry in one search (doc/ARCHITECTURE.md §7.6): a report over
 * all users (coverage) reads the directory once, not once per user. The
 * search is of the base, one level, with the paged results control (RFC
 * 2696), so a directory holding more users than the server's size limit
 * per answer is read whole, page by page, on one connection.
 */
#ifndef PR_DIR_SCAN_H
#define PR_DIR_SCAN_H

#include <stddef.h>

#include "dir_entry.h"

#define PR_DIR_SCAN_ATTRS 2
#define PR_DIR_PAGE 500           /* entries per page: slapd's default size limit */

/* One entry: its uid and its value of each attribute asked for (val NULL: none). */
struct pr_dir_row {
	char *user;
	struct pr_dir_value val[PR_DIR_SCAN_ATTRS];
};

/* Sorted by user. */
struct pr_dir_table {
	struct pr_dir_row *v;
	size_t n;
};

/*
 * The entries that hold any of attrs (n_attrs <= PR_DIR_SCAN_ATTRS, each a
 * slot attribute of dir_slot.h), at most PR_DIR_USERS_MAX; an entry whose
 * uid is not a valid user name is skipped; more than one value of a slot
 * is PR_ERR_CORRUPT.
 */
int pr_dir_scan(struct pr_dir *d, const char *const *attrs, size_t n_attrs,
    struct pr_dir_table *out, struct pr_errbuf *eb);
const struct pr_dir_row *pr_dir_table_find(const struct pr_dir_table *t, const char *user);
void pr_dir_table_clear(struct pr_dir_table *t);

#endif
