/*
 * The HTTPS listening socket (webgate.h), bound and listening as root
 * before the fork: web { listen } may name a port below 1024 (443), and
 * the HTTP side, which never holds privilege, is handed the descriptor
 * (MHD_OPTION_LISTEN_SOCKET) instead of binding it itself.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "webgate.h"

#define BACKLOG 128

/* web { listen } as a socket address (its syntax is checked when the policy loads). */
static bool listen_addr(const char *listen, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon = strrchr(listen, ':');
	size_t n = colon != NULL ? (size_t)(colon - listen) : 0;
	long port = colon != NULL ? strtol(colon + 1, NULL, 10) : 0;

	if (n == 0 || n >= sizeof(host) || port <= 0 || port > 65535)
		return false;
	memcpy(host, listen, n);
	host[n] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[' && host[n - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		host[n - 1] = '\0';
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return inet_pton(AF_INET6, host + 1, &s6->sin6_addr) == 1;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	*len = sizeof(*s4);
	return inet_pton(AF_INET, host, &s4->sin_addr) == 1;
}

int wg_listen_open(struct wg *g)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	int fd, one = 1;

	if (!listen_addr(g->listen, &ss, &len)) {
		fprintf(stderr, "%s: web { listen } '%s' is not an address and port: write it as "
		    "127.0.0.1:443 or [::1]:443.\n", WG_PROG, g->listen);
		return -1;
	}
	/* Non-blocking: libmicrohttpd's threads must never sleep in accept(). */
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return -1;
	if ((ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, BACKLOG) != 0) {
		fprintf(stderr, "%s: cannot listen on %s: %s (another server on that port, or an "
		    "address this machine does not have: change web { listen }).\n", WG_PROG,
		    g->listen, strerror(errno));
		close(fd);
		return -1;
	}
	g->listen_fd = fd;
	g->listen_v6 = ss.ss_family == AF_INET6;
	return 0;
}
