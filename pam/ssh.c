/*
 * Module option ssh: the module in sshd's stack on an SSH gateway
 * (AuthenticationMethods publickey,keyboard-interactive). It talks to no
 * local key: sshd already verified the user's FIDO SSH key in the
 * publickey step and names it in SSH_AUTH_INFO_0 in the PAM environment
 * (lib/ssh/sshauthinfo.c parses it, lib/ssh/signin_ssh.c decides). The messages
 * below speak of SSH keys, as the user at the ssh client sees them.
 */
#include "config.h"

#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "err.h"
#include "module.h"

#define SSH_KEY_TYPES "ed25519-sk or ecdsa-sk"

static void ssh_explain(struct pam_tx *tx, int err)
{
	const char *u = tx->s.user_known ? tx->s.user : "this account";
	bool no_step = strncmp(tx->s.ssh_detail, "key ", 4) != 0;   /* sshd named no key */

	tx->explained = true;
	/* Not enrolled, or another key than the account's: one sentence (ARCHITECTURE §4.7). */
	if (!tx->opts.show_status && pam_tx_before_key(err)) {
		pam_tx_explain(tx, err);
		return;
	}
	switch (err) {
	case PR_ERR_NOT_ENROLLED:
		pam_tx_error(tx, "No SSH security key is enrolled for %s%s. Ask your administrator to enroll one (%s).",
		    u, tx->s.need == PR_NEED_PHYSICAL ? " that policy accepts (a physical key)" : "",
		    SSH_KEY_TYPES);
		break;
	case PR_ERR_NO_CREDENTIAL:
		if (no_step)
			pam_tx_error(tx, "Sign in to %s with your enrolled SSH security key (%s): this connection used none.", u, SSH_KEY_TYPES);
		else
			pam_tx_error(tx, "The SSH security key you used is not enrolled for %s. Use your enrolled key, or ask your administrator to enroll this one.", u);
		break;
	case PR_ERR_ALGORITHM:
		pam_tx_error(tx, "The SSH key you used is not a security key. %s must sign in with an enrolled SSH security key (%s).", u, SSH_KEY_TYPES);
		break;
	case PR_ERR_CLASS:
		pam_tx_error(tx, "This SSH key is not allowed for %s: policy requires a physical security key. Use your enrolled physical key.", u);
		break;
	default:
		pam_tx_explain(tx, err);
		break;
	}
}

int pam_tx_ssh(struct pam_tx *tx, bool *ignore, const char **note)
{
	int r;

	*ignore = false;
	*note = NULL;
	if (tx->via_helper && !tx->helper_as_root) {
		pam_syslog(tx->pamh, LOG_ERR, "module option ssh: the module must run as "
		    "root (in sshd's stack), not as uid %ld", (long)geteuid());
		return PR_ERR_CONFIG;
	}
	if (tx->via_helper) {
		/* It records under the audit log's lock (doc/ARCHITECTURE.md §7.5). */
		pam_syslog(tx->pamh, LOG_ERR, "module option ssh: sshd runs in a process an "
		    "ordinary user can stop or starve (a user's cgroup, a nice value above 0 "
		    "or idle scheduling); run sshd as its system service");
		return PR_ERR_CONFIG;
	}
	r = pr_signin_ssh(&tx->s, pam_getenv(tx->pamh, "SSH_AUTH_INFO_0"), ignore, note);
	if (r != PR_OK && tx->s.eb.msg[0] != '\0')
		pam_syslog(tx->pamh, LOG_ERR, "%s", tx->s.eb.msg);
	tx->s.eb.msg[0] = '\0';
	PR_DEBUG(tx, "%s: %s: %s", __func__, tx->s.ssh_detail, pr_strerror(r));
	if (r != PR_OK)
		ssh_explain(tx, r);
	return r;
}
