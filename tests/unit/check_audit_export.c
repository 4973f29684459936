/*
 * Unit tests of lib/audit_export.c: every field of a record in the JSON
 * object (parsed back with json-c) and in the RFC 5424 structured data,
 * the escaping of each (RFC 5424 section 6.3.3: '"', '\' and ']'), values that
 * are not UTF-8, lines that are not records, --since and --format words.
 * doc/ARCHITECTURE.md §8.8.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "audit_export.h"
#include "err.h"
#include "testlib.h"

#define T0 1795492170  /* 2026-11-24T03:49:30Z */

/* A record with every field, its detail as given. */
static char *record(const char *detail, size_t *len)
{
	struct pr_audit_event ev = {
		.event = "auth", .success = false, .reason = "signature", .user = "alice",
		.role = "owner", .method = "security-key", .service = "login", .tty = "tty1",
		.rhost = "10.0.0.7", .rp_id = "pam://riverside-clinic", .cred_id = "AQID",
		.aaguid = "cb69481e-8ff7-4039-93ec-0a2729a154a8", .flags = 0x05,
		.sign_count = 12, .cred_class = "physical", .path = "direct", .actor = "root",
		.detail = detail,
	};
	char *body = NULL, *line = NULL;

	ck_assert_int_eq(pr_audit_format(&ev, T0, "ws-1", &body), PR_OK);
	ck_assert_int_eq(pr_audit_chain(7, "0000000000000000000000000000000000000000000000000000000000000000",
	    body, &line, len, NULL), PR_OK);
	free(body);
	line[--*len] = '\0';
	return line;
}

static char *export(const char *line, size_t len, enum pr_export_format fmt)
{
	struct pr_errbuf eb = { 0 };
	char *out = NULL;

	ck_assert_msg(pr_export_line(line, len, fmt, &out, &eb) == PR_OK, "%s", eb.msg);
	ck_assert_str_eq(eb.msg, "");
	ck_assert(out[strlen(out) - 1] == '\n');
	ck_assert_ptr_null(strchr(out, '\n') == out + strlen(out) - 1 ? NULL : out);
	return out;
}

static const struct field_row {
	const char *key;
	const char *value;      /* NULL: a number */
	long long number;
} fields[] = {
	{ "seq", NULL, 7 }, { "time", "2026-11-24T03:49:30Z", 0 }, { "host", "ws-1", 0 },
	{ "event", "auth", 0 }, { "result", "failure", 0 }, { "reason", "signature", 0 },
	{ "user", "alice", 0 }, { "role", "owner", 0 }, { "method", "security-key", 0 },
	{ "service", "login", 0 }, { "tty", "tty1", 0 }, { "rhost", "10.0.0.7", 0 },
	{ "rp_id", "pam://riverside-clinic", 0 }, { "cred_id", "AQID", 0 },
	{ "aaguid", "cb69481e-8ff7-4039-93ec-0a2729a154a8", 0 }, { "flags", "0x05:UP,UV", 0 },
	{ "sign_count", NULL, 12 }, { "class", "physical", 0 }, { "path", "direct", 0 },
	{ "actor", "root", 0 }, { "detail", "a \"quoted\" \\ back]slash = 100% caf\xc3\xa9\n", 0 },
};

START_TEST(json_has_every_field)
{
	size_t len = 0;
	char *line = record(fields[NROWS(fields) - 1].value, &len), *out;
	json_object *o, *v;

	out = export(line, len, PR_EXPORT_JSON);
	ck_assert_ptr_nonnull(o = json_tokener_parse(out));
	/* the fields above, prev and hash: nothing more, nothing less */
	ck_assert_int_eq(json_object_object_length(o), NROWS(fields) + 2);
	for (int i = 0; i < NROWS(fields); i++) {
		ck_assert_msg(json_object_object_get_ex(o, fields[i].key, &v), "%s", fields[i].key);
		if (fields[i].value == NULL) {
			ck_assert(json_object_is_type(v, json_type_int));
			ck_assert_int_eq(json_object_get_int64(v), fields[i].number);
		} else {
			ck_assert_msg(strcmp(json_object_get_string(v), fields[i].value) == 0, "%s: %s",
			    fields[i].key, json_object_get_string(v));
		}
	}
	ck_assert(json_object_object_get_ex(o, "hash", &v));
	ck_assert_ptr_nonnull(strstr(line, json_object_get_string(v)));
	json_object_put(o);
	free(out);
	free(line);
}
END_TEST

START_TEST(rfc5424_has_every_field_escaped)
{
	size_t len = 0;
	char *line = record("a \"quoted\" \\ back]slash", &len), *out, want[200];

	out = export(line, len, PR_EXPORT_RFC5424);
	ck_assert_msg(strncmp(out, "<85>1 2026-11-24T03:49:30Z ws-1 practicerunner - auth "
	    "[practicerunner@32473 seq=\"7\" time=\"2026-11-24T03:49:30Z\" host=\"ws-1\" ",
	    strlen("<85>1 2026-11-24T03:49:30Z ws-1 practicerunner - auth [practicerunner@32473 "
	    "seq=\"7\" time=\"2026-11-24T03:49:30Z\" host=\"ws-1\" ")) == 0, "%s", out);
	for (int i = 0; i < NROWS(fields) - 1; i++) {
		if (fields[i].value != NULL)
			snprintf(want, sizeof(want), " %s=\"%s\"", fields[i].key, fields[i].value);
		else
			snprintf(want, sizeof(want), " %s=\"%lld\"", fields[i].key, fields[i].number);
		ck_assert_msg(strstr(out, want) != NULL, "%s not in %s", want, out);
	}
	ck_assert_msg(strstr(out, " detail=\"a \\\"quoted\\\" \\\\ back\\]slash\" prev=\"") != NULL,
	    "%s", out);
	ck_assert_msg(strstr(out, "\"]\n") != NULL && strstr(out, "\"]\n")[3] == '\0', "%s", out);
	free(out);
	free(line);
}
END_TEST

