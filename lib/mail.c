/*
 * The mail command, run like pam_unix runs its helpers (support.c): fixed
 * program path, no shell, an empty environment but for a fixed PATH,
 * SIGCHLD at its default while we wait (so the caller's handler cannot
 * reap our child) and restored afterwards, waitpid retried on EINTR.
 * The message goes over a pipe on the command's standard input; standard
 * output and error go to /dev/null; no other descriptor is inherited.
 * SIGPIPE is blocked in the calling thread while writing, so a command
 * that exits early is an error, not the death of the caller.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "mail.h"
#include "secure_file.h"
#include "util.h"

#define MAIL_ENV_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define MAIL_MAX_ARGS 16
#define MAIL_COMMAND_MAX 1024
#define MAIL_SUBJECT_MAX 200
#define MAIL_BODY_MAX (256 * 1024)
#define MAIL_LINE_MAX 998          /* RFC 5322 */
#define MAIL_LOCAL_MAX 64
#define MAIL_ADDR_MAX 254
#define MAIL_LABEL_MAX 63
#define MAIL_CHILD_FAILED 127

/* The command split into argv; argv points into buf. */
struct mail_cmd {
	char buf[MAIL_COMMAND_MAX + 1];
	char *argv[MAIL_MAX_ARGS + 1];
};

/* ---- what may go into the message ------------------------------------------ */

static bool ascii_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* local part: letters, digits and . _ + -, not starting with . or -, no "..". */
static bool local_part_valid(const char *s, size_t n)
{
	if (n == 0 || n > MAIL_LOCAL_MAX || s[0] == '.' || s[0] == '-' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!ascii_alnum(s[i]) && strchr("._+-", s[i]) == NULL)
			return false;
		if (s[i] == '.' && s[i + 1] == '.')
			return false;
	}
	return true;
}

/* domain: dot-separated labels of letters, digits and inner hyphens. */
static bool domain_valid(const char *s)
{
	size_t label = 0;

	if (*s == '\0')
		return false;
	for (const char *p = s;; p++) {
		if (*p == '.' || *p == '\0') {
			if (label == 0 || p[-1] == '-')
				return false;
			if (*p == '\0')
				return true;
			label = 0;
			continue;
		}
		if (!ascii_alnum(*p) && (*p != '-' || label == 0))
			return false;
		if (++label > MAIL_LABEL_MAX)
			return false;
	}
}

/* A local user name, or local@domain: nothing that could end or add a header. */
static bool recipient_valid(const char *to)
{
	const char *at;

	if (to == NULL || strnlen(to, MAIL_ADDR_MAX + 1) > MAIL_ADDR_MAX)
		return false;
	if (strchr(to, '@') == NULL && pr_username_valid(to))
		return true;
	if ((at = strchr(to, '@')) == NULL || strchr(at + 1, '@') != NULL)
		return false;
	return local_part_valid(to, (size_t)(at - to)) && domain_valid(at + 1);
}

bool pr_mail_recipient_valid(const char *to)
{
	return to != NULL && recipient_valid(to);
}

static bool subject_valid(const char *s)
{
	size_t n;

	if (s == NULL || (n = strnlen(s, MAIL_SUBJECT_MAX + 1)) == 0 || n > MAIL_SUBJECT_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

/* Text lines: no control characters but tab, no lone "." (end of input to sendmail). */
static bool body_valid(const char *s)
{
	size_t line = 0;

	if (s == NULL || strnlen(s, MAIL_BODY_MAX + 1) > MAIL_BODY_MAX)
		return false;
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '\n') {
			if (line == 1 && p[-1] == '.')
				return false;
			line = 0;
			continue;
		}
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return false;
		if (*p == 0x7f || ++line > MAIL_LINE_MAX)
			return false;
	}
	return !(line == 1 && s[strlen(s) - 1] == '.');
}

