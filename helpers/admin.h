/* practicerunner-admin: one dispatcher over subcommand groups. */
#ifndef PR_ADMIN_H
#define PR_ADMIN_H

#include "cli.h"

/* Each handler gets argv from the subcommand's name on (argv[0] = "check", ...). */
int admin_policy_check(struct cli *c, int argc, char **argv);
int admin_policy_show(struct cli *c, int argc, char **argv);
int admin_key_enroll(struct cli *c, int argc, char **argv);
int admin_key_list(struct cli *c, int argc, char **argv);
int admin_key_ssh_challenge(struct cli *c, int argc, char **argv);
int admin_key_enroll_ssh(struct cli *c, int argc, char **argv);
int admin_key_remove(struct cli *c, int argc, char **argv);
int admin_audit_verify(struct cli *c, int argc, char **argv);
int admin_invite(struct cli *c, int argc, char **argv);
int admin_invite_list(struct cli *c, int argc, char **argv);
int admin_invite_revoke(struct cli *c, int argc, char **argv);
int admin_coverage(struct cli *c, int argc, char **argv);
int admin_import_pam_u2f(struct cli *c, int argc, char **argv);
int admin_codes_generate(struct cli *c, int argc, char **argv);
int admin_codes_status(struct cli *c, int argc, char **argv);
int admin_recovery_start(struct cli *c, int argc, char **argv);
int admin_unlock(struct cli *c, int argc, char **argv);

#endif
