/* Merging a slot found both on this host and in the directory, upwards only (store_merge.h). */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cred.h"
#include "store.h"
#include "store_merge.h"
#include "util.h"

/* Everything a key is except what grows with use (counter, last use) and its label. */
static bool same_key(const struct pr_cred *a, const struct pr_cred *b)
{
	return a->id_len == b->id_len && memcmp(a->id, b->id, a->id_len) == 0 &&
	    a->cose_alg == b->cose_alg && a->pubkey_len == b->pubkey_len &&
	    memcmp(a->pubkey, b->pubkey, a->pubkey_len) == 0 && a->cls == b->cls &&
	    a->kind == b->kind && memcmp(a->aaguid, b->aaguid, sizeof(a->aaguid)) == 0 &&
	    a->flags == b->flags && strcmp(a->fmt, b->fmt) == 0 && a->created == b->created &&
	    strcmp(a->app, b->app) == 0;
}

/* The first key of a that b lacks (or holds with other public data), or NULL. */
static const struct pr_cred *first_unmatched(const struct pr_credlist *a,
    const struct pr_credlist *b)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct pr_cred *o = pr_credlist_find(b, a->v[i].id, a->v[i].id_len);
		if (o == NULL || !same_key(&a->v[i], o))
			return &a->v[i];
	}
	return NULL;
}

static bool keys_differ(const struct pr_credlist *h, const struct pr_credlist *d,
    char why[PR_MERGE_WHY_MAX])
{
	const struct pr_cred *c;
	char id[PR_KEYID_LEN + 1];

	if ((c = first_unmatched(h, d)) != NULL) {
		pr_keyid(c->id, c->id_len, id);
		snprintf(why, PR_MERGE_WHY_MAX, "key %s is on this host, not in the directory "
		    "(or differs there)", id);
		return true;
	}
	if ((c = first_unmatched(d, h)) != NULL) {
		pr_keyid(c->id, c->id_len, id);
		snprintf(why, PR_MERGE_WHY_MAX, "key %s is in the directory, not on this host", id);
		return true;
	}
	return false;
}

/* d takes h's counters and last uses where they are further along; whether any was. */
static bool raise_counters(struct pr_credlist *d, const struct pr_credlist *h)
{
	bool raised = false;

	for (size_t i = 0; i < d->n; i++) {
		const struct pr_cred *o = pr_credlist_find(h, d->v[i].id, d->v[i].id_len);
		if (o->sign_count > d->v[i].sign_count) {
			d->v[i].sign_count = o->sign_count;
			raised = true;
		}
		if (o->last_used > d->v[i].last_used) {
			d->v[i].last_used = o->last_used;
			raised = true;
		}
	}
	return raised;
}

int pr_merge_creds(const char *host, size_t host_len, const char *dir, size_t dir_len,
    enum pr_merge *m, char **out, size_t *out_len, char why[PR_MERGE_WHY_MAX],
    struct pr_errbuf *eb)
{
	struct pr_credlist h = { NULL, 0 }, d = { NULL, 0 };
	int r;

	*m = PR_MERGE_DIFFERS;
	*out = NULL;
	*out_len = 0;
	why[0] = '\0';
	if ((r = pr_store_parse(host, host_len, &h, eb)) != PR_OK ||
	    (r = pr_store_parse(dir, dir_len, &d, eb)) != PR_OK)
		goto out;
	if (keys_differ(&h, &d, why))
		goto out;
	*m = PR_MERGE_SAME;
	if (raise_counters(&d, &h)) {
		*m = PR_MERGE_RAISE;
		r = pr_store_format(&d, out, out_len);
	}
out:
	pr_credlist_clear(&h);
	pr_credlist_clear(&d);
	return r;
}

/* The next line of s (of len bytes) from *pos, without its newline; false at the end. */
static bool next_line(const char *s, size_t len, size_t *pos, const char **line, size_t *n)
{
	const char *nl;

	if (*pos >= len)
		return false;
	*line = s + *pos;
	nl = memchr(*line, '\n', len - *pos);
	*n = nl != NULL ? (size_t)(nl - *line) : len - *pos;
	*pos += *n + (nl != NULL ? 1 : 0);
	return true;
}

/* "hash=<hex> used=<x>": the length up to " used=", or 0 when the line is not a code. */
static size_t code_key(const char *line, size_t n)
{
	const char *u = NULL;

	for (size_t i = 0; i + 6 <= n; i++)
		if (memcmp(line + i, " used=", 6) == 0)
			u = line + i;
	return n > 5 && memcmp(line, "hash=", 5) == 0 && u != NULL ? (size_t)(u - line) : 0;
}

static bool code_used(const char *line, size_t n, size_t key)
{
	return !(n == key + 7 && line[key + 6] == '-');
}

/* Line by line: the same lines, or the same code with one side used. */
static int merge_lines(const char *host, size_t host_len, const char *dir, size_t dir_len,
    enum pr_merge *m, FILE *f, char why[PR_MERGE_WHY_MAX])
{
	size_t hp = 0, dp = 0, hn, dn, k;
	const char *hl, *dl;
	bool hmore, dmore;

	for (int line = 1;; line++) {
		hmore = next_line(host, host_len, &hp, &hl, &hn);
		dmore = next_line(dir, dir_len, &dp, &dl, &dn);
		if (!hmore && !dmore)
			return PR_OK;
		if (hmore != dmore || (k = code_key(hl, hn)) != code_key(dl, dn) ||
		    (k == 0 && (hn != dn || memcmp(hl, dl, hn) != 0)) ||
		    (k != 0 && memcmp(hl, dl, k) != 0)) {
			snprintf(why, PR_MERGE_WHY_MAX, "another set of recovery codes (they differ "
			    "from line %d on)", line);
			*m = PR_MERGE_DIFFERS;
			return PR_OK;
		}
		if (k != 0 && code_used(hl, hn, k) && !code_used(dl, dn, k)) {
			*m = PR_MERGE_RAISE;  /* used here since it was copied: used there too */
			fprintf(f, "%.*s\n", (int)hn, hl);
		} else {
			fprintf(f, "%.*s\n", (int)dn, dl);
		}
	}
}

int pr_merge_codes(const char *host, size_t host_len, const char *dir, size_t dir_len,
    enum pr_merge *m, char **out, size_t *out_len, char why[PR_MERGE_WHY_MAX])
{
	FILE *f;
	int r;

	*m = PR_MERGE_SAME;
	*out = NULL;
	*out_len = 0;
	why[0] = '\0';
	if ((f = open_memstream(out, out_len)) == NULL)
		return PR_ERR_NOMEM;
	r = merge_lines(host, host_len, dir, dir_len, m, f, why);
	if (fclose(f) != 0 && r == PR_OK)
		r = PR_ERR_NOMEM;
	if (r != PR_OK || *m != PR_MERGE_RAISE) {
		free(*out);
		*out = NULL;
		*out_len = 0;
	}
	return r;
}
