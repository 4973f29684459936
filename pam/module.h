/* One authentication transaction of the module: what it read and decided. */
#ifndef PR_PAM_MODULE_H
#define PR_PAM_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <security/pam_modules.h>

#include "assertion.h"
#include "conf.h"
#include "flow.h"
#include "modopts.h"
#include "policy.h"
#include "signin.h"
#include "store.h"

struct pam_tx {
	pam_handle_t *pamh;
	bool silent;               /* PAM_SILENT: no info or error lines */
	struct pr_modopts opts;
	struct pr_config *cfg;
	struct pr_signin s;        /* the attempt: user, requirement, keys, evidence */
	bool explained;            /* the user was already told why this failed */
	/*
	 * practicerunner-verify decides (helper.c): running as the user, or as
	 * root in a process the user controls (as_root: the helper is run with
	 * real uid 0, so it may check this PAM user; pam_practicerunner.c).
	 */
	bool via_helper;
	bool helper_as_root;
	size_t enrolled;           /* keys on file, as the helper saw them */
	int helper_cls;            /* class of the key used, -1: none */
	uint8_t helper_flags;      /* its signed flags, 0: none */
};

/* conv.c: messages and the PIN prompt through the PAM conversation. */
void pam_tx_info(struct pam_tx *tx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void pam_tx_error(struct pam_tx *tx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void pam_tx_ui(struct pam_tx *tx, struct pr_ui *ui);
/*
 * A secret answer (echo off), surrounding blanks trimmed: PR_OK with *out
 * (wipe it), PR_ERR_CANCELLED for an empty answer or a broken conversation,
 * PR_ERR_INVALID_ARG when longer than max.
 */
int pam_tx_secret(struct pam_tx *tx, const char *prompt, size_t max, char **out);
/* A yes/no question; anything but "y" or "yes" is no. */
bool pam_tx_yes(struct pam_tx *tx, const char *prompt);

/*
 * outcome.c: PAM code for a project error, and the words the user sees.
 * Until a key answered (pam_tx_before_key), every account reads the same
 * sentence and auth fails with the same code (doc/ARCHITECTURE.md §4.7);
 * module option show_status brings back the words that tell them apart.
 */
#define PR_MSG_NOT_SIGNED_IN "Security key sign-in did not succeed. Insert an enrolled " \
	"security key and touch it when asked, or ask your administrator."
#define PR_MSG_SSH_NOT_SIGNED_IN "Security key sign-in did not succeed. Sign in with an " \
	"enrolled SSH security key (ed25519-sk or ecdsa-sk), or ask your administrator."
int pam_tx_code(int err);
/* pam_tx_code for the auth phase: PAM_AUTH_ERR for an unknown name unless show_status. */
int pam_tx_auth_code(const struct pam_tx *tx, int err);
/* Whether err ends a sign-in before any key answered: not found, not enrolled, no key. */
bool pam_tx_before_key(int err);
void pam_tx_explain(struct pam_tx *tx, int err);

/*
 * record.c: the audit record of this transaction (and syslog on failure to
 * write it). note is the success note or the failure's detail.
 */
int pam_tx_audit(struct pam_tx *tx, const char *event, int err, const char *note);
/* A record of one recovery step: method, cred (may be NULL) and detail as given. */
/*
 * Before a recovery step changes the store: its record on file should the
 * program end before pam_tx_audit_step writes it (doc/ARCHITECTURE.md
 * §8.3). PR_OK, or logged and PR_ERR_AUDIT: do not make the change.
 */
int pam_tx_audit_begin(struct pam_tx *tx, const char *event, const char *method,
    const struct pr_cred *cred, const char *note);
int pam_tx_audit_step(struct pam_tx *tx, const char *event, int err, const char *method,
    const struct pr_cred *cred, const char *note);
/* The recorder the lib/ flows take (lib/flow.h): these records, for this transaction. */
void pam_tx_recorder(struct pam_tx *tx, struct pr_recorder *rec);

/*
 * helper.c: the decision by practicerunner-verify when the module runs as
 * the user; fills tx->s.need, user_known and tx->enrolled for the messages.
 * PR_OK (with *ignore when no requirement applies) or the reason refused;
 * PR_ERR_IO when the helper could not be run or did not answer.
 */
int pam_tx_helper(struct pam_tx *tx, bool account, bool *ignore);

/*
 * recover.c: after failure (no enrolled key answered), recovery on a
 * service listed for it: PR_OK when the user recovered (signed in with a
 * replacement key enrolled), else the error to report (failure itself
 * when recovery was not offered or the user declined).
 */
int pam_tx_recover(struct pam_tx *tx, int failure);

/*
 * breakglass.c: after failure (no enrolled key answered), the emergency
 * code on a service in breakglass.services: PR_OK when one was used (the
 * method is then break-glass), else the error to report (failure itself
 * when it was not offered, skipped or refused).
 */
int pam_tx_breakglass(struct pam_tx *tx, int failure);

/*
 * session.c: after a successful auth, record the assurance level and its
 * limits for pam_sm_open_session (PR_OK, or PR_ERR_NOMEM: fail the sign-in
 * rather than open a session without them); forget what an earlier auth in
 * this handle recorded.
 */
int pam_tx_session_note(struct pam_tx *tx);
void pam_tx_session_forget(pam_handle_t *pamh);
/* Whether auth in this handle signed user in with a break-glass code. */
bool pam_tx_session_breakglass(pam_handle_t *pamh, const char *user);

/*
 * ssh.c: module option ssh, the decision on an SSH gateway from the key
 * sshd verified (SSH_AUTH_INFO_0), for auth and account alike. PR_OK
 * (with *ignore when no requirement applies) or the refusal, already
 * explained to the user.
 */
int pam_tx_ssh(struct pam_tx *tx, bool *ignore, const char **note);

/*
 * grant.c: module option web_grant, the decision from a grant a web
 * sign-in left for this user and service (auth only). PR_OK (with
 * *ignore when no requirement applies) or the refusal, already explained
 * to the user with where to approve.
 */
int pam_tx_grant(struct pam_tx *tx, bool *ignore, const char **note);

/* Module option debug: lines at LOG_DEBUG through pam_syslog, never a secret. */
#define PR_DEBUG(tx, ...) \
	do { if ((tx)->opts.debug) pam_syslog((tx)->pamh, LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
