/*
 * Unit tests of lib/coverage.c: the status table (every status, their
 * precedence, the 90-day edge to the second), the names, UID_MIN from
 * login.defs, the kinds of account (lib/accounts.c), and the users in
 * scope from one pass (lib/coverage_scope.c).
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accounts.h"
#include "coverage.h"
#include "err.h"
#include "util.h"
#include "testlib.h"

#define NOW ((int64_t)1800000000)
#define DAY ((int64_t)86400)
#define D90 (90 * DAY)
#define NEVER (-1)
#define MAXKEYS 4

#define OWNER PR_ROLE_OWNER
#define ADMIN PR_ROLE_ADMIN
#define STAFF PR_ROLE_STAFF
#define NONE PR_NEED_NONE
#define ANY PR_NEED_ANY_KEY
#define PHYS PR_NEED_PHYSICAL

/* One key: 'P' physical, 'K' passkey, 'S' SSH; seconds before NOW it was created and last used. */
struct key {
	char type;
	int64_t created_ago;
	int64_t used_ago;    /* NEVER: never used */
};

static const struct {
	const char *what;
	enum pr_role role;
	enum pr_need need;
	bool exempt;
	struct key keys[MAXKEYS];
	enum pr_coverage_status want;
	size_t physical, passkey;
} rows[] = {
	/* exempt comes first, keys or not */
	{ "exempt, no keys", STAFF, NONE, true, { { 0 } }, PR_COV_EXEMPT, 0, 0 },
	{ "exempt, stale key", STAFF, NONE, true, { { 'K', 400 * DAY, NEVER } }, PR_COV_EXEMPT, 0, 1 },
	/* an exempt owner or admin is not exempt (the loader forbids it anyway) */
	{ "owner listed exempt", OWNER, PHYS, true, { { 0 } }, PR_COV_NO_KEY, 0, 0 },
	{ "admin listed exempt", ADMIN, ANY, true, { { 0 } }, PR_COV_NO_KEY, 0, 0 },
	/* no-key */
	{ "physical need, nothing", OWNER, PHYS, false, { { 0 } }, PR_COV_NO_KEY, 0, 0 },
	{ "any-key need, nothing", STAFF, ANY, false, { { 0 } }, PR_COV_NO_KEY, 0, 0 },
	{ "any-key need, SSH key only", STAFF, ANY, false, { { 'S', DAY, DAY } }, PR_COV_NO_KEY, 0, 0 },
	/* needs-physical beats the warnings */
	{ "physical need, passkeys", OWNER, PHYS, false,
	  { { 'K', DAY, DAY }, { 'K', DAY, DAY } }, PR_COV_NEEDS_PHYSICAL, 0, 2 },
	{ "physical need, stale passkey", OWNER, PHYS, false,
	  { { 'K', 400 * DAY, NEVER } }, PR_COV_NEEDS_PHYSICAL, 0, 1 },
	/* single-physical-key beats unused-90d */
	{ "one physical", OWNER, PHYS, false, { { 'P', DAY, DAY } }, PR_COV_SINGLE_PHYSICAL, 1, 0 },
	{ "one stale physical", OWNER, PHYS, false,
	  { { 'P', 400 * DAY, 200 * DAY } }, PR_COV_SINGLE_PHYSICAL, 1, 0 },
	{ "one physical and a passkey", STAFF, PHYS, false,
	  { { 'P', DAY, DAY }, { 'K', DAY, DAY } }, PR_COV_SINGLE_PHYSICAL, 1, 1 },
	/* unused-90d */
	{ "two stale physical", OWNER, PHYS, false,
	  { { 'P', 400 * DAY, 91 * DAY }, { 'P', 400 * DAY, NEVER } }, PR_COV_UNUSED_90D, 2, 0 },
	{ "stale physical, fresh passkey does not count", OWNER, PHYS, false,
	  { { 'P', 400 * DAY, 100 * DAY }, { 'P', 400 * DAY, 100 * DAY }, { 'K', DAY, 0 } },
	  PR_COV_UNUSED_90D, 2, 1 },
	{ "stale passkey, any key", STAFF, ANY, false,
	  { { 'K', 400 * DAY, 100 * DAY } }, PR_COV_UNUSED_90D, 0, 1 },
	{ "no requirement, stale key", STAFF, NONE, false,
	  { { 'P', 400 * DAY, NEVER } }, PR_COV_UNUSED_90D, 1, 0 },
	/* ok */
	{ "no requirement, no keys", STAFF, NONE, false, { { 0 } }, PR_COV_OK, 0, 0 },
	{ "no requirement, fresh key", ADMIN, NONE, false, { { 'K', DAY, NEVER } }, PR_COV_OK, 0, 1 },
	{ "two physical, one fresh", OWNER, PHYS, false,
	  { { 'P', 400 * DAY, 300 * DAY }, { 'P', 400 * DAY, DAY } }, PR_COV_OK, 2, 0 },
	{ "any key, passkey fresh", STAFF, ANY, false, { { 'K', 5 * DAY, 2 * DAY } }, PR_COV_OK, 0, 1 },
	{ "any key, stale physical and fresh passkey", STAFF, ANY, false,
	  { { 'P', 400 * DAY, 200 * DAY }, { 'K', 10 * DAY, NEVER } }, PR_COV_OK, 1, 1 },
	{ "SSH keys do not count as used", STAFF, ANY, false,
	  { { 'K', 400 * DAY, 200 * DAY }, { 'S', DAY, 0 } }, PR_COV_UNUSED_90D, 0, 1 },
	/* the 90-day edge: exactly 90 days is within, one second more is not */
	{ "used exactly 90 days ago", STAFF, ANY, false, { { 'K', 400 * DAY, D90 } }, PR_COV_OK, 0, 1 },
	{ "used 90 days and 1 s ago", STAFF, ANY, false,
	  { { 'K', 400 * DAY, D90 + 1 } }, PR_COV_UNUSED_90D, 0, 1 },
	{ "never used, created exactly 90 days ago", STAFF, ANY, false,
	  { { 'K', D90, NEVER } }, PR_COV_OK, 0, 1 },
	{ "never used, created 90 days and 1 s ago", STAFF, ANY, false,
	  { { 'K', D90 + 1, NEVER } }, PR_COV_UNUSED_90D, 0, 1 },
	{ "used in the future (clock skew)", STAFF, ANY, false,
	  { { 'K', 400 * DAY, -DAY } }, PR_COV_OK, 0, 1 },
};

