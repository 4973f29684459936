/*
 * The verify helper's protocol (see verify_proto.h): strict parsing, so a
 * request either means exactly one thing or is refused.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "verify_proto.h"

#define REQ_HEADER "practicerunner-verify 1"

/* ---- fields ------------------------------------------------------------------- */

static bool text_ok(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++, n++)
		if (*s < 0x20 || *s > 0x7e || *s == '=')
			return false;
	return n <= PR_VERIFY_TEXT_MAX;
}

static int parse_bool(const char *v, bool *out)
{
	if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
		return PR_ERR_CORRUPT;
	*out = v[0] == '1';
	return PR_OK;
}

static int parse_timeout(const char *v, int *out)
{
	int n = 0;
	size_t i;

	for (i = 0; v[i] >= '0' && v[i] <= '9' && i < 3; i++)
		n = n * 10 + (v[i] - '0');
	if (i == 0 || v[i] != '\0' || n > 600 || (i > 1 && v[0] == '0'))
		return PR_ERR_CORRUPT;
	*out = n;
	return PR_OK;
}

static int copy_text(const char *v, char out[PR_VERIFY_TEXT_MAX + 1])
{
	if (!text_ok(v))
		return PR_ERR_CORRUPT;
	snprintf(out, PR_VERIFY_TEXT_MAX + 1, "%s", v);
	return PR_OK;
}

/* ---- request -------------------------------------------------------------------- */

int pr_verify_req_format(const struct pr_verify_req *q, char **out, size_t *len)
{
	int n;

	*out = NULL;
	if (!text_ok(q->user) || q->user[0] == '\0' || !text_ok(q->service) ||
	    !text_ok(q->tty) || !text_ok(q->rhost) || q->timeout < 0 || q->timeout > 600)
		return PR_ERR_INVALID_ARG;
	if (q->has_ruser && !text_ok(q->ruser))
		return PR_ERR_INVALID_ARG;
	n = asprintf(out, REQ_HEADER "\nphase=%s\nuser=%s\nservice=%s\ntty=%s\nrhost=%s\n"
	    "uv=%d\nstep_up=%d\nopportunistic=%d\ntimeout=%d\n%s%s%s\n",
	    q->account ? "account" : "auth", q->user, q->service, q->tty, q->rhost,
	    q->uv_required, q->step_up, q->opportunistic, q->timeout,
	    q->has_ruser ? "ruser=" : "", q->has_ruser ? q->ruser : "", q->has_ruser ? "\n" : "");
	if (n < 0) {
		*out = NULL;
		return PR_ERR_NOMEM;
	}
	*len = (size_t)n;
	return PR_OK;
}

/* Every key up to F_REQUIRED must be there; the ones after it may. */
enum { F_PHASE, F_USER, F_SERVICE, F_TTY, F_RHOST, F_UV, F_STEP_UP, F_OPPORTUNISTIC,
	F_TIMEOUT, F_REQUIRED, F_RUSER = F_REQUIRED, F_COUNT };
static const char *const req_keys[F_COUNT] = {
	"phase", "user", "service", "tty", "rhost", "uv", "step_up", "opportunistic", "timeout",
	"ruser",
};

static int req_field(struct pr_verify_req *q, int f, const char *v)
{
	switch (f) {
	case F_PHASE:
		if (strcmp(v, "auth") != 0 && strcmp(v, "account") != 0)
			return PR_ERR_CORRUPT;
		q->account = strcmp(v, "account") == 0;
		return PR_OK;
	case F_USER:
		return v[0] == '\0' ? PR_ERR_CORRUPT : copy_text(v, q->user);
	case F_SERVICE:
		return copy_text(v, q->service);
	case F_TTY:
		return copy_text(v, q->tty);
	case F_RHOST:
		return copy_text(v, q->rhost);
	case F_UV:
		return parse_bool(v, &q->uv_required);
	case F_STEP_UP:
		return parse_bool(v, &q->step_up);
	case F_OPPORTUNISTIC:
		return parse_bool(v, &q->opportunistic);
	case F_RUSER:
		q->has_ruser = true;
		return copy_text(v, q->ruser);
	default:
		return parse_timeout(v, &q->timeout);
	}
}

/* One "key=value" line: a known key, not seen before, a valid value. */
static int req_line(struct pr_verify_req *q, char *line, bool seen[F_COUNT],
    struct pr_errbuf *eb)
{
	char *eq = strchr(line, '=');
	int f;

	if (eq == NULL)
		return pr_fail(eb, PR_ERR_CORRUPT, "request line without '='");
	*eq = '\0';
	for (f = 0; f < F_COUNT && strcmp(line, req_keys[f]) != 0; f++)
		;
	if (f == F_COUNT)
		return pr_fail(eb, PR_ERR_CORRUPT, "unknown request field");
	if (seen[f])
		return pr_fail(eb, PR_ERR_CORRUPT, "request field %s repeated", req_keys[f]);
	seen[f] = true;
	if (req_field(q, f, eq + 1) != PR_OK)
		return pr_fail(eb, PR_ERR_CORRUPT, "request field %s malformed", req_keys[f]);
	return PR_OK;
}

int pr_verify_req_parse(const char *text, size_t len, struct pr_verify_req *q,
    struct pr_errbuf *eb)
{
	bool seen[F_COUNT] = { false };
	char *copy, *line, *next;
	int r = PR_OK;

