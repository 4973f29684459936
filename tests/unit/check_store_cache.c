/*
 * Unit tests of the directory store's offline cache (lib/store_cache.c,
 * lib/store_offline.c): the file format both ways and what its parser
 * refuses, freshness against cache_max_age (either clock), the file on
 * disk (0600 in a 0700 directory, modification time = read time, an empty
 * list removes it, a link is neither followed nor replaced), the counter
 * rule offline with the mark for the next contact, and when a counter
 * seen offline and the directory's contradict.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "store_cache.h"
#include "store_offline.h"
#include "testlib.h"
#include "util.h"

static char sdir[64];
static char cpath[128];   /* <sdir>/cache/alice */

static void setup(void)
{
	strcpy(sdir, "/tmp/check_store_cache.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(sdir));
	snprintf(cpath, sizeof(cpath), "%s/cache/alice", sdir);
}

static void teardown(void)
{
	ck_assert_msg(test_rm_tree(AT_FDCWD, sdir), "could not remove %s", sdir);
}

/* A passkey credential whose id starts with tag, with counter count. */
static void add_cred(struct pr_store_cache *c, unsigned char tag, uint32_t count)
{
	struct pr_cred *v = realloc(c->creds.v, (c->creds.n + 1) * sizeof(*v));
	bool *off = realloc(c->offline, (c->creds.n + 1) * sizeof(*off));
	struct pr_cred *k;

	ck_assert_ptr_nonnull(v);
	ck_assert_ptr_nonnull(off);
	c->creds.v = v;
	c->offline = off;
	k = &v[c->creds.n];
	off[c->creds.n++] = false;
	memset(k, 0, sizeof(*k));
	k->id_len = 20;
	k->pubkey_len = 64;
	ck_assert_ptr_nonnull(k->id = calloc(1, k->id_len));
	ck_assert_ptr_nonnull(k->pubkey = calloc(1, k->pubkey_len));
	k->id[0] = tag;
	k->cose_alg = -7;
	k->cls = PR_CLASS_PASSKEY;
	k->kind = PR_KIND_FIDO;
	k->sign_count = count;
	strcpy(k->fmt, "none");
	k->created = 1700000000;
}

static struct pr_store_cache sample(int64_t fetched)
{
	struct pr_store_cache c = { .fetched = fetched };

	add_cred(&c, 'a', 5);
	add_cred(&c, 'b', 0);
	return c;
}

START_TEST(format_parse_round_trip)
{
	struct pr_store_cache c = sample(1800000000), back;
	struct pr_errbuf eb = { 0 };
	char *text = NULL;
	size_t len = 0;

	c.offline[1] = true;
	ck_assert_int_eq(pr_store_cache_format(&c, &text, &len), PR_OK);
	ck_assert_msg(strncmp(text, "practicerunner-cache 1\nfetched=1800000000\noffline=", 50) == 0,
	    "%s", text);
	ck_assert_ptr_nonnull(strstr(text, "\npracticerunner-credentials 1\nid="));
	ck_assert_int_eq(pr_store_cache_parse(text, len, &back, &eb), PR_OK);
	ck_assert_int_eq(back.fetched, 1800000000);
	ck_assert_uint_eq(back.creds.n, 2);
	ck_assert_uint_eq(back.creds.v[0].sign_count, 5);
	ck_assert(!back.offline[0]);
	ck_assert(back.offline[1]);
	free(text);
	pr_store_cache_clear(&back);
	pr_store_cache_clear(&c);
}
END_TEST

static const struct {
	const char *text;
	const char *why;
} bad_files[] = {
	{ "", "empty" },
	{ "practicerunner-cache 2\nfetched=1\npracticerunner-credentials 1\n", "version" },
	{ "practicerunner-credentials 1\n", "header" },
	{ "practicerunner-cache 1\npracticerunner-credentials 1\n", "fetched" },
	{ "practicerunner-cache 1\nfetched=-5\npracticerunner-credentials 1\n", "fetched" },
	{ "practicerunner-cache 1\nfetched=01\npracticerunner-credentials 1\n", "fetched" },
	{ "practicerunner-cache 1\nfetched=1\n", "header" },
	{ "practicerunner-cache 1\nfetched=1\noffline=AAAA\npracticerunner-credentials 1\n",
	    "not in the list" },
	{ "practicerunner-cache 1\nfetched=1\npracticerunner-credentials 1\nid=x\n", "line 4" },
	{ "practicerunner-cache 1\nfetched=1\npracticerunner-credentials 1", "newline" },
};

START_TEST(parse_refuses)
{
	struct pr_store_cache c;
	struct pr_errbuf eb = { 0 };
	const char *t = bad_files[_i].text;

	ck_assert_int_eq(pr_store_cache_parse(t, strlen(t), &c, &eb), PR_ERR_CORRUPT);
	ck_assert_msg(strstr(eb.msg, bad_files[_i].why) != NULL, "row %d: %s", _i, eb.msg);
	ck_assert_ptr_null(c.creds.v);
	ck_assert_ptr_null(c.offline);
}
END_TEST

START_TEST(parse_refuses_twice_marked)
{
	struct pr_store_cache c = sample(7), back;
	struct pr_errbuf eb = { 0 };
	char *text = NULL, *twice = NULL, *line;
	size_t len = 0;

	c.offline[0] = true;
	ck_assert_int_eq(pr_store_cache_format(&c, &text, &len), PR_OK);
	line = strstr(text, "offline=");
	ck_assert_ptr_nonnull(line);
	ck_assert_int_ge(asprintf(&twice, "%.*s%.*s%s", (int)(line - text), text,
	    (int)(strchr(line, '\n') + 1 - line), line, line), 0);
	ck_assert_int_eq(pr_store_cache_parse(twice, strlen(twice), &back, &eb), PR_ERR_CORRUPT);
	ck_assert_ptr_nonnull(strstr(eb.msg, "twice"));
	free(twice);
	free(text);
	pr_store_cache_clear(&c);
}
END_TEST

static const struct {
	int64_t fetched, max_age, now;
	bool fresh;
} ages[] = {
	{ 1000, 100, 1000, true },
	{ 1000, 100, 1100, true },
	{ 1000, 100, 1101, false },
	{ 1000, 0, 1000, false },                               /* cache_max_age 0: no cache */
	{ 1000 + PR_CACHE_FUTURE_SLACK, 100, 1000, true },
	{ 1001 + PR_CACHE_FUTURE_SLACK, 100, 1000, false },     /* a read time that cannot be */
};

START_TEST(fresh_by_age)
{
	struct pr_store_cache c = { .fetched = ages[_i].fetched };

	ck_assert_int_eq(pr_store_cache_fresh(&c, ages[_i].max_age, ages[_i].now), ages[_i].fresh);
}
END_TEST

static int write_cache(const struct pr_store_cache *c)
{
	struct pr_store_cache_file cf;
	struct pr_errbuf eb = { 0 };
	int r;

	if ((r = pr_store_cache_open(&cf, PR_STATE_FILES(sdir), "alice", &eb)) == PR_OK)
		r = pr_store_cache_write(&cf, c, &eb);
	pr_store_cache_close(&cf);
	return r;
}

static int read_cache(struct pr_store_cache *c, struct pr_errbuf *eb)
{
	struct pr_store_cache_file cf;
	int r;

	memset(c, 0, sizeof(*c));
	if ((r = pr_store_cache_open(&cf, PR_STATE_FILES(sdir), "alice", eb)) == PR_OK)
		r = pr_store_cache_read(&cf, c, eb);
	pr_store_cache_close(&cf);
	return r;
}

START_TEST(file_mode_time_and_removal)
{
	int64_t now = pr_now() - 3600;
	struct pr_store_cache c = sample(now), back, empty = { .fetched = now };
	struct pr_errbuf eb = { 0 };
	char dir[96];
	struct stat sb;

	ck_assert_int_eq(read_cache(&back, &eb), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(write_cache(&c), PR_OK);
	snprintf(dir, sizeof(dir), "%s/cache", sdir);
	ck_assert_int_eq(lstat(dir, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0700);
	ck_assert_int_eq(lstat(cpath, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0600);
	ck_assert_int_eq((int64_t)sb.st_mtime, now);
	ck_assert_int_eq(read_cache(&back, &eb), PR_OK);
	ck_assert_int_eq(back.fetched, now);
	ck_assert_uint_eq(back.creds.n, 2);
	pr_store_cache_clear(&back);
	/* An older modification time than the recorded read counts (fail closed). */
	ck_assert_int_eq(utimensat(AT_FDCWD, cpath,
	    (struct timespec[2]){ { now - 50, 0 }, { now - 50, 0 } }, 0), 0);
	ck_assert_int_eq(read_cache(&back, &eb), PR_OK);
	ck_assert_int_eq(back.fetched, now - 50);
	pr_store_cache_clear(&back);
	/* A user with no credentials left has no cache. */
	ck_assert_int_eq(write_cache(&empty), PR_OK);
	ck_assert(!test_exists(cpath));
	pr_store_cache_clear(&c);
}
END_TEST

START_TEST(link_neither_followed_nor_replaced)
{
	struct pr_store_cache c = sample(pr_now()), back;
	struct pr_errbuf eb = { 0 };
	char victim[96], *before, *after;

	ck_assert_int_eq(write_cache(&c), PR_OK);
	snprintf(victim, sizeof(victim), "%s/victim", sdir);
	ck_assert_int_eq(rename(cpath, victim), 0);
	ck_assert_int_eq(symlink(victim, cpath), 0);
	before = test_slurp(victim);
	ck_assert_int_eq(read_cache(&back, &eb), PR_ERR_UNSAFE_FILE);
	ck_assert_ptr_nonnull(strstr(eb.msg, "symbolic link"));
	c.creds.v[0].sign_count = 99;
	ck_assert_int_eq(write_cache(&c), PR_ERR_UNSAFE_FILE);
	ck_assert_int_eq(write_cache(&(struct pr_store_cache){ .fetched = 1 }), PR_ERR_UNSAFE_FILE);
	after = test_slurp(victim);
	ck_assert_str_eq(before, after);
	ck_assert_int_eq(readlink(cpath, (char[8]){ 0 }, 8) > 0, 1);
	free(before);
	free(after);
	pr_store_cache_clear(&c);
}
END_TEST

START_TEST(group_readable_file_refused)
{
	struct pr_store_cache c = sample(pr_now()), back;
	struct pr_errbuf eb = { 0 };

	ck_assert_int_eq(write_cache(&c), PR_OK);
	ck_assert_int_eq(chmod(cpath, 0640), 0);
	ck_assert_int_eq(read_cache(&back, &eb), PR_ERR_UNSAFE_FILE);
	pr_store_cache_clear(&c);
}
END_TEST

/* Offline: the counter rule against the cached counter, and the mark. */
START_TEST(offline_use_marks_counter)
{
	int64_t fetched = pr_now() - 60;
	struct pr_store_cache c = sample(fetched), back;
	struct pr_state *st = PR_STATE_FILES(sdir);
	struct pr_errbuf eb = { 0 };
	unsigned char *id;
	struct stat sb;

	ck_assert_int_eq(write_cache(&c), PR_OK);
	id = c.creds.v[0].id;
	ck_assert_int_eq(pr_store_record_use_signin(st, "alice", true, id, 20, 5, 1900000000, &eb),
	    PR_ERR_COUNTER);
	ck_assert_int_eq(pr_store_record_use_signin(st, "alice", true, id, 4, 6, 1900000000, &eb),
	    PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_store_record_use_signin(st, "alice", true, id, 20, 6, 1900000000, &eb),
	    PR_OK);
	ck_assert_int_eq(read_cache(&back, &eb), PR_OK);
	ck_assert_uint_eq(back.creds.v[0].sign_count, 6);
	ck_assert_int_eq(back.creds.v[0].last_used, 1900000000);
	ck_assert(back.offline[0]);
	ck_assert(!back.offline[1]);
	/* Still the time the directory was read, not the time of the use. */
	ck_assert_int_eq(back.fetched, fetched);
	ck_assert_int_eq(lstat(cpath, &sb), 0);
	ck_assert_int_eq((int64_t)sb.st_mtime, fetched);
	pr_store_cache_clear(&back);
	/* A key without a counter (0) is allowed and leaves no mark. */
	id = c.creds.v[1].id;
	ck_assert_int_eq(pr_store_record_use_signin(st, "alice", true, id, 20, 0, 1900000001, &eb),
	    PR_OK);
	ck_assert_int_eq(read_cache(&back, &eb), PR_OK);
	ck_assert(!back.offline[1]);
	pr_store_cache_clear(&back);
	pr_store_cache_clear(&c);
}
END_TEST

/* The files store has no cache: a sign-in's read is pr_store_load's. */
START_TEST(files_store_never_cached)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	bool from_cache = true;

	ck_assert_int_eq(pr_store_load_signin(PR_STATE_FILES(sdir), "alice", &l, &from_cache,
	    NULL, NULL, &eb), PR_OK);
	ck_assert(!from_cache);
	ck_assert_uint_eq(l.n, 0);
	ck_assert(!test_exists(cpath));
}
END_TEST

/* n at ta seen offline; m at tb the directory's. */
static const struct {
	uint32_t n;
	int64_t ta;
	uint32_t m;
	int64_t tb;
	bool conflict;
} counters[] = {
	{ 10, 200, 5, 100, false },   /* the directory's use was earlier and lower: in order */
	{ 10, 200, 12, 300, false },  /* a later use elsewhere, higher: in order */
	{ 10, 200, 10, 300, true },   /* the same counter twice: a copy */
	{ 10, 200, 10, 100, true },
	{ 10, 200, 1000, 100, true }, /* higher before the offline use: a copy used elsewhere */
	{ 10, 200, 1000, 200, true },
	{ 10, 200, 5, 300, true },    /* lower after it: a copy used elsewhere */
	{ 0, 200, 0, 100, false },    /* no counter at all */
};

START_TEST(conflict_rule)
{
	ck_assert_int_eq(pr_store_counters_conflict(counters[_i].n, counters[_i].ta,
	    counters[_i].m, counters[_i].tb), counters[_i].conflict);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("store_cache");
	TCase *tc = tcase_create("format");
	TCase *tf = tcase_create("files");

	tcase_add_test(tc, format_parse_round_trip);
	tcase_add_loop_test(tc, parse_refuses, 0, NROWS(bad_files));
	tcase_add_test(tc, parse_refuses_twice_marked);
	tcase_add_loop_test(tc, fresh_by_age, 0, NROWS(ages));
	tcase_add_loop_test(tc, conflict_rule, 0, NROWS(counters));
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tf, setup, teardown);
	tcase_add_test(tf, file_mode_time_and_removal);
	tcase_add_test(tf, link_neither_followed_nor_replaced);
	tcase_add_test(tf, group_readable_file_refused);
	tcase_add_test(tf, offline_use_marks_counter);
	tcase_add_test(tf, files_store_never_cached);
	suite_add_tcase(s, tf);
	return s;
}

int main(void)
{
	return test_run_tap(suite());
}
