/*
 * The setuid helpers' privilege model (see setuid.h for the whole of it):
 * a sane process first, then who the caller is, then root for state files
 * and the caller's own rights for device I/O.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "proc_control.h"
#include "setuid.h"
#include "util.h"

#define SUID_MAX_SAVED_ENV 16
#define SUID_NOFILE 1024
#define SUID_STACK (8 * 1024 * 1024)

extern char **environ;

/* Step 1a: fds 0-2 open. Before anything else can open a file. */
static bool fds_std_open(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int nfd;

		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		/* The lowest free number: this very fd. */
		if ((nfd = open("/dev/null", O_RDWR | O_NOCTTY)) != fd) {
			if (nfd >= 0)
				close(nfd);
			return false;
		}
	}
	return true;
}

/* Step 1b: nothing inherited above 2 (pipes, files, sockets of the caller). */
static bool fds_close_rest(void)
{
	DIR *d;
	struct dirent *e;
	int dfd;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
		return true;
#endif
	if ((d = opendir("/proc/self/fd")) == NULL)
		return false;
	dfd = dirfd(d);
	while ((e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || *end != '\0')
			continue;
		if (fd > 2 && fd != dfd)
			close((int)fd);
	}
	closedir(d);
	return true;
}

/* Step 4: limits and timers the caller set for us (itimers survive exec). */
static bool limits_reset(void)
{
	static const int unlimited[] = { RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_AS };
	static const int timers[] = { ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF };
	const struct rlimit inf = { RLIM_INFINITY, RLIM_INFINITY };
	const struct rlimit zero = { 0, 0 };
	const struct rlimit files = { SUID_NOFILE, SUID_NOFILE };
	/* A tiny stack would let the caller crash us between a commit and its audit record. */
	const struct rlimit stack = { SUID_STACK, SUID_STACK };
	const struct itimerval off = { { 0, 0 }, { 0, 0 } };

	for (size_t i = 0; i < sizeof(unlimited) / sizeof(unlimited[0]); i++)
		if (setrlimit(unlimited[i], &inf) != 0)
			return false;
	for (size_t i = 0; i < sizeof(timers) / sizeof(timers[0]); i++)
		if (setitimer(timers[i], &off, NULL) != 0)
			return false;
	alarm(0);
	return setrlimit(RLIMIT_CORE, &zero) == 0 && setrlimit(RLIMIT_NOFILE, &files) == 0 &&
	    setrlimit(RLIMIT_STACK, &stack) == 0;
}

/*
 * Step 4: default dispositions (ignored ones survive exec), nothing blocked;
 * job-control stops ignored: a stopped helper could hold the audit or store
 * lock and freeze every sign-in (the terminal stops us whatever our uid).
 */
static bool signals_reset(void)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		sa.sa_handler = sig == SIGPIPE || sig == SIGTSTP || sig == SIGTTIN ||
		    sig == SIGTTOU ? SIG_IGN : SIG_DFL;
		/* EINVAL for numbers the C library keeps for itself: skip those. */
		if (sigaction(sig, &sa, NULL) != 0 && errno != EINVAL)
			return false;
	}
	sigemptyset(&none);
	return sigprocmask(SIG_SETMASK, &none, NULL) == 0;
}

/*
 * Step 5: an empty environment plus PATH. A trusted caller's
 * PRACTICERUNNER_* variables are copied first and put back after.
 */
static bool env_reset(bool trusted)
{
	char *keep[SUID_MAX_SAVED_ENV];
	size_t n = 0, put = 0;
	bool ok = false;

	for (char **e = environ; trusted && e != NULL && *e != NULL; e++) {
		if (strncmp(*e, SUID_ENV_PREFIX, strlen(SUID_ENV_PREFIX)) != 0 ||
		    strchr(*e, '=') == NULL || n == SUID_MAX_SAVED_ENV)
			continue;
		if ((keep[n] = strdup(*e)) == NULL)
			goto out;
		n++;
	}
	if (clearenv() != 0 || setenv("PATH", SUID_PATH, 1) != 0)
		goto out;
	/* putenv keeps the strings: from then on they belong to the environment. */
	for (; put < n; put++)
		if (putenv(keep[put]) != 0)
			goto out;
	ok = true;
out:
	for (size_t i = put; i < n; i++)
		free(keep[i]);
	return ok;
}