	memset(q, 0, sizeof(*q));
	if (len == 0 || len > PR_VERIFY_REQ_MAX || memchr(text, '\0', len) != NULL)
		return pr_fail(eb, PR_ERR_CORRUPT, "request empty, too long or with a NUL byte");
	if (len < 2 || text[len - 1] != '\n' || text[len - 2] != '\n')
		return pr_fail(eb, PR_ERR_CORRUPT, "request does not end with an empty line");
	if ((copy = strndup(text, len - 2)) == NULL)
		return pr_fail(eb, PR_ERR_NOMEM, "out of memory");
	line = copy;
	next = strchr(line, '\n');
	if (next != NULL)
		*next++ = '\0';
	if (strcmp(line, REQ_HEADER) != 0)
		r = pr_fail(eb, PR_ERR_CORRUPT, "not a version 1 request");
	while (r == PR_OK && next != NULL) {
		line = next;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		r = req_line(q, line, seen, eb);
	}
	for (int f = 0; r == PR_OK && f < F_REQUIRED; f++)
		if (!seen[f])
			r = pr_fail(eb, PR_ERR_CORRUPT, "request field %s missing", req_keys[f]);
	free(copy);
	if (r != PR_OK)
		memset(q, 0, sizeof(*q));
	return r;
}

/* ---- result ----------------------------------------------------------------------- */

int pr_verify_result_format(const struct pr_verify_result *r, char *buf, size_t size)
{
	int n = snprintf(buf, size, "result %s ignore=%d known=%d need=%s enrolled=%zu "
	    "class=%s flags=0x%02x shown=%s\n", r->err == PR_OK ? "ok" : pr_err_reason(r->err),
	    r->ignore, r->user_known, pr_need_name(r->need), r->enrolled,
	    r->cls < 0 ? "-" : pr_class_name((enum pr_class)r->cls), (unsigned)r->flags,
	    r->shown == 0 ? "-" : pr_err_reason(r->shown));

	return n < 0 || (size_t)n >= size ? PR_ERR_INVALID_ARG : PR_OK;
}

static int need_parse(const char *s, enum pr_need *out)
{
	for (int n = PR_NEED_NONE; n <= PR_NEED_PHYSICAL; n++)
		if (strcmp(s, pr_need_name((enum pr_need)n)) == 0) {
			*out = (enum pr_need)n;
			return PR_OK;
		}
	return PR_ERR_CORRUPT;
}

int pr_verify_result_parse(const char *line, struct pr_verify_result *r,
    struct pr_errbuf *eb)
{
	char reason[64], need[32], cls[16], shown[64], tail;
	int ignore, known;
	unsigned flags;
	size_t enrolled;
	enum pr_class c;

	memset(r, 0, sizeof(*r));
	r->err = PR_ERR_IO;
	if (sscanf(line, "result %63s ignore=%d known=%d need=%31s enrolled=%zu class=%15s "
	    "flags=0x%2x shown=%63s%c", reason, &ignore, &known, need, &enrolled, cls, &flags,
	    shown, &tail) != 8 || (ignore != 0 && ignore != 1) || (known != 0 && known != 1) ||
	    flags > 0xff || need_parse(need, &r->need) != PR_OK ||
	    (strcmp(cls, "-") != 0 && pr_class_parse(cls, &c) != 0) || enrolled > 1000)
		return pr_fail(eb, PR_ERR_CORRUPT, "malformed result from the verify helper");
	r->err = pr_err_from_reason(reason);
	r->ignore = ignore == 1 && r->err == PR_OK;
	r->user_known = known == 1;
	r->enrolled = enrolled;
	r->cls = strcmp(cls, "-") == 0 ? -1 : (int)c;
	r->flags = (uint8_t)flags;
	/* Only with ignore, and only a refusal (an unknown reason reads as an error, not OK). */
	r->shown = r->ignore && strcmp(shown, "-") != 0 ? pr_err_from_reason(shown) : 0;
	return PR_OK;
}

/* ---- lines on a pipe ---------------------------------------------------------------- */

/* Wait until fd is readable or the deadline passes. */
static int wait_readable(int fd, int64_t deadline_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int64_t left;
	int n;

	for (;;) {
		if ((left = deadline_ms - pr_monotonic_ms()) <= 0)
			return PR_ERR_TIMEOUT;
		n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return PR_OK;
		if (n < 0 && errno != EINTR)
			return PR_ERR_IO;
	}
}

int pr_read_line(int fd, char *buf, size_t size, int64_t deadline_ms)
{
	size_t n = 0;
	ssize_t got;
	char c;
	int r;

	if (size == 0)
		return PR_ERR_INVALID_ARG;
	buf[0] = '\0';
	for (;;) {
		if ((r = wait_readable(fd, deadline_ms)) != PR_OK)
			return r;
		got = read(fd, &c, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return PR_ERR_IO;
		if (c == '\n')
			break;
		if (c == '\0' || n + 1 >= size)
			return PR_ERR_CORRUPT;
		buf[n++] = c;
		buf[n] = '\0';
	}
	return PR_OK;
}

int pr_write_line(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, buf, len);   /* a pipe: the writer ignores SIGPIPE itself */
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return PR_ERR_IO;
		buf += n;
		len -= (size_t)n;
	}
	return PR_OK;
}
