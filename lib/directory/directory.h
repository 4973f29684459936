/*
 * The clinic directory (policy `store = ldap`, doc/ARCHITECTURE.md §7.6):
 * one bound connection to the first server of the
 * policy's uri list that answers, through the OpenLDAP client library.
 *
 * Failures come in two kinds, kept apart by their codes (err.h):
 * PR_ERR_DIR_UNREACHABLE when no server answered within `timeout` (the
 * offline cache may then apply), and a configuration error when a server
 * answered and refused (PR_ERR_DIR_BIND, PR_ERR_DIR_TLS, PR_ERR_DIR_SCHEMA,
 * PR_ERR_DIRECTORY, or PR_ERR_UNSAFE_FILE for the password file): that is
 * a refusal, never the cache.
 */
#ifndef PR_DIRECTORY_H
#define PR_DIRECTORY_H

#include <stdbool.h>

#include "config_ldap.h"
#include "err.h"

struct pr_dir;

/*
 * Connect to conf's servers in order, bind as bind_dn with the password
 * from bind_password_file (wiped after the bind), and check that the
 * directory has PracticeRunner's schema.
 */
int pr_dir_open(const struct pr_ldap_conf *conf, struct pr_dir **out, struct pr_errbuf *eb);
void pr_dir_close(struct pr_dir **d);

/* The server that answered (one of the policy's uri values). */
const char *pr_dir_uri(const struct pr_dir *d);

/* Whether err means "no directory answered": the offline cache's case. */
bool pr_dir_unreachable(int err);

/*
 * The bind password: path must be a regular file, not a link, owned by
 * root, with no group or other permission bits (0600 or 0400), as the trust
 * anchors are checked. One line; a final newline is not part of it.
 * *out is wiped and freed with pr_secret_strfree.
 */
int pr_dir_password_read(const char *path, char **out, struct pr_errbuf *eb);

#endif