static struct pr_credlist mklist(const struct key *k, struct pr_cred *buf)
{
	struct pr_credlist l = { buf, 0 };

	for (size_t i = 0; i < MAXKEYS && k[i].type != 0; i++) {
		memset(&buf[i], 0, sizeof(buf[i]));
		buf[i].kind = k[i].type == 'S' ? PR_KIND_SSH : PR_KIND_FIDO;
		buf[i].cls = k[i].type == 'K' ? PR_CLASS_PASSKEY : PR_CLASS_PHYSICAL;
		buf[i].created = NOW - k[i].created_ago;
		buf[i].last_used = k[i].used_ago == NEVER ? 0 : NOW - k[i].used_ago;
		l.n++;
	}
	return l;
}

START_TEST(status_table)
{
	struct pr_cred buf[MAXKEYS];
	struct pr_credlist l = mklist(rows[_i].keys, buf);
	struct pr_coverage cov;

	pr_coverage_compute(rows[_i].role, rows[_i].need, rows[_i].exempt, &l, NOW, &cov);
	ck_assert_msg(cov.status == rows[_i].want, "%s: got %s, want %s", rows[_i].what,
	    pr_coverage_status_name(cov.status), pr_coverage_status_name(rows[_i].want));
	ck_assert_uint_eq(cov.physical, rows[_i].physical);
	ck_assert_uint_eq(cov.passkey, rows[_i].passkey);
}
END_TEST