/* Headers, a blank line and the body, ending in a newline. */
static int mail_compose(const char *to, const char *subject, const char *body,
    char **out, size_t *len)
{
	size_t n = strlen(body);
	int w;

	w = asprintf(out, "To: %s\nSubject: %s\nMIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n"
	    "Auto-Submitted: auto-generated\n\n%s%s", to, subject, body,
	    n > 0 && body[n - 1] == '\n' ? "" : "\n");
	if (w < 0) {
		*out = NULL;
		return PR_ERR_NOMEM;
	}
	*len = (size_t)w;
	return PR_OK;
}

/* ---- the command ------------------------------------------------------------- */

/* Split on spaces; the program must be named by absolute path. */
static int mail_split(const char *command, struct mail_cmd *cmd, struct pr_errbuf *eb)
{
	char *p, *save = NULL;
	size_t n = 0;

	if (command == NULL || command[0] != '/' ||
	    strnlen(command, MAIL_COMMAND_MAX + 1) > MAIL_COMMAND_MAX)
		return pr_fail(eb, PR_ERR_INVALID_ARG,
		    "mail command must start with an absolute path");
	memcpy(cmd->buf, command, strlen(command) + 1);
	for (p = cmd->buf; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return pr_fail(eb, PR_ERR_INVALID_ARG, "mail command contains control characters");
	for (p = strtok_r(cmd->buf, " ", &save); p != NULL; p = strtok_r(NULL, " ", &save)) {
		if (n == MAIL_MAX_ARGS)
			return pr_fail(eb, PR_ERR_INVALID_ARG, "mail command has more than %d words",
			    MAIL_MAX_ARGS);
		cmd->argv[n++] = p;
	}
	cmd->argv[n] = NULL;
	return PR_OK;
}

/* Move fd above the standard descriptors (keeping close-on-exec); -1 on error. */
static int fd_above_stdio(int fd)
{
	return fd > STDERR_FILENO ? fd : fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
}

/* Close every descriptor from 3 except keep (close-on-exec, for the exec report). */
static void close_others(int keep)
{
	long max;

#ifdef SYS_close_range
	if ((keep == 3 || syscall(SYS_close_range, 3U, (unsigned)keep - 1, 0U) == 0) &&
	    syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0U) == 0)
		return;
#endif
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (int fd = 3; fd < max; fd++)
		if (fd != keep)
			close(fd);
}

/*
 * A full root identity, as pam_unix gives its helpers when effectively
 * root: su, sudo or a setuid helper started by a user still carries that
 * user's gid and supplementary groups, which must not reach the mail
 * command. Groups first (setgroups needs the privilege setuid gives up),
 * every step checked, and the result too.
 */
