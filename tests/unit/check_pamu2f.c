/*
 * Unit tests of lib/pamu2f.c: files in both of pam_u2f's line formats,
 * central and per-user, turned into credentials (key conversion checked
 * byte for byte); and every malformed variant as a table row: the line
 * number, a reason that says what is wrong, and nothing returned.
 *
 * The keys below were generated for these tests (P-256, Ed25519,
 * RSA-2048); key handles are made-up bytes.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pamu2f.h"
#include "util.h"
#include "testlib.h"

#define NOW ((int64_t)1800000000)
#define ALG_ES256 (-7)     /* COSE algorithm numbers */
#define ALG_EDDSA (-8)
#define ALG_RS256 (-257)

/* P-256 public key: x||y in base64, 04||x||y in base64 and in hex. */
#define ES_XY "qccRTuUrVPjIa4iObY7Eutrq69BgEAzE2DgwC3kH8bwU+M7QowJjBdnlb/yqGU7NINvqSbKGqPfDpj4S9fGEzg=="
#define ES_PT "BKnHEU7lK1T4yGuIjm2OxLra6uvQYBAMxNg4MAt5B/G8FPjO0KMCYwXZ5W/8qhlOzSDb6kmyhqj3w6Y+EvXxhM4="
#define ES_HEX "04a9c7114ee52b54f8c86b888e6d8ec4badaeaebd060100cc4d838300b7907f1bc14f8ce" \
	"d0a3026305d9e56ffcaa194ecd20dbea49b286a8f7c3a63e12f5f184ce"
/* Ed25519 public key. */
#define ED "ENIQbadIvEfrzxVfz+gNG6Gq+V8K82yVgZZw5iMmli4="
/* RSA-2048: n (256 bytes) || e (3 bytes). */
#define RS "wEciw8Q7nNKjYQ3ZmSkb/HdrHl8I3aVDDLlfP4gk3auPTALMdxOwJuKdV0MbrFXVakYixqmaxYC25eUX+Hdzt+lwZk/dWAKqRzb7XpXxGCmqjUKsJEbSvbx8L90DozbCefWJaTGexxnkU5hEl2CeCpdbikq8AoMnlPMkTCq6rt1yecmIniNY7w1wLM4kK0CLVoFVxkRsSVhWgzNcSNly5h7ob342qzaD5WNz9e1Q1BWSMXqlaumjmMUr4oP4jImdkJ2YBYCd/AZ0lDtTYMky0xMNFFTsiW42HHhwqKjmBQf581Wsme3mi/ap69B/a6wSpRBFdfU5qcUTSXWP8W/04wEAAQ=="
/* Key handles: standard base64 (padded), and web-safe unpadded as old lines have them. */
#define KH1 "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4/QA=="
#define KH2 "AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dzj6vH4_wYNFBsiKTA3PkVMU1phaG92fYSLkpmgp661vA"
#define KH3 "BRIfLDlGU2BteoeUoa67yNXi7/wJFiMwPUpXZHF+i5ilsr/M2ebzAA0aJzRBTlto"
#define KH4 "QUJDREVGR0hJSktMTU5PUA"
/* 64 bytes of 0x01: the right length, but not a point on the curve. */
#define NOT_ON_CURVE "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ=="
/* 65 bytes, 05 prefix. */
#define BAD_PREFIX "BanHEU7lK1T4yGuIjm2OxLra6uvQYBAMxNg4MAt5B/G8FPjO0KMCYwXZ5W/8qhlOzSDb6kmyhqj3w6Y+EvXxhM4="

#define OPT_P PR_PAMU2F_OPT_PRESENCE
#define OPT_V PR_PAMU2F_OPT_VERIFICATION
#define OPT_N PR_PAMU2F_OPT_PIN

/* What one parsed entry must be. */
struct want {
	const char *user;
	int line, index;
	int alg;
	bool old, resident;
	unsigned options;
	const char *kh;      /* base64 of the expected credential id (NULL: resident) */
	const char *pk;      /* base64 of the expected raw public key */
};

#define MAXW 5

