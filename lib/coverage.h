/*
 * Coverage report: who is in scope of the policy, and whether each of them
 * has the keys their requirement asks for.
 */
#ifndef PR_COVERAGE_H
#define PR_COVERAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "err.h"
#include "policy.h"
#include "store.h"

/* A key not used (or, never used, not enrolled) for longer than this is stale. */
#define PR_COVERAGE_UNUSED_SECONDS (90 * 86400)
#define PR_COVERAGE_LOGIN_DEFS "/etc/login.defs"
#define PR_COVERAGE_UID_MIN_DEFAULT 1000

/*
 * Statuses, in order of precedence (the first that applies is reported):
 *   exempt               staff listed in exempt: no requirement, always reported
 *   no-key               a requirement applies and the user has no FIDO key
 *   needs-physical       a physical key is required; the user has keys, but
 *                        none of them is physical
 *   single-physical-key  a physical key is required and exactly one is enrolled
 *   unused-90d           the user has keys that count for their requirement
 *                        (any FIDO key when there is none), and none of them
 *                        was used (last_used, or created if never used) in
 *                        the last 90 days: exactly 90 days ago is still
 *                        within them
 *   ok                   everything else, including users without a
 *                        requirement and without keys
 * no-key and needs-physical are out of policy; single-physical-key and
 * unused-90d are warnings.
 */
enum pr_coverage_status {
	PR_COV_OK = 0,
	PR_COV_EXEMPT,
	PR_COV_NO_KEY,
	PR_COV_NEEDS_PHYSICAL,
	PR_COV_SINGLE_PHYSICAL,
	PR_COV_UNUSED_90D,
};

struct pr_coverage {
	enum pr_coverage_status status;
	size_t physical;     /* FIDO keys of class physical */
	size_t passkey;      /* FIDO keys of class passkey */
	int64_t last_used;   /* latest use of a key that counts (see unused-90d); 0: never */
};

/*
 * The status of one user (pure). exempt is honoured for staff only, as in
 * pr_policy_need; need is the user's requirement (pr_policy_need).
 */
void pr_coverage_compute(enum pr_role role, enum pr_need need, bool exempt,
    const struct pr_credlist *creds, int64_t now, struct pr_coverage *out);

/* "ok", "no-key", ...; "unknown" for values outside the enum. */
const char *pr_coverage_status_name(enum pr_coverage_status s);

/* no-key and needs-physical (and unknown values: fail closed). */
bool pr_coverage_out_of_policy(enum pr_coverage_status s);

/*
 * UID_MIN from a login.defs file (path, or PR_COVERAGE_LOGIN_DEFS when
 * NULL); PR_COVERAGE_UID_MIN_DEFAULT when the file cannot be read or has
 * no valid UID_MIN.
 */
uid_t pr_coverage_uid_min(const char *login_defs);

/* An account people sign in with: uid >= uid_min and a shell other than nologin or false. */
bool pr_coverage_interactive(uid_t uid, const char *shell, uid_t uid_min);

/*
 * The users in scope, sorted, without duplicates:
 *  - every user named in roles.owners, roles.admins and exempt, and every
 *    member of an @group there (the group entry's members, and accounts
 *    whose primary group it is);
 *  - every user with a credential file in cfg->state_dir;
 *  - every account of the user database (getpwent) that is interactive
 *    (pr_coverage_interactive, UID_MIN from login_defs).
 * Names that are not valid user names (pr_username_valid) are left out and
 * counted in *skipped. Names from the policy or the state directory are
 * kept even when they are not accounts (the caller reports them). A
 * database or state directory that cannot be read is an error (eb).
 */
int pr_coverage_users(const struct pr_config *cfg, const char *login_defs,
    struct pr_strlist *out, size_t *skipped, struct pr_errbuf *eb);

#endif
