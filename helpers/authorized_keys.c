/*
 * practicerunner-authorized-keys USER [KEYTYPE BASE64]: sshd's
 * AuthorizedKeysCommand (doc/ARCHITECTURE.md §4.4, the SSH gateway), run as
 * "practicerunner-authorized-keys %u %t %k". Prints the user's enrolled
 * FIDO SSH keys whose class satisfies the user's policy, one
 * authorized_keys line each, with verify-required where the policy
 * requires user verification.
 *
 * Output contract: stdout carries key lines and nothing else, and only
 * when everything was read and checked; unknown users and users without
 * SSH keys get no output and exit 0; any policy or store error prints
 * nothing, logs one syslog line (LOG_AUTHPRIV) and exits non-zero, so sshd
 * accepts no key at all (fail closed). The offered key (%t %k) changes
 * none of this: the lines depend on the user alone.
 *
 * The offered key is for the audit log. sshd refuses a key we do not
 * print in the publickey step, before PAM, so the module never sees it;
 * here, when the offered key is not among the lines printed (whatever the
 * reason), one record "ssh-key-offer" says so: the verdict the module
 * would give (lib/ssh/signin_ssh.c, the same code), the key's fingerprint and
 * the client's address, read from the TCP connection of our parent,
 * sshd's monitor for this connection (lib/procpeer.c), since OpenSSH 9.2
 * has no token for it. A key that is printed is not recorded: sshd checks
 * its signature next (running us again) and the PAM step records the
 * sign-in. A withheld key has no signature step, so one offer gives one
 * record. The record is best effort: its failure is logged, and changes
 * neither the output nor the exit status.
 *
 * Privilege model: run as root (AuthorizedKeysCommandUser root), not
 * setuid. The credential store is root-only (0700/0600, doc/ARCHITECTURE.md
 * §7.1 and §9.1) and stays so: an unprivileged AuthorizedKeysCommandUser could only
 * read it through a setuid/setgid helper or a second, readable copy of
 * every user's keys, each a larger and longer-lived exposure than this
 * program, whose only input is what sshd passes (%u %t %k; validated; a
 * name that is not an account is never logged or recorded), which opens
 * no network or device, follows no links, reads only the policy file,
 * that one user's credential file and its parent's entries in /proc, and
 * writes only the audit log. Run as any other user it cannot read the
 * store and exits non-zero: sshd then refuses rather than allows.
 */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"
#include "err.h"
#include "policy.h"
#include "procpeer.h"
#include "roles.h"
#include "signin.h"
#include "ssh/sshkey.h"
#include "store.h"
#include "util.h"

#define PROG "practicerunner-authorized-keys"

#define AK_EVENT "ssh-key-offer"     /* the record of an offered key not printed */
#define AK_SERVICE "sshd"              /* the only caller, as in its PAM records */
#define AK_TYPE_MAX 64                 /* bytes of a key type name (%t) */
/*
 * Characters of the offered key's base64 (%k): a 16384-bit RSA key takes
 * about 2800; the security keys we print, under 200.
 */
#define AK_KEY_B64_MAX 8192

enum ak_exit { AK_OK = 0, AK_ERROR = 1, AK_USAGE = 2 };

/* The key sshd asks about (%t %k), when it passes one. */
struct offer {
	const char *type;
	unsigned char *blob;
	size_t len;
};

static void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(LOG_AUTHPRIV | LOG_ERR, fmt, ap);
	va_end(ap);
}

