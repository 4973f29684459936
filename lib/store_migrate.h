/*
 * Copying this host's local store into the clinic directory
 * (`practicerunner-admin store migrate`, doc/ARCHITECTURE.md §7.6): per
 * user, every slot the directory shares (dir_slot.h: credentials with
 * their counters, the revoked list, recovery codes, the ticket, the
 * invitation, the SSH challenge) as the files backend's text, unchanged.
 * The failure tally is not copied: it is a count of recent failures, not
 * something a user keeps.
 *
 * A plan is read first (nothing written), then applied:
 * - the directory has nothing for the slot: copy;
 * - the same, or the directory further along (store_merge.h): nothing;
 *   this host further along (counters, used codes): raise the directory's;
 * - different data: the whole user is reported and nothing of theirs is
 *   written, so a key or code never comes back into a directory that
 *   dropped it, and no host's data is overwritten.
 * Each write is one modify under dir_slot.c's revision rule, against the
 * value the plan read: a host that changed the slot meanwhile wins and
 * the user is reported (PR_ERR_DIR_CONFLICT).
 *
 * After a user is applied, <state_dir>/migrated/<user> (this host only)
 * lists the SHA-256 of each slot file as it was copied. A later run skips
 * a slot whose file is still that: what the directory did with it since
 * (a code spent, a key removed) stands. The files are left in place.
 */
#ifndef PR_STORE_MIGRATE_H
#define PR_STORE_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

#include "digest.h"
#include "err.h"
#include "state.h"
#include "store_merge.h"
#include "types.h"

#define PR_MIGRATE_SLOTS 6

enum pr_migrate_outcome {
	PR_MIGRATE_NONE = 0,  /* nothing on this host */
	PR_MIGRATE_DONE,      /* copied by an earlier run, unchanged here since */
	PR_MIGRATE_SAME,      /* the directory holds it already (or further along) */
	PR_MIGRATE_COPY,      /* not in the directory: copy */
	PR_MIGRATE_RAISE,     /* further along here: raise the directory's */
	PR_MIGRATE_DIFFERS,   /* different data in the directory: reported */
};

struct pr_migrate_slot {
	const char *subdir;       /* "users", "codes", ... */
	const char *noun;         /* "credentials", "recovery codes", ... */
	enum pr_migrate_outcome outcome;
	size_t items;             /* keys, codes, lines: what this host holds */
	char why[PR_MERGE_WHY_MAX];        /* PR_MIGRATE_DIFFERS */
	char *expect;             /* the directory's value the plan read (NULL: none) */
	size_t expect_len;
	char *data;               /* what to write: COPY, RAISE */
	size_t len;
	unsigned char digest[PR_SHA256_LEN];   /* of this host's file */
};

struct pr_migrate_plan {
	const char *user;
	struct pr_migrate_slot slot[PR_MIGRATE_SLOTS];
};

/* Every user with a file in any slot's subdirectory on this host, sorted, once each. */
int pr_migrate_users(struct pr_state *files, struct pr_strlist *out, struct pr_errbuf *eb);

/* Read user's files and directory entry into p; nothing is written. */
int pr_migrate_plan(struct pr_state *files, struct pr_state *dir, const char *user,
    struct pr_migrate_plan *p, struct pr_errbuf *eb);
void pr_migrate_plan_clear(struct pr_migrate_plan *p);

/* Whether applying p writes to the directory; whether p reports a difference. */
bool pr_migrate_plan_writes(const struct pr_migrate_plan *p);
bool pr_migrate_plan_differs(const struct pr_migrate_plan *p);

/*
 * The counts for people and the audit record, e.g.
 * "credentials:2,codes:10,ticket:1", of the slots p writes (COPY, RAISE;
 * a raise is marked "(raised)"). No space or '=': the record keeps it plain.
 */
void pr_migrate_detail(const struct pr_migrate_plan *p, char *buf, size_t size);

/*
 * Write p's COPY and RAISE slots (nothing when p differs), then this
 * host's record of them. PR_ERR_DIR_CONFLICT: a slot changed in the
 * directory since the plan; that slot and the rest are not written.
 */
int pr_migrate_apply(struct pr_state *files, struct pr_state *dir,
    struct pr_migrate_plan *p, struct pr_errbuf *eb);

#endif
