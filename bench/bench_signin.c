/*
 * bench_signin: what one login costs in the module's own code, in process
 * (no process start-up, no PAM), with a softkey that answers at once.
 *
 *   bench_signin overhead          one population of BENCH_USERS (10) users
 *   bench_signin scaling N1 N2...  populations of N1, N2... users, interleaved
 *
 * A login is what pam_sm_authenticate does on the direct path: load the
 * policy file, pr_signin_user (role, requirement), pr_signin_auth (load the
 * user's credentials, assert on the attached devices, verify, store the
 * counter under the lock) and pr_signin_record (chained, fsync'd audit
 * record). BENCH_LOGINS (1000) logins of users drawn at random from a pool
 * of real accounts (the first BENCH_POOL (8) of the passwd database, since
 * roles are resolved through NSS), each with an enrolled yubikey5 softkey.
 * The rest of the population are generated credential files in the
 * store's format (pr_store_format), written without fsync.
 *
 * Isolating costs: the program is linked with --wrap for the softkey's
 * four I/O callbacks and for fsync and renameat, so each login also
 * reports the time spent inside the softkey (its CTAP handling, signing
 * and state file: the "device" a hardware key would be) and our own waits
 * for the disk outside it. "ours" is the whole minus the softkey; its CPU
 * time (CLOCK_PROCESS_CPUTIME_ID) is reported without the disk waits too. The audit record's syslog copy is skipped
 * (wrapped to a no-op), so that benchmarks do not fill the host's auth
 * log; BENCH_SYSLOG=1 sends it.
 *
 * The target is a ratio to a reference timed in the same rounds, so that
 * a slower machine moves both: one P-256 ECDSA signature verification
 * through OpenSSL (what a login's assertion check costs at the least),
 * timed after every login. Target: ours without disk waits <= 10x it.
 */
#include "config.h"

#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "attest.h"
#include "benchlib.h"
#include "conf.h"
#include "enroll.h"
#include "roles.h"
#include "signin.h"
#include "softkey.h"
#include "store.h"
#include "transport.h"
#include "util.h"

#define POOL_MAX 16
#define WARMUP 20

/* ---- accounting through the linker's --wrap ---------------------------------- */

static int in_device;             /* > 0 while inside a softkey callback */
static double device_us, device_cpu_us, disk_us, disk_cpu_us, fsync_us;

void *__real_sk_io_open(const char *path);
void __real_sk_io_close(void *handle);
int __real_sk_io_read(void *handle, unsigned char *buf, size_t len, int ms);
int __real_sk_io_write(void *handle, const unsigned char *buf, size_t len);
int __real_fsync(int fd);
int __real_renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);
void *__wrap_sk_io_open(const char *path);
void __wrap_sk_io_close(void *handle);
int __wrap_sk_io_read(void *handle, unsigned char *buf, size_t len, int ms);
int __wrap_sk_io_write(void *handle, const unsigned char *buf, size_t len);
int __wrap_fsync(int fd);
int __wrap_renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);
void __wrap_syslog(int pri, const char *fmt, ...);

/* Process CPU time (user + system) in microseconds. */
static double cpu_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

#define DEVICE_CALL(expr) do { double t0 = bench_now_us(), c0 = cpu_now_us(); \
	in_device++; expr; in_device--; device_us += bench_now_us() - t0; \
	device_cpu_us += cpu_now_us() - c0; } while (0)

void *__wrap_sk_io_open(const char *path)
{
	void *h;

	DEVICE_CALL(h = __real_sk_io_open(path));
	return h;
}

void __wrap_sk_io_close(void *handle)
{
	DEVICE_CALL(__real_sk_io_close(handle));
}

int __wrap_sk_io_read(void *handle, unsigned char *buf, size_t len, int ms)
{
	int n;

	DEVICE_CALL(n = __real_sk_io_read(handle, buf, len, ms));
	return n;
}

int __wrap_sk_io_write(void *handle, const unsigned char *buf, size_t len)
{
	int n;

	DEVICE_CALL(n = __real_sk_io_write(handle, buf, len));
	return n;
}

