/*
 * Shared by the C benchmarks in bench/: clocks, percentiles, scratch
 * directories, sizes from the environment, the summary lines bench/run.sh
 * collects. Benchmarks only: timings never live in `make check`.
 */
#ifndef PR_BENCHLIB_H
#define PR_BENCHLIB_H

#include <stdbool.h>
#include <stddef.h>

/* Monotonic time in microseconds. */
double bench_now_us(void);

/* The p-quantile (0..1, nearest rank) of v[0..n); sorts v. 0 when n == 0. */
double bench_quantile(double *v, size_t n, double p);

/* A positive integer from the environment, or def when unset or invalid. */
long bench_env_long(const char *name, long def);

/*
 * A fresh 0700 directory under $BENCH_DIR (default /var/tmp: a disk, so
 * fsync costs what it costs; /tmp may be tmpfs). Exits on failure.
 */
char *bench_scratch_dir(const char *tag);

/* Remove a scratch tree (links not followed). */
void bench_rm_tree(const char *path);

/*
 * <dir>/practicerunner.conf: a policy requiring a key of everyone and a
 * physical key of owners (@root), UV discouraged, with state, audit log
 * and anchors inside dir (created). Exits on failure.
 */
void bench_write_policy(const char *dir, char *conf_path, size_t cap);

/*
 * n generated users "<prefix><7 digits>" in the store under state_dir
 * (users/ must exist), one physical ES256 credential each, no fsync.
 * Every 100 users share one file through hard links: the directory still
 * has n entries, each a valid store file, which is what a lookup sees, but
 * set-up and removal write and free few blocks (on a disk mounted with
 * discard, freeing 100,000 files' blocks takes minutes). Exits on failure.
 */
void bench_generate_users(const char *state_dir, const char *prefix, long n);

/* One such user, named user, in a file of its own. Exits on failure. */
void bench_generate_user(const char *state_dir, const char *user);

/*
 * One row for the summary table `make bench` prints at the end, appended
 * to the file named by $BENCH_SUMMARY (nothing when unset):
 * "figure|value|target|verdict".
 */
void bench_summary(const char *figure, const char *value, const char *target,
    const char *verdict);

/* Exit with a message. */
void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
