/*
 * The users in scope of the coverage report (coverage.h): everyone the
 * policy can be about. Built from one pass over the user database and one
 * over the groups the policy names, so that a report of 100,000 accounts
 * costs what reading them costs: a lookup per user (getpwnam_r,
 * getgrouplist, getgrnam_r per @group) scans flat files once per user,
 * and the report grew with the square of the number of users.
 *
 * Role and exemption of an account found here follow roles.c's rules on
 * the group entries (member list or primary group): where roles.c also
 * asks getgrouplist(), the entries are what that function reads for flat
 * files. Sign-in still resolves each user with roles.c alone.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "store.h"
#include "util.h"

#define NSS_BUF_START 1024
#define NSS_BUF_MAX (1024 * 1024)

/* ---- one pass over the user database -------------------------------------------- */

struct account {
	char *name;
	uid_t uid;
	gid_t gid;
};

struct accounts {
	struct account *v;     /* sorted by name once loaded */
	size_t n, cap;
};

static void accounts_clear(struct accounts *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i].name);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

static int accounts_push(struct accounts *a, const struct passwd *pw)
{
	struct account *v;

	if (a->n == a->cap) {
		size_t cap = a->cap == 0 ? 256 : a->cap * 2;
		if ((v = realloc(a->v, cap * sizeof(*v))) == NULL)
			return PR_ERR_NOMEM;
		a->v = v;
		a->cap = cap;
	}
	if ((a->v[a->n].name = strdup(pw->pw_name)) == NULL)
		return PR_ERR_NOMEM;
	a->v[a->n].uid = pw->pw_uid;
	a->v[a->n].gid = pw->pw_gid;
	a->n++;
	return PR_OK;
}

static int cmp_account(const void *x, const void *y)
{
	return strcmp(((const struct account *)x)->name, ((const struct account *)y)->name);
}

/* Every account (getpwent_r, which tells the end from a failure), sorted by name. */
static int accounts_load(struct accounts *a, struct pr_errbuf *eb)
{
	struct passwd pw, *res = NULL;
	size_t size = NSS_BUF_START;
	char *buf = NULL, *tmp;
	bool grow = false;
	int rc, r = PR_OK;

	setpwent();
	/* The buffer grows only when an entry does not fit (ERANGE), not per entry. */
	while (r == PR_OK) {
		if (buf == NULL || grow) {
			if ((tmp = realloc(buf, size)) == NULL) {
				r = PR_ERR_NOMEM;
				break;
			}
			buf = tmp;
		}
		rc = getpwent_r(&pw, buf, size, &res);
		if ((grow = rc == ERANGE && size < NSS_BUF_MAX))
			size *= 2;
		else if (rc == ENOENT)
			break;
		else if (rc != 0 || res == NULL)
			r = pr_fail(eb, PR_ERR_IO, "cannot read the user database: %s", strerror(rc));
		else
			r = accounts_push(a, res);
	}
	endpwent();
	free(buf);
	if (r == PR_OK && a->n > 1)
		qsort(a->v, a->n, sizeof(*a->v), cmp_account);
	return r;
}

/* The first account of that name (the database's first entry wins, as getpwnam's does). */
static const struct account *account_find(const struct accounts *a, const char *name)
{
	struct account key = { .name = (char *)name };

	return a->n == 0 ? NULL : bsearch(&key, a->v, a->n, sizeof(*a->v), cmp_account);
}

/* ---- one pass over the groups the policy names ----------------------------------- */

struct group_entry {
	const char *name;      /* the policy's, after '@' */
	bool exists;
	gid_t gid;
	char **mem;            /* sorted, for bsearch */
	size_t n_mem;
};

struct groups {
	struct group_entry *v;
	size_t n;
};

static void groups_clear(struct groups *g)
{
	for (size_t i = 0; i < g->n; i++) {
		for (size_t j = 0; j < g->v[i].n_mem; j++)
			free(g->v[i].mem[j]);
		free(g->v[i].mem);
	}
	free(g->v);
	memset(g, 0, sizeof(*g));
}

