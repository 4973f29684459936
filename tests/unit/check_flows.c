/*
 * Unit tests of the flows in lib/ that the front ends share: codes-issue
 * (lib/codes_issue.c) and recovery-complete (lib/recovery_flow.c), driven
 * by a fake front end that logs every call in order, over real ticket,
 * code, tally and store files and a softkey for the replacement key,
 * without root (keyenv.h). What is checked: the order of the steps and of
 * the records, that codes are revealed only after their record was
 * written, that a key whose record fails is taken back, that a code is
 * consumed before the key is made, and that a lockout is recorded after
 * the failure that caused it.
 */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest.h"
#include "codes.h"
#include "codes_issue.h"
#include "enroll.h"
#include "err.h"
#include "lockout.h"
#include "recovery_flow.h"
#include "store.h"
#include "ticket.h"
#include "transport.h"
#include "util.h"
#include "keyenv.h"
#include "testlib.h"

#define USER KE_OWNER
#define NCODES 3
#define LIFETIME 1800
#define WRONG_CODE "AAAA-AAAA-AAAA-AAAA"
#define WRONG_TICKET "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA"
#define TALLY_99 "practicerunner-tally 1\nfailures=99 last=1700000000\n"

/* The fake front end: its answers, the failures it injects, and what it was asked. */
struct fake {
	char log[4096];               /* one line per call, in order */
	const char *fail_begin;       /* the event whose begin fails (NULL: none) */
	const char *fail_record;      /* the event whose success record fails */
	const char *ticket;           /* the answer (NULL: cancelled) */
	const char *code;
	const char *device;           /* attached when the key is made */
	const char *physical;         /* the yubikey5 device */
	char given_code[32];          /* fk.code's text: the first of the set */
	char *issued;                 /* the ticket recovery_world issued (wiped in teardown) */
	int codes_left_at_make;       /* codes of the set still unused when the key was made */
	char first_code[32];          /* the first code revealed */
	struct pr_recovery rc;
};

static struct fake fk;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	size_t o = strlen(fk.log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fk.log + o, sizeof(fk.log) - o, fmt, ap);
	va_end(ap);
	o = strlen(fk.log);
	ck_assert_uint_lt(o + 1, sizeof(fk.log));
	fk.log[o] = '\n';
}

static const char *result(int err)
{
	return err == PR_OK ? "ok" : pr_err_reason(err);
}

/* ---- the recorder -------------------------------------------------------------------------- */

static int f_begin(void *arg, const char *event, const char *method,
    const struct pr_cred *cred, const char *detail)
{
	ck_assert_ptr_eq(arg, &fk);
	(void)method;
	logf_("begin %s%s %s", event, cred != NULL ? " cred" : "", detail);
	return fk.fail_begin != NULL && strcmp(event, fk.fail_begin) == 0 ? PR_ERR_AUDIT : PR_OK;
}

static int f_record(void *arg, const char *event, int err, const char *method,
    const struct pr_cred *cred, const char *detail)
{
	ck_assert_ptr_eq(arg, &fk);
	logf_("record %s %s%s%s %s", event, result(err), method != NULL ? " by " : "",
	    method != NULL ? method : "", detail != NULL ? detail : "-");
	(void)cred;
	return err == PR_OK && fk.fail_record != NULL && strcmp(event, fk.fail_record) == 0 ?
	    PR_ERR_AUDIT : PR_OK;
}

static void f_undone(void *arg)
{
	(void)arg;
	logf_("undone");
}

static void f_hold(void *arg, bool on)
{
	(void)arg;
	logf_(on ? "hold" : "release");
}

static const struct pr_recorder rec = {
	.begin = f_begin, .record = f_record, .undone = f_undone, .hold = f_hold, .arg = &fk,
};

/* ---- the person ------------------------------------------------------------------------------ */

static void f_reveal(void *arg, char *const *codes, int n)
{
	(void)arg;
	snprintf(fk.first_code, sizeof(fk.first_code), "%s", codes[0]);
	logf_("reveal %d", n);
}

