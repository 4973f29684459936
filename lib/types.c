/*
 * The names of the shared vocabulary (types.h), as the policy file, audit
 * records and messages spell them, and the string list's release.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "types.h"

/* Enum-indexed name tables; out-of-range values read "unknown". */
static const char *name_at(const char *const *names, size_t n, int v)
{
	if (v < 0 || (size_t)v >= n)
		return "unknown";
	return names[v];
}

#define NAME_AT(table, v) name_at((table), sizeof(table) / sizeof((table)[0]), (int)(v))

static const char *const role_names[] = {
	[PR_ROLE_STAFF] = "staff", [PR_ROLE_ADMIN] = "admin", [PR_ROLE_OWNER] = "owner",
};
static const char *const class_names[] = {
	[PR_CLASS_PASSKEY] = "passkey", [PR_CLASS_PHYSICAL] = "physical",
};
static const char *const need_names[] = {
	[PR_NEED_NONE] = "none", [PR_NEED_ANY_KEY] = "security-key",
	[PR_NEED_PHYSICAL] = "physical-key",
};
static const char *const uv_names[] = {
	[PR_UV_DISCOURAGED] = "discouraged", [PR_UV_PREFERRED] = "preferred",
	[PR_UV_REQUIRED] = "required",
};
static const char *const require_key_names[] = {
	[PR_REQ_KEY_NONE] = "none", [PR_REQ_KEY_ALL_USERS] = "all-users",
};
static const char *const require_physical_names[] = {
	[PR_REQ_PHYS_NONE] = "none", [PR_REQ_PHYS_OWNERS] = "owners",
	[PR_REQ_PHYS_ALL_USERS] = "all-users",
};

const char *pr_role_name(enum pr_role r)
{
	return NAME_AT(role_names, r);
}

const char *pr_class_name(enum pr_class c)
{
	return NAME_AT(class_names, c);
}

const char *pr_need_name(enum pr_need n)
{
	return NAME_AT(need_names, n);
}

const char *pr_uv_name(enum pr_uv u)
{
	return NAME_AT(uv_names, u);
}

const char *pr_require_key_name(enum pr_require_key k)
{
	return NAME_AT(require_key_names, k);
}

const char *pr_require_physical_name(enum pr_require_physical k)
{
	return NAME_AT(require_physical_names, k);
}

int pr_class_parse(const char *s, enum pr_class *out)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "physical") == 0)
		*out = PR_CLASS_PHYSICAL;
	else if (strcmp(s, "passkey") == 0)
		*out = PR_CLASS_PASSKEY;
	else
		return -1;
	return 0;
}

void pr_strlist_clear(struct pr_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int pr_strlist_push(struct pr_strlist *l, const char *s)
{
	char **v;

	if ((v = realloc(l->v, (l->n + 1) * sizeof(*v))) == NULL)
		return PR_ERR_NOMEM;
	l->v = v;
	if ((l->v[l->n] = strdup(s)) == NULL)
		return PR_ERR_NOMEM;
	l->n++;
	return PR_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void pr_strlist_sort_unique(struct pr_strlist *l)
{
	size_t n = 0;

	if (l->n == 0)
		return;
	qsort(l->v, l->n, sizeof(*l->v), cmp_str);
	for (size_t i = 1; i < l->n; i++) {
		if (strcmp(l->v[i], l->v[n]) == 0)
			free(l->v[i]);
		else
			l->v[++n] = l->v[i];
	}
	l->n = n + 1;
}

bool pr_strlist_has(const struct pr_strlist *l, const char *s)
{
	for (size_t i = 0; s != NULL && i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}
