/*
 * practicerunner-recover: installed setuid root, so that a user under a
 * physical-key requirement who lost their key can recover their own
 * account (doc/ARCHITECTURE.md §6.2) with a recovery ticket from an
 * administrator and one of their saved recovery codes:
 *
 *   1. refused unless the account is under a physical-key requirement, or
 *      while recovery is locked out after too many failures;
 *   2. the ticket is read and checked (a wrong one is counted against the
 *      ticket and the account);
 *   3. unless a code was already consumed under this ticket, one recovery
 *      code is read and consumed first, atomically (a code works once, even
 *      under concurrent redemptions), and the ticket marked "code used";
 *   4. a replacement physical key is enrolled on the spot (a passkey is
 *      refused); if that fails, the ticket stays usable without another
 *      code until it expires;
 *   5. the key is stored, the ticket deleted, the failure tally reset;
 *   6. a new code set replaces the old one and is shown once.
 * The order of the steps and their records are lib/recovery_flow.c's,
 * shared with the module; this program asks, makes the key and words.
 * The user gets a generic notice by mail (lib/notify.c) after a code is
 * used, after a new code set and after the completed recovery.
 *
 * The privilege model is setuid.h's: suid_begin() runs first; --config,
 * --user and the environment are honoured only for real uid 0; device I/O
 * runs with the caller's rights (suid_drop/suid_regain); state, audit and
 * the mail command run with root's. Every change and its audit record are
 * made with signals blocked (suid_critical_begin). Tickets and codes come
 * from standard input or the terminal only, are wiped after use and are
 * never printed, logged or mailed; the new codes are printed once.
 */
#include "config.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attest.h"
#include "cli.h"
#include "enroll.h"
#include "recovery_flow.h"
#include "roles.h"
#include "selfservice.h"
#include "setuid.h"
#include "ticket.h"
#include "transport.h"
#include "util.h"

#define PROG "practicerunner-recover"
#define SECRET_MAX 256          /* longest ticket or code line accepted */
#define ADMIN_PROG "practicerunner-admin"

/* "practicerunner-recover: message" on stderr. */
#define say(x, ...) cli_err(&(x)->cli, __VA_ARGS__)

struct recover_ctx {
	struct cli cli;
	struct suid *suid;
	const char *user;            /* the caller (or --user for root) */
	enum pr_role role;
	enum pr_need need;
	const char *label;           /* --label for the new key */
	struct pr_credlist creds;    /* enrolled keys: excluded from the new credential */
	struct pr_recovery rc;       /* the steps' state (lib/recovery.h) */
	struct pr_errbuf eb;         /* why no ticket is waiting */
};

/* ---- audit ------------------------------------------------------------------------ */

/*
 * One record: the caller as actor, the account as user. method names how
 * the step was proven (NULL: from cred, if any). Never a ticket or a code.
 */
static int audit(struct recover_ctx *x, const char *event, int err, const char *method,
    const struct pr_cred *cred, const char *detail)
{
	const struct ss_who w = { &x->cli, x->suid, x->user, x->role };

	return ss_audit(&w, event, err, method, cred, detail);
}

/* ---- what the person reads -------------------------------------------------------------- */

static void say_locked(struct recover_ctx *x)
{
	say(x, "recovery for your account is locked after too many failed attempts. Ask your "
	    "administrator to check, and to run '%s unlock %s'. Nothing was changed.",
	    ADMIN_PROG, x->user);
}

/* Refused while locked out (a tally that cannot be read counts as locked). */
static int check_not_locked(struct recover_ctx *x)
{
	struct pr_errbuf eb = { 0 };

	if (pr_recovery_begin(&x->rc, x->cli.cfg, x->user, &eb) == PR_OK)
		return PR_OK;
	if (eb.msg[0])
		say(x, "%s", eb.msg);
	say_locked(x);
	audit(x, "recovery-ticket", PR_ERR_LOCKED_OUT, "recovery-code", NULL, "locked out");
	return PR_ERR_LOCKED_OUT;
}

static void say_ticket_refused(struct recover_ctx *x, int r, const char *why)
{
	switch (r) {
	case PR_ERR_NOT_FOUND:
		say(x, "there is no recovery ticket for you (it was never issued, was used, or "
		    "became void after %d wrong tries). Ask your administrator for one.",
		    PR_TICKET_MAX_FAILURES);
		break;
	case PR_ERR_EXPIRED:
		say(x, "your recovery ticket has expired. Ask your administrator for a new one.");
		break;
	case PR_ERR_TICKET_INVALID:
		say(x, "that is not your recovery ticket; nothing was changed (%s).",
		    why != NULL ? why : "counted as a failed try");
		break;
	case PR_ERR_CANCELLED:
		say(x, "no ticket entered; nothing was changed.");
		break;
	case PR_ERR_LOCKED_OUT:
		say_locked(x);
		break;
	default:
		say(x, "%s", why != NULL ? why : x->eb.msg[0] ? x->eb.msg : pr_strerror(r));
		break;
	}
}

