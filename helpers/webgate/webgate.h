/*
 * practicerunner-webgate, privilege-separated as OpenSSH's sshd is
 * (doc/ARCHITECTURE.md §4.8): the root parent loads the policy, the TLS
 * certificate and key and the page, opens the control socket, then
 * forks. The child drops to the gate's own user and serves HTTPS
 * (libmicrohttpd with its GnuTLS, JSON with json-c); it never sees the
 * store, the recovery secrets or the audit log's writer, and asks the
 * parent everything over a socketpair in lib/webauthn/wa_proto.h's text.
 * The parent never parses HTTP: it verifies (lib/signin.c with
 * lib/webauthn/), records, owns the pending sign-ins, and answers the VPN
 * side on the control socket (lib/webauthn/wa_control.h). When either
 * side ends, the other does too.
 */
#ifndef PR_WEBGATE_H
#define PR_WEBGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "conf.h"

#define WG_PROG "practicerunner-webgate"
#define WG_DEFAULT_USER "practicerunner-web"

/* A file the child serves, read by the parent before the fork. */
struct wg_file {
	const char *name;       /* "gate.html", "gate.js", "gate.css", "approve.html" */
	const char *type;       /* its Content-Type */
	char *data;
	size_t len;
};
#define WG_N_FILES 4

struct wg {
	const char *config;     /* the policy file */
	const char *run_user;   /* the HTTP side's account */
	const char *page_dir;   /* where the page's files are */
	struct pr_config *cfg;
	char *listen;           /* web { listen }, kept for the child */
	uid_t run_uid;
	gid_t run_gid;
	char *cert;             /* PEM, NUL-terminated */
	char *key;              /* PEM, NUL-terminated; wiped after the child starts TLS */
	size_t key_len;
	struct wg_file files[WG_N_FILES];
	int listen_fd;          /* the HTTPS socket, bound by the parent, served by the child */
	bool listen_v6;
	int ctl_fd;             /* the control socket (parent) */
	gid_t ctl_gid;          /* web { control_group } */
	int chan;               /* this side's end of the socketpair */
	pid_t child;
	pid_t parent;           /* the root side, as the child saw it before the drop */
};

/* wg_parent.c: the root side's loop. Returns the exit status. */
int wg_parent_run(struct wg *g);

/* wg_http.c: the unprivileged side, after the drop. Returns the exit status. */
int wg_http_run(struct wg *g);

/* wg_control.c: the control socket, bound as root before the fork. */
int wg_control_open(struct wg *g);

/* wg_listen.c: web { listen }'s socket, bound and listening as root before the fork. */
int wg_listen_open(struct wg *g);

/*
 * wg_chan.c: one message of the socket pair into buf, as recv(2) with
 * flags; a message longer than cap is -1 with errno EMSGSIZE, never cut.
 */
ssize_t wg_chan_recv(int fd, void *buf, size_t cap, int flags);

/* Whether a connected control peer may ask (root, or the control group). */
bool wg_control_peer_ok(int fd, gid_t group);

#endif
