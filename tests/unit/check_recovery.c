/*
 * Unit tests of lib/recovery.c over the real ticket, code, tally and store
 * files: begin (locked and unreadable tallies fail closed), pending, the
 * ticket step (wrong and unreadable tickets counted on the ticket and the
 * account, the 5th voids it, the account limit locks), the code step
 * (consumed once, wrong, missing, older set, no set, the retry after a
 * consumed code; parallel runs evaluate no more codes than the ticket and
 * the account allow, each try counted before its evaluation), commit/undo/done, when recovery is offered, and a
 * user's own ticket request with a fake mail command that records the
 * message. The policy is built in memory. Run as root (state files must
 * be owned by root).
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <fido.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codes.h"
#include "conf.h"
#include "err.h"
#include "lockout.h"
#include "recovery.h"
#include "store.h"
#include "ticket.h"
#include "util.h"
#include "testlib.h"

#define NOW ((int64_t)1700000000)
#define LIFETIME 1800
#define WRONG_TICKET "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA"
#define WRONG_CODE "AAAA-AAAA-AAAA-AAAA"
#define RP_ID "pam://riverside-clinic"

static char sdir[64];
static char fake[128];       /* the recording mail command */
static char mail_cmd[160];   /* fake + " -t" */
static char svc_login[] = "login";
static char svc_gdm[] = "gdm-password";
static char *services[] = { svc_login, svc_gdm };
static struct pr_config cfg;
static struct pr_state state;

/* Count the run, keep the message, then exit with $D/status (default 0). */
static const char recorder[] =
    "#!/bin/sh\n"
    "D=${0%/*}\n"
    "echo run >> \"$D/sent\"\n"
    "cat > \"$D/msg\"\n"
    "[ -f \"$D/status\" ] && exit $(cat \"$D/status\")\n"
    "exit 0\n";

static void path_of(char *out, size_t size, const char *name)
{
	int n = snprintf(out, size, "%s/%s", sdir, name);

	ck_assert(n > 0 && (size_t)n < size);
}

static void put(const char *name, const char *data, mode_t mode)
{
	char p[192];

	path_of(p, sizeof(p), name);
	test_write_file(p, data, strlen(data), mode);
}

static void setup(void)
{
	strcpy(sdir, "/tmp/check_recovery.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(sdir));
	path_of(fake, sizeof(fake), "fakemail");
	snprintf(mail_cmd, sizeof(mail_cmd), "%s -t", fake);
	put("fakemail", recorder, 0755);
	memset(&cfg, 0, sizeof(cfg));
	cfg.rp_id = (char *)RP_ID;
	cfg.state_dir = sdir;
	pr_state_init(&state, &cfg);
	cfg.state = &state;
	cfg.recovery.services.v = services;
	cfg.recovery.services.n = 2;
	cfg.recovery.ticket_lifetime = LIFETIME;
	cfg.recovery.codes = 3;
	cfg.recovery.self_request = true;
	cfg.recovery.mail_command = mail_cmd;
}

static void teardown(void)
{
	ck_assert_msg(test_rm_tree(AT_FDCWD, sdir), "could not remove %s", sdir);
}

/* ---- helpers ------------------------------------------------------------------------ */

static char *new_ticket(void)
{
	struct pr_errbuf eb = { 0 };
	char *t = NULL;

	ck_assert_msg(pr_ticket_create(PR_STATE_FILES(sdir), "alice", LIFETIME, NOW, &t, &eb) == PR_OK, "%s",
	    eb.msg);
	ck_assert_ptr_nonnull(t);
	return t;
}

static char **new_codes(int n)
{
	struct pr_errbuf eb = { 0 };
	char **codes = NULL;

	ck_assert_msg(pr_codes_generate(PR_STATE_FILES(sdir), "alice", n, NOW, &codes, &eb) == PR_OK, "%s",
	    eb.msg);
	return codes;
}

static int ticket_failures(void)
{
	struct pr_ticket_info info;

	ck_assert_int_eq(pr_ticket_info(PR_STATE_FILES(sdir), "alice", &info, NULL), PR_OK);
	return info.failures;
}

static bool ticket_exists(void)
{
	struct pr_ticket_info info;
	int r = pr_ticket_info(PR_STATE_FILES(sdir), "alice", &info, NULL);

	ck_assert(r == PR_OK || r == PR_ERR_NOT_FOUND);
	return r == PR_OK;
}

static int tally(void)
{
	struct pr_lockout st;

	ck_assert_int_eq(pr_lockout_get(PR_STATE_FILES(sdir), "alice", &st, NULL), PR_OK);
	return st.failures;
}

static void fail_account(int n)
{
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(pr_lockout_fail(PR_STATE_FILES(sdir), "alice", NOW, NULL, NULL), PR_OK);
}

static int remaining_codes(void)
{
	struct pr_codes_status st;

	ck_assert_int_eq(pr_codes_status(PR_STATE_FILES(sdir), "alice", &st, NULL), PR_OK);
	return st.remaining;
}

/* begin + ticket, both must pass. */
static void accept_ticket(struct pr_recovery *rc, const char *t, int64_t now)
{
	struct pr_errbuf eb = { 0 };

	ck_assert_msg(pr_recovery_begin(rc, &cfg, "alice", &eb) == PR_OK, "%s", eb.msg);
	ck_assert_msg(pr_recovery_ticket(rc, t, now, &eb) == PR_OK, "%s", eb.msg);
}

/* A valid ES256 FIDO credential, distinct per seed; pr_cred_clear frees it. */
static void make_cred(struct pr_cred *c, unsigned char seed)
{
	memset(c, 0, sizeof(*c));
	c->id_len = 32;
	c->id = malloc(c->id_len);
	ck_assert_ptr_nonnull(c->id);
	for (size_t i = 0; i < c->id_len; i++)
		c->id[i] = (unsigned char)(seed * 17 + i);
	c->cose_alg = COSE_ES256;
	c->pubkey_len = 64;
	c->pubkey = malloc(c->pubkey_len);
	ck_assert_ptr_nonnull(c->pubkey);
	for (size_t i = 0; i < c->pubkey_len; i++)
		c->pubkey[i] = (unsigned char)(i ^ seed);
	c->cls = PR_CLASS_PHYSICAL;
	c->kind = PR_KIND_FIDO;
	strcpy(c->fmt, "packed");
	snprintf(c->label, sizeof(c->label), "replacement %u", seed);
	c->created = NOW;
}

static size_t stored_creds(const struct pr_cred *want)
{
	struct pr_errbuf eb = { 0 };
	struct pr_credlist l = { NULL, 0 };
	size_t n;

	ck_assert_msg(pr_store_load(PR_STATE_FILES(sdir), "alice", &l, &eb) == PR_OK, "%s", eb.msg);
	if (want != NULL) {
		const struct pr_cred *c = pr_credlist_find(&l, want->id, want->id_len);
		ck_assert_ptr_nonnull(c);
		ck_assert_str_eq(c->label, want->label);
		ck_assert_int_eq(c->cls, PR_CLASS_PHYSICAL);
		ck_assert_uint_eq(c->pubkey_len, 64);
		ck_assert_mem_eq(c->pubkey, want->pubkey, 64);
	}
	n = l.n;
	pr_credlist_clear(&l);
	return n;
}

static bool in_store(const struct pr_cred *c)
{
	struct pr_credlist l = { NULL, 0 };
	bool found;

	ck_assert_int_eq(pr_store_load(PR_STATE_FILES(sdir), "alice", &l, NULL), PR_OK);
	found = pr_credlist_find(&l, c->id, c->id_len) != NULL;
	pr_credlist_clear(&l);
	return found;
}

/* How many times the fake mail command ran. */
static int mails_sent(void)
{
	char p[192], *text;
	int n = 0;

	path_of(p, sizeof(p), "sent");
	if (!test_exists(p))
		return 0;
	text = test_slurp(p);
	for (const char *q = text; (q = strstr(q, "run\n")) != NULL; q += 4)
		n++;
	free(text);
	return n;
}

static char *last_mail(void)
{
	char p[192];

	path_of(p, sizeof(p), "msg");
	ck_assert(test_exists(p));
	return test_slurp(p);
}

/* ---- begin -------------------------------------------------------------------------- */

START_TEST(begin_fresh)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;

	memset(&rc, 0xa5, sizeof(rc));
	ck_assert_int_eq(pr_recovery_begin(&rc, &cfg, "alice", &eb), PR_OK);
	ck_assert_ptr_eq(rc.cfg, &cfg);
	ck_assert_str_eq(rc.user, "alice");
	ck_assert_int_eq(rc.tally.failures, 0);
	ck_assert(!rc.tally.locked);
	ck_assert(!rc.code_used);
	ck_assert(!rc.no_code_set);
	ck_assert(!rc.mark_failed);
	ck_assert_int_eq(rc.expires, 0);
}
END_TEST

