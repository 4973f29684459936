/*
 * Unit tests of lib/audit.c, audit_format.c, audit_head.c and
 * audit_verify.c: record format and escaping, the hash chain against each
 * kind of tampering, fail-closed appends, concurrent writers.
 * Run as root (CI does) for the wrong-owner case.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "audit.h"
#include "err.h"
#include "secure_file.h"
#include "testlib.h"

#define T0 1795492170  /* 2026-11-24T03:49:30Z */
#define NPROC_MAX_LINES 1000  /* most records a test reads back line by line */

static char dir[64];
static char logp[128];
static char headp[160];

static void setup(void)
{
	strcpy(dir, "/tmp/check_audit.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(logp, sizeof(logp), "%s/audit.log", dir);
	snprintf(headp, sizeof(headp), "%s.head", logp);
}

static void teardown(void)
{
	ck_assert_msg(test_rm_tree(AT_FDCWD, dir), "could not remove %s", dir);
}

static struct pr_audit_event base_event(void)
{
	struct pr_audit_event ev = {
		.event = "auth", .success = true, .reason = NULL, .user = "alice",
		.role = "staff", .method = "security-key", .service = "login",
		.tty = "tty1", .rhost = NULL, .rp_id = "pam://riverside-clinic",
		.cred_id = "AQID", .aaguid = "cb69481e-8ff7-4039-93ec-0a2729a154a8",
		.flags = 0x05, .sign_count = 12, .cred_class = "physical", .path = "direct",
		.actor = NULL, .detail = NULL,
	};
	return ev;
}

static char *slurp(size_t *len)
{
	char *buf = NULL;

	ck_assert_int_eq(pr_secure_read(AT_FDCWD, logp, 022, 1 << 24, &buf, len), PR_FILE_OK);
	return buf;
}

static void spit(const char *buf, size_t len)
{
	int fd = open(logp, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pr_write_all(fd, buf, len), PR_OK);
	close(fd);
}

static void append_n(int n)
{
	struct pr_audit_event ev = base_event();
	struct pr_errbuf eb = { 0 };
	char detail[32];

	for (int i = 0; i < n; i++) {
		snprintf(detail, sizeof(detail), "n %d", i);
		ev.detail = detail;
		ev.success = i % 3 != 0;
		ck_assert_msg(pr_audit_append(logp, &ev, &eb) == PR_OK, "%s", eb.msg);
	}
}

static void assert_verifies(long want_records)
{
	struct pr_errbuf eb = { 0 };
	long bad = -1, n = -1;

	ck_assert_msg(pr_audit_verify(logp, &bad, &n, &eb) == PR_OK, "%s", eb.msg);
	ck_assert_int_eq(bad, 0);
	ck_assert_int_eq(n, want_records);
}

/* ---- format ---------------------------------------------------------------------- */

START_TEST(format_full_and_minimal)
{
	struct pr_audit_event ev = base_event();
	char *out = NULL;

	ev.success = false;
	ev.reason = "counter-regression";
	ev.rhost = "10.0.0.5";
	ev.actor = "root";
	ev.detail = "sign count 3 <= 7";
	ck_assert_int_eq(pr_audit_format(&ev, T0, "ws-1", &out), PR_OK);
	ck_assert_str_eq(out, "time=2026-11-24T03:49:30Z host=ws-1 event=auth result=failure "
	    "reason=counter-regression user=alice role=staff method=security-key service=login "
	    "tty=tty1 rhost=10.0.0.5 rp_id=pam://riverside-clinic cred_id=AQID "
	    "aaguid=cb69481e-8ff7-4039-93ec-0a2729a154a8 flags=0x05:UP,UV sign_count=12 "
	    "class=physical path=direct actor=root detail=sign%20count%203%20<%3D%207");
	free(out);
	struct pr_audit_event min = { .event = "policy-error", .flags = -1, .sign_count = -1 };
	ck_assert_int_eq(pr_audit_format(&min, 0, "h", &out), PR_OK);
	ck_assert_str_eq(out, "time=1970-01-01T00:00:00Z host=h event=policy-error result=failure");
	free(out);
}
END_TEST

static const struct {
	int flags;
	const char *text;
} flag_rows[] = {
	{ 0x00, "flags=0x00:-" },
	{ 0x01, "flags=0x01:UP" },
	{ 0x02, "flags=0x02:-" },
	{ 0x05, "flags=0x05:UP,UV" },
	{ 0x1d, "flags=0x1d:UP,UV,BE,BS" },
	{ 0x45, "flags=0x45:UP,UV,AT" },
	{ 0xff, "flags=0xff:UP,UV,BE,BS,AT,ED" },
};

START_TEST(format_flags_rows)
{
	struct pr_audit_event ev = base_event();
	char *out = NULL;

	ev.flags = flag_rows[_i].flags;
	ck_assert_int_eq(pr_audit_format(&ev, T0, "h", &out), PR_OK);
	ck_assert_msg(strstr(out, flag_rows[_i].text) != NULL, "%s", out);
	free(out);
}
END_TEST

/* Odd values: escaped so they cannot forge fields or lines, and the chain still verifies. */
static const struct {
	const char *value;
	const char *escaped;
} odd_rows[] = {
	{ "", "" },
	{ "a b", "a%20b" },
	{ "k=v", "k%3Dv" },
	{ "100%", "100%25" },
	{ "x\ny", "x%0Ay" },
	{ "x\r\ty", "x%0D%09y" },
	{ "\x01\x1f\x7f", "%01%1F%7F" },
	{ "Schl\xc3\xbc" "ssel", "Schl%C3%BCssel" },
	{ "x hash=0000 prev=1111", "x%20hash%3D0000%20prev%3D1111" },
	{ "%41", "%2541" },
};

/* Undo the escaping, to show the value round-trips. */
static void unescape(const char *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (in[i] == '%') {
			unsigned v = 0;
			ck_assert_int_eq(sscanf(in + i + 1, "%2X", &v), 1);
			out[o++] = (char)v;
			i += 2;
		} else {
			out[o++] = in[i];
		}
	}
	out[o] = '\0';
}

