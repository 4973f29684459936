/*
 * The VPN side of the web gate's control socket (wa_ctlclient.h,
 * doc/ARCHITECTURE.md §4.8).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"
#include "wa_ctlclient.h"

#define URL_PREFIX "https://"

bool pr_wa_ctl_text_ok(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return false;
	for (; *s != '\0'; s++, n++)
		if (*s <= 0x20 || *s > 0x7e || *s == '=')
			return false;
	return n > 0 && n <= PR_WA_TEXT_MAX;
}

static bool pending_ok(const char *s)
{
	return strlen(s) == PR_WA_PENDING_HEX &&
	    strspn(s, "0123456789abcdef") == PR_WA_PENDING_HEX;
}

int pr_wa_ctl_format_create(const struct pr_wa_ctl_create *q, char *buf, size_t size)
{
	int n;

	if (!pr_username_valid(q->user) || !pr_wa_ctl_text_ok(q->service) ||
	    !pr_wa_ctl_text_ok(q->rhost) || q->lifetime < 1 ||
	    q->lifetime > PR_WA_CTL_LIFETIME_MAX)
		return PR_ERR_INVALID_ARG;
	n = snprintf(buf, size, "%s\nop=create\nuser=%s\nservice=%s\nrhost=%s\nlifetime=%ld\n\n",
	    PR_WA_CTL_HEADER, q->user, q->service, q->rhost, q->lifetime);
	return n > 0 && (size_t)n < size ? PR_OK : PR_ERR_INVALID_ARG;
}

int pr_wa_ctl_format_wait(const char *pending, char *buf, size_t size)
{
	int n;

	if (!pending_ok(pending))
		return PR_ERR_INVALID_ARG;
	n = snprintf(buf, size, "%s\nop=wait\npending=%s\n\n", PR_WA_CTL_HEADER, pending);
	return n > 0 && (size_t)n < size ? PR_OK : PR_ERR_INVALID_ARG;
}

/* "result REASON ..." as a refusal of op=create: the reason's error, the token in eb. */
static int create_refused(const char *reason, struct pr_errbuf *eb)
{
	char tok[PR_WA_TEXT_MAX + 1];
	size_t n = strcspn(reason, " ");
	int err;

	if (n == 0 || n > PR_WA_TEXT_MAX)
		return pr_fail(eb, PR_ERR_CORRUPT, "the web gate's answer has no reason");
	memcpy(tok, reason, n);
	tok[n] = '\0';
	err = pr_err_from_reason(tok);
	if (err == PR_OK)    /* "result ok" is no answer to op=create */
		return pr_fail(eb, PR_ERR_CORRUPT, "the web gate answered a pending request with a verdict");
	return pr_fail(eb, err, "%s", tok);
}

/* The URL ends in "/p/ID" and is an https URL of printable characters. */
static bool url_ok(const char *url, const char *id)
{
	size_t n = strlen(url), tail = strlen("/p/") + PR_WA_PENDING_HEX;

	if (n > PR_WA_CTL_URL_MAX || n <= strlen(URL_PREFIX) + tail ||
	    strncmp(url, URL_PREFIX, strlen(URL_PREFIX)) != 0 || !pr_wa_ctl_text_ok(url))
		return false;
	return strncmp(url + n - tail, "/p/", 3) == 0 && strcmp(url + n - PR_WA_PENDING_HEX, id) == 0;
}

int pr_wa_ctl_parse_pending(const char *line, struct pr_wa_ctl_pending *p,
    struct pr_errbuf *eb)
{
	const char *id, *url;

	memset(p, 0, sizeof(*p));
	if (strncmp(line, "result ", 7) == 0)
		return create_refused(line + 7, eb);
	if (strncmp(line, "pending ", 8) != 0)
		return pr_fail(eb, PR_ERR_CORRUPT, "the web gate's answer is not a pending sign-in");
	id = line + 8;
	url = strchr(id, ' ');
	if (url == NULL || (size_t)(url - id) != PR_WA_PENDING_HEX)
		return pr_fail(eb, PR_ERR_CORRUPT, "the web gate's pending id is malformed");
	memcpy(p->id, id, PR_WA_PENDING_HEX);
	p->id[PR_WA_PENDING_HEX] = '\0';
	url++;
	if (!pending_ok(p->id) || !url_ok(url, p->id)) {
		memset(p, 0, sizeof(*p));
		return pr_fail(eb, PR_ERR_CORRUPT, "the web gate's pending id or URL is malformed");
	}
	memcpy(p->url, url, strlen(url) + 1);
	return PR_OK;
}

/* One "key=value" word of a verdict into v; seen counts each key once. */
static int verdict_word(char *w, struct pr_wa_ctl_verdict *v, unsigned *seen)
{
	char *val = strchr(w, '='), *end;
	long aal;

	if (val == NULL)
		return PR_ERR_CORRUPT;
	*val++ = '\0';
	if (strcmp(w, "user") == 0 && !(*seen & 1u) && pr_username_valid(val)) {
		*seen |= 1u;
		snprintf(v->user, sizeof(v->user), "%s", val);
	} else if (strcmp(w, "aal") == 0 && !(*seen & 2u)) {
		errno = 0;
		aal = strtol(val, &end, 10);
		if (errno != 0 || end == val || *end != '\0' || aal < 1 || aal > 3)
			return PR_ERR_CORRUPT;
		*seen |= 2u;
		v->aal = (int)aal;
	} else if (strcmp(w, "class") == 0 && !(*seen & 4u) && *val != '\0' &&
	    strlen(val) <= PR_WA_CTL_CLASS_MAX) {
		*seen |= 4u;
		memcpy(v->cls, val, strlen(val) + 1);
	} else {
		return PR_ERR_CORRUPT;
	}
	return PR_OK;
}