static void f_say_codes(void *arg, enum pr_codes_said what, int err, const char *why)
{
	static const char *const names[] = { "not-made", "not-shown", "notice-failed" };

	(void)arg;
	(void)why;
	logf_("say %s %s", names[what], result(err));
}

static void f_say(void *arg, enum pr_recovery_said what, int err, const char *why)
{
	/* In the order of enum pr_recovery_said. */
	static const char *const names[] = {
		"ticket-refused", "ticket-accepted", "locked", "code-not-needed", "code-cancelled",
		"code-not-recorded", "code-invalid", "code-not-checked", "code-unmarked",
		"key-passkey", "key-failed", "key-not-recorded", "commit-failed", "key-undone",
		"key-left", "tally-not-reset", "notice-failed",
	};

	(void)arg;
	(void)why;
	ck_assert_int_lt((int)what, NROWS(names));
	logf_("say %s %s", names[what], result(err));
}

static int answer(const char *given, char **out)
{
	if (given == NULL)
		return PR_ERR_CANCELLED;
	*out = strdup(given);
	return *out != NULL ? PR_OK : PR_ERR_NOMEM;
}

static int f_ask_ticket(void *arg, char **ticket)
{
	(void)arg;
	logf_("ask ticket");
	return answer(fk.ticket, ticket);
}

static int f_ask_code(void *arg, char **code)
{
	(void)arg;
	logf_("ask code");
	return answer(fk.code, code);
}

/* The replacement on the softkey, as the front ends make it. */
static int f_make_key(void *arg, struct pr_cred *cred, struct pr_class_reason *reason)
{
	struct pr_enroll_opts o = { .cfg = ke.cfg, .user = USER };
	struct pr_credlist none = { NULL, 0 };
	struct pr_codes_status st = { 0 };
	struct pr_devices devs = { .n = 0 };
	struct pr_errbuf eb = { 0 };
	struct pr_ui ui = { NULL };
	int r;

	(void)arg;
	logf_("make");
	if (pr_codes_status(PR_STATE_FILES(ke.state), USER, &st, NULL) == PR_OK)
		fk.codes_left_at_make = st.remaining;
	ck_assert_msg(pr_anchors_load(ke.cfg->trust_anchors, 1, &o.anchors, &eb) == PR_OK,
	    "%s", eb.msg);
	keyenv_attach(fk.device);
	ck_assert_int_eq(pr_devices_open(&devs), PR_OK);
	r = pr_enroll_make(&devs, &o, &none, &ui, cred, reason, NULL);
	pr_devices_close(&devs);
	X509_STORE_free(o.anchors);
	keyenv_attach("");
	return r;
}

static void f_recovered(void *arg, const struct pr_cred *cred,
    const struct pr_class_reason *reason)
{
	(void)arg;
	/* The make's reason for the class reaches the front end's last sentence. */
	ck_assert_msg(reason->text[0] != '\0', "recovered without the reason for its class");
	logf_("recovered %s", pr_class_name(cred->cls));
}

/* ---- the world ------------------------------------------------------------------------------- */

static void setup_with(const char *mail)
{
	char extra[256];

	keyenv_setup();
	snprintf(extra, sizeof(extra), "recovery {\n  codes = %d\n  mail_command = \"%s\"\n}\n",
	    NCODES, mail);
	keyenv_policy("all-users", "owners", "preferred", extra);
	memset(&fk, 0, sizeof(fk));
	fk.codes_left_at_make = -1;
}

static void setup(void)
{
	setup_with("/bin/dd of=/dev/null status=none");
}

static void teardown(void)
{
	pr_secret_strfree(&fk.issued);
	keyenv_teardown();
}

static void log_is(const char *want)
{
	ck_assert_msg(strcmp(fk.log, want) == 0, "calls:\n%s\nwanted:\n%s", fk.log, want);
}

static int codes_left(void)
{
	struct pr_codes_status st;

	return pr_codes_status(PR_STATE_FILES(ke.state), USER, &st, NULL) == PR_OK ? st.remaining : -1;
}

