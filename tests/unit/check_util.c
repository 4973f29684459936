/*
 * Unit tests of lib/util.c: encodings, user names, AAGUIDs, key ids;
 * lib/textfmt.c's generator of Crockford base32 secrets; and lib/err.c's
 * error buffer.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "err.h"
#include "textfmt.h"
#include "util.h"
#include "testlib.h"

/* ---- hex ---------------------------------------------------------------- */

START_TEST(hex_round_trip)
{
	const unsigned char in[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
	char text[sizeof(in) * 2 + 1];
	unsigned char *out = NULL;
	size_t len = 0;

	pr_hex_encode(in, sizeof(in), text);
	ck_assert_str_eq(text, "00017f80abff");
	ck_assert_int_eq(pr_hex_decode(text, &out, &len), PR_OK);
	ck_assert_uint_eq(len, sizeof(in));
	ck_assert_mem_eq(out, in, sizeof(in));
	free(out);
	ck_assert_int_eq(pr_hex_decode("ABFF", &out, &len), PR_OK);
	ck_assert_uint_eq(len, 2);
	ck_assert_uint_eq(out[0], 0xab);
	free(out);
	ck_assert_int_eq(pr_hex_decode("", &out, &len), PR_OK);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(len, 0);
	free(out);
}
END_TEST

static const char *const bad_hex[] = { "0", "abc", "0g", "g0", " 00", "00 ", "0x00", "-1", "zz" };

START_TEST(hex_bad)
{
	unsigned char *out = (unsigned char *)"sentinel";
	size_t len = 99;

	ck_assert_int_eq(pr_hex_decode(bad_hex[_i], &out, &len), PR_ERR_CORRUPT);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(len, 0);
}
END_TEST

/* ---- base64url ------------------------------------------------------------ */

static const struct {
	const char *plain;
	const char *b64;
} b64_rows[] = {
	{ "", "" },
	{ "f", "Zg" },
	{ "fo", "Zm8" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg" },
	{ "fooba", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy" },
	{ "\xfb\xff", "-_8" },
	{ "\xfb\xef\xbe", "----" },
	{ "\xff\xff\xff", "____" },
};

START_TEST(b64_vectors)
{
	const char *plain = b64_rows[_i].plain;
	char *enc = pr_b64url_encode((const unsigned char *)plain, strlen(plain));
	unsigned char *dec = NULL;
	size_t len = 0;

	ck_assert_ptr_nonnull(enc);
	ck_assert_str_eq(enc, b64_rows[_i].b64);
	ck_assert_int_eq(pr_b64url_decode(enc, &dec, &len), PR_OK);
	ck_assert_uint_eq(len, strlen(plain));
	ck_assert_mem_eq(dec, plain, len);
	free(enc);
	free(dec);
}
END_TEST

/* Padded and standard-alphabet forms are accepted too. */
static const struct {
	const char *b64;
	const char *plain;
} b64_alt_rows[] = {
	{ "Zg==", "f" },
	{ "Zm8=", "fo" },
	{ "Zm9v", "foo" },
	{ "+/8", "\xfb\xff" },
	{ "+/8=", "\xfb\xff" },
};

START_TEST(b64_alternate_forms)
{
	unsigned char *dec = NULL;
	size_t len = 0;

	ck_assert_int_eq(pr_b64url_decode(b64_alt_rows[_i].b64, &dec, &len), PR_OK);
	ck_assert_uint_eq(len, strlen(b64_alt_rows[_i].plain));
	ck_assert_mem_eq(dec, b64_alt_rows[_i].plain, len);
	free(dec);
}
END_TEST

static const char *const bad_b64[] = {
	"Z",        /* a lone character cannot encode a byte */
	"Zm9vY",    /* same after a full quantum */
	"Zh",       /* non-zero trailing bits: not canonical */
	"Zm9=",     /* non-zero trailing bits with padding */
	"Zg=",      /* padding that does not complete a quantum */
	"Zg===",    /* too much padding */
	"=",
	"Z=g=",     /* padding in the middle */
	"Zm 9v",    /* whitespace */
	"Zm9v\n",
	"Zm9v!",
	"-+8",      /* mixes the two alphabets */
	"_/8",
};

START_TEST(b64_bad)
{
	unsigned char *dec = (unsigned char *)"sentinel";
	size_t len = 99;

	ck_assert_int_eq(pr_b64url_decode(bad_b64[_i], &dec, &len), PR_ERR_CORRUPT);
	ck_assert_ptr_null(dec);
	ck_assert_uint_eq(len, 0);
}
END_TEST

START_TEST(b64_random_round_trip)
{
	unsigned char in[300], *dec = NULL;
	size_t len = 0;
	char *enc = NULL;

	for (size_t n = 0; n < sizeof(in); n += 7) {
		ck_assert_int_eq(pr_random(in, n), PR_OK);
		enc = pr_b64url_encode(in, n);
		ck_assert_ptr_nonnull(enc);
		ck_assert_int_eq(pr_b64url_decode(enc, &dec, &len), PR_OK);
		ck_assert_uint_eq(len, n);
		ck_assert(n == 0 || memcmp(dec, in, n) == 0);
		free(enc);
		free(dec);
	}
}
END_TEST

/* ---- user names ----------------------------------------------------------- */

static const char *const good_users[] = {
	"a", "alice", "drlee", "backup-svc", "j.doe", "user@realm", "_svc", "0day",
	"A_B-c.d@e",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 64 */
};

static const char *const bad_users[] = {
	"", ".", "..", ".hidden", "-opt", "@x", "a..b", "a/b", "/etc", "a b",
	"a\tb", "a\nb", "a:b", "a%b", "a$", "a*", "\xc3\xa9t\xc3\xa9", "a\\b",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 65 */
};

START_TEST(username_good)
{
	ck_assert_msg(pr_username_valid(good_users[_i]), "%s", good_users[_i]);
}
END_TEST

START_TEST(username_bad)
{
	ck_assert_msg(!pr_username_valid(bad_users[_i]), "%s", bad_users[_i]);
}
END_TEST

START_TEST(username_null)
{
	ck_assert(!pr_username_valid(NULL));
}
END_TEST

/* ---- AAGUID --------------------------------------------------------------- */

START_TEST(aaguid_round_trip)
{
	const unsigned char a[16] = { 0xcb, 0x69, 0x48, 0x1e, 0x8f, 0xf7, 0x40, 0x39,
	    0x93, 0xec, 0x0a, 0x27, 0x29, 0xa1, 0x54, 0xa8 };
	unsigned char b[16];
	char text[37];

	pr_aaguid_format(a, text);
	ck_assert_str_eq(text, "cb69481e-8ff7-4039-93ec-0a2729a154a8");
	ck_assert_int_eq(pr_aaguid_parse(text, b), PR_OK);
	ck_assert_mem_eq(a, b, 16);
	memset(b, 0, sizeof(b));
	ck_assert_int_eq(pr_aaguid_parse("CB69481E8FF7403993EC0A2729A154A8", b), PR_OK);
	ck_assert_mem_eq(a, b, 16);
}
END_TEST

static const char *const bad_aaguids[] = {
	"", "cb69481e-8ff7-4039-93ec-0a2729a154a", "cb69481e-8ff7-4039-93ec-0a2729a154a80",
	"cb69481e8ff7-4039-93ec-0a2729a154a8x", "cb69481e-8ff7-4039-93ec_0a2729a154a8",
	"cb69481e-8ff74039-93ec-0a2729a154a8-", "gb69481e-8ff7-4039-93ec-0a2729a154a8",
	"cb69481e8ff7403993ec0a2729a154a", "cb69481e8ff7403993ec0a2729a154az",
};

START_TEST(aaguid_bad)
{
	unsigned char b[16] = { 0 }, zero[16] = { 0 };

	ck_assert_int_eq(pr_aaguid_parse(bad_aaguids[_i], b), PR_ERR_INVALID_ARG);
	ck_assert_mem_eq(b, zero, 16);
}
END_TEST

/* ---- key id, constant-time compare, secrets, random --------------------- */

START_TEST(keyid_known)
{
	char id[PR_KEYID_LEN + 1];

	/* SHA-256("abc") = ba7816bf8f01cfea... */
	pr_keyid((const unsigned char *)"abc", 3, id);
	ck_assert_str_eq(id, "ba7816bf8f01");
	ck_assert_uint_eq(strlen(id), PR_KEYID_LEN);
}
END_TEST

/* FIPS 180-2 vectors, in one piece and fed in parts, and a copied state. */
START_TEST(sha256_vectors)
{
	static const struct { const char *in, *hex; } v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	unsigned char md[PR_SHA256_LEN];
	char hex[2 * PR_SHA256_LEN + 1];
	struct pr_sha256 h, fork;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = strlen(v[i].in);

		ck_assert_int_eq(pr_sha256(v[i].in, n, md), PR_OK);
		pr_hex_encode(md, sizeof(md), hex);
		ck_assert_str_eq(hex, v[i].hex);
		ck_assert_int_eq(pr_sha256_init(&h), PR_OK);
		ck_assert_int_eq(pr_sha256_update(&h, v[i].in, n / 2), PR_OK);
		ck_assert_int_eq(pr_sha256_copy(&fork, &h), PR_OK);
		ck_assert_int_eq(pr_sha256_update(&h, v[i].in + n / 2, n - n / 2), PR_OK);
		ck_assert_int_eq(pr_sha256_final(&h, md), PR_OK);
		pr_hex_encode(md, sizeof(md), hex);
		ck_assert_str_eq(hex, v[i].hex);
		/* The copy goes on from the half, untouched by the original's second part. */
		ck_assert_int_eq(pr_sha256_update(&fork, v[i].in + n / 2, n - n / 2), PR_OK);
		ck_assert_int_eq(pr_sha256_final(&fork, md), PR_OK);
		pr_hex_encode(md, sizeof(md), hex);
		ck_assert_str_eq(hex, v[i].hex);
	}
}
END_TEST

START_TEST(ct_equal)
{
	ck_assert(pr_ct_equal("abcd", "abcd", 4));
	ck_assert(!pr_ct_equal("abcd", "abce", 4));
	ck_assert(!pr_ct_equal("xbcd", "abcd", 4));
	ck_assert(pr_ct_equal("a", "b", 0));
}
END_TEST

/* A typed secret trimmed in place leaves no copy of itself past its new end. */
START_TEST(secret_trim_wipes_tail)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "  abcd \r\n", "abcd" }, { "\tab cd", "ab cd" }, { "abcd", "abcd" },
		{ " \t\r\n", "" }, { "", "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[32];
		size_t total = strlen(cases[i].in), len;

		memset(buf, 'X', sizeof(buf));
		memcpy(buf, cases[i].in, total + 1);
		len = pr_secret_trim(buf);
		ck_assert_uint_eq(len, strlen(cases[i].out));
		ck_assert_str_eq(buf, cases[i].out);
		for (size_t j = len; j <= total; j++)
			ck_assert_msg(buf[j] == '\0', "case %zu: byte %zu left", i, j);
		ck_assert_int_eq(buf[total + 1], 'X');  /* nothing past the original */
	}
}
END_TEST

