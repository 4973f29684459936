/*
 * One user's state file under <state_dir>/<subdir>/, changed under a
 * per-user flock in <state_dir>/locks/ (see user_file.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "directory/dir_slot.h"
#include "err.h"
#include "secure_file.h"
#include "user_file.h"
#include "util.h"

#define LOCK_NAME_MAX 128   /* user names are at most 64 bytes */

void pr_user_file_init(struct pr_user_file *f)
{
	f->path[0] = '\0';
	f->state_dir = NULL;
	f->state = NULL;
	f->subdir = NULL;
	f->user = NULL;
	f->state_fd = f->dir_fd = f->locks_fd = f->lock_fd = -1;
	f->attr = NULL;
	memset(&f->entry, 0, sizeof(f->entry));
	f->entry_read = false;
}

void pr_user_file_close(struct pr_user_file *f)
{
	pr_unlock(&f->lock_fd);
	if (f->locks_fd >= 0)
		close(f->locks_fd);
	if (f->dir_fd >= 0)
		close(f->dir_fd);
	if (f->state_fd >= 0)
		close(f->state_fd);
	pr_dir_entry_clear(&f->entry);
	pr_user_file_init(f);
}

static int status_fail(struct pr_errbuf *eb, const char *dir, const char *name,
    enum pr_file_status st)
{
	return pr_fail(eb, pr_file_status_err(st), "%s/%s: %s", dir, name,
	    pr_file_status_text(st));
}

/* mkdir name in state_dir if missing (0700), then open it. */
static int ensure_and_open(struct pr_user_file *f, const char *name, int *fd,
    struct pr_errbuf *eb)
{
	enum pr_file_status st;
	int r;

	if ((r = pr_ensure_dir(f->state_fd, name, 0700)) != PR_OK)
		return pr_fail(eb, r, "%s/%s: cannot create or use: %s", f->state_dir,
		    name, pr_strerror(r));
	if ((st = pr_secure_opendir(f->state_fd, name, 077, fd)) != PR_FILE_OK)
		return status_fail(eb, f->state_dir, name, st);
	return PR_OK;
}

static int take_lock(struct pr_user_file *f, const char *suffix, struct pr_errbuf *eb)
{
	char lockname[LOCK_NAME_MAX];
	int n, r;

	n = snprintf(lockname, sizeof(lockname), "%s%s", f->user, suffix);
	if (n < 0 || (size_t)n >= sizeof(lockname) || strchr(suffix, '/') != NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "invalid lock name");
	if ((r = ensure_and_open(f, "locks", &f->locks_fd, eb)) != PR_OK)
		return r;
	r = pr_lock(f->locks_fd, lockname, &f->lock_fd);
	if (r == PR_ERR_BUSY) {
		/* In seconds as people read them; the web gate's short bound in ms. */
		int ms = pr_lock_wait_ms();
		bool whole = ms % 1000 == 0;

		return pr_fail(eb, r, "%s/locks/%s: still held by another process after %d %s "
		    "(another sign-in, enrollment or recovery for %s that has not finished, "
		    "perhaps stopped or frozen)",
		    f->state_dir, lockname, whole ? ms / 1000 : ms, whole ? "s" : "ms", f->user);
	}
	if (r != PR_OK)
		return pr_fail(eb, r, "%s/locks/%s: %s", f->state_dir, lockname,
		    pr_strerror(r));
	return PR_OK;
}

/* The user name is checked before anything touches the filesystem with it. */
int pr_user_file_open(struct pr_user_file *f, struct pr_state *state,
    const char *subdir, const char *user, const char *lock_suffix, bool create,
    struct pr_errbuf *eb)
{
	const char *state_dir = state != NULL ? state->dir : NULL;
	enum pr_file_status st;
	int n, r;

	pr_user_file_init(f);
	if (state_dir == NULL || state_dir[0] == '\0')
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no state directory configured");
	if (!pr_username_valid(user))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "invalid user name");
	f->state_dir = state_dir;
	f->state = state;
	f->subdir = subdir;
	f->user = user;
	n = snprintf(f->path, sizeof(f->path), "%s/%s/%s", state_dir, subdir, user);
	if (n < 0 || (size_t)n >= sizeof(f->path))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "%s: path too long", state_dir);
	if ((st = pr_secure_opendir(AT_FDCWD, state_dir, 022, &f->state_fd)) != PR_FILE_OK)
		return pr_fail(eb, pr_file_status_err(st), "%s: %s", state_dir,
		    pr_file_status_text(st));
	/* A shared slot: no <subdir> here; the lock still serialises this host. */
	if (pr_state_directory(state) && (f->attr = pr_dir_slot_attr(subdir)) != NULL) {
		snprintf(f->path, sizeof(f->path), "the directory entry of %s (%s)", user, f->attr);
		return lock_suffix != NULL ? take_lock(f, lock_suffix, eb) : PR_OK;
	}
	if (create) {
		if ((r = ensure_and_open(f, subdir, &f->dir_fd, eb)) != PR_OK)
			return r;
	} else {
		st = pr_secure_opendir(f->state_fd, subdir, 077, &f->dir_fd);
		if (st == PR_FILE_MISSING) {
			f->dir_fd = -1;
			return PR_OK;  /* nothing there: no lock needed */
		}
		if (st != PR_FILE_OK)
			return status_fail(eb, state_dir, subdir, st);
	}
	if (lock_suffix != NULL && (r = take_lock(f, lock_suffix, eb)) != PR_OK)
		return r;
	return PR_OK;
}

