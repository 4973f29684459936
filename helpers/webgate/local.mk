# practicerunner-webgate: the web gate daemon (doc/ARCHITECTURE.md §4.8).
# Its page is installed as files under $(pkgdatadir)/webgate and read by
# the root parent at start, before the fork: administrators can read what
# the gate serves, and the page can be reviewed and changed without a
# rebuild; the HTTP side never opens a file after its drop.
WEBGATE_SOURCES = helpers/webgate/webgate.c helpers/webgate/webgate.h \
	helpers/webgate/wg_chan.c helpers/webgate/wg_control.c helpers/webgate/wg_listen.c helpers/webgate/wg_parent.c \
	helpers/webgate/wg_verify.c helpers/webgate/wg_verify.h \
	helpers/webgate/wg_options.c helpers/webgate/wg_enroll.c helpers/webgate/wg_enroll.h \
	helpers/webgate/wg_approve.c helpers/webgate/wg_approve.h \
	helpers/webgate/wg_secret.c helpers/webgate/wg_secret.h \
	helpers/webgate/wg_http.c helpers/webgate/wg_http.h helpers/webgate/wg_api.c
sbin_PROGRAMS += helpers/practicerunner-webgate
helpers_practicerunner_webgate_SOURCES = $(WEBGATE_SOURCES)
helpers_practicerunner_webgate_CPPFLAGS = $(AM_CPPFLAGS) -iquote $(top_srcdir)/helpers/webgate \
	-DPR_WEBGATE_PAGE_DIR='"$(pkgdatadir)/webgate"'
helpers_practicerunner_webgate_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(MHD_CFLAGS)
helpers_practicerunner_webgate_LDADD = lib/libpr_webauthn.la lib/libpracticerunner.la \
	lib/libpr_hid.la $(JSONC_LIBS) $(MHD_LIBS) -lpthread

webgatedir = $(pkgdatadir)/webgate
dist_webgate_DATA = helpers/webgate/page/gate.html helpers/webgate/page/gate.js \
	helpers/webgate/page/gate.css helpers/webgate/page/approve.html
