/*
 * The rate of failure and offer records (doc/ARCHITECTURE.md §8.6): a
 * small table, "<audit_log>.rate", of who wrote how many such records in
 * the current minute, consulted and replaced under the audit log's own
 * lock, so that anyone who can make sign-ins fail (a local user through
 * practicerunner-verify, anyone on the network through sshd) cannot fill
 * the log's file system. Records over the rate are counted, not written;
 * the next one written for that user or address carries the count.
 */
#ifndef PR_AUDIT_RATE_H
#define PR_AUDIT_RATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit.h"

#define PR_RATE_WINDOW 60            /* seconds: "a minute" of the policy key */
#define PR_RATE_ENTRIES 4096         /* users and addresses remembered at most */
#define PR_RATE_ALERT_INTERVAL 600   /* seconds between two "audit space low" alerts */
#define PR_RATE_KEY_LEN 16           /* bytes of SHA-256 kept as an entry's key */
#define PR_RATE_SUFFIX ".rate"

/* One user or one address: its window and what was not written. */
struct pr_rate_entry {
	unsigned char key[PR_RATE_KEY_LEN];
	int64_t start;      /* when the current window began */
	int64_t last;       /* the last record seen, for eviction */
	int64_t count;      /* records written in the window */
	int64_t merged;     /* records counted, not written, since the last one written */
};

struct pr_rate_table {
	struct pr_rate_entry *v;
	size_t n;
	int64_t orphan;     /* counts of evicted entries and of records with no key */
	int64_t alert;      /* when "audit space low" was last sent to syslog, 0: never */
};

/*
 * Whether a record is one the rate applies to: a failure of a sign-in,
 * step-up, recovery or lockout, or an offered SSH key, made by the person
 * it is about (actor absent or the user). Successes, enrollments and
 * administrators' actions are always written.
 */
bool pr_rate_applies(const struct pr_audit_event *ev);

/*
 * Decide one record at now: true to write it, with *merged (what it says
 * it stands for besides itself, 0: nothing); false to count it instead.
 * user and rhost (NULL or "": no such key) are its two keys; the record is
 * counted when either is over per_minute in its window, or when low_space.
 */
bool pr_rate_admit(struct pr_rate_table *t, const char *user, const char *rhost,
    int64_t now, long per_minute, bool low_space, int64_t *merged);

/*
 * For a record the rate does not apply to (a success, an enrollment): the
 * counts waiting on its user and address, taken, so that the next record
 * written about them says what was not written, whatever its kind.
 */
int64_t pr_rate_carry(struct pr_rate_table *t, const char *user, const char *rhost);

/* Whether the "audit space low" alert is due at now; if so it is noted as sent. */
bool pr_rate_alert_due(struct pr_rate_table *t, int64_t now);

/* The table as text, entries with nothing left to say at now dropped. */
int pr_rate_format(const struct pr_rate_table *t, int64_t now, char **out, size_t *len);

/* Parse text into t (emptied first); PR_ERR_CORRUPT for anything malformed. */
int pr_rate_parse(const char *buf, size_t len, struct pr_rate_table *t);

/* Load path into t: a missing, unsafe or malformed file is an empty table. */
void pr_rate_load(const char *path, struct pr_rate_table *t);

/* Replace path with t (root 0600, atomically); the caller holds the log's lock. */
int pr_rate_save(const char *path, const struct pr_rate_table *t, int64_t now);

void pr_rate_clear(struct pr_rate_table *t);

/*
 * Megabytes free for ordinary users (df's "Avail") on the file system of
 * an open fd, or of path (or its directory, when path does not exist yet).
 */
int pr_rate_free_mb_fd(int fd, uint64_t *mb);
int pr_rate_free_mb_path(const char *path, uint64_t *mb);

#endif
