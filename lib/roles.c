/*
 * Roles from the policy's user names and @groups, through the passwd and
 * group databases (NSS). A lookup that fails (as opposed to "no such
 * group") is an error, never "not a member": an owner whose group cannot
 * be read must not drop to staff and lose the physical-key requirement.
 *
 * Directory services fail in ways NSS does not always report: glibc
 * returns errno (often ENOENT) when a backend is UNAVAIL, and
 * getgrouplist() silently skips a service that fails. So membership is
 * read from two sources, getgrouplist() and the group's own gr_mem (from
 * getgrnam_r, which does report failures), and each list errs on its safe
 * side: owners and admins take either source's word (and an @group there
 * that does not resolve is an error), exempt needs both to agree.
 *
 * getgrouplist() asks every group source, so its first call loads each
 * NSS module (Debian's "group: files systemd" loads libnss_systemd, about
 * 1.5 ms). It is called only when its answer can change a match: for an
 * owners or admins @group the entry does not already grant, and for an
 * exempt @group the entry does grant. It is never skipped where it could
 * raise a role: a source other than the group's own (an sssd or userdb
 * membership of a group in /etc/group) may name a member that gr_mem
 * does not.
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
	uid_t uid;
	gid_t gid;        /* primary group, from the passwd entry */
	gid_t *gids;      /* primary and supplementary groups (getgrouplist) */
	int n_gids;
	bool gids_read;   /* gids holds getgrouplist()'s answer (read on first need) */
};

static void account_clear(struct account *a)
{
	free(a->name);
	free(a->gids);
	a->name = NULL;
	a->gids = NULL;
	a->n_gids = 0;
	a->gids_read = false;
}

/* How a list is matched: see the file comment. */
enum match_mode {
	MATCH_GRANT,    /* owners, admins: either source; a missing group is an error */
	MATCH_EXEMPT,   /* exempt: both sources; a missing group matches nobody */
};

/* One @group as the group database sees it, for one account. */
struct group_view {
	bool exists;
	gid_t gid;
	bool listed;      /* gr_mem names the account */
};

/*
 * "Not found" only as getpwnam_r(3) and getgrnam_r(3) define it: success
 * and no entry. Any error code, ENOENT included, is a failed lookup.
 */
static bool nss_not_found(int rc, const void *result)
{
	return rc == 0 && result == NULL;
}

static int passwd_lookup(const char *user, char **name, uid_t *uid, gid_t *gid)
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
		*uid = pw.pw_uid;
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

/* The passwd entry only; the group list waits for account_gids. */
static int account_load(const char *user, struct account *a)
{
	if (user == NULL || user[0] == '\0')
		return PR_ERR_NOT_FOUND;
	return passwd_lookup(user, &a->name, &a->uid, &a->gid);
}

/* getgrouplist()'s answer for a, read once. */
static int account_gids(struct account *a)
{
	int r;

	if (a->gids_read)
		return PR_OK;
	if ((r = groups_lookup(a->name, a->gid, a)) != PR_OK)
		return r;
	a->gids_read = true;
	return PR_OK;
}

static bool name_listed(char *const *mem, const char *name)
{
	for (size_t i = 0; mem != NULL && mem[i] != NULL; i++)
		if (strcmp(mem[i], name) == 0)
			return true;
	return false;
}

/* g->exists is false, with PR_OK, when the group is simply not there. */
static int group_lookup(const char *group, const char *name, struct group_view *g)
{
	struct group gr, *res = NULL;
	char *buf = NULL;
	size_t size = NSS_BUF_START;
	int rc;

	memset(g, 0, sizeof(*g));
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
		g->exists = true;
		g->gid = gr.gr_gid;
		g->listed = name != NULL && name_listed(gr.gr_mem, name);
	}
	free(buf);
	return PR_OK;
}

static bool gid_in(const struct account *a, gid_t gid)
{
	for (int i = 0; i < a->n_gids; i++)
		if (a->gids[i] == gid)
			return true;
	return false;
}

