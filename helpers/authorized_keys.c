/*
 * practicerunner-authorized-keys USER: sshd's AuthorizedKeysCommand
 * (DESIGN.md section 3, "SSH gateway"). Prints the user's enrolled FIDO SSH
 * keys whose class satisfies the user's policy, one authorized_keys line
 * each, with verify-required where the policy requires user verification.
 *
 * Output contract: stdout carries key lines and nothing else, and only
 * when everything was read and checked; unknown users and users without
 * SSH keys get no output and exit 0; any policy or store error prints
 * nothing, logs one syslog line (LOG_AUTHPRIV) and exits non-zero, so sshd
 * accepts no key at all (fail closed).
 *
 * Privilege model: run as root (AuthorizedKeysCommandUser root), not
 * setuid. The credential store is root-only (0700/0600, DESIGN.md section
 * 5) and stays so: an unprivileged AuthorizedKeysCommandUser could only
 * read it through a setuid/setgid helper or a second, readable copy of
 * every user's keys, each a larger and longer-lived exposure than this
 * program, whose only input is the user name sshd passes (%u; validated,
 * never logged when unknown), which opens no network or device, writes
 * nothing, follows no links and reads only the policy file and that one
 * user's credential file. Run as any other user it cannot read the store
 * and exits non-zero: sshd then refuses rather than allows.
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
#include "roles.h"
#include "sshkey.h"
#include "store.h"
#include "util.h"

#define PROG "practicerunner-authorized-keys"

enum ak_exit { AK_OK = 0, AK_ERROR = 1, AK_USAGE = 2 };

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

/* The lines for user into a memory buffer: nothing reaches stdout on failure. */
static int user_lines(const struct pr_config *cfg, const char *user, char **buf,
    size_t *len)
{
	struct pr_credlist l = { NULL, 0 };
	struct pr_errbuf eb = { "" };
	enum pr_need need;
	FILE *out = NULL;
	bool uv;
	int r;

	*buf = NULL;
	*len = 0;
	if ((r = pr_user_need(cfg, user, NULL, &need)) != PR_OK) {
		log_error("%s: cannot resolve the role of %s: %s", PROG, user, pr_strerror(r));
		return r;
	}
	if ((r = pr_store_load(cfg->state_dir, user, &l, &eb)) != PR_OK) {
		log_error("%s: %s", PROG, eb.msg[0] ? eb.msg : pr_strerror(r));
		return r;
	}
	uv = pr_policy_uv_required(&cfg->policy, false);
	if ((out = open_memstream(buf, len)) == NULL) {
		r = PR_ERR_NOMEM;
		goto fail;
	}
	for (size_t i = 0; i < l.n && r == PR_OK; i++) {
		if (l.v[i].kind != PR_KIND_SSH || !pr_policy_class_ok(need, l.v[i].cls))
			continue;
		if ((r = key_line(&l.v[i], uv, out)) != PR_OK)
			log_error("%s: stored SSH key of %s is unusable: %s", PROG, user,
			    pr_strerror(r));
	}
fail:
	if (out != NULL && fclose(out) != 0 && r == PR_OK)
		r = PR_ERR_NOMEM;
	pr_credlist_clear(&l);
	if (r != PR_OK) {
		free(*buf);
		*buf = NULL;
	}
	return r;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s [--config FILE] USER\n\nSee %s(8).\n", PROG, PROG);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = PR_DEFAULT_CONFIG, *user;
	struct pr_config *cfg = NULL;
	struct pr_errbuf eb = { "" };
	char *buf = NULL;
	size_t len = 0;
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
	if (optind != argc - 1) {
		usage(stderr);
		return AK_USAGE;
	}
	user = argv[optind];
	/* Unknown or impossible names: no keys, and no log line naming them. */
	if (!pr_username_valid(user) || getpwnam(user) == NULL)
		return AK_OK;
	if (pr_config_load(config, &cfg, &eb) != PR_OK) {
		log_error("%s: %s", PROG, eb.msg);
		goto out;
	}
	if (user_lines(cfg, user, &buf, &len) != PR_OK)
		goto out;
	if (len > 0 && (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)) {
		log_error("%s: cannot write the keys of %s", PROG, user);
		goto out;
	}
	rc = AK_OK;
out:
	free(buf);
	pr_config_free(&cfg);
	closelog();
	return rc;
}