/* One line for a key: "[verify-required ]TYPE BASE64 practicerunner:KEYID". */
static int key_line(const struct pr_cred *c, bool uv, FILE *out)
{
	char keyid[PR_KEYID_LEN + 1], comment[64], *line = NULL;
	struct pr_sshkey k;
	int r;

	if ((r = pr_sshkey_from_parts(c->cose_alg, c->pubkey, c->pubkey_len, c->app,
	    &k)) != PR_OK)
		return r;
	pr_keyid(c->id, c->id_len, keyid);
	snprintf(comment, sizeof(comment), "practicerunner:%s", keyid);
	r = pr_sshkey_format(&k, uv ? "verify-required" : NULL, comment, &line);
	if (r == PR_OK && fprintf(out, "%s\n", line) < 0)
		r = PR_ERR_NOMEM;
	free(line);
	pr_sshkey_clear(&k);
	return r;
}

/*
 * The lines of the keys pr_signin_ssh_keys marked acceptable into a
 * memory buffer: nothing reaches stdout on failure.
 */
static int user_lines(const struct pr_signin *s, char **buf, size_t *len)
{
	bool uv = pr_policy_uv_required(&s->cfg->policy);
	FILE *out;
	int r = PR_OK;

	*buf = NULL;
	*len = 0;
	if ((out = open_memstream(buf, len)) == NULL)
		return PR_ERR_NOMEM;
	for (size_t i = 0; i < s->creds.n && r == PR_OK; i++) {
		if (!s->acceptable[i])
			continue;
		if ((r = key_line(&s->creds.v[i], uv, out)) != PR_OK)
			log_error("%s: stored SSH key of %s is unusable: %s", PROG, s->user,
			    pr_strerror(r));
	}
	if (fclose(out) != 0 && r == PR_OK)
		r = PR_ERR_NOMEM;
	if (r != PR_OK) {
		free(*buf);
		*buf = NULL;
		*len = 0;
	}
	return r;
}

/* The role and the SSH keys policy accepts for a known user: PR_OK (maybe none) or the error, logged. */
static int load_user(struct pr_signin *s)
{
	int r;

	if ((r = pr_signin_user(s)) != PR_OK) {
		log_error("%s: cannot resolve the role of %s: %s", PROG, s->user, pr_strerror(r));
		return r;
	}
	r = pr_signin_ssh_keys(s);
	if (r != PR_OK && r != PR_ERR_NOT_ENROLLED)
		log_error("%s: %s", PROG, s->eb.msg[0] ? s->eb.msg : pr_strerror(r));
	return r;
}

/* Print the user's lines: PR_OK or the error, logged; nothing on stdout then. */
static int print_user(const struct pr_signin *s)
{
	char *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = user_lines(s, &buf, &len)) != PR_OK)
		return r;
	if (len > 0 && (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)) {
		log_error("%s: cannot write the keys of %s", PROG, s->user);
		r = PR_ERR_IO;
	}
	free(buf);
	return r;
}

/* A key type name as sshd spells it (%t): ASCII letters, digits, "@.-_". */
static bool type_name_valid(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > AK_TYPE_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = t[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '@' || c == '.' || c == '-' || c == '_'))
			return false;
	}
	return true;
}

/*
 * The offered key from %t %k: a valid type name, canonical base64 of at
 * most AK_KEY_B64_MAX characters, and a blob that names that very type.
 * Any key type is welcome here (the record says which was refused), but
 * nothing malformed: sshd never passes that, so someone else called us.
 */
static int offer_parse(const char *type, const char *b64, struct offer *o)
{
	size_t n = strnlen(b64, AK_KEY_B64_MAX + 1), tl;
	const char *t;

	if (!type_name_valid(type) || n == 0 || n > AK_KEY_B64_MAX ||
	    pr_ssh_b64_decode(b64, n, &o->blob, &o->len) != PR_OK)
		return PR_ERR_INVALID_ARG;
	if (pr_ssh_blob_type(o->blob, o->len, &t, &tl) != PR_OK || tl != strlen(type) ||
	    memcmp(t, type, tl) != 0) {
		free(o->blob);
		o->blob = NULL;
		return PR_ERR_INVALID_ARG;
	}
	o->type = type;
	return PR_OK;
}

