/*
 * Unit tests of lib/audit_rate.c: which records the rate applies to, the
 * window and its roll, the merged counts adding up, eviction of the entry
 * seen longest ago, the alert interval, the file round trip, and a
 * damaged or unsafe rate file read as an empty table (fail safe), then
 * replaced by pr_audit_append.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "audit_rate.h"
#include "err.h"
#include "secure_file.h"
#include "testlib.h"

#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define T0 1795492170

static char dir[64];
static char logp[128];
static char ratep[160];

static void setup(void)
{
	strcpy(dir, "/tmp/check_audit_rate.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(logp, sizeof(logp), "%s/audit.log", dir);
	snprintf(ratep, sizeof(ratep), "%s%s", logp, PR_RATE_SUFFIX);
}

static void teardown(void)
{
	ck_assert_msg(test_rm_tree(AT_FDCWD, dir), "could not remove %s", dir);
}

/* ---- which records ------------------------------------------------------------------ */

static const struct {
	const char *event;
	bool success;
	const char *user, *actor;
	bool applies;
} apply_rows[] = {
	{ "auth", false, "alice", NULL, true },
	{ "auth", true, "alice", NULL, false },
	{ "step-up", false, "alice", NULL, true },
	{ "recovery-code", false, "alice", "alice", true },
	{ "recovery-ticket", false, "alice", "alice", true },
	{ "lockout", false, "alice", "alice", true },
	{ "lockout", false, "alice", "root", false },        /* an administrator's action */
	{ "ssh-key-offer", false, "(unknown)", NULL, true },
	{ "enroll", false, "alice", "alice", false },
	{ "remove", false, "alice", "root", false },
	{ "audit-repair", false, NULL, NULL, false },
};

START_TEST(applies_rows)
{
	struct pr_audit_event ev = { .flags = -1, .sign_count = -1 };

	ev.event = apply_rows[_i].event;
	ev.success = apply_rows[_i].success;
	ev.user = apply_rows[_i].user;
	ev.actor = apply_rows[_i].actor;
	ck_assert_int_eq(pr_rate_applies(&ev), apply_rows[_i].applies);
}
END_TEST

/* ---- window, merged counts ------------------------------------------------------------- */

/* n records at now for user/rhost; how many were written, merged counts added to *sum. */
static int admit_n(struct pr_rate_table *t, const char *user, const char *rhost, int64_t now,
    int n, long per_minute, int64_t *sum)
{
	int64_t merged;
	int written = 0;

	for (int i = 0; i < n; i++) {
		if (pr_rate_admit(t, user, rhost, now, per_minute, false, &merged)) {
			written++;
			*sum += merged;
		} else {
			ck_assert_int_eq(merged, 0);
		}
	}
	return written;
}

START_TEST(window_limits_and_rolls)
{
	struct pr_rate_table t = { NULL, 0, 0, 0 };
	int64_t merged = 0, sum = 0;

	ck_assert_int_eq(admit_n(&t, "alice", "10.0.0.1", T0, 25, 10, &sum), 10);
	ck_assert_int_eq(sum, 0);
	/* still the same window 59 s on */
	ck_assert(!pr_rate_admit(&t, "alice", "10.0.0.1", T0 + 59, 10, false, &merged));
	/* 60 s on: a new window, and the first record carries the 16 counted */
	ck_assert(pr_rate_admit(&t, "alice", "10.0.0.1", T0 + 60, 10, false, &merged));
	ck_assert_int_eq(merged, 16);
	ck_assert(pr_rate_admit(&t, "alice", "10.0.0.1", T0 + 61, 10, false, &merged));
	ck_assert_int_eq(merged, 0);
	/* the clock set back: the window starts again rather than never ending */
	ck_assert_int_eq(admit_n(&t, "alice", "10.0.0.1", T0 - 1000, 12, 10, &sum), 10);
	pr_rate_clear(&t);
}
END_TEST

/* Another address does not escape the user's rate, nor another user the address's. */
START_TEST(either_key_limits)
{
	struct pr_rate_table t = { NULL, 0, 0, 0 };
	char host[32];
	int64_t sum = 0;
	int written = 0;

	for (int i = 0; i < 50; i++) {
		snprintf(host, sizeof(host), "h%d.example", i);
		written += admit_n(&t, "mallory", host, T0, 1, 10, &sum);
	}
	ck_assert_int_eq(written, 10);
	written = 0;
	for (int i = 0; i < 50; i++) {
		snprintf(host, sizeof(host), "user%d", i);
		written += admit_n(&t, host, "192.0.2.7", T0, 1, 10, &sum);
	}
	ck_assert_int_eq(written, 10);
	pr_rate_clear(&t);
}
END_TEST

