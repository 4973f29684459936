/*
 * Rotating the audit log without breaking its chain (pr_audit_rotate,
 * doc/ARCHITECTURE.md §8.7). Under the log's exclusive lock:
 *
 *   1. the log is verified whole (a damaged log is not sealed away) and
 *      what an earlier, interrupted rotation left is removed;
 *   2. the new log is written to ".<log>.rotating" (one record, event
 *      rotate, continuing the chain), locked and fsync'd;
 *   3. the old file gets its series name by link(): never replacing a file;
 *   4. the new log is renamed over the log's name, the directory fsync'd;
 *   5. the head file follows the new record.
 *
 * A kill before 4 leaves the old log in place (after 3 also under the
 * series name: the next rotation removes that link, verify says so); a
 * kill after 4 leaves the new log, with the head one record behind, which
 * append and verify accept (audit_head.c). Writers that opened the old
 * file while waiting for the lock open the name again (audit_lock_log),
 * and the new file is locked before it takes the name, so none of them
 * appends before its head is written.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "audit_internal.h"
#include "audit_series.h"
#include "err.h"
#include "secure_file.h"
#include "transport.h"
#include "util.h"

#define ROTATING_FMT ".%s.rotating"

/* The log's directory (opened safely) and its base name. */
struct log_place {
	int dfd;
	char dir[4096];
	char base[256];
};

static int place_open(const char *log_path, struct log_place *pl, struct pr_errbuf *eb)
{
	char a[4096], b[4096];
	enum pr_file_status st;

	pl->dfd = -1;
	if (snprintf(a, sizeof(a), "%s", log_path) >= (int)sizeof(a) ||
	    snprintf(b, sizeof(b), "%s", log_path) >= (int)sizeof(b))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "%s: path too long", log_path);
	snprintf(pl->dir, sizeof(pl->dir), "%s", dirname(a));
	if (snprintf(pl->base, sizeof(pl->base), "%s", basename(b)) >= (int)sizeof(pl->base))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "%s: name too long", log_path);
	st = pr_secure_opendir(AT_FDCWD, pl->dir, 022, &pl->dfd);
	if (st != PR_FILE_OK)
		return pr_fail(eb, pr_file_status_err(st), "%s: %s", pl->dir, pr_file_status_text(st));
	return PR_OK;
}

/*
 * What a rotation killed before step 4 left: its temp file, and a series
 * name that is the live file itself (the live log's only other name).
 */
static int remove_leftovers(const struct log_place *pl, struct pr_errbuf *eb)
{
	struct pr_audit_series s;
	char tmp[300];
	int r;

	snprintf(tmp, sizeof(tmp), ROTATING_FMT, pl->base);
	if (unlinkat(pl->dfd, tmp, 0) != 0 && errno != ENOENT)
		return pr_fail(eb, PR_ERR_IO, "%s/%s: cannot remove: %s", pl->dir, tmp, strerror(errno));
	if ((r = pr_audit_series_list(pl->dir, pl->base, &s, eb)) != PR_OK)
		return r;
	if (s.stale_link != NULL && unlinkat(pl->dfd, s.stale_link, 0) != 0)
		r = pr_fail(eb, PR_ERR_IO, "%s/%s: cannot remove the link an interrupted rotation "
		    "left: %s", pl->dir, s.stale_link, strerror(errno));
	pr_audit_series_free(&s);
	return r;
}

/*
 * "<base>.<UTC YYYYMMDDTHHMMSSZ>-<last seq, 12 digits>": sorted by name in
 * the chain's order while the clock goes forward; verify --all orders by
 * the seq, which always does.
 */
static void series_name(const char *base, long long last_seq, char *out, size_t cap)
{
	time_t t = (time_t)pr_now();
	char stamp[20] = "19700101T000000Z";
	struct tm tm;

	if (gmtime_r(&t, &tm) != NULL)
		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (snprintf(out, cap, "%s.%s-%012lld", base, stamp, last_seq) >= (int)cap)
		out[0] = '\0';   /* too long a name: linkat refuses "" */
}

