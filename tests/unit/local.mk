# Check unit tests of lib/: each prints TAP.
if HAVE_CHECK
UNIT_CPPFLAGS = $(AM_CPPFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
# testlib first: it calls into lib/, and static archives resolve left to right.
UNIT_LDADD = tests/unit/libtestlib.la lib/libpracticerunner.la tests/unit/libtransport_none.la $(CHECK_LIBS)

check_LTLIBRARIES += tests/unit/libtransport_none.la
tests_unit_libtransport_none_la_SOURCES = tests/unit/transport_none.c

check_LTLIBRARIES += tests/unit/libtestlib.la
tests_unit_libtestlib_la_SOURCES = tests/unit/testlib.c tests/unit/testlib.h
tests_unit_libtestlib_la_CFLAGS = $(UNIT_CFLAGS)

UNIT_TESTS = \
	tests/unit/check_util \
	tests/unit/check_secure_file \
	tests/unit/check_config \
	tests/unit/check_config_ldap \
	tests/unit/check_dir_name \
	tests/unit/check_policy \
	tests/unit/check_aal \
	tests/unit/check_roles \
	tests/unit/check_store \
	tests/unit/check_store_cache \
	tests/unit/check_audit \
	tests/unit/check_audit_event \
	tests/unit/check_audit_intent \
	tests/unit/check_audit_rate \
	tests/unit/check_audit_series \
	tests/unit/check_audit_export \
	tests/unit/check_attest \
	tests/unit/check_assert \
	tests/unit/check_invite \
	tests/unit/check_user_file \
	tests/unit/check_mail \
	tests/unit/check_lifecycle \
	tests/unit/check_keychange \
	tests/unit/check_coverage \
	tests/unit/check_pamu2f \
	tests/unit/check_codes \
	tests/unit/check_breakglass \
	tests/unit/check_ticket \
	tests/unit/check_recovery \
	tests/unit/check_lockout \
	tests/unit/check_sshkey \
	tests/unit/check_sshattest \
	tests/unit/check_sshenroll \
	tests/unit/check_sshauthinfo \
	tests/unit/check_procpeer \
	tests/unit/check_token \
	tests/unit/check_webauthn \
	tests/unit/check_wa_gate \
	tests/unit/check_wa_addr \
	tests/unit/check_wa_wipe \
	tests/unit/check_wg_chan \
	tests/unit/check_config_web
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

tests_unit_check_util_SOURCES = tests/unit/check_util.c
tests_unit_check_secure_file_SOURCES = tests/unit/check_secure_file.c
tests_unit_check_config_SOURCES = tests/unit/check_config.c
tests_unit_check_config_ldap_SOURCES = tests/unit/check_config_ldap.c
tests_unit_check_dir_name_SOURCES = tests/unit/check_dir_name.c
tests_unit_check_policy_SOURCES = tests/unit/check_policy.c
tests_unit_check_aal_SOURCES = tests/unit/check_aal.c
tests_unit_check_roles_SOURCES = tests/unit/check_roles.c
tests_unit_check_store_SOURCES = tests/unit/check_store.c
tests_unit_check_store_cache_SOURCES = tests/unit/check_store_cache.c
tests_unit_check_audit_SOURCES = tests/unit/check_audit.c
tests_unit_check_audit_event_SOURCES = tests/unit/check_audit_event.c
tests_unit_check_audit_rate_SOURCES = tests/unit/check_audit_rate.c
tests_unit_check_attest_SOURCES = tests/unit/check_attest.c tests/unit/vectors.c tests/unit/vectors.h
tests_unit_check_assert_SOURCES = tests/unit/check_assert.c tests/unit/vectors.c tests/unit/vectors.h
tests_unit_check_invite_SOURCES = tests/unit/check_invite.c
tests_unit_check_user_file_SOURCES = tests/unit/check_user_file.c
tests_unit_check_mail_SOURCES = tests/unit/check_mail.c
tests_unit_check_lifecycle_SOURCES = tests/unit/check_lifecycle.c
tests_unit_check_keychange_SOURCES = tests/unit/check_keychange.c
tests_unit_check_coverage_SOURCES = tests/unit/check_coverage.c
tests_unit_check_pamu2f_SOURCES = tests/unit/check_pamu2f.c
tests_unit_check_codes_SOURCES = tests/unit/check_codes.c
tests_unit_check_breakglass_SOURCES = tests/unit/check_breakglass.c
tests_unit_check_ticket_SOURCES = tests/unit/check_ticket.c
tests_unit_check_recovery_SOURCES = tests/unit/check_recovery.c
tests_unit_check_lockout_SOURCES = tests/unit/check_lockout.c
tests_unit_check_sshkey_SOURCES = tests/unit/check_sshkey.c
tests_unit_check_sshattest_SOURCES = tests/unit/check_sshattest.c
tests_unit_check_sshenroll_SOURCES = tests/unit/check_sshenroll.c
tests_unit_check_sshauthinfo_SOURCES = tests/unit/check_sshauthinfo.c
tests_unit_check_procpeer_SOURCES = tests/unit/check_procpeer.c
tests_unit_check_token_SOURCES = tests/unit/check_token.c

# One set of flags for every unit test.
tests_unit_check_util_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_util_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_util_LDADD = $(UNIT_LDADD)
tests_unit_check_secure_file_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_secure_file_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_secure_file_LDADD = $(UNIT_LDADD)
tests_unit_check_config_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_config_LDADD = $(UNIT_LDADD)
tests_unit_check_config_ldap_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_config_ldap_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_config_ldap_LDADD = $(UNIT_LDADD)
tests_unit_check_dir_name_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_dir_name_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_dir_name_LDADD = $(UNIT_LDADD)
tests_unit_check_policy_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_policy_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_policy_LDADD = $(UNIT_LDADD)
tests_unit_check_aal_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_aal_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_aal_LDADD = $(UNIT_LDADD)
tests_unit_check_roles_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_roles_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_roles_LDADD = $(UNIT_LDADD)
tests_unit_check_store_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_store_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_store_LDADD = $(UNIT_LDADD)
tests_unit_check_store_cache_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_store_cache_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_store_cache_LDADD = $(UNIT_LDADD)
tests_unit_check_audit_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_audit_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_audit_LDADD = $(UNIT_LDADD)
tests_unit_check_audit_series_SOURCES = tests/unit/check_audit_series.c
tests_unit_check_audit_series_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_audit_series_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_audit_series_LDADD = $(UNIT_LDADD)
tests_unit_check_audit_export_SOURCES = tests/unit/check_audit_export.c
tests_unit_check_audit_export_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_audit_export_CFLAGS = $(UNIT_CFLAGS) $(JSONC_CFLAGS)
tests_unit_check_audit_export_LDADD = tests/unit/libtestlib.la lib/libpr_export.la \
	lib/libpracticerunner.la tests/unit/libtransport_none.la $(CHECK_LIBS) $(JSONC_LIBS)
tests_unit_check_config_web_SOURCES = tests/unit/check_config_web.c
tests_unit_check_config_web_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_config_web_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_config_web_LDADD = $(UNIT_LDADD)
tests_unit_check_webauthn_SOURCES = tests/unit/check_webauthn.c tests/unit/vectors.c \
	tests/unit/vectors.h
tests_unit_check_webauthn_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_webauthn_CFLAGS = $(UNIT_CFLAGS) $(JSONC_CFLAGS)
tests_unit_check_webauthn_LDADD = tests/unit/libtestlib.la lib/libpr_webauthn.la \
	lib/libpracticerunner.la tests/unit/libtransport_none.la $(CHECK_LIBS) $(JSONC_LIBS)
tests_unit_check_wa_gate_SOURCES = tests/unit/check_wa_gate.c
tests_unit_check_wa_gate_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_wa_gate_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_wa_gate_LDADD = tests/unit/libtestlib.la lib/libpr_webauthn.la \
	lib/libpracticerunner.la tests/unit/libtransport_none.la $(CHECK_LIBS) $(JSONC_LIBS)
tests_unit_check_wa_addr_SOURCES = tests/unit/check_wa_addr.c
tests_unit_check_wa_addr_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_wa_addr_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_wa_addr_LDADD = tests/unit/libtestlib.la lib/libpr_webauthn.la \
	lib/libpracticerunner.la tests/unit/libtransport_none.la $(CHECK_LIBS) $(JSONC_LIBS)
tests_unit_check_wa_wipe_SOURCES = tests/unit/check_wa_wipe.c
tests_unit_check_wa_wipe_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_wa_wipe_CFLAGS = $(UNIT_CFLAGS)
# Every free() of the binary's objects passes the test's __wrap_free first.
tests_unit_check_wa_wipe_LDFLAGS = -Wl,--wrap=free
tests_unit_check_wa_wipe_LDADD = tests/unit/libtestlib.la lib/libpr_webauthn.la \
	lib/libpracticerunner.la tests/unit/libtransport_none.la $(CHECK_LIBS) $(JSONC_LIBS)
tests_unit_check_wg_chan_SOURCES = tests/unit/check_wg_chan.c helpers/webgate/wg_chan.c
tests_unit_check_wg_chan_CPPFLAGS = $(UNIT_CPPFLAGS) -iquote $(top_srcdir)/helpers/webgate
tests_unit_check_wg_chan_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_wg_chan_LDADD = $(UNIT_LDADD)
tests_unit_check_audit_intent_SOURCES = tests/unit/check_audit_intent.c
tests_unit_check_audit_intent_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_audit_intent_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_audit_intent_LDADD = $(UNIT_LDADD)
tests_unit_check_audit_rate_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_audit_rate_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_audit_rate_LDADD = $(UNIT_LDADD)
tests_unit_check_attest_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_attest_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_attest_LDADD = $(UNIT_LDADD)
tests_unit_check_assert_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_assert_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_assert_LDADD = $(UNIT_LDADD)
tests_unit_check_invite_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_invite_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_invite_LDADD = $(UNIT_LDADD)
tests_unit_check_user_file_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_user_file_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_user_file_LDADD = $(UNIT_LDADD)
tests_unit_check_mail_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_mail_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_mail_LDADD = $(UNIT_LDADD)
tests_unit_check_lifecycle_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_lifecycle_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_lifecycle_LDADD = $(UNIT_LDADD)
tests_unit_check_keychange_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_keychange_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_keychange_LDADD = $(UNIT_LDADD)
tests_unit_check_coverage_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_coverage_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_coverage_LDADD = $(UNIT_LDADD)
tests_unit_check_pamu2f_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_pamu2f_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_pamu2f_LDADD = $(UNIT_LDADD)
tests_unit_check_codes_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_codes_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_codes_LDADD = $(UNIT_LDADD)
tests_unit_check_breakglass_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_breakglass_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_breakglass_LDADD = $(UNIT_LDADD)
tests_unit_check_ticket_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_ticket_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_ticket_LDADD = $(UNIT_LDADD)
tests_unit_check_recovery_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_recovery_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_recovery_LDADD = $(UNIT_LDADD)
tests_unit_check_lockout_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_lockout_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_lockout_LDADD = $(UNIT_LDADD)
tests_unit_check_sshkey_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_sshkey_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_sshkey_LDADD = $(UNIT_LDADD)
tests_unit_check_sshattest_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_sshattest_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_sshattest_LDADD = $(UNIT_LDADD)
tests_unit_check_audit_event_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_audit_event_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_audit_event_LDADD = $(UNIT_LDADD)
tests_unit_check_sshenroll_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_sshenroll_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_sshenroll_LDADD = $(UNIT_LDADD)
tests_unit_check_sshauthinfo_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_sshauthinfo_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_sshauthinfo_LDADD = $(UNIT_LDADD)
tests_unit_check_procpeer_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_procpeer_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_procpeer_LDADD = $(UNIT_LDADD)
tests_unit_check_token_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_check_token_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_token_LDADD = $(UNIT_LDADD)

# The sign-in, SSH gateway and enrollment decisions with real (software)
# keys: linked with the softkey transport instead of transport_none, so the
# whole flow runs as in tests/softkey-build, without root (keyenv.h).
KEY_UNIT_CPPFLAGS = $(UNIT_CPPFLAGS) $(SOFTKEY_CA_FLAGS) -iquote $(top_srcdir)/tests/softkey
KEY_UNIT_CFLAGS = $(UNIT_CFLAGS) $(LIBCBOR_CFLAGS)
KEY_UNIT_LDADD = tests/unit/libkeyenv.la tests/unit/libtestlib.la lib/libpracticerunner.la \
	tests/softkey/libpr_softkey.la $(CHECK_LIBS)

check_LTLIBRARIES += tests/unit/libkeyenv.la
tests_unit_libkeyenv_la_SOURCES = tests/unit/keyenv.c tests/unit/keyenv.h
tests_unit_libkeyenv_la_CPPFLAGS = $(KEY_UNIT_CPPFLAGS)
tests_unit_libkeyenv_la_CFLAGS = $(KEY_UNIT_CFLAGS)

KEY_UNIT_TESTS = \
	tests/unit/check_signin \
	tests/unit/check_signin_ssh \
	tests/unit/check_signin_grant \
	tests/unit/check_enroll \
	tests/unit/check_flows
check_PROGRAMS += $(KEY_UNIT_TESTS)
TESTS += $(KEY_UNIT_TESTS)

tests_unit_check_signin_SOURCES = tests/unit/check_signin.c
tests_unit_check_signin_CPPFLAGS = $(KEY_UNIT_CPPFLAGS)
tests_unit_check_signin_CFLAGS = $(KEY_UNIT_CFLAGS)
tests_unit_check_signin_LDADD = $(KEY_UNIT_LDADD)
tests_unit_check_signin_ssh_SOURCES = tests/unit/check_signin_ssh.c
tests_unit_check_signin_ssh_CPPFLAGS = $(KEY_UNIT_CPPFLAGS)
tests_unit_check_signin_ssh_CFLAGS = $(KEY_UNIT_CFLAGS)
tests_unit_check_signin_ssh_LDADD = $(KEY_UNIT_LDADD)
tests_unit_check_signin_grant_SOURCES = tests/unit/check_signin_grant.c
tests_unit_check_signin_grant_CPPFLAGS = $(KEY_UNIT_CPPFLAGS)
tests_unit_check_signin_grant_CFLAGS = $(KEY_UNIT_CFLAGS)
tests_unit_check_signin_grant_LDADD = $(KEY_UNIT_LDADD)
tests_unit_check_enroll_SOURCES = tests/unit/check_enroll.c
tests_unit_check_enroll_CPPFLAGS = $(KEY_UNIT_CPPFLAGS)
tests_unit_check_enroll_CFLAGS = $(KEY_UNIT_CFLAGS)
tests_unit_check_enroll_LDADD = $(KEY_UNIT_LDADD)
tests_unit_check_flows_SOURCES = tests/unit/check_flows.c
tests_unit_check_flows_CPPFLAGS = $(KEY_UNIT_CPPFLAGS)
tests_unit_check_flows_CFLAGS = $(KEY_UNIT_CFLAGS)
tests_unit_check_flows_LDADD = $(KEY_UNIT_LDADD)
# The VPN side of the web gate's control socket (practicerunner-openvpn).
check_PROGRAMS += tests/unit/check_wa_ctlclient
TESTS += tests/unit/check_wa_ctlclient
tests_unit_check_wa_ctlclient_SOURCES = tests/unit/check_wa_ctlclient.c
tests_unit_check_wa_ctlclient_CPPFLAGS = $(UNIT_CPPFLAGS) -iquote $(top_srcdir)/lib/webauthn
tests_unit_check_wa_ctlclient_CFLAGS = $(UNIT_CFLAGS)
tests_unit_check_wa_ctlclient_LDADD = $(UNIT_LDADD)
endif
