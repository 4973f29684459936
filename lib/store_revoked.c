/*
 * Keys an administrator removed while the user's store lock was held by a
 * process that did not finish (doc/ARCHITECTURE.md §7):
 * <state_dir>/revoked/<user> (0600, in a 0700 directory), replaced
 * atomically under <state_dir>/locks/<user>+revoked.lock. Only
 * practicerunner-admin takes that lock (root, started by an administrator,
 * in no cgroup a user owns), so no user can make the administrator wait on
 * it. Every read of the store drops the keys listed here, so a holder of the
 * store lock that resumes and commits the list it read before the removal
 * cannot bring a removed key back: the removal is a write the store's own
 * writers never make or undo.
 *
 * File format (version 1):
 *
 *   practicerunner-revoked 1
 *   id=<b64url credential id>
 *
 * (one id line per key, at most PR_REVOKED_MAX). The parser is strict:
 * anything else is PR_ERR_CORRUPT naming file and line, and a store read
 * that cannot read this file fails (fail closed). The file goes once an
 * administrator holds the store lock and has written the store without
 * those keys (pr_store_settle_revoked).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store.h"
#include "store_revoked.h"
#include "user_file.h"
#include "util.h"

#define REVOKED_HEADER "practicerunner-revoked 1"
#define REVOKED_SUBDIR "revoked"
#define REVOKED_LOCK "+revoked.lock"
#define REVOKED_LINE_MAX (3 + (PR_CRED_ID_MAX * 4 + 2) / 3)   /* "id=" + b64url */
#define REVOKED_MAX_SIZE (sizeof(REVOKED_HEADER) + PR_REVOKED_MAX * (REVOKED_LINE_MAX + 1))

void pr_revoked_clear(struct pr_revoked *rv)
{
	free(rv->text);
	rv->text = NULL;
	rv->n = 0;
}

static bool b64url_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_';
}

/* Header, then "id=<b64url>" lines; *line says where it went wrong. */
static int revoked_parse(const char *text, size_t len, size_t *n, int *line)
{
	const char *p = text, *end = text + len, *nl;
	size_t hl = strlen(REVOKED_HEADER);

	*n = 0;
	*line = 1;
	if (len <= hl || memcmp(text, REVOKED_HEADER "\n", hl + 1) != 0)
		return PR_ERR_CORRUPT;
	for (p += hl + 1; p < end; p = nl + 1) {
		(*line)++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL ||
		    nl - p < 4 || nl - p > (long)REVOKED_LINE_MAX || memcmp(p, "id=", 3) != 0 ||
		    *n >= PR_REVOKED_MAX)
			return PR_ERR_CORRUPT;
		for (const char *q = p + 3; q < nl; q++)
			if (!b64url_char(*q))
				return PR_ERR_CORRUPT;
		(*n)++;
	}
	return PR_OK;
}

static int revoked_read(struct pr_user_file *x, struct pr_revoked *rv, struct pr_errbuf *eb)
{
	size_t len = 0;
	int line = 0, r;

	if ((r = pr_user_file_read(x, REVOKED_MAX_SIZE, &rv->text, &len, eb)) != PR_OK ||
	    rv->text == NULL)
		return r;
	if ((r = revoked_parse(rv->text, len, &rv->n, &line)) != PR_OK) {
		pr_revoked_clear(rv);
		return pr_fail(eb, r, "%s:%d: not a list of removed keys (an administrator's "
		    "'key list %s' after moving it aside shows what the store holds)", x->path,
		    line, x->user);
	}
	return PR_OK;
}

int pr_revoked_from_text(const char *text, size_t len, const char *where, const char *user,
    struct pr_revoked *rv, struct pr_errbuf *eb)
{
	int line = 0, r;

	rv->n = 0;
	if (len > REVOKED_MAX_SIZE || (r = revoked_parse(text, len, &rv->n, &line)) != PR_OK)
		return pr_fail(eb, PR_ERR_CORRUPT, "%s:%d: not a list of removed keys (an "
		    "administrator's 'key list %s' shows what the store holds)", where, line, user);
	if ((rv->text = malloc(len + 1)) == NULL)
		return PR_ERR_NOMEM;
	memcpy(rv->text, text, len);
	rv->text[len] = '\0';
	return PR_OK;
}

int pr_revoked_load(struct pr_state *state, const char *user, struct pr_revoked *rv,
    struct pr_errbuf *eb)
{
	struct pr_user_file x;
	int r;

	rv->text = NULL;
	rv->n = 0;
	/* No lock: the file is only ever replaced whole. */
	if ((r = pr_user_file_open(&x, state, REVOKED_SUBDIR, user, NULL, false, eb)) == PR_OK)
		r = revoked_read(&x, rv, eb);
	pr_user_file_close(&x);
	return r;
}

/* "id=<b64url>\n" for id, malloc'd. */
static char *id_line(const unsigned char *id, size_t id_len)
{
	char *b = pr_b64url_encode(id, id_len), *line = NULL;

	if (b != NULL && asprintf(&line, "id=%s\n", b) < 0)
		line = NULL;
	free(b);
	return line;
}

