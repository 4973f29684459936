/*
 * What practicerunner-enroll's commands share (user_enroll.h): the audit
 * record of the caller's step and the commits of a key change (keychange.h)
 * in this program's words. user_enroll.c and user_enroll_ssh.c both call
 * these; neither calls the other except through the command table.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "invite.h"
#include "keychange.h"
#include "selfservice.h"
#include "user_enroll.h"

/* ---- audit ------------------------------------------------------------------------ */

int ue_audit(struct enroll_ctx *x, const char *event, int err,
    const struct pr_cred *cred, const char *detail)
{
	const struct ss_who w = { &x->cli, x->suid, x->user, x->role };
	char *d;
	int r;

	/* An SSH credential names itself (ss_audit); before there is one, the key does. */
	if (x->ssh_fp[0] == '\0' || (cred != NULL && cred->kind == PR_KIND_SSH))
		return ss_audit(&w, event, err, NULL, cred, detail);
	d = pr_audit_ssh_detail(x->ssh_fp, detail);
	r = ss_audit(&w, event, err, "ssh-sk", cred, d != NULL ? d : detail);
	free(d);
	return r;
}

/* The record ue_audit will write for the change, on file before it (doc/ARCHITECTURE.md §8.3). */
static int ue_intent_begin(struct enroll_ctx *x, const char *event,
    const struct pr_cred *cred, const char *detail)
{
	const struct ss_who w = { &x->cli, x->suid, x->user, x->role };
	char *d = NULL;
	int r;

	if (x->ssh_fp[0] == '\0' || (cred != NULL && cred->kind == PR_KIND_SSH))
		r = ss_audit_begin(&w, event, NULL, cred, detail);
	else {
		d = pr_audit_ssh_detail(x->ssh_fp, detail);
		r = ss_audit_begin(&w, event, "ssh-sk", cred, d != NULL ? d : detail);
	}
	free(d);
	return r;
}

/* The intent could not be put on file: the attempt is recorded and said. */
static int ue_begin_failed(struct enroll_ctx *x, const char *event, int err,
    const struct pr_cred *cred, const char *detail)
{
	int r = ue_audit(x, event, err, cred, detail);

	say(x, "nothing was changed.");
	return r;
}

int ue_audit_begin(struct enroll_ctx *x, const char *event,
    const struct pr_cred *cred, const char *detail)
{
	int r;

	if ((r = ue_intent_begin(x, event, cred, detail)) != PR_OK)
		ue_begin_failed(x, event, r, cred, detail);
	return r;
}

/* ---- key changes (keychange.h): each record carries the proof taken ----------------- */

static int kc_begin(void *arg, const char *event, const struct pr_cred *cred)
{
	struct enroll_ctx *x = arg;

	return ue_intent_begin(x, event, cred, x->proof);
}

static int kc_record(void *arg, const struct pr_cred *cred, const struct pr_kc_outcome *o)
{
	struct enroll_ctx *x = arg;
	const char *detail = x->proof;

	switch (o->step) {
	case PR_KC_BEGIN:
		return ue_begin_failed(x, o->event, o->err, cred, x->proof);
	case PR_KC_PREPARE:
		say(x, "the invitation could not be used (%s): it was used, withdrawn or expired "
		    "meanwhile. The key was not enrolled.", pr_strerror(o->err));
		detail = "invitation";
		break;
	case PR_KC_STORE:
		if (o->err == PR_ERR_LAST_KEY)
			say(x, "refused: key %s is now your last %s (another was removed meanwhile).",
			    x->keyid, ue_key_words(x->need));
		else
			say(x, "%s", o->eb->msg[0] ? o->eb->msg : pr_strerror(o->err));
		break;
	case PR_KC_DONE:
		break;
	}
	return ue_audit(x, o->event, o->err, cred, detail);
}

static void kc_undone(void *arg)
{
	(void)arg;
	cli_audit_undone();
}

/* A first key's invitation is consumed only once the intent is on file. */
static int kc_consume_invite(void *arg, const struct pr_cred *cred, struct pr_errbuf *eb)
{
	struct enroll_ctx *x = arg;
	int r;

	(void)cred;
	if (x->token != NULL &&
	    (r = pr_invite_consume(x->cli.cfg->state, x->user, x->token, pr_now(), eb)) != PR_OK)
		return r;
	pr_secret_strfree(&x->token);
	return PR_OK;
}

int ue_commit_enroll(struct enroll_ctx *x, const struct pr_cred *cred)
{
	const struct pr_kc_record rec = { kc_begin, kc_record, kc_undone, kc_consume_invite, x };
	const struct pr_kc_enroll e = { x->cli.cfg->state, x->user, cred, false };
	bool unrecorded;
	int r;

	suid_critical_begin(x->suid);
	if ((r = pr_keychange_enroll(&e, &rec, &unrecorded)) != PR_OK && unrecorded)
		say(x, "enrollment undone because it could not be recorded");
	suid_critical_end(x->suid);
	return r;
}

int ue_commit_remove(struct enroll_ctx *x, const struct pr_cred *cred)
{
	const struct pr_kc_record rec = { kc_begin, kc_record, kc_undone, NULL, x };
	const struct pr_kc_remove m = { x->cli.cfg->state, x->user, cred, &x->need, false };
	bool unrecorded;
	int r;

	suid_critical_begin(x->suid);
	if ((r = pr_keychange_remove(&m, &rec, &unrecorded)) != PR_OK && unrecorded)
		say(x, "removal undone because it could not be recorded");
	suid_critical_end(x->suid);
	return r;
}

/* ---- words ---------------------------------------------------------------------------- */

const char *ue_key_words(enum pr_need need)
{
	return need == PR_NEED_PHYSICAL ? "physical security key" : "security key";
}

void ue_print_label(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		putchar(*p >= 0x20 && *p < 0x7f ? *p : '?');
}