int pr_wa_ctl_parse_verdict(const char *line, struct pr_wa_ctl_verdict *v,
    struct pr_errbuf *eb)
{
	char copy[PR_WA_CTL_LINE_MAX], *save = NULL, *w;
	unsigned seen = 0;
	int r = PR_ERR_CORRUPT;

	memset(v, 0, sizeof(*v));
	v->err = PR_ERR_CORRUPT;
	if (strlen(line) >= sizeof(copy) || strncmp(line, "result ", 7) != 0)
		return pr_fail(eb, PR_ERR_CORRUPT, "the web gate's answer is not a verdict");
	memcpy(copy, line, strlen(line) + 1);
	w = strtok_r(copy + 7, " ", &save);
	if (w == NULL || strlen(w) > PR_WA_TEXT_MAX || !pr_wa_ctl_text_ok(w))
		goto fail;
	memcpy(v->reason, w, strlen(w) + 1);
	while ((w = strtok_r(NULL, " ", &save)) != NULL)
		if (verdict_word(w, v, &seen) != PR_OK)
			goto fail;
	v->err = pr_err_from_reason(v->reason);
	/* A success names who, how strongly and with what, or it is no success. */
	if (v->err == PR_OK && seen != 7u)
		goto fail;
	return PR_OK;
fail:
	memset(v, 0, sizeof(*v));
	v->err = PR_ERR_CORRUPT;
	return pr_fail(eb, r, "the web gate's verdict is malformed");
}

/* Milliseconds left before deadline (pr_monotonic_ms), at least 0. */
static int left_ms(int64_t deadline)
{
	int64_t d = deadline - pr_monotonic_ms();

	return d > 0 ? (int)d : 0;
}

/* Wait for events on fd until deadline: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n;

	do {
		n = poll(&pfd, 1, left_ms(deadline));
	} while (n < 0 && errno == EINTR);
	return n;
}

static int open_connected(const char *path, int64_t deadline, int *fd_out, struct pr_errbuf *eb)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err = 0;
	socklen_t elen = sizeof(err);

	if (strlen(path) >= sizeof(sa.sun_path))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "control socket path too long: %s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return pr_fail(eb, PR_ERR_IO, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (errno != EINPROGRESS && errno != EAGAIN)
			goto refused;
		if (wait_fd(fd, POLLOUT, deadline) <= 0 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0) {
			errno = err != 0 ? err : ETIMEDOUT;
			goto refused;
		}
	}
	*fd_out = fd;
	return PR_OK;
refused:
	err = errno;
	close(fd);
	return pr_fail(eb, PR_ERR_IO, "cannot reach the web gate at %s: %s", path, strerror(err));
}

static int send_all(int fd, const char *req, int64_t deadline, struct pr_errbuf *eb)
{
	size_t off = 0, len = strlen(req);
	ssize_t n;

	while (off < len) {
		if (wait_fd(fd, POLLOUT, deadline) <= 0)
			return pr_fail(eb, PR_ERR_TIMEOUT, "the web gate did not take the request in time");
		n = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return pr_fail(eb, PR_ERR_IO, "sending to the web gate: %s", strerror(errno));
		off += (size_t)n;
	}
	return PR_OK;
}

/* Read up to the first newline; what follows it is ignored (one answer a request). */
static int read_line(int fd, int64_t deadline, char *line, size_t size, struct pr_errbuf *eb)
{
	size_t off = 0;
	ssize_t n;
	char *nl;

	for (;;) {
		if (off + 1 >= size)
			return pr_fail(eb, PR_ERR_CORRUPT, "the web gate's answer is too long");
		if (wait_fd(fd, POLLIN, deadline) <= 0)
			return pr_fail(eb, PR_ERR_TIMEOUT, "the web gate did not answer in time");
		n = recv(fd, line + off, size - 1 - off, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return pr_fail(eb, PR_ERR_IO, "reading from the web gate: %s", strerror(errno));
		if (n == 0)
			return pr_fail(eb, PR_ERR_IO, "the web gate closed the connection without an answer");
		off += (size_t)n;
		line[off] = '\0';
		if ((nl = memchr(line, '\n', off)) != NULL) {
			*nl = '\0';
			return strlen(line) == (size_t)(nl - line) ? PR_OK :
			    pr_fail(eb, PR_ERR_CORRUPT, "the web gate's answer holds a NUL byte");
		}
	}
}

int pr_wa_ctl_call(const char *path, const char *req, int timeout_ms, char *line, size_t size,
    struct pr_errbuf *eb)
{
	int64_t deadline = pr_monotonic_ms() + timeout_ms;
	int fd = -1, r;

	if (size == 0)
		return PR_ERR_INVALID_ARG;
	line[0] = '\0';
	if ((r = open_connected(path, deadline, &fd, eb)) != PR_OK)
		return r;
	if ((r = send_all(fd, req, deadline, eb)) == PR_OK)
		r = read_line(fd, deadline, line, size, eb);
	close(fd);
	if (r != PR_OK)
		line[0] = '\0';
	return r;
}