START_TEST(secret_free_nulls)
{
	unsigned char *p = malloc(16);
	char *s = strdup("123456");

	ck_assert_ptr_nonnull(p);
	memset(p, 0xaa, 16);
	pr_secret_free(&p, 16);
	ck_assert_ptr_null(p);
	pr_secret_free(&p, 16);  /* twice is harmless */
	pr_secret_strfree(&s);
	ck_assert_ptr_null(s);
	pr_secret_strfree(&s);
	pr_secret_strfree(NULL);
}
END_TEST

START_TEST(random_differs)
{
	unsigned char a[32], b[32];

	ck_assert_int_eq(pr_random(a, sizeof(a)), PR_OK);
	ck_assert_int_eq(pr_random(b, sizeof(b)), PR_OK);
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
	ck_assert(pr_now() > 1700000000);
}
END_TEST

/* ---- the error buffer -------------------------------------------------------- */

/* The line travels with its message; a later message about no line drops it. */
START_TEST(errbuf_line)
{
	struct pr_errbuf eb = { 0 };

	ck_assert_int_eq(pr_fail_line(&eb, 7, PR_ERR_CORRUPT, "bad %s", "field"), PR_ERR_CORRUPT);
	ck_assert_str_eq(eb.msg, "bad field");
	ck_assert_int_eq(eb.line, 7);
	ck_assert_int_eq(pr_fail(&eb, PR_ERR_IO, "%s", "later"), PR_ERR_IO);
	ck_assert_str_eq(eb.msg, "later");
	ck_assert_int_eq(eb.line, 0);
	ck_assert_int_eq(pr_fail_line(NULL, 3, PR_ERR_CORRUPT, "%s", "nowhere"), PR_ERR_CORRUPT);
}
END_TEST

