/* A user's entry: read, change by revision, consume a one-time value (dir_entry.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dir_entry.h"
#include "dir_internal.h"
#include "dir_name.h"

#define REVISION_ATTR "prRevision"
#define MAX_VALUES 256

void pr_dir_entry_clear(struct pr_dir_entry *e)
{
	for (size_t i = 0; e->v != NULL && i < e->n; i++)
		free(e->v[i].val);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

static int copy_values(struct berval **vals, struct pr_dir_entry *e)
{
	size_t n = vals != NULL ? ldap_count_values_len(vals) : 0;

	if (n > MAX_VALUES)
		return PR_ERR_CORRUPT;
	if (n == 0 || (e->v = calloc(n, sizeof(*e->v))) == NULL)
		return n == 0 ? PR_OK : PR_ERR_NOMEM;
	for (e->n = 0; e->n < n; e->n++) {
		if ((e->v[e->n].val = malloc(vals[e->n]->bv_len + 1)) == NULL)
			return PR_ERR_NOMEM;
		memcpy(e->v[e->n].val, vals[e->n]->bv_val, vals[e->n]->bv_len);
		e->v[e->n].val[vals[e->n]->bv_len] = '\0';
		e->v[e->n].len = vals[e->n]->bv_len;
	}
	return PR_OK;
}

/* The revision: decimal digits only, as the INTEGER syntax writes them. */
static int read_revision(struct berval **vals, long *out)
{
	char buf[24], *end = NULL;

	if (vals == NULL || vals[0] == NULL || vals[0]->bv_len == 0 ||
	    vals[0]->bv_len >= sizeof(buf))
		return PR_ERR_CORRUPT;
	memcpy(buf, vals[0]->bv_val, vals[0]->bv_len);
	buf[vals[0]->bv_len] = '\0';
	*out = strtol(buf, &end, 10);
	return *end == '\0' && *out >= 0 ? PR_OK : PR_ERR_CORRUPT;
}

/*
 * Whether the entry found is user's: its one uid value is user byte for
 * byte. The search matched uid=<user> by the directory's rule, which
 * ignores case (and, for some servers, spaces), so the entry of "alice"
 * also answers "ALICE".
 */
static bool uid_is(struct pr_dir *d, LDAPMessage *msg, const char *user)
{
	struct berval **uid = ldap_get_values_len(d->ld, msg, "uid");
	bool same = uid != NULL && uid[0] != NULL && uid[1] == NULL &&
	    uid[0]->bv_len == strlen(user) && memcmp(uid[0]->bv_val, user, uid[0]->bv_len) == 0;

	ldap_value_free_len(uid);
	return same;
}

static int entry_from(struct pr_dir *d, LDAPMessage *msg, const char *user, const char *attr,
    struct pr_dir_entry *e, struct pr_errbuf *eb)
{
	struct berval **rev, **vals;
	int r;

	if (!uid_is(d, msg, user)) {
		e->foreign = true;
		return PR_OK;
	}
	rev = ldap_get_values_len(d->ld, msg, REVISION_ATTR);
	vals = ldap_get_values_len(d->ld, msg, attr);
	e->exists = true;
	if ((r = read_revision(rev, &e->revision)) == PR_OK)
		r = copy_values(vals, e);
	ldap_value_free_len(rev);
	ldap_value_free_len(vals);
	if (r == PR_ERR_CORRUPT)
		return pr_fail(eb, r, "%s: the directory entry's %s or %s is not what "
		    "PracticeRunner writes", d->uri, REVISION_ATTR, attr);
	return r;
}

int pr_dir_entry_read(struct pr_dir *d, const char *user, const char *attr,
    struct pr_dir_entry *e, struct pr_errbuf *eb)
{
	char *dn = NULL, *filter = NULL, *attrs[] = { REVISION_ATTR, (char *)attr, "uid", NULL };
	LDAPMessage *res = NULL, *msg;
	int rc, r;

