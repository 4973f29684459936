/*
 * The root parent's loop (webgate.h): one thread, poll(2) over the
 * child's channel, the control socket and its clients, and a tick for
 * expiry. The child's requests are answered one at a time, in order; a
 * control client has CTL_READ_MS to send its request, and a waiter is
 * answered when its pending sign-in is decided or expires (both bounded
 * by the pending lifetime). If the child ends, so does the parent.
 *
 * Nothing one peer does may hold the others (ARCHITECTURE §4.8): every
 * send is non-blocking; an answer the child does not take at once waits
 * in the one slot it has while the child's requests are not read, and a
 * child that leaves it there CHAN_SEND_MS is taken as broken; a user's
 * lock, and the audit log's, is waited for LOCK_WAIT_MS at most, after
 * which that person's request is answered busy and may be sent again.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "audit.h"
#include "secure_file.h"
#include "util.h"
#include "webauthn/wa_control.h"
#include "webgate.h"
#include "wg_enroll.h"
#include "wg_secret.h"
#include "wg_verify.h"

#define CLIENTS_MAX 128
#define CTL_READ_MS 5000
#define TICK_MS 250
#define CHILD_END_MS 5000
#define CHAN_SEND_MS 5000
/* A lock is held for the few writes of a sign-in; longer is someone stuck. */
#define LOCK_WAIT_MS 250

struct client {
	int fd;                         /* -1: free */
	char buf[PR_WC_REQ_MAX + 1];
	size_t len;
	int64_t deadline;               /* for the request */
	char pending[PR_WC_HEX + 1];    /* a waiter's id, "" while reading */
};