static const struct {
	const char *what;
	const char *text;
	size_t n;
	struct want w[MAXW];
} good_rows[] = {
	{ "current format, es256 x||y", "alice:" KH1 "," ES_XY ",es256,+presence\n", 1,
	  { { "alice", 1, 1, ALG_ES256, false, false, OPT_P, KH1, ES_XY } } },
	{ "current format, es256 as a 65-byte point", "alice:" KH1 "," ES_PT ",es256,+presence\n", 1,
	  { { "alice", 1, 1, ALG_ES256, false, false, OPT_P, KH1, ES_XY } } },
	{ "old format: web-safe key handle, hex point", "bob:" KH2 "," ES_HEX "\n", 1,
	  { { "bob", 1, 1, ALG_ES256, true, false, OPT_P, KH2, ES_XY } } },
	{ "eddsa with a PIN", "carol:" KH3 "," ED ",eddsa,+presence+pin\n", 1,
	  { { "carol", 1, 1, ALG_EDDSA, false, false, OPT_P | OPT_N, KH3, ED } } },
	{ "rs256, type in capitals", "dave:" KH1 "," RS ",RS256,+verification\n", 1,
	  { { "dave", 1, 1, ALG_RS256, false, false, OPT_V, KH1, RS } } },
	{ "options in any order", "erin:" KH1 "," ES_XY ",es256,+pin+verification+presence\n", 1,
	  { { "erin", 1, 1, ALG_ES256, false, false, OPT_P | OPT_V | OPT_N, KH1, ES_XY } } },
	{ "no options (pamu2fcfg -P)", "erin:" KH1 "," ES_XY ",es256,\n", 1,
	  { { "erin", 1, 1, ALG_ES256, false, false, 0, KH1, ES_XY } } },
	{ "three fields", "erin:" KH1 "," ES_XY ",es256\n", 1,
	  { { "erin", 1, 1, ALG_ES256, false, false, 0, KH1, ES_XY } } },
	{ "resident credential is marked", "frank:*," ES_XY ",es256,+presence\n", 1,
	  { { "frank", 1, 1, ALG_ES256, false, true, OPT_P, NULL, ES_XY } } },
	{ "central file: several users, lines, formats; comments, blank lines, no final newline",
	  "# migrated from the old workstation\n"
	  "alice:" KH1 "," ES_XY ",es256,+presence:" KH2 "," ES_HEX "\n"
	  "\n"
	  "bob:*," ES_XY ",es256,+presence:" KH3 "," ED ",eddsa,+presence\n"
	  "#carol:" KH1 "," ES_XY "\n"
	  "carol.x_y-z:" KH4 "," RS ",rs256,+presence", 5,
	  { { "alice", 2, 1, ALG_ES256, false, false, OPT_P, KH1, ES_XY },
	    { "alice", 2, 2, ALG_ES256, true, false, OPT_P, KH2, ES_XY },
	    { "bob", 4, 1, ALG_ES256, false, true, OPT_P, NULL, ES_XY },
	    { "bob", 4, 2, ALG_EDDSA, false, false, OPT_P, KH3, ED },
	    { "carol.x_y-z", 6, 1, ALG_RS256, false, false, OPT_P, KH4, RS } } },
	{ "empty file", "", 0, { { 0 } } },
	{ "only comments and blank lines", "# nothing here\n\n#\n", 0, { { 0 } } },
};

static void check_bytes(const unsigned char *got, size_t len, const char *b64)
{
	unsigned char *want = NULL;
	size_t want_len = 0;

	ck_assert_int_eq(pr_b64url_decode(b64, &want, &want_len), PR_OK);
	ck_assert_uint_eq(len, want_len);
	ck_assert_mem_eq(got, want, len);
	free(want);
}

static void check_entry(const struct pr_pamu2f_entry *e, const struct want *w)
{
	static const unsigned char zero[16];

	ck_assert_str_eq(e->user, w->user);
	ck_assert_int_eq(e->line, w->line);
	ck_assert_int_eq(e->index, w->index);
	ck_assert_int_eq(e->cred.cose_alg, w->alg);
	ck_assert_int_eq(e->old_format, w->old);
	ck_assert_int_eq(e->resident, w->resident);
	ck_assert_uint_eq(e->options, w->options);
	if (w->resident)
		ck_assert_ptr_null(e->cred.id);
	else
		check_bytes(e->cred.id, e->cred.id_len, w->kh);
	check_bytes(e->cred.pubkey, e->cred.pubkey_len, w->pk);
	/* what a mapping file cannot tell is not invented */
	ck_assert_int_eq(e->cred.cls, PR_CLASS_PASSKEY);
	ck_assert_int_eq(e->cred.kind, PR_KIND_FIDO);
	ck_assert_str_eq(e->cred.label, "imported from pam_u2f");
	ck_assert_str_eq(e->cred.fmt, "none");
	ck_assert_mem_eq(e->cred.aaguid, zero, 16);
	ck_assert_uint_eq(e->cred.sign_count, 0);
	ck_assert_uint_eq(e->cred.flags, 0);
	ck_assert_int_eq(e->cred.created, NOW);
	ck_assert_int_eq(e->cred.last_used, 0);
}

