/*
 * practicerunner-webgate: start as root, load what only root may read,
 * then split (webgate.h). Every step that can fail says what to change.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_web.h"
#include "err.h"
#include "roles.h"
#include "util.h"
#include "webgate.h"

#define FILE_MAX (256 * 1024)

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [--config FILE] [--user NAME] [--page-dir DIR]\n", WG_PROG);
}

static int parse_args(int argc, char **argv, struct wg *g)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "user", required_argument, NULL, 'u' },
		{ "page-dir", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	g->config = PR_DEFAULT_CONFIG;
	g->run_user = WG_DEFAULT_USER;
	g->page_dir = PR_WEBGATE_PAGE_DIR;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': g->config = optarg; break;
		case 'u': g->run_user = optarg; break;
		case 'p': g->page_dir = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

/* A whole regular file, not a link, into *out (NUL-terminated). */
static int read_file(const char *path, char **out, size_t *len)
{
	struct stat st;
	ssize_t n;
	char *buf = NULL;
	int fd;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)) < 0)
		return PR_ERR_IO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > FILE_MAX ||
	    (buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return PR_ERR_UNSAFE_FILE;
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		pr_secret_free(&buf, (size_t)st.st_size + 1);
		return PR_ERR_IO;
	}
	buf[n] = '\0';
	*out = buf;
	*len = (size_t)n;
	return PR_OK;
}

static int load_policy(struct wg *g)
{
	struct pr_errbuf eb = { 0 };
	struct group *gr;

	if (pr_roles_config_load(g->config, &g->cfg, &eb) != PR_OK) {
		fprintf(stderr, "%s: %s\n", WG_PROG, eb.msg);
		return -1;
	}
	if (!pr_web_enabled(&g->cfg->web)) {
		fprintf(stderr, "%s: %s has no web { origin } section: set one up as "
		    "practicerunner.conf(5) describes, then start the gate again.\n", WG_PROG, g->config);
		return -1;
	}
	if (pr_web_deploy_check(&g->cfg->web, g->cfg->rp_id, &eb) != PR_OK) {
		fprintf(stderr, "%s: %s\n", WG_PROG, eb.msg);
		return -1;
	}
	if ((gr = getgrnam(g->cfg->web.control_group)) == NULL) {
		fprintf(stderr, "%s: web { control_group } names group '%s', which does not exist: "
		    "create it or name another.\n", WG_PROG, g->cfg->web.control_group);
		return -1;
	}
	g->ctl_gid = gr->gr_gid;
	return (g->listen = strdup(g->cfg->web.listen)) != NULL ? 0 : -1;
}

/* The certificate and key (checked by pr_web_deploy_check), and the page. */
static int load_files(struct wg *g)
{
	static const struct { const char *name, *type; } page[WG_N_FILES] = {
		{ "gate.html", "text/html; charset=utf-8" },
		{ "gate.js", "text/javascript; charset=utf-8" },
		{ "gate.css", "text/css; charset=utf-8" },
		{ "approve.html", "text/html; charset=utf-8" },
	};
	char path[4096];
	size_t len;

	if (read_file(g->cfg->web.cert_file, &g->cert, &len) != PR_OK ||
	    read_file(g->cfg->web.key_file, &g->key, &g->key_len) != PR_OK) {
		fprintf(stderr, "%s: cannot read the certificate or key named in web { }: check "
		    "cert_file and key_file.\n", WG_PROG);
		return -1;
	}
	for (size_t i = 0; i < WG_N_FILES; i++) {
		g->files[i].name = page[i].name;
		g->files[i].type = page[i].type;
		snprintf(path, sizeof(path), "%s/%s", g->page_dir, page[i].name);
		if (read_file(path, &g->files[i].data, &g->files[i].len) != PR_OK) {
			fprintf(stderr, "%s: cannot read the page file %s: reinstall the package or "
			    "give --page-dir.\n", WG_PROG, path);
			return -1;
		}
	}
	return 0;
}