static int root_identity(void)
{
	if (setgroups(0, NULL) != 0 || setgid(0) != 0 || setuid(0) != 0)
		return -1;
	if (getuid() != 0 || geteuid() != 0 || getgid() != 0 || getegid() != 0 ||
	    getgroups(0, NULL) != 0) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

/*
 * In the child: only async-signal-safe calls. Standard input from the
 * pipe, output and error to /dev/null, default signals, a full root
 * identity when effectively root, then exec. On failure, errno goes back
 * over report_fd.
 */
__attribute__((noreturn))
static void mail_child(char *const argv[], int in_fd, int report_fd)
{
	static char env_path[] = MAIL_ENV_PATH;
	char *const envp[] = { env_path, NULL };
	struct sigaction dfl;
	sigset_t none;
	int null_fd, e;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if ((in_fd = fd_above_stdio(in_fd)) < 0 || (report_fd = fd_above_stdio(report_fd)) < 0 ||
	    dup2(in_fd, STDIN_FILENO) < 0 ||
	    (null_fd = open("/dev/null", O_WRONLY | O_NOCTTY)) < 0 ||
	    dup2(null_fd, STDOUT_FILENO) < 0 || dup2(null_fd, STDERR_FILENO) < 0)
		goto fail;
	close_others(report_fd);
	if (geteuid() == 0 && root_identity() != 0)
		goto fail;
	execve(argv[0], argv, envp);
fail:
	e = errno;
	if (report_fd >= 0)
		(void)!write(report_fd, &e, sizeof(e));
	_exit(MAIL_CHILD_FAILED);
}

/* The errno of a failed exec, or 0 when the exec happened (the pipe closed). */
static int read_exec_report(int fd)
{
	ssize_t n;
	int e = 0;

	do {
		n = read(fd, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(e) ? (e != 0 ? e : EIO) : 0;
}

static int wait_child(pid_t pid, int *status)
{
	pid_t w;

	do {
		w = waitpid(pid, status, 0);
	} while (w < 0 && errno == EINTR);
	return w == pid ? PR_OK : PR_ERR_IO;
}

/* Write the message with SIGPIPE blocked; a SIGPIPE we caused is taken back. */
static int write_message(int fd, const char *msg, size_t len)
{
	static const struct timespec zero = { 0, 0 };
	sigset_t pipe_set, saved, pending;
	bool was_pending;
	int r;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE) == 1;
	pthread_sigmask(SIG_BLOCK, &pipe_set, &saved);
	r = pr_write_all(fd, msg, len);
	if (r != PR_OK && errno == EPIPE && !was_pending)
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	return r;
}

static int child_result(const char *prog, int status, int write_r, struct pr_errbuf *eb)
{
	if (WIFSIGNALED(status))
		return pr_fail(eb, PR_ERR_IO, "mail command %s was killed by signal %d", prog,
		    WTERMSIG(status));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return pr_fail(eb, PR_ERR_IO, "mail command %s failed (exit status %d)", prog,
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	if (write_r != PR_OK)
		return pr_fail(eb, PR_ERR_IO, "mail command %s did not read the whole message", prog);
	return PR_OK;
}

/* Fork, exec, feed, reap; SIGCHLD is the default meanwhile. */
static int mail_run(struct mail_cmd *cmd, const char *msg, size_t len,
    struct pr_errbuf *eb)
{
	struct sigaction dfl, saved_chld;
	int in[2] = { -1, -1 }, rep[2] = { -1, -1 };
	int status = 0, exec_errno, write_r = PR_OK, r;
	pid_t pid = -1;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &dfl, &saved_chld);
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(rep, O_CLOEXEC) != 0) {
		r = pr_fail(eb, PR_ERR_IO, "cannot run mail command %s: %s", cmd->argv[0],
		    strerror(errno));
		goto out;
	}
	if ((pid = fork()) < 0) {
		r = pr_fail(eb, PR_ERR_IO, "cannot run mail command %s: %s", cmd->argv[0],
		    strerror(errno));
		goto out;
	}
	if (pid == 0)
		mail_child(cmd->argv, in[0], rep[1]);
	close(in[0]);
	close(rep[1]);
	in[0] = rep[1] = -1;
	if ((exec_errno = read_exec_report(rep[0])) == 0)
		write_r = write_message(in[1], msg, len);
	close(in[1]);
	in[1] = -1;
	if (wait_child(pid, &status) != PR_OK)
		r = pr_fail(eb, PR_ERR_IO, "mail command %s: lost track of it", cmd->argv[0]);
	else if (exec_errno != 0)
		r = pr_fail(eb, PR_ERR_IO, "cannot run mail command %s: %s", cmd->argv[0],
		    strerror(exec_errno));
	else
		r = child_result(cmd->argv[0], status, write_r, eb);
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (rep[i] >= 0)
			close(rep[i]);
	}
	sigaction(SIGCHLD, &saved_chld, NULL);
	return r;
}

int pr_mail_send(const char *mail_command, const char *to, const char *subject,
    const char *body, struct pr_errbuf *eb)
{
	struct mail_cmd cmd;
	char *msg = NULL;
	size_t len = 0;
	int r;

	if (!recipient_valid(to))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "not a valid mail recipient");
	if (!subject_valid(subject))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "mail subject must be one line of printable ASCII");
	if (!body_valid(body))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "mail body is not plain text lines");
	if ((r = mail_split(mail_command, &cmd, eb)) != PR_OK)
		return r;
	if ((r = mail_compose(to, subject, body, &msg, &len)) != PR_OK)
		return pr_fail(eb, r, "cannot compose the message: %s", pr_strerror(r));
	r = mail_run(&cmd, msg, len, eb);
	/* The body may hold a one-time secret. */
	pr_secret_free(&msg, len);
	return r;
}