/* The new log's one record, continuing the chain after end. */
static int rotate_line(const struct chain_end *end, const char *actor, const char *series,
    long records, char **line, size_t *len)
{
	struct pr_audit_event ev = { .flags = -1, .sign_count = -1 };
	char host[256], detail[400], *body = NULL;
	int r;

	snprintf(detail, sizeof(detail), "continues %s, %ld record%s, the log before this "
	    "rotation", series, records, records == 1 ? "" : "s");
	ev.event = AUDIT_EVENT_ROTATE;
	ev.success = true;
	ev.actor = actor;
	ev.detail = detail;
	audit_local_host(host, sizeof(host));
	if ((r = pr_audit_format(&ev, pr_now(), host, &body)) == PR_OK)
		r = pr_audit_chain(end->seq + 1, end->hash, body, line, len, NULL);
	free(body);
	return r;
}

/* Step 2: the new log under its temp name, locked before anyone can open it. */
static int write_new_log(const struct log_place *pl, const char *line, size_t len,
    int *nfd, struct pr_errbuf *eb)
{
	char tmp[300];

	snprintf(tmp, sizeof(tmp), ROTATING_FMT, pl->base);
	*nfd = openat(pl->dfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY, 0600);
	if (*nfd < 0)
		return pr_fail(eb, PR_ERR_IO, "%s/%s: cannot create: %s", pl->dir, tmp, strerror(errno));
	if (flock(*nfd, LOCK_EX | LOCK_NB) != 0 || fchmod(*nfd, 0600) != 0 ||
	    pr_write_all(*nfd, line, len) != PR_OK || fsync(*nfd) != 0) {
		int saved = errno;
		unlinkat(pl->dfd, tmp, 0);
		return pr_fail(eb, PR_ERR_IO, "%s/%s: cannot write: %s", pl->dir, tmp, strerror(saved));
	}
	return PR_OK;
}

/* Steps 3 and 4: the old file under its series name, the new one under the log's. */
static int swap_in(const struct log_place *pl, const char *series, struct pr_errbuf *eb)
{
	char tmp[300];
	int r;

	snprintf(tmp, sizeof(tmp), ROTATING_FMT, pl->base);
	pr_transport_test_point("rotate-written");
	if (linkat(pl->dfd, pl->base, pl->dfd, series, 0) != 0) {
		r = pr_fail(eb, errno == EEXIST ? PR_ERR_EXISTS : PR_ERR_IO, "%s/%s: cannot "
		    "name the old log so: %s; nothing was rotated", pl->dir, series, strerror(errno));
		unlinkat(pl->dfd, tmp, 0);
		return r;
	}
	pr_transport_test_point("rotate-linked");
	if (renameat(pl->dfd, tmp, pl->dfd, pl->base) != 0) {
		r = pr_fail(eb, PR_ERR_IO, "%s/%s: cannot put the new log in place: %s; nothing "
		    "was rotated", pl->dir, pl->base, strerror(errno));
		unlinkat(pl->dfd, series, 0);
		unlinkat(pl->dfd, tmp, 0);
		return r;
	}
	if (fsync(pl->dfd) != 0)
		return pr_fail(eb, PR_ERR_IO, "%s: cannot sync the directory: %s", pl->dir,
		    strerror(errno));
	pr_transport_test_point("rotate-renamed");
	return PR_OK;
}

/* Step 1: the log as it stands, verified whole under our lock. */
static int check_old_log(int fd, const char *log_path, const char *hpath,
    struct audit_file_sum *sum, struct pr_errbuf *eb)
{
	struct chain_end end;
	off_t size = 0;
	bool behind = false;
	long bad = 0;
	int r;

	if ((r = audit_open_tail(fd, log_path, hpath, &end, &size, &behind, eb)) != PR_OK)
		return r;
	if (behind && (r = audit_head_store(hpath, end.seq, end.hash, eb)) != PR_OK)
		return r;
	if (lseek(fd, 0, SEEK_SET) != 0)
		return pr_fail(eb, PR_ERR_IO, "%s: %s", log_path, strerror(errno));
	if ((r = audit_verify_fd(fd, log_path, &bad, sum, eb)) != PR_OK)
		return r;
	if (sum->n > 0 && (sum->end.seq != end.seq || strcmp(sum->end.hash, end.hash) != 0))
		return pr_fail(eb, PR_ERR_CORRUPT, "%s: changed while it was locked", log_path);
	return PR_OK;
}

