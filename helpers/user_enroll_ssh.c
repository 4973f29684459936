/*
 * practicerunner-enroll ssh-challenge | enroll-ssh: the caller enrolls an
 * OpenSSH FIDO key (sk-ssh-ed25519@openssh.com,
 * sk-ecdsa-sha2-nistp256@openssh.com) for their own account, under the
 * rules of "enroll" (user_enroll.c: invitation for a first key, a touch of
 * an enrolled key for further ones, the policy's class) and with the
 * verification "practicerunner-admin key enroll-ssh" uses (sshenroll.h).
 *
 * Files the caller names are opened with the caller's rights only
 * (ss_as_caller), never root's: a file the caller could not read
 * themselves is refused, a link in its place is not followed, only a
 * regular file of bounded size is read. Paths must be absolute: the helper
 * runs in "/", not in the caller's directory. The files are also parsed
 * with the caller's rights, and the attestation is verified with them.
 *
 * The challenge. ssh-keygen reads it as raw bytes from a file
 * (-O challenge=FILE), so the helper writes it into a NEW file of the
 * caller's, created with the caller's rights (O_CREAT|O_EXCL|O_NOFOLLOW,
 * 0600): the absolute path given with --output, or a fresh mkstemp file
 * in /tmp; the name is printed. Not printed as hex or base64 for the user
 * to save: that needs a conversion step (xxd -r, base64 -d) people get
 * wrong, and a terminal copy invites pasting it elsewhere. Never written
 * with root's rights: a root write to a caller-chosen path is the classic
 * setuid hole (links, existing files, other people's directories). What
 * counts is the copy in the state directory (sshchallenge.h); the caller's
 * file is only ssh-keygen's input and holds nothing secret.
 *
 * enroll-ssh, in the order of the command table:
 *   check  the files are read and parsed; an enrolled key is refused; a
 *          key without attestation under a physical requirement is
 *          refused (it can only be a passkey): nothing asked for yet.
 *   proof  a touch of an enrolled FIDO key, or for a first key the
 *          invitation token (user_enroll.c's confirm).
 *   run    the caller's challenge is taken (one use: gone even when the
 *          attestation then fails), the attestation verified and the key
 *          classified, the class checked against the policy, then the
 *          commit of "enroll" (invitation consumed, store, audit record,
 *          undone if it cannot be recorded).
 * Every record names the key (method ssh-sk, its fingerprint). Reading and
 * parsing refusals change nothing and write no record: they are the
 * caller's input errors, like a wrong command line.
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "attest.h"
#include "lifecycle.h"
#include "secure_file.h"
#include "selfservice.h"
#include "user_enroll.h"
#include "util.h"

/* The helper runs in "/", not in the caller's directory: a relative name would mislead. */
static bool full_path(struct enroll_ctx *x, const char *what, const char *path)
{
	if (path[0] == '/')
		return true;
	say(x, "give the %s as a full path (for example \"$PWD/%s\")", what, path);
	return false;
}

/* ---- ssh-challenge -------------------------------------------------------------------- */

int ue_check_ssh_challenge(struct enroll_ctx *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "+o:", opts, NULL)) != -1) {
		if (ch != 'o')
			return PR_ERR_INVALID_ARG;
		x->out_path = optarg;
	}
	if (optind != argc)
		return PR_ERR_INVALID_ARG;
	if (x->out_path != NULL && !full_path(x, "output file", x->out_path))
		return PR_ERR_INVALID_ARG;
	return PR_OK;
}

struct create_arg {
	struct enroll_ctx *x;
	char path[PATH_MAX];
	int fd;
};

static int create_fn(void *arg)
{
	struct create_arg *a = arg;

	return ss_create_named(&a->x->cli, a->x->suid, a->x->out_path, a->path,
	    sizeof(a->path), &a->fd);
}

static void challenge_help(const char *path)
{
	fprintf(stderr, "Challenge for your next SSH key, valid for %d minutes and for one "
	    "key. Make the key on your security key with:\n"
	    "  ssh-keygen -t ed25519-sk -O challenge=%s -O write-attestation=%s.att "
	    "-f ~/.ssh/id_ed25519_sk\n"
	    "then enroll it with:\n"
	    "  %s enroll-ssh ~/.ssh/id_ed25519_sk.pub --attestation %s.att\n",
	    PR_SSHCHALLENGE_LIFETIME / 60, path, path, PROG, path);
}

