/*
 * The device at frame level, as a misbehaving host would see it: CTAPHID
 * framing and channels, keepalive and cancel, every malformed CTAP2
 * request and U2F APDU. Uses the I/O functions directly (no libfido2).
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "check_softkey.h"
#include "softkey.h"

#define REPORT 64
#define INIT_DATA 57
#define CONT_DATA 59
#define CID_BROADCAST 0xffffffffu
#define RP "pam://softkey-test"

#define HID_PING 0x01
#define HID_MSG 0x03
#define HID_LOCK 0x04
#define HID_INIT 0x06
#define HID_WINK 0x08
#define HID_CBOR 0x10
#define HID_CANCEL 0x11
#define HID_KEEPALIVE 0x3b
#define HID_ERROR 0x3f

/* ---- frames ---- */

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void send_frame(void *h, const unsigned char f[REPORT])
{
	unsigned char rep[REPORT + 1] = { 0 };

	memcpy(rep + 1, f, REPORT);
	ck_assert_int_eq(sk_io_write(h, rep, sizeof(rep)), (int)sizeof(rep));
}

static void send_msg(void *h, uint32_t cid, uint8_t cmd, const unsigned char *d,
    size_t len)
{
	unsigned char f[REPORT];
	size_t off, n;

	memset(f, 0, sizeof(f));
	put_be32(f, cid);
	f[4] = 0x80 | cmd;
	f[5] = (unsigned char)(len >> 8);
	f[6] = (unsigned char)len;
	off = n = len < INIT_DATA ? len : INIT_DATA;
	if (n > 0)
		memcpy(f + 7, d, n);
	send_frame(h, f);
	for (uint8_t seq = 0; off < len; seq++, off += n) {
		memset(f, 0, sizeof(f));
		put_be32(f, cid);
		f[4] = seq;
		n = len - off < CONT_DATA ? len - off : CONT_DATA;
		memcpy(f + 5, d + off, n);
		send_frame(h, f);
	}
}

/* One message on cid: its payload length, or -1 if nothing came in ms. */
static int recv_msg(void *h, uint32_t cid, uint8_t *cmd, unsigned char *buf,
    size_t cap, int ms)
{
	unsigned char f[REPORT];
	size_t len, have, n;

	if (sk_io_read(h, f, sizeof(f), ms) != REPORT)
		return -1;
	ck_assert_uint_eq(get_be32(f), cid);
	ck_assert(f[4] & 0x80);
	*cmd = f[4] & 0x7f;
	len = (size_t)f[5] << 8 | f[6];
	ck_assert_uint_le(len, cap);
	have = len < INIT_DATA ? len : INIT_DATA;
	memcpy(buf, f + 7, have);
	for (uint8_t seq = 0; have < len; seq++) {
		ck_assert_int_eq(sk_io_read(h, f, sizeof(f), 1000), REPORT);
		ck_assert_uint_eq(get_be32(f), cid);
		ck_assert_uint_eq(f[4], seq);
		n = len - have < CONT_DATA ? len - have : CONT_DATA;
		memcpy(buf + have, f + 5, n);
		have += n;
	}
	return (int)len;
}

static void expect_error(void *h, uint32_t cid, uint8_t code)
{
	unsigned char buf[8];
	uint8_t cmd = 0;

	ck_assert_int_eq(recv_msg(h, cid, &cmd, buf, sizeof(buf), 1000), 1);
	ck_assert_uint_eq(cmd, HID_ERROR);
	ck_assert_uint_eq(buf[0], code);
}

/* Nothing but keepalives for 20 ms. */
static void expect_silence(void *h)
{
	unsigned char f[REPORT];

	while (sk_io_read(h, f, sizeof(f), 20) == REPORT)
		ck_assert_uint_eq(f[4], 0x80 | HID_KEEPALIVE);
}

