/* Shared by the softkey's Check tests (check_softkey*.c). */
#ifndef CHECK_SOFTKEY_H
#define CHECK_SOFTKEY_H

#include <stdbool.h>
#include <stdint.h>

#include <check.h>
#include <fido.h>

#include "transport.h"

/* The run's private directory (made by main, removed at the end). */
extern char test_dir[];

/* A new state file for profile (pin may be NULL); malloc'd path. */
char *test_new_device(const char *profile, const char *pin);
/* A path in test_dir; malloc'd. */
char *test_path(const char *name);
/* Copy a file (mode 0600). */
void test_copy_file(const char *from, const char *to);

/* Devices opened the way the product opens them: pr_devices_open(). */
struct test_dev {
	struct pr_devices d;
	fido_dev_t *dev;   /* d.dev[0] */
};
void test_open(struct test_dev *t, const char *path);
void test_close(struct test_dev *t);

/* State file edits and looks, as softkey-ctl does them. */
void test_set_touch(const char *path, bool touch);
void test_set_retries(const char *path, unsigned retries);
uint32_t test_counter(const char *path);
unsigned test_retries(const char *path);

/* makeCredential with a random clientDataHash; *r gets the result. */
fido_cred_t *test_make_cred(fido_dev_t *dev, const char *rp, const char *pin, int *r);
/* getAssertion for cred (NULL: empty allow list) on rp. */
int test_assert(fido_dev_t *dev, const char *rp, const fido_cred_t *cred,
    fido_opt_t up, fido_opt_t uv, const char *pin, fido_assert_t **out);
/* The same with the allow list's one credential id given as bytes
 * (id NULL: empty allow list), for credentials no fido_cred_t describes. */
int test_assert_id(fido_dev_t *dev, const char *rp, const unsigned char *id,
    size_t id_len, fido_opt_t up, fido_opt_t uv, const char *pin, fido_assert_t **out);
/* fido_assert_verify of statement 0 with cred's ES256 public key. */
int test_verify(const fido_assert_t *a, const fido_cred_t *cred);
/* Milliseconds since some fixed point (CLOCK_MONOTONIC). */
long test_now_ms(void);

Suite *suite_fido(void);
Suite *suite_fido_pin(void);
Suite *suite_fido_touch(void);
Suite *suite_hid(void);
Suite *suite_import(void);
Suite *suite_state(void);
Suite *suite_transport(void);

#endif
