/*
 * The state file: strict parsing (every malformed input refused), the
 * format round trip, safe opening, atomic replacement, and the credential
 * id wrapping.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_softkey.h"
#include "softkey.h"

#define WRAP "wrap-key 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
#define HEAD "softkey-state 1\n"
#define SYNCED HEAD "profile synced\ntouch yes\ncounter 0\ncredentials 0\npin none\n" \
	"pin-retries 8\n" WRAP
#define YK_NOATT HEAD "profile yubikey5\ntouch yes\ncounter 0\ncredentials 0\n" \
	"pin none\npin-retries 8\n" WRAP

#define H64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define IMP(id) "imported " H64 ":" id ":3000\n"

static const struct {
	const char *why;
	const char *text;
} bad_states[] = {
	{ "empty", "" },
	{ "no final newline", HEAD "profile synced" },
	{ "header only", HEAD },
	{ "other version", "softkey-state 2\nprofile synced\ntouch yes\ncounter 0\n"
	    "credentials 0\npin none\npin-retries 8\n" WRAP },
	{ "header not first", "profile synced\n" SYNCED },
	{ "unknown field", SYNCED "colour blue\n" },
	{ "field twice", SYNCED "touch no\n" },
	{ "missing field", HEAD "profile synced\ntouch yes\ncredentials 0\npin none\n"
	    "pin-retries 8\n" WRAP },
	{ "unknown profile", HEAD "profile yubikey9\ntouch yes\ncounter 0\ncredentials 0\n"
	    "pin none\npin-retries 8\n" WRAP },
	{ "touch maybe", HEAD "profile synced\ntouch maybe\ncounter 0\ncredentials 0\n"
	    "pin none\npin-retries 8\n" WRAP },
	{ "negative counter", HEAD "profile synced\ntouch yes\ncounter -1\ncredentials 0\n"
	    "pin none\npin-retries 8\n" WRAP },
	{ "leading zero", HEAD "profile synced\ntouch yes\ncounter 01\ncredentials 0\n"
	    "pin none\npin-retries 8\n" WRAP },
	{ "counter overflow", HEAD "profile synced\ntouch yes\ncounter 4294967296\n"
	    "credentials 0\npin none\npin-retries 8\n" WRAP },
	{ "counter not a number", HEAD "profile synced\ntouch yes\ncounter 12a\n"
	    "credentials 0\npin none\npin-retries 8\n" WRAP },
	{ "credentials overflow", HEAD "profile synced\ntouch yes\ncounter 0\n"
	    "credentials 18446744073709551616\npin none\npin-retries 8\n" WRAP },
	{ "empty value", HEAD "profile synced\ntouch \ncounter 0\ncredentials 0\n"
	    "pin none\npin-retries 8\n" WRAP },
	{ "two spaces", HEAD "profile synced\ntouch  yes\ncounter 0\ncredentials 0\n"
	    "pin none\npin-retries 8\n" WRAP },
	{ "trailing space", HEAD "profile synced\ntouch yes \ncounter 0\ncredentials 0\n"
	    "pin none\npin-retries 8\n" WRAP },
	{ "carriage return", HEAD "profile synced\r\ntouch yes\ncounter 0\ncredentials 0\n"
	    "pin none\npin-retries 8\n" WRAP },
	{ "pin hash short", HEAD "profile synced\ntouch yes\ncounter 0\ncredentials 0\n"
	    "pin 0011\npin-retries 8\n" WRAP },
	{ "pin hash upper case", HEAD "profile synced\ntouch yes\ncounter 0\ncredentials 0\n"
	    "pin 00112233445566778899AABBCCDDEEFF\npin-retries 8\n" WRAP },
	{ "too many retries", HEAD "profile synced\ntouch yes\ncounter 0\ncredentials 0\n"
	    "pin none\npin-retries 9\n" WRAP },
	{ "wrap key short", HEAD "profile synced\ntouch yes\ncounter 0\ncredentials 0\n"
	    "pin none\npin-retries 8\nwrap-key 0011\n" },
	{ "wrap key not hex", HEAD "profile synced\ntouch yes\ncounter 0\ncredentials 0\n"
	    "pin none\npin-retries 8\nwrap-key "
	    "zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n" },
	{ "attestation on a synced key", SYNCED "att-key 00\natt-cert 00\n" },
	{ "yubikey5 without attestation", YK_NOATT },
	{ "yubikey5 without certificate", YK_NOATT "att-key 00\n" },
	{ "odd hex", YK_NOATT "att-key 000\natt-cert 00\n" },
	{ "empty hex", YK_NOATT "att-key \natt-cert 00\n" },
	{ "imported short hash", SYNCED "imported 0011:01:3000\n" },
	{ "imported without key", SYNCED "imported " H64 ":01\n" },
	{ "imported empty id", SYNCED "imported " H64 "::3000\n" },
	{ "imported empty key", SYNCED "imported " H64 ":01:\n" },
	{ "imported extra part", SYNCED "imported " H64 ":01:3000:00\n" },
	{ "imported odd hex", SYNCED "imported " H64 ":010:3000\n" },
	{ "imported upper case", SYNCED "imported " H64 ":0A:3000\n" },
	{ "imported id too long", SYNCED "imported " H64 ":" H64 H64 H64 H64 H64 H64 H64 H64
	    "00:3000\n" },
	{ "imported twice", SYNCED IMP("01") IMP("01") },
	{ "imported nine", SYNCED IMP("01") IMP("02") IMP("03") IMP("04") IMP("05") IMP("06")
	    IMP("07") IMP("08") IMP("09") },
};

START_TEST(bad_state_refused)
{
	struct sk_state st;

	ck_assert_msg(sk_state_parse(bad_states[_i].text, strlen(bad_states[_i].text),
	    &st) != SK_OK, "accepted: %s", bad_states[_i].why);
	ck_assert_ptr_null(st.profile);  /* nothing half-parsed is left */
}
END_TEST