/*
 * Waiting for the disk, ours only (the softkey's own count as the
 * device's): fsync, and the rename of an atomic replace, which on ext4
 * waits for the journal too.
 */
int __wrap_fsync(int fd)
{
	double t0 = bench_now_us(), c0 = cpu_now_us();
	int r = __real_fsync(fd);

	if (in_device == 0) {
		disk_us += bench_now_us() - t0;
		fsync_us += bench_now_us() - t0;
		disk_cpu_us += cpu_now_us() - c0;
	}
	return r;
}

int __wrap_renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath)
{
	double t0 = bench_now_us(), c0 = cpu_now_us();
	int r = __real_renameat(olddirfd, oldpath, newdirfd, newpath);

	if (in_device == 0) {
		disk_us += bench_now_us() - t0;
		disk_cpu_us += cpu_now_us() - c0;
	}
	return r;
}

void __wrap_syslog(int pri, const char *fmt, ...)
{
	static int send = -1;
	va_list ap;

	if (send < 0)
		send = getenv("BENCH_SYSLOG") != NULL && strcmp(getenv("BENCH_SYSLOG"), "1") == 0;
	if (!send)
		return;
	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}

/* ---- one population: scratch dir, policy, pool keys, generated users --------- */

struct population {
	long users;
	char *dir;
	char conf[4096];
	char key[POOL_MAX][4096];     /* softkey state file of pool user i */
	/* per timed login (microseconds) */
	double *whole, *device, *disk, *fsync, *ours, *ours_nodisk, *ours_cpu, *policy;
	double *ref;                  /* the reference verification after each login */
	size_t n;
	double setup_s;               /* enrolling the pool, generating the rest */
};

static char pool[POOL_MAX][64];
static int pool_n;

/* The first accounts of the passwd database with names the module accepts. */
static void pick_pool(int want)
{
	struct passwd *pw;

	setpwent();
	while (pool_n < want && (pw = getpwent()) != NULL)
		if (strlen(pw->pw_name) < sizeof(pool[0]) && pr_username_valid(pw->pw_name))
			snprintf(pool[pool_n++], sizeof(pool[0]), "%s", pw->pw_name);
	endpwent();
	if (pool_n == 0)
		bench_die("no account in the passwd database to sign in");
}

/* A yubikey5 softkey for user, enrolled the way practicerunner-admin does it. */
static void enroll_pool_user(const struct pr_config *cfg, const char *user, const char *key)
{
	struct pr_devices devs = { .n = 0 };
	struct pr_credlist none = { NULL, 0 };
	struct pr_ui ui = { NULL, NULL, NULL };
	struct pr_errbuf eb = { 0 };
	struct pr_cred cred;
	X509_STORE *anchors = NULL;
	int r;

	memset(&cred, 0, sizeof(cred));
	if ((r = sk_provision(key, "yubikey5", NULL, SOFTKEY_CA_PEM, SOFTKEY_CA_KEY)) != SK_OK)
		bench_die("%s: softkey: %s", key, sk_strerror(r));
	setenv("PRACTICERUNNER_SOFTKEY", key, 1);
	if ((r = pr_anchors_load(cfg->trust_anchors, 1, &anchors, &eb)) != PR_OK)
		bench_die("anchors: %s", eb.msg);
	struct pr_enroll_opts o = { .cfg = cfg, .user = user, .label = "bench",
	    .anchors = anchors };
	if ((r = pr_devices_open(&devs)) != PR_OK ||
	    (r = pr_enroll_make(&devs, &o, &none, &ui, &cred, NULL, &eb)) != PR_OK ||
	    (r = pr_store_add(cfg->state, user, &cred, &eb)) != PR_OK)
		bench_die("enrolling %s: %s %s", user, pr_strerror(r), eb.msg);
	pr_devices_close(&devs);
	pr_cred_clear(&cred);
	X509_STORE_free(anchors);
}

