/* Every user entry in one paged search (dir_scan.h), and the paged search itself (dir_internal.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dir_internal.h"
#include "dir_name.h"
#include "dir_scan.h"
#include "dir_slot.h"

/* The server's cookie for the next page, or NULL after the last one. */
static int next_cookie(struct pr_dir *d, LDAPMessage *res, struct berval **cookie)
{
	LDAPControl **ctrls = NULL, *page;
	struct berval c = { 0, NULL };
	ber_int_t estimate = 0;
	int err = LDAP_SUCCESS, rc;

	ber_bvfree(*cookie);
	*cookie = NULL;
	rc = ldap_parse_result(d->ld, res, &err, NULL, NULL, NULL, &ctrls, 0);
	if (rc == LDAP_SUCCESS)
		rc = err;
	if (rc == LDAP_SUCCESS &&
	    (page = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, ctrls, NULL)) != NULL &&
	    (rc = ldap_parse_pageresponse_control(d->ld, page, &estimate, &c)) == LDAP_SUCCESS &&
	    c.bv_len > 0 && (*cookie = ber_bvdup(&c)) == NULL)
		rc = LDAP_NO_MEMORY;
	ber_memfree(c.bv_val);
	ldap_controls_free(ctrls);
	return rc;
}

/* One page: the search with the control carrying cookie, each entry to fn. */
static int one_page(struct pr_dir *d, const char *filter, char **attrs, struct berval *cookie,
    LDAPMessage **res)
{
	LDAPControl *page = NULL, *ctrls[2] = { NULL, NULL };
	int rc;

	if ((rc = ldap_create_page_control(d->ld, PR_DIR_PAGE, cookie, 1, &page)) != LDAP_SUCCESS)
		return rc;
	ctrls[0] = page;
	rc = ldap_search_ext_s(d->ld, d->base, LDAP_SCOPE_ONELEVEL, filter, attrs, 0, ctrls,
	    NULL, &d->timeout, 0, res);
	ldap_control_free(page);
	return rc;
}

int pr_dir_search_paged(struct pr_dir *d, const char *filter, char **attrs,
    pr_dir_entry_fn fn, void *arg, const char *what, struct pr_errbuf *eb)
{
	struct berval *cookie = NULL;
	LDAPMessage *res = NULL;
	size_t seen = 0;
	int rc, r = PR_OK;

	do {
		if ((rc = one_page(d, filter, attrs, cookie, &res)) != LDAP_SUCCESS) {
			r = pr_dir_fail(d, rc, what, eb);
			break;
		}
		for (LDAPMessage *m = ldap_first_entry(d->ld, res); r == PR_OK && m != NULL;
		    m = ldap_next_entry(d->ld, m))
			if (++seen > PR_DIR_USERS_MAX)
				r = pr_fail(eb, PR_ERR_DIRECTORY, "%s: %s: more than %d user entries: "
				    "refused", d->uri, what, PR_DIR_USERS_MAX);
			else
				r = fn(d, m, arg, eb);
		if (r == PR_OK && (rc = next_cookie(d, res, &cookie)) != LDAP_SUCCESS)
			r = pr_dir_fail(d, rc, what, eb);
		ldap_msgfree(res);
		res = NULL;
	} while (r == PR_OK && cookie != NULL);
	ber_bvfree(cookie);
	return r;
}

