/*
 * Unit tests of the web gate's control protocol (lib/webauthn/wa_control.c)
 * and its pending sign-ins (lib/webauthn/wa_pending.c): every refusal of
 * the parser, answers both ways, and the table's capacity, expiry, single
 * use and lookup.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "testlib.h"
#include "webauthn/wa_control.h"
#include "webauthn/wa_pending.h"

#define HEAD "practicerunner-pending 1\n"
#define CREATE HEAD "op=create\nuser=alice\nservice=openvpn\nrhost=192.0.2.7\nlifetime=60\n\n"
#define ID "00112233445566778899aabbccddeeff"

static int parse(const char *text, struct pr_wc_req *q)
{
	return pr_wc_req_parse(text, strlen(text), q, NULL);
}

START_TEST(create_parses_and_formats)
{
	struct pr_wc_req q, q2;
	char buf[PR_WC_REQ_MAX];

	ck_assert_int_eq(parse(CREATE, &q), PR_OK);
	ck_assert_int_eq(q.op, PR_WC_CREATE);
	ck_assert_str_eq(q.user, "alice");
	ck_assert_str_eq(q.service, "openvpn");
	ck_assert_str_eq(q.rhost, "192.0.2.7");
	ck_assert_int_eq(q.lifetime, 60);
	ck_assert_int_eq(pr_wc_req_format(&q, buf, sizeof(buf)), PR_OK);
	ck_assert_str_eq(buf, CREATE);
	ck_assert_int_eq(parse(HEAD "op=wait\npending=" ID "\n\n", &q2), PR_OK);
	ck_assert_int_eq(q2.op, PR_WC_WAIT);
	ck_assert_str_eq(q2.pending, ID);
	ck_assert_int_eq(pr_wc_req_format(&q2, buf, sizeof(buf)), PR_OK);
	ck_assert_str_eq(buf, HEAD "op=wait\npending=" ID "\n\n");
}
END_TEST

static const char *const bad_requests[] = {
	"",
	"practicerunner-pending 2\nop=wait\npending=" ID "\n\n",
	HEAD "op=wait\npending=" ID "\n",                              /* no empty line */
	HEAD "op=wait\npending=" ID "\n\nextra",                       /* after the end */
	HEAD "op=wait\n\n",                                            /* key missing */
	HEAD "op=wait\npending=" ID "\npending=" ID "\n\n",            /* twice */
	HEAD "op=wait\nop=wait\npending=" ID "\n\n",
	HEAD "op=wait\npending=" ID "\nuser=alice\n\n",                /* not for this op */
	HEAD "op=remove\npending=" ID "\n\n",
	HEAD "pending=" ID "\n\n",                                     /* no op */
	HEAD "op=wait\npending=00112233445566778899AABBCCDDEEFF\n\n",  /* upper case */
	HEAD "op=wait\npending=0011\n\n",
	HEAD "op=create\nuser=al ice\nservice=openvpn\nrhost=192.0.2.7\nlifetime=60\n\n",
	HEAD "op=create\nuser=-alice\nservice=openvpn\nrhost=192.0.2.7\nlifetime=60\n\n",
	HEAD "op=create\nuser=\nservice=openvpn\nrhost=192.0.2.7\nlifetime=60\n\n",
	HEAD "op=create\nuser=alice\nservice=openvpn\nrhost=host.example\nlifetime=60\n\n",
	HEAD "op=create\nuser=alice\nservice=openvpn\nrhost=192.0.2.7\nlifetime=0\n\n",
	HEAD "op=create\nuser=alice\nservice=openvpn\nrhost=192.0.2.7\nlifetime=3601\n\n",
	HEAD "op=create\nuser=alice\nservice=openvpn\nrhost=192.0.2.7\nlifetime=-5\n\n",
	HEAD "op=create\nuser=alice\nservice=openvpn\nrhost=192.0.2.7\nlifetime=60\nnoise\n\n",
	HEAD "op=create\nuser=alice\nservice=openvpn\nrhost=192.0.2.7\n\n",
	HEAD "op=create\nuser=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
	    "service=openvpn\nrhost=192.0.2.7\nlifetime=60\n\n",      /* 65 characters */
};

START_TEST(requests_refused)
{
	struct pr_wc_req q;
	struct pr_errbuf eb = { 0 };
	const char *t = bad_requests[_i];

	ck_assert_int_eq(pr_wc_req_parse(t, strlen(t), &q, &eb), PR_ERR_CORRUPT);
	ck_assert_str_eq(q.user, "");
}
END_TEST

START_TEST(request_with_nul_refused)
{
	struct pr_wc_req q;
	static const char t[] = HEAD "op=wait\npending=" ID "\0\n\n";

	ck_assert_int_eq(pr_wc_req_parse(t, sizeof(t) - 1, &q, NULL), PR_ERR_CORRUPT);
}
END_TEST

