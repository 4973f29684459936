/*
 * Safe file primitives: open without following links and check what we
 * opened (not what a name pointed to a moment ago), read with a size cap,
 * replace atomically, lock with flock. Callers word the messages.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "secure_file.h"
#include "util.h"

#define OPEN_BASE_FLAGS (O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
#define TEMP_TRIES 16

const char *pr_file_status_text(enum pr_file_status st)
{
	switch (st) {
	case PR_FILE_OK: return "is fine";
	case PR_FILE_MISSING: return "does not exist";
	case PR_FILE_SYMLINK: return "is a symbolic link";
	case PR_FILE_WRONG_TYPE: return "is not of the expected type";
	case PR_FILE_BAD_OWNER: return "is not owned by root";
	case PR_FILE_BAD_MODE: return "has unsafe permissions (writable by group or others)";
	case PR_FILE_TOO_BIG: return "is too large";
	case PR_FILE_IO: return "could not be read";
	}
	return "has an unknown problem";
}

int pr_file_status_err(enum pr_file_status st)
{
	switch (st) {
	case PR_FILE_OK: return PR_OK;
	case PR_FILE_MISSING: return PR_ERR_NOT_FOUND;
	case PR_FILE_SYMLINK:
	case PR_FILE_WRONG_TYPE:
	case PR_FILE_BAD_OWNER:
	case PR_FILE_BAD_MODE: return PR_ERR_UNSAFE_FILE;
	case PR_FILE_TOO_BIG: return PR_ERR_CORRUPT;
	case PR_FILE_IO: return PR_ERR_IO;
	}
	return PR_ERR_IO;
}

int pr_trusted_owner(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* Why an open failed: look at the name itself (without following it). */
static enum pr_file_status classify_open_error(int dirfd, const char *name,
    int err, bool want_dir)
{
	struct stat st;

	if (err == ENOENT)
		return PR_FILE_MISSING;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode))
			return PR_FILE_SYMLINK;
		if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
			return PR_FILE_WRONG_TYPE;
	}
	errno = err;
	return PR_FILE_IO;
}

/* Type, owner and mode of what is actually open. */
static enum pr_file_status check_fd(int fd, bool want_dir, mode_t forbidden_mode)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return PR_FILE_IO;
	if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return PR_FILE_WRONG_TYPE;
	if (!pr_trusted_owner(st.st_uid))
		return PR_FILE_BAD_OWNER;
	if ((st.st_mode & forbidden_mode) != 0)
		return PR_FILE_BAD_MODE;
	return PR_FILE_OK;
}

/*
 * What we create is root's, group included: a setuid helper, or su run by
 * a user, keeps the caller's gid as its effective gid, which a new file
 * would take. Set on the descriptor before the file has its final name.
 * Unprivileged runs (tests) keep their own ids.
 */
static int own_new(int fd)
{
	if (geteuid() != 0)
		return 0;
	return fchown(fd, 0, 0);
}

static int open_parent(int dirfd, const char *name, int *pfd, const char **base);

/* Give the anonymous file fd the name base in pfd (AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH). */
static int link_anonymous(int fd, int pfd, const char *base)
{
	char proc[32];

	if (linkat(fd, "", pfd, base, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != EPERM && errno != ENOENT && errno != EINVAL)
		return -1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, proc, pfd, base, AT_SYMLINK_FOLLOW);
}

/*
 * Create dirfd/name, already ours: an anonymous file (O_TMPFILE) owned and
 * then linked in, so no one sees it with the caller's group; where the file
 * system has no O_TMPFILE, O_EXCL with mode 0600 (nothing for the group)
 * and the owner set at once. -1 with errno (EEXIST: someone was first).
 */
static int create_owned(int dirfd, const char *name, int flags)
{
	const char *base;
	int pfd = -1, fd = -1, err;

	if (open_parent(dirfd, name, &pfd, &base) != PR_OK)
		return -1;
	fd = openat(pfd, ".", O_TMPFILE | (flags & (O_ACCMODE | O_APPEND)) | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (own_new(fd) != 0 || link_anonymous(fd, pfd, base) != 0)
			goto fail;
	} else if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL) {
		if ((fd = openat(pfd, base, (flags & ~O_TRUNC) | O_CREAT | O_EXCL, 0600)) < 0 ||
		    own_new(fd) != 0)
			goto fail;
	} else {
		goto fail;
	}
	close(pfd);
	return fd;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	close(pfd);
	errno = err;
	return -1;
}

