# The shared core: no PAM calls, no terminal I/O.
noinst_LTLIBRARIES += lib/libpracticerunner.la
lib_libpracticerunner_la_SOURCES = \
	lib/err.c lib/err.h \
	lib/util.c lib/util.h \
	lib/digest.c lib/digest.h \
	lib/textfmt.c lib/textfmt.h \
	lib/secure_file.c lib/secure_file.h \
	lib/user_file.c lib/user_file.h \
	lib/state.c lib/state.h \
	lib/config.c lib/conf.h lib/config_text.c lib/config_text.h \
	lib/config_ldap.c lib/config_ldap.h \
	lib/config_web.c lib/config_web.h \
	lib/modopts.c lib/modopts.h \
	lib/types.c lib/types.h \
	lib/cred.c lib/cred.h \
	lib/policy.c lib/policy.h \
	lib/aal.c lib/aal.h \
	lib/accounts.c lib/accounts.h \
	lib/roles.c lib/roles.h \
	lib/store.c lib/store.h lib/store_users.c lib/store_revoked.c lib/store_revoked.h \
	lib/store_merge.c lib/store_merge.h lib/store_migrate.c lib/store_migrate.h \
	lib/store_cache.c lib/store_cache.h lib/store_offline.c lib/store_offline.h \
	lib/audit_pending.c lib/audit_pending.h \
	lib/audit.c lib/audit.h lib/audit_internal.h \
	lib/audit_format.c lib/audit_head.c lib/audit_verify.c \
	lib/audit_intent.c lib/audit_intent.h \
	lib/audit_event.c lib/audit_event.h \
	lib/audit_rate.c lib/audit_rate.h \
	lib/audit_series.c lib/audit_series.h lib/audit_rotate.c \
	lib/anchors.c \
	lib/attest.c lib/attest.h \
	lib/assertion.c lib/assertion.h \
	lib/enroll.c lib/enroll.h \
	lib/select.c lib/select.h \
	lib/invite.c lib/invite.h \
	lib/token.c lib/token.h \
	lib/breakglass.c lib/breakglass.h \
	lib/breakglass_flow.c lib/breakglass_flow.h \
	lib/codes.c lib/codes.h \
	lib/codes_issue.c lib/codes_issue.h \
	lib/flow.c lib/flow.h \
	lib/ticket.c lib/ticket.h \
	lib/lockout.c lib/lockout.h \
	lib/recovery.c lib/recovery.h \
	lib/recovery_flow.c lib/recovery_flow.h \
	lib/signin.c lib/signin.h lib/ssh/signin_ssh.c lib/signin_grant.c \
	lib/grant.c lib/grant.h \
	lib/procpeer.c lib/procpeer.h \
	lib/proc_control.c lib/proc_control.h \
	lib/verify_proto.c lib/verify_proto.h \
	lib/mail.c lib/mail.h \
	lib/notify.c lib/notify.h \
	lib/lifecycle.c lib/lifecycle.h \
	lib/keychange.c lib/keychange.h \
	lib/coverage.c lib/coverage.h lib/coverage_scope.c \
	lib/pamu2f.c lib/pamu2f.h \
	lib/ssh/sshkey.c lib/ssh/sshkey.h \
	lib/ssh/sshattest.c lib/ssh/sshattest.h \
	lib/ssh/sshchallenge.c lib/ssh/sshchallenge.h \
	lib/ssh/sshenroll.c lib/ssh/sshenroll.h \
	lib/ssh/sshauthinfo.c lib/ssh/sshauthinfo.h \
	lib/directory/directory.h lib/directory/dir_internal.h \
	lib/directory/dir_conn.c lib/directory/dir_secret.c \
	lib/directory/dir_name.c lib/directory/dir_name.h \
	lib/directory/dir_entry.c lib/directory/dir_entry.h \
	lib/directory/dir_slot.c lib/directory/dir_slot.h \
	lib/directory/dir_scan.c lib/directory/dir_scan.h \
	lib/directory/dir_status.c lib/directory/dir_status.h \
	lib/directory/dir_cache.c lib/directory/dir_cache.h \
	lib/transport.h
# Empty unless --enable-fuzzing: sanitizers and libFuzzer coverage.
lib_libpracticerunner_la_CFLAGS = $(AM_CFLAGS) $(FUZZ_LIB_CFLAGS)
lib_libpracticerunner_la_LIBADD = $(LIBFIDO2_LIBS) $(LIBCBOR_LIBS) $(LIBCRYPTO_LIBS) $(LIBCONFUSE_LIBS) $(LIBLDAP_LIBS)

# The audit export (json-c): linked into practicerunner-admin and its tests
# only, so the PAM module and the setuid helpers do not load json-c.
noinst_LTLIBRARIES += lib/libpr_export.la
lib_libpr_export_la_SOURCES = lib/audit_export.c lib/audit_export.h
lib_libpr_export_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(FUZZ_LIB_CFLAGS)
lib_libpr_export_la_LIBADD = $(JSONC_LIBS)

# The web gate's root-side verifier (json-c for clientDataJSON): linked
# into the verifier and its tests only, so the PAM module and the setuid
# helpers do not load json-c. doc/ARCHITECTURE.md §4.8.
noinst_LTLIBRARIES += lib/libpr_webauthn.la
lib_libpr_webauthn_la_SOURCES = \
	lib/webauthn/wa_bounds.h \
	lib/webauthn/wa_clientdata.c lib/webauthn/wa_clientdata.h \
	lib/webauthn/wa_assert.c lib/webauthn/wa_assert.h \
	lib/webauthn/wa_register.c lib/webauthn/wa_register.h \
	lib/webauthn/wa_proto.c lib/webauthn/wa_proto.h \
	lib/webauthn/wa_control.c lib/webauthn/wa_control.h \
	lib/webauthn/wa_pending.c lib/webauthn/wa_pending.h \
	lib/webauthn/wa_addr.c lib/webauthn/wa_addr.h
lib_libpr_webauthn_la_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(FUZZ_LIB_CFLAGS)
lib_libpr_webauthn_la_LIBADD = $(JSONC_LIBS)

# Release transport: HID devices through libfido2.
noinst_LTLIBRARIES += lib/libpr_hid.la
lib_libpr_hid_la_SOURCES = lib/transport_hid.c

# The VPN side of the web gate's control socket (no json-c): linked into
# practicerunner-openvpn and its tests. doc/ARCHITECTURE.md §4.8.
lib_libpracticerunner_la_SOURCES += lib/webauthn/wa_ctlclient.c lib/webauthn/wa_ctlclient.h
