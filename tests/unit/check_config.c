/*
 * Unit tests of lib/config.c: the policy file (every key, defaults, every
 * kind of bad value with its line number, unsafe files) and the module's
 * pam.d options.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "err.h"
#include "modopts.h"
#include "policy.h"
#include "roles.h"
#include "testlib.h"

/*
 * A private directory per test (the fixture runs in the test's fork),
 * inside one base directory that main() removes even after failures.
 */
static char basedir[64];
static char tmpdir[96];
static char conf_path[128];

static void dir_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/t.XXXXXX", basedir);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(conf_path, sizeof(conf_path), "%s/t.conf", tmpdir);
}

static void dir_teardown(void)
{
	ck_assert_msg(test_rm_tree(AT_FDCWD, tmpdir), "could not remove %s", tmpdir);
}

static void write_conf(const char *text)
{
	test_write_file(conf_path, text, strlen(text), 0644);
}

/* The message names the file by its full path, then says what (and where). */
static void assert_msg(const struct pr_errbuf *eb, const char *expect)
{
	ck_assert_msg(strncmp(eb->msg, tmpdir, strlen(tmpdir)) == 0,
	    "message does not start with the path: %s", eb->msg);
	ck_assert_msg(strstr(eb->msg, expect) != NULL,
	    "message '%s' lacks '%s'", eb->msg, expect);
}

static void assert_fails(int err, const char *expect)
{
	struct pr_errbuf eb = { 0 };
	struct pr_config *cfg = (struct pr_config *)&eb;  /* must be reset to NULL */

	ck_assert_int_eq(pr_roles_config_load(conf_path, &cfg, &eb), err);
	ck_assert_ptr_null(cfg);
	assert_msg(&eb, expect);
}

static struct pr_config *load_ok(void)
{
	struct pr_errbuf eb = { 0 };
	struct pr_config *cfg = NULL;
	int r = pr_roles_config_load(conf_path, &cfg, &eb);

	ck_assert_msg(r == PR_OK, "load failed (%d): %s", r, eb.msg);
	ck_assert_ptr_nonnull(cfg);
	return cfg;
}

static void load_and_free(void)
{
	struct pr_config *cfg = load_ok();

	pr_config_free(&cfg);
	ck_assert_ptr_null(cfg);
}

/* ---- invalid files: content, error, message with file and line ------------- */

#define RP "rp_id = \"pam://x\"\n"
#define X16 "xxxxxxxxxxxxxxxx"
#define X256 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16

