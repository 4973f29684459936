/*
 * bench_codes: recovery-code verification, the brute-force cost per guess.
 *
 * Makes a full set (PR_CODES_DEFAULT codes, the shipped scrypt cost) for a
 * scratch user, then times BENCH_CODE_RUNS (5) calls of pr_codes_consume
 * with a wrong code (the worst case: one scrypt derivation, then every hash
 * of the set compared in constant time, nothing written) and as many with
 * right codes (one derivation, the match marked used, the file replaced and
 * fsync'd under the lock). The reference, timed in the same rounds, is
 * one bare scrypt derivation at the same cost through OpenSSL
 * (EVP_PBE_scrypt): the least a check of a code can cost. Target: each
 * median <= 1.5x the reference's. Prints one table.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "benchlib.h"
#include "codes.h"
#include "err.h"
#include "util.h"

/* The shipped cost (lib/codes.c SCRYPT_N, _R, _P). */
#define REF_N ((uint64_t)1 << 15)
#define REF_R 8
#define REF_P 1

/* One scrypt derivation of a code-sized secret, in microseconds. */
static double scrypt_reference(void)
{
	unsigned char salt[16] = { 0 }, out[32];
	double t0 = bench_now_us();

	if (EVP_PBE_scrypt("AAAAAAAAAAAAAAAA", 16, salt, sizeof(salt), REF_N, REF_R, REF_P,
	    128 * REF_R * (REF_N + REF_P) + (1 << 20), out, sizeof(out)) != 1)
		bench_die("scrypt reference failed");
	return bench_now_us() - t0;
}

static const char *verdict(double ratio)
{
	return ratio <= 1.5 ? "met" : "MISSED";
}

int main(void)
{
	long runs = bench_env_long("BENCH_CODE_RUNS", 5);
	double *wrong, *right, *ref, t0, gen, w_med, w_max, r_med, r_max, ref_med;
	struct pr_errbuf eb = { 0 };
	char *dir = bench_scratch_dir("codes"), state[4096], **codes = NULL, v[96];
	const char *bad = "AAAA-AAAA-AAAA-AAAA";   /* well formed, in no set */
	int r;

	if (runs > PR_CODES_DEFAULT)
		runs = PR_CODES_DEFAULT;     /* one right code per run */
	snprintf(state, sizeof(state), "%s/state", dir);
	if (mkdir(state, 0700) != 0)
		bench_die("%s: cannot make", state);
	wrong = calloc((size_t)runs, sizeof(double));
	right = calloc((size_t)runs, sizeof(double));
	ref = calloc((size_t)runs, sizeof(double));
	if (wrong == NULL || right == NULL || ref == NULL)
		bench_die("out of memory");
	t0 = bench_now_us();
	if (pr_codes_generate(PR_STATE_FILES(state), "benchuser", PR_CODES_DEFAULT, pr_now(), &codes, &eb) != PR_OK)
		bench_die("generate: %s", eb.msg);
	gen = bench_now_us() - t0;
	for (long i = 0; i < runs; i++) {
		ref[i] = scrypt_reference();
		t0 = bench_now_us();
		r = pr_codes_consume(PR_STATE_FILES(state), "benchuser", bad, pr_now(), &eb);
		wrong[i] = bench_now_us() - t0;
		if (r != PR_ERR_CODE_INVALID)
			bench_die("a wrong code: %s", pr_strerror(r));
		t0 = bench_now_us();
		r = pr_codes_consume(PR_STATE_FILES(state), "benchuser", codes[i], pr_now(), &eb);
		right[i] = bench_now_us() - t0;
		if (r != PR_OK)
			bench_die("a right code: %s %s", pr_strerror(r), eb.msg);
	}
	w_med = bench_quantile(wrong, (size_t)runs, 0.5) / 1000;
	w_max = bench_quantile(wrong, (size_t)runs, 1.0) / 1000;
	r_med = bench_quantile(right, (size_t)runs, 0.5) / 1000;
	r_max = bench_quantile(right, (size_t)runs, 1.0) / 1000;
	ref_med = bench_quantile(ref, (size_t)runs, 0.5) / 1000;
	printf("%-58s %10s %10s\n", "recovery codes, set of 10, scrypt N=2^15 r=8 p=1",
	    "median ms", "max ms");
	printf("%-58s %10.1f %10.1f\n", "consume a wrong code (worst case: all 10 compared)",
	    w_med, w_max);
	printf("%-58s %10.1f %10.1f\n", "consume a right code (marked used, file replaced)",
	    r_med, r_max);
	printf("%-58s %10.1f\n", "reference: one bare scrypt derivation (EVP_PBE_scrypt)",
	    ref_med);
	printf("%-58s %10.2f\n", "ratio wrong code / reference (target <= 1.5)", w_med / ref_med);
	printf("%-58s %10.2f\n", "ratio right code / reference (target <= 1.5)", r_med / ref_med);
	printf("%-58s %10.1f\n", "generate a set of 10 (once)", gen / 1000);
	printf("%-58s %10.1f\n", "brute force: guesses per second per core", 1000 / w_med);
	/* 80-bit codes; one derivation tests a guess against every code of the set. */
	printf("%-58s %10.1e\n", "offline search of a stolen set: core-years for 2^80/10 "
	    "guesses", ((double)(1ULL << 40) * (double)(1ULL << 40)) / PR_CODES_DEFAULT * w_med / 1000 / (365.25 * 86400));
	printf("(%ld runs each; online guesses are also rate-limited and audited)\n", runs);
	snprintf(v, sizeof(v), "%.2f (%.0f / %.0f ms)", w_med / ref_med, w_med, ref_med);
	bench_summary("recovery code, wrong: consume / one scrypt", v, "<= 1.5",
	    verdict(w_med / ref_med));
	snprintf(v, sizeof(v), "%.2f (%.0f / %.0f ms)", r_med / ref_med, r_med, ref_med);
	bench_summary("recovery code, right: consume / one scrypt", v, "<= 1.5",
	    verdict(r_med / ref_med));
	snprintf(v, sizeof(v), "%.0f ms per guess per core", w_med);
	bench_summary("recovery-code brute-force cost", v, "-", "-");
	pr_codes_free(&codes, PR_CODES_DEFAULT);
	if (getenv("BENCH_KEEP") == NULL)
		bench_rm_tree(dir);
	free(dir);
	free(wrong);
	free(right);
	free(ref);
	return 0;
}
