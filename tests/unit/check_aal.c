/*
 * Unit tests of lib/aal.c: the assurance level of every kind of sign-in,
 * written out by hand from the SP 800-63B-4 reading in pam_practicerunner(8),
 * and which of the policy's limits each level gets.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "aal.h"
#include "testlib.h"

#define UP 0x01
#define UV PR_AUTHDATA_UV
#define BE 0x08
#define BS 0x10

static const struct {
	struct pr_aal_evidence in;
	enum pr_aal want;
	const char *name;
} rows[] = {
	/* physical key: with UV two factors in hardware; without, one factor */
	{ { true, PR_CLASS_PHYSICAL, UP | UV, false }, PR_AAL3, "aal3" },
	{ { true, PR_CLASS_PHYSICAL, UP, false }, PR_AAL1, "aal1" },
	{ { true, PR_CLASS_PHYSICAL, UV, false }, PR_AAL3, "aal3" },
	/* passkey: never hardware-bound for certain, so at most AAL2 */
	{ { true, PR_CLASS_PASSKEY, UP | UV | BE | BS, false }, PR_AAL2, "aal2" },
	{ { true, PR_CLASS_PASSKEY, UP | UV, false }, PR_AAL2, "aal2" },
	{ { true, PR_CLASS_PASSKEY, UP | BE | BS, false }, PR_AAL1, "aal1" },
	{ { true, PR_CLASS_PASSKEY, UP, false }, PR_AAL1, "aal1" },
	/* an unknown class is not read as physical */
	{ { true, (enum pr_class)7, UP | UV, false }, PR_AAL2, "aal2" },
	/* other flags never stand in for UV */
	{ { true, PR_CLASS_PHYSICAL, 0xff & ~UV, false }, PR_AAL1, "aal1" },
	/* recovery: ticket + code, whatever key was seen before */
	{ { false, PR_CLASS_PASSKEY, 0, true }, PR_AAL2, "aal2" },
	{ { true, PR_CLASS_PHYSICAL, UP | UV, true }, PR_AAL2, "aal2" },
	/* nothing verified: no level */
	{ { false, PR_CLASS_PHYSICAL, UP | UV, false }, PR_AAL_NONE, "none" },
	{ { false, PR_CLASS_PASSKEY, 0, false }, PR_AAL_NONE, "none" },
};

START_TEST(level_of_signin)
{
	enum pr_aal got = pr_aal_of(&rows[_i].in);

	ck_assert_int_eq(got, rows[_i].want);
	ck_assert_str_eq(pr_aal_name(got), rows[_i].name);
}
END_TEST

START_TEST(null_and_unknown)
{
	struct pr_session_conf s = { .aal1 = { 1, 2 } };

	ck_assert_int_eq(pr_aal_of(NULL), PR_AAL_NONE);
	ck_assert_str_eq(pr_aal_name((enum pr_aal)9), "none");
	ck_assert_str_eq(pr_aal_name((enum pr_aal)-1), "none");
	ck_assert_ptr_null(pr_aal_limits(&s, PR_AAL_NONE));
	ck_assert_ptr_null(pr_aal_limits(&s, (enum pr_aal)4));
	ck_assert_ptr_null(pr_aal_limits(NULL, PR_AAL1));
}
END_TEST

START_TEST(limits_per_level)
{
	struct pr_session_conf s = {
		.aal1 = { 101, 102 }, .aal2 = { 201, 202 }, .aal3 = { 301, 302 },
	};

	ck_assert_int_eq(pr_aal_limits(&s, PR_AAL1)->idle, 101);
	ck_assert_int_eq(pr_aal_limits(&s, PR_AAL1)->session, 102);
	ck_assert_int_eq(pr_aal_limits(&s, PR_AAL2)->idle, 201);
	ck_assert_int_eq(pr_aal_limits(&s, PR_AAL2)->session, 202);
	ck_assert_int_eq(pr_aal_limits(&s, PR_AAL3)->idle, 301);
	ck_assert_int_eq(pr_aal_limits(&s, PR_AAL3)->session, 302);
}
END_TEST

static Suite *aal_suite(void)
{
	Suite *s = suite_create("aal");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, level_of_signin, 0, NROWS(rows));
	tcase_add_test(tc, null_and_unknown);
	tcase_add_test(tc, limits_per_level);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_tap(aal_suite());
}
