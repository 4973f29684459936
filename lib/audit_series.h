/*
 * The audit log as a series of files (doc/ARCHITECTURE.md §8.7): a
 * rotation renames the live log "<log>" to
 * "<log>.<YYYYMMDDTHHMMSSZ>-<seq of its last record, 12 digits>" and starts
 * a new live log whose first record (event "rotate") continues the chain of
 * the old one; verify --all checks the files one after another.
 */
#ifndef PR_AUDIT_SERIES_H
#define PR_AUDIT_SERIES_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* The files of one series in a directory, oldest first; the live log last. */
struct pr_audit_series {
	char **names;          /* file names in the directory */
	long long *name_seq;   /* the seq a series name ends in; 0 for the live log */
	size_t n;
	bool has_live;         /* the last name is the live log itself */
	char *stale_link;      /* a series name that is the live file (an interrupted
	                          rotation's link), left out of names; NULL: none */
};

/*
 * List dir's files of the log named base: series names ordered by the seq
 * they end in (the chain's order, whatever the clock did), then base.
 * PR_ERR_CORRUPT when two names end in the same seq.
 */
int pr_audit_series_list(const char *dir, const char *base, struct pr_audit_series *s,
    struct pr_errbuf *eb);
void pr_audit_series_free(struct pr_audit_series *s);

/* What a rotation did. */
struct pr_audit_rotated {
	bool rotated;          /* false: the log holds no record, nothing was done */
	char series[256];      /* the old file's new name (in the log's directory) */
	long records;          /* how many records it holds */
	long long last_seq;    /* its last record; the new log starts at last_seq + 1 */
};

/*
 * Rotate log_path under its lock: the log must verify (a damaged log is
 * not sealed away; PR_ERR_CORRUPT); its file gets the series name (never
 * replacing a file), and a new log takes its place whose one record
 * (event rotate, actor, the old name and its record count in detail)
 * continues the chain; the head file follows. A kill at any step leaves the
 * old log in place or the new one (doc/ARCHITECTURE.md §8.7).
 */
int pr_audit_rotate(const char *log_path, const char *actor, struct pr_audit_rotated *out,
    struct pr_errbuf *eb);

/*
 * What an interrupted rotation left beside log_path, in words for
 * `audit verify` (empty when nothing): a link to the live file under a
 * series name (the old state: rotate again), or the live log's start.
 */
void pr_audit_rotation_note(const char *log_path, char *note, size_t cap);

/* What verify --all found. */
struct pr_audit_series_report {
	size_t files;          /* files checked */
	long records;
	long long first_seq;   /* > 1: older files were removed (retention) */
	long long last_seq;
	char bad_file[256];    /* the file named in a failure */
	char note[512];        /* said even on success (an older start, a stale link) */
};

/*
 * Verify the series of log named base in dir: every file's chain, and that
 * each file continues the one before (missing, reordered, cut or edited
 * files are named); the live log, when present, also against its head file.
 * PR_OK, PR_ERR_NOT_FOUND (no file of the series), or PR_ERR_CORRUPT with
 * bad_file and eb saying which file and why.
 */
int pr_audit_verify_all(const char *dir, const char *base,
    struct pr_audit_series_report *rep, struct pr_errbuf *eb);

#endif
