/*
 * The sign-in decision shared by the module and practicerunner-verify.
 * Every error is a refusal; only "no requirement" lets the stack decide.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "audit_event.h"
#include "audit_intent.h"
#include "roles.h"
#include "signin.h"
#include "store_offline.h"
#include "transport.h"
#include "user_file.h"
#include "util.h"

#define SIGNIN_LOCK "+signin.lock"   /* locks/<user>+signin.lock */
#define PR_DECOY_ID_LEN 64            /* as long as a typical resident-key id */

/* What a staff account that is not exempt needs: the name that is no account is treated as one. */
static void need_of_unknown(struct pr_signin *s)
{
	s->kind = PR_ACCOUNT_PERSON;
	s->role = PR_ROLE_STAFF;
	s->need = s->cfg != NULL ? pr_policy_need(&s->cfg->policy, PR_ROLE_STAFF, false) :
	    PR_NEED_PHYSICAL;
	if (s->step_up && s->need == PR_NEED_NONE)
		s->need = PR_NEED_ANY_KEY;
}

int pr_signin_user(struct pr_signin *s)
{
	struct pr_user_policy up;
	int r;

	if (s->user == NULL || !pr_username_valid(s->user)) {
		need_of_unknown(s);
		return PR_ERR_NOT_FOUND;
	}
	r = pr_user_policy(s->cfg, s->user, &up);
	s->need = up.need;
	if (r == PR_ERR_NOT_FOUND)
		need_of_unknown(s);
	if (r != PR_OK)
		return r;
	s->role = up.role;
	s->kind = up.kind;
	s->exempt = up.exempt;
	s->user_known = true;
	/* A step-up asks every user for a key, whatever their requirement. */
	if (s->step_up && s->need == PR_NEED_NONE)
		s->need = PR_NEED_ANY_KEY;
	return PR_OK;
}

int pr_signin_load_creds(struct pr_signin *s, enum pr_cred_kind kind)
{
	size_t usable = 0;
	int r;

	if ((r = pr_signin_load_store(s)) != PR_OK)
		return r;
	if (s->creds.n > 0 && (s->acceptable = calloc(s->creds.n, sizeof(bool))) == NULL)
		return PR_ERR_NOMEM;
	for (size_t i = 0; i < s->creds.n; i++) {
		s->acceptable[i] = s->creds.v[i].kind == kind &&
		    pr_policy_class_ok(s->need, s->creds.v[i].cls);
		usable += s->acceptable[i];
	}
	return usable > 0 ? PR_OK : PR_ERR_NOT_ENROLLED;
}

static int timeout_ms(const struct pr_signin *s)
{
	int t = s->cfg->touch_timeout;

	/* The option may shorten the wait, never lengthen it. */
	if (s->timeout > 0 && s->timeout < t)
		t = s->timeout;
	return t * 1000;
}

/* How a sign-in that succeeds is recorded (the success note of pr_signin_auth). */
static const char *auth_note(const struct pr_signin *s)
{
	if (s->need == PR_NEED_NONE)
		return "opportunistic";
	return s->step_up ? "step-up" : pr_need_name(s->need);
}

static int begin_use(struct pr_signin *s);

/* The statement: asked of the attached devices, or one made elsewhere judged (s->judge). */
static int assert_statement(struct pr_signin *s)
{
	struct pr_devices devs = { .n = 0 };
	struct pr_assert_opts o = {
		.rp_id = s->cfg->rp_id,
		/* A step-up always asks for the PIN or fingerprint; the option only adds the demand. */
		.uv_required = s->step_up || s->uv_required ||
		    pr_policy_uv_required(&s->cfg->policy),
		.uv_preferred = s->cfg->policy.user_verification == PR_UV_PREFERRED,
		.timeout_ms = timeout_ms(s),
		.acceptable = s->acceptable,
	};
	int r;

	s->outcome.index = s->creds.n;     /* no key seen yet */
	if (s->judge != NULL) {
		r = s->judge(s->judge_arg, &s->creds, s->acceptable, o.uv_required, &s->outcome);
		goto judged;
	}
	if (s->devices_begin != NULL && (r = s->devices_begin(s->devices_arg)) != PR_OK)
		return r;
	if ((r = pr_devices_open(&devs)) == PR_OK)
		r = pr_assert_run(&devs, &s->creds, &o, &s->ui, &s->outcome);
	pr_devices_close(&devs);
	if (s->devices_end != NULL)
		s->devices_end(s->devices_arg);
judged:
	if (s->outcome.index < s->creds.n)
		s->used = &s->creds.v[s->outcome.index];
	return r;
}

