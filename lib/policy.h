/*
 * Pure policy decisions (no I/O): what a user must present, given the
 * organisation's settings, the user's role and whether they are exempt.
 */
#ifndef PR_POLICY_H
#define PR_POLICY_H

#include <stdbool.h>

enum pr_require_key { PR_REQ_KEY_NONE = 0, PR_REQ_KEY_ALL_USERS };
enum pr_require_physical { PR_REQ_PHYS_NONE = 0, PR_REQ_PHYS_OWNERS, PR_REQ_PHYS_ALL_USERS };
enum pr_uv { PR_UV_DISCOURAGED = 0, PR_UV_PREFERRED, PR_UV_REQUIRED };
enum pr_role { PR_ROLE_STAFF = 0, PR_ROLE_ADMIN, PR_ROLE_OWNER };
enum pr_class { PR_CLASS_PASSKEY = 0, PR_CLASS_PHYSICAL };

/* What a user must present. */
enum pr_need {
	PR_NEED_NONE = 0,     /* no requirement: the module does not block */
	PR_NEED_ANY_KEY,      /* a passkey or physical key */
	PR_NEED_PHYSICAL,     /* an enrolled physical key */
};

struct pr_policy {
	enum pr_require_key require_security_key;
	enum pr_require_physical require_physical_key;
	enum pr_uv user_verification;
};

/*
 * The requirement for one user. require_physical_key = all-users implies
 * require_security_key = all-users and the owner rule; owners applies to
 * owners only; exempt users have none (owners/admins are never exempt: the
 * config loader rejects that, and this function ignores exempt for them).
 */
enum pr_need pr_policy_need(const struct pr_policy *p, enum pr_role role, bool exempt);

/* The policy with implied settings spelled out (physical all-users => key all-users). */
struct pr_policy pr_policy_effective(const struct pr_policy *p);

/* Whether a credential of class c satisfies need (NONE is satisfied by anything). */
bool pr_policy_class_ok(enum pr_need need, enum pr_class c);

/* Whether UV is demanded, from the policy and a stricter module option. */
bool pr_policy_uv_required(const struct pr_policy *p, bool option_uv_required);

const char *pr_role_name(enum pr_role r);
const char *pr_class_name(enum pr_class c);
const char *pr_need_name(enum pr_need n);
const char *pr_uv_name(enum pr_uv u);
const char *pr_require_key_name(enum pr_require_key k);
const char *pr_require_physical_name(enum pr_require_physical k);
/* Parse "physical"/"passkey"; returns 0 or -1. */
int pr_class_parse(const char *s, enum pr_class *out);

#endif
