/*
 * Where per-user state lives (doc/ARCHITECTURE.md §7.6): the local state
 * directory, and with `store = ldap` the clinic directory for the slots
 * that must be shared across hosts. Every per-user state operation takes
 * one of these instead of a bare state_dir. What stays per machine (locks,
 * audit, intents, rate files, break glass, the offline cache) is always
 * under dir.
 *
 * The connection opens on the first directory use and is kept until
 * pr_state_close; a failed open is remembered (conn_err), so one front-end
 * run waits for an unreachable directory at most once. conn_err tells the
 * offline cache whether the directory answered (pr_dir_unreachable).
 */
#ifndef PR_STATE_H
#define PR_STATE_H

#include <stdbool.h>

#include "config_ldap.h"
#include "err.h"

struct pr_config;
struct pr_dir;

struct pr_state {
	const char *dir;                  /* state_dir */
	enum pr_store_kind kind;
	const struct pr_ldap_conf *ldap;  /* NULL unless kind is PR_STORE_LDAP */
	struct pr_dir *conn;              /* opened lazily by pr_state_conn */
	bool tried;                       /* an open was attempted */
	int conn_err;                     /* PR_OK, or why that open failed */
	struct pr_errbuf conn_eb;         /* ... in words, said again to later users */
};

/* A files-only state on dir, for tests and tools that have no policy file. */
#define PR_STATE_FILES(d) (&(struct pr_state){ .dir = (d), .kind = PR_STORE_FILES })

/* What cfg says (state_dir, store, ldap { }); nothing is opened. cfg must outlive st. */
void pr_state_init(struct pr_state *st, const struct pr_config *cfg);

/* The same, allocated (pr_config_load's); NULL on allocation failure. */
struct pr_state *pr_state_new(const struct pr_config *cfg);
void pr_state_free(struct pr_state **st);

/* Whether per-user slots live in the directory. */
bool pr_state_directory(const struct pr_state *st);

/*
 * The directory connection, opened on first use (bounded by the policy's
 * timeout). After a failed open the same error is returned again without
 * a second wait, eb saying so.
 */
int pr_state_conn(struct pr_state *st, struct pr_dir **out, struct pr_errbuf *eb);

/* Close the connection; st can be used again (a later use reopens). */
void pr_state_close(struct pr_state *st);

#endif
