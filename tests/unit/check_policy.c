/*
 * Unit tests of lib/policy.c (and the names in lib/types.c) against
 * expectations written out by hand from doc/ARCHITECTURE.md §2.1, not computed: every combination of the two settings,
 * the three roles and exemption, and what each credential class satisfies.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "testlib.h"

/* Short names so the table reads like the design's rules. */
#define K_NONE PR_REQ_KEY_NONE
#define K_ALL PR_REQ_KEY_ALL_USERS
#define P_NONE PR_REQ_PHYS_NONE
#define P_OWN PR_REQ_PHYS_OWNERS
#define P_ALL PR_REQ_PHYS_ALL_USERS
#define OWNER PR_ROLE_OWNER
#define ADMIN PR_ROLE_ADMIN
#define STAFF PR_ROLE_STAFF
#define N_NONE PR_NEED_NONE
#define N_KEY PR_NEED_ANY_KEY
#define N_PHYS PR_NEED_PHYSICAL

static const struct {
	enum pr_require_key key;
	enum pr_require_physical phys;
	enum pr_role role;
	bool exempt;
	enum pr_need need;
	bool passkey_ok;
	bool physical_ok;
} need_rows[] = {
	/* key none, physical none: nobody has a requirement */
	{ K_NONE, P_NONE, OWNER, false, N_NONE, true, true },
	{ K_NONE, P_NONE, OWNER, true,  N_NONE, true, true },
	{ K_NONE, P_NONE, ADMIN, false, N_NONE, true, true },
	{ K_NONE, P_NONE, ADMIN, true,  N_NONE, true, true },
	{ K_NONE, P_NONE, STAFF, false, N_NONE, true, true },
	{ K_NONE, P_NONE, STAFF, true,  N_NONE, true, true },
	/* key none, physical owners: owners only, and never exempt */
	{ K_NONE, P_OWN, OWNER, false, N_PHYS, false, true },
	{ K_NONE, P_OWN, OWNER, true,  N_PHYS, false, true },
	{ K_NONE, P_OWN, ADMIN, false, N_NONE, true, true },
	{ K_NONE, P_OWN, ADMIN, true,  N_NONE, true, true },
	{ K_NONE, P_OWN, STAFF, false, N_NONE, true, true },
	{ K_NONE, P_OWN, STAFF, true,  N_NONE, true, true },
	/* key none, physical all-users: everyone physical, exempt staff nothing */
	{ K_NONE, P_ALL, OWNER, false, N_PHYS, false, true },
	{ K_NONE, P_ALL, OWNER, true,  N_PHYS, false, true },
	{ K_NONE, P_ALL, ADMIN, false, N_PHYS, false, true },
	{ K_NONE, P_ALL, ADMIN, true,  N_PHYS, false, true },
	{ K_NONE, P_ALL, STAFF, false, N_PHYS, false, true },
	{ K_NONE, P_ALL, STAFF, true,  N_NONE, true, true },
	/* key all-users, physical none: any key for everyone not exempt */
	{ K_ALL, P_NONE, OWNER, false, N_KEY, true, true },
	{ K_ALL, P_NONE, OWNER, true,  N_KEY, true, true },
	{ K_ALL, P_NONE, ADMIN, false, N_KEY, true, true },
	{ K_ALL, P_NONE, ADMIN, true,  N_KEY, true, true },
	{ K_ALL, P_NONE, STAFF, false, N_KEY, true, true },
	{ K_ALL, P_NONE, STAFF, true,  N_NONE, true, true },
	/* key all-users, physical owners: owners physical, the rest any key */
	{ K_ALL, P_OWN, OWNER, false, N_PHYS, false, true },
	{ K_ALL, P_OWN, OWNER, true,  N_PHYS, false, true },
	{ K_ALL, P_OWN, ADMIN, false, N_KEY, true, true },
	{ K_ALL, P_OWN, ADMIN, true,  N_KEY, true, true },
	{ K_ALL, P_OWN, STAFF, false, N_KEY, true, true },
	{ K_ALL, P_OWN, STAFF, true,  N_NONE, true, true },
	/* key all-users, physical all-users */
	{ K_ALL, P_ALL, OWNER, false, N_PHYS, false, true },
	{ K_ALL, P_ALL, OWNER, true,  N_PHYS, false, true },
	{ K_ALL, P_ALL, ADMIN, false, N_PHYS, false, true },
	{ K_ALL, P_ALL, ADMIN, true,  N_PHYS, false, true },
	{ K_ALL, P_ALL, STAFF, false, N_PHYS, false, true },
	{ K_ALL, P_ALL, STAFF, true,  N_NONE, true, true },
};

