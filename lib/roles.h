/* Roles from the policy's users and @groups (reads the group database). */
#ifndef PR_ROLES_H
#define PR_ROLES_H

#include <stdbool.h>

#include "conf.h"
#include "policy.h"

/*
 * Whether user is a member of group (primary or supplementary), by both
 * getgrouplist() and the group entry; false also when a lookup fails.
 */
bool pr_user_in_group(const char *user, const char *group);

/*
 * Whether user, or one of its groups for "@group" entries (as in
 * pr_user_in_group), is in list; false also when a lookup fails.
 */
bool pr_list_matches_user(const struct pr_strlist *list, const char *user);

/*
 * Resolve role (owner beats admin beats staff) and exemption. PR_OK,
 * PR_ERR_NOT_FOUND for an unknown user, PR_ERR_IO when the user or group
 * database cannot be read or an @group in owners or admins does not exist
 * (never "not a member": fail closed). Owners and admins count a member
 * of a group that getgrouplist() or the group entry says is one; exempt
 * needs both to say so.
 */
int pr_role_resolve(const struct pr_config *cfg, const char *user,
    enum pr_role *role, bool *exempt);

/*
 * For loading the policy: PR_ERR_CONFIG (eb: "exempt lists 'X', who is an
 * owner through @G") when a user named in exempt is a member of an @group
 * in owners or admins, by the group entry or as its primary group. Lookups
 * that fail are not errors here: pr_role_resolve refuses them at sign-in.
 */
int pr_roles_check_exempt(const struct pr_config *cfg, struct pr_errbuf *eb);

/* The need for user under cfg: role + exemption + pr_policy_need. */
int pr_user_need(const struct pr_config *cfg, const char *user,
    enum pr_role *role, enum pr_need *need);

#endif