START_TEST(good)
{
	struct pr_pamu2f_list l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };

	ck_assert_msg(pr_pamu2f_parse(good_rows[_i].text, strlen(good_rows[_i].text), NOW, &l,
	    &eb) == PR_OK, "%s: %d: %s", good_rows[_i].what, eb.line, eb.msg);
	ck_assert_int_eq(eb.line, 0);
	ck_assert_uint_eq(l.n, good_rows[_i].n);
	for (size_t i = 0; i < l.n; i++)
		check_entry(&l.v[i], &good_rows[_i].w[i]);
	pr_pamu2f_list_clear(&l);
	ck_assert_ptr_null(l.v);
	ck_assert_uint_eq(l.n, 0);
	pr_pamu2f_list_clear(&l);   /* twice is harmless */
}
END_TEST

/* A key handle of 1025 bytes, in base64. */
static char *long_handle_line(void)
{
	unsigned char raw[1025];
	char *b64, *line;

	memset(raw, 0x5a, sizeof(raw));
	ck_assert_ptr_nonnull(b64 = pr_b64url_encode(raw, sizeof(raw)));
	ck_assert_ptr_nonnull(line = malloc(strlen(b64) + 200));
	strcpy(line, "alice:");
	strcat(line, b64);
	strcat(line, "," ES_XY ",es256,+presence\n");
	free(b64);
	return line;
}

static const struct {
	const char *text;
	size_t len;          /* 0: strlen */
	int line;
	const char *reason;  /* a part of the message */
} bad_rows[] = {
	{ "alice\n", 0, 1, "found no ':'" },
	{ ":" KH1 "," ES_XY ",es256,+presence\n", 0, 1, "no user name" },
	{ "bad user:" KH1 "," ES_XY ",es256,+presence\n", 0, 1, "not a valid account name" },
	{ "../etc:" KH1 "," ES_XY ",es256,+presence\n", 0, 1, "not a valid account name" },
	{ "alice:\n", 0, 1, "credential 1 is empty" },
	{ "alice:" KH1 "," ES_XY ",es256,+presence::" KH3 "," ED ",eddsa,\n", 0, 1,
	  "credential 2 is empty" },
	{ "alice:" KH1 "," ES_XY ",es256,+presence:\n", 0, 1, "credential 2 is empty" },
	{ "alice:" KH1 "\n", 0, 1, "credential 1: expected KEYHANDLE,PUBKEY" },
	{ "alice:" KH1 "," ES_XY ",es256,+presence,extra\n", 0, 1, "more than 4" },
	{ "alice:" KH1 "," ES_XY ",es384,+presence\n", 0, 1, "unknown key type" },
	{ "alice:" KH1 "," ES_XY ",,+presence\n", 0, 1, "unknown key type" },
	{ "alice:" KH1 "," ES_XY ",es256,+presense\n", 0, 1, "options must be" },
	{ "alice:" KH1 "," ES_XY ",es256,presence\n", 0, 1, "options must be" },
	{ "alice:" KH1 "," ES_XY ",es256,+pin+pin\n", 0, 1, "options must be" },
	{ "alice:" KH1 "," ES_XY ",es256,+presence \n", 0, 1, "options must be" },
	{ "alice:!!!!," ES_XY ",es256,+presence\n", 0, 1, "key handle is not valid base64" },
	{ "alice:" KH2 "+," ES_XY ",es256,+presence\n", 0, 1, "key handle is not valid base64" },
	{ "alice:," ES_XY ",es256,+presence\n", 0, 1, "empty key handle" },
	{ "alice:" KH1 ",,es256,+presence\n", 0, 1, "empty public key" },
	{ "alice:" KH1 ",!!" ES_XY ",es256,+presence\n", 0, 1, "public key is not valid base64" },
	{ "alice:" KH1 "," ED ",es256,+presence\n", 0, 1, "is not a P-256 public key" },
	{ "alice:" KH1 "," BAD_PREFIX ",es256,+presence\n", 0, 1, "is not a P-256 public key" },
	{ "alice:" KH1 "," NOT_ON_CURVE ",es256,+presence\n", 0, 1, "is not a point on P-256" },
	{ "alice:" KH1 "," ES_XY ",eddsa,+presence\n", 0, 1, "is not an Ed25519 public key" },
	{ "alice:" KH1 "," ES_XY ",rs256,+presence\n", 0, 1, "is not an RSA-2048 public key" },
	{ "alice:" KH2 ",zz" ES_HEX "\n", 0, 1, "public key is not valid hex" },
	{ "alice:" KH2 "," ES_HEX "0\n", 0, 1, "public key is not valid hex" },
	{ "alice:" KH2 "," ES_XY "\n", 0, 1, "public key is not valid hex" },
	{ "alice:" KH2 ",05a9c7114ee52b54f8c86b888e6d8ec4badaeaebd060100cc4d838300b7907f1bc14f8ce"
	  "d0a3026305d9e56ffcaa194ecd20dbea49b286a8f7c3a63e12f5f184ce\n", 0, 1,
	  "not an uncompressed P-256 point" },
	{ "alice:" KH2 ",a9c7114ee52b54f8c86b888e6d8ec4badaeaebd060100cc4d838300b7907f1bc14f8ce"
	  "d0a3026305d9e56ffcaa194ecd20dbea49b286a8f7c3a63e12f5f184ce\n", 0, 1,
	  "not an uncompressed P-256 point" },
	{ "alice:" KH1 "," ES_XY ",es256,+presence\r\n", 0, 1, "carriage return" },
	{ "# fine\nalice:" KH1 "," ES_XY ",es256\0,+presence\n", 0, 2, "NUL byte" },
	{ "alice:" KH1 "," ES_XY ",es256,+presence\n"
	  "bob:" KH3 "," ED ",eddsa,+presence\n"
	  "carol:" KH2 "," ES_XY ",es256,+bogus\n", 0, 3, "options must be" },
	{ "alice:" KH1 "," ES_XY ",es256,+presence\n"
	  "alice:" KH3 "," ED ",eddsa,+presence\n", 0, 2,
	  "second line for user alice (first on line 1)" },
	{ "alice:" KH1 "," ES_XY ",es256,+presence:" KH1 "," ED ",eddsa,\n", 0, 1,
	  "credential 2 is the same key handle as credential 1 on line 1" },
	{ "alice:" KH1 "," ES_XY ",es256,+presence\n"
	  "bob:" KH1 "," ES_XY ",es256,+presence\n", 0, 2,
	  "credential 1 is the same key handle as credential 1 on line 1" },
	{ "alice:*," ES_XY ",es384,+presence\n", 0, 1, "unknown key type" },   /* still checked */
};

