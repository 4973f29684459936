/*
 * practicerunner-admin store status
 *
 * Where the policy keeps credentials and whether that store can be used
 * from this machine (doc/ARCHITECTURE.md §7.6): for the directory, every
 * server in the order a sign-in tries them, the one it would use, how long
 * a read takes there, how many user entries it holds, and the offline
 * cache's age. The probes and counts are lib/'s (dir_status.c,
 * dir_cache.c); this file only words them. Nothing printed is secret:
 * no password, no user name, only counts.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "admin.h"
#include "directory/dir_cache.h"
#include "directory/dir_status.h"
#include "directory/directory.h"
#include "store.h"
#include "util.h"

/* An age as people read it: "40 s", "12 min", "5 h", "3 d". */
static const char *age_text(int64_t s, char buf[32])
{
	if (s < 0)
		s = 0;
	if (s < 120)
		snprintf(buf, 32, "%" PRId64 " s", s);
	else if (s < 120 * 60)
		snprintf(buf, 32, "%" PRId64 " min", s / 60);
	else if (s < 48 * 3600)
		snprintf(buf, 32, "%" PRId64 " h", s / 3600);
	else
		snprintf(buf, 32, "%" PRId64 " d", s / 86400);
	return buf;
}

static int status_files(const struct cli *c)
{
	struct pr_strlist users = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	int r;

	printf("store: files (credentials are kept on this machine)\n");
	printf("state directory: %s\n", c->cfg->state_dir);
	if ((r = pr_store_users(c->cfg->state, &users, &eb)) != PR_OK) {
		cli_err(c, "%s: the state directory cannot be used: %s", c->cfg->state_dir,
		    eb.msg[0] ? eb.msg : pr_strerror(r));
		return cli_exit_code(r);
	}
	printf("users with credentials: %zu\n", users.n);
	pr_strlist_clear(&users);
	return CLI_OK;
}

static void print_probe(const struct pr_dir_probe *p, size_t i, bool used, long timeout)
{
	printf("  %zu. %s: ", i + 1, p->uri);
	if (pr_dir_unreachable(p->err)) {
		printf("no answer within the timeout (%ld s)\n", timeout);
		return;
	}
	if (p->err != PR_OK) {
		printf("refused: %s%s\n       %s\n", pr_strerror(p->err),
		    used ? " (sign-in stops here)" : "", p->eb.msg);
		return;
	}
	printf("reachable%s\n", used ? " (sign-in uses this server)" : "");
	if (p->tls)
		printf("       TLS set-up (connect and handshake): %.1f ms\n", p->connect_ms);
	else if (p->starttls)
		printf("       connect: %.1f ms, TLS set-up (StartTLS): %.1f ms\n",
		    p->connect_ms, p->starttls_ms);
}

/* The server in use: how long a read takes there and how many users it holds. */
static void print_used(const struct cli *c, const struct pr_dir_status *st)
{
	printf("bind DN: %s\nbase: %s\n", c->cfg->ldap.bind_dn, c->cfg->ldap.base);
	if (st->used == st->n || st->probe[st->used].err != PR_OK)
		return;
	if (st->users < 0) {
		printf("base-scope read or user count failed: %s\n", st->count_eb.msg);
		return;
	}
	printf("base-scope read (round trip): %.1f ms\n", st->read_ms);
	printf("user entries (practiceRunnerUser): %s%ld%s\n", st->users_more ? "at least " : "",
	    st->users, st->users_more ? " (a size limit ended the count)" : "");
}

/* The offline cache: CLI_OK, or CLI_STATE when its directory is unsafe. */
static int print_cache(const struct cli *c)
{
	struct pr_dir_cache_ages a;
	struct pr_errbuf eb = { 0 };
	int64_t now = pr_now(), max = c->cfg->ldap.cache_max_age;
	char b1[32], b2[32], b3[32];
	int r;

	printf("offline cache: %s/%s: ", c->cfg->state_dir, PR_DIR_CACHE_SUBDIR);
	if ((r = pr_dir_cache_ages(c->cfg->state_dir, max, now, &a, &eb)) != PR_OK) {
		printf("cannot be read\n");
		cli_err(c, "%s", eb.msg);
		return cli_exit_code(r);
	}
	if (max == 0) {
		printf("off (cache_max_age = 0: no sign-in while no directory answers)\n");
		return CLI_OK;
	}
	if (a.n == 0) {
		printf("empty\n");
		return CLI_OK;
	}
	printf("%zu %s, newest %s old, oldest %s old; cache_max_age %s: %zu older than "
	    "that\n", a.n, a.n == 1 ? "user" : "users", age_text(now - a.newest, b1),
	    age_text(now - a.oldest, b2), age_text(max, b3), a.stale);
	return CLI_OK;
}

/* What the outcome means and what to do; the exit status. */
static int verdict(const struct cli *c, const struct pr_dir_status *st)
{
	if (st->err == PR_OK)
		return CLI_OK;
	if (pr_dir_unreachable(st->err)) {
		fprintf(stderr, "No directory server answered within %ld s: check that slapd "
		    "runs and that this machine reaches it (network, firewall, uri).\n",
		    c->cfg->ldap.timeout);
		return CLI_STATE;
	}
	fprintf(stderr, "The directory answered and refused: correct the ldap section of "
	    "the policy or the directory as the message above says.\n");
	return CLI_CONFIG;
}

static int status_ldap(const struct cli *c)
{
	struct pr_dir_status st;
	struct pr_errbuf eb = { 0 };
	int r, rc;

	printf("store: ldap (the clinic directory)\n");
	if ((r = pr_dir_status(&c->cfg->ldap, &st, &eb)) != PR_OK) {
		cli_err(c, "%s: ldap { }: %s", c->cfg->path, eb.msg[0] ? eb.msg : pr_strerror(r));
		return r == PR_ERR_NOMEM ? CLI_FAILED : CLI_CONFIG;
	}
	printf("servers, in the order sign-in tries them:\n");
	for (size_t i = 0; i < st.n; i++)
		print_probe(&st.probe[i], i, i == st.used, c->cfg->ldap.timeout);
	print_used(c, &st);
	r = print_cache(c);
	rc = verdict(c, &st);
	pr_dir_status_clear(&st);
	return rc != CLI_OK ? rc : r;
}

int admin_store_status(struct cli *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		cli_err(c, "usage: store status");
		return CLI_USAGE;
	}
	if (!cli_require_root(c))
		return CLI_FAILED;
	return c->cfg->store == PR_STORE_LDAP ? status_ldap(c) : status_files(c);
}