/* INIT on the broadcast channel: a new channel id; *caps the capabilities. */
static uint32_t hid_init(void *h, uint8_t *caps)
{
	static const unsigned char nonce[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	unsigned char buf[64];
	uint8_t cmd = 0;
	uint32_t cid;

	send_msg(h, CID_BROADCAST, HID_INIT, nonce, sizeof(nonce));
	ck_assert_int_eq(recv_msg(h, CID_BROADCAST, &cmd, buf, sizeof(buf), 1000), 17);
	ck_assert_uint_eq(cmd, HID_INIT);
	ck_assert_mem_eq(buf, nonce, sizeof(nonce));
	cid = get_be32(buf + 8);
	ck_assert(cid != 0 && cid != CID_BROADCAST);
	ck_assert_uint_eq(buf[12], 2);  /* CTAPHID protocol version */
	*caps = buf[16];
	return cid;
}

struct raw {
	char *path;
	void *h;
	uint32_t cid;
	uint8_t caps;
};

static void raw_open(struct raw *r, const char *profile, const char *pin)
{
	r->path = test_new_device(profile, pin);
	ck_assert_ptr_nonnull(r->h = sk_io_open(r->path));
	r->cid = hid_init(r->h, &r->caps);
}

static void raw_close(struct raw *r)
{
	sk_io_close(r->h);
	free(r->path);
}

/* ---- CBOR request builders ---- */

static cbor_item_t *text(const char *s)
{
	return cbor_build_string(s);
}

static cbor_item_t *num(uint8_t v)
{
	return cbor_build_uint8(v);
}

static cbor_item_t *neg(int v)
{
	return cbor_build_negint16((uint16_t)(-1 - v));
}

static cbor_item_t *bytes(size_t n, uint8_t fill)
{
	unsigned char b[512];

	ck_assert_uint_le(n, sizeof(b));
	memset(b, fill, n);
	return cbor_build_bytestring(b, n);
}

/* A map of n key/value pairs; a pair whose value is NULL is left out. */
static cbor_item_t *pairs(size_t n, ...)
{
	cbor_item_t *m = cbor_new_definite_map(n), *k, *v;
	va_list ap;

	ck_assert_ptr_nonnull(m);
	va_start(ap, n);
	for (size_t i = 0; i < n; i++) {
		k = va_arg(ap, cbor_item_t *);
		v = va_arg(ap, cbor_item_t *);
		if (v == NULL) {
			cbor_decref(&k);
			continue;
		}
		ck_assert(sk_map_put(m, k, v));
	}
	va_end(ap);
	return m;
}

/* {name: value} */
static cbor_item_t *field(const char *name, cbor_item_t *value)
{
	return pairs(1, text(name), value);
}

/* An options map with one boolean. */
static cbor_item_t *option(const char *name, bool value)
{
	return field(name, cbor_build_bool(value));
}

static cbor_item_t *array_of(size_t n, ...)
{
	cbor_item_t *a = cbor_new_definite_array(n), *v;
	va_list ap;

	ck_assert_ptr_nonnull(a);
	va_start(ap, n);
	for (size_t i = 0; i < n; i++) {
		v = va_arg(ap, cbor_item_t *);
		ck_assert(cbor_array_push(a, v));
		cbor_decref(&v);
	}
	va_end(ap);
	return a;
}

/* Send cmd || bytes; the status byte, and the CBOR after it in *reply. */
static uint8_t ctap2_raw(struct raw *r, const unsigned char *req, size_t len,
    cbor_item_t **reply)
{
	unsigned char buf[4096];
	struct cbor_load_result res;
	uint8_t cmd = 0;
	int n;

	send_msg(r->h, r->cid, HID_CBOR, req, len);
	do {
		n = recv_msg(r->h, r->cid, &cmd, buf, sizeof(buf), 2000);
	} while (n >= 0 && cmd == HID_KEEPALIVE);
	ck_assert_int_ge(n, 1);
	ck_assert_uint_eq(cmd, HID_CBOR);
	if (reply != NULL) {
		*reply = n > 1 ? cbor_load(buf + 1, (size_t)n - 1, &res) : NULL;
		ck_assert(n == 1 || *reply != NULL);
	}
	return buf[0];
}

/* Send command cmd with params (consumed; NULL: none). */
static uint8_t ctap2(struct raw *r, uint8_t cmd, cbor_item_t *params, cbor_item_t **reply)
{
	unsigned char req[4096], *body = NULL;
	size_t len = 0, cap = 0;
	uint8_t st;

	req[0] = cmd;
	if (params != NULL) {
		len = cbor_serialize_alloc(params, &body, &cap);
		ck_assert_uint_gt(len, 0);
		ck_assert_uint_lt(len, sizeof(req));
		memcpy(req + 1, body, len);
		free(body);
		cbor_decref(&params);
	}
	st = ctap2_raw(r, req, len + 1, reply);
	return st;
}

/* ---- CTAPHID ---- */

START_TEST(open_refuses_bad_state)
{
	char *missing = test_path("hid-missing.key");

	ck_assert_ptr_null(sk_io_open(missing));
	ck_assert_ptr_null(sk_io_open(NULL));
	free(missing);
}
END_TEST

START_TEST(report_shape)
{
	struct raw r;
	unsigned char rep[REPORT + 1] = { 0 }, f[REPORT];

	raw_open(&r, "yubikey5", NULL);
	ck_assert_int_eq(sk_io_write(r.h, rep, REPORT), -1);      /* no report ID */
	ck_assert_int_eq(sk_io_write(r.h, rep, REPORT + 2), -1);
	rep[0] = 1;
	ck_assert_int_eq(sk_io_write(r.h, rep, sizeof(rep)), -1); /* report ID 1 */
	ck_assert_int_eq(sk_io_write(r.h, NULL, sizeof(rep)), -1);
	ck_assert_int_eq(sk_io_read(r.h, f, REPORT - 1, 0), -1);  /* short buffer */
	ck_assert_int_eq(sk_io_write(NULL, rep, sizeof(rep)), -1);
	ck_assert_int_eq(sk_io_read(NULL, f, REPORT, 0), -1);
	expect_silence(r.h);
	raw_close(&r);
}
END_TEST

/* Capabilities say what each profile speaks. */
START_TEST(init_capabilities)
{
	static const struct { const char *profile; uint8_t caps; } want[] = {
		{ "yubikey5", 0x01 | 0x04 }, { "synced", 0x01 | 0x04 | 0x08 },
		{ "selfattested", 0x01 | 0x04 | 0x08 }, { "u2f", 0x01 },
	};
	struct raw r;

	raw_open(&r, want[_i].profile, NULL);
	ck_assert_uint_eq(r.caps, want[_i].caps);
	raw_close(&r);
}
END_TEST

START_TEST(init_errors)
{
	static const unsigned char nonce[8] = { 9, 9, 9, 9, 9, 9, 9, 9 };
	unsigned char buf[64];
	uint8_t cmd = 0;
	struct raw r;

	raw_open(&r, "yubikey5", NULL);
	send_msg(r.h, CID_BROADCAST, HID_INIT, nonce, 7);
	expect_error(r.h, CID_BROADCAST, 0x03);                   /* nonce is 8 bytes */
	send_msg(r.h, 0x12345678, HID_INIT, nonce, 8);
	expect_error(r.h, 0x12345678, 0x0b);                      /* unknown channel */
	/* INIT on an allocated channel resynchronises it and keeps its id. */
	send_msg(r.h, r.cid, HID_INIT, nonce, 8);
	ck_assert_int_eq(recv_msg(r.h, r.cid, &cmd, buf, sizeof(buf), 1000), 17);
	ck_assert_uint_eq(get_be32(buf + 8), r.cid);
	raw_close(&r);
}
END_TEST

START_TEST(channel_errors)
{
	static const unsigned char data[4] = { 1, 2, 3, 4 };
	struct raw r;

	raw_open(&r, "yubikey5", NULL);
	send_msg(r.h, 0, HID_PING, data, sizeof(data));
	expect_error(r.h, 0, 0x0b);
	send_msg(r.h, CID_BROADCAST, HID_PING, data, sizeof(data));
	expect_error(r.h, CID_BROADCAST, 0x0b);
	send_msg(r.h, r.cid + 1, HID_PING, data, sizeof(data));
	expect_error(r.h, r.cid + 1, 0x0b);
	raw_close(&r);
}
END_TEST

START_TEST(ping_echoes_long_messages)
{
	unsigned char data[1000], buf[1000];
	uint8_t cmd = 0;
	struct raw r;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7);
	raw_open(&r, "synced", NULL);
	send_msg(r.h, r.cid, HID_PING, data, sizeof(data));
	ck_assert_int_eq(recv_msg(r.h, r.cid, &cmd, buf, sizeof(buf), 1000), sizeof(data));
	ck_assert_uint_eq(cmd, HID_PING);
	ck_assert_mem_eq(buf, data, sizeof(data));
	send_msg(r.h, r.cid, HID_PING, NULL, 0);
	ck_assert_int_eq(recv_msg(r.h, r.cid, &cmd, buf, sizeof(buf), 1000), 0);
	raw_close(&r);
}
END_TEST