START_TEST(begin_locked_at_limit)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;

	fail_account(PR_LOCKOUT_LIMIT - 1);
	ck_assert_int_eq(pr_recovery_begin(&rc, &cfg, "alice", &eb), PR_OK);
	ck_assert_int_eq(rc.tally.failures, PR_LOCKOUT_LIMIT - 1);
	ck_assert(!rc.tally.locked);
	fail_account(1);
	ck_assert_int_eq(pr_recovery_begin(&rc, &cfg, "alice", &eb), PR_ERR_LOCKED_OUT);
	ck_assert_int_eq(rc.tally.failures, PR_LOCKOUT_LIMIT);
	ck_assert(rc.tally.locked);
	/* Another account is not affected. */
	ck_assert_int_eq(pr_recovery_begin(&rc, &cfg, "bob", &eb), PR_OK);
}
END_TEST

START_TEST(begin_corrupt_tally_fails_closed)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;
	char p[192];

	path_of(p, sizeof(p), "tally");
	ck_assert_int_eq(mkdir(p, 0700), 0);
	put("tally/alice", "practicerunner-tally 1\nfailures=1 last=1700000000\n", 0600);
	ck_assert_int_eq(pr_recovery_begin(&rc, &cfg, "alice", &eb), PR_OK);
	ck_assert_int_eq(rc.tally.failures, 1);
	put("tally/alice", "practicerunner-tally 1\nfailures=zero last=1700000000\n", 0600);
	ck_assert_int_eq(pr_recovery_begin(&rc, &cfg, "alice", &eb), PR_ERR_LOCKED_OUT);
	ck_assert(rc.tally.locked);
	ck_assert_ptr_nonnull(strstr(eb.msg, "tally/alice:2: failures is not a number"));
}
END_TEST

START_TEST(begin_unsafe_tally_fails_closed)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;
	char p[192], f[192];

	path_of(p, sizeof(p), "tally");
	ck_assert_int_eq(mkdir(p, 0700), 0);
	put("tally/alice", "practicerunner-tally 1\nfailures=1 last=1700000000\n", 0600);
	path_of(f, sizeof(f), "tally/alice");
	/* Not root's. */
	ck_assert_int_eq(chown(f, NOBODY_UID, NOBODY_GID), 0);
	ck_assert_int_eq(pr_recovery_begin(&rc, &cfg, "alice", &eb), PR_ERR_LOCKED_OUT);
	ck_assert(rc.tally.locked);
	ck_assert_ptr_nonnull(strstr(eb.msg, "tally/alice"));
	/* Root's but writable by others. */
	ck_assert_int_eq(chown(f, 0, 0), 0);
	ck_assert_int_eq(chmod(f, 0606), 0);
	ck_assert_int_eq(pr_recovery_begin(&rc, &cfg, "alice", &eb), PR_ERR_LOCKED_OUT);
	ck_assert(rc.tally.locked);
	/* A link in its place. */
	ck_assert_int_eq(unlink(f), 0);
	ck_assert_int_eq(symlink("/dev/null", f), 0);
	ck_assert_int_eq(pr_recovery_begin(&rc, &cfg, "alice", &eb), PR_ERR_LOCKED_OUT);
	ck_assert(rc.tally.locked);
}
END_TEST

/* ---- pending ------------------------------------------------------------------------ */

START_TEST(pending_no_ticket)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;

	ck_assert_int_eq(pr_recovery_begin(&rc, &cfg, "alice", &eb), PR_OK);
	ck_assert_int_eq(pr_recovery_pending(&rc, NOW, &eb), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(rc.expires, 0);
}
END_TEST