/* last_used: the latest real use of a key that counts; 0 when none was used. */
START_TEST(last_used)
{
	struct key k1[MAXKEYS] = { { 'P', 10 * DAY, 5 * DAY }, { 'P', 10 * DAY, 2 * DAY },
	    { 'K', DAY, 0 } };
	struct key k2[MAXKEYS] = { { 'K', 10 * DAY, NEVER } };
	struct pr_cred buf[MAXKEYS];
	struct pr_credlist l = mklist(k1, buf);
	struct pr_coverage cov;

	pr_coverage_compute(OWNER, PHYS, false, &l, NOW, &cov);
	ck_assert_int_eq(cov.last_used, NOW - 2 * DAY);   /* the passkey does not count */
	pr_coverage_compute(STAFF, ANY, false, &l, NOW, &cov);
	ck_assert_int_eq(cov.last_used, NOW);
	l = mklist(k2, buf);
	pr_coverage_compute(STAFF, ANY, false, &l, NOW, &cov);
	ck_assert_int_eq(cov.last_used, 0);
	pr_coverage_compute(STAFF, ANY, false, NULL, NOW, &cov);
	ck_assert_int_eq(cov.status, PR_COV_NO_KEY);
	ck_assert_int_eq(cov.last_used, 0);
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(pr_coverage_status_name(PR_COV_OK), "ok");
	ck_assert_str_eq(pr_coverage_status_name(PR_COV_EXEMPT), "exempt");
	ck_assert_str_eq(pr_coverage_status_name(PR_COV_NO_KEY), "no-key");
	ck_assert_str_eq(pr_coverage_status_name(PR_COV_NEEDS_PHYSICAL), "needs-physical");
	ck_assert_str_eq(pr_coverage_status_name(PR_COV_SINGLE_PHYSICAL), "single-physical-key");
	ck_assert_str_eq(pr_coverage_status_name(PR_COV_UNUSED_90D), "unused-90d");
	ck_assert_str_eq(pr_coverage_status_name((enum pr_coverage_status)6), "unknown");
	ck_assert_str_eq(pr_coverage_status_name((enum pr_coverage_status)-1), "unknown");
}
END_TEST

START_TEST(out_of_policy)
{
	ck_assert(!pr_coverage_out_of_policy(PR_COV_OK));
	ck_assert(!pr_coverage_out_of_policy(PR_COV_EXEMPT));
	ck_assert(!pr_coverage_out_of_policy(PR_COV_SINGLE_PHYSICAL));
	ck_assert(!pr_coverage_out_of_policy(PR_COV_UNUSED_90D));
	ck_assert(pr_coverage_out_of_policy(PR_COV_NO_KEY));
	ck_assert(pr_coverage_out_of_policy(PR_COV_NEEDS_PHYSICAL));
	ck_assert(pr_coverage_out_of_policy((enum pr_coverage_status)42));
}
END_TEST

/* ---- UID_MIN and the kinds of account ------------------------------------------- */

static const struct {
	const char *text;    /* NULL: no file */
	uid_t want;
} uid_min_rows[] = {
	{ NULL, 1000 },
	{ "", 1000 },
	{ "UID_MIN 1500\n", 1500 },
	{ "UID_MIN\t\t2000\n", 2000 },
	{ "  UID_MIN 500  \n", 500 },
	{ "UID_MIN 0x3e9\n", 1001 },
	{ "#UID_MIN 5\n", 1000 },
	{ "UID_MAX 60000\nSYS_UID_MIN 100\n", 1000 },
	{ "UID_MINIMUM 5\n", 1000 },
	{ "UID_MIN\n", 1000 },
	{ "UID_MIN abc\n", 1000 },
	{ "UID_MIN 12x\n", 1000 },
	{ "UID_MIN -5\n", 1000 },
	{ "UID_MIN 99999999999999999999\n", 1000 },
	{ "UID_MIN 1200\nUID_MIN 1300\n", 1300 },
	{ "UID_MIN 1200\nUID_MIN bad\n", 1200 },
	{ "UID_MIN 1200", 1200 },
};

START_TEST(uid_min)
{
	char path[] = "/tmp/check_coverage_defs.XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	if (uid_min_rows[_i].text != NULL)
		ck_assert_int_eq(write(fd, uid_min_rows[_i].text, strlen(uid_min_rows[_i].text)),
		    (ssize_t)strlen(uid_min_rows[_i].text));
	close(fd);
	if (uid_min_rows[_i].text == NULL)
		unlink(path);
	ck_assert_uint_eq(pr_login_defs_uid_min(path), uid_min_rows[_i].want);
	unlink(path);
}
END_TEST

static const struct {
	uid_t uid, uid_min;
	enum pr_account_kind want;
} kind_rows[] = {
	{ 1000, 1000, PR_ACCOUNT_PERSON },     /* UID_MIN itself is a person */
	{ 999, 1000, PR_ACCOUNT_SYSTEM },
	{ 1, 1000, PR_ACCOUNT_SYSTEM },
	{ 0, 1000, PR_ACCOUNT_ROOT },
	{ 0, 1, PR_ACCOUNT_ROOT },
	{ 65534, 1000, PR_ACCOUNT_SYSTEM },    /* nobody */
	{ 65533, 1000, PR_ACCOUNT_PERSON },
	{ 65535, 1000, PR_ACCOUNT_PERSON },
	{ 500, 500, PR_ACCOUNT_PERSON },
	{ 1500, 2000, PR_ACCOUNT_SYSTEM },
	{ 4294967294u, 1000, PR_ACCOUNT_PERSON },
};