START_TEST(sequence_errors)
{
	unsigned char f[REPORT];
	struct raw r;

	raw_open(&r, "yubikey5", NULL);
	/* A continuation with no message started: ignored. */
	memset(f, 0, sizeof(f));
	put_be32(f, r.cid);
	f[4] = 0;
	send_frame(r.h, f);
	expect_silence(r.h);
	/* Start 100 bytes, then continuation 1 instead of 0. */
	memset(f, 0, sizeof(f));
	put_be32(f, r.cid);
	f[4] = 0x80 | HID_PING;
	f[6] = 100;
	send_frame(r.h, f);
	f[4] = 1;
	send_frame(r.h, f);
	expect_error(r.h, r.cid, 0x04);
	/* Start, then a new start on the same channel. */
	f[4] = 0x80 | HID_PING;
	send_frame(r.h, f);
	send_frame(r.h, f);
	expect_error(r.h, r.cid, 0x04);
	/* Too long a message. */
	f[5] = 0xff;
	f[6] = 0xff;
	send_frame(r.h, f);
	expect_error(r.h, r.cid, 0x03);
	raw_close(&r);
}
END_TEST

/* While one channel sends a long message, another channel is busy. */
START_TEST(other_channel_busy)
{
	static const unsigned char data[4] = { 1, 2, 3, 4 };
	unsigned char f[REPORT];
	uint8_t caps;
	uint32_t cid2;
	struct raw r;

	raw_open(&r, "yubikey5", NULL);
	cid2 = hid_init(r.h, &caps);
	ck_assert_uint_ne(cid2, r.cid);
	memset(f, 0, sizeof(f));
	put_be32(f, r.cid);
	f[4] = 0x80 | HID_PING;
	f[6] = 100;
	send_frame(r.h, f);
	send_msg(r.h, cid2, HID_PING, data, sizeof(data));
	expect_error(r.h, cid2, 0x06);
	raw_close(&r);
}
END_TEST

START_TEST(commands_by_profile)
{
	static const unsigned char get_info[1] = { 0x04 };
	static const unsigned char version[7] = { 0, 0x03, 0, 0, 0, 0, 0 };
	unsigned char buf[64];
	uint8_t cmd = 0;
	struct raw r;

	raw_open(&r, "u2f", NULL);
	send_msg(r.h, r.cid, HID_CBOR, get_info, sizeof(get_info));
	expect_error(r.h, r.cid, 0x01);                  /* no CBOR on a U2F key */
	raw_close(&r);
	raw_open(&r, "synced", NULL);
	send_msg(r.h, r.cid, HID_MSG, version, sizeof(version));
	expect_error(r.h, r.cid, 0x01);                  /* no U2F on a passkey */
	send_msg(r.h, r.cid, HID_LOCK, NULL, 0);
	expect_error(r.h, r.cid, 0x01);
	send_msg(r.h, r.cid, 0x33, NULL, 0);
	expect_error(r.h, r.cid, 0x01);
	send_msg(r.h, r.cid, HID_WINK, get_info, 1);
	expect_error(r.h, r.cid, 0x03);
	send_msg(r.h, r.cid, HID_WINK, NULL, 0);
	ck_assert_int_eq(recv_msg(r.h, r.cid, &cmd, buf, sizeof(buf), 1000), 0);
	ck_assert_uint_eq(cmd, HID_WINK);
	/* CANCEL with nothing pending is not answered. */
	send_msg(r.h, r.cid, HID_CANCEL, NULL, 0);
	expect_silence(r.h);
	raw_close(&r);
}
END_TEST

/* ---- CTAP2: messages that are not requests ---- */

START_TEST(ctap2_bad_messages)
{
	static const unsigned char unknown[1] = { 0x55 }, reset[1] = { 0x07 };
	static const unsigned char info_args[2] = { 0x04, 0xa0 };
	static const unsigned char next[1] = { 0x08 };
	static const unsigned char mc_none[1] = { 0x01 };
	static const unsigned char bad_cbor[3] = { 0x01, 0xa1, 0xff };
	static const unsigned char trailing[3] = { 0x01, 0xa0, 0x00 };
	static const unsigned char array[2] = { 0x01, 0x80 };
	static const unsigned char text_key[5] = { 0x01, 0xa1, 0x61, 'x', 0x01 };
	static const unsigned char dup_key[6] = { 0x01, 0xa2, 0x01, 0x01, 0x01, 0x02 };
	unsigned char big[1300] = { 0x02 };
	struct raw r;

	raw_open(&r, "yubikey5", NULL);
	ck_assert_uint_eq(ctap2_raw(&r, unknown, 1, NULL), SK_CTAP1_ERR_INVALID_COMMAND);
	ck_assert_uint_eq(ctap2_raw(&r, reset, 1, NULL), SK_CTAP1_ERR_INVALID_COMMAND);
	ck_assert_uint_eq(ctap2_raw(&r, NULL, 0, NULL), SK_CTAP1_ERR_INVALID_LENGTH);
	ck_assert_uint_eq(ctap2_raw(&r, info_args, 2, NULL), SK_CTAP1_ERR_INVALID_LENGTH);
	ck_assert_uint_eq(ctap2_raw(&r, next, 1, NULL), SK_CTAP2_ERR_NOT_ALLOWED);
	ck_assert_uint_eq(ctap2_raw(&r, mc_none, 1, NULL), SK_CTAP2_ERR_MISSING_PARAMETER);
	ck_assert_uint_eq(ctap2_raw(&r, bad_cbor, 3, NULL), SK_CTAP2_ERR_INVALID_CBOR);
	ck_assert_uint_eq(ctap2_raw(&r, trailing, 3, NULL), SK_CTAP2_ERR_INVALID_CBOR);
	ck_assert_uint_eq(ctap2_raw(&r, array, 2, NULL), SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE);
	ck_assert_uint_eq(ctap2_raw(&r, text_key, 5, NULL), SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE);
	ck_assert_uint_eq(ctap2_raw(&r, dup_key, 6, NULL), SK_CTAP2_ERR_INVALID_CBOR);
	ck_assert_uint_eq(ctap2_raw(&r, big, sizeof(big), NULL), SK_CTAP2_ERR_REQUEST_TOO_LARGE);
	raw_close(&r);
}
END_TEST

/* ---- CTAP2: makeCredential ---- */

struct mc {
	cbor_item_t *cdh, *rp, *user, *algs, *excl, *opts, *pin_auth, *pin_proto;
};

static void replace(cbor_item_t **slot, cbor_item_t *v)
{
	if (*slot != NULL)
		cbor_decref(slot);
	*slot = v;
}

static cbor_item_t *es256_param(void)
{
	return pairs(2, text("alg"), neg(-7), text("type"), text("public-key"));
}

static void mc_good(struct mc *m)
{
	memset(m, 0, sizeof(*m));
	m->cdh = bytes(32, 1);
	m->rp = field("id", text(RP));
	m->user = pairs(2, text("id"), bytes(4, 2), text("name"), text("user"));
	m->algs = array_of(1, es256_param());
}

