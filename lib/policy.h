/*
 * Pure policy decisions (no I/O): what a user must present, given the
 * organisation's settings, the user's role and whether they are exempt.
 * The words they use (roles, classes, needs, settings) are types.h's.
 */
#ifndef PR_POLICY_H
#define PR_POLICY_H

#include <stdbool.h>

#include "types.h"

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

/* Whether the policy demands user verification (a module option may add the demand). */
bool pr_policy_uv_required(const struct pr_policy *p);

#endif