/* The file first (a refused name changes nothing), then the challenge, then its bytes. */
int ue_run_ssh_challenge(struct enroll_ctx *x)
{
	unsigned char ch[PR_SSHCHALLENGE_LEN];
	struct create_arg a = { .x = x, .fd = -1 };
	struct pr_errbuf eb = { 0 };
	int r;

	if ((r = ss_as_caller(x->suid, create_fn, &a)) != PR_OK)
		return r;
	/* Writing to the open descriptor involves no name: root's rights change nothing. */
	if ((r = pr_sshchallenge_create(x->cli.cfg->state, x->user, pr_now(), ch,
	    &eb)) != PR_OK)
		say(x, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
	else if ((r = pr_write_all(a.fd, ch, sizeof(ch))) != PR_OK || fsync(a.fd) != 0) {
		say(x, "cannot write %s", a.path);
		r = PR_ERR_IO;
	}
	if (close(a.fd) != 0 && r == PR_OK) {
		say(x, "cannot write %s", a.path);
		r = PR_ERR_IO;
	}
	OPENSSL_cleanse(ch, sizeof(ch));
	if (r != PR_OK) {
		ss_unlink_named(x->suid, a.path);
		return r;
	}
	printf("%s\n", a.path);
	challenge_help(a.path);
	return PR_OK;
}

/* ---- enroll-ssh: check -------------------------------------------------------------------- */

static int parse_enroll_ssh(struct enroll_ctx *x, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "attestation", required_argument, NULL, 'a' },
		{ "label", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	/* Options before or after the file, as in the admin tool (the environment is ours). */
	while ((ch = getopt_long(argc, argv, "a:l:", opts, NULL)) != -1) {
		if (ch == 'a')
			x->att_path = optarg;
		else if (ch == 'l')
			x->label = optarg;
		else
			return PR_ERR_INVALID_ARG;
	}
	if (optind != argc - 1)
		return PR_ERR_INVALID_ARG;
	x->pubkey_path = argv[optind];
	if (!full_path(x, "public key file", x->pubkey_path) ||
	    (x->att_path != NULL && !full_path(x, "attestation file", x->att_path)))
		return PR_ERR_INVALID_ARG;
	if (x->label != NULL && !ss_label_valid(x->label)) {
		say(x, "a label is at most %d printable characters", PR_LABEL_MAX);
		return PR_ERR_INVALID_ARG;
	}
	return PR_OK;
}

/* Read and parse one file (with the caller's rights: inside ss_as_caller). */
static int load_key(struct enroll_ctx *x)
{
	struct pr_errbuf eb = { 0 };
	char *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = ss_read_named(&x->cli, x->suid, "public key file", x->pubkey_path,
	    PR_SSHENROLL_KEY_MAX, &buf, &len)) != PR_OK)
		return r;
	if ((r = pr_sshenroll_parse_key(buf, len, &x->sshkey, &eb)) != PR_OK) {
		ss_clean_text(eb.msg);
		say(x, "%s: %s", x->pubkey_path, eb.msg);
	}
	free(buf);
	return r;
}

static int load_attestation(struct enroll_ctx *x)
{
	struct pr_errbuf eb = { 0 };
	char *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = ss_read_named(&x->cli, x->suid, "attestation file", x->att_path,
	    PR_SSHENROLL_ATT_MAX, &buf, &len)) != PR_OK)
		return r;
	if ((r = pr_sshenroll_parse_attestation((const unsigned char *)buf, len, &x->sshatt,
	    &eb)) != PR_OK) {
		ss_clean_text(eb.msg);
		say(x, "%s: %s", x->att_path, eb.msg);
	}
	free(buf);
	return r;
}

static int load_inputs(void *arg)
{
	struct enroll_ctx *x = arg;
	int r;

	if ((r = load_key(x)) == PR_OK && x->att_path != NULL)
		r = load_attestation(x);
	return r;
}

/* The key must not be enrolled already (its credential id is the blob's SHA-256). */
static int check_not_enrolled(struct enroll_ctx *x)
{
	unsigned char id[32];
	int r;

	if ((r = pr_sshkey_hash(&x->sshkey, id)) != PR_OK)
		return r;
	if (pr_credlist_find(&x->creds, id, sizeof(id)) == NULL)
		return PR_OK;
	say(x, "this SSH key (%s) is already enrolled for you; nothing was changed.", x->ssh_fp);
	return PR_ERR_EXISTS;
}

int ue_check_enroll_ssh(struct enroll_ctx *x, int argc, char **argv)
{
	int r;

	if ((r = parse_enroll_ssh(x, argc, argv)) != PR_OK)
		return r;
	if ((r = ss_as_caller(x->suid, load_inputs, x)) != PR_OK) {
		ue_clear_ssh(x);
		/* The caller's file, not a usage or state error: refused (exit 1). */
		return r == PR_ERR_NOMEM ? r : PR_ERR_PERM;
	}
	if ((r = pr_sshkey_fingerprint(&x->sshkey, x->ssh_fp)) != PR_OK)
		return r;
	if ((r = check_not_enrolled(x)) != PR_OK)
		return r;
	if (x->att_path == NULL && x->need == PR_NEED_PHYSICAL) {
		say(x, "refused: without its attestation this SSH key counts as a passkey, but "
		    "your sign-in policy requires a physical security key. Run '%s ssh-challenge', "
		    "make the key with that challenge and -O write-attestation=FILE, and enroll it "
		    "with --attestation FILE.", PROG);
		ue_audit(x, "enroll", PR_ERR_CLASS, NULL, "refused by policy: no attestation");
		return PR_ERR_CLASS;
	}
	return PR_OK;
}

/* ---- enroll-ssh: run ----------------------------------------------------------------------------- */

