/* The web gate's pending sign-ins (wa_pending.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "wa_addr.h"
#include "wa_pending.h"

int pr_wp_init(struct pr_wp_table *t, size_t cap)
{
	t->cap = 0;
	if (cap == 0 || (t->v = calloc(cap, sizeof(*t->v))) == NULL)
		return PR_ERR_NOMEM;
	t->cap = cap;
	return PR_OK;
}

void pr_wp_drop(struct pr_wp_entry *e)
{
	if (e->secret != NULL)
		pr_secret_strfree(&e->secret);
	explicit_bzero(e, sizeof(*e));
}

void pr_wp_free(struct pr_wp_table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		pr_wp_drop(&t->v[i]);
	free(t->v);
	t->v = NULL;
	t->cap = 0;
}

static bool copy_fits(char *dst, size_t size, const char *src)
{
	if (src == NULL || strlen(src) >= size)
		return false;
	memcpy(dst, src, strlen(src) + 1);
	return true;
}

int pr_wp_add(struct pr_wp_table *t, enum pr_wp_kind kind, const char *user,
    const char *service, const char *rhost, int64_t now, long lifetime,
    struct pr_wp_entry **out)
{
	struct pr_wp_entry *e = NULL;

	*out = NULL;
	if (lifetime <= 0)
		return PR_ERR_INVALID_ARG;
	for (size_t i = 0; i < t->cap && e == NULL; i++)
		if (t->v[i].state == PR_WP_FREE)
			e = &t->v[i];
	if (e == NULL)
		return PR_ERR_BUSY;
	if (!copy_fits(e->user, sizeof(e->user), user) ||
	    !copy_fits(e->service, sizeof(e->service), service) ||
	    !copy_fits(e->rhost, sizeof(e->rhost), rhost)) {
		pr_wp_drop(e);
		return PR_ERR_INVALID_ARG;
	}
	if (pr_random(e->id, sizeof(e->id)) != PR_OK ||
	    pr_random(e->challenge, sizeof(e->challenge)) != PR_OK) {
		pr_wp_drop(e);
		return PR_ERR_IO;
	}
	pr_hex_encode(e->id, sizeof(e->id), e->hex);
	e->kind = kind;
	e->created = now;
	e->expires = now + lifetime;
	e->state = PR_WP_OPEN;
	*out = e;
	return PR_OK;
}

static bool hex_ok(const char *s)
{
	return s != NULL && strlen(s) == PR_WP_HEX && strspn(s, "0123456789abcdef") == PR_WP_HEX;
}

struct pr_wp_entry *pr_wp_find(struct pr_wp_table *t, const char *hex)
{
	unsigned char *raw = NULL;
	struct pr_wp_entry *found = NULL;
	size_t len = 0;

	if (!hex_ok(hex) || pr_hex_decode(hex, &raw, &len) != PR_OK || len != PR_WP_ID_LEN) {
		free(raw);
		return NULL;
	}
	/* No early exit: how long this takes says nothing about which ids exist. */
	for (size_t i = 0; i < t->cap; i++) {
		bool same = pr_ct_equal(t->v[i].id, raw, PR_WP_ID_LEN);
		if (same && t->v[i].state != PR_WP_FREE)
			found = &t->v[i];
	}
	explicit_bzero(raw, len);
	free(raw);
	return found;
}

bool pr_wp_expired(const struct pr_wp_entry *e, int64_t now)
{
	return now >= e->expires;
}

int pr_wp_take(struct pr_wp_table *t, const char *hex, int64_t now, struct pr_wp_entry **out)
{
	struct pr_wp_entry *e = pr_wp_find(t, hex);

	*out = NULL;
	if (e == NULL || e->state != PR_WP_OPEN)
		return PR_ERR_REPLAY;
	if (pr_wp_expired(e, now)) {
		pr_wp_decide(e, PR_ERR_EXPIRED, 0, NULL);
		return PR_ERR_EXPIRED;
	}
	*out = e;
	return PR_OK;
}

int pr_wp_rechallenge(struct pr_wp_entry *e)
{
	return pr_random(e->challenge, sizeof(e->challenge)) == PR_OK ? PR_OK : PR_ERR_IO;
}

void pr_wp_decide(struct pr_wp_entry *e, int err, int aal, const char *cls)
{
	e->state = PR_WP_DECIDED;
	e->err = err;
	e->aal = err == PR_OK ? aal : 0;
	snprintf(e->cls, sizeof(e->cls), "%s", err == PR_OK && cls != NULL ? cls : "");
	e->enrolling = false;
	if (e->secret != NULL)
		pr_secret_strfree(&e->secret);
}

size_t pr_wp_sweep(struct pr_wp_table *t, int64_t now)
{
	size_t n = 0;

	for (size_t i = 0; i < t->cap; i++) {
		struct pr_wp_entry *e = &t->v[i];
		/*
		 * Nobody waits for an approval (op=wait is the VPN side's): decided
		 * or expired, it goes at once, so the approvals in the table are
		 * the open ones the cap counts (wg_approve.c).
		 */
		bool stale = e->state != PR_WP_FREE && !e->waited &&
		    (now >= e->expires + PR_WP_LINGER || (e->kind != PR_WP_SIGNIN &&
		    (e->state == PR_WP_DECIDED || pr_wp_expired(e, now))));
		if (stale) {
			pr_wp_drop(e);
			n++;
		}
	}
	return n;
}

size_t pr_wp_count(const struct pr_wp_table *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->cap; i++)
		n += t->v[i].state != PR_WP_FREE;
	return n;
}

size_t pr_wp_count_open(const struct pr_wp_table *t, enum pr_wp_kind kind, const char *rhost,
    int64_t now)
{
	size_t n = 0;

	for (size_t i = 0; i < t->cap; i++) {
		const struct pr_wp_entry *e = &t->v[i];
		n += e->state == PR_WP_OPEN && e->kind == kind && !pr_wp_expired(e, now) &&
		    (rhost == NULL || pr_wa_addr_same_client(e->rhost, rhost));
	}
	return n;
}
