/*
 * Whether an ordinary user can pause, kill or starve this process, and
 * how a root process leaves their control (doc/ARCHITECTURE.md §7.5, §9.3).
 *
 * A setuid program keeps its caller's cgroup and scheduling. On a systemd
 * machine user@UID.service is a cgroup v2 subtree delegated to the user,
 * who can then write cgroup.freeze or cgroup.kill for every process in it,
 * root's included; and anyone may start a program SCHED_IDLE, niced to
 * 19 or with oom_score_adj 1000. A process that holds a lock someone
 * else's sign-in waits on must be out of all of that. No PAM, no terminal
 * I/O: the module asks pr_proc_user_controlled(), the setuid helpers call
 * pr_proc_leave_cgroup() and pr_proc_sched_reset().
 */
#ifndef PR_PROC_CONTROL_H
#define PR_PROC_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define PR_CGROUP2_MAIN "/sys/fs/cgroup"
#define PR_CGROUP2_HYBRID "/sys/fs/cgroup/unified"   /* systemd's hybrid layout */

enum pr_cgroup_state {
	PR_CGROUP_SAFE,         /* no cgroup v2, or only root can freeze or kill it */
	PR_CGROUP_USER,         /* a non-root uid owns or may write its controls */
	PR_CGROUP_UNKNOWN,      /* could not be read: treat as the user's */
};

/*
 * The cgroup v2 mount point (PR_CGROUP2_MAIN or PR_CGROUP2_HYBRID, checked
 * with statfs), or NULL when neither is cgroup2.
 */
const char *pr_cgroup2_mount(void);

/*
 * Whether the calling process's cgroup v2 directory, or its cgroup.procs,
 * cgroup.freeze or cgroup.kill, is owned by or writable by anyone but root.
 * eb (may be NULL) gets the path that made it so; it is left as it was
 * for PR_CGROUP_SAFE.
 */
enum pr_cgroup_state pr_proc_cgroup_state(struct pr_errbuf *eb);

/*
 * Move the calling process (root) into the root cgroup of the cgroup v2
 * hierarchy, which has no cgroup.freeze or cgroup.kill and which only root
 * can write, and check /proc/self/cgroup says "0::/" afterwards. true when
 * done; false when there is no cgroup v2 or the move did not happen (the
 * caller then decides with pr_proc_cgroup_state()).
 */
bool pr_proc_leave_cgroup(void);

/*
 * Whether the scheduling the process runs with lets whoever started it
 * starve it: SCHED_IDLE or SCHED_BATCH, or a nice value above 0.
 */
bool pr_proc_sched_weak(void);

/*
 * Scheduling back to the defaults, each verified: SCHED_OTHER without
 * reset-on-fork, nice 0, I/O best-effort priority 4, oom_score_adj 0.
 * NULL when done, else what could not be set (for the message).
 */
const char *pr_proc_sched_reset(void);

/*
 * Everything above for a process about to take a lock others wait on:
 * PR_CGROUP_USER or PR_CGROUP_UNKNOWN, or weak scheduling. Its real uid
 * is the caller's business (kill(2) checks it): see pam_practicerunner.c.
 */
bool pr_proc_user_controlled(void);

#endif