START_TEST(kinds)
{
	ck_assert_int_eq(pr_account_kind(kind_rows[_i].uid, kind_rows[_i].uid_min),
	    kind_rows[_i].want);
}
END_TEST

START_TEST(kind_names_and_uid_min)
{
	struct pr_config cfg;

	ck_assert_str_eq(pr_account_kind_name(PR_ACCOUNT_PERSON), "person");
	ck_assert_str_eq(pr_account_kind_name(PR_ACCOUNT_ROOT), "root");
	ck_assert_str_eq(pr_account_kind_name(PR_ACCOUNT_SYSTEM), "system");
	ck_assert_str_eq(pr_account_kind_name((enum pr_account_kind)42), "unknown");
	memset(&cfg, 0, sizeof(cfg));
	/* not set: login.defs (or 1000) */
	ck_assert_uint_eq(pr_config_uid_min(&cfg), pr_login_defs_uid_min(NULL));
	ck_assert_uint_eq(pr_config_uid_min(NULL), pr_login_defs_uid_min(NULL));
	cfg.uid_min = 5000;
	ck_assert_uint_eq(pr_config_uid_min(&cfg), 5000);
}
END_TEST

/* ---- users in scope ------------------------------------------------------------------ */

static char sdir[64];

static void scope_setup(void)
{
	int fd;

	strcpy(sdir, "/tmp/check_coverage.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(sdir));
	fd = open(sdir, O_DIRECTORY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(mkdirat(fd, "users", 0700), 0);
	/* pr_store_users only lists names: contents do not matter here */
	close(openat(fd, "users/zz-enrolled", O_CREAT | O_WRONLY, 0600));
	close(fd);
}

static void scope_teardown(void)
{
	ck_assert_msg(test_rm_tree(AT_FDCWD, sdir), "could not remove %s", sdir);
}

static struct pr_strlist strlist(const char *const *v, size_t n)
{
	struct pr_strlist l = { NULL, n };

	ck_assert_ptr_nonnull(l.v = calloc(n + 1, sizeof(char *)));
	for (size_t i = 0; i < n; i++)
		ck_assert_ptr_nonnull(l.v[i] = strdup(v[i]));
	return l;
}

/*
 * The accounts a scope must list (not system accounts, valid names), as
 * a NULL-terminated list: taken before and after the scope, and compared
 * on names in both, since other tests create and remove accounts meanwhile.
 */
static char **people(uid_t min)
{
	struct passwd *pw;
	char **v = NULL;
	size_t n = 0;

	setpwent();
	while ((pw = getpwent()) != NULL) {
		if (pr_account_kind(pw->pw_uid, min) == PR_ACCOUNT_SYSTEM ||
		    !pr_username_valid(pw->pw_name))
			continue;
		ck_assert_ptr_nonnull(v = realloc(v, (n + 2) * sizeof(*v)));
		ck_assert_ptr_nonnull(v[n++] = strdup(pw->pw_name));
		v[n] = NULL;
	}
	endpwent();
	return v;
}

static bool in_list(char **v, const char *name)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		if (strcmp(v[i], name) == 0)
			return true;
	return false;
}

static void list_free(char **v)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static const struct pr_scope_user *found(const struct pr_scope *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

START_TEST(scope)
{
	static const char *const owners[] = { "root", "root", "Bad Name" };
	static const char *const admins[] = { "@daemon", "no-such-user-prcov" };
	static const char *const exempt[] = { "@no-such-group-prcov", "bin" };
	const struct pr_scope_user *u;
	struct pr_config cfg;
	struct pr_scope out = { NULL, 0, 0 };
	struct pr_errbuf eb = { 0 };
	struct passwd *pw;
	uid_t min = pr_login_defs_uid_min(NULL);
	char **before = people(min), **after;

	memset(&cfg, 0, sizeof(cfg));
	cfg.owners = strlist(owners, 3);
	cfg.admins = strlist(admins, 2);
	cfg.exempt = strlist(exempt, 2);
	cfg.state_dir = sdir;
	cfg.state = PR_STATE_FILES(sdir);
	ck_assert_int_eq(pr_coverage_scope(&cfg, &out, &eb), PR_OK);
	after = people(min);
	ck_assert_uint_eq(out.skipped, 1);                  /* "Bad Name" */
	ck_assert_ptr_nonnull(u = found(&out, "root"));     /* named, and root */
	ck_assert(u->resolved && u->role == PR_ROLE_OWNER && u->kind == PR_ACCOUNT_ROOT);
	ck_assert_ptr_nonnull(u = found(&out, "daemon"));   /* primary group of @daemon */
	ck_assert(u->resolved && u->role == PR_ROLE_ADMIN && !u->exempt);
	ck_assert_int_eq(u->kind, PR_ACCOUNT_SYSTEM);
	ck_assert_ptr_nonnull(u = found(&out, "bin"));      /* exempt, a system account */
	ck_assert(u->resolved && u->role == PR_ROLE_STAFF && u->exempt);
	ck_assert_ptr_nonnull(u = found(&out, "no-such-user-prcov"));  /* the caller reports it */
	ck_assert(!u->resolved);
	ck_assert_ptr_nonnull(u = found(&out, "zz-enrolled"));         /* has a credential file */
	ck_assert(!u->resolved && u->has_file);
	ck_assert_ptr_nonnull(u = found(&out, "root"));
	ck_assert(!u->has_file);
	ck_assert_ptr_null(found(&out, "Bad Name"));
	ck_assert_ptr_null(found(&out, "nobody"));          /* system, not named */
	for (size_t i = 1; i < out.n; i++)                  /* sorted, no duplicates */
		ck_assert_int_lt(strcmp(out.v[i - 1].name, out.v[i].name), 0);
	/* every account but the system accounts, whatever its shell */
	for (size_t i = 0; before[i] != NULL; i++)
		if (in_list(after, before[i]))
			ck_assert_msg(found(&out, before[i]) != NULL, "%s missing", before[i]);
	list_free(before);
	list_free(after);
	pr_scope_clear(&out);
	/* the policy's uid_min moves the line: uid 3 (sys) is a person at uid_min 2 */
	cfg.uid_min = 2;
	ck_assert_int_eq(pr_coverage_scope(&cfg, &out, &eb), PR_OK);
	if ((pw = getpwuid(3)) != NULL && pr_username_valid(pw->pw_name))
		ck_assert_ptr_nonnull(found(&out, pw->pw_name));
	pr_scope_clear(&out);
	cfg.uid_min = 0;
	/* an owners @group that does not exist: nothing resolved here */
	free(cfg.owners.v[1]);
	ck_assert_ptr_nonnull(cfg.owners.v[1] = strdup("@no-such-group-prcov"));
	ck_assert_int_eq(pr_coverage_scope(&cfg, &out, &eb), PR_OK);
	ck_assert_ptr_nonnull(u = found(&out, "root"));
	ck_assert(!u->resolved);
	pr_scope_clear(&out);
	/* an unusable state directory is an error, with nothing returned */
	cfg.state_dir = (char *)"/nonexistent/prcov";
	cfg.state = PR_STATE_FILES(cfg.state_dir);
	ck_assert_int_ne(pr_coverage_scope(&cfg, &out, &eb), PR_OK);
	ck_assert_uint_eq(out.n, 0);
	ck_assert_ptr_null(out.v);
	ck_assert_int_eq(pr_coverage_scope(NULL, &out, &eb), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_coverage_scope(&cfg, NULL, &eb), PR_ERR_INVALID_ARG);
	pr_strlist_clear(&cfg.owners);
	pr_strlist_clear(&cfg.admins);
	pr_strlist_clear(&cfg.exempt);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("coverage");
	TCase *tc = tcase_create("status");
	TCase *tu = tcase_create("scope");

	tcase_add_loop_test(tc, status_table, 0, NROWS(rows));
	tcase_add_test(tc, last_used);
	tcase_add_test(tc, names);
	tcase_add_test(tc, out_of_policy);
	tcase_add_loop_test(tc, uid_min, 0, NROWS(uid_min_rows));
	tcase_add_loop_test(tc, kinds, 0, NROWS(kind_rows));
	tcase_add_test(tc, kind_names_and_uid_min);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tu, scope_setup, scope_teardown);
	tcase_add_test(tu, scope);
	suite_add_tcase(s, tu);
	return test_run_tap(s);
}
