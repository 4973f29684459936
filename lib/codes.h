/*
 * Recovery codes: a set of one-time codes for accounts under a physical-key
 * requirement, shown once, stored only as salted scrypt hashes (OpenSSL)
 * under <state_dir>/codes/<user>. A new set replaces the old one.
 */
#ifndef PR_CODES_H
#define PR_CODES_H

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

#endif