	memset(e, 0, sizeof(*e));
	if ((r = pr_dir_user_dn(d->base, user, &dn)) != PR_OK ||
	    (r = pr_dir_user_filter(user, &filter)) != PR_OK) {
		r = pr_fail(eb, r, "invalid user name: refused before any directory query");
		goto out;
	}
	rc = ldap_search_ext_s(d->ld, dn, LDAP_SCOPE_BASE, filter, attrs, 0, NULL, NULL,
	    &d->timeout, 2, &res);
	if (rc == LDAP_NO_SUCH_OBJECT) {
		r = PR_OK;
		goto out;
	}
	if (rc != LDAP_SUCCESS) {
		r = pr_dir_fail(d, rc, "reading a user's entry", eb);
		goto out;
	}
	r = (msg = ldap_first_entry(d->ld, res)) != NULL ? entry_from(d, msg, user, attr, e, eb) :
	    PR_OK;
out:
	if (r != PR_OK)
		pr_dir_entry_clear(e);
	ldap_msgfree(res);
	free(filter);
	free(dn);
	return r;
}

/* Values as the library wants them: a NULL-terminated array of pointers into vals. */
static struct berval **bervals(const struct pr_dir_value *vals, size_t n, struct berval *store)
{
	struct berval **p = calloc(n + 1, sizeof(*p));

	for (size_t i = 0; p != NULL && i < n; i++) {
		store[i].bv_val = vals[i].val;
		store[i].bv_len = vals[i].len;
		p[i] = &store[i];
	}
	return p;
}

/* What a failed write means: someone else won, or an error to report. */
static int write_failed(struct pr_dir *d, int rc, struct pr_errbuf *eb)
{
	if (rc == LDAP_NO_SUCH_ATTRIBUTE || rc == LDAP_TYPE_OR_VALUE_EXISTS ||
	    rc == LDAP_NO_SUCH_OBJECT || rc == LDAP_ALREADY_EXISTS)
		return pr_fail(eb, PR_ERR_DIR_CONFLICT, "%s: the entry changed while it was "
		    "being updated", d->uri);
	return pr_dir_fail(d, rc, "writing a user's entry", eb);
}

static int create_entry(struct pr_dir *d, const char *dn, const char *user,
    const char *attr, struct berval **add, struct pr_errbuf *eb)
{
	char *oc[] = { "practiceRunnerUser", NULL }, *uid[] = { (char *)user, NULL };
	char *rev[] = { "1", NULL };
	LDAPMod m_oc = { LDAP_MOD_ADD, "objectClass", { .modv_strvals = oc } };
	LDAPMod m_uid = { LDAP_MOD_ADD, "uid", { .modv_strvals = uid } };
	LDAPMod m_rev = { LDAP_MOD_ADD, REVISION_ATTR, { .modv_strvals = rev } };
	LDAPMod m_val = { LDAP_MOD_ADD | LDAP_MOD_BVALUES, (char *)attr, { .modv_bvals = add } };
	LDAPMod *mods[] = { &m_oc, &m_uid, &m_rev, add[0] != NULL ? &m_val : NULL, NULL };
	int rc = ldap_add_ext_s(d->ld, dn, mods, NULL, NULL);

	return rc == LDAP_SUCCESS ? PR_OK : write_failed(d, rc, eb);
}