struct parent {
	struct wg *g;
	struct pr_wp_table table;
	struct wg_verifier v;
	struct client c[CLIENTS_MAX];
	char *out;                      /* an answer the child has not taken yet */
	int64_t out_deadline;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void client_close(struct parent *p, struct client *c)
{
	struct pr_wp_entry *e;

	if (c->pending[0] != '\0' && (e = pr_wp_find(&p->table, c->pending)) != NULL)
		e->waited = false;
	close(c->fd);
	explicit_bzero(c, sizeof(*c));
	c->fd = -1;
}

static void client_answer(struct parent *p, struct client *c, const struct pr_wc_answer *a)
{
	char line[PR_WC_ANSWER_MAX];

	if (pr_wc_answer_format(a, line, sizeof(line)) == PR_OK)
		(void)send(c->fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
	client_close(p, c);
}

static void client_refuse(struct parent *p, struct client *c, int err)
{
	struct pr_wc_answer a = { .err = err };

	client_answer(p, c, &a);
}

static void op_create(struct parent *p, struct client *c, const struct pr_wc_req *q)
{
	const struct pr_web_conf *w = &p->v.cfg->web;
	long lifetime = q->lifetime < w->pending_lifetime ? q->lifetime : w->pending_lifetime;
	struct pr_wc_answer a = { .err = PR_OK };
	struct pr_wp_entry *e;
	int r;

	if ((r = pr_wp_add(&p->table, PR_WP_SIGNIN, q->user, q->service, q->rhost, pr_now(),
	    lifetime, &e)) != PR_OK) {
		if (r == PR_ERR_BUSY)
			wg_record_unmade(&p->v, q->user, q->service, q->rhost, r);
		client_refuse(p, c, r);
		return;
	}
	memcpy(a.pending, e->hex, sizeof(a.pending));
	snprintf(a.url, sizeof(a.url), "%s/p/%s", w->origin, e->hex);
	client_answer(p, c, &a);
}

static void op_wait(struct parent *p, struct client *c, const struct pr_wc_req *q)
{
	struct pr_wp_entry *e = pr_wp_find(&p->table, q->pending);

	/* One waiter per sign-in, and only for sign-ins the VPN side made. */
	if (e == NULL || e->waited || e->kind != PR_WP_SIGNIN) {
		client_refuse(p, c, PR_ERR_REPLAY);
		return;
	}
	e->waited = true;
	memcpy(c->pending, q->pending, sizeof(c->pending));
}

/* A waiter whose sign-in is decided or expired gets its answer. */
static void waiter_tick(struct parent *p, struct client *c, int64_t now)
{
	struct pr_wp_entry *e = pr_wp_find(&p->table, c->pending);
	struct pr_wc_answer a = { 0 };

	if (e == NULL) {
		client_refuse(p, c, PR_ERR_REPLAY);
		return;
	}
	if (e->state == PR_WP_OPEN && !pr_wp_expired(e, now))
		return;
	a.err = e->state == PR_WP_DECIDED ? e->err : PR_ERR_EXPIRED;
	if (e->state == PR_WP_OPEN && !e->lapse_recorded)
		wg_record_refusal(&p->v, e, NULL, PR_ERR_EXPIRED);
	if (a.err == PR_OK) {
		snprintf(a.user, sizeof(a.user), "%s", e->user);
		snprintf(a.cls, sizeof(a.cls), "%s", e->cls);
		a.aal = e->aal;
	}
	pr_wp_drop(e);
	c->pending[0] = '\0';
	client_answer(p, c, &a);
}

static void client_read(struct parent *p, struct client *c)
{
	struct pr_wc_req q;
	ssize_t n;

	if (c->pending[0] != '\0') {
		/* A waiter says nothing more: data or the end means it gave up. */
		client_close(p, c);
		return;
	}
	n = recv(c->fd, c->buf + c->len, PR_WC_REQ_MAX - c->len, MSG_DONTWAIT);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			client_close(p, c);
		return;
	}
	c->len += (size_t)n;
	if (c->len < 2 || memcmp(c->buf + c->len - 2, "\n\n", 2) != 0) {
		if (c->len >= PR_WC_REQ_MAX)
			client_refuse(p, c, PR_ERR_CORRUPT);
		return;
	}
	if (pr_wc_req_parse(c->buf, c->len, &q, NULL) != PR_OK)
		client_refuse(p, c, PR_ERR_CORRUPT);
	else if (q.op == PR_WC_CREATE)
		op_create(p, c, &q);
	else
		op_wait(p, c, &q);
}

static void control_accept(struct parent *p)
{
	struct client *c = NULL;
	int fd = accept4(p->g->ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	for (size_t i = 0; i < CLIENTS_MAX && c == NULL; i++)
		if (p->c[i].fd < 0)
			c = &p->c[i];
	if (c == NULL) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->len = 0;
	c->pending[0] = '\0';
	c->deadline = pr_monotonic_ms() + CTL_READ_MS;
	if (!wg_control_peer_ok(fd, p->g->ctl_gid)) {
		syslog(LOG_AUTHPRIV | LOG_WARNING, "%s: control socket: peer not permitted",
		    WG_PROG);
		client_refuse(p, c, PR_ERR_PERM);
	}
}

/* The answer waiting for the child, sent if it takes it now. false: the channel failed. */
static bool child_flush(struct parent *p)
{
	ssize_t n;

	if (p->out == NULL)
		return true;
	n = send(p->g->chan, p->out, strlen(p->out), MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
	free(p->out);
	p->out = NULL;
	return true;
}

/* One request from the child, one answer. false: the child is gone. */
static bool child_request(struct parent *p)
{
	static char buf[PR_WA_REQ_MAX + 1];
	ssize_t n = wg_chan_recv(p->g->chan, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0 && errno == EMSGSIZE)
		p->out = wg_result(PR_ERR_CORRUPT, -1, 0, 0);   /* cut: never parsed */
	else if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	else if (n == 0)
		return false;
	else {
		p->out = wg_verify(&p->v, buf, (size_t)n);
		explicit_bzero(buf, (size_t)n);
		if (p->out == NULL)
			p->out = wg_result(PR_ERR_NOMEM, -1, 0, 0);
	}
	if (p->out == NULL)
		return false;
	p->out_deadline = pr_monotonic_ms() + CHAN_SEND_MS;
	return child_flush(p);
}

static void tick(struct parent *p)
{
	int64_t ms = pr_monotonic_ms(), now = pr_now();

	for (size_t i = 0; i < CLIENTS_MAX; i++) {
		struct client *c = &p->c[i];
		if (c->fd < 0)
			continue;
		if (c->pending[0] != '\0')
			waiter_tick(p, c, now);
		else if (ms > c->deadline)
			client_refuse(p, c, PR_ERR_TIMEOUT);
	}
	wg_record_lapsed(&p->v, now);
	pr_wp_sweep(&p->table, now);
}

static bool loop_once(struct parent *p)
{
	struct pollfd fds[2 + CLIENTS_MAX];
	struct client *who[2 + CLIENTS_MAX];
	nfds_t n = 2;

	/* While an answer waits, the child's next request is not read. */
	fds[0] = (struct pollfd){ .fd = p->g->chan, .events = p->out != NULL ? POLLOUT : POLLIN };
	fds[1] = (struct pollfd){ .fd = p->g->ctl_fd, .events = POLLIN };
	for (size_t i = 0; i < CLIENTS_MAX; i++)
		if (p->c[i].fd >= 0) {
			who[n] = &p->c[i];
			fds[n++] = (struct pollfd){ .fd = p->c[i].fd, .events = POLLIN };
		}
	if (poll(fds, n, TICK_MS) < 0)
		return errno == EINTR;
	if ((fds[0].revents & POLLIN) != 0 && !child_request(p))
		return false;
	if ((fds[0].revents & POLLOUT) != 0 && !child_flush(p))
		return false;
	if ((fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) != 0 &&
	    (fds[0].revents & POLLIN) == 0)
		return false;
	if (p->out != NULL && pr_monotonic_ms() > p->out_deadline) {
		syslog(LOG_AUTHPRIV | LOG_ERR, "the HTTP side took no answer for %d s",
		    CHAN_SEND_MS / 1000);
		return false;
	}
	if ((fds[1].revents & POLLIN) != 0)
		control_accept(p);
	for (nfds_t i = 2; i < n; i++)
		if (fds[i].revents != 0 && who[i]->fd == fds[i].fd)
			client_read(p, who[i]);
	tick(p);
	return true;
}

/* The child ends with us: asked first, then killed if it does not. */
static void end_child(pid_t child)
{
	int64_t until = pr_monotonic_ms() + CHILD_END_MS;

	kill(child, SIGTERM);
	while (waitpid(child, NULL, WNOHANG) == 0) {
		if (pr_monotonic_ms() > until) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
			return;
		}
		usleep(20000);
	}
}

int wg_parent_run(struct wg *g)
{
	struct parent *p = calloc(1, sizeof(*p));
	struct sigaction sa = { .sa_handler = on_signal };
	struct pr_errbuf eb = { 0 };
	int status = 1;

	if (p == NULL)
		goto out;
	p->g = g;
	for (size_t i = 0; i < CLIENTS_MAX; i++)
		p->c[i].fd = -1;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0 ||
	    sigaction(SIGHUP, &sa, NULL) != 0 || pr_wp_init(&p->table, PR_WP_CAPACITY) != PR_OK)
		goto out;
	pr_lock_set_wait(LOCK_WAIT_MS);
	/* The audit log's lock too: every record is appended under it (§4.8). */
	pr_audit_set_lock_wait(LOCK_WAIT_MS);
	if (wg_secret_load(g->cfg->state_dir, p->v.secret, &eb) != PR_OK) {
		fprintf(stderr, "%s: %s\n", WG_PROG, eb.msg);
		goto out;
	}
	p->v.cfg = g->cfg;
	p->v.table = &p->table;
	openlog(WG_PROG, LOG_PID, LOG_AUTHPRIV);
	while (!stop && loop_once(p))
		;
	/* Ended by a signal: a clean stop. Ended because the child went: a failure. */
	status = stop ? 0 : 1;
	if (!stop)
		syslog(LOG_AUTHPRIV | LOG_ERR, "the HTTP side ended; stopping");
out:
	end_child(g->child);
	unlink(g->cfg->web.control_socket);
	if (p != NULL) {
		for (size_t i = 0; i < CLIENTS_MAX; i++)
			if (p->c[i].fd >= 0)
				close(p->c[i].fd);
		pr_wp_free(&p->table);
		free(p->out);
		explicit_bzero(p, sizeof(*p));
		free(p);
	}
	return status;
}
