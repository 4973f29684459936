/*
 * Recovery failure tally: <state_dir>/tally/<user> (0600, in a 0700
 * directory), changed only under <state_dir>/locks/<user>+tally.lock and
 * replaced atomically, so concurrent failures are all counted.
 *
 * File format (version 1), exactly two lines:
 *
 *   practicerunner-tally 1
 *   failures=<1..100> last=<unix time>
 *
 * failures counts consecutive failed recovery attempts (wrong tickets or
 * codes); at PR_LOCKOUT_LIMIT the account is locked out of recovery and
 * further failures change nothing but last. No file means no failures: a
 * success or an administrator's unlock removes it. The parser is strict:
 * anything else is PR_ERR_CORRUPT naming file and line, and a corrupt tally
 * is never rewritten by a failure (it counts as locked: fail closed); clear
 * removes it.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "lockout.h"
#include "textfmt.h"
#include "user_file.h"

#define TALLY_HEADER "practicerunner-tally 1"
#define TALLY_MAGIC "practicerunner-tally "
#define TALLY_SUBDIR "tally"
#define TALLY_LOCK "+tally.lock"
#define TALLY_MAX_SIZE 1024
/*
 * The largest last= accepted, 9223372036854775799: the tally's first parser
 * refused 9223372036854775800 and up, and a file must read as it always has.
 */
#define TALLY_LAST_MAX (INT64_MAX / 10 * 10 - 1)

/* The second line, modified in place: "failures=N last=T". */
static int parse_entry(char *line, struct pr_lockout *st, const char **why)
{
	char *f = line, *l;
	int64_t n, t;

	if ((l = strchr(f, ' ')) == NULL) {
		*why = "expected 'failures=N last=TIME'";
		return PR_ERR_CORRUPT;
	}
	*l++ = '\0';
	if (strncmp(f, "failures=", 9) != 0 || !pr_parse_uint(f + 9, PR_LOCKOUT_LIMIT, &n) ||
	    n == 0) {
		*why = "failures is not a number from 1 to " "100";
		return PR_ERR_CORRUPT;
	}
	if (strncmp(l, "last=", 5) != 0 || !pr_parse_uint(l + 5, TALLY_LAST_MAX, &t)) {
		*why = "last is not a valid time";
		return PR_ERR_CORRUPT;
	}
	st->failures = (int)n;
	st->last_failure = t;
	st->locked = n >= PR_LOCKOUT_LIMIT;
	return PR_OK;
}

static int tally_parse(char *text, size_t len, struct pr_lockout *st, int *line,
    const char **why)
{
	char *p = text, *l1, *l2;

	*line = 1;
	if (len == 0 || memchr(text, '\0', len) != NULL || text[len - 1] != '\n') {
		*why = len == 0 ? "empty file" : "NUL byte or no final newline (torn write?)";
		return PR_ERR_CORRUPT;
	}
	l1 = strsep(&p, "\n");
	if (strcmp(l1, TALLY_HEADER) != 0) {
		*why = strncmp(l1, TALLY_MAGIC, strlen(TALLY_MAGIC)) == 0 ?
		    "unsupported format version" : "missing header line '" TALLY_HEADER "'";
		return PR_ERR_CORRUPT;
	}
	*line = 2;
	if (*p == '\0') {
		*why = "missing tally line";
		return PR_ERR_CORRUPT;
	}
	l2 = strsep(&p, "\n");
	if (parse_entry(l2, st, why) != PR_OK)
		return PR_ERR_CORRUPT;
	if (*p != '\0') {
		*line = 3;
		*why = "more than one tally line";
		return PR_ERR_CORRUPT;
	}
	return PR_OK;
}

/* No tally directory or file: zero failures. */
static int tally_read(struct pr_user_file *x, struct pr_lockout *st, struct pr_errbuf *eb)
{
	const char *why = "";
	char *buf = NULL;
	size_t len = 0;
	int line = 0, r;

	memset(st, 0, sizeof(*st));
	if (!pr_user_file_present(x))
		return PR_OK;
	if ((r = pr_user_file_read(x, TALLY_MAX_SIZE, &buf, &len, eb)) != PR_OK || buf == NULL)
		return r;
	if ((r = tally_parse(buf, len, st, &line, &why)) != PR_OK) {
		memset(st, 0, sizeof(*st));
		pr_fail(eb, r, "%s:%d: %s (an administrator's unlock clears it)", x->path, line, why);
	}
	free(buf);
	return r;
}

static int tally_write(struct pr_user_file *x, const struct pr_lockout *st,
    struct pr_errbuf *eb)
{
	char text[128];
	int n = snprintf(text, sizeof(text), "%s\nfailures=%d last=%" PRId64 "\n",
	    TALLY_HEADER, st->failures, st->last_failure);

	if (n < 0 || (size_t)n >= sizeof(text))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "%s: cannot write", x->path);
	return pr_user_file_replace(x, text, (size_t)n, eb);
}

int pr_lockout_fail(struct pr_state *state, const char *user, int64_t now,
    struct pr_lockout *after, struct pr_errbuf *eb)
{
	struct pr_user_file x;
	struct pr_lockout st = { 0, 0, false };
	int r;

