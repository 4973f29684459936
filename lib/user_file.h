/*
 * With `store = ldap` the slots shared across hosts (credentials, codes,
 * tickets, invitations, the failure tally, SSH challenges, the revoked
 * list) are instead one value of the user's directory entry (dir_slot.h):
 * open still takes the local lock (it serialises this host's processes),
 * read reads the entry, replace and unlink are one modify under the
 * revision rule; a race lost on the slot itself is PR_ERR_DIR_CONFLICT.
 *
 * One user's state file: <state_dir>/<subdir>/<user> (0600, in a 0700
 * directory), read whole without a lock and replaced atomically (or
 * removed) under the exclusive lock <state_dir>/locks/<user><lock_suffix>.
 * The credential store and invitations are both this; each words its own
 * "no such thing" and parses its own text.
 */
#ifndef PR_USER_FILE_H
#define PR_USER_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "directory/dir_entry.h"
#include "err.h"
#include "state.h"

struct pr_user_file {
	char path[4096];           /* <state_dir>/<subdir>/<user>, for messages */
	const char *state_dir;     /* state->dir */
	struct pr_state *state;
	const char *subdir;
	const char *user;
	int state_fd;
	int dir_fd;                /* <subdir>; -1 after PR_OK: it does not exist */
	int locks_fd;
	int lock_fd;
	const char *attr;          /* store = ldap: the slot's attribute (dir_slot.h), else NULL */
	struct pr_dir_entry entry; /* the slot and revision as last read or written */
	bool entry_read;
};

/* Nothing open; pr_user_file_close is then a no-op. */
void pr_user_file_init(struct pr_user_file *f);

/*
 * Check state->dir and user (PR_ERR_INVALID_ARG before any filesystem
 * access), open state->dir (trusted owner, not group/other-writable) and
 * <subdir> (created 0700 first when create is set). If lock_suffix is not
 * NULL, then create and open locks/ (0700) and take the exclusive lock
 * locks/<user><lock_suffix>; the suffix must not contain '/'. The lock is
 * waited for at most PR_LOCK_WAIT_MS: PR_ERR_BUSY then, eb naming the lock
 * file and the wait.
 *
 * When create is false and <subdir> does not exist, this is PR_OK with
 * f->dir_fd == -1 and no lock taken (nothing there to read or change).
 * Always pair with pr_user_file_close, whatever this returned.
 */
int pr_user_file_open(struct pr_user_file *f, struct pr_state *state,
    const char *subdir, const char *user, const char *lock_suffix, bool create,
    struct pr_errbuf *eb);

/*
 * Whether there can be anything to read or change: false only when the
 * files backend found no <subdir> (pr_user_file_open with create unset).
 * A directory slot is always present (its entry may still be empty).
 */
bool pr_user_file_present(const struct pr_user_file *f);

/*
 * Read the user's whole file (at most max bytes; more is PR_ERR_CORRUPT).
 * A missing file (or <subdir>) is PR_OK with *buf NULL; otherwise *buf is
 * NUL-terminated (not counted in *len), free with free().
 */
int pr_user_file_read(struct pr_user_file *f, size_t max, char **buf,
    size_t *len, struct pr_errbuf *eb);

/* Replace the user's file with data (mode 0600) atomically. */
int pr_user_file_replace(struct pr_user_file *f, const void *data, size_t len,
    struct pr_errbuf *eb);

/*
 * Remove the user's file and fsync <subdir>, so the removal is durable.
 * PR_ERR_NOT_FOUND if there was none (the caller may reword eb).
 */
int pr_user_file_unlink(struct pr_user_file *f, struct pr_errbuf *eb);

/* Drop the lock and close everything; f is as after pr_user_file_init. */
void pr_user_file_close(struct pr_user_file *f);

#endif