void pr_dir_table_clear(struct pr_dir_table *t)
{
	for (size_t i = 0; t->v != NULL && i < t->n; i++) {
		free(t->v[i].user);
		for (size_t j = 0; j < PR_DIR_SCAN_ATTRS; j++)
			free(t->v[i].val[j].val);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

struct scan {
	const char *const *attrs;
	size_t n_attrs;
	struct pr_dir_table *t;
	size_t cap;
};

static int copy_value(struct berval **vals, struct pr_dir_value *out)
{
	size_t n = vals != NULL ? ldap_count_values_len(vals) : 0;

	if (n > 1)
		return PR_ERR_CORRUPT;
	if (n == 0)
		return PR_OK;
	if ((out->val = malloc(vals[0]->bv_len + 1)) == NULL)
		return PR_ERR_NOMEM;
	memcpy(out->val, vals[0]->bv_val, vals[0]->bv_len);
	out->val[vals[0]->bv_len] = '\0';
	out->len = vals[0]->bv_len;
	return PR_OK;
}

static int grow(struct scan *s)
{
	struct pr_dir_row *v;
	size_t cap = s->cap == 0 ? 64 : s->cap * 2;

	if (s->t->n < s->cap)
		return PR_OK;
	if ((v = realloc(s->t->v, cap * sizeof(*v))) == NULL)
		return PR_ERR_NOMEM;
	s->t->v = v;
	s->cap = cap;
	return PR_OK;
}

/* One entry into the table: its uid (valid names only) and its values. */
static int add_row(struct pr_dir *d, LDAPMessage *m, void *arg, struct pr_errbuf *eb)
{
	struct scan *s = arg;
	struct berval **uid = ldap_get_values_len(d->ld, m, "uid"), **vals;
	struct pr_dir_row *row;
	int r = PR_OK;

	if (uid == NULL || uid[0] == NULL || uid[1] != NULL ||
	    pr_dir_name_check(uid[0]->bv_val, uid[0]->bv_len) != PR_OK)
		goto out;
	if ((r = grow(s)) != PR_OK)
		goto out;
	row = &s->t->v[s->t->n];
	memset(row, 0, sizeof(*row));
	s->t->n++;
	if ((row->user = strndup(uid[0]->bv_val, uid[0]->bv_len)) == NULL) {
		r = PR_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; r == PR_OK && i < s->n_attrs; i++) {
		vals = ldap_get_values_len(d->ld, m, s->attrs[i]);
		r = copy_value(vals, &row->val[i]);
		ldap_value_free_len(vals);
	}
	if (r == PR_ERR_CORRUPT)
		r = pr_fail(eb, r, "%s: the entry of %s has more than one value of a "
		    "PracticeRunner attribute; PracticeRunner writes one", d->uri, row->user);
out:
	ldap_value_free_len(uid);
	return r;
}

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct pr_dir_row *)a)->user, ((const struct pr_dir_row *)b)->user);
}

int pr_dir_scan(struct pr_dir *d, const char *const *attrs, size_t n_attrs,
    struct pr_dir_table *out, struct pr_errbuf *eb)
{
	char filter[256], *want[PR_DIR_SCAN_ATTRS + 2] = { "uid" };
	struct scan s = { attrs, n_attrs, out, 0 };
	size_t used;
	int r;

	memset(out, 0, sizeof(*out));
	if (n_attrs == 0 || n_attrs > PR_DIR_SCAN_ATTRS)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "at most %d attributes", PR_DIR_SCAN_ATTRS);
	/* attrs are ours (dir_slot.h), never a user's text: nothing to escape. */
	used = (size_t)snprintf(filter, sizeof(filter), "(&(objectClass=practiceRunnerUser)(|");
	for (size_t i = 0; i < n_attrs; i++) {
		if (strlen(attrs[i]) > 32 || strspn(attrs[i], "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(attrs[i]))
			return pr_fail(eb, PR_ERR_INVALID_ARG, "not a PracticeRunner attribute");
		used += (size_t)snprintf(filter + used, sizeof(filter) - used, "(%s=*)", attrs[i]);
		want[i + 1] = (char *)attrs[i];
	}
	snprintf(filter + used, sizeof(filter) - used, "))");
	r = pr_dir_search_paged(d, filter, want, add_row, &s, "reading every user's entry", eb);
	if (r == PR_OK)
		qsort(out->v, out->n, sizeof(*out->v), cmp_row);
	else
		pr_dir_table_clear(out);
	return r;
}

const struct pr_dir_row *pr_dir_table_find(const struct pr_dir_table *t, const char *user)
{
	struct pr_dir_row key = { .user = (char *)user };

	return t->n == 0 ? NULL : bsearch(&key, t->v, t->n, sizeof(*t->v), cmp_row);
}
