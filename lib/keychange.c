/* Enroll-commit and remove-commit: one order of steps for every front end (keychange.h). */
#include "config.h"

#include <string.h>

#include "keychange.h"
#include "lifecycle.h"
#include "store.h"
#include "util.h"

/* Record a step; the record's own error matters only for a change that was made. */
static int kc_record(const struct pr_kc_record *rec, const struct pr_cred *cred,
    const char *event, enum pr_kc_step step, int err, const struct pr_errbuf *eb)
{
	static const struct pr_errbuf none = { 0 };
	struct pr_kc_outcome o = { event, step, err, eb != NULL ? eb : &none, NULL, false };

	return rec->record(rec->arg, cred, &o);
}

/* The intent first: a change this program could not finish must still be recorded. */
static int kc_begin(const struct pr_kc_record *rec, const struct pr_cred *cred,
    const char *event)
{
	int r;

	if ((r = rec->begin(rec->arg, event, cred)) != PR_OK)
		kc_record(rec, cred, event, PR_KC_BEGIN, r, NULL);
	return r;
}

/* The record failed: take the change back, and only then end its intent. */
static void kc_undo(const struct pr_kc_record *rec, int undo_err, bool *unrecorded)
{
	if (undo_err == PR_OK && rec->undone != NULL)
		rec->undone(rec->arg);
	/* Undo failed too: the intent stays, so the next append records the change. */
	if (unrecorded != NULL)
		*unrecorded = true;
}

static int kc_enroll_store(const struct pr_kc_enroll *e, struct pr_errbuf *eb)
{
	int r;

	if (e->settle_revoked &&
	    (r = pr_store_settle_revoked(e->state, e->user, eb)) != PR_OK)
		return r;
	return pr_store_add(e->state, e->user, e->cred, eb);
}

int pr_keychange_enroll(const struct pr_kc_enroll *e, const struct pr_kc_record *rec,
    bool *unrecorded)
{
	struct pr_errbuf eb = { 0 };
	char keyid[PR_KEYID_LEN + 1];
	int r;

	if (unrecorded != NULL)
		*unrecorded = false;
	if ((r = kc_begin(rec, e->cred, "enroll")) != PR_OK)
		return r;
	if (rec->prepare != NULL && (r = rec->prepare(rec->arg, e->cred, &eb)) != PR_OK) {
		kc_record(rec, e->cred, "enroll", PR_KC_PREPARE, r, &eb);
		return r;
	}
	if ((r = kc_enroll_store(e, &eb)) != PR_OK) {
		kc_record(rec, e->cred, "enroll", PR_KC_STORE, r, &eb);
		return r;
	}
	if ((r = kc_record(rec, e->cred, "enroll", PR_KC_DONE, PR_OK, NULL)) != PR_OK) {
		pr_keyid(e->cred->id, e->cred->id_len, keyid);
		kc_undo(rec, pr_store_remove(e->state, e->user, keyid, &eb), unrecorded);
	}
	return r;
}

/* The last-key rule again, under the user's lock: a concurrent removal cannot slip past. */
static int kc_guard(const struct pr_credlist *l, size_t index, void *arg)
{
	const enum pr_need *need = arg;

	return pr_lifecycle_can_remove(l, *need, index);
}

/* The removal itself; past a stuck lock, the administrators' revocation if allowed. */
static int kc_remove_store(const struct pr_kc_remove *m, const char *keyid,
    struct pr_kc_outcome *o, struct pr_errbuf *lock_eb, struct pr_errbuf *eb)
{
	int r;

	r = pr_store_remove_if(m->state, m->user, keyid, m->need != NULL ? kc_guard : NULL,
	    (void *)m->need, lock_eb);
	if (r != PR_ERR_BUSY || !m->revoke_if_busy) {
		memcpy(eb, lock_eb, sizeof(*eb));
		return r;
	}
	o->lock_eb = lock_eb;
	if ((r = pr_store_revoke(m->state, m->user, m->cred->id, m->cred->id_len, eb)) ==
	    PR_OK)
		o->revoked = true;
	return r;
}

static int kc_put_back(const struct pr_kc_remove *m, bool revoked, struct pr_errbuf *eb)
{
	if (revoked)
		return pr_store_unrevoke(m->state, m->user, m->cred->id, m->cred->id_len, eb);
	return pr_store_add(m->state, m->user, m->cred, eb);
}

int pr_keychange_remove(const struct pr_kc_remove *m, const struct pr_kc_record *rec,
    bool *unrecorded)
{
	struct pr_errbuf lock_eb = { 0 }, eb = { 0 };
	struct pr_kc_outcome o = { "remove", PR_KC_STORE, PR_OK, &eb, NULL, false };
	char keyid[PR_KEYID_LEN + 1];
	int r;

	if (unrecorded != NULL)
		*unrecorded = false;
	if ((r = kc_begin(rec, m->cred, "remove")) != PR_OK)
		return r;
	pr_keyid(m->cred->id, m->cred->id_len, keyid);
	o.err = kc_remove_store(m, keyid, &o, &lock_eb, &eb);
	if (o.err == PR_OK)
		o.step = PR_KC_DONE;
	r = rec->record(rec->arg, m->cred, &o);
	if (o.err != PR_OK)
		return o.err;
	if (r != PR_OK)
		kc_undo(rec, kc_put_back(m, o.revoked, &eb), unrecorded);
	return r;
}
