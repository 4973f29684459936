/*
 * practicerunner-verify: installed setuid root, the backend of
 * pam_practicerunner when it runs as the user (screen lockers), as
 * unix_chkpwd is for pam_unix. The module runs it with a socket (or pipes)
 * on standard input and output and speaks lib/verify_proto.h.
 *
 * It verifies only for the calling user: the request's user must be the
 * real uid's account, or nothing happens. A trusted caller (real uid 0)
 * may name any account, and may give --config FILE: that is the module in
 * a root process its user controls (su run by an ordinary user, sudo in
 * a cgroup delegated to the user), which takes no lock itself and runs us
 * with real uid 0 (doc/ARCHITECTURE.md §7.5); only it may send ruser=. The decision, the counter update
 * and the audit record are lib/signin.c's, exactly as on the module's
 * direct path (path=helper in the record); the answer is only success or
 * a failure reason. The request's service, tty and remote host are the
 * caller's word, recorded as such.
 *
 * The privilege model is setuid.h's: empty environment, no caller-chosen
 * paths or options (the built-in policy file only), device I/O with the
 * caller's rights. Standard input and output must be a socket or pipe (a
 * terminal or a closed descriptor is refused before anything is read); the
 * request is bounded and strict; the whole run is bounded in time; every
 * failed verification waits FAIL_DELAY seconds before answering, so
 * repeated tries run at most at that pace.
 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "roles.h"
#include "setuid.h"
#include "signin.h"
#include "util.h"
#include "verify_proto.h"

#define PROG "practicerunner-verify"
#define REQUEST_WAIT_MS 10000     /* the module writes the request at once */
#define PIN_WAIT_MS 120000        /* a person types the PIN */
#define RUN_LIMIT_S 900           /* no run outlives this, whatever happens */
#define FAIL_DELAY 1              /* seconds before a failure is answered */

struct verify {
	struct suid suid;
	const char *config;           /* PR_DEFAULT_CONFIG, or a trusted caller's --config */
	struct pr_config *cfg;
	struct pr_verify_req req;
	struct pr_signin s;
	bool pin_broken;              /* the module stopped answering */
};

/* ---- the module's side of the conversation ---------------------------------------- */

static void ui_touch(void *arg)
{
	(void)arg;
	pr_write_line(STDOUT_FILENO, "touch\n", 6);
}

/* "pin" asked; "pin VALUE" or "cancel" back. Anything else is a cancel. */
static int ui_pin(void *arg, char **pin)
{
	struct verify *v = arg;
	char line[PR_VERIFY_LINE_MAX];
	int r;

	*pin = NULL;
	if (v->pin_broken || pr_write_line(STDOUT_FILENO, "pin\n", 4) != PR_OK)
		return PR_ERR_CANCELLED;
	r = pr_read_line(STDIN_FILENO, line, sizeof(line), pr_monotonic_ms() + PIN_WAIT_MS);
	if (r == PR_OK && strncmp(line, "pin ", 4) == 0 && line[4] != '\0' &&
	    strlen(line + 4) <= PR_VERIFY_PIN_MAX)
		*pin = strdup(line + 4);
	else if (r != PR_OK || strcmp(line, "cancel") != 0)
		v->pin_broken = true;
	explicit_bzero(line, sizeof(line));
	return *pin != NULL ? PR_OK : PR_ERR_CANCELLED;
}

static int devices_begin(void *arg)
{
	return suid_drop(arg);
}

static void devices_end(void *arg)
{
	suid_regain(arg);
}

/* ---- the request --------------------------------------------------------------------- */

/* Standard input and output must be a socket or pipe from the module. */
static bool channel_ok(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && (S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode));
}

/* The request, up to its empty line, bounded in size and time. */
static int read_request(struct verify *v, struct pr_errbuf *eb)
{
	char buf[PR_VERIFY_REQ_MAX], line[PR_VERIFY_LINE_MAX];
	int64_t deadline = pr_monotonic_ms() + REQUEST_WAIT_MS;
	size_t len = 0, n;
	int r;

	do {
		if ((r = pr_read_line(STDIN_FILENO, line, sizeof(line), deadline)) != PR_OK)
			return pr_fail(eb, r, "no complete request");
		n = strlen(line);
		if (len + n + 1 > sizeof(buf))
			return pr_fail(eb, PR_ERR_CORRUPT, "request too long");
		memcpy(buf + len, line, n);
		buf[len + n] = '\n';
		len += n + 1;
	} while (n > 0);
	return pr_verify_req_parse(buf, len, &v->req, eb);
}

/* ---- the run ------------------------------------------------------------------------------ */

static void reply(const struct verify *v, int err, bool ignore)
{
	struct pr_verify_result res = {
		.err = err, .ignore = ignore, .user_known = v->s.user_known, .need = v->s.need,
		.enrolled = v->s.creds.n, .cls = -1, .shown = ignore ? v->s.shown_err : 0,
	};
	char line[PR_VERIFY_LINE_MAX];

	if (v->s.used != NULL && v->s.outcome.flags != 0) {
		res.cls = (int)v->s.used->cls;
		res.flags = v->s.outcome.flags;
	}
	if (err != PR_OK && err != PR_ERR_CANCELLED)
		sleep(FAIL_DELAY);
	if (pr_verify_result_format(&res, line, sizeof(line)) == PR_OK)
		pr_write_line(STDOUT_FILENO, line, strlen(line));
}

