/*
 * Break glass at the sign-in prompt (doc/ARCHITECTURE.md §6.4): when no
 * enrolled key answered, at a service in breakglass.services, on a machine
 * where a break-glass code is on file, everyone is asked the same question
 * (§4.7): whether or not the account has a code, whether or not the name is
 * an account, the prompt, the words and the time taken are the same
 * (lib/breakglass.c checks against a dummy hash when there is none). The
 * order of the steps and every record are lib/breakglass_flow.c's; this
 * file asks and words.
 */
#include "config.h"

#include <syslog.h>

#include <security/pam_ext.h>

#include "breakglass_flow.h"
#include "err.h"
#include "module.h"
#include "store.h"
#include "util.h"

#define CODE_PROMPT "Emergency (break-glass) code (press Enter to skip): "
#define CODE_MAX 256
#define NOT_ACCEPTED "That emergency code was not accepted."

/*
 * Failures where no enrolled key answered; a key's refusal (class, counter)
 * is no such case. A clinic directory that did not answer is one (the
 * keys cannot even be read); one that answered and refused (bind, TLS,
 * schema) is a configuration error to mend, not an emergency.
 */
static bool no_key_answered(int failure)
{
	return failure == PR_ERR_NOT_ENROLLED || failure == PR_ERR_NO_DEVICE ||
	    failure == PR_ERR_NO_CREDENTIAL || failure == PR_ERR_TIMEOUT ||
	    failure == PR_ERR_DIR_UNREACHABLE;
}

/* Whether any account on this machine has a code: the offer depends on nothing per user. */
static bool machine_has_codes(struct pam_tx *tx)
{
	struct pr_strlist users = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	bool any;

	if (pr_state_users(tx->cfg->state, "breakglass", &users, &eb) != PR_OK) {
		pam_syslog(tx->pamh, LOG_ERR, "break glass not offered: %s", eb.msg);
		return false;
	}
	any = users.n > 0;
	pr_strlist_clear(&users);
	return any;
}

/*
 * A sign-in from another host (telnet's login, XDMCP at a display manager
 * set PAM_RHOST): the envelope is for someone at this machine, so a code
 * that leaked never works from the network through a console service name.
 */
static bool from_network(struct pam_tx *tx)
{
	const void *rhost = NULL;

	return pam_get_item(tx->pamh, PAM_RHOST, &rhost) != PAM_SUCCESS ||
	    (rhost != NULL && ((const char *)rhost)[0] != '\0');
}

static bool offered(struct pam_tx *tx, int failure)
{
	const void *service = NULL;

	if (tx->silent || tx->via_helper || tx->opts.ssh || tx->cfg == NULL)
		return false;
	/* A name that is no account, where staff need no key, sees what such staff see. */
	if (!no_key_answered(failure) &&
	    !(failure == PR_ERR_NOT_FOUND && tx->s.need != PR_NEED_NONE))
		return false;
	if (pam_get_item(tx->pamh, PAM_SERVICE, &service) != PAM_SUCCESS ||
	    !pr_strlist_has(&tx->cfg->breakglass.services, service) || from_network(tx))
		return false;
	return machine_has_codes(tx);
}

/* The code was accepted: the words, and what the session will be told. */
static void granted(struct pam_tx *tx, int notice)
{
	if (notice != PR_OK)
		pam_syslog(tx->pamh, LOG_ERR, "break glass: the administrators' mail was not sent");
	tx->s.method = "break-glass";
	pam_tx_info(tx, "Emergency access granted. This sign-in has been reported to the "
	    "administrators, the code no longer works, and the session is limited to %ld "
	    "minutes.", (tx->cfg->breakglass.session_limit + 59) / 60);
}

int pam_tx_breakglass(struct pam_tx *tx, int failure)
{
	struct pr_recorder rec;
	struct pr_breakglass_redeem f = {
		.cfg = tx->cfg, .user = tx->s.user_known ? tx->s.user : NULL,
		.service = tx->s.service, .tty = tx->s.tty, .rhost = tx->s.rhost, .rec = &rec,
	};
	char *code = NULL;
	int notice = PR_OK, r;

	if (!offered(tx, failure))
		return failure;
	pam_tx_recorder(tx, &rec);
	r = pam_tx_secret(tx, CODE_PROMPT, CODE_MAX, &code);
	if (r == PR_ERR_CANCELLED)
		return failure;
	tx->s.used = NULL;        /* the failed attempt's key is not this sign-in's evidence */
	/* An over-long answer is checked as a wrong code (the same words, the same time). */
	r = pr_breakglass_redeem(&f, r == PR_OK ? code : "", &notice);
	pr_secret_strfree(&code);
	tx->explained = true;
	if (r == PR_OK) {
		granted(tx, notice);
		return PR_OK;
	}
	if (r == PR_ERR_AUDIT)
		pam_tx_error(tx, "The emergency code could not be recorded, so it was not accepted. "
		    "It may no longer work: call your administrator.");
	else
		pam_tx_error(tx, NOT_ACCEPTED);
	return r == PR_ERR_AUDIT ? r : failure;
}
