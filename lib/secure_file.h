/*
 * Safe file primitives: open without following links and check type, owner
 * and mode; read a whole file with a size cap; replace a file atomically;
 * take a per-name lock. Callers word the messages from the status.
 */
#ifndef PR_SECURE_FILE_H
#define PR_SECURE_FILE_H

#include <stddef.h>
#include <sys/types.h>

enum pr_file_status {
	PR_FILE_OK = 0,
	PR_FILE_MISSING,      /* ENOENT */
	PR_FILE_SYMLINK,      /* the name is a symbolic link */
	PR_FILE_WRONG_TYPE,   /* not a regular file (or not a directory, for dirs) */
	PR_FILE_BAD_OWNER,    /* owner is not an allowed uid */
	PR_FILE_BAD_MODE,     /* writable by group or others (or other forbidden bits) */
	PR_FILE_TOO_BIG,      /* larger than the caller's cap */
	PR_FILE_IO,           /* any other error: errno is kept */
};

/* Words for a status, for messages ("is a symbolic link"). */
const char *pr_file_status_text(enum pr_file_status st);

/* Map a status to a PR_ERR_* code. */
int pr_file_status_err(enum pr_file_status st);

/*
 * Who may own a file we trust: root, plus (when not running as root) the
 * effective uid, so unprivileged test runs can use their own files.
 */
int pr_trusted_owner(uid_t uid);

/*
 * Open name relative to dirfd (AT_FDCWD or an open directory) with
 * O_NOFOLLOW|O_CLOEXEC|O_NOCTTY|O_NONBLOCK plus flags, then fstat it: it
 * must be a regular file owned by a trusted owner with none of the
 * forbidden_mode bits set (e.g. 022). On PR_FILE_OK *fd_out is open.
 * With O_CREAT, a missing file is created mode 0600 and, when running as
 * root, owned root:root before it gets its name, whatever the effective
 * gid (so are the files and directories the functions below create).
 */
enum pr_file_status pr_secure_open(int dirfd, const char *name, int flags,
    mode_t forbidden_mode, int *fd_out);

/* The same for a directory (O_DIRECTORY|O_NOFOLLOW). */
enum pr_file_status pr_secure_opendir(int dirfd, const char *name,
    mode_t forbidden_mode, int *fd_out);

/*
 * Read all of an open file (at most max_size bytes; more is PR_FILE_TOO_BIG).
 * The buffer is NUL-terminated (not counted in *len); free with free().
 */
enum pr_file_status pr_read_all(int fd, size_t max_size, char **buf, size_t *len);

/* pr_secure_open + pr_read_all. */
enum pr_file_status pr_secure_read(int dirfd, const char *name,
    mode_t forbidden_mode, size_t max_size, char **buf, size_t *len);

/*
 * Read a file a person named on a command line (a public key, an
 * attestation): no final symbolic link, a regular file, at most max_size
 * bytes, with whatever rights the process has at the time (a setuid helper
 * calls it with the caller's). Owner and mode are not checked: the file is
 * input, not state. PR_FILE_IO keeps errno (EACCES: not readable).
 */
enum pr_file_status pr_read_named(const char *path, size_t max_size, char **buf,
    size_t *len);

/*
 * Replace dirfd/name atomically: umask 077, temp file beside the target,
 * write, fchmod(mode), fsync, rename, fsync the directory; the temp file is
 * unlinked on failure. Returns PR_OK or a PR_ERR_* code.
 */
int pr_atomic_replace(int dirfd, const char *name, const void *data, size_t len,
    mode_t mode);

/*
 * pr_atomic_replace for a caller holding the target's exclusive lock: the
 * temp file has the fixed name ".<name>.tmp", so a writer killed halfway
 * leaves at most that one behind, which the next write removes.
 */
int pr_atomic_replace_locked(int dirfd, const char *name, const void *data, size_t len,
    mode_t mode);

/*
 * pr_atomic_replace_locked without either fsync, for a file whose loss in
 * a crash costs nothing that matters (the audit rate table: an empty one
 * only lets each key write more records). Readers still see the old or the
 * new file whole; only durability is given up, and with it the two disk
 * flushes that would otherwise sit inside the caller's lock.
 */
int pr_atomic_replace_volatile(int dirfd, const char *name, const void *data, size_t len,
    mode_t mode);

/* How long any lock is waited for, at most (doc/ARCHITECTURE.md §7). */
#define PR_LOCK_WAIT_MS 10000

/*
 * Take an exclusive flock on dirfd/name (created 0600 if missing, never
 * through a link), waiting at most wait_ms: a holder that never runs again
 * (frozen, stopped, starved) must not hold the waiter for ever.
 * PR_ERR_BUSY when it was still held after wait_ms; the caller words the
 * message from the name and the bound. *lock_fd is released with pr_unlock().
 */
int pr_lock_wait(int dirfd, const char *name, int wait_ms, int *lock_fd);

/* pr_lock_wait with the process's bound: PR_LOCK_WAIT_MS unless pr_lock_set_wait changed it. */
int pr_lock(int dirfd, const char *name, int *lock_fd);

/*
 * The process's bound for pr_lock, and its setter: a process that serves
 * many people in one thread (the web gate's root parent, §4.8) waits only
 * briefly for one person's lock and answers busy, so that a lock held
 * elsewhere delays that person alone.
 */
int pr_lock_wait_ms(void);
void pr_lock_set_wait(int wait_ms);
void pr_unlock(int *lock_fd);

/* mkdir (mode) if missing and check it is a directory we trust; no links. */
int pr_ensure_dir(int dirfd, const char *name, mode_t mode);

/* Write all of len bytes, retrying on EINTR and short writes. */
int pr_write_all(int fd, const void *data, size_t len);

#endif
