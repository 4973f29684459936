/*
 * The state file on disk. Several processes may drive the same device at
 * once (parallel logins), so every look at or change of the state happens
 * under an exclusive flock on "<state>.lock" (a lock on the state file
 * itself would be lost when the file is replaced). Changes are written to a
 * temp file beside it and renamed over it (fsync'ed, then the directory
 * too): a crash leaves the old or the new state, never a mix. No name is
 * ever followed through a symbolic link.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "softkey.h"

#define OPEN_FLAGS (O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
#define TEMP_TRIES 16

/* Owned by us or by root, a regular file, no access for group or others. */
static int check_fd(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return SK_EIO;
	if (!S_ISREG(st.st_mode) ||
	    (st.st_uid != geteuid() && st.st_uid != 0) ||
	    (st.st_mode & 077) != 0)
		return SK_EUNSAFE;
	return SK_OK;
}

static int open_error(void)
{
	if (errno == ENOENT)
		return SK_ENOENT;
	if (errno == ELOOP || errno == EMLINK)
		return SK_EUNSAFE;  /* O_NOFOLLOW met a symbolic link */
	return SK_EIO;
}

static int lock_path(const char *path, int *fd_out)
{
	char name[PATH_MAX];
	int fd, r;

	*fd_out = -1;
	if ((size_t)snprintf(name, sizeof(name), "%s.lock", path) >= sizeof(name))
		return SK_EINVAL;
	if ((fd = open(name, O_RDWR | O_CREAT | OPEN_FLAGS, 0600)) < 0)
		return open_error() == SK_EUNSAFE ? SK_EUNSAFE : SK_ELOCK;
	if ((r = check_fd(fd)) != SK_OK) {
		close(fd);
		return r;
	}
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			close(fd);
			return SK_ELOCK;
		}
	}
	*fd_out = fd;
	return SK_OK;
}

static int read_fd(int fd, char *buf, size_t cap, size_t *len)
{
	ssize_t n;

	*len = 0;
	for (;;) {
		n = read(fd, buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return SK_EIO;
		if (n == 0)
			return SK_OK;
		*len += (size_t)n;
		if (*len == cap)
			return SK_ECORRUPT;  /* larger than any state we write */
	}
}

static int load(const char *path, struct sk_state *st)
{
	char *buf = NULL;
	size_t len = 0;
	const size_t cap = SK_STATE_MAX_SIZE + 1;
	int fd = -1, r;

	if ((fd = open(path, O_RDONLY | OPEN_FLAGS)) < 0)
		return open_error();
	if ((r = check_fd(fd)) != SK_OK)
		goto fail;
	if ((buf = malloc(cap)) == NULL) {
		r = SK_ENOMEM;
		goto fail;
	}
	if ((r = read_fd(fd, buf, cap, &len)) != SK_OK)
		goto fail;
	r = sk_state_parse(buf, len, st);
fail:
	sk_wipe_free(&buf, cap);
	close(fd);
	return r;
}

/* No lock file litter beside names that are missing or links. */
static int precheck(const char *path)
{
	struct stat st;

	if (fstatat(AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? SK_ENOENT : SK_EIO;
	return S_ISREG(st.st_mode) ? SK_OK : SK_EUNSAFE;
}

int sk_txn_begin(const char *path, struct sk_txn *t)
{
	int r;

	t->lock_fd = -1;
	t->path = path;
	memset(&t->st, 0, sizeof(t->st));
	if (path == NULL || path[0] == '\0')
		return SK_EINVAL;
	if ((r = precheck(path)) != SK_OK)
		return r;
	if ((r = lock_path(path, &t->lock_fd)) != SK_OK)
		return r;
	if ((r = load(path, &t->st)) != SK_OK)
		sk_txn_end(t);
	return r;
}

void sk_txn_end(struct sk_txn *t)
{
	if (t->lock_fd >= 0)
		close(t->lock_fd);  /* drops the flock */
	t->lock_fd = -1;
	sk_state_clear(&t->st);
}

/* The directory of path (opened) and its last component. */
static int open_parent(const char *path, int *dfd, const char **base)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];

	*dfd = -1;
	*base = slash != NULL ? slash + 1 : path;
	if (**base == '\0' || strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0)
		return SK_EINVAL;
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == path)
		strcpy(dir, "/");
	else if ((size_t)(slash - path) >= sizeof(dir))
		return SK_EINVAL;
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if ((*dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? SK_ENOENT : SK_EIO;
	return SK_OK;
}

static int write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return SK_EIO;
		p += n;
		len -= (size_t)n;
	}
	return SK_OK;
}

