/*
 * Credential store: one file per user under <state_dir>/users/, replaced
 * atomically under a per-user lock in <state_dir>/locks/. A corrupt file
 * fails closed (PR_ERR_CORRUPT) and is never rewritten silently.
 */
#ifndef PR_STORE_H
#define PR_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "cred.h"
#include "err.h"
#include "state.h"
#include "types.h"

/*
 * Load user's credentials. A user with no file has an empty list (PR_OK).
 * Unsafe files (link, owner, mode) and corrupt files are errors; eb says
 * which file and line.
 */
int pr_store_load(struct pr_state *state, const char *user,
    struct pr_credlist *out, struct pr_errbuf *eb);

/*
 * Many users' credentials with the directories opened once (a report over
 * every user): the same checks and errors as pr_store_load for each
 * user's file, three fewer opens per user. A reader sees the users/
 * directory that was there when it was opened.
 */
struct pr_store_reader;
int pr_store_reader_open(struct pr_state *state, struct pr_store_reader **out,
    struct pr_errbuf *eb);
int pr_store_reader_load(struct pr_store_reader *rd, const char *user,
    struct pr_credlist *out, struct pr_errbuf *eb);
void pr_store_reader_close(struct pr_store_reader **rd);

/* Append a credential (PR_ERR_EXISTS if its id is already enrolled). */
int pr_store_add(struct pr_state *state, const char *user,
    const struct pr_cred *c, struct pr_errbuf *eb);

/* Remove the credential whose key id (pr_keyid) is keyid. PR_ERR_NOT_FOUND if none. */
int pr_store_remove(struct pr_state *state, const char *user,
    const char *keyid, struct pr_errbuf *eb);

/*
 * A rule a removal must pass at the moment of the change: called under the
 * user's lock with the list as it is then and the index of the key to go;
 * PR_OK lets the removal happen, any other code is returned unchanged
 * (e.g. PR_ERR_LAST_KEY) and nothing is written.
 */
typedef int (*pr_store_guard)(const struct pr_credlist *l, size_t index, void *arg);

/* pr_store_remove, refused unless guard (may be NULL) allows it. */
int pr_store_remove_if(struct pr_state *state, const char *user, const char *keyid,
    pr_store_guard guard, void *guard_arg, struct pr_errbuf *eb);

/*
 * Set the label of the credential whose key id is keyid (at most
 * PR_LABEL_MAX bytes; "" clears it), read-modify-write under the user's
 * lock. PR_ERR_NOT_FOUND if none; PR_ERR_INVALID_ARG for a bad key id or
 * label, or an ambiguous key id.
 */
int pr_store_rename(struct pr_state *state, const char *user, const char *keyid,
    const char *label, struct pr_errbuf *eb);

/*
 * Record a successful use: under the lock, re-read the stored counter; if
 * new_count is non-zero and not greater than it (or the stored one is
 * non-zero and new_count is zero), return PR_ERR_COUNTER and change nothing;
 * else store new_count and last_used = now.
 */
int pr_store_record_use(struct pr_state *state, const char *user,
    const unsigned char *id, size_t id_len, uint32_t new_count, int64_t now,
    struct pr_errbuf *eb);

/*
 * The administrator's removal that no store writer can undo
 * (doc/ARCHITECTURE.md §7; store_revoked.c): list id under
 * <state_dir>/revoked/<user>, a file only practicerunner-admin writes, so it
 * never waits on a lock a user's process holds. From then on every read of
 * the store leaves that key out, and every store write drops it from the
 * file, whatever a writer had read before. Root only.
 */
#define PR_REVOKED_MAX 256
int pr_store_revoke(struct pr_state *state, const char *user, const unsigned char *id,
    size_t id_len, struct pr_errbuf *eb);

/* Take back one pr_store_revoke whose record could not be written. */
int pr_store_unrevoke(struct pr_state *state, const char *user, const unsigned char *id,
    size_t id_len, struct pr_errbuf *eb);

/*
 * Under the store lock (waited for as pr_lock does): write the store
 * without the listed keys, then remove the list, so the key can be enrolled
 * again. PR_ERR_BUSY (eb naming the lock) leaves both as they are. Root only.
 */
int pr_store_settle_revoked(struct pr_state *state, const char *user, struct pr_errbuf *eb);

/*
 * Serialise / parse one user's file (exposed for tests and fuzzing). A
 * file that does not parse is PR_ERR_CORRUPT with the reason and the line
 * to blame in eb (no file name: the caller adds it).
 */
int pr_store_format(const struct pr_credlist *l, char **out, size_t *out_len);
int pr_store_parse(const char *buf, size_t len, struct pr_credlist *out,
    struct pr_errbuf *eb);

/* The users that have a credential file, sorted (store_users.c). */
int pr_store_users(struct pr_state *state, struct pr_strlist *out, struct pr_errbuf *eb);
/* The same for any per-user subdirectory of state_dir ("invites", ...). */
int pr_state_users(struct pr_state *state, const char *subdir, struct pr_strlist *out,
    struct pr_errbuf *eb);

#endif
