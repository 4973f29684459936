/*
 * A whole recovery after the account was found under a physical-key
 * requirement (doc/ARCHITECTURE.md §4.5, §6.2), one flow for
 * practicerunner-recover and the module: the ticket checked, one code
 * consumed first (unless one was under this ticket already), the
 * replacement key made and refused unless physical, stored with the
 * ticket finished and recorded (taken back when the record fails), the
 * tally reset, the notices, then a new code set (codes_issue.h).
 *
 * The order of the steps and every record are decided here; the front end
 * asks for the ticket and the code, makes the key on the device, shows the
 * codes and words each sentence. A counted failure that locks recovery is
 * recorded after the failure that caused it (event lockout).
 */
#ifndef PR_RECOVERY_FLOW_H
#define PR_RECOVERY_FLOW_H

#include "codes_issue.h"
#include "flow.h"
#include "recovery.h"

/* What the front end is asked to say; err is the step's error, why its cause (may be NULL). */
enum pr_recovery_said {
	PR_REC_TICKET_REFUSED,     /* the ticket step ended it: err (nothing was changed) */
	PR_REC_TICKET_ACCEPTED,
	PR_REC_LOCKED,             /* this failure locked recovery (after the refusal) */
	PR_REC_CODE_NOT_NEEDED,    /* a code was consumed under this ticket before */
	PR_REC_CODE_CANCELLED,     /* no code given */
	PR_REC_CODE_NOT_RECORDED,  /* not checked: its record could not be begun */
	PR_REC_CODE_INVALID,       /* wrong, used, older set or no set: counted */
	PR_REC_CODE_NOT_CHECKED,   /* err: not evaluated, not counted */
	PR_REC_CODE_UNMARKED,      /* consumed, but the ticket could not note it */
	PR_REC_KEY_PASSKEY,        /* the new key is a passkey (why: the reason for its class) */
	PR_REC_KEY_FAILED,         /* err: no key enrolled; the ticket stays usable */
	PR_REC_KEY_NOT_RECORDED,   /* not stored: its record could not be begun */
	PR_REC_COMMIT_FAILED,      /* err: not stored, or the ticket could not be finished */
	PR_REC_KEY_UNDONE,         /* stored, but its record failed: taken back */
	PR_REC_KEY_LEFT,           /* not completed, and the stored key could not be taken back */
	PR_REC_TALLY_NOT_RESET,    /* recovered; the failure tally was not reset (why) */
	PR_REC_NOTICE_FAILED,      /* err: a notice to the user was not sent (why) */
};

struct pr_recovery_flow {
	/*
	 * The steps' state: begun (pr_recovery_begin or pr_recovery_open) by
	 * the front end, or in may_check.
	 */
	struct pr_recovery *rc;
	const struct pr_recorder *rec;
	/*
	 * The ticket as typed (*ticket malloc'd; the flow wipes it): PR_OK,
	 * PR_ERR_INVALID_ARG for an answer that cannot be a ticket (counted as
	 * a wrong one), or why there is none (recorded, nothing checked).
	 */
	int (*ask_ticket)(void *arg, char **ticket);
	/*
	 * After the ticket was typed, before it is checked (may be NULL): PR_OK
	 * when this account may recover here, else why not (PR_ERR_PERM: not
	 * offered to it), recorded without counting anything.
	 */
	int (*may_check)(void *arg);
	/* The code, as ask_ticket (PR_ERR_CANCELLED: none given). */
	int (*ask_code)(void *arg, char **code);
	/*
	 * makeCredential for the replacement on the attached keys, the reason
	 * for its class in reason: PR_OK or the error (recorded by the flow;
	 * the front end says what failed).
	 */
	int (*make_key)(void *arg, struct pr_cred *cred, struct pr_class_reason *reason);
	void (*say)(void *arg, enum pr_recovery_said what, int err, const char *why);
	/* Recovered: the new key is enrolled and recorded (reason: its class's, from make_key). */
	void (*recovered)(void *arg, const struct pr_cred *cred,
	    const struct pr_class_reason *reason);
	void *arg;
	/* The new set after a recovery: reveal, say and arg are the front end's. */
	struct pr_codes_issue codes;
	int codes_err;             /* out: pr_codes_issue's result after a recovery */
};

/*
 * Run it: PR_OK when the replacement key is enrolled and recorded (the
 * new set may still have failed: f->codes_err), PR_ERR_CANCELLED when no
 * ticket or code was given, PR_ERR_AUDIT when the key was taken back
 * unrecorded, else the error of the step that ended it.
 */
int pr_recovery_complete(struct pr_recovery_flow *f);

#endif
