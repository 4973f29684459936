/*
 * A user's entry in the directory (uid=<user>,<base>, object class
 * practiceRunnerUser) and the two ways it changes (doc/ARCHITECTURE.md
 * §7.6):
 *
 * - pr_dir_entry_write: a read-modify-write as ONE modify that deletes the
 *   exact values read and adds the new ones, and deletes the revision read
 *   and adds revision + 1. LDAP applies a modify whole or not at all, so of
 *   two hosts that read the same revision exactly one succeeds; the other
 *   gets PR_ERR_DIR_CONFLICT and must read again.
 * - pr_dir_consume: a one-time value (a recovery-code hash, a ticket, an
 *   invitation) is deleted by its exact bytes; of N racing consumers
 *   exactly one succeeds, the others get PR_ERR_NOT_FOUND. The revision is
 *   incremented in the same modify so read-modify-writers notice.
 */
#ifndef PR_DIR_ENTRY_H
#define PR_DIR_ENTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "directory.h"

/*
 * One attribute's values of one user's entry, and the entry's revision.
 * LDAP matches uid without regard to case, so uid=ALICE finds alice's
 * entry; an entry is a name's only when its one uid value is that name
 * byte for byte, as account names are (getpwnam). Another name's entry
 * reads as no entry (foreign set), so a name in another case gets what a
 * name that is no account gets, and nothing is ever written to it.
 */
struct pr_dir_entry {
	bool exists;
	bool foreign;           /* uid=<name> found an entry whose uid is not exactly name */
	long revision;
	struct pr_dir_value {
		char *val;
		size_t len;
	} *v;
	size_t n;
};

/* Read attr of user's entry; a missing or foreign entry reads as exists = false, no values. */
int pr_dir_entry_read(struct pr_dir *d, const char *user, const char *attr,
    struct pr_dir_entry *e, struct pr_errbuf *eb);
void pr_dir_entry_clear(struct pr_dir_entry *e);

/*
 * Change attr from e's values: delete del[0..n_del), add add[0..n_add),
 * with the revision rule above (the entry is created when !e->exists).
 * PR_ERR_DIR_CONFLICT: someone changed the entry since e was read;
 * PR_ERR_INVALID_ARG: e is foreign (the name is not the entry's).
 */
int pr_dir_entry_write(struct pr_dir *d, const char *user, const struct pr_dir_entry *e,
    const char *attr, const struct pr_dir_value *del, size_t n_del,
    const struct pr_dir_value *add, size_t n_add, struct pr_errbuf *eb);

/* Delete exactly value from attr: PR_OK for the one caller that did, PR_ERR_NOT_FOUND else. */
int pr_dir_consume(struct pr_dir *d, const char *user, const char *attr,
    const void *value, size_t len, struct pr_errbuf *eb);

#endif
