/*
 * Unit tests of lib/store.c: format round trip, the strict parser (one
 * table row per malformed case), unsafe files, the counter rule, and
 * concurrent writers. Run as root (CI does) for the wrong-owner cases.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "secure_file.h"
#include "store.h"
#include "util.h"
#include "testlib.h"

static char sdir[64];
static char upath[128];

static void setup(void)
{
	strcpy(sdir, "/tmp/check_store.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(sdir));
	snprintf(upath, sizeof(upath), "%s/users/alice", sdir);
}

static void teardown(void)
{
	ck_assert_msg(test_rm_tree(AT_FDCWD, sdir), "could not remove %s", sdir);
}

/* A valid credential, distinct per seed. */
static void make_cred(struct pr_cred *c, unsigned seed)
{
	memset(c, 0, sizeof(*c));
	c->id_len = 16 + seed % 50;
	c->id = malloc(c->id_len);
	ck_assert_ptr_nonnull(c->id);
	for (size_t i = 0; i < c->id_len; i++)
		c->id[i] = (unsigned char)(seed * 31 + i * 7 + (seed >> 8));
	c->id[0] = (unsigned char)seed;
	c->id[1] = (unsigned char)(seed >> 8);
	c->cose_alg = seed % 3 == 0 ? -7 : seed % 3 == 1 ? -8 : -257;
	c->pubkey_len = seed % 3 == 0 ? 64 : seed % 3 == 1 ? 32 : 259;
	c->pubkey = malloc(c->pubkey_len);
	ck_assert_ptr_nonnull(c->pubkey);
	for (size_t i = 0; i < c->pubkey_len; i++)
		c->pubkey[i] = (unsigned char)(i ^ seed);
	c->cls = seed % 2 ? PR_CLASS_PHYSICAL : PR_CLASS_PASSKEY;
	c->kind = seed % 5 == 4 ? PR_KIND_SSH : PR_KIND_FIDO;
	for (int i = 0; i < 16; i++)
		c->aaguid[i] = (unsigned char)(0xf0 + i + seed);
	c->flags = (uint8_t)(0x45 + seed);
	c->sign_count = seed * 1000u;
	strcpy(c->fmt, seed % 2 ? "packed" : "none");
	snprintf(c->label, sizeof(c->label), "key %u", seed);
	c->created = 1700000000 + seed;
	c->last_used = seed % 2 ? 0 : 1700000100 + seed;
	if (c->kind == PR_KIND_SSH)
		snprintf(c->app, sizeof(c->app), "ssh:%u%%x", seed);
}

static void assert_cred_eq(const struct pr_cred *a, const struct pr_cred *b)
{
	ck_assert_uint_eq(a->id_len, b->id_len);
	ck_assert_mem_eq(a->id, b->id, a->id_len);
	ck_assert_int_eq(a->cose_alg, b->cose_alg);
	ck_assert_uint_eq(a->pubkey_len, b->pubkey_len);
	ck_assert_mem_eq(a->pubkey, b->pubkey, a->pubkey_len);
	ck_assert_int_eq(a->cls, b->cls);
	ck_assert_int_eq(a->kind, b->kind);
	ck_assert_mem_eq(a->aaguid, b->aaguid, 16);
	ck_assert_uint_eq(a->flags, b->flags);
	ck_assert_uint_eq(a->sign_count, b->sign_count);
	ck_assert_str_eq(a->fmt, b->fmt);
	ck_assert_str_eq(a->label, b->label);
	ck_assert_int_eq(a->created, b->created);
	ck_assert_int_eq(a->last_used, b->last_used);
	ck_assert_str_eq(a->app, b->app);
}

/* Make users/ by enrolling bob, then put raw text in as alice's file. */
static void put_user_file(const char *text, size_t len)
{
	struct pr_cred c;

	make_cred(&c, 999);
	ck_assert_int_eq(pr_store_add(PR_STATE_FILES(sdir), "bob", &c, NULL), PR_OK);
	pr_cred_clear(&c);
	test_write_file(upath, text, len, 0600);
}

/* ---- format / parse round trip ---------------------------------------------- */

static const char *const odd_labels[] = {
	"", "my key", "tab\there", "new\nline", "cr\rlf", "100%", "%41", "%", "=eq=",
	"a=b c=d", "Schl\xc3\xbc" "ssel", "\x7f\x01\x1f", "  lead and trail  ",
	"label=evil created=1", "1234567890123456789012345678901234567890123456789012345678901234",
};

START_TEST(round_trip_labels)
{
	struct pr_credlist l = { NULL, 0 }, back = { NULL, 0 };
	struct pr_cred c[3];
	char *text = NULL;
	size_t len = 0;
	struct pr_errbuf eb = { 0 };

	for (unsigned i = 0; i < 3; i++)
		make_cred(&c[i], i + 1);
	snprintf(c[1].label, sizeof(c[1].label), "%s", odd_labels[_i]);
	l.v = c;
	l.n = 3;
	ck_assert_int_eq(pr_store_format(&l, &text, &len), PR_OK);
	ck_assert_uint_eq(strlen(text), len);
	ck_assert_int_eq(pr_store_parse(text, len, &back, &eb), PR_OK);
	ck_assert_int_eq(eb.line, 0);
	ck_assert_str_eq(eb.msg, "");
	ck_assert_uint_eq(back.n, 3);
	for (size_t i = 0; i < 3; i++)
		assert_cred_eq(&back.v[i], &c[i]);
	/* The label is one field: the line still has exactly 12 spaces-separated fields. */
	ck_assert_ptr_null(strchr(strchr(text, '\n') + 1, '\t'));
	pr_credlist_clear(&back);
	for (unsigned i = 0; i < 3; i++)
		pr_cred_clear(&c[i]);
	free(text);
}
END_TEST

START_TEST(round_trip_empty_and_extremes)
{
	struct pr_credlist l = { NULL, 0 }, back = { NULL, 0 };
	struct pr_cred c;
	char *text = NULL;
	size_t len = 0;

	ck_assert_int_eq(pr_store_format(&l, &text, &len), PR_OK);
	ck_assert_str_eq(text, "practicerunner-credentials 1\n");
	ck_assert_int_eq(pr_store_parse(text, len, &back, NULL), PR_OK);
	ck_assert_uint_eq(back.n, 0);
	free(text);
	make_cred(&c, 7);
	c.sign_count = UINT32_MAX;
	c.flags = 255;
	c.created = INT64_MAX;
	c.last_used = 0;
	free(c.id);
	c.id_len = PR_CRED_ID_MAX;
	c.id = calloc(1, PR_CRED_ID_MAX);
	l.v = &c;
	l.n = 1;
	ck_assert_int_eq(pr_store_format(&l, &text, &len), PR_OK);
	ck_assert_int_eq(pr_store_parse(text, len, &back, NULL), PR_OK);
	ck_assert_uint_eq(back.n, 1);
	assert_cred_eq(&back.v[0], &c);
	pr_credlist_clear(&back);
	pr_cred_clear(&c);
	free(text);
}
END_TEST