START_TEST(answers_round_trip)
{
	struct pr_wc_answer a = { .err = PR_OK }, b;
	char line[PR_WC_ANSWER_MAX];

	snprintf(a.pending, sizeof(a.pending), ID);
	snprintf(a.url, sizeof(a.url), "https://gate.clinic.example/p/" ID);
	ck_assert_int_eq(pr_wc_answer_format(&a, line, sizeof(line)), PR_OK);
	ck_assert_str_eq(line, "pending " ID " https://gate.clinic.example/p/" ID "\n");
	line[strlen(line) - 1] = '\0';
	ck_assert_int_eq(pr_wc_answer_parse(line, &b, NULL), PR_OK);
	ck_assert_str_eq(b.pending, ID);
	ck_assert_str_eq(b.url, a.url);

	memset(&a, 0, sizeof(a));
	snprintf(a.user, sizeof(a.user), "alice");
	snprintf(a.cls, sizeof(a.cls), "physical");
	a.aal = 3;
	ck_assert_int_eq(pr_wc_answer_format(&a, line, sizeof(line)), PR_OK);
	ck_assert_str_eq(line, "result ok user=alice aal=3 class=physical\n");
	line[strlen(line) - 1] = '\0';
	ck_assert_int_eq(pr_wc_answer_parse(line, &b, NULL), PR_OK);
	ck_assert_int_eq(b.err, PR_OK);
	ck_assert_str_eq(b.user, "alice");
	ck_assert_int_eq(b.aal, 3);

	memset(&a, 0, sizeof(a));
	a.err = PR_ERR_REPLAY;
	ck_assert_int_eq(pr_wc_answer_format(&a, line, sizeof(line)), PR_OK);
	ck_assert_str_eq(line, "result replay\n");
	ck_assert_int_eq(pr_wc_answer_parse("result expired", &b, NULL), PR_OK);
	ck_assert_int_eq(b.err, PR_ERR_EXPIRED);
	ck_assert_int_eq(pr_wc_answer_parse("result address-mismatch", &b, NULL), PR_OK);
	ck_assert_int_eq(b.err, PR_ERR_ADDRESS);
}
END_TEST

static const char *const bad_answers[] = {
	"", "result", "result ", "result no-such-reason", "result replay extra",
	"result ok", "result ok user=alice aal=4 class=physical",
	"result ok user=alice aal=3 class=physical extra",
	"pending " ID, "pending " ID " http://gate/p/x", "pending 0011 https://gate/p/0011",
	"pending " ID " https://gate/p/ x", "ok",
};

START_TEST(answers_refused)
{
	struct pr_wc_answer a;

	ck_assert_int_eq(pr_wc_answer_parse(bad_answers[_i], &a, NULL), PR_ERR_CORRUPT);
	ck_assert_int_ne(a.err, PR_OK);
}
END_TEST

/* ---- the pending table ---------------------------------------------------------------- */

START_TEST(pending_lifecycle)
{
	struct pr_wp_table t;
	struct pr_wp_entry *e, *f;

	ck_assert_int_eq(pr_wp_init(&t, 4), PR_OK);
	ck_assert_int_eq(pr_wp_add(&t, PR_WP_SIGNIN, "alice", "openvpn", "192.0.2.7", 1000, 60, &e),
	    PR_OK);
	ck_assert_uint_eq(strlen(e->hex), PR_WP_HEX);
	ck_assert_uint_eq(strspn(e->hex, "0123456789abcdef"), PR_WP_HEX);
	ck_assert_int_eq(e->expires, 1060);
	ck_assert_ptr_eq(pr_wp_find(&t, e->hex), e);
	ck_assert_ptr_null(pr_wp_find(&t, ID));
	ck_assert_ptr_null(pr_wp_find(&t, "not hex"));
	/* Used once: the first response takes it, the second is a replay. */
	ck_assert_int_eq(pr_wp_take(&t, e->hex, 1010, &f), PR_OK);
	ck_assert_ptr_eq(f, e);
	pr_wp_decide(f, PR_OK, 3, "physical");
	ck_assert_int_eq(pr_wp_take(&t, e->hex, 1011, &f), PR_ERR_REPLAY);
	ck_assert_ptr_null(f);
	ck_assert_int_eq(e->aal, 3);
	ck_assert_str_eq(e->cls, "physical");
	pr_wp_free(&t);
}
END_TEST

