/*
 * practicerunner-enroll: installed setuid root, so that users can manage
 * the security keys of their own account (doc/ARCHITECTURE.md §6.1, §9):
 *
 *   enroll [--label L]   first key: an invitation token; further keys: a
 *                        touch of an enrolled key first
 *   list                 the caller's keys
 *   rename KEYID LABEL   harmless: no touch, audited
 *   remove KEYID         a touch of a key (a remaining one or this one);
 *                        never the last key the policy needs
 *   ssh-challenge, enroll-ssh PUBKEY_FILE
 *                        OpenSSH FIDO keys, with the same proofs as enroll
 *                        (user_enroll_ssh.c)
 *
 * The privilege model is setuid.h's: suid_begin() runs first, device I/O
 * runs with the caller's rights, state and audit with root's. Every command
 * goes through one table (commands[]): its arguments are checked against
 * the caller's state before any prompt, then the proof the row asks for is
 * taken (touch or invitation), then the change is made and audited with
 * signals blocked. A change that cannot be audited is undone.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "attest.h"
#include "cli.h"
#include "codes.h"
#include "codes_issue.h"
#include "enroll.h"
#include "invite.h"
#include "lifecycle.h"
#include "roles.h"
#include "selfservice.h"
#include "setuid.h"
#include "transport.h"
#include "user_enroll.h"
#include "util.h"

#define TOKEN_MAX 256

/* ---- input -------------------------------------------------------------------------- */

/* A key id as printed by "list": exactly PR_KEYID_LEN hex digits, kept lower-case. */
static bool parse_keyid(const char *in, char out[PR_KEYID_LEN + 1])
{
	if (strlen(in) != PR_KEYID_LEN)
		return false;
	for (size_t i = 0; i < PR_KEYID_LEN; i++) {
		char c = in[i];

		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		out[i] = c;
	}
	out[PR_KEYID_LEN] = '\0';
	return true;
}

/* The invitation token (see ss_read_secret_line), at most TOKEN_MAX bytes. */
static int read_token(char **out)
{
	return ss_read_secret_line("Enrollment invitation token: ", TOKEN_MAX, out);
}

/* ---- state ---------------------------------------------------------------------------- */

/* Index of keyid in the loaded keys, or a message and PR_ERR_NOT_FOUND. */
static int find_key(struct enroll_ctx *x, const char *keyid, size_t *index)
{
	char k[PR_KEYID_LEN + 1];

	for (size_t i = 0; i < x->creds.n; i++) {
		pr_keyid(x->creds.v[i].id, x->creds.v[i].id_len, k);
		if (strcmp(k, keyid) == 0) {
			*index = i;
			return PR_OK;
		}
	}
	say(x, "you have no key %s (see: %s list)", keyid, PROG);
	return PR_ERR_NOT_FOUND;
}

/* Which keys may confirm: FIDO keys of a class the user's policy accepts (plus also, if < n). */
static int set_confirmers(struct enroll_ctx *x, size_t also, size_t *count)
{
	*count = 0;
	free(x->confirmers);
	x->confirmers = NULL;
	if (x->creds.n == 0)
		return PR_OK;
	if ((x->confirmers = calloc(x->creds.n, sizeof(bool))) == NULL)
		return PR_ERR_NOMEM;
	for (size_t i = 0; i < x->creds.n; i++) {
		const struct pr_cred *c = &x->creds.v[i];

		x->confirmers[i] = c->kind == PR_KIND_FIDO &&
		    (pr_policy_class_ok(x->need, c->cls) || i == also);
		*count += x->confirmers[i];
	}
	return PR_OK;
}

/* What to tell the user about a failed device step, and what to do next. */
static void explain_device(struct enroll_ctx *x, int r)
{
	switch (r) {
	case PR_ERR_NO_DEVICE:
		say(x, "no security key found. Plug it in and try again (the key must be usable "
		    "by you: sign in at this machine's own screen and keyboard, or ask an "
		    "administrator).");
		break;
	case PR_ERR_NO_CREDENTIAL:
		say(x, "none of the attached keys is one of your enrolled keys. Attach one of "
		    "them (as well as the new key) and try again.");
		break;
	case PR_ERR_CLASS:
		say(x, "the key you used is not accepted by your sign-in policy (a %s is "
		    "required); use one that is.", ue_key_words(x->need));
		break;
	case PR_ERR_TIMEOUT:
		say(x, "the security key was not touched in time; nothing was changed.");
		break;
	case PR_ERR_EXISTS:
		say(x, "this key is already enrolled for you; use a different key.");
		break;
	case PR_ERR_COUNTER:
		say(x, "the key's signature counter went backwards: it may be a copy of your key. "
		    "Nothing was changed; tell your administrator.");
		break;
	default:
		say(x, "security key: %s; nothing was changed.", pr_strerror(r));
		break;
	}
}