/* A value that is not UTF-8 once unescaped is given as the log holds it. */
START_TEST(non_utf8_kept_escaped)
{
	size_t len = 0;
	char *line = record("bad \xff byte", &len), *out;
	json_object *o, *v;

	out = export(line, len, PR_EXPORT_JSON);
	ck_assert_ptr_nonnull(o = json_tokener_parse(out));
	ck_assert(json_object_object_get_ex(o, "detail", &v));
	ck_assert_str_eq(json_object_get_string(v), "bad%20%FF%20byte");
	json_object_put(o);
	free(out);
	out = export(line, len, PR_EXPORT_RFC5424);
	ck_assert_ptr_nonnull(strstr(out, " detail=\"bad%20%FF%20byte\""));
	free(out);
	free(line);
}
END_TEST

/* RFC 5424 stays one line: a value with a control character as the log holds it. */
START_TEST(rfc5424_control_kept_escaped)
{
	size_t len = 0;
	char *line = record("two\nlines", &len), *out;

	out = export(line, len, PR_EXPORT_RFC5424);
	ck_assert_msg(strstr(out, " detail=\"two%0Alines\"") != NULL, "%s", out);
	free(out);
	free(line);
}
END_TEST

/* merged= (a count of records not written) is a number too. */
START_TEST(merged_is_a_number)
{
	static const char zero[] = "0000000000000000000000000000000000000000000000000000000000000000";
	char *line = NULL, *out;
	json_object *o, *v;
	size_t len = 0;

	ck_assert_int_eq(pr_audit_chain(1, zero, "time=2026-11-24T03:49:30Z host=h event=auth "
	    "result=failure user=bob merged=41", &line, &len, NULL), PR_OK);
	line[--len] = '\0';
	out = export(line, len, PR_EXPORT_JSON);
	ck_assert_ptr_nonnull(o = json_tokener_parse(out));
	ck_assert(json_object_object_get_ex(o, "merged", &v) && json_object_is_type(v, json_type_int));
	ck_assert_int_eq(json_object_get_int64(v), 41);
	json_object_put(o);
	free(out);
	free(line);
}
END_TEST

START_TEST(not_a_record_refused)
{
	static const char *bad[] = {
		"", "seq=1 time=x", "hello world",
		"seq=1 time=2026-11-24T03:49:30Z host=h event=e result=maybe prev=0 hash=0",
	};
	struct pr_errbuf eb;
	char *out = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&eb, 0, sizeof(eb));
		ck_assert_int_eq(pr_export_line(bad[i], strlen(bad[i]), PR_EXPORT_JSON, &out, &eb),
		    PR_ERR_CORRUPT);
		ck_assert_ptr_null(out);
		ck_assert_msg(eb.msg[0] != '\0', "no reason for \"%s\"", bad[i]);
	}
}
END_TEST

static const struct since_row {
	const char *text;
	const char *want;       /* NULL: refused */
} since_rows[] = {
	{ "2026-11-24", "2026-11-24T00:00:00Z" },
	{ "2026-11-24T03:49:30Z", "2026-11-24T03:49:30Z" },
	{ "2026-11-24T03:49:30", NULL }, { "yesterday", NULL }, { "", NULL },
	{ "2026-1-24", NULL }, { "2026-11-24 03:49:30Z", NULL },
};

START_TEST(since_words)
{
	const struct since_row *row = &since_rows[_i];
	char out[21] = "";
	int r = pr_export_since_parse(row->text, out);

	if (row->want == NULL) {
		ck_assert_int_eq(r, PR_ERR_INVALID_ARG);
	} else {
		ck_assert_int_eq(r, PR_OK);
		ck_assert_str_eq(out, row->want);
	}
}
END_TEST

START_TEST(format_words)
{
	enum pr_export_format f;

	ck_assert(pr_export_format_parse("json", &f) == PR_OK && f == PR_EXPORT_JSON);
	ck_assert(pr_export_format_parse("rfc5424", &f) == PR_OK && f == PR_EXPORT_RFC5424);
	ck_assert_int_eq(pr_export_format_parse("csv", &f), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_export_format_parse(NULL, &f), PR_ERR_INVALID_ARG);
}
END_TEST

static Suite *export_suite(void)
{
	Suite *s = suite_create("audit_export");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, json_has_every_field);
	tcase_add_test(tc, rfc5424_has_every_field_escaped);
	tcase_add_test(tc, non_utf8_kept_escaped);
	tcase_add_test(tc, rfc5424_control_kept_escaped);
	tcase_add_test(tc, merged_is_a_number);
	tcase_add_test(tc, not_a_record_refused);
	tcase_add_loop_test(tc, since_words, 0, NROWS(since_rows));
	tcase_add_test(tc, format_words);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_tap(export_suite());
}
