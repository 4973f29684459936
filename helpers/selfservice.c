/* What the self-service setuid helpers share (selfservice.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secure_file.h"
#include "selfservice.h"
#include "util.h"

#define TEMP_TEMPLATE "/tmp/practicerunner-ssh-challenge.XXXXXX"

/* The record of a self-service step (ss_audit): the caller acts; clear b after use. */
static int ss_event_make(const struct ss_who *w, struct pr_audit_built *b, const char *event,
    int err, const char *method, const struct pr_cred *cred, const char *detail)
{
	const struct pr_audit_what what = {
		.event = event, .err = err, .user = w->user, .role = pr_role_name(w->role),
		.method = method, .cred = cred, .detail = detail,
	};

	return cli_audit_event(w->cli, w->suid->actor, &what, b);
}

int ss_audit_begin(const struct ss_who *w, const char *event, const char *method,
    const struct pr_cred *cred, const char *detail)
{
	struct pr_audit_built b;
	int r;

	if ((r = ss_event_make(w, &b, event, PR_OK, method, cred, detail)) != PR_OK) {
		cli_err(w->cli, "nothing was changed: %s", pr_strerror(r));
		return r;
	}
	r = cli_intent_begin(w->cli, &b.ev);
	pr_audit_built_clear(&b);
	return r;
}

int ss_audit(const struct ss_who *w, const char *event, int err, const char *method,
    const struct pr_cred *cred, const char *detail)
{
	struct pr_errbuf eb = { 0 };
	struct pr_audit_built b;
	bool wrap;
	int r;

	cli_after_commit(event, err);
	if ((r = ss_event_make(w, &b, event, err, method, cred, detail)) != PR_OK)
		pr_fail(&eb, r, "%s", pr_strerror(r));
	else {
		/* Signals held while the audit lock is ours (see suid_critical_begin). */
		wrap = !w->suid->critical;
		if (wrap)
			suid_critical_begin(w->suid);
		r = pr_audit_append(w->cli->cfg->audit_log, &b.ev, &eb);
		if (wrap)
			suid_critical_end(w->suid);
	}
	if (r != PR_OK)
		cli_err(w->cli, "audit record not written: %s", eb.msg);
	cli_intent_settle(event, err, r);
	pr_audit_built_clear(&b);
	return r;
}

/* ---- the recorder of the flows in lib/ (lib/flow.h) ---------------------------------- */

static int rec_begin(void *arg, const char *event, const char *method,
    const struct pr_cred *cred, const char *detail)
{
	return ss_audit_begin(arg, event, method, cred, detail);
}

static int rec_record(void *arg, const char *event, int err, const char *method,
    const struct pr_cred *cred, const char *detail)
{
	return ss_audit(arg, event, err, method, cred, detail);
}

static void rec_undone(void *arg)
{
	(void)arg;
	cli_audit_undone();
}

static void rec_hold(void *arg, bool on)
{
	const struct ss_who *w = arg;

	if (on)
		suid_critical_begin(w->suid);
	else
		suid_critical_end(w->suid);
}

void ss_recorder(const struct ss_who *w, struct pr_recorder *rec)
{
	*rec = (struct pr_recorder){
		.begin = rec_begin, .record = rec_record, .undone = rec_undone, .hold = rec_hold,
		.arg = (void *)w,
	};
}

/* The account to act on: the caller, or --user for root. */
static int resolve_user(const struct cli *c, const struct suid *s, const char *opt_user,
    const char **user)
{
	if (opt_user == NULL) {
		*user = s->caller;
		return PR_OK;
	}
	if (!pr_username_valid(opt_user) || getpwnam(opt_user) == NULL) {
		cli_err(c, "no such user: %s",
		    pr_username_valid(opt_user) ? opt_user : "(invalid name)");
		return PR_ERR_NOT_FOUND;
	}
	*user = opt_user;
	return PR_OK;
}

int ss_load_user(struct cli *c, const struct suid *s, const char *opt_user, const char **user,
    enum pr_role *role, enum pr_need *need)
{
	int r;

	if (cli_load_config(c) != CLI_OK)
		return PR_ERR_CONFIG;
	if ((r = resolve_user(c, s, opt_user, user)) != PR_OK)
		return r;
	if ((r = pr_user_need(c->cfg, *user, role, need)) != PR_OK) {
		cli_err(c, "cannot tell what your sign-in policy requires (%s); nothing done",
		    pr_strerror(r));
		return r == PR_ERR_NOT_FOUND ? PR_ERR_IO : r;
	}
	return PR_OK;
}

int ss_check_trusted(const struct cli *c, const struct suid *s, const char *opt_user)
{
	if (s->trusted || (c->config_path == NULL && opt_user == NULL))
		return CLI_OK;
	cli_err(c, "%s is only for root: this program always uses %s and acts on your own "
	    "account. Nothing done.", c->config_path != NULL ? "--config" : "--user",
	    PR_DEFAULT_CONFIG);
	return CLI_USAGE;
}