static struct group_entry *group_find(const struct groups *g, const char *name)
{
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->v[i].name, name) == 0)
			return &g->v[i];
	return NULL;
}

/* Every @group of list, once. */
static int groups_want(struct groups *g, const struct pr_strlist *list)
{
	struct group_entry *v;

	for (size_t i = 0; i < list->n; i++) {
		if (list->v[i][0] != '@' || group_find(g, list->v[i] + 1) != NULL)
			continue;
		if ((v = realloc(g->v, (g->n + 1) * sizeof(*v))) == NULL)
			return PR_ERR_NOMEM;
		g->v = v;
		memset(&v[g->n], 0, sizeof(*v));
		v[g->n++].name = list->v[i] + 1;
	}
	return PR_OK;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The entry's gid and members (a group listed twice by the database: the first). */
static int group_fill(struct group_entry *e, const struct group *gr)
{
	size_t n = 0;

	if (e->exists)
		return PR_OK;
	while (gr->gr_mem[n] != NULL)
		n++;
	if ((e->mem = calloc(n + 1, sizeof(char *))) == NULL)
		return PR_ERR_NOMEM;
	for (e->n_mem = 0; e->n_mem < n; e->n_mem++)
		if ((e->mem[e->n_mem] = strdup(gr->gr_mem[e->n_mem])) == NULL)
			return PR_ERR_NOMEM;
	qsort(e->mem, e->n_mem, sizeof(char *), cmp_str);
	e->exists = true;
	e->gid = gr->gr_gid;
	return PR_OK;
}

/* The wanted groups the enumeration returns (getgrent_r). */
static int groups_enumerate(struct groups *g, struct pr_errbuf *eb)
{
	struct group gr, *res = NULL;
	struct group_entry *e;
	size_t size = NSS_BUF_START;
	char *buf = NULL, *tmp;
	bool grow = false;
	int rc, r = PR_OK;

	setgrent();
	/* The buffer grows only when an entry does not fit (ERANGE), not per entry. */
	while (r == PR_OK) {
		if (buf == NULL || grow) {
			if ((tmp = realloc(buf, size)) == NULL) {
				r = PR_ERR_NOMEM;
				break;
			}
			buf = tmp;
		}
		rc = getgrent_r(&gr, buf, size, &res);
		if ((grow = rc == ERANGE && size < NSS_BUF_MAX))
			size *= 2;
		else if (rc == ENOENT)
			break;
		else if (rc != 0 || res == NULL)
			r = pr_fail(eb, PR_ERR_IO, "cannot read the group database: %s", strerror(rc));
		else if ((e = group_find(g, res->gr_name)) != NULL)
			r = group_fill(e, res);
	}
	endgrent();
	free(buf);
	return r;
}

/* A wanted group the enumeration did not return, by name. */
static int group_lookup(struct group_entry *e, struct pr_errbuf *eb)
{
	struct group gr, *res = NULL;
	size_t size = NSS_BUF_START;
	char *buf = NULL;
	int rc, r = PR_OK;

	for (;;) {
		if ((buf = malloc(size)) == NULL)
			return PR_ERR_NOMEM;
		rc = getgrnam_r(e->name, &gr, buf, size, &res);
		if (rc != ERANGE || size >= NSS_BUF_MAX)
			break;
		free(buf);
		size *= 2;
	}
	if (rc != 0)
		r = pr_fail(eb, PR_ERR_IO, "cannot read group %s: %s", e->name, strerror(rc));
	else if (res != NULL)
		r = group_fill(e, res);
	free(buf);
	return r;     /* a group that does not exist: e->exists stays false */
}

static int groups_load(struct groups *g, const struct pr_config *cfg, struct pr_errbuf *eb)
{
	int r;

	if ((r = groups_want(g, &cfg->owners)) != PR_OK ||
	    (r = groups_want(g, &cfg->admins)) != PR_OK ||
	    (r = groups_want(g, &cfg->exempt)) != PR_OK)
		return r;
	if (g->n == 0 || (r = groups_enumerate(g, eb)) != PR_OK)
		return r;
	for (size_t i = 0; r == PR_OK && i < g->n; i++)
		if (!g->v[i].exists)
			r = group_lookup(&g->v[i], eb);
	return r;
}

/* ---- roles from the tables --------------------------------------------------------- */

static bool in_group(const struct group_entry *e, const struct account *a)
{
	if (e == NULL || !e->exists)
		return false;
	if (e->gid == a->gid)
		return true;
	return e->n_mem > 0 &&
	    bsearch(&a->name, e->mem, e->n_mem, sizeof(char *), cmp_str) != NULL;
}

static bool list_has(const struct pr_strlist *l, const struct groups *g,
    const struct account *a)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *entry = l->v[i];
		if (entry[0] == '@' ? in_group(group_find(g, entry + 1), a) :
		    strcmp(entry, a->name) == 0)
			return true;
	}
	return false;
}

