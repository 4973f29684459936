/*
 * Break glass (doc/ARCHITECTURE.md §6.4): one sealed emergency code per
 * account, for the day no enrolled key answers and no administrator, key or
 * directory is there. Always local to the machine, whatever the store: <state_dir>/breakglass/
 * <user> (lib/user_file.c), changed only under locks/<user>+breakglass.lock.
 * The code is made and hashed as recovery codes are (lib/codes.c); the file
 * keeps its hash, when and by whom it was made, until when and at which
 * services it works, and after its one use when, where, and who reviewed it.
 */
#ifndef PR_BREAKGLASS_H
#define PR_BREAKGLASS_H

#include <stdbool.h>
#include <stdint.h>

#include "codes.h"
#include "err.h"
#include "state.h"
#include "types.h"

#define PR_BREAKGLASS_DEFAULT_LIFETIME (180 * 86400)   /* seconds: 180 days */
#define PR_BREAKGLASS_MAX_LIFETIME (3650L * 86400)     /* ten years */
#define PR_BREAKGLASS_NAME_MAX 64                      /* a service, tty or user name */
#define PR_BREAKGLASS_SERVICES_MAX 512                 /* "login,gdm-password,..." */

struct pr_breakglass {
	struct pr_code_hash hash;
	int64_t created;
	int64_t expires;
	char created_by[PR_BREAKGLASS_NAME_MAX];
	char services[PR_BREAKGLASS_SERVICES_MAX];    /* comma-separated */
	int64_t used;              /* 0: unused */
	char used_service[PR_BREAKGLASS_NAME_MAX];   /* "-" when there was none */
	char used_tty[PR_BREAKGLASS_NAME_MAX];
	int64_t acked;             /* 0: the use is not yet reviewed */
	char acked_by[PR_BREAKGLASS_NAME_MAX];
};

/* A use that an administrator has not yet reviewed (pr_breakglass_ack). */
bool pr_breakglass_unacked(const struct pr_breakglass *bg);

/* Whether service is one of bg's services (NULL: no). */
bool pr_breakglass_service_listed(const struct pr_breakglass *bg, const char *service);

/*
 * services as stored ("a,b"): each a PAM service name ([A-Za-z0-9._-], at
 * most 63 characters), at least one, no more than fits. false otherwise.
 */
bool pr_breakglass_services_join(const struct pr_strlist *services, char *out, size_t size);

/*
 * Make user a new code (*code, display form; wipe it with
 * pr_secret_strfree) working at services until now + lifetime, made by
 * by. A previous code still unused is replaced (*replaced set); a use not
 * yet acknowledged is PR_ERR_EXISTS (the record of it must not be lost).
 */
int pr_breakglass_create(struct pr_state *state, const char *user,
    const struct pr_strlist *services, int64_t lifetime, const char *by, int64_t now,
    char **code, bool *replaced, struct pr_errbuf *eb);

/* user's state: PR_OK, PR_ERR_NOT_FOUND without one, PR_ERR_CORRUPT naming file and line. */
int pr_breakglass_get(struct pr_state *state, const char *user, struct pr_breakglass *bg,
    struct pr_errbuf *eb);

/* Remove user's code; PR_ERR_EXISTS while its use is unacknowledged, PR_ERR_NOT_FOUND without one. */
int pr_breakglass_revoke(struct pr_state *state, const char *user, struct pr_errbuf *eb);

/* Record that by reviewed user's use: PR_ERR_NOT_FOUND when there is no use to review. */
int pr_breakglass_ack(struct pr_state *state, const char *user, const char *by, int64_t now,
    struct pr_errbuf *eb);

/*
 * Use code for user at service (tty may be NULL) at now. The code is
 * always derived once, against a dummy hash when user (NULL: not an
 * account) has none, so the time taken does not tell who has one; then,
 * under the lock, a matching, unused, unexpired code listed for service is
 * marked used (the file replaced) before PR_OK is returned. Otherwise
 * PR_ERR_CODE_INVALID (wrong, not a code, or already used), PR_ERR_EXPIRED,
 * PR_ERR_PERM (not at this service), PR_ERR_NOT_FOUND (none), or the error
 * that kept it from being checked; eb says which, for the audit record.
 * *bg (may be NULL) gets the state after a use.
 */
int pr_breakglass_use(struct pr_state *state, const char *user, const char *code,
    const char *service, const char *tty, int64_t now, struct pr_breakglass *bg,
    struct pr_errbuf *eb);

#endif
