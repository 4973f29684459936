/*
 * Roles from the policy's user names and @groups, through the passwd and
 * group databases (NSS). A lookup that fails (as opposed to "no such
 * group") is an error, never "not a member": an owner whose group cannot
 * be read must not drop to staff and lose the physical-key requirement.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "err.h"
#include "policy.h"
#include "roles.h"

#define NSS_BUF_START 1024
#define NSS_BUF_MAX (1024 * 1024)
#define GROUPS_START 32
#define GROUPS_MAX 65536

/* One account as the databases see it. */
struct account {
	char *name;       /* canonical name from the passwd entry */
	gid_t *gids;      /* primary and supplementary groups */
	int n_gids;
};

static void account_clear(struct account *a)
{
	free(a->name);
	free(a->gids);
	a->name = NULL;
	a->gids = NULL;
	a->n_gids = 0;
}

/* "Not found" as NSS reports it: no entry, or ENOENT from some modules. */
static bool nss_not_found(int rc, const void *result)
{
	return (rc == 0 && result == NULL) || rc == ENOENT;
}

static int passwd_lookup(const char *user, char **name, gid_t *gid)
{
	struct passwd pw, *res = NULL;
	char *buf = NULL;
	size_t size = NSS_BUF_START;
	int rc, r;

	for (;;) {
		if ((buf = malloc(size)) == NULL)
			return PR_ERR_NOMEM;
		rc = getpwnam_r(user, &pw, buf, size, &res);
		if (rc != ERANGE || size >= NSS_BUF_MAX)
			break;
		free(buf);
		size *= 2;
	}
	if (nss_not_found(rc, res))
		r = PR_ERR_NOT_FOUND;
	else if (rc != 0 || res == NULL)
		r = PR_ERR_IO;
	else if ((*name = strdup(pw.pw_name)) == NULL)
		r = PR_ERR_NOMEM;
	else {
		*gid = pw.pw_gid;
		r = PR_OK;
	}
	free(buf);
	return r;
}

static int groups_lookup(const char *name, gid_t gid, struct account *a)
{
	int n = GROUPS_START, want;
	gid_t *tmp;

	for (;;) {
		if ((tmp = realloc(a->gids, (size_t)n * sizeof(gid_t))) == NULL)
			return PR_ERR_NOMEM;
		a->gids = tmp;
		want = n;
		if (getgrouplist(name, gid, a->gids, &want) >= 0) {
			a->n_gids = want;
			return PR_OK;
		}
		/* want is now the size needed; insist it grows so this ends. */
		if (want <= n || want > GROUPS_MAX)
			return PR_ERR_IO;
		n = want;
	}
}

static int account_load(const char *user, struct account *a)
{
	gid_t gid = 0;
	int r;

	if (user == NULL || user[0] == '\0')
		return PR_ERR_NOT_FOUND;
	if ((r = passwd_lookup(user, &a->name, &gid)) != PR_OK)
		return r;
	return groups_lookup(a->name, gid, a);
}

/* *exists is false, with PR_OK, when the group is simply not there. */
static int group_gid(const char *group, gid_t *gid, bool *exists)
{
	struct group gr, *res = NULL;
	char *buf = NULL;
	size_t size = NSS_BUF_START;
	int rc;

	*exists = false;
	for (;;) {
		if ((buf = malloc(size)) == NULL)
			return PR_ERR_NOMEM;
		rc = getgrnam_r(group, &gr, buf, size, &res);
		if (rc != ERANGE || size >= NSS_BUF_MAX)
			break;
		free(buf);
		size *= 2;
	}
	if (!nss_not_found(rc, res) && (rc != 0 || res == NULL)) {
		free(buf);
		return PR_ERR_IO;
	}
	if (res != NULL) {
		*gid = gr.gr_gid;
		*exists = true;
	}
	free(buf);
	return PR_OK;
}

static int entry_matches(const char *entry, const char *user,
    const struct account *a, bool *match)
{
	gid_t gid = 0;
	bool exists = false;
	int r;

	*match = false;
	if (entry[0] != '@') {
		/* The name as typed and as the database spells it (case-folding NSS). */
		*match = strcmp(entry, user) == 0 || strcmp(entry, a->name) == 0;
		return PR_OK;
	}
	if ((r = group_gid(entry + 1, &gid, &exists)) != PR_OK || !exists)
		return r;
	for (int i = 0; i < a->n_gids; i++)
		if (a->gids[i] == gid)
			*match = true;
	return PR_OK;
}

static int list_match(const struct pr_strlist *list, const char *user,
    const struct account *a, bool *match)
{
	int r;

	*match = false;
	for (size_t i = 0; list != NULL && i < list->n; i++) {
		if ((r = entry_matches(list->v[i], user, a, match)) != PR_OK)
			return r;
		if (*match)
			return PR_OK;
	}
	return PR_OK;
}

bool pr_user_in_group(const char *user, const char *group)
{
	struct account a = { 0 };
	gid_t gid = 0;
	bool exists = false, member = false;

	if (group == NULL || account_load(user, &a) != PR_OK)
		goto done;
	if (group_gid(group, &gid, &exists) != PR_OK || !exists)
		goto done;
	for (int i = 0; i < a.n_gids; i++)
		if (a.gids[i] == gid)
			member = true;
done:
	account_clear(&a);
	return member;
}

bool pr_list_matches_user(const struct pr_strlist *list, const char *user)
{
	struct account a = { 0 };
	bool match = false;

	if (account_load(user, &a) != PR_OK || list_match(list, user, &a, &match) != PR_OK)
		match = false;
	account_clear(&a);
	return match;
}

int pr_role_resolve(const struct pr_config *cfg, const char *user,
    enum pr_role *role, bool *exempt)
{
	struct account a = { 0 };
	bool match = false;
	int r;

	if (cfg == NULL || role == NULL || exempt == NULL)
		return PR_ERR_INVALID_ARG;
	*role = PR_ROLE_STAFF;
	*exempt = false;
	if ((r = account_load(user, &a)) != PR_OK)
		goto fail;
	/* owner beats admin beats staff */
	if ((r = list_match(&cfg->owners, user, &a, &match)) != PR_OK)
		goto fail;
	if (match)
		*role = PR_ROLE_OWNER;
	if (!match && (r = list_match(&cfg->admins, user, &a, &match)) != PR_OK)
		goto fail;
	if (match && *role == PR_ROLE_STAFF)
		*role = PR_ROLE_ADMIN;
	/* Owners and admins are never exempt, whatever the list says. */
	if (*role == PR_ROLE_STAFF &&
	    (r = list_match(&cfg->exempt, user, &a, exempt)) != PR_OK)
		goto fail;
	r = PR_OK;
fail:
	if (r != PR_OK)
		*exempt = false;
	account_clear(&a);
	return r;
}

int pr_user_need(const struct pr_config *cfg, const char *user,
    enum pr_role *role, enum pr_need *need)
{
	enum pr_role rl = PR_ROLE_STAFF;
	bool exempt = false;
	int r;

	if (need == NULL)
		return PR_ERR_INVALID_ARG;
	/* Strictest answer until decided, for a caller that ignores the result. */
	*need = PR_NEED_PHYSICAL;
	if ((r = pr_role_resolve(cfg, user, &rl, &exempt)) != PR_OK)
		return r;
	*need = pr_policy_need(&cfg->policy, rl, exempt);
	if (role != NULL)
		*role = rl;
	return PR_OK;
}
