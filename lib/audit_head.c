/*
 * The chain alone cannot show that records were cut from its end, or that
 * the whole log was deleted. So a head file beside the log,
 * "<audit_log>.head", holds "<seq> <SHA-256 of that record's line>\n" for
 * the last record, replaced atomically under the log's lock after the
 * record is fsync'd. Append and verify require the log to end there; a log
 * one record past its head is accepted when that record's prev= is the
 * head's hash (a crash between the record's fsync and the head's rename).
 * A log without a head (written before heads existed) gets one on the
 * next append.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit_internal.h"
#include "err.h"
#include "secure_file.h"

#define AUDIT_LOCK_WAIT_MS 10000
#define AUDIT_LOCK_POLL_NS (10 * 1000000L)
#define HEAD_SUFFIX ".head"
#define HEAD_MAX 128                   /* "<seq> <64 hex>\n" and then some */

void audit_chain_start(struct chain_end *end)
{
	end->seq = 0;
	memset(end->hash, '0', HASH_HEX_LEN);
	end->hash[HASH_HEX_LEN] = '\0';
	end->prev[0] = '\0';
}

/* After a parsed, intact record: it is the end now. */
void audit_chain_advance(struct chain_end *end, const char *line, size_t len,
    const struct rec_info *ri)
{
	end->seq = ri->seq;
	audit_sha256_hex(line, len, end->hash);
	memcpy(end->prev, ri->prev, sizeof(end->prev));
}

char *audit_head_path(const char *log_path)
{
	char *p = NULL;

	return asprintf(&p, "%s" HEAD_SUFFIX, log_path) < 0 ? NULL : p;
}

/* Exactly "<seq> <64 lower-case hex>\n". */
static bool head_parse(const char *buf, size_t len, struct chain_end *head)
{
	const char *sp = memchr(buf, ' ', len);
	size_t n;

	if (sp == NULL || buf[len - 1] != '\n')
		return false;
	n = (size_t)(sp - buf);
	if (!audit_seq_ok(buf, n, &head->seq) || !audit_hash_hex_ok(sp + 1, len - n - 2))
		return false;
	memcpy(head->hash, sp + 1, HASH_HEX_LEN);
	head->hash[HASH_HEX_LEN] = '\0';
	head->prev[0] = '\0';
	return true;
}

/* *present is false (PR_OK) when there is no head; unsafe or malformed is an error. */
int audit_head_read(const char *hpath, bool *present, struct chain_end *head,
    struct pr_errbuf *eb)
{
	enum pr_file_status st;
	char *buf = NULL;
	size_t len = 0;
	int r = PR_OK;

	*present = false;
	st = pr_secure_read(AT_FDCWD, hpath, 022, HEAD_MAX, &buf, &len);
	if (st == PR_FILE_MISSING)
		return PR_OK;
	if (st != PR_FILE_OK)
		r = pr_fail(eb, st == PR_FILE_IO ? PR_ERR_AUDIT : pr_file_status_err(st),
		    "%s: %s", hpath, pr_file_status_text(st));
	else if (len == 0 || !head_parse(buf, len, head))
		r = pr_fail(eb, PR_ERR_CORRUPT, "%s: is malformed (expected \"<seq> "
		    "<sha-256>\"); %s", hpath, HEAD_HINT);
	else
		*present = true;
	free(buf);
	return r;
}

/* Where the log ends against the head (see the file comment for one past it). */
enum audit_head_fit audit_head_fit(const struct chain_end *log, const struct chain_end *head)
{
	if (log->seq < head->seq)
		return HEAD_SHORT;
	if (log->seq == head->seq)
		return strcmp(log->hash, head->hash) == 0 ? HEAD_FITS : HEAD_OTHER;
	if (log->seq == head->seq + 1)
		return strcmp(log->prev, head->hash) == 0 ? HEAD_FITS : HEAD_OTHER;
	return HEAD_STALE;
}

static int lock_wait_ms = AUDIT_LOCK_WAIT_MS;

void pr_audit_set_lock_wait(int wait_ms)
{
	lock_wait_ms = wait_ms >= 0 && wait_ms <= AUDIT_LOCK_WAIT_MS ? wait_ms :
	    AUDIT_LOCK_WAIT_MS;
}

/*
 * Wait for the log's lock, but not forever: a holder that is stuck (or
 * stopped) must not hang every sign-in. EWOULDBLOCK after the deadline
 * (the process's bound, pr_audit_set_lock_wait).
 */
int audit_lock_wait(int fd, int op)
{
	const struct timespec pause = { 0, AUDIT_LOCK_POLL_NS };
	long tries = lock_wait_ms * 1000000L / AUDIT_LOCK_POLL_NS;
	int rc;

	while ((rc = flock(fd, op | LOCK_NB)) != 0 && (errno == EINTR || errno == EWOULDBLOCK) &&
	    tries-- > 0)
		nanosleep(&pause, NULL);
	return rc;
}

bool audit_fd_is_path(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && fstatat(AT_FDCWD, path, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * Open path (flags) and wait for its lock (op), on the file the name holds
 * once we have it: a rotation (audit_rotate.c) renames the locked file away
 * and puts a new one in its place, so whoever opened the old one while
 * waiting opens the name again. An open that fails leaves *st (and errno)
 * for the caller to word; a lock that fails is said in eb (PR_ERR_LOCK).
 */
int audit_open_current(const char *path, int flags, int op, int *fd,
    enum pr_file_status *st, struct pr_errbuf *eb)
{
	for (int tries = 0; tries < AUDIT_REOPEN_TRIES; tries++) {
		if ((*st = pr_secure_open(AT_FDCWD, path, flags, 022, fd)) != PR_FILE_OK)
			return PR_ERR_IO;
		if (audit_lock_wait(*fd, op) != 0) {
			int saved = errno;
			close(*fd);
			*fd = -1;
			if (saved == EWOULDBLOCK)
				return pr_fail(eb, PR_ERR_LOCK, "%s: another program held its lock "
				    "for more than %d ms; try again", path,
				    lock_wait_ms);
			return pr_fail(eb, PR_ERR_LOCK, "%s: cannot lock: %s", path, strerror(saved));
		}
		if (audit_fd_is_path(*fd, path))
			return PR_OK;
		close(*fd);
		*fd = -1;
	}
	return pr_fail(eb, PR_ERR_LOCK, "%s: replaced again and again while waiting for its "
	    "lock; try again", path);
}

/* The head says the log ends at record seq, whose line hashes to hash. */
int audit_head_store(const char *hpath, long long seq, const char *hash,
    struct pr_errbuf *eb)
{
	char text[HEAD_MAX];
	int n, r;

	n = snprintf(text, sizeof(text), "%lld %s\n", seq, hash);
	if (n < 0 || (size_t)n >= sizeof(text))
		return pr_fail(eb, PR_ERR_AUDIT, "%s: head too long", hpath);
	/* Written under the log's exclusive lock. */
	if ((r = pr_atomic_replace_locked(AT_FDCWD, hpath, text, (size_t)n, 0600)) != PR_OK)
		return pr_fail(eb, PR_ERR_AUDIT, "%s: cannot be replaced (%s); record %lld "
		    "was written, the next append updates the head", hpath, pr_strerror(r), seq);
	return PR_OK;
}

/* The head follows the record just written (line with its newline). */
int audit_head_write(const char *hpath, long long seq, const char *line, size_t len,
    struct pr_errbuf *eb)
{
	char hash[HASH_HEX_LEN + 1];

	audit_sha256_hex(line, len - 1, hash);
	return audit_head_store(hpath, seq, hash, eb);
}