static void population_make(struct population *p, long users, size_t logins)
{
	struct pr_config *cfg = NULL;
	struct pr_errbuf eb = { 0 };
	char tag[32];
	int k = users < pool_n ? (int)users : pool_n;

	p->users = users;
	snprintf(tag, sizeof(tag), "signin-%ld", users);
	p->dir = bench_scratch_dir(tag);
	bench_write_policy(p->dir, p->conf, sizeof(p->conf));
	if (pr_roles_config_load(p->conf, &cfg, &eb) != PR_OK)
		bench_die("%s", eb.msg);
	for (int i = 0; i < k; i++) {
		snprintf(p->key[i], sizeof(p->key[i]), "%s/key-%s", p->dir, pool[i]);
		enroll_pool_user(cfg, pool[i], p->key[i]);
	}
	bench_generate_users(cfg->state_dir, "bu", users - k);
	pr_config_free(&cfg);
	if ((p->whole = calloc(logins, sizeof(double))) == NULL ||
	    (p->device = calloc(logins, sizeof(double))) == NULL ||
	    (p->disk = calloc(logins, sizeof(double))) == NULL ||
	    (p->fsync = calloc(logins, sizeof(double))) == NULL ||
	    (p->ours = calloc(logins, sizeof(double))) == NULL ||
	    (p->ours_nodisk = calloc(logins, sizeof(double))) == NULL ||
	    (p->ours_cpu = calloc(logins, sizeof(double))) == NULL ||
	    (p->policy = calloc(logins, sizeof(double))) == NULL ||
	    (p->ref = calloc(logins, sizeof(double))) == NULL)
		bench_die("out of memory");
}

/* ---- the reference: one P-256 signature verification ------------------------------ */

static EVP_PKEY *ref_key;
static unsigned char ref_sig[80], ref_msg[69];
static size_t ref_sig_len = sizeof(ref_sig);

static void reference_make(void)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	memset(ref_msg, 0x5a, sizeof(ref_msg));   /* authenticator data + client data hash */
	if (ctx == NULL || (ref_key = EVP_EC_gen("P-256")) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, ref_key) != 1 ||
	    EVP_DigestSign(ctx, ref_sig, &ref_sig_len, ref_msg, sizeof(ref_msg)) != 1)
		bench_die("cannot make the reference signature");
	EVP_MD_CTX_free(ctx);
}

static double reference_verify_us(void)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	double t0 = bench_now_us();

	if (ctx == NULL || EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, ref_key) != 1 ||
	    EVP_DigestVerify(ctx, ref_sig, ref_sig_len, ref_msg, sizeof(ref_msg)) != 1)
		bench_die("the reference signature does not verify");
	t0 = bench_now_us() - t0;
	EVP_MD_CTX_free(ctx);
	return t0;
}

/* ---- one login, as the module's direct path runs it ------------------------------ */

static void login(struct population *p, bool keep)
{
	int k = p->users < pool_n ? (int)p->users : pool_n;
	int i = (int)(random() % k);
	struct pr_config *cfg = NULL;
	struct pr_errbuf eb = { 0 };
	const char *note = NULL;
	bool ignore = false;
	double t0, t1, t2, c0, c2;
	int r;

	setenv("PRACTICERUNNER_SOFTKEY", p->key[i], 1);
	device_us = device_cpu_us = disk_us = disk_cpu_us = fsync_us = 0;
	c0 = cpu_now_us();
	t0 = bench_now_us();
	if (pr_roles_config_load(p->conf, &cfg, &eb) != PR_OK)
		bench_die("%s", eb.msg);
	t1 = bench_now_us();
	struct pr_signin s = { .cfg = cfg, .user = pool[i], .service = "bench",
	    .tty = "pts/0", .path = "direct" };
	if ((r = pr_signin_user(&s)) == PR_OK)
		r = pr_signin_auth(&s, &ignore, &note);
	if (r != PR_OK || ignore)
		bench_die("login of %s failed: %s %s", pool[i], pr_strerror(r), s.eb.msg);
	if ((r = pr_signin_record(&s, pr_signin_event(&s), r, note)) != PR_OK)
		bench_die("audit record of %s: %s %s", pool[i], pr_strerror(r), s.eb.msg);
	pr_signin_clear(&s);
	pr_config_free(&cfg);
	t2 = bench_now_us();
	c2 = cpu_now_us();
	if (!keep)
		return;
	p->whole[p->n] = t2 - t0;
	p->device[p->n] = device_us;
	p->disk[p->n] = disk_us;
	p->fsync[p->n] = fsync_us;
	p->ours[p->n] = t2 - t0 - device_us;
	p->ours_nodisk[p->n] = t2 - t0 - device_us - disk_us;
	p->ours_cpu[p->n] = c2 - c0 - device_cpu_us - disk_cpu_us;
	p->policy[p->n] = t1 - t0;
	p->ref[p->n] = reference_verify_us();
	p->n++;
}

