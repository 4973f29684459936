/* Shared by the Check unit tests: TAP runner and temporary-tree cleanup. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "secure_file.h"
#include "testlib.h"

int test_run_tap(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

void test_rm_dir_contents(int fd)
{
	/* A fresh open: a dup'ed fd would share (and exhaust) the offset. */
	DIR *d = fdopendir(openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			test_rm_tree(fd, e->d_name);
	closedir(d);
}

void test_rm_tree(int parent, const char *name)
{
	struct stat st;
	int fd;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlinkat(parent, name, 0);
		return;
	}
	fchmodat(parent, name, 0700, 0);
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		test_rm_dir_contents(fd);
		close(fd);
	}
	unlinkat(parent, name, AT_REMOVEDIR);
}

bool test_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

char *test_slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0;

	ck_assert_int_eq(pr_secure_read(AT_FDCWD, path, 0, 65536, &buf, &len), PR_FILE_OK);
	return buf;
}

void test_write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pr_write_all(fd, data, len), PR_OK);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}
