/*
 * Unit tests of lib/audit_pending.c and lib/audit_intent.c: the intent
 * file's format, the judgement "is the writer still running", and the sweep
 * in pr_audit_append: an intent whose writer is gone becomes exactly one
 * interrupted record, one whose writer runs stays, at most
 * PR_PENDING_SWEEP_MAX per append. No root needed.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "audit_intent.h"
#include "audit_pending.h"
#include "err.h"
#include "testlib.h"

#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define T0 1795492170  /* 2026-11-24T03:49:30Z */

static char dir[64];
static char logp[128];
static char pendp[160];

static void setup(void)
{
	strcpy(dir, "/tmp/check_intent.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(logp, sizeof(logp), "%s/audit.log", dir);
	snprintf(pendp, sizeof(pendp), "%s" PR_PENDING_SUFFIX, logp);
}

static void teardown(void)
{
	ck_assert_msg(test_rm_tree(AT_FDCWD, dir), "could not remove %s", dir);
}

static struct pr_audit_event enroll_event(void)
{
	struct pr_audit_event ev = {
		.event = "enroll", .success = true, .user = "alice", .role = "owner",
		.method = "security-key", .service = "practicerunner-admin",
		.rp_id = "pam://riverside-clinic", .cred_id = "AQID", .flags = -1,
		.sign_count = -1, .cred_class = "physical", .actor = "root", .detail = "forced",
	};
	return ev;
}

static int count_in_log(const char *needle)
{
	char *text = test_slurp(logp), *p;
	int n = 0;

	if (text == NULL)
		return 0;
	for (p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	free(text);
	return n;
}

static void append_one(const char *user)
{
	struct pr_audit_event ev = enroll_event();
	struct pr_errbuf eb = { 0 };

	ev.event = "auth";
	ev.user = user;
	ev.detail = NULL;
	ck_assert_msg(pr_audit_append(logp, &ev, &eb) == PR_OK, "append: %s", eb.msg);
}

static void verify_ok(void)
{
	struct pr_errbuf eb = { 0 };
	long bad = 0, n = 0;

	ck_assert_msg(pr_audit_verify(logp, &bad, &n, &eb) == PR_OK, "verify: %s", eb.msg);
}

/* A writer that begins a change and ends without recording it (a kill, as far as we can tell). */
static void dead_writer(const char *user)
{
	pid_t pid = fork();
	int st = 0;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct pr_audit_event ev = enroll_event();
		struct pr_audit_intent *in = NULL;

		ev.user = user;
		_exit(pr_audit_intent_begin(logp, &ev, &in, NULL) == PR_OK ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* ---- the file ---------------------------------------------------------------------- */

START_TEST(format_parse_round_trip)
{
	struct pr_pending_writer w = { "0b4f6a4e-2c43-4d0b-9c6f-3f3b8a1c2d5e", 4242, 987654321,
	    4026531836u }, back;
	char *text = pr_pending_format(&w, "time=x host=h event=enroll result=failure"), *body = NULL;

	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(pr_pending_parse(text, strlen(text), &back, &body), PR_OK);
	ck_assert_str_eq(back.boot_id, w.boot_id);
	ck_assert_int_eq(back.pid, 4242);
	ck_assert(back.start == 987654321 && back.pidns == 4026531836u);
	ck_assert_str_eq(body, "time=x host=h event=enroll result=failure");
	free(body);
	free(text);
	ck_assert_ptr_null(pr_pending_format(&w, "two\nlines"));
}
END_TEST

static const char *const bad_files[] = {
	"",
	"practicerunner-intent 2\nboot_id 0b4f6a4e-2c43-4d0b-9c6f-3f3b8a1c2d5e\npid 1\nstart 1\npidns 1\nbody x\n",
	"practicerunner-intent 1\nboot_id short\npid 1\nstart 1\npidns 1\nbody x\n",
	"practicerunner-intent 1\nboot_id 0b4f6a4e-2c43-4d0b-9c6f-3f3b8a1c2d5e\npid 0\nstart 1\npidns 1\nbody x\n",
	"practicerunner-intent 1\nboot_id 0b4f6a4e-2c43-4d0b-9c6f-3f3b8a1c2d5e\npid -1\nstart 1\npidns 1\nbody x\n",
	"practicerunner-intent 1\nboot_id 0b4f6a4e-2c43-4d0b-9c6f-3f3b8a1c2d5e\npid 1\nstart x\npidns 1\nbody x\n",
	"practicerunner-intent 1\nboot_id 0b4f6a4e-2c43-4d0b-9c6f-3f3b8a1c2d5e\npid 1\nstart 1\nbody x\n",
	"practicerunner-intent 1\nboot_id 0b4f6a4e-2c43-4d0b-9c6f-3f3b8a1c2d5e\npid 1\nstart 1\npidns 1\nbody \n",
	"practicerunner-intent 1\nboot_id 0b4f6a4e-2c43-4d0b-9c6f-3f3b8a1c2d5e\npid 1\nstart 1\npidns 1\nbody x",
	"practicerunner-intent 1\nboot_id 0b4f6a4e-2c43-4d0b-9c6f-3f3b8a1c2d5e\npid 1\nstart 1\npidns 1\nbody x\nmore\n",
};

START_TEST(malformed_files_refused)
{
	struct pr_pending_writer w;
	char *body = NULL;
	const char *t = bad_files[_i];

	ck_assert_int_eq(pr_pending_parse(t, strlen(t), &w, &body), PR_ERR_CORRUPT);
	ck_assert_ptr_null(body);
}
END_TEST

/* Field 22 of /proc/<pid>/stat, read here independently of the code under test. */
static uint64_t proc_start(pid_t pid)
{
	char path[64], buf[4096], *p = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	ck_assert_ptr_nonnull(p = strrchr(buf, ')'));
	for (int k = 0; k < 20 && p != NULL; k++)     /* from field 2's end to field 22 */
		p = strchr(p + 1, ' ');
	ck_assert_ptr_nonnull(p);
	return strtoull(p + 1, NULL, 10);
}

/* ---- who is running ------------------------------------------------------------------ */

START_TEST(judge_writers)
{
	struct pr_pending_writer self, w;
	pid_t child;
	int st;

	ck_assert_int_eq(pr_pending_self(&self), PR_OK);
	ck_assert_int_eq(pr_pending_judge(&self, &self), PR_PENDING_LIVE);
	w = self;
	w.boot_id[0] = w.boot_id[0] == 'a' ? 'b' : 'a';
	ck_assert_int_eq(pr_pending_judge(&w, &self), PR_PENDING_GONE);   /* restarted since */
	w = self;
	w.start++;
	ck_assert_int_eq(pr_pending_judge(&w, &self), PR_PENDING_GONE);   /* pid reused */
	w = self;
	w.pidns++;
	ck_assert_int_eq(pr_pending_judge(&w, &self), PR_PENDING_UNKNOWN);
	/* A child: live while it runs, gone as a zombie and once reaped. */
	ck_assert_int_ge(child = fork(), 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	w = self;
	w.pid = child;
	w.start = proc_start(child);
	ck_assert_int_eq(pr_pending_judge(&w, &self), PR_PENDING_LIVE);
	kill(child, SIGKILL);
	for (int i = 0; i < 200 && pr_pending_judge(&w, &self) == PR_PENDING_LIVE; i++)
		usleep(10000);
	ck_assert_int_eq(pr_pending_judge(&w, &self), PR_PENDING_GONE);   /* zombie */
	ck_assert_int_eq(waitpid(child, &st, 0), child);
	ck_assert_int_eq(pr_pending_judge(&w, &self), PR_PENDING_GONE);   /* reaped */
}
END_TEST

/* ---- the interrupted wording ---------------------------------------------------------- */

START_TEST(interrupted_body)
{
	struct pr_audit_event ev = enroll_event();
	char *body = NULL;

	ck_assert_int_eq(pr_audit_intent_body(&ev, T0, "ws1", &body), PR_OK);
	ck_assert_ptr_nonnull(strstr(body, " event=enroll result=failure reason=interrupted "
	    "user=alice role=owner "));
	ck_assert_ptr_nonnull(strstr(body, " cred_id=AQID "));
	ck_assert_ptr_nonnull(strstr(body, " detail=the%20program%20ended%20"));
	ck_assert_ptr_nonnull(strstr(body, "compare%20with%20the%20store;%20forced"));
	free(body);
}
END_TEST

/* ---- begin, end, sweep ------------------------------------------------------------------ */

START_TEST(begin_writes_end_removes)
{
	struct pr_audit_event ev = enroll_event();
	struct pr_audit_intent *in = NULL;
	struct stat st;

	ck_assert_int_eq(pr_audit_intent_begin(logp, &ev, &in, NULL), PR_OK);
	ck_assert_int_eq(stat(pendp, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0700);
	ck_assert_int_eq(test_count_intents(pendp), 1);
	pr_audit_intent_end(&in);
	ck_assert_ptr_null(in);
	ck_assert_int_eq(test_count_intents(pendp), 0);
}
END_TEST

START_TEST(dead_writer_recorded_once)
{
	char *text, *p;

	append_one("bob");
	dead_writer("alice");
	ck_assert_int_eq(test_count_intents(pendp), 1);
	ck_assert_int_eq(count_in_log("reason=interrupted"), 0);
	append_one("bob");
	ck_assert_int_eq(count_in_log(" event=enroll result=failure reason=interrupted user=alice "), 1);
	ck_assert_int_eq(test_count_intents(pendp), 0);
	/* Before the append's own record (seq 3), so the log reads in the order things happened. */
	ck_assert_int_eq(count_in_log("reason=interrupted user=alice"), 1);
	text = test_slurp(logp);
	ck_assert_ptr_nonnull(p = strstr(text, "\nseq=2 "));
	ck_assert_ptr_nonnull(strstr(p, "reason=interrupted"));
	ck_assert(strstr(p, "reason=interrupted") < strstr(p, "\nseq=3 "));
	free(text);
	append_one("bob");
	ck_assert_int_eq(count_in_log("reason=interrupted"), 1);
	verify_ok();
}
END_TEST

START_TEST(live_writer_left_alone)
{
	struct pr_audit_event ev = enroll_event();
	struct pr_audit_intent *in = NULL;

	ck_assert_int_eq(pr_audit_intent_begin(logp, &ev, &in, NULL), PR_OK);
	append_one("bob");   /* we are the writer, and we run */
	ck_assert_int_eq(count_in_log("reason=interrupted"), 0);
	ck_assert_int_eq(test_count_intents(pendp), 1);
	/* Kept (record and undo failed): still ours while we run. */
	pr_audit_intent_keep(&in);
	append_one("bob");
	ck_assert_int_eq(count_in_log("reason=interrupted"), 0);
	ck_assert_int_eq(test_count_intents(pendp), 1);
	verify_ok();
}
END_TEST

START_TEST(sweep_is_bounded)
{
	int n = PR_PENDING_SWEEP_MAX + 6;

	append_one("bob");
	for (int i = 0; i < n; i++)
		dead_writer("alice");
	ck_assert_int_eq(test_count_intents(pendp), n);
	append_one("bob");
	ck_assert_int_eq(count_in_log("reason=interrupted"), PR_PENDING_SWEEP_MAX);
	ck_assert_int_eq(test_count_intents(pendp), 6);
	append_one("bob");
	ck_assert_int_eq(count_in_log("reason=interrupted"), n);
	ck_assert_int_eq(test_count_intents(pendp), 0);
	verify_ok();
}
END_TEST

START_TEST(unsafe_dir_refuses_begin_not_append)
{
	struct pr_audit_event ev = enroll_event();
	struct pr_audit_intent *in = NULL;
	struct pr_errbuf eb = { 0 };

	ck_assert_int_eq(mkdir(pendp, 0700), 0);
	ck_assert_int_eq(chmod(pendp, 0755), 0);
	ck_assert_int_ne(pr_audit_intent_begin(logp, &ev, &in, &eb), PR_OK);
	ck_assert_ptr_null(in);
	ck_assert_ptr_nonnull(strstr(eb.msg, "0700"));
	append_one("bob");     /* a record is still written */
	verify_ok();
	ck_assert_int_eq(rmdir(pendp), 0);
	ck_assert_int_eq(symlink("/tmp", pendp), 0);
	ck_assert_int_ne(pr_audit_intent_begin(logp, &ev, &in, NULL), PR_OK);
}
END_TEST

START_TEST(malformed_intent_kept)
{
	char path[256];

	append_one("bob");
	ck_assert_int_eq(mkdir(pendp, 0700), 0);
	snprintf(path, sizeof(path), "%s/0000000000000001-0000000000000001.intent", pendp);
	test_write_file(path, "junk\n", 5, 0600);
	append_one("bob");
	ck_assert_int_eq(test_count_intents(pendp), 1);
	ck_assert_int_eq(count_in_log("reason=interrupted"), 0);
	verify_ok();
}
END_TEST

static Suite *intent_suite(void)
{
	Suite *s = suite_create("audit_intent");
	TCase *tc = tcase_create("audit_intent");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, format_parse_round_trip);
	tcase_add_loop_test(tc, malformed_files_refused, 0, NROWS(bad_files));
	tcase_add_test(tc, judge_writers);
	tcase_add_test(tc, interrupted_body);
	tcase_add_test(tc, begin_writes_end_removes);
	tcase_add_test(tc, dead_writer_recorded_once);
	tcase_add_test(tc, live_writer_left_alone);
	tcase_add_test(tc, sweep_is_bounded);
	tcase_add_test(tc, unsafe_dir_refuses_begin_not_append);
	tcase_add_test(tc, malformed_intent_kept);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_tap(intent_suite());
}