START_TEST(pending_expiry)
{
	struct pr_wp_table t;
	struct pr_wp_entry *e, *f;
	char hex[PR_WP_HEX + 1];

	ck_assert_int_eq(pr_wp_init(&t, 4), PR_OK);
	ck_assert_int_eq(pr_wp_add(&t, PR_WP_SIGNIN, "alice", "openvpn", "192.0.2.7", 1000, 5, &e),
	    PR_OK);
	memcpy(hex, e->hex, sizeof(hex));
	ck_assert(!pr_wp_expired(e, 1004));
	ck_assert_int_eq(pr_wp_take(&t, hex, 1005, &f), PR_ERR_EXPIRED);
	ck_assert_int_eq(e->state, PR_WP_DECIDED);
	ck_assert_int_eq(e->err, PR_ERR_EXPIRED);
	/* Kept a while for its op=wait, then gone. */
	ck_assert_uint_eq(pr_wp_sweep(&t, 1005 + PR_WP_LINGER - 1), 0);
	ck_assert_uint_eq(pr_wp_sweep(&t, 1005 + PR_WP_LINGER), 1);
	ck_assert_ptr_null(pr_wp_find(&t, hex));
	ck_assert_uint_eq(pr_wp_count(&t), 0);
	pr_wp_free(&t);
}
END_TEST

START_TEST(pending_capacity_and_secret)
{
	struct pr_wp_table t;
	struct pr_wp_entry *e[3], *x;
	unsigned char before[PR_WP_CHALLENGE_LEN];

	ck_assert_int_eq(pr_wp_init(&t, 2), PR_OK);
	ck_assert_int_eq(pr_wp_add(&t, PR_WP_SIGNIN, "a", "openvpn", "::1", 1, 60, &e[0]), PR_OK);
	ck_assert_int_eq(pr_wp_add(&t, PR_WP_SIGNIN, "b", "openvpn", "::1", 1, 60, &e[1]), PR_OK);
	ck_assert_str_ne(e[0]->hex, e[1]->hex);
	ck_assert_mem_ne(e[0]->challenge, e[1]->challenge, PR_WP_CHALLENGE_LEN);
	/* Full: refused, and nobody's entry is evicted. */
	ck_assert_int_eq(pr_wp_add(&t, PR_WP_SIGNIN, "c", "openvpn", "::1", 1, 60, &e[2]),
	    PR_ERR_BUSY);
	ck_assert_uint_eq(pr_wp_count(&t), 2);
	/* A name that does not fit is refused. */
	ck_assert_int_eq(pr_wp_add(&t, PR_WP_SIGNIN,
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "s", "::1", 1, 60,
	    &x), PR_ERR_BUSY);
	/* Each step of an enrollment inside a sign-in gets its own challenge. */
	memcpy(before, e[0]->challenge, sizeof(before));
	ck_assert_int_eq(pr_wp_rechallenge(e[0]), PR_OK);
	ck_assert_mem_ne(before, e[0]->challenge, PR_WP_CHALLENGE_LEN);
	/* A decided sign-in's accepted invitation is wiped at once; the entry waits for op=wait. */
	e[0]->secret = strdup("token");
	e[0]->enrolling = true;
	pr_wp_decide(e[0], PR_ERR_SIGNATURE, 0, NULL);
	ck_assert_ptr_null(e[0]->secret);
	ck_assert(!e[0]->enrolling);
	ck_assert_uint_eq(pr_wp_sweep(&t, 2), 0);
	/* A waited entry is not swept; the other one is, after its lifetime and the linger. */
	e[1]->waited = true;
	ck_assert_uint_eq(pr_wp_sweep(&t, 61 + PR_WP_LINGER), 1);
	ck_assert_int_eq(pr_wp_add(&t, PR_WP_SIGNIN, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "s", "::1", 1, 60, &x), PR_ERR_INVALID_ARG);
	ck_assert_uint_eq(pr_wp_count(&t), 1);
	pr_wp_free(&t);
}
END_TEST

