/*
 * Unit tests of lib/audit_event.c, the one builder of audit records: each
 * field from each kind of input (who acts, the result, a FIDO or SSH
 * credential with the evidence asked for, the detail), the SSH key named
 * in the detail, and a whole record as the front ends wrote it by hand.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "audit_event.h"
#include "err.h"
#include "ssh/sshenroll.h"
#include "testlib.h"

#define DATA TOP_SRCDIR "/tests/data/ssh/"
#define T0 1795492170   /* 2026-11-24T03:49:30Z */

static unsigned char id_bytes[] = { 1, 2, 3 };
static char rp_id[] = "pam://riverside-clinic";
static struct pr_config cfg;
static struct pr_cred fido;

static void setup(void)
{
	static const unsigned char aaguid[16] = {
		0xcb, 0x69, 0x48, 0x1e, 0x8f, 0xf7, 0x40, 0x39,
		0x93, 0xec, 0x0a, 0x27, 0x29, 0xa1, 0x54, 0xa8,
	};

	memset(&cfg, 0, sizeof(cfg));
	cfg.rp_id = rp_id;
	cfg.audit.per_minute = 3;
	memset(&fido, 0, sizeof(fido));
	fido.id = id_bytes;
	fido.id_len = sizeof(id_bytes);
	fido.cls = PR_CLASS_PHYSICAL;
	fido.kind = PR_KIND_FIDO;
	memcpy(fido.aaguid, aaguid, sizeof(aaguid));
	fido.flags = 0x45;
	fido.sign_count = 12;
}

static char *fixture(const char *name)
{
	char path[512], *s;

	snprintf(path, sizeof(path), DATA "%s", name);
	ck_assert_ptr_nonnull(s = test_slurp(path));
	s[strcspn(s, "\n")] = '\0';
	return s;
}

/* A stored SSH credential made from a real ssh-keygen key, and its ssh-keygen -l fingerprint. */
static void ssh_cred(struct pr_cred *c, char **fp)
{
	char *text = fixture("yubikey5-ed25519-sk.pub");
	struct pr_errbuf eb = { 0 };
	struct pr_sshkey k;

	ck_assert_int_eq(pr_sshenroll_parse_key(text, strlen(text), &k, &eb), PR_OK);
	ck_assert_int_eq(pr_sshenroll_credential(&cfg, &k, NULL, NULL, NULL, NULL, 1, c, NULL,
	    &eb), PR_OK);
	pr_sshkey_clear(&k);
	free(text);
	*fp = fixture("yubikey5-ed25519-sk.fp");
}

/* ---- who acts ---------------------------------------------------------------------- */

START_TEST(who_fields)
{
	const struct pr_audit_who who = {
		.cfg = &cfg, .actor = "root(login:admin)", .service = "sshd", .tty = "pts/3",
		.rhost = "10.0.0.5", .path = "helper",
	};
	const struct pr_audit_what what = { .event = "auth", .user = "alice", .role = "staff" };
	struct pr_audit_built b;

	ck_assert_int_eq(pr_audit_build(&who, &what, &b), PR_OK);
	ck_assert_str_eq(b.ev.event, "auth");
	ck_assert_str_eq(b.ev.user, "alice");
	ck_assert_str_eq(b.ev.role, "staff");
	ck_assert_str_eq(b.ev.actor, "root(login:admin)");
	ck_assert_str_eq(b.ev.service, "sshd");
	ck_assert_str_eq(b.ev.tty, "pts/3");
	ck_assert_str_eq(b.ev.rhost, "10.0.0.5");
	ck_assert_str_eq(b.ev.path, "helper");
	ck_assert_str_eq(b.ev.rp_id, "pam://riverside-clinic");
	/* The policy's limits go with every record, whoever writes it. */
	ck_assert_ptr_eq(b.ev.limits, &cfg.audit);
	pr_audit_built_clear(&b);
}
END_TEST