/* The requirement does not depend on user_verification: check under each. */
START_TEST(need_exhaustive)
{
	for (int uv = PR_UV_DISCOURAGED; uv <= PR_UV_REQUIRED; uv++) {
		struct pr_policy p = {
			.require_security_key = need_rows[_i].key,
			.require_physical_key = need_rows[_i].phys,
			.user_verification = (enum pr_uv)uv,
		};
		struct pr_policy before = p;
		enum pr_need need = pr_policy_need(&p, need_rows[_i].role, need_rows[_i].exempt);

		ck_assert_int_eq(need, need_rows[_i].need);
		ck_assert_int_eq(pr_policy_class_ok(need, PR_CLASS_PASSKEY), need_rows[_i].passkey_ok);
		ck_assert_int_eq(pr_policy_class_ok(need, PR_CLASS_PHYSICAL), need_rows[_i].physical_ok);
		ck_assert_mem_eq(&p, &before, sizeof(p));  /* the input is not touched */
	}
}
END_TEST

/* Every combination appears in the table exactly once. */
START_TEST(need_table_complete)
{
	int seen[2][3][3][2];

	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < NROWS(need_rows); i++)
		seen[need_rows[i].key][need_rows[i].phys][need_rows[i].role][need_rows[i].exempt]++;
	for (int k = 0; k < 2; k++)
		for (int p = 0; p < 3; p++)
			for (int r = 0; r < 3; r++)
				for (int e = 0; e < 2; e++)
					ck_assert_int_eq(seen[k][p][r][e], 1);
	ck_assert_int_eq(NROWS(need_rows), 36);
}
END_TEST

static const struct {
	enum pr_require_key key;
	enum pr_require_physical phys;
	enum pr_require_key eff_key;
} effective_rows[] = {
	{ K_NONE, P_NONE, K_NONE },
	{ K_NONE, P_OWN, K_NONE },
	{ K_NONE, P_ALL, K_ALL },   /* physical for all implies a key for all */
	{ K_ALL, P_NONE, K_ALL },
	{ K_ALL, P_OWN, K_ALL },
	{ K_ALL, P_ALL, K_ALL },
};

START_TEST(effective)
{
	struct pr_policy p = {
		.require_security_key = effective_rows[_i].key,
		.require_physical_key = effective_rows[_i].phys,
		.user_verification = PR_UV_REQUIRED,
	};
	struct pr_policy eff = pr_policy_effective(&p);

	ck_assert_int_eq(eff.require_security_key, effective_rows[_i].eff_key);
	ck_assert_int_eq(eff.require_physical_key, effective_rows[_i].phys);
	ck_assert_int_eq(eff.user_verification, PR_UV_REQUIRED);
	ck_assert_int_eq(p.require_security_key, effective_rows[_i].key);
}
END_TEST

/* Values outside the enums satisfy nothing. */
START_TEST(class_ok_unknown_values)
{
	ck_assert(!pr_policy_class_ok(PR_NEED_NONE, (enum pr_class)2));
	ck_assert(!pr_policy_class_ok(PR_NEED_ANY_KEY, (enum pr_class)-1));
	ck_assert(!pr_policy_class_ok(PR_NEED_PHYSICAL, (enum pr_class)7));
	ck_assert(!pr_policy_class_ok((enum pr_need)3, PR_CLASS_PHYSICAL));
	ck_assert(!pr_policy_class_ok((enum pr_need)-1, PR_CLASS_PASSKEY));
}
END_TEST

static const struct {
	enum pr_uv uv;
	bool want;
} uv_rows[] = {
	{ PR_UV_DISCOURAGED, false },
	{ PR_UV_PREFERRED, false },
	{ PR_UV_REQUIRED, true },
};

/* Only user_verification decides, whatever key requirement stands beside it. */
START_TEST(uv_required)
{
	for (int k = K_NONE; k <= K_ALL; k++) {
		struct pr_policy p = {
			.require_security_key = (enum pr_require_key)k,
			.require_physical_key = P_ALL,
			.user_verification = uv_rows[_i].uv,
		};
		ck_assert_int_eq(pr_policy_uv_required(&p), uv_rows[_i].want);
	}
}
END_TEST

