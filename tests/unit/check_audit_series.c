/*
 * Unit tests of lib/audit_rotate.c and lib/audit_series.c: a rotation
 * continues the chain and the head follows; verify --all passes a series
 * and names the file of each kind of damage (missing, reordered, cut short,
 * edited, torn, grown, emptied); what an interrupted rotation leaves is
 * the old state, said, and cleaned by the next rotation.
 * doc/ARCHITECTURE.md §8.7.
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
#include "audit_series.h"
#include "err.h"
#include "testlib.h"

#define ROTATIONS 3

static char dir[64];
static char logp[128];
/* the series names, oldest first, after make_series */
static char series[ROTATIONS][256];

static void setup(void)
{
	strcpy(dir, "/tmp/check_series.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(logp, sizeof(logp), "%s/audit.log", dir);
}

static void teardown(void)
{
	ck_assert_msg(test_rm_tree(AT_FDCWD, dir), "could not remove %s", dir);
}

static void append(const char *user)
{
	struct pr_audit_event ev = {
		.event = "auth", .success = true, .user = user, .role = "staff",
		.method = "security-key", .service = "login", .flags = -1, .sign_count = -1,
	};
	struct pr_errbuf eb = { 0 };

	ck_assert_msg(pr_audit_append(logp, &ev, &eb) == PR_OK, "%s", eb.msg);
}

static void rotate(int i)
{
	struct pr_audit_rotated rot;
	struct pr_errbuf eb = { 0 };

	ck_assert_msg(pr_audit_rotate(logp, "root", &rot, &eb) == PR_OK, "%s", eb.msg);
	ck_assert(rot.rotated);
	if (i >= 0)
		snprintf(series[i], sizeof(series[i]), "%s", rot.series);
}

/* Two records, then ROTATIONS times: rotate, two more records. */
static void make_series(void)
{
	append("alice");
	append("bob");
	for (int i = 0; i < ROTATIONS; i++) {
		rotate(i);
		append("alice");
		append("bob");
	}
}

static int verify_all(struct pr_audit_series_report *rep, struct pr_errbuf *eb)
{
	return pr_audit_verify_all(dir, "audit.log", rep, eb);
}

static char *path_of(const char *name)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

START_TEST(rotation_keeps_the_chain)
{
	struct pr_audit_series_report rep;
	struct pr_errbuf eb = { 0 };
	long bad = 0, n = 0;
	char *last;

	make_series();
	/* each file 2 records plus, after the first, its rotate record */
	ck_assert_msg(verify_all(&rep, &eb) == PR_OK, "%s", eb.msg);
	ck_assert_uint_eq(rep.files, ROTATIONS + 1);
	ck_assert_int_eq(rep.records, 2 + ROTATIONS * 3);
	ck_assert_int_eq(rep.first_seq, 1);
	ck_assert_int_eq(rep.last_seq, 2 + ROTATIONS * 3);
	/* the live log alone verifies too, against its head */
	ck_assert_msg(pr_audit_verify(logp, &bad, &n, &eb) == PR_OK, "%s", eb.msg);
	ck_assert_int_eq(n, 3);
	/* the new file's first record says where it comes from */
	rotate(-1);
	last = test_audit_last(logp);
	ck_assert_str_eq(test_audit_field(last, "event"), "rotate");
	ck_assert_str_eq(test_audit_field(last, "actor"), "root");
	ck_assert_msg(strstr(test_audit_field(last, "detail"), ", 3 records,") != NULL, "%s", test_audit_field(last, "detail"));
	free(last);
	ck_assert_msg(verify_all(&rep, &eb) == PR_OK, "%s", eb.msg);
}
END_TEST

START_TEST(empty_log_not_rotated)
{
	struct pr_audit_rotated rot;
	struct pr_errbuf eb = { 0 };

	test_write_file(logp, "", 0, 0600);
	ck_assert_int_eq(pr_audit_rotate(logp, "root", &rot, &eb), PR_OK);
	ck_assert(!rot.rotated);
}
END_TEST

START_TEST(damaged_log_not_rotated)
{
	struct pr_audit_rotated rot;
	struct pr_errbuf eb = { 0 };
	char *text;

	append("alice");
	append("bob");
	text = test_slurp(logp);
	text[strlen(text) / 4] ^= 1;
	test_write_file(logp, text, strlen(text), 0600);
	free(text);
	ck_assert_int_eq(pr_audit_rotate(logp, "root", &rot, &eb), PR_ERR_CORRUPT);
	ck_assert(!rot.rotated);
}
END_TEST

/* A file of the series damaged, and the file verify --all must name. */
enum damage { D_REMOVE, D_SWAP, D_CUT, D_EDIT, D_TEAR, D_GROW, D_EMPTY, D_REMOVE_NEWEST };
static const struct damage_row {
	enum damage what;
	int file;               /* index into series[] */
	int named;              /* the file named: index into series[], or -1 for the live log */
	const char *words;      /* in the message */
} damage_rows[] = {
	{ D_REMOVE, 1, 2, "missing" },
	{ D_SWAP, 1, 1, "reordered" },
	{ D_SWAP, 0, 0, "reordered" },
	{ D_CUT, 1, 1, "cut short" },
	{ D_EDIT, 1, 1, "was edited" },
	{ D_TEAR, 0, 0, "torn" },
	{ D_GROW, 0, 0, "goes on past" },
	{ D_EMPTY, 2, 2, "holds no record" },
	{ D_REMOVE_NEWEST, 2, -1, "missing" },
};

static void damage(const struct damage_row *row)
{
	char *a = strdup(path_of(series[row->file])), *text;
	size_t len = 0;

	switch (row->what) {
	case D_REMOVE:
	case D_REMOVE_NEWEST:
		ck_assert_int_eq(unlink(a), 0);
		break;
	case D_SWAP: {
		char *b = strdup(path_of(series[row->file + 1])), tmp[600];
		snprintf(tmp, sizeof(tmp), "%s.x", a);
		ck_assert(rename(a, tmp) == 0 && rename(b, a) == 0 && rename(tmp, b) == 0);
		free(b);
		break;
	}
	case D_CUT:  /* the last record off, at a line boundary */
		text = test_slurp_len(a, &len);
		text[len - 1] = '\0';
		len = (size_t)(strrchr(text, '\n') - text) + 1;
		test_write_file(a, text, len, 0600);
		free(text);
		break;
	case D_EDIT:
		text = test_slurp_len(a, &len);
		strstr(text, "user=bob")[5] = 'B';
		test_write_file(a, text, len, 0600);
		free(text);
		break;
	case D_TEAR:
		text = test_slurp_len(a, &len);
		test_write_file(a, text, len - 5, 0600);
		free(text);
		break;
	case D_GROW: /* a record of the next file copied onto this one's end */
		text = test_slurp_len(a, &len);
		{
			char *next = test_slurp(path_of(series[row->file + 1])), *both = NULL;
			ck_assert_int_ge(asprintf(&both, "%s%s", text, next), 0);
			*(strchr(both + len, '\n') + 1) = '\0';
			test_write_file(a, both, strlen(both), 0600);
			free(both);
			free(next);
		}
		free(text);
		break;
	case D_EMPTY:
		test_write_file(a, "", 0, 0600);
		break;
	}
	free(a);
}

START_TEST(damage_named)
{
	const struct damage_row *row = &damage_rows[_i];
	struct pr_audit_series_report rep;
	struct pr_errbuf eb = { 0 };
	const char *named = row->named < 0 ? "audit.log" : series[row->named];

	make_series();
	damage(row);
	ck_assert_int_eq(verify_all(&rep, &eb), PR_ERR_CORRUPT);
	ck_assert_msg(strstr(eb.msg, row->words) != NULL, "row %d: %s", _i, eb.msg);
	ck_assert_msg(strcmp(rep.bad_file, named) == 0, "row %d: named %s, want %s (%s)", _i,
	    rep.bad_file, named, eb.msg);
}
END_TEST

/* A clock that went back: names out of time order, the seq still orders them. */
START_TEST(order_by_seq_not_time)
{
	struct pr_audit_series_report rep;
	struct pr_errbuf eb = { 0 };
	char older[300];

	make_series();
	/* the newest series file gets a name dated before all others, same seq */
	snprintf(older, sizeof(older), "audit.log.19990101T000000Z-%s", strrchr(series[2], '-') + 1);
	char *to = strdup(path_of(older));   /* path_of reuses one buffer */

	ck_assert_ptr_nonnull(to);
	ck_assert_int_eq(rename(path_of(series[2]), to), 0);
	free(to);
	ck_assert_msg(verify_all(&rep, &eb) == PR_OK, "%s", eb.msg);
}
END_TEST

/* Killed after naming the old file, before the new one is in place. */
START_TEST(interrupted_rotation_is_old_state)
{
	struct pr_audit_series_report rep;
	struct pr_errbuf eb = { 0 };
	char stale[300], note[512], tmp[300];
	long bad = 0, n = 0;

	make_series();
	snprintf(stale, sizeof(stale), "%s/audit.log.20991231T000000Z-000000000099", dir);
	ck_assert_int_eq(link(logp, stale), 0);
	snprintf(tmp, sizeof(tmp), "%s/.audit.log.rotating", dir);
	test_write_file(tmp, "seq=", 4, 0600);
	ck_assert_msg(pr_audit_verify(logp, &bad, &n, &eb) == PR_OK, "%s", eb.msg);
	pr_audit_rotation_note(logp, note, sizeof(note));
	ck_assert_msg(strstr(note, "as it was before the rotation") != NULL, "%s", note);
	ck_assert_msg(verify_all(&rep, &eb) == PR_OK, "%s", eb.msg);
	ck_assert_msg(strstr(rep.note, "interrupted") != NULL, "%s", rep.note);
	/* appends go on in the old state; the next rotation clears what was left */
	append("carol");
	rotate(-1);
	ck_assert(!test_exists(stale));
	ck_assert(!test_exists(tmp));
	ck_assert_msg(verify_all(&rep, &eb) == PR_OK, "%s", eb.msg);
	ck_assert_uint_eq(rep.files, ROTATIONS + 2);
	pr_audit_rotation_note(logp, note, sizeof(note));
	ck_assert_msg(strstr(note, "was rotated") != NULL, "%s", note);
}
END_TEST

/* Only a rotate record may start a file anywhere but at record 1. */
START_TEST(cut_head_of_live_log_detected)
{
	struct pr_errbuf eb = { 0 };
	long bad = 0, n = 0;
	char *text, *second;

	make_series();
	text = test_slurp(logp);
	second = strchr(text, '\n') + 1;      /* the rotate record removed */
	test_write_file(logp, second, strlen(second), 0600);
	free(text);
	ck_assert_int_eq(pr_audit_verify(logp, &bad, &n, &eb), PR_ERR_CORRUPT);
	ck_assert_int_eq(bad, 1);
}
END_TEST

static Suite *series_suite(void)
{
	Suite *s = suite_create("audit_series");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rotation_keeps_the_chain);
	tcase_add_test(tc, empty_log_not_rotated);
	tcase_add_test(tc, damaged_log_not_rotated);
	tcase_add_loop_test(tc, damage_named, 0, NROWS(damage_rows));
	tcase_add_test(tc, order_by_seq_not_time);
	tcase_add_test(tc, interrupted_rotation_is_old_state);
	tcase_add_test(tc, cut_head_of_live_log_detected);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_tap(series_suite());
}
