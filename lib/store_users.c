/* Listing the users that have a file in a state subdirectory (credentials, invitations). */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "directory/dir_slot.h"
#include "secure_file.h"
#include "store.h"
#include "util.h"

int pr_store_users(struct pr_state *state, struct pr_strlist *out, struct pr_errbuf *eb)
{
	return pr_state_users(state, "users", out, eb);
}

int pr_state_users(struct pr_state *state, const char *subdir, struct pr_strlist *out,
    struct pr_errbuf *eb)
{
	const char *state_dir = state->dir, *attr = pr_dir_slot_attr(subdir);
	struct pr_dir *conn = NULL;
	enum pr_file_status st;
	struct dirent *de;
	DIR *d = NULL;
	int state_fd = -1, users_fd = -1;
	int r;

	memset(out, 0, sizeof(*out));
	/* A shared slot: the users whose directory entry holds it. */
	if (pr_state_directory(state) && attr != NULL) {
		if ((r = pr_state_conn(state, &conn, eb)) == PR_OK)
			r = pr_dir_slot_users(conn, attr, out, eb);
		return r;
	}
	if ((st = pr_secure_opendir(AT_FDCWD, state_dir, 022, &state_fd)) != PR_FILE_OK) {
		r = pr_fail(eb, pr_file_status_err(st), "%s: %s", state_dir, pr_file_status_text(st));
		goto out;
	}
	st = pr_secure_opendir(state_fd, subdir, 077, &users_fd);
	if (st == PR_FILE_MISSING) {
		r = PR_OK;     /* nothing there yet */
		goto out;
	}
	if (st != PR_FILE_OK) {
		r = pr_fail(eb, pr_file_status_err(st), "%s/%s: %s", state_dir, subdir,
		    pr_file_status_text(st));
		goto out;
	}
	if ((d = fdopendir(users_fd)) == NULL) {
		r = pr_fail(eb, PR_ERR_IO, "%s/%s: cannot list", state_dir, subdir);
		goto out;
	}
	users_fd = -1;    /* owned by d now */
	r = PR_OK;
	/* Temp files (".x.tmp") and anything else that is not a user name are skipped. */
	while (r == PR_OK && (de = readdir(d)) != NULL)
		if (pr_username_valid(de->d_name))
			r = pr_strlist_push(out, de->d_name);
	if (r == PR_OK)
		pr_strlist_sort_unique(out);
out:
	if (d != NULL)
		closedir(d);
	if (users_fd >= 0)
		close(users_fd);
	if (state_fd >= 0)
		close(state_fd);
	if (r != PR_OK)
		pr_strlist_clear(out);
	return r;
}
