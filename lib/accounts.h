/*
 * Which accounts the policy is about (pam_practicerunner(8), "Which
 * accounts are covered"), decided in one place for the module, the verify
 * helper and the coverage report:
 *
 *   person   uid >= uid_min, whatever the shell: a nologin account may
 *            still sign in to an SSH or VPN gateway
 *   root     uid 0: covered at authentication like a person (unless listed
 *            in exempt); its account phase is never denied
 *   system   0 < uid < uid_min, and the overflow account 65534 (nobody):
 *            service accounts, which never need a key
 *
 * uid_min is the policy's uid_min, else UID_MIN from /etc/login.defs, else
 * 1000, as useradd and pam_succeed_if's "uid >= 1000" lines draw the line.
 */
#ifndef PR_ACCOUNTS_H
#define PR_ACCOUNTS_H

#include <stdbool.h>
#include <sys/types.h>

#include "conf.h"

#define PR_LOGIN_DEFS "/etc/login.defs"
#define PR_UID_MIN_DEFAULT 1000
#define PR_UID_OVERFLOW 65534      /* nobody: the kernel's overflow uid */

enum pr_account_kind {
	PR_ACCOUNT_PERSON = 0,
	PR_ACCOUNT_ROOT,
	PR_ACCOUNT_SYSTEM,
};

/* The kind of the account with this uid (pure). */
enum pr_account_kind pr_account_kind(uid_t uid, uid_t uid_min);

/* "person", "root", "system"; "unknown" outside the enum. */
const char *pr_account_kind_name(enum pr_account_kind k);

/*
 * UID_MIN from a login.defs file (path, or PR_LOGIN_DEFS when NULL);
 * PR_UID_MIN_DEFAULT when the file cannot be read or has no valid UID_MIN.
 */
uid_t pr_login_defs_uid_min(const char *login_defs);

/* The policy's uid_min when set, else pr_login_defs_uid_min(NULL). */
uid_t pr_config_uid_min(const struct pr_config *cfg);

/*
 * Whether service is listed in the policy's unattended_services: services
 * that start work for an account without anyone signing in (cron, atd,
 * systemd-user), whose account phase the module leaves to the stack.
 */
bool pr_unattended_service(const struct pr_config *cfg, const char *service);

#endif
