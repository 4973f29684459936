/*
 * Credentials on the user's directory entry (dir_store.h): read the entry,
 * let a change work on the list as the files store's would, then write the
 * difference as one modify under the revision rule, retrying a lost race.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dir_entry.h"
#include "dir_store.h"
#include "util.h"

#define CRED_ATTR "prCredential"

/* A change to the list; arg is the operation's own. */
typedef int (*dir_change)(struct pr_credlist *l, const void *arg, struct pr_errbuf *eb);

/* The values, parsed; each must hold exactly one credential. */
static int parse_values(const struct pr_dir_entry *e, struct pr_credlist *out,
    struct pr_errbuf *eb)
{
	memset(out, 0, sizeof(*out));
	if (e->n > PR_MAX_CREDS_PER_USER)
		return pr_fail(eb, PR_ERR_CORRUPT, "more than %d credentials on one entry",
		    PR_MAX_CREDS_PER_USER);
	if (e->n > 0 && (out->v = calloc(e->n, sizeof(*out->v))) == NULL)
		return PR_ERR_NOMEM;
	for (size_t i = 0; i < e->n; i++) {
		struct pr_credlist one = { NULL, 0 };
		struct pr_errbuf where = { 0 };
		int r = pr_store_parse(e->v[i].val, e->v[i].len, &one, &where);
		if (r != PR_OK || one.n != 1) {
			pr_credlist_clear(&one);
			pr_credlist_clear(out);
			return pr_fail(eb, PR_ERR_CORRUPT, "a %s value is not one credential in "
			    "the store's format (line %d)", CRED_ATTR, where.line);
		}
		out->v[out->n++] = one.v[0];
		free(one.v);
	}
	return PR_OK;
}

/* One credential as its value: the files store's text for a one-credential list. */
static int format_value(const struct pr_cred *c, struct pr_dir_value *out)
{
	struct pr_credlist one = { (struct pr_cred *)c, 1 };

	return pr_store_format(&one, &out->val, &out->len);
}

static bool value_in(const struct pr_dir_value *v, const struct pr_dir_value *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (set[i].len == v->len && memcmp(set[i].val, v->val, v->len) == 0)
			return true;
	return false;
}

static void values_free(struct pr_dir_value *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i].val);
	free(v);
}

/* Old values that are gone go into del, new ones not there before into add. */
static int diff_write(struct pr_dir *d, const char *user, const struct pr_dir_entry *e,
    const struct pr_credlist *l, struct pr_errbuf *eb)
{
	struct pr_dir_value *now = calloc(l->n + 1, sizeof(*now));
	struct pr_dir_value *del = calloc(e->n + 1, sizeof(*del));
	struct pr_dir_value *add = calloc(l->n + 1, sizeof(*add));
	size_t n_now = 0, n_del = 0, n_add = 0;
	int r = PR_ERR_NOMEM;

	if (now == NULL || del == NULL || add == NULL)
		goto out;
	for (; n_now < l->n; n_now++)
		if ((r = format_value(&l->v[n_now], &now[n_now])) != PR_OK)
			goto out;
	for (size_t i = 0; i < e->n; i++)
		if (!value_in(&e->v[i], now, n_now))
			del[n_del++] = e->v[i];
	for (size_t i = 0; i < n_now; i++)
		if (!value_in(&now[i], e->v, e->n))
			add[n_add++] = now[i];
	r = pr_dir_entry_write(d, user, e, CRED_ATTR, del, n_del, add, n_add, eb);
out:
	values_free(now, n_now);
	free(del);  /* their strings are e's */
	free(add);  /* their strings are now's */
	return r;
}

/* A short random pause before the next try, so racing hosts spread out. */
static void backoff(int attempt)
{
	unsigned char b = 0;
	struct timespec ts = { 0, 0 };

	(void)pr_random(&b, 1);
	ts.tv_nsec = (long)(1 + b % 8) * (attempt + 1) * 1000000L;
	nanosleep(&ts, NULL);
}

/* Read, change, write; again from the read when another host won the race. */
static int dir_modify(struct pr_dir *d, const char *user, dir_change fn, const void *arg,
    struct pr_errbuf *eb)
{
	for (int attempt = 0; attempt < PR_DIR_TRIES; attempt++) {
		struct pr_dir_entry e;
		struct pr_credlist l = { NULL, 0 };
		int r;

		if ((r = pr_dir_entry_read(d, user, CRED_ATTR, &e, eb)) != PR_OK)
			return r;
		if ((r = parse_values(&e, &l, eb)) == PR_OK && (r = fn(&l, arg, eb)) == PR_OK)
			r = diff_write(d, user, &e, &l, eb);
		pr_credlist_clear(&l);
		pr_dir_entry_clear(&e);
		if (r != PR_ERR_DIR_CONFLICT)
			return r;
		backoff(attempt);
	}
	return pr_fail(eb, PR_ERR_DIR_CONFLICT, "%s: the entry of %s kept changing (%d "
	    "tries): nothing was written; try again", pr_dir_uri(d), user, PR_DIR_TRIES);
}

int pr_dir_store_load(struct pr_dir *d, const char *user, struct pr_credlist *out,
    struct pr_errbuf *eb)
{
	struct pr_dir_entry e;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = pr_dir_entry_read(d, user, CRED_ATTR, &e, eb)) != PR_OK)
		return r;
	r = parse_values(&e, out, eb);
	pr_dir_entry_clear(&e);
	return r;
}

/* ---- the changes: the files store's rules (store.h) on the entry's list ---- */