/* Why a code was refused unchecked: the limits were reached meanwhile, or another run holds the codes. */
static void code_not_checked(struct recover_ctx *x, int r, const char *why)
{
	switch (r) {
	case PR_ERR_LOCKED_OUT:
		say_locked(x);
		break;
	case PR_ERR_NOT_FOUND:
	case PR_ERR_EXPIRED:
	case PR_ERR_TICKET_INVALID:
		say(x, "your recovery ticket is no longer valid (it expired, was replaced, or all "
		    "%d tries are used up); your code was not checked and nothing was changed. Ask "
		    "your administrator for a new ticket.", PR_TICKET_MAX_FAILURES);
		break;
	case PR_ERR_BUSY:
		say(x, "another recovery attempt for your account is being checked (%s); your code "
		    "was not checked and nothing was changed. Try again in a minute.",
		    why != NULL ? why : pr_strerror(r));
		break;
	default:
		say(x, "%s; nothing was changed.", why != NULL ? why : pr_strerror(r));
		break;
	}
}

/* What went wrong with the new key, and that the ticket still works. */
static void explain_enroll_failure(struct recover_ctx *x, int r)
{
	char when[32];

	switch (r) {
	case PR_ERR_NO_DEVICE:
		say(x, "no security key found. Plug in your new physical security key (it must "
		    "be usable by you: sign in at this machine's own screen and keyboard).");
		break;
	case PR_ERR_TIMEOUT:
		say(x, "the security key was not touched in time.");
		break;
	case PR_ERR_EXISTS:
		say(x, "this key is already enrolled for you; use your new key.");
		break;
	default:
		say(x, "security key: %s.", pr_strerror(r));
		break;
	}
	say(x, "no key was enrolled. Your recovery code has been used, but your ticket stays "
	    "usable until %s: run %s again with the same ticket (no code is needed) and your "
	    "new key.", pr_time_utc(x->rc.expires, when), PROG);
}

static void say_commit_failed(struct recover_ctx *x, int r, const char *why)
{
	if (r == PR_ERR_NOT_FOUND || r == PR_ERR_EXPIRED || r == PR_ERR_TICKET_INVALID)
		say(x, "the recovery ticket could not be used (%s): it expired or was withdrawn "
		    "meanwhile. The key was not enrolled; ask your administrator for a new "
		    "ticket.", why != NULL ? why : pr_strerror(r));
	else
		say(x, "%s", why != NULL ? why : pr_strerror(r));
}

/* The key steps' sentences (lib/recovery_flow.h). */
static void say_key(struct recover_ctx *x, enum pr_recovery_said what, int r, const char *why)
{
	switch (what) {
	case PR_REC_KEY_PASSKEY:
		say(x, "refused: this key is a passkey (%s). Recovery must restore a physical "
		    "security key, as your sign-in policy requires.", why != NULL ? why : "");
		break;
	case PR_REC_KEY_FAILED:
		explain_enroll_failure(x, r);
		break;
	case PR_REC_KEY_NOT_RECORDED:
		say(x, "the key was not enrolled; ask your administrator.");
		break;
	case PR_REC_COMMIT_FAILED:
		say_commit_failed(x, r, why);
		break;
	case PR_REC_KEY_UNDONE:
		say(x, "enrollment undone because it could not be recorded; ask your administrator.");
		break;
	case PR_REC_KEY_LEFT:
		say(x, "the new key is still enrolled although the recovery did not complete; "
		    "ask your administrator to check your keys.");
		break;
	default:
		break;
	}
}

static void say_step(void *arg, enum pr_recovery_said what, int r, const char *why)
{
	struct recover_ctx *x = arg;

	switch (what) {
	case PR_REC_TICKET_REFUSED:
		say_ticket_refused(x, r, why);
		break;
	case PR_REC_LOCKED:
		say(x, "recovery for your account is now locked after %d failed attempts. Ask your "
		    "administrator to check, and to run '%s unlock %s'.", x->rc.tally.failures,
		    ADMIN_PROG, x->user);
		break;
	case PR_REC_CODE_NOT_NEEDED:
		fprintf(stderr, "A recovery code was already used with this ticket: no code is "
		    "needed now.\n");
		break;
	case PR_REC_CODE_CANCELLED:
		say(x, "no code entered; nothing was changed.");
		break;
	case PR_REC_CODE_NOT_RECORDED:
		say(x, "nothing was changed; ask your administrator.");
		break;
	case PR_REC_CODE_INVALID:
		say(x, "that recovery code is not valid (wrong, already used, or from an older "
		    "set); nothing was changed. After %d failed tries the ticket is void.",
		    PR_TICKET_MAX_FAILURES);
		break;
	case PR_REC_CODE_NOT_CHECKED:
		code_not_checked(x, r, why);
		break;
	case PR_REC_CODE_UNMARKED:
		say(x, "warning: the ticket could not note that your code was used; if the "
		    "enrollment below fails you will need another code.");
		break;
	case PR_REC_TALLY_NOT_RESET:
		say(x, "%s", why != NULL ? why : "the failure tally was not reset");
		break;
	case PR_REC_NOTICE_FAILED:
		say(x, "warning: the notice to your mailbox was not sent (%s); your administrator "
		    "can see this in the audit log.", why != NULL ? why : pr_strerror(r));
		break;
	default:
		say_key(x, what, r, why);
		break;
	}
}

