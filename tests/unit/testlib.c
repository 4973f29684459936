/* Shared by the Check unit tests: TAP runner, temporary trees, small helpers. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
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

int test_count_intents(const char *pending_dir)
{
	DIR *d = opendir(pending_dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n += strstr(e->d_name, ".intent") != NULL;
	closedir(d);
	return n;
}

char *test_slurp(const char *path)
{
	size_t len;

	return test_slurp_len(path, &len);
}

char *test_slurp_len(const char *path, size_t *len)
{
	char *buf = NULL;

	*len = 0;
	ck_assert_msg(pr_secure_read(AT_FDCWD, path, 0, 65536, &buf, len) == PR_FILE_OK,
	    "cannot read %s", path);
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

char *test_audit_last(const char *path)
{
	char *log = test_slurp(path), *line;
	size_t n = strlen(log);

	ck_assert_msg(n > 0 && log[n - 1] == '\n', "%s: no whole record", path);
	log[n - 1] = '\0';
	line = strrchr(log, '\n');
	line = strdup(line != NULL ? line + 1 : log);
	ck_assert_ptr_nonnull(line);
	free(log);
	return line;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

const char *test_audit_field(const char *record, const char *key)
{
	static char value[1024];
	size_t klen = strlen(key), o = 0;
	const char *p;

	/* Fields are " key=value"; the first one (seq) is not looked up here. */
	for (p = record; (p = strchr(p, ' ')) != NULL; p++)
		if (strncmp(p + 1, key, klen) == 0 && p[1 + klen] == '=')
			break;
	if (p == NULL)
		return NULL;
	for (p += klen + 2; *p != '\0' && *p != ' ' && o < sizeof(value) - 1; p++) {
		if (*p == '%' && hex_digit(p[1]) >= 0 && hex_digit(p[2]) >= 0) {
			value[o++] = (char)(hex_digit(p[1]) * 16 + hex_digit(p[2]));
			p += 2;
		} else {
			value[o++] = *p;
		}
	}
	value[o] = '\0';
	return value;
}

struct pr_config *test_config_parse(const char *text, struct pr_errbuf *eb)
{
	struct pr_config *cfg = NULL;
	int r = pr_config_parse("t.conf", text, strlen(text), &cfg, eb);

	ck_assert_int_eq(r == PR_OK, cfg != NULL);
	return cfg;
}
