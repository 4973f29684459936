/* Shared by the Check unit tests: TAP runner and temporary-tree cleanup. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
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

bool test_rm_dir_contents(int fd)
{
	/* A fresh open: a dup'ed fd would share (and exhaust) the offset. */
	DIR *d = fdopendir(openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	struct dirent *e;
	bool all = true;

	if (d == NULL)
		return false;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			all = test_rm_tree(fd, e->d_name) && all;
	closedir(d);
	return all;
}

bool test_rm_tree(int parent, const char *name)
{
	struct stat st;
	int fd;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(parent, name, 0) == 0;
	/* Tests make directories unreadable on purpose: open them up first. */
	if (fchmodat(parent, name, 0700, 0) != 0)
		return false;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (!test_rm_dir_contents(fd)) {
		close(fd);
		return false;
	}
	close(fd);
	return unlinkat(parent, name, AT_REMOVEDIR) == 0;
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