/* ---- device I/O, with the caller's rights ------------------------------------------------ */

struct assert_arg {
	struct enroll_ctx *x;
	struct pr_assert_outcome *out;
};

static int dev_assert(const struct pr_devices *devs, void *arg)
{
	const struct assert_arg *a = arg;
	struct enroll_ctx *x = a->x;
	const struct pr_config *cfg = x->cli.cfg;
	struct pr_assert_opts o = {
		.rp_id = cfg->rp_id,
		.uv_required = pr_policy_uv_required(&cfg->policy),
		.uv_preferred = cfg->policy.user_verification == PR_UV_PREFERRED,
		.timeout_ms = cfg->touch_timeout * 1000,
		.acceptable = x->confirmers,
	};
	struct pr_ui ui;

	cli_ui(&ui);
	return pr_assert_run(devs, &x->creds, &o, &ui, a->out);
}

/* ---- proofs ------------------------------------------------------------------------------- */

/* A fresh assertion by one of the confirmers; its counter is stored like a sign-in's. */
static int confirm_touch(struct enroll_ctx *x, const char *event)
{
	struct pr_assert_outcome out = { .index = SIZE_MAX };
	struct pr_errbuf eb = { 0 };
	const struct pr_cred *c;
	struct assert_arg a = { x, &out };
	char kid[PR_KEYID_LEN + 1];
	int r;

	fprintf(stderr, "Touch one of your enrolled keys to confirm it is you.\n");
	r = ss_with_devices(x->suid, dev_assert, &a);
	c = out.index < x->creds.n ? &x->creds.v[out.index] : NULL;
	if (r == PR_OK && c == NULL)
		r = PR_ERR_SIGNATURE;   /* cannot happen: a verified assertion names its key */
	if (r == PR_OK && (r = pr_store_record_use(x->cli.cfg->state, x->user, c->id,
	    c->id_len, out.sign_count, pr_now(), &eb)) != PR_OK && r != PR_ERR_COUNTER)
		say(x, "%s", eb.msg);
	if (r != PR_OK) {
		explain_device(x, r);
		ue_audit(x, event, r, c, "confirmation by key failed");
		return r;
	}
	pr_keyid(c->id, c->id_len, kid);
	snprintf(x->proof, sizeof(x->proof), "confirmed with key %s", kid);
	return PR_OK;
}

/* An invitation exists and is current; then the token, checked (not yet consumed). */
static int confirm_invite(struct enroll_ctx *x)
{
	struct pr_state *dir = x->cli.cfg->state;
	struct pr_invite_info info;
	struct pr_errbuf eb = { 0 };
	int r;

	r = pr_invite_info(dir, x->user, &info, &eb);
	if (r == PR_OK && info.expires <= pr_now())
		r = PR_ERR_EXPIRED;
	if (r == PR_OK) {
		if ((r = read_token(&x->token)) == PR_OK) {
			/* Check and failure count as one: no kill in between goes uncounted. */
			suid_critical_begin(x->suid);
			r = pr_invite_check(dir, x->user, x->token, pr_now(), &eb);
			suid_critical_end(x->suid);
		}
		else if (r == PR_ERR_INVALID_ARG)
			r = PR_ERR_INVITE_INVALID;
	}
	switch (r) {
	case PR_OK:
		snprintf(x->proof, sizeof(x->proof), "invitation");
		return PR_OK;
	case PR_ERR_NOT_FOUND:
		say(x, "you have no enrolled %s yet, and there is no enrollment invitation for "
		    "you. Ask an administrator for one.", ue_key_words(x->need));
		break;
	case PR_ERR_EXPIRED:
		say(x, "your enrollment invitation has expired. Ask an administrator for a new one.");
		break;
	case PR_ERR_INVITE_INVALID:
		say(x, "that is not your invitation token; nothing was changed. After %d wrong "
		    "tokens the invitation is void.", PR_INVITE_MAX_FAILURES);
		break;
	case PR_ERR_CANCELLED:
		say(x, "no token entered; nothing was changed.");
		break;
	default:
		say(x, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
		break;
	}
	pr_secret_strfree(&x->token);
	ue_audit(x, "enroll", r, NULL, "invitation");
	return r;
}

/* ---- enroll ----------------------------------------------------------------------------------- */

static int check_enroll(struct enroll_ctx *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "+l:", opts, NULL)) != -1) {
		if (ch != 'l')
			return PR_ERR_INVALID_ARG;
		x->label = optarg;
	}
	if (optind != argc)
		return PR_ERR_INVALID_ARG;
	if (x->label != NULL && !ss_label_valid(x->label)) {
		say(x, "a label is at most %d printable characters", PR_LABEL_MAX);
		return PR_ERR_INVALID_ARG;
	}
	return PR_OK;
}

