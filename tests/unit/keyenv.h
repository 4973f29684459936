/*
 * A sign-in world for unit tests of the flows that talk to a key
 * (check_signin, check_signin_ssh, check_enroll), without root: a temporary
 * directory owned by the tester holding the policy file, the state
 * directory, the audit log and softkey devices (tests/softkey), which the
 * softkey transport finds through PRACTICERUNNER_SOFTKEY. The policy is
 * loaded with pr_roles_config_load, as the module loads it: its owner check
 * accepts the effective uid, so the tester's own file passes.
 *
 * Accounts are ones every Debian and RPM system has, with uid_min = 1 so
 * that they count as people: daemon is an owner, bin an admin, lp and mail
 * staff, games exempt; nobody (65534) stays a service account.
 */
#ifndef PR_KEYENV_H
#define PR_KEYENV_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "store.h"

#define KE_OWNER "daemon"
#define KE_ADMIN "bin"
#define KE_STAFF "lp"
#define KE_STAFF2 "mail"
#define KE_EXEMPT "games"
#define KE_SYSTEM "nobody"
#define KE_UNKNOWN "no-such-user-prck"
#define KE_RP_ID "pam://riverside-clinic"
#define KE_PIN "4711"
/* The yubikey5 profile's AAGUID (tests/softkey/softkey_profile.c). */
#define KE_YUBIKEY5_AAGUID "cb69481e-8ff7-4039-93ec-0a2729a154a8"

struct keyenv {
	char dir[64];
	char conf[128];
	char state[128];
	char audit[128];
	struct pr_config *cfg;
};

extern struct keyenv ke;

/* A fresh directory (ke.dir) with state/ and log/; no policy yet, no devices. */
void keyenv_setup(void);
/* Remove it all, assert it went; free the policy. */
void keyenv_teardown(void);

/*
 * Write and load the policy: require_security_key, require_physical_key,
 * user_verification, then extra lines (may be NULL), touch_timeout 1 unless
 * extra sets it. Replaces ke.cfg.
 */
void keyenv_policy(const char *key, const char *physical, const char *uv, const char *extra);

/* A new softkey device ke.dir/<name>.key of profile (pin may be NULL); its path, static per name. */
const char *keyenv_device(const char *name, const char *profile, const char *pin);
/* Attach these devices (':'-separated paths, "" for none). */
void keyenv_attach(const char *paths);
/* The device's touch switch and sign counter (softkey-ctl set). */
void keyenv_set_touch(const char *path, bool touch);
void keyenv_set_counter(const char *path, uint32_t counter);
uint32_t keyenv_counter(const char *path);

/*
 * Enroll a credential for user on device (its PIN when it has one) as the
 * admin tool does: pr_enroll_make on the attached device, then
 * pr_store_add. *cls (may be NULL) gets its class.
 */
void keyenv_enroll(const char *user, const char *device, enum pr_class *cls);

/* Records in the audit log (0 when there is none). */
long keyenv_records(void);

#endif
