/*
 * The policy file's `web { }` section: the web gate (practicerunner-webgate,
 * doc/ARCHITECTURE.md §4.8). config.c owns the parse; this file owns what
 * the values mean, the checks that need the whole section, and the checks
 * `policy check` makes before the gate is deployed.
 */
#ifndef PR_CONFIG_WEB_H
#define PR_CONFIG_WEB_H

#include <stdbool.h>

#include "err.h"

#define PR_WEB_DEFAULT_LISTEN "127.0.0.1:8443"
#define PR_WEB_DEFAULT_PENDING_LIFETIME 120     /* seconds */
#define PR_WEB_DEFAULT_GRANT_LIFETIME 60        /* seconds */
#define PR_WEB_DEFAULT_GRANT_SERVICE "xrdp-sesman"
#define PR_WEB_DEFAULT_CONTROL_SOCKET "/run/practicerunner/webgate.sock"
#define PR_WEB_DEFAULT_CONTROL_GROUP "root"

struct pr_web_conf {
	char *origin;              /* https://host[:port]; NULL: no web gate */
	char *listen;              /* ADDRESS:PORT, [IPv6]:PORT */
	char *cert_file;           /* the gate's certificate chain (PEM) */
	char *key_file;            /* its private key: root-owned, 0600 or stricter */
	long pending_lifetime;     /* seconds a pending sign-in waits for the browser */
	long grant_lifetime;       /* seconds a grant made at the gate stays usable */
	char *grant_service;       /* the PAM service the approval page's grants are for */
	bool bind_client_address;  /* the browser must come from the VPN client's address */
	char *control_socket;      /* the gate's control socket (the VPN side asks there) */
	char *control_group;       /* the group that may use it, besides root */
};

/* Whether the policy configures a web gate (web { origin } is set). */
bool pr_web_enabled(const struct pr_web_conf *w);

/*
 * An origin as a browser serializes it: "https://" host [":" port], host a
 * lower-case DNS name (browsers never use an IP address as an rp id), port
 * 1..65535 other than 443 (a browser drops the default port, so an origin
 * naming it would never match), nothing after.
 */
bool pr_web_origin_valid(const char *origin);

/* The host part of a valid origin into buf; false when it does not fit. */
bool pr_web_origin_host(const char *origin, char *buf, size_t size);

/* A group name as useradd/groupadd accept it (not whether it exists). */
bool pr_web_group_name_valid(const char *name);

/* "ADDRESS:PORT" (IPv4 literal) or "[ADDRESS]:PORT" (IPv6 literal), port 1..65535. */
bool pr_web_listen_valid(const char *listen);

/*
 * Whether a browser on a page at host may use rp_id: the rp id is the host
 * or a parent domain of it (the browser's "registrable domain suffix"
 * rule, short of the public-suffix list), and a DNS name, not "pam://...".
 */
bool pr_web_rp_id_fits(const char *rp_id, const char *host);

/*
 * The checks that need the whole section, at load: a web section that is
 * given needs origin, cert_file and key_file. On failure returns the key
 * to blame and puts a sentence into eb.
 */
const char *pr_web_conf_check(const struct pr_web_conf *w, bool given, struct pr_errbuf *eb);

/*
 * What `policy check` refuses before the gate is deployed (and the gate
 * refuses at start): an origin whose host rp_id does not fit
 * (pr_web_rp_id_fits), a key file that is a link, not root's, or readable
 * by group or others, a certificate file that is a link, not root's, or
 * writable by group or others. PR_OK or PR_ERR_CONFIG / PR_ERR_UNSAFE_FILE
 * with eb saying what to change.
 */
int pr_web_deploy_check(const struct pr_web_conf *w, const char *rp_id, struct pr_errbuf *eb);

void pr_web_conf_clear(struct pr_web_conf *w);

#endif
