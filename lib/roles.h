/* Roles from the policy's users and @groups (reads the group database). */
#ifndef PR_ROLES_H
#define PR_ROLES_H

#include <stdbool.h>

#include "conf.h"
#include "policy.h"

/* Whether user is a member of group (primary or supplementary). */
bool pr_user_in_group(const char *user, const char *group);

/* Whether user, or one of its groups for "@group" entries, is in list (false also when a lookup fails). */
bool pr_list_matches_user(const struct pr_strlist *list, const char *user);

/*
 * Resolve role (owner beats admin beats staff) and exemption. PR_OK,
 * PR_ERR_NOT_FOUND for an unknown user, PR_ERR_IO when the user or group
 * database cannot be read (never "not a member": fail closed).
 */
int pr_role_resolve(const struct pr_config *cfg, const char *user,
    enum pr_role *role, bool *exempt);

/* The need for user under cfg: role + exemption + pr_policy_need. */
int pr_user_need(const struct pr_config *cfg, const char *user,
    enum pr_role *role, enum pr_need *need);

#endif