/* The login uid (pam_loginuid; the caller cannot change it): -1 when unset. */
static long login_uid(void)
{
	char buf[32] = "";
	ssize_t n;
	long v;
	char *end;
	int fd;

	if ((fd = open("/proc/self/loginuid", O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || v < 0 || v >= 4294967295L)
		return -1;
	return v;
}

/* Step 6: the caller's name and the audit actor. */
static int caller_identify(struct suid *s)
{
	struct passwd *pw;
	long login;
	int n;

	if ((pw = getpwuid(s->caller_uid)) == NULL) {
		fprintf(stderr, "%s: your user id %lu has no account entry; nothing done\n",
		    s->prog, (unsigned long)s->caller_uid);
		return CLI_FAILED;
	}
	/* The name is not printed: it may hold anything useradd --badname let in. */
	if (!pr_username_valid(pw->pw_name) || pw->pw_uid != s->caller_uid ||
	    (n = snprintf(s->caller, sizeof(s->caller), "%s", pw->pw_name)) < 0 ||
	    (size_t)n >= sizeof(s->caller)) {
		fprintf(stderr, "%s: your user name is not one this program can act on "
		    "(letters, digits, '_', and '.', '@', '-' after the first character); "
		    "ask an administrator\n", s->prog);
		return CLI_FAILED;
	}
	snprintf(s->actor, sizeof(s->actor), "%s", s->caller);
	login = login_uid();
	if (login >= 0 && (uid_t)login != s->caller_uid && (pw = getpwuid((uid_t)login)) != NULL &&
	    pr_username_valid(pw->pw_name))
		snprintf(s->actor, sizeof(s->actor), "%s(login:%s)", s->caller, pw->pw_name);
	return CLI_OK;
}

static bool ids_are(uid_t ru, uid_t eu, uid_t su, gid_t rg, gid_t eg, gid_t sg)
{
	uid_t r, e, sv;
	gid_t gr, ge, gs;

	return getresuid(&r, &e, &sv) == 0 && getresgid(&gr, &ge, &gs) == 0 &&
	    r == ru && e == eu && sv == su && gr == rg && ge == eg && gs == sg &&
	    (uid_t)setfsuid((uid_t)-1) == eu && (gid_t)setfsgid((gid_t)-1) == eg;
}

/* Step 7: root all through, so the caller can no longer signal or trace us. */
static bool become_root(void)
{
	if (setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0)
		return false;
	return ids_are(0, 0, 0, 0, 0, 0);
}

/*
 * Step 8: out of the caller's control before any lock is taken. The caller
 * can no longer signal us (step 7), but a cgroup v2 subtree they own
 * (systemd's user@UID.service) would let them freeze or kill us while we
 * hold the audit log's lock, and the scheduling they exec'd us with
 * (SCHED_IDLE, nice 19, oom_score_adj 1000) would let them starve us.
 * The root cgroup has no cgroup.freeze or cgroup.kill and only root
 * writes it. Where we cannot move there (no cgroup v2, a cgroup
 * namespace), we go on only if no one but root controls where we are.
 */
static int leave_caller_control(const char *prog)
{
	struct pr_errbuf eb = { 0 };
	const char *what;

	/* Whether or not the move happened, what counts is where we are now. */
	(void)pr_proc_leave_cgroup();
	if (pr_proc_cgroup_state(&eb) != PR_CGROUP_SAFE) {
		fprintf(stderr, "%s: runs in a control group its caller can freeze or kill (%s) "
		    "and could not leave it, so it could hold up other people's sign-ins; "
		    "nothing done. Ask an administrator (see %s(8)).\n", prog,
		    eb.msg[0] != '\0' ? eb.msg : "unreadable", prog);
		return CLI_FAILED;
	}
	if ((what = pr_proc_sched_reset()) != NULL) {
		fprintf(stderr, "%s: cannot reset its %s to the default, so its caller could "
		    "starve it while it holds up other people's sign-ins; nothing done\n",
		    prog, what);
		return CLI_FAILED;
	}
	return CLI_OK;
}

int suid_begin(struct suid *s, const char *prog, int argc)
{
	memset(s, 0, sizeof(*s));
	s->prog = prog;
	if (!fds_std_open())
		_exit(CLI_FAILED);  /* nowhere to say so */
	if (!fds_close_rest()) {
		fprintf(stderr, "%s: cannot close inherited file descriptors\n", prog);
		return CLI_FAILED;
	}
	if (argc < 1) {
		fprintf(stderr, "%s: started without arguments (not even its name); refused\n", prog);
		return CLI_USAGE;
	}
	s->caller_uid = getuid();
	s->caller_gid = getgid();
	s->trusted = s->caller_uid == 0;
	if (geteuid() != 0 && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1) {
		fprintf(stderr, "%s: started with no_new_privs set (e.g. NoNewPrivileges=), "
		    "so it cannot gain the root rights it needs; nothing done\n", prog);
		return CLI_FAILED;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "%s: %s must be installed setuid root (owner root, mode 4755) "
		    "on a file system mounted without nosuid\n", prog, prog);
		return CLI_FAILED;
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || !limits_reset() || !signals_reset()) {
		fprintf(stderr, "%s: cannot set up a safe process state\n", prog);
		return CLI_FAILED;
	}
	umask(077);
	if (chdir("/") != 0 || !env_reset(s->trusted)) {
		fprintf(stderr, "%s: cannot set up a safe process state\n", prog);
		return CLI_FAILED;
	}
	/* The syslog ident would otherwise come from argv[0], which the caller chose. */
	openlog(prog, LOG_PID, LOG_AUTHPRIV);
	if (caller_identify(s) != CLI_OK)
		return CLI_FAILED;
	if (!become_root()) {
		fprintf(stderr, "%s: cannot switch to root's user and group ids\n", prog);
		return CLI_FAILED;
	}
	return leave_caller_control(prog);
}

int suid_drop(struct suid *s)
{
	if (s->trusted)
		return PR_OK;   /* root's own request: no one else to be */
	if (s->dropped)
		return PR_ERR_PERM;
	/* Group first: once the uid is the caller's, the gid can no longer change. */
	if (setresgid((gid_t)-1, s->caller_gid, (gid_t)-1) != 0 ||
	    setresuid((uid_t)-1, s->caller_uid, (uid_t)-1) != 0 ||
	    !ids_are(0, s->caller_uid, 0, 0, s->caller_gid, 0)) {
		s->dropped = true;
		suid_regain(s);
		fprintf(stderr, "%s: cannot switch to your user id for the security key; "
		    "nothing done\n", s->prog);
		return PR_ERR_PERM;
	}
	s->dropped = true;
	/* An euid change resets dumpability to fs.suid_dumpable: keep it off. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return PR_OK;
}

void suid_regain(struct suid *s)
{
	if (!s->dropped)
		return;
	if (setresuid((uid_t)-1, 0, (uid_t)-1) != 0 || setresgid((gid_t)-1, 0, (gid_t)-1) != 0 ||
	    !ids_are(0, 0, 0, 0, 0, 0)) {
		fprintf(stderr, "%s: cannot switch back to root; stopping\n", s->prog);
		_exit(CLI_FAILED);
	}
	s->dropped = false;
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

void suid_critical_begin(struct suid *s)
{
	sigset_t all;

	if (s->critical)
		return;
	sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, &s->saved_mask) != 0) {
		fprintf(stderr, "%s: cannot block signals; stopping before any change\n", s->prog);
		_exit(CLI_FAILED);
	}
	s->critical = true;
}

void suid_critical_end(struct suid *s)
{
	if (!s->critical)
		return;
	sigprocmask(SIG_SETMASK, &s->saved_mask, NULL);
	s->critical = false;
}
