/*
 * The two key changes every front end makes, written once
 * (doc/ARCHITECTURE.md §6.1, §8.3): the change's record put on file as an
 * intent, the store changed, the record written, and the change taken
 * back when its record cannot be written, so that no key is ever added or
 * removed without a record. The front end (practicerunner-admin, the
 * self-service helpers) supplies the records and its words through
 * struct pr_kc_record; the order of the steps is this file's.
 */
#ifndef PR_KEYCHANGE_H
#define PR_KEYCHANGE_H

#include <stdbool.h>

#include "cred.h"
#include "err.h"
#include "state.h"
#include "types.h"

/* Where a key change stopped: the record the front end writes for it. */
enum pr_kc_step {
	PR_KC_BEGIN,      /* its intent could not be put on file: nothing changed */
	PR_KC_PREPARE,    /* the front end's step before the store said no: nothing changed */
	PR_KC_STORE,      /* the store refused or failed: nothing changed */
	PR_KC_DONE,       /* the store changed: the success record */
};

/* What the record callback is told about one step. */
struct pr_kc_outcome {
	const char *event;        /* "enroll" or "remove" */
	enum pr_kc_step step;
	int err;                  /* PR_OK only at PR_KC_DONE */
	const struct pr_errbuf *eb;      /* the failed lib step's words (msg "": none); never NULL */
	const struct pr_errbuf *lock_eb; /* remove: the stuck store lock gone past, else NULL */
	bool revoked;             /* remove: listed as revoked past that lock (not rewritten) */
};

/*
 * The front end's side. begin puts on file the success record of the
 * change (as record will write it at PR_KC_DONE) and says why not.
 * record writes the record of the outcome (saying what happened first, in
 * the front end's words) and settles the intent as cli_intent_settle
 * does: a failure (nothing changed) or a written record ends it. undone:
 * the change whose record failed was taken back, so the intent ends too.
 * prepare (may be NULL) runs between the intent and the store, e.g. to
 * consume an invitation; its failure (with eb) is recorded at
 * PR_KC_PREPARE.
 */
struct pr_kc_record {
	int (*begin)(void *arg, const char *event, const struct pr_cred *cred);
	int (*record)(void *arg, const struct pr_cred *cred, const struct pr_kc_outcome *o);
	void (*undone)(void *arg);
	int (*prepare)(void *arg, const struct pr_cred *cred, struct pr_errbuf *eb);
	void *arg;
};

/* Enroll cred for user. */
struct pr_kc_enroll {
	struct pr_state *state;
	const char *user;
	const struct pr_cred *cred;
	bool settle_revoked;      /* administrators: keys revoked past a stuck lock go for good first */
};

/*
 * Intent, prepare, (settle revoked keys,) pr_store_add, record; when the
 * record fails the key is removed again and *unrecorded (may be NULL) is
 * set. PR_OK; the failed step's error (already recorded); or the record's
 * error. Each outcome is recorded exactly once through rec.
 */
int pr_keychange_enroll(const struct pr_kc_enroll *e, const struct pr_kc_record *rec,
    bool *unrecorded);

/* Remove cred (as loaded: it is put back if unrecorded) from user. */
struct pr_kc_remove {
	struct pr_state *state;
	const char *user;
	const struct pr_cred *cred;
	/*
	 * The user's requirement: the last-key rule (pr_lifecycle_can_remove)
	 * is checked again under the store's lock, on the list as it is then.
	 * NULL: a forced removal, no rule.
	 */
	const enum pr_need *need;
	bool revoke_if_busy;      /* administrators' --force: past a stuck lock, revoke */
};

/*
 * Intent, pr_store_remove_if under the last-key rule (or, past a stuck
 * lock with revoke_if_busy, pr_store_revoke), record; when the record
 * fails the key is put back and *unrecorded (may be NULL) is set. Returns
 * as pr_keychange_enroll; a refusal by the rule is PR_ERR_LAST_KEY at
 * PR_KC_STORE, with nothing changed.
 */
int pr_keychange_remove(const struct pr_kc_remove *m, const struct pr_kc_record *rec,
    bool *unrecorded);

#endif
