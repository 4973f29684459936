/* Shared by the Check unit tests: TAP runner, temporary trees, small helpers. */
#ifndef PR_TESTLIB_H
#define PR_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <check.h>

/* Rows of a test table, for tcase_add_loop_test. */
#define NROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* The overflow account (nobody/nogroup): an owner that is neither root nor the tester. */
#define NOBODY_UID 65534
#define NOBODY_GID 65534

struct pr_config;
struct pr_errbuf;
/*
 * Parse a policy given as text (named t.conf in messages); asserts that a
 * policy comes back exactly when the parse says PR_OK. NULL on refusal.
 */
struct pr_config *test_config_parse(const char *text, struct pr_errbuf *eb);

/* Run every test of s, TAP on stdout; the process exit status. */
int test_run_tap(Suite *s);

/*
 * Remove parent/name recursively without following links (dirs made
 * writable first); whether it is gone. A tree left in /tmp is a defect of
 * the test, so callers assert the result (teardowns are checked fixtures).
 */
__attribute__((warn_unused_result)) bool test_rm_tree(int parent, const char *name);
/* Remove everything inside the open directory fd; whether all of it went. */
__attribute__((warn_unused_result)) bool test_rm_dir_contents(int fd);

/* Whether path exists (a link counts, it is not followed). */
bool test_exists(const char *path);
/* The intents (changes begun, not yet recorded) in a pending directory; 0 when it is missing. */
int test_count_intents(const char *pending_dir);
/* The whole file, read through pr_secure_read (so it must be a safe file); free() it. */
char *test_slurp(const char *path);
/* The same with its length (binary files); *len excludes the NUL added after it. */
char *test_slurp_len(const char *path, size_t *len);
/* Write data to path (no links followed) and give it mode. */
void test_write_file(const char *path, const char *data, size_t len, mode_t mode);

/*
 * The last record of the audit log at path (without its newline), read as
 * test_slurp reads; free() it. Fails the test when the log is empty.
 */
char *test_audit_last(const char *path);
/*
 * The value of key in one audit record, %XX escapes decoded, in a static
 * buffer (valid until the next call); NULL when the record has no such field.
 */
const char *test_audit_field(const char *record, const char *key);

#endif
