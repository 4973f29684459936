/* What lib/directory/'s files share: the connection and the error mapping. */
#ifndef PR_DIR_INTERNAL_H
#define PR_DIR_INTERNAL_H

#include <sys/time.h>

#include <ldap.h>

#include "directory.h"

struct pr_dir {
	LDAP *ld;
	char *uri;         /* the server that answered */
	char *base;        /* user entries are uid=<user>,<base> */
	struct timeval timeout;
	/* How long reaching the server took (store status, dir_status.c). */
	double connect_s;  /* the connection, with the handshake for ldaps:// */
	double starttls_s; /* StartTLS; 0 when not used */
};

/*
 * The project's code for an LDAP result code, with a sentence in eb naming
 * what was being done (what) and the server: unreachable vs configuration
 * error (directory.h).
 */
int pr_dir_fail(const struct pr_dir *d, int ldap_rc, const char *what, struct pr_errbuf *eb);

/*
 * A search of the base, one level, page by page (RFC 2696 paged results,
 * dir_scan.c): fn gets every entry; a server's size limit per answer does
 * not cut the result short. More than PR_DIR_USERS_MAX entries, or an fn
 * that fails, ends it; what names the search in messages.
 */
typedef int (*pr_dir_entry_fn)(struct pr_dir *d, LDAPMessage *m, void *arg,
    struct pr_errbuf *eb);
int pr_dir_search_paged(struct pr_dir *d, const char *filter, char **attrs,
    pr_dir_entry_fn fn, void *arg, const char *what, struct pr_errbuf *eb);

#endif