/*
 * getgrouplist() (a->gids, primary group included) against the group's
 * gr_mem, which names supplementary members only: the primary group comes
 * from the passwd entry, whose lookup reports failures. The entry is read
 * first; the list only where it can change the answer (file comment):
 * a grant the entry already gives, or an exemption it already denies,
 * stands whatever the list says.
 */
static int group_matches(const char *group, struct account *a,
    enum match_mode mode, bool *match)
{
	struct group_view g;
	bool by_entry;
	int r;

	*match = false;
	if ((r = group_lookup(group, a->name, &g)) != PR_OK)
		return r;
	if (!g.exists)
		return mode == MATCH_GRANT ? PR_ERR_IO : PR_OK;
	by_entry = g.listed || g.gid == a->gid;
	if (by_entry == (mode == MATCH_GRANT)) {
		*match = by_entry;
		return PR_OK;
	}
	if ((r = account_gids(a)) != PR_OK)
		return r;
	*match = gid_in(a, g.gid);
	return PR_OK;
}

static int entry_matches(const char *entry, const char *user,
    struct account *a, enum match_mode mode, bool *match)
{
	*match = false;
	if (entry[0] == '@')
		return group_matches(entry + 1, a, mode, match);
	/* The name as typed and as the database spells it (case-folding NSS). */
	*match = strcmp(entry, user) == 0 || strcmp(entry, a->name) == 0;
	return PR_OK;
}

static int list_match(const struct pr_strlist *list, const char *user,
    struct account *a, enum match_mode mode, bool *match)
{
	int r;

	*match = false;
	for (size_t i = 0; list != NULL && i < list->n; i++) {
		if ((r = entry_matches(list->v[i], user, a, mode, match)) != PR_OK)
			return r;
		if (*match)
			return PR_OK;
	}
	return PR_OK;
}

bool pr_user_in_group(const char *user, const char *group)
{
	struct account a = { 0 };
	bool member = false;

	if (group == NULL || account_load(user, &a) != PR_OK ||
	    group_matches(group, &a, MATCH_EXEMPT, &member) != PR_OK)
		member = false;
	account_clear(&a);
	return member;
}

bool pr_list_matches_user(const struct pr_strlist *list, const char *user)
{
	struct account a = { 0 };
	bool match = false;

	if (account_load(user, &a) != PR_OK ||
	    list_match(list, user, &a, MATCH_EXEMPT, &match) != PR_OK)
		match = false;
	account_clear(&a);
	return match;
}

/* Role and exemption of an account already loaded. */
static int resolve_loaded(const struct pr_config *cfg, const char *user,
    struct account *a, enum pr_role *role, bool *exempt)
{
	bool match = false;
	int r;

	/* owner beats admin beats staff */
	if ((r = list_match(&cfg->owners, user, a, MATCH_GRANT, &match)) != PR_OK)
		return r;
	if (match)
		*role = PR_ROLE_OWNER;
	if (!match && (r = list_match(&cfg->admins, user, a, MATCH_GRANT,
	    &match)) != PR_OK)
		return r;
	if (match && *role == PR_ROLE_STAFF)
		*role = PR_ROLE_ADMIN;
	/* Owners and admins are never exempt, whatever the list says. */
	if (*role == PR_ROLE_STAFF)
		return list_match(&cfg->exempt, user, a, MATCH_EXEMPT, exempt);
	return PR_OK;
}

/* pr_role_resolve, and the account's uid. */
static int resolve(const struct pr_config *cfg, const char *user, enum pr_role *role,
    bool *exempt, uid_t *uid)
{
	struct account a = { 0 };
	int r;

	if (cfg == NULL || role == NULL || exempt == NULL)
		return PR_ERR_INVALID_ARG;
	*role = PR_ROLE_STAFF;
	*exempt = false;
	if ((r = account_load(user, &a)) == PR_OK &&
	    (r = resolve_loaded(cfg, user, &a, role, exempt)) == PR_OK)
		*uid = a.uid;
	if (r != PR_OK)
		*exempt = false;
	account_clear(&a);
	return r;
}

int pr_role_resolve(const struct pr_config *cfg, const char *user,
    enum pr_role *role, bool *exempt)
{
	uid_t uid;

	return resolve(cfg, user, role, exempt, &uid);
}

