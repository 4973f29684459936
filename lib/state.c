/* Where per-user state lives, and the directory connection opened on first use (state.h). */
#include "config.h"

#include <stdlib.h>

#include "conf.h"
#include "directory/directory.h"
#include "state.h"

void pr_state_init(struct pr_state *st, const struct pr_config *cfg)
{
	st->dir = cfg->state_dir;
	st->kind = cfg->store;
	st->ldap = cfg->store == PR_STORE_LDAP ? &cfg->ldap : NULL;
	st->conn = NULL;
	st->tried = false;
	st->conn_err = PR_OK;
	st->conn_eb.msg[0] = '\0';
}

struct pr_state *pr_state_new(const struct pr_config *cfg)
{
	struct pr_state *st = calloc(1, sizeof(*st));

	if (st != NULL)
		pr_state_init(st, cfg);
	return st;
}

void pr_state_free(struct pr_state **st)
{
	if (st == NULL || *st == NULL)
		return;
	pr_state_close(*st);
	free(*st);
	*st = NULL;
}

bool pr_state_directory(const struct pr_state *st)
{
	return st->kind == PR_STORE_LDAP;
}

int pr_state_conn(struct pr_state *st, struct pr_dir **out, struct pr_errbuf *eb)
{
	*out = NULL;
	if (st->kind != PR_STORE_LDAP || st->ldap == NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "the policy does not use the directory");
	/* The first failure's own words: "cannot be reached, try again" must reach the person. */
	if (st->conn == NULL && st->tried)
		return pr_fail(eb, st->conn_err, "%s", st->conn_eb.msg);
	if (st->conn == NULL) {
		st->tried = true;
		st->conn_err = pr_dir_open(st->ldap, &st->conn, &st->conn_eb);
		if (st->conn_err != PR_OK)
			return pr_fail(eb, st->conn_err, "%s", st->conn_eb.msg);
	}
	*out = st->conn;
	return PR_OK;
}

void pr_state_close(struct pr_state *st)
{
	if (st->conn != NULL)
		pr_dir_close(&st->conn);
	st->tried = false;
	st->conn_err = PR_OK;
	st->conn_eb.msg[0] = '\0';
}