/* NUL-carrying rows need an explicit length: the text up to the final newline. */
static size_t row_len(int i)
{
	const char *t = bad_rows[i].text;

	if (bad_rows[i].len != 0)
		return bad_rows[i].len;
	if (strstr(bad_rows[i].reason, "NUL") != NULL)
		return strlen(t) + 1 + strlen(t + strlen(t) + 1);
	return strlen(t);
}

static void expect_bad(const char *text, size_t len, int want_line, const char *reason)
{
	struct pr_pamu2f_list l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };

	ck_assert_int_eq(pr_pamu2f_parse(text, len, NOW, &l, &eb), PR_ERR_CORRUPT);
	ck_assert_msg(eb.line == want_line, "line %d, want %d (%s)", eb.line, want_line, eb.msg);
	ck_assert_msg(strstr(eb.msg, reason) != NULL, "message '%s' lacks '%s'", eb.msg, reason);
	ck_assert_ptr_null(l.v);   /* nothing returned, not even the good lines */
	ck_assert_uint_eq(l.n, 0);
}

START_TEST(bad)
{
	expect_bad(bad_rows[_i].text, row_len(_i), bad_rows[_i].line, bad_rows[_i].reason);
}
END_TEST

START_TEST(bad_long_handle)
{
	char *line = long_handle_line();

	expect_bad(line, strlen(line), 1, "key handle length 1025 out of range");
	free(line);
}
END_TEST

/* Messages name fields, never echo what the file holds. */
START_TEST(messages_do_not_echo)
{
	const char *text = "alice:" KH1 ",c2VjcmV0IGhhc2g$," "es256,+presence\n";
	struct pr_pamu2f_list l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };

	ck_assert_int_eq(pr_pamu2f_parse(text, strlen(text), NOW, &l, &eb), PR_ERR_CORRUPT);
	ck_assert_ptr_null(strstr(eb.msg, "c2VjcmV0"));
	ck_assert_ptr_null(strstr(eb.msg, "AQIDBAUG"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pamu2f");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, good, 0, NROWS(good_rows));
	tcase_add_loop_test(tc, bad, 0, NROWS(bad_rows));
	tcase_add_test(tc, bad_long_handle);
	tcase_add_test(tc, messages_do_not_echo);
	suite_add_tcase(s, tc);
	return test_run_tap(s);
}
