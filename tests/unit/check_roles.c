/*
 * Unit tests of lib/roles.c with the real passwd and group databases:
 * root (in group root) always; as root, also the test accounts that
 * tests/testenv.sh provides (supplementary and primary group membership),
 * and a failing directory service simulated in a private mount namespace.
 */
#include "config.h"

#include <check.h>
#include <dlfcn.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf.h"
#include "err.h"
#include "policy.h"
#include "roles.h"
#include "testlib.h"

#define NO_USER "no-such-user-prck"
#define NO_GROUP "no-such-group-prck"

/* "a,@b,c" -> list (empty string: empty list). */
static struct pr_strlist mklist(const char *csv)
{
	struct pr_strlist l = { NULL, 0 };
	char *copy = strdup(csv), *save = NULL;

	ck_assert_ptr_nonnull(copy);
	ck_assert_ptr_nonnull(l.v = calloc(8, sizeof(char *)));
	for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		ck_assert_uint_lt(l.n, 7);
		ck_assert_ptr_nonnull(l.v[l.n++] = strdup(t));
	}
	free(copy);
	return l;
}

static void freelist(struct pr_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static void mkconfig(struct pr_config *c, const char *owners, const char *admins,
    const char *exempt)
{
	memset(c, 0, sizeof(*c));
	c->owners = mklist(owners);
	c->admins = mklist(admins);
	c->exempt = mklist(exempt);
}

static void freeconfig(struct pr_config *c)
{
	freelist(&c->owners);
	freelist(&c->admins);
	freelist(&c->exempt);
}

/* ---- accounts that exist everywhere -------------------------------------------- */

static const struct {
	const char *user, *group;
	bool want;
} in_group_rows[] = {
	{ "root", "root", true },           /* primary group */
	{ "nobody", "nogroup", true },
	{ "daemon", "daemon", true },
	{ "root", "nogroup", false },
	{ "daemon", "root", false },
	{ "root", NO_GROUP, false },
	{ NO_USER, "root", false },
	{ "root", "", false },
	{ "", "root", false },
	{ "Root", "root", false },
};

START_TEST(in_group)
{
	ck_assert_int_eq(pr_user_in_group(in_group_rows[_i].user, in_group_rows[_i].group),
	    in_group_rows[_i].want);
}
END_TEST

START_TEST(in_group_null)
{
	ck_assert(!pr_user_in_group(NULL, "root"));
	ck_assert(!pr_user_in_group("root", NULL));
}
END_TEST

static const struct {
	const char *list, *user;
	bool want;
} match_rows[] = {
	{ "root", "root", true },
	{ "@root", "root", true },
	{ "daemon,@root", "root", true },
	{ "daemon,@nogroup", "root", false },
	{ "", "root", false },
	{ "@" NO_GROUP, "root", false },
	{ "@" NO_GROUP ",root", "root", true },   /* a missing group does not stop the search */
	{ "roo", "root", false },
	{ "root2", "root", false },
	{ "@roo", "root", false },
	{ "root", NO_USER, false },
	{ NO_USER, NO_USER, false },              /* unknown users match nothing */
};

START_TEST(list_matches)
{
	struct pr_strlist l = mklist(match_rows[_i].list);

	ck_assert_int_eq(pr_list_matches_user(&l, match_rows[_i].user), match_rows[_i].want);
	freelist(&l);
}
END_TEST

START_TEST(list_matches_null)
{
	struct pr_strlist l = mklist("root");

	ck_assert(!pr_list_matches_user(&l, NULL));
	ck_assert(!pr_list_matches_user(NULL, "root"));
	freelist(&l);
}
END_TEST

/* Roles for root: owner beats admin beats staff; owners and admins never exempt. */
static const struct {
	const char *owners, *admins, *exempt;
	enum pr_role role;
	bool exempt_out;
} root_rows[] = {
	{ "", "", "", PR_ROLE_STAFF, false },
	{ "root", "", "", PR_ROLE_OWNER, false },
	{ "", "root", "", PR_ROLE_ADMIN, false },
	{ "root", "root", "", PR_ROLE_OWNER, false },
	{ "@root", "", "", PR_ROLE_OWNER, false },
	{ "", "@root", "", PR_ROLE_ADMIN, false },
	{ "daemon", "@root", "", PR_ROLE_ADMIN, false },
	{ "", "", "root", PR_ROLE_STAFF, true },
	{ "", "", "@root", PR_ROLE_STAFF, true },
	{ "", "", "daemon", PR_ROLE_STAFF, false },
	{ "@root", "", "root", PR_ROLE_OWNER, false },
	{ "root", "", "@root", PR_ROLE_OWNER, false },
	{ "", "root", "root", PR_ROLE_ADMIN, false },
	{ "", "@root", "@root", PR_ROLE_ADMIN, false },
	{ "root,@" NO_GROUP, "", "", PR_ROLE_OWNER, false },  /* an owner already: nothing stricter to find */
	{ "", "", "@" NO_GROUP, PR_ROLE_STAFF, false },       /* a missing exempt group exempts nobody */
};

START_TEST(role_root)
{
	struct pr_config c;
	enum pr_role role = (enum pr_role)-1;
	bool exempt = !root_rows[_i].exempt_out;

	mkconfig(&c, root_rows[_i].owners, root_rows[_i].admins, root_rows[_i].exempt);
	ck_assert_int_eq(pr_role_resolve(&c, "root", &role, &exempt), PR_OK);
	ck_assert_int_eq(role, root_rows[_i].role);
	ck_assert_int_eq(exempt, root_rows[_i].exempt_out);
	freeconfig(&c);
}
END_TEST

/*
 * An @group in owners or admins that does not resolve is an error, never
 * "not a member": the need left behind is the strictest, whatever the policy.
 */
static const struct {
	const char *owners, *admins;
} missing_rows[] = {
	{ "@" NO_GROUP, "" },
	{ "", "@" NO_GROUP },
	{ "@" NO_GROUP ",root", "" },
	{ "daemon,@" NO_GROUP, "root" },
	{ "daemon", "@" NO_GROUP ",@root" },
};

START_TEST(role_missing_group)
{
	struct pr_config c;
	enum pr_role role = PR_ROLE_OWNER;
	enum pr_need need = PR_NEED_NONE;
	bool exempt = true;

	mkconfig(&c, missing_rows[_i].owners, missing_rows[_i].admins, "root");
	ck_assert_int_eq(pr_role_resolve(&c, "root", &role, &exempt), PR_ERR_IO);
	ck_assert(!exempt);
	ck_assert_int_eq(pr_user_need(&c, "root", &role, &need), PR_ERR_IO);
	ck_assert_int_eq(need, PR_NEED_PHYSICAL);
	freeconfig(&c);
}
END_TEST

/* The load-time check: an exempt user who is an owner or admin through a group. */
static const struct {
	const char *owners, *admins, *exempt;
	int err;
	const char *msg;
} check_exempt_rows[] = {
	{ "@daemon", "", "daemon", PR_ERR_CONFIG, "exempt lists 'daemon', who is an owner through @daemon" },
	{ "drlee", "@" NO_GROUP ",@root", "backup,root", PR_ERR_CONFIG, "exempt lists 'root', who is an admin through @root" },
	{ "@root", "@daemon", "daemon", PR_ERR_CONFIG, "exempt lists 'daemon', who is an admin through @daemon" },
	{ "@root", "", "daemon", PR_OK, "" },
	{ "@" NO_GROUP, "@" NO_GROUP, "root", PR_OK, "" },   /* lookups that fail: sign-in refuses them */
	{ "@daemon", "", NO_USER, PR_OK, "" },
	{ "@root", "@daemon", "@root,@daemon", PR_OK, "" },   /* groups: the literal check's job */
	{ "root", "daemon", "", PR_OK, "" },
};

START_TEST(check_exempt_system)
{
	struct pr_errbuf eb = { 0 };
	struct pr_config c;

	mkconfig(&c, check_exempt_rows[_i].owners, check_exempt_rows[_i].admins,
	    check_exempt_rows[_i].exempt);
	ck_assert_int_eq(pr_roles_check_exempt(&c, &eb), check_exempt_rows[_i].err);
	ck_assert_str_eq(eb.msg, check_exempt_rows[_i].msg);
	ck_assert_int_eq(pr_roles_check_exempt(&c, NULL), check_exempt_rows[_i].err);
	ck_assert_int_eq(pr_roles_check_exempt(NULL, &eb), PR_ERR_INVALID_ARG);
	freeconfig(&c);
}
END_TEST

START_TEST(role_bad_input)
{
	struct pr_config c;
	enum pr_role role = PR_ROLE_OWNER;
	enum pr_need need = PR_NEED_NONE;
	bool exempt = true;

	mkconfig(&c, "root", "", NO_USER);
	ck_assert_int_eq(pr_role_resolve(&c, NO_USER, &role, &exempt), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(role, PR_ROLE_STAFF);
	ck_assert(!exempt);
	ck_assert_int_eq(pr_role_resolve(&c, NULL, &role, &exempt), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_role_resolve(&c, "", &role, &exempt), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(pr_role_resolve(NULL, "root", &role, &exempt), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_role_resolve(&c, "root", NULL, &exempt), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_role_resolve(&c, "root", &role, NULL), PR_ERR_INVALID_ARG);
	/* an unknown user is an error, and the need left behind is the strictest */
	ck_assert_int_eq(pr_user_need(&c, NO_USER, &role, &need), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(need, PR_NEED_PHYSICAL);
	ck_assert_int_eq(pr_user_need(&c, "root", &role, NULL), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_user_need(NULL, "root", &role, &need), PR_ERR_INVALID_ARG);
	freeconfig(&c);
}
END_TEST

/* pr_user_need = role + exemption + pr_policy_need, for root under each setting. */
static const struct {
	enum pr_require_key key;
	enum pr_require_physical phys;
	const char *owners, *exempt;
	enum pr_role role;
	enum pr_need need;
} need_rows[] = {
	{ PR_REQ_KEY_NONE, PR_REQ_PHYS_NONE, "", "", PR_ROLE_STAFF, PR_NEED_NONE },
	{ PR_REQ_KEY_ALL_USERS, PR_REQ_PHYS_NONE, "", "", PR_ROLE_STAFF, PR_NEED_ANY_KEY },
	{ PR_REQ_KEY_ALL_USERS, PR_REQ_PHYS_NONE, "", "root", PR_ROLE_STAFF, PR_NEED_NONE },
	{ PR_REQ_KEY_ALL_USERS, PR_REQ_PHYS_OWNERS, "", "", PR_ROLE_STAFF, PR_NEED_ANY_KEY },
	{ PR_REQ_KEY_ALL_USERS, PR_REQ_PHYS_OWNERS, "@root", "", PR_ROLE_OWNER, PR_NEED_PHYSICAL },
	{ PR_REQ_KEY_NONE, PR_REQ_PHYS_OWNERS, "@root", "root", PR_ROLE_OWNER, PR_NEED_PHYSICAL },
	{ PR_REQ_KEY_NONE, PR_REQ_PHYS_OWNERS, "", "", PR_ROLE_STAFF, PR_NEED_NONE },
	{ PR_REQ_KEY_NONE, PR_REQ_PHYS_ALL_USERS, "", "", PR_ROLE_STAFF, PR_NEED_PHYSICAL },
	{ PR_REQ_KEY_NONE, PR_REQ_PHYS_ALL_USERS, "", "@root", PR_ROLE_STAFF, PR_NEED_NONE },
};

START_TEST(user_need_root)
{
	struct pr_config c;
	enum pr_role role = (enum pr_role)-1;
	enum pr_need need = (enum pr_need)-1;

	mkconfig(&c, need_rows[_i].owners, "", need_rows[_i].exempt);
	c.policy.require_security_key = need_rows[_i].key;
	c.policy.require_physical_key = need_rows[_i].phys;
	ck_assert_int_eq(pr_user_need(&c, "root", &role, &need), PR_OK);
	ck_assert_int_eq(role, need_rows[_i].role);
	ck_assert_int_eq(need, need_rows[_i].need);
	/* role is optional */
	ck_assert_int_eq(pr_user_need(&c, "root", NULL, &need), PR_OK);
	ck_assert_int_eq(need, need_rows[_i].need);
	freeconfig(&c);
}
END_TEST

/* pr_user_policy: the kind of account decides before role and policy do. */
START_TEST(user_policy_kinds)
{
	struct pr_user_policy up;
	struct pr_config c;

	mkconfig(&c, "", "", "");
	c.policy.require_security_key = PR_REQ_KEY_ALL_USERS;
	ck_assert_int_eq(pr_user_policy(&c, "root", &up), PR_OK);
	ck_assert_uint_eq(up.uid, 0);
	ck_assert_int_eq(up.kind, PR_ACCOUNT_ROOT);
	ck_assert_int_eq(up.need, PR_NEED_ANY_KEY);         /* root is covered */
	ck_assert_int_eq(pr_user_policy(&c, "daemon", &up), PR_OK);
	ck_assert_int_eq(up.kind, PR_ACCOUNT_SYSTEM);
	ck_assert_int_eq(up.need, PR_NEED_NONE);            /* service accounts never */
	/* a system account the policy names an owner or admin is covered: the role decides */
	c.policy.require_physical_key = PR_REQ_PHYS_ALL_USERS;
	ck_assert_int_eq(pr_account_need(&c, PR_ROLE_OWNER, false, PR_ACCOUNT_SYSTEM), PR_NEED_PHYSICAL);
	ck_assert_int_eq(pr_account_need(&c, PR_ROLE_ADMIN, false, PR_ACCOUNT_SYSTEM), PR_NEED_PHYSICAL);
	ck_assert_int_eq(pr_account_need(&c, PR_ROLE_STAFF, false, PR_ACCOUNT_SYSTEM), PR_NEED_NONE);
	ck_assert_int_eq(pr_account_need(&c, PR_ROLE_STAFF, false, PR_ACCOUNT_PERSON), PR_NEED_PHYSICAL);
	ck_assert_int_eq(pr_account_need(&c, PR_ROLE_STAFF, false, PR_ACCOUNT_ROOT), PR_NEED_PHYSICAL);
	ck_assert_int_eq(pr_account_need(&c, PR_ROLE_STAFF, true, PR_ACCOUNT_ROOT), PR_NEED_NONE);
	/* uid_min 1 makes daemon (uid 1) a person */
	c.uid_min = 1;
	ck_assert_int_eq(pr_user_policy(&c, "daemon", &up), PR_OK);
	ck_assert_int_eq(up.kind, PR_ACCOUNT_PERSON);
	ck_assert_int_eq(up.need, PR_NEED_PHYSICAL);
	/* unknown users: the strictest need, and the lookup's answer */
	ck_assert_int_eq(pr_user_policy(&c, NO_USER, &up), PR_ERR_NOT_FOUND);
	ck_assert_int_eq(up.need, PR_NEED_PHYSICAL);
	ck_assert_int_eq(pr_user_policy(&c, "root", NULL), PR_ERR_INVALID_ARG);
	freeconfig(&c);
}
END_TEST

/* ---- the test accounts of tests/testenv.sh (root only) -------------------------------- */

/*
 * make check runs every test through tests/testenv.sh, which, as root,
 * lends it these accounts in a private mount namespace (none is left on the
 * machine). owner_grp: supplementary group of u_owner; admin_grp: primary
 * group of u_admin; u_staff: in neither.
 */
static const char owner_grp[] = "prckowners", admin_grp[] = "prckadmins";
static const char u_owner[] = "prckowner", u_admin[] = "prckadmin", u_staff[] = "prckstaff";
static bool accounts_ready;

static void accounts_find(void)
{
	struct group *og = getgrnam(owner_grp), *ag = getgrnam(admin_grp);
	struct passwd *pw;

	accounts_ready = og != NULL && ag != NULL &&
	    (pw = getpwnam(u_admin)) != NULL && pw->pw_gid == ag->gr_gid &&
	    getpwnam(u_owner) != NULL && getpwnam(u_staff) != NULL;
}

START_TEST(accounts_created)
{
	ck_assert_msg(accounts_ready, "no test accounts: run this test through tests/testenv.sh (make check does)");
}
END_TEST

START_TEST(membership_created)
{
	ck_assert(pr_user_in_group(u_owner, owner_grp));    /* supplementary */
	ck_assert(!pr_user_in_group(u_owner, admin_grp));
	ck_assert(pr_user_in_group(u_admin, admin_grp));    /* primary */
	ck_assert(!pr_user_in_group(u_admin, owner_grp));
	ck_assert(!pr_user_in_group(u_staff, owner_grp));
	ck_assert(!pr_user_in_group(u_staff, admin_grp));
}
END_TEST

/* The runtime guard: an exempt list naming the owners' and admins' groups exempts neither. */
START_TEST(roles_created)
{
	const char *users[] = { u_owner, u_admin, u_staff };
	const enum pr_role roles[] = { PR_ROLE_OWNER, PR_ROLE_ADMIN, PR_ROLE_STAFF };
	const enum pr_need needs[] = { PR_NEED_PHYSICAL, PR_NEED_ANY_KEY, PR_NEED_NONE };
	char owners[40], admins[40], exempt[120];
	struct pr_config c;

	snprintf(owners, sizeof(owners), "@%s", owner_grp);
	snprintf(admins, sizeof(admins), "@%s", admin_grp);
	snprintf(exempt, sizeof(exempt), "@%s,@%s,%s", owner_grp, admin_grp, u_staff);
	mkconfig(&c, owners, admins, exempt);
	c.policy.require_security_key = PR_REQ_KEY_ALL_USERS;
	c.policy.require_physical_key = PR_REQ_PHYS_OWNERS;
	for (int i = 0; i < 3; i++) {
		enum pr_role role = (enum pr_role)-1;
		enum pr_need need = (enum pr_need)-1;
		bool ex = false;

		ck_assert_int_eq(pr_role_resolve(&c, users[i], &role, &ex), PR_OK);
		ck_assert_int_eq(role, roles[i]);
		ck_assert_int_eq(ex, roles[i] == PR_ROLE_STAFF);
		ck_assert_int_eq(pr_user_need(&c, users[i], &role, &need), PR_OK);
		ck_assert_int_eq(need, needs[i]);
	}
	freeconfig(&c);
}
END_TEST

/* Exemption through a group needs both sources to agree: supplementary (gr_mem) and primary. */
START_TEST(exempt_groups_created)
{
	const char *users[] = { u_owner, u_admin, u_staff };
	char exempt[80];
	struct pr_config c;

	snprintf(exempt, sizeof(exempt), "@%s,@%s", owner_grp, admin_grp);
	mkconfig(&c, "", "", exempt);
	for (int i = 0; i < 3; i++) {
		enum pr_role role = (enum pr_role)-1;
		bool ex = i == 2;

		ck_assert_int_eq(pr_role_resolve(&c, users[i], &role, &ex), PR_OK);
		ck_assert_int_eq(role, PR_ROLE_STAFF);
		ck_assert_int_eq(ex, i != 2);
	}
	freeconfig(&c);
}
END_TEST

START_TEST(check_exempt_created)
{
	struct pr_errbuf eb = { 0 };
	char owners[40], admins[40], exempt[120], want[160];
	struct pr_config c;

	snprintf(owners, sizeof(owners), "@%s", owner_grp);
	snprintf(admins, sizeof(admins), "@%s", admin_grp);
	/* supplementary: gr_mem lists the user */
	snprintf(exempt, sizeof(exempt), "%s,%s", u_staff, u_owner);
	mkconfig(&c, owners, admins, exempt);
	ck_assert_int_eq(pr_roles_check_exempt(&c, &eb), PR_ERR_CONFIG);
	snprintf(want, sizeof(want), "exempt lists '%s', who is an owner through @%s", u_owner, owner_grp);
	ck_assert_str_eq(eb.msg, want);
	freeconfig(&c);
	/* primary: only the passwd entry says so */
	mkconfig(&c, owners, admins, u_admin);
	ck_assert_int_eq(pr_roles_check_exempt(&c, &eb), PR_ERR_CONFIG);
	snprintf(want, sizeof(want), "exempt lists '%s', who is an admin through @%s", u_admin, admin_grp);
	ck_assert_str_eq(eb.msg, want);
	freeconfig(&c);
	mkconfig(&c, owners, admins, u_staff);
	ck_assert_int_eq(pr_roles_check_exempt(&c, &eb), PR_OK);
	freeconfig(&c);
}
END_TEST

/* ---- a directory service that fails (root only, in a private mount namespace) ---------- */

/*
 * A tmpfs over /etc with our own nsswitch.conf, passwd and group, in a
 * child in its own mount namespace: nothing outside it changes. Two ways
 * a directory fails, both seen with sssd and LDAP:
 * - "down": the group database is unavailable (here: /etc/group missing,
 *   so glibc's files backend answers UNAVAIL with errno ENOENT, as sssd and
 *   nss_ldap do when their server is down); getgrouplist() skips it silently;
 * - "no initgroups": group lookups work but membership enumeration does not
 *   (a service that cannot be loaded), so getgrouplist() lists only the
 *   primary group while gr_mem names the user.
 * And one source that is not failing: "userdb", where a membership comes
 * only from a second group source (systemd's userdb, a drop-in
 * "prnss:prclinic.membership"; sssd does the same for directory groups),
 * so getgrouplist() lists prclinic while its gr_mem in /etc/group is
 * empty. roles.c reads getgrouplist() only where gr_mem cannot decide:
 * these rows pin that it still does where the list can raise a role.
 * (nss-systemd never extends root, so these rows sign in as prnss.)
 */
#define NSS_PASSWD "root:x:0:0:root:/root:/bin/sh\nprnss:x:4243:4243::/:/bin/sh\n"
#define NSS_GROUP "root:x:0:\nprclinic:x:4242:root\nprnss:x:4243:\n"
#define NSS_GROUP_USERDB "root:x:0:\nprclinic:x:4242:\nprnss:x:4243:\n"

enum nss_world { NSS_SANE, NSS_DOWN, NSS_NO_INITGROUPS, NSS_USERDB };

static const struct {
	enum nss_world world;
	const char *user, *owners, *admins, *exempt;
	int err;
	enum pr_role role;
	bool exempt_out;
} nss_rows[] = {
	{ NSS_SANE, "root", "@prclinic", "", "", PR_OK, PR_ROLE_OWNER, false },
	{ NSS_SANE, "root", "", "", "@prclinic", PR_OK, PR_ROLE_STAFF, true },
	{ NSS_SANE, "root", "@prnone", "", "", PR_ERR_IO, PR_ROLE_STAFF, false },
	{ NSS_DOWN, "root", "@prclinic", "", "", PR_ERR_IO, PR_ROLE_STAFF, false },
	{ NSS_DOWN, "root", "", "@prclinic", "", PR_ERR_IO, PR_ROLE_STAFF, false },
	{ NSS_DOWN, "root", "", "", "@prclinic", PR_ERR_IO, PR_ROLE_STAFF, false },
	{ NSS_DOWN, "root", "root", "@prclinic", "", PR_OK, PR_ROLE_OWNER, false },  /* names need no group database */
	{ NSS_NO_INITGROUPS, "root", "@prclinic", "", "", PR_OK, PR_ROLE_OWNER, false },
	{ NSS_NO_INITGROUPS, "root", "", "@prclinic", "", PR_OK, PR_ROLE_ADMIN, false },
	{ NSS_NO_INITGROUPS, "root", "", "", "@prclinic", PR_OK, PR_ROLE_STAFF, false },  /* exempt: both must agree */
	{ NSS_USERDB, "prnss", "@prclinic", "", "", PR_OK, PR_ROLE_OWNER, false },
	{ NSS_USERDB, "prnss", "@root,@prclinic", "", "", PR_OK, PR_ROLE_OWNER, false },
	{ NSS_USERDB, "prnss", "@root", "@prclinic", "", PR_OK, PR_ROLE_ADMIN, false },
	{ NSS_USERDB, "prnss", "", "", "@prclinic", PR_OK, PR_ROLE_STAFF, false },  /* exempt: both must agree */
	{ NSS_USERDB, "prnss", "@root", "", "@prnss", PR_OK, PR_ROLE_STAFF, true },  /* primary group */
};

static bool put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	bool ok = f != NULL && fputs(text, f) >= 0;

	return (f != NULL && fclose(f) == 0) && ok;
}

/*
 * systemd's userdb reads drop-ins in /etc/userdb in the calling process
 * (an empty file is a mask, so the record is "{}").
 */
static bool userdb_enter(void)
{
	return mkdir("/etc/userdb", 0755) == 0 &&
	    put_file("/etc/userdb/prnss:prclinic.membership", "{}\n");
}

static bool nss_world_enter(enum nss_world w)
{
	const char *nss = w == NSS_NO_INITGROUPS ?
	    "passwd: files\ngroup: files\ninitgroups: prck-no-such-service\n" :
	    w == NSS_USERDB ? "passwd: files\ngroup: files systemd\n" :
	    "passwd: files\ngroup: files\n";

	return unshare(CLONE_NEWNS) == 0 &&
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
	    mount("prck", "/etc", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") == 0 &&
	    put_file("/etc/nsswitch.conf", nss) && put_file("/etc/passwd", NSS_PASSWD) &&
	    (w == NSS_DOWN || put_file("/etc/group", w == NSS_USERDB ? NSS_GROUP_USERDB : NSS_GROUP)) &&
	    (w != NSS_USERDB || userdb_enter());
}

/* The userdb world is what the rows say: getgrouplist() lists prclinic, gr_mem does not. */
static bool userdb_world_ok(void)
{
	struct group *gr = getgrnam("prclinic");
	gid_t gids[8];
	int n = 8;
	bool listed = false;

	if (gr == NULL || gr->gr_mem[0] != NULL || getgrouplist("prnss", 4243, gids, &n) < 0)
		return false;
	for (int i = 0; i < n; i++)
		listed = listed || gids[i] == 4242;
	return listed;
}

struct nss_result {
	int entered, world_ok, err, need_err;
	enum pr_role role;
	enum pr_need need;
	bool exempt;
};

/* The userdb rows need systemd's NSS module (Debian: libnss-systemd). */
static bool nss_systemd_present(void)
{
	void *h = dlopen("libnss_systemd.so.2", RTLD_LAZY | RTLD_NOLOAD);

	if (h == NULL)
		h = dlopen("libnss_systemd.so.2", RTLD_LAZY);
	if (h != NULL)
		dlclose(h);
	return h != NULL;
}

/* Our own child (not Check's), so the namespace never outlives it. */
START_TEST(nss_failures)
{
	struct nss_result res = { 0, 0, 0, 0, PR_ROLE_STAFF, PR_NEED_NONE, false };
	struct pr_config c;
	int fds[2], status;
	pid_t pid;

	if (nss_rows[_i].world == NSS_USERDB && !nss_systemd_present()) {
		fprintf(stderr, "# nss_failures row %d skipped: no libnss_systemd.so.2 "
		    "(apt-get install libnss-systemd)\n", _i);
		return;
	}
	mkconfig(&c, nss_rows[_i].owners, nss_rows[_i].admins, nss_rows[_i].exempt);
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		close(fds[0]);
		if ((res.entered = nss_world_enter(nss_rows[_i].world)) != 0 &&
		    (nss_rows[_i].world != NSS_USERDB || (res.world_ok = userdb_world_ok()))) {
			res.err = pr_role_resolve(&c, nss_rows[_i].user, &res.role, &res.exempt);
			res.need_err = pr_user_need(&c, nss_rows[_i].user, NULL, &res.need);
		}
		_exit(write(fds[1], &res, sizeof(res)) == (ssize_t)sizeof(res) ? 0 : 1);
	}
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &res, sizeof(res)), (ssize_t)sizeof(res));
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(res.entered, "cannot set up a private /etc in a mount namespace");
	ck_assert_msg(nss_rows[_i].world != NSS_USERDB || res.world_ok, "systemd's NSS module "
	    "(libnss-systemd) did not read the /etc/userdb membership: is it installed?");
	ck_assert_int_eq(res.err, nss_rows[_i].err);
	ck_assert_int_eq(res.need_err, nss_rows[_i].err);
	if (res.err != PR_OK)
		ck_assert_int_eq(res.need, PR_NEED_PHYSICAL);
	else
		ck_assert_int_eq(res.role, nss_rows[_i].role);
	ck_assert_int_eq(res.exempt, nss_rows[_i].exempt_out);
	freeconfig(&c);
}
END_TEST

static Suite *roles_suite(bool created)
{
	Suite *s = suite_create("roles");
	TCase *tc = tcase_create("system accounts");
	TCase *tn = tcase_create("created accounts");

	tcase_add_loop_test(tc, in_group, 0, NROWS(in_group_rows));
	tcase_add_test(tc, in_group_null);
	tcase_add_loop_test(tc, list_matches, 0, NROWS(match_rows));
	tcase_add_test(tc, list_matches_null);
	tcase_add_loop_test(tc, role_root, 0, NROWS(root_rows));
	tcase_add_loop_test(tc, role_missing_group, 0, NROWS(missing_rows));
	tcase_add_loop_test(tc, check_exempt_system, 0, NROWS(check_exempt_rows));
	tcase_add_test(tc, role_bad_input);
	tcase_add_loop_test(tc, user_need_root, 0, NROWS(need_rows));
	tcase_add_test(tc, user_policy_kinds);
	suite_add_tcase(s, tc);
	if (created) {
		tcase_add_test(tn, accounts_created);
		tcase_add_test(tn, membership_created);
		tcase_add_test(tn, roles_created);
		tcase_add_test(tn, exempt_groups_created);
		tcase_add_test(tn, check_exempt_created);
		tcase_add_loop_test(tn, nss_failures, 0, NROWS(nss_rows));
		suite_add_tcase(s, tn);
	}
	return s;
}

int main(void)
{
	bool root = geteuid() == 0;

	if (root)
		accounts_find();
	else
		printf("# not root: tests with the test accounts not run\n");
	return test_run_tap(roles_suite(root));
}
