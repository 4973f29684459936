/*
 * The device end of an open virtual hidraw node. A thread reads the
 * program's output reports (report ID 0 + one 64-byte CTAPHID frame) from
 * its socket and hands them to the softkey's CTAPHID layer
 * (tests/softkey/softkey_ctaphid.c, the same code the softkey build uses:
 * channels, continuation frames, KEEPALIVE while it waits for a touch,
 * CANCEL, ERROR), then sends every frame the softkey has ready back as one
 * 64-byte input report. Waking every POLL_MS lets the softkey's touch wait
 * tick (its keepalives) without a request.
 *
 * The device's mode changes what it does with frames (hidshim.h); every
 * initialisation frame is logged ("hidraw3 CBOR 0x02", "hidraw3 CANCEL"),
 * so tests can see what reached the device.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hidshim.h"
#include "softkey.h"

#define REPORT_LEN 64
#define POLL_MS 10
#define UNPLUG_DELAY_MS 300   /* the request is under way (keepalives sent) when the key goes */

#define HID_INIT 0x06
#define HID_CBOR 0x10
#define HID_CANCEL 0x11

struct conn {
	size_t idx;
	int sock;
	enum hidshim_mode mode;
	void *sk;                 /* the softkey's CTAPHID handle, NULL for NONFIDO */
	unsigned requests;        /* messages started since open */
	unsigned unplug_after;    /* HIDSHIM_UNPLUG: the request that pulls the key */
	bool unplug_armed, unplugged;
	struct timespec unplug_at;
};

static const char *cmd_name(uint8_t cmd)
{
	static const struct { uint8_t cmd; const char *name; } names[] = {
		{ 0x01, "PING" }, { 0x03, "MSG" }, { 0x06, "INIT" }, { 0x08, "WINK" },
		{ 0x10, "CBOR" }, { 0x11, "CANCEL" }, { 0x3b, "KEEPALIVE" }, { 0x3f, "ERROR" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].cmd == cmd)
			return names[i].name;
	return "OTHER";
}

static void log_frame(const struct conn *c, const unsigned char *f)
{
	char what[48];
	uint8_t cmd = f[4] & 0x7f;

	if (cmd == HID_CBOR)
		snprintf(what, sizeof(what), "CBOR 0x%02x", f[7]);
	else
		snprintf(what, sizeof(what), "%s", cmd_name(cmd));
	hidshim_log(c->idx, what);
}

static bool time_reached(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static void arm_unplug(struct conn *c)
{
	clock_gettime(CLOCK_MONOTONIC, &c->unplug_at);
	c->unplug_at.tv_nsec += UNPLUG_DELAY_MS * 1000000L;
	c->unplug_at.tv_sec += c->unplug_at.tv_nsec / 1000000000L;
	c->unplug_at.tv_nsec %= 1000000000L;
	c->unplug_armed = true;
}

/*
 * The key is gone: the program reads end of file from now on. Only our
 * sending side is shut, so the program's writes are still taken (and
 * dropped) rather than raising SIGPIPE in it, which no hidraw node does.
 */
static void unplug(struct conn *c)
{
	hidshim_log(c->idx, "UNPLUGGED");
	(void)shutdown(c->sock, SHUT_WR);
	c->unplugged = true;
}

/* A malformed answer on the request's channel: an unknown command, an impossible length. */
static void send_garbage(const struct conn *c, const unsigned char *f)
{
	unsigned char g[REPORT_LEN];

	memset(g, 0xa5, sizeof(g));
	memcpy(g, f, 4);
	g[4] = 0x80 | 0x42;
	g[5] = 0xff;
	g[6] = 0xff;
	(void)send(c->sock, g, sizeof(g), MSG_NOSIGNAL);
}

/* One output report from the program, as the device's mode treats it. */
static void on_report(struct conn *c, const unsigned char *buf, size_t len)
{
	const unsigned char *f = buf + 1;
	bool init = len == REPORT_LEN + 1 && (f[4] & 0x80) != 0;
	uint8_t cmd = f[4] & 0x7f;

	if (len != REPORT_LEN + 1 || buf[0] != 0) {
		hidshim_log(c->idx, "BAD-REPORT");
		return;
	}
	if (init)
		log_frame(c, f);
	if (c->unplugged || c->mode == HIDSHIM_NONFIDO)
		return;
	if (c->mode == HIDSHIM_STALL && !(init && cmd == HID_INIT))
		return;
	if (c->mode == HIDSHIM_GARBAGE && !(init && cmd == HID_INIT)) {
		if (init)
			send_garbage(c, f);
		return;
	}
	if (c->mode == HIDSHIM_UNPLUG && init && cmd != HID_CANCEL &&
	    ++c->requests == c->unplug_after)
		arm_unplug(c);
	(void)sk_io_write(c->sk, buf, len);
}

/* Every frame the softkey has ready, one input report each; false once the program is gone. */
static bool drain(struct conn *c)
{
	unsigned char out[REPORT_LEN];

	if (c->sk == NULL || c->unplugged)
		return true;
	while (sk_io_read(c->sk, out, sizeof(out), 0) == REPORT_LEN)
		if (send(c->sock, out, sizeof(out), MSG_NOSIGNAL) != REPORT_LEN)
			return false;
	return true;
}

static void *serve(void *arg)
{
	struct conn *c = arg;
	unsigned char buf[2 * REPORT_LEN];
	struct pollfd p;
	ssize_t n;

	for (;;) {
		p.fd = c->sock;
		p.events = POLLIN;
		p.revents = 0;
		if (poll(&p, 1, POLL_MS) > 0) {
			n = recv(c->sock, buf, sizeof(buf), 0);
			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				break;  /* the program closed the device */
			if (n > 0)
				on_report(c, buf, (size_t)n);
		}
		if (c->unplug_armed && !c->unplugged && time_reached(&c->unplug_at))
			unplug(c);
		if (!drain(c))
			break;
	}
	sk_io_close(c->sk);
	close(c->sock);
	free(c);
	return NULL;
}

bool hidshim_serve(size_t idx, int sock)
{
	const struct hidshim_dev *d = &hidshim_config()->dev[idx];
	struct conn *c = NULL;
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t t;
	int r;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	c->idx = idx;
	c->sock = sock;
	c->mode = d->mode;
	c->unplug_after = d->unplug_after;
	/* A state file that does not load is a key that is not plugged in. */
	if (d->mode != HIDSHIM_NONFIDO && (c->sk = sk_io_open(d->state)) == NULL)
		goto fail;
	/* The program's signals are for its own threads, never this one. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&t, &attr, serve, c);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r == 0)
		return true;
fail:
	if (c != NULL)
		sk_io_close(c->sk);
	free(c);
	close(sock);
	return false;
}
