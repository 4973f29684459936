/*
 * A per-user state "slot" in the clinic directory (doc/ARCHITECTURE.md
 * §7.6): what the files store keeps in <state_dir>/<subdir>/<user> is, with
 * `store = ldap`, one value of one attribute of the user's entry, holding
 * the files backend's own text unchanged (so order and format are the
 * files store's). user_file.c reads and writes slots through this.
 *
 * A write is ONE modify under dir_entry.h's revision rule: delete the exact
 * old revision and slot value, add the new ones. Of two hosts that read the
 * same revision exactly one wins. The loser reads again: if its slot is as
 * it was (another slot of the entry changed), it writes again with the new
 * revision, at most PR_DIR_TRIES times; if the slot itself changed (another
 * host spent the same code, ticket, invitation, counter or key), nothing is
 * written and the answer is PR_ERR_DIR_CONFLICT ("try again"): never
 * PR_ERR_BUSY, which means a stuck local lock and lets an administrator's
 * --force removal skip the last-key rule.
 */
#ifndef PR_DIR_SLOT_H
#define PR_DIR_SLOT_H

#include <stddef.h>

#include "dir_entry.h"
#include "types.h"

#define PR_DIR_TRIES 16
#define PR_DIR_USERS_MAX 200000   /* size limit of a user listing */

/* The attribute that holds subdir's slot, or NULL: that state stays per machine. */
const char *pr_dir_slot_attr(const char *subdir);

/* Read user's entry for attr into e (see dir_entry.h); more than one value is corrupt. */
int pr_dir_slot_read(struct pr_dir *d, const char *user, const char *attr,
    struct pr_dir_entry *e, struct pr_errbuf *eb);

/*
 * Make the slot data (len bytes), or remove it when data is NULL, from e as
 * read. On PR_OK e is what the entry now holds. Removing an empty slot is
 * PR_ERR_NOT_FOUND.
 */
int pr_dir_slot_write(struct pr_dir *d, const char *user, const char *attr,
    struct pr_dir_entry *e, const void *data, size_t len, struct pr_errbuf *eb);

/* A short random pause before try attempt + 1, so racing hosts spread out. */
void pr_dir_backoff(int attempt);

/* The users whose entry has attr, sorted (at most PR_DIR_USERS_MAX). */
int pr_dir_slot_users(struct pr_dir *d, const char *attr, struct pr_strlist *out,
    struct pr_errbuf *eb);

#endif
