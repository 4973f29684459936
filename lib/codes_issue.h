/*
 * A new set of recovery codes (doc/ARCHITECTURE.md §6.2), one flow for
 * practicerunner-admin, practicerunner-enroll, practicerunner-recover and
 * the module: the record put on file first, the set generated (replacing
 * the old one), the record written, the codes revealed only when it was
 * written, then the user's notice (§6.3). The front end supplies the
 * recorder, how the codes reach the person and the sentences it says.
 *
 * Every record of the flow (the success, a failure) has the detail
 * "<n>-codes", followed by ", <proof>" when the front end names how the
 * change was confirmed (practicerunner-enroll: the key touched); a notice
 * that could not be sent is a codes-generated failure "notice not sent".
 */
#ifndef PR_CODES_ISSUE_H
#define PR_CODES_ISSUE_H

#include "conf.h"
#include "flow.h"

/* What the front end is asked to say. */
enum pr_codes_said {
	PR_CODES_NOT_MADE,         /* not begun or not generated: the old set stands (why: NULL or the cause) */
	PR_CODES_NOT_SHOWN,        /* made, but its record failed: not revealed */
	PR_CODES_NOTICE_FAILED,    /* revealed; the notice to the user was not sent (why) */
};

struct pr_codes_issue {
	const struct pr_config *cfg;
	const char *user;
	const char *proof;         /* how the change was confirmed, for the record (may be NULL) */
	const struct pr_recorder *rec;
	/* Show the n codes to the person, once; they are wiped after. */
	void (*reveal)(void *arg, char *const *codes, int n);
	/* Say what happened (err: the step's error, why: its cause or NULL). */
	void (*say)(void *arg, enum pr_codes_said what, int err, const char *why);
	void *arg;
};

/*
 * Make cfg->recovery.codes new codes for user: PR_OK when they were
 * recorded and revealed (a notice that failed is said and recorded, and
 * changes nothing), else the error of the step that failed, said.
 */
int pr_codes_issue(const struct pr_codes_issue *ci);

#endif