static void enroll_report(struct enroll_ctx *x, const struct pr_cred *cred, const char *why)
{
	struct pr_credlist now = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	char kid[PR_KEYID_LEN + 1];

	pr_keyid(cred->id, cred->id_len, kid);
	printf("Enrolled key %s: %s (%s)", kid, pr_class_name(cred->cls), why);
	if (cred->label[0] != '\0') {
		printf(", label \"");
		ue_print_label(cred->label);
		printf("\"");
	}
	printf(".\n");
	if (pr_store_load(x->cli.cfg->state, x->user, &now, &eb) == PR_OK &&
	    pr_lifecycle_single_physical(&now, x->need))
		printf("This is your only physical security key. A second physical key is strongly "
		    "recommended, kept somewhere safe: if this one is lost or broken you cannot "
		    "sign in until an administrator helps you. Enroll it with '%s enroll'.\n", PROG);
	pr_credlist_clear(&now);
}

static int run_enroll(struct enroll_ctx *x)
{
	struct pr_cred cred = { 0 };
	struct pr_errbuf eb = { 0 };
	struct pr_enroll_opts o;
	struct pr_class_reason reason = { "" };
	struct ss_make m = {
		.opts = &o, .creds = &x->creds, .cred = &cred, .reason = &reason,
	};
	int r;

	if ((r = pr_enroll_opts_load(x->cli.cfg, x->user, x->label, &o, &eb)) != PR_OK) {
		say(x, "%s", eb.msg);
		goto out;
	}
	fprintf(stderr, "Now touch the new security key to enroll it.\n");
	r = ss_make_credential(x->suid, &m);
	ss_clean_text(reason.text);
	if (r != PR_OK) {
		explain_device(x, r);
		ue_audit(x, "enroll", r, NULL, x->proof);
		goto out;
	}
	if (!pr_policy_class_ok(x->need, cred.cls)) {
		r = PR_ERR_CLASS;
		say(x, "refused: this key is a passkey (%s), but your sign-in policy requires a "
		    "physical security key, so it could not sign you in. Enroll a physical "
		    "security key instead.", reason.text);
		ue_audit(x, "enroll", r, &cred, "refused by policy");
		goto out;
	}
	if ((r = ue_commit_enroll(x, &cred)) == PR_OK)
		enroll_report(x, &cred, reason.text);
out:
	pr_enroll_opts_clear(&o);
	pr_cred_clear(&cred);
	return r;
}

/* ---- list ---------------------------------------------------------------------------------------- */

static int check_none(struct enroll_ctx *x, int argc, char **argv)
{
	(void)x;
	(void)argv;
	return argc == 1 ? PR_OK : PR_ERR_INVALID_ARG;
}

/* SSH keys end their line as in the admin tool's list: "ssh TYPE SHA256:...". */
static void print_ssh(const struct pr_cred *c)
{
	char fp[PR_SSH_FP_LEN + 1];
	struct pr_sshkey k;

	if (c->kind != PR_KIND_SSH)
		return;
	if (pr_sshkey_from_parts(c->cose_alg, c->pubkey, c->pubkey_len, c->app, &k) != PR_OK) {
		printf(" ssh (unreadable key)");
		return;
	}
	pr_sshkey_cred_fingerprint(c, fp);
	printf(" ssh %s %s", pr_sshkey_type_name(k.type), fp);
	pr_sshkey_clear(&k);
}

