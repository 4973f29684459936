/*
 * Web grants (grant.h): one line after a header,
 *   practicerunner-grant 1
 *   id=HEX service=NAME rhost=ADDR|- created=T expires=T key=KEYID flags=0xHH
 * in the user's file (user_file.h), read and changed under the user's lock
 * "+grant.lock" so two services never both take one grant.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grant.h"
#include "user_file.h"
#include "util.h"

#define GRANT_HEADER "practicerunner-grant 1\n"
#define GRANT_LOCK "+grant.lock"
#define GRANT_MAX_SIZE 1024

bool pr_grant_field_valid(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return false;
	for (; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= '0' && s[n] <= '9') || strchr("._:-", s[n]) != NULL))
			return false;
	return n > 0 && n <= PR_GRANT_FIELD_MAX;
}

bool pr_grant_service_gives_rhost(const char *service)
{
	/* Services whose PAM conversation never carries the client's address. */
	static const char *const no_rhost[] = { "xrdp-sesman" };

	for (size_t i = 0; i < sizeof(no_rhost) / sizeof(no_rhost[0]); i++)
		if (service != NULL && strcmp(service, no_rhost[i]) == 0)
			return false;
	return true;
}

static bool keyid_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= PR_GRANT_KEYID_MAX && strspn(s, "0123456789abcdef") == n;
}

static bool grant_valid(const struct pr_grant *g)
{
	return strlen(g->id) == PR_GRANT_ID_HEX && strspn(g->id, "0123456789abcdef") ==
	    PR_GRANT_ID_HEX && pr_grant_field_valid(g->service) &&
	    (g->rhost[0] == '\0' || pr_grant_field_valid(g->rhost)) && keyid_valid(g->keyid) &&
	    g->created > 0 && g->expires > g->created;
}

static int grant_format(const struct pr_grant *g, char *buf, size_t size, size_t *len)
{
	int n = snprintf(buf, size, GRANT_HEADER "id=%s service=%s rhost=%s created=%" PRId64
	    " expires=%" PRId64 " key=%s flags=0x%02x\n", g->id, g->service,
	    g->rhost[0] != '\0' ? g->rhost : "-", g->created, g->expires, g->keyid, g->flags);

	if (n < 0 || (size_t)n >= size)
		return PR_ERR_INVALID_ARG;
	*len = (size_t)n;
	return PR_OK;
}

/* Strict: the exact shape grant_format writes, every field valid. */
static int grant_parse(const char *text, struct pr_grant *g)
{
	char id[PR_GRANT_ID_HEX + 2], rhost[PR_GRANT_FIELD_MAX + 2];
	char service[PR_GRANT_FIELD_MAX + 2], key[PR_GRANT_KEYID_MAX + 2];
	int64_t created, expires;
	unsigned flags;
	int used = -1;

	memset(g, 0, sizeof(*g));
	if (strncmp(text, GRANT_HEADER, strlen(GRANT_HEADER)) != 0)
		return PR_ERR_CORRUPT;
	text += strlen(GRANT_HEADER);
	if (sscanf(text, "id=%17[0-9a-f] service=%64[A-Za-z0-9._:-] rhost=%64[A-Za-z0-9._:-] "
	    "created=%" SCNd64 " expires=%" SCNd64 " key=%32[0-9a-f] flags=0x%2x\n%n",
	    id, service, rhost, &created, &expires, key, &flags, &used) != 7 || used < 0 ||
	    text[used] != '\0')
		return PR_ERR_CORRUPT;
	if (strlen(id) > PR_GRANT_ID_HEX || strlen(service) > PR_GRANT_FIELD_MAX ||
	    strlen(rhost) > PR_GRANT_FIELD_MAX || strlen(key) > PR_GRANT_KEYID_MAX)
		return PR_ERR_CORRUPT;
	memcpy(g->id, id, strlen(id) + 1);
	memcpy(g->service, service, strlen(service) + 1);
	if (strcmp(rhost, "-") != 0)
		memcpy(g->rhost, rhost, strlen(rhost) + 1);
	memcpy(g->keyid, key, strlen(key) + 1);
	g->created = created;
	g->expires = expires;
	g->flags = (uint8_t)flags;
	return grant_valid(g) ? PR_OK : PR_ERR_CORRUPT;
}