static int keys_of(const char *user)
{
	struct pr_credlist l = { NULL, 0 };
	int n;

	ck_assert_int_eq(pr_store_load(PR_STATE_FILES(ke.state), user, &l, NULL), PR_OK);
	n = (int)l.n;
	pr_credlist_clear(&l);
	return n;
}

/* ---- codes-issue ------------------------------------------------------------------------------ */

static int issue(const char *proof)
{
	const struct pr_codes_issue ci = {
		.cfg = ke.cfg, .user = USER, .proof = proof, .rec = &rec,
		.reveal = f_reveal, .say = f_say_codes, .arg = &fk,
	};

	return pr_codes_issue(&ci);
}

START_TEST(codes_recorded_then_revealed)
{
	ck_assert_int_eq(issue(NULL), PR_OK);
	log_is("hold\n"
	    "begin codes-generated 3-codes\n"
	    "record codes-generated ok 3-codes\n"
	    "release\n"
	    "reveal 3\n");
	/* What was revealed is the set on file. */
	ck_assert_int_eq(pr_codes_consume(PR_STATE_FILES(ke.state), USER, fk.first_code, pr_now(), NULL), PR_OK);
	ck_assert_int_eq(codes_left(), NCODES - 1);
}
END_TEST

START_TEST(codes_detail_names_the_proof)
{
	ck_assert_int_eq(issue("confirmed with key 0123abcd"), PR_OK);
	log_is("hold\n"
	    "begin codes-generated 3-codes, confirmed with key 0123abcd\n"
	    "record codes-generated ok 3-codes, confirmed with key 0123abcd\n"
	    "release\n"
	    "reveal 3\n");
}
END_TEST

START_TEST(codes_record_failure_hides_them)
{
	fk.fail_record = "codes-generated";
	ck_assert_int_eq(issue(NULL), PR_ERR_AUDIT);
	log_is("hold\n"
	    "begin codes-generated 3-codes\n"
	    "record codes-generated ok 3-codes\n"
	    "say not-shown audit-error\n"
	    "release\n");
	ck_assert_str_eq(fk.first_code, "");
}
END_TEST

START_TEST(codes_not_begun_not_made)
{
	fk.fail_begin = "codes-generated";
	ck_assert_int_eq(issue(NULL), PR_ERR_AUDIT);
	log_is("hold\n"
	    "begin codes-generated 3-codes\n"
	    "record codes-generated audit-error 3-codes\n"
	    "say not-made audit-error\n"
	    "release\n");
	ck_assert_int_eq(codes_left(), -1);      /* no set on file */
}
END_TEST

START_TEST(codes_notice_failure_recorded_after_reveal)
{
	keyenv_teardown();
	setup_with("/bin/false");
	ck_assert_int_eq(issue(NULL), PR_OK);
	log_is("hold\n"
	    "begin codes-generated 3-codes\n"
	    "record codes-generated ok 3-codes\n"
	    "release\n"
	    "reveal 3\n"
	    "say notice-failed io-error\n"
	    "record codes-generated io-error notice not sent\n");
}
END_TEST

/* ---- recovery-complete -------------------------------------------------------------------------- */

/* A ticket (fk.issued) and a code set for USER; fk answers with both. */
static void recovery_world(void)
{
	struct pr_errbuf eb = { 0 };

	ck_assert_msg(pr_ticket_create(PR_STATE_FILES(ke.state), USER, LIFETIME, pr_now(), &fk.issued,
	    &eb) == PR_OK, "%s", eb.msg);
	ck_assert_int_eq(issue(NULL), PR_OK);
	snprintf(fk.given_code, sizeof(fk.given_code), "%s", fk.first_code);
	memset(fk.log, 0, sizeof(fk.log));
	fk.first_code[0] = '\0';
	fk.ticket = fk.issued;
	fk.code = fk.given_code;
	fk.physical = keyenv_device("new", "yubikey5", NULL);
	fk.device = fk.physical;
	ck_assert_int_eq(pr_recovery_begin(&fk.rc, ke.cfg, USER, &eb), PR_OK);
}