/* Without a policy: no relying party, the default limits; nothing else invented. */
START_TEST(who_unknown)
{
	const struct pr_audit_who who = { .cfg = NULL };
	const struct pr_audit_what what = { .event = "auth", .user = "(unknown)" };
	struct pr_audit_built b;

	ck_assert_int_eq(pr_audit_build(&who, &what, &b), PR_OK);
	ck_assert_ptr_null(b.ev.rp_id);
	ck_assert_ptr_null(b.ev.limits);
	ck_assert_ptr_null(b.ev.role);
	ck_assert_ptr_null(b.ev.actor);
	ck_assert_ptr_null(b.ev.tty);
	ck_assert_ptr_null(b.ev.method);
	ck_assert_ptr_null(b.ev.cred_id);
	ck_assert_ptr_null(b.ev.aaguid);
	ck_assert_ptr_null(b.ev.detail);
	ck_assert_int_eq(b.ev.flags, -1);
	ck_assert_int_eq(b.ev.sign_count, -1);
	pr_audit_built_clear(&b);
}
END_TEST

/* ---- the result -------------------------------------------------------------------- */

static const struct {
	int err;
	const char *note;
	bool success;
	const char *reason;
} result_rows[] = {
	{ PR_OK, NULL, true, NULL },
	{ PR_OK, "physical-key", true, "physical-key" },     /* a success's note is its reason */
	{ PR_ERR_COUNTER, NULL, false, "counter-regression" },
	{ PR_ERR_COUNTER, "physical-key", false, "counter-regression" },  /* never a note */
	{ PR_ERR_NOT_ENROLLED, NULL, false, "not-enrolled" },
};

START_TEST(result)
{
	const struct pr_audit_who who = { .cfg = &cfg };
	const struct pr_audit_what what = {
		.event = "auth", .err = result_rows[_i].err, .note = result_rows[_i].note,
	};
	const char *want = result_rows[_i].reason;
	struct pr_audit_built b;

	ck_assert_int_eq(pr_audit_build(&who, &what, &b), PR_OK);
	ck_assert(b.ev.success == result_rows[_i].success);
	if (want == NULL)
		ck_assert_ptr_null(b.ev.reason);
	else
		ck_assert_str_eq(b.ev.reason, want);
	pr_audit_built_clear(&b);
}
END_TEST

/* ---- the credential ---------------------------------------------------------------- */

START_TEST(cred_enrolled)
{
	const struct pr_audit_who who = { .cfg = &cfg };
	const struct pr_audit_what what = { .event = "enroll", .cred = &fido };
	struct pr_audit_built b;

	ck_assert_int_eq(pr_audit_build(&who, &what, &b), PR_OK);
	ck_assert_str_eq(b.ev.cred_id, "AQID");
	ck_assert_str_eq(b.ev.aaguid, "cb69481e-8ff7-4039-93ec-0a2729a154a8");
	ck_assert_int_eq(b.ev.flags, 0x45);
	ck_assert_int_eq(b.ev.sign_count, 12);
	ck_assert_str_eq(b.ev.cred_class, "physical");
	ck_assert_str_eq(b.ev.method, "security-key");
	ck_assert_ptr_null(b.ev.detail);
	pr_audit_built_clear(&b);
	ck_assert_ptr_null(b.cred_id);
}
END_TEST

/* The method the class implies, unless the front end names how the step was proven. */
START_TEST(cred_method)
{
	const struct pr_audit_who who = { .cfg = &cfg };
	struct pr_audit_what what = { .event = "enroll", .cred = &fido };
	struct pr_audit_built b;

	fido.cls = PR_CLASS_PASSKEY;
	ck_assert_int_eq(pr_audit_build(&who, &what, &b), PR_OK);
	ck_assert_str_eq(b.ev.method, "passkey");
	ck_assert_str_eq(b.ev.cred_class, "passkey");
	pr_audit_built_clear(&b);
	what.method = "recovery-code";
	ck_assert_int_eq(pr_audit_build(&who, &what, &b), PR_OK);
	ck_assert_str_eq(b.ev.method, "recovery-code");
	pr_audit_built_clear(&b);
}
END_TEST

