/*
 * The HTTPS side (webgate.h), after the drop: libmicrohttpd with its TLS,
 * certificate and key given in memory. A fixed set of routes; every
 * answer carries the same security headers; POST bodies are bounded; the
 * browser's address comes from the connection, never from a header.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "config_web.h"
#include "util.h"
#include "webgate.h"
#include "wg_http.h"

#define BODY_MAX (64 * 1024)
#define CONN_TIMEOUT_S 30
#define CONN_LIMIT 256
/* A browser opens about six; more from one address is someone holding slots. */
#define PER_IP_LIMIT 16
/* Headers and buffers per connection: a page's requests need a few kilobytes. */
#define CONN_MEMORY (32 * 1024)
/*
 * TLS 1.2 and 1.3 only, forward-secret key exchange and AEAD ciphers only:
 * every browser that can run WebAuthn speaks these, and pinning them keeps
 * a GnuTLS default that still allows TLS 1.0, 1.1 or CBC out of the gate.
 */
#define TLS_PRIORITIES "SECURE:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:" \
	"+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:" \
	"+ECDHE-RSA:%SERVER_PRECEDENCE"
#define ID_HEX 32

static const char *const headers[][2] = {
	{ "Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "
	    "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
	    "frame-ancestors 'none'" },
	{ "Strict-Transport-Security", "max-age=31536000" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "Referrer-Policy", "no-referrer" },
	{ "Cache-Control", "no-store" },
	{ "X-Frame-Options", "DENY" },
	{ "Cross-Origin-Opener-Policy", "same-origin" },
};

struct body {
	char *p;
	size_t len;
};

static struct wg *gate;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
    const void *data, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *res = MHD_create_response_from_buffer(len, (void *)data, mode);
	enum MHD_Result r;

	if (res == NULL)
		return MHD_NO;
	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
		MHD_add_response_header(res, headers[i][0], headers[i][1]);
	MHD_add_response_header(res, "Content-Type", type);
	r = MHD_queue_response(conn, status, res);
	MHD_destroy_response(res);
	return r;
}

static enum MHD_Result not_found(struct MHD_Connection *conn)
{
	static const char text[] = "Not found.\n";

	return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", text,
	    sizeof(text) - 1, MHD_RESPMEM_PERSISTENT);
}

static const struct wg_file *file_named(const char *name)
{
	for (size_t i = 0; i < WG_N_FILES; i++)
		if (strcmp(gate->files[i].name, name) == 0)
			return &gate->files[i];
	return NULL;
}

static enum MHD_Result serve_file(struct MHD_Connection *conn, const char *name)
{
	const struct wg_file *f = file_named(name);

	if (f == NULL)
		return not_found(conn);
	return reply(conn, MHD_HTTP_OK, f->type, f->data, f->len, MHD_RESPMEM_PERSISTENT);
}

/* /p/<32 hex>: a sign-in page; /e/ or /e: the enrollment page. Nothing else. */
static bool page_path(const char *url)
{
	if (strncmp(url, "/p/", 3) == 0)
		return strlen(url + 3) == ID_HEX && strspn(url + 3, "0123456789abcdef") == ID_HEX;
	return strcmp(url, "/e/") == 0 || strcmp(url, "/e") == 0;
}

static enum MHD_Result handle_get(struct MHD_Connection *conn, const char *url)
{
	if (page_path(url))
		return serve_file(conn, "gate.html");
	if (strcmp(url, "/approve") == 0 || strcmp(url, "/approve/") == 0)
		return serve_file(conn, "approve.html");
	if (strcmp(url, "/static/gate.js") == 0)
		return serve_file(conn, "gate.js");
	if (strcmp(url, "/static/gate.css") == 0)
		return serve_file(conn, "gate.css");
	return not_found(conn);
}

/* The browser's address as the connection has it (IPv4-mapped IPv6 as IPv4). */
static void client_address(struct MHD_Connection *conn, char out[INET6_ADDRSTRLEN])
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;
	const struct sockaddr_in6 *s6;

	snprintf(out, INET6_ADDRSTRLEN, "-");
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
		    INET6_ADDRSTRLEN);
		return;
	}
	if (sa->sa_family != AF_INET6)
		return;
	s6 = (const struct sockaddr_in6 *)(const void *)sa;
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], out, INET6_ADDRSTRLEN);
	else
		inet_ntop(AF_INET6, &s6->sin6_addr, out, INET6_ADDRSTRLEN);
}

/* The User-Agent for the record: printable ASCII without '=', cut to the protocol's bound. */
static void user_agent(struct MHD_Connection *conn, char out[PR_WA_TEXT_MAX + 1])
{
	const char *ua = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "User-Agent");
	size_t n = 0;

	for (; ua != NULL && *ua != '\0' && n < PR_WA_TEXT_MAX; ua++)
		out[n++] = (*ua >= 0x20 && *ua <= 0x7e && *ua != '=') ? *ua : '_';
	out[n] = '\0';
}