START_TEST(pending_expired)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;
	char *t = new_ticket();

	ck_assert_int_eq(pr_recovery_begin(&rc, &cfg, "alice", &eb), PR_OK);
	ck_assert_int_eq(pr_recovery_pending(&rc, NOW + LIFETIME - 1, &eb), PR_OK);
	ck_assert_int_eq(pr_recovery_pending(&rc, NOW + LIFETIME, &eb), PR_ERR_EXPIRED);
	ck_assert_int_eq(pr_recovery_pending(&rc, NOW + LIFETIME + 3600, &eb), PR_ERR_EXPIRED);
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(pending_sets_expires)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;
	char *t = new_ticket();

	ck_assert_int_eq(pr_recovery_begin(&rc, &cfg, "alice", &eb), PR_OK);
	ck_assert_int_eq(pr_recovery_pending(&rc, NOW + 10, &eb), PR_OK);
	ck_assert_int_eq(rc.expires, NOW + LIFETIME);
	/* Looking does not use it up or count anything. */
	ck_assert_int_eq(ticket_failures(), 0);
	ck_assert_int_eq(tally(), 0);
	pr_secret_strfree(&t);
}
END_TEST

/* ---- ticket ------------------------------------------------------------------------- */

START_TEST(ticket_correct)
{
	struct pr_recovery rc;
	char *t = new_ticket();

	accept_ticket(&rc, t, NOW + 5);
	ck_assert_int_eq(rc.expires, NOW + LIFETIME);
	ck_assert(!rc.code_used);
	ck_assert_int_eq(ticket_failures(), 0);
	ck_assert_int_eq(tally(), 0);
	/* Checked, not used up. */
	ck_assert(ticket_exists());
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(ticket_null_counted)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;
	char *t = new_ticket();

	ck_assert_int_eq(pr_recovery_begin(&rc, &cfg, "alice", &eb), PR_OK);
	ck_assert_int_eq(pr_recovery_ticket(&rc, NULL, NOW, &eb), PR_ERR_TICKET_INVALID);
	ck_assert_int_eq(ticket_failures(), 1);
	ck_assert_int_eq(tally(), 1);
	ck_assert_int_eq(rc.tally.failures, 1);
	ck_assert(!rc.tally.locked);
	ck_assert_int_eq(pr_recovery_ticket(&rc, NULL, NOW, &eb), PR_ERR_TICKET_INVALID);
	ck_assert_int_eq(ticket_failures(), 2);
	ck_assert_int_eq(tally(), 2);
	ck_assert_int_eq(rc.tally.failures, 2);
	pr_secret_strfree(&t);
}
END_TEST

/* With no ticket (or an expired one) NULL is what a wrong ticket is: nothing to count against. */
START_TEST(ticket_null_without_ticket)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;
	char *t;

	ck_assert_int_eq(pr_recovery_begin(&rc, &cfg, "alice", &eb), PR_OK);
	ck_assert_int_eq(pr_recovery_ticket(&rc, WRONG_TICKET, NOW, &eb), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_recovery_ticket(&rc, NULL, NOW, &eb), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(tally(), 0);
	t = new_ticket();
	ck_assert_int_eq(pr_recovery_ticket(&rc, NULL, NOW + LIFETIME, &eb), PR_ERR_EXPIRED);
	ck_assert_int_eq(tally(), 0);
	ck_assert(!ticket_exists());
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(ticket_wrong_counted)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;
	char *t = new_ticket();

	ck_assert_int_eq(pr_recovery_begin(&rc, &cfg, "alice", &eb), PR_OK);
	ck_assert_int_eq(pr_recovery_ticket(&rc, WRONG_TICKET, NOW, &eb), PR_ERR_TICKET_INVALID);
	ck_assert_ptr_nonnull(strstr(eb.msg, "wrong recovery ticket (1 of 5 tries used)"));
	ck_assert_int_eq(ticket_failures(), 1);
	ck_assert_int_eq(tally(), 1);
	ck_assert_int_eq(rc.tally.failures, 1);
	ck_assert_int_eq(rc.tally.last_failure, NOW);
	ck_assert_int_eq(pr_recovery_ticket(&rc, "garbage", NOW + 1, &eb), PR_ERR_TICKET_INVALID);
	ck_assert_int_eq(ticket_failures(), 2);
	ck_assert_int_eq(tally(), 2);
	ck_assert_int_eq(rc.tally.last_failure, NOW + 1);
	/* The right one still works, and does not reset the account's tally by itself. */
	ck_assert_int_eq(pr_recovery_ticket(&rc, t, NOW + 2, &eb), PR_OK);
	ck_assert_int_eq(tally(), 2);
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(ticket_fifth_wrong_voids)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;
	char *t = new_ticket();

	ck_assert_int_eq(pr_recovery_begin(&rc, &cfg, "alice", &eb), PR_OK);
	for (int i = 1; i < PR_TICKET_MAX_FAILURES; i++) {
		ck_assert_int_eq(pr_recovery_ticket(&rc, WRONG_TICKET, NOW, &eb),
		    PR_ERR_TICKET_INVALID);
		ck_assert_int_eq(ticket_failures(), i);
	}
	ck_assert_int_eq(pr_recovery_ticket(&rc, t, NOW, &eb), PR_OK);
	ck_assert_int_eq(pr_recovery_ticket(&rc, WRONG_TICKET, NOW, &eb), PR_ERR_TICKET_INVALID);
	ck_assert(!ticket_exists());
	ck_assert_int_eq(tally(), PR_TICKET_MAX_FAILURES);
	ck_assert_int_eq(pr_recovery_ticket(&rc, t, NOW, &eb), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_recovery_pending(&rc, NOW, &eb), PR_ERR_NOT_FOUND);
	/* Not counted: there was nothing to guess. */
	ck_assert_int_eq(tally(), PR_TICKET_MAX_FAILURES);
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(ticket_wrong_locks_account)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;
	char *t = new_ticket();

	fail_account(PR_LOCKOUT_LIMIT - 1);
	ck_assert_int_eq(pr_recovery_begin(&rc, &cfg, "alice", &eb), PR_OK);
	ck_assert(!rc.tally.locked);
	ck_assert_int_eq(pr_recovery_ticket(&rc, WRONG_TICKET, NOW, &eb), PR_ERR_TICKET_INVALID);
	ck_assert(rc.tally.locked);
	ck_assert_int_eq(rc.tally.failures, PR_LOCKOUT_LIMIT);
	ck_assert_int_eq(tally(), PR_LOCKOUT_LIMIT);
	ck_assert_int_eq(pr_recovery_begin(&rc, &cfg, "alice", &eb), PR_ERR_LOCKED_OUT);
	pr_secret_strfree(&t);
}
END_TEST