/* The caller's challenge, taken (gone from then on: one attestation per challenge). */
static int take_challenge(struct enroll_ctx *x, unsigned char ch[PR_SSHCHALLENGE_LEN])
{
	struct pr_errbuf eb = { 0 };
	int r;

	r = pr_sshchallenge_take(x->cli.cfg->state, x->user, pr_now(), ch, &eb);
	if (r == PR_OK)
		return PR_OK;
	if (r == PR_ERR_NOT_FOUND)
		say(x, "no SSH enrollment challenge is waiting for you (none was issued, or it "
		    "was used). Run '%s ssh-challenge', make the key with that challenge, and "
		    "try again; nothing was changed.", PROG);
	else if (r == PR_ERR_EXPIRED)
		say(x, "your SSH enrollment challenge has expired. Run '%s ssh-challenge', make "
		    "the key with the new challenge, and try again; nothing was changed.", PROG);
	else
		say(x, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
	ue_audit(x, "enroll", r, NULL, "no usable challenge");
	return r;
}

struct classify_arg {
	struct enroll_ctx *x;
	const unsigned char *challenge;   /* NULL without attestation */
	X509_STORE *anchors;
	struct pr_cred *cred;
	struct pr_class_reason reason;
	struct pr_errbuf eb;
};

static int classify_fn(void *arg)
{
	struct classify_arg *a = arg;
	struct enroll_ctx *x = a->x;

	return pr_sshenroll_credential(x->cli.cfg, &x->sshkey,
	    x->att_path != NULL ? &x->sshatt : NULL, a->challenge, a->anchors, x->label,
	    pr_now(), a->cred, &a->reason, &a->eb);
}

/* Verify and classify with the caller's rights (the attestation is the caller's input). */
static int classify(struct enroll_ctx *x, struct classify_arg *a)
{
	int r;

	if ((r = ss_as_caller(x->suid, classify_fn, a)) == PR_OK)
		return PR_OK;
	ss_clean_text(a->eb.msg);
	say(x, "attestation refused: %s. The challenge is used up: run '%s ssh-challenge' and "
	    "make the key again; nothing was changed.", a->eb.msg[0] ? a->eb.msg : pr_strerror(r),
	    PROG);
	ue_audit(x, "enroll", r, NULL, "attestation refused");
	return r;
}

static void enroll_ssh_report(struct enroll_ctx *x, const struct pr_cred *cred,
    const char *why)
{
	struct pr_credlist now = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	char kid[PR_KEYID_LEN + 1];

	pr_keyid(cred->id, cred->id_len, kid);
	printf("Enrolled SSH key %s (%s %s): %s (%s)", kid,
	    pr_sshkey_type_name(x->sshkey.type), x->ssh_fp, pr_class_name(cred->cls), why);
	if (cred->label[0] != '\0') {
		printf(", label \"");
		ue_print_label(cred->label);
		printf("\"");
	}
	printf(".\nSSH gateways that use practicerunner-authorized-keys accept it for you "
	    "from now on.\n");
	/* An SSH key does not sign in at a workstation: say so while it is all they have. */
	if (x->need != PR_NEED_NONE && pr_store_load(x->cli.cfg->state, x->user, &now,
	    &eb) == PR_OK && pr_lifecycle_usable(&now, x->need, SIZE_MAX) == 0)
		printf("SSH keys sign you in over SSH only. To sign in at a workstation you also "
		    "need a %s enrolled with '%s enroll'.\n", ue_key_words(x->need), PROG);
	pr_credlist_clear(&now);
}

int ue_run_enroll_ssh(struct enroll_ctx *x)
{
	unsigned char ch[PR_SSHCHALLENGE_LEN];
	struct pr_cred cred = { 0 };
	struct pr_errbuf eb = { 0 };
	struct pr_enroll_opts o = { 0 };
	struct classify_arg a = { .x = x, .cred = &cred };
	int r;

	if (x->att_path != NULL) {
		if ((r = pr_enroll_opts_load(x->cli.cfg, x->user, x->label, &o, &eb)) != PR_OK) {
			say(x, "%s", eb.msg);
			goto out;
		}
		a.anchors = o.anchors;
		if ((r = take_challenge(x, ch)) != PR_OK)
			goto out;
		a.challenge = ch;
	}
	if ((r = classify(x, &a)) != PR_OK)
		goto out;
	ss_clean_text(a.reason.text);
	if (!pr_policy_class_ok(x->need, cred.cls)) {
		r = PR_ERR_CLASS;
		say(x, "refused: this SSH key is a passkey (%s), but your sign-in policy requires "
		    "a physical security key. Make the key on a physical security key.",
		    a.reason.text);
		ue_audit(x, "enroll", r, &cred, "refused by policy");
		goto out;
	}
	if ((r = ue_commit_enroll(x, &cred)) == PR_OK)
		enroll_ssh_report(x, &cred, a.reason.text);
out:
	OPENSSL_cleanse(ch, sizeof(ch));
	pr_enroll_opts_clear(&o);
	pr_cred_clear(&cred);
	return r;
}

void ue_clear_ssh(struct enroll_ctx *x)
{
	pr_sshkey_clear(&x->sshkey);
	pr_sshattest_clear(&x->sshatt);
}