/* A sign-in records this assertion's flags and counter, -1 where it has none. */
START_TEST(cred_this_use)
{
	const struct pr_audit_who who = { .cfg = &cfg };
	struct pr_audit_what what = {
		.event = "auth", .cred = &fido, .evidence = PR_AUDIT_THIS_USE, .flags = 0x05,
		.sign_count = 13,
	};
	struct pr_audit_built b;

	ck_assert_int_eq(pr_audit_build(&who, &what, &b), PR_OK);
	ck_assert_int_eq(b.ev.flags, 0x05);
	ck_assert_int_eq(b.ev.sign_count, 13);
	ck_assert_str_eq(b.ev.aaguid, "cb69481e-8ff7-4039-93ec-0a2729a154a8");
	pr_audit_built_clear(&b);
	what.flags = -1;
	what.sign_count = -1;
	ck_assert_int_eq(pr_audit_build(&who, &what, &b), PR_OK);
	ck_assert_int_eq(b.ev.flags, -1);
	ck_assert_int_eq(b.ev.sign_count, -1);
	pr_audit_built_clear(&b);
	/* Without a credential there is no evidence to record. */
	what.cred = NULL;
	what.flags = 0x05;
	ck_assert_int_eq(pr_audit_build(&who, &what, &b), PR_OK);
	ck_assert_int_eq(b.ev.flags, -1);
	ck_assert_ptr_null(b.ev.cred_id);
	pr_audit_built_clear(&b);
}
END_TEST

/* An imported key: id, class and method; no AAGUID, flags or counter its file never held. */
START_TEST(cred_id_only)
{
	const struct pr_audit_who who = { .cfg = &cfg };
	const struct pr_audit_what what = {
		.event = "enroll", .cred = &fido, .evidence = PR_AUDIT_ID_ONLY, .detail = "pam_u2f",
	};
	struct pr_audit_built b;

	fido.cls = PR_CLASS_PASSKEY;
	ck_assert_int_eq(pr_audit_build(&who, &what, &b), PR_OK);
	ck_assert_str_eq(b.ev.cred_id, "AQID");
	ck_assert_str_eq(b.ev.cred_class, "passkey");
	ck_assert_str_eq(b.ev.method, "passkey");
	ck_assert_ptr_null(b.ev.aaguid);
	ck_assert_int_eq(b.ev.flags, -1);
	ck_assert_int_eq(b.ev.sign_count, -1);
	ck_assert_str_eq(b.ev.detail, "pam_u2f");
	pr_audit_built_clear(&b);
}
END_TEST

/* ---- SSH keys ---------------------------------------------------------------------- */

/* The detail what's record gets is want. */
static void assert_detail(const struct pr_audit_what *what, const char *want)
{
	const struct pr_audit_who who = { .cfg = &cfg, .service = "sshd" };
	struct pr_audit_built b;

	ck_assert_int_eq(pr_audit_build(&who, what, &b), PR_OK);
	ck_assert_str_eq(b.ev.detail, want);
	if (what->cred != NULL && what->cred->kind == PR_KIND_SSH && what->method == NULL)
		ck_assert_str_eq(b.ev.method, "ssh-sk");
	pr_audit_built_clear(&b);
}

/* A stored SSH key: method ssh-sk, named first in the detail by its fingerprint. */
START_TEST(ssh_cred_detail)
{
	struct pr_audit_what what = { .event = "remove", .detail = "forced" };
	struct pr_cred c;
	char *fp, want[128];

	ssh_cred(&c, &fp);
	what.cred = &c;
	snprintf(want, sizeof(want), "ssh-key %s; forced", fp);
	assert_detail(&what, want);
	what.detail = NULL;
	snprintf(want, sizeof(want), "ssh-key %s", fp);
	assert_detail(&what, want);
	/* A key that cannot be rebuilt is still named, as unknown. */
	c.app[0] = '\0';
	assert_detail(&what, "ssh-key (unknown)");
	pr_cred_clear(&c);
	free(fp);
}
END_TEST