/* Invalid credentials are never written. */
START_TEST(format_refuses_invalid)
{
	struct pr_credlist l;
	struct pr_cred c;
	char *text = NULL;
	size_t len = 0;

	l.v = &c;
	l.n = 1;
	for (int k = 0; k < 8; k++) {
		make_cred(&c, 3);
		switch (k) {
		case 0: c.cose_alg = -9; break;
		case 1: c.id_len = 0; break;
		case 2: c.pubkey_len = 0; break;
		case 3: strcpy(c.fmt, "Packed"); break;
		case 4: c.fmt[0] = '\0'; break;
		case 5: c.cls = (enum pr_class)7; break;
		case 6: c.kind = (enum pr_cred_kind)9; break;
		case 7: c.created = -1; break;
		}
		ck_assert_msg(pr_store_format(&l, &text, &len) == PR_ERR_INVALID_ARG, "case %d", k);
		ck_assert_ptr_null(text);
		if (k == 1)
			c.id_len = 16;
		if (k == 2)
			c.pubkey_len = 64;
		pr_cred_clear(&c);
	}
}
END_TEST

/* ---- the strict parser: one row per malformed case ---------------------------- */

#define HDR "practicerunner-credentials 1\n"
#define AAG "aaguid=00112233-4455-6677-8899-aabbccddeeff"
#define LINE(id) "id=" id " alg=-7 pubkey=0a0b class=physical kind=fido " AAG \
	" flags=69 sign_count=5 fmt=packed label=my%20key created=1700000000 last_used=0\n"
#define GOOD LINE("AQID")
/* Version 2: SSH keys, whose lines end in app=. */
#define HDR2 "practicerunner-credentials 2\n"
#define SSHLINE_NOAPP "id=BAUG alg=-8 pubkey=0a0b class=passkey kind=ssh " AAG \
	" flags=1 sign_count=0 fmt=unattested label= created=1700000000 last_used=0\n"
#define SSHLINE(app) "id=BAUG alg=-8 pubkey=0a0b class=passkey kind=ssh " AAG \
	" flags=1 sign_count=0 fmt=unattested label= created=1700000000 last_used=0 app=" app "\n"

/* A version 2 file holds FIDO and SSH keys; the application is decoded. */
START_TEST(parse_good_v2)
{
	struct pr_credlist l = { NULL, 0 };
	const char *text = HDR2 GOOD SSHLINE("ssh:%25x");

	ck_assert_int_eq(pr_store_parse(text, strlen(text), &l, NULL), PR_OK);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.v[0].app, "");
	ck_assert_int_eq(l.v[1].kind, PR_KIND_SSH);
	ck_assert_str_eq(l.v[1].app, "ssh:%x");
	pr_credlist_clear(&l);
}
END_TEST

/* Written as version 1 until there is an SSH key, then as version 2. */
START_TEST(format_version_follows_ssh)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_cred c[2];
	char *out = NULL;
	size_t len = 0;

	make_cred(&c[0], 1);   /* fido */
	make_cred(&c[1], 4);   /* ssh */
	ck_assert_int_eq(c[1].kind, PR_KIND_SSH);
	l.v = c;
	l.n = 1;
	ck_assert_int_eq(pr_store_format(&l, &out, &len), PR_OK);
	ck_assert(strncmp(out, HDR, strlen(HDR)) == 0);
	free(out);
	l.n = 2;
	ck_assert_int_eq(pr_store_format(&l, &out, &len), PR_OK);
	ck_assert(strncmp(out, HDR2, strlen(HDR2)) == 0);
	ck_assert_ptr_nonnull(strstr(out, " app=ssh:4%25x\n"));
	free(out);
	/* An SSH key without an application, or a FIDO key with one, is not written. */
	c[1].app[0] = '\0';
	ck_assert_int_eq(pr_store_format(&l, &out, &len), PR_ERR_INVALID_ARG);
	snprintf(c[0].app, sizeof(c[0].app), "ssh:");
	l.n = 1;
	ck_assert_int_eq(pr_store_format(&l, &out, &len), PR_ERR_INVALID_ARG);
	pr_cred_clear(&c[0]);
	pr_cred_clear(&c[1]);
}
END_TEST

START_TEST(parse_good_reference)
{
	struct pr_credlist l = { NULL, 0 };
	const char *text = HDR GOOD LINE("BAUG");

	ck_assert_int_eq(pr_store_parse(text, strlen(text), &l, NULL), PR_OK);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.v[0].label, "my key");
	ck_assert_uint_eq(l.v[0].flags, 69);
	ck_assert_uint_eq(l.v[0].sign_count, 5);
	ck_assert_int_eq(l.v[0].cls, PR_CLASS_PHYSICAL);
	pr_credlist_clear(&l);
}
END_TEST

/* Replace one field's value in GOOD: each must be refused on line 2. */
static const struct {
	const char *key;
	const char *value;
} bad_fields[] = {
	{ "id", "" }, { "id", "AQI" "=" }, { "id", "A" }, { "id", "AQ+D" }, { "id", "AQ/D" },
	{ "id", "AQ!D" }, { "id", "AR" },
	{ "alg", "" }, { "alg", "7" }, { "alg", "-9" }, { "alg", "-07" }, { "alg", "x" },
	{ "alg", "-7x" }, { "alg", "99999999999999999999" },
	{ "pubkey", "" }, { "pubkey", "0a0" }, { "pubkey", "0g" }, { "pubkey", "0x0a" },
	{ "class", "" }, { "class", "Physical" }, { "class", "platform" },
	{ "kind", "" }, { "kind", "u2f" },
	{ "aaguid", "" }, { "aaguid", "00112233445566778899aabbccddeeff" },
	{ "aaguid", "00112233-4455-6677-8899-aabbccddeefg" }, { "aaguid", "00112233-4455-6677-8899-aabbccddee" },
	{ "flags", "" }, { "flags", "256" }, { "flags", "-1" }, { "flags", "0x45" }, { "flags", "069" },
	{ "flags", "+5" },
	{ "sign_count", "" }, { "sign_count", "4294967296" }, { "sign_count", "-1" },
	{ "sign_count", "1e3" }, { "sign_count", " 5" },
	{ "fmt", "" }, { "fmt", "Packed" }, { "fmt", "abcdefghijklmnop" }, { "fmt", "a/b" },
	{ "label", "%" }, { "label", "%4" }, { "label", "%zz" }, { "label", "%00" }, { "label", "a\tb" },
	{ "label", "\x01" }, { "label", "\xc3\xbc" }, { "label", "\x7f" },
	{ "label", "12345678901234567890123456789012345678901234567890123456789012345" },
	{ "label", "%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41%41" },
	{ "created", "" }, { "created", "-5" }, { "created", "01" }, { "created", "9223372036854775808" },
	{ "created", "1.5" },
	{ "last_used", "" }, { "last_used", "-1" }, { "last_used", "now" },
};

