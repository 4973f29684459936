/* What every command-line program shares: config, terminal UI, audit, exit codes. */
#ifndef PR_CLI_H
#define PR_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "assertion.h"
#include "audit.h"
#include "audit_event.h"
#include "conf.h"
#include "store.h"

/* Exit statuses (documented in the man pages). */
enum cli_exit {
	CLI_OK = 0,
	CLI_FAILED = 1,       /* the operation was refused or failed */
	CLI_USAGE = 2,        /* bad command line */
	CLI_CONFIG = 3,       /* the policy file is invalid */
	CLI_STATE = 4,        /* state or audit files unusable */
	CLI_BREAKGLASS = 5,   /* a break-glass use is not yet acknowledged (coverage, policy check) */
};

struct cli {
	const char *prog;
	const char *config_path;
	struct pr_config *cfg;
};

/* Load the policy, printing the error (with file and line) on failure. */
int cli_load_config(struct cli *c);

/* Terminal UI: PIN from the controlling terminal (or a stdin line), touch cue on stderr. */
void cli_ui(struct pr_ui *ui);

/*
 * One secret line from fd (echo off on a terminal; the terminal is restored
 * before a ^C takes effect). PR_OK with the line (possibly empty, no
 * newline; wipe it), PR_ERR_INVALID_ARG when longer than max or holding a
 * NUL byte, PR_ERR_NOMEM.
 */
int cli_read_secret(int fd, size_t max, char **out);

/* Print "prog: message" to stderr. */
void cli_err(const struct cli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "30m", "72h", "7d" (or "90s"): a positive whole number and one unit, at most max seconds. */
bool cli_parse_duration(const char *s, int64_t max, int64_t *out);

/* Exit status for a project error code. */
int cli_exit_code(int err);

/* Name of the person running the program (real uid), for audit "actor". */
const char *cli_actor(void);

/* The terminal on standard input without "/dev/", or NULL: for audit "tty". */
const char *cli_tty(void);

/*
 * The record of what a person running one of the programs did
 * (audit_event.h): actor (NULL: cli_actor()), the program as service,
 * their terminal, and the role of what->user unless what->role names it.
 * pr_audit_build's result; clear b after use.
 */
int cli_audit_event(const struct cli *c, const char *actor, const struct pr_audit_what *what,
    struct pr_audit_built *b);

/*
 * Write an audit record for an admin action on user about credential cred
 * (may be NULL). It settles the change begun with cli_audit_begin for the
 * same event: a failure (no change made) or a record written ends it; a
 * success whose record failed keeps it until cli_audit_undone.
 */
int cli_audit(const struct cli *c, const char *event, int err, const char *user,
    const struct pr_cred *cred, const char *detail);

/*
 * Before committing a change: the success record cli_audit will write for
 * it, left where the next append finds it should this program end before
 * that record (doc/ARCHITECTURE.md §8.3). PR_OK, or said on stderr and an
 * error: then do not make the change.
 */
int cli_audit_begin(const struct cli *c, const char *event, const char *user,
    const struct pr_cred *cred, const char *detail);

/* A change whose record failed was undone: nothing is left to record. */
void cli_audit_undone(void);

/*
 * The same for any record-writing front end (selfservice.c): begin with
 * the event as it will be recorded; settle after the record (change_err:
 * the change's outcome, record_err: the append's).
 */
int cli_intent_begin(const struct cli *c, const struct pr_audit_event *ev);
void cli_intent_settle(const char *event, int change_err, int record_err);

/* Test builds: the point "commit-<event>", after a change and before its record (transport.h). */
void cli_after_commit(const char *event, int err);


/* Date of a timestamp as YYYY-MM-DD, or "never" for 0. */
const char *cli_date(int64_t t, char buf[32]);

/* Refuse to go on unless running as root. */
bool cli_require_root(const struct cli *c);

#endif
