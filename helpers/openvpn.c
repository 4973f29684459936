/*
 * practicerunner-openvpn: OpenVPN 2.6's auth-user-pass-verify program for
 * sign-in with a security key in the user's browser (doc/ARCHITECTURE.md
 * §4.8, "The VPN side"). OpenVPN runs it as
 *
 *   auth-user-pass-verify "practicerunner-openvpn [OPTIONS]" via-file
 *
 * with script-security 2. It reads from its environment what OpenVPN
 * puts there: username, untrusted_ip (or untrusted_ip6), IV_SSO,
 * auth_pending_file, auth_control_file and auth_failed_reason_file. The
 * password the client sent (the via-file argument) is never read: the
 * proof is the browser's WebAuthn response, checked by the gate.
 *
 *   - A client that does not announce IV_SSO=webauth cannot open the page:
 *     refused (exit 1) with a reason OpenVPN passes to the client, naming
 *     clients that can, and recorded.
 *   - Otherwise the gate's root side makes a pending sign-in bound to the
 *     user, the service and the client's address (op=create on the control
 *     socket); auth_pending_file gets its URL as "WEB_AUTH::URL", which the
 *     client opens in the user's browser; a detached child waits for the
 *     verdict (op=wait) and writes "1" or "0" to auth_control_file,
 *     atomically; the program exits 2 (deferred).
 *   - Anything that goes wrong before the deferral refuses (exit 1).
 *
 * Privilege model: it runs as OpenVPN's scripts do (after "user nobody",
 * that user). It reads only the policy file, its environment and the
 * gate's answers; it writes only OpenVPN's three files, and the audit log
 * when it may (a refusal it cannot record goes to syslog, LOG_AUTHPRIV).
 * The gate's parent checks who connects (SO_PEERCRED against
 * web { control_group }), so OpenVPN's group must be that group.
 */
#include "config.h"

#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "audit_event.h"
#include "conf.h"
#include "config_web.h"
#include "err.h"
#include "roles.h"
#include "secure_file.h"
#include "util.h"
#include "webauthn/wa_control.h"
#include "webauthn/wa_ctlclient.h"

#define PROG "practicerunner-openvpn"
#define DEFAULT_SERVICE "openvpn"
#define DEFAULT_LIFETIME 120L      /* seconds: the gate's default pending_lifetime */
#define CREATE_WAIT_MS 10000       /* the gate answers op=create at once */
#define WAIT_SLACK_MS 15000        /* op=wait ends at the pending sign-in's expiry, plus this */
#define SSO_METHOD "webauth"

/* Exit statuses OpenVPN reads (openvpn(8), --auth-user-pass-verify). */
enum ovpn_exit { OVPN_ACCEPT = 0, OVPN_REFUSE = 1, OVPN_DEFERRED = 2 };

/* What a client without web authentication reads (OpenVPN shows it as AUTH_FAILED,...). */
#define NO_SSO_TEXT "This VPN signs you in with your security key in your web browser, " \
	"and your VPN client cannot open it. Use OpenVPN Connect 3, openvpn-gui 2.6 or " \
	"openvpn3-linux, or ask your IT provider."
#define NO_GATE_TEXT "The security-key sign-in service is not available. Try again in a " \
	"minute; if it keeps failing, tell your IT provider."

struct ovpn {
	const char *config;          /* --config, else PR_DEFAULT_CONFIG */
	const char *socket;          /* --socket, else the gate's default */
	const char *service;         /* --service: the name in the records */
	long lifetime;               /* --lifetime: seconds the browser step may take */
	struct pr_config *cfg;
	const char *user, *rhost, *sso;
	const char *pending_file, *control_file, *reason_file;
};

static void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(LOG_AUTHPRIV | prio, fmt, ap);
	va_end(ap);
}

static int usage(void)
{
	fprintf(stderr, "usage: %s [--config FILE] [--socket PATH] [--service NAME] "
	    "[--lifetime SECONDS] [FILE]\n"
	    "OpenVPN's auth-user-pass-verify program (via-file); see %s(8).\n", PROG, PROG);
	return OVPN_REFUSE;
}

/* TEXT the control socket carries (wa_control.h): printable, no space or '='. */
static bool text_ok(const char *v, size_t max)
{
	size_t n = v != NULL ? strlen(v) : 0;

	for (size_t i = 0; i < n; i++)
		if (v[i] <= 0x20 || v[i] > 0x7e || v[i] == '=')
			return false;
	return n > 0 && n <= max;
}

static int parse_args(int argc, char **argv, struct ovpn *o)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "service", required_argument, NULL, 'n' },
		{ "lifetime", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 's': o->socket = optarg; break;
		case 'n': o->service = optarg; break;
		case 'l':
			o->lifetime = strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' || o->lifetime < 1 ||
			    o->lifetime > PR_WC_LIFETIME_MAX)
				return -1;
			break;
		default: return -1;
		}
	}
	/* At most the via-file argument, which is not read. */
	return argc - optind <= 1 && text_ok(o->service, PR_WC_NAME_MAX) ? 0 : -1;
}