START_TEST(embedded_nul_refused)
{
	static const char text[] = SYNCED;
	char buf[sizeof(text)];
	struct sk_state st;

	memcpy(buf, text, sizeof(text));
	buf[20] = '\0';
	ck_assert_int_eq(sk_state_parse(buf, sizeof(text) - 1, &st), SK_ECORRUPT);
	ck_assert_int_eq(sk_state_parse(NULL, 0, &st), SK_ECORRUPT);
}
END_TEST

START_TEST(too_large_refused)
{
	size_t len = SK_STATE_MAX_SIZE + 2;
	char *buf = malloc(len);
	struct sk_state st;

	ck_assert_ptr_nonnull(buf);
	memset(buf, '#', len);
	memcpy(buf, SYNCED, strlen(SYNCED));
	buf[len - 1] = '\n';
	ck_assert_int_eq(sk_state_parse(buf, len, &st), SK_ECORRUPT);
	free(buf);
}
END_TEST

START_TEST(good_state_parses)
{
	static const char text[] = "# comment\n\n" SYNCED "# end\n";
	static const char imported[] = SYNCED IMP("01") IMP("02") IMP("03") IMP("04")
	    IMP("05") IMP("06") IMP("07") IMP("08");
	struct sk_state st;

	ck_assert_int_eq(sk_state_parse(imported, strlen(imported), &st), SK_OK);
	ck_assert_uint_eq(st.n_imported, SK_IMPORTED_MAX);
	ck_assert_uint_eq(st.imported[7].id[0], 8);
	ck_assert_uint_eq(st.imported[7].key_len, 2);
	sk_state_clear(&st);
	ck_assert_int_eq(sk_state_parse(text, strlen(text), &st), SK_OK);
	ck_assert_str_eq(st.profile->name, "synced");
	ck_assert(st.touch);
	ck_assert(!st.pin_set);
	ck_assert_uint_eq(st.pin_retries, 8);
	ck_assert_uint_eq(st.wrap_key[1], 0x11);
	sk_state_clear(&st);
}
END_TEST

/* What softkey-ctl add writes reads back and writes out the same. */
START_TEST(format_round_trip)
{
	static const char *const profiles[] = { "yubikey5", "synced", "u2f", "selfattested" };
	char *path = test_new_device(profiles[_i], _i == 2 ? NULL : "1234");
	struct sk_txn t = SK_TXN_INIT;
	struct sk_state st2;
	char *text = NULL, *text2 = NULL;
	size_t len = 0, len2 = 0;

	ck_assert_int_eq(sk_txn_begin(path, &t), SK_OK);
	ck_assert_int_eq(sk_state_format(&t.st, &text, &len), SK_OK);
	ck_assert_int_eq(sk_state_parse(text, len, &st2), SK_OK);
	ck_assert_int_eq(sk_state_format(&st2, &text2, &len2), SK_OK);
	ck_assert_uint_eq(len, len2);
	ck_assert_mem_eq(text, text2, len);
	ck_assert_int_eq(st2.pin_set, _i != 2);
	sk_state_clear(&st2);
	sk_txn_end(&t);
	free(text);
	free(text2);
	free(path);
}
END_TEST