/* Whether the policy accepts c: FIDO keys at sign-in, SSH keys at the SSH gateway. */
static bool accepted(const struct enroll_ctx *x, const struct pr_cred *c)
{
	return pr_policy_class_ok(x->need, c->cls);
}

static int run_list(struct enroll_ctx *x)
{
	char kid[PR_KEYID_LEN + 1], d1[32], d2[32];
	bool any_unaccepted = false;

	if (x->creds.n == 0) {
		printf("You have no enrolled security keys. With an enrollment invitation from "
		    "an administrator, run '%s enroll'.\n", PROG);
		return PR_OK;
	}
	printf("%-13s %-9s %-10s %-10s %s\n", "KEYID", "CLASS", "CREATED", "LAST-USED", "LABEL");
	for (size_t i = 0; i < x->creds.n; i++) {
		const struct pr_cred *c = &x->creds.v[i];
		bool ok = accepted(x, c);

		pr_keyid(c->id, c->id_len, kid);
		printf("%s%-12s %-9s %-10s %-10s ", ok ? " " : "*", kid, pr_class_name(c->cls),
		    cli_date(c->created, d1), cli_date(c->last_used, d2));
		ue_print_label(c->label[0] != '\0' ? c->label : "-");
		print_ssh(c);
		putchar('\n');
		any_unaccepted |= !ok;
	}
	if (any_unaccepted)
		printf("* not accepted for sign-in here by your policy (a %s is required)\n",
		    ue_key_words(x->need));
	return PR_OK;
}

/* ---- rename ---------------------------------------------------------------------------------------- */

static int check_keyid_arg(struct enroll_ctx *x, const char *arg)
{
	if (!parse_keyid(arg, x->keyid)) {
		say(x, "a key id is %d hex digits, as shown by '%s list'", PR_KEYID_LEN, PROG);
		return PR_ERR_INVALID_ARG;
	}
	return find_key(x, x->keyid, &x->target);
}

static int check_rename(struct enroll_ctx *x, int argc, char **argv)
{
	int r;

	if (argc != 3)
		return PR_ERR_INVALID_ARG;
	if ((r = check_keyid_arg(x, argv[1])) != PR_OK)
		return r;
	if (!ss_label_valid(argv[2])) {
		say(x, "a label is at most %d printable characters", PR_LABEL_MAX);
		return PR_ERR_INVALID_ARG;
	}
	x->label = argv[2];
	return PR_OK;
}