/* ---- code --------------------------------------------------------------------------- */

START_TEST(code_consumed_once)
{
	struct pr_errbuf eb = { 0 };
	struct pr_ticket_info info;
	struct pr_recovery rc;
	char *t = new_ticket(), **codes = new_codes(3);

	accept_ticket(&rc, t, NOW);
	ck_assert_msg(pr_recovery_code(&rc, t, codes[1], NOW + 1, &eb) == PR_OK, "%s", eb.msg);
	ck_assert(rc.code_used);
	ck_assert(!rc.mark_failed);
	ck_assert(!rc.no_code_set);
	ck_assert_int_eq(pr_ticket_info(PR_STATE_FILES(sdir), "alice", &info, NULL), PR_OK);
	ck_assert(info.code_used);
	ck_assert_int_eq(info.failures, 0);
	ck_assert_int_eq(remaining_codes(), 2);
	ck_assert_int_eq(tally(), 0);
	/* Used up: a second use is a wrong code. */
	ck_assert_int_eq(pr_recovery_code(&rc, t, codes[1], NOW + 2, &eb), PR_ERR_CODE_INVALID);
	ck_assert(!rc.no_code_set);
	ck_assert_int_eq(ticket_failures(), 1);
	ck_assert_int_eq(tally(), 1);
	ck_assert_int_eq(remaining_codes(), 2);
	pr_codes_free(&codes, 3);
	pr_secret_strfree(&t);
}
END_TEST

/*
 * Parallel runs: every one has passed the ticket step before any code is
 * checked (the state 12 parallel practicerunner-recover runs reach). The
 * ticket is checked again and a try taken before each evaluation, so only
 * PR_TICKET_MAX_FAILURES codes are evaluated; the rest are refused unchecked
 * (PR_ERR_NOT_FOUND), even a right one, and are not counted on the account.
 * Before, all were evaluated and counted after.
 */
START_TEST(code_parallel_runs_bounded_by_ticket)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc[8];
	char *t = new_ticket(), **codes = new_codes(2);
	int evaluated = 0, r;

	for (int i = 0; i < 8; i++)
		accept_ticket(&rc[i], t, NOW);
	for (int i = 0; i < 7; i++) {
		r = pr_recovery_code(&rc[i], t, WRONG_CODE, NOW, &eb);
		ck_assert(r == PR_ERR_CODE_INVALID || r == PR_ERR_NOT_FOUND);
		evaluated += r == PR_ERR_CODE_INVALID;
	}
	ck_assert_int_eq(evaluated, PR_TICKET_MAX_FAILURES);
	ck_assert(!ticket_exists());
	ck_assert_int_eq(tally(), PR_TICKET_MAX_FAILURES);
	/* The last run holds a right code: not evaluated, not consumed. */
	ck_assert_int_eq(pr_recovery_code(&rc[7], t, codes[0], NOW, &eb), PR_ERR_NOT_FOUND);
	ck_assert(!rc[7].code_used);
	ck_assert_int_eq(remaining_codes(), 2);
	ck_assert_int_eq(tally(), PR_TICKET_MAX_FAILURES);
	pr_codes_free(&codes, 2);
	pr_secret_strfree(&t);
}
END_TEST

/* The same against the account's limit: once it is reached, nothing more is evaluated. */
START_TEST(code_parallel_runs_bounded_by_account)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc[3];
	char *t = new_ticket(), **codes = new_codes(2);

	fail_account(PR_LOCKOUT_LIMIT - 1);
	for (int i = 0; i < 3; i++)
		accept_ticket(&rc[i], t, NOW);
	ck_assert_int_eq(tally(), PR_LOCKOUT_LIMIT - 1);   /* the ticket step gave its try back */
	ck_assert_int_eq(pr_recovery_code(&rc[0], t, WRONG_CODE, NOW, &eb), PR_ERR_CODE_INVALID);
	ck_assert(rc[0].tally.locked);
	ck_assert_int_eq(pr_recovery_code(&rc[1], t, codes[0], NOW, &eb), PR_ERR_LOCKED_OUT);
	ck_assert_int_eq(pr_recovery_code(&rc[2], t, WRONG_CODE, NOW, &eb), PR_ERR_LOCKED_OUT);
	ck_assert_int_eq(remaining_codes(), 2);
	ck_assert_int_eq(tally(), PR_LOCKOUT_LIMIT);
	ck_assert_int_eq(ticket_failures(), 1);   /* the refused ones took no try */
	/* The ticket step refuses as well, before checking anything. */
	ck_assert_int_eq(pr_recovery_ticket(&rc[2], t, NOW, &eb), PR_ERR_LOCKED_OUT);
	ck_assert_int_eq(ticket_failures(), 1);
	pr_codes_free(&codes, 2);
	pr_secret_strfree(&t);
}
END_TEST

/*
 * The try is on disk before the evaluation: a run killed during it (never
 * settled) leaves it counted; the last try in flight makes the ticket void
 * to everyone else; giving it back makes it usable again.
 */