START_TEST(pin_length_rules)
{
	struct sk_state st;

	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(sk_state_set_pin(&st, "123"), SK_EINVAL);
	ck_assert_int_eq(sk_state_set_pin(&st, NULL), SK_EINVAL);
	ck_assert_int_eq(sk_state_set_pin(&st,
	    "0123456789012345678901234567890123456789012345678901234567890123"), SK_EINVAL);
	ck_assert(!st.pin_set);
	ck_assert_int_eq(sk_state_set_pin(&st, "1234"), SK_OK);
	ck_assert(st.pin_set);
	ck_assert_uint_eq(st.pin_retries, 8);
}
END_TEST

START_TEST(unsafe_files_refused)
{
	char *good = test_new_device("synced", NULL);
	char *link = test_path("unsafe-link.key"), *loose = test_path("unsafe-loose.key");
	char *fifo = test_path("unsafe-fifo.key"), *dir = test_path("unsafe-dir.key");
	char *missing = test_path("unsafe-missing.key");
	char *lock = test_path("unsafe-missing.key.lock");
	struct sk_txn t = SK_TXN_INIT;
	struct stat st;

	ck_assert_int_eq(symlink(good, link), 0);
	test_copy_file(good, loose);
	ck_assert_int_eq(chmod(loose, 0604), 0);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(sk_txn_begin(link, &t), SK_EUNSAFE);
	ck_assert_int_eq(sk_txn_begin(loose, &t), SK_EUNSAFE);
	ck_assert_int_eq(sk_txn_begin(fifo, &t), SK_EUNSAFE);
	ck_assert_int_eq(sk_txn_begin(dir, &t), SK_EUNSAFE);
	ck_assert_int_eq(sk_txn_begin(missing, &t), SK_ENOENT);
	ck_assert_int_ne(lstat(lock, &st), 0);
	ck_assert_int_eq(sk_txn_begin("", &t), SK_EINVAL);
	ck_assert_int_eq(sk_txn_begin(good, &t), SK_OK);
	sk_txn_end(&t);
	free(good);
	free(link);
	free(loose);
	free(fifo);
	free(dir);
	free(missing);
	free(lock);
}
END_TEST

/* A lock file planted as a link is not followed. */
START_TEST(lock_link_refused)
{
	char *good = test_new_device("synced", NULL);
	char *lock = NULL, *target = test_path("lock-target");
	struct sk_txn t = SK_TXN_INIT;
	struct stat st;

	ck_assert_int_gt(asprintf(&lock, "%s.lock", good), 0);
	ck_assert_int_eq(symlink(target, lock), 0);
	ck_assert_int_eq(sk_txn_begin(good, &t), SK_EUNSAFE);
	ck_assert_int_ne(lstat(target, &st), 0);  /* nothing created through it */
	free(good);
	free(lock);
	free(target);
}
END_TEST

static size_t count_temp_files(void)
{
	DIR *d = opendir(test_dir);
	struct dirent *e;
	size_t n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, ".tmp") != NULL)
			n++;
	closedir(d);
	return n;
}

START_TEST(commit_replaces_atomically)
{
	char *path = test_new_device("yubikey5", NULL);
	struct sk_txn t = SK_TXN_INIT;
	struct stat before, after;

	ck_assert_int_eq(stat(path, &before), 0);
	ck_assert_int_eq(sk_txn_begin(path, &t), SK_OK);
	t.st.counter = 41;
	ck_assert_int_eq(sk_txn_commit(&t), SK_OK);
	sk_txn_end(&t);
	ck_assert_int_eq(stat(path, &after), 0);
	ck_assert_uint_ne(before.st_ino, after.st_ino);  /* a new file, renamed in */
	ck_assert_uint_eq(after.st_mode & 0777, 0600);
	ck_assert_uint_eq(test_counter(path), 41);
	ck_assert_uint_eq(count_temp_files(), 0);
	/* Never write a state that was not read under the lock. */
	ck_assert_int_eq(sk_txn_commit(&t), SK_ELOCK);
	free(path);
}
END_TEST