/* The verified statement's counter stored, under the lock. */
static int record_use_locked(struct pr_signin *s)
{
	const struct pr_cred *c = s->used;
	int r;

	/* The counter is a change: on file before it is stored (audit_intent.h). */
	if ((r = begin_use(s)) != PR_OK)
		return r;
	s->use_begun = true;
	r = pr_store_record_use_signin(s->cfg->state, s->user, s->from_cache, c->id, c->id_len,
	    s->outcome.sign_count, pr_now(), &s->eb);
	if (r == PR_ERR_NOT_FOUND)
		r = PR_ERR_IO;  /* removed while signing in: could not record */
	if (r == PR_OK)
		pr_transport_test_point("commit-auth");
	return r;
}

/*
 * One sign-in per user at a time, from the assertion until its counter is
 * stored: two sign-ins with the same key must store their counters in the
 * order the key gave them, or the one stored second would look like a
 * cloned key (counter-regression) and be refused. Taken before the devices
 * are opened (the helper drops privileges for device I/O) and held at most
 * as long as the holder waits for a touch. A statement made elsewhere (the
 * web gate's) is judged before the lock: its counter is already fixed, and
 * judging reads nothing the lock guards (the credentials were loaded
 * before it; the store checks the counter again under its own lock), so a
 * response that does not verify never waits for, nor holds, the lock.
 */
static int assert_and_record_use(struct pr_signin *s)
{
	struct pr_user_file serial;
	int r;

	if (s->judge != NULL && (r = assert_statement(s)) != PR_OK)
		return r;
	if ((r = pr_user_file_open(&serial, s->cfg->state, "users", s->user,
	    SIGNIN_LOCK, false, &s->eb)) == PR_OK) {
		if (s->judge == NULL)
			r = assert_statement(s);
		if (r == PR_OK)
			r = record_use_locked(s);
	}
	pr_user_file_close(&serial);
	return r;
}

/*
 * The silent probe an enrolled account whose key does not answer gets
 * (pr_assert_run before any touch), with nothing acceptable: over the
 * account's own credentials when it has any (one of them attached is a key
 * that answered: PR_ERR_CLASS), else over one random id that no key holds.
 * PR_ERR_NO_DEVICE or PR_ERR_NO_CREDENTIAL as for that account, a device
 * error as for it, or PR_ERR_CLASS. No lock and no file: the name may be
 * no account (doc/ARCHITECTURE.md §4.7).
 */
static int probe_only(struct pr_signin *s)
{
	unsigned char id[PR_DECOY_ID_LEN];
	struct pr_cred decoy = { .id = id, .id_len = sizeof(id), .kind = PR_KIND_FIDO };
	struct pr_credlist one = { .v = &decoy, .n = 1 };
	const struct pr_credlist *creds = s->creds.n > 0 ? &s->creds : &one;
	struct pr_devices devs = { .n = 0 };
	struct pr_assert_outcome out;
	struct pr_assert_opts o = { .rp_id = s->cfg->rp_id, .timeout_ms = timeout_ms(s) };
	bool *none = NULL;
	int r;

	if ((r = pr_random(id, sizeof(id))) != PR_OK)
		return r;
	if ((none = calloc(creds->n, sizeof(bool))) == NULL)
		return PR_ERR_NOMEM;
	o.acceptable = none;
	if (s->devices_begin != NULL && (r = s->devices_begin(s->devices_arg)) != PR_OK)
		goto out;
	if ((r = pr_devices_open(&devs)) == PR_OK)
		r = pr_assert_run(&devs, creds, &o, NULL, &out);
	pr_devices_close(&devs);
	if (s->devices_end != NULL)
		s->devices_end(s->devices_arg);
	if (r == PR_ERR_CLASS && creds == &s->creds && out.index < s->creds.n)
		s->used = &s->creds.v[out.index];
out:
	free(none);
	return r;
}

/* Whether r is how an account's sign-in ends when none of its keys answered. */
static bool no_key_answered(int r)
{
	return r == PR_ERR_NO_DEVICE || r == PR_ERR_NO_CREDENTIAL;
}