/* Whatever the mix, written + every merged= + what is still pending = all records. */
START_TEST(merged_counts_add_up)
{
	struct pr_rate_table t = { NULL, 0, 0, 0 };
	const char *users[] = { "alice", "bob", NULL, "(unknown)" };
	const char *hosts[] = { "10.0.0.1", NULL, "10.0.0.2", "" };
	int64_t sum = 0, pending;
	int written = 0, total = 0;

	for (int64_t now = T0; now < T0 + 300; now += 7)
		for (int i = 0; i < 40; i++, total++)
			written += admit_n(&t, users[i % 4], hosts[(i / 4) % 4], now, 1, 3, &sum);
	pending = t.orphan;
	for (size_t i = 0; i < t.n; i++)
		pending += t.v[i].merged;
	ck_assert_int_eq(written + sum + pending, total);
	ck_assert_int_lt(written, total / 4);
	pr_rate_clear(&t);
}
END_TEST

START_TEST(low_space_counts_everything)
{
	struct pr_rate_table t = { NULL, 0, 0, 0 };
	int64_t merged;

	for (int i = 0; i < 5; i++)
		ck_assert(!pr_rate_admit(&t, "alice", NULL, T0, 10, true, &merged));
	ck_assert(!pr_rate_admit(&t, NULL, NULL, T0, 10, true, &merged));
	ck_assert_int_eq(t.orphan, 1);
	ck_assert(pr_rate_admit(&t, "alice", NULL, T0 + 1, 10, false, &merged));
	ck_assert_int_eq(merged, 6);
	pr_rate_clear(&t);
}
END_TEST

/* A full table evicts the entry seen longest ago; its count is not lost. */
START_TEST(eviction_keeps_counts)
{
	struct pr_rate_table t = { NULL, 0, 0, 0 };
	char name[32];
	int64_t merged = 0, sum = 0;

	/* "old" is over its rate first, so it has something pending */
	ck_assert_int_eq(admit_n(&t, "old", NULL, T0, 3, 1, &sum), 1);
	ck_assert_int_eq(sum, 0);
	for (int i = 0; i < PR_RATE_ENTRIES; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		admit_n(&t, name, NULL, T0 + 1, 1, 1, &sum);
	}
	ck_assert_uint_eq(t.n, PR_RATE_ENTRIES);
	/* old's two went to orphan, and the record that took its place carried them */
	ck_assert_int_eq(sum, 2);
	ck_assert_int_eq(t.orphan, 0);
	/* old is new again: its first record is written, with nothing to carry */
	ck_assert(pr_rate_admit(&t, "old", NULL, T0 + 2, 1, false, &merged));
	ck_assert_int_eq(merged, 0);
	ck_assert_uint_eq(t.n, PR_RATE_ENTRIES);
	pr_rate_clear(&t);
}
END_TEST

START_TEST(alert_interval)
{
	struct pr_rate_table t = { NULL, 0, 0, 0 };

	ck_assert(pr_rate_alert_due(&t, T0));
	ck_assert(!pr_rate_alert_due(&t, T0 + 1));
	ck_assert(!pr_rate_alert_due(&t, T0 + PR_RATE_ALERT_INTERVAL - 1));
	ck_assert(pr_rate_alert_due(&t, T0 + PR_RATE_ALERT_INTERVAL));
	ck_assert(pr_rate_alert_due(&t, T0));     /* clock set back */
	pr_rate_clear(&t);
}
END_TEST

/* ---- the file --------------------------------------------------------------------------- */

START_TEST(file_round_trip)
{
	struct pr_rate_table t = { NULL, 0, 0, 0 }, u = { NULL, 0, 0, 0 };
	int64_t sum = 0, merged;
	char *text = NULL;
	size_t len;

	admit_n(&t, "alice", "10.0.0.1", T0, 15, 10, &sum);
	admit_n(&t, "bob", NULL, T0 - 300, 1, 10, &sum);   /* spent by T0: dropped */
	ck_assert(pr_rate_alert_due(&t, T0));
	ck_assert_int_eq(pr_rate_save(ratep, &t, T0), PR_OK);
	pr_rate_load(ratep, &u);
	ck_assert_uint_eq(u.n, 2);
	ck_assert_int_eq(u.alert, T0);
	ck_assert(!pr_rate_admit(&u, "alice", NULL, T0 + 1, 10, false, &merged));
	ck_assert(pr_rate_admit(&u, "alice", NULL, T0 + 61, 10, false, &merged));
	ck_assert_int_eq(merged, 6);
	ck_assert_int_eq(pr_rate_format(&u, T0 + 61, &text, &len), PR_OK);
	ck_assert_ptr_nonnull(strstr(text, "practicerunner-audit-rate 1\nalert="));
	free(text);
	pr_rate_clear(&t);
	pr_rate_clear(&u);
}
END_TEST