	pr_user_file_init(&x);
	if (after != NULL)
		*after = (struct pr_lockout){ PR_LOCKOUT_LIMIT, now, true };  /* until known */
	if (now < 0)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "invalid time");
	if ((r = pr_user_file_open(&x, state, TALLY_SUBDIR, user, TALLY_LOCK, true, eb)) != PR_OK ||
	    (r = tally_read(&x, &st, eb)) != PR_OK)
		goto out;
	if (st.failures < PR_LOCKOUT_LIMIT)
		st.failures++;
	st.last_failure = now;
	st.locked = st.failures >= PR_LOCKOUT_LIMIT;
	if ((r = tally_write(&x, &st, eb)) != PR_OK)
		goto out;
	if (after != NULL)
		*after = st;
	r = PR_OK;
out:
	pr_user_file_close(&x);
	return r;
}

int pr_lockout_reserve(struct pr_state *state, const char *user, int64_t now,
    struct pr_lockout *after, struct pr_errbuf *eb)
{
	struct pr_user_file x;
	struct pr_lockout st = { 0, 0, false };
	int r;

	pr_user_file_init(&x);
	*after = (struct pr_lockout){ PR_LOCKOUT_LIMIT, now, true };  /* until known */
	if (now < 0)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "invalid time");
	if ((r = pr_user_file_open(&x, state, TALLY_SUBDIR, user, TALLY_LOCK, true, eb)) != PR_OK ||
	    (r = tally_read(&x, &st, eb)) != PR_OK)
		goto out;
	if (st.locked) {
		*after = st;
		r = pr_fail(eb, PR_ERR_LOCKED_OUT, "%s: %d failed attempts", x.path, st.failures);
		goto out;
	}
	st.failures++;
	st.last_failure = now;
	st.locked = st.failures >= PR_LOCKOUT_LIMIT;
	if ((r = tally_write(&x, &st, eb)) == PR_OK)
		*after = st;
out:
	pr_user_file_close(&x);
	return r;
}

int pr_lockout_release(struct pr_state *state, const char *user, struct pr_lockout *after,
    struct pr_errbuf *eb)
{
	struct pr_user_file x;
	struct pr_lockout st = { 0, 0, false };
	int r;

	pr_user_file_init(&x);
	if ((r = pr_user_file_open(&x, state, TALLY_SUBDIR, user, TALLY_LOCK, false, eb)) !=
	    PR_OK || !pr_user_file_present(&x) || (r = tally_read(&x, &st, eb)) != PR_OK)
		goto out;
	if (st.failures > 0)
		st.failures--;
	st.locked = st.failures >= PR_LOCKOUT_LIMIT;
	if (st.failures == 0) {
		r = pr_user_file_unlink(&x, eb);
		r = r == PR_ERR_NOT_FOUND ? PR_OK : r;
	} else {
		r = tally_write(&x, &st, eb);
	}
out:
	if (after != NULL && r == PR_OK)
		*after = st;
	pr_user_file_close(&x);
	return r;
}

/* Remove the tally (success or unlock); none there is fine. */
static int tally_remove(struct pr_state *state, const char *user, struct pr_errbuf *eb)
{
	struct pr_user_file x;
	int r;

	pr_user_file_init(&x);
	if ((r = pr_user_file_open(&x, state, TALLY_SUBDIR, user, TALLY_LOCK, false, eb)) ==
	    PR_OK && pr_user_file_present(&x)) {
		r = pr_user_file_unlink(&x, eb);
		if (r == PR_ERR_NOT_FOUND)
			r = PR_OK;
	}
	pr_user_file_close(&x);
	return r;
}

/*
 * A success resets the count; a corrupt tally is left for the
 * administrator (the caller should not have got this far: it reads locked).
 */
int pr_lockout_success(struct pr_state *state, const char *user, struct pr_errbuf *eb)
{
	struct pr_lockout st;
	int r;

	if ((r = pr_lockout_get(state, user, &st, eb)) != PR_OK)
		return r;
	if (st.failures == 0)
		return PR_OK;
	return tally_remove(state, user, eb);
}

/* No lock: the file is only ever replaced whole. A corrupt tally reads as locked. */
int pr_lockout_get(struct pr_state *state, const char *user, struct pr_lockout *st,
    struct pr_errbuf *eb)
{
	struct pr_user_file x;
	int r;

	pr_user_file_init(&x);
	if (st == NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no place for the result");
	*st = (struct pr_lockout){ PR_LOCKOUT_LIMIT, 0, true };  /* fail closed */
	if ((r = pr_user_file_open(&x, state, TALLY_SUBDIR, user, NULL, false, eb)) == PR_OK)
		r = tally_read(&x, st, eb);
	if (r != PR_OK)
		*st = (struct pr_lockout){ PR_LOCKOUT_LIMIT, 0, true };
	pr_user_file_close(&x);
	return r;
}

int pr_lockout_clear(struct pr_state *state, const char *user, struct pr_errbuf *eb)
{
	return tally_remove(state, user, eb);
}
