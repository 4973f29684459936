/* The scratch directory of fuzz.h: one per process, emptied at exit. */
#include "config.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "secure_file.h"

static char dir[PATH_MAX];

static void path_of(const char *rel, char out[PATH_MAX])
{
	if (snprintf(out, PATH_MAX, "%s/%s", fuzz_dir(), rel) >= PATH_MAX)
		abort();
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((type == FTW_DP ? rmdir(path) : unlink(path)) != 0)
		fprintf(stderr, "fuzz: could not remove %s\n", path);
	return 0;
}

static void cleanup(void)
{
	if (dir[0] != '\0')
		nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	if (dir[0] != '\0')
		return dir;
	if (tmp == NULL || tmp[0] != '/')
		tmp = "/tmp";
	if (snprintf(dir, sizeof(dir), "%s/prfuzz.XXXXXX", tmp) >= (int)sizeof(dir) ||
	    mkdtemp(dir) == NULL) {
		perror("fuzz: mkdtemp");
		abort();
	}
	atexit(cleanup);
	return dir;
}

void fuzz_write(const char *rel, const uint8_t *data, size_t size, unsigned mode)
{
	char path[PATH_MAX];
	int fd;

	path_of(rel, path);
	unlink(path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    (mode_t)mode)) < 0 || pr_write_all(fd, data, size) != 0 ||
	    fchmod(fd, (mode_t)mode) != 0 || close(fd) != 0) {
		perror(path);
		abort();
	}
}

void fuzz_remove(const char *rel)
{
	char path[PATH_MAX];

	path_of(rel, path);
	if (unlink(path) != 0)
		rmdir(path);
}

const char *fuzz_srcdir(void)
{
	const char *s = getenv("top_srcdir");

	return s != NULL && s[0] != '\0' ? s : TOP_SRCDIR;
}
