/*
 * The directory of changes begun and not yet recorded (audit_pending.h).
 *
 * An intent file, "<ns since the epoch, 16 hex>-<random, 16 hex>.intent"
 * (names sort oldest first), holds exactly:
 *
 *   practicerunner-intent 1
 *   boot_id <uuid>
 *   pid <n>
 *   start <n>
 *   pidns <n>
 *   body <record body, one line>
 *
 * A process is named by pid and start time, as procps and systemd name
 * one: a pid alone may be reused by the time anyone looks. The boot id
 * makes every intent from before a restart (power loss) the record of a
 * process that is gone; the pid namespace says whose pids these are.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit_pending.h"
#include "err.h"
#include "secure_file.h"
#include "util.h"

#define PENDING_MAGIC "practicerunner-intent 1"
#define PENDING_EXT ".intent"
#define PENDING_FILE_MAX 16384     /* a record is at most 8 KiB */
#define PENDING_LIST_MAX 4096      /* names looked at per listing: a bound on memory */
#define STAT_MAX 4096              /* /proc/<pid>/stat */

/* ---- who is running ------------------------------------------------------------- */

/* A small /proc file into buf (NUL-terminated); -1 with errno on failure. */
static ssize_t read_proc(const char *path, char *buf, size_t cap)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -1;
	do {
		n = read(fd, buf, cap - 1);
	} while (n < 0 && errno == EINTR);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/*
 * State (field 3) and start time (field 22) of /proc/<pid>/stat. The
 * command name (field 2) may hold spaces and ')': fields are counted from
 * the last ')'.
 */
static int proc_stat(long pid, char *state, uint64_t *start)
{
	char path[64], buf[STAT_MAX];
	const char *p;
	char *end;
	int field;

	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/stat");
	if (read_proc(path, buf, sizeof(buf)) < 0)
		return errno == ENOENT || errno == ESRCH ? PR_ERR_NOT_FOUND : PR_ERR_IO;
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return PR_ERR_IO;
	p += 2;
	*state = *p;
	for (field = 3; field < 22 && (p = strchr(p, ' ')) != NULL; field++)
		p++;
	if (p == NULL || *p < '0' || *p > '9')
		return PR_ERR_IO;
	errno = 0;
	*start = strtoull(p, &end, 10);
	return errno != 0 || (*end != ' ' && *end != '\n' && *end != '\0') ? PR_ERR_IO : PR_OK;
}

static int boot_id(char out[37])
{
	char buf[64];

	if (read_proc("/proc/sys/kernel/random/boot_id", buf, sizeof(buf)) < 36 ||
	    (buf[36] != '\n' && buf[36] != '\0'))
		return PR_ERR_IO;
	memcpy(out, buf, 36);
	out[36] = '\0';
	return PR_OK;
}

int pr_pending_self(struct pr_pending_writer *w)
{
	struct stat st;
	char state;

	memset(w, 0, sizeof(*w));
	w->pid = (long)getpid();
	if (boot_id(w->boot_id) != PR_OK || proc_stat(0, &state, &w->start) != PR_OK ||
	    stat("/proc/self/ns/pid", &st) != 0)
		return PR_ERR_IO;
	w->pidns = (uint64_t)st.st_ino;
	return PR_OK;
}

enum pr_pending_state pr_pending_judge(const struct pr_pending_writer *w,
    const struct pr_pending_writer *self)
{
	uint64_t start = 0;
	char state = '?';
	int r;

	if (strcmp(w->boot_id, self->boot_id) != 0)
		return PR_PENDING_GONE;       /* written before a restart */
	if (w->pidns != self->pidns)
		return PR_PENDING_UNKNOWN;    /* its pids are not ours to look up */
	r = proc_stat(w->pid, &state, &start);
	if (r == PR_ERR_NOT_FOUND)
		return PR_PENDING_GONE;
	if (r != PR_OK)
		return PR_PENDING_UNKNOWN;
	/* A zombie has ended; only its parent has not collected its status yet. */
	if (start != w->start || state == 'Z' || state == 'X' || state == 'x')
		return PR_PENDING_GONE;
	return PR_PENDING_LIVE;
}

