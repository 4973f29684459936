/* Roles from the policy's users and @groups (reads the group database). */
#ifndef PR_ROLES_H
#define PR_ROLES_H

#include <stdbool.h>
#include <sys/types.h>

#include "accounts.h"
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

/*
 * The policy file as every front end loads it: pr_config_load, then
 * pr_roles_check_exempt, whose refusal reads "<path>:<line of exempt>:
 * exempt lists 'X', who is an owner through @G: owners and admins cannot
 * be exempt" (PR_ERR_CONFIG, *out NULL). The loader (layer 1) cannot ask
 * the group database itself.
 */
int pr_roles_config_load(const char *path, struct pr_config **out, struct pr_errbuf *eb);

/* What the policy asks of one account. */
struct pr_user_policy {
	uid_t uid;
	enum pr_account_kind kind;   /* by uid and the policy's uid_min */
	enum pr_role role;
	bool exempt;
	enum pr_need need;
};

/*
 * Role, exemption and kind of user, and so its need: pr_policy_need for
 * people and root, none for system accounts (accounts.h). Errors as
 * pr_role_resolve; out->need is PR_NEED_PHYSICAL until decided.
 */
int pr_user_policy(const struct pr_config *cfg, const char *user,
    struct pr_user_policy *out);

/*
 * The need of an account already resolved (role, exemption, kind): the
 * one rule pr_user_policy and the coverage report apply.
 */
enum pr_need pr_account_need(const struct pr_config *cfg, enum pr_role role,
    bool exempt, enum pr_account_kind kind);

/* pr_user_policy's role and need (role may be NULL). */
int pr_user_need(const struct pr_config *cfg, const char *user,
    enum pr_role *role, enum pr_need *need);

#endif