/* GOOD with key's value replaced. */
static void line_with(char *out, size_t cap, const char *key, const char *value)
{
	char good[512], *p, *end;
	char pat[32];

	snprintf(good, sizeof(good), "%s", GOOD);
	snprintf(pat, sizeof(pat), "%s=", key);
	p = strstr(good, pat);
	ck_assert_ptr_nonnull(p);
	p += strlen(pat);
	end = p + strcspn(p, " \n");
	snprintf(out, cap, "%s%.*s%s%s", HDR, (int)(p - good), good, value, end);
}

START_TEST(parse_bad_field_rows)
{
	struct pr_credlist l = { (struct pr_cred *)1, 99 };
	char text[1024];
	struct pr_errbuf eb = { 0 };

	line_with(text, sizeof(text), bad_fields[_i].key, bad_fields[_i].value);
	ck_assert_msg(pr_store_parse(text, strlen(text), &l, &eb) == PR_ERR_CORRUPT,
	    "%s=%s accepted", bad_fields[_i].key, bad_fields[_i].value);
	ck_assert_int_eq(eb.line, 2);
	ck_assert_ptr_null(l.v);
	ck_assert_uint_eq(l.n, 0);
}
END_TEST

/* Whole-file and line-structure cases, with the line to blame. */
static const struct {
	const char *text;
	int line;
} bad_files[] = {
	{ "", 1 },
	{ "practicerunner-credentials 3\n" GOOD, 1 },
	{ HDR SSHLINE("ssh:"), 2 },                               /* ssh key in version 1 */
	{ HDR2 SSHLINE_NOAPP, 2 },                                /* version 2 ssh without app */
	{ HDR2 SSHLINE("ssh:") SSHLINE("ssh:"), 3 },              /* duplicate */
	{ HDR2 SSHLINE(""), 2 },                                  /* empty app */
	{ HDR2 SSHLINE("ssh:%20x"), 2 },                          /* blank in app */
	{ HDR2 SSHLINE("ssh:%0a"), 2 },                           /* newline in app */
	{ HDR2 SSHLINE("ssh: x"), 2 },
	{ HDR2 SSHLINE("ssh:%zz"), 2 },
	{ HDR2 SSHLINE("ssh:") "x\n", 3 },
	{ HDR2 "id=AQID alg=-7 pubkey=0a0b class=physical kind=fido " AAG
	  " flags=69 sign_count=5 fmt=packed label= created=1 last_used=0 app=ssh:\n", 2 },
	{ HDR2 "id=AQID alg=-7 pubkey=0a0b class=physical kind=ssh " AAG
	  " flags=69 sign_count=5 fmt=packed label= created=1 last_used=0 ap=ssh:\n", 2 },
	{ "practicerunner-credentials 1 \n" GOOD, 1 },
	{ "practicerunner-credentials\n", 1 },
	{ "# comment\n" HDR GOOD, 1 },
	{ GOOD, 1 },                                              /* no header */
	{ HDR GOOD GOOD, 3 },                                     /* duplicate id */
	{ HDR "\n" GOOD, 2 },                                     /* empty line */
	{ HDR GOOD "\n", 3 },
	{ HDR "id=AQID alg=-7\n", 2 },                            /* missing fields */
	{ HDR "alg=-7 id=AQID pubkey=0a0b class=physical kind=fido " AAG
	  " flags=69 sign_count=5 fmt=packed label= created=1 last_used=0\n", 2 }, /* order */
	{ HDR "id=AQID  alg=-7 pubkey=0a0b class=physical kind=fido " AAG
	  " flags=69 sign_count=5 fmt=packed label= created=1 last_used=0\n", 2 }, /* two spaces */
	{ HDR "id=AQID alg=-7 pubkey=0a0b class=physical kind=fido " AAG
	  " flags=69 sign_count=5 fmt=packed label= created=1 last_used=0 extra=1\n", 2 },
	{ HDR "id=AQID alg=-7 pubkey=0a0b class=physical kind=fido " AAG
	  " flags=69 sign_count=5 fmt=packed label= created=1 last_used=0 \n", 2 },
	{ HDR "id=AQID alg=-7 pubkey=0a0b class=physical kind=fido " AAG
	  " flags=69 sign_count=5 fmt=packed label=x y created=1 last_used=0\n", 2 },
	{ HDR "id=AQID alg=-7 pubkey=0a0b class=physical kind=fido " AAG
	  " flags=69 sign_count=5 fmt=packed label created=1 last_used=0\n", 2 },
	{ HDR "id=AQID alg=-7 pubkey=0a0b class=physical kind=fido " AAG
	  " flags=69 sign_count=5 fmt=packed label= created=1 last_used=0\r\n", 2 },
	{ HDR GOOD LINE("BAUG") "id=BAUG", 4 },                   /* torn: no final newline */
	{ HDR GOOD "id=BAUG alg=-7 pubkey=0a", 3 },
	{ "practicerunner-credentials 1", 1 },
};

START_TEST(parse_bad_file_rows)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };

	ck_assert_msg(pr_store_parse(bad_files[_i].text, strlen(bad_files[_i].text), &l, &eb)
	    == PR_ERR_CORRUPT, "row %d accepted", _i);
	ck_assert_int_eq(eb.line, bad_files[_i].line);
	ck_assert_uint_eq(l.n, 0);
}
END_TEST

START_TEST(parse_nul_byte)
{
	const char text[] = HDR GOOD "id=B\0UG" " alg=-7\n";
	struct pr_credlist l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };

	ck_assert_int_eq(pr_store_parse(text, sizeof(text) - 1, &l, &eb), PR_ERR_CORRUPT);
	ck_assert_int_eq(eb.line, 3);
	/* Also a NUL inside an otherwise valid line. */
	char t2[sizeof(HDR GOOD)];
	memcpy(t2, HDR GOOD, sizeof(t2));
	t2[strlen(HDR) + 5] = '\0';
	ck_assert_int_eq(pr_store_parse(t2, sizeof(t2) - 1, &l, &eb), PR_ERR_CORRUPT);
	ck_assert_int_eq(eb.line, 2);
}
END_TEST

START_TEST(parse_too_many_entries)
{
	struct pr_credlist l = { NULL, 0 };
	size_t cap = 80000, o;
	char *text = malloc(cap);
	struct pr_errbuf eb = { 0 };

	ck_assert_ptr_nonnull(text);
	o = (size_t)snprintf(text, cap, HDR);
	for (int i = 0; i < PR_MAX_CREDS_PER_USER + 1; i++) {
		unsigned char id[2] = { (unsigned char)i, 0x55 };
		char *b = pr_b64url_encode(id, 2);
		o += (size_t)snprintf(text + o, cap - o, "id=%s alg=-8 pubkey=00 class=passkey "
		    "kind=fido " AAG " flags=0 sign_count=0 fmt=none label= created=1 last_used=0\n", b);
		free(b);
		if (i == PR_MAX_CREDS_PER_USER - 1) {
			ck_assert_int_eq(pr_store_parse(text, o, &l, &eb), PR_OK);
			ck_assert_uint_eq(l.n, PR_MAX_CREDS_PER_USER);
			pr_credlist_clear(&l);
		}
	}
	ck_assert_int_eq(pr_store_parse(text, o, &l, &eb), PR_ERR_CORRUPT);
	ck_assert_int_eq(eb.line, PR_MAX_CREDS_PER_USER + 2);
	free(text);
}
END_TEST