/* Not an account, or no acceptable key: the probe, then reason unless a key answered. */
static int refused_before_probe(struct pr_signin *s, int reason)
{
	int r;

	/*
	 * A statement judged here was made elsewhere: no device to probe, but a
	 * statement by one of the account's keys that policy does not accept is
	 * that key refused (PR_ERR_CLASS), as the probe finds it at the console.
	 * One that names such a key without its signature is refused for that
	 * (recorded so; s->outcome.verified tells the caller nothing verified).
	 */
	if (s->judge != NULL) {
		if (s->creds.n == 0 || s->acceptable == NULL)
			return reason;
		r = s->judge(s->judge_arg, &s->creds, s->acceptable, false, &s->outcome);
		if (s->outcome.index < s->creds.n)
			s->used = &s->creds.v[s->outcome.index];
		return s->used != NULL && r != PR_OK ? r : reason;
	}
	r = probe_only(s);

	return no_key_answered(r) ? reason : r;
}

/*
 * An exempt account where policy would otherwise cover it: left to the
 * stack, but the prompt must look as it does for a covered account without
 * an answering key, or an exemption is visible to anyone who types the name.
 */
static bool exemption_hidden(const struct pr_signin *s)
{
	return s->exempt && s->kind != PR_ACCOUNT_SYSTEM &&
	    pr_policy_need(&s->cfg->policy, s->role, false) != PR_NEED_NONE;
}

/* No requirement: with opportunistic, an attached enrolled key still signs the user in. */
static int no_requirement(struct pr_signin *s, bool *ignore, const char **note)
{
	bool hidden = exemption_hidden(s);
	int r;

	*ignore = true;
	*note = s->kind == PR_ACCOUNT_SYSTEM ? "system-account" : "no-requirement";
	/* A service account never signs in with a key, not even opportunistically. */
	if (s->kind == PR_ACCOUNT_SYSTEM)
		return PR_OK;
	if (!s->opportunistic) {
		if (hidden)
			s->shown_err = probe_only(s);
		return PR_OK;
	}
	if ((r = pr_signin_load_creds(s, PR_KIND_FIDO)) == PR_OK) {
		r = assert_and_record_use(s);
	} else if (r == PR_ERR_NOT_ENROLLED) {
		/* Nothing it could sign in with: left to the stack, whatever the probe finds. */
		if (hidden)
			s->shown_err = probe_only(s);
		return PR_OK;
	}
	if (no_key_answered(r)) {
		if (hidden)
			s->shown_err = r;
		return PR_OK;
	}
	*ignore = false;
	*note = "opportunistic";
	return r;
}

int pr_signin_auth(struct pr_signin *s, bool *ignore, const char **note)
{
	int r;

	*ignore = false;
	*note = NULL;
	if (!s->user_known)
		return s->need == PR_NEED_NONE ? PR_ERR_NOT_FOUND :
		    refused_before_probe(s, PR_ERR_NOT_FOUND);
	if (s->need == PR_NEED_NONE)
		return no_requirement(s, ignore, note);
	if ((r = pr_signin_load_creds(s, PR_KIND_FIDO)) == PR_OK)
		r = assert_and_record_use(s);
	else if (r == PR_ERR_NOT_ENROLLED)
		r = refused_before_probe(s, r);
	*note = auth_note(s);
	return r;
}

/*
 * Whether root is the one asking: util-linux su (2.38: PAM_RUSER is the
 * name of getpwuid(getuid())) and sudo (1.9.13: PAM_RUSER is the invoking
 * user; PAM_USER is that user too, so "sudo -u X" by root checks root's
 * account) leave the real uid the caller's. Both are needed: a process
 * of root's that did not set PAM_RUSER (login, sshd, gdm) is signing
 * someone in. (rlogind sets PAM_RUSER to the name the remote end claims;
 * the auth phase still asks that user for a key.)
 */
static bool applicant_root(const struct pr_signin *s)
{
	return s->real_root && s->ruser != NULL && strcmp(s->ruser, "root") == 0;
}

/*
 * The account phase denies a covered user without an acceptable key only
 * when someone is signing in as them. Root's own account runs cron jobs
 * and daemons (its sign-ins are the auth phase's, as pam_faillock leaves
 * root alone without even_deny_root); root switching to an account (su,
 * runuser, sudo -u) already holds every right; the unattended services
 * start work with nobody at a keyboard.
 */
