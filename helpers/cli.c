/* Shared command-line plumbing for practicerunner-admin and the helpers. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "audit_intent.h"
#include "cli.h"
#include "err.h"
#include "roles.h"
#include "transport.h"
#include "util.h"

#define PIN_MAX 256

void cli_err(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", c->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_load_config(struct cli *c)
{
	struct pr_errbuf eb = { 0 };
	const char *path = c->config_path != NULL ? c->config_path : PR_DEFAULT_CONFIG;

	if (pr_roles_config_load(path, &c->cfg, &eb) != PR_OK) {
		cli_err(c, "%s", eb.msg);
		return CLI_CONFIG;
	}
	return CLI_OK;
}

int cli_exit_code(int err)
{
	switch (err) {
	case PR_OK:
		return CLI_OK;
	case PR_ERR_CONFIG:
		return CLI_CONFIG;
	case PR_ERR_CORRUPT:
	case PR_ERR_UNSAFE_FILE:
	case PR_ERR_IO:
	case PR_ERR_LOCK:
	case PR_ERR_BUSY:
	case PR_ERR_DIR_CONFLICT:  /* lost a race with another host: try again */
	case PR_ERR_AUDIT:
		return CLI_STATE;
	case PR_ERR_INVALID_ARG:
		return CLI_USAGE;
	default:
		return CLI_FAILED;
	}
}

bool cli_require_root(const struct cli *c)
{
	if (geteuid() == 0)
		return true;
	cli_err(c, "this command must be run as root");
	return false;
}

static volatile sig_atomic_t prompt_interrupted;

static void on_prompt_signal(int sig)
{
	prompt_interrupted = sig;
}

static const int prompt_signals[] = { SIGINT, SIGQUIT, SIGHUP, SIGTERM };
#define N_PROMPT_SIGNALS (sizeof(prompt_signals) / sizeof(prompt_signals[0]))

/* No SA_RESTART: a signal ends the read with EINTR, so the loop can stop. */
static void prompt_signals_catch(struct sigaction saved[N_PROMPT_SIGNALS])
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_prompt_signal;
	sigemptyset(&sa.sa_mask);
	prompt_interrupted = 0;
	for (size_t i = 0; i < N_PROMPT_SIGNALS; i++)
		sigaction(prompt_signals[i], &sa, &saved[i]);
}

static void prompt_signals_restore(const struct sigaction saved[N_PROMPT_SIGNALS])
{
	for (size_t i = 0; i < N_PROMPT_SIGNALS; i++)
		sigaction(prompt_signals[i], &saved[i], NULL);
}

/* Bytes up to newline or end of input; one byte at a time so nothing after the line is consumed. */
static void read_line_bytes(int fd, char *buf, size_t max, size_t *n, bool *nul)
{
	ssize_t got;
	char ch;

	while ((got = read(fd, &ch, 1)) == 1 || (got < 0 && errno == EINTR)) {
		if (prompt_interrupted)
			break;
		if (got != 1)
			continue;
		if (ch == '\n')
			break;
		*nul |= ch == '\0';
		if (*n <= max)
			buf[(*n)++] = ch;    /* one byte past max marks "too long" */
	}
}

