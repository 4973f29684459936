/*
 * Appending to the audit log (pr_audit_append). Under the log's lock: find
 * where the chain ends and check it against the head file (audit_head.c),
 * cut off a torn last record the head shows was never finished, write the
 * records of changes whose writer ended before recording them
 * (audit_pending.h), let the rate gate count or pass this record
 * (audit_rate.h), then chain, write and fsync it, move the head and copy
 * the line to syslog. The record format is in audit_format.c, the
 * verifier in audit_verify.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "audit.h"
#include "audit_internal.h"
#include "audit_pending.h"
#include "audit_rate.h"
#include "err.h"
#include "secure_file.h"
#include "util.h"

#define AUDIT_TAIL_WINDOW (64 * 1024)  /* how far back append looks for the last record */
#define VERIFY_HINT "run 'practicerunner-admin audit verify' and repair or move the log aside"

/* The log's exclusive lock, on the file its name holds (audit_open_current). */
int audit_lock_log(const char *path, int *fd, struct pr_errbuf *eb)
{
	enum pr_file_status st = PR_FILE_OK;
	/* Read access too: the chain continues from the last record. */
	int r = audit_open_current(path, O_RDWR | O_APPEND | O_CREAT, LOCK_EX, fd, &st, eb);

	if (st != PR_FILE_OK)
		return pr_fail(eb, st == PR_FILE_IO ? PR_ERR_AUDIT : pr_file_status_err(st),
		    "%s: %s%s%s", path, pr_file_status_text(st), st == PR_FILE_IO ? ": " : "",
		    st == PR_FILE_IO ? strerror(errno) : "");
	return r;
}

int pr_audit_ready(const char *log_path, struct pr_errbuf *eb)
{
	int fd = -1;
	int r = audit_lock_log(log_path, &fd, eb);

	if (fd >= 0)
		close(fd);
	return r;
}

