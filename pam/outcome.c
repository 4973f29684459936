/*
 * The module's return values and what the person at the prompt reads. Keep "not enrolled" apart from "could not
 * check": every error is a failure code, never PAM_IGNORE or PAM_SUCCESS.
 * The table is documented in pam_practicerunner(8).
 */
#include "config.h"

#include "err.h"
#include "module.h"

int pam_tx_code(int err)
{
	switch (err) {
	case PR_OK:
		return PAM_SUCCESS;
	case PR_ERR_NOT_FOUND:
		return PAM_USER_UNKNOWN;
	case PR_ERR_CONFIG:
	case PR_ERR_INVALID_ARG:
		return PAM_SERVICE_ERR;
	case PR_ERR_NOMEM:
		return PAM_BUF_ERR;
	case PR_ERR_CANCELLED:
		return PAM_CONV_ERR;
	case PR_ERR_IO:
	case PR_ERR_UNSAFE_FILE:
	case PR_ERR_CORRUPT:
	case PR_ERR_AUDIT:
	case PR_ERR_LOCK:
	case PR_ERR_DEVICE:
		return PAM_AUTHINFO_UNAVAIL;
	default:
		/*
		 * Denials: no key attached, wrong key, bad signature, counter, class,
		 * UV, timeout. "No key attached" is the user's doing, so it is not
		 * AUTHINFO_UNAVAIL, which stacks often ignore.
		 */
		return PAM_AUTH_ERR;
	}
}

bool pam_tx_before_key(int err)
{
	return err == PR_ERR_NOT_FOUND || err == PR_ERR_NOT_ENROLLED ||
	    err == PR_ERR_NO_DEVICE || err == PR_ERR_NO_CREDENTIAL;
}

int pam_tx_auth_code(const struct pam_tx *tx, int err)
{
	/* An unknown name fails as an enrolled account without its key does. */
	if (err == PR_ERR_NOT_FOUND && !tx->opts.show_status)
		return PAM_AUTH_ERR;
	return pam_tx_code(err);
}

/*
 * Until a key answered, one sentence for every account (ARCHITECTURE
 * §4.7); a name that is no account, where staff need no key, gets what an
 * uncovered staff account gets: nothing.
 */
static bool explain_uniform(struct pam_tx *tx, int err)
{
	if (tx->opts.show_status || !pam_tx_before_key(err))
		return false;
	if (err != PR_ERR_NOT_FOUND || tx->s.need != PR_NEED_NONE)
		pam_tx_error(tx, "%s", tx->opts.ssh ? PR_MSG_SSH_NOT_SIGNED_IN : PR_MSG_NOT_SIGNED_IN);
	return true;
}

/* What the user reads: what happened and what to do next. No internals. */
void pam_tx_explain(struct pam_tx *tx, int err)
{
	const char *u = tx->s.user_known ? tx->s.user : "this account";

	if (explain_uniform(tx, err))
		return;
	switch (err) {
	case PR_ERR_NOT_ENROLLED:
		if (tx->s.need == PR_NEED_PHYSICAL && (tx->s.creds.n > 0 || tx->enrolled > 0))
			pam_tx_error(tx, "No physical security key is enrolled for %s, and policy requires one. Ask your administrator to enroll a physical key.", u);
		else
			pam_tx_error(tx, "No enrolled security key for %s; ask your administrator for an enrollment invitation.", u);
		break;
	case PR_ERR_NO_CREDENTIAL:
		pam_tx_error(tx, "Your security key is not enrolled for %s. Use an enrolled key, or ask your administrator.", u);
		break;
	case PR_ERR_NO_DEVICE:
		pam_tx_error(tx, "No security key found. Insert your security key and try again.");
		break;
	case PR_ERR_CLASS:
		pam_tx_error(tx, "This key is not allowed for %s: policy requires a physical security key. Use your enrolled physical key.", u);
		break;
	case PR_ERR_TIMEOUT:
		pam_tx_error(tx, "The security key was not touched in time. Try again and touch the key when it blinks.");
		break;
	case PR_ERR_UV_REQUIRED:
		pam_tx_error(tx, "This sign-in needs your security key's PIN or fingerprint. Try again and enter it when asked.");
		break;
	case PR_ERR_NO_PIN:
		pam_tx_error(tx, "This sign-in needs a PIN on your security key, but it has none. Ask your administrator to set one up.");
		break;
	case PR_ERR_PIN_INVALID:
		pam_tx_error(tx, "Wrong PIN for the security key. Try again.");
		break;
	case PR_ERR_PIN_BLOCKED:
		pam_tx_error(tx, "The security key's PIN is blocked after too many wrong tries. Ask your administrator.");
		break;
	case PR_ERR_COUNTER:
		pam_tx_error(tx, "This security key was refused (it may be a copy). Contact your administrator.");
		break;
	case PR_ERR_SIGNATURE:
	case PR_ERR_UP_MISSING:
		pam_tx_error(tx, "The security key's answer was not valid. Sign-in refused.");
		break;
	case PR_ERR_CANCELLED:
		pam_tx_error(tx, "Sign-in cancelled.");
		break;
	case PR_ERR_NOT_FOUND:
		break;  /* show_status: unknown users get no hint but the code */
	default:
		pam_tx_error(tx, "Security key sign-in is unavailable right now. Contact your administrator.");
		break;
	}
}
