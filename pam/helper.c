/*
 * The unprivileged path: the module runs as the user (a screen locker) and
 * cannot read the root-only credential store, so practicerunner-verify
 * (setuid root, at its built-in path, like unix_chkpwd for pam_unix)
 * decides and records over a socket (lib/verify_proto.h), and the module
 * talks to the user: the touch cue, the PIN prompt, the same messages as
 * the direct path from the reason it returns.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>

#include "err.h"
#include "module.h"
#include "util.h"
#include "verify_proto.h"

#ifndef PR_VERIFY_HELPER
#define PR_VERIFY_HELPER "/usr/sbin/practicerunner-verify"
#endif
#define LINE_WAIT_MS 660000   /* the longest touch (600 s) and then some */

/* A PAM item as the protocol can carry it: printable, no '=', bounded. */
static void item_text(pam_handle_t *pamh, int item, char out[PR_VERIFY_TEXT_MAX + 1])
{
	const void *v = NULL;
	const char *s;
	size_t n = 0;

	if (pam_get_item(pamh, item, &v) == PAM_SUCCESS && v != NULL)
		for (s = v; *s != '\0' && n < PR_VERIFY_TEXT_MAX; s++)
			out[n++] = *s < 0x20 || *s > 0x7e || *s == '=' ? '?' : *s;
	out[n] = '\0';
}

static void build_request(struct pam_tx *tx, bool account, struct pr_verify_req *q)
{
	memset(q, 0, sizeof(*q));
	q->account = account;
	snprintf(q->user, sizeof(q->user), "%s", tx->s.user);
	item_text(tx->pamh, PAM_SERVICE, q->service);
	item_text(tx->pamh, PAM_TTY, q->tty);
	item_text(tx->pamh, PAM_RHOST, q->rhost);
	q->uv_required = tx->opts.uv_required;
	q->step_up = tx->opts.step_up;
	q->opportunistic = tx->opts.opportunistic;
	q->timeout = tx->opts.timeout;
	/* The account phase's "root is the applicant": the helper cannot see our real uid. */
	if (tx->helper_as_root && getuid() == 0) {
		q->has_ruser = true;
		item_text(tx->pamh, PAM_RUSER, q->ruser);
	}
}

/*
 * In the child, as root in a host the user controls: root all through, so
 * the helper sees a trusted caller (real uid 0) that may name this PAM
 * user, and so the user can no longer signal it. false when not so.
 */
static bool child_all_root(void)
{
	uid_t r, e, s;

	if (setgroups(0, NULL) != 0 || setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0)
		return false;
	return getresuid(&r, &e, &s) == 0 && r == 0 && e == 0 && s == 0;
}

/*
 * The helper on the far end of sock, with nothing else of ours: fds,
 * signals, environment. config (as_root only) is the module's config=.
 */
static void exec_helper(int sock, bool as_root, const char *config)
{
	char *const argv[] = { "practicerunner-verify", config != NULL ? "--config" : NULL,
		(char *)config, NULL };
	char *const envp[] = { NULL };
	sigset_t none;
	int devnull;

	if (dup2(sock, STDIN_FILENO) < 0 || dup2(sock, STDOUT_FILENO) < 0)
		_exit(127);
	if ((devnull = open("/dev/null", O_WRONLY)) >= 0)
		dup2(devnull, STDERR_FILENO);
	closefrom(3);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (as_root && !child_all_root())
		_exit(126);
	execve(PR_VERIFY_HELPER, argv, envp);
	_exit(127);
}

/* Answer "pin" through the conversation; a cancel is sent as such. */
static int answer_pin(struct pam_tx *tx, int sock)
{
	char *pin = NULL, *line = NULL;
	int r;

	if (tx->s.ui.pin(tx->s.ui.arg, &pin) != PR_OK || strlen(pin) > PR_VERIFY_PIN_MAX ||
	    strchr(pin, '\n') != NULL)
		r = pr_write_line(sock, "cancel\n", 7);
	else if (asprintf(&line, "pin %s\n", pin) < 0)
		r = PR_ERR_NOMEM;
	else
		r = pr_write_line(sock, line, strlen(line));
	pr_secret_strfree(&pin);
	pr_secret_strfree(&line);
	return r;
}

/* Lines from the helper until its result. */
static int converse(struct pam_tx *tx, int sock, struct pr_verify_result *res)
{
	char line[PR_VERIFY_LINE_MAX];
	struct pr_errbuf eb = { 0 };
	int r;

	for (;;) {
		if ((r = pr_read_line(sock, line, sizeof(line),
		    pr_monotonic_ms() + LINE_WAIT_MS)) != PR_OK)
			return r;
		if (strcmp(line, "touch") == 0) {
			if (tx->s.ui.touch != NULL)
				tx->s.ui.touch(tx->s.ui.arg);
		} else if (strcmp(line, "pin") == 0) {
			if ((r = answer_pin(tx, sock)) != PR_OK)
				return r;
		} else {
			if ((r = pr_verify_result_parse(line, res, &eb)) != PR_OK)
				pam_syslog(tx->pamh, LOG_ERR, "%s", eb.msg);
			return r;
		}
	}
}

/* Run the helper; res holds its answer when PR_OK. */
static int run_helper(struct pam_tx *tx, const char *request, size_t len,
    struct pr_verify_result *res)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL }, saved;
	int sv[2], status = 0, r;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return PR_ERR_IO;
	/* The application's SIGCHLD handler must not reap our child first. */
	sigaction(SIGCHLD, &dfl, &saved);
	if ((pid = fork()) == 0)
		exec_helper(sv[1], tx->helper_as_root,
		    tx->helper_as_root ? tx->opts.config : NULL);
	close(sv[1]);
	r = pid < 0 ? PR_ERR_IO : pr_write_line(sv[0], request, len);
	if (r == PR_OK)
		r = converse(tx, sv[0], res);
	close(sv[0]);
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGCHLD, &saved, NULL);
	if (r != PR_OK && WIFEXITED(status) && WEXITSTATUS(status) == 127)
		pam_syslog(tx->pamh, LOG_ERR, "%s could not be run: it must be installed setuid "
		    "root for sign-in as an ordinary user (screen lockers)", PR_VERIFY_HELPER);
	else if (r != PR_OK)
		pam_syslog(tx->pamh, LOG_ERR, "no answer from %s", PR_VERIFY_HELPER);
	return r;
}

int pam_tx_helper(struct pam_tx *tx, bool account, bool *ignore)
{
	struct pr_verify_result res;
	struct pr_verify_req q;
	char *request = NULL;
	size_t len = 0;
	int r;

	*ignore = false;
	build_request(tx, account, &q);
	if ((r = pr_verify_req_format(&q, &request, &len)) != PR_OK)
		return r;
	r = run_helper(tx, request, len, &res);
	free(request);
	if (r != PR_OK)
		return r == PR_ERR_NOMEM ? r : PR_ERR_IO;   /* could not check */
	tx->s.user_known = res.user_known;
	tx->s.need = res.need;
	tx->enrolled = res.enrolled;
	tx->helper_cls = res.cls;
	tx->helper_flags = res.flags;
	tx->s.shown_err = res.shown;
	*ignore = res.ignore;
	return res.err;
}