/* ---- the flow's questions ------------------------------------------------------------------ */

/* A ticket is waiting; then it is read (checked by the flow). */
static int ask_ticket(void *arg, char **ticket)
{
	struct recover_ctx *x = arg;
	int r;

	if ((r = pr_recovery_pending(&x->rc, pr_now(), &x->eb)) != PR_OK)
		return r;
	return ss_read_secret_line("Recovery ticket: ", SECRET_MAX, ticket);
}

static int ask_code(void *arg, char **code)
{
	(void)arg;
	return ss_read_secret_line("Recovery code: ", SECRET_MAX, code);
}

/* The replacement key, made with the caller's rights on the attached keys. */
static int make_key(void *arg, struct pr_cred *cred, struct pr_class_reason *reason)
{
	struct recover_ctx *x = arg;
	struct pr_errbuf eb = { 0 };
	struct pr_enroll_opts o;
	struct ss_make m = {
		.opts = &o, .creds = &x->creds, .cred = cred, .reason = reason,
	};
	int r;

	if ((r = pr_enroll_opts_load(x->cli.cfg, x->user, x->label, &o, &eb)) != PR_OK) {
		say(x, "%s", eb.msg);
		return r;
	}
	fprintf(stderr, "Now touch your new physical security key to enroll it.\n");
	r = ss_make_credential(x->suid, &m);
	ss_clean_text(reason->text);
	pr_enroll_opts_clear(&o);
	return r;
}

static void recovered(void *arg, const struct pr_cred *cred,
    const struct pr_class_reason *reason)
{
	struct recover_ctx *x = arg;
	char kid[PR_KEYID_LEN + 1];

	pr_keyid(cred->id, cred->id_len, kid);
	printf("Recovery complete. Enrolled key %s: %s (%s).\n", kid, pr_class_name(cred->cls),
	    reason->text);
	if (x->creds.n > 0)
		printf("Your earlier keys are still enrolled. If one was lost or stolen, ask your "
		    "administrator to remove it now.\n");
	fflush(stdout);
}

/* ---- new codes ---------------------------------------------------------------------------------- */

static void show_codes(void *arg, char *const *codes, int n)
{
	(void)arg;
	printf("\nYour new recovery codes:\n\n");
	for (int i = 0; i < n; i++)
		printf("    %2d. %s\n", i + 1, codes[i]);
	printf("\nThey are shown only this once. Store them safely, apart from your security\n"
	    "key (on paper, or in a password manager). Each code works once. Your earlier\n"
	    "recovery codes no longer work.\n");
	fflush(stdout);
}

static void say_codes(void *arg, enum pr_codes_said what, int r, const char *why)
{
	struct recover_ctx *x = arg;

	if (what == PR_CODES_NOT_MADE && why == NULL)
		say(x, "your new key is enrolled, but new recovery codes were not made. Ask your "
		    "administrator for new codes.");
	else if (what == PR_CODES_NOT_MADE)
		say(x, "your new key is enrolled, but new recovery codes could not be made (%s). "
		    "Ask your administrator for new codes.", why);
	else if (what == PR_CODES_NOT_SHOWN)
		say(x, "the new recovery codes were not shown because they could not be recorded; "
		    "ask your administrator for new codes.");
	else
		say_step(x, PR_REC_NOTICE_FAILED, r, why);
}

/* ---- the flow ------------------------------------------------------------------------------------- */

/* Policy and the account, which must be under a physical requirement. */
static int load_physical_user(struct recover_ctx *x, const char *opt_user)
{
	int r;

	if ((r = ss_load_user(&x->cli, x->suid, opt_user, &x->user, &x->role, &x->need)) != PR_OK)
		return r;
	if (x->need != PR_NEED_PHYSICAL) {
		say(x, "recovery codes are not used for your account; ask your administrator.");
		return PR_ERR_PERM;
	}
	return PR_OK;
}

