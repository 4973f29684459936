/*
 * Who can pause, kill or starve this process (see proc_control.h and
 * doc/ARCHITECTURE.md §7.5): the cgroup v2 controls and the scheduling a
 * caller hands down through exec.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "err.h"
#include "proc_control.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif
/* The kernel's ioprio ABI values (its header is not in every libc's set). */
#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_CLASS_BE 2
#define IOPRIO_CLASS_IDLE 3
#define IOPRIO_DEFAULT ((IOPRIO_CLASS_BE << IOPRIO_CLASS_SHIFT) | 4)
#define CGROUP_LINE_MAX 4096

/* The files through which someone may freeze, kill or move a cgroup's processes. */
static const char *const cgroup_controls[] = { "cgroup.freeze", "cgroup.kill", "cgroup.procs" };

const char *pr_cgroup2_mount(void)
{
	static const char *const where[] = { PR_CGROUP2_MAIN, PR_CGROUP2_HYBRID };
	struct statfs fs;

	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++)
		if (statfs(where[i], &fs) == 0 && (unsigned long)fs.f_type == CGROUP2_SUPER_MAGIC)
			return where[i];
	return NULL;
}

static char *next_line(char *p)
{
	return (p = strchr(p, '\n')) != NULL ? p + 1 : NULL;
}