/* An environment value, NULL when unset or empty. */
static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static void read_env(struct ovpn *o)
{
	o->user = env("username");
	o->rhost = env("untrusted_ip") != NULL ? env("untrusted_ip") : env("untrusted_ip6");
	o->sso = env("IV_SSO");
	o->pending_file = env("auth_pending_file");
	o->control_file = env("auth_control_file");
	o->reason_file = env("auth_failed_reason_file");
}

/* IV_SSO is a comma-separated list of methods, e.g. "webauth,openurl,crtext". */
static bool sso_has_webauth(const char *sso)
{
	size_t n = strlen(SSO_METHOD);
	const char *p = sso;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, SSO_METHOD, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	return false;
}

/* Write path atomically (a temp file beside it, then rename): OpenVPN never reads half. */
static int write_file(const char *path, const char *text)
{
	return pr_atomic_replace(AT_FDCWD, path, text, strlen(text), 0600);
}

/* The user as the record names them: only an account's name, else "(unknown)". */
static const char *record_user(const char *user)
{
	return user != NULL && pr_username_valid(user) && getpwnam(user) != NULL ?
	    user : "(unknown)";
}

/*
 * The record of a refusal made here, before the gate was asked. As root it
 * goes to the audit log; as OpenVPN's unprivileged user it cannot, and the
 * syslog line is what is left (with the same reason and address).
 */
static void record_refusal(const struct ovpn *o, int err, const char *detail)
{
	const char *user = record_user(o->user);
	const struct pr_audit_who who = {
		.cfg = o->cfg, .service = o->service, .rhost = o->rhost, .path = "openvpn",
	};
	struct pr_audit_what what = {
		.event = "auth", .err = err, .user = user, .method = "webauthn", .detail = detail,
	};
	struct pr_errbuf eb = { 0 };
	struct pr_audit_built b;
	enum pr_role role;
	enum pr_need need;
	int r;

	if (strcmp(user, "(unknown)") != 0 && pr_user_need(o->cfg, user, &role, &need) == PR_OK)
		what.role = pr_role_name(role);
	log_msg(LOG_NOTICE, "refused VPN sign-in of %s from %s: %s", user,
	    o->rhost != NULL ? o->rhost : "-", detail);
	if (o->cfg == NULL || pr_audit_build(&who, &what, &b) != PR_OK)
		return;
	r = pr_audit_append(o->cfg->audit_log, &b.ev, &eb);
	if (r != PR_OK)
		log_msg(LOG_WARNING, "the refusal above has no audit record (%s): %s",
		    pr_strerror(r), eb.msg);
	pr_audit_built_clear(&b);
}

static int refuse(const struct ovpn *o, int err, const char *detail, const char *text)
{
	record_refusal(o, err, detail);
	if (o->reason_file != NULL && write_file(o->reason_file, text) != PR_OK)
		log_msg(LOG_WARNING, "could not write auth_failed_reason_file %s", o->reason_file);
	return OVPN_REFUSE;
}

/* One request of q's op, its answer parsed into a. */
static int ask(const struct ovpn *o, const struct pr_wc_req *q, int timeout_ms,
    struct pr_wc_answer *a, struct pr_errbuf *eb)
{
	char req[PR_WC_REQ_MAX], line[PR_WC_ANSWER_MAX + 2];
	int r;

	if ((r = pr_wc_req_format(q, req, sizeof(req))) != PR_OK)
		return pr_fail(eb, r, "the user name or address cannot be sent to the web gate");
	if ((r = pr_wa_ctl_call(o->socket, req, timeout_ms, line, sizeof(line), eb)) != PR_OK)
		return r;
	return pr_wc_answer_parse(line, a, eb);
}

/*
 * op=create: a pending sign-in for this user, service and client address.
 * The URL must be the page of that very id (".../p/ID"): it is what the
 * client opens.
 */
static int make_pending(const struct ovpn *o, struct pr_wc_answer *a, struct pr_errbuf *eb)
{
	struct pr_wc_req q = { .op = PR_WC_CREATE, .lifetime = o->lifetime };
	size_t n;
	int r;

	snprintf(q.user, sizeof(q.user), "%s", o->user);
	snprintf(q.service, sizeof(q.service), "%s", o->service);
	snprintf(q.rhost, sizeof(q.rhost), "%s", o->rhost);
	if ((r = ask(o, &q, CREATE_WAIT_MS, a, eb)) != PR_OK)
		return r;
	if (a->err != PR_OK)
		return pr_fail(eb, a->err, "the web gate refused: %s", pr_err_reason(a->err));
	n = strlen(a->url);
	if (a->pending[0] == '\0' || n < 3 + PR_WC_HEX ||
	    strcmp(a->url + n - PR_WC_HEX, a->pending) != 0 ||
	    strncmp(a->url + n - PR_WC_HEX - 3, "/p/", 3) != 0)
		return pr_fail(eb, PR_ERR_CORRUPT, "the web gate's answer is not a pending sign-in");
	return PR_OK;
}