bool ss_label_valid(const char *s)
{
	size_t n = strlen(s);

	if (n > PR_LABEL_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

void ss_clean_text(char *s)
{
	for (unsigned char *p = (unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p >= 0x7f)
			*p = '?';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int ss_read_secret_line(const char *prompt, size_t max, char **out)
{
	char *buf = NULL, *start;
	size_t len;
	int r;

	*out = NULL;
	fprintf(stderr, "%s", prompt);
	fflush(stderr);
	if ((r = cli_read_secret(STDIN_FILENO, max, &buf)) != PR_OK)
		return r;
	for (start = buf; is_space(*start); start++)
		;
	for (len = strlen(start); len > 0 && is_space(start[len - 1]); len--)
		;
	r = PR_ERR_CANCELLED;
	if (len == 0)
		goto out;
	memmove(buf, start, len);
	explicit_bzero(buf + len, max + 2 - len);
	*out = buf;
	buf = NULL;
	r = PR_OK;
out:
	pr_secret_free(&buf, max + 2);
	return r;
}

int ss_with_devices(struct suid *s, ss_device_fn fn, void *arg)
{
	struct pr_devices devs = { .n = 0 };
	int r;

	if ((r = suid_drop(s)) != PR_OK)
		return r;
	if ((r = pr_devices_open(&devs)) == PR_OK)
		r = fn(&devs, arg);
	pr_devices_close(&devs);
	suid_regain(s);
	return r;
}

static int dev_make(const struct pr_devices *devs, void *arg)
{
	const struct ss_make *m = arg;
	struct pr_ui ui;

	cli_ui(&ui);
	return pr_enroll_make(devs, m->opts, m->creds, &ui, m->cred, m->reason, NULL);
}

int ss_make_credential(struct suid *s, struct ss_make *m)
{
	return ss_with_devices(s, dev_make, m);
}

int ss_as_caller(struct suid *s, ss_caller_fn fn, void *arg)
{
	int r;

	if ((r = suid_drop(s)) != PR_OK)
		return r;
	r = fn(arg);
	suid_regain(s);
	return r;
}

/* Files the caller names are opened with their rights, never root's: refuse otherwise. */
static bool as_caller(const struct cli *c, const struct suid *s)
{
	if (s->dropped || s->trusted)
		return true;
	cli_err(c, "internal error: a file you named was about to be opened with root's "
	    "rights; nothing done");
	return false;
}

static bool absolute(const struct cli *c, const char *what, const char *path)
{
	if (path[0] == '/')
		return true;
	cli_err(c, "give the %s as a full path (for example \"$PWD/%s\"): this program "
	    "does not work in your current directory", what, path);
	return false;
}

int ss_read_named(const struct cli *c, const struct suid *s, const char *what,
    const char *path, size_t max, char **buf, size_t *len)
{
	enum pr_file_status st;

	*buf = NULL;
	if (!as_caller(c, s))
		return PR_ERR_PERM;
	if (!absolute(c, what, path))
		return PR_ERR_INVALID_ARG;
	if ((st = pr_read_named(path, max, buf, len)) == PR_FILE_OK)
		return PR_OK;
	if (st == PR_FILE_IO)
		cli_err(c, "cannot read the %s %s: %s", what, path, strerror(errno));
	else if (st == PR_FILE_WRONG_TYPE)
		cli_err(c, "the %s %s is not a regular file", what, path);
	else if (st == PR_FILE_TOO_BIG)
		cli_err(c, "the %s %s is larger than %zu bytes, too large to be one", what,
		    path, max);
	else
		cli_err(c, "cannot read the %s %s: it %s", what, path, pr_file_status_text(st));
	return PR_ERR_INVALID_ARG;
}

int ss_create_named(const struct cli *c, const struct suid *s, const char *path,
    char *made, size_t made_len, int *fd)
{
	*fd = -1;
	if (!as_caller(c, s))
		return PR_ERR_PERM;
	if (path == NULL) {
		snprintf(made, made_len, "%s", TEMP_TEMPLATE);
		if ((*fd = mkostemp(made, O_CLOEXEC)) < 0) {
			cli_err(c, "cannot create a file in /tmp: %s", strerror(errno));
			return PR_ERR_PERM;
		}
		return PR_OK;
	}
	if (!absolute(c, "output file", path))
		return PR_ERR_INVALID_ARG;
	if (snprintf(made, made_len, "%s", path) >= (int)made_len) {
		cli_err(c, "the output file name is too long");
		return PR_ERR_INVALID_ARG;
	}
	if ((*fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
	    0600)) < 0) {
		int err = errno;

		cli_err(c, "cannot create %s: %s", path, err == EEXIST ?
		    "it exists already (choose a new name: nothing is overwritten)" :
		    strerror(err));
		return PR_ERR_PERM;     /* the caller's name, the caller's problem: refused */
	}
	return PR_OK;
}

static int unlink_fn(void *arg)
{
	return unlink(arg) == 0 ? PR_OK : PR_ERR_IO;
}

void ss_unlink_named(struct suid *s, const char *path)
{
	ss_as_caller(s, unlink_fn, (void *)path);
}
