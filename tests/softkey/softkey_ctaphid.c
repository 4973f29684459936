/*
 * CTAPHID (CTAP 2.0 section 8.1) over libfido2's custom I/O functions.
 *
 * libfido2 (io.c) writes 65-byte reports, a report ID 0 followed by the
 * 64-byte frame, and expects write() to return 65; it reads 64-byte frames
 * (no report ID) with read(handle, buf, 64, ms), ms < 0 meaning "no limit",
 * and treats a negative return as a timeout or error.
 *
 * Frames: CID(4) | CMD|0x80 | BCNT(2) | 57 data bytes   (initialisation)
 *         CID(4) | SEQ 0..127 | 59 data bytes            (continuation)
 *
 * Requests run to completion inside write(); their replies wait in a queue
 * for read(). A CTAP2 request that needs a touch the user has not given
 * ("touch no" in the state) stays pending: every 100 ms read() asks the
 * handler again (the state may now say "touch yes") and otherwise hands out
 * a KEEPALIVE(UPNEEDED) frame, until CTAPHID_CANCEL (then
 * CTAP2_ERR_KEEPALIVE_CANCEL), a resync INIT or close. The host's own
 * timeout (fido_dev_set_timeout) ends the wait on its side.
 *
 * The handle is shared by libfido2's calls and may be used from two threads
 * (fido_dev_cancel while another thread waits in read), hence the mutex.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "softkey.h"

#define REPORT_LEN 64
#define INIT_DATA (REPORT_LEN - 7)
#define CONT_DATA (REPORT_LEN - 5)
#define MAX_MSG (INIT_DATA + 128 * CONT_DATA)
#define QUEUE_FRAMES 160          /* more than the largest message (130 frames) */
#define MAX_CHANNELS 8
#define CID_BROADCAST 0xffffffffu

#define HID_PING 0x01
#define HID_MSG 0x03
#define HID_INIT 0x06
#define HID_WINK 0x08
#define HID_CBOR 0x10
#define HID_CANCEL 0x11
#define HID_KEEPALIVE 0x3b
#define HID_ERROR 0x3f

#define ERR_INVALID_CMD 0x01
#define ERR_INVALID_LEN 0x03
#define ERR_INVALID_SEQ 0x04
#define ERR_CHANNEL_BUSY 0x06
#define ERR_INVALID_CHANNEL 0x0b
#define ERR_OTHER 0x7f

#define KEEPALIVE_UPNEEDED 2
#define KEEPALIVE_MS 100
/*
 * U2F has no keepalive: the key answers "conditions not satisfied" and the
 * host asks again. libfido2 paces that loop by its remaining time, so the
 * refusal takes a few milliseconds, as on real keys, or a host at the end
 * of its timeout would spin on instant answers.
 */
#define U2F_REFUSAL_MS 5

#define CAP_WINK 0x01
#define CAP_CBOR 0x04
#define CAP_NMSG 0x08
#define VERSION_PROTOCOL 2
#define VERSION_MAJOR 5
#define VERSION_MINOR 4
#define VERSION_BUILD 3

struct frame {
	unsigned char b[REPORT_LEN];
	struct timespec ready;       /* not handed out before this time */
};

struct sk_hid {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct sk_session s;
	uint32_t cids[MAX_CHANNELS];  /* allocated channels, oldest replaced */
	size_t n_cids, next_slot;
	uint32_t next_cid;
	struct {                      /* a request arriving in frames */
		bool active;
		uint32_t cid;
		uint8_t cmd, seq;
		size_t need, have;
		unsigned char buf[MAX_MSG];
	} rx;
	struct {                      /* a CTAP2 request waiting for a touch */
		bool active;
		uint32_t cid;
		unsigned char *req;
		size_t len;
		struct timespec tick;
	} wait;
	struct frame q[QUEUE_FRAMES];
	size_t q_head, q_len;
};

/* ---- time ---- */

