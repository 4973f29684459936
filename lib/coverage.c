/*
 * Coverage report: the status of one user (pure, below), and the users in
 * scope of the policy (reads the user and group databases, login.defs and
 * the state directory).
 *
 * Scope is everyone the policy can be about: the people its roles and
 * exemptions name, whoever has keys on file, and every account people
 * sign in with (uid >= UID_MIN, shell not nologin or false). Service
 * accounts outside that rule are in scope only when the policy or the
 * state directory names them, so an exemption is always visible.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coverage.h"
#include "lifecycle.h"
#include "util.h"

#define NSS_BUF_START 1024
#define NSS_BUF_MAX (1024 * 1024)
#define LOGIN_DEFS_LINE_MAX 1024

/* ---- one user's status (pure) --------------------------------------------- */

/* Latest use of a key that counts for need (created when never used). */
static int64_t latest_use(const struct pr_credlist *l, enum pr_need need, int64_t *last_used)
{
	int64_t latest = INT64_MIN;

	*last_used = 0;
	for (size_t i = 0; l != NULL && i < l->n; i++) {
		const struct pr_cred *c = &l->v[i];
		int64_t t = c->last_used != 0 ? c->last_used : c->created;

		if (c->kind != PR_KIND_FIDO || !pr_policy_class_ok(need, c->cls))
			continue;
		if (t > latest)
			latest = t;
		if (c->last_used > *last_used)
			*last_used = c->last_used;
	}
	return latest;
}

static void count_classes(const struct pr_credlist *l, struct pr_coverage *out)
{
	for (size_t i = 0; l != NULL && i < l->n; i++) {
		if (l->v[i].kind != PR_KIND_FIDO)
			continue;
		if (l->v[i].cls == PR_CLASS_PHYSICAL)
			out->physical++;
		else if (l->v[i].cls == PR_CLASS_PASSKEY)
			out->passkey++;
	}
}

static bool stale(int64_t latest, int64_t now)
{
	return latest != INT64_MIN && now - latest > PR_COVERAGE_UNUSED_SECONDS;
}

void pr_coverage_compute(enum pr_role role, enum pr_need need, bool exempt,
    const struct pr_credlist *creds, int64_t now, struct pr_coverage *out)
{
	int64_t latest;

	memset(out, 0, sizeof(*out));
	count_classes(creds, out);
	latest = latest_use(creds, need, &out->last_used);
	if (exempt && role == PR_ROLE_STAFF)
		out->status = PR_COV_EXEMPT;
	else if (need != PR_NEED_NONE && out->physical + out->passkey == 0)
		out->status = PR_COV_NO_KEY;
	else if (need == PR_NEED_PHYSICAL && out->physical == 0)
		out->status = PR_COV_NEEDS_PHYSICAL;
	else if (pr_lifecycle_single_physical(creds, need))
		out->status = PR_COV_SINGLE_PHYSICAL;
	else if (stale(latest, now))
		out->status = PR_COV_UNUSED_90D;
	else
		out->status = PR_COV_OK;
}

static const char *const status_names[] = {
	[PR_COV_OK] = "ok",
	[PR_COV_EXEMPT] = "exempt",
	[PR_COV_NO_KEY] = "no-key",
	[PR_COV_NEEDS_PHYSICAL] = "needs-physical",
	[PR_COV_SINGLE_PHYSICAL] = "single-physical-key",
	[PR_COV_UNUSED_90D] = "unused-90d",
};

const char *pr_coverage_status_name(enum pr_coverage_status s)
{
	if ((int)s < 0 || (size_t)s >= sizeof(status_names) / sizeof(status_names[0]))
		return "unknown";
	return status_names[s];
}

bool pr_coverage_out_of_policy(enum pr_coverage_status s)
{
	switch (s) {
	case PR_COV_OK:
	case PR_COV_EXEMPT:
	case PR_COV_SINGLE_PHYSICAL:
	case PR_COV_UNUSED_90D:
		return false;
	case PR_COV_NO_KEY:
	case PR_COV_NEEDS_PHYSICAL:
		return true;
	}
	return true;
}

/* ---- who people sign in as ---------------------------------------------------- */