bool pr_revoked_has(const struct pr_revoked *rv, const unsigned char *id, size_t id_len)
{
	char *line, *p;
	bool found = false;

	if (rv->text == NULL || (line = id_line(id, id_len)) == NULL)
		return rv->text != NULL;   /* cannot tell: treat as removed (fail closed) */
	/* Every id line follows a newline (the header's or the previous line's). */
	for (p = rv->text; !found && (p = strstr(p, line)) != NULL; p++)
		found = p > rv->text && p[-1] == '\n';
	free(line);
	return found;
}

void pr_revoked_filter(const struct pr_revoked *rv, struct pr_credlist *l)
{
	size_t keep = 0;

	for (size_t i = 0; i < l->n; i++) {
		if (pr_revoked_has(rv, l->v[i].id, l->v[i].id_len))
			pr_cred_clear(&l->v[i]);
		else
			l->v[keep++] = l->v[i];
	}
	l->n = keep;
}

int pr_store_revoke(struct pr_state *state, const char *user, const unsigned char *id,
    size_t id_len, struct pr_errbuf *eb)
{
	struct pr_revoked rv = { NULL, 0 };
	struct pr_user_file x;
	char *line = NULL, *text = NULL;
	int r;

	if (id == NULL || id_len == 0 || id_len > PR_CRED_ID_MAX)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "invalid credential id");
	if ((r = pr_user_file_open(&x, state, REVOKED_SUBDIR, user, REVOKED_LOCK, true,
	    eb)) != PR_OK || (r = revoked_read(&x, &rv, eb)) != PR_OK)
		goto out;
	if (rv.text != NULL && pr_revoked_has(&rv, id, id_len))
		goto out;   /* listed already */
	if (rv.n >= PR_REVOKED_MAX) {
		r = pr_fail(eb, PR_ERR_INVALID_ARG, "%s: already %d removed keys waiting; run a "
		    "key command for %s once nothing holds their lock", x.path, PR_REVOKED_MAX, user);
		goto out;
	}
	if ((line = id_line(id, id_len)) == NULL ||
	    asprintf(&text, "%s%s", rv.text != NULL ? rv.text : REVOKED_HEADER "\n", line) < 0) {
		text = NULL;
		r = pr_fail(eb, PR_ERR_NOMEM, "out of memory");
		goto out;
	}
	r = pr_user_file_replace(&x, text, strlen(text), eb);
out:
	free(line);
	free(text);
	pr_revoked_clear(&rv);
	pr_user_file_close(&x);
	return r;
}

int pr_revoked_forget(struct pr_state *state, const char *user, const struct pr_revoked *read,
    struct pr_errbuf *eb)
{
	struct pr_revoked now = { NULL, 0 };
	struct pr_user_file x;
	int r;

	if ((r = pr_user_file_open(&x, state, REVOKED_SUBDIR, user, REVOKED_LOCK, false,
	    eb)) != PR_OK || !pr_user_file_present(&x) || (r = revoked_read(&x, &now, eb)) != PR_OK ||
	    now.text == NULL)
		goto out;
	if (read == NULL || read->text == NULL || strcmp(now.text, read->text) != 0)
		goto out;   /* changed since it was read: kept */
	/* In the directory the removal is of the value just read (the revision rule). */
	r = pr_user_file_unlink(&x, eb);
	if (r == PR_ERR_NOT_FOUND || r == PR_ERR_DIR_CONFLICT)
		r = PR_OK;
out:
	pr_revoked_clear(&now);
	pr_user_file_close(&x);
	return r;
}

int pr_store_unrevoke(struct pr_state *state, const char *user, const unsigned char *id,
    size_t id_len, struct pr_errbuf *eb)
{
	struct pr_revoked rv = { NULL, 0 };
	struct pr_user_file x;
	char *line = NULL, *at;
	int r;

	if ((r = pr_user_file_open(&x, state, REVOKED_SUBDIR, user, REVOKED_LOCK, false,
	    eb)) != PR_OK || !pr_user_file_present(&x) || (r = revoked_read(&x, &rv, eb)) != PR_OK ||
	    rv.text == NULL)
		goto out;
	if ((line = id_line(id, id_len)) == NULL) {
		r = pr_fail(eb, PR_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* The header ends in a newline, so the first match of "\nid=..." is the line. */
	for (at = rv.text; (at = strstr(at, line)) != NULL && at[-1] != '\n'; at++)
		;
	if (at == NULL)
		goto out;   /* not listed */
	memmove(at, at + strlen(line), strlen(at + strlen(line)) + 1);
	r = rv.n == 1 ? pr_user_file_unlink(&x, eb) :
	    pr_user_file_replace(&x, rv.text, strlen(rv.text), eb);
out:
	free(line);
	pr_revoked_clear(&rv);
	pr_user_file_close(&x);
	return r;
}