static cbor_item_t *mc_params(struct mc *m)
{
	return pairs(8, num(1), m->cdh, num(2), m->rp, num(3), m->user,
	    num(4), m->algs, num(5), m->excl, num(7), m->opts,
	    num(8), m->pin_auth, num(9), m->pin_proto);
}

static void mc_no_cdh(struct mc *m) { replace(&m->cdh, NULL); }
static void mc_short_cdh(struct mc *m) { replace(&m->cdh, bytes(31, 1)); }
static void mc_text_cdh(struct mc *m) { replace(&m->cdh, text("hash")); }
static void mc_no_rp(struct mc *m) { replace(&m->rp, NULL); }
static void mc_rp_no_id(struct mc *m) { replace(&m->rp, field("name", text("x"))); }
static void mc_rp_bytes_id(struct mc *m) { replace(&m->rp, field("id", bytes(3, 0))); }
static void mc_rp_int_name(struct mc *m)
{
	replace(&m->rp, pairs(2, text("id"), text(RP), text("name"), num(1)));
}
static void mc_rp_dup_id(struct mc *m)
{
	replace(&m->rp, pairs(2, text("id"), text(RP), text("id"), text("pam://other")));
}
static void mc_rp_not_map(struct mc *m) { replace(&m->rp, text(RP)); }
static void mc_no_user(struct mc *m) { replace(&m->user, NULL); }
static void mc_user_no_id(struct mc *m) { replace(&m->user, field("name", text("u"))); }
static void mc_user_long_id(struct mc *m) { replace(&m->user, field("id", bytes(65, 1))); }
static void mc_user_text_id(struct mc *m) { replace(&m->user, field("id", text("u"))); }
static void mc_no_algs(struct mc *m) { replace(&m->algs, NULL); }
static void mc_algs_rs256(struct mc *m)
{
	replace(&m->algs, array_of(1, pairs(2, text("alg"), neg(-257), text("type"),
	    text("public-key"))));
}
static void mc_algs_wrong_type(struct mc *m)
{
	replace(&m->algs, array_of(1, pairs(2, text("alg"), neg(-7), text("type"),
	    text("secret-key"))));
}
static void mc_algs_no_type(struct mc *m)
{
	replace(&m->algs, array_of(1, field("alg", neg(-7))));
}
static void mc_algs_map(struct mc *m) { replace(&m->algs, es256_param()); }
static void mc_excl_map(struct mc *m) { replace(&m->excl, field("id", bytes(8, 0))); }
static void mc_excl_no_id(struct mc *m)
{
	replace(&m->excl, array_of(1, field("type", text("public-key"))));
}
static void mc_excl_text_id(struct mc *m)
{
	replace(&m->excl, array_of(1, pairs(2, text("id"), text("x"), text("type"),
	    text("public-key"))));
}
static void mc_opt_up(struct mc *m) { replace(&m->opts, option("up", true)); }
static void mc_opt_rk(struct mc *m) { replace(&m->opts, option("rk", true)); }
static void mc_opt_uv(struct mc *m) { replace(&m->opts, option("uv", true)); }
static void mc_opt_text(struct mc *m) { replace(&m->opts, field("uv", text("yes"))); }
static void mc_opt_not_map(struct mc *m) { replace(&m->opts, array_of(0)); }
static void mc_pin_no_proto(struct mc *m) { replace(&m->pin_auth, bytes(16, 0)); }
static void mc_pin_proto2(struct mc *m)
{
	replace(&m->pin_auth, bytes(16, 0));
	replace(&m->pin_proto, num(2));
}
static void mc_pin_not_set(struct mc *m)
{
	replace(&m->pin_auth, bytes(16, 0));
	replace(&m->pin_proto, num(1));
}
static void mc_pin_text(struct mc *m) { replace(&m->pin_auth, text("x")); }
static void mc_unused_opt(struct mc *m) { replace(&m->opts, option("other", true)); }
static void mc_same(struct mc *m) { (void)m; }

static const struct {
	const char *why;
	void (*tweak)(struct mc *);
	uint8_t status;
} mc_cases[] = {
	{ "good", mc_same, SK_CTAP2_OK },
	{ "unknown option ignored", mc_unused_opt, SK_CTAP2_OK },
	{ "no clientDataHash", mc_no_cdh, SK_CTAP2_ERR_MISSING_PARAMETER },
	{ "short clientDataHash", mc_short_cdh, SK_CTAP1_ERR_INVALID_LENGTH },
	{ "text clientDataHash", mc_text_cdh, SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE },
	{ "no rp", mc_no_rp, SK_CTAP2_ERR_MISSING_PARAMETER },
	{ "rp without id", mc_rp_no_id, SK_CTAP2_ERR_MISSING_PARAMETER },
	{ "rp id in bytes", mc_rp_bytes_id, SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE },
	{ "rp name a number", mc_rp_int_name, SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE },
	{ "rp id twice", mc_rp_dup_id, SK_CTAP2_ERR_INVALID_CBOR },
	{ "rp not a map", mc_rp_not_map, SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE },
	{ "no user", mc_no_user, SK_CTAP2_ERR_MISSING_PARAMETER },
	{ "user without id", mc_user_no_id, SK_CTAP2_ERR_MISSING_PARAMETER },
	{ "user id too long", mc_user_long_id, SK_CTAP1_ERR_INVALID_LENGTH },
	{ "user id text", mc_user_text_id, SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE },
	{ "no algorithms", mc_no_algs, SK_CTAP2_ERR_MISSING_PARAMETER },
	{ "only RS256", mc_algs_rs256, SK_CTAP2_ERR_UNSUPPORTED_ALGORITHM },
	{ "unknown credential type", mc_algs_wrong_type, SK_CTAP2_ERR_UNSUPPORTED_ALGORITHM },
	{ "algorithm without type", mc_algs_no_type, SK_CTAP2_ERR_MISSING_PARAMETER },
	{ "algorithms not a list", mc_algs_map, SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE },
	{ "excludeList not a list", mc_excl_map, SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE },
	{ "exclude descriptor without id", mc_excl_no_id, SK_CTAP2_ERR_MISSING_PARAMETER },
	{ "exclude id text", mc_excl_text_id, SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE },
	{ "up option", mc_opt_up, SK_CTAP2_ERR_INVALID_OPTION },
	{ "resident key", mc_opt_rk, SK_CTAP2_ERR_UNSUPPORTED_OPTION },
	{ "uv without a PIN", mc_opt_uv, SK_CTAP2_ERR_UNSUPPORTED_OPTION },
	{ "option not a boolean", mc_opt_text, SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE },
	{ "options not a map", mc_opt_not_map, SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE },
	{ "pinAuth without protocol", mc_pin_no_proto, SK_CTAP2_ERR_MISSING_PARAMETER },
	{ "pin protocol 2", mc_pin_proto2, SK_CTAP2_ERR_PIN_AUTH_INVALID },
	{ "pinAuth but no PIN set", mc_pin_not_set, SK_CTAP2_ERR_PIN_NOT_SET },
	{ "pinAuth text", mc_pin_text, SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE },
};