/* The verdict on the pending sign-in: true only for a success of the very user OpenVPN named. */
static bool await_verdict(const struct ovpn *o, const char *pending)
{
	struct pr_wc_req q = { .op = PR_WC_WAIT };
	struct pr_wc_answer a;
	struct pr_errbuf eb = { 0 };

	snprintf(q.pending, sizeof(q.pending), "%s", pending);
	if (ask(o, &q, (int)o->lifetime * 1000 + WAIT_SLACK_MS, &a, &eb) != PR_OK ||
	    a.pending[0] != '\0') {
		log_msg(LOG_WARNING, "no verdict for %s's VPN sign-in: %s", o->user,
		    eb.msg[0] != '\0' ? eb.msg : "a pending id instead");
		return false;
	}
	if (a.err == PR_OK && strcmp(a.user, o->user) != 0) {
		log_msg(LOG_ERR, "the web gate's verdict names another user than %s: refused", o->user);
		return false;
	}
	log_msg(LOG_INFO, "VPN sign-in of %s from %s: %s", o->user, o->rhost, pr_err_reason(a.err));
	return a.err == PR_OK;
}

/*
 * The detached waiter: its own session, no terminal, standard descriptors
 * on /dev/null, so OpenVPN, which waits only for the program itself, goes
 * on at once. It always writes the control file: "0" on every failure, so
 * OpenVPN never waits past its hand-window on us.
 */
static void waiter(const struct ovpn *o, const char *pending)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	const char *answer;

	setsid();
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	answer = await_verdict(o, pending) ? "1" : "0";
	if (write_file(o->control_file, answer) != PR_OK)
		log_msg(LOG_ERR, "could not write auth_control_file %s", o->control_file);
}

/* auth_pending_file: timeout, method, and the URL the client opens. */
static int write_pending(const struct ovpn *o, const struct pr_wc_answer *p)
{
	char text[PR_WC_URL_MAX + 64];
	int n;

	n = snprintf(text, sizeof(text), "%ld\n%s\nWEB_AUTH::%s\n", o->lifetime, SSO_METHOD, p->url);
	if (n < 0 || (size_t)n >= sizeof(text))
		return PR_ERR_INVALID_ARG;
	return write_file(o->pending_file, text);
}

static int defer(const struct ovpn *o)
{
	struct pr_wc_answer p;
	struct pr_errbuf eb = { 0 };
	pid_t pid;
	int r;

	if ((r = make_pending(o, &p, &eb)) != PR_OK) {
		log_msg(LOG_ERR, "no pending sign-in from the web gate: %s", eb.msg);
		return refuse(o, r, "web gate unavailable or refused", NO_GATE_TEXT);
	}
	if (write_pending(o, &p) != PR_OK) {
		log_msg(LOG_ERR, "could not write auth_pending_file %s", o->pending_file);
		return OVPN_REFUSE;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		log_msg(LOG_ERR, "fork: %m");
		return OVPN_REFUSE;
	}
	if (pid == 0) {
		waiter(o, p.pending);
		_exit(0);
	}
	return OVPN_DEFERRED;
}

int main(int argc, char **argv)
{
	struct ovpn o = {
		.config = PR_DEFAULT_CONFIG, .socket = NULL,
		.service = DEFAULT_SERVICE, .lifetime = DEFAULT_LIFETIME,
	};
	struct pr_errbuf eb = { 0 };
	int rc;

	openlog(PROG, LOG_PID, LOG_AUTHPRIV);
	signal(SIGPIPE, SIG_IGN);
	if (parse_args(argc, argv, &o) != 0)
		return usage();
	read_env(&o);
	if (pr_roles_config_load(o.config, &o.cfg, &eb) != PR_OK) {
		log_msg(LOG_ERR, "%s", eb.msg);
		fprintf(stderr, "%s: %s\n", PROG, eb.msg);
		return OVPN_REFUSE;
	}
	/* --socket, else the policy's web { control_socket }, else the default. */
	if (o.socket == NULL)
		o.socket = o.cfg->web.control_socket != NULL ? o.cfg->web.control_socket :
		    PR_WEB_DEFAULT_CONTROL_SOCKET;
	if (o.user == NULL || !pr_username_valid(o.user) || strlen(o.user) > PR_WC_NAME_MAX ||
	    !text_ok(o.rhost, PR_WC_RHOST_MAX))
		rc = refuse(&o, PR_ERR_INVALID_ARG, "no valid user name or client address", NO_GATE_TEXT);
	else if (o.sso == NULL || !sso_has_webauth(o.sso))
		rc = refuse(&o, PR_ERR_PERM, "client without web authentication (IV_SSO)", NO_SSO_TEXT);
	else if (o.pending_file == NULL || o.control_file == NULL)
		rc = refuse(&o, PR_ERR_CONFIG, "OpenVPN gave no auth_pending_file or auth_control_file",
		    NO_GATE_TEXT);
	else
		rc = defer(&o);
	pr_config_free(&o.cfg);
	closelog();
	return rc;
}
