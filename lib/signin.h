/*
 * One sign-in attempt, wherever it runs: in the module as root (path
 * "direct") or in practicerunner-verify for a module running as the user
 * (path "helper"). The requirement, the credentials policy accepts, the
 * assertion, the counter update and the audit record are decided here
 * only, so both paths decide and record alike; the words the user reads
 * are the caller's, from the result.
 */
#ifndef PR_SIGNIN_H
#define PR_SIGNIN_H

#include <stdbool.h>
#include <stdint.h>

#include "accounts.h"
#include "assertion.h"
#include "conf.h"
#include "err.h"
#include "policy.h"
#include "ssh/sshkey.h"
#include "store.h"

struct pr_audit_intent;

struct pr_signin {
	/* Set by the caller. */
	const struct pr_config *cfg;
	const char *user;              /* as given; recorded only once known */
	const char *service;           /* for the record (may be NULL) */
	const char *tty;
	const char *rhost;
	const char *path;              /* "direct" or "helper" */
	/*
	 * Who is asking, for the account phase: the process's real uid is 0
	 * and PAM_RUSER (may be NULL) names the caller, as su and sudo set it.
	 */
	bool real_root;
	const char *ruser;
	bool uv_required;              /* module option uv=required */
	bool step_up;                  /* module option step_up */
	bool opportunistic;            /* module option opportunistic */
	int timeout;                   /* module option timeout=, 0: the policy's */
	struct pr_ui ui;
	/*
	 * Around device I/O (may be NULL): practicerunner-verify runs it with
	 * the caller's rights, the store update and the record with root's.
	 */
	int (*devices_begin)(void *arg);
	void (*devices_end)(void *arg);
	void *devices_arg;
	/*
	 * A statement made elsewhere (the web gate's browser, lib/webauthn/):
	 * when set, it is judged here instead of asking the attached devices,
	 * and nothing is probed for a name without a key. PR_OK with out
	 * filled, or the refusal (out->index: the credential seen, if any).
	 */
	int (*judge)(void *arg, const struct pr_credlist *creds, const bool *acceptable,
	    bool uv_required, struct pr_assert_outcome *out);
	void *judge_arg;
	/* The web gate's evidence for the record (NULL elsewhere; audit_event.h). */
	const char *origin, *user_agent, *vpn_rhost, *pending;
	/* Decided here. */
	bool user_known;               /* a valid name policy could place */
	enum pr_role role;
	enum pr_account_kind kind;     /* person, root or system (accounts.h) */
	enum pr_need need;             /* with step_up: at least any key */
	bool exempt;                   /* listed in exempt (and honoured) */
	/*
	 * Auth left to the stack (exempt) where the account would otherwise
	 * be covered: the refusal a covered account without an answering key
	 * gets, which the prompt shows so the exemption is not seen (0: none).
	 */
	int shown_err;
	const char *account_note;      /* why the account phase left it to the stack */
	struct pr_credlist creds;
	bool from_cache;               /* creds came from the offline cache (store_offline.h) */
	bool *acceptable;              /* per credential, allowed by policy */
	const struct pr_cred *used;    /* the credential verified or seen */
	struct pr_assert_outcome outcome;
	/*
	 * The counter's update was begun (its record's intent on file): the
	 * store may hold the new counter, so the same statement must not be
	 * judged again (it would read as a cloned key).
	 */
	bool use_begun;
	const char *method;            /* how the user got in when not by used */
	bool counted;                  /* outcome.sign_count holds a counter without flags */
	/*
	 * For the record's detail: the key sshd verified (signin_ssh.c), or
	 * the web grant taken (signin_grant.c).
	 */
	char ssh_detail[80 + PR_SSH_FP_LEN];
	struct pr_errbuf eb;           /* an internal failure, for the caller's log */
	/* The counter update begun and not yet recorded (audit_intent.h). */
	struct pr_audit_intent *intent;
	char intent_event[24];         /* the event whose record settles it */
};

/*
 * The user's role and requirement: PR_OK, PR_ERR_NOT_FOUND, or the lookup's
 * error. On PR_ERR_NOT_FOUND s->need is what a staff account without a key
 * would need, so that pr_signin_auth treats the name as one
 * (doc/ARCHITECTURE.md §4.7).
 */
int pr_signin_user(struct pr_signin *s);

/*
 * The auth decision, after pr_signin_user. PR_OK: signed in, *note says
 * how (the requirement met, "opportunistic", "step-up"). PR_OK with
 * *ignore: no requirement applies, the rest of the stack decides
 * (s->shown_err: what the prompt shows meanwhile). Otherwise the refusal.
 * Until a key answers, a name that is not an account (PR_ERR_NOT_FOUND)
 * and an account without an acceptable key (PR_ERR_NOT_ENROLLED) go
 * through what an enrolled account whose key does not answer goes
 * through: the same silent probe of the attached devices, so the prompt,
 * its timing and the keys' behaviour are alike (doc/ARCHITECTURE.md §4.7).
 * Records nothing: see pr_signin_record.
 */
int pr_signin_auth(struct pr_signin *s, bool *ignore, const char **note);

