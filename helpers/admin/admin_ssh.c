/* practicerunner-admin key ssh-challenge | enroll-ssh: FIDO SSH keys. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "admin.h"
#include "attest.h"
#include "enroll.h"
#include "lifecycle.h"
#include "roles.h"
#include "secure_file.h"
#include "ssh/sshenroll.h"
#include "transport.h"
#include "util.h"

#define CHALLENGE_TEMPLATE "/tmp/practicerunner-ssh-challenge.XXXXXX"

static bool known_user(struct cli *c, const char *user)
{
	if (!pr_username_valid(user) || getpwnam(user) == NULL) {
		cli_err(c, "no such user: %s", pr_username_valid(user) ? user : "(invalid name)");
		return false;
	}
	return true;
}

/* A new file (never an existing one, never through a link), mode 0600. */
static int open_output(struct cli *c, const char *path, char *made, size_t made_len)
{
	int fd;

	if (path == NULL) {
		snprintf(made, made_len, "%s", CHALLENGE_TEMPLATE);
		if ((fd = mkstemp(made)) < 0)
			cli_err(c, "cannot create a challenge file: %s", strerror(errno));
		return fd;
	}
	snprintf(made, made_len, "%s", path);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY, 0600)) < 0)
		cli_err(c, "cannot create %s: %s", path, strerror(errno));
	return fd;
}

