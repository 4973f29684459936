/*
 * The files of a rotated audit log, and `audit verify --all`: each file's
 * chain (audit_verify.c), then that each file continues the one before it
 * (doc/ARCHITECTURE.md §8.7). A rotation is in audit_rotate.c.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit_internal.h"
#include "audit_series.h"
#include "err.h"
#include "secure_file.h"

#define STAMP_LEN 16      /* YYYYMMDDTHHMMSSZ */
#define SEQ_DIGITS_MIN 12

/* "<base>.<YYYYMMDDTHHMMSSZ>-<digits>": *seq is the digits. */
static bool series_name_parse(const char *name, const char *base, long long *seq)
{
	size_t bl = strlen(base), n;
	const char *p = name + bl + 1, *d;

	if (strncmp(name, base, bl) != 0 || name[bl] != '.' || strlen(p) < STAMP_LEN + 2)
		return false;
	for (size_t i = 0; i < STAMP_LEN; i++) {
		bool want_t = i == 8, want_z = i == STAMP_LEN - 1;
		if (want_t ? p[i] != 'T' : want_z ? p[i] != 'Z' : (p[i] < '0' || p[i] > '9'))
			return false;
	}
	if (p[STAMP_LEN] != '-')
		return false;
	d = p + STAMP_LEN + 1;
	n = strlen(d);
	*seq = 0;
	if (n < SEQ_DIGITS_MIN || n > 18)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (d[i] < '0' || d[i] > '9')
			return false;
		*seq = *seq * 10 + (d[i] - '0');
	}
	return *seq > 0;
}

void pr_audit_series_free(struct pr_audit_series *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->names[i]);
	free(s->names);
	free(s->name_seq);
	free(s->stale_link);
	memset(s, 0, sizeof(*s));
}

static int series_add(struct pr_audit_series *s, const char *name, long long seq)
{
	char **names = realloc(s->names, (s->n + 1) * sizeof(*names));
	long long *seqs;

	if (names == NULL)
		return PR_ERR_NOMEM;
	s->names = names;
	if ((seqs = realloc(s->name_seq, (s->n + 1) * sizeof(*seqs))) == NULL)
		return PR_ERR_NOMEM;
	s->name_seq = seqs;
	if ((s->names[s->n] = strdup(name)) == NULL)
		return PR_ERR_NOMEM;
	s->name_seq[s->n++] = seq;
	return PR_OK;
}

/* Insertion sort by seq: a series holds a few thousand files at most. */
static void series_sort(struct pr_audit_series *s, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0 && s->name_seq[j - 1] > s->name_seq[j]; j--) {
			long long t = s->name_seq[j];
			char *nm = s->names[j];
			s->name_seq[j] = s->name_seq[j - 1];
			s->names[j] = s->names[j - 1];
			s->name_seq[j - 1] = t;
			s->names[j - 1] = nm;
		}
	}
}

/*
 * A rotation killed between naming the old file and putting the new one in
 * place leaves the live file under a series name too (audit_rotate.c): that
 * name is not part of the series.
 */
static void drop_stale_link(int dfd, const char *base, struct pr_audit_series *s)
{
	struct stat live, st;

	if (fstatat(dfd, base, &live, AT_SYMLINK_NOFOLLOW) != 0 || live.st_nlink < 2)
		return;
	for (size_t i = 0; i < s->n;) {
		if (fstatat(dfd, s->names[i], &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    st.st_dev != live.st_dev || st.st_ino != live.st_ino) {
			i++;
			continue;
		}
		free(s->stale_link);
		s->stale_link = s->names[i];
		memmove(&s->names[i], &s->names[i + 1], (s->n - i - 1) * sizeof(*s->names));
		memmove(&s->name_seq[i], &s->name_seq[i + 1], (s->n - i - 1) * sizeof(*s->name_seq));
		s->n--;
	}
}

static int series_read_dir(DIR *d, const char *dir, const char *base,
    struct pr_audit_series *s, struct pr_errbuf *eb)
{
	struct dirent *de;
	long long seq;
	bool live = false;
	int r;

	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, base) == 0)
			live = true;
		else if (series_name_parse(de->d_name, base, &seq) &&
		    (r = series_add(s, de->d_name, seq)) != PR_OK)
			return pr_fail(eb, r, "%s: out of memory", dir);
	}
	if (errno != 0)
		return pr_fail(eb, PR_ERR_IO, "%s: cannot be read: %s", dir, strerror(errno));
	series_sort(s, s->n);
	for (size_t i = 1; i < s->n; i++)
		if (s->name_seq[i] == s->name_seq[i - 1])
			return pr_fail(eb, PR_ERR_CORRUPT, "%s: %s and %s both say they end at record "
			    "%lld: one of them was copied or renamed", dir, s->names[i - 1], s->names[i],
			    s->name_seq[i]);
	if (live)
		drop_stale_link(dirfd(d), base, s);
	if (live && (r = series_add(s, base, 0)) != PR_OK)
		return pr_fail(eb, r, "%s: out of memory", dir);
	s->has_live = live;
	return PR_OK;
}