/*
 * The account decision, after pr_signin_user: PR_OK with *ignore when no
 * requirement applies or nobody is signing in (s->account_note says
 * which: root's own account, root as the applicant, an unattended
 * service), PR_OK when an acceptable key is enrolled, PR_ERR_NOT_ENROLLED
 * or the error loading them.
 */
int pr_signin_account(struct pr_signin *s, bool *ignore);

/*
 * The SSH gateway decision (module option ssh), after pr_signin_user:
 * info is SSH_AUTH_INFO_0 as sshd set it (NULL: not set). PR_OK when a
 * publickey step of this connection used one of the user's enrolled SSH
 * security keys that policy accepts (*note: the requirement met, or
 * "opportunistic"); PR_OK with *ignore when no requirement applies.
 * Otherwise the refusal: PR_ERR_NOT_ENROLLED (no acceptable SSH key on
 * file), PR_ERR_CLASS (an enrolled key of a class policy refuses),
 * PR_ERR_NO_CREDENTIAL (a security key not enrolled for this user, or no
 * publickey step at all: ssh_detail says which), PR_ERR_ALGORITHM (a key
 * that is no security key), PR_ERR_CORRUPT (SSH_AUTH_INFO_0 malformed; eb
 * says how) or a store error. Records nothing: see pr_signin_record.
 */
int pr_signin_ssh(struct pr_signin *s, const char *info, bool *ignore, const char **note);

/*
 * The SSH gateway's AuthorizedKeysCommand, after pr_signin_user: load the
 * user's credentials; s->acceptable marks the SSH keys policy accepts,
 * which are the keys practicerunner-authorized-keys prints. PR_OK,
 * PR_ERR_NOT_ENROLLED (none acceptable) or the store's error.
 */
int pr_signin_ssh_keys(struct pr_signin *s);

/*
 * Module option web_grant (signin_grant.c), after pr_signin_user: take
 * the grant a web sign-in at the gate left for this user and s->service
 * (bound to s->rhost when both give one), then check the credential it
 * names against the store and policy as of now. PR_OK (*note: the
 * requirement met), PR_OK with *ignore when no requirement applies;
 * otherwise PR_ERR_NO_CREDENTIAL (no grant, or one for another address:
 * ssh_detail says which), PR_ERR_EXPIRED, PR_ERR_NOT_ENROLLED,
 * PR_ERR_CLASS, PR_ERR_UP_MISSING, PR_ERR_UV_REQUIRED or a store error.
 * The grant is spent whatever follows. Records nothing.
 */
int pr_signin_grant(struct pr_signin *s, int64_t now, bool *ignore, const char **note);

/*
 * The verdict on a key sshd offers (AuthorizedKeysCommand %t %k: its type
 * name and decoded blob), loaded being what pr_signin_ssh_keys or
 * pr_signin_user returned: the same verdict pr_signin_ssh gives for a
 * publickey step with this key (PR_OK when it is an acceptable key, so
 * printed), or loaded when that is an error. Sets s->ssh_detail (the key
 * and its fingerprint) and s->used, for pr_signin_record, in every case.
 */
int pr_signin_ssh_offer(struct pr_signin *s, int loaded, const char *key_type,
    const unsigned char *blob, size_t len);

/*
 * The user's credentials for a sign-in: the store's, or with no directory
 * answering the offline cache's (s->from_cache); counters this host saw
 * offline are written back first, each contradiction recorded (event
 * counter-conflict). PR_OK or the store's error.
 */
int pr_signin_load_store(struct pr_signin *s);

/*
 * pr_signin_load_store, then s->acceptable: the credentials of kind whose
 * class the user's need accepts. PR_OK, PR_ERR_NOT_ENROLLED (none
 * acceptable) or the store's error.
 */
int pr_signin_load_creds(struct pr_signin *s, enum pr_cred_kind kind);

/* The event a sign-in is recorded as: "step-up" with step_up, else "auth". */
const char *pr_signin_event(const struct pr_signin *s);

/*
 * The record of the attempt (note: the success note or the failure's
 * detail), with the evidence of s->used. PR_OK or the append's error.
 */
int pr_signin_record(struct pr_signin *s, const char *event, int err, const char *note);

/*
 * The record of one recovery step: method, cred (may be NULL) and detail
 * as given. It settles the change begun with pr_signin_begin_step for the
 * same event: a failure (no change) or a record written ends it.
 */
int pr_signin_record_step(struct pr_signin *s, const char *event, int err,
    const char *method, const struct pr_cred *cred, const char *note);

/*
 * Before a recovery step changes the store: its success record, on file
 * should the program end before pr_signin_record_step writes it
 * (doc/ARCHITECTURE.md §8.3). PR_OK, or PR_ERR_AUDIT (s->eb says why):
 * then do not make the change.
 */
int pr_signin_begin_step(struct pr_signin *s, const char *event, const char *method,
    const struct pr_cred *cred, const char *note);

/* A step's change whose record failed was undone: nothing left to record. */
void pr_signin_step_undone(struct pr_signin *s);

void pr_signin_clear(struct pr_signin *s);

#endif