static const struct {
	const char *text;
	size_t len;          /* 0: strlen(text) */
	const char *expect;
} bad_rows[] = {
	/* rp_id */
	{ "require_security_key = none\n", 0, "t.conf: rp_id is not set" },
	{ "", 0, "t.conf: rp_id is not set" },
	{ "rp_id = \"\"\n", 0, "t.conf:1: invalid value '' for rp_id" },
	{ "rp_id = \"pam://a b\"\n", 0, "t.conf:1: invalid value 'pam://a b' for rp_id" },
	{ "\n\nrp_id = \"" X256 "\"\n", 0, "t.conf:3: invalid value 'xxx" },
	{ "rp_id = \"pam://caf\xc3\xa9\"\n", 0, "t.conf:1: invalid value 'pam://caf?" "?' for rp_id" },
	{ "rp_id = \"pam://x\tx\"\n", 0, "t.conf:1: invalid value 'pam://x?x' for rp_id" },
	{ RP "rp_id = \"pam://y\"\n", 0, "t.conf:2: rp_id is set more than once (first on line 1)" },
	{ "rp_id = {\"pam://x\"}\n", 0, "t.conf:1: unexpected token '{'" },
	/* enumerations */
	{ RP "# comment\nrequire_security_key = sometimes\n", 0,
	  "t.conf:3: invalid value 'sometimes' for require_security_key (expected none or all-users)" },
	{ RP "require_security_key = owners\n", 0,
	  "t.conf:2: invalid value 'owners' for require_security_key" },
	{ RP "require_security_key = All-Users\n", 0,
	  "t.conf:2: invalid value 'All-Users' for require_security_key" },
	{ RP "require_security_key = \"\"\n", 0,
	  "t.conf:2: invalid value '' for require_security_key" },
	{ RP "require_physical_key = everyone\n", 0,
	  "t.conf:2: invalid value 'everyone' for require_physical_key (expected none, owners or all-users)" },
	{ RP "require_physical_key = owners\nrequire_physical_key = none\n", 0,
	  "t.conf:3: require_physical_key is set more than once (first on line 2)" },
	{ RP "user_verification = always\n", 0,
	  "t.conf:2: invalid value 'always' for user_verification (expected required, preferred or discouraged)" },
	{ RP "user_verification = \"required \"\n", 0,
	  "t.conf:2: invalid value 'required ' for user_verification" },
	/* integers and ranges */
	{ RP "touch_timeout = 0\n", 0, "t.conf:2: invalid value '0' for touch_timeout (expected 1 to 600 seconds)" },
	{ RP "uid_min = 0\n", 0, "t.conf:2: invalid value '0' for uid_min (expected 1 to 2147483647)" },
	{ RP "uid_min = 2147483648\n", 0, "t.conf:2: invalid value '2147483648' for uid_min (expected 1 to 2147483647)" },
	{ RP "uid_min = 99999999999\n", 0, "t.conf:2: invalid value '99999999999' for uid_min (expected 1 to 2147483647)" },
	{ RP "uid_min = -1000\n", 0, "t.conf:2: invalid value '-1000' for uid_min" },
	{ RP "uid_min = 4294967295\n", 0, "t.conf:2: invalid value '4294967295' for uid_min" },
	{ RP "uid_min = 1000\nuid_min = 500\n", 0, "t.conf:3: uid_min is set more than once (first on line 2)" },
	{ RP "unattended_services = {\"cron\", \"bad service\"}\n", 0,
	  "t.conf:2: invalid entry 'bad service' in unattended_services (expected a PAM service name)" },
	{ RP "unattended_services = {\"cron\"}\nunattended_services = {}\n", 0,
	  "t.conf:3: unattended_services is given twice (line 2 and line 3); give it once" },
	{ RP "touch_timeout = 601\n", 0, "t.conf:2: invalid value '601' for touch_timeout" },
	{ RP "touch_timeout = -1\n", 0, "t.conf:2: invalid value '-1' for touch_timeout" },
	{ RP "touch_timeout = ten\n", 0, "t.conf:2: invalid value 'ten' for touch_timeout (expected a whole number in decimal)" },
	{ RP "touch_timeout = 30s\n", 0, "t.conf:2: invalid value '30s' for touch_timeout (expected a whole number" },
	{ RP "touch_timeout = 1.5\n", 0, "t.conf:2: invalid value '1.5' for touch_timeout (expected a whole number" },
	{ RP "touch_timeout = 0x1e\n", 0, "t.conf:2: invalid value '0x1e' for touch_timeout (expected a whole number" },
	{ RP "touch_timeout = +30\n", 0, "t.conf:2: unexpected '+'" },
	{ RP "exempt = {\"a\"} + {\"b\"}\n", 0, "t.conf:2: unexpected '+'" },
	{ RP "\n touch_timeout = 3*10\n", 0, "t.conf:3: unexpected '*'" },
	{ RP "touch_timeout = \"\"\n", 0, "t.conf:2: invalid value '' for touch_timeout (expected a whole number" },
	{ RP "touch_timeout = -\n", 0, "t.conf:2: invalid value '-' for touch_timeout (expected a whole number" },
	{ RP "touch_timeout = 99999999999999999999\n", 0, "t.conf:2: invalid value '99999999999999999999' for touch_timeout (expected 1 to 600 seconds)" },
	{ RP "touch_timeout = 1000000000\n", 0, "t.conf:2: invalid value '1000000000' for touch_timeout (expected 1 to 600 seconds)" },
	{ RP "recovery {\n  codes = 1e2\n}\n", 0, "t.conf:3: invalid value '1e2' for codes (expected a whole number" },
	/* paths */
	{ RP "state_dir = \"var/lib/pr\"\n", 0, "t.conf:2: invalid value 'var/lib/pr' for state_dir (expected an absolute path)" },
	{ RP "audit_log = \"\"\n", 0, "t.conf:2: invalid value '' for audit_log (expected an absolute path)" },
	{ RP "trust_anchors = \"anchors\"\n", 0, "t.conf:2: invalid value 'anchors' for trust_anchors" },
	{ RP "state_dir = \"/var/lib/pr\\nx\"\n", 0, "t.conf:2: invalid value '/var/lib/pr?x' for state_dir" },
	/* AAGUIDs */
	{ RP "physical_aaguids = {\"not-an-aaguid\"}\n", 0,
	  "t.conf:2: invalid entry 'not-an-aaguid' in physical_aaguids (expected an AAGUID as 8-4-4-4-12 hex digits)" },
	{ RP "physical_aaguids = {\n  \"cb69481e-8ff7-4039-93ec-0a2729a154a8\",\n  \"cb69481e-8ff7-4039-93ec-0a2729a154a\"\n}\n", 0,
	  "t.conf:4: invalid entry 'cb69481e-8ff7-4039-93ec-0a2729a154a' in physical_aaguids" },
	{ RP "physical_aaguids = {\"cb69481e_8ff7_4039_93ec_0a2729a154a8\"}\n", 0,
	  "t.conf:2: invalid entry 'cb69481e_8ff7_4039_93ec_0a2729a154a8' in physical_aaguids" },
	/* names */
	{ RP "exempt = {\"bad user\"}\n", 0, "t.conf:2: invalid entry 'bad user' in exempt (expected a user name or @group)" },
	{ RP "exempt = {\"@\"}\n", 0, "t.conf:2: invalid entry '@' in exempt" },
	{ RP "exempt = {\"-rf\"}\n", 0, "t.conf:2: invalid entry '-rf' in exempt" },
	{ RP "exempt = {\"\"}\n", 0, "t.conf:2: invalid entry '' in exempt" },
	{ RP "roles {\n  owners = {\"drlee\", \"@bad group\"}\n}\n", 0, "t.conf:3: invalid entry '@bad group' in owners" },
	{ RP "roles {\n  admins = {\"../etc\"}\n}\n", 0, "t.conf:3: invalid entry '../etc' in admins" },
	{ RP "roles {\n  owners = {\"@@x\"}\n}\n", 0, "t.conf:3: invalid entry '@@x' in owners" },
	/* owners and admins cannot be exempt */
	{ RP "exempt = {\"backup\", \"drlee\"}\nroles {\n  owners = {\"drlee\"}\n}\n", 0,
	  "t.conf:2: exempt lists 'drlee', who is an owner: owners and admins cannot be exempt" },
	{ RP "roles {\n  admins = {\"@clinic-admins\"}\n}\n\nexempt = {\"@clinic-admins\"}\n", 0,
	  "t.conf:6: exempt lists '@clinic-admins', who is an admin: owners and admins cannot be exempt" },
	{ RP "exempt = {\"itdesk\"}\nroles {\n  admins = {\"backup\", \"itdesk\"}\n}\n", 0,
	  "t.conf:2: exempt lists 'itdesk', who is an admin" },
	/* ... nor through a group (the group database decides: daemon's primary group, root's) */
	{ RP "roles {\n  owners = {\"@daemon\"}\n}\nexempt = {\"daemon\"}\n", 0,
	  "t.conf:5: exempt lists 'daemon', who is an owner through @daemon: owners and admins cannot be exempt" },
	{ RP "exempt = {\"backup\", \"root\"}\nroles {\n  owners = {\"drlee\"}\n  admins = {\"@clinic\", \"@root\"}\n}\n", 0,
	  "t.conf:2: exempt lists 'root', who is an admin through @root: owners and admins cannot be exempt" },
	/* a list given twice: last-one-wins would hide the first (one stray "owners = {}" drops every owner) */
	{ RP "exempt = {\"a\"}\nexempt = {}\n", 0, "t.conf:3: exempt is given twice (line 2 and line 3); give it once" },
	{ RP "exempt = {\"backup\"}\nexempt += {\"itdesk\"}\n", 0, "t.conf:3: exempt is given twice (line 2 and line 3); give it once" },
	{ RP "physical_aaguids = {}\n\nphysical_aaguids = {\"cb69481e-8ff7-4039-93ec-0a2729a154a8\"}\n", 0,
	  "t.conf:4: physical_aaguids is given twice (line 2 and line 4); give it once" },
	{ RP "physical_aaguids = {\"cb69481e-8ff7-4039-93ec-0a2729a154a8\"}\nphysical_aaguids += {\"ee882879-721c-4913-9775-3dfcce97072a\"}\n", 0,
	  "t.conf:3: physical_aaguids is given twice (line 2 and line 3)" },
	{ RP "roles {\n  owners = {\"drlee\"}\n  owners = {}\n}\n", 0, "t.conf:4: owners is given twice (line 3 and line 4); give it once" },
	{ RP "roles {\n  owners = {\"drlee\"}\n  owners += {\"mallory\"}\n}\n", 0, "t.conf:4: owners is given twice (line 3 and line 4)" },
	{ RP "roles {\n  owners = {\"drlee\"}\n  \"owners\"\n  = {}\n}\n", 0, "t.conf:4: owners is given twice (line 3 and line 4)" },
	{ RP "roles {\n  owners = {\"drlee\"}\n}\nroles {\n  owners = {}\n}\n", 0, "t.conf:7: section 'roles' is given more than once" },
	{ RP "roles {\n  admins = {\"@clinic-admins\"}\n  admins = {\"bob\"}\n}\n", 0, "t.conf:4: admins is given twice (line 3 and line 4); give it once" },
	{ RP "roles {\n  admins = {}\n  admins += {\"bob\"}\n}\n", 0, "t.conf:4: admins is given twice (line 3 and line 4)" },
	{ RP "recovery {\n  services = {\"login\"}\n  services = {}\n}\n", 0, "t.conf:4: services is given twice (line 3 and line 4); give it once" },
	{ RP "recovery {\n  services = {}\n  services += {\"sshd\"}\n}\n", 0, "t.conf:4: services is given twice (line 3 and line 4)" },
	{ RP "breakglass {\n  services = {\"login\"}\n  services = {}\n}\n", 0, "t.conf:4: services is given twice (line 3 and line 4); give it once" },
	{ RP "breakglass {\n  services = {\"bad service\"}\n}\n", 0, "t.conf:3: invalid entry 'bad service' in services" },
	{ RP "breakglass {\n  session_limit = 59\n}\n", 0, "t.conf:3: " },
	{ RP "breakglass {\n  session_limit = 86401\n}\n", 0, "t.conf:3: " },
	{ RP "breakglass {\n  notify = \"it@clinic.example\\nBcc: x@y.z\"\n}\n", 0, "t.conf:3: invalid value" },
	{ RP "breakglass {\n  notify = \"a b\"\n}\n", 0, "t.conf:3: invalid value 'a b' for notify" },
	{ RP "breakglass {\n}\nbreakglass {\n}\n", 0, "t.conf:5: section 'breakglass' is given more than once" },
	/* unknown keys and sections, syntax */
	{ RP "foo = 1\n", 0, "t.conf:2: no such option 'foo'" },
	{ RP "RP_ID = \"pam://y\"\n", 0, "t.conf:2: no such option 'RP_ID'" },
	{ RP "roles {\n  staff = {\"bob\"}\n}\n", 0, "t.conf:3: no such option 'staff'" },
	{ RP "policy {\n}\n", 0, "t.conf:2: no such option 'policy'" },
	{ RP "roles {}\nroles {}\n", 0, "t.conf:3: section 'roles' is given more than once" },
	{ RP "require_security_key none\n", 0, "t.conf:2: missing equal sign after option 'require_security_key'" },
	{ RP "touch_timeout = \"30\n", 0, "t.conf:3: premature end of file" },
	{ RP "roles {\n  owners = {\"drlee\"}\n", 0, "t.conf:2: '{' is never closed" },
	{ RP "roles {\n  owners = {\"drlee\"\n", 0, "t.conf:3: '{' is never closed" },
	{ RP "exempt = {\"a\",\n \"b\"\n", 0, "t.conf:2: '{' is never closed" },
	{ RP "/* never\n closed\n", 0, "t.conf:2: comment opened with /* is never closed" },
	{ RP "recovery {\n  codes = 0 # a comment that libconfuse 3.3 would miscount\n}\n", 0,
	  "t.conf:3: invalid value '0' for codes" },
	{ RP "# one\n// two\n/* three\n four */\nuser_verification = always\n", 0,
	  "t.conf:6: invalid value 'always' for user_verification" },
	{ RP "rp_id = 'pam://y' # comment\n", 0, "t.conf:2: rp_id is set more than once" },
	{ RP "touch_timeout = '30\n", 0, "t.conf:3: unterminated string constant" },
	{ RP "}\n", 0, "t.conf:2: unexpected closing brace" },
	/* what libconfuse would otherwise do silently */
	{ "rp_id = \"${HOME}\"\n", 0, "t.conf:1: '${' is not allowed" },
	{ RP "exempt = {\"a\", ${USER}}\n", 0, "t.conf:2: '${' is not allowed" },
	{ RP "mail_command = \"/bin/x\n${HOME}\"\n", 0, "t.conf:3: '${' is not allowed" },
	{ RP "state_dir = ${STATE}\n", 0, "t.conf:2: '${' is not allowed" },
	{ "rp_id = \"pam://x\\x00y\"\n", 0, "t.conf:1: numeric escapes" },
	{ RP "\n\nstate_dir = \"/x\\0\"\n", 0, "t.conf:4: numeric escapes" },
	{ "rp_id = \"pam://\\101\"\n", 0, "t.conf:1: numeric escapes" },
	{ RP "\x01\n", 0, "t.conf:2: contains control character 0x01" },
	{ "\x7f" "ELF\x02\x01\x01", 0, "t.conf:1: contains control character 0x7f" },
	{ RP "\0garbage", sizeof(RP "\0garbage") - 1, "t.conf:2: contains a NUL byte" },
	{ RP "rp_id_suffix = 1\n\0", sizeof(RP "rp_id_suffix = 1\n\0") - 1, "t.conf:3: contains a NUL byte" },
	/* recovery */
	{ RP "recovery {\n  services = {\"bad service\"}\n}\n", 0, "t.conf:3: invalid entry 'bad service' in services (expected a PAM service name)" },
	{ RP "recovery {\n  services = {\"-login\"}\n}\n", 0, "t.conf:3: invalid entry '-login' in services" },
	{ RP "recovery {\n  services = {\"../login\"}\n}\n", 0, "t.conf:3: invalid entry '../login' in services" },
	{ RP "recovery {\n  ticket_lifetime = 59\n}\n", 0, "t.conf:3: invalid value '59' for ticket_lifetime (expected 60 to 86400 seconds)" },
	{ RP "recovery {\n  ticket_lifetime = 86401\n}\n", 0, "t.conf:3: invalid value '86401' for ticket_lifetime" },
	{ RP "recovery {\n  codes = 0\n}\n", 0, "t.conf:3: invalid value '0' for codes (expected 1 to 100)" },
	{ RP "recovery {\n  codes = 101\n}\n", 0, "t.conf:3: invalid value '101' for codes" },
	{ RP "recovery {\n  self_request = maybe\n}\n", 0, "t.conf:3: invalid boolean value for option 'self_request'" },
	{ RP "recovery {\n  self_request = true\n  self_request = false\n}\n", 0, "t.conf:4: self_request is set more than once (first on line 3)" },
	{ RP "recovery {\n  mail_command = \"sendmail -t\"\n}\n", 0,
	  "t.conf:3: invalid value 'sendmail -t' for mail_command (expected a command starting with an absolute path)" },
	{ RP "recovery {\n  mail_command = \"\"\n}\n", 0, "t.conf:3: invalid value '' for mail_command" },
	{ RP "recovery {\n  mail_command = \"/ sendmail\"\n}\n", 0, "t.conf:3: invalid value '/ sendmail' for mail_command" },
	{ RP "recovery {\n  mail_command = \"/usr/sbin/sendmail\\n-t\"\n}\n", 0, "t.conf:3: invalid value '/usr/sbin/sendmail?-t' for mail_command" },
	{ RP "recovery {\n  ticket_lifetime = 600\n}\nrecovery {\n}\n", 0, "t.conf:6: section 'recovery' is given more than once" },
	/* session: SP 800-63B-4's ceilings per level, a floor, idle within the session */
	{ RP "session {\n  aal3_idle_limit = 901\n}\n", 0,
	  "t.conf:3: invalid value '901' for aal3_idle_limit (expected 60 to 900 seconds; SP 800-63B-4 allows at most 15 minutes at AAL3)" },
	{ RP "session {\n  aal3_session_limit = 43201\n}\n", 0,
	  "t.conf:3: invalid value '43201' for aal3_session_limit (expected 60 to 43200 seconds; SP 800-63B-4 allows at most 12 hours at AAL3)" },
	{ RP "session {\n  aal2_idle_limit = 3601\n}\n", 0,
	  "t.conf:3: invalid value '3601' for aal2_idle_limit (expected 60 to 3600 seconds; SP 800-63B-4 allows at most 1 hour at AAL2)" },
	{ RP "session {\n  aal2_session_limit = 86401\n}\n", 0,
	  "t.conf:3: invalid value '86401' for aal2_session_limit (expected 60 to 86400 seconds; SP 800-63B-4 allows at most 24 hours at AAL2)" },
	{ RP "session {\n  aal1_idle_limit = 86401\n}\n", 0,
	  "t.conf:3: invalid value '86401' for aal1_idle_limit (expected 60 to 86400 seconds)" },
	{ RP "session {\n  aal1_session_limit = 2592001\n}\n", 0,
	  "t.conf:3: invalid value '2592001' for aal1_session_limit (expected 60 to 2592000 seconds; SP 800-63B-4 allows at most 30 days at AAL1)" },
	{ RP "session {\n  aal3_idle_limit = 59\n}\n", 0, "t.conf:3: invalid value '59' for aal3_idle_limit (expected 60 to 900" },
	{ RP "session {\n  aal2_idle_limit = 0\n}\n", 0, "t.conf:3: invalid value '0' for aal2_idle_limit" },
	{ RP "session {\n  aal2_idle_limit = -1800\n}\n", 0, "t.conf:3: invalid value '-1800' for aal2_idle_limit" },
	{ RP "session {\n  aal2_idle_limit = 30m\n}\n", 0, "t.conf:3: invalid value '30m' for aal2_idle_limit (expected a whole number in decimal)" },
	{ RP "session {\n  aal3_idle_limit = 0x384\n}\n", 0, "t.conf:3: invalid value '0x384' for aal3_idle_limit (expected a whole number" },
	{ RP "session {\n  aal3_idle_limit = 600\n  aal3_idle_limit = 900\n}\n", 0,
	  "t.conf:4: aal3_idle_limit is set more than once (first on line 3)" },
	{ RP "session {\n  set_tmout = sometimes\n}\n", 0, "t.conf:3: invalid boolean value for option 'set_tmout'" },
	{ RP "session {\n  set_tmout = true\n  set_tmout = false\n}\n", 0, "t.conf:4: set_tmout is set more than once (first on line 3)" },
	{ RP "session {\n  aal4_idle_limit = 60\n}\n", 0, "t.conf:3: no such option 'aal4_idle_limit'" },
	{ RP "session {\n  tmout = 600\n}\n", 0, "t.conf:3: no such option 'tmout'" },
	{ RP "aal3_idle_limit = 600\n", 0, "t.conf:2: no such option 'aal3_idle_limit'" },
	{ RP "session {\n}\nsession {\n}\n", 0, "t.conf:5: section 'session' is given more than once" },
	{ RP "session {\n  aal3_session_limit = 600\n}\n", 0,
	  "t.conf:3: aal3_idle_limit (900 seconds) is longer than aal3_session_limit (600 seconds); the inactivity limit must fit in the session" },
	{ RP "session {\n  aal2_session_limit = 3600\n\n  aal2_idle_limit = 3601\n}\n", 0,
	  "t.conf:5: invalid value '3601' for aal2_idle_limit" },
	{ RP "session {\n  aal1_idle_limit = 7200\n\n  aal1_session_limit = 3600\n}\n", 0,
	  "t.conf:5: aal1_idle_limit (7200 seconds) is longer than aal1_session_limit (3600 seconds)" },
	{ RP "session {\n  aal2_idle_limit = 3600\n  aal2_session_limit = 1800\n}\n", 0,
	  "t.conf:4: aal2_idle_limit (3600 seconds) is longer than aal2_session_limit (1800 seconds)" },
};

