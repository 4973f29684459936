/*
 * Unit tests of lib/directory/dir_name.c: user names into the DN of their
 * entry and the filter that finds it, through the OpenLDAP library's
 * escaping, and hostile names refused before anything is built. No slapd
 * and no root needed.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "directory/dir_name.h"
#include "err.h"
#include "testlib.h"

static const struct {
	const char *name;
	size_t len;       /* 0: strlen */
} hostile_rows[] = {
	{ "*", 0 },
	{ "a)(uid=*", 0 },
	{ "a*", 0 },
	{ "alice\0admin", 11 },
	{ "al\\2aice", 0 },
	{ "cn=x,dc=y", 0 },
	{ "alice,ou=people", 0 },
	{ "a+uid=b", 0 },
	{ "#alice", 0 },
	{ " alice", 0 },
	{ "", 0 },
	{ "..", 0 },
	{ "alice\n", 0 },
	{ "(uid=*)", 0 },
};

START_TEST(hostile_names_refused)
{
	const char *name = hostile_rows[_i].name;
	size_t len = hostile_rows[_i].len ? hostile_rows[_i].len : strlen(name);
	char *out = (char *)name;

	ck_assert_int_eq(pr_dir_name_check(name, len), PR_ERR_INVALID_ARG);
	if (len != strlen(name))
		return;  /* a C string cannot carry the NUL: the check above is the guard */
	ck_assert_int_eq(pr_dir_user_dn("dc=clinic,dc=test", name, &out), PR_ERR_INVALID_ARG);
	ck_assert_ptr_null(out);
	out = (char *)name;
	ck_assert_int_eq(pr_dir_user_filter(name, &out), PR_ERR_INVALID_ARG);
	ck_assert_ptr_null(out);
}
END_TEST

START_TEST(dn_and_filter)
{
	char *dn = NULL, *filter = NULL;

	ck_assert_int_eq(pr_dir_name_check("alice", 5), PR_OK);
	ck_assert_int_eq(pr_dir_user_dn("ou=pr,dc=clinic,dc=test", "alice", &dn), PR_OK);
	ck_assert_str_eq(dn, "uid=alice,ou=pr,dc=clinic,dc=test");
	ck_assert_int_eq(pr_dir_user_filter("alice", &filter), PR_OK);
	ck_assert_str_eq(filter, "(&(objectClass=practiceRunnerUser)(uid=alice))");
	free(dn);
	free(filter);
	/* Names the user check allows keep their characters, escaped where RFC 4514 says. */
	ck_assert_int_eq(pr_dir_user_dn("dc=t", "d.lee-2_x", &dn), PR_OK);
	ck_assert_str_eq(dn, "uid=d.lee-2_x,dc=t");
	free(dn);
}
END_TEST

static Suite *dir_name_suite(void)
{
	Suite *s = suite_create("dir_name");
	TCase *tn = tcase_create("names");

	tcase_add_loop_test(tn, hostile_names_refused, 0, NROWS(hostile_rows));
	tcase_add_test(tn, dn_and_filter);
	suite_add_tcase(s, tn);
	return s;
}

int main(void)
{
	return test_run_tap(dir_name_suite());
}