/* The decision and its record, as the module's direct path makes them. */
static int decide(struct verify *v, bool *ignore)
{
	const char *note = NULL;
	int r, audited;

	if ((r = pr_signin_user(&v->s)) == PR_OK)
		r = v->req.account ? pr_signin_account(&v->s, ignore) :
		    pr_signin_auth(&v->s, ignore, &note);
	if (v->s.eb.msg[0] != '\0' && r != PR_OK)
		syslog(LOG_ERR, "credential store: %s", v->s.eb.msg);
	if (v->req.account && r == PR_OK)
		return r;     /* the direct path records account failures only */
	suid_critical_begin(&v->suid);
	audited = pr_signin_record(&v->s, v->req.account ? pr_signin_event(&v->s) :
	    (*ignore ? "auth" : pr_signin_event(&v->s)), r,
	    v->req.account ? "account" : note);
	suid_critical_end(&v->suid);
	if (audited != PR_OK) {
		syslog(LOG_ERR, "audit record not written: %s", v->s.eb.msg);
		if (r == PR_OK && !*ignore)
			r = PR_ERR_AUDIT;   /* an unrecorded success is no success */
	}
	return r;
}

/* The attempt as the request describes it, with the pipe as the user interface. */
static void setup_signin(struct verify *v)
{
	struct pr_signin *s = &v->s;

	s->user = v->req.user;
	s->service = v->req.service;
	s->tty = v->req.tty;
	s->rhost = v->req.rhost;
	s->path = "helper";
	/*
	 * The account phase's "root is the applicant" needs the host's real
	 * uid to be 0 and its PAM_RUSER: the module sends ruser= only then
	 * (its child became root all through to run us, so our own real uid
	 * says nothing about the host's), and only a trusted caller's counts.
	 */
	s->real_root = v->suid.trusted && v->req.has_ruser;
	s->ruser = s->real_root ? v->req.ruser : NULL;
	s->uv_required = v->req.uv_required;
	s->step_up = v->req.step_up;
	s->opportunistic = v->req.opportunistic;
	s->timeout = v->req.timeout;
	s->ui.pin = ui_pin;
	s->ui.touch = ui_touch;
	s->ui.arg = v;
	s->devices_begin = devices_begin;
	s->devices_end = devices_end;
	s->devices_arg = &v->suid;
}

static int run(struct verify *v)
{
	struct pr_errbuf eb = { 0 };
	bool ignore = false;
	int r;

	if (!channel_ok(STDIN_FILENO) || !channel_ok(STDOUT_FILENO)) {
		fprintf(stderr, "%s: only pam_practicerunner runs this program\n", PROG);
		return CLI_USAGE;
	}
	if ((r = read_request(v, &eb)) != PR_OK) {
		syslog(LOG_WARNING, "uid %u: request refused: %s", (unsigned)v->suid.caller_uid,
		    eb.msg);
		return CLI_USAGE;
	}
	if (!v->suid.trusted && v->req.has_ruser) {
		/* Only the module, as root, speaks for its host's real uid. */
		syslog(LOG_WARNING, "uid %u sent ruser=: refused", (unsigned)v->suid.caller_uid);
		return CLI_USAGE;
	}
	if (!v->suid.trusted && strcmp(v->req.user, v->suid.caller) != 0) {
		/* Only ever the caller's own account: no record, no state, no answer. */
		syslog(LOG_WARNING, "uid %u asked to verify another account: refused",
		    (unsigned)v->suid.caller_uid);
		return CLI_FAILED;
	}
	setup_signin(v);
	if (pr_roles_config_load(v->config, &v->cfg, &eb) != PR_OK) {
		/* As the module: no trusted log path, so syslog only. */
		syslog(LOG_ERR, "policy not loaded, denying: %s", eb.msg);
		reply(v, PR_ERR_CONFIG, false);
		return CLI_CONFIG;
	}
	v->s.cfg = v->cfg;
	r = decide(v, &ignore);
	reply(v, r, ignore);
	return r == PR_OK ? CLI_OK : CLI_FAILED;
}

int main(int argc, char **argv)
{
	static struct verify v;
	int rc;

	if ((rc = suid_begin(&v.suid, PROG, argc)) != CLI_OK)
		return rc;
	v.config = PR_DEFAULT_CONFIG;
	/* Options are the trusted caller's only (setuid.h): anyone else's are refused. */
	if (v.suid.trusted && argc == 3 && strcmp(argv[1], "--config") == 0 && argv[2][0] != '\0') {
		v.config = argv[2];
	} else if (argc != 1) {
		fprintf(stderr, "%s: takes no arguments; only pam_practicerunner runs it\n", PROG);
		return CLI_USAGE;
	}
	alarm(RUN_LIMIT_S);
	rc = run(&v);
	pr_signin_clear(&v.s);
	pr_config_free(&v.cfg);
	return rc;
}
