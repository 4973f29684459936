/*
 * Pure policy decisions: what a user must present, which credential class
 * satisfies that, whether UV is demanded. No I/O, no allocation, so every
 * caller (module, helpers, coverage report) decides the same way.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "policy.h"

struct pr_policy pr_policy_effective(const struct pr_policy *p)
{
	struct pr_policy eff = *p;

	/* A physical key for everyone is a security key for everyone. */
	if (eff.require_physical_key == PR_REQ_PHYS_ALL_USERS)
		eff.require_security_key = PR_REQ_KEY_ALL_USERS;
	return eff;
}

/*
 * Exemption is honoured for staff only: the accounts that can turn security
 * off for everyone are never let off, whatever the lists say.
 */
enum pr_need pr_policy_need(const struct pr_policy *p, enum pr_role role, bool exempt)
{
	struct pr_policy eff = pr_policy_effective(p);

	if (exempt && role == PR_ROLE_STAFF)
		return PR_NEED_NONE;
	if (eff.require_physical_key == PR_REQ_PHYS_ALL_USERS)
		return PR_NEED_PHYSICAL;
	if (eff.require_physical_key == PR_REQ_PHYS_OWNERS && role == PR_ROLE_OWNER)
		return PR_NEED_PHYSICAL;
	if (eff.require_security_key == PR_REQ_KEY_ALL_USERS)
		return PR_NEED_ANY_KEY;
	return PR_NEED_NONE;
}

/* Unknown enum values satisfy nothing: fail closed. */
bool pr_policy_class_ok(enum pr_need need, enum pr_class c)
{
	bool known = c == PR_CLASS_PASSKEY || c == PR_CLASS_PHYSICAL;

	switch (need) {
	case PR_NEED_NONE:
	case PR_NEED_ANY_KEY:
		return known;
	case PR_NEED_PHYSICAL:
		return c == PR_CLASS_PHYSICAL;
	}
	return false;
}

bool pr_policy_uv_required(const struct pr_policy *p)
{
	return p->user_verification == PR_UV_REQUIRED;
}