/* The process's cgroup v2 path ("0::PATH" of /proc/self/cgroup), "/"-rooted. */
static bool self_cgroup(char *out, size_t len)
{
	char buf[CGROUP_LINE_MAX + 1], *p, *end;
	ssize_t n;
	int fd;

	if ((fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return false;
	n = read(fd, buf, CGROUP_LINE_MAX);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (p = buf; p != NULL && strncmp(p, "0::", 3) != 0; p = next_line(p))
		;
	if (p == NULL || p[3] != '/' || (end = strchr(p, '\n')) == NULL)
		return false;
	*end = '\0';
	return (size_t)snprintf(out, len, "%s", p + 3) < len;
}

/* Owned by anyone but root, or writable by group (other than root's) or others. */
static bool not_roots(const struct stat *st)
{
	return st->st_uid != 0 || (st->st_mode & S_IWOTH) != 0 ||
	    ((st->st_mode & S_IWGRP) != 0 && st->st_gid != 0);
}

/* One cgroup directory and its controls; a control that does not exist is fine. */
static enum pr_cgroup_state dir_state(const char *dir, struct pr_errbuf *eb)
{
	enum pr_cgroup_state st = PR_CGROUP_SAFE;
	const char *control = NULL;
	struct stat sb;
	int dfd;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstat(dfd, &sb) != 0) {
		st = PR_CGROUP_UNKNOWN;
	} else if (not_roots(&sb)) {
		st = PR_CGROUP_USER;
	} else {
		for (size_t i = 0; i < sizeof(cgroup_controls) / sizeof(cgroup_controls[0]); i++) {
			if (fstatat(dfd, cgroup_controls[i], &sb, AT_SYMLINK_NOFOLLOW) != 0) {
				if (errno == ENOENT)
					continue;
				st = PR_CGROUP_UNKNOWN;
			} else if (not_roots(&sb)) {
				st = PR_CGROUP_USER;
			}
			if (st != PR_CGROUP_SAFE) {
				control = cgroup_controls[i];
				break;
			}
		}
	}
	if (st != PR_CGROUP_SAFE && control != NULL)
		pr_fail(eb, PR_ERR_PERM, "%s/%s", dir, control);
	else if (st != PR_CGROUP_SAFE)
		pr_fail(eb, PR_ERR_PERM, "%s", dir);
	if (dfd >= 0)
		close(dfd);
	return st;
}

enum pr_cgroup_state pr_proc_cgroup_state(struct pr_errbuf *eb)
{
	const char *mnt = pr_cgroup2_mount();
	char cg[PATH_MAX], dir[PATH_MAX], *slash;
	enum pr_cgroup_state st;

	if (mnt == NULL)
		return PR_CGROUP_SAFE;   /* no cgroup v2: no cgroup.freeze to write */
	if (!self_cgroup(cg, sizeof(cg))) {
		pr_fail(eb, PR_ERR_IO, "/proc/self/cgroup");
		return PR_CGROUP_UNKNOWN;
	}
	/* Freezing or killing an ancestor reaches us too: every level up to the root. */
	for (;;) {
		if ((size_t)snprintf(dir, sizeof(dir), "%s%s", mnt, strcmp(cg, "/") == 0 ? "" : cg) >=
		    sizeof(dir))
			return PR_CGROUP_UNKNOWN;
		if ((st = dir_state(dir, eb)) != PR_CGROUP_SAFE || strcmp(cg, "/") == 0)
			return st;
		slash = strrchr(cg, '/');
		if (slash == cg)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

bool pr_proc_leave_cgroup(void)
{
	const char *mnt = pr_cgroup2_mount();
	char path[PATH_MAX], cg[PATH_MAX];
	struct stat st;
	bool ok;
	int fd;

	if (mnt == NULL)
		return false;
	snprintf(path, sizeof(path), "%s/cgroup.procs", mnt);
	if ((fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)) < 0)
		return false;
	/* "0" is the writer itself; root's file only (the root cgroup's always is). */
	ok = fstat(fd, &st) == 0 && st.st_uid == 0 && write(fd, "0", 1) == 1;
	close(fd);
	return ok && self_cgroup(cg, sizeof(cg)) && strcmp(cg, "/") == 0;
}

static int ioprio_get_self(void)
{
	return (int)syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0);
}

bool pr_proc_sched_weak(void)
{
	int policy = sched_getscheduler(0), nice, io;

	if (policy < 0)
		return true;
	policy &= ~SCHED_RESET_ON_FORK;
	errno = 0;
	nice = getpriority(PRIO_PROCESS, 0);
	if (errno != 0)
		return true;
	io = ioprio_get_self();
	return policy == SCHED_IDLE || policy == SCHED_BATCH || nice > 0 ||
	    (io >= 0 && io >> IOPRIO_CLASS_SHIFT == IOPRIO_CLASS_IDLE);
}

/* /proc/self/oom_score_adj to 0: a caller may raise it to have us killed first. */
static bool oom_adj_reset(void)
{
	char buf[16] = "";
	ssize_t n;
	int fd;

	if ((fd = open("/proc/self/oom_score_adj", O_RDWR | O_CLOEXEC | O_NOCTTY)) < 0)
		return false;
	n = write(fd, "0", 1) == 1 && lseek(fd, 0, SEEK_SET) == 0 ?
	    read(fd, buf, sizeof(buf) - 1) : -1;
	close(fd);
	return n > 0 && strcmp(buf, "0\n") == 0;
}

const char *pr_proc_sched_reset(void)
{
	const struct sched_param none = { 0 };

	/* Without SCHED_RESET_ON_FORK in the policy, the flag is cleared too. */
	if (sched_setscheduler(0, SCHED_OTHER, &none) != 0 ||
	    sched_getscheduler(0) != SCHED_OTHER)
		return "scheduling policy";
	errno = 0;
	if (setpriority(PRIO_PROCESS, 0, 0) != 0 || getpriority(PRIO_PROCESS, 0) != 0 ||
	    errno != 0)
		return "nice value";
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, IOPRIO_DEFAULT) != 0 ||
	    ioprio_get_self() != IOPRIO_DEFAULT)
		return "I/O priority";
	if (!oom_adj_reset())
		return "oom_score_adj";
	return NULL;
}

bool pr_proc_user_controlled(void)
{
	return pr_proc_cgroup_state(NULL) != PR_CGROUP_SAFE || pr_proc_sched_weak();
}