/* ---- reports ---------------------------------------------------------------------- */

static void row(const char *what, double *v, size_t n)
{
	double med = bench_quantile(v, n, 0.5), p99 = bench_quantile(v, n, 0.99);

	printf("%-66s %9.3f %9.3f\n", what, med / 1000, p99 / 1000);
}

static void report_overhead(struct population *p)
{
	double *share = calloc(p->n > 0 ? p->n : 1, sizeof(double));
	double *fshare = calloc(p->n > 0 ? p->n : 1, sizeof(double));
	double ours, nodisk, cpu, disk, sh, fsh, ref;
	char v[96];

	if (share == NULL || fshare == NULL)
		bench_die("out of memory");
	for (size_t i = 0; i < p->n; i++) {
		share[i] = p->ours[i] > 0 ? 100 * p->disk[i] / p->ours[i] : 0;
		fshare[i] = p->ours[i] > 0 ? 100 * p->fsync[i] / p->ours[i] : 0;
	}
	sh = bench_quantile(share, p->n, 0.5);
	fsh = bench_quantile(fshare, p->n, 0.5);
	ours = bench_quantile(p->ours, p->n, 0.5) / 1000;
	nodisk = bench_quantile(p->ours_nodisk, p->n, 0.5) / 1000;
	cpu = bench_quantile(p->ours_cpu, p->n, 0.5) / 1000;
	disk = bench_quantile(p->disk, p->n, 0.5) / 1000;
	ref = bench_quantile(p->ref, p->n, 0.5) / 1000;
	printf("%-66s %9s %9s\n", "per login, softkey answering at once", "median ms", "p99 ms");
	row("whole login (policy, decision, assertion, verify, store, audit)", p->whole, p->n);
	row("  inside the softkey (CTAP handling, signing, its state file)", p->device, p->n);
	row("  ours = whole - softkey", p->ours, p->n);
	row("    of which waiting for the disk (fsync, rename)", p->disk, p->n);
	row("      fsync alone", p->fsync, p->n);
	row("    of which loading the policy file", p->policy, p->n);
	row("  ours without the disk waits", p->ours_nodisk, p->n);
	row("  ours, CPU time outside the disk waits (user + system)", p->ours_cpu, p->n);
	row("reference: one P-256 signature verification (OpenSSL)", p->ref, p->n);
	printf("%-66s %9.1f\n", "ratio ours without disk waits / reference (target <= 10)",
	    nodisk / ref);
	printf("%-66s %8.0f%%\n", "disk-wait share of ours (median of per-login shares)", sh);
	printf("%-66s %8.0f%%\n", "fsync share of ours (median of per-login shares)", fsh);
	printf("(%zu logins of %d pool users among %ld enrolled, after %d warm-up logins; "
	    "scratch dir on %s; per login ours does 5 fsyncs and 2 renames:\n"
	    " credential file replace (file, rename, dir) and audit append (record, head file, "
	    "rename, dir))\n", p->n, p->users < pool_n ? (int)p->users : pool_n,
	    p->users, WARMUP, getenv("BENCH_DIR") ? getenv("BENCH_DIR") : "/var/tmp");
	snprintf(v, sizeof(v), "%.1f (%.3f / %.3f ms; CPU %.3f ms)", nodisk / ref, nodisk,
	    ref, cpu);
	bench_summary("login overhead without disk waits / one P-256 verify", v, "<= 10",
	    nodisk / ref <= 10 ? "met" : "MISSED");
	snprintf(v, sizeof(v), "%.3f ms (p99 %.3f)", ours,
	    bench_quantile(p->ours, p->n, 0.99) / 1000);
	bench_summary("login overhead, ours with disk waits (median)", v, "-", "disk-bound");
	snprintf(v, sizeof(v), "%.3f ms, %.0f%% of ours (fsync alone %.0f%%)", disk, sh, fsh);
	bench_summary("fsync + rename per login (median)", v, "-", "-");
	free(share);
	free(fshare);
}

