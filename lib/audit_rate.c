/*
 * The rate table of failure and offer records (doc/ARCHITECTURE.md §8.6).
 *
 * File format (version 1), "<audit_log>.rate", root 0600:
 *
 *   practicerunner-audit-rate 1
 *   alert=<unix time> orphan=<n>
 *   <32 hex> start=<unix time> last=<unix time> count=<n> merged=<n>
 *   ...
 *
 * One line per user or address: the first 16 bytes of the SHA-256 of
 * "user\0NAME" or "addr\0RHOST" (the file needs to tell keys apart, not to
 * name anyone), at most PR_RATE_ENTRIES of them. Fixed windows of
 * PR_RATE_WINDOW seconds: a key may write per_minute records in a window;
 * further ones add to its merged count, which the next record written for
 * it carries (merged=N) and which then starts again from 0. Each record not
 * written is counted once, on its first key (the user's, else the
 * address's), so the merged= values of a log add up to the records not
 * written. A full table evicts the entry seen longest ago; its count, and
 * that of a record with no key, goes to orphan, carried by the next record
 * written.
 *
 * This file is not security state, and so, unlike the store and the
 * tallies, it fails safe rather than closed: a missing, unsafe (link, wrong
 * owner or mode) or malformed file reads as an empty table and is replaced
 * by the next append. The worst an empty table does is let each key write
 * per_minute more records; refusing instead would turn one damaged file
 * into refusing every sign-in, the very outcome this file exists to
 * prevent.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include "audit_rate.h"
#include "digest.h"
#include "err.h"
#include "secure_file.h"
#include "textfmt.h"
#include "util.h"

#define RATE_HEADER "practicerunner-audit-rate 1"
#define RATE_MAGIC "practicerunner-audit-rate "
#define RATE_LINE_MAX 160
#define RATE_FILE_MAX ((size_t)(PR_RATE_ENTRIES + 2) * RATE_LINE_MAX)
#define RATE_NUM_MAX INT64_MAX

/* ---- which records ------------------------------------------------------------------ */

bool pr_rate_applies(const struct pr_audit_event *ev)
{
	static const char *const failures[] = {
		"auth", "step-up", "recovery-code", "recovery-ticket", "lockout",
	};
	bool listed = false;

	/* Someone acting on another account (an administrator) is always recorded. */
	if (ev->actor != NULL && (ev->user == NULL || strcmp(ev->actor, ev->user) != 0))
		return false;
	if (strcmp(ev->event, "ssh-key-offer") == 0)
		return true;
	for (size_t i = 0; i < sizeof(failures) / sizeof(failures[0]); i++)
		listed |= strcmp(ev->event, failures[i]) == 0;
	return listed && !ev->success;
}

/* ---- the table ------------------------------------------------------------------------ */

static void rate_key(const char *kind, const char *name, unsigned char key[PR_RATE_KEY_LEN])
{
	unsigned char md[PR_SHA256_LEN];
	struct pr_sha256 h;

	memset(key, 0, PR_RATE_KEY_LEN);
	if (pr_sha256_init(&h) != PR_OK)
		return;
	if (pr_sha256_update(&h, kind, strlen(kind) + 1) != PR_OK ||
	    pr_sha256_update(&h, name, strlen(name)) != PR_OK) {
		pr_sha256_clear(&h);
		return;
	}
	if (pr_sha256_final(&h, md) == PR_OK)
		memcpy(key, md, PR_RATE_KEY_LEN);
}

/* The index of key's entry, or -1. */
static ssize_t find(const struct pr_rate_table *t, const unsigned char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (memcmp(t->v[i].key, key, PR_RATE_KEY_LEN) == 0)
			return (ssize_t)i;
	return -1;
}

/* The entry seen longest ago but keep (the other key of the same record); its count moves to orphan. */
static size_t evict(struct pr_rate_table *t, ssize_t keep)
{
	size_t old = keep == 0 ? 1 : 0;

	for (size_t i = 0; i < t->n; i++)
		if ((ssize_t)i != keep && t->v[i].last < t->v[old].last)
			old = i;
	t->orphan += t->v[old].merged;
	return old;
}

/*
 * The index of key's entry, made (or taken from the one seen longest ago
 * but keep) when absent; -1 without memory. Indices, not pointers: adding
 * an entry may move the table.
 */
static ssize_t entry(struct pr_rate_table *t, const unsigned char *key, int64_t now,
    ssize_t keep)
{
	struct pr_rate_entry *v;
	ssize_t i;

	if ((i = find(t, key)) >= 0)
		return i;
	if (t->n >= PR_RATE_ENTRIES) {
		i = (ssize_t)evict(t, keep);
	} else {
		if ((v = realloc(t->v, (t->n + 1) * sizeof(*v))) == NULL)
			return -1;
		t->v = v;
		i = (ssize_t)t->n++;
	}
	memset(&t->v[i], 0, sizeof(t->v[i]));
	memcpy(t->v[i].key, key, PR_RATE_KEY_LEN);
	t->v[i].start = now;
	t->v[i].last = now;
	return i;
}