START_TEST(code_try_counted_before_evaluation)
{
	struct pr_errbuf eb = { 0 };
	struct pr_lockout st;
	bool voided = true;
	char *t = new_ticket();

	ck_assert_int_eq(pr_ticket_reserve(PR_STATE_FILES(sdir), "alice", t, NOW, &eb), PR_OK);
	ck_assert_int_eq(ticket_failures(), 1);
	ck_assert_int_eq(pr_lockout_reserve(PR_STATE_FILES(sdir), "alice", NOW, &st, &eb), PR_OK);
	ck_assert_int_eq(tally(), 1);
	for (int i = 1; i < PR_TICKET_MAX_FAILURES; i++)
		ck_assert_int_eq(pr_ticket_reserve(PR_STATE_FILES(sdir), "alice", t, NOW, &eb), PR_OK);
	ck_assert(!ticket_exists());   /* every try taken: void while the last is checked */
	ck_assert(!pr_ticket_active(PR_STATE_FILES(sdir), "alice", NOW));
	ck_assert_int_eq(pr_ticket_reserve(PR_STATE_FILES(sdir), "alice", t, NOW, &eb), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_ticket_release(PR_STATE_FILES(sdir), "alice", t, true, &eb), PR_OK);
	ck_assert(ticket_exists());
	ck_assert_int_eq(ticket_failures(), PR_TICKET_MAX_FAILURES - 1);
	ck_assert_int_eq(pr_ticket_spent(PR_STATE_FILES(sdir), "alice", t, &voided, &eb), PR_OK);
	ck_assert(!voided);
	ck_assert_int_eq(pr_ticket_reserve(PR_STATE_FILES(sdir), "alice", t, NOW, &eb), PR_OK);
	ck_assert_int_eq(pr_ticket_spent(PR_STATE_FILES(sdir), "alice", t, &voided, &eb), PR_OK);
	ck_assert(voided);
	ck_assert(!ticket_exists());
	/* A wrong ticket at reservation is counted as one. */
	pr_secret_strfree(&t);
	t = new_ticket();
	ck_assert_int_eq(pr_ticket_reserve(PR_STATE_FILES(sdir), "alice", WRONG_TICKET, NOW, &eb),
	    PR_ERR_TICKET_INVALID);
	ck_assert_int_eq(ticket_failures(), 1);
	ck_assert_int_eq(pr_lockout_release(PR_STATE_FILES(sdir), "alice", &st, &eb), PR_OK);
	ck_assert_int_eq(tally(), 0);
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(code_wrong_counted)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;
	char *t = new_ticket(), **codes = new_codes(3);

	accept_ticket(&rc, t, NOW);
	ck_assert_int_eq(pr_recovery_code(&rc, t, WRONG_CODE, NOW, &eb), PR_ERR_CODE_INVALID);
	ck_assert_str_eq(eb.msg, "not a valid recovery code");
	ck_assert(!rc.code_used);
	ck_assert(!rc.no_code_set);
	ck_assert_int_eq(ticket_failures(), 1);
	ck_assert_int_eq(tally(), 1);
	ck_assert_int_eq(rc.tally.failures, 1);
	ck_assert_int_eq(remaining_codes(), 3);
	ck_assert_int_eq(pr_recovery_code(&rc, t, "not even a code", NOW, &eb),
	    PR_ERR_CODE_INVALID);
	ck_assert_int_eq(ticket_failures(), 2);
	ck_assert_int_eq(tally(), 2);
	/* A right one after wrong ones still works. */
	ck_assert_int_eq(pr_recovery_code(&rc, t, codes[0], NOW, &eb), PR_OK);
	ck_assert(rc.code_used);
	pr_codes_free(&codes, 3);
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(code_null_counted)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;
	char *t = new_ticket(), **codes = new_codes(2);

	accept_ticket(&rc, t, NOW);
	ck_assert_int_eq(pr_recovery_code(&rc, t, NULL, NOW, &eb), PR_ERR_CODE_INVALID);
	ck_assert(!rc.code_used);
	ck_assert_int_eq(ticket_failures(), 1);
	ck_assert_int_eq(tally(), 1);
	ck_assert_int_eq(remaining_codes(), 2);
	pr_codes_free(&codes, 2);
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(code_no_set)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;
	char *t = new_ticket();

	accept_ticket(&rc, t, NOW);
	ck_assert_int_eq(pr_recovery_code(&rc, t, WRONG_CODE, NOW, &eb), PR_ERR_CODE_INVALID);
	ck_assert(rc.no_code_set);
	ck_assert(!rc.code_used);
	ck_assert_int_eq(ticket_failures(), 1);
	ck_assert_int_eq(tally(), 1);
	/* The flag is about the last code only. */
	{
		char **codes = new_codes(2);
		ck_assert_int_eq(pr_recovery_code(&rc, t, WRONG_CODE, NOW, &eb),
		    PR_ERR_CODE_INVALID);
		ck_assert(!rc.no_code_set);
		pr_codes_free(&codes, 2);
	}
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(code_older_set_refused)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;
	char *t = new_ticket(), **old = new_codes(2), **cur = new_codes(2);

	accept_ticket(&rc, t, NOW);
	ck_assert_int_eq(pr_recovery_code(&rc, t, old[0], NOW, &eb), PR_ERR_CODE_INVALID);
	ck_assert(!rc.no_code_set);
	ck_assert(!rc.code_used);
	ck_assert_int_eq(ticket_failures(), 1);
	ck_assert_int_eq(tally(), 1);
	ck_assert_int_eq(remaining_codes(), 2);
	ck_assert_int_eq(pr_recovery_code(&rc, t, cur[0], NOW, &eb), PR_OK);
	ck_assert_int_eq(remaining_codes(), 1);
	pr_codes_free(&old, 2);
	pr_codes_free(&cur, 2);
	pr_secret_strfree(&t);
}
END_TEST

/* Wrong tickets and wrong codes use up the same five tries. */
START_TEST(code_and_ticket_share_limit)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;
	char *t = new_ticket(), **codes = new_codes(2);

	accept_ticket(&rc, t, NOW);
	ck_assert_int_eq(pr_recovery_ticket(&rc, WRONG_TICKET, NOW, &eb), PR_ERR_TICKET_INVALID);
	ck_assert_int_eq(pr_recovery_ticket(&rc, WRONG_TICKET, NOW, &eb), PR_ERR_TICKET_INVALID);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pr_recovery_code(&rc, t, WRONG_CODE, NOW, &eb),
		    PR_ERR_CODE_INVALID);
	ck_assert_int_eq(ticket_failures(), 4);
	ck_assert(ticket_exists());
	ck_assert_int_eq(pr_recovery_code(&rc, t, NULL, NOW, &eb), PR_ERR_CODE_INVALID);
	ck_assert(!ticket_exists());
	ck_assert_int_eq(tally(), 5);
	ck_assert_int_eq(pr_recovery_ticket(&rc, t, NOW, &eb), PR_ERR_NOT_FOUND);
	pr_codes_free(&codes, 2);
	pr_secret_strfree(&t);
}
END_TEST

