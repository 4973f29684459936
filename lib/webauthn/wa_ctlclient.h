/*
 * The VPN side of the web gate's control socket (doc/ARCHITECTURE.md
 * §4.8): practicerunner-openvpn asks the gate's root parent for a pending
 * sign-in and then waits for the browser step's verdict. Text, one item a
 * line, like wa_proto.h:
 *
 *   practicerunner-pending 1
 *   op=create                  op=wait
 *   user=NAME                  pending=HEX32
 *   service=TEXT               <empty line>
 *   rhost=TEXT
 *   lifetime=SECONDS
 *   <empty line>
 *
 * answered by one line: "pending ID URL" (create) or "result REASON
 * [user=NAME aal=N class=NAME]" (wait, and any refusal). TEXT is
 * printable ASCII without '=' or a space, at most PR_WA_TEXT_MAX bytes.
 *
 * Kept apart from the gate's parser so that the OpenVPN program, which
 * runs as OpenVPN's unprivileged user, links neither json-c nor the
 * verifier: this file is formatting, parsing and one bounded socket call.
 */
#ifndef PR_WA_CTLCLIENT_H
#define PR_WA_CTLCLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "wa_proto.h"

#define PR_WA_CTL_HEADER "practicerunner-pending 1"
#define PR_WA_CTL_DEFAULT_SOCKET "/run/practicerunner/webgate.sock"
#define PR_WA_CTL_REQ_MAX 1024
#define PR_WA_CTL_LINE_MAX 1024     /* an answer line, newline included */
#define PR_WA_CTL_URL_MAX 512
#define PR_WA_CTL_CLASS_MAX 31
#define PR_WA_CTL_LIFETIME_MAX 3600 /* seconds; the gate shortens it to its own bound */

/* op=create: who the VPN server is signing in, from where. */
struct pr_wa_ctl_create {
	const char *user;
	const char *service;
	const char *rhost;      /* the VPN client's address (OpenVPN untrusted_ip) */
	long lifetime;          /* seconds, 1..PR_WA_CTL_LIFETIME_MAX */
};

/* The answer to op=create. */
struct pr_wa_ctl_pending {
	char id[PR_WA_PENDING_HEX + 1];
	char url[PR_WA_CTL_URL_MAX + 1];
};

/* The answer to op=wait. */
struct pr_wa_ctl_verdict {
	int err;                            /* PR_OK: the browser step succeeded */
	char reason[PR_WA_TEXT_MAX + 1];    /* the token as the gate sent it */
	char user[PR_WA_TEXT_MAX + 1];      /* ok: who signed in */
	int aal;                            /* ok: 1..3 */
	char cls[PR_WA_CTL_CLASS_MAX + 1];  /* ok: the key's class */
};

/* Whether s may travel as TEXT (above). */
bool pr_wa_ctl_text_ok(const char *s);

/* The requests as text into buf. PR_ERR_INVALID_ARG when a field cannot be sent. */
int pr_wa_ctl_format_create(const struct pr_wa_ctl_create *q, char *buf, size_t size);
int pr_wa_ctl_format_wait(const char *pending, char *buf, size_t size);

/*
 * An answer to op=create (without its newline): "pending ID URL", the URL
 * an https URL ending in "/p/ID". A "result REASON" line is the gate's
 * refusal: its error (pr_err_from_reason; PR_ERR_IO for a token we do not
 * know), with the token in eb. PR_ERR_CORRUPT when malformed.
 */
int pr_wa_ctl_parse_pending(const char *line, struct pr_wa_ctl_pending *p,
    struct pr_errbuf *eb);

/*
 * An answer to op=wait (without its newline). "result ok" needs user=, aal=
 * and class=, each once; a refusal may carry them or not. PR_OK when the
 * line parsed (v->err is the verdict), PR_ERR_CORRUPT when malformed.
 */
int pr_wa_ctl_parse_verdict(const char *line, struct pr_wa_ctl_verdict *v,
    struct pr_errbuf *eb);

/*
 * One exchange: connect to the unix socket at path, send req, read one
 * answer line (newline removed) into line. Every step ends by timeout_ms
 * after the call: a gate that never answers cannot hold the caller.
 * PR_ERR_IO (cannot connect: is the gate running?), PR_ERR_TIMEOUT,
 * PR_ERR_CORRUPT (no line within PR_WA_CTL_LINE_MAX).
 */
int pr_wa_ctl_call(const char *path, const char *req, int timeout_ms, char *line, size_t size,
    struct pr_errbuf *eb);

#endif