/* ---- files on disk ---------------------------------------------------------------- */

START_TEST(add_load_round_trip)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_cred c[4];
	struct pr_errbuf eb = { 0 };
	struct stat st;
	char p[160];

	ck_assert_int_eq(pr_store_load(PR_STATE_FILES(sdir), "alice", &l, &eb), PR_OK);  /* no users/ yet */
	ck_assert_uint_eq(l.n, 0);
	for (unsigned i = 0; i < 4; i++) {
		make_cred(&c[i], i + 10);
		snprintf(c[i].label, sizeof(c[i].label), "%s", odd_labels[i + 1]);
		ck_assert_int_eq(pr_store_add(PR_STATE_FILES(sdir), "alice", &c[i], &eb), PR_OK);
	}
	ck_assert_int_eq(pr_store_add(PR_STATE_FILES(sdir), "alice", &c[2], &eb), PR_ERR_EXISTS);
	ck_assert_int_eq(pr_store_load(PR_STATE_FILES(sdir), "alice", &l, &eb), PR_OK);
	ck_assert_uint_eq(l.n, 4);
	for (size_t i = 0; i < 4; i++)
		assert_cred_eq(&l.v[i], &c[i]);
	ck_assert_ptr_eq(pr_credlist_find(&l, c[3].id, c[3].id_len), &l.v[3]);
	ck_assert_ptr_null(pr_credlist_find(&l, c[3].id, c[3].id_len - 1));
	pr_credlist_clear(&l);
	ck_assert_int_eq(stat(upath, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	snprintf(p, sizeof(p), "%s/users", sdir);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
	snprintf(p, sizeof(p), "%s/locks/alice.lock", sdir);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(pr_store_load(PR_STATE_FILES(sdir), "carol", &l, &eb), PR_OK);  /* no file: empty */
	ck_assert_uint_eq(l.n, 0);
	/* The reader (the coverage report's) loads alike, the directories opened once. */
	{
		struct pr_state *files = PR_STATE_FILES(sdir);  /* lives as long as the reader */
		struct pr_store_reader *rd = NULL;

		ck_assert_int_eq(pr_store_reader_open(files, &rd, &eb), PR_OK);
		for (int round = 0; round < 2; round++) {
			ck_assert_int_eq(pr_store_reader_load(rd, "alice", &l, &eb), PR_OK);
			ck_assert_uint_eq(l.n, 4);
			for (size_t i = 0; i < 4; i++)
				assert_cred_eq(&l.v[i], &c[i]);
			pr_credlist_clear(&l);
			ck_assert_int_eq(pr_store_reader_load(rd, "carol", &l, &eb), PR_OK);
			ck_assert_uint_eq(l.n, 0);
		}
		ck_assert_int_eq(pr_store_reader_load(rd, "../alice", &l, &eb), PR_ERR_INVALID_ARG);
		pr_store_reader_close(&rd);
		ck_assert_ptr_null(rd);
		pr_store_reader_close(&rd);      /* twice: a no-op */
	}
	for (unsigned i = 0; i < 4; i++)
		pr_cred_clear(&c[i]);
}
END_TEST

START_TEST(copy_is_deep)
{
	struct pr_cred a, b;

	make_cred(&a, 5);
	ck_assert_int_eq(pr_cred_copy(&b, &a), PR_OK);
	ck_assert_ptr_ne(a.id, b.id);
	ck_assert_ptr_ne(a.pubkey, b.pubkey);
	assert_cred_eq(&a, &b);
	pr_cred_clear(&a);
	ck_assert_ptr_null(a.id);
	ck_assert_uint_eq(b.id[0], 5);
	pr_cred_clear(&b);
	pr_credlist_clear(NULL);
	pr_cred_clear(NULL);
}
END_TEST

static const char *const bad_users[] = {
	"", "..", "../etc", "a/b", ".hidden", "-x", "a b", "a\nb",
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
};

START_TEST(invalid_user_names)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_cred c;
	unsigned char id[1] = { 1 };
	DIR *d;
	int entries = 0;

	make_cred(&c, 1);
	ck_assert_int_eq(pr_store_load(PR_STATE_FILES(sdir), bad_users[_i], &l, NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_store_add(PR_STATE_FILES(sdir), bad_users[_i], &c, NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_store_remove(PR_STATE_FILES(sdir), bad_users[_i], "000000000000", NULL),
	    PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_store_rename(PR_STATE_FILES(sdir), bad_users[_i], "000000000000", "x", NULL),
	    PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_store_record_use(PR_STATE_FILES(sdir), bad_users[_i], id, 1, 1, 1, NULL),
	    PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_store_load(PR_STATE_FILES(sdir), NULL, &l, NULL), PR_ERR_INVALID_ARG);
	/* Nothing was created. */
	d = opendir(sdir);
	ck_assert_ptr_nonnull(d);
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		entries += e->d_name[0] != '.';
	closedir(d);
	ck_assert_int_eq(entries, 0);
	pr_cred_clear(&c);
}
END_TEST

START_TEST(add_limits_and_bad_input)
{
	struct pr_cred c;
	struct pr_errbuf eb = { 0 };

	for (unsigned i = 0; i < PR_MAX_CREDS_PER_USER; i++) {
		make_cred(&c, i + 100);
		ck_assert_int_eq(pr_store_add(PR_STATE_FILES(sdir), "alice", &c, &eb), PR_OK);
		pr_cred_clear(&c);
	}
	make_cred(&c, 500);
	ck_assert_int_eq(pr_store_add(PR_STATE_FILES(sdir), "alice", &c, &eb), PR_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(eb.msg, "remove one first"));
	c.cose_alg = 3;
	ck_assert_int_eq(pr_store_add(PR_STATE_FILES(sdir), "bob", &c, &eb), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_store_add(PR_STATE_FILES(sdir), "bob", NULL, &eb), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_store_add(PR_STATE_FILES(NULL), "bob", &c, &eb), PR_ERR_INVALID_ARG);
	pr_cred_clear(&c);
}
END_TEST

/* Unsafe or corrupt files: one row each, with the error expected from load. */
enum damage {
	D_SYMLINK, D_MODE644, D_NOBODY, D_FIFO, D_TORN, D_TOO_BIG, D_GARBAGE,
	D_STATE_GW, D_STATE_NOBODY, D_STATE_MISSING, D_STATE_SYMLINK, D_USERS_0755,
	D_USERS_SYMLINK,
};

static const struct {
	enum damage d;
	int want;
	const char *msg;  /* expected in eb */
} damage_rows[] = {
	{ D_SYMLINK, PR_ERR_UNSAFE_FILE, "/users/alice: is a symbolic link" },
	{ D_MODE644, PR_ERR_UNSAFE_FILE, "/users/alice: has unsafe permissions" },
	{ D_NOBODY, PR_ERR_UNSAFE_FILE, "/users/alice: is not owned by root" },
	{ D_FIFO, PR_ERR_UNSAFE_FILE, "/users/alice: is not of the expected type" },
	{ D_TORN, PR_ERR_CORRUPT, "/users/alice:3: last line has no newline" },
	{ D_TOO_BIG, PR_ERR_CORRUPT, "/users/alice: larger than" },
	{ D_GARBAGE, PR_ERR_CORRUPT, "/users/alice:2: expected 'id=...'" },
	{ D_STATE_GW, PR_ERR_UNSAFE_FILE, "has unsafe permissions" },
	{ D_STATE_NOBODY, PR_ERR_UNSAFE_FILE, "is not owned by root" },
	{ D_STATE_MISSING, PR_ERR_NOT_FOUND, "does not exist" },
	{ D_STATE_SYMLINK, PR_ERR_UNSAFE_FILE, "is a symbolic link" },
	{ D_USERS_0755, PR_ERR_UNSAFE_FILE, "/users: has unsafe permissions" },
	{ D_USERS_SYMLINK, PR_ERR_UNSAFE_FILE, "/users: is a symbolic link" },
};

static void apply_damage(enum damage d, char *state, size_t cap)
{
	char p[160], *big;

	put_user_file(HDR GOOD, strlen(HDR GOOD));
	switch (d) {
	case D_SYMLINK:
		snprintf(p, sizeof(p), "%s/users/bob", sdir);
		ck_assert_int_eq(unlink(upath), 0);
		ck_assert_int_eq(symlink(p, upath), 0);
		break;
	case D_MODE644: ck_assert_int_eq(chmod(upath, 0644), 0); break;
	case D_NOBODY: ck_assert_int_eq(chown(upath, NOBODY_UID, NOBODY_GID), 0); break;
	case D_FIFO:
		ck_assert_int_eq(unlink(upath), 0);
		ck_assert_int_eq(mkfifo(upath, 0600), 0);
		break;
	case D_TORN: test_write_file(upath, HDR GOOD "id=BAUG alg=-7", strlen(HDR GOOD) + 14, 0600); break;
	case D_TOO_BIG:
		big = malloc(1024 * 1024 + 1);
		memset(big, '\n', 1024 * 1024 + 1);
		memcpy(big, HDR, strlen(HDR));
		test_write_file(upath, big, 1024 * 1024 + 1, 0600);
		free(big);
		break;
	case D_GARBAGE: test_write_file(upath, HDR "garbage\n", strlen(HDR "garbage\n"), 0600); break;
	case D_STATE_GW: ck_assert_int_eq(chmod(sdir, 0770), 0); break;
	case D_STATE_NOBODY: ck_assert_int_eq(chown(sdir, NOBODY_UID, NOBODY_GID), 0); break;
	case D_STATE_MISSING: snprintf(state, cap, "%s/nonexistent", sdir); return;
	case D_STATE_SYMLINK:
		snprintf(state, cap, "%s/link", sdir);
		ck_assert_int_eq(symlink(sdir, state), 0);
		return;
	case D_USERS_0755:
		snprintf(p, sizeof(p), "%s/users", sdir);
		ck_assert_int_eq(chmod(p, 0755), 0);
		break;
	case D_USERS_SYMLINK:
		snprintf(p, sizeof(p), "%s/users", sdir);
		snprintf(state, cap, "%s/real-users", sdir);
		ck_assert_int_eq(rename(p, state), 0);
		ck_assert_int_eq(symlink("real-users", p), 0);
		snprintf(upath, sizeof(upath), "%s/real-users/alice", sdir);
		break;
	}
	snprintf(state, cap, "%s", sdir);
}

/* What a damaged store does: load fails, writes are refused, nothing is rewritten. */
START_TEST(damaged_store_rows)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	struct pr_cred c;
	char state[128];
	struct stat before, after;
	int r;

	apply_damage(damage_rows[_i].d, state, sizeof(state));
	r = pr_store_load(PR_STATE_FILES(state), "alice", &l, &eb);
	ck_assert_msg(r == damage_rows[_i].want, "row %d: %d (%s)", _i, r, eb.msg);
	ck_assert_msg(strstr(eb.msg, damage_rows[_i].msg) != NULL, "row %d: '%s'", _i, eb.msg);
	/* The line in the message is the buffer's line. */
	ck_assert_int_eq(eb.line, damage_rows[_i].d == D_TORN ? 3 :
	    damage_rows[_i].d == D_GARBAGE ? 2 : 0);
	ck_assert_uint_eq(l.n, 0);
	/* the reader refuses alike, with the same words */
	{
		struct pr_state *files = PR_STATE_FILES(state);  /* lives as long as the reader */
		struct pr_store_reader *rd = NULL;
		struct pr_errbuf eb2 = { 0 };

		if ((r = pr_store_reader_open(files, &rd, &eb2)) == PR_OK)
			r = pr_store_reader_load(rd, "alice", &l, &eb2);
		ck_assert_msg(r == damage_rows[_i].want, "row %d, reader: %d (%s)", _i, r, eb2.msg);
		ck_assert_str_eq(eb2.msg, eb.msg);
		ck_assert_uint_eq(l.n, 0);
		pr_store_reader_close(&rd);
	}
	ck_assert_int_eq(lstat(upath, &before), 0);
	make_cred(&c, 77);
	ck_assert_int_ne(pr_store_add(PR_STATE_FILES(state), "alice", &c, &eb), PR_OK);
	ck_assert_int_ne(pr_store_record_use(PR_STATE_FILES(state), "alice", (const unsigned char *)"\x01\x02\x03",
	    3, 100, 5, &eb), PR_OK);
	ck_assert_int_eq(lstat(upath, &after), 0);
	ck_assert_int_eq(before.st_ino, after.st_ino);  /* never rewritten */
	ck_assert_int_eq(before.st_mtime, after.st_mtime);
	pr_cred_clear(&c);
}
END_TEST

START_TEST(remove_by_keyid)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	struct pr_cred c[3];
	char kid[PR_KEYID_LEN + 1];

	for (unsigned i = 0; i < 3; i++) {
		make_cred(&c[i], i + 40);
		ck_assert_int_eq(pr_store_add(PR_STATE_FILES(sdir), "alice", &c[i], &eb), PR_OK);
	}
	pr_keyid(c[1].id, c[1].id_len, kid);
	ck_assert_int_eq(pr_store_remove(PR_STATE_FILES(sdir), "alice", kid, &eb), PR_OK);
	ck_assert_int_eq(pr_store_remove(PR_STATE_FILES(sdir), "alice", kid, &eb), PR_ERR_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(eb.msg, kid));
	ck_assert_int_eq(pr_store_remove(PR_STATE_FILES(sdir), "bob", kid, &eb), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_store_load(PR_STATE_FILES(sdir), "alice", &l, &eb), PR_OK);
	ck_assert_uint_eq(l.n, 2);
	assert_cred_eq(&l.v[0], &c[0]);
	assert_cred_eq(&l.v[1], &c[2]);
	pr_credlist_clear(&l);
	ck_assert_int_eq(pr_store_remove(PR_STATE_FILES(sdir), "alice", "ABCDEF012345", &eb), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_store_remove(PR_STATE_FILES(sdir), "alice", "abc", &eb), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_store_remove(PR_STATE_FILES(sdir), "alice", "zzzzzzzzzzzz", &eb), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_store_remove(PR_STATE_FILES(sdir), "alice", NULL, &eb), PR_ERR_INVALID_ARG);
	for (unsigned i = 0; i < 3; i++)
		pr_cred_clear(&c[i]);
}
END_TEST