/* ---- the file ------------------------------------------------------------------- */

char *pr_pending_format(const struct pr_pending_writer *w, const char *body)
{
	char *text = NULL;

	if (strchr(body, '\n') != NULL)
		return NULL;
	if (asprintf(&text, PENDING_MAGIC "\nboot_id %s\npid %ld\nstart %" PRIu64
	    "\npidns %" PRIu64 "\nbody %s\n", w->boot_id, w->pid, w->start, w->pidns,
	    body) < 0)
		return NULL;
	return text;
}

/* "<key> <value>\n" at *p: the value's start and length; *p moves past the line. */
static bool take_line(const char **p, const char *end, const char *key, const char **v,
    size_t *n)
{
	size_t klen = strlen(key);
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));

	if (nl == NULL || (size_t)(nl - *p) <= klen || memcmp(*p, key, klen) != 0 ||
	    (*p)[klen] != ' ')
		return false;
	*v = *p + klen + 1;
	*n = (size_t)(nl - *v);
	*p = nl + 1;
	return true;
}

static bool take_number(const char **p, const char *end, const char *key, uint64_t *out)
{
	char digits[24];
	const char *v;
	size_t n;

	if (!take_line(p, end, key, &v, &n) || n == 0 || n >= sizeof(digits))
		return false;
	for (size_t i = 0; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return false;
	memcpy(digits, v, n);
	digits[n] = '\0';
	errno = 0;
	*out = strtoull(digits, NULL, 10);
	return errno == 0;
}

int pr_pending_parse(const char *buf, size_t len, struct pr_pending_writer *w, char **body)
{
	const char *p = buf, *end = buf + len, *v;
	size_t n, mlen = strlen(PENDING_MAGIC);
	uint64_t pid = 0;

	*body = NULL;
	memset(w, 0, sizeof(*w));
	if (len <= mlen || memcmp(p, PENDING_MAGIC "\n", mlen + 1) != 0)
		return PR_ERR_CORRUPT;
	p += mlen + 1;
	if (!take_line(&p, end, "boot_id", &v, &n) || n != 36)
		return PR_ERR_CORRUPT;
	memcpy(w->boot_id, v, 36);
	if (!take_number(&p, end, "pid", &pid) || pid == 0 || pid > 0x7fffffff ||
	    !take_number(&p, end, "start", &w->start) ||
	    !take_number(&p, end, "pidns", &w->pidns) ||
	    !take_line(&p, end, "body", &v, &n) || n == 0 || p != end ||
	    memchr(v, '\0', n) != NULL)
		return PR_ERR_CORRUPT;
	w->pid = (long)pid;
	if ((*body = strndup(v, n)) == NULL)
		return PR_ERR_NOMEM;
	return PR_OK;
}

/* ---- the directory -------------------------------------------------------------- */

static char *dir_path(const char *log_path)
{
	char *p = NULL;

	return asprintf(&p, "%s" PR_PENDING_SUFFIX, log_path) < 0 ? NULL : p;
}

/* The directory, made if create; no links; ours alone (0700). */
static int open_dir(const char *log_path, bool create, int *dfd)
{
	enum pr_file_status st;
	char *path = dir_path(log_path);
	int r = PR_OK;

	*dfd = -1;
	if (path == NULL)
		return PR_ERR_NOMEM;
	if (create)
		r = pr_ensure_dir(AT_FDCWD, path, 0700);
	if (r == PR_OK && (st = pr_secure_opendir(AT_FDCWD, path, 077, dfd)) != PR_FILE_OK)
		r = st == PR_FILE_MISSING ? PR_ERR_NOT_FOUND : pr_file_status_err(st);
	free(path);
	return r;
}

static int new_name(char name[PR_PENDING_NAME_MAX])
{
	struct timespec ts;
	uint64_t rnd;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || pr_random(&rnd, sizeof(rnd)) != PR_OK)
		return PR_ERR_IO;
	snprintf(name, PR_PENDING_NAME_MAX, "%016" PRIx64 "-%016" PRIx64 PENDING_EXT,
	    (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, rnd);
	return PR_OK;
}

int pr_pending_write(const char *log_path, const char *body,
    char name[PR_PENDING_NAME_MAX], struct pr_errbuf *eb)
{
	struct pr_pending_writer self;
	char *text = NULL;
	int dfd = -1, r;

	name[0] = '\0';
	if (log_path == NULL || log_path[0] == '\0')
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no audit log configured");
	if (pr_pending_self(&self) != PR_OK)
		return pr_fail(eb, PR_ERR_AUDIT, "cannot tell who this process is from /proc "
		    "(boot id, start time): the change is not made, as it could not be "
		    "recorded if the program were stopped halfway");
	if ((text = pr_pending_format(&self, body)) == NULL)
		return pr_fail(eb, PR_ERR_NOMEM, "out of memory");
	if ((r = open_dir(log_path, true, &dfd)) != PR_OK) {
		pr_fail(eb, r == PR_ERR_NOT_FOUND ? PR_ERR_AUDIT : r, "%s" PR_PENDING_SUFFIX
		    ": cannot use the directory of changes not yet recorded (%s); it must be a "
		    "directory of root's, mode 0700", log_path, pr_strerror(r));
		goto out;
	}
	if ((r = new_name(name)) != PR_OK ||
	    (r = pr_atomic_replace(dfd, name, text, strlen(text), 0600)) != PR_OK) {
		pr_fail(eb, r, "%s" PR_PENDING_SUFFIX ": cannot write (%s)", log_path,
		    pr_strerror(r));
		name[0] = '\0';
	}
out:
	if (dfd >= 0)
		close(dfd);
	free(text);
	return r;
}

int pr_pending_remove(const char *log_path, const char *name)
{
	int dfd = -1, r;

	if (name == NULL || name[0] == '\0')
		return PR_OK;
	if ((r = open_dir(log_path, false, &dfd)) != PR_OK)
		return r == PR_ERR_NOT_FOUND ? PR_OK : r;
	if (unlinkat(dfd, name, 0) != 0 && errno != ENOENT)
		r = PR_ERR_IO;
	/* Gone for good: power loss must not bring it back as a change never recorded. */
	else if (fsync(dfd) != 0)
		r = PR_ERR_IO;
	close(dfd);
	return r;
}

/* Names of intents, sorted (oldest first). */
struct names {
	char (*v)[PR_PENDING_NAME_MAX];
	size_t n;
};

static bool intent_name(const char *d)
{
	size_t n = strlen(d), e = strlen(PENDING_EXT);

	/* Temp files of pr_atomic_replace start with '.'. */
	return d[0] != '.' && n > e && n < PR_PENDING_NAME_MAX &&
	    strcmp(d + n - e, PENDING_EXT) == 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int list_names(int dfd, struct names *out)
{
	DIR *d;
	struct dirent *e;
	size_t cap = 0;
	int fd = dup(dfd), r = PR_OK;

	out->v = NULL;
	out->n = 0;
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return PR_ERR_IO;
	}
	/* Usually none or a few: grown as needed, never past PENDING_LIST_MAX. */
	while (out->n < PENDING_LIST_MAX && (e = readdir(d)) != NULL) {
		if (!intent_name(e->d_name))
			continue;
		if (out->n == cap) {
			size_t ncap = cap == 0 ? 16 : cap * 2;
			void *v = realloc(out->v, ncap * sizeof(*out->v));

			if (v == NULL) {
				r = PR_ERR_NOMEM;
				break;
			}
			out->v = v;
			cap = ncap;
		}
		/* intent_name() took only names shorter than PR_PENDING_NAME_MAX */
		memcpy(out->v[out->n++], e->d_name, strlen(e->d_name) + 1);
	}
	closedir(d);
	if (out->n > 0)
		qsort(out->v, out->n, sizeof(*out->v), name_cmp);
	return r;
}

/* One intent's writer and body; PR_ERR_CORRUPT when unreadable or malformed. */
static int read_intent(int dfd, const char *name, struct pr_pending_writer *w, char **body)
{
	enum pr_file_status st;
	char *buf = NULL;
	size_t len = 0;
	int r;

	*body = NULL;
	st = pr_secure_read(dfd, name, 077, PENDING_FILE_MAX, &buf, &len);
	if (st == PR_FILE_MISSING)
		return PR_ERR_NOT_FOUND;   /* its writer removed it meanwhile */
	r = st == PR_FILE_OK ? pr_pending_parse(buf, len, w, body) : PR_ERR_CORRUPT;
	free(buf);
	return r;
}

/* What one pass over the directory does with each intent. */
struct pass {
	pr_pending_visit_fn visit;       /* list */
	pr_pending_record_fn record;     /* sweep */
	void *arg;
	bool judge;                      /* we know who we are: writers can be judged */
	int swept;
	int record_err;                  /* the record's error that stopped the sweep */
};

static int pass_one(struct pass *ps, int dfd, const char *name,
    const struct pr_pending_writer *self)
{
	struct pr_pending_writer w;
	enum pr_pending_state st;
	char *body = NULL;
	int r = read_intent(dfd, name, &w, &body);

	if (r == PR_ERR_NOT_FOUND)
		return PR_OK;
	st = r == PR_OK && ps->judge ? pr_pending_judge(&w, self) : PR_PENDING_UNKNOWN;
	if (ps->visit != NULL) {
		ps->visit(ps->arg, name, r == PR_OK ? &w : NULL, st, body);
		r = PR_OK;
	} else if (r == PR_OK && st == PR_PENDING_GONE) {
		/* Recorded first, then removed: a crash between the two repeats it, never loses it. */
		if ((r = ps->record(ps->arg, body)) != PR_OK) {
			ps->record_err = r;
		} else {
			ps->swept++;
			/* Not removable: stop, or every append would record it again. */
			if (unlinkat(dfd, name, 0) != 0 && errno != ENOENT)
				r = PR_ERR_IO;
			else
				fsync(dfd);
		}
	} else {
		r = PR_OK;                /* live, unknown or unreadable: left alone */
	}
	free(body);
	return r;
}

static int pass_dir(const char *log_path, struct pass *ps)
{
	struct pr_pending_writer self;
	struct names names = { NULL, 0 };
	int dfd = -1, r;

	if ((r = open_dir(log_path, false, &dfd)) != PR_OK)
		return r == PR_ERR_NOT_FOUND ? PR_OK : r;
	/* Without knowing ourselves, every writer is unknown: nothing is swept. */
	ps->judge = pr_pending_self(&self) == PR_OK;
	if ((r = list_names(dfd, &names)) != PR_OK)
		goto out;
	for (size_t i = 0; i < names.n && ps->swept < PR_PENDING_SWEEP_MAX; i++)
		if ((r = pass_one(ps, dfd, names.v[i], &self)) != PR_OK)
			break;
out:
	free(names.v);
	close(dfd);
	return r;
}

int pr_pending_list(const char *log_path, pr_pending_visit_fn fn, void *arg)
{
	struct pass ps = { .visit = fn, .arg = arg };

	return pass_dir(log_path, &ps);
}

int pr_pending_sweep(const char *log_path, pr_pending_record_fn fn, void *arg, int *swept)
{
	struct pass ps = { .record = fn, .arg = arg };

	/* The directory's own trouble must not stop the caller's record (verify reports it). */
	(void)pass_dir(log_path, &ps);
	*swept = ps.swept;
	return ps.record_err;
}