/* A window that is over (or in the future: the clock was set back) starts again. */
static void roll(struct pr_rate_entry *e, int64_t now)
{
	if (now - e->start >= PR_RATE_WINDOW || now < e->start) {
		e->start = now;
		e->count = 0;
	}
	e->last = now;
}

/* The record's keys (user, then address) as entry indices; how many. */
static size_t record_keys(struct pr_rate_table *t, const char *user, const char *rhost,
    int64_t now, ssize_t idx[2])
{
	unsigned char key[PR_RATE_KEY_LEN];
	size_t n = 0;

	idx[0] = idx[1] = -1;
	if (user != NULL && user[0] != '\0') {
		rate_key("user", user, key);
		n += (idx[n] = entry(t, key, now, -1)) >= 0;
	}
	if (rhost != NULL && rhost[0] != '\0') {
		rate_key("addr", rhost, key);
		n += (idx[n] = entry(t, key, now, n > 0 ? idx[0] : -1)) >= 0;
	}
	return n;
}

bool pr_rate_admit(struct pr_rate_table *t, const char *user, const char *rhost,
    int64_t now, long per_minute, bool low_space, int64_t *merged)
{
	ssize_t idx[2];
	size_t n = record_keys(t, user, rhost, now, idx);
	bool over = low_space;

	*merged = 0;
	for (size_t i = 0; i < n; i++) {
		roll(&t->v[idx[i]], now);
		over |= t->v[idx[i]].count >= per_minute;
	}
	if (over) {
		/* counted once, on the first key, so that the merged= values add up */
		if (n > 0)
			t->v[idx[0]].merged++;
		else
			t->orphan++;
		return false;
	}
	*merged = t->orphan;
	t->orphan = 0;
	for (size_t i = 0; i < n; i++) {
		t->v[idx[i]].count++;
		*merged += t->v[idx[i]].merged;
		t->v[idx[i]].merged = 0;
	}
	return true;
}

int64_t pr_rate_carry(struct pr_rate_table *t, const char *user, const char *rhost)
{
	const char *names[2] = { user, rhost }, *kinds[2] = { "user", "addr" };
	unsigned char key[PR_RATE_KEY_LEN];
	int64_t merged = 0;
	ssize_t i;

	for (size_t k = 0; k < 2; k++) {
		if (names[k] == NULL || names[k][0] == '\0')
			continue;
		rate_key(kinds[k], names[k], key);
		if ((i = find(t, key)) >= 0) {
			merged += t->v[i].merged;
			t->v[i].merged = 0;
		}
	}
	return merged;
}

bool pr_rate_alert_due(struct pr_rate_table *t, int64_t now)
{
	if (t->alert != 0 && now >= t->alert && now - t->alert < PR_RATE_ALERT_INTERVAL)
		return false;
	t->alert = now;
	return true;
}

