/*
 * Unit tests of the VPN side's exchange on the web gate's control socket
 * (lib/webauthn/wa_ctlclient.c): bounded against a listener that answers,
 * stays silent or hangs up, and no gate at all. The requests and answers
 * themselves are wa_control.c's.
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

/* A listener at path that reads one request and then does what answer says. */
static pid_t listener(const char *path, const char *answer, int *ready)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM, 0), c;
	char buf[1024];
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
	char dir[] = "/tmp/check_wa_ctl.XXXXXX", path[128], line[256];
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
	char line[256];
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

	tcase_add_loop_test(tc, call, 0, sizeof(calls) / sizeof(calls[0]));
	tcase_add_test(tc, call_no_gate);
	suite_add_tcase(s, tc);
	return test_run_tap(s);
}