static int run_rename(struct enroll_ctx *x)
{
	struct pr_errbuf eb = { 0 };
	const struct pr_cred *c = &x->creds.v[x->target];
	char detail[PR_LABEL_MAX + 16];
	int r;

	snprintf(detail, sizeof(detail), "new label: %s", x->label);
	suid_critical_begin(x->suid);
	if ((r = ue_audit_begin(x, "rename", c, detail)) != PR_OK) {
		suid_critical_end(x->suid);
		return r;
	}
	if ((r = pr_store_rename(x->cli.cfg->state, x->user, x->keyid, x->label, &eb)) != PR_OK) {
		say(x, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
		ue_audit(x, "rename", r, c, detail);
	} else if ((r = ue_audit(x, "rename", PR_OK, c, detail)) != PR_OK) {
		if (pr_store_rename(x->cli.cfg->state, x->user, x->keyid, c->label, &eb) == PR_OK)
			cli_audit_undone();
		say(x, "renaming undone because it could not be recorded");
	}
	suid_critical_end(x->suid);
	if (r == PR_OK)
		printf("Key %s is now labelled \"%s\".\n", x->keyid, x->label);
	return r;
}

/* ---- remove ------------------------------------------------------------------------------------------ */

static int check_remove(struct enroll_ctx *x, int argc, char **argv)
{
	int r;

	if (argc != 2)
		return PR_ERR_INVALID_ARG;
	if ((r = check_keyid_arg(x, argv[1])) != PR_OK)
		return r;
	r = pr_lifecycle_can_remove(&x->creds, x->need, x->target);
	if (r == PR_ERR_LAST_KEY)
		say(x, "refused: key %s is your last %s, and your sign-in policy requires one: "
		    "without it you could not sign in. Enroll another one first ('%s enroll'), "
		    "then remove this one.", x->keyid, ue_key_words(x->need), PROG);
	else if (r != PR_OK)
		say(x, "refused: %s", pr_strerror(r));
	if (r != PR_OK)
		ue_audit(x, "remove", r, &x->creds.v[x->target], "refused by policy");
	return r;
}

static int run_remove(struct enroll_ctx *x)
{
	const struct pr_cred *c = &x->creds.v[x->target];
	int r;

	r = ue_commit_remove(x, c);
	if (r == PR_OK && c->kind == PR_KIND_SSH)
		printf("Removed SSH key %s from your account: it can no longer sign you in over "
		    "SSH here. Its files (and the credential on the security key) stay until you "
		    "delete them.\n", x->keyid);
	else if (r == PR_OK)
		printf("Removed key %s from your account: it can no longer sign you in here. The "
		    "credential stays on the security key itself until you delete it there "
		    "(with the key vendor's tool).\n", x->keyid);
	return r;
}

/* ---- codes ------------------------------------------------------------------------------------------- */

/* "codes" makes a new set (after a touch); "codes status" only counts. */
static int check_codes(struct enroll_ctx *x, int argc, char **argv)
{
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "status") != 0))
		return PR_ERR_INVALID_ARG;
	if (x->need != PR_NEED_PHYSICAL) {
		say(x, "recovery codes are not used for your account (your policy does not "
		    "require a physical key); if you lose your key, ask your administrator.");
		return PR_ERR_PERM;
	}
	x->read_only = argc == 2;
	x->target = x->creds.n;      /* no extra key may confirm */
	return PR_OK;
}