/* The key sshd named goes after the detail and names the key alone. */
START_TEST(ssh_key_seen)
{
	struct pr_audit_what what = {
		.event = "auth", .err = PR_ERR_CLASS, .detail = "physical-key",
		.ssh_key = "key sk-ssh-ed25519@openssh.com SHA256:abc",
	};
	struct pr_cred c;
	char *fp, want[128];

	ssh_cred(&c, &fp);
	what.cred = &c;
	assert_detail(&what, "physical-key; key sk-ssh-ed25519@openssh.com SHA256:abc");
	what.detail = NULL;
	assert_detail(&what, "key sk-ssh-ed25519@openssh.com SHA256:abc");
	/* "" is no key named: the stored credential names itself. */
	what.ssh_key = "";
	what.detail = "physical-key";
	snprintf(want, sizeof(want), "ssh-key %s; physical-key", fp);
	assert_detail(&what, want);
	/* A FIDO credential is never named as an SSH key. */
	what.cred = &fido;
	assert_detail(&what, "physical-key");
	pr_cred_clear(&c);
	free(fp);
}
END_TEST

/* A key that is not yet a credential (enrollment refused before one was made). */
START_TEST(ssh_detail_text)
{
	char *d;

	ck_assert_ptr_nonnull(d = pr_audit_ssh_detail("SHA256:abc", "invitation"));
	ck_assert_str_eq(d, "ssh-key SHA256:abc; invitation");
	free(d);
	ck_assert_ptr_nonnull(d = pr_audit_ssh_detail("", NULL));
	ck_assert_str_eq(d, "ssh-key (unknown)");
	free(d);
	ck_assert_ptr_nonnull(d = pr_audit_ssh_detail(NULL, "x"));
	ck_assert_str_eq(d, "ssh-key (unknown); x");
	free(d);
}
END_TEST

/* ---- a whole record ---------------------------------------------------------------- */

/* An administrator's failed removal, byte for byte as the admin tool has always written it. */
START_TEST(whole_record)
{
	const struct pr_audit_who who = {
		.cfg = &cfg, .actor = "root", .service = "practicerunner-admin",
	};
	const struct pr_audit_what what = {
		.event = "remove", .err = PR_ERR_LAST_KEY, .user = "alice", .role = "owner",
		.cred = &fido, .detail = "last physical key",
	};
	struct pr_audit_built b;
	char *out = NULL;

	ck_assert_int_eq(pr_audit_build(&who, &what, &b), PR_OK);
	ck_assert_int_eq(pr_audit_format(&b.ev, T0, "ws-1", &out), PR_OK);
	ck_assert_str_eq(out, "time=2026-11-24T03:49:30Z host=ws-1 event=remove result=failure "
	    "reason=last-key user=alice role=owner method=security-key service=practicerunner-admin "
	    "rp_id=pam://riverside-clinic cred_id=AQID aaguid=cb69481e-8ff7-4039-93ec-0a2729a154a8 "
	    "flags=0x45:UP,UV,AT sign_count=12 class=physical actor=root "
	    "detail=last%20physical%20key");
	free(out);
	pr_audit_built_clear(&b);
}
END_TEST

static Suite *audit_event_suite(void)
{
	Suite *s = suite_create("audit_event");
	TCase *tc = tcase_create("build");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, who_fields);
	tcase_add_test(tc, who_unknown);
	tcase_add_loop_test(tc, result, 0, NROWS(result_rows));
	tcase_add_test(tc, cred_enrolled);
	tcase_add_test(tc, cred_method);
	tcase_add_test(tc, cred_this_use);
	tcase_add_test(tc, cred_id_only);
	tcase_add_test(tc, ssh_cred_detail);
	tcase_add_test(tc, ssh_key_seen);
	tcase_add_test(tc, ssh_detail_text);
	tcase_add_test(tc, whole_record);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_tap(audit_event_suite());
}
