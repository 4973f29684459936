/*
 * Recovery codes: a set of one-time codes for accounts under a physical-key
 * requirement, shown once, stored only as salted scrypt hashes (OpenSSL)
 * under <state_dir>/codes/<user>. A new set replaces the old one.
 */
#ifndef PR_CODES_H
#define PR_CODES_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "state.h"

#define PR_CODES_DEFAULT 10
#define PR_CODES_MAX 100
/* 16 base32 characters = 80 bits, shown as K7QF-2M9X-TB4R-WZ8C */
#define PR_CODE_CHARS 16

struct pr_codes_status {
	int total;            /* codes in the current set */
	int remaining;        /* not yet used */
	int64_t created;      /* when the set was made */
};

/*
 * Make n fresh codes for user, replacing any previous set (its codes stop
 * working). *codes gets n malloc'd strings in display form; free them with
 * pr_codes_free, which wipes them.
 */
int pr_codes_generate(struct pr_state *state, const char *user, int n, int64_t now,
    char ***codes, struct pr_errbuf *eb);
void pr_codes_free(char ***codes, int n);

/*
 * Use one code: PR_OK when it matches an unused code of the current set,
 * which is marked used before this returns (under the user's lock, so two
 * concurrent redemptions of one code cannot both succeed); PR_ERR_CODE_INVALID
 * otherwise (wrong, used, or from an older set); PR_ERR_NOT_FOUND with no set.
 * Input is accepted case-insensitively, with or without dashes and spaces.
 */
int pr_codes_consume(struct pr_state *state, const char *user, const char *code,
    int64_t now, struct pr_errbuf *eb);

/* How many remain, never the codes. PR_ERR_NOT_FOUND with no set. */
int pr_codes_status(struct pr_state *state, const char *user,
    struct pr_codes_status *st, struct pr_errbuf *eb);

/*
 * One code alone, generated and hashed exactly as a set's codes are, for
 * a secret that is not part of a set (lib/breakglass.c's emergency code).
 */
#define PR_CODE_SALT_LEN 16
#define PR_CODE_HASH_LEN 32

struct pr_code_hash {
	unsigned char salt[PR_CODE_SALT_LEN];
	uint64_t n;                /* scrypt cost */
	uint32_t r;
	uint32_t p;
	unsigned char hash[PR_CODE_HASH_LEN];
};

/* Whether a file's scrypt cost is within what codes.c accepts from its own files. */
bool pr_code_cost_valid(uint64_t n, uint32_t r, uint32_t p);
/*
 * A hash no code matches at the usual cost: checking against it takes as
 * long as against a real one, so "there is none" cannot be timed.
 */
void pr_code_hash_dummy(struct pr_code_hash *h);
/* A fresh code (display form in *code; wipe with pr_secret_strfree) and its hash. */
int pr_code_new(struct pr_code_hash *h, char **code, struct pr_errbuf *eb);
/*
 * Whether code matches h (*match), derived once and compared in constant
 * time: PR_OK; PR_ERR_CODE_INVALID when the input cannot be a code (nothing
 * derived); PR_ERR_CORRUPT for a cost out of range; scrypt's error.
 */
int pr_code_check(const struct pr_code_hash *h, const char *code, bool *match,
    struct pr_errbuf *eb);

#endif
