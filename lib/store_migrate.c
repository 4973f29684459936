/* Copying this host's store into the clinic directory, one user at a time (store_migrate.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cred.h"
#include "store.h"
#include "store_migrate.h"
#include "user_file.h"
#include "util.h"

#define SLOT_MAX (1024 * 1024)          /* the largest slot file (a credential store) */
#define MARK_SUBDIR "migrated"
#define MARK_LOCK "+migrated.lock"      /* locks/<user>+migrated.lock */
#define MARK_HEADER "practicerunner-migrated 1\n"
#define MARK_MAX 1024

/* The revoked list first: a key listed there is never live in the directory, even for a moment. */
static const struct {
	const char *subdir;
	const char *noun;
	const char *count;     /* the detail's word */
	const char *item;      /* a line that is one item, or NULL: the file is one item */
} slots[PR_MIGRATE_SLOTS] = {
	{ "revoked", "revoked keys", "revoked", "id=" },
	{ "users", "credentials", "credentials", NULL },
	{ "codes", "recovery codes", "codes", "hash=" },
	{ "tickets", "recovery ticket", "ticket", NULL },
	{ "invites", "invitation", "invitation", NULL },
	{ "ssh-challenges", "SSH challenge", "ssh-challenge", NULL },
};

int pr_migrate_users(struct pr_state *files, struct pr_strlist *out, struct pr_errbuf *eb)
{
	struct pr_strlist one = { NULL, 0 };
	int r = PR_OK;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; r == PR_OK && i < PR_MIGRATE_SLOTS; i++) {
		if ((r = pr_state_users(files, slots[i].subdir, &one, eb)) != PR_OK)
			break;
		for (size_t j = 0; r == PR_OK && j < one.n; j++)
			r = pr_strlist_push(out, one.v[j]);
		pr_strlist_clear(&one);
	}
	if (r == PR_OK)
		pr_strlist_sort_unique(out);
	else
		pr_strlist_clear(out);
	return r;
}

/* user's file in subdir from st (files or directory); *buf NULL when there is none. */
static int read_slot(struct pr_state *st, const char *subdir, const char *user, char **buf,
    size_t *len, struct pr_errbuf *eb)
{
	struct pr_user_file f;
	int r;

	*buf = NULL;
	*len = 0;
	if ((r = pr_user_file_open(&f, st, subdir, user, NULL, false, eb)) == PR_OK)
		r = pr_user_file_read(&f, SLOT_MAX, buf, len, eb);
	pr_user_file_close(&f);
	return r;
}

/* How many items the text holds: keys, codes, revoked ids, or 1. */
static int count_items(size_t i, const char *buf, size_t len, size_t *n, struct pr_errbuf *eb)
{
	struct pr_credlist l = { NULL, 0 };
	const char *p = buf;
	int r;

	*n = 0;
	if (strcmp(slots[i].subdir, "users") == 0) {
		if ((r = pr_store_parse(buf, len, &l, eb)) == PR_OK)
			*n = l.n;
		pr_credlist_clear(&l);
		return r;
	}
	if (slots[i].item == NULL) {
		*n = 1;
		return PR_OK;
	}
	for (; p != NULL && p < buf + len; p = strchr(p, '\n'), p = p != NULL ? p + 1 : NULL)
		if (strncmp(p, slots[i].item, strlen(slots[i].item)) == 0)
			(*n)++;
	return PR_OK;
}

/* Whether this host's record says the slot was copied as digest is now. */
static bool marked(const char *mark, const char *subdir, const unsigned char digest[PR_SHA256_LEN])
{
	char line[128], hex[2 * PR_SHA256_LEN + 1];

	if (mark == NULL)
		return false;
	pr_hex_encode(digest, PR_SHA256_LEN, hex);
	snprintf(line, sizeof(line), "\n%s %s\n", subdir, hex);
	return strstr(mark, line) != NULL;
}