static void mono_now(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
}

static void ts_add_ms(struct timespec *ts, long ms)
{
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static bool ts_le(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	    (a->tv_sec == b->tv_sec && a->tv_nsec <= b->tv_nsec);
}

static void ts_min(struct timespec *acc, bool *have, const struct timespec *t)
{
	if (!*have || ts_le(t, acc))
		*acc = *t;
	*have = true;
}

/* ---- frames out ---- */

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static struct frame *queue_slot(struct sk_hid *h, const struct timespec *ready)
{
	struct frame *f = &h->q[(h->q_head + h->q_len++) % QUEUE_FRAMES];

	memset(f->b, 0, sizeof(f->b));
	f->ready = *ready;
	return f;
}

/*
 * Queue a message as frames, ready delay_ms from now. A message that does
 * not fit is dropped whole (the host then times out), never truncated.
 */
static void queue_message(struct sk_hid *h, uint32_t cid, uint8_t cmd,
    const unsigned char *data, size_t len, long delay_ms)
{
	size_t frames = 1, off, n;
	struct timespec ready;
	struct frame *f;

	if (len > INIT_DATA)
		frames += (len - INIT_DATA + CONT_DATA - 1) / CONT_DATA;
	if (len > MAX_MSG || h->q_len + frames > QUEUE_FRAMES)
		return;
	mono_now(&ready);
	ts_add_ms(&ready, delay_ms);
	f = queue_slot(h, &ready);
	put_be32(f->b, cid);
	f->b[4] = 0x80 | cmd;
	f->b[5] = (unsigned char)(len >> 8);
	f->b[6] = (unsigned char)len;
	off = n = len < INIT_DATA ? len : INIT_DATA;
	if (n > 0)
		memcpy(f->b + 7, data, n);
	for (uint8_t seq = 0; off < len; seq++, off += n) {
		f = queue_slot(h, &ready);
		put_be32(f->b, cid);
		f->b[4] = seq;
		n = len - off < CONT_DATA ? len - off : CONT_DATA;
		memcpy(f->b + 5, data + off, n);
	}
}

static void queue_error(struct sk_hid *h, uint32_t cid, uint8_t code)
{
	queue_message(h, cid, HID_ERROR, &code, 1, 0);
}

/* A handler's reply; no reply at all (out of memory) becomes ERR_OTHER. */
static void queue_reply(struct sk_hid *h, uint32_t cid, uint8_t cmd, int r,
    struct sk_reply *rep, long delay_ms)
{
	if (r == SK_OK && rep->ptr != NULL)
		queue_message(h, cid, cmd, rep->ptr, rep->len, delay_ms);
	else
		queue_error(h, cid, ERR_OTHER);
	sk_reply_free(rep);
}

/* ---- channels ---- */

static bool channel_known(const struct sk_hid *h, uint32_t cid)
{
	for (size_t i = 0; i < h->n_cids; i++)
		if (h->cids[i] == cid)
			return true;
	return false;
}

static uint32_t channel_alloc(struct sk_hid *h)
{
	uint32_t cid;

	do {
		cid = h->next_cid++;
	} while (cid == 0 || cid == CID_BROADCAST || channel_known(h, cid));
	h->cids[h->next_slot] = cid;
	h->next_slot = (h->next_slot + 1) % MAX_CHANNELS;
	if (h->n_cids < MAX_CHANNELS)
		h->n_cids++;
	return cid;
}

/* ---- the touch wait ---- */

static void end_wait(struct sk_hid *h)
{
	sk_wipe_free(&h->wait.req, h->wait.len);
	memset(&h->wait, 0, sizeof(h->wait));
}

static void start_wait(struct sk_hid *h, uint32_t cid, const unsigned char *req,
    size_t len)
{
	if ((h->wait.req = malloc(len)) == NULL) {
		queue_error(h, cid, ERR_OTHER);
		return;
	}
	memcpy(h->wait.req, req, len);
	h->wait.len = len;
	h->wait.cid = cid;
	h->wait.active = true;
	mono_now(&h->wait.tick);
	ts_add_ms(&h->wait.tick, KEEPALIVE_MS);
}

/* Every 100 ms: has the user touched by now? If not, say we still wait. */
static void wait_tick(struct sk_hid *h)
{
	struct sk_reply rep = { NULL, 0 };
	unsigned char status = KEEPALIVE_UPNEEDED;
	int r;

	r = sk_ctap2_dispatch(&h->s, h->wait.req, h->wait.len, &rep);
	if (r == SK_WAIT_TOUCH) {
		queue_message(h, h->wait.cid, HID_KEEPALIVE, &status, 1, 0);
		ts_add_ms(&h->wait.tick, KEEPALIVE_MS);
		return;
	}
	queue_reply(h, h->wait.cid, HID_CBOR, r, &rep, 0);
	end_wait(h);
}

static void cancel_wait(struct sk_hid *h)
{
	unsigned char status = SK_CTAP2_ERR_KEEPALIVE_CANCEL;

	queue_message(h, h->wait.cid, HID_CBOR, &status, 1, 0);
	end_wait(h);
}

/* ---- commands ---- */

static void hid_ping(struct sk_hid *h, uint32_t cid, const unsigned char *d, size_t len)
{
	queue_message(h, cid, HID_PING, d, len, 0);
}

static void hid_wink(struct sk_hid *h, uint32_t cid, const unsigned char *d, size_t len)
{
	(void)d;
	if (len != 0)
		queue_error(h, cid, ERR_INVALID_LEN);
	else
		queue_message(h, cid, HID_WINK, NULL, 0, 0);
}

static void hid_cbor(struct sk_hid *h, uint32_t cid, const unsigned char *d, size_t len)
{
	struct sk_reply rep = { NULL, 0 };
	int r = sk_ctap2_dispatch(&h->s, d, len, &rep);

	if (r == SK_WAIT_TOUCH)
		start_wait(h, cid, d, len);
	else
		queue_reply(h, cid, HID_CBOR, r, &rep, 0);
}

static void hid_msg(struct sk_hid *h, uint32_t cid, const unsigned char *d, size_t len)
{
	struct sk_reply rep = { NULL, 0 };
	long delay = 0;
	int r = sk_u2f_dispatch(&h->s, d, len, &rep);

	if (r == SK_WAIT_TOUCH) {
		r = sk_u2f_reply_touch_needed(&rep);
		delay = U2F_REFUSAL_MS;
	}
	queue_reply(h, cid, HID_MSG, r, &rep, delay);
}

static bool has_ctap1(const struct sk_profile *p)
{
	return p->ctap1;
}

static bool has_ctap2(const struct sk_profile *p)
{
	return p->ctap2;
}

/* INIT and CANCEL act at frame level (they interrupt); these are messages. */
static const struct hid_cmd {
	uint8_t cmd;
	bool (*available)(const struct sk_profile *);  /* NULL: every profile */
	void (*run)(struct sk_hid *, uint32_t, const unsigned char *, size_t);
} hid_cmds[] = {
	{ HID_PING, NULL, hid_ping },
	{ HID_MSG, has_ctap1, hid_msg },
	{ HID_WINK, NULL, hid_wink },
	{ HID_CBOR, has_ctap2, hid_cbor },
};

static const struct hid_cmd *find_hid_cmd(uint8_t cmd, const struct sk_profile *p)
{
	for (size_t i = 0; i < sizeof(hid_cmds) / sizeof(hid_cmds[0]); i++)
		if (hid_cmds[i].cmd == cmd)
			return hid_cmds[i].available == NULL ||
			    hid_cmds[i].available(p) ? &hid_cmds[i] : NULL;
	return NULL;
}

static void message_done(struct sk_hid *h)
{
	const struct hid_cmd *c = find_hid_cmd(h->rx.cmd, h->s.profile);

	h->rx.active = false;
	if (c == NULL)
		queue_error(h, h->rx.cid, ERR_INVALID_CMD);
	else
		c->run(h, h->rx.cid, h->rx.buf, h->rx.need);
	OPENSSL_cleanse(h->rx.buf, h->rx.need);  /* may have held PIN material */
}

/* ---- frames in ---- */

static uint8_t capabilities(const struct sk_profile *p)
{
	return CAP_WINK | (p->ctap2 ? CAP_CBOR : 0) | (p->ctap1 ? 0 : CAP_NMSG);
}

/* INIT: a new channel (on the broadcast CID) or a resync of an existing one. */
static void hid_init(struct sk_hid *h, uint32_t cid, const unsigned char *nonce,
    size_t len)
{
	unsigned char resp[17];
	uint32_t new_cid;

	if (len != 8) {
		queue_error(h, cid, ERR_INVALID_LEN);
		return;
	}
	if (cid == CID_BROADCAST) {
		new_cid = channel_alloc(h);
	} else if (channel_known(h, cid)) {
		new_cid = cid;  /* resync: drop what this channel was doing */
		if (h->rx.active && h->rx.cid == cid)
			h->rx.active = false;
		if (h->wait.active && h->wait.cid == cid)
			end_wait(h);
	} else {
		queue_error(h, cid, ERR_INVALID_CHANNEL);
		return;
	}
	memcpy(resp, nonce, 8);
	put_be32(resp + 8, new_cid);
	resp[12] = VERSION_PROTOCOL;
	resp[13] = VERSION_MAJOR;
	resp[14] = VERSION_MINOR;
	resp[15] = VERSION_BUILD;
	resp[16] = capabilities(h->s.profile);
	queue_message(h, cid, HID_INIT, resp, sizeof(resp), 0);
}

/* Why a new message cannot start on cid now, or 0. */
static uint8_t busy_error(const struct sk_hid *h, uint32_t cid)
{
	if (h->rx.active)
		return h->rx.cid == cid ? ERR_INVALID_SEQ : ERR_CHANNEL_BUSY;
	return h->wait.active ? ERR_CHANNEL_BUSY : 0;
}

static void init_frame(struct sk_hid *h, uint32_t cid, const unsigned char *f)
{
	const uint8_t cmd = f[4] & 0x7f;
	const size_t bcnt = (size_t)f[5] << 8 | f[6];
	uint8_t err;

	if (cmd == HID_INIT) {
		hid_init(h, cid, f + 7, bcnt);
		return;
	}
	if (!channel_known(h, cid)) {
		queue_error(h, cid, ERR_INVALID_CHANNEL);
		return;
	}
	if (cmd == HID_CANCEL) {
		if (h->wait.active && h->wait.cid == cid)
			cancel_wait(h);
		return;  /* CANCEL itself is never answered */
	}
	if ((err = busy_error(h, cid)) != 0) {
		if (err == ERR_INVALID_SEQ)
			h->rx.active = false;
		queue_error(h, cid, err);
		return;
	}
	if (bcnt > MAX_MSG) {
		queue_error(h, cid, ERR_INVALID_LEN);
		return;
	}
	h->rx.active = true;
	h->rx.cid = cid;
	h->rx.cmd = cmd;
	h->rx.seq = 0;
	h->rx.need = bcnt;
	h->rx.have = bcnt < INIT_DATA ? bcnt : INIT_DATA;
	memcpy(h->rx.buf, f + 7, h->rx.have);
	if (h->rx.have == h->rx.need)
		message_done(h);
}

static void cont_frame(struct sk_hid *h, uint32_t cid, const unsigned char *f)
{
	size_t n;

	if (!h->rx.active || h->rx.cid != cid)
		return;  /* a stray continuation is ignored, as CTAPHID says */
	if (f[4] != h->rx.seq) {
		h->rx.active = false;
		queue_error(h, cid, ERR_INVALID_SEQ);
		return;
	}
	n = h->rx.need - h->rx.have < CONT_DATA ? h->rx.need - h->rx.have : CONT_DATA;
	memcpy(h->rx.buf + h->rx.have, f + 5, n);
	h->rx.have += n;
	h->rx.seq++;
	if (h->rx.have == h->rx.need)
		message_done(h);
}

/* ---- libfido2's I/O functions ---- */

void *sk_io_open(const char *path)
{
	struct sk_hid *h = NULL;
	pthread_condattr_t attr;

	if (path == NULL || (h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	if (sk_session_init(&h->s, path) != SK_OK ||
	    sk_random(&h->next_cid, sizeof(h->next_cid)) != SK_OK) {
		sk_session_clear(&h->s);
		free(h);
		return NULL;  /* unreadable state: as if unplugged */
	}
	pthread_mutex_init(&h->mu, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cv, &attr);
	pthread_condattr_destroy(&attr);
	return h;
}

void sk_io_close(void *handle)
{
	struct sk_hid *h = handle;

	if (h == NULL)
		return;
	end_wait(h);
	sk_session_clear(&h->s);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	OPENSSL_cleanse(h, sizeof(*h));
	free(h);
}

int sk_io_write(void *handle, const unsigned char *buf, size_t len)
{
	struct sk_hid *h = handle;
	const unsigned char *f;
	uint32_t cid;

	if (h == NULL || buf == NULL || len != REPORT_LEN + 1 || buf[0] != 0)
		return -1;  /* report ID 0 and one 64-byte frame, nothing else */
	f = buf + 1;
	cid = get_be32(f);
	pthread_mutex_lock(&h->mu);
	if (f[4] & 0x80)
		init_frame(h, cid, f);
	else
		cont_frame(h, cid, f);
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	return (int)len;
}

/* The earliest moment something can happen; false if nothing ever will. */
static bool next_event(const struct sk_hid *h, const struct timespec *deadline,
    struct timespec *wake)
{
	bool have = false;

	if (h->q_len > 0)
		ts_min(wake, &have, &h->q[h->q_head].ready);
	if (h->wait.active)
		ts_min(wake, &have, &h->wait.tick);
	if (deadline != NULL)
		ts_min(wake, &have, deadline);
	return have;
}

static int read_locked(struct sk_hid *h, unsigned char *buf,
    const struct timespec *deadline)
{
	struct timespec now, wake;

	for (;;) {
		mono_now(&now);
		if (h->q_len > 0 && ts_le(&h->q[h->q_head].ready, &now)) {
			memcpy(buf, h->q[h->q_head].b, REPORT_LEN);
			h->q_head = (h->q_head + 1) % QUEUE_FRAMES;
			h->q_len--;
			return REPORT_LEN;
		}
		if (h->wait.active && ts_le(&h->wait.tick, &now)) {
			wait_tick(h);
			continue;
		}
		/* Idle with no time limit: nothing will come, do not hang. */
		if (!next_event(h, deadline, &wake) ||
		    (deadline != NULL && ts_le(deadline, &now)))
			return -1;
		/* Woken by a write, or the time came: either way, look again. */
		(void)pthread_cond_timedwait(&h->cv, &h->mu, &wake);
	}
}

int sk_io_read(void *handle, unsigned char *buf, size_t len, int ms)
{
	struct sk_hid *h = handle;
	struct timespec deadline;
	int n;

	if (h == NULL || buf == NULL || len < REPORT_LEN)
		return -1;
	mono_now(&deadline);
	if (ms >= 0)
		ts_add_ms(&deadline, ms);
	pthread_mutex_lock(&h->mu);
	n = read_locked(h, buf, ms >= 0 ? &deadline : NULL);
	pthread_mutex_unlock(&h->mu);
	return n;
}