/* The shapes in use (codes 16/4, tokens 28/4), one past a 32-byte draw, odd groups. */
static const struct { size_t chars, group; } crockford_rows[] = {
	{ 16, 4 }, { 28, 4 }, { 40, 4 }, { 5, 2 }, { 3, 3 }, { 1, 4 },
};

START_TEST(crockford_random_form)
{
	size_t chars = crockford_rows[_i].chars, group = crockford_rows[_i].group;
	char canon[64], again[64], *t = NULL, *u = NULL;
	size_t n = 0;

	ck_assert_int_eq(pr_crockford_random(chars, group, &t, canon), PR_OK);
	ck_assert_uint_eq(strlen(t), chars + (chars - 1) / group);
	ck_assert_uint_eq(strlen(canon), chars);
	for (size_t o = 0; t[o] != '\0'; o++) {
		if ((o + 1) % (group + 1) == 0) {
			ck_assert_int_eq(t[o], '-');
			continue;
		}
		ck_assert_ptr_nonnull(strchr(pr_crockford_alphabet, t[o]));
		ck_assert_int_eq(t[o], canon[n++]);
	}
	ck_assert_uint_eq(n, chars);
	ck_assert(pr_crockford_normalise(t, again, chars));
	ck_assert_str_eq(again, canon);
	ck_assert_int_eq(pr_crockford_random(chars, group, &u, NULL), PR_OK);
	if (chars >= 16)
		ck_assert_str_ne(t, u);
	pr_secret_strfree(&t);
	pr_secret_strfree(&u);
	ck_assert_ptr_null(t);
}
END_TEST

static Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, hex_round_trip);
	tcase_add_loop_test(tc, hex_bad, 0, NROWS(bad_hex));
	tcase_add_loop_test(tc, b64_vectors, 0, NROWS(b64_rows));
	tcase_add_loop_test(tc, b64_alternate_forms, 0, NROWS(b64_alt_rows));
	tcase_add_loop_test(tc, b64_bad, 0, NROWS(bad_b64));
	tcase_add_test(tc, b64_random_round_trip);
	tcase_add_loop_test(tc, username_good, 0, NROWS(good_users));
	tcase_add_loop_test(tc, username_bad, 0, NROWS(bad_users));
	tcase_add_test(tc, username_null);
	tcase_add_test(tc, aaguid_round_trip);
	tcase_add_loop_test(tc, aaguid_bad, 0, NROWS(bad_aaguids));
	tcase_add_test(tc, keyid_known);
	tcase_add_test(tc, sha256_vectors);
	tcase_add_test(tc, ct_equal);
	tcase_add_test(tc, secret_free_nulls);
	tcase_add_test(tc, secret_trim_wipes_tail);
	tcase_add_test(tc, random_differs);
	tcase_add_loop_test(tc, crockford_random_form, 0, NROWS(crockford_rows));
	tcase_add_test(tc, errbuf_line);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_tap(util_suite());
}
