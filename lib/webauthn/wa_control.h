/*
 * The web gate's control socket: the VPN side (practicerunner-openvpn)
 * asks the gate's root parent to make a pending sign-in and then waits
 * for the browser's verdict. Text, one item a line, bounded and strict
 * like wa_proto.h (doc/ARCHITECTURE.md §4.8):
 *
 *   practicerunner-pending 1
 *   op=create | op=wait
 *   user=NAME          create: the VPN's user name (any account-like name)
 *   service=NAME       create: what the sign-in is for (e.g. "openvpn")
 *   rhost=ADDRESS      create: the VPN client's address (untrusted_ip)
 *   lifetime=SECONDS   create: 1..PR_WC_LIFETIME_MAX, capped by the policy
 *   pending=HEX32      wait: the id create answered
 *   <empty line>
 *
 * Every key its op needs exactly once, none it does not take. Answers, one
 * line each:
 *
 *   pending ID URL                              (create)
 *   result ok user=NAME aal=N class=NAME        (wait: signed in)
 *   result REASON                               (a refusal: pr_err_reason)
 */
#ifndef PR_WA_CONTROL_H
#define PR_WA_CONTROL_H

#include <stddef.h>

#include "err.h"

#define PR_WC_REQ_MAX 1024
#define PR_WC_NAME_MAX 64           /* user and service names */
#define PR_WC_RHOST_MAX 63          /* an IPv4 or IPv6 address as OpenVPN writes it */
#define PR_WC_HEX 32                /* the pending id: 128 bits in lower-case hex */
#define PR_WC_LIFETIME_MAX 3600
#define PR_WC_URL_MAX 512
#define PR_WC_ANSWER_MAX (PR_WC_URL_MAX + 128)

enum pr_wc_op {
	PR_WC_CREATE = 0,
	PR_WC_WAIT,
};

struct pr_wc_req {
	enum pr_wc_op op;
	char user[PR_WC_NAME_MAX + 1];
	char service[PR_WC_NAME_MAX + 1];
	char rhost[PR_WC_RHOST_MAX + 1];
	long lifetime;
	char pending[PR_WC_HEX + 1];
};

/* The answer to either op. */
struct pr_wc_answer {
	int err;                        /* PR_OK or a refusal */
	char pending[PR_WC_HEX + 1];    /* create: the id ("" otherwise) */
	char url[PR_WC_URL_MAX + 1];    /* create: <origin>/p/<id> */
	char user[PR_WC_NAME_MAX + 1];  /* wait, signed in: the account */
	int aal;                        /* wait, signed in: 1..3 */
	char cls[16];                   /* wait, signed in: the key's class name */
};

/* Parse a whole request (up to and including its empty line). PR_OK or PR_ERR_CORRUPT. */
int pr_wc_req_parse(const char *text, size_t len, struct pr_wc_req *q, struct pr_errbuf *eb);

/* The request as text into buf. PR_ERR_INVALID_ARG when a field cannot be sent or it does not fit. */
int pr_wc_req_format(const struct pr_wc_req *q, char *buf, size_t size);

/*
 * The answer line, newline included: "pending ..." when a->pending is set,
 * else "result ...". PR_ERR_INVALID_ARG when a field cannot be sent.
 */
int pr_wc_answer_format(const struct pr_wc_answer *a, char *buf, size_t size);

/* Parse an answer line (without its newline). PR_ERR_CORRUPT when malformed. */
int pr_wc_answer_parse(const char *line, struct pr_wc_answer *a, struct pr_errbuf *eb);

#endif
