/*
 * Sign-in's store with the directory's offline cache behind it
 * (store_offline.h). The cache is a copy: failing to refresh it never
 * fails a sign-in the directory answered, and it is read only when no
 * directory answered.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "store_cache.h"
#include "store_offline.h"
#include "util.h"

/* A copy this recent (seconds) and unchanged is not written again. */
#define CACHE_REWRITE_AFTER 60

static int64_t max_age_of(const struct pr_state *state)
{
	return state->ldap != NULL ? state->ldap->cache_max_age : 0;
}

bool pr_store_counters_conflict(uint32_t n, int64_t ta, uint32_t m, int64_t tb)
{
	/* A key without a counter (always 0) tells nothing. */
	if (n == 0)
		return false;
	return n == m || ((n < m) == (tb <= ta));
}

static bool any_offline(const struct pr_store_cache *c)
{
	for (size_t i = 0; c->offline != NULL && i < c->creds.n; i++)
		if (c->offline[i])
			return true;
	return false;
}

/*
 * Whether old already says what list says and was read moments ago: the
 * auth and account phases of one login then write it once, not twice (it
 * is at most CACHE_REWRITE_AFTER seconds older than it could be).
 */
static bool unchanged_recently(const struct pr_store_cache *old, const struct pr_credlist *list,
    int64_t now)
{
	char *a = NULL, *b = NULL;
	size_t al = 0, bl = 0;
	bool same;

	if (now < old->fetched || now - old->fetched > CACHE_REWRITE_AFTER || any_offline(old))
		return false;
	same = pr_store_format(&old->creds, &a, &al) == PR_OK &&
	    pr_store_format(list, &b, &bl) == PR_OK && al == bl && memcmp(a, b, al) == 0;
	free(a);
	free(b);
	return same;
}

/*
 * One counter raised offline, against the directory's list: written when
 * higher (never lowering, the store's own counter rule under its lock),
 * and given to fn when the two contradict. *wrote when the directory
 * changed. An error other than the rule's leaves the mark for next time.
 */
static int sync_one(struct pr_state *state, const char *user, const struct pr_cred *o,
    const struct pr_credlist *dir, pr_store_conflict_fn fn, void *arg, bool *wrote,
    struct pr_errbuf *eb)
{
	const struct pr_cred *d = pr_credlist_find(dir, o->id, o->id_len);
	struct pr_store_conflict k;
	int r = PR_OK;

	if (d == NULL)
		return PR_OK;   /* removed from the directory since: nothing to keep */
	k = (struct pr_store_conflict){ o, o->sign_count, o->last_used, d->sign_count,
	    d->last_used };
	if (o->sign_count > d->sign_count) {
		r = pr_store_record_use(state, user, o->id, o->id_len, o->sign_count,
		    o->last_used, eb);
		/* Raised past ours by another host meanwhile: later than ours, so no contradiction. */
		if (r == PR_OK || r == PR_ERR_COUNTER)
			*wrote = true;
		if (r == PR_ERR_COUNTER)
			r = PR_OK;
	}
	if (r == PR_OK && fn != NULL &&
	    pr_store_counters_conflict(k.offline_count, k.offline_at, k.dir_count, k.dir_at))
		fn(&k, arg);
	return r;
}

/* The directory answered: write back what was seen offline, then refresh the cache. */
static void after_contact(struct pr_state *state, const char *user, struct pr_credlist *list,
    pr_store_conflict_fn fn, void *arg)
{
	struct pr_store_cache_file cf;
	struct pr_store_cache old = { 0 }, now = { 0 };
	struct pr_credlist fresh = { NULL, 0 };
	struct pr_errbuf eb;
	bool wrote = false;
	int r;

	if (pr_store_cache_open(&cf, state, user, &eb) != PR_OK)
		goto out;
	r = pr_store_cache_read(&cf, &old, &eb);
	/* A link or a file with the wrong owner or mode is left as it is, for an administrator. */
	if (r != PR_OK && r != PR_ERR_NOT_FOUND && r != PR_ERR_CORRUPT)
		goto out;
	for (size_t i = 0; r == PR_OK && any_offline(&old) && i < old.creds.n; i++)
		if (old.offline[i])
			r = sync_one(state, user, &old.creds.v[i], list, fn, arg, &wrote, &eb);
	if (r == PR_OK && wrote && pr_store_load(state, user, &fresh, &eb) == PR_OK) {
		pr_credlist_clear(list);
		*list = fresh;
	} else if (r == PR_OK && wrote) {
		goto out;   /* could not read what was written: keep the marks */
	} else if (r != PR_OK && r != PR_ERR_NOT_FOUND && r != PR_ERR_CORRUPT) {
		goto out;   /* a write-back failed: the marks stay for the next contact */
	}
	now.fetched = pr_now();
	if (r == PR_OK && !wrote && max_age_of(state) > 0 &&
	    unchanged_recently(&old, list, now.fetched))
		goto out;
	/* cache_max_age = 0: no cache; the write of an empty list removes the file. */
	if (max_age_of(state) > 0)
		now.creds = *list;
	(void)pr_store_cache_write(&cf, &now, &eb);
out:
	pr_store_cache_close(&cf);
	pr_store_cache_clear(&old);
}

