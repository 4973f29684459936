/*
 * Challenges for SSH key enrollment: ssh-keygen signs its attestation over
 * a challenge it is given (-O challenge=FILE), so a fresh random one is
 * issued per enrollment and kept, with an expiry, in
 * <state_dir>/ssh-challenges/<user> (0600), changed only under the user's
 * lock. Taking it removes it: a challenge verifies one attestation only.
 */
#ifndef PR_SSHCHALLENGE_H
#define PR_SSHCHALLENGE_H

#include <stdint.h>

#include "err.h"
#include "state.h"

#define PR_SSHCHALLENGE_LEN 32
#define PR_SSHCHALLENGE_LIFETIME (3600)      /* seconds */

/* Issue a new challenge for user (replacing any earlier one) into out. */
int pr_sshchallenge_create(struct pr_state *state, const char *user, int64_t now,
    unsigned char out[PR_SSHCHALLENGE_LEN], struct pr_errbuf *eb);

/*
 * Take user's challenge: read and remove it under the lock. PR_OK with
 * out filled, PR_ERR_NOT_FOUND (none issued), PR_ERR_EXPIRED (removed),
 * PR_ERR_CORRUPT (a damaged file, left for inspection).
 */
int pr_sshchallenge_take(struct pr_state *state, const char *user, int64_t now,
    unsigned char out[PR_SSHCHALLENGE_LEN], struct pr_errbuf *eb);

#endif
