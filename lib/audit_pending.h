/*
 * Changes begun and not yet recorded (doc/ARCHITECTURE.md §8.3): before a
 * flow commits a change to the store, it leaves an "intent" in the root-only
 * directory "<audit_log>.pending/": the record to append should the program
 * end before its own record (already in its "interrupted" wording), and who
 * wrote it. The flow removes it once its record is written (or its change
 * undone). An intent whose writer is gone is appended by the next
 * pr_audit_append, so a kill at any point leaves no change without a record.
 *
 * This file knows nothing of records beyond "one line of text" (audit.c
 * appends them; audit_intent.c words them); it owns the directory, the file
 * format and the question "is the writer still running?".
 */
#ifndef PR_AUDIT_PENDING_H
#define PR_AUDIT_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PR_PENDING_SUFFIX ".pending"
#define PR_PENDING_NAME_MAX 64   /* an intent file's name, NUL included */
#define PR_PENDING_SWEEP_MAX 64  /* intents appended by one pr_audit_append at most */

/* Who wrote an intent: enough to tell, later, whether that process still runs. */
struct pr_pending_writer {
	char boot_id[37];        /* /proc/sys/kernel/random/boot_id */
	long pid;
	uint64_t start;          /* /proc/<pid>/stat field 22: start time in clock ticks */
	uint64_t pidns;          /* inode of /proc/<pid>/ns/pid: which pids these are */
};

enum pr_pending_state {
	PR_PENDING_LIVE,         /* the writer still runs: its own record may yet come */
	PR_PENDING_GONE,         /* it ended (or the machine restarted): record it now */
	PR_PENDING_UNKNOWN,      /* cannot tell (another pid namespace, /proc unreadable): keep */
};

/* This process. PR_OK, or PR_ERR_IO when /proc does not say (then no intent can be written). */
int pr_pending_self(struct pr_pending_writer *w);

/*
 * Whether w still runs, judged by self (pr_pending_self of the judging
 * process): another boot id is gone; in the same pid namespace, no such
 * pid, a zombie or another start time is gone, the same start time live;
 * anything else unknown.
 */
enum pr_pending_state pr_pending_judge(const struct pr_pending_writer *w,
    const struct pr_pending_writer *self);

/* The file's text for writer w and record body (one line, no newline). malloc'd; NULL: no memory. */
char *pr_pending_format(const struct pr_pending_writer *w, const char *body);

/*
 * Parse an intent file's text (buf[len], NUL-terminated). PR_OK with *w and
 * *body (malloc'd), or PR_ERR_CORRUPT.
 */
int pr_pending_parse(const char *buf, size_t len, struct pr_pending_writer *w, char **body);

/*
 * Write an intent beside log_path ("<log_path>.pending/", made 0700 if
 * missing; the file 0600, replaced atomically, file and directory
 * fsync'd). name gets the file's name, for pr_pending_remove. PR_OK or a
 * PR_ERR_* code (eb says what).
 */
struct pr_errbuf;
int pr_pending_write(const char *log_path, const char *body,
    char name[PR_PENDING_NAME_MAX], struct pr_errbuf *eb);

/* Remove one intent and sync the directory. PR_OK (also when already gone) or PR_ERR_IO. */
int pr_pending_remove(const char *log_path, const char *name);

/* One intent, oldest first, for pr_pending_list. */
typedef void (*pr_pending_visit_fn)(void *arg, const char *name,
    const struct pr_pending_writer *w, enum pr_pending_state st, const char *body);

/*
 * Every intent beside log_path, oldest first (an unreadable or malformed
 * one is visited with w NULL and body NULL). PR_OK (also when there is no
 * directory), or PR_ERR_* when the directory is unsafe or unreadable.
 */
int pr_pending_list(const char *log_path, pr_pending_visit_fn fn, void *arg);

/* Append one record body (no newline); PR_OK or the error that stops the sweep. */
typedef int (*pr_pending_record_fn)(void *arg, const char *body);

/*
 * For the appender, holding the log's lock: record (through fn) and then
 * remove every intent whose writer is gone, oldest first, at most
 * PR_PENDING_SWEEP_MAX (the rest at the next append). *swept counts them.
 * PR_OK, or fn's error (the sweep stops there, the intent stays). A
 * missing, unsafe or unreadable directory is PR_OK with nothing swept: it
 * must not stop the caller's own record (audit verify reports it).
 */
int pr_pending_sweep(const char *log_path, pr_pending_record_fn fn, void *arg, int *swept);

#endif