/* Read a whole file into buf (NUL-terminated); its length. */
static size_t slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

/*
 * An administrator's removal past a lock holder (pr_store_revoke): the key
 * is gone for every reader at once, stays gone when a writer that read the
 * store before puts its old copy back, is dropped from the file by the next
 * write, cannot be enrolled again by the user's own add until an
 * administrator settles the list; pr_store_unrevoke takes one back.
 */
START_TEST(revoke_survives_stale_commit)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	char stale[8192], now[8192], rpath[160];
	struct pr_cred c[3];
	size_t n;

	for (unsigned i = 0; i < 3; i++) {
		make_cred(&c[i], i + 60);
		ck_assert_int_eq(pr_store_add(PR_STATE_FILES(sdir), "alice", &c[i], &eb), PR_OK);
	}
	n = slurp(upath, stale, sizeof(stale));
	ck_assert_int_eq(pr_store_revoke(PR_STATE_FILES(sdir), "alice", c[0].id, c[0].id_len, &eb), PR_OK);
	ck_assert_int_eq(pr_store_revoke(PR_STATE_FILES(sdir), "alice", c[0].id, c[0].id_len, &eb), PR_OK);
	snprintf(rpath, sizeof(rpath), "%s/revoked/alice", sdir);
	slurp(rpath, now, sizeof(now));
	ck_assert_str_eq(strchr(now, '\n') + 1, strstr(strchr(now, '\n') + 1, "id="));
	ck_assert_ptr_null(strstr(strstr(now, "id=") + 3, "id="));   /* listed once */
	ck_assert_int_eq(pr_store_load(PR_STATE_FILES(sdir), "alice", &l, &eb), PR_OK);
	ck_assert_uint_eq(l.n, 2);
	assert_cred_eq(&l.v[0], &c[1]);
	pr_credlist_clear(&l);
	/* The stale writer's commit: the file as it was, the key in it. */
	test_write_file(upath, stale, n, 0600);
	ck_assert_int_eq(pr_store_load(PR_STATE_FILES(sdir), "alice", &l, &eb), PR_OK);
	ck_assert_uint_eq(l.n, 2);
	assert_cred_eq(&l.v[0], &c[1]);
	assert_cred_eq(&l.v[1], &c[2]);
	pr_credlist_clear(&l);
	/* Any write drops it from the file; the user's own add of it is refused. */
	ck_assert_int_eq(pr_store_record_use(PR_STATE_FILES(sdir), "alice", c[1].id, c[1].id_len,
	    c[1].sign_count + 1, 1700009999, &eb), PR_OK);
	ck_assert_uint_lt(slurp(upath, now, sizeof(now)), n);
	ck_assert_int_eq(pr_store_add(PR_STATE_FILES(sdir), "alice", &c[0], &eb), PR_ERR_PERM);
	ck_assert_ptr_nonnull(strstr(eb.msg, "administrator"));
	/* Settled: the list goes, and the key may be enrolled again. */
	ck_assert_int_eq(pr_store_settle_revoked(PR_STATE_FILES(sdir), "alice", &eb), PR_OK);
	ck_assert_int_eq(access(rpath, F_OK), -1);
	ck_assert_int_eq(pr_store_settle_revoked(PR_STATE_FILES(sdir), "alice", &eb), PR_OK);
	ck_assert_int_eq(pr_store_add(PR_STATE_FILES(sdir), "alice", &c[0], &eb), PR_OK);
	/* Taken back (the record could not be written): listed no more. */
	ck_assert_int_eq(pr_store_revoke(PR_STATE_FILES(sdir), "alice", c[2].id, c[2].id_len, &eb), PR_OK);
	ck_assert_int_eq(pr_store_revoke(PR_STATE_FILES(sdir), "alice", c[1].id, c[1].id_len, &eb), PR_OK);
	ck_assert_int_eq(pr_store_unrevoke(PR_STATE_FILES(sdir), "alice", c[2].id, c[2].id_len, &eb), PR_OK);
	ck_assert_int_eq(pr_store_load(PR_STATE_FILES(sdir), "alice", &l, &eb), PR_OK);
	ck_assert_uint_eq(l.n, 2);
	pr_credlist_clear(&l);
	ck_assert_int_eq(pr_store_unrevoke(PR_STATE_FILES(sdir), "alice", c[1].id, c[1].id_len, &eb), PR_OK);
	ck_assert_int_eq(access(rpath, F_OK), -1);
	ck_assert_int_eq(pr_store_load(PR_STATE_FILES(sdir), "alice", &l, &eb), PR_OK);
	ck_assert_uint_eq(l.n, 3);
	pr_credlist_clear(&l);
	for (unsigned i = 0; i < 3; i++)
		pr_cred_clear(&c[i]);
}
END_TEST

