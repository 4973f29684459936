/*
 * practicerunner-enroll's commands share one context and a few steps
 * (user_enroll_common.c); the FIDO key commands live in user_enroll.c, the
 * SSH key commands in user_enroll_ssh.c, and user_enroll.c reaches those
 * only through its command table. The privilege model is setuid.h's.
 */
#ifndef PR_USER_ENROLL_H
#define PR_USER_ENROLL_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "roles.h"
#include "setuid.h"
#include "ssh/sshenroll.h"
#include "store.h"
#include "util.h"

#define PROG "practicerunner-enroll"

/* "practicerunner-enroll: message" on stderr. */
#define say(x, ...) cli_err(&(x)->cli, __VA_ARGS__)

/* The proof a command needs before it changes anything. */
enum confirm {
	CONFIRM_NONE,           /* reads, or harmless (rename) */
	CONFIRM_KEY,            /* a fresh assertion by one of the user's keys */
	CONFIRM_KEY_OR_INVITE,  /* the same; with no acceptable key, an invitation token */
};

struct enroll_ctx {
	struct cli cli;
	struct suid *suid;
	const char *user;            /* whose keys: the caller (or --user for root) */
	enum pr_role role;
	enum pr_need need;
	struct pr_credlist creds;    /* as loaded before any prompt */
	bool *confirmers;            /* per credential: may confirm with a touch */
	const char *label;           /* enroll --label, rename LABEL */
	char keyid[PR_KEYID_LEN + 1];/* rename, remove */
	size_t target;               /* index of keyid in creds */
	char *token;                 /* invitation token; wiped */
	char proof[64];              /* audit detail of the proof taken */
	bool read_only;              /* this run only reads: no proof needed */
	/* ssh-challenge, enroll-ssh */
	const char *out_path;        /* ssh-challenge --output (NULL: a file in /tmp) */
	const char *pubkey_path;
	const char *att_path;        /* NULL: no attestation */
	struct pr_sshkey sshkey;     /* as parsed, with the caller's rights */
	struct pr_sshattest sshatt;
	char ssh_fp[PR_SSH_FP_LEN + 1]; /* "" unless enroll-ssh: then every record names it */
};

struct command {
	const char *name;
	const char *usage;
	enum confirm confirm;
	/* Parse argv (argv[0] = the command) and check it against the state: no prompt yet. */
	int (*check)(struct enroll_ctx *x, int argc, char **argv);
	/* Make the change (or print), after the proof. */
	int (*run)(struct enroll_ctx *x);
};

/*
 * One audit record: the caller as actor, the account acted on as user.
 * During enroll-ssh it names the SSH key (method ssh-sk, its fingerprint)
 * even before the key is a credential.
 */
int ue_audit(struct enroll_ctx *x, const char *event, int err,
    const struct pr_cred *cred, const char *detail);

/*
 * Before a change other than a key's: its record (as ue_audit will write
 * it) on file should we end before writing it (doc/ARCHITECTURE.md §8.3).
 * On failure the attempt is recorded and said; do not make the change.
 */
int ue_audit_begin(struct enroll_ctx *x, const char *event,
    const struct pr_cred *cred, const char *detail);

/*
 * The key changes (keychange.h), with signals held and the proof taken as
 * each record's detail. Enroll: intent, the invitation consumed (if one
 * was the proof), store, record; remove: intent, store under the last-key
 * rule, record. A change that cannot be recorded is undone and said.
 * PR_OK, or the error, said and recorded.
 */
int ue_commit_enroll(struct enroll_ctx *x, const struct pr_cred *cred);
int ue_commit_remove(struct enroll_ctx *x, const struct pr_cred *cred);

/* "physical security key" or "security key", for messages. */
const char *ue_key_words(enum pr_need need);

/* Text from the store on the terminal: control bytes shown as '?'. */
void ue_print_label(const char *s);

/* The SSH key commands (user_enroll_ssh.c). */
int ue_check_ssh_challenge(struct enroll_ctx *x, int argc, char **argv);
int ue_run_ssh_challenge(struct enroll_ctx *x);
int ue_check_enroll_ssh(struct enroll_ctx *x, int argc, char **argv);
int ue_run_enroll_ssh(struct enroll_ctx *x);
void ue_clear_ssh(struct enroll_ctx *x);

#endif