/* A later run (enrollment failed after the code) sees the code as used: none is asked again. */
START_TEST(code_used_seen_on_retry)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc, again;
	char *t = new_ticket(), **codes = new_codes(2);

	accept_ticket(&rc, t, NOW);
	ck_assert(!rc.code_used);
	ck_assert_int_eq(pr_recovery_code(&rc, t, codes[0], NOW, &eb), PR_OK);
	accept_ticket(&again, t, NOW + 300);
	ck_assert(again.code_used);
	ck_assert_int_eq(again.expires, NOW + LIFETIME);
	ck_assert_int_eq(remaining_codes(), 1);
	pr_codes_free(&codes, 2);
	pr_secret_strfree(&t);
}
END_TEST

/* ---- commit, undo, done ------------------------------------------------------------- */

START_TEST(commit_stores_and_finishes)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;
	struct pr_cred c;
	char *t = new_ticket(), **codes = new_codes(2);

	make_cred(&c, 1);
	accept_ticket(&rc, t, NOW);
	ck_assert_int_eq(pr_recovery_code(&rc, t, codes[0], NOW, &eb), PR_OK);
	ck_assert_int_eq(stored_creds(NULL), 0);
	ck_assert_msg(pr_recovery_commit(&rc, t, &c, NOW + 60, &eb) == PR_OK, "%s", eb.msg);
	ck_assert_uint_eq(stored_creds(&c), 1);
	ck_assert(!ticket_exists());
	ck_assert_int_eq(pr_recovery_pending(&rc, NOW + 61, &eb), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_recovery_ticket(&rc, t, NOW + 61, &eb), PR_ERR_NOT_FOUND);
	pr_cred_clear(&c);
	pr_codes_free(&codes, 2);
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(commit_after_revoke_stores_nothing)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;
	struct pr_cred c;
	char *t = new_ticket();

	make_cred(&c, 2);
	accept_ticket(&rc, t, NOW);
	ck_assert_int_eq(pr_ticket_revoke(PR_STATE_FILES(sdir), "alice", NULL), PR_OK);
	ck_assert_int_eq(pr_recovery_commit(&rc, t, &c, NOW, &eb), PR_ERR_NOT_FOUND);
	ck_assert(!in_store(&c));
	ck_assert_uint_eq(stored_creds(NULL), 0);
	pr_cred_clear(&c);
	pr_secret_strfree(&t);
}
END_TEST

/* The ticket finished by the first commit: a second key under it is taken back; the first stays. */
START_TEST(commit_after_finish_stores_nothing)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;
	struct pr_cred a, b;
	char *t = new_ticket();

	make_cred(&a, 3);
	make_cred(&b, 4);
	accept_ticket(&rc, t, NOW);
	ck_assert_int_eq(pr_recovery_commit(&rc, t, &a, NOW, &eb), PR_OK);
	ck_assert_int_eq(pr_recovery_commit(&rc, t, &b, NOW, &eb), PR_ERR_NOT_FOUND);
	ck_assert(in_store(&a));
	ck_assert(!in_store(&b));
	ck_assert_uint_eq(stored_creds(&a), 1);
	pr_cred_clear(&a);
	pr_cred_clear(&b);
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(commit_expired_or_wrong_stores_nothing)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;
	struct pr_cred c;
	char *t = new_ticket();

	make_cred(&c, 5);
	accept_ticket(&rc, t, NOW);
	ck_assert_int_eq(pr_recovery_commit(&rc, WRONG_TICKET, &c, NOW, &eb),
	    PR_ERR_TICKET_INVALID);
	ck_assert(!in_store(&c));
	ck_assert(ticket_exists());
	ck_assert_int_eq(pr_recovery_commit(&rc, t, &c, NOW + LIFETIME, &eb), PR_ERR_EXPIRED);
	ck_assert(!in_store(&c));
	ck_assert(!ticket_exists());
	pr_cred_clear(&c);
	pr_secret_strfree(&t);
}
END_TEST

/* A key enrolled already: nothing changes, the ticket stays for another try. */
START_TEST(commit_existing_key)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;
	struct pr_cred c;
	char *t = new_ticket();

	make_cred(&c, 6);
	ck_assert_int_eq(pr_store_add(PR_STATE_FILES(sdir), "alice", &c, NULL), PR_OK);
	accept_ticket(&rc, t, NOW);
	ck_assert_int_eq(pr_recovery_commit(&rc, t, &c, NOW, &eb), PR_ERR_EXISTS);
	ck_assert(in_store(&c));
	ck_assert(ticket_exists());
	pr_cred_clear(&c);
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(undo_removes_key)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;
	struct pr_cred keep, c;
	char *t = new_ticket();

	make_cred(&keep, 7);
	make_cred(&c, 8);
	ck_assert_int_eq(pr_store_add(PR_STATE_FILES(sdir), "alice", &keep, NULL), PR_OK);
	accept_ticket(&rc, t, NOW);
	ck_assert_int_eq(pr_recovery_commit(&rc, t, &c, NOW, &eb), PR_OK);
	ck_assert_uint_eq(stored_creds(&c), 2);
	pr_recovery_undo(&rc, &c);
	ck_assert(!in_store(&c));
	ck_assert(in_store(&keep));
	ck_assert_uint_eq(stored_creds(NULL), 1);
	pr_cred_clear(&keep);
	pr_cred_clear(&c);
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(done_resets_tally)
{
	struct pr_errbuf eb = { 0 };
	struct pr_recovery rc;
	struct pr_lockout st;
	char *t = new_ticket();

	ck_assert_int_eq(pr_recovery_begin(&rc, &cfg, "alice", &eb), PR_OK);
	ck_assert_int_eq(pr_recovery_ticket(&rc, WRONG_TICKET, NOW, &eb), PR_ERR_TICKET_INVALID);
	ck_assert_int_eq(pr_recovery_code(&rc, t, NULL, NOW, &eb), PR_ERR_CODE_INVALID);
	fail_account(3);
	ck_assert_int_eq(tally(), 5);
	ck_assert_int_eq(pr_recovery_done(&rc, &eb), PR_OK);
	ck_assert_int_eq(pr_lockout_get(PR_STATE_FILES(sdir), "alice", &st, NULL), PR_OK);
	ck_assert_int_eq(st.failures, 0);
	ck_assert(!st.locked);
	/* Nothing to reset is fine too. */
	ck_assert_int_eq(pr_recovery_done(&rc, &eb), PR_OK);
	ck_assert_int_eq(tally(), 0);
	pr_secret_strfree(&t);
}
END_TEST