static int recover(int *codes_err)
{
	struct pr_recovery_flow f = {
		.rc = &fk.rc, .rec = &rec, .ask_ticket = f_ask_ticket, .ask_code = f_ask_code,
		.make_key = f_make_key, .say = f_say, .recovered = f_recovered, .arg = &fk,
		.codes = { .reveal = f_reveal, .say = f_say_codes, .arg = &fk },
	};
	int r = pr_recovery_complete(&f);

	if (codes_err != NULL)
		*codes_err = f.codes_err;
	return r;
}

#define TICKET_OK "ask ticket\nhold\nrecord recovery-ticket ok accepted\nrelease\n" \
	"say ticket-accepted ok\n"
#define CODE_OK "ask code\nhold\nbegin recovery-code consumed\n" \
	"record recovery-code ok by recovery-code consumed\nrelease\n"
#define KEY_BEGUN "make\nhold\nbegin enroll cred recovery\n"

START_TEST(recovery_in_order)
{
	int codes_err = -1;

	recovery_world();
	ck_assert_int_eq(recover(&codes_err), PR_OK);
	ck_assert_int_eq(codes_err, PR_OK);
	log_is(TICKET_OK CODE_OK KEY_BEGUN
	    "record enroll ok recovery\n"
	    "record recovery-ticket ok recovery completed\n"
	    "release\n"
	    "recovered physical\n"
	    "hold\n"
	    "begin codes-generated 3-codes\n"
	    "record codes-generated ok 3-codes\n"
	    "release\n"
	    "reveal 3\n");
	/* The code was consumed before the key was made. */
	ck_assert_int_eq(fk.codes_left_at_make, NCODES - 1);
	ck_assert_int_eq(keys_of(USER), 1);
	ck_assert_int_eq(pr_ticket_info(PR_STATE_FILES(ke.state), USER, &(struct pr_ticket_info){ 0 }, NULL),
	    PR_ERR_NOT_FOUND);
	ck_assert_int_eq(codes_left(), NCODES);  /* the new set */
}
END_TEST

START_TEST(recovery_unrecorded_key_taken_back)
{
	recovery_world();
	fk.fail_record = "enroll";
	ck_assert_int_eq(recover(NULL), PR_ERR_AUDIT);
	log_is(TICKET_OK CODE_OK KEY_BEGUN
	    "record enroll ok recovery\n"
	    "undone\n"
	    "say key-undone audit-error\n"
	    "release\n");
	ck_assert_int_eq(keys_of(USER), 0);
	ck_assert_int_eq(codes_left(), NCODES - 1);  /* no new set either */
}
END_TEST

START_TEST(recovery_code_unrecorded_not_checked)
{
	recovery_world();
	fk.fail_begin = "recovery-code";
	ck_assert_int_eq(recover(NULL), PR_ERR_AUDIT);
	log_is(TICKET_OK
	    "ask code\nhold\nbegin recovery-code consumed\n"
	    "record recovery-code audit-error by recovery-code -\n"
	    "say code-not-recorded audit-error\n"
	    "release\n");
	ck_assert_int_eq(codes_left(), NCODES);      /* not consumed */
}
END_TEST

START_TEST(recovery_wrong_code_no_key)
{
	recovery_world();
	fk.code = WRONG_CODE;
	ck_assert_int_eq(recover(NULL), PR_ERR_CODE_INVALID);
	log_is(TICKET_OK
	    "ask code\nhold\nbegin recovery-code consumed\n"
	    "record recovery-code invalid-code by recovery-code -\n"
	    "say code-invalid invalid-code\n"
	    "release\n");
	ck_assert_int_eq(fk.codes_left_at_make, -1);  /* never asked to make a key */
	ck_assert_int_eq(keys_of(USER), 0);
}
END_TEST

#define RETRY "ask ticket\nhold\nrecord recovery-ticket ok accepted, code already used\n" \
	"release\nsay ticket-accepted ok\nsay code-not-needed ok\nmake\n"

