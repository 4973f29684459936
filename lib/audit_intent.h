/*
 * A change recorded even when the program is killed between committing it
 * and appending its record (doc/ARCHITECTURE.md §8.3): before the commit,
 * pr_audit_intent_begin leaves the record the change would get, in its
 * "interrupted" wording (result=failure reason=interrupted), in the
 * pending directory (audit_pending.h); after the commit's own record (or
 * the undo of a commit that could not be recorded) pr_audit_intent_end
 * removes it. If the program ends in between, the next append by anyone
 * records it.
 */
#ifndef PR_AUDIT_INTENT_H
#define PR_AUDIT_INTENT_H

#include <stdint.h>

#include "audit.h"
#include "audit_pending.h"
#include "err.h"

#define PR_INTENT_REASON "interrupted"

struct pr_audit_intent {
	char *log_path;
	char name[PR_PENDING_NAME_MAX];
};

/*
 * Before committing the change that ev (as it will be recorded, success
 * and all) describes. PR_OK with *out, or PR_ERR_* (eb says why): then do
 * not commit, as the change could not be recorded if the program ended
 * halfway.
 */
int pr_audit_intent_begin(const char *log_path, const struct pr_audit_event *ev,
    struct pr_audit_intent **out, struct pr_errbuf *eb);

/* The change is recorded (or undone, or never made): remove the intent. NULL-safe; NULLs *in. */
void pr_audit_intent_end(struct pr_audit_intent **in);

/*
 * The change stands unrecorded (its record failed and so did its undo):
 * keep the intent, so the first append after this process ends records
 * it. Frees the handle only. NULL-safe; NULLs *in.
 */
void pr_audit_intent_keep(struct pr_audit_intent **in);

/* The interrupted wording of ev, as begin writes it (exposed for tests). */
int pr_audit_intent_body(const struct pr_audit_event *ev, int64_t when, const char *host,
    char **out);

#endif
