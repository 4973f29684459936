/* Helpers of the C benchmarks (benchlib.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "benchlib.h"
#include "store.h"
#include "util.h"

double bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_quantile(double *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	k = (size_t)(p * (double)n + 0.999999);   /* nearest rank, 1-based */
	return v[k == 0 ? 0 : (k > n ? n : k) - 1];
}

long bench_env_long(const char *name, long def)
{
	const char *s = getenv(name);
	char *end = NULL;
	long v;

	if (s == NULL || *s == '\0')
		return def;
	errno = 0;
	v = strtol(s, &end, 10);
	return errno != 0 || *end != '\0' || v <= 0 ? def : v;
}

void bench_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

char *bench_scratch_dir(const char *tag)
{
	const char *base = getenv("BENCH_DIR");
	char *p = NULL;

	if (base == NULL || *base == '\0')
		base = "/var/tmp";
	if (asprintf(&p, "%s/pr-bench-%s.XXXXXX", base, tag) < 0 || mkdtemp(p) == NULL)
		bench_die("cannot make a scratch directory under %s: %s", base, strerror(errno));
	return p;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;   /* best effort: go on with the rest */
}

void bench_rm_tree(const char *path)
{
	nftw(path, rm_one, 64, FTW_DEPTH | FTW_PHYS);
}

void bench_write_policy(const char *dir, char *conf_path, size_t cap)
{
	static const char *const sub[] = { "state", "anchors" };
	char p[4096];
	FILE *f;

	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, sub[i]);
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			bench_die("%s: %s", p, strerror(errno));
	}
	snprintf(conf_path, cap, "%s/practicerunner.conf", dir);
	if ((f = fopen(conf_path, "wx")) == NULL)
		bench_die("%s: %s", conf_path, strerror(errno));
	fprintf(f,
	    "rp_id = \"pam://bench-clinic\"\n"
	    "require_security_key = all-users\n"
	    "require_physical_key = owners\n"
	    "user_verification = discouraged\n"
	    "touch_timeout = 5\n"
	    "state_dir = \"%s/state\"\n"
	    "audit_log = \"%s/audit.log\"\n"
	    "trust_anchors = \"%s/anchors\"\n"
	    "roles {\n  owners = {\"@root\"}\n}\n", dir, dir, dir);
	if (fclose(f) != 0 || chmod(conf_path, 0600) != 0)
		bench_die("%s: cannot write", conf_path);
}

void bench_summary(const char *figure, const char *value, const char *target,
    const char *verdict)
{
	const char *path = getenv("BENCH_SUMMARY");
	FILE *f;

	if (path == NULL || *path == '\0' || (f = fopen(path, "a")) == NULL)
		return;
	fprintf(f, "%s|%s|%s|%s\n", figure, value, target, verdict);
	fclose(f);
}

#define USERS_PER_FILE 100

/* A new store file dir/name holding one random physical ES256 credential. */
static void write_generated(int dfd, const char *dir, const char *name)
{
	unsigned char id[64], pub[64];
	struct pr_cred c;
	struct pr_credlist l = { &c, 1 };
	char *text = NULL;
	size_t len = 0;
	int fd;

	c = (struct pr_cred){ .id = id, .id_len = sizeof(id), .cose_alg = -7,
	    .pubkey = pub, .pubkey_len = sizeof(pub), .cls = PR_CLASS_PHYSICAL,
	    .kind = PR_KIND_FIDO, .flags = 0x41, .fmt = "packed", .created = pr_now() };
	if (pr_random(id, sizeof(id)) != PR_OK || pr_random(pub, sizeof(pub)) != PR_OK ||
	    pr_random(c.aaguid, sizeof(c.aaguid)) != PR_OK ||
	    pr_store_format(&l, &text, &len) != PR_OK)
		bench_die("cannot make a credential");
	if ((fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0 || write(fd, text, len) != (ssize_t)len || close(fd) != 0)
		bench_die("%s/%s: cannot write", dir, name);
	free(text);
}

static int open_users_dir(const char *state_dir, char *path, size_t cap)
{
	int dfd;

	snprintf(path, cap, "%s/users", state_dir);
	if ((dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		bench_die("%s: cannot open", path);
	return dfd;
}

void bench_generate_users(const char *state_dir, const char *prefix, long n)
{
	char path[4096], name[64], first[64] = "";
	int dfd = open_users_dir(state_dir, path, sizeof(path));

	for (long i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s%07ld", prefix, i);
		if (i % USERS_PER_FILE != 0) {
			if (linkat(dfd, first, dfd, name, 0) != 0)
				bench_die("%s/%s: cannot link", path, name);
			continue;
		}
		write_generated(dfd, path, name);
		snprintf(first, sizeof(first), "%s", name);
	}
	close(dfd);
}

void bench_generate_user(const char *state_dir, const char *user)
{
	char path[4096];
	int dfd = open_users_dir(state_dir, path, sizeof(path));

	write_generated(dfd, path, user);
	close(dfd);
}