bool pr_user_file_present(const struct pr_user_file *f)
{
	return f->attr != NULL || f->dir_fd >= 0;
}

/* The entry as it is now, for a read, or before the first change of this open. */
static int slot_load(struct pr_user_file *f, struct pr_dir **d, bool again,
    struct pr_errbuf *eb)
{
	int r;

	if ((r = pr_state_conn(f->state, d, eb)) != PR_OK || (f->entry_read && !again))
		return r;
	pr_dir_entry_clear(&f->entry);
	f->entry_read = false;
	if ((r = pr_dir_slot_read(*d, f->user, f->attr, &f->entry, eb)) == PR_OK)
		f->entry_read = true;
	return r;
}

static int slot_read(struct pr_user_file *f, size_t max, char **buf, size_t *len,
    struct pr_errbuf *eb)
{
	struct pr_dir *d = NULL;
	int r;

	if ((r = slot_load(f, &d, true, eb)) != PR_OK || f->entry.n == 0)
		return r;
	if (f->entry.v[0].len > max)
		return pr_fail(eb, PR_ERR_CORRUPT, "%s: the %s of %s is larger than %zu bytes",
		    pr_dir_uri(d), f->attr, f->user, max);
	if ((*buf = malloc(f->entry.v[0].len + 1)) == NULL)
		return PR_ERR_NOMEM;
	memcpy(*buf, f->entry.v[0].val, f->entry.v[0].len + 1);
	*len = f->entry.v[0].len;
	return PR_OK;
}

/* data NULL: remove the slot's value. */
static int slot_write(struct pr_user_file *f, const void *data, size_t len,
    struct pr_errbuf *eb)
{
	struct pr_dir *d = NULL;
	int r;

	if ((r = slot_load(f, &d, false, eb)) != PR_OK)
		return r;
	r = pr_dir_slot_write(d, f->user, f->attr, &f->entry, data, len, eb);
	if (r == PR_ERR_NOT_FOUND)
		return pr_fail(eb, r, "%s: does not exist", f->path);
	return r;
}

int pr_user_file_read(struct pr_user_file *f, size_t max, char **buf,
    size_t *len, struct pr_errbuf *eb)
{
	enum pr_file_status st;

	*buf = NULL;
	*len = 0;
	if (f->attr != NULL)
		return slot_read(f, max, buf, len, eb);
	if (f->dir_fd < 0)
		return PR_OK;
	st = pr_secure_read(f->dir_fd, f->user, 077, max, buf, len);
	if (st == PR_FILE_MISSING) {
		*buf = NULL;
		*len = 0;
		return PR_OK;
	}
	if (st == PR_FILE_TOO_BIG)
		return pr_fail(eb, PR_ERR_CORRUPT, "%s: larger than %zu bytes", f->path, max);
	if (st != PR_FILE_OK)
		return pr_fail(eb, pr_file_status_err(st), "%s: %s", f->path,
		    pr_file_status_text(st));
	return PR_OK;
}

int pr_user_file_replace(struct pr_user_file *f, const void *data, size_t len,
    struct pr_errbuf *eb)
{
	int r;

	if (f->attr != NULL)
		return slot_write(f, data, len, eb);
	if (f->dir_fd < 0)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "%s: not opened for writing", f->path);
	/* Writers hold the user's lock (pr_user_file_open with a lock suffix). */
	r = f->lock_fd >= 0 ? pr_atomic_replace_locked(f->dir_fd, f->user, data, len, 0600) :
	    pr_atomic_replace(f->dir_fd, f->user, data, len, 0600);
	if (r != PR_OK)
		return pr_fail(eb, r, "%s: cannot write: %s", f->path, pr_strerror(r));
	return PR_OK;
}

int pr_user_file_unlink(struct pr_user_file *f, struct pr_errbuf *eb)
{
	if (f->attr != NULL)
		return slot_write(f, NULL, 0, eb);
	if (f->dir_fd < 0)
		return pr_fail(eb, PR_ERR_NOT_FOUND, "%s: does not exist", f->path);
	if (unlinkat(f->dir_fd, f->user, 0) != 0) {
		if (errno == ENOENT)
			return pr_fail(eb, PR_ERR_NOT_FOUND, "%s: does not exist", f->path);
		return pr_fail(eb, PR_ERR_IO, "%s: cannot remove: %s", f->path, strerror(errno));
	}
	if (fsync(f->dir_fd) != 0)
		return pr_fail(eb, PR_ERR_IO, "%s/%s: cannot sync: %s", f->state_dir,
		    f->subdir, strerror(errno));
	return PR_OK;
}