/* "UID_MIN <number>" (decimal, 0x hex or 0 octal, as login.defs allows); -1 if not. */
static long uid_min_line(const char *line)
{
	const char *p = line;
	char *end = NULL;
	unsigned long v;

	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "UID_MIN", 7) != 0 || (p[7] != ' ' && p[7] != '\t'))
		return -1;
	p += 7;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	errno = 0;
	v = strtoul(p, &end, 0);
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	if (errno != 0 || *end != '\0' || v > (unsigned long)(uid_t)-2)
		return -1;
	return (long)v;
}

uid_t pr_coverage_uid_min(const char *login_defs)
{
	char line[LOGIN_DEFS_LINE_MAX];
	uid_t uid_min = PR_COVERAGE_UID_MIN_DEFAULT;
	FILE *f;
	long v;

	if ((f = fopen(login_defs != NULL ? login_defs : PR_COVERAGE_LOGIN_DEFS, "re")) == NULL)
		return uid_min;
	/* The last valid setting wins, as in shadow's getdef. */
	while (fgets(line, sizeof(line), f) != NULL)
		if ((v = uid_min_line(line)) >= 0)
			uid_min = (uid_t)v;
	fclose(f);
	return uid_min;
}

bool pr_coverage_interactive(uid_t uid, const char *shell, uid_t uid_min)
{
	const char *base;

	if (uid < uid_min)
		return false;
	/* An empty shell field means /bin/sh (passwd(5)). */
	if (shell == NULL || shell[0] == '\0')
		return true;
	base = strrchr(shell, '/');
	base = base != NULL ? base + 1 : shell;
	return strcmp(base, "nologin") != 0 && strcmp(base, "false") != 0;
}

/* ---- the set of names ------------------------------------------------------ */

struct scope {
	struct pr_strlist names;
	size_t skipped;
};

/* Collect a name; duplicates go when the list is sorted (scope_finish). */
static int scope_add(struct scope *s, const char *name)
{
	char **v;

	if (!pr_username_valid(name)) {
		s->skipped++;
		return PR_OK;
	}
	if ((v = realloc(s->names.v, (s->names.n + 1) * sizeof(*v))) == NULL)
		return PR_ERR_NOMEM;
	s->names.v = v;
	if ((v[s->names.n] = strdup(name)) == NULL)
		return PR_ERR_NOMEM;
	s->names.n++;
	return PR_OK;
}

static int cmp_name(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Sort and drop repeated names. */
static void scope_finish(struct scope *s)
{
	size_t o = 0;

	if (s->names.n == 0)
		return;
	qsort(s->names.v, s->names.n, sizeof(*s->names.v), cmp_name);
	for (size_t i = 1; i < s->names.n; i++) {
		if (strcmp(s->names.v[i], s->names.v[o]) == 0)
			free(s->names.v[i]);
		else
			s->names.v[++o] = s->names.v[i];
	}
	s->names.n = o + 1;
}

/* One account of the user database, as much as scope needs. */
struct account {
	char *name;
	uid_t uid;
	gid_t gid;
	bool interactive;
};

struct accounts {
	struct account *v;
	size_t n;
};

static void accounts_clear(struct accounts *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i].name);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

static int accounts_push(struct accounts *a, const struct passwd *pw, uid_t uid_min)
{
	struct account *v;

	if ((v = realloc(a->v, (a->n + 1) * sizeof(*v))) == NULL)
		return PR_ERR_NOMEM;
	a->v = v;
	if ((v[a->n].name = strdup(pw->pw_name)) == NULL)
		return PR_ERR_NOMEM;
	v[a->n].uid = pw->pw_uid;
	v[a->n].gid = pw->pw_gid;
	v[a->n].interactive = pr_coverage_interactive(pw->pw_uid, pw->pw_shell, uid_min);
	a->n++;
	return PR_OK;
}