/*
 * The client's address: that of the TCP connection the parent holds, as
 * sshd's privileged monitor for this connection does (it runs us). NULL
 * when there is none, or the parent changed meanwhile (it ended: the
 * address found could belong to another process).
 */
static const char *parent_rhost(char buf[PR_PEER_ADDR_LEN])
{
	pid_t parent = getppid();

	if (parent <= 1 || pr_proc_peer_addr(parent, buf) != PR_OK || getppid() != parent)
		return NULL;
	return buf;
}

/* Best effort: the record of an offered key not printed; a failure is only logged. */
static void record_offer(struct pr_signin *s, const struct offer *o, int loaded, int err)
{
	char rhost[PR_PEER_ADDR_LEN];
	int r;

	/* The verdict for the record; err (the printing's failure) when there was one. */
	r = pr_signin_ssh_offer(s, loaded, o->type, o->blob, o->len);
	if (err == PR_OK)
		err = r;
	if (err == PR_OK)
		return;    /* printed: the PAM step records the sign-in */
	s->rhost = parent_rhost(rhost);
	s->eb.msg[0] = '\0';
	if ((r = pr_signin_record(s, AK_EVENT, err, NULL)) != PR_OK)
		log_error("%s: the offered key was not recorded: %s", PROG,
		    s->eb.msg[0] ? s->eb.msg : pr_strerror(r));
}

/* Keys for a known user, and the record of an offered key they do not include. */
static int run_user(struct pr_signin *s, const struct offer *o)
{
	int loaded, r;

	loaded = load_user(s);
	if (loaded == PR_OK)
		r = print_user(s);
	else
		r = loaded == PR_ERR_NOT_ENROLLED ? PR_OK : loaded;
	if (o->blob != NULL)
		record_offer(s, o, loaded, r);
	return r;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s [--config FILE] USER [KEYTYPE BASE64]\n\nSee %s(8).\n",
	    PROG, PROG);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = PR_DEFAULT_CONFIG;
	struct pr_config *cfg = NULL;
	struct pr_errbuf eb = { 0 };
	struct pr_signin s = { .service = AK_SERVICE };
	struct offer o = { NULL, NULL, 0 };
	bool known;
	int ch, rc = AK_ERROR;

	openlog(PROG, LOG_PID, LOG_AUTHPRIV);
	while ((ch = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		if (ch == 'c') {
			config = optarg;
		} else if (ch == 'h') {
			usage(stdout);
			return AK_OK;
		} else {
			usage(stderr);
			return AK_USAGE;
		}
	}
	if (argc - optind != 1 && argc - optind != 3) {
		usage(stderr);
		return AK_USAGE;
	}
	if (argc - optind == 3 && offer_parse(argv[optind + 1], argv[optind + 2], &o) != PR_OK) {
		/* No key line for anyone: sshd refuses this key, as for any error. */
		log_error("%s: invalid offered key arguments (KEYTYPE BASE64)", PROG);
		usage(stderr);
		return AK_USAGE;
	}
	s.user = argv[optind];
	/* Unknown or impossible names: no keys, and no log line naming them. */
	known = pr_username_valid(s.user) && getpwnam(s.user) != NULL;
	if (!known && o.blob == NULL) {
		rc = AK_OK;
		goto out;
	}
	if (pr_roles_config_load(config, &cfg, &eb) != PR_OK) {
		log_error("%s: %s", PROG, eb.msg);
		rc = known ? AK_ERROR : AK_OK;
		goto out;
	}
	s.cfg = cfg;
	if (!known) {
		/* Recorded as "(unknown)": the name may be a mistyped password. */
		record_offer(&s, &o, PR_ERR_NOT_FOUND, PR_OK);
		rc = AK_OK;
	} else {
		rc = run_user(&s, &o) == PR_OK ? AK_OK : AK_ERROR;
	}
out:
	pr_signin_clear(&s);
	free(o.blob);
	pr_config_free(&cfg);
	closelog();
	return rc;
}
