# Administration and helper programs.
ADMIN_SOURCES = helpers/admin.c helpers/admin.h helpers/admin_policy.c \
	helpers/admin_keys.c helpers/admin_audit.c helpers/admin_invite.c \
	helpers/admin_coverage.c helpers/admin_import.c helpers/cli.c helpers/cli.h
HELPER_CPPFLAGS = $(AM_CPPFLAGS) -iquote $(top_srcdir)/helpers

sbin_PROGRAMS += helpers/practicerunner-admin
helpers_practicerunner_admin_SOURCES = $(ADMIN_SOURCES)
helpers_practicerunner_admin_CPPFLAGS = $(HELPER_CPPFLAGS)
helpers_practicerunner_admin_LDADD = lib/libpracticerunner.la lib/libpr_hid.la