/* roles.c refuses every user while an owners or admins @group does not exist. */
static bool roles_resolvable(const struct pr_config *cfg, const struct groups *g)
{
	const struct pr_strlist *lists[] = { &cfg->owners, &cfg->admins };
	const struct group_entry *e;

	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < lists[k]->n; i++)
			if (lists[k]->v[i][0] == '@' &&
			    ((e = group_find(g, lists[k]->v[i] + 1)) == NULL || !e->exists))
				return false;
	return true;
}

/* Owner beats admin beats staff; owners and admins are never exempt. */
static void resolve(struct pr_scope_user *u, const struct pr_config *cfg,
    const struct groups *g, const struct account *a, uid_t uid_min)
{
	u->resolved = true;
	u->uid = a->uid;
	u->kind = pr_account_kind(a->uid, uid_min);
	u->role = PR_ROLE_STAFF;
	u->exempt = false;
	if (list_has(&cfg->owners, g, a))
		u->role = PR_ROLE_OWNER;
	else if (list_has(&cfg->admins, g, a))
		u->role = PR_ROLE_ADMIN;
	else
		u->exempt = list_has(&cfg->exempt, g, a);
}

/* ---- the set of names ------------------------------------------------------------- */

struct names {
	char **v;
	size_t n, cap;
	size_t skipped;
};

static void names_clear(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Collect a name; duplicates go when the list is sorted (names_finish). */
static int names_add(struct names *s, const char *name)
{
	char **v;

	if (!pr_username_valid(name)) {
		s->skipped++;
		return PR_OK;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap == 0 ? 256 : s->cap * 2;
		if ((v = realloc(s->v, cap * sizeof(*v))) == NULL)
			return PR_ERR_NOMEM;
		s->v = v;
		s->cap = cap;
	}
	if ((s->v[s->n] = strdup(name)) == NULL)
		return PR_ERR_NOMEM;
	s->n++;
	return PR_OK;
}

/* Sort and drop repeated names. */
static void names_finish(struct names *s)
{
	size_t o = 0;

	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_str);
	for (size_t i = 1; i < s->n; i++) {
		if (strcmp(s->v[i], s->v[o]) == 0)
			free(s->v[i]);
		else
			s->v[++o] = s->v[i];
	}
	s->n = o + 1;
}

/* Members of a group: its entry's member list and the accounts whose primary group it is. */
static int add_group(struct names *s, const struct group_entry *e, const struct accounts *a)
{
	int r = PR_OK;

	/* A missing group adds nobody; resolving roles reports it per user. */
	if (e == NULL || !e->exists)
		return PR_OK;
	for (size_t i = 0; r == PR_OK && i < e->n_mem; i++)
		r = names_add(s, e->mem[i]);
	for (size_t i = 0; r == PR_OK && i < a->n; i++)
		if (a->v[i].gid == e->gid)
			r = names_add(s, a->v[i].name);
	return r;
}

