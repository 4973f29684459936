# Administration and helper programs.
ADMIN_SOURCES = helpers/admin/admin.c helpers/admin/admin.h helpers/admin/admin_policy.c \
	helpers/admin/admin_keys.c helpers/admin/admin_audit.c helpers/admin/admin_audit_series.c helpers/admin/admin_invite.c \
	helpers/admin/admin_coverage.c helpers/admin/admin_import.c helpers/admin/admin_codes.c \
	helpers/admin/admin_breakglass.c \
	helpers/admin/admin_recovery.c helpers/admin/admin_revoke.c helpers/admin/admin_ssh.c helpers/admin/admin_store.c helpers/admin/admin_store_migrate.c helpers/cli.c helpers/cli.h
HELPER_CPPFLAGS = $(AM_CPPFLAGS) -iquote $(top_srcdir)/helpers

sbin_PROGRAMS += helpers/practicerunner-admin
helpers_practicerunner_admin_SOURCES = $(ADMIN_SOURCES)
helpers_practicerunner_admin_CPPFLAGS = $(HELPER_CPPFLAGS)
helpers_practicerunner_admin_LDADD = lib/libpr_export.la lib/libpracticerunner.la lib/libpr_hid.la

# practicerunner-enroll: setuid root, acts on the calling user only.
ENROLL_SOURCES = helpers/user_enroll.c helpers/user_enroll.h helpers/user_enroll_ssh.c \
	helpers/user_enroll_common.c \
	helpers/selfservice.c helpers/selfservice.h helpers/setuid.c helpers/setuid.h \
	helpers/cli.c helpers/cli.h
bin_PROGRAMS += helpers/practicerunner-enroll
helpers_practicerunner_enroll_SOURCES = $(ENROLL_SOURCES)
helpers_practicerunner_enroll_CPPFLAGS = $(HELPER_CPPFLAGS)
helpers_practicerunner_enroll_LDADD = lib/libpracticerunner.la lib/libpr_hid.la

# practicerunner-recover: setuid root, recovery of the calling user's account.
RECOVER_SOURCES = helpers/recover.c helpers/selfservice.c helpers/selfservice.h helpers/setuid.c helpers/setuid.h \
	helpers/cli.c helpers/cli.h
bin_PROGRAMS += helpers/practicerunner-recover
helpers_practicerunner_recover_SOURCES = $(RECOVER_SOURCES)
helpers_practicerunner_recover_CPPFLAGS = $(HELPER_CPPFLAGS)
helpers_practicerunner_recover_LDADD = lib/libpracticerunner.la lib/libpr_hid.la

# practicerunner-verify: setuid root, the module's backend as an ordinary user.
VERIFY_SOURCES = helpers/verify.c helpers/setuid.c helpers/setuid.h helpers/cli.c helpers/cli.h
sbin_PROGRAMS += helpers/practicerunner-verify
helpers_practicerunner_verify_SOURCES = $(VERIFY_SOURCES)
helpers_practicerunner_verify_CPPFLAGS = $(HELPER_CPPFLAGS)
helpers_practicerunner_verify_LDADD = lib/libpracticerunner.la lib/libpr_hid.la

# Programs installed setuid root: the one list for `make install`. Packages
# keep their own explicit lists (debian/rules SETUID_HELPERS, the %attr lines
# in rpm/practicerunner.spec) and debian/rules checks it matches this one.
# The hook only sets the mode (it works unprivileged, under fakeroot and
# DESTDIR); the owner is the installer's: packages make it root, and dpkg
# applies any dpkg-statoverride entry when it unpacks the files.
SETUID_INSTALLED = $(bindir)/practicerunner-enroll $(bindir)/practicerunner-recover \
	$(sbindir)/practicerunner-verify
install-exec-hook:
	for f in $(SETUID_INSTALLED); do chmod 4755 "$(DESTDIR)$$f" || exit 1; done

# practicerunner-authorized-keys: sshd's AuthorizedKeysCommand (run as root,
# not setuid; see the header of authorized_keys.c).
AUTHKEYS_SOURCES = helpers/authorized_keys.c
sbin_PROGRAMS += helpers/practicerunner-authorized-keys
helpers_practicerunner_authorized_keys_SOURCES = $(AUTHKEYS_SOURCES)
helpers_practicerunner_authorized_keys_CPPFLAGS = $(HELPER_CPPFLAGS)
helpers_practicerunner_authorized_keys_LDADD = lib/libpracticerunner.la lib/libpr_hid.la

# practicerunner-openvpn: OpenVPN 2.6's auth-user-pass-verify program
# (deferred authentication in the user's browser), run by OpenVPN, not by
# people: installed in $(libexecdir)/practicerunner/.
practicerunnerlibexecdir = $(libexecdir)/practicerunner
practicerunnerlibexec_PROGRAMS = helpers/practicerunner-openvpn
helpers_practicerunner_openvpn_SOURCES = helpers/openvpn.c
helpers_practicerunner_openvpn_CPPFLAGS = $(HELPER_CPPFLAGS)
helpers_practicerunner_openvpn_LDADD = lib/libpr_webauthn.la lib/libpracticerunner.la lib/libpr_hid.la