/*
 * Whether user is in group by gr_mem or as its primary group (pw_gid, when
 * the passwd lookup worked). For the load-time check: a failed lookup is
 * "no", since sign-in refuses what cannot be resolved anyway.
 */
static bool member_at_load(const char *group, const char *user, const gid_t *pw_gid)
{
	struct group_view g;

	if (group_lookup(group, user, &g) != PR_OK || !g.exists)
		return false;
	return g.listed || (pw_gid != NULL && *pw_gid == g.gid);
}

/* The first @group entry of list that user belongs to, or NULL. */
static const char *member_through(const struct pr_strlist *list, const char *user,
    const gid_t *pw_gid)
{
	for (size_t i = 0; i < list->n; i++)
		if (list->v[i][0] == '@' && member_at_load(list->v[i] + 1, user, pw_gid))
			return list->v[i];
	return NULL;
}

int pr_roles_check_exempt(const struct pr_config *cfg, struct pr_errbuf *eb)
{
	const char *user, *via;
	char *name = NULL;
	uid_t uid = 0;
	gid_t gid = 0;
	bool known;

	if (cfg == NULL)
		return PR_ERR_INVALID_ARG;
	for (size_t i = 0; i < cfg->exempt.n; i++) {
		user = cfg->exempt.v[i];
		if (user[0] == '@')
			continue;    /* the literal check's job; sign-in refuses the rest */
		known = passwd_lookup(user, &name, &uid, &gid) == PR_OK;
		free(name);
		name = NULL;
		if ((via = member_through(&cfg->owners, user, known ? &gid : NULL)) != NULL)
			return pr_fail(eb, PR_ERR_CONFIG, "exempt lists '%s', who is an "
			    "owner through %s", user, via);
		if ((via = member_through(&cfg->admins, user, known ? &gid : NULL)) != NULL)
			return pr_fail(eb, PR_ERR_CONFIG, "exempt lists '%s', who is an "
			    "admin through %s", user, via);
	}
	return PR_OK;
}

int pr_roles_config_load(const char *path, struct pr_config **out, struct pr_errbuf *eb)
{
	struct pr_errbuf why = { 0 };
	int r;

	if ((r = pr_config_load(path, out, eb)) != PR_OK)
		return r;
	if (pr_roles_check_exempt(*out, &why) == PR_OK)
		return PR_OK;
	r = pr_fail(eb, PR_ERR_CONFIG, "%s:%d: %s: owners and admins cannot be exempt",
	    (*out)->path, (*out)->exempt_line, why.msg);
	pr_config_free(out);
	return r;
}

enum pr_need pr_account_need(const struct pr_config *cfg, enum pr_role role,
    bool exempt, enum pr_account_kind kind)
{
	/*
	 * Service accounts never sign in with a key (pam_succeed_if uid >=
	 * UID_MIN). An account the policy names an owner or admin is a person
	 * whatever its uid: like exempt, a low uid must not take the
	 * requirement off the accounts that can change everyone's security.
	 */
	if (kind == PR_ACCOUNT_SYSTEM && role == PR_ROLE_STAFF)
		return PR_NEED_NONE;
	return pr_policy_need(&cfg->policy, role, exempt);
}

int pr_user_policy(const struct pr_config *cfg, const char *user,
    struct pr_user_policy *out)
{
	int r;

	if (out == NULL)
		return PR_ERR_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	/* Strictest answer until decided, for a caller that ignores the result. */
	out->need = PR_NEED_PHYSICAL;
	if ((r = resolve(cfg, user, &out->role, &out->exempt, &out->uid)) != PR_OK)
		return r;
	out->kind = pr_account_kind(out->uid, pr_config_uid_min(cfg));
	out->need = pr_account_need(cfg, out->role, out->exempt, out->kind);
	return PR_OK;
}

int pr_user_need(const struct pr_config *cfg, const char *user,
    enum pr_role *role, enum pr_need *need)
{
	struct pr_user_policy up;
	int r;

	if (need == NULL)
		return PR_ERR_INVALID_ARG;
	r = pr_user_policy(cfg, user, &up);
	*need = up.need;
	if (r == PR_OK && role != NULL)
		*role = up.role;
	return r;
}