int cli_read_secret(int fd, size_t max, char **out)
{
	struct sigaction saved_sa[N_PROMPT_SIGNALS];
	struct termios saved, quiet;
	bool tty = tcgetattr(fd, &saved) == 0;
	char *buf = NULL;
	size_t n = 0;
	bool nul = false;
	int r = PR_ERR_INVALID_ARG;

	*out = NULL;
	if ((buf = calloc(1, max + 2)) == NULL)
		return PR_ERR_NOMEM;
	if (tty) {
		prompt_signals_catch(saved_sa);
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	read_line_bytes(fd, buf, max, &n, &nul);
	if (tty) {
		tcsetattr(fd, TCSAFLUSH, &saved);   /* echo back before anything else */
		prompt_signals_restore(saved_sa);
		fputc('\n', stderr);
	}
	if (prompt_interrupted) {
		explicit_bzero(buf, max + 2);
		raise(prompt_interrupted);          /* its default action, now echo is back */
		r = PR_ERR_CANCELLED;
	} else if (n <= max && !nul) {
		*out = buf;
		buf = NULL;
		r = PR_OK;
	}
	pr_secret_free(&buf, max + 2);
	return r;
}

/* A PIN line: empty, too long or interrupted is a cancel. */
static int read_secret_line(int fd, char **out)
{
	int r = cli_read_secret(fd, PIN_MAX - 1, out);

	if (r == PR_OK && (*out)[0] == '\0') {
		pr_secret_strfree(out);
		r = PR_ERR_CANCELLED;
	}
	return r == PR_ERR_INVALID_ARG ? PR_ERR_CANCELLED : r;
}

/* The PIN from standard input when it is a pipe (scripts), else from the terminal. */
static int ui_pin(void *arg, char **pin)
{
	int fd = -1;
	int r;

	(void)arg;
	if (isatty(STDIN_FILENO))
		fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	fprintf(stderr, "PIN for the security key: ");
	fflush(stderr);
	r = read_secret_line(fd >= 0 ? fd : STDIN_FILENO, pin);
	if (fd >= 0)
		close(fd);
	return r;
}

static void ui_touch(void *arg)
{
	(void)arg;
	fprintf(stderr, "Touch the security key now.\n");
}

void cli_ui(struct pr_ui *ui)
{
	ui->pin = ui_pin;
	ui->touch = ui_touch;
	ui->arg = NULL;
}

/* The person behind the real uid: the audit login uid names them through sudo. */
const char *cli_actor(void)
{
	static char actor[128];
	struct passwd *pw = getpwuid(getuid());
	unsigned long login = (unsigned long)-1;
	struct passwd *lpw;
	FILE *f;

	snprintf(actor, sizeof(actor), "%s", pw != NULL ? pw->pw_name : "(unknown)");
	if ((f = fopen("/proc/self/loginuid", "re")) != NULL) {
		if (fscanf(f, "%lu", &login) != 1)
			login = (unsigned long)-1;
		fclose(f);
	}
	if (login != (unsigned long)-1 && login != 4294967295UL && login != (unsigned long)getuid() &&
	    (lpw = getpwuid((uid_t)login)) != NULL)
		snprintf(actor, sizeof(actor), "%s(login:%s)", pw != NULL ? pw->pw_name : "?", lpw->pw_name);
	return actor;
}

const char *cli_date(int64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		return "never";
	strftime(buf, 32, "%Y-%m-%d", &tm);
	return buf;
}

/*
 * The change this process has begun and not yet recorded (audit_intent.h).
 * The programs are single-threaded and make one change at a time; the
 * record of the same event ends it.
 */
static struct {
	struct pr_audit_intent *intent;
	char event[32];
} pending;

int cli_intent_begin(const struct cli *c, const struct pr_audit_event *ev)
{
	struct pr_errbuf eb = { 0 };
	int r;

	/* A change begun and never settled stays on file: recorded once we are gone. */
	pr_audit_intent_keep(&pending.intent);
	if ((r = pr_audit_intent_begin(c->cfg->audit_log, ev, &pending.intent, &eb)) != PR_OK) {
		cli_err(c, "nothing was changed: %s", eb.msg);
		return r;
	}
	snprintf(pending.event, sizeof(pending.event), "%s", ev->event);
	return PR_OK;
}

void cli_intent_settle(const char *event, int change_err, int record_err)
{
	if (pending.intent == NULL || strcmp(event, pending.event) != 0)
		return;
	/* A change recorded, or none made: nothing left to record. */
	if (change_err != PR_OK || record_err == PR_OK)
		pr_audit_intent_end(&pending.intent);
}

void cli_audit_undone(void)
{
	pr_audit_intent_end(&pending.intent);
}

void cli_after_commit(const char *event, int err)
{
	char point[48];

	if (err != PR_OK)
		return;
	snprintf(point, sizeof(point), "commit-%s", event);
	pr_transport_test_point(point);
}

const char *cli_tty(void)
{
	static char tty[64];

	if (!isatty(STDIN_FILENO) || ttyname_r(STDIN_FILENO, tty, sizeof(tty)) != 0)
		return NULL;
	return strncmp(tty, "/dev/", 5) == 0 ? tty + 5 : tty;
}

int cli_audit_event(const struct cli *c, const char *actor, const struct pr_audit_what *what,
    struct pr_audit_built *b)
{
	const struct pr_audit_who who = {
		.cfg = c->cfg, .actor = actor != NULL ? actor : cli_actor(), .service = c->prog,
		.tty = cli_tty(),
	};
	struct pr_audit_what w = *what;
	enum pr_role role;
	enum pr_need need;

	if (w.role == NULL && w.user != NULL && pr_user_need(c->cfg, w.user, &role, &need) == PR_OK)
		w.role = pr_role_name(role);
	return pr_audit_build(&who, &w, b);
}

/* The record of an admin action (cli_audit); clear b after use. */
static int event_make(const struct cli *c, struct pr_audit_built *b, const char *event, int err,
    const char *user, const struct pr_cred *cred, const char *detail)
{
	const struct pr_audit_what what = {
		.event = event, .err = err, .user = user, .cred = cred, .detail = detail,
	};

	return cli_audit_event(c, NULL, &what, b);
}

int cli_audit_begin(const struct cli *c, const char *event, const char *user,
    const struct pr_cred *cred, const char *detail)
{
	struct pr_audit_built b;
	int r;

	if ((r = event_make(c, &b, event, PR_OK, user, cred, detail)) != PR_OK) {
		cli_err(c, "nothing was changed: %s", pr_strerror(r));
		return r;
	}
	r = cli_intent_begin(c, &b.ev);
	pr_audit_built_clear(&b);
	return r;
}

int cli_audit(const struct cli *c, const char *event, int err, const char *user,
    const struct pr_cred *cred, const char *detail)
{
	struct pr_errbuf eb = { 0 };
	struct pr_audit_built b;
	int r;

	cli_after_commit(event, err);
	if ((r = event_make(c, &b, event, err, user, cred, detail)) != PR_OK)
		pr_fail(&eb, r, "%s", pr_strerror(r));
	else
		r = pr_audit_append(c->cfg->audit_log, &b.ev, &eb);
	if (r != PR_OK)
		cli_err(c, "audit record not written: %s", eb.msg);
	cli_intent_settle(event, err, r);
	pr_audit_built_clear(&b);
	return r;
}

/* "30m", "72h", "7d" (or "90s"): a positive whole number and one unit. */
bool cli_parse_duration(const char *s, int64_t max, int64_t *out)
{
	static const struct {
		char unit;
		int64_t seconds;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	int64_t v = 0;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		if (v > max)
			return false;
		v = v * 10 + (*p - '0');
	}
	if (p == s || v == 0 || p[0] == '\0' || p[1] != '\0')
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (units[i].unit != *p)
			continue;
		if (v > max / units[i].seconds)
			return false;
		*out = v * units[i].seconds;
		return true;
	}
	return false;
}