START_TEST(make_credential_requests)
{
	struct raw r;
	struct mc m;
	uint8_t st;

	raw_open(&r, "yubikey5", NULL);
	mc_good(&m);
	mc_cases[_i].tweak(&m);
	st = ctap2(&r, 0x01, mc_params(&m), NULL);
	ck_assert_msg(st == mc_cases[_i].status, "%s: status 0x%02x, want 0x%02x",
	    mc_cases[_i].why, st, mc_cases[_i].status);
	raw_close(&r);
}
END_TEST

/* With a PIN set: pinAuth required, and a wrong one refused. */
START_TEST(make_credential_pin_rules)
{
	struct raw r;
	struct mc m;

	raw_open(&r, "synced", "1234");
	mc_good(&m);
	ck_assert_uint_eq(ctap2(&r, 0x01, mc_params(&m), NULL), SK_CTAP2_ERR_PIN_REQUIRED);
	mc_good(&m);
	mc_pin_not_set(&m);
	ck_assert_uint_eq(ctap2(&r, 0x01, mc_params(&m), NULL), SK_CTAP2_ERR_PIN_AUTH_INVALID);
	mc_good(&m);
	mc_pin_not_set(&m);
	replace(&m.pin_auth, bytes(15, 0));
	ck_assert_uint_eq(ctap2(&r, 0x01, mc_params(&m), NULL), SK_CTAP2_ERR_PIN_AUTH_INVALID);
	/* An empty pinAuth asks for a touch, then says a PIN is set. */
	mc_good(&m);
	replace(&m.pin_auth, bytes(0, 0));
	ck_assert_uint_eq(ctap2(&r, 0x01, mc_params(&m), NULL), SK_CTAP2_ERR_PIN_INVALID);
	raw_close(&r);
}
END_TEST

/* ---- CTAP2: getAssertion ---- */

struct ga {
	cbor_item_t *rp_id, *cdh, *allow, *ext, *opts, *pin_auth, *pin_proto;
	const unsigned char *id;   /* the device's credential */
	size_t id_len;
};

static void ga_good(struct ga *g, const unsigned char *id, size_t id_len)
{
	memset(g, 0, sizeof(*g));
	g->id = id;
	g->id_len = id_len;
	g->rp_id = text(RP);
	g->cdh = bytes(32, 3);
	g->allow = array_of(1, pairs(2, text("id"), cbor_build_bytestring(id, id_len),
	    text("type"), text("public-key")));
}

static cbor_item_t *ga_params(struct ga *g)
{
	return pairs(7, num(1), g->rp_id, num(2), g->cdh, num(3), g->allow,
	    num(4), g->ext, num(5), g->opts, num(6), g->pin_auth, num(7), g->pin_proto);
}

static void ga_no_rp(struct ga *g) { replace(&g->rp_id, NULL); }
static void ga_rp_bytes(struct ga *g) { replace(&g->rp_id, bytes(4, 0)); }
static void ga_other_rp(struct ga *g) { replace(&g->rp_id, text("pam://other")); }
static void ga_no_cdh(struct ga *g) { replace(&g->cdh, NULL); }
static void ga_long_cdh(struct ga *g) { replace(&g->cdh, bytes(33, 0)); }
static void ga_no_allow(struct ga *g) { replace(&g->allow, NULL); }
static void ga_allow_map(struct ga *g) { replace(&g->allow, pairs(0)); }
static void ga_allow_garbage(struct ga *g)
{
	replace(&g->allow, array_of(1, pairs(2, text("id"), bytes(64, 7), text("type"),
	    text("public-key"))));
}
/* The device's own id, as a type it does not know: skipped. */
static void ga_allow_other_type(struct ga *g)
{
	replace(&g->allow, array_of(1, pairs(2, text("id"),
	    cbor_build_bytestring(g->id, g->id_len), text("type"), text("other"))));
}
static void ga_allow_text_id(struct ga *g)
{
	replace(&g->allow, array_of(1, pairs(2, text("id"), text("x"), text("type"),
	    text("public-key"))));
}
static void ga_allow_too_many(struct ga *g)
{
	cbor_item_t *a = cbor_new_definite_array(65), *d;

	for (int i = 0; i < 65; i++) {
		/* short entries, or the request would pass maxMsgSize first */
		d = pairs(2, text("id"), bytes(1, (uint8_t)i), text("type"), text("x"));
		ck_assert(cbor_array_push(a, d));
		cbor_decref(&d);
	}
	replace(&g->allow, a);
}
static void ga_ext_int(struct ga *g) { replace(&g->ext, num(1)); }
static void ga_opt_rk(struct ga *g) { replace(&g->opts, option("rk", true)); }
static void ga_opt_up_int(struct ga *g) { replace(&g->opts, field("up", num(1))); }
static void ga_opt_uv(struct ga *g) { replace(&g->opts, option("uv", true)); }
static void ga_probe(struct ga *g) { replace(&g->opts, option("up", false)); }
static void ga_pin_no_proto(struct ga *g) { replace(&g->pin_auth, bytes(16, 0)); }
static void ga_same(struct ga *g) { (void)g; }

static const struct {
	const char *why;
	void (*tweak)(struct ga *);
	uint8_t status;
} ga_cases[] = {
	{ "good", ga_same, SK_CTAP2_OK },
	{ "probe", ga_probe, SK_CTAP2_OK },
	{ "no rpId", ga_no_rp, SK_CTAP2_ERR_MISSING_PARAMETER },
	{ "rpId bytes", ga_rp_bytes, SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE },
	{ "other rpId", ga_other_rp, SK_CTAP2_ERR_NO_CREDENTIALS },
	{ "no clientDataHash", ga_no_cdh, SK_CTAP2_ERR_MISSING_PARAMETER },
	{ "long clientDataHash", ga_long_cdh, SK_CTAP1_ERR_INVALID_LENGTH },
	{ "no allowList", ga_no_allow, SK_CTAP2_ERR_NO_CREDENTIALS },
	{ "allowList a map", ga_allow_map, SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE },
	{ "unknown id", ga_allow_garbage, SK_CTAP2_ERR_NO_CREDENTIALS },
	{ "unknown credential type", ga_allow_other_type, SK_CTAP2_ERR_NO_CREDENTIALS },
	{ "id text", ga_allow_text_id, SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE },
	{ "65 descriptors", ga_allow_too_many, SK_CTAP2_ERR_LIMIT_EXCEEDED },
	{ "extensions a number", ga_ext_int, SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE },
	{ "rk option", ga_opt_rk, SK_CTAP2_ERR_UNSUPPORTED_OPTION },
	{ "up a number", ga_opt_up_int, SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE },
	{ "uv without a PIN", ga_opt_uv, SK_CTAP2_ERR_UNSUPPORTED_OPTION },
	{ "pinAuth without protocol", ga_pin_no_proto, SK_CTAP2_ERR_MISSING_PARAMETER },
};

