/*
 * User presence: "touch no" devices wait (keepalive) until the host's
 * timeout or a cancel; a touch that comes later completes the request;
 * fido_dev_get_touch_begin/status find the touched device.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "check_softkey.h"
#include "softkey.h"

#define RP "pam://softkey-test"
#define TIMEOUT_MS 1000

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

static const char *const all_profiles[] = { "yubikey5", "synced", "selfattested", "u2f" };

/* The host gives up within its timeout; nothing was signed or counted. */
START_TEST(no_touch_assertion_times_out)
{
	char *path = test_new_device(all_profiles[_i], NULL);
	struct test_dev t;
	fido_assert_t *a = NULL;
	fido_cred_t *c;
	long start, elapsed;
	uint32_t counter;
	int r;

	test_open(&t, path);
	c = test_make_cred(t.dev, RP, NULL, &r);
	ck_assert_int_eq(r, FIDO_OK);
	test_set_touch(path, false);
	counter = test_counter(path);
	ck_assert_int_eq(fido_dev_set_timeout(t.dev, TIMEOUT_MS), FIDO_OK);
	start = test_now_ms();
	r = test_assert(t.dev, RP, c, FIDO_OPT_TRUE, FIDO_OPT_OMIT, NULL, &a);
	elapsed = test_now_ms() - start;
	ck_assert_int_eq(r, FIDO_ERR_RX);
	ck_assert_int_ge(elapsed, TIMEOUT_MS - 150);
	ck_assert_int_le(elapsed, TIMEOUT_MS + 500);
	ck_assert_uint_eq(test_counter(path), counter);
	fido_assert_free(&a);
	fido_cred_free(&c);
	test_close(&t);
	free(path);
}
END_TEST

START_TEST(no_touch_registration_times_out)
{
	char *path = test_new_device(all_profiles[_i], NULL);
	struct test_dev t;
	fido_cred_t *c;
	long start, elapsed;
	int r;

	test_set_touch(path, false);
	test_open(&t, path);
	ck_assert_int_eq(fido_dev_set_timeout(t.dev, TIMEOUT_MS), FIDO_OK);
	start = test_now_ms();
	c = test_make_cred(t.dev, RP, NULL, &r);
	elapsed = test_now_ms() - start;
	ck_assert_int_eq(r, FIDO_ERR_RX);
	ck_assert_int_le(elapsed, TIMEOUT_MS + 500);
	fido_cred_free(&c);
	test_close(&t);
	free(path);
}
END_TEST

struct later {
	const char *path;
	fido_dev_t *dev;
	long delay_ms;
};

static void *touch_later(void *arg)
{
	const struct later *l = arg;

	sleep_ms(l->delay_ms);
	test_set_touch(l->path, true);
	return NULL;
}

static void *cancel_later(void *arg)
{
	const struct later *l = arg;

	sleep_ms(l->delay_ms);
	fido_dev_cancel(l->dev);
	return NULL;
}

/* The user touches while the host waits: the request completes. */
START_TEST(touch_while_waiting)
{
	char *path = test_new_device(all_profiles[_i], NULL);
	struct test_dev t;
	struct later l;
	pthread_t th;
	fido_assert_t *a = NULL;
	fido_cred_t *c;
	long start;
	int r;

	test_open(&t, path);
	c = test_make_cred(t.dev, RP, NULL, &r);
	ck_assert_int_eq(r, FIDO_OK);
	test_set_touch(path, false);
	ck_assert_int_eq(fido_dev_set_timeout(t.dev, 10000), FIDO_OK);
	l = (struct later){ path, t.dev, 300 };
	start = test_now_ms();
	ck_assert_int_eq(pthread_create(&th, NULL, touch_later, &l), 0);
	r = test_assert(t.dev, RP, c, FIDO_OPT_TRUE, FIDO_OPT_OMIT, NULL, &a);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_int_eq(r, FIDO_OK);
	ck_assert_int_ge(test_now_ms() - start, 250);
	ck_assert_int_eq(test_verify(a, c), FIDO_OK);
	fido_assert_free(&a);
	fido_cred_free(&c);
	test_close(&t);
	free(path);
}
END_TEST

static const char *const ctap2_profiles[] = { "yubikey5", "synced", "selfattested" };