/* The HTTP side's account: never root. */
static int find_run_user(struct wg *g)
{
	struct passwd *pw = getpwnam(g->run_user);

	if (pw == NULL) {
		fprintf(stderr, "%s: account '%s' does not exist: the package creates it; give "
		    "--user for another.\n", WG_PROG, g->run_user);
		return -1;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		fprintf(stderr, "%s: refusing to serve HTTP as '%s': it has root's uid or group.\n",
		    WG_PROG, g->run_user);
		return -1;
	}
	/* The HTTP side keeps its own group: as control_group it could make and read verdicts. */
	if (pw->pw_gid == g->ctl_gid) {
		fprintf(stderr, "%s: web { control_group } is the own group of '%s', the HTTP "
		    "side's account, which could then use the control socket: name the group "
		    "the VPN side's scripts run as.\n", WG_PROG, g->run_user);
		return -1;
	}
	g->run_uid = pw->pw_uid;
	g->run_gid = pw->pw_gid;
	return 0;
}

/* Drop to the run user for good, and check the drop (OpenSSH's rule: regaining root must fail). */
static int drop(const struct wg *g)
{
	if (setgroups(0, NULL) != 0 || setresgid(g->run_gid, g->run_gid, g->run_gid) != 0 ||
	    setresuid(g->run_uid, g->run_uid, g->run_uid) != 0)
		return -1;
	if (setuid(0) == 0 || seteuid(0) == 0 || getuid() != g->run_uid || geteuid() != g->run_uid)
		return -1;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 ? 0 : -1;
}

static int run_child(struct wg *g, int chan, int other)
{
	close(other);
	close(g->ctl_fd);
	g->ctl_fd = -1;
	g->chan = chan;
	pr_config_free(&g->cfg);
	if (drop(g) != 0) {
		fprintf(stderr, "%s: cannot drop to '%s'\n", WG_PROG, g->run_user);
		return 1;
	}
	/*
	 * The parent's end: if it goes, so do we (also checked on the
	 * channel). Set after the drop, because changing the uid clears the
	 * death signal; then the parent must still be ours, or it went before.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != g->parent)
		return 1;
	return wg_http_run(g);
}

static void clear(struct wg *g)
{
	if (g->listen_fd >= 0)
		close(g->listen_fd);
	if (g->key != NULL)
		pr_secret_free(&g->key, g->key_len + 1);
	free(g->cert);
	free(g->listen);
	for (size_t i = 0; i < WG_N_FILES; i++)
		free(g->files[i].data);
	pr_config_free(&g->cfg);
}

int main(int argc, char **argv)
{
	struct wg g = { .ctl_fd = -1, .listen_fd = -1, .chan = -1 };
	int sv[2], status = 1;

	if (parse_args(argc, argv, &g) != 0)
		return 2;
	if (geteuid() != 0) {
		fprintf(stderr, "%s: must start as root (it drops to its own user for HTTP)\n",
		    WG_PROG);
		return 1;
	}
	umask(077);
	if (load_policy(&g) != 0 || load_files(&g) != 0 || find_run_user(&g) != 0 ||
	    wg_listen_open(&g) != 0 || wg_control_open(&g) != 0)
		goto out;
	g.parent = getpid();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		goto out;
	if ((g.child = fork()) < 0)
		goto out;
	if (g.child == 0) {
		status = run_child(&g, sv[1], sv[0]);
		clear(&g);
		_exit(status);
	}
	close(sv[1]);
	g.chan = sv[0];
	/* Only the child accepts HTTPS connections. */
	close(g.listen_fd);
	g.listen_fd = -1;
	/* The parent keeps no copy of the key it will never use. */
	pr_secret_free(&g.key, g.key_len + 1);
	status = wg_parent_run(&g);
out:
	clear(&g);
	return status;
}
