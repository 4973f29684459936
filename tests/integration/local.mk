# Softkey-linked builds of the module and programs, at the fixed paths of
# doc/ARCHITECTURE.md §10.2 (tests/softkey-build/), and the integration tests that
# drive them through real PAM stacks (pam_wrapper + pamtester).
SOFTKEY_LIBS = lib/libpracticerunner.la tests/softkey/libpr_softkey.la

check_LTLIBRARIES += tests/softkey-build/pam_practicerunner.la
tests_softkey_build_pam_practicerunner_la_SOURCES = $(PAM_MODULE_SOURCES)
tests_softkey_build_pam_practicerunner_la_CFLAGS = $(AM_CFLAGS)
tests_softkey_build_pam_practicerunner_la_CPPFLAGS = $(PAM_MODULE_CPPFLAGS)
tests_softkey_build_pam_practicerunner_la_LDFLAGS = $(PAM_MODULE_LDFLAGS) -rpath /nowhere
tests_softkey_build_pam_practicerunner_la_LIBADD = $(SOFTKEY_LIBS) $(PAM_LIBS)

check_PROGRAMS += tests/softkey-build/practicerunner-admin
tests_softkey_build_practicerunner_admin_SOURCES = $(ADMIN_SOURCES)
tests_softkey_build_practicerunner_admin_CPPFLAGS = $(HELPER_CPPFLAGS)
tests_softkey_build_practicerunner_admin_LDADD = lib/libpr_export.la $(SOFTKEY_LIBS)

check_PROGRAMS += tests/softkey-build/practicerunner-enroll
tests_softkey_build_practicerunner_enroll_SOURCES = $(ENROLL_SOURCES)
tests_softkey_build_practicerunner_enroll_CPPFLAGS = $(HELPER_CPPFLAGS)
tests_softkey_build_practicerunner_enroll_LDADD = $(SOFTKEY_LIBS)

check_PROGRAMS += tests/softkey-build/practicerunner-verify
tests_softkey_build_practicerunner_verify_SOURCES = $(VERIFY_SOURCES)
tests_softkey_build_practicerunner_verify_CPPFLAGS = $(HELPER_CPPFLAGS)
tests_softkey_build_practicerunner_verify_LDADD = $(SOFTKEY_LIBS)

check_PROGRAMS += tests/softkey-build/practicerunner-recover
tests_softkey_build_practicerunner_recover_SOURCES = $(RECOVER_SOURCES)
tests_softkey_build_practicerunner_recover_CPPFLAGS = $(HELPER_CPPFLAGS)
tests_softkey_build_practicerunner_recover_LDADD = $(SOFTKEY_LIBS)

check_PROGRAMS += tests/softkey-build/practicerunner-authorized-keys
tests_softkey_build_practicerunner_authorized_keys_SOURCES = $(AUTHKEYS_SOURCES)
tests_softkey_build_practicerunner_authorized_keys_CPPFLAGS = $(HELPER_CPPFLAGS)
tests_softkey_build_practicerunner_authorized_keys_LDADD = $(SOFTKEY_LIBS)

# The module as a plain .so at the fixed path (libtool keeps it in .libs/).
check_DATA = tests/softkey-build/pam_practicerunner.so
tests/softkey-build/pam_practicerunner.so: tests/softkey-build/pam_practicerunner.la
	$(AM_V_GEN)cp tests/softkey-build/.libs/pam_practicerunner.so $@
CLEANFILES += tests/softkey-build/pam_practicerunner.so

# The OpenSSH security-key provider at a fixed path, beside the programs.
check_DATA += tests/softkey-build/libsk-softkey.so
tests/softkey-build/libsk-softkey.so: tests/softkey/libsk-softkey.la
	$(AM_V_GEN)$(MKDIR_P) tests/softkey-build && \
		cp tests/softkey/.libs/libsk-softkey.so $@
CLEANFILES += tests/softkey-build/libsk-softkey.so

