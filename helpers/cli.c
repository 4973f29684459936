/* Shared command-line plumbing for practicerunner-admin and the helpers. */
#include "config.h"

#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "roles.h"
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
	struct pr_errbuf eb = { "" };
	const char *path = c->config_path != NULL ? c->config_path : PR_DEFAULT_CONFIG;

	if (pr_config_load(path, &c->cfg, &eb) != PR_OK) {
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

/* Read one line from fd into a secret buffer, echo off when it is a terminal. */
static int read_secret_line(int fd, char **out)
{
	struct termios saved, quiet;
	bool tty = tcgetattr(fd, &saved) == 0;
	char *buf = NULL;
	size_t n = 0;
	char ch;
	int r = PR_ERR_CANCELLED;

	if ((buf = calloc(1, PIN_MAX + 1)) == NULL)
		return PR_ERR_NOMEM;
	if (tty) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	while (read(fd, &ch, 1) == 1 && ch != '\n' && n < PIN_MAX)
		buf[n++] = ch;
	if (tty) {
		tcsetattr(fd, TCSAFLUSH, &saved);
		fputc('\n', stderr);
	}
	if (n > 0 && n < PIN_MAX) {
		*out = buf;
		buf = NULL;
		r = PR_OK;
	}
	pr_secret_free(&buf, PIN_MAX + 1);
	return r;
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

int cli_audit(const struct cli *c, const char *event, int err, const char *user,
    const struct pr_cred *cred, const char *detail)
{
	struct pr_audit_event ev = { .flags = -1, .sign_count = -1 };
	struct pr_errbuf eb = { "" };
	enum pr_role role;
	enum pr_need need;
	char *cred_id = NULL;
	char aaguid[37];
	int r;

	ev.event = event;
	ev.success = err == PR_OK;
	ev.reason = err == PR_OK ? NULL : pr_err_reason(err);
	ev.user = user;
	if (user != NULL && pr_user_need(c->cfg, user, &role, &need) == PR_OK)
		ev.role = pr_role_name(role);
	ev.service = c->prog;
	ev.rp_id = c->cfg->rp_id;
	ev.actor = cli_actor();
	ev.detail = detail;
	if (cred != NULL) {
		cred_id = pr_b64url_encode(cred->id, cred->id_len);
		pr_aaguid_format(cred->aaguid, aaguid);
		ev.cred_id = cred_id;
		ev.aaguid = aaguid;
		ev.flags = cred->flags;
		ev.sign_count = cred->sign_count;
		ev.cred_class = pr_class_name(cred->cls);
		ev.method = cred->cls == PR_CLASS_PHYSICAL ? "security-key" : "passkey";
	}
	if ((r = pr_audit_append(c->cfg->audit_log, &ev, &eb)) != PR_OK)
		cli_err(c, "audit record not written: %s", eb.msg);
	free(cred_id);
	return r;
}
