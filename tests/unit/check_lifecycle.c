/*
 * Unit tests of lib/lifecycle.c: which keys count for a need, when a
 * removal must be refused, and when a second physical key is recommended.
 * Key sets are written as strings, one letter per key:
 *   P physical FIDO key, K passkey, S SSH key (physical), s SSH key (passkey)
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "lifecycle.h"
#include "testlib.h"

#define NONE PR_NEED_NONE
#define ANY PR_NEED_ANY_KEY
#define PHYS PR_NEED_PHYSICAL

/* Only kind and class matter to the rules; the list is not deep. */
static struct pr_credlist keys(const char *spec, struct pr_cred *buf)
{
	struct pr_credlist l = { buf, strlen(spec) };

	for (size_t i = 0; spec[i] != '\0'; i++) {
		memset(&buf[i], 0, sizeof(buf[i]));
		buf[i].kind = spec[i] == 'S' || spec[i] == 's' ? PR_KIND_SSH : PR_KIND_FIDO;
		buf[i].cls = spec[i] == 'P' || spec[i] == 'S' ? PR_CLASS_PHYSICAL : PR_CLASS_PASSKEY;
	}
	return l;
}

static const struct {
	const char *keys;
	enum pr_need need;
	size_t usable;     /* nothing skipped */
} usable_rows[] = {
	{ "", NONE, 0 },
	{ "", ANY, 0 },
	{ "", PHYS, 0 },
	{ "P", NONE, 1 },
	{ "P", ANY, 1 },
	{ "P", PHYS, 1 },
	{ "K", NONE, 1 },
	{ "K", ANY, 1 },
	{ "K", PHYS, 0 },
	{ "PK", ANY, 2 },
	{ "PK", PHYS, 1 },
	{ "KKK", PHYS, 0 },
	{ "PPK", PHYS, 2 },
	{ "S", ANY, 0 },          /* SSH keys do not sign in through the module */
	{ "Ss", NONE, 0 },
	{ "SP", PHYS, 1 },
	{ "sK", ANY, 1 },
};

START_TEST(usable)
{
	struct pr_cred buf[8];
	struct pr_credlist l = keys(usable_rows[_i].keys, buf);

	ck_assert_uint_eq(pr_lifecycle_usable(&l, usable_rows[_i].need, l.n), usable_rows[_i].usable);
	ck_assert_uint_eq(pr_lifecycle_usable(&l, usable_rows[_i].need, SIZE_MAX),
	    usable_rows[_i].usable);
}
END_TEST

static const struct {
	const char *keys;
	enum pr_need need;
	size_t skip;
	size_t usable;
} skip_rows[] = {
	{ "P", PHYS, 0, 0 },
	{ "PP", PHYS, 0, 1 },
	{ "PK", PHYS, 0, 0 },
	{ "PK", PHYS, 1, 1 },
	{ "PK", ANY, 0, 1 },
	{ "KP", ANY, 1, 1 },
	{ "K", ANY, 0, 0 },
	{ "PKS", PHYS, 2, 1 },
};

START_TEST(usable_skip)
{
	struct pr_cred buf[8];
	struct pr_credlist l = keys(skip_rows[_i].keys, buf);

	ck_assert_uint_eq(pr_lifecycle_usable(&l, skip_rows[_i].need, skip_rows[_i].skip),
	    skip_rows[_i].usable);
}
END_TEST

/* Removing key i from the set under need: PR_OK or PR_ERR_LAST_KEY. */
static const struct {
	const char *keys;
	enum pr_need need;
	size_t i;
	int want;
} remove_rows[] = {
	/* no requirement: anything goes, even the last key */
	{ "P", NONE, 0, PR_OK },
	{ "K", NONE, 0, PR_OK },
	/* any key: the last FIDO key of either class is kept */
	{ "K", ANY, 0, PR_ERR_LAST_KEY },
	{ "P", ANY, 0, PR_ERR_LAST_KEY },
	{ "PK", ANY, 0, PR_OK },
	{ "PK", ANY, 1, PR_OK },
	{ "KK", ANY, 1, PR_OK },
	{ "KS", ANY, 0, PR_ERR_LAST_KEY },   /* an SSH key is no substitute */
	{ "KS", ANY, 1, PR_OK },             /* removing the SSH key changes nothing */
	/* physical: the last physical key is kept, passkeys never count */
	{ "P", PHYS, 0, PR_ERR_LAST_KEY },
	{ "PK", PHYS, 0, PR_ERR_LAST_KEY },
	{ "KP", PHYS, 1, PR_ERR_LAST_KEY },
	{ "PK", PHYS, 1, PR_OK },
	{ "PP", PHYS, 0, PR_OK },
	{ "PP", PHYS, 1, PR_OK },
	{ "PKP", PHYS, 2, PR_OK },
	{ "PS", PHYS, 0, PR_ERR_LAST_KEY },
	/* a key that never counted may go, even when nothing counts */
	{ "K", PHYS, 0, PR_OK },
	{ "KK", PHYS, 0, PR_OK },
	{ "S", ANY, 0, PR_OK },
};

START_TEST(can_remove)
{
	struct pr_cred buf[8];
	struct pr_credlist l = keys(remove_rows[_i].keys, buf);

	ck_assert_int_eq(pr_lifecycle_can_remove(&l, remove_rows[_i].need, remove_rows[_i].i),
	    remove_rows[_i].want);
}
END_TEST

START_TEST(can_remove_bad_input)
{
	struct pr_cred buf[8];
	struct pr_credlist l = keys("PP", buf);
	struct pr_credlist empty = { NULL, 0 };

	ck_assert_int_eq(pr_lifecycle_can_remove(&l, PHYS, 2), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_lifecycle_can_remove(&empty, NONE, 0), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_lifecycle_can_remove(NULL, PHYS, 0), PR_ERR_INVALID_ARG);
	/* an unknown need is refused, not read as "nothing counts" */
	ck_assert_int_eq(pr_lifecycle_can_remove(&l, (enum pr_need)3, 0), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_lifecycle_can_remove(&l, (enum pr_need)-1, 0), PR_ERR_INVALID_ARG);
	ck_assert_uint_eq(pr_lifecycle_usable(NULL, PHYS, 0), 0);
	ck_assert_uint_eq(pr_lifecycle_usable(&l, (enum pr_need)3, 9), 0);
}
END_TEST

static const struct {
	const char *keys;
	enum pr_need need;
	bool single;
} single_rows[] = {
	{ "P", PHYS, true },
	{ "PK", PHYS, true },
	{ "KPK", PHYS, true },
	{ "PS", PHYS, true },     /* the SSH key is no spare for sign-in */
	{ "PP", PHYS, false },
	{ "", PHYS, false },
	{ "K", PHYS, false },
	{ "P", ANY, false },      /* only a physical need asks for a spare */
	{ "P", NONE, false },
};

START_TEST(single_physical)
{
	struct pr_cred buf[8];
	struct pr_credlist l = keys(single_rows[_i].keys, buf);

	ck_assert_int_eq(pr_lifecycle_single_physical(&l, single_rows[_i].need),
	    single_rows[_i].single);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lifecycle");
	TCase *tc = tcase_create("rules");

	tcase_add_loop_test(tc, usable, 0, NROWS(usable_rows));
	tcase_add_loop_test(tc, usable_skip, 0, NROWS(skip_rows));
	tcase_add_loop_test(tc, can_remove, 0, NROWS(remove_rows));
	tcase_add_test(tc, can_remove_bad_input);
	tcase_add_loop_test(tc, single_physical, 0, NROWS(single_rows));
	suite_add_tcase(s, tc);
	return test_run_tap(s);
}