/* Every account (getpwent_r, which tells the end from a failure). */
static int accounts_load(struct accounts *a, uid_t uid_min, struct pr_errbuf *eb)
{
	struct passwd pw, *res = NULL;
	size_t size = NSS_BUF_START;
	char *buf = NULL, *tmp;
	int rc, r = PR_OK;

	setpwent();
	while (r == PR_OK) {
		if ((tmp = realloc(buf, size)) == NULL) {
			r = PR_ERR_NOMEM;
			break;
		}
		buf = tmp;
		rc = getpwent_r(&pw, buf, size, &res);
		if (rc == ERANGE && size < NSS_BUF_MAX)
			size *= 2;
		else if (rc == ENOENT)
			break;
		else if (rc != 0 || res == NULL)
			r = pr_fail(eb, PR_ERR_IO, "cannot read the user database: %s", strerror(rc));
		else
			r = accounts_push(a, res, uid_min);
	}
	endpwent();
	free(buf);
	return r;
}

/* Members of group: its entry's member list and the accounts whose primary group it is. */
static int add_group(struct scope *s, const char *group, const struct accounts *a,
    struct pr_errbuf *eb)
{
	struct group gr, *res = NULL;
	size_t size = NSS_BUF_START;
	char *buf = NULL;
	int rc, r = PR_OK;

	for (;;) {
		if ((buf = malloc(size)) == NULL)
			return PR_ERR_NOMEM;
		rc = getgrnam_r(group, &gr, buf, size, &res);
		if (rc != ERANGE || size >= NSS_BUF_MAX)
			break;
		free(buf);
		size *= 2;
	}
	if (rc != 0)
		r = pr_fail(eb, PR_ERR_IO, "cannot read group %s: %s", group, strerror(rc));
	/* A missing group adds nobody; resolving roles reports it per user. */
	for (size_t i = 0; r == PR_OK && res != NULL && gr.gr_mem[i] != NULL; i++)
		r = scope_add(s, gr.gr_mem[i]);
	for (size_t i = 0; r == PR_OK && res != NULL && i < a->n; i++)
		if (a->v[i].gid == gr.gr_gid)
			r = scope_add(s, a->v[i].name);
	free(buf);
	return r;
}

static int add_list(struct scope *s, const struct pr_strlist *list,
    const struct accounts *a, struct pr_errbuf *eb)
{
	int r = PR_OK;

	for (size_t i = 0; r == PR_OK && i < list->n; i++)
		r = list->v[i][0] == '@' ? add_group(s, list->v[i] + 1, a, eb) :
		    scope_add(s, list->v[i]);
	return r;
}

static int add_enrolled(struct scope *s, const char *state_dir, struct pr_errbuf *eb)
{
	struct pr_strlist users = { NULL, 0 };
	int r;

	if ((r = pr_store_users(state_dir, &users, eb)) != PR_OK)
		return r;
	for (size_t i = 0; r == PR_OK && i < users.n; i++)
		r = scope_add(s, users.v[i]);
	pr_strlist_clear(&users);
	return r;
}

int pr_coverage_users(const struct pr_config *cfg, const char *login_defs,
    struct pr_strlist *out, size_t *skipped, struct pr_errbuf *eb)
{
	struct scope s = { { NULL, 0 }, 0 };
	struct accounts a = { NULL, 0 };
	int r;

	memset(out, 0, sizeof(*out));
	*skipped = 0;
	if (cfg == NULL)
		return PR_ERR_INVALID_ARG;
	if ((r = accounts_load(&a, pr_coverage_uid_min(login_defs), eb)) != PR_OK)
		goto fail;
	if ((r = add_list(&s, &cfg->owners, &a, eb)) != PR_OK ||
	    (r = add_list(&s, &cfg->admins, &a, eb)) != PR_OK ||
	    (r = add_list(&s, &cfg->exempt, &a, eb)) != PR_OK ||
	    (r = add_enrolled(&s, cfg->state_dir, eb)) != PR_OK)
		goto fail;
	for (size_t i = 0; r == PR_OK && i < a.n; i++)
		if (a.v[i].interactive)
			r = scope_add(&s, a.v[i].name);
	if (r != PR_OK)
		goto fail;
	scope_finish(&s);
	*out = s.names;
	*skipped = s.skipped;
	s.names.v = NULL;
	s.names.n = 0;
fail:
	pr_strlist_clear(&s.names);
	accounts_clear(&a);
	return r;
}
