# The hidshim: softkey devices shown to unmodified programs as hidraw FIDO
# devices through LD_PRELOAD, so tests run the release module and helpers
# (lib/transport_hid.c and libfido2's own HID code) against a key
# (doc/ARCHITECTURE.md §10.2.1). Test builds only: check_LTLIBRARIES is never
# installed, and only the interposed names are exported.
check_LTLIBRARIES += tests/hidshim/libhidshim.la
tests_hidshim_libhidshim_la_SOURCES = \
	tests/hidshim/hidshim.h \
	tests/hidshim/hidshim_devices.c \
	tests/hidshim/hidshim_fd.c \
	tests/hidshim/hidshim_server.c \
	tests/hidshim/hidshim_udev.c
tests_hidshim_libhidshim_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/softkey
tests_hidshim_libhidshim_la_CFLAGS = $(AM_CFLAGS) $(LIBCBOR_CFLAGS)
tests_hidshim_libhidshim_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere \
	-export-symbols-regex '^(udev_.*|open|open64|__open_2|__open64_2|openat|openat64|__openat_2|fstat|fstat64|ioctl|close)$$'
tests_hidshim_libhidshim_la_LIBADD = tests/softkey/libpr_softkey.la -ldl -lpthread