START_TEST(recovery_passkey_refused_then_retried_without_code)
{
	recovery_world();
	fk.device = keyenv_device("synced", "synced", NULL);
	ck_assert_int_eq(recover(NULL), PR_ERR_CLASS);
	log_is(TICKET_OK CODE_OK
	    "make\n"
	    "record enroll class-not-allowed recovery, refused by policy\n"
	    "say key-passkey class-not-allowed\n"
	    "say key-failed class-not-allowed\n");
	ck_assert_int_eq(keys_of(USER), 0);
	/* The same ticket again: no code asked, the physical key enrolled. */
	memset(fk.log, 0, sizeof(fk.log));
	fk.device = fk.physical;
	ck_assert_int_eq(pr_recovery_begin(&fk.rc, ke.cfg, USER, NULL), PR_OK);
	ck_assert_int_eq(recover(NULL), PR_OK);
	ck_assert_msg(strncmp(fk.log, RETRY, strlen(RETRY)) == 0, "%s", fk.log);
	ck_assert_int_eq(keys_of(USER), 1);
}
END_TEST

START_TEST(recovery_lockout_recorded_after_its_cause)
{
	struct pr_lockout t;
	char path[256];

	recovery_world();
	/* One try short of the limit: the tally file made, then set to 99. */
	ck_assert_int_eq(pr_lockout_reserve(PR_STATE_FILES(ke.state), USER, pr_now(), &t, NULL), PR_OK);
	snprintf(path, sizeof(path), "%s/tally/%s", ke.state, USER);
	test_write_file(path, TALLY_99, strlen(TALLY_99), 0600);
	ck_assert_int_eq(pr_recovery_begin(&fk.rc, ke.cfg, USER, NULL), PR_OK);
	fk.ticket = WRONG_TICKET;
	ck_assert_int_eq(recover(NULL), PR_ERR_TICKET_INVALID);
	log_is("ask ticket\nhold\nrecord recovery-ticket invalid-ticket -\nrelease\n"
	    "say ticket-refused invalid-ticket\n"
	    "record lockout locked-out by recovery-code recovery locked\n"
	    "say locked locked-out\n");
}
END_TEST

START_TEST(recovery_cancelled_ticket_recorded)
{
	recovery_world();
	fk.ticket = NULL;
	ck_assert_int_eq(recover(NULL), PR_ERR_CANCELLED);
	log_is("ask ticket\nrecord recovery-ticket cancelled -\nsay ticket-refused cancelled\n");
}
END_TEST

START_TEST(recovery_stands_when_new_codes_unrecorded)
{
	int codes_err = PR_OK;

	recovery_world();
	fk.fail_record = "codes-generated";
	ck_assert_int_eq(recover(&codes_err), PR_OK);
	ck_assert_int_eq(codes_err, PR_ERR_AUDIT);
	ck_assert_str_eq(fk.first_code, "");         /* nothing revealed */
	ck_assert_int_eq(keys_of(USER), 1);
}
END_TEST

static Suite *flows_suite(void)
{
	Suite *s = suite_create("flows");
	TCase *tc = tcase_create("codes-issue");

	/* Each code is hashed with scrypt (32 MiB): slow on a loaded machine. */
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, codes_recorded_then_revealed);
	tcase_add_test(tc, codes_detail_names_the_proof);
	tcase_add_test(tc, codes_record_failure_hides_them);
	tcase_add_test(tc, codes_not_begun_not_made);
	tcase_add_test(tc, codes_notice_failure_recorded_after_reveal);
	suite_add_tcase(s, tc);
	tc = tcase_create("recovery-complete");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, recovery_in_order);
	tcase_add_test(tc, recovery_unrecorded_key_taken_back);
	tcase_add_test(tc, recovery_code_unrecorded_not_checked);
	tcase_add_test(tc, recovery_wrong_code_no_key);
	tcase_add_test(tc, recovery_passkey_refused_then_retried_without_code);
	tcase_add_test(tc, recovery_lockout_recorded_after_its_cause);
	tcase_add_test(tc, recovery_cancelled_ticket_recorded);
	tcase_add_test(tc, recovery_stands_when_new_codes_unrecorded);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_tap(flows_suite());
}
