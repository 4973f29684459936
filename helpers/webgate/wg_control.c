/*
 * The control socket (webgate.h): a unix stream socket, mode 0660, owned
 * by root and web { control_group }; every peer is checked again by its
 * credentials (SO_PEERCRED), so a mode changed by hand opens nothing.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "webgate.h"

#define BACKLOG 64
#define GROUPS_MAX 256

/* A stale socket from an earlier run is removed; anything else at the path is not. */
static int clear_path(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode))
		return -1;
	return unlink(path);
}

int wg_control_open(struct wg *g)
{
	const char *path = g->cfg->web.control_socket;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path) || clear_path(path) != 0) {
		fprintf(stderr, "%s: cannot use %s as the control socket: remove what is there or "
		    "set web { control_socket }.\n", WG_PROG, path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return -1;
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chown(path, 0, g->ctl_gid) != 0 || chmod(path, 0660) != 0 || listen(fd, BACKLOG) != 0) {
		fprintf(stderr, "%s: cannot create the control socket %s: %s\n", WG_PROG, path,
		    strerror(errno));
		umask(old);
		close(fd);
		return -1;
	}
	umask(old);
	g->ctl_fd = fd;
	return 0;
}

/*
 * Whether the connecting process is in group: its gid, or one of its own
 * supplementary groups as the kernel has them (SO_PEERGROUPS), not the
 * account's list in /etc/group: a process that dropped the group (or
 * never had it) is not let in because its account is a member.
 */
static bool peer_in_group(int fd, gid_t gid, gid_t group)
{
	gid_t groups[GROUPS_MAX];
	socklen_t len = sizeof(groups);

	if (gid == group)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) != 0)
		return false;   /* ERANGE: more groups than anyone needs; fail closed */
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == group)
			return true;
	return false;
}

bool wg_control_peer_ok(int fd, gid_t group)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0 || len != sizeof(cr))
		return false;
	return cr.uid == 0 || (group != 0 && peer_in_group(fd, cr.gid, group));
}