int pr_audit_series_list(const char *dir, const char *base, struct pr_audit_series *s,
    struct pr_errbuf *eb)
{
	enum pr_file_status st;
	DIR *d = NULL;
	int dfd = -1, r;

	memset(s, 0, sizeof(*s));
	if (base == NULL || base[0] == '\0' || strchr(base, '/') != NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no audit log name");
	st = pr_secure_opendir(AT_FDCWD, dir, 022, &dfd);
	if (st != PR_FILE_OK)
		return pr_fail(eb, pr_file_status_err(st), "%s: %s", dir, pr_file_status_text(st));
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return pr_fail(eb, PR_ERR_IO, "%s: %s", dir, strerror(errno));
	}
	if ((r = series_read_dir(d, dir, base, s, eb)) != PR_OK)
		pr_audit_series_free(s);
	closedir(d);
	return r;
}

/* ---- verify --all ---------------------------------------------------------------- */

struct series_file {
	const char *name;
	long long name_seq;                /* 0: the live log */
	struct audit_file_sum sum;
};

/* A series file, read whole without a lock: nothing writes to it after its rotation. */
static int verify_series_file(int dfd, const char *dir, struct series_file *f,
    struct pr_errbuf *eb)
{
	enum pr_file_status st;
	char path[4096];
	long bad = 0;
	int fd = -1, r;

	snprintf(path, sizeof(path), "%s/%s", dir, f->name);
	st = pr_secure_open(dfd, f->name, O_RDONLY, 022, &fd);
	if (st != PR_FILE_OK)
		return pr_fail(eb, pr_file_status_err(st), "%s: %s", path, pr_file_status_text(st));
	r = audit_verify_fd(fd, path, &bad, &f->sum, eb);
	close(fd);
	return r;
}

static bool follows(const struct series_file *prev, const struct series_file *f)
{
	return f->sum.continued && f->sum.first_seq == prev->sum.end.seq + 1 &&
	    strcmp(f->sum.first_prev, prev->sum.end.hash) == 0;
}