/* A damaged list fails every read of the store (closed), naming file and line. */
START_TEST(revoked_damaged_fails_closed)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	char rpath[160];
	struct pr_cred c;

	make_cred(&c, 70);
	ck_assert_int_eq(pr_store_add(PR_STATE_FILES(sdir), "alice", &c, &eb), PR_OK);
	ck_assert_int_eq(pr_store_revoke(PR_STATE_FILES(sdir), "alice", c.id, c.id_len, &eb), PR_OK);
	snprintf(rpath, sizeof(rpath), "%s/revoked/alice", sdir);
	test_write_file(rpath, "practicerunner-revoked 1\nid=ab+c\n", 33, 0600);
	ck_assert_int_eq(pr_store_load(PR_STATE_FILES(sdir), "alice", &l, &eb), PR_ERR_CORRUPT);
	ck_assert_ptr_nonnull(strstr(eb.msg, "revoked/alice:2"));
	ck_assert_uint_eq(l.n, 0);
	pr_cred_clear(&c);
}
END_TEST

/* pr_store_rename: one row per label or key id, valid or not. */
static const struct {
	const char *keyid;   /* NULL: the enrolled key's own id */
	const char *label;
	int want;
} rename_rows[] = {
	{ NULL, "desk drawer", PR_OK },
	{ NULL, "", PR_OK },                                   /* clears the label */
	{ NULL, "100% sure = yes", PR_OK },                    /* escaped on disk */
	{ NULL, "1234567890123456789012345678901234567890123456789012345678901234", PR_OK },
	{ NULL, "12345678901234567890123456789012345678901234567890123456789012345",
	  PR_ERR_INVALID_ARG },                                 /* PR_LABEL_MAX + 1 */
	{ NULL, NULL, PR_ERR_INVALID_ARG },
	{ "000000000000", "x", PR_ERR_NOT_FOUND },
	{ "ABCDEF012345", "x", PR_ERR_INVALID_ARG },            /* upper case */
	{ "abc", "x", PR_ERR_INVALID_ARG },
	{ "0123456789abc", "x", PR_ERR_INVALID_ARG },
	{ "../../etc/xx", "x", PR_ERR_INVALID_ARG },
};