int admin_key_ssh_challenge(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned char ch[PR_SSHCHALLENGE_LEN];
	struct pr_errbuf eb = { 0 };
	const char *output = NULL;
	char path[4096];
	int opt, fd, r;

	while ((opt = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (opt != 'o')
			return CLI_USAGE;
		output = optarg;
	}
	if (optind != argc - 1) {
		cli_err(c, "usage: key ssh-challenge USER [--output FILE]");
		return CLI_USAGE;
	}
	if (!cli_require_root(c) || !known_user(c, argv[optind]))
		return CLI_FAILED;
	if ((fd = open_output(c, output, path, sizeof(path))) < 0)
		return CLI_FAILED;
	if ((r = pr_sshchallenge_create(c->cfg->state, argv[optind], pr_now(), ch,
	    &eb)) != PR_OK) {
		cli_err(c, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
	} else if ((r = pr_write_all(fd, ch, sizeof(ch))) != PR_OK || fsync(fd) != 0) {
		cli_err(c, "cannot write %s", path);
		r = PR_ERR_IO;
	}
	close(fd);
	OPENSSL_cleanse(ch, sizeof(ch));
	if (r != PR_OK) {
		unlink(path);
		return cli_exit_code(r);
	}
	printf("%s\n", path);
	fprintf(stderr, "Challenge for %s, valid for %d minutes and for one key. Generate "
	    "the key with:\n  ssh-keygen -t ed25519-sk -O challenge=%s "
	    "-O write-attestation=ATTESTATION_FILE\n", argv[optind],
	    PR_SSHCHALLENGE_LIFETIME / 60, path);
	return CLI_OK;
}

struct ssh_enroll_args {
	const char *user;
	const char *pubkey_file;
	const char *att_file;
	const char *label;
	bool force;
};

static int parse_enroll_ssh(struct cli *c, int argc, char **argv,
    struct ssh_enroll_args *a)
{
	static const struct option opts[] = {
		{ "attestation", required_argument, NULL, 'a' },
		{ "label", required_argument, NULL, 'l' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "a:l:f", opts, NULL)) != -1) {
		if (ch == 'a')
			a->att_file = optarg;
		else if (ch == 'l')
			a->label = optarg;
		else if (ch == 'f')
			a->force = true;
		else
			return CLI_USAGE;
	}
	if (optind != argc - 2) {
		cli_err(c, "usage: key enroll-ssh USER PUBKEY_FILE [--attestation FILE] "
		    "[--label LABEL] [--force]");
		return CLI_USAGE;
	}
	a->user = argv[optind];
	a->pubkey_file = argv[optind + 1];
	if (a->label != NULL && strlen(a->label) > PR_LABEL_MAX) {
		cli_err(c, "label is longer than %d characters", PR_LABEL_MAX);
		return CLI_USAGE;
	}
	return CLI_OK;
}

/* A file named on the command line: no final link, a regular file, bounded. */
static int read_input(struct cli *c, const char *path, size_t max, char **buf,
    size_t *len)
{
	enum pr_file_status st;

	if ((st = pr_read_named(path, max, buf, len)) == PR_FILE_OK)
		return PR_OK;
	cli_err(c, "cannot read %s: %s", path, st == PR_FILE_IO ? strerror(errno) :
	    pr_file_status_text(st));
	return PR_ERR_INVALID_ARG;
}

static int load_key(struct cli *c, const char *path, struct pr_sshkey *k)
{
	struct pr_errbuf eb = { 0 };
	char *buf = NULL;
	size_t len;
	int r;

	if ((r = read_input(c, path, PR_SSHENROLL_KEY_MAX, &buf, &len)) != PR_OK)
		return r;
	if ((r = pr_sshenroll_parse_key(buf, len, k, &eb)) != PR_OK)
		cli_err(c, "%s: %s", path, eb.msg);
	free(buf);
	return r;
}

/* Verify the attestation against the user's challenge (taken: one use). */
static int classify_attested(struct cli *c, const struct ssh_enroll_args *a,
    const struct pr_sshkey *k, X509_STORE *anchors, struct pr_cred *cred,
    struct pr_class_reason *reason)
{
	unsigned char ch[PR_SSHCHALLENGE_LEN];
	struct pr_sshattest att = { 0 };
	struct pr_errbuf eb = { 0 };
	char *buf = NULL;
	size_t len;
	int r;

	if ((r = read_input(c, a->att_file, PR_SSHENROLL_ATT_MAX, &buf, &len)) != PR_OK)
		return r;
	if ((r = pr_sshenroll_parse_attestation((unsigned char *)buf, len, &att,
	    &eb)) != PR_OK) {
		cli_err(c, "%s: %s", a->att_file, eb.msg);
		goto out;
	}
	if ((r = pr_sshchallenge_take(c->cfg->state, a->user, pr_now(), ch,
	    &eb)) != PR_OK) {
		cli_err(c, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
		goto out;
	}
	r = pr_sshenroll_credential(c->cfg, k, &att, ch, anchors, a->label, pr_now(), cred,
	    reason, &eb);
	if (r != PR_OK)
		cli_err(c, "attestation refused: %s", eb.msg);
	OPENSSL_cleanse(ch, sizeof(ch));
out:
	pr_sshattest_clear(&att);
	free(buf);
	return r;
}

static int classify_key(struct cli *c, const struct ssh_enroll_args *a,
    const struct pr_sshkey *k, struct pr_cred *cred, struct pr_class_reason *reason)
{
	struct pr_errbuf eb = { 0 };
	struct pr_enroll_opts o;
	int r;

	if (a->att_file == NULL)
		return pr_sshenroll_credential(c->cfg, k, NULL, NULL, NULL, a->label, pr_now(),
		    cred, reason, NULL);
	if ((r = pr_enroll_opts_load(c->cfg, a->user, a->label, &o, &eb)) != PR_OK) {
		cli_err(c, "%s", eb.msg);
		return r;
	}
	r = classify_attested(c, a, k, o.anchors, cred, reason);
	pr_enroll_opts_clear(&o);
	return r;
}

static void enroll_ssh_report(const struct ssh_enroll_args *a, const struct pr_cred *cred,
    const struct pr_sshkey *k, const char *why)
{
	char keyid[PR_KEYID_LEN + 1], fp[PR_SSH_FP_LEN + 1] = "";

	pr_keyid(cred->id, cred->id_len, keyid);
	pr_sshkey_fingerprint(k, fp);
	printf("Enrolled SSH key %s (%s %s) for %s: %s (%s)\n", keyid,
	    pr_sshkey_type_name(k->type), fp, a->user, pr_class_name(cred->cls), why);
}

int admin_key_enroll_ssh(struct cli *c, int argc, char **argv)
{
	struct ssh_enroll_args a = { NULL, NULL, NULL, NULL, false };
	struct pr_sshkey k = { 0 };
	struct pr_cred cred = { 0 };
	enum pr_role role;
	enum pr_need need;
	struct pr_class_reason reason = { "" };
	int r, rc;

	if ((rc = parse_enroll_ssh(c, argc, argv, &a)) != CLI_OK)
		return rc;
	if (!cli_require_root(c) || !known_user(c, a.user))
		return CLI_FAILED;
	if ((r = pr_user_need(c->cfg, a.user, &role, &need)) != PR_OK) {
		cli_err(c, "cannot resolve %s's role (%s); run policy check", a.user,
		    pr_strerror(r));
		return cli_exit_code(r);
	}
	if ((r = load_key(c, a.pubkey_file, &k)) != PR_OK)
		return CLI_FAILED;
	if ((r = classify_key(c, &a, &k, &cred, &reason)) != PR_OK) {
		cli_audit(c, "enroll", r, a.user, NULL, "ssh-sk: attestation refused");
		goto out;
	}
	if (!pr_policy_class_ok(need, cred.cls) && !a.force) {
		r = PR_ERR_CLASS;
		cli_err(c, "refused: this SSH key is a passkey (%s), but policy requires a "
		    "physical security key for %s. Enroll a key made on a physical security "
		    "key with its attestation, or use --force to store it anyway (it will not "
		    "be accepted for sign-in).", reason.text, a.user);
		cli_audit(c, "enroll", r, a.user, &cred, "refused by policy");
		goto out;
	}
	if ((r = admin_enroll_commit(c, a.user, &cred, a.force ? "forced" : NULL,
	    "this SSH key is already enrolled")) != PR_OK)
		goto out;
	enroll_ssh_report(&a, &cred, &k, reason.text);
out:
	pr_cred_clear(&cred);
	pr_sshkey_clear(&k);
	return cli_exit_code(r);
}