static int series_bad(struct pr_audit_series_report *rep, const struct series_file *f,
    struct pr_errbuf *eb, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int series_bad(struct pr_audit_series_report *rep, const struct series_file *f,
    struct pr_errbuf *eb, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	snprintf(rep->bad_file, sizeof(rep->bad_file), "%s", f->name);
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return pr_fail(eb, PR_ERR_CORRUPT, "%s", why);
}

/* Why f[i] does not continue f[i-1]: a file reordered, missing, or cut short. */
static int why_not_following(const struct series_file *f, size_t n, size_t i,
    struct pr_audit_series_report *rep, struct pr_errbuf *eb)
{
	const struct series_file *prev = &f[i - 1], *cur = &f[i];

	for (size_t j = i + 1; j < n; j++)
		if (follows(prev, &f[j]))
			return series_bad(rep, cur, eb, "%s does not continue %s, but %s does: the "
			    "files were reordered (renamed)", cur->name, prev->name, f[j].name);
	if (cur->sum.first_seq <= prev->sum.end.seq)
		return series_bad(rep, cur, eb, "%s starts at record %lld, before %s ends (record "
		    "%lld): the files were reordered (renamed) or copied", cur->name,
		    cur->sum.first_seq, prev->name, prev->sum.end.seq);
	if (cur->sum.first_seq > prev->sum.end.seq + 1)
		return series_bad(rep, cur, eb, "records %lld to %lld are missing between %s and "
		    "%s: a file of the series was removed", prev->sum.end.seq + 1,
		    cur->sum.first_seq - 1, prev->name, cur->name);
	return series_bad(rep, cur, eb, "%s does not continue the last record of %s (record "
	    "%lld): that record was replaced, or %s does not belong to this series",
	    cur->name, prev->name, prev->sum.end.seq, cur->name);
}

/*
 * A series name against the file's last record. When another name says it
 * ends there, the two files traded names: reordered, whichever comes first.
 */
static int name_fits(const struct series_file *f, size_t n, size_t i,
    struct pr_audit_series_report *rep, struct pr_errbuf *eb)
{
	const struct series_file *cur = &f[i];

	if (cur->name_seq == 0 || cur->sum.end.seq == cur->name_seq)
		return PR_OK;
	for (size_t j = 0; j < n; j++)
		if (j != i && f[j].name_seq == cur->sum.end.seq)
			return series_bad(rep, cur, eb, "%s holds the records %s's name says (it ends "
			    "at record %lld): the files were reordered (renamed)", cur->name, f[j].name,
			    cur->sum.end.seq);
	if (cur->sum.end.seq < cur->name_seq)
		return series_bad(rep, cur, eb, "%s was cut short: it ends at record %lld, its "
		    "name says record %lld", cur->name, cur->sum.end.seq, cur->name_seq);
	return series_bad(rep, cur, eb, "%s goes on past record %lld, where its name says it "
	    "ends (to record %lld): records were added after its rotation", cur->name,
	    cur->name_seq, cur->sum.end.seq);
}

/* The chain across files, and each series name against the file's last record. */
static int series_judge(const struct series_file *f, size_t n,
    struct pr_audit_series_report *rep, struct pr_errbuf *eb)
{
	int r;

	for (size_t i = 0; i < n; i++) {
		const struct series_file *cur = &f[i];

		if (cur->sum.n == 0 && (cur->name_seq > 0 || i > 0))
			return series_bad(rep, cur, eb, "%s holds no record: a rotation never leaves "
			    "an empty file; it was emptied or replaced", cur->name);
		if (i > 0 && !follows(&f[i - 1], cur) &&
		    (r = why_not_following(f, n, i, rep, eb)) != PR_OK)
			return r;
		if ((r = name_fits(f, n, i, rep, eb)) != PR_OK)
			return r;
		rep->records += cur->sum.n;
	}
	rep->first_seq = n > 0 ? f[0].sum.first_seq : 0;
	rep->last_seq = n > 0 ? f[n - 1].sum.end.seq : 0;
	return PR_OK;
}

/* Every file's own chain. */
static int series_read(int dfd, const char *dir, const struct pr_audit_series *s,
    struct series_file *f, size_t *nf, struct pr_audit_series_report *rep,
    struct pr_errbuf *eb)
{
	char path[4096];
	long bad = 0;
	int r;

	*nf = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct series_file *cur = &f[*nf];

		cur->name = s->names[i];
		cur->name_seq = s->name_seq[i];
		if (cur->name_seq == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, cur->name);
			r = audit_verify_live(path, &bad, &cur->sum, eb);
		} else {
			r = verify_series_file(dfd, dir, cur, eb);
		}
		if (r != PR_OK) {
			snprintf(rep->bad_file, sizeof(rep->bad_file), "%s", cur->name);
			return r;
		}
		(*nf)++;
	}
	return PR_OK;
}

int pr_audit_verify_all(const char *dir, const char *base,
    struct pr_audit_series_report *rep, struct pr_errbuf *eb)
{
	struct pr_audit_series s;
	struct series_file *f = NULL;
	enum pr_file_status st;
	size_t nf = 0;
	int dfd = -1, r;

	memset(rep, 0, sizeof(*rep));
	if ((r = pr_audit_series_list(dir, base, &s, eb)) != PR_OK)
		return r;
	if (s.n == 0) {
		r = pr_fail(eb, PR_ERR_NOT_FOUND, "%s: no file of the audit log %s", dir, base);
		goto out;
	}
	st = pr_secure_opendir(AT_FDCWD, dir, 022, &dfd);
	if (st != PR_FILE_OK) {
		r = pr_fail(eb, pr_file_status_err(st), "%s: %s", dir, pr_file_status_text(st));
		goto out;
	}
	if ((f = calloc(s.n, sizeof(*f))) == NULL) {
		r = pr_fail(eb, PR_ERR_NOMEM, "%s: out of memory", dir);
		goto out;
	}
	if (s.stale_link != NULL)
		snprintf(rep->note, sizeof(rep->note), "%s is the live log under a second name: a "
		    "rotation was interrupted before the new log was in place, so the log is as it "
		    "was before it; run 'practicerunner-admin audit rotate' again", s.stale_link);
	if ((r = series_read(dfd, dir, &s, f, &nf, rep, eb)) == PR_OK &&
	    (r = series_judge(f, nf, rep, eb)) == PR_OK)
		rep->files = nf;
	if (r == PR_OK && rep->first_seq > 1 && rep->note[0] == '\0')
		snprintf(rep->note, sizeof(rep->note), "the series starts at record %lld: the "
		    "files before it were removed or archived elsewhere", rep->first_seq);
out:
	if (dfd >= 0)
		close(dfd);
	free(f);
	pr_audit_series_free(&s);
	return r;
}
