# The PAM module: only pam_sm_* are exported.
PAM_MODULE_SOURCES = pam/pam_practicerunner.c pam/module.h pam/conv.c \
	pam/outcome.c pam/record.c pam/recover.c pam/breakglass.c pam/helper.c pam/session.c pam/ssh.c pam/grant.c
# The verify helper the module runs as an ordinary user: its installed path.
PAM_MODULE_CPPFLAGS = $(AM_CPPFLAGS) -DPR_VERIFY_HELPER='"$(sbindir)/practicerunner-verify"'
# -z nodelete: pam_end() unloads modules, but the libraries we bring in
# (libldap and its TLS library, libfido2, libcrypto) keep thread-local and
# process-wide state; unloading and reloading them in a long-lived host
# (sshd, gdm, xrdp-sesman) leaves stale TLS slots behind.  Stay loaded.
PAM_MODULE_LDFLAGS = -module -avoid-version -shared -Wl,-z,nodelete -export-symbols-regex '^pam_sm_'

pammod_LTLIBRARIES += pam/pam_practicerunner.la
pam_pam_practicerunner_la_SOURCES = $(PAM_MODULE_SOURCES)
pam_pam_practicerunner_la_CPPFLAGS = $(PAM_MODULE_CPPFLAGS)
pam_pam_practicerunner_la_LDFLAGS = $(PAM_MODULE_LDFLAGS)
pam_pam_practicerunner_la_LIBADD = lib/libpracticerunner.la lib/libpr_hid.la $(PAM_LIBS)
