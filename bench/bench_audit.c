/*
 * bench_audit: audit log figures (bench/audit.sh prints the table).
 *
 *   bench_audit gen LOG N      write a valid N-record log and its head file,
 *                              fast: pr_audit_format + pr_audit_chain, the
 *                              appender's own formatting and chaining, into
 *                              one buffered stream (no lock, fsync or syslog
 *                              per record). Prints "<seconds> <bytes>".
 *   bench_audit append LOG K   K records through pr_audit_append, exactly as
 *                              a login writes them (lock, tail check, write,
 *                              fsync, head file replaced and fsync'd).
 *                              Prints "<records/s> <median ms> <p99 ms>".
 *   bench_audit verify LOG     pr_audit_verify in process, for profiling
 *                              without the CLI. Prints "<seconds> <records>".
 *
 * Records look like a login's: every field of an auth record filled in.
 * The appender's syslog copy is muted (--wrap=syslog), so that benchmarks
 * do not fill the host's auth log.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "benchlib.h"
#include "err.h"
#include "util.h"

void __wrap_syslog(int pri, const char *fmt, ...);

void __wrap_syslog(int pri, const char *fmt, ...)
{
	(void)pri;
	(void)fmt;
}

/* The i-th record: a login of one of 1000 users, every tenth one failing. */
static struct pr_audit_event event_of(long i, char *user, size_t cap)
{
	snprintf(user, cap, "user%04ld", i % 1000);
	return (struct pr_audit_event){
		.event = "auth", .success = i % 10 != 0,
		.reason = i % 10 != 0 ? "physical" : "bad-signature", .user = user,
		.role = "staff", .method = "security-key", .service = "login",
		.tty = "tty1", .rhost = NULL, .rp_id = "pam://bench-clinic",
		.cred_id = "kB3nzD4Xq0Xg7Y1Yd3x8bYq1c2vQm9V4k5o6p7r8s9tAuBvCwDxEyFzG0H1I2J3K4L5M6N7O8P9Q",
		.aaguid = "cb69481e-8ff7-4039-93ec-0a2729a154a8", .flags = 0x05,
		.sign_count = i, .cred_class = "physical", .path = "direct",
	};
}

/* A new 0600 file, as the appender makes them. */
static FILE *create(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *f;

	if (fd < 0)
		return NULL;
	if ((f = fdopen(fd, "w")) == NULL)
		close(fd);
	return f;
}

static int gen(const char *log_path, long n)
{
	char prev[65], next[65], user[32], head[4096], *body = NULL, *line = NULL;
	double t0 = bench_now_us();
	long long bytes = 0;
	size_t len = 0;
	FILE *f;

	memset(prev, '0', 64);
	prev[64] = '\0';
	if ((f = create(log_path)) == NULL)
		bench_die("%s: %s", log_path, strerror(errno));
	for (long i = 1; i <= n; i++) {
		struct pr_audit_event ev = event_of(i, user, sizeof(user));
		if (pr_audit_format(&ev, 1795492170 + i, "ws-bench", &body) != PR_OK ||
		    pr_audit_chain(i, prev, body, &line, &len, next) != PR_OK)
			bench_die("record %ld: cannot format", i);
		if (fwrite(line, 1, len, f) != len)
			bench_die("%s: write failed", log_path);
		bytes += (long long)len;
		memcpy(prev, next, sizeof(prev));
		free(body);
		free(line);
	}
	if (fclose(f) != 0)
		bench_die("%s: write failed", log_path);
	/* The head file: "<seq> <hash of the last line>\n" (lib/audit_head.c). */
	snprintf(head, sizeof(head), "%s.head", log_path);
	if ((f = create(head)) == NULL || fprintf(f, "%ld %s\n", n, prev) < 0 ||
	    fclose(f) != 0)
		bench_die("%s: cannot write", head);
	printf("%.3f %lld\n", (bench_now_us() - t0) / 1e6, bytes);
	return 0;
}

static int append(const char *log_path, long k)
{
	double *t = calloc((size_t)k, sizeof(double)), t0, all;
	struct pr_errbuf eb = { 0 };
	char user[32];

	if (t == NULL)
		bench_die("out of memory");
	all = bench_now_us();
	for (long i = 0; i < k; i++) {
		struct pr_audit_event ev = event_of(i, user, sizeof(user));
		t0 = bench_now_us();
		if (pr_audit_append(log_path, &ev, &eb) != PR_OK)
			bench_die("append: %s", eb.msg);
		t[i] = bench_now_us() - t0;
	}
	all = bench_now_us() - all;
	printf("%.0f %.3f %.3f\n", (double)k / (all / 1e6), bench_quantile(t, (size_t)k, 0.5) / 1000,
	    bench_quantile(t, (size_t)k, 0.99) / 1000);
	free(t);
	return 0;
}

static int verify(const char *log_path)
{
	struct pr_errbuf eb = { 0 };
	long bad = 0, n = 0;
	double t0 = bench_now_us();

	if (pr_audit_verify(log_path, &bad, &n, &eb) != PR_OK)
		bench_die("verify: %s", eb.msg);
	printf("%.3f %ld\n", (bench_now_us() - t0) / 1e6, n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "gen") == 0)
		return gen(argv[2], strtol(argv[3], NULL, 10));
	if (argc == 4 && strcmp(argv[1], "append") == 0)
		return append(argv[2], strtol(argv[3], NULL, 10));
	if (argc == 3 && strcmp(argv[1], "verify") == 0)
		return verify(argv[2]);
	bench_die("usage: bench_audit gen LOG N | append LOG K | verify LOG");
}
