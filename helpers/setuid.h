/*
 * The privilege model of the setuid-root helpers (practicerunner-enroll,
 * practicerunner-recover and practicerunner-verify; doc/ARCHITECTURE.md §9).
 *
 * Who may ask for what:
 *   - The caller is the real uid at exec time. It must have a passwd entry
 *     whose name pr_username_valid() accepts; otherwise nothing is done.
 *   - An ordinary caller acts on their own account only, with the built-in
 *     paths (PR_DEFAULT_CONFIG, and the state and audit paths that file
 *     names, which must be root's). Options that choose a file or another
 *     account (--config, --user) are refused, not ignored.
 *   - The "trusted caller" is real uid 0 (administrators, tests): only then
 *     are --config, --user and the PRACTICERUNNER_* environment variables
 *     honoured.
 *
 * What suid_begin() does, first thing in main(), before anything reads the
 * environment, opens a file or looks up a user:
 *   1. fds 0, 1 and 2 are open (on /dev/null if the caller closed them), so
 *      no file we open later becomes someone's stdout; every fd above 2 is
 *      closed (close_range, else a /proc/self/fd walk).
 *   2. An empty argv (argc 0) is refused.
 *   3. Unless the effective uid is 0 (installed setuid root) we stop with a
 *      message saying so.
 *   4. Not dumpable (no core files, no ptrace); resource limits a caller
 *      could use to cut a write short or kill us halfway (CPU, file size,
 *      data, address space, open files) are reset, core size is 0; every
 *      signal disposition is back to default (SIGPIPE ignored: a closed
 *      stdout is an error, not a death) and none is blocked; umask 077;
 *      working directory "/"; the syslog ident is the program's fixed name
 *      (not argv[0], which the caller chose).
 *   5. The environment is cleared: PATH is /usr/sbin:/usr/bin:/sbin:/bin
 *      and nothing else is kept, except, for a trusted caller only, the
 *      PRACTICERUNNER_* variables (saved before clearing).
 *   6. The caller is looked up (getpwuid of the real uid).
 *   7. All of real, effective and saved uid and gid become 0. The caller can
 *      then no longer signal or trace the process (the kernel checks the
 *      target's real and saved uid). That is all it stops: a caller who owns
 *      the cgroup v2 we run in (systemd's user@UID.service is delegated to
 *      its user) can still freeze or kill us through cgroup.freeze and
 *      cgroup.kill, and the scheduling we were exec'd with (SCHED_IDLE,
 *      nice 19, idle I/O, oom_score_adj 1000) is still theirs to starve us.
 *   8. So, before anything takes a lock (doc/ARCHITECTURE.md §7.5), we leave
 *      the caller's control (lib/proc_control.c): into the root cgroup of
 *      the cgroup v2 hierarchy (no cgroup.freeze or cgroup.kill there, only
 *      root writes it), checked in /proc/self/cgroup; where there is no
 *      cgroup v2 or the move fails, we go on only if no directory from our
 *      cgroup up to the root, nor its cgroup.freeze, cgroup.kill or
 *      cgroup.procs, is owned or writable by anyone but root. Then
 *      SCHED_OTHER without reset-on-fork, nice 0, best-effort I/O priority
 *      4, oom_score_adj 0, each verified; any failure stops with a message.
 *      Only then can a change not be interrupted between writing the
 *      credential store and writing its audit record, except by terminal
 *      signals, which suid_critical_begin() blocks around commits.
 *
 * Device I/O (opening hidraw devices, CTAP requests and parsing the
 * answers, attestation checks) runs with the caller's rights, between
 * suid_drop() and suid_regain() (as OpenSSH's temporarily_use_uid):
 * effective uid and gid become the caller's, the saved uid stays 0 so the
 * rights can be regained. The caller's supplementary groups are kept (they
 * are the caller's own: plugdev-style device access). On a logind-managed
 * seat the user's ACL on /dev/hidraw* is what lets this work; a caller who
 * cannot open the security key themselves cannot use it through us either.
 * The drop is verified (getresuid, getresgid, fsuid); a failed drop stops
 * the operation, a failed regain ends the process. The credential store,
 * invitations and the audit log are only touched with the rights regained.
 * For a trusted caller (real uid 0) there is nothing to drop to.
 *
 * Secrets (invitation tokens, PINs) are read from the terminal or standard
 * input only, never taken from argv or the environment, and wiped after use.
 */
#ifndef PR_SETUID_H
#define PR_SETUID_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#define SUID_NAME_MAX 256
#define SUID_ENV_PREFIX "PRACTICERUNNER_"
#define SUID_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

struct suid {
	const char *prog;            /* fixed program name for messages (never argv[0]) */
	uid_t caller_uid;            /* the real ids at exec: who ran us */
	gid_t caller_gid;
	char caller[SUID_NAME_MAX];  /* the caller's user name (pr_username_valid) */
	char actor[2 * SUID_NAME_MAX + 16]; /* for audit records: name, "(login:X)" when the login uid differs */
	bool trusted;                /* real uid 0: options and environment honoured */
	bool dropped;                /* effective ids are the caller's (device I/O) */
	bool critical;               /* signals blocked (commit in progress) */
	sigset_t saved_mask;
};

/*
 * Everything of the header comment, steps 1 to 8. CLI_OK, or the exit
 * status to return (the message is printed). Call it first in main().
 */
int suid_begin(struct suid *s, const char *prog, int argc);

/*
 * Take on the caller's effective uid and gid for device I/O (no-op for a
 * trusted caller). PR_OK, or PR_ERR_PERM when the drop did not happen or
 * did not verify (the rights are back to root then, and the caller of this
 * must not do the device I/O).
 */
int suid_drop(struct suid *s);

/* Back to root after suid_drop(). Verified; on failure the process exits. */
void suid_regain(struct suid *s);

/*
 * Block every signal that can be blocked around a commit (invitation
 * consumed, store written, audit record appended), so a ^C or a hangup
 * cannot leave a change without its record; and restore the mask after.
 */
void suid_critical_begin(struct suid *s);
void suid_critical_end(struct suid *s);

#endif