INTEGRATION_TESTS = \
	tests/integration/module_auth.sh \
	tests/integration/module_policy.sh \
	tests/integration/accounts_scope.sh \
	tests/integration/admin_cli.sh \
	tests/integration/web_policy.sh \
	tests/integration/webgate.sh \
	tests/integration/webgate_approve.sh \
	tests/integration/webgate_ldap.sh \
	tests/integration/module_symbols.sh \
	tests/integration/admin_invite.sh \
	tests/integration/admin_lifecycle.sh \
	tests/integration/enroll_setuid.sh \
	tests/integration/enroll_ssh_setuid.sh \
	tests/integration/admin_recovery.sh \
	tests/integration/admin_codes.sh \
	tests/integration/recover_setuid.sh \
	tests/integration/recover_parallel.sh \
	tests/integration/module_recovery.sh \
	tests/integration/breakglass.sh \
	tests/integration/web_grant.sh \
	tests/integration/prompt_uniform.sh \
	tests/integration/module_session.sh \
	tests/integration/conf_examples.sh \
	tests/integration/module_stepup.sh \
	tests/integration/sudo_stepup.sh \
	tests/integration/root_access.sh \
	tests/integration/verify_setuid.sh \
	tests/integration/release_hid.sh \
	tests/integration/release_hid_flows.sh \
	tests/integration/audit_flood.sh \
	tests/integration/lock_freeze.sh \
	tests/integration/freeze_audit.sh \
	tests/integration/prompt_su.sh \
	tests/integration/audit_intent.sh \
	tests/integration/audit_rotate.sh \
	tests/integration/ssh_keys.sh \
	tests/integration/module_ssh.sh \
	tests/integration/sshd_gateway.sh \
	tests/integration/sshd_gateway_release.sh \
	tests/integration/bad_input.sh \
	tests/integration/ldap_store.sh \
	tests/integration/store_status.sh \
	tests/integration/readme_directory.sh \
	tests/integration/ldap_hosts.sh \
	tests/integration/store_migrate.sh \
	tests/integration/ldap_offline.sh \
	tests/integration/man_lint.sh \
	tests/integration/doc_refs.sh \
	tests/integration/build_depends.sh \
	tests/integration/packaging.sh
TESTS += $(INTEGRATION_TESTS)
dist_check_SCRIPTS += $(INTEGRATION_TESTS) tests/integration/lib.sh \
	tests/integration/setuid_lib.sh tests/integration/release_lib.sh tests/integration/freeze_lib.sh \
	tests/integration/slapd_lib.sh tests/integration/webgate_lib.sh \
	tests/integration/fan_hold.py tests/webauthn_client/webauthn_client.py

# A PAM application that prints the exact result code and the messages.
check_PROGRAMS += tests/integration/pamrun
tests_integration_pamrun_SOURCES = tests/integration/pamrun.c
tests_integration_pamrun_LDADD = $(PAM_LIBS)

# lib/directory/ against a real slapd (tests/integration/ldap_store.sh).
check_PROGRAMS += tests/integration/dirtool
tests_integration_dirtool_SOURCES = tests/integration/dirtool.c
tests_integration_dirtool_LDADD = lib/libpracticerunner.la lib/libpr_hid.la

# The module and helper suites that do not look into state_dir's files, once
# more with the test policy on the directory (TEST_STORE=ldap, lib.sh):
# make check-ldap-store, and make check when its TESTS include all of them
# (the full suite does; a run of a chosen few does not).
LDAP_STORE_TESTS = \
	tests/integration/module_session.sh \
	tests/integration/module_ssh.sh \
	tests/integration/module_stepup.sh \
	tests/integration/accounts_scope.sh
check-ldap-store: $(check_PROGRAMS)
	TEST_STORE=ldap $(MAKE) $(AM_MAKEFLAGS) check-TESTS TESTS="$(LDAP_STORE_TESTS)" TEST_SUITE_LOG=ldap-store.log
check-local:
	@for t in $(LDAP_STORE_TESTS); do case " $(TESTS) " in *" $$t "*) ;; *) exit 0 ;; esac; done; \
	$(MAKE) $(AM_MAKEFLAGS) check-ldap-store
.PHONY: check-ldap-store

# The web gate's VPN side (issue 16): practicerunner-openvpn against a
# stand-in control socket; OpenVPN, the gate and a browser end to end.
E2E_TESTS = tests/e2e/openvpn_defer.sh tests/e2e/webvpn.sh tests/e2e/xrdp.sh
TESTS += $(E2E_TESTS)
dist_check_SCRIPTS += $(E2E_TESTS) tests/e2e/ctl_stub.py tests/e2e/browser.py tests/e2e/mgmt.py tests/e2e/gate_lib.sh