START_TEST(odd_values_round_trip)
{
	struct pr_audit_event ev = base_event();
	struct pr_errbuf eb = { 0 };
	char want[128], back[128], *buf, *p, *end;
	size_t len;

	ev.user = odd_rows[_i].value;
	ev.detail = odd_rows[_i].value;
	ck_assert_int_eq(pr_audit_append(logp, &ev, &eb), PR_OK);
	ck_assert_int_eq(pr_audit_append(logp, &ev, &eb), PR_OK);
	assert_verifies(2);
	buf = slurp(&len);
	snprintf(want, sizeof(want), " user=%s role=", odd_rows[_i].escaped);
	ck_assert_msg(strstr(buf, want) != NULL, "%s", buf);
	p = strstr(buf, " detail=") + strlen(" detail=");
	end = strchr(p, ' ');
	unescape(p, (size_t)(end - p), back);
	ck_assert_str_eq(back, odd_rows[_i].value);
	/* Two records, two lines: a newline in a value did not start a third. */
	int lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	ck_assert_int_eq(lines, 2);
	free(buf);
}
END_TEST

static const struct {
	const char *what;
	int flags;
	int64_t sign_count;
	const char *event;
} bad_event_rows[] = {
	{ "no event", 1, 1, NULL },
	{ "empty event", 1, 1, "" },
	{ "flags too big", 256, 1, "auth" },
	{ "flags negative", -2, 1, "auth" },
	{ "sign_count negative", 1, -2, "auth" },
};