/* The approval page's caps count open, unexpired approvals: per address, and in all. */
START_TEST(pending_open_count)
{
	struct pr_wp_table t;
	struct pr_wp_entry *e[4];

	ck_assert_int_eq(pr_wp_init(&t, 8), PR_OK);
	ck_assert_int_eq(pr_wp_add(&t, PR_WP_APPROVE, "a", "xrdp-sesman", "192.0.2.1", 100, 60,
	    &e[0]), PR_OK);
	ck_assert_int_eq(pr_wp_add(&t, PR_WP_APPROVE, "b", "xrdp-sesman", "192.0.2.1", 100, 10,
	    &e[1]), PR_OK);
	ck_assert_int_eq(pr_wp_add(&t, PR_WP_APPROVE, "c", "xrdp-sesman", "192.0.2.2", 100, 60,
	    &e[2]), PR_OK);
	ck_assert_int_eq(pr_wp_add(&t, PR_WP_SIGNIN, "d", "openvpn", "192.0.2.1", 100, 60, &e[3]),
	    PR_OK);
	ck_assert_uint_eq(pr_wp_count_open(&t, PR_WP_APPROVE, "192.0.2.1", 100), 2);
	ck_assert_uint_eq(pr_wp_count_open(&t, PR_WP_APPROVE, NULL, 100), 3);
	ck_assert_uint_eq(pr_wp_count_open(&t, PR_WP_SIGNIN, NULL, 100), 1);
	/* Expired and decided ones no longer count. */
	ck_assert_uint_eq(pr_wp_count_open(&t, PR_WP_APPROVE, "192.0.2.1", 110), 1);
	pr_wp_decide(e[0], PR_OK, 1, "physical");
	ck_assert_uint_eq(pr_wp_count_open(&t, PR_WP_APPROVE, "192.0.2.1", 100), 1);
	/* A decided approval has nobody waiting for it: swept at once. */
	ck_assert_uint_eq(pr_wp_sweep(&t, 101), 1);
	ck_assert_uint_eq(pr_wp_count(&t), 3);
	/*
	 * Nor an expired one: swept when it expires, not PR_WP_LINGER later,
	 * so the approvals in the table are the ones the cap counts. A sign-in
	 * past its lifetime waits the linger for its op=wait.
	 */
	ck_assert_uint_eq(pr_wp_sweep(&t, 109), 0);
	ck_assert_uint_eq(pr_wp_sweep(&t, 110), 1);
	ck_assert_uint_eq(pr_wp_count(&t), 2);
	ck_assert_uint_eq(pr_wp_sweep(&t, 160), 1);
	ck_assert_uint_eq(pr_wp_count(&t), 1);
	ck_assert_int_eq(e[3]->state, PR_WP_OPEN);
	ck_assert_uint_eq(pr_wp_sweep(&t, 160 + PR_WP_LINGER), 1);
	ck_assert_uint_eq(pr_wp_count(&t), 0);
	pr_wp_free(&t);
}
END_TEST

/*
 * The per-address cap counts one IPv6 /64 as one client (a host owns its
 * /64 and picks any address in it), an IPv4-mapped address as its IPv4
 * address, and IPv4 per address (wa_addr.h).
 */
START_TEST(pending_open_count_per_client)
{
	static const char *const made[] = {
		"2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:abcd::9",
		"2001:db8:1:3::1", "192.0.2.1", "::ffff:192.0.2.1", "192.0.2.2",
	};
	struct pr_wp_table t;
	struct pr_wp_entry *e;

	ck_assert_int_eq(pr_wp_init(&t, 16), PR_OK);
	for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++)
		ck_assert_int_eq(pr_wp_add(&t, PR_WP_APPROVE, "a", "xrdp-sesman", made[i], 100, 60,
		    &e), PR_OK);
	ck_assert_uint_eq(pr_wp_count_open(&t, PR_WP_APPROVE, "2001:db8:1:2::ffff", 100), 3);
	ck_assert_uint_eq(pr_wp_count_open(&t, PR_WP_APPROVE, "2001:db8:1:3:1:2:3:4", 100), 1);
	ck_assert_uint_eq(pr_wp_count_open(&t, PR_WP_APPROVE, "2001:db8:1:4::1", 100), 0);
	ck_assert_uint_eq(pr_wp_count_open(&t, PR_WP_APPROVE, "192.0.2.1", 100), 2);
	ck_assert_uint_eq(pr_wp_count_open(&t, PR_WP_APPROVE, "::ffff:192.0.2.1", 100), 2);
	ck_assert_uint_eq(pr_wp_count_open(&t, PR_WP_APPROVE, "192.0.2.2", 100), 1);
	ck_assert_uint_eq(pr_wp_count_open(&t, PR_WP_APPROVE, "192.0.2.3", 100), 0);
	pr_wp_free(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wa_gate");
	TCase *tc = tcase_create("control");
	TCase *tp = tcase_create("pending");

	tcase_add_test(tc, create_parses_and_formats);
	tcase_add_loop_test(tc, requests_refused, 0, sizeof(bad_requests) / sizeof(bad_requests[0]));
	tcase_add_test(tc, request_with_nul_refused);
	tcase_add_test(tc, answers_round_trip);
	tcase_add_loop_test(tc, answers_refused, 0, sizeof(bad_answers) / sizeof(bad_answers[0]));
	tcase_add_test(tp, pending_lifecycle);
	tcase_add_test(tp, pending_expiry);
	tcase_add_test(tp, pending_capacity_and_secret);
	tcase_add_test(tp, pending_open_count);
	tcase_add_test(tp, pending_open_count_per_client);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tp);
	return test_run_tap(s);
}