/* Both sides have the slot: the same, further along on one side, or different. */
static int compare(struct pr_migrate_slot *s, const char *user, const char *host,
    size_t host_len, struct pr_errbuf *eb)
{
	enum pr_merge m = PR_MERGE_DIFFERS;
	char reason[sizeof(eb->msg)];
	int r = PR_OK;

	if (host_len == s->expect_len && memcmp(host, s->expect, host_len) == 0)
		m = PR_MERGE_SAME;
	else if (strcmp(s->subdir, "users") == 0)
		r = pr_merge_creds(host, host_len, s->expect, s->expect_len, &m, &s->data, &s->len,
		    s->why, eb);
	else if (strcmp(s->subdir, "codes") == 0)
		r = pr_merge_codes(host, host_len, s->expect, s->expect_len, &m, &s->data, &s->len,
		    s->why);
	else
		snprintf(s->why, sizeof(s->why), "the directory holds another %s", s->noun);
	if (r == PR_ERR_CORRUPT) {
		snprintf(reason, sizeof(reason), "%s", eb->msg);
		return pr_fail(eb, r, "the %s of %s, in the directory or on this host, do not "
		    "parse: %s", s->noun, user, reason);
	}
	s->outcome = m == PR_MERGE_SAME ? PR_MIGRATE_SAME : m == PR_MERGE_RAISE ?
	    PR_MIGRATE_RAISE : PR_MIGRATE_DIFFERS;
	return r;
}

static int plan_slot(struct pr_state *files, struct pr_state *dir, const char *user,
    const char *mark, size_t i, struct pr_migrate_slot *s, struct pr_errbuf *eb)
{
	char *host = NULL;
	size_t host_len = 0;
	int r;

	s->subdir = slots[i].subdir;
	s->noun = slots[i].noun;
	if ((r = read_slot(files, s->subdir, user, &host, &host_len, eb)) != PR_OK || host == NULL)
		goto out;
	if ((r = pr_sha256(host, host_len, s->digest)) != PR_OK ||
	    (r = count_items(i, host, host_len, &s->items, eb)) != PR_OK)
		goto out;
	if (marked(mark, s->subdir, s->digest)) {
		s->outcome = PR_MIGRATE_DONE;
		goto out;
	}
	if ((r = read_slot(dir, s->subdir, user, &s->expect, &s->expect_len, eb)) != PR_OK)
		goto out;
	if (s->expect == NULL) {
		s->outcome = PR_MIGRATE_COPY;
		s->data = host;
		s->len = host_len;
		host = NULL;
	} else {
		r = compare(s, user, host, host_len, eb);
	}
out:
	free(host);
	return r;
}

int pr_migrate_plan(struct pr_state *files, struct pr_state *dir, const char *user,
    struct pr_migrate_plan *p, struct pr_errbuf *eb)
{
	char *mark = NULL;
	size_t mark_len = 0;
	int r;

	memset(p, 0, sizeof(*p));
	p->user = user;
	if ((r = read_slot(files, MARK_SUBDIR, user, &mark, &mark_len, eb)) != PR_OK)
		return r;
	for (size_t i = 0; r == PR_OK && i < PR_MIGRATE_SLOTS; i++)
		r = plan_slot(files, dir, user, mark, i, &p->slot[i], eb);
	free(mark);
	return r;
}

void pr_migrate_plan_clear(struct pr_migrate_plan *p)
{
	for (size_t i = 0; i < PR_MIGRATE_SLOTS; i++) {
		free(p->slot[i].expect);
		free(p->slot[i].data);
	}
	memset(p, 0, sizeof(*p));
}

static bool writes(enum pr_migrate_outcome o)
{
	return o == PR_MIGRATE_COPY || o == PR_MIGRATE_RAISE;
}

bool pr_migrate_plan_differs(const struct pr_migrate_plan *p)
{
	for (size_t i = 0; i < PR_MIGRATE_SLOTS; i++)
		if (p->slot[i].outcome == PR_MIGRATE_DIFFERS)
			return true;
	return false;
}

