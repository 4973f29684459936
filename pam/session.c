/*
 * The session phase: what the sign-in that just happened in this PAM handle
 * was worth, for the session's own programs. auth records the assurance
 * level and the policy's limits for it when it succeeds (pam_set_data);
 * open_session exports them to the PAM environment:
 *   PRACTICERUNNER_AAL=aal3|aal2|aal1
 *   PRACTICERUNNER_IDLE_LIMIT=<seconds>  PRACTICERUNNER_SESSION_LIMIT=<seconds>
 *   TMOUT=<idle seconds>                 (policy session.set_tmout)
 *   PRACTICERUNNER_BREAKGLASS=1          (signed in with a break-glass code:
 *                                        aal1, the session limit
 *                                        breakglass.session_limit)
 * Nothing recorded (the module did not sign this user in here): nothing
 * exported, PAM_IGNORE. These are guidance the session applies to itself
 * (shell TMOUT, lock settings), not proof: the user controls their own
 * environment, so no program should grant anything because of them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "aal.h"
#include "module.h"

#define SESSION_DATA "practicerunner-session"

/* What auth recorded for open_session. */
struct session_note {
	char *user;                /* whom it was recorded for */
	enum pr_aal aal;
	struct pr_session_limits lim;
	bool set_tmout;
	bool breakglass;           /* signed in with the emergency code */
};

static const char *const exported[] = {
	"PRACTICERUNNER_AAL", "PRACTICERUNNER_IDLE_LIMIT", "PRACTICERUNNER_SESSION_LIMIT",
	"PRACTICERUNNER_BREAKGLASS",
};

static void note_free(pam_handle_t *pamh, void *data, int error_status)
{
	struct session_note *n = data;

	(void)pamh;
	(void)error_status;
	if (n == NULL)
		return;
	free(n->user);
	free(n);
}

void pam_tx_session_forget(pam_handle_t *pamh)
{
	(void)pam_set_data(pamh, SESSION_DATA, NULL, NULL);
}

static bool tx_breakglass(const struct pam_tx *tx)
{
	return tx->s.method != NULL && strcmp(tx->s.method, "break-glass") == 0;
}

/* After an emergency code: one factor (aal1), for no longer than breakglass.session_limit. */
static void breakglass_limits(const struct pam_tx *tx, struct session_note *n)
{
	long cap = tx->cfg->breakglass.session_limit;

	n->aal = PR_AAL1;
	n->breakglass = true;
	n->lim = tx->cfg->session.aal1;
	if (n->lim.session > cap)
		n->lim.session = cap;
	if (n->lim.idle > cap)
		n->lim.idle = cap;
}

/* What this transaction verified, in lib/aal.c's terms. */
static enum pr_aal tx_aal(const struct pam_tx *tx)
{
	struct pr_aal_evidence e = {
		.recovery = tx->s.method != NULL && strcmp(tx->s.method, "recovery-code") == 0,
	};

	if (tx->via_helper && tx->helper_cls >= 0) {
		/* practicerunner-verify verified it and says with what */
		e.key = true;
		e.cls = (enum pr_class)tx->helper_cls;
		e.flags = tx->helper_flags;
	} else if (!tx->via_helper && tx->s.used != NULL) {
		e.key = true;
		e.cls = tx->s.used->cls;
		e.flags = tx->s.outcome.flags;
	}
	return pr_aal_of(&e);
}