START_TEST(rename_rows_test)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	struct pr_cred c[2];
	char kid[PR_KEYID_LEN + 1];
	const char *keyid = rename_rows[_i].keyid;
	bool ok = rename_rows[_i].want == PR_OK;

	for (unsigned i = 0; i < 2; i++) {
		make_cred(&c[i], i + 60);
		ck_assert_int_eq(pr_store_add(PR_STATE_FILES(sdir), "alice", &c[i], &eb), PR_OK);
	}
	pr_keyid(c[1].id, c[1].id_len, kid);
	ck_assert_int_eq(pr_store_rename(PR_STATE_FILES(sdir), "alice", keyid != NULL ? keyid : kid,
	    rename_rows[_i].label, &eb), rename_rows[_i].want);
	ck_assert_int_eq(pr_store_load(PR_STATE_FILES(sdir), "alice", &l, &eb), PR_OK);
	ck_assert_uint_eq(l.n, 2);
	assert_cred_eq(&l.v[0], &c[0]);   /* the other key is untouched */
	if (ok)
		snprintf(c[1].label, sizeof(c[1].label), "%s", rename_rows[_i].label);
	assert_cred_eq(&l.v[1], &c[1]);   /* only the label changed, if anything */
	pr_credlist_clear(&l);
	/* Her key id is not found in another user's file. */
	ck_assert_int_eq(pr_store_rename(PR_STATE_FILES(sdir), "bob", kid, "x", &eb), PR_ERR_NOT_FOUND);
	for (unsigned i = 0; i < 2; i++)
		pr_cred_clear(&c[i]);
}
END_TEST

/* A guard that allows removal only while another key of class physical remains. */
static int guard_keep_physical(const struct pr_credlist *l, size_t index, void *arg)
{
	int *calls = arg;
	size_t left = 0;

	(*calls)++;
	for (size_t i = 0; i < l->n; i++)
		left += i != index && l->v[i].cls == PR_CLASS_PHYSICAL;
	return left > 0 ? PR_OK : PR_ERR_LAST_KEY;
}

START_TEST(remove_if_guard)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	struct pr_cred c[2];
	char kid[2][PR_KEYID_LEN + 1];
	int calls = 0;

	for (unsigned i = 0; i < 2; i++) {
		make_cred(&c[i], 2 * i + 71);   /* odd seeds: physical */
		ck_assert_int_eq(c[i].cls, PR_CLASS_PHYSICAL);
		ck_assert_int_eq(pr_store_add(PR_STATE_FILES(sdir), "alice", &c[i], &eb), PR_OK);
		pr_keyid(c[i].id, c[i].id_len, kid[i]);
	}
	ck_assert_int_eq(pr_store_remove_if(PR_STATE_FILES(sdir), "alice", kid[0], guard_keep_physical,
	    &calls, &eb), PR_OK);
	ck_assert_int_eq(calls, 1);
	/* The last one: refused by the guard, file unchanged. */
	ck_assert_int_eq(pr_store_remove_if(PR_STATE_FILES(sdir), "alice", kid[1], guard_keep_physical,
	    &calls, &eb), PR_ERR_LAST_KEY);
	ck_assert_int_eq(calls, 2);
	ck_assert_ptr_nonnull(strstr(eb.msg, kid[1]));
	ck_assert_int_eq(pr_store_load(PR_STATE_FILES(sdir), "alice", &l, &eb), PR_OK);
	ck_assert_uint_eq(l.n, 1);
	assert_cred_eq(&l.v[0], &c[1]);
	pr_credlist_clear(&l);
	/* Not found and bad ids never reach the guard. */
	ck_assert_int_eq(pr_store_remove_if(PR_STATE_FILES(sdir), "alice", kid[0], guard_keep_physical,
	    &calls, &eb), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_store_remove_if(PR_STATE_FILES(sdir), "alice", "xyz", guard_keep_physical,
	    &calls, &eb), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(calls, 2);
	/* Without a guard it is pr_store_remove. */
	ck_assert_int_eq(pr_store_remove_if(PR_STATE_FILES(sdir), "alice", kid[1], NULL, NULL, &eb), PR_OK);
	ck_assert_int_eq(pr_store_load(PR_STATE_FILES(sdir), "alice", &l, &eb), PR_OK);
	ck_assert_uint_eq(l.n, 0);
	for (unsigned i = 0; i < 2; i++)
		pr_cred_clear(&c[i]);
}
END_TEST

/* ---- the counter rule ------------------------------------------------------------- */

static const struct {
	uint32_t stored;
	uint32_t presented;
	int want;
} counter_rows[] = {
	{ 0, 0, PR_OK },                     /* authenticator without a counter */
	{ 0, 1, PR_OK },
	{ 5, 6, PR_OK },
	{ 5, 1000, PR_OK },
	{ 5, 5, PR_ERR_COUNTER },            /* did not grow */
	{ 5, 4, PR_ERR_COUNTER },
	{ 5, 0, PR_ERR_COUNTER },            /* dropped to zero */
	{ 0, UINT32_MAX, PR_OK },
	{ UINT32_MAX, UINT32_MAX, PR_ERR_COUNTER },
	{ UINT32_MAX, 0, PR_ERR_COUNTER },
};

START_TEST(counter_rule_rows)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	struct pr_cred c;
	bool ok = counter_rows[_i].want == PR_OK;

	make_cred(&c, 3);
	c.sign_count = counter_rows[_i].stored;
	c.last_used = 111;
	ck_assert_int_eq(pr_store_add(PR_STATE_FILES(sdir), "alice", &c, &eb), PR_OK);
	ck_assert_int_eq(pr_store_record_use(PR_STATE_FILES(sdir), "alice", c.id, c.id_len,
	    counter_rows[_i].presented, 222, &eb), counter_rows[_i].want);
	ck_assert_int_eq(pr_store_load(PR_STATE_FILES(sdir), "alice", &l, &eb), PR_OK);
	ck_assert_uint_eq(l.n, 1);
	ck_assert_uint_eq(l.v[0].sign_count, ok ? counter_rows[_i].presented : counter_rows[_i].stored);
	ck_assert_int_eq(l.v[0].last_used, ok ? 222 : 111);
	if (!ok)
		ck_assert_ptr_nonnull(strstr(eb.msg, "possible cloned key"));
	pr_credlist_clear(&l);
	pr_cred_clear(&c);
}
END_TEST

