/* The sign-in world of keyenv.h: policy, state, audit log and softkeys in a temp dir. */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attest.h"
#include "enroll.h"
#include "err.h"
#include "roles.h"
#include "softkey.h"
#include "testlib.h"
#include "transport.h"
#include "keyenv.h"

#define KE_MAX_DEVICES 8

struct keyenv ke;

static struct {
	char name[32];
	char path[160];
} devices[KE_MAX_DEVICES];

static void path_in(char *out, size_t size, const char *name)
{
	int n = snprintf(out, size, "%s/%s", ke.dir, name);

	ck_assert(n > 0 && (size_t)n < size);
}

void keyenv_setup(void)
{
	char log_dir[128];

	memset(&ke, 0, sizeof(ke));
	memset(devices, 0, sizeof(devices));
	strcpy(ke.dir, "/tmp/check_keyenv.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(ke.dir));
	path_in(ke.conf, sizeof(ke.conf), "practicerunner.conf");
	path_in(ke.state, sizeof(ke.state), "state");
	path_in(log_dir, sizeof(log_dir), "log");
	path_in(ke.audit, sizeof(ke.audit), "log/audit.log");
	ck_assert_int_eq(mkdir(ke.state, 0700), 0);
	ck_assert_int_eq(mkdir(log_dir, 0700), 0);
	keyenv_attach("");
}

void keyenv_teardown(void)
{
	pr_config_free(&ke.cfg);
	unsetenv("PRACTICERUNNER_SOFTKEY");
	ck_assert_msg(test_rm_tree(AT_FDCWD, ke.dir), "could not remove %s", ke.dir);
}

void keyenv_policy(const char *key, const char *physical, const char *uv, const char *extra)
{
	struct pr_errbuf eb = { 0 };
	char text[2048];
	int n;

	n = snprintf(text, sizeof(text),
	    "rp_id = \"%s\"\n"
	    "require_security_key = %s\n"
	    "require_physical_key = %s\n"
	    "user_verification = %s\n"
	    "state_dir = \"%s\"\n"
	    "audit_log = \"%s\"\n"
	    /* Missing: only the transport's anchor, the softkey test CA. */
	    "trust_anchors = \"%s/no-anchors\"\n"
	    "uid_min = 1\n"
	    "exempt = {\"" KE_EXEMPT "\"}\n"
	    "roles {\n  owners = {\"" KE_OWNER "\"}\n  admins = {\"" KE_ADMIN "\"}\n}\n"
	    "%s%s",
	    KE_RP_ID, key, physical, uv, ke.state, ke.audit, ke.dir,
	    extra != NULL && strstr(extra, "touch_timeout") != NULL ? "" : "touch_timeout = 1\n",
	    extra != NULL ? extra : "");
	ck_assert(n > 0 && (size_t)n < sizeof(text));
	test_write_file(ke.conf, text, (size_t)n, 0644);
	pr_config_free(&ke.cfg);
	ck_assert_msg(pr_roles_config_load(ke.conf, &ke.cfg, &eb) == PR_OK, "policy: %s", eb.msg);
}

const char *keyenv_device(const char *name, const char *profile, const char *pin)
{
	for (size_t i = 0; i < KE_MAX_DEVICES; i++) {
		if (devices[i].name[0] != '\0')
			continue;
		snprintf(devices[i].name, sizeof(devices[i].name), "%s", name);
		snprintf(devices[i].path, sizeof(devices[i].path), "%s/%s.key", ke.dir, name);
		ck_assert_int_eq(sk_provision(devices[i].path, profile, pin, SOFTKEY_CA_PEM,
		    SOFTKEY_CA_KEY), SK_OK);
		return devices[i].path;
	}
	ck_abort_msg("more than %d softkeys", KE_MAX_DEVICES);
	return NULL;
}

void keyenv_attach(const char *paths)
{
	ck_assert_int_eq(setenv("PRACTICERUNNER_SOFTKEY", paths, 1), 0);
}

/* Change a device's state as softkey-ctl set does. */
static void device_change(const char *path, int touch, int64_t counter)
{
	struct sk_txn t = SK_TXN_INIT;

	ck_assert_int_eq(sk_txn_begin(path, &t), SK_OK);
	if (touch >= 0)
		t.st.touch = touch == 1;
	if (counter >= 0)
		t.st.counter = (uint32_t)counter;
	ck_assert_int_eq(sk_txn_commit(&t), SK_OK);
	sk_txn_end(&t);
}

void keyenv_set_touch(const char *path, bool touch)
{
	device_change(path, touch, -1);
}

void keyenv_set_counter(const char *path, uint32_t counter)
{
	device_change(path, -1, counter);
}

uint32_t keyenv_counter(const char *path)
{
	struct sk_txn t = SK_TXN_INIT;
	uint32_t c;

	ck_assert_int_eq(sk_txn_begin(path, &t), SK_OK);
	c = t.st.counter;
	sk_txn_end(&t);
	return c;
}

static int give_pin(void *arg, char **pin)
{
	(void)arg;
	*pin = strdup(KE_PIN);
	return *pin != NULL ? PR_OK : PR_ERR_NOMEM;
}

void keyenv_enroll(const char *user, const char *device, enum pr_class *cls)
{
	struct pr_enroll_opts o = { .cfg = ke.cfg, .user = user, .label = "test" };
	struct pr_ui ui = { .pin = give_pin };
	struct pr_devices devs = { .n = 0 };
	struct pr_credlist existing = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	struct pr_cred c;

	ck_assert_ptr_nonnull(ke.cfg);
	ck_assert_msg(pr_anchors_load(ke.cfg->trust_anchors, 1, &o.anchors, &eb) == PR_OK,
	    "%s", eb.msg);
	ck_assert_int_eq(pr_store_load(PR_STATE_FILES(ke.state), user, &existing, &eb), PR_OK);
	keyenv_attach(device);
	ck_assert_int_eq(pr_devices_open(&devs), PR_OK);
	ck_assert_uint_eq(devs.n, 1);
	ck_assert_msg(pr_enroll_make(&devs, &o, &existing, &ui, &c, NULL, &eb) == PR_OK,
	    "enroll %s on %s: %s", user, device, eb.msg);
	pr_devices_close(&devs);
	ck_assert_msg(pr_store_add(PR_STATE_FILES(ke.state), user, &c, &eb) == PR_OK, "%s", eb.msg);
	if (cls != NULL)
		*cls = c.cls;
	pr_cred_clear(&c);
	pr_credlist_clear(&existing);
	X509_STORE_free(o.anchors);
	keyenv_attach("");
}

long keyenv_records(void)
{
	char *log;
	long n = 0;

	if (!test_exists(ke.audit))
		return 0;
	log = test_slurp(ke.audit);
	for (const char *p = log; (p = strchr(p, '\n')) != NULL; p++)
		n++;
	free(log);
	return n;
}