void pr_rate_clear(struct pr_rate_table *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* ---- the file ----------------------------------------------------------------------- */

/* Nothing left to say: its window is over and nothing waits to be carried. */
static bool entry_spent(const struct pr_rate_entry *e, int64_t now)
{
	return e->merged == 0 && (now - e->start >= PR_RATE_WINDOW || now < e->start);
}

int pr_rate_format(const struct pr_rate_table *t, int64_t now, char **out, size_t *len)
{
	char hex[PR_RATE_KEY_LEN * 2 + 1];
	FILE *f;
	int r;

	*out = NULL;
	*len = 0;
	if ((f = open_memstream(out, len)) == NULL)
		return PR_ERR_NOMEM;
	fprintf(f, "%s\nalert=%" PRId64 " orphan=%" PRId64 "\n", RATE_HEADER, t->alert,
	    t->orphan);
	for (size_t i = 0; i < t->n; i++) {
		const struct pr_rate_entry *e = &t->v[i];

		if (entry_spent(e, now))
			continue;
		pr_hex_encode(e->key, PR_RATE_KEY_LEN, hex);
		fprintf(f, "%s start=%" PRId64 " last=%" PRId64 " count=%" PRId64 " merged=%"
		    PRId64 "\n", hex, e->start, e->last, e->count, e->merged);
	}
	r = ferror(f) ? PR_ERR_NOMEM : PR_OK;
	if (fclose(f) != 0 && r == PR_OK)
		r = PR_ERR_NOMEM;
	if (r != PR_OK) {
		free(*out);
		*out = NULL;
		*len = 0;
	}
	return r;
}

/* "key=N" at *p into *v, or false. */
static bool take_num(char **p, const char *key, int64_t *v)
{
	struct pr_parse_err pe;
	const char *s = pr_parse_take_field(p, key, &pe);

	return s != NULL && pr_parse_uint(s, RATE_NUM_MAX, v);
}

static int parse_entry(char *line, struct pr_rate_table *t)
{
	struct pr_rate_entry e;
	char *p = line, *hex = strsep(&p, " ");

	memset(&e, 0, sizeof(e));
	if (t->n >= PR_RATE_ENTRIES || !pr_parse_hex_exact(hex, e.key, PR_RATE_KEY_LEN) ||
	    !take_num(&p, "start", &e.start) || !take_num(&p, "last", &e.last) ||
	    !take_num(&p, "count", &e.count) || !take_num(&p, "merged", &e.merged) ||
	    p != NULL || find(t, e.key) >= 0)
		return PR_ERR_CORRUPT;
	t->v[t->n++] = e;
	return PR_OK;
}

/* The lines of a checked buffer (NUL-terminated copy, changed in place). */
static int parse_lines(char *text, struct pr_rate_table *t)
{
	struct pr_parse_err pe;
	char *p = text, *line = strsep(&p, "\n"), *second;

	if (pr_parse_check_header(line, RATE_HEADER, RATE_MAGIC, &pe) != PR_OK ||
	    (second = strsep(&p, "\n")) == NULL ||
	    !take_num(&second, "alert", &t->alert) || !take_num(&second, "orphan", &t->orphan) ||
	    second != NULL)
		return PR_ERR_CORRUPT;
	while (p != NULL && *p != '\0') {
		line = strsep(&p, "\n");
		if (parse_entry(line, t) != PR_OK)
			return PR_ERR_CORRUPT;
	}
	return PR_OK;
}

int pr_rate_parse(const char *buf, size_t len, struct pr_rate_table *t)
{
	struct pr_parse_err pe;
	char *text = NULL;
	int r;

	pr_rate_clear(t);
	if (len > RATE_FILE_MAX || pr_parse_check_buffer(buf, len, &pe) != PR_OK)
		return PR_ERR_CORRUPT;
	if ((text = strndup(buf, len)) == NULL ||
	    (t->v = calloc(PR_RATE_ENTRIES, sizeof(*t->v))) == NULL) {
		free(text);
		return PR_ERR_NOMEM;
	}
	if ((r = parse_lines(text, t)) != PR_OK)
		pr_rate_clear(t);
	free(text);
	return r;
}

void pr_rate_load(const char *path, struct pr_rate_table *t)
{
	char *buf = NULL;
	size_t len = 0;

	pr_rate_clear(t);
	/* Any failure: an empty table (see the file comment). */
	if (pr_secure_read(AT_FDCWD, path, 077, RATE_FILE_MAX, &buf, &len) == PR_FILE_OK)
		(void)pr_rate_parse(buf, len, t);
	free(buf);
}

int pr_rate_save(const char *path, const struct pr_rate_table *t, int64_t now)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	if ((r = pr_rate_format(t, now, &text, &len)) != PR_OK)
		return r;
	/*
	 * Not flushed to disk: this is saved under the audit log's lock once
	 * per failed attempt, and a flood of them must not queue every
	 * sign-in behind two disk flushes each. A crash loses recent counts
	 * at worst (see the file comment).
	 */
	r = pr_atomic_replace_volatile(AT_FDCWD, path, text, len, 0600);
	free(text);
	return r;
}

/* ---- free space -------------------------------------------------------------------------- */

static uint64_t avail_mb(const struct statvfs *sv)
{
	return (uint64_t)sv->f_bavail * (uint64_t)sv->f_frsize / (1024 * 1024);
}

int pr_rate_free_mb_fd(int fd, uint64_t *mb)
{
	struct statvfs sv;

	if (fstatvfs(fd, &sv) != 0)
		return PR_ERR_IO;
	*mb = avail_mb(&sv);
	return PR_OK;
}

int pr_rate_free_mb_path(const char *path, uint64_t *mb)
{
	struct statvfs sv;
	char *copy;
	int r = PR_OK;

	if (statvfs(path, &sv) == 0) {
		*mb = avail_mb(&sv);
		return PR_OK;
	}
	if (errno != ENOENT || (copy = strdup(path)) == NULL)
		return PR_ERR_IO;
	if (statvfs(dirname(copy), &sv) == 0)
		*mb = avail_mb(&sv);
	else
		r = PR_ERR_IO;
	free(copy);
	return r;
}