/* No directory answered: the cache if it is fresh, else the directory's error. */
static int load_cached(struct pr_state *state, const char *user, struct pr_credlist *out,
    bool *from_cache, struct pr_errbuf *eb)
{
	struct pr_store_cache_file cf;
	struct pr_store_cache c = { 0 };
	struct pr_errbuf why = { .msg = "" };
	char dir_msg[sizeof(eb->msg)];
	int r;

	snprintf(dir_msg, sizeof(dir_msg), "%s", eb->msg);
	if ((r = pr_store_cache_open(&cf, state, user, &why)) == PR_OK)
		r = pr_store_cache_read(&cf, &c, &why);
	pr_store_cache_close(&cf);
	if (r == PR_OK && pr_store_cache_fresh(&c, max_age_of(state), pr_now())) {
		*out = c.creds;
		memset(&c.creds, 0, sizeof(c.creds));
		*from_cache = true;
	} else if (r == PR_OK || r == PR_ERR_NOT_FOUND) {
		/* None, or too old: said alike, so the log does not tell one from the other. */
		pr_fail(eb, PR_ERR_DIR_UNREACHABLE, "%s; no offline copy of this account's keys "
		    "read within cache_max_age (%" PRId64 " s) on this machine", dir_msg,
		    max_age_of(state));
	} else {
		pr_fail(eb, PR_ERR_DIR_UNREACHABLE, "%s; the offline cache was not used: %s",
		    dir_msg, why.msg);
	}
	pr_store_cache_clear(&c);
	return *from_cache ? PR_OK : PR_ERR_DIR_UNREACHABLE;
}

int pr_store_load_signin(struct pr_state *state, const char *user, struct pr_credlist *out,
    bool *from_cache, pr_store_conflict_fn fn, void *arg, struct pr_errbuf *eb)
{
	int r;

	*from_cache = false;
	r = pr_store_load(state, user, out, eb);
	if (!pr_state_directory(state))
		return r;
	if (r == PR_OK)
		after_contact(state, user, out, fn, arg);
	/* Only silence: a directory that refused is a configuration error, never the cache. */
	if (r != PR_ERR_DIR_UNREACHABLE || max_age_of(state) <= 0)
		return r;
	return load_cached(state, user, out, from_cache, eb);
}

/*
 * The cached counter of credential id: with offline, the counter rule
 * against it and the mark for the next contact; without, a refresh after
 * the directory took the counter (raised only, never lowered).
 */
static int cache_use(struct pr_state *state, const char *user, const unsigned char *id,
    size_t id_len, uint32_t count, int64_t now, bool offline, struct pr_errbuf *eb)
{
	struct pr_store_cache_file cf;
	struct pr_store_cache c = { 0 };
	struct pr_cred *cred;
	int r;

	if ((r = pr_store_cache_open(&cf, state, user, eb)) != PR_OK ||
	    (r = pr_store_cache_read(&cf, &c, eb)) != PR_OK)
		goto out;
	if ((cred = (struct pr_cred *)pr_credlist_find(&c.creds, id, id_len)) == NULL) {
		r = pr_fail(eb, PR_ERR_NOT_FOUND, "%s: credential is not in the offline cache",
		    cf.f.path);
		goto out;
	}
	if (!pr_cred_counter_grows(cred->sign_count, count)) {
		r = offline ? pr_fail(eb, PR_ERR_COUNTER, "%s: sign counter %" PRIu32 " is not "
		    "above the cached %" PRIu32 " (possible cloned key)", cf.f.path, count,
		    cred->sign_count) : PR_OK;
		goto out;
	}
	c.offline[cred - c.creds.v] |= offline && count > 0;
	cred->sign_count = count;
	cred->last_used = now;
	r = pr_store_cache_write(&cf, &c, eb);
out:
	pr_store_cache_close(&cf);
	pr_store_cache_clear(&c);
	return r;
}

int pr_store_record_use_signin(struct pr_state *state, const char *user, bool from_cache,
    const unsigned char *id, size_t id_len, uint32_t new_count, int64_t now,
    struct pr_errbuf *eb)
{
	struct pr_errbuf ignored;
	int r;

	if (from_cache)
		return cache_use(state, user, id, id_len, new_count, now, true, eb);
	r = pr_store_record_use(state, user, id, id_len, new_count, now, eb);
	/* The cache follows, so a copy of the key cannot replay this counter offline. */
	if (r == PR_OK && pr_state_directory(state) && max_age_of(state) > 0)
		(void)cache_use(state, user, id, id_len, new_count, now, false, &ignored);
	return r;
}
