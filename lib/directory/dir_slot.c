/* Per-user state slots on the user's directory entry (dir_slot.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dir_internal.h"
#include "dir_name.h"
#include "dir_slot.h"
#include "util.h"

static const struct {
	const char *subdir;
	const char *attr;
} slots[] = {
	{ "users", "prCredential" },
	{ "codes", "prRecoveryCode" },
	{ "tickets", "prTicket" },
	{ "invites", "prInvitation" },
	{ "tally", "prFailureTally" },
	{ "ssh-challenges", "prSSHChallenge" },
	{ "revoked", "prRevoked" },
	{ "grants", "prWebGrant" },
};

const char *pr_dir_slot_attr(const char *subdir)
{
	for (size_t i = 0; subdir != NULL && i < sizeof(slots) / sizeof(slots[0]); i++)
		if (strcmp(slots[i].subdir, subdir) == 0)
			return slots[i].attr;
	return NULL;
}

static bool attr_known(const char *attr)
{
	for (size_t i = 0; attr != NULL && i < sizeof(slots) / sizeof(slots[0]); i++)
		if (strcmp(slots[i].attr, attr) == 0)
			return true;
	return false;
}

int pr_dir_slot_read(struct pr_dir *d, const char *user, const char *attr,
    struct pr_dir_entry *e, struct pr_errbuf *eb)
{
	int r = pr_dir_entry_read(d, user, attr, e, eb);

	size_t n = e->n;

	if (r == PR_OK && n > 1) {
		pr_dir_entry_clear(e);
		return pr_fail(eb, PR_ERR_CORRUPT, "%s: the entry of %s has %zu %s values; "
		    "PracticeRunner writes one", d->uri, user, n, attr);
	}
	return r;
}

static bool same_slot(const struct pr_dir_entry *a, const struct pr_dir_entry *b)
{
	return a->n == b->n && (a->n == 0 || (a->v[0].len == b->v[0].len &&
	    memcmp(a->v[0].val, b->v[0].val, a->v[0].len) == 0));
}

/* After a write that landed: e holds the new revision and value. */
static int now_holds(struct pr_dir_entry *e, const void *data, size_t len)
{
	struct pr_dir_value *v = NULL;
	long revision;

	if (data != NULL) {
		if ((v = calloc(1, sizeof(*v))) == NULL || (v->val = malloc(len + 1)) == NULL) {
			free(v);
			return PR_ERR_NOMEM;
		}
		memcpy(v->val, data, len);
		v->val[len] = '\0';
		v->len = len;
	}
	revision = e->exists ? e->revision + 1 : 1;
	pr_dir_entry_clear(e);
	e->exists = true;
	e->revision = revision;
	e->v = v;
	e->n = v != NULL ? 1 : 0;
	return PR_OK;
}

void pr_dir_backoff(int attempt)
{
	unsigned char b = 0;
	struct timespec ts = { 0, 0 };

	(void)pr_random(&b, 1);
	ts.tv_nsec = (long)(1 + b % 8) * (attempt + 1) * 1000000L;
	nanosleep(&ts, NULL);
}

int pr_dir_slot_write(struct pr_dir *d, const char *user, const char *attr,
    struct pr_dir_entry *e, const void *data, size_t len, struct pr_errbuf *eb)
{
	struct pr_dir_value add = { (char *)data, len };
	struct pr_dir_entry fresh;
	int r;

	for (int attempt = 0; attempt < PR_DIR_TRIES; attempt++) {
		if (data == NULL && e->n == 0)
			return pr_fail(eb, PR_ERR_NOT_FOUND, "%s: the entry of %s has no %s",
			    d->uri, user, attr);
		r = pr_dir_entry_write(d, user, e, attr, e->v, e->n, &add, data != NULL ? 1 : 0, eb);
		if (r == PR_OK)
			return now_holds(e, data, len);
		if (r != PR_ERR_DIR_CONFLICT)
			return r;
		if ((r = pr_dir_slot_read(d, user, attr, &fresh, eb)) != PR_OK)
			return r;
		if (!same_slot(e, &fresh)) {
			pr_dir_entry_clear(&fresh);
			return pr_fail(eb, PR_ERR_DIR_CONFLICT, "another host changed the %s of %s at the "
			    "same moment: nothing was written here; try again", attr, user);
		}
		/* Another slot of the entry changed: ours is as read, so write it again. */
		pr_dir_entry_clear(e);
		*e = fresh;
		pr_dir_backoff(attempt);
	}
	return pr_fail(eb, PR_ERR_DIR_CONFLICT, "%s: the entry of %s kept changing (%d tries): "
	    "nothing was written; try again", d->uri, user, PR_DIR_TRIES);
}

static int push(struct pr_strlist *l, const char *s, size_t len)
{
	char **v;

	if ((v = realloc(l->v, (l->n + 1) * sizeof(*v))) == NULL)
		return PR_ERR_NOMEM;
	l->v = v;
	if ((l->v[l->n] = strndup(s, len)) == NULL)
		return PR_ERR_NOMEM;
	l->n++;
	return PR_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The uid of one entry found; a name that is not a valid user name is skipped. */
static int collect(struct pr_dir *d, LDAPMessage *m, void *arg, struct pr_errbuf *eb)
{
	struct berval **uid = ldap_get_values_len(d->ld, m, "uid");
	int r = PR_OK;

	(void)eb;
	if (uid != NULL && uid[0] != NULL && uid[1] == NULL &&
	    pr_dir_name_check(uid[0]->bv_val, uid[0]->bv_len) == PR_OK)
		r = push(arg, uid[0]->bv_val, uid[0]->bv_len);
	ldap_value_free_len(uid);
	return r;
}

int pr_dir_slot_users(struct pr_dir *d, const char *attr, struct pr_strlist *out,
    struct pr_errbuf *eb)
{
	char filter[96], *attrs[] = { "uid", NULL };
	int r;

	memset(out, 0, sizeof(*out));
	/* attr is one of ours (slots[]), never a user's text: nothing to escape. */
	if (!attr_known(attr) ||
	    snprintf(filter, sizeof(filter), "(&(objectClass=practiceRunnerUser)(%s=*))",
	    attr) >= (int)sizeof(filter))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "not a PracticeRunner attribute");
	/* Paged: a directory with more users than the server's size limit is listed whole. */
	r = pr_dir_search_paged(d, filter, attrs, collect, out, "listing users", eb);
	if (r == PR_OK)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	else
		pr_strlist_clear(out);
	return r;
}
