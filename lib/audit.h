/*
 * Audit: one record per event, one line each, hash-chained so edits,
 * deletions, reordering and torn records are detected. Appended under a
 * lock and mirrored to syslog (LOG_AUTHPRIV). Never holds secrets.
 */
#ifndef PR_AUDIT_H
#define PR_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/*
 * How many failure and offer records one user or one address may write a
 * minute, and the free space below which they are counted instead of
 * written (policy section audit { }, doc/ARCHITECTURE.md §8.6).
 */
struct pr_audit_limits {
	long per_minute;        /* failure_records_per_minute */
	long min_free_mb;       /* min_free_mb */
};
#define PR_AUDIT_DEFAULT_PER_MINUTE 10
#define PR_AUDIT_DEFAULT_MIN_FREE_MB 64

/* Fields of doc/ARCHITECTURE.md §8.1; NULL (or -1 for numbers) means absent. */
struct pr_audit_event {
	const char *event;      /* auth, enroll, remove, invite, recovery-ticket, recovery-code, codes-generated, policy-error, lockout */
	bool success;
	const char *reason;     /* failure reason token (pr_err_reason), or a success note */
	const char *user;       /* never a name that is not a known account */
	const char *role;
	const char *method;     /* security-key, passkey, ssh-sk, recovery-code */
	const char *service;
	const char *tty;
	const char *rhost;
	const char *rp_id;
	const char *cred_id;    /* base64url credential id */
	const char *aaguid;
	int flags;              /* authenticator data flags byte, -1 absent */
	int64_t sign_count;     /* -1 absent */
	const char *cred_class; /* physical / passkey */
	const char *path;       /* direct / helper / webgate */
	const char *store;      /* cache: read from the offline cache (doc/ARCHITECTURE.md §7.6) */
	/* The web gate (doc/ARCHITECTURE.md §4.8): the page's origin, the browser's
	 * User-Agent, the VPN client's address and the pending id's first bytes. */
	const char *origin;
	const char *user_agent;
	const char *vpn_rhost;
	const char *pending;
	const char *actor;      /* who did it, for admin actions */
	const char *detail;     /* free text without secrets */
	/* the policy's audit { } limits; NULL: the defaults above (not a field) */
	const struct pr_audit_limits *limits;
};

/*
 * Append ev to log_path (created 0600 if missing; parent must exist),
 * chained to the last record, under an exclusive lock, fsync'd; then
 * record where the log ends in "<log_path>.head" (0600, replaced
 * atomically); and send the same line to syslog. A failure or offer
 * record over its user's or address's rate, or any such record while the
 * log's file system is below its free-space minimum, is counted instead
 * (lib/audit_rate.h): PR_OK, nothing written, and the next record written
 * for that user or address says merged=N. PR_OK or PR_ERR_*;
 * PR_ERR_CORRUPT when the last record is damaged or the log does not end
 * where its head file says (records removed, log deleted or replaced).
 */
int pr_audit_append(const char *log_path, const struct pr_audit_event *ev,
    struct pr_errbuf *eb);

/*
 * How long an append or a verify waits for the log's lock, at most: 10 s
 * unless set (0..10000 ms; anything else restores 10 s). A process that
 * serves many people in one thread (the web gate's root parent,
 * doc/ARCHITECTURE.md §4.8) waits briefly, as pr_lock_set_wait makes it
 * wait for a user's lock, so that a writer stuck while holding the log's
 * lock does not stall everyone behind it for 10 s each.
 */
void pr_audit_set_lock_wait(int wait_ms);

/*
 * Whether a record could be appended now: the log's lock taken within
 * that bound and released at once. PR_OK, or what an append would have
 * met (PR_ERR_LOCK when the lock stayed held; eb says which file). For a
 * caller that must not change anything it cannot record; the append
 * itself may still fail, and is checked.
 */
int pr_audit_ready(const char *log_path, struct pr_errbuf *eb);

/*
 * Verify the chain of log_path, and that it ends where "<log_path>.head"
 * says (when there is one), under a shared lock. PR_OK, or PR_ERR_CORRUPT
 * with *bad_record (1-based line number; the first missing one when
 * records were cut from the end) and eb naming the first bad record and
 * why (edited, deleted/reordered, torn last record, bad syntax, records
 * removed from the end or the log deleted).
 */
int pr_audit_verify(const char *log_path, long *bad_record, long *n_records,
    struct pr_errbuf *eb);

/* Format one record line (without chain fields) — exposed for tests. */
int pr_audit_format(const struct pr_audit_event *ev, int64_t when,
    const char *host, char **out);

/*
 * Chain one record: body (from pr_audit_format) becomes the line
 * "seq=<seq> <body> prev=<prev> hash=<hash>\n" in *out (malloc'd, length
 * *out_len), exactly as pr_audit_append writes it; prev is the previous
 * record's line hash (64 lower-case hex; 64 zeros before record 1). next
 * (may be NULL) gets this line's hash: the next record's prev, and what
 * the head file holds after it. For tools that build a log without the
 * appender's lock, fsync and syslog (tests, benchmarks); PR_ERR_INVALID_ARG
 * for a bad seq or prev, or a line longer than a record may be.
 */
int pr_audit_chain(long long seq, const char *prev, const char *body,
    char **out, size_t *out_len, char next[65]);

#endif
