/*
 * bench_nokey: a failed sign-in with no key attached, our release module
 * beside pam_u2f, as whole processes (bench/nokey.sh drives it).
 *
 *   bench_nokey populate DIR USER N
 *       DIR/practicerunner.conf (bench_write_policy), a store of N users
 *       (USER and N-1 generated ones, one physical ES256 credential each)
 *       and DIR/u2f_keys, pam_u2f's mapping file for the same N users,
 *       USER's line in the middle (a lookup's average case).
 *   bench_nokey measure RUNS USER PAMRUN SERVICE:RESULT...
 *       runs "PAMRUN SERVICE USER auth" RUNS times per service, round-robin
 *       so that background load falls on all alike, after 3 warm-up rounds;
 *       each run must print "result: RESULT". Prints one line per service:
 *       "SERVICE <median CPU us> <p90 CPU us> <median wall us> <p10 CPU us>",
 *       CPU being user + system time of the whole process (wait4).
 *
 * The caller sets PAM_WRAPPER and LD_PRELOAD; each service has a pam.d
 * of its own, $BENCH_PAMD/SERVICE/ (pam_wrapper copies every file of the
 * service directory at each start: one file each keeps that cost small
 * and alike), and its output goes to $BENCH_OUT/out.SERVICE.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benchlib.h"
#include "store.h"
#include "util.h"

#define WARMUP 3

/* ---- populate ------------------------------------------------------------------- */

static void b64(const unsigned char *in, size_t n, char *out)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		out[o++] = a[in[i] >> 2];
		out[o++] = a[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		out[o++] = a[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		out[o++] = a[in[i + 2] & 63];
	}
	if (i < n) {
		out[o++] = a[in[i] >> 2];
		out[o++] = a[((in[i] & 3) << 4) | (i + 1 < n ? in[i + 1] >> 4 : 0)];
		out[o++] = i + 1 < n ? a[(in[i + 1] & 15) << 2] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}

/* One pam_u2f line: "user:keyHandle,publicKey,es256,+presence". */
static void u2f_line(FILE *f, const char *user)
{
	unsigned char kh[64], pk[65];
	char khs[96], pks[96];

	if (pr_random(kh, sizeof(kh)) != PR_OK || pr_random(pk, sizeof(pk)) != PR_OK)
		bench_die("no random bytes");
	pk[0] = 0x04;
	b64(kh, sizeof(kh), khs);
	b64(pk, sizeof(pk), pks);
	fprintf(f, "%s:%s,%s,es256,+presence\n", user, khs, pks);
}

static void populate(const char *dir, const char *user, long n)
{
	char conf[4096], path[4096], name[32];
	FILE *f;

	bench_write_policy(dir, conf, sizeof(conf));
	snprintf(path, sizeof(path), "%s/state/users", dir);
	if (mkdir(path, 0700) != 0)
		bench_die("%s: cannot make", path);
	snprintf(path, sizeof(path), "%s/state", dir);
	bench_generate_users(path, "bu", n - 1);
	bench_generate_user(path, user);
	snprintf(path, sizeof(path), "%s/u2f_keys", dir);
	if ((f = fopen(path, "wx")) == NULL)
		bench_die("%s: cannot create", path);
	for (long i = 0; i < n - 1; i++) {
		if (i == (n - 1) / 2)
			u2f_line(f, user);
		snprintf(name, sizeof(name), "bu%07ld", i);
		u2f_line(f, name);
	}
	if (n == 1)
		u2f_line(f, user);
	if (fclose(f) != 0 || chmod(path, 0644) != 0)
		bench_die("%s: cannot write", path);
}

/* ---- measure -------------------------------------------------------------------- */

struct service {
	const char *name;
	const char *want;     /* the result every run must print */
	double *cpu, *wall;
	size_t n;
};

/* One run of pamrun; its output goes to out, checked for the wanted result. */
static void run_once(struct service *s, const char *pamrun, const char *user,
    const char *pamd, const char *out, bool keep)
{
	struct rusage ru;
	char line[256], want[128];
	double t0 = bench_now_us(), t1;
	bool seen = false;
	int status, fd;
	pid_t pid;
	FILE *f;

	if ((pid = fork()) < 0)
		bench_die("fork failed");
	if (pid == 0) {
		if (setenv("PAM_WRAPPER_SERVICE_DIR", pamd, 1) != 0 ||
		    (fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
		    dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		execl(pamrun, pamrun, s->name, user, "auth", (char *)NULL);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid)
		bench_die("wait4 failed");
	t1 = bench_now_us();
	snprintf(want, sizeof(want), "result: %s\n", s->want);
	if ((f = fopen(out, "r")) != NULL) {
		while (!seen && fgets(line, sizeof(line), f) != NULL)
			seen = strcmp(line, want) == 0;
		fclose(f);
	}
	if (!seen)
		bench_die("%s: the run did not print \"result: %s\" (see %s)", s->name, s->want, out);
	if (!keep)
		return;
	s->cpu[s->n] = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
	s->wall[s->n] = t1 - t0;
	s->n++;
}

static void measure(long runs, const char *user, const char *pamrun, int n, char **spec)
{
	struct service *s = calloc((size_t)n, sizeof(*s));
	char out[4096], pamd[4096];
	const char *tmp = getenv("BENCH_OUT"), *base = getenv("BENCH_PAMD");

	if (s == NULL)
		bench_die("out of memory");
	if (tmp == NULL || base == NULL)
		bench_die("BENCH_OUT and BENCH_PAMD name the output and pam.d directories");
	for (int i = 0; i < n; i++) {
		char *colon = strchr(spec[i], ':');

		if (colon == NULL)
			bench_die("'%s': SERVICE:RESULT expected", spec[i]);
		*colon = '\0';
		s[i].name = spec[i];
		s[i].want = colon + 1;
		if ((s[i].cpu = calloc((size_t)runs, sizeof(double))) == NULL ||
		    (s[i].wall = calloc((size_t)runs, sizeof(double))) == NULL)
			bench_die("out of memory");
	}
	for (long k = 0; k < WARMUP + runs; k++)
		for (int i = 0; i < n; i++) {
			snprintf(out, sizeof(out), "%s/out.%s", tmp, s[i].name);
			snprintf(pamd, sizeof(pamd), "%s/%s", base, s[i].name);
			run_once(&s[i], pamrun, user, pamd, out, k >= WARMUP);
		}
	for (int i = 0; i < n; i++)
		printf("%s %.0f %.0f %.0f %.0f\n", s[i].name, bench_quantile(s[i].cpu, s[i].n, 0.5),
		    bench_quantile(s[i].cpu, s[i].n, 0.9), bench_quantile(s[i].wall, s[i].n, 0.5),
		    bench_quantile(s[i].cpu, s[i].n, 0.1));
}

int main(int argc, char **argv)
{
	long n;

	if (argc == 5 && strcmp(argv[1], "populate") == 0) {
		if ((n = strtol(argv[4], NULL, 10)) <= 0)
			bench_die("bad population size '%s'", argv[4]);
		populate(argv[2], argv[3], n);
		return 0;
	}
	if (argc >= 6 && strcmp(argv[1], "measure") == 0) {
		if ((n = strtol(argv[2], NULL, 10)) <= 0)
			bench_die("bad number of runs '%s'", argv[2]);
		measure(n, argv[3], argv[4], argc - 5, argv + 5);
		return 0;
	}
	bench_die("usage: bench_nokey populate DIR USER N | "
	    "measure RUNS USER PAMRUN SERVICE:RESULT...");
}