/* ---- offered ------------------------------------------------------------------------ */

START_TEST(offered_not_listed)
{
	char *t = new_ticket();

	ck_assert(!pr_recovery_offered(&cfg, "sudo", "alice", NOW));
	ck_assert(!pr_recovery_offered(&cfg, "logi", "alice", NOW));
	ck_assert(!pr_recovery_offered(&cfg, "login2", "alice", NOW));
	ck_assert(!pr_recovery_offered(&cfg, "", "alice", NOW));
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(offered_listed_active)
{
	char *t = new_ticket();

	ck_assert(pr_recovery_offered(&cfg, "login", "alice", NOW));
	ck_assert(pr_recovery_offered(&cfg, "gdm-password", "alice", NOW + 10));
	ck_assert(!pr_recovery_offered(&cfg, "login", "bob", NOW));
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(offered_no_ticket)
{
	ck_assert(!pr_recovery_offered(&cfg, "login", "alice", NOW));
}
END_TEST

START_TEST(offered_expired)
{
	char *t = new_ticket();

	ck_assert(pr_recovery_offered(&cfg, "login", "alice", NOW + LIFETIME - 1));
	ck_assert(!pr_recovery_offered(&cfg, "login", "alice", NOW + LIFETIME));
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(offered_locked)
{
	char *t = new_ticket();

	fail_account(PR_LOCKOUT_LIMIT - 1);
	ck_assert(pr_recovery_offered(&cfg, "login", "alice", NOW));
	fail_account(1);
	ck_assert(!pr_recovery_offered(&cfg, "login", "alice", NOW));
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(offered_null_service)
{
	char *t = new_ticket();

	ck_assert(pr_recovery_offered(&cfg, "login", "alice", NOW));
	ck_assert(!pr_recovery_offered(&cfg, NULL, "alice", NOW));
	pr_secret_strfree(&t);
}
END_TEST

/* ---- request ------------------------------------------------------------------------ */

START_TEST(request_off)
{
	struct pr_errbuf eb = { 0 };
	int64_t expires = 0;

	cfg.recovery.self_request = false;
	ck_assert_int_eq(pr_recovery_request(&cfg, "alice", NOW, &expires, &eb), PR_ERR_PERM);
	ck_assert_ptr_nonnull(strstr(eb.msg, "not enabled"));
	ck_assert(!ticket_exists());
	ck_assert_int_eq(mails_sent(), 0);
	ck_assert_int_eq(expires, 0);
}
END_TEST

/* The ticket out of "Recovery ticket: X\n"; text keeps everything but that line. */
static char *cut_ticket(char *text)
{
	static const char key[] = "\nRecovery ticket: ";
	char *p = strstr(text, key), *nl, *t;

	ck_assert_ptr_nonnull(p);
	p += strlen(key);
	nl = strchr(p, '\n');
	ck_assert_ptr_nonnull(nl);
	t = strndup(p, (size_t)(nl - p));
	ck_assert_ptr_nonnull(t);
	memmove(p, nl, strlen(nl) + 1);
	return t;
}

START_TEST(request_mails_ticket)
{
	static const char *const never[] = {
		"riverside", "clinic", "pam://", RP_ID, "patient", "medical", "health", "doctor",
		"appointment",
	};
	struct pr_errbuf eb = { 0 };
	struct pr_ticket_info info;
	int64_t expires = 0;
	char *m, *t, host[256], until[32], want[64];

	ck_assert_msg(pr_recovery_request(&cfg, "alice", NOW, &expires, &eb) == PR_OK, "%s",
	    eb.msg);
	ck_assert_int_eq(expires, NOW + LIFETIME);
	ck_assert_int_eq(mails_sent(), 1);
	ck_assert_int_eq(pr_ticket_info(PR_STATE_FILES(sdir), "alice", &info, NULL), PR_OK);
	ck_assert_int_eq(info.created, NOW);
	ck_assert_int_eq(info.expires, NOW + LIFETIME);
	m = last_mail();
	ck_assert_ptr_eq(strstr(m, "To: alice\nSubject: Recovery of your sign-in\n"), m);
	snprintf(want, sizeof(want), "\nValid until:     %s\n", pr_time_utc(NOW + LIFETIME, until));
	ck_assert_ptr_nonnull(strstr(m, want));
	ck_assert_ptr_nonnull(strstr(m, "practicerunner-recover"));
	ck_assert_ptr_nonnull(strstr(m, "If you did not ask for this, tell your administrator."));
	t = cut_ticket(m);
	ck_assert_uint_eq(strlen(t), 34);
	ck_assert_int_eq(pr_ticket_check(PR_STATE_FILES(sdir), "alice", t, NOW + 1, &eb), PR_OK);
	/* Generic words only, and no host name (outside the random ticket). */
	ck_assert_int_eq(gethostname(host, sizeof(host)), 0);
	host[sizeof(host) - 1] = '\0';
	ck_assert_uint_gt(strlen(host), 0);
	ck_assert_msg(strcasestr(m, host) == NULL, "host name %s in: %s", host, m);
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		ck_assert_msg(strcasestr(m, never[i]) == NULL, "'%s' in: %s", never[i], m);
	free(m);
	pr_secret_strfree(&t);
}
END_TEST

START_TEST(request_once_per_lifetime)
{
	struct pr_errbuf eb = { 0 };
	int64_t expires = 0;
	char *m, *t1, *t2;

	ck_assert_int_eq(pr_recovery_request(&cfg, "alice", NOW, &expires, &eb), PR_OK);
	m = last_mail();
	t1 = cut_ticket(m);
	free(m);
	ck_assert_int_eq(pr_recovery_request(&cfg, "alice", NOW + 1, &expires, &eb), PR_ERR_EXISTS);
	ck_assert_ptr_nonnull(strstr(eb.msg, "issued recently"));
	ck_assert_int_eq(pr_recovery_request(&cfg, "alice", NOW + LIFETIME - 1, &expires, &eb),
	    PR_ERR_EXISTS);
	ck_assert_int_eq(mails_sent(), 1);
	/* The first ticket is untouched by the refusals. */
	ck_assert_int_eq(pr_ticket_check(PR_STATE_FILES(sdir), "alice", t1, NOW + 2, &eb), PR_OK);
	ck_assert_int_eq(pr_recovery_request(&cfg, "alice", NOW + LIFETIME, &expires, &eb), PR_OK);
	ck_assert_int_eq(expires, NOW + 2 * LIFETIME);
	ck_assert_int_eq(mails_sent(), 2);
	m = last_mail();
	t2 = cut_ticket(m);
	free(m);
	ck_assert_str_ne(t1, t2);
	ck_assert_int_eq(pr_ticket_check(PR_STATE_FILES(sdir), "alice", t2, NOW + LIFETIME + 1, &eb), PR_OK);
	pr_secret_strfree(&t1);
	pr_secret_strfree(&t2);
}
END_TEST

START_TEST(request_mail_fails)
{
	struct pr_errbuf eb = { 0 };
	int64_t expires = 0;
	char p[192];

	put("status", "75\n", 0600);
	ck_assert_int_eq(pr_recovery_request(&cfg, "alice", NOW, &expires, &eb), PR_ERR_IO);
	ck_assert_ptr_nonnull(strstr(eb.msg, "exit status 75"));
	ck_assert_int_eq(mails_sent(), 1);
	ck_assert(!ticket_exists());
	ck_assert(!pr_recovery_offered(&cfg, "login", "alice", NOW));
	/* A withdrawn ticket does not hold back the next request. */
	path_of(p, sizeof(p), "status");
	ck_assert_int_eq(unlink(p), 0);
	ck_assert_int_eq(pr_recovery_request(&cfg, "alice", NOW + 1, &expires, &eb), PR_OK);
	ck_assert_int_eq(mails_sent(), 2);
	ck_assert(ticket_exists());
}
END_TEST

START_TEST(request_locked)
{
	struct pr_errbuf eb = { 0 };
	int64_t expires = 0;

	fail_account(PR_LOCKOUT_LIMIT);
	ck_assert_int_eq(pr_recovery_request(&cfg, "alice", NOW, &expires, &eb),
	    PR_ERR_LOCKED_OUT);
	ck_assert_int_eq(mails_sent(), 0);
	ck_assert(!ticket_exists());
}
END_TEST

static Suite *recovery_suite(void)
{
	Suite *s = suite_create("recovery");
	TCase *tb = tcase_create("begin-pending");
	TCase *tt = tcase_create("ticket");
	TCase *tc = tcase_create("code");
	TCase *tm = tcase_create("commit");
	TCase *to = tcase_create("offered");
	TCase *tr = tcase_create("request");

	tcase_add_checked_fixture(tb, setup, teardown);
	tcase_add_test(tb, begin_fresh);
	tcase_add_test(tb, begin_locked_at_limit);
	tcase_add_test(tb, begin_corrupt_tally_fails_closed);
	tcase_add_test(tb, begin_unsafe_tally_fails_closed);
	tcase_add_test(tb, pending_no_ticket);
	tcase_add_test(tb, pending_expired);
	tcase_add_test(tb, pending_sets_expires);
	suite_add_tcase(s, tb);

	tcase_add_checked_fixture(tt, setup, teardown);
	tcase_add_test(tt, ticket_correct);
	tcase_add_test(tt, ticket_null_counted);
	tcase_add_test(tt, ticket_null_without_ticket);
	tcase_add_test(tt, ticket_wrong_counted);
	tcase_add_test(tt, ticket_fifth_wrong_voids);
	tcase_add_test(tt, ticket_wrong_locks_account);
	suite_add_tcase(s, tt);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, code_parallel_runs_bounded_by_ticket);
	tcase_add_test(tc, code_parallel_runs_bounded_by_account);
	tcase_add_test(tc, code_try_counted_before_evaluation);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, code_consumed_once);
	tcase_add_test(tc, code_wrong_counted);
	tcase_add_test(tc, code_null_counted);
	tcase_add_test(tc, code_no_set);
	tcase_add_test(tc, code_older_set_refused);
	tcase_add_test(tc, code_and_ticket_share_limit);
	tcase_add_test(tc, code_used_seen_on_retry);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tm, setup, teardown);
	tcase_set_timeout(tm, 60);
	tcase_add_test(tm, commit_stores_and_finishes);
	tcase_add_test(tm, commit_after_revoke_stores_nothing);
	tcase_add_test(tm, commit_after_finish_stores_nothing);
	tcase_add_test(tm, commit_expired_or_wrong_stores_nothing);
	tcase_add_test(tm, commit_existing_key);
	tcase_add_test(tm, undo_removes_key);
	tcase_add_test(tm, done_resets_tally);
	suite_add_tcase(s, tm);

	tcase_add_checked_fixture(to, setup, teardown);
	tcase_add_test(to, offered_not_listed);
	tcase_add_test(to, offered_listed_active);
	tcase_add_test(to, offered_no_ticket);
	tcase_add_test(to, offered_expired);
	tcase_add_test(to, offered_locked);
	tcase_add_test(to, offered_null_service);
	suite_add_tcase(s, to);

	tcase_add_checked_fixture(tr, setup, teardown);
	tcase_add_test(tr, request_off);
	tcase_add_test(tr, request_mails_ticket);
	tcase_add_test(tr, request_once_per_lifetime);
	tcase_add_test(tr, request_mail_fails);
	tcase_add_test(tr, request_locked);
	suite_add_tcase(s, tr);
	return s;
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP must run as root (state files must be owned by root)\n");
		return EXIT_SUCCESS;
	}
	return test_run_tap(recovery_suite());
}