int pam_tx_session_note(struct pam_tx *tx)
{
	const struct pr_session_limits *lim;
	struct session_note *n = NULL;
	enum pr_aal aal = tx_aal(tx);

	pam_tx_session_forget(tx->pamh);
	/*
	 * As an ordinary user (practicerunner-verify decided) the module has
	 * not read the policy, so it knows no limits: it claims nothing. Screen
	 * lockers, the users of that path, open no session.
	 */
	if (tx->cfg == NULL)
		return PR_OK;
	if (tx_breakglass(tx) && tx->s.user_known && tx->s.user != NULL)
		aal = PR_AAL1;
	if (aal == PR_AAL_NONE || !tx->s.user_known || tx->s.user == NULL ||
	    (lim = pr_aal_limits(&tx->cfg->session, aal)) == NULL)
		return PR_OK;   /* nothing verified that has a level: claim nothing */
	if ((n = calloc(1, sizeof(*n))) == NULL || (n->user = strdup(tx->s.user)) == NULL)
		goto fail;
	n->aal = aal;
	n->lim = *lim;
	n->set_tmout = tx->cfg->session.set_tmout;
	if (tx_breakglass(tx))
		breakglass_limits(tx, n);
	if (pam_set_data(tx->pamh, SESSION_DATA, n, note_free) != PAM_SUCCESS)
		goto fail;
	PR_DEBUG(tx, "%s: %s, idle %ld s, session %ld s", __func__, pr_aal_name(n->aal),
	    n->lim.idle, n->lim.session);
	return PR_OK;
fail:
	note_free(tx->pamh, n, 0);
	pam_syslog(tx->pamh, LOG_ERR, "cannot record the sign-in's assurance level");
	return PR_ERR_NOMEM;
}

/* Remove our variables: a value from elsewhere (pam_env, the caller) is not ours. */
static void unexport(pam_handle_t *pamh)
{
	for (size_t i = 0; i < sizeof(exported) / sizeof(exported[0]); i++)
		if (pam_getenv(pamh, exported[i]) != NULL)
			(void)pam_putenv(pamh, exported[i]);
}

static int putenv_long(pam_handle_t *pamh, const char *name, long v)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s=%ld", name, v);
	return pam_putenv(pamh, buf);
}

static int export_note(pam_handle_t *pamh, const struct session_note *n)
{
	char aal[32];
	int rc;

	snprintf(aal, sizeof(aal), "PRACTICERUNNER_AAL=%s", pr_aal_name(n->aal));
	if ((rc = pam_putenv(pamh, aal)) != PAM_SUCCESS ||
	    (rc = putenv_long(pamh, "PRACTICERUNNER_IDLE_LIMIT", n->lim.idle)) != PAM_SUCCESS ||
	    (rc = putenv_long(pamh, "PRACTICERUNNER_SESSION_LIMIT", n->lim.session)) != PAM_SUCCESS ||
	    (n->set_tmout && (rc = putenv_long(pamh, "TMOUT", n->lim.idle)) != PAM_SUCCESS) ||
	    (n->breakglass && (rc = pam_putenv(pamh, "PRACTICERUNNER_BREAKGLASS=1")) != PAM_SUCCESS)) {
		/* half an export would mislead: none, and the session is refused */
		unexport(pamh);
		pam_syslog(pamh, LOG_ERR, "cannot export the session limits: %s",
		    pam_strerror(pamh, rc));
		return PAM_SESSION_ERR;
	}
	return PAM_SUCCESS;
}

static bool item_is(pam_handle_t *pamh, int item, const char *want)
{
	const void *v = NULL;

	return pam_get_item(pamh, item, &v) == PAM_SUCCESS && v != NULL &&
	    strcmp(v, want) == 0;
}

/*
 * Only what auth recorded in this handle, and only for a session of the
 * user who signed in (PAM_USER) or opened by them (PAM_RUSER: sudo and su
 * set PAM_USER to the target account before the session, and the level is
 * that of the person who asked).
 */
static const struct session_note *recorded_note(pam_handle_t *pamh)
{
	const struct session_note *n;
	const void *data = NULL;

	if (pam_get_data(pamh, SESSION_DATA, &data) != PAM_SUCCESS || data == NULL)
		return NULL;
	n = data;
	if (!item_is(pamh, PAM_USER, n->user) && !item_is(pamh, PAM_RUSER, n->user))
		return NULL;
	return n;
}

bool pam_tx_session_breakglass(pam_handle_t *pamh, const char *user)
{
	const struct session_note *n = recorded_note(pamh);

	return n != NULL && n->breakglass && user != NULL && strcmp(n->user, user) == 0;
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	const struct session_note *n = recorded_note(pamh);

	(void)flags;
	(void)argc;
	(void)argv;
	if (n == NULL) {
		unexport(pamh);
		return PAM_IGNORE;
	}
	return export_note(pamh, n);
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
