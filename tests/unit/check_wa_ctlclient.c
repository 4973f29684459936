/*
 * Unit tests of the VPN side of the web gate's control socket
 * (lib/webauthn/wa_ctlclient.c): the requests as sent, every answer form
 * and its refusals, and the bounded exchange against a listener that
 * answers, stays silent or hangs up.
 */
#include "config.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "testlib.h"
#include "util.h"
#include "wa_ctlclient.h"

#define ID "0123456789abcdef0123456789abcdef"
#define URL "https://gate.clinic.example/p/" ID

START_TEST(format_create)
{
	struct pr_wa_ctl_create q = {
		.user = "alice", .service = "openvpn", .rhost = "10.0.0.5", .lifetime = 120,
	};
	char buf[PR_WA_CTL_REQ_MAX];

	ck_assert_int_eq(pr_wa_ctl_format_create(&q, buf, sizeof(buf)), PR_OK);
	ck_assert_str_eq(buf, "practicerunner-pending 1\nop=create\nuser=alice\nservice=openvpn\n"
	    "rhost=10.0.0.5\nlifetime=120\n\n");
	q.rhost = "10.0.0.5\nop=wait";      /* a second line smuggled in */
	ck_assert_int_eq(pr_wa_ctl_format_create(&q, buf, sizeof(buf)), PR_ERR_INVALID_ARG);
	q.rhost = "10.0.0.5";
	q.user = "../root";
	ck_assert_int_eq(pr_wa_ctl_format_create(&q, buf, sizeof(buf)), PR_ERR_INVALID_ARG);
	q.user = "alice";
	q.service = "a=b";
	ck_assert_int_eq(pr_wa_ctl_format_create(&q, buf, sizeof(buf)), PR_ERR_INVALID_ARG);
	q.service = "openvpn";
	q.lifetime = 0;
	ck_assert_int_eq(pr_wa_ctl_format_create(&q, buf, sizeof(buf)), PR_ERR_INVALID_ARG);
	q.lifetime = PR_WA_CTL_LIFETIME_MAX + 1;
	ck_assert_int_eq(pr_wa_ctl_format_create(&q, buf, sizeof(buf)), PR_ERR_INVALID_ARG);
	q.lifetime = 120;
	ck_assert_int_eq(pr_wa_ctl_format_create(&q, buf, 20), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_wa_ctl_format_wait(ID, buf, sizeof(buf)), PR_OK);
	ck_assert_str_eq(buf, "practicerunner-pending 1\nop=wait\npending=" ID "\n\n");
	ck_assert_int_eq(pr_wa_ctl_format_wait("0123456789ABCDEF0123456789abcdef", buf, sizeof(buf)),
	    PR_ERR_INVALID_ARG);
}
END_TEST

static const struct pending_case {
	const char *line;
	int want;
} pendings[] = {
	{ "pending " ID " " URL, PR_OK },
	{ "pending " ID " https://gate.clinic.example:8443/p/" ID, PR_OK },
	{ "result expired", PR_ERR_EXPIRED },
	{ "result no-such-token-here", PR_ERR_IO },
	{ "result ok", PR_ERR_CORRUPT },
	{ "result ", PR_ERR_CORRUPT },
	{ "pending " ID, PR_ERR_CORRUPT },
	{ "pending " ID " http://gate.clinic.example/p/" ID, PR_ERR_CORRUPT },
	{ "pending " ID " https://gate.clinic.example/p/fedcba9876543210fedcba9876543210", PR_ERR_CORRUPT },
	{ "pending " ID " https://gate.clinic.example/x/" ID, PR_ERR_CORRUPT },
	{ "pending " ID " https://gate clinic/p/" ID, PR_ERR_CORRUPT },
	{ "pending 0123456789ABCDEF0123456789abcdef https://g.example/p/0123456789ABCDEF0123456789abcdef",
	    PR_ERR_CORRUPT },
	{ "pending 0123 https://g.example/p/0123", PR_ERR_CORRUPT },
	{ "pendingx", PR_ERR_CORRUPT },
	{ "", PR_ERR_CORRUPT },
};

START_TEST(parse_pending)
{
	const struct pending_case *c = &pendings[_i];
	struct pr_wa_ctl_pending p;
	struct pr_errbuf eb = { 0 };

	ck_assert_msg(pr_wa_ctl_parse_pending(c->line, &p, &eb) == c->want, "%s", c->line);
	if (c->want == PR_OK) {
		ck_assert_str_eq(p.id, ID);
		ck_assert_ptr_nonnull(strstr(c->line, p.url));
	} else {
		ck_assert_str_eq(p.id, "");
		ck_assert_str_ne(eb.msg, "");
	}
}
END_TEST