bool pr_migrate_plan_writes(const struct pr_migrate_plan *p)
{
	for (size_t i = 0; i < PR_MIGRATE_SLOTS; i++)
		if (writes(p->slot[i].outcome))
			return !pr_migrate_plan_differs(p);
	return false;
}

void pr_migrate_detail(const struct pr_migrate_plan *p, char *buf, size_t size)
{
	size_t used = 0;
	int n;

	buf[0] = '\0';
	for (size_t i = 0; i < PR_MIGRATE_SLOTS && used < size; i++) {
		if (!writes(p->slot[i].outcome))
			continue;
		n = snprintf(buf + used, size - used, "%s%s:%zu%s", used > 0 ? "," : "",
		    slots[i].count, p->slot[i].items,
		    p->slot[i].outcome == PR_MIGRATE_RAISE ? "(raised)" : "");
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* One slot, against the value the plan read: whoever changed it since wins. */
static int apply_slot(struct pr_state *dir, const char *user, struct pr_migrate_slot *s,
    struct pr_errbuf *eb)
{
	struct pr_user_file f;
	char *now = NULL;
	size_t len = 0;
	int r;

	if ((r = pr_user_file_open(&f, dir, s->subdir, user, NULL, false, eb)) != PR_OK ||
	    (r = pr_user_file_read(&f, SLOT_MAX, &now, &len, eb)) != PR_OK)
		goto out;
	if ((now == NULL) != (s->expect == NULL) ||
	    (now != NULL && (len != s->expect_len || memcmp(now, s->expect, len) != 0))) {
		r = pr_fail(eb, PR_ERR_DIR_CONFLICT, "the %s of %s changed in the directory "
		    "while this ran", s->noun, user);
		goto out;
	}
	r = pr_user_file_replace(&f, s->data, s->len, eb);
out:
	if (r == PR_ERR_DIR_CONFLICT) {
		s->outcome = PR_MIGRATE_DIFFERS;
		snprintf(s->why, sizeof(s->why), "another host changed the %s while this ran",
		    s->noun);
	}
	pr_user_file_close(&f);
	free(now);
	return r;
}

/* This host's record: each slot in step with the directory, by its file's digest. */
static int mark_user(struct pr_state *files, const struct pr_migrate_plan *p,
    struct pr_errbuf *eb)
{
	char text[MARK_MAX], hex[2 * PR_SHA256_LEN + 1];
	struct pr_user_file f;
	size_t used = strlen(MARK_HEADER);
	int r;

	memcpy(text, MARK_HEADER, used + 1);
	for (size_t i = 0; i < PR_MIGRATE_SLOTS; i++) {
		const struct pr_migrate_slot *s = &p->slot[i];
		if (s->outcome == PR_MIGRATE_NONE || s->outcome == PR_MIGRATE_DIFFERS)
			continue;
		pr_hex_encode(s->digest, PR_SHA256_LEN, hex);
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s %s\n", s->subdir, hex);
	}
	if ((r = pr_user_file_open(&f, files, MARK_SUBDIR, p->user, MARK_LOCK, true, eb)) == PR_OK)
		r = pr_user_file_replace(&f, text, used, eb);
	pr_user_file_close(&f);
	return r;
}

int pr_migrate_apply(struct pr_state *files, struct pr_state *dir,
    struct pr_migrate_plan *p, struct pr_errbuf *eb)
{
	int r = PR_OK;

	if (pr_migrate_plan_differs(p))
		return PR_OK;
	for (size_t i = 0; r == PR_OK && i < PR_MIGRATE_SLOTS; i++)
		if (writes(p->slot[i].outcome))
			r = apply_slot(dir, p->user, &p->slot[i], eb);
	return r == PR_OK ? mark_user(files, p, eb) : r;
}