/* openat, creating name (create_owned) when O_CREAT is asked for and it is missing. */
static int open_or_create(int dirfd, const char *name, int flags)
{
	int fd;

	for (int i = 0; i < TEMP_TRIES; i++) {
		do {
			fd = openat(dirfd, name, flags & ~O_CREAT, 0600);
		} while (fd < 0 && errno == EINTR);
		if (fd >= 0 || errno != ENOENT || (flags & O_CREAT) == 0)
			return fd;
		if ((fd = create_owned(dirfd, name, flags)) >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;      /* created and removed under us, again and again */
}

static enum pr_file_status open_checked(int dirfd, const char *name, int flags,
    mode_t forbidden_mode, bool want_dir, int *fd_out)
{
	enum pr_file_status st;
	int fd;

	*fd_out = -1;
	if (name == NULL || name[0] == '\0') {
		errno = EINVAL;
		return PR_FILE_IO;
	}
	fd = open_or_create(dirfd, name, flags);
	if (fd < 0)
		return classify_open_error(dirfd, name, errno, want_dir);
	if ((st = check_fd(fd, want_dir, forbidden_mode)) != PR_FILE_OK) {
		int saved = errno;
		close(fd);
		errno = saved;
		return st;
	}
	*fd_out = fd;
	return PR_FILE_OK;
}

/*
 * O_NONBLOCK keeps a FIFO planted in place of the file from blocking the
 * open; the fstat afterwards then refuses it. Callers passing O_TRUNC get
 * it applied before the checks, so they should not.
 */
enum pr_file_status pr_secure_open(int dirfd, const char *name, int flags,
    mode_t forbidden_mode, int *fd_out)
{
	return open_checked(dirfd, name, flags | OPEN_BASE_FLAGS, forbidden_mode,
	    false, fd_out);
}

enum pr_file_status pr_secure_opendir(int dirfd, const char *name,
    mode_t forbidden_mode, int *fd_out)
{
	return open_checked(dirfd, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, forbidden_mode, true,
	    fd_out);
}

/* read() that retries on EINTR and treats EAGAIN (non-blocking) as an error. */
static ssize_t read_retry(int fd, void *buf, size_t len)
{
	ssize_t n;

	do {
		n = read(fd, buf, len);
	} while (n < 0 && errno == EINTR);
	return n;
}

/* Grow *data so at least one byte plus the NUL fit, never past max_size + 2. */
static bool grow_buffer(char **data, size_t *cap, size_t max_size)
{
	size_t want = *data == NULL ? 4096 : *cap * 2;
	char *tmp;

	/* One byte beyond max_size tells "too big" from "exactly full". */
	if (want > max_size + 2)
		want = max_size + 2;
	if ((tmp = realloc(*data, want)) == NULL)
		return false;
	*data = tmp;
	*cap = want;
	return true;
}

enum pr_file_status pr_read_all(int fd, size_t max_size, char **buf, size_t *len)
{
	enum pr_file_status st;
	char *data = NULL;
	size_t have = 0, cap = 0;
	ssize_t n;

	*buf = NULL;
	*len = 0;
	if (max_size >= SIZE_MAX - 2) {
		errno = EINVAL;
		return PR_FILE_IO;
	}
	for (;;) {
		if ((data == NULL || have + 1 == cap) &&
		    !grow_buffer(&data, &cap, max_size)) {
			st = PR_FILE_IO;
			goto fail;
		}
		if ((n = read_retry(fd, data + have, cap - have - 1)) < 0) {
			st = PR_FILE_IO;
			goto fail;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		if (have > max_size) {
			st = PR_FILE_TOO_BIG;
			goto fail;
		}
	}
	data[have] = '\0';
	*buf = data;
	*len = have;
	return PR_FILE_OK;
fail:
	free(data);
	return st;
}

enum pr_file_status pr_secure_read(int dirfd, const char *name,
    mode_t forbidden_mode, size_t max_size, char **buf, size_t *len)
{
	enum pr_file_status st;
	int fd = -1;

	*buf = NULL;
	*len = 0;
	if ((st = pr_secure_open(dirfd, name, O_RDONLY, forbidden_mode, &fd)) != PR_FILE_OK)
		return st;
	st = pr_read_all(fd, max_size, buf, len);
	close(fd);
	return st;
}

enum pr_file_status pr_read_named(const char *path, size_t max_size, char **buf,
    size_t *len)
{
	enum pr_file_status st;
	struct stat sb;
	int fd;

	*buf = NULL;
	*len = 0;
	if (path == NULL || path[0] == '\0') {
		errno = EINVAL;
		return PR_FILE_IO;
	}
	do {
		fd = open(path, O_RDONLY | OPEN_BASE_FLAGS);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return classify_open_error(AT_FDCWD, path, errno, false);
	/* What is open, not what the name is now: a FIFO or device stops here. */
	if (fstat(fd, &sb) != 0)
		st = PR_FILE_IO;
	else if (!S_ISREG(sb.st_mode))
		st = PR_FILE_WRONG_TYPE;
	else if ((uintmax_t)sb.st_size > (uintmax_t)max_size)
		st = PR_FILE_TOO_BIG;
	else
		st = pr_read_all(fd, max_size, buf, len);
	close(fd);
	return st;
}

int pr_write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return PR_ERR_IO;
		p += n;
		len -= (size_t)n;
	}
	return PR_OK;
}

/*
 * Split name into its directory (opened, so every later step works on the
 * same directory even if a path component is swapped) and its last component.
 */
static int open_parent(int dirfd, const char *name, int *pfd, const char **base)
{
	const char *slash = strrchr(name, '/');
	char *dir = NULL;
	int r;

	*pfd = -1;
	*base = slash != NULL ? slash + 1 : name;
	if (**base == '\0' || strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0)
		return PR_ERR_INVALID_ARG;
	if (slash == NULL)
		dir = strdup(".");
	else if (slash == name)
		dir = strdup("/");
	else
		dir = strndup(name, (size_t)(slash - name));
	if (dir == NULL)
		return PR_ERR_NOMEM;
	*pfd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = *pfd < 0 ? PR_ERR_IO : PR_OK;
	free(dir);
	return r;
}

/* Create a fresh temp file beside base; "." + name keeps it out of user names. */
static int create_temp(int pfd, const char *base, char tmp[NAME_MAX + 1], int *fd)
{
	unsigned char rnd[6];
	char hex[sizeof(rnd) * 2 + 1];
	int n;

	for (int i = 0; i < TEMP_TRIES; i++) {
		if (pr_random(rnd, sizeof(rnd)) != PR_OK)
			return PR_ERR_IO;
		pr_hex_encode(rnd, sizeof(rnd), hex);
		n = snprintf(tmp, NAME_MAX + 1, ".%s.%s.tmp", base, hex);
		if (n < 0 || n > NAME_MAX)
			return PR_ERR_INVALID_ARG;
		*fd = openat(pfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC | O_NOCTTY, 0600);
		if (*fd >= 0)
			return PR_OK;
		if (errno != EEXIST && errno != EINTR)
			return PR_ERR_IO;
	}
	return PR_ERR_IO;
}

/*
 * Under the target's lock only one writer runs, so its temp file can have a
 * fixed name: one that a killed writer left behind is removed and the name
 * reused, instead of piling up (no directory scan on the sign-in path).
 */
static int create_fixed_temp(int pfd, const char *base, char tmp[NAME_MAX + 1], int *fd)
{
	int n = snprintf(tmp, NAME_MAX + 1, ".%s.tmp", base);

	if (n < 0 || n > NAME_MAX)
		return PR_ERR_INVALID_ARG;
	if (unlinkat(pfd, tmp, 0) != 0 && errno != ENOENT)
		return PR_ERR_IO;
	*fd = openat(pfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY, 0600);
	return *fd >= 0 ? PR_OK : PR_ERR_IO;
}

/*
 * The temp file is created 0600 and then fchmod'ed to mode, so the process
 * umask (which a PAM module must not change under its host) plays no part.
 */
static int atomic_replace(int dirfd, const char *name, const void *data, size_t len,
    mode_t mode, bool locked, bool durable)
{
	char tmp[NAME_MAX + 1] = "";
	const char *base = NULL;
	int pfd = -1, fd = -1, r;

	if (name == NULL || (data == NULL && len > 0))
		return PR_ERR_INVALID_ARG;
	if ((r = open_parent(dirfd, name, &pfd, &base)) != PR_OK)
		goto out;
	r = locked ? create_fixed_temp(pfd, base, tmp, &fd) : create_temp(pfd, base, tmp, &fd);
	if (r != PR_OK) {
		tmp[0] = '\0';  /* nothing of ours to unlink */
		goto out;
	}
	if ((r = pr_write_all(fd, data, len)) != PR_OK)
		goto out;
	r = PR_ERR_IO;
	if (own_new(fd) != 0 || fchmod(fd, mode) != 0 || (durable && fsync(fd) != 0))
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (renameat(pfd, tmp, pfd, base) != 0)
		goto out;
	tmp[0] = '\0';  /* renamed: it is the target now */
	/* Make the rename itself durable. */
	if (durable && fsync(pfd) != 0)
		goto out;
	r = PR_OK;
out:
	if (fd >= 0)
		close(fd);
	if (tmp[0] != '\0')
		unlinkat(pfd, tmp, 0);
	if (pfd >= 0)
		close(pfd);
	return r;
}

int pr_atomic_replace(int dirfd, const char *name, const void *data, size_t len,
    mode_t mode)
{
	return atomic_replace(dirfd, name, data, len, mode, false, true);
}

int pr_atomic_replace_locked(int dirfd, const char *name, const void *data, size_t len,
    mode_t mode)
{
	return atomic_replace(dirfd, name, data, len, mode, true, true);
}

int pr_atomic_replace_volatile(int dirfd, const char *name, const void *data, size_t len,
    mode_t mode)
{
	return atomic_replace(dirfd, name, data, len, mode, true, false);
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Poll with LOCK_NB against a monotonic deadline (sleeps may overshoot on
 * a loaded machine; counting tries would stretch the bound). The pause
 * grows from 1 ms to 50 ms: short waits stay short, long ones cost little.
 */
static int flock_until(int fd, int wait_ms)
{
	int64_t deadline = monotonic_ms() + (wait_ms > 0 ? wait_ms : 0);
	long pause_ms = 1;

	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return PR_OK;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return PR_ERR_LOCK;
		if (monotonic_ms() >= deadline)
			return PR_ERR_BUSY;
		nanosleep(&(struct timespec){ 0, pause_ms * 1000000L }, NULL);
		if (pause_ms < 50)
			pause_ms *= 2;
	}
}

int pr_lock_wait(int dirfd, const char *name, int wait_ms, int *lock_fd)
{
	enum pr_file_status st;
	int fd = -1, r;

	*lock_fd = -1;
	st = pr_secure_open(dirfd, name, O_RDWR | O_CREAT, 022, &fd);
	if (st != PR_FILE_OK)
		return st == PR_FILE_IO ? PR_ERR_LOCK : pr_file_status_err(st);
	if ((r = flock_until(fd, wait_ms)) != PR_OK) {
		close(fd);
		return r;
	}
	*lock_fd = fd;
	return PR_OK;
}

static int lock_wait = PR_LOCK_WAIT_MS;

int pr_lock_wait_ms(void)
{
	return lock_wait;
}

void pr_lock_set_wait(int wait_ms)
{
	lock_wait = wait_ms >= 0 && wait_ms <= PR_LOCK_WAIT_MS ? wait_ms : PR_LOCK_WAIT_MS;
}

int pr_lock(int dirfd, const char *name, int *lock_fd)
{
	return pr_lock_wait(dirfd, name, lock_wait, lock_fd);
}

/* Closing the descriptor drops the flock. */
void pr_unlock(int *lock_fd)
{
	if (lock_fd == NULL || *lock_fd < 0)
		return;
	close(*lock_fd);
	*lock_fd = -1;
}

/*
 * Group/other bits that mode does not grant are forbidden, and group/other
 * write always is: an existing directory looser than asked is refused,
 * never silently tightened.
 */
int pr_ensure_dir(int dirfd, const char *name, mode_t mode)
{
	mode_t forbidden = (~mode & 077) | 022;
	enum pr_file_status st;
	bool created = false;
	int fd = -1, r;

	if (name == NULL || name[0] == '\0')
		return PR_ERR_INVALID_ARG;
	if (mkdirat(dirfd, name, mode & 0700) == 0)
		created = true;  /* owner bits only until the final chmod */
	else if (errno != EEXIST)
		return PR_ERR_IO;
	if ((st = pr_secure_opendir(dirfd, name, forbidden, &fd)) != PR_FILE_OK)
		return pr_file_status_err(st);
	r = PR_OK;
	/* Only owner bits until now: the caller's group could not use it meanwhile. */
	if (created && (own_new(fd) != 0 || fchmod(fd, mode) != 0))
		r = PR_ERR_IO;
	close(fd);
	return r;
}