/* A credential id from a good makeCredential. */
static size_t make_id(struct raw *r, unsigned char *id, size_t cap)
{
	cbor_item_t *reply = NULL;
	const cbor_item_t *ad;
	struct mc m;
	size_t len;

	mc_good(&m);
	ck_assert_uint_eq(ctap2(r, 0x01, mc_params(&m), &reply), SK_CTAP2_OK);
	ck_assert_ptr_nonnull(ad = sk_cbor_param(reply, 2));
	/* authData: rpIdHash 32, flags 1, count 4, aaguid 16, L 2, id L */
	len = (size_t)cbor_bytestring_handle(ad)[53] << 8 | cbor_bytestring_handle(ad)[54];
	ck_assert_uint_le(len, cap);
	memcpy(id, cbor_bytestring_handle(ad) + 55, len);
	cbor_decref(&reply);
	return len;
}

START_TEST(get_assertion_requests)
{
	unsigned char id[256];
	struct raw r;
	struct ga g;
	size_t id_len;
	uint8_t st;

	raw_open(&r, "yubikey5", NULL);
	id_len = make_id(&r, id, sizeof(id));
	ga_good(&g, id, id_len);
	ga_cases[_i].tweak(&g);
	st = ctap2(&r, 0x02, ga_params(&g), NULL);
	ck_assert_msg(st == ga_cases[_i].status, "%s: status 0x%02x, want 0x%02x",
	    ga_cases[_i].why, st, ga_cases[_i].status);
	raw_close(&r);
}
END_TEST

/* ---- CTAP2: clientPIN ---- */

static uint8_t client_pin(struct raw *r, cbor_item_t *proto, cbor_item_t *sub,
    cbor_item_t *ka, cbor_item_t *auth, cbor_item_t *new_enc, cbor_item_t *hash_enc,
    cbor_item_t **reply)
{
	return ctap2(r, 0x06, pairs(6, num(1), proto, num(2), sub, num(3), ka,
	    num(4), auth, num(5), new_enc, num(6), hash_enc), reply);
}

/* The platform half of PIN protocol 1: our COSE key and the shared secret. */
static cbor_item_t *platform_key(struct raw *r, unsigned char secret[SK_HASH_LEN])
{
	cbor_item_t *reply = NULL;
	EVP_PKEY *dev = NULL, *mine = NULL;
	unsigned char point[SK_EC_POINT_LEN];
	cbor_item_t *cose;

	ck_assert_uint_eq(client_pin(r, num(1), num(2), NULL, NULL, NULL, NULL, &reply),
	    SK_CTAP2_OK);
	ck_assert_uint_eq(sk_cose_p256_parse(sk_cbor_param(reply, 1), &dev), SK_CTAP2_OK);
	ck_assert_int_eq(sk_ec_generate(&mine), SK_OK);
	ck_assert_int_eq(sk_ecdh_secret(mine, dev, secret), SK_OK);
	ck_assert_int_eq(sk_ec_public_point(mine, point), SK_OK);
	ck_assert_ptr_nonnull(cose = sk_cose_p256(point, -25));
	EVP_PKEY_free(dev);
	EVP_PKEY_free(mine);
	cbor_decref(&reply);
	return cose;
}

/* setPIN with newPinEnc = AES(secret, padded) of enc_len bytes; a status. */
static uint8_t set_pin_raw(struct raw *r, const char *padded, size_t enc_len,
    bool good_auth)
{
	unsigned char secret[SK_HASH_LEN], plain[128] = { 0 }, enc[128], mac[SK_HASH_LEN];
	cbor_item_t *ka = platform_key(r, secret);

	memcpy(plain, padded, strlen(padded));
	ck_assert_int_eq(sk_aes_cbc(true, secret, plain, enc_len, enc), SK_OK);
	ck_assert_int_eq(sk_hmac_sha256(secret, sizeof(secret),
	    &(struct sk_iov){ enc, enc_len }, 1, mac), SK_OK);
	mac[0] ^= good_auth ? 0 : 1;
	return client_pin(r, num(1), num(3), ka, cbor_build_bytestring(mac, 16),
	    cbor_build_bytestring(enc, enc_len), NULL, NULL);
}

START_TEST(client_pin_requests)
{
	unsigned char secret[SK_HASH_LEN];
	cbor_item_t *bad_point;
	unsigned char zero[SK_EC_POINT_LEN] = { 0x04 };
	struct raw r;

	raw_open(&r, "yubikey5", NULL);
	ck_assert_uint_eq(client_pin(&r, NULL, num(1), NULL, NULL, NULL, NULL, NULL),
	    SK_CTAP2_ERR_MISSING_PARAMETER);
	ck_assert_uint_eq(client_pin(&r, num(1), NULL, NULL, NULL, NULL, NULL, NULL),
	    SK_CTAP2_ERR_MISSING_PARAMETER);
	ck_assert_uint_eq(client_pin(&r, num(2), num(1), NULL, NULL, NULL, NULL, NULL),
	    SK_CTAP1_ERR_INVALID_PARAMETER);
	ck_assert_uint_eq(client_pin(&r, text("1"), num(1), NULL, NULL, NULL, NULL, NULL),
	    SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE);
	ck_assert_uint_eq(client_pin(&r, num(1), num(9), NULL, NULL, NULL, NULL, NULL),
	    SK_CTAP1_ERR_INVALID_PARAMETER);
	ck_assert_uint_eq(client_pin(&r, num(1), num(5), NULL, NULL, NULL, bytes(16, 0),
	    NULL), SK_CTAP2_ERR_MISSING_PARAMETER);            /* no keyAgreement */
	ck_assert_uint_eq(client_pin(&r, num(1), num(5), platform_key(&r, secret), NULL,
	    NULL, NULL, NULL), SK_CTAP2_ERR_MISSING_PARAMETER); /* no pinHashEnc */
	ck_assert_uint_eq(client_pin(&r, num(1), num(5), platform_key(&r, secret), NULL,
	    NULL, bytes(16, 0), NULL), SK_CTAP2_ERR_PIN_NOT_SET);
	ck_assert_uint_eq(client_pin(&r, num(1), num(4), platform_key(&r, secret),
	    bytes(16, 0), bytes(64, 0), bytes(16, 0), NULL), SK_CTAP2_ERR_PIN_NOT_SET);
	ck_assert_uint_eq(client_pin(&r, num(1), num(3), platform_key(&r, secret),
	    bytes(16, 0), NULL, NULL, NULL), SK_CTAP2_ERR_MISSING_PARAMETER);
	/* A key agreement point that is not on the curve. */
	zero[1] = 1;
	bad_point = sk_cose_p256(zero, -25);
	ck_assert_uint_eq(client_pin(&r, num(1), num(3), bad_point, bytes(16, 0),
	    bytes(64, 0), NULL, NULL), SK_CTAP1_ERR_INVALID_PARAMETER);
	ck_assert_uint_eq(client_pin(&r, num(1), num(3), pairs(1, num(1), num(2)),
	    bytes(16, 0), bytes(64, 0), NULL, NULL), SK_CTAP2_ERR_MISSING_PARAMETER);
	raw_close(&r);
}
END_TEST

