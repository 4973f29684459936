/*
 * What the self-service setuid helpers (practicerunner-enroll,
 * practicerunner-recover) share: the audit record for the caller, the
 * account to act on, its policy, checks on text people type or keys send,
 * secret lines from standard input and making a credential with the
 * caller's rights. The privilege model is setuid.h's.
 */
#ifndef PR_SELFSERVICE_H
#define PR_SELFSERVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "enroll.h"
#include "cli.h"
#include "flow.h"
#include "roles.h"
#include "setuid.h"
#include "transport.h"

/* Who a self-service run acts for; the fields of each helper's context. */
struct ss_who {
	const struct cli *cli;
	struct suid *suid;
	const char *user;            /* the account acted on */
	enum pr_role role;
};

/*
 * One audit record: the caller as actor, the account as user, service
 * cli->prog. method names how the step was proven (NULL: from cred, if
 * any). Written with signals blocked unless they already are. A failure
 * is said on stderr.
 */
int ss_audit(const struct ss_who *w, const char *event, int err, const char *method,
    const struct pr_cred *cred, const char *detail);

/*
 * Before a change: the success record ss_audit will write for it
 * (cli_audit_begin). PR_OK, or said and an error: do not make the change.
 * ss_audit of the same event settles it; cli_audit_undone after an undo.
 */
int ss_audit_begin(const struct ss_who *w, const char *event, const char *method,
    const struct pr_cred *cred, const char *detail);

/*
 * The recorder the flows in lib/ take (lib/flow.h): ss_audit_begin and
 * ss_audit for w, cli_audit_undone, signals blocked around each change
 * (suid_critical_begin). w must outlive rec.
 */
void ss_recorder(const struct ss_who *w, struct pr_recorder *rec);

/*
 * Config, the account to act on (the caller, or opt_user for root: it must
 * exist), its role and requirement. PR_ERR_CONFIG, PR_ERR_NOT_FOUND (no such
 * user) or the error of the policy lookup, said on stderr.
 */
int ss_load_user(struct cli *c, const struct suid *s, const char *opt_user, const char **user,
    enum pr_role *role, enum pr_need *need);

/* --config and --user only for a trusted caller: CLI_OK, or said and CLI_USAGE. */
int ss_check_trusted(const struct cli *c, const struct suid *s, const char *opt_user);

/* Labels people type: printable ASCII (space included), at most PR_LABEL_MAX bytes. */
bool ss_label_valid(const char *s);

/*
 * Text we did not write ourselves (labels stored by an administrator or an
 * import, explanations quoting a certificate the key sent) may hold
 * anything: never send raw control bytes to the user's terminal.
 */
void ss_clean_text(char *s);

/*
 * One secret line after prompt, from standard input (echo off on a
 * terminal), surrounding blanks trimmed. PR_ERR_CANCELLED for an empty line
 * or end of input, PR_ERR_INVALID_ARG for a NUL byte or a line longer than
 * max. The buffer is wiped whatever happens.
 */
int ss_read_secret_line(const char *prompt, size_t max, char **out);

/* makeCredential on the attached keys, run with the caller's rights. */
struct ss_make {
	const struct pr_enroll_opts *opts;  /* as the policy sets them (pr_enroll_opts_load) */
	const struct pr_credlist *creds;  /* enrolled keys: excluded from the new credential */
	struct pr_cred *cred;
	struct pr_class_reason *reason;   /* why the key got its class */
};

/* Device I/O with the caller's rights: open the attached keys, run fn, close them. */
typedef int (*ss_device_fn)(const struct pr_devices *devs, void *arg);
int ss_with_devices(struct suid *s, ss_device_fn fn, void *arg);

/* ss_with_devices for a struct ss_make. */
int ss_make_credential(struct suid *s, struct ss_make *m);

/*
 * Run fn with the caller's rights (suid_drop ... suid_regain): for files
 * the caller names and for parsing what they contain. PR_ERR_PERM when the
 * drop fails (said), else fn's result.
 */
typedef int (*ss_caller_fn)(void *arg);
int ss_as_caller(struct suid *s, ss_caller_fn fn, void *arg);

/*
 * Inside ss_as_caller only (refused otherwise, PR_ERR_PERM): read the file
 * the caller named as what ("public key file") with pr_read_named, at most
 * max bytes. The path must be absolute: the helper runs in "/", not in the
 * caller's directory, and must not guess. PR_OK, or said and
 * PR_ERR_INVALID_ARG.
 */
int ss_read_named(const struct cli *c, const struct suid *s, const char *what,
    const char *path, size_t max, char **buf, size_t *len);

/*
 * Inside ss_as_caller only: a new file of the caller's, mode 0600, at the
 * absolute path (O_CREAT|O_EXCL|O_NOFOLLOW: never an existing file, never
 * through a link), or with path NULL a fresh mkstemp file under /tmp. The
 * name used goes to made. PR_OK with *fd open, or said and
 * PR_ERR_INVALID_ARG (not an absolute path) or PR_ERR_PERM (not created).
 */
int ss_create_named(const struct cli *c, const struct suid *s, const char *path,
    char *made, size_t made_len, int *fd);

/* Remove a file ss_create_named made, with the caller's rights (never root's). */
void ss_unlink_named(struct suid *s, const char *path);

#endif
