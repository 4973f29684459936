# libFuzzer harnesses, one per parser of outside input (configure
# --enable-fuzzing, CC=clang). `make fuzz` runs each for FUZZ_SECONDS on a
# scratch copy of its seed corpus (tests/fuzz/corpus/NAME) and fails on a
# crash, leak, timeout or sanitizer report; `make fuzz-ci` is the short run.
FUZZ_NAMES = config store audit attest sshkey sshattest pamu2f verify_proto token sshauthinfo \
	wa_clientdata wa_proto wa_control wa_assert
FUZZ_SECONDS = 300
FUZZ_CI_SECONDS = 30
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/dict tests/fuzz/mkseeds.py tests/fuzz/run.sh

if ENABLE_FUZZING
FUZZ_HARNESSES = tests/fuzz/fuzz_config tests/fuzz/fuzz_store tests/fuzz/fuzz_audit \
	tests/fuzz/fuzz_attest tests/fuzz/fuzz_sshkey tests/fuzz/fuzz_sshattest \
	tests/fuzz/fuzz_pamu2f tests/fuzz/fuzz_verify_proto tests/fuzz/fuzz_token \
	tests/fuzz/fuzz_sshauthinfo tests/fuzz/fuzz_wa_clientdata tests/fuzz/fuzz_wa_proto \
	tests/fuzz/fuzz_wa_control tests/fuzz/fuzz_wa_assert
noinst_PROGRAMS += $(FUZZ_HARNESSES)

# Scratch directory, trust anchors, source directory (fuzz.h).
noinst_LTLIBRARIES += tests/fuzz/libfuzzcommon.la
tests_fuzz_libfuzzcommon_la_SOURCES = tests/fuzz/common.c tests/fuzz/fuzz.h \
	tests/fuzz/anchors.c tests/fuzz/fuzz_anchors.h
tests_fuzz_libfuzzcommon_la_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_libfuzzcommon_la_CFLAGS = $(AM_CFLAGS) $(FUZZ_LIB_CFLAGS)
# The unit tests' "none" transport: no devices, no built-in anchors.
noinst_LTLIBRARIES += tests/fuzz/libfuzztransport.la
tests_fuzz_libfuzztransport_la_SOURCES = tests/unit/transport_none.c
tests_fuzz_libfuzztransport_la_CFLAGS = $(AM_CFLAGS) $(FUZZ_LIB_CFLAGS)

FUZZ_CPPFLAGS = $(AM_CPPFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'
# Static archives resolve left to right: users of lib/ first, its transport last.
FUZZ_LDADD = tests/fuzz/libfuzzcommon.la lib/libpracticerunner.la tests/fuzz/libfuzztransport.la
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c
tests_fuzz_fuzz_store_SOURCES = tests/fuzz/fuzz_store.c
tests_fuzz_fuzz_audit_SOURCES = tests/fuzz/fuzz_audit.c
tests_fuzz_fuzz_attest_SOURCES = tests/fuzz/fuzz_attest.c
tests_fuzz_fuzz_sshkey_SOURCES = tests/fuzz/fuzz_sshkey.c
tests_fuzz_fuzz_sshattest_SOURCES = tests/fuzz/fuzz_sshattest.c
tests_fuzz_fuzz_pamu2f_SOURCES = tests/fuzz/fuzz_pamu2f.c
tests_fuzz_fuzz_verify_proto_SOURCES = tests/fuzz/fuzz_verify_proto.c
tests_fuzz_fuzz_token_SOURCES = tests/fuzz/fuzz_token.c
tests_fuzz_fuzz_sshauthinfo_SOURCES = tests/fuzz/fuzz_sshauthinfo.c
tests_fuzz_fuzz_sshauthinfo_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_sshauthinfo_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_sshauthinfo_LDADD = $(FUZZ_LDADD)
# libFuzzer's main and the sanitizers for the harnesses only (FUZZ_CFLAGS).
tests_fuzz_fuzz_config_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_config_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_config_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_store_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_store_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_store_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_audit_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_audit_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_audit_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_attest_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_attest_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_attest_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_sshkey_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_sshkey_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_sshkey_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_sshattest_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_sshattest_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_sshattest_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_pamu2f_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_pamu2f_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_pamu2f_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_verify_proto_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_verify_proto_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_verify_proto_LDADD = $(FUZZ_LDADD)
# The web gate's verifier: its own library (json-c), then lib/.
FUZZ_WA_LDADD = tests/fuzz/libfuzzcommon.la lib/libpr_webauthn.la lib/libpracticerunner.la \
	tests/fuzz/libfuzztransport.la $(JSONC_LIBS)
tests_fuzz_fuzz_wa_clientdata_SOURCES = tests/fuzz/fuzz_wa_clientdata.c
tests_fuzz_fuzz_wa_clientdata_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_wa_clientdata_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_wa_clientdata_LDADD = $(FUZZ_WA_LDADD)
tests_fuzz_fuzz_wa_proto_SOURCES = tests/fuzz/fuzz_wa_proto.c
tests_fuzz_fuzz_wa_proto_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_wa_proto_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_wa_proto_LDADD = $(FUZZ_WA_LDADD)
tests_fuzz_fuzz_wa_control_SOURCES = tests/fuzz/fuzz_wa_control.c
tests_fuzz_fuzz_wa_control_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_wa_control_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_wa_control_LDADD = $(FUZZ_WA_LDADD)
# The assertion path, judged against the real assertion vectors (the unit tests' reader).
tests_fuzz_fuzz_wa_assert_SOURCES = tests/fuzz/fuzz_wa_assert.c tests/unit/vectors.c \
	tests/unit/vectors.h
tests_fuzz_fuzz_wa_assert_CPPFLAGS = $(FUZZ_CPPFLAGS) -I$(top_srcdir)/tests/unit
tests_fuzz_fuzz_wa_assert_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_wa_assert_LDADD = $(FUZZ_WA_LDADD)
tests_fuzz_fuzz_token_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_token_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_token_LDADD = $(FUZZ_LDADD)

# Every harness, FUZZ_JOBS at a time (tests/fuzz/run.sh; each is one
# process on one core); all run even when one fails.
FUZZ_JOBS = 2
fuzz: $(FUZZ_HARNESSES)
	@printf '%s\n' $(FUZZ_NAMES) | top_srcdir='$(abs_top_srcdir)' \
		xargs -P '$(FUZZ_JOBS)' -I '{}' $(SHELL) $(srcdir)/tests/fuzz/run.sh '{}' $(FUZZ_SECONDS) || \
		{ echo "fuzz: failed (the FAIL: lines above)"; exit 1; }
else
fuzz:
	@echo "fuzz: configure with CC=clang --enable-fuzzing first" >&2; exit 1
endif
fuzz-ci:
	$(MAKE) $(AM_MAKEFLAGS) fuzz FUZZ_SECONDS=$(FUZZ_CI_SECONDS)
.PHONY: fuzz fuzz-ci

clean-local: clean-fuzz
clean-fuzz:
	-rm -rf tests/fuzz/work tests/fuzz/artifacts tests/fuzz/*.log
.PHONY: clean-fuzz
