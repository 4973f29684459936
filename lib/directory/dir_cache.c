/* The offline cache's directory at a glance (dir_cache.h). */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dir_cache.h"
#include "secure_file.h"
#include "util.h"

/* One file: counted when it is a regular file named for a user, not a link. */
static void tally(int dirfd, const char *name, int64_t max_age, int64_t now,
    struct pr_dir_cache_ages *a)
{
	struct stat sb;
	int64_t t;

	if (!pr_username_valid(name) || fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(sb.st_mode))
		return;
	t = (int64_t)sb.st_mtime;
	if (a->n == 0 || t < a->oldest)
		a->oldest = t;
	if (a->n == 0 || t > a->newest)
		a->newest = t;
	a->n++;
	a->stale += now - t > max_age;
}

static int open_cache(const char *state_dir, int *fd, struct pr_errbuf *eb)
{
	enum pr_file_status st;
	int state_fd = -1;

	*fd = -1;
	if ((st = pr_secure_opendir(AT_FDCWD, state_dir, 022, &state_fd)) != PR_FILE_OK)
		return pr_fail(eb, pr_file_status_err(st), "%s: %s", state_dir,
		    pr_file_status_text(st));
	st = pr_secure_opendir(state_fd, PR_DIR_CACHE_SUBDIR, 077, fd);
	close(state_fd);
	if (st == PR_FILE_MISSING)
		return PR_OK;   /* not made yet: nothing cached */
	if (st != PR_FILE_OK)
		return pr_fail(eb, pr_file_status_err(st), "%s/%s: %s", state_dir,
		    PR_DIR_CACHE_SUBDIR, pr_file_status_text(st));
	return PR_OK;
}

int pr_dir_cache_ages(const char *state_dir, int64_t max_age, int64_t now,
    struct pr_dir_cache_ages *out, struct pr_errbuf *eb)
{
	struct dirent *de;
	DIR *d = NULL;
	int fd, r;

	memset(out, 0, sizeof(*out));
	if ((r = open_cache(state_dir, &fd, eb)) != PR_OK || fd < 0)
		return r;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return pr_fail(eb, PR_ERR_IO, "%s/%s: cannot list", state_dir, PR_DIR_CACHE_SUBDIR);
	}
	while ((de = readdir(d)) != NULL)
		tally(dirfd(d), de->d_name, max_age, now, out);
	closedir(d);
	return PR_OK;
}
