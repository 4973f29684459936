# Benchmarks (`make bench`, bench/run.sh): each bench/*.sh prints one table,
# and run.sh a summary at the end. Timings never live in `make check`; the
# C programs are check programs only so that `make check` keeps them
# compiling.
BENCH_PROGS = bench/bench_signin bench/bench_audit bench/bench_codes bench/bench_nokey
check_PROGRAMS += $(BENCH_PROGS)
BENCH_SOURCES = bench/benchlib.c bench/benchlib.h
BENCH_LDADD = lib/libpracticerunner.la tests/softkey/libpr_softkey.la

# Linked with the softkey transport, like tests/softkey-build; --wrap counts
# the time spent inside the softkey and waiting for the disk (fsync,
# renameat), and mutes syslog.
bench_bench_signin_SOURCES = bench/bench_signin.c $(BENCH_SOURCES)
bench_bench_signin_CPPFLAGS = $(AM_CPPFLAGS) $(SOFTKEY_CA_FLAGS) -iquote $(top_srcdir)/tests/softkey
bench_bench_signin_CFLAGS = $(AM_CFLAGS) $(LIBCBOR_CFLAGS)
bench_bench_signin_LDFLAGS = -Wl,--wrap=sk_io_open,--wrap=sk_io_close,--wrap=sk_io_read \
	-Wl,--wrap=sk_io_write,--wrap=fsync,--wrap=renameat,--wrap=syslog
bench_bench_signin_LDADD = $(BENCH_LDADD)

# Audit: a 1,000,000-record log through pr_audit_format + pr_audit_chain,
# and append throughput through pr_audit_append (syslog muted).
bench_bench_audit_SOURCES = bench/bench_audit.c $(BENCH_SOURCES)
bench_bench_audit_LDFLAGS = -Wl,--wrap=syslog
bench_bench_audit_LDADD = $(BENCH_LDADD)

# Recovery codes: pr_codes_consume of a wrong and a right code.
bench_bench_codes_SOURCES = bench/bench_codes.c $(BENCH_SOURCES)
bench_bench_codes_LDADD = $(BENCH_LDADD)

# A failed sign-in with no key attached, the release module beside pam_u2f:
# populations in both formats, and whole pamrun processes timed (wait4).
bench_bench_nokey_SOURCES = bench/bench_nokey.c $(BENCH_SOURCES)
bench_bench_nokey_LDADD = $(BENCH_LDADD)

EXTRA_DIST += bench/run.sh bench/helper_path.sh bench/signin.sh bench/scaling.sh \
	bench/audit.sh bench/codes.sh bench/nokey.sh bench/coverage.sh bench/flood.sh bench/directory.sh \
	bench/webgate.sh bench/webgate_load.py \
	bench/RESULTS.md
