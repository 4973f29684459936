/*
 * The test transport: which state files become devices, and the test CA
 * as a built-in anchor.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_softkey.h"
#include "softkey.h"

static size_t count_devices(const char *env)
{
	struct pr_devices d;
	size_t n;

	if (env == NULL)
		ck_assert_int_eq(unsetenv("PRACTICERUNNER_SOFTKEY"), 0);
	else
		ck_assert_int_eq(setenv("PRACTICERUNNER_SOFTKEY", env, 1), 0);
	ck_assert_int_eq(pr_devices_open(&d), 0);
	n = d.n;
	pr_devices_close(&d);
	ck_assert_uint_eq(d.n, 0);
	return n;
}

static char *write_file(const char *name, const char *text, mode_t mode)
{
	char *path = test_path(name);
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

START_TEST(no_variable_no_devices)
{
	ck_assert_uint_eq(count_devices(NULL), 0);
	ck_assert_uint_eq(count_devices(""), 0);
	ck_assert_uint_eq(count_devices(":::"), 0);
}
END_TEST

/* Missing, corrupt, unsafe: each an unplugged key, the others still work. */
START_TEST(bad_state_files_are_absent)
{
	char *good = test_new_device("synced", NULL);
	char *good2 = test_new_device("u2f", NULL);
	char *missing = test_path("missing.key");
	char *lock = test_path("missing.key.lock");
	char *corrupt = write_file("corrupt.key", "softkey-state 1\nprofile nope\n", 0600);
	char *loose = test_path("loose.key");
	char *link = test_path("link.key");
	char *list = NULL;
	struct stat st;

	ck_assert_int_eq(symlink(good, link), 0);
	/* A valid state that others may read is refused (it holds secrets). */
	test_copy_file(good, loose);
	ck_assert_int_eq(chmod(loose, 0640), 0);
	ck_assert_uint_eq(count_devices(good), 1);
	ck_assert_uint_eq(count_devices(missing), 0);
	ck_assert_int_ne(stat(lock, &st), 0);  /* no lock file litter */
	ck_assert_uint_eq(count_devices(corrupt), 0);
	ck_assert_uint_eq(count_devices(link), 0);
	ck_assert_uint_eq(count_devices(loose), 0);
	ck_assert_int_gt(asprintf(&list, "%s:%s:%s:%s::%s:%s", missing, good, corrupt,
	    link, good2, loose), 0);
	ck_assert_uint_eq(count_devices(list), 2);
	free(list);
	free(good);
	free(good2);
	free(missing);
	free(lock);
	free(corrupt);
	free(loose);
	free(link);
}
END_TEST

START_TEST(at_most_max_devices)
{
	char *paths[PR_MAX_DEVICES + 1], *list = NULL, *tmp = NULL;

	for (size_t i = 0; i <= PR_MAX_DEVICES; i++) {
		paths[i] = test_new_device("synced", NULL);
		ck_assert_int_gt(asprintf(&tmp, "%s%s%s", list != NULL ? list : "",
		    list != NULL ? ":" : "", paths[i]), 0);
		free(list);
		list = tmp;
	}
	ck_assert_uint_eq(count_devices(list), PR_MAX_DEVICES);
	for (size_t i = 0; i <= PR_MAX_DEVICES; i++)
		free(paths[i]);
	free(list);
}
END_TEST

static int store_size(X509_STORE *store)
{
	return sk_X509_OBJECT_num(X509_STORE_get0_objects(store));
}

START_TEST(test_ca_anchor)
{
	X509_STORE *store = X509_STORE_new();

	ck_assert_ptr_nonnull(store);
	ck_assert_int_eq(unsetenv("PRACTICERUNNER_SOFTKEY_NO_TEST_CA"), 0);
	ck_assert_int_eq(pr_transport_add_anchors(store), 0);
	ck_assert_int_eq(store_size(store), 1);
	X509_STORE_free(store);
	ck_assert_int_ne(pr_transport_add_anchors(NULL), 0);
}
END_TEST

START_TEST(test_ca_can_be_turned_off)
{
	X509_STORE *store = X509_STORE_new();

	ck_assert_int_eq(setenv("PRACTICERUNNER_SOFTKEY_NO_TEST_CA", "1", 1), 0);
	ck_assert_int_eq(pr_transport_add_anchors(store), 0);
	ck_assert_int_eq(store_size(store), 0);
	/* Only "1" turns it off. */
	ck_assert_int_eq(setenv("PRACTICERUNNER_SOFTKEY_NO_TEST_CA", "yes", 1), 0);
	ck_assert_int_eq(pr_transport_add_anchors(store), 0);
	ck_assert_int_eq(store_size(store), 1);
	X509_STORE_free(store);
}
END_TEST

START_TEST(transport_name)
{
	ck_assert_str_eq(pr_transport_name(), "softkey");
}
END_TEST

Suite *suite_transport(void)
{
	Suite *s = suite_create("transport");
	TCase *tc = tcase_create("transport");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, no_variable_no_devices);
	tcase_add_test(tc, bad_state_files_are_absent);
	tcase_add_test(tc, at_most_max_devices);
	tcase_add_test(tc, test_ca_anchor);
	tcase_add_test(tc, test_ca_can_be_turned_off);
	tcase_add_test(tc, transport_name);
	suite_add_tcase(s, tc);
	return s;
}