/* Policy, the user's requirement (physical only), not locked, their keys. */
static int load_state(struct recover_ctx *x, const char *opt_user)
{
	struct pr_errbuf eb = { 0 };
	int r;

	if ((r = load_physical_user(x, opt_user)) != PR_OK)
		return r;
	if ((r = check_not_locked(x)) != PR_OK)
		return r;
	if ((r = pr_store_load(x->cli.cfg->state, x->user, &x->creds, &eb)) != PR_OK)
		say(x, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
	return r;
}

static int recover(struct recover_ctx *x, const char *opt_user)
{
	struct pr_recorder rec;
	struct pr_recovery_flow f = {
		.rc = &x->rc, .rec = &rec, .ask_ticket = ask_ticket, .ask_code = ask_code,
		.make_key = make_key, .say = say_step, .recovered = recovered, .arg = x,
		.codes = { .reveal = show_codes, .say = say_codes, .arg = x },
	};
	struct ss_who w;
	int r;

	if ((r = load_state(x, opt_user)) != PR_OK)
		return r;
	w = (struct ss_who){ &x->cli, x->suid, x->user, x->role };
	ss_recorder(&w, &rec);
	if ((r = pr_recovery_complete(&f)) != PR_OK)
		return r;
	return f.codes_err;
}

/*
 * --request (recovery.self_request): a ticket mailed to the user's own
 * address, never shown; the user then runs this program again with it.
 */
static int request_ticket(struct recover_ctx *x, const char *opt_user)
{
	struct pr_errbuf eb = { 0 };
	int64_t expires = 0;
	char until[32];
	int r;

	if ((r = load_physical_user(x, opt_user)) != PR_OK)
		return r;
	suid_critical_begin(x->suid);
	r = pr_recovery_request(x->cli.cfg, x->user, pr_now(), &expires, &eb);
	audit(x, "recovery-ticket", r, NULL, NULL, r == PR_OK ? "requested, mailed" : "requested");
	suid_critical_end(x->suid);
	switch (r) {
	case PR_OK:
		printf("A recovery ticket was mailed to you, valid until %s. Run %s with it and "
		    "one of your saved recovery codes.\n", pr_time_utc(expires, until), PROG);
		break;
	case PR_ERR_PERM:
		say(x, "requesting a recovery ticket yourself is not enabled here; ask your "
		    "administrator for one.");
		break;
	case PR_ERR_EXISTS:
		say(x, "a recovery ticket was mailed to you recently; use that one, or ask your "
		    "administrator.");
		break;
	case PR_ERR_LOCKED_OUT:
		say(x, "recovery for your account is locked after too many failed attempts. Ask "
		    "your administrator to check, and to run '%s unlock %s'.", ADMIN_PROG, x->user);
		break;
	default:
		say(x, "the recovery ticket could not be sent (%s); ask your administrator.",
		    eb.msg[0] ? eb.msg : pr_strerror(r));
		break;
	}
	return r;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s [--label LABEL]\n"
	    "       %s --request\n\n"
	    "Recover your own account with a recovery ticket from your administrator and\n"
	    "one of your saved recovery codes, then enroll a new physical security key.\n"
	    "--request mails you a ticket, where the policy allows it.\n"
	    "\nRoot only: --config FILE, --user USER. See %s(1).\n", PROG, PROG, PROG);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "user", required_argument, NULL, 'u' },
		{ "label", required_argument, NULL, 'l' },
		{ "request", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct suid s;
	struct recover_ctx x = { .cli = { .prog = PROG } };
	const char *opt_user = NULL;
	bool request = false;
	int ch, rc;

	if ((rc = suid_begin(&s, PROG, argc)) != CLI_OK)
		return rc;
	x.suid = &s;
	opterr = 0;   /* getopt would name argv[0], which the caller chose */
	while ((ch = getopt_long(argc, argv, "+c:u:l:rhV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			x.cli.config_path = optarg;
			break;
		case 'u':
			opt_user = optarg;
			break;
		case 'l':
			x.label = optarg;
			break;
		case 'r':
			request = true;
			break;
		case 'h':
			usage(stdout);
			return CLI_OK;
		case 'V':
			printf("%s %s\n", PROG, PACKAGE_VERSION);
			return CLI_OK;
		default:
			usage(stderr);
			return CLI_USAGE;
		}
	}
	if (optind != argc || (request && x.label != NULL)) {
		usage(stderr);
		return CLI_USAGE;
	}
	if ((rc = ss_check_trusted(&x.cli, &s, opt_user)) != CLI_OK)
		return rc;
	if (x.label != NULL && !ss_label_valid(x.label)) {
		say(&x, "a label is at most %d printable characters", PR_LABEL_MAX);
		return CLI_USAGE;
	}
	rc = cli_exit_code(request ? request_ticket(&x, opt_user) : recover(&x, opt_user));
	pr_credlist_clear(&x.creds);
	pr_config_free(&x.cli.cfg);
	return rc;
}