/* fido_dev_cancel from another thread ends a wait that has no time limit. */
START_TEST(cancel_from_other_thread)
{
	char *path = test_new_device(ctap2_profiles[_i], NULL);
	struct test_dev t;
	struct later l;
	pthread_t th;
	fido_assert_t *a = NULL;
	fido_cred_t *c;
	int r;

	test_open(&t, path);
	c = test_make_cred(t.dev, RP, NULL, &r);
	ck_assert_int_eq(r, FIDO_OK);
	test_set_touch(path, false);
	l = (struct later){ path, t.dev, 300 };
	ck_assert_int_eq(pthread_create(&th, NULL, cancel_later, &l), 0);
	r = test_assert(t.dev, RP, c, FIDO_OPT_TRUE, FIDO_OPT_OMIT, NULL, &a);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_int_eq(r, FIDO_ERR_KEEPALIVE_CANCEL);
	fido_assert_free(&a);
	fido_cred_free(&c);
	test_close(&t);
	free(path);
}
END_TEST

/* "Which key did the user touch?": begin, poll, cancel the untouched one. */
START_TEST(touch_begin_cancel)
{
	char *path = test_new_device(ctap2_profiles[_i], _i == 0 ? "1234" : NULL);
	struct test_dev t;
	int touched = -1;

	test_set_touch(path, false);
	test_open(&t, path);
	ck_assert_int_eq(fido_dev_get_touch_begin(t.dev), FIDO_OK);
	ck_assert_int_eq(fido_dev_get_touch_status(t.dev, &touched, 250), FIDO_OK);
	ck_assert_int_eq(touched, 0);
	ck_assert_int_eq(fido_dev_cancel(t.dev), FIDO_OK);
	ck_assert_int_eq(fido_dev_get_touch_status(t.dev, &touched, 1000),
	    FIDO_ERR_KEEPALIVE_CANCEL);
	ck_assert_int_eq(touched, 0);
	test_close(&t);
	free(path);
}
END_TEST

START_TEST(touch_begin_touched)
{
	const char *profile = all_profiles[_i % 4];
	char *path = test_new_device(profile, _i >= 4 && _i != 7 ? "1234" : NULL);
	struct test_dev t;
	int touched = -1;

	test_open(&t, path);
	ck_assert_int_eq(fido_dev_get_touch_begin(t.dev), FIDO_OK);
	ck_assert_int_eq(fido_dev_get_touch_status(t.dev, &touched, 2000), FIDO_OK);
	ck_assert_int_eq(touched, 1);
	test_close(&t);
	free(path);
}
END_TEST

/* The touch comes while the host polls for it. */
START_TEST(touch_begin_touched_later)
{
	char *path = test_new_device(all_profiles[_i], NULL);
	struct test_dev t;
	struct later l;
	pthread_t th;
	int touched = 0;

	test_set_touch(path, false);
	test_open(&t, path);
	l = (struct later){ path, t.dev, 300 };
	ck_assert_int_eq(fido_dev_get_touch_begin(t.dev), FIDO_OK);
	ck_assert_int_eq(pthread_create(&th, NULL, touch_later, &l), 0);
	/* U2F answers "not yet" at once, CTAP2 after 100 ms: poll by the clock. */
	for (long end = test_now_ms() + 3000; !touched && test_now_ms() < end;)
		ck_assert_int_eq(fido_dev_get_touch_status(t.dev, &touched, 100), FIDO_OK);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_int_eq(touched, 1);
	test_close(&t);
	free(path);
}
END_TEST

Suite *suite_fido_touch(void)
{
	Suite *s = suite_create("fido-touch");
	TCase *tc = tcase_create("touch");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, no_touch_assertion_times_out, 0, 4);
	tcase_add_loop_test(tc, no_touch_registration_times_out, 0, 4);
	tcase_add_loop_test(tc, touch_while_waiting, 0, 4);
	tcase_add_loop_test(tc, cancel_from_other_thread, 0, 3);
	tcase_add_loop_test(tc, touch_begin_cancel, 0, 3);
	tcase_add_loop_test(tc, touch_begin_touched, 0, 8);
	tcase_add_loop_test(tc, touch_begin_touched_later, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}