static const char *account_left_alone(const struct pr_signin *s)
{
	if (s->kind == PR_ACCOUNT_ROOT)
		return "root's own account";
	if (applicant_root(s))
		return "root is the applicant";
	if (pr_unattended_service(s->cfg, s->service))
		return "unattended service";
	return NULL;
}

int pr_signin_account(struct pr_signin *s, bool *ignore)
{
	*ignore = true;
	if (s->need == PR_NEED_NONE) {
		s->account_note = s->kind == PR_ACCOUNT_SYSTEM ? "system account" : "no requirement";
		return PR_OK;
	}
	if ((s->account_note = account_left_alone(s)) != NULL)
		return PR_OK;
	*ignore = false;
	return pr_signin_load_creds(s, PR_KIND_FIDO);
}

const char *pr_signin_event(const struct pr_signin *s)
{
	return s->step_up ? "step-up" : "auth";
}

/* A record of this attempt: the person at the service is who acts. */
static int signin_event(const struct pr_signin *s, struct pr_audit_what *what,
    struct pr_audit_built *b)
{
	const struct pr_audit_who who = {
		.cfg = s->cfg, .service = s->service, .tty = s->tty, .rhost = s->rhost,
		.path = s->path, .store = s->from_cache ? "cache" : NULL,
		.origin = s->origin, .user_agent = s->user_agent,
		.vpn_rhost = s->vpn_rhost, .pending = s->pending,
	};

	/* A name that is not an account may be a mistyped password: never record it. */
	what->user = s->user_known ? s->user : "(unknown)";
	what->role = s->user_known ? pr_role_name(s->role) : NULL;
	return pr_audit_build(&who, what, b);
}

static int append(const struct pr_signin *s, const struct pr_audit_event *ev,
    struct pr_errbuf *eb)
{
	if (s->cfg == NULL)
		return pr_fail(eb, PR_ERR_CONFIG, "no policy, so no audit log");
	return pr_audit_append(s->cfg->audit_log, ev, eb);
}

/*
 * A counter this host saw offline that the directory contradicts (a copy
 * of the key used elsewhere): recorded, as a cloned key's counter is. The
 * directory keeps the higher counter, so the counter rule goes on judging
 * every later use of either key against it.
 */
static void record_conflict(const struct pr_store_conflict *k, void *arg)
{
	struct pr_signin *s = arg;
	struct pr_audit_what what = {
		.event = "counter-conflict", .err = PR_ERR_COUNTER, .cred = k->cred,
		.evidence = PR_AUDIT_THIS_USE, .flags = -1, .sign_count = k->offline_count,
	};
	struct pr_audit_built b;
	struct pr_errbuf eb;
	char detail[160];

	snprintf(detail, sizeof(detail), "counter %" PRIu32 " seen offline here at %" PRId64
	    "; the directory had %" PRIu32 " from a use at %" PRId64, k->offline_count,
	    k->offline_at, k->dir_count, k->dir_at);
	what.detail = detail;
	if (signin_event(s, &what, &b) == PR_OK)
		(void)append(s, &b.ev, &eb);   /* the sign-in goes on: it is not this use's record */
	pr_audit_built_clear(&b);
}

int pr_signin_load_store(struct pr_signin *s)
{
	int r;

	r = pr_store_load_signin(s->cfg->state, s->user, &s->creds, &s->from_cache,
	    record_conflict, s, &s->eb);
	return r == PR_ERR_NOT_FOUND ? PR_ERR_IO : r;   /* e.g. no state_dir */
}

/* The record of the attempt (pr_signin_record); clear b after use. */
static int attempt_event(const struct pr_signin *s, const char *event, int err,
    const char *note, struct pr_audit_built *b)
{
	struct pr_audit_what what = {
		.event = event, .err = err, .method = s->method, .cred = s->used,
		/* This attempt's flags and counter, not the enrollment's. */
		.evidence = PR_AUDIT_THIS_USE,
		.flags = s->outcome.flags != 0 ? s->outcome.flags : -1,
		.sign_count = s->outcome.flags != 0 || s->counted ?
		    (int64_t)s->outcome.sign_count : -1,
		/* The SSH key sshd verified, after the failure's detail when there is one. */
		.ssh_key = s->ssh_detail,
	};

	if (err == PR_OK)
		what.note = note;
	else
		what.detail = note;
	return signin_event(s, &what, b);
}