static int change_add(struct pr_credlist *l, const void *arg, struct pr_errbuf *eb)
{
	const struct pr_cred *c = arg;
	struct pr_cred *grown;
	int r;

	if (pr_credlist_find(l, c->id, c->id_len) != NULL)
		return pr_fail(eb, PR_ERR_EXISTS, "this credential is already enrolled");
	if (l->n >= PR_MAX_CREDS_PER_USER)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "already %d credentials, the most one "
		    "user may have; remove one first", PR_MAX_CREDS_PER_USER);
	if ((grown = realloc(l->v, (l->n + 1) * sizeof(*l->v))) == NULL)
		return PR_ERR_NOMEM;
	l->v = grown;
	if ((r = pr_cred_copy(&l->v[l->n], c)) == PR_OK)
		l->n++;
	return r;
}

int pr_dir_store_add(struct pr_dir *d, const char *user, const struct pr_cred *c,
    struct pr_errbuf *eb)
{
	struct pr_dir_value probe = { NULL, 0 };
	int r;

	/* What the format refuses is never written (and never half-written). */
	if (c == NULL || (r = format_value(c, &probe)) != PR_OK)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "credential has invalid fields");
	free(probe.val);
	return dir_modify(d, user, change_add, c, eb);
}

/* The index of the one credential whose key id is keyid. */
static int keyid_index(const struct pr_credlist *l, const char *keyid, size_t *index,
    struct pr_errbuf *eb)
{
	char kid[PR_KEYID_LEN + 1];
	size_t hits = 0;

	for (size_t i = 0; i < l->n; i++) {
		pr_keyid(l->v[i].id, l->v[i].id_len, kid);
		if (strcmp(kid, keyid) == 0) {
			*index = i;
			hits++;
		}
	}
	if (hits == 1)
		return PR_OK;
	return pr_fail(eb, hits == 0 ? PR_ERR_NOT_FOUND : PR_ERR_INVALID_ARG, hits == 0 ?
	    "no key with id %s" : "key id %s is ambiguous", keyid);
}

static bool keyid_ok(const char *keyid)
{
	return keyid != NULL && strlen(keyid) == PR_KEYID_LEN &&
	    strspn(keyid, "0123456789abcdef") == PR_KEYID_LEN;
}

struct remove_args {
	const char *keyid;
	pr_store_guard guard;
	void *guard_arg;
};

static int change_remove(struct pr_credlist *l, const void *arg, struct pr_errbuf *eb)
{
	const struct remove_args *a = arg;
	size_t i = 0;
	int r;

	if ((r = keyid_index(l, a->keyid, &i, eb)) != PR_OK)
		return r;
	/* The rule judges the list this very write replaces (the revision sees to that). */
	if (a->guard != NULL && (r = a->guard(l, i, a->guard_arg)) != PR_OK)
		return pr_fail(eb, r, "removing key %s refused: %s", a->keyid, pr_strerror(r));
	pr_cred_clear(&l->v[i]);
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(l->v[0]));
	l->n--;
	return PR_OK;
}

int pr_dir_store_remove_if(struct pr_dir *d, const char *user, const char *keyid,
    pr_store_guard guard, void *guard_arg, struct pr_errbuf *eb)
{
	struct remove_args a = { keyid, guard, guard_arg };

	if (!keyid_ok(keyid))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "key id must be %d lower-case hex digits",
		    PR_KEYID_LEN);
	return dir_modify(d, user, change_remove, &a, eb);
}

struct rename_args {
	const char *keyid;
	const char *label;
};

static int change_rename(struct pr_credlist *l, const void *arg, struct pr_errbuf *eb)
{
	const struct rename_args *a = arg;
	size_t i = 0;
	int r;

	if ((r = keyid_index(l, a->keyid, &i, eb)) == PR_OK)
		snprintf(l->v[i].label, sizeof(l->v[i].label), "%s", a->label);
	return r;
}

int pr_dir_store_rename(struct pr_dir *d, const char *user, const char *keyid,
    const char *label, struct pr_errbuf *eb)
{
	struct rename_args a = { keyid, label };

	if (!keyid_ok(keyid))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "key id must be %d lower-case hex digits",
		    PR_KEYID_LEN);
	if (label == NULL || strlen(label) > PR_LABEL_MAX)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "a label is at most %d bytes", PR_LABEL_MAX);
	return dir_modify(d, user, change_rename, &a, eb);
}

struct use_args {
	const unsigned char *id;
	size_t id_len;
	uint32_t new_count;
	int64_t now;
};

static int change_use(struct pr_credlist *l, const void *arg, struct pr_errbuf *eb)
{
	const struct use_args *u = arg;
	struct pr_cred *c = (struct pr_cred *)pr_credlist_find(l, u->id, u->id_len);

	if (c == NULL)
		return pr_fail(eb, PR_ERR_NOT_FOUND, "credential is not enrolled");
	/* As the files store: a counter that does not grow (or falls to 0) is a clone. */
	if ((u->new_count != 0 && u->new_count <= c->sign_count) ||
	    (u->new_count == 0 && c->sign_count != 0))
		return pr_fail(eb, PR_ERR_COUNTER, "sign counter %" PRIu32 " is not above the "
		    "stored %" PRIu32 " (possible cloned key)", u->new_count, c->sign_count);
	c->sign_count = u->new_count;
	c->last_used = u->now;
	return PR_OK;
}

int pr_dir_store_record_use(struct pr_dir *d, const char *user, const unsigned char *id,
    size_t id_len, uint32_t new_count, int64_t now, struct pr_errbuf *eb)
{
	struct use_args u = { id, id_len, new_count, now };

	if (id == NULL || id_len == 0 || id_len > PR_CRED_ID_MAX || now < 0)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "invalid credential id or time");
	return dir_modify(d, user, change_use, &u, eb);
}