/* A new 0600 temp file beside base holding data, fsync'ed; its name in tmp. */
static int write_temp(int dfd, const char *base, const char *data, size_t len,
    char tmp[NAME_MAX + 1])
{
	unsigned char rnd[8];
	int fd = -1, r = SK_EIO;

	tmp[0] = '\0';
	for (int i = 0; i < TEMP_TRIES && fd < 0; i++) {
		if (sk_random(rnd, sizeof(rnd)) != SK_OK)
			return SK_ECRYPTO;
		if ((size_t)snprintf(tmp, NAME_MAX + 1, ".%s.%02x%02x%02x%02x%02x%02x.tmp",
		    base, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]) > NAME_MAX)
			return SK_EINVAL;
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC | O_NOCTTY, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		tmp[0] = '\0';
		return SK_EIO;
	}
	if (write_all(fd, data, len) == SK_OK && fchmod(fd, 0600) == 0 &&
	    fsync(fd) == 0)
		r = SK_OK;
	if (close(fd) != 0)
		r = SK_EIO;
	return r;
}

/*
 * Put data at path: replace (rename) or, when exclusive, only create (link,
 * which fails if the name exists in any form, a dangling link included).
 */
static int publish(const char *path, const char *data, size_t len, bool exclusive)
{
	char tmp[NAME_MAX + 1] = "";
	const char *base = NULL;
	int dfd = -1, r;

	if ((r = open_parent(path, &dfd, &base)) != SK_OK)
		return r;
	if ((r = write_temp(dfd, base, data, len, tmp)) != SK_OK)
		goto fail;
	if (exclusive) {
		if (linkat(dfd, tmp, dfd, base, 0) != 0) {
			r = errno == EEXIST ? SK_EEXIST : SK_EIO;
			goto fail;
		}
	} else if (renameat(dfd, tmp, dfd, base) != 0) {
		r = SK_EIO;
		goto fail;
	} else {
		tmp[0] = '\0';  /* renamed: nothing left to remove */
	}
	r = fsync(dfd) == 0 ? SK_OK : SK_EIO;
fail:
	if (tmp[0] != '\0')
		unlinkat(dfd, tmp, 0);
	close(dfd);
	return r;
}

int sk_txn_commit(struct sk_txn *t)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	if (t->lock_fd < 0)
		return SK_ELOCK;  /* never write what we did not read under the lock */
	if ((r = sk_state_format(&t->st, &text, &len)) != SK_OK)
		return r;
	r = publish(t->path, text, len, false);
	sk_wipe_free(&text, len);
	return r;
}

int sk_store_create(const char *path, const struct sk_state *st)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	if (path == NULL || path[0] == '\0')
		return SK_EINVAL;
	if ((r = sk_state_format(st, &text, &len)) != SK_OK)
		return r;
	r = publish(path, text, len, true);
	sk_wipe_free(&text, len);
	return r;
}

const char *sk_strerror(int r)
{
	switch (r) {
	case SK_OK: return "success";
	case SK_ENOMEM: return "out of memory";
	case SK_EIO: return "input/output error";
	case SK_ECORRUPT: return "the file does not parse";
	case SK_EUNSAFE: return "unsafe file (a symbolic link, not a regular file, "
	    "not owned by you or root, or readable by others)";
	case SK_EEXIST: return "the file already exists";
	case SK_EINVAL: return "invalid argument";
	case SK_ECRYPTO: return "cryptographic operation failed";
	case SK_ENOENT: return "no such file or directory";
	case SK_ELOCK: return "could not lock the state file";
	case SK_ECA: return "the softkey test CA (test-ca.pem, test-ca.key) "
	    "could not be loaded";
	}
	return "unknown error";
}
