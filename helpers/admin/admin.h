/* practicerunner-admin: one dispatcher over subcommand groups. */
#ifndef PR_ADMIN_H
#define PR_ADMIN_H

#include "cli.h"
#include "flow.h"

/* Each handler gets argv from the subcommand's name on (argv[0] = "check", ...). */
int admin_policy_check(struct cli *c, int argc, char **argv);
int admin_policy_show(struct cli *c, int argc, char **argv);
int admin_key_enroll(struct cli *c, int argc, char **argv);
int admin_key_list(struct cli *c, int argc, char **argv);
int admin_key_ssh_challenge(struct cli *c, int argc, char **argv);
int admin_key_enroll_ssh(struct cli *c, int argc, char **argv);
int admin_key_remove(struct cli *c, int argc, char **argv);
int admin_audit_verify(struct cli *c, int argc, char **argv);
int admin_audit_verify_all(struct cli *c, const char *dir);
int admin_audit_rotate(struct cli *c, int argc, char **argv);
int admin_audit_export(struct cli *c, int argc, char **argv);
int admin_invite(struct cli *c, int argc, char **argv);
int admin_invite_list(struct cli *c, int argc, char **argv);
int admin_invite_revoke(struct cli *c, int argc, char **argv);
int admin_coverage(struct cli *c, int argc, char **argv);
int admin_import_pam_u2f(struct cli *c, int argc, char **argv);
int admin_codes_generate(struct cli *c, int argc, char **argv);
int admin_codes_status(struct cli *c, int argc, char **argv);
int admin_recovery_start(struct cli *c, int argc, char **argv);
int admin_recovery_revoke(struct cli *c, int argc, char **argv);
int admin_unlock(struct cli *c, int argc, char **argv);
int admin_breakglass_create(struct cli *c, int argc, char **argv);
int admin_breakglass_list(struct cli *c, int argc, char **argv);
int admin_breakglass_revoke(struct cli *c, int argc, char **argv);
int admin_breakglass_ack(struct cli *c, int argc, char **argv);
int admin_store_status(struct cli *c, int argc, char **argv);
int admin_store_migrate(struct cli *c, int argc, char **argv);

/*
 * Store cred for user with its record (keychange.h): intent (detail on it
 * and on the success record), keys revoked past a stuck lock settled, the
 * store, the record, the key taken out again if unrecorded. exists: the
 * words for a key already enrolled (NULL: the store's). PR_OK, or the
 * error, said and recorded.
 */
int admin_enroll_commit(struct cli *c, const char *user, const struct pr_cred *cred,
    const char *detail, const char *exists);

/* An administrator acting on user, as the lib/ flows record it (lib/flow.h). */
struct admin_run {
	struct cli *c;
	const char *user;
};
/* The recorder for run: cli_audit_begin, cli_audit, cli_audit_undone (admin_codes.c). */
void admin_recorder(struct admin_run *run, struct pr_recorder *rec);

/* Withdrawing a user's one-time token (an invitation, a recovery ticket). */
struct admin_revoke {
	const char *usage;           /* "invite revoke USER" */
	const char *event;           /* audit event */
	const char *noun;            /* "Invitation", for "... for USER revoked." */
	const char *none;            /* "has no invitation (see: invite list)" */
	int (*revoke)(struct pr_state *state, const char *user, struct pr_errbuf *eb);
};
int admin_revoke(struct cli *c, int argc, char **argv, const struct admin_revoke *k);

/*
 * Whether the audit log's file system has less free space than min_free_mb
 * (doc/ARCHITECTURE.md §8.6); if so, a warning saying what to do is on
 * stderr. policy check and coverage exit CLI_STATE then.
 */
bool admin_audit_space_low(const struct cli *c);

/*
 * The exit status policy check and coverage share: CLI_STATE when state
 * could not be read (state_error, or the break-glass files) or the audit
 * log's space is low; else CLI_BREAKGLASS while a break-glass use is not
 * acknowledged (each said on stderr: who, when, what to do); else
 * CLI_FAILED when failed; else CLI_OK.
 */
int admin_state_status(struct cli *c, bool state_error, bool failed);

/* "COMMAND USER" for root only: CLI_OK with *user (a valid name), or the status, said. */
int admin_user_arg(struct cli *c, int argc, char **argv, const char *usage,
    const char **user);

#endif