START_TEST(bad_events_refused)
{
	struct pr_audit_event ev = base_event();
	struct pr_errbuf eb = { 0 };
	char *out = (char *)"sentinel";
	struct stat st;

	ev.event = bad_event_rows[_i].event;
	ev.flags = bad_event_rows[_i].flags;
	ev.sign_count = bad_event_rows[_i].sign_count;
	ck_assert_int_eq(pr_audit_format(&ev, T0, "h", &out), PR_ERR_INVALID_ARG);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(pr_audit_append(logp, &ev, &eb), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(stat(logp, &st), -1);  /* nothing created */
}
END_TEST

START_TEST(bad_arguments)
{
	struct pr_audit_event ev = base_event();
	char *out = NULL;
	long bad = -1, n = -1;

	ck_assert_int_eq(pr_audit_format(NULL, T0, "h", &out), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_audit_format(&ev, T0, NULL, &out), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_audit_format(&ev, -1, "h", &out), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_audit_append(NULL, &ev, NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_audit_append("", &ev, NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_audit_verify(NULL, &bad, &n, NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_audit_verify(logp, &bad, &n, NULL), PR_ERR_NOT_FOUND);
}
END_TEST

/* Fields the caller of practicerunner-verify picks are cut, marked, and still recorded. */
START_TEST(long_caller_fields_cut)
{
	struct pr_audit_event ev = base_event();
	char service[300], rhost[400], want[300], *body = NULL;

	memset(service, 's', sizeof(service) - 1);
	service[sizeof(service) - 1] = '\0';
	memset(rhost, 'r', sizeof(rhost) - 1);
	rhost[sizeof(rhost) - 1] = '\0';
	ev.service = service;
	ev.tty = service;
	ev.rhost = rhost;
	ck_assert_int_eq(pr_audit_format(&ev, T0, "host1", &body), PR_OK);
	snprintf(want, sizeof(want), " service=%.61s... ", service);
	ck_assert_msg(strstr(body, want) != NULL, "%s", body);
	snprintf(want, sizeof(want), " tty=%.61s... ", service);
	ck_assert_msg(strstr(body, want) != NULL, "%s", body);
	snprintf(want, sizeof(want), " rhost=%.252s... ", rhost);
	ck_assert_msg(strstr(body, want) != NULL, "%s", body);
	free(body);
	/* at the bound: kept whole */
	service[64] = '\0';
	rhost[255] = '\0';
	ck_assert_int_eq(pr_audit_format(&ev, T0, "host1", &body), PR_OK);
	snprintf(want, sizeof(want), " service=%.64s ", service);
	ck_assert_msg(strstr(body, want) != NULL, "%s", body);
	snprintf(want, sizeof(want), " rhost=%.255s ", rhost);
	ck_assert_msg(strstr(body, want) != NULL, "%s", body);
	free(body);
}
END_TEST

START_TEST(oversize_record_refused)
{
	struct pr_audit_event ev = base_event();
	struct pr_errbuf eb = { 0 };
	char *big = malloc(9000);
	char *buf;
	size_t len;

	append_n(1);
	memset(big, 'x', 8999);
	big[8999] = '\0';
	ev.detail = big;
	ck_assert_int_eq(pr_audit_append(logp, &ev, &eb), PR_ERR_INVALID_ARG);
	ck_assert_ptr_nonnull(strstr(eb.msg, "8192"));
	big[7000] = '\0';  /* under the limit: fine */
	ck_assert_int_eq(pr_audit_append(logp, &ev, &eb), PR_OK);
	assert_verifies(2);
	buf = slurp(&len);
	ck_assert_uint_le(len, 8192 + 600);
	free(buf);
	free(big);
}
END_TEST

/* ---- the chain ------------------------------------------------------------------- */

/*
 * The process's bound on the log's lock (the web gate's parent sets a
 * short one): past it, the append and the readiness check give up, saying
 * how long they waited; once the lock is free both go ahead.
 */
START_TEST(lock_wait_bounded_by_the_process)
{
	struct pr_audit_event ev = base_event();
	struct pr_errbuf eb = { 0 };
	int fd;

	append_n(1);
	/* Another open file description: held as another process would hold it. */
	fd = open(logp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);
	pr_audit_set_lock_wait(50);
	ck_assert_int_eq(pr_audit_ready(logp, &eb), PR_ERR_LOCK);
	ck_assert_msg(strstr(eb.msg, "more than 50 ms") != NULL, "%s", eb.msg);
	ck_assert_int_eq(pr_audit_append(logp, &ev, &eb), PR_ERR_LOCK);
	close(fd);
	ck_assert_msg(pr_audit_ready(logp, &eb) == PR_OK, "%s", eb.msg);
	ck_assert_msg(pr_audit_append(logp, &ev, &eb) == PR_OK, "%s", eb.msg);
	assert_verifies(2);
}
END_TEST

START_TEST(append_and_verify)
{
	struct stat st;
	char *buf;
	size_t len;

	append_n(20);
	assert_verifies(20);
	ck_assert_int_eq(stat(logp, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	buf = slurp(&len);
	ck_assert(strncmp(buf, "seq=1 time=", 11) == 0);
	ck_assert_ptr_nonnull(strstr(buf, " prev=0000000000000000000000000000000000000000000000000000000000000000 hash="));
	ck_assert_ptr_nonnull(strstr(buf, "\nseq=20 time="));
	free(buf);
}
END_TEST

START_TEST(empty_log_verifies)
{
	int fd = open(logp, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	ck_assert_int_ge(fd, 0);
	close(fd);
	assert_verifies(0);
	append_n(1);
	assert_verifies(1);
}
END_TEST

/* Offsets of each line start in buf (lines[k-1] is record k); returns the count. */
static int split_lines(const char *buf, size_t len, size_t *starts, int max)
{
	int n = 0;

	for (size_t i = 0; i < len && n < max; i++)
		if (i == 0 || buf[i - 1] == '\n')
			starts[n++] = i;
	return n;
}

enum tamper {
	T_EDIT_VALUE, T_EDIT_HASH, T_EDIT_PREV, T_EDIT_SEQ, T_DELETE, T_SWAP,
	T_TRUNCATE_LAST, T_TRUNCATE_MID, T_JUNK_LINE, T_EMPTY_LINE, T_DELETE_FIRST,
	T_DUPLICATE, T_BREAK_SYNTAX,
};

#define NREC 10

static const struct {
	enum tamper t;
	int k;         /* record tampered with */
	long want;     /* line verify must blame */
	const char *why;
} tamper_rows[] = {
	{ T_EDIT_VALUE, 4, 4, "record 4 was edited" },
	{ T_EDIT_VALUE, 1, 1, "record 1 was edited" },
	{ T_EDIT_VALUE, NREC, NREC, "was edited" },
	{ T_EDIT_HASH, 6, 6, "record 6 was edited" },
	{ T_EDIT_PREV, 7, 7, "record 7 was edited" },
	{ T_EDIT_SEQ, 3, 3, "record 3 was edited" },
	{ T_DELETE, 5, 5, "record 6 does not follow record 4 (deleted or reordered)" },
	{ T_DELETE_FIRST, 1, 1, "record 2 does not follow the start of the log" },
	{ T_SWAP, 3, 3, "record 4 does not follow record 2" },
	{ T_DUPLICATE, 8, 9, "record 8 does not follow record 8" },
	{ T_TRUNCATE_LAST, NREC, NREC, "last record is torn (no newline)" },
	{ T_TRUNCATE_MID, 6, 6, "last record is torn (no newline)" },
	{ T_JUNK_LINE, NREC + 1, NREC + 1, "record 11 is malformed" },
	{ T_EMPTY_LINE, 5, 5, "record 5 is malformed (empty line)" },
	{ T_BREAK_SYNTAX, 2, 2, "record 2 is malformed" },
};

/* Copy record i (1-based) of buf, whose line starts are s[], to out. */
static void put_rec(char *out, size_t *out_len, const char *buf, const size_t *s, int i)
{
	memcpy(out + *out_len, buf + s[i - 1], s[i] - s[i - 1]);
	*out_len += s[i] - s[i - 1];
}

static void put_text(char *out, size_t *out_len, const char *text)
{
	memcpy(out + *out_len, text, strlen(text));
	*out_len += strlen(text);
}

/* Build the tampered file from the NREC-record original in buf. */
static void tamper(enum tamper t, int k, char *buf, size_t len)
{
	size_t s[NREC + 1], out_len = 0;
	char *out = malloc(2 * len + 64), *p;  /* room for a duplicated record */
	int n = split_lines(buf, len, s, NREC);

	ck_assert_int_eq(n, NREC);
	s[NREC] = len;
	for (int i = 1; i <= NREC; i++) {
		if ((t == T_DELETE && i == k) || (t == T_DELETE_FIRST && i == 1))
			continue;
		if (t == T_SWAP && i == k) {
			put_rec(out, &out_len, buf, s, k + 1);
			put_rec(out, &out_len, buf, s, k);
			i++;
			continue;
		}
		if (t == T_EMPTY_LINE && i == k)
			put_text(out, &out_len, "\n");
		put_rec(out, &out_len, buf, s, i);
		if (t == T_DUPLICATE && i == k)
			put_rec(out, &out_len, buf, s, i);
		if (t == T_TRUNCATE_MID && i == k) {
			out_len -= (s[i] - s[i - 1]) / 2;
			break;
		}
	}
	if (t == T_TRUNCATE_LAST)
		out_len -= 10;
	if (t == T_JUNK_LINE)
		put_text(out, &out_len, "junk\n");
	out[out_len] = '\0';
	if (t == T_EDIT_VALUE || t == T_EDIT_HASH || t == T_EDIT_PREV || t == T_EDIT_SEQ ||
	    t == T_BREAK_SYNTAX) {
		const char *key = t == T_EDIT_VALUE ? " detail=n%20" : t == T_EDIT_HASH ? " hash=" :
		    t == T_EDIT_PREV ? " prev=" : t == T_EDIT_SEQ ? "seq=" : " user=";
		p = strstr(out + s[k - 1], key) + strlen(key);
		if (t == T_EDIT_SEQ)
			*p = '7';           /* seq=3 -> seq=7 */
		else if (t == T_BREAK_SYNTAX)
			*p = ' ';           /* "user= lice" */
		else
			*p = *p == '0' ? '1' : '0';
	}
	spit(out, out_len);
	free(out);
}

START_TEST(tamper_rows_detected)
{
	struct pr_errbuf eb = { 0 };
	long bad = -1, n = -1;
	char *buf;
	size_t len;

	append_n(NREC);
	assert_verifies(NREC);
	buf = slurp(&len);
	tamper(tamper_rows[_i].t, tamper_rows[_i].k, buf, len);
	free(buf);
	ck_assert_int_eq(pr_audit_verify(logp, &bad, &n, &eb), PR_ERR_CORRUPT);
	ck_assert_msg(bad == tamper_rows[_i].want, "row %d: bad=%ld (%s)", _i, bad, eb.msg);
	ck_assert_int_eq(n, tamper_rows[_i].want - 1);
	ck_assert_msg(strstr(eb.msg, tamper_rows[_i].why) != NULL, "row %d: %s", _i, eb.msg);
	ck_assert(strncmp(eb.msg, logp, strlen(logp)) == 0);
}
END_TEST

/*
 * Each syntax rule of a record, broken in the only record of a log: verify
 * names the rule. (The parser looks fields up from where the last one was,
 * and checks hashes without branching: these rows pin what it refuses.)
 */
static const struct {
	const char *from, *to, *why;
} syntax_rows[] = {
	{ " role=staff", " role=staff user=bob", "(field user out of order or repeated)" },
	{ " role=staff", " role=staff role=admin", "(field role out of order or repeated)" },
	{ " role=staff", " colour=red role=staff", "(unknown field 'colour')" },
	{ " result=failure", "", "(missing field result)" },
	{ "result=failure", "result=maybe", "(result is neither success nor failure)" },
	{ " prev=0", " prev=g", "(bad prev)" },
	{ " prev=0", " prev=A", "(bad prev)" },
	{ " hash=", " hash=0", "(bad hash)" },
	{ "user=alice", "user=al=ice", "(badly escaped value of user)" },
	{ "user=alice", "user=al%2xice", "(badly escaped value of user)" },
	{ " hash=", " detail=x hash=", "(field detail out of order or repeated)" },
	{ "\n", " \n", "(trailing space)" },
	{ " hash=", "\n", "(does not end with hash=)" },
	{ "seq=1 ", "seq=01 ", "(bad seq)" },
	/* verify's fast scan (lib/audit_verify.c scan_record) must refuse each of these too */
	{ " hash=", " hash=A", "(bad hash)" },
	{ " hash=", " hash=g", "(bad hash)" },
	{ " role=staff", "  role=staff", "(field without '=')" },
	{ " role=staff", " =staff", "(unknown field '')" },
	{ " role=staff", " ro%41le=staff", "(unknown field 'ro%41le')" },
	{ " role=staff", " role=staff%4", "(badly escaped value of role)" },
	{ " role=staff", " role=staff%", "(badly escaped value of role)" },
	{ " role=staff", " role=st%41ff", "" },
	{ " role=staff", " role=staff=", "(badly escaped value of role)" },
	{ " role=staff", " role", "(field without '=')" },
	{ " role=staff", " role=", "" },
	{ " role=staff", " hash=0", "(missing field prev)" },
	{ "seq=1 ", "", "(missing field seq)" },
	/* merged= (lib/audit_rate.c): a count from 1, after detail= */
	{ " prev=", " merged=0 prev=", "(bad merged)" },
	{ " prev=", " merged=x prev=", "(bad merged)" },
	{ " prev=", " merged=3 detail=x prev=", "(field detail out of order or repeated)" },
	{ " prev=", " merged=3 prev=", "" },
};

START_TEST(syntax_rows_named)
{
	struct pr_errbuf eb = { 0 };
	long bad = -1, n = -1;
	char *buf, *at, *out;
	size_t len, cut;

	append_n(1);
	buf = slurp(&len);
	ck_assert_ptr_nonnull(at = strstr(buf, syntax_rows[_i].from));
	/* replace from by to; for " hash=" -> "\n" the rest of the line goes too */
	cut = strcmp(syntax_rows[_i].to, "\n") == 0 ? strlen(at) : strlen(syntax_rows[_i].from);
	ck_assert_int_ge(asprintf(&out, "%.*s%s%s", (int)(at - buf), buf, syntax_rows[_i].to,
	    at + cut), 0);
	spit(out, strlen(out));
	ck_assert_int_eq(pr_audit_verify(logp, &bad, &n, &eb), PR_ERR_CORRUPT);
	ck_assert_int_eq(bad, 1);
	/* why "": well-formed, so the edit shows as one */
	ck_assert_msg(syntax_rows[_i].why[0] == '\0' ?
	    strstr(eb.msg, "record 1 was edited") != NULL :
	    strstr(eb.msg, "record 1 is malformed") != NULL &&
	    strstr(eb.msg, syntax_rows[_i].why) != NULL, "row %d: %s", _i, eb.msg);
	free(out);
	free(buf);
}
END_TEST

/* Bytes no value may hold, where the scan looks at 16 at a time. */
static const struct {
	unsigned char c;
	const char *why;
} byte_rows[] = {
	{ 0x00, "(NUL byte)" }, { 0x09, "(badly escaped value of user)" },
	{ 0x0d, "(badly escaped value of user)" }, { 0x7f, "(badly escaped value of user)" },
	{ 0x80, "(badly escaped value of user)" }, { 0xff, "(badly escaped value of user)" },
};

START_TEST(bad_bytes_named)
{
	struct pr_errbuf eb = { 0 };
	long bad = -1, n = -1;
	char *buf, *at;
	size_t len;

	append_n(2);
	buf = slurp(&len);
	/* in record 2, at each place in a group of 16 */
	ck_assert_ptr_nonnull(at = strstr(strchr(buf, '\n'), "user=alice"));
	at += strlen("user=") + (size_t)_i % 5;
	*at = (char)byte_rows[_i].c;
	spit(buf, len);
	ck_assert_int_eq(pr_audit_verify(logp, &bad, &n, &eb), PR_ERR_CORRUPT);
	ck_assert_int_eq(bad, 2);
	ck_assert_int_eq(n, 1);
	ck_assert_msg(strstr(eb.msg, "record 2 is malformed") != NULL &&
	    strstr(eb.msg, byte_rows[_i].why) != NULL, "row %d: %s", _i, eb.msg);
	free(buf);
}
END_TEST

/*
 * Over-long lines after a good record: verify reads the log in blocks, and
 * judges them as it would one line at a time (a record is at most 8192
 * bytes with its newline; a line without one at the end is torn, however
 * long).
 */
static const struct {
	size_t len;      /* of the junk line, newline excluded */
	bool newline;
	const char *why;
} long_rows[] = {
	{ 8191, true, "record 2 is malformed (field without '=')" },
	{ 8192, true, "record 2 is malformed (longer than 8192 bytes)" },
	{ 9000, false, "last record is torn (no newline)" },
	{ 3u << 20, true, "record 2 is malformed (longer than 8192 bytes)" },
	{ 3u << 20, false, "last record is torn (no newline)" },
};

START_TEST(long_lines_named)
{
	struct pr_errbuf eb = { 0 };
	long bad = -1, n = -1;
	char *buf, *out;
	size_t len;

	append_n(1);
	buf = slurp(&len);
	ck_assert_ptr_nonnull(out = malloc(len + long_rows[_i].len + 1));
	memcpy(out, buf, len);
	memset(out + len, 'x', long_rows[_i].len);
	out[len + long_rows[_i].len] = '\n';
	spit(out, len + long_rows[_i].len + (long_rows[_i].newline ? 1 : 0));
	ck_assert_int_eq(pr_audit_verify(logp, &bad, &n, &eb), PR_ERR_CORRUPT);
	ck_assert_int_eq(bad, 2);
	ck_assert_int_eq(n, 1);
	ck_assert_msg(strstr(eb.msg, long_rows[_i].why) != NULL, "row %d: %s", _i, eb.msg);
	free(out);
	free(buf);
}
END_TEST

/* A chained log of n records (details of varied length) and its head; the line starts. */
static size_t *write_chain(int n, char **text, size_t *text_len)
{
	struct pr_audit_event ev = base_event();
	char prev[65], next[65], head[128], detail[400], *body = NULL, *line = NULL;
	size_t len = 0, total = 0, *starts = calloc((size_t)n + 1, sizeof(*starts));
	char *all = malloc((size_t)n * 1024);

	ck_assert_ptr_nonnull(starts);
	ck_assert_ptr_nonnull(all);
	memset(prev, '0', 64);
	prev[64] = '\0';
	for (int i = 0; i < n; i++) {
		memset(detail, 'd', sizeof(detail));
		detail[3 + (i * 37) % 390] = '\0';
		if (i % 7 == 0)
			detail[1] = '%';  /* escaped as %25 */
		ev.detail = detail;
		ck_assert_int_eq(pr_audit_format(&ev, T0 + i, "h", &body), PR_OK);
		ck_assert_int_eq(pr_audit_chain(i + 1, prev, body, &line, &len, next), PR_OK);
		starts[i] = total;
		memcpy(all + total, line, len);
		total += len;
		memcpy(prev, next, sizeof(prev));
		free(body);
		free(line);
	}
	starts[n] = total;
	test_write_file(logp, all, total, 0600);
	snprintf(head, sizeof(head), "%d %s\n", n, prev);
	test_write_file(headp, head, strlen(head), 0600);
	*text = all;
	*text_len = total;
	return starts;
}

/* The record (1-based) holding byte off of the log. */
static int record_at(const size_t *starts, int n, size_t off)
{
	for (int i = 0; i < n; i++)
		if (off < starts[i + 1])
			return i + 1;
	return -1;
}

/*
 * A log of several MiB, so verify's reads end inside records: it verifies,
 * and a record across the end of a read is still caught when edited or
 * torn there.
 */
static const size_t edge_rows[] = { 64 * 1024, 128 * 1024, 1024 * 1024, 2 * 1024 * 1024 };

START_TEST(log_across_reads)
{
	const int nrec = 9000;
	struct pr_errbuf eb = { 0 };
	long bad = -1, n = -1;
	size_t len, *starts, off = edge_rows[_i];
	char *all, *p, want[64];
	int k;

	starts = write_chain(nrec, &all, &len);
	ck_assert_uint_gt(len, 3u << 20);
	assert_verifies(nrec);
	/* edit the last plain byte of the detail, in the record across the offset */
	ck_assert_int_gt(k = record_at(starts, nrec, off), 1);
	ck_assert_uint_gt(off, starts[k - 1]);  /* inside the record, not at its start */
	ck_assert_ptr_nonnull(p = strstr(all + starts[k - 1], " prev="));
	p[-1] = p[-1] == 'd' ? 'e' : 'd';
	spit(all, len);
	ck_assert_int_eq(pr_audit_verify(logp, &bad, &n, &eb), PR_ERR_CORRUPT);
	snprintf(want, sizeof(want), "record %d was edited", k);
	ck_assert_msg(strstr(eb.msg, want) != NULL, "%s", eb.msg);
	ck_assert_int_eq(bad, k);
	ck_assert_int_eq(n, k - 1);
	/* cut there: the record across the offset is torn */
	spit(all, off);
	ck_assert_int_eq(pr_audit_verify(logp, &bad, &n, &eb), PR_ERR_CORRUPT);
	ck_assert_msg(strstr(eb.msg, "last record is torn (no newline)") != NULL, "%s", eb.msg);
	ck_assert_int_eq(bad, k);
	free(starts);
	free(all);
}
END_TEST

/* A damaged last record stops appends (fail closed) and says what to do. */
static const enum tamper tail_rows[] = { T_TRUNCATE_LAST, T_JUNK_LINE, T_EDIT_VALUE, T_EMPTY_LINE };

START_TEST(damaged_tail_refuses_append)
{
	struct pr_audit_event ev = base_event();
	struct pr_errbuf eb = { 0 };
	char *buf, *after;
	size_t len, len2;
	enum tamper t = tail_rows[_i];

	append_n(NREC);
	buf = slurp(&len);
	tamper(t, t == T_EMPTY_LINE ? NREC : NREC, buf, len);
	if (t == T_EMPTY_LINE) {
		/* An empty line at the very end. */
		free(buf);
		append_n(0);
		buf = slurp(&len);
		char *b2 = malloc(len + 2);
		memcpy(b2, buf, len);
		b2[len] = '\n';
		spit(b2, len + 1);
		free(b2);
	}
	free(buf);
	buf = slurp(&len);
	ck_assert_int_eq(pr_audit_append(logp, &ev, &eb), PR_ERR_CORRUPT);
	ck_assert_msg(strstr(eb.msg, "practicerunner-admin audit verify") != NULL, "%s", eb.msg);
	after = slurp(&len2);
	ck_assert_uint_eq(len, len2);
	ck_assert_mem_eq(buf, after, len);
	free(buf);
	free(after);
}
END_TEST

/*
 * A record cut short after the last acknowledged one (a crash while writing
 * it: the head still names the record before) is cut off by the next append,
 * which records the cut (event audit-repair) and goes on; verify reported it
 * as torn before and passes after. Without a head file nothing proves it was
 * never acknowledged, and the append stays refused.
 */
START_TEST(torn_tail_after_head_cut_and_recorded)
{
	struct pr_audit_event ev = base_event();
	struct pr_errbuf eb = { 0 };
	long bad = -1, n = -1;
	char *buf, *partial, hpath[600];
	size_t len, len2, orig;

	append_n(NREC);
	buf = slurp(&len);
	partial = malloc(len + 80);
	memcpy(partial, buf, len);
	/* Exactly 55 bytes: the next record's start, as a crash would leave it. */
	snprintf(partial + len, 80, "seq=%-5d time=2026-11-24T00:00:00Z host=h event=auth r",
	    NREC + 1);
	ck_assert_uint_eq(strlen(partial + len), 55);
	orig = len;
	spit(partial, orig + 55);
	ck_assert_int_eq(pr_audit_verify(logp, &bad, &n, &eb), PR_ERR_CORRUPT);
	ck_assert_ptr_nonnull(strstr(eb.msg, "torn"));
	ck_assert_int_eq(pr_audit_append(logp, &ev, &eb), PR_OK);
	ck_assert_int_eq(pr_audit_verify(logp, &bad, &n, &eb), PR_OK);
	ck_assert_int_eq(n, NREC + 2);       /* the repair record, then ours */
	free(buf);
	buf = slurp(&len);
	ck_assert_ptr_nonnull(strstr(buf, "event=audit-repair result=failure reason=torn-record"));
	ck_assert_ptr_nonnull(strstr(buf, "detail=removed%2055%20bytes"));
	ck_assert_ptr_null(strstr(buf, "host=h event=auth r"));
	/* Without a head file: refused, nothing cut. */
	spit(partial, orig + 55);
	free(partial);
	snprintf(hpath, sizeof(hpath), "%s.head", logp);
	ck_assert_int_eq(unlink(hpath), 0);
	free(buf);
	buf = slurp(&len);
	ck_assert_int_eq(pr_audit_append(logp, &ev, &eb), PR_ERR_CORRUPT);
	ck_assert_ptr_nonnull(strstr(eb.msg, "torn"));
	partial = slurp(&len2);
	ck_assert_uint_eq(len2, len);       /* nothing cut */
	ck_assert_mem_eq(partial, buf, len);
	free(partial);
	free(buf);
}
END_TEST

/* Bytes after the head's last record that are not the next record's start: kept, refused. */
START_TEST(junk_tail_after_head_refused)
{
	struct pr_audit_event ev = base_event();
	struct pr_errbuf eb = { 0 };
	static const char *const junk[] = { "\x01\x02binary", "seq=1 time=x", "hello" };
	char *buf, *after, *bad;
	size_t len, len2;

	append_n(NREC);
	buf = slurp(&len);
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		bad = malloc(len + 32);
		memcpy(bad, buf, len);
		memcpy(bad + len, junk[i], strlen(junk[i]));
		spit(bad, len + strlen(junk[i]));
		ck_assert_int_eq(pr_audit_append(logp, &ev, &eb), PR_ERR_CORRUPT);
		ck_assert_ptr_nonnull(strstr(eb.msg, "torn"));
		after = slurp(&len2);
		ck_assert_uint_eq(len2, len + strlen(junk[i]));   /* nothing cut */
		free(after);
		free(bad);
	}
	free(buf);
}
END_TEST

/* An edit in the middle does not stop appends (only verify sees it); the chain goes on. */
START_TEST(append_continues_after_good_tail)
{
	struct pr_errbuf eb = { 0 };
	long bad = -1, n = -1;

	append_n(3);
	assert_verifies(3);
	append_n(2);
	assert_verifies(5);
	ck_assert_int_eq(pr_audit_verify(logp, &bad, &n, &eb), PR_OK);
	ck_assert_int_eq(n, 5);
}
END_TEST

/* ---- the head file: where the log must end ------------------------------------------- */

static void put_head(const char *text)
{
	int fd = open(headp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pr_write_all(fd, text, strlen(text)), PR_OK);
	close(fd);
}

static char *get_head(void)
{
	char *buf = NULL;
	size_t len;

	ck_assert_int_eq(pr_secure_read(AT_FDCWD, headp, 077, 4096, &buf, &len), PR_FILE_OK);
	return buf;
}

/* What the head must hold after record k: "k <SHA-256 of line k>\n". */
static void expected_head(int k, char *out, size_t cap)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t s[NPROC_MAX_LINES], len;
	char *buf = slurp(&len);
	int n = split_lines(buf, len, s, NPROC_MAX_LINES);
	size_t end;
	int o;

	ck_assert_int_ge(n, k);
	end = k < n ? s[k] - 1 : len - 1;
	SHA256((const unsigned char *)buf + s[k - 1], end - s[k - 1], md);
	o = snprintf(out, cap, "%d ", k);
	for (size_t i = 0; i < sizeof(md); i++)
		o += snprintf(out + o, cap - (size_t)o, "%02x", md[i]);
	snprintf(out + o, cap - (size_t)o, "\n");
	free(buf);
}

static void assert_head_is(int k)
{
	char want[128], *got = get_head();

	expected_head(k, want, sizeof(want));
	ck_assert_str_eq(got, want);
	free(got);
}

static void assert_verify_fails(long want_bad, long want_n, const char *why)
{
	struct pr_errbuf eb = { 0 };
	long bad = -1, n = -1;

	ck_assert_int_eq(pr_audit_verify(logp, &bad, &n, &eb), PR_ERR_CORRUPT);
	ck_assert_msg(strstr(eb.msg, why) != NULL, "'%s' lacks '%s'", eb.msg, why);
	ck_assert(strncmp(eb.msg, logp, strlen(logp)) == 0);
	ck_assert_int_eq(bad, want_bad);
	ck_assert_int_eq(n, want_n);
}

/* Refused, with a message naming why and what to do; the log is left as it was. */
static void assert_append_refused(int err, const char *why)
{
	struct pr_audit_event ev = base_event();
	struct pr_errbuf eb = { 0 };
	char *before, *after;
	size_t len = 0, len2 = 0;
	struct stat st;
	bool had_log = stat(logp, &st) == 0;

	before = had_log ? slurp(&len) : NULL;
	ck_assert_int_eq(pr_audit_append(logp, &ev, &eb), err);
	ck_assert_msg(strstr(eb.msg, why) != NULL, "'%s' lacks '%s'", eb.msg, why);
	if (err == PR_ERR_CORRUPT)
		ck_assert_msg(strstr(eb.msg, "practicerunner-admin audit verify") != NULL, "%s", eb.msg);
	if (had_log) {
		after = slurp(&len2);
		ck_assert_uint_eq(len, len2);
		ck_assert_mem_eq(before, after, len);
		free(after);
	}
	free(before);
}

START_TEST(head_follows_appends)
{
	struct stat st;
	DIR *d;
	int entries = 0;

	append_n(3);
	assert_head_is(3);
	ck_assert_int_eq(stat(headp, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	append_n(2);
	assert_head_is(5);
	assert_verifies(5);
	/* nothing else left beside the log but its rate file: no temp files */
	ck_assert_ptr_nonnull(d = opendir(dir));
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    strcmp(e->d_name, "audit.log.rate") != 0)
			entries++;
	closedir(d);
	ck_assert_int_eq(entries, 2);
}
END_TEST

/* A log built with pr_audit_chain (as bench/ does) is the appender's: it verifies and grows. */
START_TEST(chained_log_verifies_and_grows)
{
	struct pr_audit_event ev = base_event();
	char prev[65], next[65], head[128], *body = NULL, *line = NULL;
	size_t len = 0, total = 0;
	int fd;

	memset(prev, '0', 64);
	prev[64] = '\0';
	ck_assert_int_ge(fd = open(logp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600), 0);
	for (long long seq = 1; seq <= 3; seq++) {
		ck_assert_int_eq(pr_audit_format(&ev, T0, "h", &body), PR_OK);
		ck_assert_int_eq(pr_audit_chain(seq, prev, body, &line, &len, next), PR_OK);
		ck_assert_int_eq(pr_write_all(fd, line, len), PR_OK);
		total += len;
		memcpy(prev, next, sizeof(prev));
		free(body);
		free(line);
	}
	close(fd);
	snprintf(head, sizeof(head), "3 %s\n", prev);
	test_write_file(headp, head, strlen(head), 0600);
	assert_verifies(3);
	append_n(1);
	assert_head_is(4);
	assert_verifies(4);
	/* bad arguments: no sequence 0, prev must be a hash */
	ck_assert_int_eq(pr_audit_chain(0, prev, "x", &line, &len, NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_audit_chain(1, "00", "x", &line, &len, NULL), PR_ERR_INVALID_ARG);
	ck_assert_ptr_null(line);
	ck_assert_uint_gt(total, 0);
}
END_TEST

/* Whole records cut from the end: the chain alone cannot tell, the head can. */
static const int cut_rows[] = { 1, 3, NREC };

START_TEST(removed_records_detected)
{
	char why[320], *buf, *head, *head_after;
	size_t s[NREC], len;
	int cut = cut_rows[_i], keep = NREC - cut;

	append_n(NREC);
	head = get_head();
	buf = slurp(&len);
	ck_assert_int_eq(split_lines(buf, len, s, NREC), NREC);
	spit(buf, keep > 0 ? s[keep] : 0);
	free(buf);
	snprintf(why, sizeof(why), "records after %d were removed (head file says %d)", keep, NREC);
	assert_verify_fails(keep + 1, keep, why);
	snprintf(why, sizeof(why), "audit log ends before record %d recorded in %s: "
	    "records were removed", NREC, headp);
	assert_append_refused(PR_ERR_CORRUPT, why);
	head_after = get_head();
	ck_assert_str_eq(head_after, head);
	free(head);
	free(head_after);
}
END_TEST

START_TEST(deleted_log_detected)
{
	char why[320];

	append_n(5);
	ck_assert_int_eq(unlink(logp), 0);
	assert_verify_fails(1, 0, "records after 0 were removed (head file says 5)");
	snprintf(why, sizeof(why), "audit log ends before record 5 recorded in %s", headp);
	assert_append_refused(PR_ERR_CORRUPT, why);
	assert_verify_fails(1, 0, "records after 0 were removed (head file says 5)");
}
END_TEST

/* A different log of the same length (a replaced file) does not match the head. */
START_TEST(replaced_log_detected)
{
	struct pr_audit_event ev = base_event();
	struct pr_errbuf eb = { 0 };
	char *head;

	append_n(3);
	head = get_head();
	ck_assert_int_eq(unlink(logp), 0);
	ck_assert_int_eq(unlink(headp), 0);
	ev.detail = "another log";
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(pr_audit_append(logp, &ev, &eb), PR_OK);
	put_head(head);
	free(head);
	assert_verify_fails(3, 3, "record 3 does not match the head file");
	assert_append_refused(PR_ERR_CORRUPT, "does not match record 3 recorded in");
}
END_TEST

/*
 * A crash between the record's fsync and the head's rename leaves the head
 * one record behind: accepted (that record chains onto the head's), and
 * the next append brings the head up to date. Further behind is refused.
 */
START_TEST(head_one_behind_accepted)
{
	char *head4, *head6;

	append_n(4);
	head4 = get_head();
	append_n(1);
	put_head(head4);
	assert_verifies(5);
	append_n(1);
	assert_head_is(6);
	assert_verifies(6);
	head6 = get_head();
	append_n(2);
	put_head(head6);
	assert_verify_fails(8, 8, "goes on past record 6 recorded in the head file");
	assert_append_refused(PR_ERR_CORRUPT, "goes on past record 6 recorded in");
	put_head(head4);
	assert_verify_fails(8, 8, "goes on past record 4 recorded in the head file");
	free(head4);
	free(head6);
}
END_TEST

/*
 * Two crashes in a row at the same point: an append onto a log one past its
 * head brings the head up before writing its own record, so a crash right
 * after that record leaves the log one past again, never two (found by
 * tests/stress/crash.sh). The append here dies after the head check, as a
 * crash would, by being too long.
 */
START_TEST(head_caught_up_before_append)
{
	struct pr_audit_event ev = base_event();
	struct pr_errbuf eb = { 0 };
	char *head2, *big = malloc(9000);

	ck_assert_ptr_nonnull(big);
	append_n(2);
	head2 = get_head();
	append_n(1);
	put_head(head2);
	memset(big, 'x', 8999);
	big[8999] = '\0';
	ev.detail = big;
	ck_assert_int_eq(pr_audit_append(logp, &ev, &eb), PR_ERR_INVALID_ARG);
	assert_head_is(3);
	assert_verifies(3);
	append_n(1);
	assert_head_is(4);
	assert_verifies(4);
	free(head2);
	free(big);
}
END_TEST

/* First run after an upgrade: a log without a head is accepted, and the head is made. */
START_TEST(missing_head_accepted)
{
	struct stat st;

	append_n(3);
	ck_assert_int_eq(unlink(headp), 0);
	assert_verifies(3);
	append_n(1);
	assert_head_is(4);
	assert_verifies(4);
	/* no log and no head: a fresh start */
	ck_assert_int_eq(unlink(logp), 0);
	ck_assert_int_eq(unlink(headp), 0);
	append_n(1);
	assert_head_is(1);
	ck_assert_int_eq(stat(headp, &st), 0);
}
END_TEST

static const struct {
	const char *text;
} bad_head_rows[] = {
	{ "" },
	{ "junk\n" },
	{ "3\n" },
	{ "3 0000\n" },
	{ "03 0000000000000000000000000000000000000000000000000000000000000000\n" },
	{ "3 0000000000000000000000000000000000000000000000000000000000000000" },
	{ "3 0000000000000000000000000000000000000000000000000000000000000000\n\n" },
	{ "3 000000000000000000000000000000000000000000000000000000000000000G\n" },
	{ "-3 0000000000000000000000000000000000000000000000000000000000000000\n" },
};

START_TEST(bad_head_refused)
{
	append_n(3);
	put_head(bad_head_rows[_i].text);
	assert_verify_fails(0, 3, ".head: is malformed");
	assert_append_refused(PR_ERR_CORRUPT, ".head: is malformed");
}
END_TEST

START_TEST(unsafe_head_refused)
{
	char other[160];

	snprintf(other, sizeof(other), "%s/other", dir);
	append_n(2);
	ck_assert_int_eq(rename(headp, other), 0);
	ck_assert_int_eq(symlink(other, headp), 0);
	assert_append_refused(PR_ERR_UNSAFE_FILE, "symbolic link");
	ck_assert_int_eq(unlink(headp), 0);
	ck_assert_int_eq(rename(other, headp), 0);
	ck_assert_int_eq(chmod(headp, 0666), 0);
	assert_append_refused(PR_ERR_UNSAFE_FILE, ".head: ");
	ck_assert_int_eq(chmod(headp, 0600), 0);
	append_n(1);
	assert_head_is(3);
}
END_TEST

/* ---- unsafe log files ---------------------------------------------------------------- */

START_TEST(unsafe_log_refused)
{
	struct pr_audit_event ev = base_event();
	struct pr_errbuf eb = { 0 };
	char other[160], link[160], missing[160];
	long bad, n;

	snprintf(other, sizeof(other), "%s/other", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	snprintf(missing, sizeof(missing), "%s/nodir/audit.log", dir);
	append_n(1);
	ck_assert_int_eq(symlink(logp, link), 0);
	ck_assert_int_eq(pr_audit_append(link, &ev, &eb), PR_ERR_UNSAFE_FILE);
	ck_assert_ptr_nonnull(strstr(eb.msg, "symbolic link"));
	ck_assert_int_eq(pr_audit_verify(link, &bad, &n, &eb), PR_ERR_UNSAFE_FILE);
	ck_assert_int_eq(chmod(logp, 0666), 0);
	ck_assert_int_eq(pr_audit_append(logp, &ev, &eb), PR_ERR_UNSAFE_FILE);
	ck_assert_int_eq(chmod(logp, 0600), 0);
	ck_assert_int_eq(chown(logp, NOBODY_UID, NOBODY_GID), 0);
	ck_assert_int_eq(pr_audit_append(logp, &ev, &eb), PR_ERR_UNSAFE_FILE);
	ck_assert_int_eq(chown(logp, 0, 0), 0);
	ck_assert_int_eq(mkfifo(other, 0600), 0);
	ck_assert_int_eq(pr_audit_append(other, &ev, &eb), PR_ERR_UNSAFE_FILE);
	ck_assert_int_ne(pr_audit_append(missing, &ev, &eb), PR_OK);
	assert_verifies(1);  /* nothing was appended by the refused calls */
}
END_TEST

/* ---- concurrency ------------------------------------------------------------------------ */

#define NPROC 8
#define PER_PROC 100

START_TEST(concurrent_appends)
{
	pid_t pids[NPROC];
	int status;
	char *buf;
	size_t len;

	for (int p = 0; p < NPROC; p++) {
		pids[p] = fork();
		ck_assert_int_ge(pids[p], 0);
		if (pids[p] == 0) {
			struct pr_audit_event ev = base_event();
			int bad = 0;
			for (int i = 0; i < PER_PROC; i++)
				bad |= pr_audit_append(logp, &ev, NULL) != PR_OK;
			_exit(bad);
		}
	}
	for (int p = 0; p < NPROC; p++) {
		ck_assert_int_eq(waitpid(pids[p], &status, 0), pids[p]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_verifies(NPROC * PER_PROC);
	buf = slurp(&len);
	ck_assert_ptr_nonnull(strstr(buf, "\nseq=800 time="));
	free(buf);
	assert_head_is(NPROC * PER_PROC);
}
END_TEST

static Suite *audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("audit");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, format_full_and_minimal);
	tcase_add_loop_test(tc, format_flags_rows, 0, NROWS(flag_rows));
	tcase_add_loop_test(tc, odd_values_round_trip, 0, NROWS(odd_rows));
	tcase_add_loop_test(tc, bad_events_refused, 0, NROWS(bad_event_rows));
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, long_caller_fields_cut);
	tcase_add_test(tc, oversize_record_refused);
	tcase_add_test(tc, lock_wait_bounded_by_the_process);
	tcase_add_test(tc, append_and_verify);
	tcase_add_test(tc, empty_log_verifies);
	tcase_add_loop_test(tc, tamper_rows_detected, 0, NROWS(tamper_rows));
	tcase_add_loop_test(tc, syntax_rows_named, 0, NROWS(syntax_rows));
	tcase_add_loop_test(tc, bad_bytes_named, 0, NROWS(byte_rows));
	tcase_add_loop_test(tc, long_lines_named, 0, NROWS(long_rows));
	tcase_add_loop_test(tc, log_across_reads, 0, NROWS(edge_rows));
	tcase_add_loop_test(tc, damaged_tail_refuses_append, 0, NROWS(tail_rows));
	tcase_add_test(tc, torn_tail_after_head_cut_and_recorded);
	tcase_add_test(tc, junk_tail_after_head_refused);
	tcase_add_test(tc, append_continues_after_good_tail);
	tcase_add_test(tc, head_follows_appends);
	tcase_add_test(tc, chained_log_verifies_and_grows);
	tcase_add_loop_test(tc, removed_records_detected, 0, NROWS(cut_rows));
	tcase_add_test(tc, deleted_log_detected);
	tcase_add_test(tc, replaced_log_detected);
	tcase_add_test(tc, head_one_behind_accepted);
	tcase_add_test(tc, head_caught_up_before_append);
	tcase_add_test(tc, missing_head_accepted);
	tcase_add_loop_test(tc, bad_head_refused, 0, NROWS(bad_head_rows));
	tcase_add_test(tc, unsafe_head_refused);
	tcase_add_test(tc, unsafe_log_refused);
	tcase_add_test(tc, concurrent_appends);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP must run as root (wrong-owner case chowns to nobody)\n");
		return EXIT_SUCCESS;
	}
	return test_run_tap(audit_suite());
}