static int new_id(char out[PR_GRANT_ID_HEX + 1])
{
	unsigned char b[PR_GRANT_ID_HEX / 2];

	if (pr_random(b, sizeof(b)) != PR_OK)
		return PR_ERR_IO;
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return PR_OK;
}

int pr_grant_create(struct pr_state *state, const char *user, struct pr_grant *g,
    int64_t now, int64_t lifetime, struct pr_errbuf *eb)
{
	struct pr_user_file f;
	char text[GRANT_MAX_SIZE];
	size_t len = 0;
	int r;

	if (lifetime < 1 || lifetime > PR_GRANT_MAX_LIFETIME || now <= 0)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "grant lifetime must be 1 to %d seconds",
		    PR_GRANT_MAX_LIFETIME);
	if ((r = new_id(g->id)) != PR_OK)
		return pr_fail(eb, r, "cannot make a grant id: no randomness");
	g->created = now;
	g->expires = now + lifetime;
	if (!grant_valid(g) || grant_format(g, text, sizeof(text), &len) != PR_OK)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "grant for %s: a field is not valid", user);
	pr_user_file_init(&f);
	if ((r = pr_user_file_open(&f, state, PR_GRANT_SUBDIR, user, GRANT_LOCK, true, eb)) == PR_OK)
		r = pr_user_file_replace(&f, text, len, eb);
	pr_user_file_close(&f);
	return r;
}

/* The user's grant as stored: PR_OK, PR_ERR_NOT_FOUND (none) or an error. */
static int grant_read(struct pr_user_file *f, struct pr_grant *g, struct pr_errbuf *eb)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = pr_user_file_read(f, GRANT_MAX_SIZE, &buf, &len, eb)) != PR_OK)
		return r;
	if (buf == NULL)
		return pr_fail(eb, PR_ERR_NOT_FOUND, "no grant for %s", f->user);
	if ((r = grant_parse(buf, g)) != PR_OK)
		pr_fail(eb, r, "%s: not a grant this version wrote; remove it (the person "
		    "approves again at the web gate)", f->path);
	free(buf);
	return r;
}

/* Which grant may be taken: PR_OK, or why not (see pr_grant_consume). */
static int grant_fits(const struct pr_grant *g, const char *service, const char *rhost,
    int64_t now)
{
	if (now >= g->expires || now < g->created)
		return PR_ERR_EXPIRED;
	if (strcmp(g->service, service) != 0)
		return PR_ERR_NOT_FOUND;
	/* Bound: only that address, never a service that gives none (it could come from anywhere). */
	if (g->rhost[0] != '\0' && (rhost == NULL || strcmp(g->rhost, rhost) != 0))
		return PR_ERR_PERM;
	return PR_OK;
}

int pr_grant_consume(struct pr_state *state, const char *user, const char *service,
    const char *rhost, int64_t now, struct pr_grant *out, struct pr_errbuf *eb)
{
	struct pr_user_file f;
	struct pr_grant g;
	int r, fit;

	memset(out, 0, sizeof(*out));
	pr_user_file_init(&f);
	if ((r = pr_user_file_open(&f, state, PR_GRANT_SUBDIR, user, GRANT_LOCK, false, eb)) != PR_OK)
		goto out;
	if (!pr_user_file_present(&f)) {
		r = pr_fail(eb, PR_ERR_NOT_FOUND, "no grant for %s", user);
		goto out;
	}
	if ((r = grant_read(&f, &g, eb)) != PR_OK)
		goto out;
	fit = grant_fits(&g, service, rhost, now);
	if (fit == PR_OK || fit == PR_ERR_EXPIRED) {
		/* Gone before anyone acts on it: a crash after this leaves it spent. */
		if ((r = pr_user_file_unlink(&f, eb)) != PR_OK)
			goto out;
	}
	if (fit == PR_OK)
		*out = g;
	r = fit == PR_OK ? PR_OK : pr_fail(eb, fit, "grant for %s: %s", user,
	    fit == PR_ERR_EXPIRED ? "expired" : fit == PR_ERR_PERM ?
	    "made for another client address" : "made for another service");
out:
	pr_user_file_close(&f);
	return r;
}