/* Before the counter is stored: the success record it will get. */
static int begin_use(struct pr_signin *s)
{
	struct pr_audit_built b;
	int r;

	/* A sign-in whose record never came stays on file: recorded once we are gone. */
	pr_audit_intent_keep(&s->intent);
	if (s->cfg->audit_log == NULL || s->cfg->audit_log[0] == '\0')
		return pr_fail(&s->eb, PR_ERR_CONFIG, "no audit log configured");
	if (attempt_event(s, pr_signin_event(s), PR_OK, auth_note(s), &b) != PR_OK)
		return pr_fail(&s->eb, PR_ERR_AUDIT, "out of memory for the audit record");
	r = pr_audit_intent_begin(s->cfg->audit_log, &b.ev, &s->intent, &s->eb);
	snprintf(s->intent_event, sizeof(s->intent_event), "%s", b.ev.event);
	pr_audit_built_clear(&b);
	return r == PR_OK ? PR_OK : PR_ERR_AUDIT;
}

/*
 * After the record of event: the change is recorded, or was never made.
 * A success whose record failed keeps its intent (a counter cannot be
 * taken back; a step's undo calls pr_signin_step_undone).
 */
static void settle(struct pr_signin *s, const char *event, int err, int recorded)
{
	if (s->intent != NULL && strcmp(event, s->intent_event) == 0 &&
	    (err != PR_OK || recorded == PR_OK))
		pr_audit_intent_end(&s->intent);
}

int pr_signin_record(struct pr_signin *s, const char *event, int err, const char *note)
{
	struct pr_audit_built b;
	int r;

	if ((r = attempt_event(s, event, err, note, &b)) != PR_OK)
		r = pr_fail(&s->eb, r, "out of memory for the audit record");
	else
		r = append(s, &b.ev, &s->eb);
	settle(s, event, err, r);
	pr_audit_built_clear(&b);
	return r;
}

/* The record of one recovery step (pr_signin_record_step); clear b after use. */
static int step_event(const struct pr_signin *s, const char *event, int err,
    const char *method, const struct pr_cred *cred, const char *note,
    struct pr_audit_built *b)
{
	struct pr_audit_what what = {
		.event = event, .err = err, .method = method, .cred = cred, .detail = note,
	};

	return signin_event(s, &what, b);
}

int pr_signin_record_step(struct pr_signin *s, const char *event, int err,
    const char *method, const struct pr_cred *cred, const char *note)
{
	struct pr_audit_built b;
	char point[48];
	int r;

	if (err == PR_OK) {
		snprintf(point, sizeof(point), "commit-%s", event);
		pr_transport_test_point(point);
	}
	if ((r = step_event(s, event, err, method, cred, note, &b)) != PR_OK)
		r = pr_fail(&s->eb, r, "out of memory for the audit record");
	else
		r = append(s, &b.ev, &s->eb);
	settle(s, event, err, r);
	pr_audit_built_clear(&b);
	return r;
}

int pr_signin_begin_step(struct pr_signin *s, const char *event, const char *method,
    const struct pr_cred *cred, const char *note)
{
	struct pr_audit_built b;
	int r;

	pr_audit_intent_keep(&s->intent);
	if (s->cfg == NULL)
		return pr_fail(&s->eb, PR_ERR_AUDIT, "no policy, so no audit log");
	if (step_event(s, event, PR_OK, method, cred, note, &b) != PR_OK)
		return pr_fail(&s->eb, PR_ERR_AUDIT, "out of memory for the audit record");
	r = pr_audit_intent_begin(s->cfg->audit_log, &b.ev, &s->intent, &s->eb);
	snprintf(s->intent_event, sizeof(s->intent_event), "%s", event);
	pr_audit_built_clear(&b);
	return r == PR_OK ? PR_OK : PR_ERR_AUDIT;
}

void pr_signin_step_undone(struct pr_signin *s)
{
	pr_audit_intent_end(&s->intent);
}

void pr_signin_clear(struct pr_signin *s)
{
	pr_audit_intent_keep(&s->intent);
	pr_credlist_clear(&s->creds);
	s->from_cache = false;
	free(s->acceptable);
	s->acceptable = NULL;
	s->used = NULL;
}