static const struct verdict_case {
	const char *line;
	int parse;      /* pr_wa_ctl_parse_verdict's return */
	int err;        /* the verdict */
} verdicts[] = {
	{ "result ok user=alice aal=3 class=physical", PR_OK, PR_OK },
	{ "result ok class=passkey aal=2 user=alice", PR_OK, PR_OK },
	{ "result expired", PR_OK, PR_ERR_EXPIRED },
	{ "result origin-mismatch", PR_OK, PR_ERR_ORIGIN },
	{ "result replay", PR_OK, PR_ERR_IO },        /* a token we do not know: still a refusal */
	{ "result class-not-allowed user=alice", PR_OK, PR_ERR_CLASS },
	{ "result ok user=alice aal=2", PR_ERR_CORRUPT, PR_ERR_CORRUPT },
	{ "result ok user=alice aal=2 class=passkey user=bob", PR_ERR_CORRUPT, PR_ERR_CORRUPT },
	{ "result ok user=alice aal=4 class=passkey", PR_ERR_CORRUPT, PR_ERR_CORRUPT },
	{ "result ok user=alice aal=2x class=passkey", PR_ERR_CORRUPT, PR_ERR_CORRUPT },
	{ "result ok user=../x aal=2 class=passkey", PR_ERR_CORRUPT, PR_ERR_CORRUPT },
	{ "result ok user=alice aal=2 class=passkey extra=1", PR_ERR_CORRUPT, PR_ERR_CORRUPT },
	{ "result ok user=alice aal=2 class=passkey junk", PR_ERR_CORRUPT, PR_ERR_CORRUPT },
	{ "result", PR_ERR_CORRUPT, PR_ERR_CORRUPT },
	{ "pending " ID " " URL, PR_ERR_CORRUPT, PR_ERR_CORRUPT },
};

START_TEST(parse_verdict)
{
	const struct verdict_case *c = &verdicts[_i];
	struct pr_wa_ctl_verdict v;

	ck_assert_msg(pr_wa_ctl_parse_verdict(c->line, &v, NULL) == c->parse, "%s", c->line);
	ck_assert_msg(v.err == c->err, "%s: %d", c->line, v.err);
	if (c->err == PR_OK) {
		ck_assert_str_eq(v.user, "alice");
		ck_assert(v.aal == 2 || v.aal == 3);
	}
}
END_TEST

/* A listener at path that reads one request and then does what answer says. */
static pid_t listener(const char *path, const char *answer, int *ready)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM, 0), c;
	char buf[PR_WA_CTL_REQ_MAX];
	pid_t pid;

	ck_assert_int_ge(s, 0);
	ck_assert_uint_lt(strlen(path), sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(s, 1), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid > 0) {
		close(s);
		*ready = 1;
		return pid;
	}
	c = accept(s, NULL, NULL);
	if (c >= 0 && read(c, buf, sizeof(buf)) > 0) {
		if (strcmp(answer, "silent") == 0)
			pause();
		else if (strcmp(answer, "hangup") != 0)
			(void)!write(c, answer, strlen(answer));
	}
	_exit(0);
}

static const struct call_case {
	const char *answer;
	int want;
	const char *line;
} calls[] = {
	{ "pending " ID " " URL "\nmore", PR_OK, "pending " ID " " URL },
	{ "result expired\n", PR_OK, "result expired" },
	{ "silent", PR_ERR_TIMEOUT, "" },
	{ "hangup", PR_ERR_IO, "" },
	{ "result ok but no newline", PR_ERR_IO, "" },
};

START_TEST(call)
{
	const struct call_case *c = &calls[_i];
	char dir[] = "/tmp/check_wa_ctl.XXXXXX", path[128], line[PR_WA_CTL_LINE_MAX];
	struct pr_errbuf eb = { 0 };
	int ready = 0, st;
	int64_t t0;
	pid_t pid;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	pid = listener(path, c->answer, &ready);
	t0 = pr_monotonic_ms();
	ck_assert_int_eq(pr_wa_ctl_call(path, "practicerunner-pending 1\nop=wait\npending=" ID "\n\n",
	    500, line, sizeof(line), &eb), c->want);
	ck_assert_str_eq(line, c->line);
	ck_assert_int_lt(pr_monotonic_ms() - t0, 3000);    /* bounded, whatever the gate does */
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(call_no_gate)
{
	char line[PR_WA_CTL_LINE_MAX];
	struct pr_errbuf eb = { 0 };

	ck_assert_int_eq(pr_wa_ctl_call("/nonexistent/webgate.sock", "x\n\n", 500, line, sizeof(line),
	    &eb), PR_ERR_IO);
	ck_assert_ptr_nonnull(strstr(eb.msg, "cannot reach the web gate"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wa_ctlclient");
	TCase *tc = tcase_create("control");

	tcase_add_test(tc, format_create);
	tcase_add_loop_test(tc, parse_pending, 0, sizeof(pendings) / sizeof(pendings[0]));
	tcase_add_loop_test(tc, parse_verdict, 0, sizeof(verdicts) / sizeof(verdicts[0]));
	tcase_add_loop_test(tc, call, 0, sizeof(calls) / sizeof(calls[0]));
	tcase_add_test(tc, call_no_gate);
	suite_add_tcase(s, tc);
	return test_run_tap(s);
}