START_TEST(bad_file)
{
	size_t len = bad_rows[_i].len != 0 ? bad_rows[_i].len : strlen(bad_rows[_i].text);

	test_write_file(conf_path, bad_rows[_i].text, len, 0644);
	assert_fails(PR_ERR_CONFIG, bad_rows[_i].expect);
}
END_TEST

/* libconfuse prints to stderr unless told otherwise: nothing may leak there. */
START_TEST(nothing_on_stderr)
{
	char errpath[160];
	struct stat st;
	int saved, fd;

	snprintf(errpath, sizeof(errpath), "%s/stderr", tmpdir);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	saved = dup(STDERR_FILENO);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	for (int i = 0; i < NROWS(bad_rows); i++) {
		struct pr_errbuf eb = { 0 };
		struct pr_config *cfg = NULL;
		size_t len = bad_rows[i].len != 0 ? bad_rows[i].len : strlen(bad_rows[i].text);
		test_write_file(conf_path, bad_rows[i].text, len, 0644);
		(void)pr_roles_config_load(conf_path, &cfg, &eb);
		pr_config_free(&cfg);
	}
	ck_assert_int_eq(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	close(fd);
	ck_assert_int_eq(stat(errpath, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
}
END_TEST

/* ---- valid files --------------------------------------------------------------- */

static const char full_file[] =
    "# every key, none at its default\n"
    "rp_id                = \"pam://riverside-clinic\"\n"
    "require_security_key = all-users\n"
    "require_physical_key = owners\n"
    "user_verification    = required\n"
    "touch_timeout        = 45\n"
    "state_dir            = \"/srv/pr/state\"\n"
    "audit_log            = \"/srv/pr/log/audit.log\"\n"
    "trust_anchors        = \"/srv/pr/anchors\"\n"
    "physical_aaguids     = {\"cb69481e-8ff7-4039-93ec-0a2729a154a8\",\n"
    "                        \"EE882879721C491397753DFCCE97072A\"}\n"
    "exempt               = {\"backup-svc\", \"@svc-accounts\"}\n"
    "uid_min              = 5000\n"
    "unattended_services  = {\"cron\", \"backup-job\"}\n"
    "roles {\n"
    "  owners = {\"drlee\", \"@clinic-owners\"}\n"
    "  admins = {\"@clinic-admins\", \"itdesk\"}\n"
    "}\n"
    "recovery {\n"
    "  services        = {\"login\", \"gdm-password\", \"practicerunner-recover\"}\n"
    "  ticket_lifetime = 600\n"
    "  codes           = 12\n"
    "  self_request    = true\n"
    "  mail_command    = \"/usr/local/bin/mailer --to-admins\"\n"
    "}\n"
    "session {\n"
    "  aal3_idle_limit    = 600\n"
    "  aal3_session_limit = 28800\n"
    "  aal2_idle_limit    = 1200\n"
    "  aal2_session_limit = 43200\n"
    "  aal1_idle_limit    = 300\n"
    "  aal1_session_limit = 3600\n"
    "  set_tmout          = true\n"
    "}\n";

static void assert_list(const struct pr_strlist *l, const char *const *want, size_t n)
{
	ck_assert_uint_eq(l->n, n);
	ck_assert_ptr_nonnull(l->v);
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(l->v[i], want[i]);
	ck_assert_ptr_null(l->v[n]);
}

START_TEST(every_key)
{
	static const unsigned char aaguid0[16] = { 0xcb, 0x69, 0x48, 0x1e, 0x8f, 0xf7,
	    0x40, 0x39, 0x93, 0xec, 0x0a, 0x27, 0x29, 0xa1, 0x54, 0xa8 };
	static const unsigned char aaguid1[16] = { 0xee, 0x88, 0x28, 0x79, 0x72, 0x1c,
	    0x49, 0x13, 0x97, 0x75, 0x3d, 0xfc, 0xce, 0x97, 0x07, 0x2a };
	static const char *const exempt[] = { "backup-svc", "@svc-accounts" };
	static const char *const owners[] = { "drlee", "@clinic-owners" };
	static const char *const admins[] = { "@clinic-admins", "itdesk" };
	static const char *const services[] = { "login", "gdm-password", "practicerunner-recover" };
	static const char *const unattended[] = { "cron", "backup-job" };
	struct pr_config *cfg;

	write_conf(full_file);
	cfg = load_ok();
	ck_assert_str_eq(cfg->path, conf_path);
	ck_assert_str_eq(cfg->rp_id, "pam://riverside-clinic");
	ck_assert_int_eq(cfg->policy.require_security_key, PR_REQ_KEY_ALL_USERS);
	ck_assert_int_eq(cfg->policy.require_physical_key, PR_REQ_PHYS_OWNERS);
	ck_assert_int_eq(cfg->policy.user_verification, PR_UV_REQUIRED);
	ck_assert_int_eq(cfg->touch_timeout, 45);
	ck_assert_str_eq(cfg->state_dir, "/srv/pr/state");
	ck_assert_str_eq(cfg->audit_log, "/srv/pr/log/audit.log");
	ck_assert_str_eq(cfg->trust_anchors, "/srv/pr/anchors");
	ck_assert_uint_eq(cfg->n_physical_aaguids, 2);
	ck_assert_mem_eq(cfg->physical_aaguids[0], aaguid0, 16);
	ck_assert_mem_eq(cfg->physical_aaguids[1], aaguid1, 16);
	assert_list(&cfg->exempt, exempt, 2);
	assert_list(&cfg->owners, owners, 2);
	assert_list(&cfg->admins, admins, 2);
	ck_assert_int_eq(cfg->uid_min, 5000);
	assert_list(&cfg->unattended_services, unattended, 2);
	assert_list(&cfg->recovery.services, services, 3);
	ck_assert_int_eq(cfg->recovery.ticket_lifetime, 600);
	ck_assert_int_eq(cfg->recovery.codes, 12);
	ck_assert(cfg->recovery.self_request);
	ck_assert_str_eq(cfg->recovery.mail_command, "/usr/local/bin/mailer --to-admins");
	ck_assert_int_eq(cfg->session.aal3.idle, 600);
	ck_assert_int_eq(cfg->session.aal3.session, 28800);
	ck_assert_int_eq(cfg->session.aal2.idle, 1200);
	ck_assert_int_eq(cfg->session.aal2.session, 43200);
	ck_assert_int_eq(cfg->session.aal1.idle, 300);
	ck_assert_int_eq(cfg->session.aal1.session, 3600);
	ck_assert(cfg->session.set_tmout);
	pr_config_free(&cfg);
	ck_assert_ptr_null(cfg);
}
END_TEST

static void assert_defaults(const struct pr_config *cfg)
{
	static const char *const services[] = { "login" };
	static const char *const unattended[] = { "cron", "crond", "atd", "systemd-user" };
	static const char *const console[] = { "login", "gdm-password", "lightdm", "sddm" };

	ck_assert_int_eq(cfg->policy.require_security_key, PR_REQ_KEY_NONE);
	ck_assert_int_eq(cfg->policy.require_physical_key, PR_REQ_PHYS_NONE);
	ck_assert_int_eq(cfg->policy.user_verification, PR_UV_PREFERRED);
	ck_assert_int_eq(cfg->touch_timeout, 30);
	ck_assert_str_eq(cfg->state_dir, "/var/lib/practicerunner");
	ck_assert_str_eq(cfg->audit_log, "/var/log/practicerunner/audit.log");
	ck_assert_str_eq(cfg->trust_anchors, "/etc/practicerunner/trust-anchors.d");
	ck_assert_uint_eq(cfg->n_physical_aaguids, 0);
	ck_assert_ptr_null(cfg->physical_aaguids);
	assert_list(&cfg->exempt, NULL, 0);
	assert_list(&cfg->owners, NULL, 0);
	assert_list(&cfg->admins, NULL, 0);
	ck_assert_int_eq(cfg->uid_min, 0);      /* not set: login.defs */
	assert_list(&cfg->unattended_services, unattended, 4);
	assert_list(&cfg->recovery.services, services, 1);
	ck_assert_int_eq(cfg->recovery.ticket_lifetime, 1800);
	ck_assert_int_eq(cfg->recovery.codes, 10);
	ck_assert(!cfg->recovery.self_request);
	ck_assert_str_eq(cfg->recovery.mail_command, "/usr/sbin/sendmail -t");
	/* the clinic's guidance: AAL3 15 min / 12 h, AAL2 30 min / 24 h, AAL1 as AAL2 */
	ck_assert_int_eq(cfg->session.aal3.idle, 900);
	ck_assert_int_eq(cfg->session.aal3.session, 43200);
	ck_assert_int_eq(cfg->session.aal2.idle, 1800);
	ck_assert_int_eq(cfg->session.aal2.session, 86400);
	ck_assert_int_eq(cfg->session.aal1.idle, 1800);
	ck_assert_int_eq(cfg->session.aal1.session, 86400);
	ck_assert(!cfg->session.set_tmout);
	ck_assert_int_eq(cfg->breakglass.session_limit, 3600);
	ck_assert_str_eq(cfg->breakglass.notify, "root");
	assert_list(&cfg->breakglass.services, console, 4);
}

/* The two sections' lists named services are each given once, and each its own. */
START_TEST(breakglass_section)
{
	static const char *const rec[] = { "login" };
	static const char *const bg[] = { "login", "sddm" };
	struct pr_config *cfg;

	write_conf("rp_id = pam:x\nrecovery {\n  services = {\"login\"}\n}\nbreakglass {\n"
	    "  services = {\"login\", \"sddm\"}\n  session_limit = 900\n"
	    "  notify = \"it@clinic.example\"\n}\n");
	cfg = load_ok();
	assert_list(&cfg->recovery.services, rec, 1);
	assert_list(&cfg->breakglass.services, bg, 2);
	ck_assert_int_eq(cfg->breakglass.session_limit, 900);
	ck_assert_str_eq(cfg->breakglass.notify, "it@clinic.example");
	pr_config_free(&cfg);
}
END_TEST

START_TEST(defaults)
{
	struct pr_config *cfg;

	write_conf("rp_id = \"pam://x\"\n");
	cfg = load_ok();
	ck_assert_str_eq(cfg->rp_id, "pam://x");
	assert_defaults(cfg);
	pr_config_free(&cfg);
}
END_TEST

/* Empty sections keep their defaults too. */
START_TEST(defaults_empty_sections)
{
	struct pr_config *cfg;

	write_conf("rp_id = pam:x\nroles {\n}\nrecovery {}\nsession {\n}\n");
	cfg = load_ok();
	ck_assert_str_eq(cfg->rp_id, "pam:x");
	assert_defaults(cfg);
	pr_config_free(&cfg);
}
END_TEST

/* The shipped example loads and requires nothing of anyone (safe to install). */
START_TEST(shipped_example)
{
	char src[512], *text = NULL;
	struct pr_config *cfg;
	size_t n;
	FILE *f;

	snprintf(src, sizeof(src), "%s/conf/practicerunner.conf", TOP_SRCDIR);
	ck_assert_ptr_nonnull(f = fopen(src, "r"));
	ck_assert_ptr_nonnull(text = calloc(1, 65536));
	n = fread(text, 1, 65535, f);
	fclose(f);
	ck_assert_uint_gt(n, 0);
	write_conf(text);
	free(text);
	cfg = load_ok();
	ck_assert_str_eq(cfg->rp_id, "pam://practicerunner");
	assert_defaults(cfg);
	for (int role = PR_ROLE_STAFF; role <= PR_ROLE_OWNER; role++)
		ck_assert_int_eq(pr_policy_need(&cfg->policy, (enum pr_role)role, false), PR_NEED_NONE);
	pr_config_free(&cfg);
}
END_TEST

/* Values at the edge of their range, every enum value, other accepted forms. */
static const struct {
	const char *text;
	const char *key;      /* which field to check */
	long want;
} edge_rows[] = {
	{ "touch_timeout = 1\n", "touch_timeout", 1 },
	{ "touch_timeout = 600\n", "touch_timeout", 600 },
	{ "touch_timeout = \"77\"\n", "touch_timeout", 77 },
	{ "touch_timeout = 010\n", "touch_timeout", 10 },   /* decimal, not octal */
	{ "touch_timeout = 000000000000000000600\n", "touch_timeout", 600 },
	{ "recovery {\n ticket_lifetime = 60\n}\n", "ticket_lifetime", 60 },
	{ "recovery {\n ticket_lifetime = 86400\n}\n", "ticket_lifetime", 86400 },
	{ "recovery {\n codes = 1\n}\n", "codes", 1 },
	{ "recovery {\n codes = 100\n}\n", "codes", 100 },
	{ "session {\n aal3_idle_limit = 60\n aal3_session_limit = 60\n}\n", "aal3_session", 60 },
	{ "session {\n aal3_idle_limit = 900\n}\n", "aal3_idle", 900 },
	{ "session {\n aal3_session_limit = 43200\n}\n", "aal3_session", 43200 },
	{ "session {\n aal2_idle_limit = 3600\n}\n", "aal2_idle", 3600 },
	{ "session {\n aal2_session_limit = 86400\n}\n", "aal2_session", 86400 },
	{ "session {\n aal2_idle_limit = 60\n aal2_session_limit = 60\n}\n", "aal2_idle", 60 },
	{ "session {\n aal1_idle_limit = 86400\n}\n", "aal1_idle", 86400 },
	{ "session {\n aal1_idle_limit = 600\n aal1_session_limit = 2592000\n}\n", "aal1_session", 2592000 },
	{ "session {\n aal3_idle_limit = 0900\n}\n", "aal3_idle", 900 },   /* decimal */
	{ "session {\n set_tmout = yes\n}\n", "set_tmout", 1 },
	{ "session {\n set_tmout = false\n}\n", "set_tmout", 0 },
	{ "recovery {\n self_request = yes\n}\n", "self_request", 1 },
	{ "recovery {\n self_request = off\n}\n", "self_request", 0 },
	{ "require_security_key = none\n", "require_security_key", PR_REQ_KEY_NONE },
	{ "require_security_key = all-users\n", "require_security_key", PR_REQ_KEY_ALL_USERS },
	{ "require_physical_key = none\n", "require_physical_key", PR_REQ_PHYS_NONE },
	{ "require_physical_key = owners\n", "require_physical_key", PR_REQ_PHYS_OWNERS },
	{ "require_physical_key = 'all-users'\n", "require_physical_key", PR_REQ_PHYS_ALL_USERS },
	{ "user_verification = required\n", "user_verification", PR_UV_REQUIRED },
	{ "user_verification = preferred\n", "user_verification", PR_UV_PREFERRED },
	{ "user_verification = discouraged\n", "user_verification", PR_UV_DISCOURAGED },
	{ "exempt += {\"b\", \"c\"}\n", "exempt", 2 },   /* once, onto the empty default */
	{ "exempt = {}\n", "exempt", 0 },
	/* the names of lists inside values are only text */
	{ "exempt = {owners, 'exempt'}\nrecovery {\n mail_command = \"/bin/m \\\" exempt = {}\"\n}\n", "exempt", 2 },
	{ "exempt = {\"daemon\"}\nroles {\n owners = {\"@root\"}\n}\n", "exempt", 1 },
	/* a group that cannot be looked up is not a load error (sign-in refuses it) */
	{ "exempt = {\"daemon\"}\nroles {\n admins = {\"@no-such-group-prck\"}\n}\n", "exempt", 1 },
	{ "exempt = {\"no-such-user-prck\"}\nroles {\n owners = {\"@daemon\"}\n}\n", "exempt", 1 },
	{ "exempt = \"solo\"\n", "exempt", 1 },
	{ "recovery {\n services = {}\n}\n", "services", 0 },
	{ "uid_min = 1\n", "uid_min", 1 },
	{ "uid_min = 999999999\n", "uid_min", 999999999 },
	{ "uid_min = 2147483647\n", "uid_min", 2147483647 },
	{ "uid_min = 01000\n", "uid_min", 1000 },    /* decimal */
	{ "unattended_services = {}\n", "unattended_services", 0 },
	{ "/* block\n comment */ touch_timeout = 9 // trailing\n", "touch_timeout", 9 },
	{ "touch_timeout = 8\r\nstate_dir = \"/s\"\r\n", "touch_timeout", 8 },
	{ "rp_id = \"pam://" X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 X16 "xxxxxxxxx\"\n",
	  "rp_id_len", 255 },
};

static long edge_value(const struct pr_config *c, const char *key)
{
	if (strcmp(key, "touch_timeout") == 0) return c->touch_timeout;
	if (strcmp(key, "ticket_lifetime") == 0) return c->recovery.ticket_lifetime;
	if (strcmp(key, "codes") == 0) return c->recovery.codes;
	if (strcmp(key, "aal3_idle") == 0) return c->session.aal3.idle;
	if (strcmp(key, "aal3_session") == 0) return c->session.aal3.session;
	if (strcmp(key, "aal2_idle") == 0) return c->session.aal2.idle;
	if (strcmp(key, "aal2_session") == 0) return c->session.aal2.session;
	if (strcmp(key, "aal1_idle") == 0) return c->session.aal1.idle;
	if (strcmp(key, "aal1_session") == 0) return c->session.aal1.session;
	if (strcmp(key, "set_tmout") == 0) return c->session.set_tmout;
	if (strcmp(key, "self_request") == 0) return c->recovery.self_request;
	if (strcmp(key, "require_security_key") == 0) return c->policy.require_security_key;
	if (strcmp(key, "require_physical_key") == 0) return c->policy.require_physical_key;
	if (strcmp(key, "user_verification") == 0) return c->policy.user_verification;
	if (strcmp(key, "exempt") == 0) return (long)c->exempt.n;
	if (strcmp(key, "services") == 0) return (long)c->recovery.services.n;
	if (strcmp(key, "uid_min") == 0) return c->uid_min;
	if (strcmp(key, "unattended_services") == 0) return (long)c->unattended_services.n;
	if (strcmp(key, "rp_id_len") == 0) return (long)strlen(c->rp_id);
	return -999;
}

START_TEST(edge_values)
{
	char text[1024];
	struct pr_config *cfg;

	/* rows that set rp_id themselves go first so it is not set twice */
	if (strncmp(edge_rows[_i].text, "rp_id", 5) == 0)
		snprintf(text, sizeof(text), "%s", edge_rows[_i].text);
	else
		snprintf(text, sizeof(text), "rp_id = \"pam://x\"\n%s", edge_rows[_i].text);
	write_conf(text);
	cfg = load_ok();
	ck_assert_int_eq(edge_value(cfg, edge_rows[_i].key), edge_rows[_i].want);
	pr_config_free(&cfg);
}
END_TEST

/* Comments anywhere (even inside lists), and the same words libconfuse sees. */
START_TEST(lexical_forms)
{
	static const char *const exempt[] = { "a", "b", "c" };
	struct pr_config *cfg;

	write_conf("rp_id = pam://unquoted   // a comment\n"
	    "state_dir = /srv//x # another\n"
	    "audit_log = \"/var/log/a#b//c\" /* block */ trust_anchors = '/etc/a\\'b'\n"
	    "exempt = {\n"
	    "  \"a\",  # first\n"
	    "  \"b\"   // second\n"
	    "  , /* third */ \"c\"\n"
	    "}\n"
	    "# ${HOME} is not expanded in comments, so it is allowed there\n"
	    "touch_timeout = 12 /**/\n");
	cfg = load_ok();
	ck_assert_str_eq(cfg->rp_id, "pam://unquoted");
	ck_assert_str_eq(cfg->state_dir, "/srv//x");
	ck_assert_str_eq(cfg->audit_log, "/var/log/a#b//c");
	ck_assert_str_eq(cfg->trust_anchors, "/etc/a'b");
	assert_list(&cfg->exempt, exempt, 3);
	ck_assert_int_eq(cfg->touch_timeout, 12);
	pr_config_free(&cfg);
}
END_TEST

/* The three clinic policies of practicerunner.conf(5), as written there. */
static const struct {
	const char *text;
	enum pr_need owner, admin, staff, exempt_staff;
} clinic_rows[] = {
	{ "rp_id = \"pam://riverside-clinic\"\n"
	  "require_security_key = all-users\n"
	  "require_physical_key = none\n"
	  "exempt = {\"backup-svc\"}\n"
	  "roles {\n  owners = {\"drlee\"}\n  admins = {\"@clinic-admins\"}\n}\n",
	  PR_NEED_ANY_KEY, PR_NEED_ANY_KEY, PR_NEED_ANY_KEY, PR_NEED_NONE },
	{ "rp_id = \"pam://riverside-clinic\"\n"
	  "require_security_key = all-users\n"
	  "require_physical_key = owners\n"
	  "exempt = {\"backup-svc\"}\n"
	  "roles {\n  owners = {\"drlee\", \"@clinic-owners\"}\n  admins = {\"@clinic-admins\"}\n}\n",
	  PR_NEED_PHYSICAL, PR_NEED_ANY_KEY, PR_NEED_ANY_KEY, PR_NEED_NONE },
	{ "rp_id = \"pam://riverside-clinic\"\n"
	  "require_physical_key = all-users\n"
	  "user_verification = required\n"
	  "physical_aaguids = {\"cb69481e-8ff7-4039-93ec-0a2729a154a8\"}\n"
	  "roles {\n  owners = {\"@clinic-owners\"}\n}\n",
	  PR_NEED_PHYSICAL, PR_NEED_PHYSICAL, PR_NEED_PHYSICAL, PR_NEED_NONE },
};

START_TEST(clinic_policies)
{
	struct pr_config *cfg;

	write_conf(clinic_rows[_i].text);
	cfg = load_ok();
	ck_assert_int_eq(pr_policy_need(&cfg->policy, PR_ROLE_OWNER, false), clinic_rows[_i].owner);
	ck_assert_int_eq(pr_policy_need(&cfg->policy, PR_ROLE_ADMIN, false), clinic_rows[_i].admin);
	ck_assert_int_eq(pr_policy_need(&cfg->policy, PR_ROLE_STAFF, false), clinic_rows[_i].staff);
	ck_assert_int_eq(pr_policy_need(&cfg->policy, PR_ROLE_STAFF, true), clinic_rows[_i].exempt_staff);
	pr_config_free(&cfg);
}
END_TEST

/* Exactly the cap is fine; one byte more is not. */
START_TEST(size_cap)
{
	char *text = NULL;
	size_t n = PR_MAX_CONFIG_SIZE;

	ck_assert_ptr_nonnull(text = malloc(n + 2));
	memset(text, '#', n + 1);
	memcpy(text, RP, strlen(RP));
	text[n - 1] = '\n';
	test_write_file(conf_path, text, n, 0644);
	load_and_free();
	text[n] = '\n';
	test_write_file(conf_path, text, n + 1, 0644);
	free(text);
	assert_fails(PR_ERR_CONFIG, "t.conf: is larger than 262144 bytes");
}
END_TEST

/* ---- unsafe files ---------------------------------------------------------------- */

static const struct {
	mode_t mode;
	int err;             /* PR_OK: loads */
} mode_rows[] = {
	{ 0644, PR_OK }, { 0600, PR_OK }, { 0400, PR_OK }, { 0444, PR_OK }, { 0755, PR_OK },
	{ 0666, PR_ERR_UNSAFE_FILE }, { 0664, PR_ERR_UNSAFE_FILE }, { 0646, PR_ERR_UNSAFE_FILE },
	{ 0620, PR_ERR_UNSAFE_FILE }, { 0602, PR_ERR_UNSAFE_FILE }, { 0777, PR_ERR_UNSAFE_FILE },
};

START_TEST(file_modes)
{
	test_write_file(conf_path, RP, strlen(RP), mode_rows[_i].mode);
	if (mode_rows[_i].err == PR_OK)
		load_and_free();
	else
		assert_fails(mode_rows[_i].err, "t.conf: is writable by group or others");
}
END_TEST

START_TEST(symlink_refused)
{
	char target[160];

	snprintf(target, sizeof(target), "%s/real.conf", tmpdir);
	test_write_file(target, RP, strlen(RP), 0644);
	ck_assert_int_eq(symlink(target, conf_path), 0);
	assert_fails(PR_ERR_UNSAFE_FILE, "t.conf: is a symbolic link");
}
END_TEST

START_TEST(missing_refused)
{
	assert_fails(PR_ERR_CONFIG, "t.conf: does not exist");
}
END_TEST

START_TEST(directory_refused)
{
	ck_assert_int_eq(mkdir(conf_path, 0755), 0);
	assert_fails(PR_ERR_UNSAFE_FILE, "t.conf: is not a regular file");
}
END_TEST

START_TEST(fifo_refused)
{
	ck_assert_int_eq(mkfifo(conf_path, 0644), 0);
	assert_fails(PR_ERR_UNSAFE_FILE, "t.conf: is not a regular file");
}
END_TEST

/* Root only: a file owned by nobody is not trusted. */
START_TEST(wrong_owner_refused)
{
	test_write_file(conf_path, RP, strlen(RP), 0644);
	ck_assert_int_eq(chown(conf_path, 65534, 65534), 0);
	assert_fails(PR_ERR_UNSAFE_FILE, "t.conf: is not owned by root");
	/* the group alone does not matter */
	ck_assert_int_eq(chown(conf_path, 0, 65534), 0);
	load_and_free();
}
END_TEST

START_TEST(bad_arguments)
{
	struct pr_errbuf eb = { 0 };
	struct pr_config *cfg = (struct pr_config *)&eb;

	ck_assert_int_eq(pr_config_load(NULL, &cfg, &eb), PR_ERR_CONFIG);
	ck_assert_ptr_null(cfg);
	ck_assert_str_eq(eb.msg, "no policy file given");
	ck_assert_int_eq(pr_config_load("", &cfg, NULL), PR_ERR_CONFIG);
	ck_assert_int_eq(pr_config_load(conf_path, NULL, &eb), PR_ERR_INVALID_ARG);
	pr_config_free(NULL);
	pr_config_free(&cfg);
}
END_TEST

/* ---- module options ------------------------------------------------------------------ */

#define MAXARGS 7

static const struct {
	const char *argv[MAXARGS];
	int argc;
	int err;
	const char *expect;  /* error: a substring of the message */
	const char *config;
	int timeout;
	const char *flags;   /* letters: d(ebug) q(cue) u(v) o(pportunistic) s(sh) t(show_status) w(eb_grant) */
} opt_rows[] = {
	{ { NULL }, 0, PR_OK, NULL, NULL, 0, "" },
	{ { "debug" }, 1, PR_OK, NULL, NULL, 0, "d" },
	{ { "cue" }, 1, PR_OK, NULL, NULL, 0, "q" },
	{ { "uv=required" }, 1, PR_OK, NULL, NULL, 0, "u" },
	{ { "opportunistic" }, 1, PR_OK, NULL, NULL, 0, "o" },
	{ { "timeout=1" }, 1, PR_OK, NULL, NULL, 1, "" },
	{ { "timeout=600" }, 1, PR_OK, NULL, NULL, 600, "" },
	{ { "timeout=045" }, 1, PR_OK, NULL, NULL, 45, "" },
	{ { "config=/etc/pr/other.conf" }, 1, PR_OK, NULL, "/etc/pr/other.conf", 0, "" },
	{ { "debug", "cue", "uv=required", "timeout=10", "config=/x.conf", "opportunistic" }, 6,
	  PR_OK, NULL, "/x.conf", 10, "dquo" },
	{ { "debug", "debug" }, 2, PR_OK, NULL, NULL, 0, "d" },
	{ { "ssh" }, 1, PR_OK, NULL, NULL, 0, "s" },
	{ { "show_status" }, 1, PR_OK, NULL, NULL, 0, "t" },
	{ { "ssh", "show_status" }, 2, PR_OK, NULL, NULL, 0, "st" },
	{ { "show_status=yes" }, 1, PR_ERR_CONFIG, "unknown module option 'show_status=yes'", NULL, 0, "" },
	{ { "ssh", "opportunistic", "debug" }, 3, PR_OK, NULL, NULL, 0, "sod" },
	{ { "ssh", "uv=required" }, 2, PR_ERR_CONFIG, "ssh and uv=required cannot be combined: in ssh mode sshd checks user verification", NULL, 0, "" },
	{ { "uv=required", "ssh" }, 2, PR_ERR_CONFIG, "ssh and uv=required cannot be combined", NULL, 0, "" },
	{ { "ssh", "step_up" }, 2, PR_ERR_CONFIG, "ssh and step_up cannot be combined", NULL, 0, "" },
	{ { "web_grant" }, 1, PR_OK, NULL, NULL, 0, "w" },
	{ { "web_grant", "debug", "uv=required" }, 3, PR_OK, NULL, NULL, 0, "wdu" },
	{ { "web_grant", "ssh" }, 2, PR_ERR_CONFIG, "web_grant cannot be combined with ssh", NULL, 0, "" },
	{ { "step_up", "web_grant" }, 2, PR_ERR_CONFIG, "web_grant cannot be combined with step_up", NULL, 0, "" },
	{ { "web_grant", "opportunistic" }, 2, PR_ERR_CONFIG, "web_grant cannot be combined with opportunistic", NULL, 0, "" },
	{ { "web-grant" }, 1, PR_ERR_CONFIG, "unknown module option 'web-grant'", NULL, 0, "" },
	{ { "SSH" }, 1, PR_ERR_CONFIG, "unknown module option 'SSH'", NULL, 0, "" },
	{ { "ssh=yes" }, 1, PR_ERR_CONFIG, "unknown module option 'ssh=yes'", NULL, 0, "" },
	{ { "uv=preferred" }, 1, PR_ERR_CONFIG, "uv=preferred: options can only make sign-in stricter", NULL, 0, "" },
	{ { "uv=discouraged" }, 1, PR_ERR_CONFIG, "options can only make sign-in stricter", NULL, 0, "" },
	{ { "uv=" }, 1, PR_ERR_CONFIG, "options can only make sign-in stricter", NULL, 0, "" },
	{ { "uv=Required" }, 1, PR_ERR_CONFIG, "options can only make sign-in stricter", NULL, 0, "" },
	{ { "uv" }, 1, PR_ERR_CONFIG, "unknown module option 'uv'", NULL, 0, "" },
	{ { "timeout=0" }, 1, PR_ERR_CONFIG, "timeout=0: expected a number of seconds from 1 to 600", NULL, 0, "" },
	{ { "timeout=601" }, 1, PR_ERR_CONFIG, "timeout=601: expected", NULL, 0, "" },
	{ { "timeout=-5" }, 1, PR_ERR_CONFIG, "timeout=-5: expected", NULL, 0, "" },
	{ { "timeout=+5" }, 1, PR_ERR_CONFIG, "timeout=+5: expected", NULL, 0, "" },
	{ { "timeout=" }, 1, PR_ERR_CONFIG, "timeout=: expected", NULL, 0, "" },
	{ { "timeout=10s" }, 1, PR_ERR_CONFIG, "timeout=10s: expected", NULL, 0, "" },
	{ { "timeout= 10" }, 1, PR_ERR_CONFIG, "timeout= 10: expected", NULL, 0, "" },
	{ { "timeout=99999999999999999999" }, 1, PR_ERR_CONFIG, "expected a number of seconds", NULL, 0, "" },
	{ { "timeout=5", "timeout=6" }, 2, PR_ERR_CONFIG, "timeout= is given more than once", NULL, 0, "" },
	{ { "config=relative.conf" }, 1, PR_ERR_CONFIG, "config=relative.conf: expected an absolute path", NULL, 0, "" },
	{ { "config=" }, 1, PR_ERR_CONFIG, "config=: expected an absolute path", NULL, 0, "" },
	{ { "config=/a", "config=/b" }, 2, PR_ERR_CONFIG, "config= is given more than once", NULL, 0, "" },
	{ { "Debug" }, 1, PR_ERR_CONFIG, "unknown module option 'Debug'", NULL, 0, "" },
	{ { "debug=1" }, 1, PR_ERR_CONFIG, "unknown module option 'debug=1'", NULL, 0, "" },
	{ { "nouserok" }, 1, PR_ERR_CONFIG, "unknown module option 'nouserok'", NULL, 0, "" },
	{ { "" }, 1, PR_ERR_CONFIG, "unknown module option ''", NULL, 0, "" },
	{ { "debug", "frobnicate" }, 2, PR_ERR_CONFIG, "unknown module option 'frobnicate'", NULL, 0, "" },
	{ { "debug", NULL }, 2, PR_ERR_CONFIG, "missing module option", NULL, 0, "" },
};

START_TEST(modopts)
{
	struct pr_errbuf eb = { 0 };
	struct pr_modopts o;
	const char *argv[MAXARGS];
	const char *flags = opt_rows[_i].flags;
	int r;

	memcpy(argv, opt_rows[_i].argv, sizeof(argv));
	memset(&o, 0xa5, sizeof(o));  /* every field must be set, on every path */
	r = pr_modopts_parse(opt_rows[_i].argc, argv, &o, &eb);
	ck_assert_int_eq(r, opt_rows[_i].err);
	if (r != PR_OK) {
		ck_assert_msg(strstr(eb.msg, opt_rows[_i].expect) != NULL,
		    "message '%s' lacks '%s'", eb.msg, opt_rows[_i].expect);
		flags = "";
	}
	if (r == PR_OK && opt_rows[_i].config != NULL)
		ck_assert_str_eq(o.config, opt_rows[_i].config);
	else
		ck_assert_ptr_null(o.config);
	ck_assert_int_eq(o.timeout, r == PR_OK ? opt_rows[_i].timeout : 0);
	ck_assert_int_eq(o.debug, strchr(flags, 'd') != NULL);
	ck_assert_int_eq(o.cue, strchr(flags, 'q') != NULL);
	ck_assert_int_eq(o.uv_required, strchr(flags, 'u') != NULL);
	ck_assert_int_eq(o.opportunistic, strchr(flags, 'o') != NULL);
	ck_assert_int_eq(o.ssh, strchr(flags, 's') != NULL);
	ck_assert_int_eq(o.show_status, strchr(flags, 't') != NULL);
	ck_assert_int_eq(o.web_grant, strchr(flags, 'w') != NULL);
}
END_TEST

/* config= points into argv, as the header promises. */
START_TEST(modopts_config_points_into_argv)
{
	const char *argv[] = { "config=/etc/x.conf" };
	struct pr_modopts o;

	ck_assert_int_eq(pr_modopts_parse(1, argv, &o, NULL), PR_OK);
	ck_assert_ptr_eq(o.config, argv[0] + strlen("config="));
}
END_TEST

START_TEST(modopts_bad_arguments)
{
	struct pr_errbuf eb = { 0 };
	struct pr_modopts o;

	ck_assert_int_eq(pr_modopts_parse(1, NULL, &o, &eb), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_modopts_parse(-1, NULL, &o, &eb), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_modopts_parse(0, NULL, NULL, &eb), PR_ERR_INVALID_ARG);
	ck_assert_int_eq(pr_modopts_parse(0, NULL, &o, &eb), PR_OK);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("policy file");
	TCase *to = tcase_create("module options");

	tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_loop_test(tc, bad_file, 0, NROWS(bad_rows));
	tcase_add_test(tc, nothing_on_stderr);
	tcase_add_test(tc, every_key);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, breakglass_section);
	tcase_add_test(tc, defaults_empty_sections);
	tcase_add_test(tc, shipped_example);
	tcase_add_loop_test(tc, edge_values, 0, NROWS(edge_rows));
	tcase_add_test(tc, lexical_forms);
	tcase_add_loop_test(tc, clinic_policies, 0, NROWS(clinic_rows));
	tcase_add_test(tc, size_cap);
	tcase_add_loop_test(tc, file_modes, 0, NROWS(mode_rows));
	tcase_add_test(tc, symlink_refused);
	tcase_add_test(tc, missing_refused);
	tcase_add_test(tc, directory_refused);
	tcase_add_test(tc, fifo_refused);
	if (geteuid() == 0)
		tcase_add_test(tc, wrong_owner_refused);
	else
		printf("# wrong_owner_refused needs root: not run\n");
	tcase_add_test(tc, bad_arguments);
	suite_add_tcase(s, tc);
	tcase_add_loop_test(to, modopts, 0, NROWS(opt_rows));
	tcase_add_test(to, modopts_config_points_into_argv);
	tcase_add_test(to, modopts_bad_arguments);
	suite_add_tcase(s, to);
	return s;
}

int main(void)
{
	int rc;

	snprintf(basedir, sizeof(basedir), "/tmp/check_config.XXXXXX");
	if (mkdtemp(basedir) == NULL) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	rc = test_run_tap(config_suite());
	if (!test_rm_tree(AT_FDCWD, basedir)) {
		printf("# could not remove %s\n", basedir);
		rc = EXIT_FAILURE;
	}
	return rc;
}