/* Names as they appear in the policy file, audit records and reports. */
START_TEST(names)
{
	ck_assert_str_eq(pr_role_name(PR_ROLE_OWNER), "owner");
	ck_assert_str_eq(pr_role_name(PR_ROLE_ADMIN), "admin");
	ck_assert_str_eq(pr_role_name(PR_ROLE_STAFF), "staff");
	ck_assert_str_eq(pr_class_name(PR_CLASS_PHYSICAL), "physical");
	ck_assert_str_eq(pr_class_name(PR_CLASS_PASSKEY), "passkey");
	ck_assert_str_eq(pr_need_name(PR_NEED_NONE), "none");
	ck_assert_str_eq(pr_need_name(PR_NEED_ANY_KEY), "security-key");
	ck_assert_str_eq(pr_need_name(PR_NEED_PHYSICAL), "physical-key");
	ck_assert_str_eq(pr_uv_name(PR_UV_REQUIRED), "required");
	ck_assert_str_eq(pr_uv_name(PR_UV_PREFERRED), "preferred");
	ck_assert_str_eq(pr_uv_name(PR_UV_DISCOURAGED), "discouraged");
	ck_assert_str_eq(pr_require_key_name(PR_REQ_KEY_NONE), "none");
	ck_assert_str_eq(pr_require_key_name(PR_REQ_KEY_ALL_USERS), "all-users");
	ck_assert_str_eq(pr_require_physical_name(PR_REQ_PHYS_NONE), "none");
	ck_assert_str_eq(pr_require_physical_name(PR_REQ_PHYS_OWNERS), "owners");
	ck_assert_str_eq(pr_require_physical_name(PR_REQ_PHYS_ALL_USERS), "all-users");
}
END_TEST

START_TEST(names_out_of_range)
{
	ck_assert_str_eq(pr_role_name((enum pr_role)3), "unknown");
	ck_assert_str_eq(pr_role_name((enum pr_role)-1), "unknown");
	ck_assert_str_eq(pr_class_name((enum pr_class)2), "unknown");
	ck_assert_str_eq(pr_need_name((enum pr_need)3), "unknown");
	ck_assert_str_eq(pr_uv_name((enum pr_uv)3), "unknown");
	ck_assert_str_eq(pr_require_key_name((enum pr_require_key)2), "unknown");
	ck_assert_str_eq(pr_require_physical_name((enum pr_require_physical)3), "unknown");
	ck_assert_str_eq(pr_require_physical_name((enum pr_require_physical)-7), "unknown");
}
END_TEST

START_TEST(class_parse_good)
{
	enum pr_class c = PR_CLASS_PASSKEY;

	ck_assert_int_eq(pr_class_parse("physical", &c), 0);
	ck_assert_int_eq(c, PR_CLASS_PHYSICAL);
	ck_assert_int_eq(pr_class_parse("passkey", &c), 0);
	ck_assert_int_eq(c, PR_CLASS_PASSKEY);
}
END_TEST

static const char *const bad_classes[] = {
	"", "Physical", "PASSKEY", "physical ", " passkey", "phys", "physicalx",
	"none", "security-key", "physical\n",
};

START_TEST(class_parse_bad)
{
	enum pr_class c = PR_CLASS_PHYSICAL;

	ck_assert_int_eq(pr_class_parse(bad_classes[_i], &c), -1);
	ck_assert_int_eq(c, PR_CLASS_PHYSICAL);  /* untouched on failure */
	ck_assert_int_eq(pr_class_parse(NULL, &c), -1);
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, need_exhaustive, 0, NROWS(need_rows));
	tcase_add_test(tc, need_table_complete);
	tcase_add_loop_test(tc, effective, 0, NROWS(effective_rows));
	tcase_add_test(tc, class_ok_unknown_values);
	tcase_add_loop_test(tc, uv_required, 0, NROWS(uv_rows));
	tcase_add_test(tc, names);
	tcase_add_test(tc, names_out_of_range);
	tcase_add_test(tc, class_parse_good);
	tcase_add_loop_test(tc, class_parse_bad, 0, NROWS(bad_classes));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_tap(policy_suite());
}
