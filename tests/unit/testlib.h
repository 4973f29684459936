/* Shared by the Check unit tests: TAP runner and temporary-tree cleanup. */
#ifndef PR_TESTLIB_H
#define PR_TESTLIB_H

#include <check.h>

/* Run every test of s, TAP on stdout; the process exit status. */
int test_run_tap(Suite *s);

/* Remove parent/name recursively without following links (dirs made writable first). */
void test_rm_tree(int parent, const char *name);
/* Remove everything inside the open directory fd. */
void test_rm_dir_contents(int fd);

#endif