START_TEST(set_pin_policy)
{
	char long_pin[65];
	struct raw r;

	memset(long_pin, 'x', 64);
	long_pin[64] = '\0';
	raw_open(&r, "selfattested", NULL);
	ck_assert_uint_eq(set_pin_raw(&r, "12", 64, true), SK_CTAP2_ERR_PIN_POLICY_VIOLATION);
	ck_assert_uint_eq(set_pin_raw(&r, long_pin, 64, true), SK_CTAP2_ERR_PIN_POLICY_VIOLATION);
	ck_assert_uint_eq(set_pin_raw(&r, "123456", 48, true), SK_CTAP2_ERR_PIN_POLICY_VIOLATION);
	ck_assert_uint_eq(set_pin_raw(&r, "123456", 64, false), SK_CTAP2_ERR_PIN_AUTH_INVALID);
	ck_assert_uint_eq(test_retries(r.path), 8);
	ck_assert_uint_eq(set_pin_raw(&r, "123456", 64, true), SK_CTAP2_OK);
	ck_assert_uint_eq(set_pin_raw(&r, "654321", 64, true), SK_CTAP2_ERR_PIN_AUTH_INVALID);
	raw_close(&r);
}
END_TEST

/* A malformed pinHashEnc is not a guess: it costs no retry. */
START_TEST(pin_hash_length)
{
	unsigned char secret[SK_HASH_LEN];
	cbor_item_t *reply = NULL;
	struct raw r;

	raw_open(&r, "yubikey5", "1234");
	ck_assert_uint_eq(client_pin(&r, num(1), num(5), platform_key(&r, secret), NULL,
	    NULL, bytes(15, 0), NULL), SK_CTAP1_ERR_INVALID_LENGTH);
	ck_assert_uint_eq(client_pin(&r, num(1), num(5), platform_key(&r, secret), NULL,
	    NULL, text("x"), NULL), SK_CTAP2_ERR_CBOR_UNEXPECTED_TYPE);
	ck_assert_uint_eq(test_retries(r.path), 8);
	ck_assert_uint_eq(client_pin(&r, num(1), num(1), NULL, NULL, NULL, NULL, &reply),
	    SK_CTAP2_OK);
	ck_assert_uint_eq(cbor_get_int(sk_cbor_param(reply, 3)), 8);
	cbor_decref(&reply);
	raw_close(&r);
}
END_TEST

/* ---- keepalive, cancel, resync ---- */

START_TEST(keepalive_then_cancel)
{
	unsigned char buf[64];
	uint8_t cmd = 0, caps;
	uint32_t cid2;
	struct raw r;
	struct mc m;
	unsigned char *body = NULL, req[512];
	size_t len, cap;
	cbor_item_t *p;

	raw_open(&r, "yubikey5", NULL);
	cid2 = hid_init(r.h, &caps);
	test_set_touch(r.path, false);
	mc_good(&m);
	p = mc_params(&m);
	len = cbor_serialize_alloc(p, &body, &cap);
	cbor_decref(&p);
	req[0] = 0x01;
	memcpy(req + 1, body, len);
	free(body);
	send_msg(r.h, r.cid, HID_CBOR, req, len + 1);
	ck_assert_int_eq(sk_io_read(r.h, buf, REPORT, 50), -1);  /* first after 100 ms */
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(recv_msg(r.h, r.cid, &cmd, buf, sizeof(buf), 300), 1);
		ck_assert_uint_eq(cmd, HID_KEEPALIVE);
		ck_assert_uint_eq(buf[0], 2);  /* UPNEEDED */
	}
	send_msg(r.h, cid2, HID_PING, buf, 1);
	expect_error(r.h, cid2, 0x06);     /* busy: waiting for the touch */
	send_msg(r.h, cid2, HID_CANCEL, NULL, 0);
	expect_silence(r.h);               /* not that channel's request */
	send_msg(r.h, r.cid, HID_CANCEL, NULL, 0);
	ck_assert_int_eq(recv_msg(r.h, r.cid, &cmd, buf, sizeof(buf), 300), 1);
	ck_assert_uint_eq(cmd, HID_CBOR);
	ck_assert_uint_eq(buf[0], SK_CTAP2_ERR_KEEPALIVE_CANCEL);
	/* A resync INIT also ends a wait, silently. */
	send_msg(r.h, r.cid, HID_CBOR, req, len + 1);
	send_msg(r.h, r.cid, HID_INIT, buf, 8);
	ck_assert_int_eq(recv_msg(r.h, r.cid, &cmd, buf, sizeof(buf), 300), 17);
	ck_assert_uint_eq(cmd, HID_INIT);
	ck_assert_int_eq(sk_io_read(r.h, buf, REPORT, 250), -1);
	raw_close(&r);
}
END_TEST

/* ---- U2F ---- */

static unsigned u2f(struct raw *r, const unsigned char *apdu, size_t len,
    unsigned char *resp, size_t *resp_len)
{
	unsigned char buf[2048];
	uint8_t cmd = 0;
	int n;

	send_msg(r->h, r->cid, HID_MSG, apdu, len);
	n = recv_msg(r->h, r->cid, &cmd, buf, sizeof(buf), 1000);
	ck_assert_int_ge(n, 2);
	ck_assert_uint_eq(cmd, HID_MSG);
	if (resp != NULL) {
		memcpy(resp, buf, (size_t)n - 2);
		*resp_len = (size_t)n - 2;
	}
	return (unsigned)buf[n - 2] << 8 | buf[n - 1];
}

/* CLA INS P1 P2 00 Lc Lc data 00 00 */
static size_t apdu(unsigned char *out, uint8_t ins, uint8_t p1, const unsigned char *d,
    size_t len)
{
	out[0] = 0;
	out[1] = ins;
	out[2] = p1;
	out[3] = 0;
	out[4] = 0;
	out[5] = (unsigned char)(len >> 8);
	out[6] = (unsigned char)len;
	memcpy(out + 7, d, len);
	out[7 + len] = 0;
	out[8 + len] = 0;
	return 9 + len;
}

