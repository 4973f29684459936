/*
 * The clinic directory as `store status` shows it (dir_status.h). Each
 * server is opened exactly as a sign-in opens it, through pr_dir_open with
 * a uri list of that one server, so what the report says about a server
 * (answered, refused and why, no answer in time) is what a sign-in meets.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dir_internal.h"
#include "dir_status.h"
#include "util.h"

#define USER_FILTER "(objectClass=practiceRunnerUser)"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One server, alone; on success the open handle in *out. */
static void probe_one(const struct pr_ldap_conf *conf, size_t i, struct pr_dir_probe *p,
    struct pr_dir **out)
{
	struct pr_ldap_conf one = *conf;
	struct pr_dir *d = NULL;

	one.uri.v = &conf->uri.v[i];
	one.uri.n = 1;
	p->uri = conf->uri.v[i];
	p->tls = strncmp(p->uri, "ldaps://", 8) == 0;
	p->starttls = !p->tls && conf->starttls;
	p->err = pr_dir_open(&one, &d, &p->eb);
	if (p->err != PR_OK)
		return;
	p->connect_ms = d->connect_s * 1e3;
	p->starttls_ms = d->starttls_s * 1e3;
	*out = d;
}

/* The round trip of one base-scope read of the base entry (no attributes). */
static int read_time(struct pr_dir *d, double *ms, struct pr_errbuf *eb)
{
	char *attrs[] = { LDAP_NO_ATTRS, NULL };
	LDAPMessage *res = NULL;
	double start = now_ms();
	int rc;

	rc = ldap_search_ext_s(d->ld, d->base, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0,
	    NULL, NULL, &d->timeout, 1, &res);
	*ms = now_ms() - start;
	ldap_msgfree(res);
	return rc == LDAP_SUCCESS ? PR_OK : pr_dir_fail(d, rc, "reading the base entry", eb);
}

/*
 * The user entries under base, counted one message at a time (none is
 * kept), at most PR_DIR_STATUS_COUNT_MAX; a size limit, ours or the
 * server's, ends the count with *more set.
 */
static int count_users(struct pr_dir *d, long *n, bool *more, struct pr_errbuf *eb)
{
	char *attrs[] = { LDAP_NO_ATTRS, NULL };
	LDAPMessage *msg = NULL;
	int msgid, rc, type, result = LDAP_OTHER;

	*n = 0;
	*more = false;
	rc = ldap_search_ext(d->ld, d->base, LDAP_SCOPE_ONELEVEL, USER_FILTER, attrs, 0, NULL,
	    NULL, &d->timeout, PR_DIR_STATUS_COUNT_MAX, &msgid);
	if (rc != LDAP_SUCCESS)
		return pr_dir_fail(d, rc, "counting the user entries", eb);
	for (;;) {
		type = ldap_result(d->ld, msgid, LDAP_MSG_ONE, &d->timeout, &msg);
		if (type == LDAP_RES_SEARCH_ENTRY)
			(*n)++;
		else if (type == LDAP_RES_SEARCH_RESULT)
			rc = ldap_parse_result(d->ld, msg, &result, NULL, NULL, NULL, NULL, 0);
		ldap_msgfree(msg);
		msg = NULL;
		if (type == LDAP_RES_SEARCH_RESULT || type <= 0)
			break;
	}
	if (type == 0) {
		ldap_abandon_ext(d->ld, msgid, NULL, NULL);
		return pr_dir_fail(d, LDAP_TIMEOUT, "counting the user entries", eb);
	}
	if (type < 0 || rc != LDAP_SUCCESS)
		return pr_dir_fail(d, LDAP_SERVER_DOWN, "counting the user entries", eb);
	if (result == LDAP_SIZELIMIT_EXCEEDED || result == LDAP_ADMINLIMIT_EXCEEDED) {
		*more = true;
		return PR_OK;
	}
	return result == LDAP_SUCCESS ? PR_OK :
	    pr_dir_fail(d, result, "counting the user entries", eb);
}

/*
 * The server a sign-in uses: the read time and the count, into st. A
 * server that answered the bind but fails these fails sign-ins too: its
 * error becomes st->err.
 */
static void measure(struct pr_dir *d, struct pr_dir_status *st)
{
	int r;

	if ((r = read_time(d, &st->read_ms, &st->count_eb)) != PR_OK ||
	    (r = count_users(d, &st->users, &st->users_more, &st->count_eb)) != PR_OK) {
		st->users = -1;
		st->err = r;
	}
}

int pr_dir_status(const struct pr_ldap_conf *conf, struct pr_dir_status *st,
    struct pr_errbuf *eb)
{
	char *password = NULL;
	int r;

	memset(st, 0, sizeof(*st));
	st->users = -1;
	st->err = PR_ERR_DIR_UNREACHABLE;
	if (conf == NULL || conf->uri.n == 0)
		return pr_fail(eb, PR_ERR_CONFIG, "the policy's ldap section names no uri");
	/* A password file that every server would be refused for is said once. */
	if ((r = pr_dir_password_read(conf->bind_password_file, &password, eb)) != PR_OK)
		return r;
	pr_secret_strfree(&password);
	if ((st->probe = calloc(conf->uri.n, sizeof(*st->probe))) == NULL)
		return PR_ERR_NOMEM;
	st->n = conf->uri.n;
	st->used = st->n;
	for (size_t i = 0; i < st->n; i++) {
		struct pr_dir *d = NULL;

		probe_one(conf, i, &st->probe[i], &d);
		/* As pr_dir_open: the first server that answers is the one used, refusing or not. */
		if (st->used == st->n && !pr_dir_unreachable(st->probe[i].err)) {
			st->used = i;
			st->err = st->probe[i].err;
			if (d != NULL)
				measure(d, st);
		}
		pr_dir_close(&d);
	}
	return PR_OK;
}

void pr_dir_status_clear(struct pr_dir_status *st)
{
	free(st->probe);
	memset(st, 0, sizeof(*st));
}
