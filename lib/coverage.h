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

#include "accounts.h"
#include "conf.h"
#include "err.h"
#include "policy.h"
#include "store.h"

/* A key not used (or, never used, not enrolled) for longer than this is stale. */
#define PR_COVERAGE_UNUSED_SECONDS (90 * 86400)

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
 * How many of creds the web gate could use (lib/webauthn/): none when cfg
 * has no web section, or when a browser at the gate's origin would not use
 * cfg->rp_id (not a DNS domain the gate is under, e.g. "pam://clinic");
 * else the FIDO credentials (an SSH key's application "ssh:..." is never a
 * browser's rp id). The store keeps no rp id per key: a key enrolled under
 * an earlier rp_id counts here and fails at the gate as at the console.
 */
size_t pr_coverage_web_usable(const struct pr_config *cfg, const struct pr_credlist *creds);

/* One user in the report's scope. */
struct pr_scope_user {
	char *name;
	bool has_file;               /* a credential file was listed in the state directory */
	bool resolved;               /* found by the one pass: the fields below hold */
	uid_t uid;
	enum pr_account_kind kind;
	enum pr_role role;
	bool exempt;
};

struct pr_scope {
	struct pr_scope_user *v;     /* sorted by name, no name twice */
	size_t n;
	size_t skipped;              /* names left out: not usable as user names */
};

/*
 * The users in scope of cfg:
 *  - every user named in roles.owners, roles.admins and exempt, and every
 *    member of an @group there (the group entry's members, and accounts
 *    whose primary group it is);
 *  - every user with a credential file in cfg->state_dir;
 *  - every account of the user database that is not a system account
 *    (root and people, by pr_config_uid_min; accounts.h).
 * The user database is read once (getpwent), the groups the policy names
 * once (getgrent, then getgrnam_r for those the enumeration did not
 * return: directories need not enumerate). For an account of that pass,
 * role and exemption are decided here from the group entries (member list
 * or primary group), so a report costs no lookup per user; a name the
 * pass did not return (resolved false) is the caller's to resolve with
 * pr_user_policy, which also tells "not an account". When an @group of
 * owners or admins does not exist, nothing is resolved here, so every
 * user gets pr_role_resolve's refusal. has_file tells whom the state
 * directory's listing named: a user without a file then has no keys, so a
 * report need not open a file that is not there. Names that are not valid user
 * names (pr_username_valid) are counted in skipped. A database or state
 * directory that cannot be read is an error (eb).
 */
int pr_coverage_scope(const struct pr_config *cfg, struct pr_scope *out,
    struct pr_errbuf *eb);

void pr_scope_clear(struct pr_scope *s);

#endif