START_TEST(u2f_bad_apdus)
{
	static const unsigned char version[4] = { 0, 0x03, 0, 0 };
	static const unsigned char bad_cla[4] = { 0x80, 0x03, 0, 0 };
	static const unsigned char bad_ins[4] = { 0, 0x44, 0, 0 };
	static const unsigned char short_apdu[3] = { 0, 0x03, 0 };
	static const unsigned char bad_lc[9] = { 0, 0x01, 0, 0, 0, 0, 64, 1, 2 };
	static const unsigned char short_lc[9] = { 0, 0x01, 0, 0, 1, 0, 2, 1, 2 };
	unsigned char a[600], data[300], resp[64];
	size_t rlen = 0;
	struct raw r;

	memset(data, 0x5a, sizeof(data));
	raw_open(&r, "u2f", NULL);
	ck_assert_uint_eq(u2f(&r, version, 4, resp, &rlen), 0x9000);
	ck_assert_uint_eq(rlen, 6);
	ck_assert_mem_eq(resp, "U2F_V2", 6);
	ck_assert_uint_eq(u2f(&r, bad_cla, 4, NULL, NULL), 0x6e00);
	ck_assert_uint_eq(u2f(&r, bad_ins, 4, NULL, NULL), 0x6d00);
	ck_assert_uint_eq(u2f(&r, short_apdu, 3, NULL, NULL), 0x6700);
	ck_assert_uint_eq(u2f(&r, bad_lc, 9, NULL, NULL), 0x6700);
	ck_assert_uint_eq(u2f(&r, short_lc, 9, NULL, NULL), 0x6700);
	ck_assert_uint_eq(u2f(&r, a, apdu(a, 0x03, 0, data, 1), NULL, NULL), 0x6700);
	ck_assert_uint_eq(u2f(&r, a, apdu(a, 0x01, 0, data, 63), NULL, NULL), 0x6700);
	ck_assert_uint_eq(u2f(&r, a, apdu(a, 0x02, 0x05, data, 66), NULL, NULL), 0x6a86);
	ck_assert_uint_eq(u2f(&r, a, apdu(a, 0x02, 0x03, data, 64), NULL, NULL), 0x6700);
	data[64] = 10;  /* key handle length 10, but 20 bytes follow */
	ck_assert_uint_eq(u2f(&r, a, apdu(a, 0x02, 0x03, data, 85), NULL, NULL), 0x6700);
	data[64] = 20;  /* consistent, but not one of ours */
	ck_assert_uint_eq(u2f(&r, a, apdu(a, 0x02, 0x03, data, 85), NULL, NULL), 0x6a80);
	ck_assert_uint_eq(u2f(&r, a, apdu(a, 0x02, 0x07, data, 85), NULL, NULL), 0x6a80);
	raw_close(&r);
}
END_TEST

START_TEST(u2f_control_bytes)
{
	unsigned char a[600], data[300], resp[2048];
	size_t rlen = 0, kh_len;
	struct raw r;
	long start;

	raw_open(&r, _i == 0 ? "u2f" : "yubikey5", NULL);
	memset(data, 0x11, 64);
	ck_assert_uint_eq(u2f(&r, a, apdu(a, 0x01, 0x03, data, 64), resp, &rlen), 0x9000);
	ck_assert_uint_eq(resp[0], 0x05);
	kh_len = resp[66];
	memcpy(data + 65, resp + 67, kh_len);
	data[64] = (unsigned char)kh_len;
	ck_assert_uint_eq(u2f(&r, a, apdu(a, 0x02, 0x07, data, 65 + kh_len), NULL, NULL),
	    0x6985);                                  /* check-only: it is ours */
	ck_assert_uint_eq(u2f(&r, a, apdu(a, 0x02, 0x08, data, 65 + kh_len), resp, &rlen),
	    0x9000);
	ck_assert_uint_eq(resp[0], 0x00);             /* signed without presence */
	ck_assert_uint_eq(get_be32(resp + 1), 1);
	ck_assert_uint_eq(u2f(&r, a, apdu(a, 0x02, 0x03, data, 65 + kh_len), resp, &rlen),
	    0x9000);
	ck_assert_uint_eq(resp[0], 0x01);
	ck_assert_uint_eq(get_be32(resp + 1), 2);
	test_set_touch(r.path, false);
	start = test_now_ms();
	ck_assert_uint_eq(u2f(&r, a, apdu(a, 0x02, 0x03, data, 65 + kh_len), NULL, NULL),
	    0x6985);                                  /* no touch yet */
	ck_assert_int_ge(test_now_ms() - start, 4);
	ck_assert_uint_eq(u2f(&r, a, apdu(a, 0x01, 0x03, data, 64), NULL, NULL), 0x6985);
	ck_assert_uint_eq(u2f(&r, a, apdu(a, 0x02, 0x08, data, 65 + kh_len), NULL, NULL),
	    0x9000);
	/* Another application's hash: not our key handle. */
	memset(data + 32, 0x22, 32);
	ck_assert_uint_eq(u2f(&r, a, apdu(a, 0x02, 0x07, data, 65 + kh_len), NULL, NULL),
	    0x6a80);
	ck_assert_uint_eq(test_counter(r.path), 3);
	raw_close(&r);
}
END_TEST

Suite *suite_hid(void)
{
	Suite *s = suite_create("hid");
	TCase *tc = tcase_create("frames");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, open_refuses_bad_state);
	tcase_add_test(tc, report_shape);
	tcase_add_loop_test(tc, init_capabilities, 0, 4);
	tcase_add_test(tc, init_errors);
	tcase_add_test(tc, channel_errors);
	tcase_add_test(tc, ping_echoes_long_messages);
	tcase_add_test(tc, sequence_errors);
	tcase_add_test(tc, other_channel_busy);
	tcase_add_test(tc, commands_by_profile);
	tcase_add_test(tc, ctap2_bad_messages);
	tcase_add_loop_test(tc, make_credential_requests, 0,
	    (int)(sizeof(mc_cases) / sizeof(mc_cases[0])));
	tcase_add_test(tc, make_credential_pin_rules);
	tcase_add_loop_test(tc, get_assertion_requests, 0,
	    (int)(sizeof(ga_cases) / sizeof(ga_cases[0])));
	tcase_add_test(tc, client_pin_requests);
	tcase_add_test(tc, set_pin_policy);
	tcase_add_test(tc, pin_hash_length);
	tcase_add_test(tc, keepalive_then_cancel);
	tcase_add_test(tc, u2f_bad_apdus);
	tcase_add_loop_test(tc, u2f_control_bytes, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