static int pread_all(int fd, char *buf, size_t len, off_t off)
{
	ssize_t n;

	while (len > 0) {
		n = pread(fd, buf, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return PR_ERR_AUDIT;
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return PR_OK;
}

/*
 * Locate the last line in the tail window [buf, buf+n) that ends in '\n'.
 * Bytes after it (a record cut short: no newline) are *torn bytes long;
 * with no whole line before them, *line is NULL.
 */
static int last_line(const char *buf, size_t n, bool whole_file, const char **line,
    size_t *len, size_t *torn, struct pr_errbuf *eb)
{
	const char *nl;

	*line = NULL;
	*len = 0;
	*torn = 0;
	if (buf[n - 1] != '\n') {
		nl = memrchr(buf, '\n', n);
		*torn = nl != NULL ? (size_t)(buf + n - (nl + 1)) : n;
		if (*torn >= AUDIT_MAX_RECORD || (nl == NULL && !whole_file))
			return pr_fail(eb, PR_ERR_CORRUPT, "last record is torn (no newline)");
		if (nl == NULL)
			return PR_OK;
		n -= *torn;
	}
	nl = n > 1 ? memrchr(buf, '\n', n - 1) : NULL;
	if (nl == NULL && !whole_file)
		return pr_fail(eb, PR_ERR_CORRUPT, "last record is longer than %d bytes",
		    AUDIT_TAIL_WINDOW);
	*line = nl != NULL ? nl + 1 : buf;
	*len = (size_t)(buf + n - 1 - *line);
	return PR_OK;
}

/*
 * Where the chain ends, to continue from. A torn, unparsable or edited
 * last record stops the append: chaining onto it would bless it.
 */
static int chain_tail(int fd, const char *path, struct chain_end *end,
    off_t *size, size_t *torn, struct pr_errbuf *eb)
{
	struct rec_info ri;
	struct stat st;
	const char *line = NULL;
	struct pr_errbuf why = { 0 };
	char *buf = NULL;
	size_t n, len = 0;
	int r;

	if (fstat(fd, &st) != 0)
		return pr_fail(eb, PR_ERR_AUDIT, "%s: %s", path, strerror(errno));
	*size = st.st_size;
	audit_chain_start(end);
	if (st.st_size == 0)
		return PR_OK;
	n = st.st_size > AUDIT_TAIL_WINDOW ? AUDIT_TAIL_WINDOW : (size_t)st.st_size;
	if ((buf = malloc(n)) == NULL)
		return PR_ERR_NOMEM;
	if ((r = pread_all(fd, buf, n, st.st_size - (off_t)n)) != PR_OK) {
		pr_fail(eb, r, "%s: cannot read the last record", path);
		goto out;
	}
	if ((r = last_line(buf, n, (off_t)n == st.st_size, &line, &len, torn, &why)) != PR_OK)
		goto fail;
	if (line == NULL) {
		r = PR_OK;       /* only a torn first record: the chain starts afresh */
		goto out;
	}
	if ((r = audit_parse_record(line, len, &ri, &why)) != PR_OK)
		goto fail;
	if (!audit_record_hash_ok(line, &ri)) {
		r = pr_fail(&why, PR_ERR_CORRUPT, "last record was edited");
		goto fail;
	}
	audit_chain_advance(end, line, len, &ri);
	r = PR_OK;
	goto out;
fail:
	pr_fail(eb, r, "%s: %s; refusing to append: %s", path, why.msg, VERIFY_HINT);
out:
	free(buf);
	return r;
}

/* One write(): concurrent readers never see half a record; a short write is undone. */
static int write_record(int fd, const char *path, const char *line, size_t len,
    off_t old_size, struct pr_errbuf *eb)
{
	ssize_t n;

	do {
		n = write(fd, line, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0 || (size_t)n != len) {
		int saved = n < 0 ? errno : EIO;
		if (n > 0 && ftruncate(fd, old_size) != 0)
			return pr_fail(eb, PR_ERR_AUDIT, "%s: partial record left behind: %s",
			    path, VERIFY_HINT);
		return pr_fail(eb, PR_ERR_AUDIT, "%s: cannot write: %s", path, strerror(saved));
	}
	if (fsync(fd) != 0)
		return pr_fail(eb, PR_ERR_AUDIT, "%s: cannot sync: %s", path, strerror(errno));
	return PR_OK;
}

/* Append goes on only where the head says the log ends; *behind: one record past it. */
static int head_check(const char *log_path, const char *hpath,
    const struct chain_end *end, bool *behind, bool *present, struct pr_errbuf *eb)
{
	struct chain_end head;
	int r;

	*behind = false;
	*present = false;
	if ((r = audit_head_read(hpath, present, &head, eb)) != PR_OK || !*present)
		return r;
	switch (audit_head_fit(end, &head)) {
	case HEAD_FITS:
		*behind = end->seq == head.seq + 1;
		return PR_OK;
	case HEAD_SHORT:
		return pr_fail(eb, PR_ERR_CORRUPT, "%s: audit log ends before record %lld "
		    "recorded in %s: records were removed; %s", log_path, head.seq, hpath,
		    HEAD_HINT);
	case HEAD_OTHER:
		return pr_fail(eb, PR_ERR_CORRUPT, "%s: audit log does not match record "
		    "%lld recorded in %s: records were replaced; %s", log_path, head.seq,
		    hpath, HEAD_HINT);
	case HEAD_STALE:
		break;
	}
	return pr_fail(eb, PR_ERR_CORRUPT, "%s: audit log goes on past record %lld "
	    "recorded in %s (to record %lld): the head file is stale; %s", log_path,
	    head.seq, hpath, end->seq, HEAD_HINT);
}

void audit_local_host(char *out, size_t cap)
{
	if (gethostname(out, cap) != 0 || out[0] == '\0')
		snprintf(out, cap, "unknown");
	out[cap - 1] = '\0';
}

/*
 * A record cut short (a crash or power loss during its write: no newline)
 * was never acknowledged when the head file says the log ends before it
 * and its bytes are the start of the next record (torn_is_next_record).
 * Then it is cut off and the cut is itself recorded (event audit-repair,
 * with how many bytes after which record), so one crash cannot stop every
 * sign-in that needs a record, and nothing is removed unseen. Without a
 * head file nothing proves that, and the append stays refused.
 */
static int cut_torn_tail(int fd, const char *log_path, const char *hpath,
    struct chain_end *end, off_t *size, size_t torn, struct pr_errbuf *eb)
{
	struct pr_audit_event ev = { .flags = -1, .sign_count = -1 };
	char host[256], detail[128], *body = NULL, *line = NULL;
	size_t len = 0;
	int r;

	if (ftruncate(fd, *size - (off_t)torn) != 0 || fsync(fd) != 0)
		return pr_fail(eb, PR_ERR_AUDIT, "%s: cannot cut off the torn last record: %s",
		    log_path, strerror(errno));
	*size -= (off_t)torn;
	snprintf(detail, sizeof(detail), "removed %zu bytes of a record cut short after "
	    "record %lld", torn, end->seq);
	ev.event = "audit-repair";
	ev.reason = "torn-record";
	ev.detail = detail;
	audit_local_host(host, sizeof(host));
	if ((r = pr_audit_format(&ev, pr_now(), host, &body)) == PR_OK &&
	    (r = pr_audit_chain(end->seq + 1, end->hash, body, &line, &len, NULL)) == PR_OK &&
	    (r = write_record(fd, log_path, line, len, *size, eb)) == PR_OK)
		r = audit_head_write(hpath, end->seq + 1, line, len, eb);
	free(body);
	free(line);
	return r;
}

/*
 * Whether the torn bytes at the end of the log look like the start of the
 * next record, as a crash leaves it: "seq=<next> ..." (or a prefix of that)
 * in printable ASCII. Anything else (binary junk) is damage to keep as
 * evidence, not a torn write to cut.
 */
static bool torn_is_next_record(int fd, off_t size, size_t torn, long long next)
{
	char want[40], buf[AUDIT_MAX_RECORD];
	int n = snprintf(want, sizeof(want), "seq=%lld ", next);

	if (torn == 0 || torn > sizeof(buf) || pread_all(fd, buf, torn, size - (off_t)torn) != PR_OK)
		return false;
	if (memcmp(buf, want, torn < (size_t)n ? torn : (size_t)n) != 0)
		return false;
	for (size_t i = 0; i < torn; i++)
		if (buf[i] < 0x20 || buf[i] > 0x7e)
			return false;
	return true;
}

/* Where to append: the chain's end, checked against the head; a torn tail cut off. */
int audit_open_tail(int fd, const char *log_path, const char *hpath, struct chain_end *end,
    off_t *size, bool *behind, struct pr_errbuf *eb)
{
	bool present = false;
	size_t torn = 0;
	int r;

	for (int pass = 0; pass < 2; pass++) {
		if ((r = chain_tail(fd, log_path, end, size, &torn, eb)) != PR_OK ||
		    (r = head_check(log_path, hpath, end, behind, &present, eb)) != PR_OK)
			return r;
		if (torn == 0)
			return PR_OK;
		if (!present || pass > 0 || !torn_is_next_record(fd, *size, torn, end->seq + 1))
			break;
		if ((r = cut_torn_tail(fd, log_path, hpath, end, size, torn, eb)) != PR_OK)
			return r;
	}
	return pr_fail(eb, PR_ERR_CORRUPT, "%s: last record is torn (no newline), and it is "
	    "not a record the head file shows was never finished; refusing to append: %s",
	    log_path, VERIFY_HINT);
}

/* Where a sweep appends: the locked log, and its end as each record moves it. */
struct sweep_ctx {
	int fd;
	const char *log_path;
	const char *hpath;
	struct chain_end *end;
	off_t *size;
	struct pr_errbuf *eb;
};

/* One record for a change whose writer ended before recording it (audit_pending.h). */
static int sweep_record(void *arg, const char *body)
{
	struct sweep_ctx *sc = arg;
	char next[HASH_HEX_LEN + 1];
	char *line = NULL;
	size_t len = 0;
	int r;

	if ((r = pr_audit_chain(sc->end->seq + 1, sc->end->hash, body, &line, &len, next)) != PR_OK) {
		pr_fail(sc->eb, r, "%s" PR_PENDING_SUFFIX ": a pending record is not valid", sc->log_path);
		return r;
	}
	if ((r = write_record(sc->fd, sc->log_path, line, len, *sc->size, sc->eb)) == PR_OK) {
		sc->end->seq++;
		memcpy(sc->end->prev, sc->end->hash, sizeof(sc->end->prev));
		memcpy(sc->end->hash, next, sizeof(sc->end->hash));
		*sc->size += (off_t)len;
		r = audit_head_store(sc->hpath, sc->end->seq, next, sc->eb);
		line[len - 1] = '\0';
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "practicerunner: %s", line);
	}
	free(line);
	return r;
}

/*
 * Before our own record, under the lock: the changes of processes that
 * ended between their commit and their record (audit_pending.h).
 */
static int sweep_pending(int fd, const char *log_path, const char *hpath,
    struct chain_end *end, off_t *size, struct pr_errbuf *eb)
{
	struct sweep_ctx sc = { fd, log_path, hpath, end, size, eb };
	int swept = 0;

	return pr_pending_sweep(log_path, sweep_record, &sc, &swept);
}

/*
 * The rate of failure and offer records and the free-space floor
 * (lib/audit_rate.c, doc/ARCHITECTURE.md §8.6), decided under the log's
 * lock, so the log's lock is the one lock of the rate file too. *write:
 * whether this record is written (with *merged); the rate file is saved
 * by gate_close.
 */
struct gate {
	struct pr_rate_table t;
	char *path;
	bool dirty;
};

static void space_alert(uint64_t free_mb, long min_mb)
{
	syslog(LOG_AUTHPRIV | LOG_ALERT, "practicerunner: audit space low: %" PRIu64 " MB "
	    "free on the audit log's file system (minimum %ld); failure records are being "
	    "counted, not written", free_mb, min_mb);
}

static void gate_open(struct gate *g, int fd, const char *log_path,
    const struct pr_audit_event *ev, int64_t now, bool *write, int64_t *merged)
{
	static const struct pr_audit_limits defaults = {
		PR_AUDIT_DEFAULT_PER_MINUTE, PR_AUDIT_DEFAULT_MIN_FREE_MB,
	};
	const struct pr_audit_limits *lim = ev->limits != NULL ? ev->limits : &defaults;
	uint64_t free_mb = UINT64_MAX;
	bool low;

	*write = true;
	*merged = 0;
	/* A file system that cannot say is not called full: records go on being written. */
	low = pr_rate_free_mb_fd(fd, &free_mb) == PR_OK && free_mb < (uint64_t)lim->min_free_mb;
	if (asprintf(&g->path, "%s%s", log_path, PR_RATE_SUFFIX) < 0) {
		g->path = NULL;
		return;     /* no memory: written, as before there was a rate */
	}
	pr_rate_load(g->path, &g->t);
	if (low && pr_rate_alert_due(&g->t, now)) {
		space_alert(free_mb, lim->min_free_mb);
		g->dirty = true;
	}
	if (pr_rate_applies(ev)) {
		*write = pr_rate_admit(&g->t, ev->user, ev->rhost, now, lim->per_minute, low,
		    merged);
		g->dirty = true;
	} else if ((*merged = pr_rate_carry(&g->t, ev->user, ev->rhost)) > 0) {
		/* a success (or any record always written) says what was not written before it */
		g->dirty = true;
	}
}

/* Save the table when the decision stands (commit); the log is still locked. */
static void gate_close(struct gate *g, bool commit, int64_t now)
{
	if (commit && g->dirty && g->path != NULL)
		(void)pr_rate_save(g->path, &g->t, now);  /* best effort: see audit_rate.c */
	pr_rate_clear(&g->t);
	free(g->path);
	g->path = NULL;
}

/* The record's line after end; body formatted again when it carries merged=. */
static int chain_line(const struct pr_audit_event *ev, int64_t merged, int64_t now,
    const char *host, const struct chain_end *end, char **body, char **line, size_t *len,
    struct pr_errbuf *eb)
{
	int r;

	if (merged > 0) {
		free(*body);
		*body = NULL;
		if ((r = format_record(ev, merged, now, host, body)) != PR_OK)
			return pr_fail(eb, r, "audit record not written: out of memory");
	}
	if ((r = pr_audit_chain(end->seq + 1, end->hash, *body, line, len, NULL)) != PR_OK)
		return pr_fail(eb, r, "audit record longer than %d bytes: not written",
		    AUDIT_MAX_RECORD);
	return PR_OK;
}

int pr_audit_append(const char *log_path, const struct pr_audit_event *ev,
    struct pr_errbuf *eb)
{
	char host[256];
	char *body = NULL, *line = NULL, *hpath = NULL;
	struct gate g = { .path = NULL };
	struct chain_end end;
	int64_t now = pr_now(), merged = 0;
	size_t len = 0;
	off_t size = 0;
	bool behind = false, write = true;
	int fd = -1, r;

	if (log_path == NULL || log_path[0] == '\0')
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no audit log configured");
	audit_local_host(host, sizeof(host));
	if ((r = pr_audit_format(ev, now, host, &body)) != PR_OK) {
		pr_fail(eb, r, "audit record not written: invalid event");
		goto out;
	}
	if ((hpath = audit_head_path(log_path)) == NULL) {
		r = pr_fail(eb, PR_ERR_NOMEM, "audit record not written: out of memory");
		goto out;
	}
	if ((r = audit_lock_log(log_path, &fd, eb)) != PR_OK)
		goto out;
	gate_open(&g, fd, log_path, ev, now, &write, &merged);
	if (!write)
		goto out;   /* counted, not written: PR_OK, and no syslog line either */
	if ((r = audit_open_tail(fd, log_path, hpath, &end, &size, &behind, eb)) != PR_OK)
		goto out;
	/*
	 * A crash left the head one record behind: bring it up before our own
	 * record, so that a crash after ours leaves it one behind again, never
	 * two (which every later append and verify would refuse).
	 */
	if (behind && (r = audit_head_store(hpath, end.seq, end.hash, eb)) != PR_OK)
		goto out;
	if ((r = sweep_pending(fd, log_path, hpath, &end, &size, eb)) != PR_OK ||
	    (r = chain_line(ev, merged, now, host, &end, &body, &line, &len, eb)) != PR_OK ||
	    (r = write_record(fd, log_path, line, len, size, eb)) != PR_OK)
		goto out;
	/* The record stands whatever happens to the head now. */
	r = audit_head_write(hpath, end.seq + 1, line, len, eb);
	gate_close(&g, true, now);
	close(fd);  /* drops the lock */
	fd = -1;
	/*
	 * No openlog(): a module must not change its host's ident. The
	 * facility goes in the priority and the message names us.
	 */
	line[len - 1] = '\0';
	syslog(LOG_AUTHPRIV | LOG_NOTICE, "practicerunner: %s", line);
out:
	/* a record counted (not written) saves its count; a record that failed does not */
	gate_close(&g, !write, now);
	if (fd >= 0)
		close(fd);
	free(body);
	free(line);
	free(hpath);
	return r;
}
