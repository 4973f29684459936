/*
 * The VPN side's exchange on the web gate's control socket (wa_ctlclient.h,
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
