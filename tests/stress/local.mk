# Stress tests (tests/stress/): too slow for make check, run by make stress
# and by CI after make check. Both speak TAP.
STRESS_TESTS = \
	tests/stress/concurrency.sh \
	tests/stress/crash.sh
dist_check_SCRIPTS += $(STRESS_TESTS)

# The writer crash.sh kills, and its checker.
check_PROGRAMS += tests/stress/crashwriter
tests_stress_crashwriter_SOURCES = tests/stress/crashwriter.c
tests_stress_crashwriter_LDADD = $(SOFTKEY_LIBS) $(LIBCRYPTO_LIBS)

# make stress: the test programs first, as make check builds them.
.PHONY: stress
stress: all $(check_PROGRAMS) $(check_LTLIBRARIES) $(check_DATA)
	@rc=0; for t in $(STRESS_TESTS); do \
		echo "=== $$t"; \
		top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
			$(SHELL) $(top_srcdir)/$$t || rc=1; \
	done; exit $$rc
