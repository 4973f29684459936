/*
 * What `practicerunner-admin store status` reports about the clinic
 * directory (doc/ARCHITECTURE.md §7.6): every server of the policy's uri
 * list in order, each reached as a sign-in would reach it (pr_dir_open on
 * that server alone), and on the one a sign-in would use (the first that
 * answered) how long a read takes and how many user entries there are.
 * Nothing here is secret: no password, and user entries are only counted.
 */
#ifndef PR_DIR_STATUS_H
#define PR_DIR_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "config_ldap.h"
#include "err.h"

/* The count of user entries stops here (and asks the server for no more). */
#define PR_DIR_STATUS_COUNT_MAX 100000

/* One server as it answered. */
struct pr_dir_probe {
	const char *uri;        /* the policy's value (not copied) */
	int err;                /* PR_OK, PR_ERR_DIR_UNREACHABLE, or the refusal's code */
	struct pr_errbuf eb;    /* why, when err is not PR_OK */
	bool tls;               /* ldaps:// */
	bool starttls;          /* StartTLS on ldap:// */
	double connect_ms;      /* the connection (and the ldaps:// handshake) */
	double starttls_ms;     /* StartTLS, when used */
};

struct pr_dir_status {
	struct pr_dir_probe *probe; /* one per uri, in the policy's order */
	size_t n;
	size_t used;            /* the server a sign-in uses; n when none answered */
	int err;                /* that server's err (or its read's), or PR_ERR_DIR_UNREACHABLE */
	double read_ms;         /* a base-scope read of base on it */
	long users;             /* its practiceRunnerUser entries; -1: not counted */
	bool users_more;        /* the count stopped at a size limit: there are more */
	struct pr_errbuf count_eb; /* why the entries were not counted */
};

/*
 * Probe every server of conf in order and fill st. PR_OK when the status
 * could be taken (whatever the servers said: see st->err); PR_ERR_NOMEM
 * or PR_ERR_CONFIG (an incomplete section) otherwise.
 */
int pr_dir_status(const struct pr_ldap_conf *conf, struct pr_dir_status *st,
    struct pr_errbuf *eb);
void pr_dir_status_clear(struct pr_dir_status *st);

#endif