START_TEST(record_use_unknown_and_bad_args)
{
	struct pr_cred c;
	struct pr_errbuf eb = { 0 };

	make_cred(&c, 8);
	ck_assert_int_eq(pr_store_record_use(PR_STATE_FILES(sdir), "alice", c.id, c.id_len, 1, 1, &eb),
	    PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_store_add(PR_STATE_FILES(sdir), "alice", &c, &eb), PR_OK);
	ck_assert_int_eq(pr_store_record_use(PR_STATE_FILES(sdir), "alice", c.id, c.id_len - 1, 99999, 1, &eb),
	    PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_store_record_use(PR_STATE_FILES(sdir), "alice", NULL, 3, 99999, 1, &eb),
	    PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_store_record_use(PR_STATE_FILES(sdir), "alice", c.id, 0, 99999, 1, &eb),
	    PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_store_record_use(PR_STATE_FILES(sdir), "alice", c.id, c.id_len, 99999, -1, &eb),
	    PR_ERR_INVALID_ARG);
	pr_cred_clear(&c);
}
END_TEST

/* ---- concurrency -------------------------------------------------------------------- */

#define NPROC 8

static void wait_children(pid_t *pids, int n)
{
	int status;

	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "child %d failed: %d", i, status);
	}
}

START_TEST(concurrent_adds_lose_nothing)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_cred c;
	pid_t pids[NPROC];

	for (int p = 0; p < NPROC; p++) {
		pids[p] = fork();
		ck_assert_int_ge(pids[p], 0);
		if (pids[p] == 0) {
			int bad = 0;
			for (unsigned k = 0; k < 5; k++) {
				make_cred(&c, 1000 + (unsigned)p * 5 + k);
				bad |= pr_store_add(PR_STATE_FILES(sdir), "alice", &c, NULL) != PR_OK;
				pr_cred_clear(&c);
			}
			_exit(bad);
		}
	}
	wait_children(pids, NPROC);
	ck_assert_int_eq(pr_store_load(PR_STATE_FILES(sdir), "alice", &l, NULL), PR_OK);
	ck_assert_uint_eq(l.n, NPROC * 5);
	for (unsigned s = 1000; s < 1000 + NPROC * 5; s++) {
		make_cred(&c, s);
		ck_assert_msg(pr_credlist_find(&l, c.id, c.id_len) != NULL, "seed %u lost", s);
		pr_cred_clear(&c);
	}
	pr_credlist_clear(&l);
}
END_TEST

/*
 * 8 processes x 50 uses of one credential with interleaved, globally unique
 * counters: whatever the order, the largest ends up stored; plus one
 * credential per process whose 50 increasing uses must all succeed.
 */
static int use_child(int p, const struct pr_cred *shared, const struct pr_cred *own)
{
	int bad = 0;

	for (uint32_t k = 0; k < 50; k++) {
		int r = pr_store_record_use(PR_STATE_FILES(sdir), "alice", shared->id, shared->id_len,
		    k * NPROC + (uint32_t)p + 1, 1000 + k, NULL);
		bad |= r != PR_OK && r != PR_ERR_COUNTER;
		bad |= pr_store_record_use(PR_STATE_FILES(sdir), "alice", own->id, own->id_len, k + 1,
		    2000 + k, NULL) != PR_OK;
	}
	return bad;
}

START_TEST(concurrent_record_use)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_cred shared, own[NPROC];
	pid_t pids[NPROC];

	make_cred(&shared, 1);
	shared.sign_count = 0;
	ck_assert_int_eq(pr_store_add(PR_STATE_FILES(sdir), "alice", &shared, NULL), PR_OK);
	for (int p = 0; p < NPROC; p++) {
		make_cred(&own[p], 200 + (unsigned)p);
		own[p].sign_count = 0;
		ck_assert_int_eq(pr_store_add(PR_STATE_FILES(sdir), "alice", &own[p], NULL), PR_OK);
	}
	for (int p = 0; p < NPROC; p++) {
		pids[p] = fork();
		ck_assert_int_ge(pids[p], 0);
		if (pids[p] == 0)
			_exit(use_child(p, &shared, &own[p]));
	}
	wait_children(pids, NPROC);
	ck_assert_int_eq(pr_store_load(PR_STATE_FILES(sdir), "alice", &l, NULL), PR_OK);
	ck_assert_uint_eq(l.n, NPROC + 1);
	ck_assert_uint_eq(pr_credlist_find(&l, shared.id, shared.id_len)->sign_count, 50 * NPROC);
	for (int p = 0; p < NPROC; p++) {
		const struct pr_cred *c = pr_credlist_find(&l, own[p].id, own[p].id_len);
		ck_assert_uint_eq(c->sign_count, 50);
		ck_assert_int_eq(c->last_used, 2049);
		pr_cred_clear(&own[p]);
	}
	pr_credlist_clear(&l);
	pr_cred_clear(&shared);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("format");
	TCase *tf = tcase_create("files");

	tcase_add_loop_test(tc, round_trip_labels, 0, NROWS(odd_labels));
	tcase_add_test(tc, round_trip_empty_and_extremes);
	tcase_add_test(tc, format_refuses_invalid);
	tcase_add_test(tc, parse_good_reference);
	tcase_add_loop_test(tc, parse_bad_field_rows, 0, NROWS(bad_fields));
	tcase_add_loop_test(tc, parse_bad_file_rows, 0, NROWS(bad_files));
	tcase_add_test(tc, parse_good_v2);
	tcase_add_test(tc, format_version_follows_ssh);
	tcase_add_test(tc, parse_nul_byte);
	tcase_add_test(tc, parse_too_many_entries);
	tcase_add_test(tc, copy_is_deep);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tf, setup, teardown);
	tcase_set_timeout(tf, 120);
	tcase_add_test(tf, add_load_round_trip);
	tcase_add_loop_test(tf, invalid_user_names, 0, NROWS(bad_users));
	tcase_add_test(tf, add_limits_and_bad_input);
	tcase_add_loop_test(tf, damaged_store_rows, 0, NROWS(damage_rows));
	tcase_add_test(tf, remove_by_keyid);
	tcase_add_test(tf, revoke_survives_stale_commit);
	tcase_add_test(tf, revoked_damaged_fails_closed);
	tcase_add_loop_test(tf, rename_rows_test, 0, NROWS(rename_rows));
	tcase_add_test(tf, remove_if_guard);
	tcase_add_loop_test(tf, counter_rule_rows, 0, NROWS(counter_rows));
	tcase_add_test(tf, record_use_unknown_and_bad_args);
	tcase_add_test(tf, concurrent_adds_lose_nothing);
	tcase_add_test(tf, concurrent_record_use);
	suite_add_tcase(s, tf);
	return s;
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP must run as root (wrong-owner cases chown to nobody)\n");
		return EXIT_SUCCESS;
	}
	return test_run_tap(store_suite());
}