/* Steps 2 to 5 for a verified log ending at sum->end. */
static int rotate_locked(const struct log_place *pl, const char *hpath, const char *actor,
    const struct audit_file_sum *sum, struct pr_audit_rotated *out, struct pr_errbuf *eb)
{
	char *line = NULL;
	size_t len = 0;
	int nfd = -1, r;

	series_name(pl->base, sum->end.seq, out->series, sizeof(out->series));
	if ((r = rotate_line(&sum->end, actor, out->series, sum->n, &line, &len)) != PR_OK) {
		pr_fail(eb, r, "the rotate record cannot be made: %s", pr_strerror(r));
		goto out;
	}
	if ((r = write_new_log(pl, line, len, &nfd, eb)) != PR_OK ||
	    (r = swap_in(pl, out->series, eb)) != PR_OK)
		goto out;
	out->rotated = true;
	out->records = sum->n;
	out->last_seq = sum->end.seq;
	/* the new log stands; a head left one behind is accepted (audit_head.c) */
	r = audit_head_write(hpath, sum->end.seq + 1, line, len, eb);
	line[len - 1] = '\0';
	syslog(LOG_AUTHPRIV | LOG_NOTICE, "practicerunner: %s", line);
out:
	if (nfd >= 0)
		close(nfd);   /* writers waiting for the new log go on from here */
	free(line);
	return r;
}

int pr_audit_rotate(const char *log_path, const char *actor, struct pr_audit_rotated *out,
    struct pr_errbuf *eb)
{
	struct log_place pl = { .dfd = -1 };
	struct audit_file_sum sum;
	char *hpath = NULL;
	int fd = -1, r;

	memset(out, 0, sizeof(*out));
	if (log_path == NULL || log_path[0] == '\0')
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no audit log configured");
	if ((r = place_open(log_path, &pl, eb)) != PR_OK)
		goto out;
	if ((hpath = audit_head_path(log_path)) == NULL) {
		r = pr_fail(eb, PR_ERR_NOMEM, "%s: out of memory", log_path);
		goto out;
	}
	if ((r = audit_lock_log(log_path, &fd, eb)) != PR_OK ||
	    (r = check_old_log(fd, log_path, hpath, &sum, eb)) != PR_OK ||
	    (r = remove_leftovers(&pl, eb)) != PR_OK)
		goto out;
	if (sum.n > 0)
		r = rotate_locked(&pl, hpath, actor, &sum, out, eb);
out:
	if (fd >= 0)
		close(fd);   /* drops the old file's lock: its waiters open the name again */
	if (pl.dfd >= 0)
		close(pl.dfd);
	free(hpath);
	return r;
}

/* The live log's first record continues an earlier file: its seq, else 0. */
static long long continued_from(const struct log_place *pl)
{
	static const char ev[] = " event=" AUDIT_EVENT_ROTATE " ";
	char buf[AUDIT_MAX_RECORD + 1], *nl;
	long long seq = 0;
	ssize_t n;
	int fd = -1;

	if (pr_secure_open(pl->dfd, pl->base, O_RDONLY, 022, &fd) != PR_FILE_OK)
		return 0;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if ((nl = strchr(buf, '\n')) == NULL)
		return 0;
	*nl = '\0';
	if (strstr(buf, ev) != NULL && sscanf(buf, "seq=%lld ", &seq) != 1)
		seq = 0;
	return strstr(buf, ev) != NULL ? seq : 0;
}

void pr_audit_rotation_note(const char *log_path, char *note, size_t cap)
{
	struct log_place pl = { .dfd = -1 };
	struct pr_audit_series s = { .n = 0 };
	struct stat st;
	long long from;
	char tmp[300];

	note[0] = '\0';
	if (place_open(log_path, &pl, NULL) != PR_OK)
		return;
	snprintf(tmp, sizeof(tmp), ROTATING_FMT, pl.base);
	if (pr_audit_series_list(pl.dir, pl.base, &s, NULL) == PR_OK && s.stale_link != NULL)
		snprintf(note, cap, "a rotation was interrupted: %s is still this log, which is as "
		    "it was before the rotation; run 'practicerunner-admin audit rotate' again",
		    s.stale_link);
	else if (fstatat(pl.dfd, tmp, &st, AT_SYMLINK_NOFOLLOW) == 0)
		snprintf(note, cap, "a rotation was interrupted before its new log was in place "
		    "(%s/%s is left): the log is as it was before the rotation; run "
		    "'practicerunner-admin audit rotate' again", pl.dir, tmp);
	else if ((from = continued_from(&pl)) > 0)
		snprintf(note, cap, "the log was rotated: it starts at record %lld, continuing the "
		    "file before it ('audit verify --all' checks the whole series)", from);
	pr_audit_series_free(&s);
	close(pl.dfd);
}
