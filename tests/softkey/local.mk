# The softkey: a software FIDO2 authenticator for tests (doc/ARCHITECTURE.md
# §10.2), its control program and its own tests. Test builds only: nothing here
# is installed, and no release target links it.

# Where the test CA lives; compiled into test programs only.
SOFTKEY_CA_FLAGS = \
	-DSOFTKEY_CA_PEM='"$(abs_top_srcdir)/tests/softkey/test-ca.pem"' \
	-DSOFTKEY_CA_KEY='"$(abs_top_srcdir)/tests/softkey/test-ca.key"'

# The device, plus lib/transport.h for test builds (transport_softkey.c).
check_LTLIBRARIES += tests/softkey/libpr_softkey.la
tests_softkey_libpr_softkey_la_SOURCES = \
	tests/softkey/softkey.h \
	tests/softkey/softkey_attcert.c \
	tests/softkey/softkey_attstmt.c \
	tests/softkey/softkey_cbor.c \
	tests/softkey/softkey_cred.c \
	tests/softkey/softkey_crypto.c \
	tests/softkey/softkey_ctap2.c \
	tests/softkey/softkey_ctaphid.c \
	tests/softkey/softkey_getassert.c \
	tests/softkey/softkey_import.c \
	tests/softkey/softkey_makecred.c \
	tests/softkey/softkey_pin.c \
	tests/softkey/softkey_profile.c \
	tests/softkey/softkey_provision.c \
	tests/softkey/softkey_session.c \
	tests/softkey/softkey_state.c \
	tests/softkey/softkey_store.c \
	tests/softkey/softkey_u2f.c \
	tests/softkey/transport_softkey.c
tests_softkey_libpr_softkey_la_CPPFLAGS = $(AM_CPPFLAGS) $(SOFTKEY_CA_FLAGS)
tests_softkey_libpr_softkey_la_CFLAGS = $(AM_CFLAGS) $(LIBCBOR_CFLAGS)
tests_softkey_libpr_softkey_la_LIBADD = $(LIBCBOR_LIBS) $(LIBFIDO2_LIBS) \
	$(LIBCRYPTO_LIBS) -lpthread

# softkey-ctl add|set|show|import: make and adjust devices.
check_PROGRAMS += tests/softkey/softkey-ctl
tests_softkey_softkey_ctl_SOURCES = tests/softkey/softkey-ctl.c tests/softkey/softkey.h
tests_softkey_softkey_ctl_CPPFLAGS = $(AM_CPPFLAGS) $(SOFTKEY_CA_FLAGS)
tests_softkey_softkey_ctl_CFLAGS = $(AM_CFLAGS) $(LIBCBOR_CFLAGS)
tests_softkey_softkey_ctl_LDADD = tests/softkey/libpr_softkey.la

# The softkey's own tests: libfido2 against every profile, raw frames and
# malformed requests, the state file, the transport. TAP on stdout.
if HAVE_CHECK
check_PROGRAMS += tests/softkey/check_softkey
TESTS += tests/softkey/check_softkey
tests_softkey_check_softkey_SOURCES = \
	tests/softkey/check_softkey.c \
	tests/softkey/check_softkey.h \
	tests/softkey/check_softkey_fido.c \
	tests/softkey/check_softkey_fido_pin.c \
	tests/softkey/check_softkey_fido_touch.c \
	tests/softkey/check_softkey_hid.c \
	tests/softkey/check_softkey_import.c \
	tests/softkey/check_softkey_state.c \
	tests/softkey/check_softkey_transport.c \
	tests/softkey/softkey.h
tests_softkey_check_softkey_CPPFLAGS = $(AM_CPPFLAGS) $(SOFTKEY_CA_FLAGS)
tests_softkey_check_softkey_CFLAGS = $(AM_CFLAGS) $(LIBCBOR_CFLAGS) $(CHECK_CFLAGS)
tests_softkey_check_softkey_LDADD = tests/softkey/libpr_softkey.la $(CHECK_LIBS)
endif

# softkey-ctl's own test: what it makes and shows, every bad use refused.
TESTS += tests/softkey/softkey_ctl.sh
dist_check_SCRIPTS += tests/softkey/softkey_ctl.sh

EXTRA_DIST += \
	tests/softkey/test-ca.pem \
	tests/softkey/test-ca.key \
	tests/softkey/make-test-ca.sh

# libsk-softkey.so: an OpenSSH SecurityKeyProvider over softkey devices, so
# real ssh-keygen/ssh make and use FIDO SSH keys (-w / SecurityKeyProvider).
# Only the four sk_* entry points are exported.
check_LTLIBRARIES += tests/softkey/libsk-softkey.la
tests_softkey_libsk_softkey_la_SOURCES = tests/softkey/sk_provider.c \
	tests/softkey/sk_api.h tests/softkey/softkey.h
tests_softkey_libsk_softkey_la_CPPFLAGS = $(AM_CPPFLAGS) $(SOFTKEY_CA_FLAGS)
tests_softkey_libsk_softkey_la_CFLAGS = $(AM_CFLAGS) $(LIBCBOR_CFLAGS)
tests_softkey_libsk_softkey_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere \
	-export-symbols-regex '^sk_(api_version|enroll|sign|load_resident_keys)$$'
tests_softkey_libsk_softkey_la_LIBADD = tests/softkey/libpr_softkey.la