static void report_scaling(struct population *p, int n)
{
	double base[2], med[2];
	char v[64], fig[96];

	printf("%-10s %10s %10s %12s %14s %10s %16s\n", "enrolled", "whole ms", "ours ms",
	    "ours p99 ms", "ours-disk ms", "CPU ms", "ratio vs first");
	for (int i = 0; i < n; i++) {
		med[0] = bench_quantile(p[i].ours, p[i].n, 0.5);
		med[1] = bench_quantile(p[i].ours_nodisk, p[i].n, 0.5);
		if (i == 0)
			memcpy(base, med, sizeof(base));
		printf("%-10ld %10.3f %10.3f %12.3f %14.3f %10.3f %9.2f / %.2f\n", p[i].users,
		    bench_quantile(p[i].whole, p[i].n, 0.5) / 1000, med[0] / 1000,
		    bench_quantile(p[i].ours, p[i].n, 0.99) / 1000, med[1] / 1000,
		    bench_quantile(p[i].ours_cpu, p[i].n, 0.5) / 1000,
		    med[1] / base[1], med[0] / base[0]);
	}
	printf("(medians of %zu logins per population, interleaved round-robin; ratio: "
	    "ours without disk waits / ours,\n against %ld users; target <= 1.2; set-up of "
	    "the largest population %.1f s)\n", p[0].n, p[0].users, p[n - 1].setup_s);
	snprintf(fig, sizeof(fig), "scaling %ld -> %ld users, ratio of medians (ours-disk)",
	    p[0].users, p[n - 1].users);
	snprintf(v, sizeof(v), "%.2f (with disk waits %.2f)", med[1] / base[1], med[0] / base[0]);
	bench_summary(fig, v, "<= 1.2", med[1] / base[1] <= 1.2 ? "met" : "MISSED");
}

int main(int argc, char **argv)
{
	size_t logins = (size_t)bench_env_long("BENCH_LOGINS", 1000);
	struct population *p = NULL;
	long sizes[8];
	int n = 0;
	bool scaling;

	if (argc < 2 || (strcmp(argv[1], "overhead") != 0 && strcmp(argv[1], "scaling") != 0))
		bench_die("usage: bench_signin overhead | scaling N1 N2 ...");
	scaling = strcmp(argv[1], "scaling") == 0;
	if (!scaling)
		sizes[n++] = bench_env_long("BENCH_USERS", 10);
	for (int i = 2; scaling && i < argc && n < 8; i++)
		if ((sizes[n++] = strtol(argv[i], NULL, 10)) <= 0)
			bench_die("bad population size '%s'", argv[i]);
	if (n == 0)
		bench_die("scaling needs population sizes");
	srandom(1);
	reference_make();
	pick_pool((int)bench_env_long("BENCH_POOL", 8) > POOL_MAX ? POOL_MAX :
	    (int)bench_env_long("BENCH_POOL", 8));
	if ((p = calloc((size_t)n, sizeof(*p))) == NULL)
		bench_die("out of memory");
	for (int i = 0; i < n; i++) {
		double t0 = bench_now_us();
		population_make(&p[i], sizes[i], logins);
		p[i].setup_s = (bench_now_us() - t0) / 1e6;
	}
	/* Round-robin, so background noise falls on every population alike. */
	for (size_t k = 0; k < WARMUP + logins; k++)
		for (int i = 0; i < n; i++)
			login(&p[i], k >= WARMUP);
	if (scaling)
		report_scaling(p, n);
	else
		report_overhead(&p[0]);
	for (int i = 0; i < n; i++)
		if (getenv("BENCH_KEEP") == NULL)
			bench_rm_tree(p[i].dir);
	return 0;
}