START_TEST(create_never_overwrites)
{
	char *path = test_new_device("synced", NULL);
	char *dangling = test_path("dangling.key"), *nowhere = test_path("nowhere");
	struct stat st;

	ck_assert_int_eq(sk_provision(path, "synced", NULL, SOFTKEY_CA_PEM,
	    SOFTKEY_CA_KEY), SK_EEXIST);
	ck_assert_int_eq(symlink(nowhere, dangling), 0);
	ck_assert_int_eq(sk_provision(dangling, "synced", NULL, SOFTKEY_CA_PEM,
	    SOFTKEY_CA_KEY), SK_EEXIST);
	ck_assert_int_ne(lstat(nowhere, &st), 0);
	ck_assert_int_eq(sk_provision(nowhere, "nosuchprofile", NULL, SOFTKEY_CA_PEM,
	    SOFTKEY_CA_KEY), SK_EINVAL);
	ck_assert_int_eq(sk_provision(nowhere, "u2f", "1234", SOFTKEY_CA_PEM,
	    SOFTKEY_CA_KEY), SK_EINVAL);  /* U2F has no PIN */
	ck_assert_int_eq(sk_provision(nowhere, "yubikey5", "12", SOFTKEY_CA_PEM,
	    SOFTKEY_CA_KEY), SK_EINVAL);
	ck_assert_int_ne(sk_provision(nowhere, "yubikey5", NULL, "/nonexistent/ca.pem",
	    SOFTKEY_CA_KEY), SK_OK);
	ck_assert_int_ne(lstat(nowhere, &st), 0);  /* failures leave nothing */
	ck_assert_uint_eq(count_temp_files(), 0);
	free(path);
	free(dangling);
	free(nowhere);
}
END_TEST

/* Credential ids open only on their device and for their relying party. */
START_TEST(credential_id_binding)
{
	char *p1 = test_new_device("synced", NULL), *p2 = test_new_device("synced", NULL);
	struct sk_txn t1 = SK_TXN_INIT, t2 = SK_TXN_INIT;
	unsigned char rp[SK_HASH_LEN] = { 1 }, other_rp[SK_HASH_LEN] = { 2 };
	unsigned char id[SK_CRED_ID_MAX];
	struct sk_newcred c;
	EVP_PKEY *key = NULL;

	ck_assert_int_eq(sk_txn_begin(p1, &t1), SK_OK);
	ck_assert_int_eq(sk_txn_begin(p2, &t2), SK_OK);
	ck_assert_int_eq(sk_cred_create(&t1.st, rp, SK_COSE_ES256, &c), SK_OK);
	ck_assert(sk_cred_open(&t1.st, rp, c.id, c.id_len, &key));
	EVP_PKEY_free(key);
	ck_assert(!sk_cred_open(&t1.st, other_rp, c.id, c.id_len, &key));
	ck_assert(!sk_cred_open(&t2.st, rp, c.id, c.id_len, &key));
	ck_assert(!sk_cred_open(&t1.st, rp, c.id, c.id_len - 1, &key));
	ck_assert(!sk_cred_open(&t1.st, rp, c.id, 0, &key));
	ck_assert(!sk_cred_open(&t1.st, rp, NULL, c.id_len, &key));
	for (size_t i = 0; i < c.id_len; i += 7) {
		memcpy(id, c.id, c.id_len);
		id[i] ^= 0x01;  /* any flipped bit: version, iv, key or tag */
		ck_assert(!sk_cred_open(&t1.st, rp, id, c.id_len, &key));
	}
	ck_assert_ptr_null(key);
	sk_newcred_clear(&c);
	sk_txn_end(&t1);
	sk_txn_end(&t2);
	free(p1);
	free(p2);
}
END_TEST

Suite *suite_state(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("state");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, bad_state_refused, 0,
	    (int)(sizeof(bad_states) / sizeof(bad_states[0])));
	tcase_add_test(tc, embedded_nul_refused);
	tcase_add_test(tc, too_large_refused);
	tcase_add_test(tc, good_state_parses);
	tcase_add_loop_test(tc, format_round_trip, 0, 4);
	tcase_add_test(tc, pin_length_rules);
	tcase_add_test(tc, unsafe_files_refused);
	tcase_add_test(tc, lock_link_refused);
	tcase_add_test(tc, commit_replaces_atomically);
	tcase_add_test(tc, create_never_overwrites);
	tcase_add_test(tc, credential_id_binding);
	suite_add_tcase(s, tc);
	return s;
}
