/*
 * The softkey's own tests: libfido2 driving softkey devices through the
 * test transport (check_softkey_fido*.c), raw CTAPHID/CTAP2/U2F frames and
 * every malformed input (check_softkey_hid.c), the state file
 * (check_softkey_state.c), credentials taken in (check_softkey_import.c)
 * and the transport (check_softkey_transport.c).
 * Output is TAP.
 */
#include "config.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fido/es256.h>

#include "check_softkey.h"
#include "softkey.h"

#ifndef SOFTKEY_CA_PEM
#error "SOFTKEY_CA_PEM must be set by the build"
#endif
#ifndef SOFTKEY_CA_KEY
#error "SOFTKEY_CA_KEY must be set by the build"
#endif

char test_dir[PATH_MAX];
static unsigned device_seq;

char *test_path(const char *name)
{
	char *p = NULL;

	ck_assert_int_gt(asprintf(&p, "%s/%s", test_dir, name), 0);
	return p;
}

void test_copy_file(const char *from, const char *to)
{
	char buf[SK_STATE_MAX_SIZE];
	FILE *in = fopen(from, "r"), *out = fopen(to, "w");
	size_t n;

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	n = fread(buf, 1, sizeof(buf), in);
	ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
	ck_assert_int_eq(fclose(in), 0);
	ck_assert_int_eq(fclose(out), 0);
	ck_assert_int_eq(chmod(to, 0600), 0);
}

char *test_new_device(const char *profile, const char *pin)
{
	char name[64], *path;
	int r;

	/* Tests run in forked children: the pid keeps names apart. */
	snprintf(name, sizeof(name), "%s-%ld-%u.key", profile, (long)getpid(),
	    device_seq++);
	path = test_path(name);
	r = sk_provision(path, profile, pin, SOFTKEY_CA_PEM, SOFTKEY_CA_KEY);
	ck_assert_msg(r == SK_OK, "provision %s: %s", profile, sk_strerror(r));
	return path;
}

void test_open(struct test_dev *t, const char *path)
{
	ck_assert_int_eq(setenv("PRACTICERUNNER_SOFTKEY", path, 1), 0);
	ck_assert_int_eq(pr_devices_open(&t->d), 0);
	ck_assert_uint_eq(t->d.n, 1);
	t->dev = t->d.dev[0];
}

void test_close(struct test_dev *t)
{
	pr_devices_close(&t->d);
	t->dev = NULL;
}

static void edit_state(const char *path, int touch, int retries)
{
	struct sk_txn t = SK_TXN_INIT;

	ck_assert_int_eq(sk_txn_begin(path, &t), SK_OK);
	if (touch >= 0)
		t.st.touch = touch != 0;
	if (retries >= 0)
		t.st.pin_retries = (unsigned)retries;
	ck_assert_int_eq(sk_txn_commit(&t), SK_OK);
	sk_txn_end(&t);
}

void test_set_touch(const char *path, bool touch)
{
	edit_state(path, touch ? 1 : 0, -1);
}

void test_set_retries(const char *path, unsigned retries)
{
	edit_state(path, -1, (int)retries);
}

uint32_t test_counter(const char *path)
{
	struct sk_txn t = SK_TXN_INIT;
	uint32_t n;

	ck_assert_int_eq(sk_txn_begin(path, &t), SK_OK);
	n = t.st.counter;
	sk_txn_end(&t);
	return n;
}

unsigned test_retries(const char *path)
{
	struct sk_txn t = SK_TXN_INIT;
	unsigned n;

	ck_assert_int_eq(sk_txn_begin(path, &t), SK_OK);
	n = t.st.pin_retries;
	sk_txn_end(&t);
	return n;
}

fido_cred_t *test_make_cred(fido_dev_t *dev, const char *rp, const char *pin, int *r)
{
	static const unsigned char user_id[] = { 'u', 's', 'e', 'r' };
	unsigned char cdh[32];
	fido_cred_t *c = fido_cred_new();

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(sk_random(cdh, sizeof(cdh)), SK_OK);
	ck_assert_int_eq(fido_cred_set_type(c, COSE_ES256), FIDO_OK);
	ck_assert_int_eq(fido_cred_set_clientdata_hash(c, cdh, sizeof(cdh)), FIDO_OK);
	ck_assert_int_eq(fido_cred_set_rp(c, rp, NULL), FIDO_OK);
	ck_assert_int_eq(fido_cred_set_user(c, user_id, sizeof(user_id), "user",
	    NULL, NULL), FIDO_OK);
	*r = fido_dev_make_cred(dev, c, pin);
	return c;
}

int test_assert(fido_dev_t *dev, const char *rp, const fido_cred_t *cred,
    fido_opt_t up, fido_opt_t uv, const char *pin, fido_assert_t **out)
{
	if (cred == NULL)
		return test_assert_id(dev, rp, NULL, 0, up, uv, pin, out);
	return test_assert_id(dev, rp, fido_cred_id_ptr(cred), fido_cred_id_len(cred),
	    up, uv, pin, out);
}

int test_assert_id(fido_dev_t *dev, const char *rp, const unsigned char *id,
    size_t id_len, fido_opt_t up, fido_opt_t uv, const char *pin, fido_assert_t **out)
{
	unsigned char cdh[32];
	fido_assert_t *a = fido_assert_new();

	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(sk_random(cdh, sizeof(cdh)), SK_OK);
	ck_assert_int_eq(fido_assert_set_clientdata_hash(a, cdh, sizeof(cdh)), FIDO_OK);
	ck_assert_int_eq(fido_assert_set_rp(a, rp), FIDO_OK);
	if (id != NULL)
		ck_assert_int_eq(fido_assert_allow_cred(a, id, id_len), FIDO_OK);
	ck_assert_int_eq(fido_assert_set_up(a, up), FIDO_OK);
	ck_assert_int_eq(fido_assert_set_uv(a, uv), FIDO_OK);
	*out = a;
	return fido_dev_get_assert(dev, a, pin);
}

int test_verify(const fido_assert_t *a, const fido_cred_t *cred)
{
	es256_pk_t *pk = es256_pk_new();
	int r;

	ck_assert_ptr_nonnull(pk);
	ck_assert_int_eq(es256_pk_from_ptr(pk, fido_cred_pubkey_ptr(cred),
	    fido_cred_pubkey_len(cred)), FIDO_OK);
	r = fido_assert_verify(a, 0, COSE_ES256, pk);
	es256_pk_free(&pk);
	return r;
}

long test_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int remove_entry(const char *path, const struct stat *st, int type,
    struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

int main(void)
{
	SRunner *sr;
	int n;

	snprintf(test_dir, sizeof(test_dir), "%s/check_softkey.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(test_dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	fido_init(0);
	sr = srunner_create(suite_state());
	srunner_add_suite(sr, suite_hid());
	srunner_add_suite(sr, suite_import());
	srunner_add_suite(sr, suite_fido());
	srunner_add_suite(sr, suite_fido_pin());
	srunner_add_suite(sr, suite_fido_touch());
	srunner_add_suite(sr, suite_transport());
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	n = srunner_ntests_failed(sr);
	srunner_free(sr);
	nftw(test_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return n == 0 ? 0 : 1;
}