static int modify_entry(struct pr_dir *d, const char *dn, const struct pr_dir_entry *e,
    const char *attr, struct berval **del, struct berval **add, struct pr_errbuf *eb)
{
	char old[24], next[24], *oldv[] = { old, NULL }, *nextv[] = { next, NULL };
	LDAPMod m_del = { LDAP_MOD_DELETE | LDAP_MOD_BVALUES, (char *)attr, { .modv_bvals = del } };
	LDAPMod m_add = { LDAP_MOD_ADD | LDAP_MOD_BVALUES, (char *)attr, { .modv_bvals = add } };
	LDAPMod m_rdel = { LDAP_MOD_DELETE, REVISION_ATTR, { .modv_strvals = oldv } };
	LDAPMod m_radd = { LDAP_MOD_ADD, REVISION_ATTR, { .modv_strvals = nextv } };
	LDAPMod *mods[5];
	size_t n = 0;
	int rc;

	snprintf(old, sizeof(old), "%ld", e->revision);
	snprintf(next, sizeof(next), "%ld", e->revision + 1);
	if (del[0] != NULL)
		mods[n++] = &m_del;
	if (add[0] != NULL)
		mods[n++] = &m_add;
	mods[n++] = &m_rdel;
	mods[n++] = &m_radd;
	mods[n] = NULL;
	rc = ldap_modify_ext_s(d->ld, dn, mods, NULL, NULL);
	return rc == LDAP_SUCCESS ? PR_OK : write_failed(d, rc, eb);
}

int pr_dir_entry_write(struct pr_dir *d, const char *user, const struct pr_dir_entry *e,
    const char *attr, const struct pr_dir_value *del, size_t n_del,
    const struct pr_dir_value *add, size_t n_add, struct pr_errbuf *eb)
{
	struct berval *del_store = calloc(n_del + 1, sizeof(*del_store));
	struct berval *add_store = calloc(n_add + 1, sizeof(*add_store));
	struct berval **delp = NULL, **addp = NULL;
	char *dn = NULL;
	int r;

	if (del_store == NULL || add_store == NULL ||
	    (delp = bervals(del, n_del, del_store)) == NULL ||
	    (addp = bervals(add, n_add, add_store)) == NULL) {
		r = PR_ERR_NOMEM;
		goto out;
	}
	if ((r = pr_dir_user_dn(d->base, user, &dn)) != PR_OK) {
		r = pr_fail(eb, r, "invalid user name: refused before any directory query");
		goto out;
	}
	if (e->foreign)
		r = pr_fail(eb, PR_ERR_INVALID_ARG, "%s: the directory's entry for this name has "
		    "another uid (its case differs, say): nothing was written; give the account's "
		    "name exactly", d->uri);
	else if (!e->exists)
		r = n_del == 0 ? create_entry(d, dn, user, attr, addp, eb) :
		    pr_fail(eb, PR_ERR_DIR_CONFLICT, "%s: no entry to change", d->uri);
	else
		r = n_del == 0 && n_add == 0 ? PR_OK : modify_entry(d, dn, e, attr, delp, addp, eb);
out:
	free(dn);
	free(delp);
	free(addp);
	free(del_store);
	free(add_store);
	return r;
}

int pr_dir_consume(struct pr_dir *d, const char *user, const char *attr,
    const void *value, size_t len, struct pr_errbuf *eb)
{
	struct berval bv = { len, (char *)value }, *vals[] = { &bv, NULL };
	char *one[] = { "1", NULL }, *dn = NULL;
	LDAPMod m_del = { LDAP_MOD_DELETE | LDAP_MOD_BVALUES, (char *)attr, { .modv_bvals = vals } };
	LDAPMod m_inc = { LDAP_MOD_INCREMENT, REVISION_ATTR, { .modv_strvals = one } };
	LDAPMod *mods[] = { &m_del, &m_inc, NULL };
	int rc, r;

	if (value == NULL || len == 0)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no value to consume");
	if ((r = pr_dir_user_dn(d->base, user, &dn)) != PR_OK)
		return pr_fail(eb, r, "invalid user name: refused before any directory query");
	rc = ldap_modify_ext_s(d->ld, dn, mods, NULL, NULL);
	free(dn);
	if (rc == LDAP_SUCCESS)
		return PR_OK;
	/* Gone: another host (or an earlier use) consumed it; it was never ours. */
	if (rc == LDAP_NO_SUCH_ATTRIBUTE || rc == LDAP_NO_SUCH_OBJECT)
		return pr_fail(eb, PR_ERR_NOT_FOUND, "%s: that one-time value is not (or no "
		    "longer) there", d->uri);
	return pr_dir_fail(d, rc, "consuming a one-time value", eb);
}