static int codes_status(struct enroll_ctx *x)
{
	struct pr_codes_status st;
	struct pr_errbuf eb = { 0 };
	char when[32];
	int r;

	r = pr_codes_status(x->cli.cfg->state, x->user, &st, &eb);
	if (r == PR_ERR_NOT_FOUND)
		printf("You have no recovery codes. Run '%s codes' to make a set.\n", PROG);
	else if (r == PR_OK)
		printf("%d of %d recovery codes left (set made %s).\n", st.remaining, st.total,
		    pr_time_utc(st.created, when));
	else
		say(x, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
	return r == PR_ERR_NOT_FOUND ? PR_OK : r;
}

/* The flow's reveal: shown once, on standard output. */
static void codes_print(void *arg, char *const *codes, int n)
{
	(void)arg;
	printf("Your new recovery codes (the previous ones no longer work):\n\n");
	for (int i = 0; i < n; i++)
		printf("  %2d. %s\n", i + 1, codes[i]);
	printf("\nKeep them somewhere safe, away from your security keys. Each code works "
	    "once, together with a recovery ticket from your administrator.\n");
}

/* The user hears of every new set through the mail command too (a copy left behind). */
static void codes_say(void *arg, enum pr_codes_said what, int err, const char *why)
{
	struct enroll_ctx *x = arg;

	if (what == PR_CODES_NOT_MADE)
		say(x, "%s", why != NULL ? why : "nothing was changed.");
	else if (what == PR_CODES_NOTICE_FAILED)
		say(x, "warning: the notice of new codes was not sent: %s",
		    why != NULL ? why : pr_strerror(err));
}

/* A new set after a touch: recorded with the key that confirmed it (lib/codes_issue.h). */
static int run_codes(struct enroll_ctx *x)
{
	const struct ss_who w = { &x->cli, x->suid, x->user, x->role };
	struct pr_recorder rec;
	struct pr_codes_issue ci = {
		.cfg = x->cli.cfg, .user = x->user, .proof = x->proof, .rec = &rec,
		.reveal = codes_print, .say = codes_say, .arg = x,
	};

	if (x->read_only)
		return codes_status(x);
	ss_recorder(&w, &rec);
	return pr_codes_issue(&ci);
}

/* ---- dispatch ------------------------------------------------------------------------------------------ */

static const struct command commands[] = {
	{ "enroll", "enroll [--label LABEL]", CONFIRM_KEY_OR_INVITE, check_enroll, run_enroll },
	{ "ssh-challenge", "ssh-challenge [--output FILE]", CONFIRM_NONE, ue_check_ssh_challenge,
	  ue_run_ssh_challenge },
	{ "enroll-ssh", "enroll-ssh PUBKEY_FILE [--attestation FILE] [--label LABEL]",
	  CONFIRM_KEY_OR_INVITE, ue_check_enroll_ssh, ue_run_enroll_ssh },
	{ "list", "list", CONFIRM_NONE, check_none, run_list },
	{ "rename", "rename KEYID LABEL", CONFIRM_NONE, check_rename, run_rename },
	{ "remove", "remove KEYID", CONFIRM_KEY, check_remove, run_remove },
	{ "codes", "codes [status]", CONFIRM_KEY, check_codes, run_codes },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s COMMAND\n\nCommands (your own keys):\n", PROG);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "\nRoot only: --config FILE, --user USER. See %s(1).\n", PROG);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* The proof the command's row asks for. */
static int confirm(struct enroll_ctx *x, const struct command *cmd)
{
	size_t n = 0;
	int r;

	if (cmd->confirm == CONFIRM_NONE || x->read_only)
		return PR_OK;
	/* remove: the key being removed may confirm too, whatever its class. */
	if ((r = set_confirmers(x, cmd->confirm == CONFIRM_KEY ? x->target : x->creds.n,
	    &n)) != PR_OK)
		return r;
	if (n > 0)
		return confirm_touch(x, cmd->name);
	if (cmd->confirm == CONFIRM_KEY_OR_INVITE) {
		if (x->creds.n > 0)
			fprintf(stderr, "None of your enrolled keys can confirm it is you (SSH keys "
			    "cannot, nor keys your sign-in policy does not accept), so this "
			    "enrollment needs an invitation token.\n");
		return confirm_invite(x);
	}
	say(x, "none of your keys can confirm this change; ask an administrator.");
	return PR_ERR_NOT_ENROLLED;
}

/* Load what every command needs: policy, the user's requirement, their keys. */
static int load_state(struct enroll_ctx *x, const char *opt_user)
{
	struct pr_errbuf eb = { 0 };
	int r;

	if ((r = ss_load_user(&x->cli, x->suid, opt_user, &x->user, &x->role, &x->need)) != PR_OK)
		return r;
	if ((r = pr_store_load(x->cli.cfg->state, x->user, &x->creds, &eb)) != PR_OK)
		say(x, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
	return r;
}

static int dispatch(struct enroll_ctx *x, const struct command *cmd, const char *opt_user,
    int argc, char **argv)
{
	int r;

	if ((r = load_state(x, opt_user)) != PR_OK)
		return cli_exit_code(r);
	optind = 0;   /* each command parses its own options, argv[0] = its name */
	if ((r = cmd->check(x, argc, argv)) == PR_ERR_INVALID_ARG)
		fprintf(stderr, "Usage: %s %s\n", PROG, cmd->usage);
	if (r == PR_OK && (r = confirm(x, cmd)) == PR_OK)
		r = cmd->run(x);
	return cli_exit_code(r);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "user", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct suid s;
	struct enroll_ctx x = { .cli = { .prog = PROG } };
	const struct command *cmd;
	const char *opt_user = NULL;
	int ch, rc;

	if ((rc = suid_begin(&s, PROG, argc)) != CLI_OK)
		return rc;
	x.suid = &s;
	opterr = 0;   /* getopt would name argv[0], which the caller chose */
	while ((ch = getopt_long(argc, argv, "+c:u:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			x.cli.config_path = optarg;
			break;
		case 'u':
			opt_user = optarg;
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
	if ((rc = ss_check_trusted(&x.cli, &s, opt_user)) != CLI_OK)
		return rc;
	if (optind >= argc || (cmd = find_command(argv[optind])) == NULL) {
		usage(stderr);
		return CLI_USAGE;
	}
	rc = dispatch(&x, cmd, opt_user, argc - optind, argv + optind);
	pr_secret_strfree(&x.token);
	ue_clear_ssh(&x);
	free(x.confirmers);
	pr_credlist_clear(&x.creds);
	pr_config_free(&x.cli.cfg);
	return rc;
}