static bool api_path(const char *url)
{
	return strcmp(url, "/api/options") == 0 || strcmp(url, "/api/get") == 0 ||
	    strcmp(url, "/api/enroll-options") == 0 || strcmp(url, "/api/create") == 0 ||
	    strcmp(url, "/api/approve-options") == 0;
}

static enum MHD_Result handle_post(struct MHD_Connection *conn, const char *url,
    struct body *b)
{
	char rhost[INET6_ADDRSTRLEN], ua[PR_WA_TEXT_MAX + 1], *out;
	int status = 400;

	if (b->p == NULL)
		return reply(conn, MHD_HTTP_BAD_REQUEST, "text/plain; charset=utf-8",
		    "Empty.\n", 7, MHD_RESPMEM_PERSISTENT);
	client_address(conn, rhost);
	user_agent(conn, ua);
	out = wg_api(gate->chan, url, b->p, b->len, rhost, ua, &status);
	if (out == NULL)
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
		    "Error.\n", 7, MHD_RESPMEM_PERSISTENT);
	return reply(conn, (unsigned)status, "application/json", out, strlen(out),
	    MHD_RESPMEM_MUST_FREE);
}

/* Whether the request announces a body bigger than the gate ever reads. */
static bool too_large(struct MHD_Connection *conn)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	char *end;
	unsigned long long n;

	if (cl == NULL)
		return false;
	errno = 0;
	n = strtoull(cl, &end, 10);
	return errno != 0 || end == cl || n > BODY_MAX;
}

/* Gather a POST body, bounded; the answer once it is all there. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload, size_t *upload_size,
    void **con_cls)
{
	struct body *b = *con_cls;

	(void)cls;
	(void)version;
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		return handle_get(conn, url);
	if (strcmp(method, "POST") != 0 || !api_path(url))
		return not_found(conn);
	if (b == NULL) {
		/* A body announced too large is refused before a byte of it is read. */
		if (too_large(conn))
			return reply(conn, MHD_HTTP_CONTENT_TOO_LARGE, "text/plain; charset=utf-8",
			    "Too large.\n", 11, MHD_RESPMEM_PERSISTENT);
		if ((b = calloc(1, sizeof(*b))) == NULL)
			return MHD_NO;
		*con_cls = b;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		/* A chunked body that grows past the bound: no answer, the connection ends. */
		if (b->len + *upload_size > BODY_MAX)
			return MHD_NO;
		/* Not realloc: a body may hold an invitation, and no copy stays unwiped. */
		char *p = malloc(b->len + *upload_size + 1);
		if (p == NULL)
			return MHD_NO;
		if (b->p != NULL)
			memcpy(p, b->p, b->len);
		memcpy(p + b->len, upload, *upload_size);
		pr_secret_free(&b->p, b->len);
		b->p = p;
		b->len += *upload_size;
		b->p[b->len] = '\0';
		*upload_size = 0;
		return MHD_YES;
	}
	return handle_post(conn, url, b);
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode code)
{
	struct body *b = *con_cls;

	(void)cls;
	(void)conn;
	(void)code;
	if (b != NULL) {
		pr_secret_free(&b->p, b->len);
		free(b);
		*con_cls = NULL;
	}
}

static void wait_for_end(int chan)
{
	struct pollfd p = { .fd = chan, .events = 0 };

	/* The parent holds the other end: a hang-up means it is gone. */
	while (!stop) {
		p.revents = 0;
		if (poll(&p, 1, 500) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0)
			return;
	}
}

int wg_http_run(struct wg *g)
{
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_TLS | MHD_USE_ERROR_LOG;
	struct MHD_Daemon *d;

	gate = g;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (g->listen_v6)
		flags |= MHD_USE_IPv6;
	d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)g->listen_fd,
	    MHD_OPTION_HTTPS_MEM_CERT, g->cert, MHD_OPTION_HTTPS_MEM_KEY, g->key,
	    MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONN_LIMIT,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)PER_IP_LIMIT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
	    MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES,
	    MHD_OPTION_END);
	/* GnuTLS holds its own copy now. */
	pr_secret_free(&g->key, g->key_len + 1);
	if (d != NULL)
		g->listen_fd = -1;      /* MHD_stop_daemon closes it */
	if (d == NULL) {
		fprintf(stderr, "%s: cannot serve HTTPS on %s (the certificate and key do not "
		    "match?): check web { cert_file } and key_file.\n", WG_PROG, g->listen);
		return 1;
	}
	wait_for_end(g->chan);
	MHD_stop_daemon(d);
	return 0;
}