static int add_list(struct names *s, const struct pr_strlist *list,
    const struct groups *g, const struct accounts *a)
{
	int r = PR_OK;

	for (size_t i = 0; r == PR_OK && i < list->n; i++)
		r = list->v[i][0] == '@' ? add_group(s, group_find(g, list->v[i] + 1), a) :
		    names_add(s, list->v[i]);
	return r;
}

/* The users with a credential file (sorted by pr_store_users), kept for has_file. */
static int add_enrolled(struct names *s, struct pr_strlist *users, struct pr_state *state,
    struct pr_errbuf *eb)
{
	int r;

	if ((r = pr_store_users(state, users, eb)) != PR_OK)
		return r;
	for (size_t i = 0; r == PR_OK && i < users->n; i++)
		r = names_add(s, users->v[i]);
	return r;
}

static int names_collect(struct names *s, struct pr_strlist *enrolled,
    const struct pr_config *cfg, const struct groups *g, const struct accounts *a,
    uid_t uid_min, struct pr_errbuf *eb)
{
	int r;

	if ((r = add_list(s, &cfg->owners, g, a)) != PR_OK ||
	    (r = add_list(s, &cfg->admins, g, a)) != PR_OK ||
	    (r = add_list(s, &cfg->exempt, g, a)) != PR_OK ||
	    (r = add_enrolled(s, enrolled, cfg->state, eb)) != PR_OK)
		return r;
	for (size_t i = 0; r == PR_OK && i < a->n; i++)
		if (pr_account_kind(a->v[i].uid, uid_min) != PR_ACCOUNT_SYSTEM)
			r = names_add(s, a->v[i].name);
	if (r == PR_OK)
		names_finish(s);
	return r;
}

/* ---- the scope -------------------------------------------------------------------- */

void pr_scope_clear(struct pr_scope *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* The entries, names moved out of n (which is left empty). */
static int scope_build(struct pr_scope *out, struct names *n, const struct pr_strlist *enrolled,
    const struct pr_config *cfg, const struct groups *g, const struct accounts *a,
    uid_t uid_min)
{
	bool bulk = roles_resolvable(cfg, g);
	const struct account *acc;

	if (n->n > 0 && (out->v = calloc(n->n, sizeof(*out->v))) == NULL)
		return PR_ERR_NOMEM;
	for (size_t i = 0; i < n->n; i++) {
		struct pr_scope_user *u = &out->v[i];
		u->name = n->v[i];
		u->has_file = enrolled->n > 0 && bsearch(&u->name, enrolled->v, enrolled->n,
		    sizeof(char *), cmp_str) != NULL;
		if (bulk && (acc = account_find(a, u->name)) != NULL)
			resolve(u, cfg, g, acc, uid_min);
	}
	out->n = n->n;
	out->skipped = n->skipped;
	free(n->v);
	memset(n, 0, sizeof(*n));
	return PR_OK;
}

int pr_coverage_scope(const struct pr_config *cfg, struct pr_scope *out,
    struct pr_errbuf *eb)
{
	struct accounts a = { NULL, 0, 0 };
	struct groups g = { NULL, 0 };
	struct names n = { NULL, 0, 0, 0 };
	struct pr_strlist enrolled = { NULL, 0 };
	uid_t uid_min;
	int r;

	if (out == NULL)
		return PR_ERR_INVALID_ARG;
	memset(out, 0, sizeof(*out));
	if (cfg == NULL)
		return PR_ERR_INVALID_ARG;
	uid_min = pr_config_uid_min(cfg);
	if ((r = accounts_load(&a, eb)) != PR_OK ||
	    (r = groups_load(&g, cfg, eb)) != PR_OK ||
	    (r = names_collect(&n, &enrolled, cfg, &g, &a, uid_min, eb)) != PR_OK)
		goto out;
	r = scope_build(out, &n, &enrolled, cfg, &g, &a, uid_min);
out:
	if (r != PR_OK)
		pr_scope_clear(out);
	names_clear(&n);
	pr_strlist_clear(&enrolled);
	groups_clear(&g);
	accounts_clear(&a);
	return r;
}
