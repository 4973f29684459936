/*
 * Break glass as flows (doc/ARCHITECTURE.md §6.4), one for each front end:
 *
 *   pr_breakglass_issue   practicerunner-admin breakglass create: the record
 *                         put on file first, the code made (replacing an
 *                         unused one), the record written, the code revealed
 *                         only when it was written (else taken back).
 *   pr_breakglass_redeem  the module, when no enrolled key answered: one try
 *                         counted on the account's recovery tally first (the
 *                         same lockout as recovery codes), the intent on file,
 *                         the code consumed under the lock, the record; after
 *                         a use, a LOG_ALERT syslog line and a mail to
 *                         breakglass.notify.
 *
 * Every record is event "break-glass", method "break-glass"; none holds the
 * code. The front end supplies the recorder and the words.
 */
#ifndef PR_BREAKGLASS_FLOW_H
#define PR_BREAKGLASS_FLOW_H

#include <stdint.h>

#include "breakglass.h"
#include "conf.h"
#include "flow.h"

#define PR_BREAKGLASS_EVENT "break-glass"

/* What the front end of pr_breakglass_issue is asked to say. */
enum pr_bg_said {
	PR_BG_NOT_MADE,            /* nothing changed (why: the cause or NULL) */
	PR_BG_NOT_SHOWN,           /* made, but its record failed: taken back, not shown */
	PR_BG_REPLACED,            /* an unused earlier code no longer works */
};

struct pr_breakglass_issue {
	const struct pr_config *cfg;
	const char *user;
	const struct pr_strlist *services;  /* a subset of breakglass.services */
	int64_t lifetime;                    /* seconds */
	const char *by;                      /* who made it, for the file */
	const struct pr_recorder *rec;
	/* Show the code once (then wiped), with its expiry. */
	void (*reveal)(void *arg, const char *code, int64_t expires);
	void (*say)(void *arg, enum pr_bg_said what, int err, const char *why);
	void *arg;
};

/* PR_OK when the code was recorded and revealed; else the step's error, said. */
int pr_breakglass_issue(const struct pr_breakglass_issue *bi);

/* Where the code was typed, for the file, the records and the alert. */
struct pr_breakglass_redeem {
	const struct pr_config *cfg;
	const char *user;          /* NULL: the name is no account (checked against nothing) */
	const char *service;
	const char *tty;
	const char *rhost;
	const struct pr_recorder *rec;
};

/*
 * Check code for f->user: PR_OK when it was consumed and recorded (alert
 * and mail sent; *notice gets the mail's error or PR_OK); PR_ERR_AUDIT when
 * it could not be recorded (a consumed code stays void); PR_ERR_LOCKED_OUT
 * when no try is left; else why it was refused (recorded, and counted on
 * the account when it is one).
 */
int pr_breakglass_redeem(const struct pr_breakglass_redeem *f, const char *code,
    int *notice);

#endif