static const char *const bad_files[] = {
	"",
	"practicerunner-audit-rate 2\nalert=0 orphan=0\n",
	"practicerunner-audit-rate 1\n",
	"practicerunner-audit-rate 1\nalert=0 orphan=-1\n",
	"practicerunner-audit-rate 1\nalert=0 orphan=0",
	"practicerunner-audit-rate 1\nalert=0 orphan=0\nzz start=1 last=1 count=1 merged=0\n",
	"practicerunner-audit-rate 1\nalert=0 orphan=0\n"
	    "00112233445566778899aabbccddeeff start=1 last=1 count=1\n",
	"practicerunner-audit-rate 1\nalert=0 orphan=0\n"
	    "00112233445566778899aabbccddeeff start=1 last=1 count=1 merged=0\n"
	    "00112233445566778899aabbccddeeff start=1 last=1 count=1 merged=0\n",
	"practicerunner-audit-rate 1\nalert=0 orphan=0\n"
	    "00112233445566778899aabbccddeeff start=1 last=1 count=99999999999999999999 merged=0\n",
	"\x7f" "ELF garbage\0\n",
};

/* A damaged file reads as an empty table; the next append writes and replaces it. */
START_TEST(corrupt_file_is_empty_and_replaced)
{
	struct pr_audit_event ev = { .event = "auth", .success = false, .user = "alice",
		.flags = -1, .sign_count = -1 };
	struct pr_rate_table t = { NULL, 0, 5, 5 };
	struct pr_errbuf eb = { 0 };
	const char *bad = bad_files[_i];
	size_t blen = _i == NROWS(bad_files) - 1 ? 14 : strlen(bad);
	char *buf = NULL;
	size_t len;
	int fd;

	ck_assert_int_eq(pr_rate_parse(bad, blen, &t), PR_ERR_CORRUPT);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_int_eq(t.orphan, 0);
	fd = open(ratep, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pr_write_all(fd, bad, blen), PR_OK);
	close(fd);
	pr_rate_load(ratep, &t);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_int_eq(pr_audit_append(logp, &ev, &eb), PR_OK);
	ck_assert_int_eq(pr_secure_read(AT_FDCWD, ratep, 077, 1 << 20, &buf, &len), PR_FILE_OK);
	ck_assert_ptr_nonnull(strstr(buf, "practicerunner-audit-rate 1\n"));
	free(buf);
	pr_rate_load(ratep, &t);
	ck_assert_uint_eq(t.n, 1);
	pr_rate_clear(&t);
}
END_TEST

/* A link or a group-writable file where the rate file goes: ignored and replaced, not followed. */
START_TEST(unsafe_file_replaced_not_followed)
{
	struct pr_audit_event ev = { .event = "auth", .success = false, .user = "alice",
		.flags = -1, .sign_count = -1 };
	struct pr_errbuf eb = { 0 };
	char target[192];
	struct stat st;
	int fd;

	snprintf(target, sizeof(target), "%s/target", dir);
	fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(symlink(target, ratep), 0);
	ck_assert_int_eq(pr_audit_append(logp, &ev, &eb), PR_OK);
	ck_assert_int_eq(lstat(ratep, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(stat(target, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
}
END_TEST

/* Through pr_audit_append: over the rate nothing is written, then merged= says how many. */
START_TEST(append_merges)
{
	struct pr_audit_limits lim = { 3, 1 };
	struct pr_audit_event ev = { .event = "auth", .success = false, .user = "alice",
		.rhost = "192.0.2.1", .flags = -1, .sign_count = -1, .limits = &lim };
	struct pr_rate_table t = { NULL, 0, 0, 0 };
	struct pr_errbuf eb = { 0 };
	long bad = 0, n = 0;
	char *last;

	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(pr_audit_append(logp, &ev, &eb), PR_OK);
	ck_assert_int_eq(pr_audit_verify(logp, &bad, &n, &eb), PR_OK);
	ck_assert_int_eq(n, 3);
	/* a success is always written, and says how many failures were not (merged=7) */
	ev.success = true;
	ck_assert_int_eq(pr_audit_append(logp, &ev, &eb), PR_OK);
	ck_assert_int_eq(pr_audit_verify(logp, &bad, &n, &eb), PR_OK);
	ck_assert_int_eq(n, 4);
	ck_assert_ptr_nonnull(strstr(last = test_audit_last(logp), " merged=7 "));
	free(last);
	pr_rate_load(ratep, &t);
	ck_assert_uint_ge(t.n, 1);
	ck_assert_int_eq(t.v[0].merged, 0);
	/* and the next success carries nothing more */
	ck_assert_int_eq(pr_audit_append(logp, &ev, &eb), PR_OK);
	ck_assert_ptr_null(strstr(last = test_audit_last(logp), "merged="));
	free(last);
	pr_rate_clear(&t);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("audit_rate");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, applies_rows, 0, NROWS(apply_rows));
	tcase_add_test(tc, window_limits_and_rolls);
	tcase_add_test(tc, either_key_limits);
	tcase_add_test(tc, merged_counts_add_up);
	tcase_add_test(tc, low_space_counts_everything);
	tcase_add_test(tc, eviction_keeps_counts);
	tcase_add_test(tc, alert_interval);
	tcase_add_test(tc, file_round_trip);
	tcase_add_loop_test(tc, corrupt_file_is_empty_and_replaced, 0, NROWS(bad_files));
	tcase_add_test(tc, unsafe_file_replaced_not_followed);
	tcase_add_test(tc, append_merges);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_tap(suite());
}
