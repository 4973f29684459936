/*
 * hidshim: softkey devices shown to an unmodified program as Linux hidraw
 * FIDO devices, at the level libfido2 reads them (doc/ARCHITECTURE.md
 * §10.2.1). An LD_PRELOAD library for tests only: never installed, never
 * linked into a release binary.
 *
 *   hidshim_devices.c  the device list (environment or fixed file), modes,
 *                      report descriptors, the event log
 *   hidshim_udev.c     libudev: enumeration of subsystem "hidraw", devnode,
 *                      the hid and usb_device parents' attributes
 *   hidshim_fd.c       open/openat, fstat, ioctl(HIDIOCGRDESC*, HIDIOCGRAWINFO),
 *                      close on the virtual device nodes
 *   hidshim_server.c   the other end of an open device: CTAPHID reports
 *                      served by the softkey, per the device's mode
 *
 * An open device is one end of a SOCK_SEQPACKET socket pair, so the
 * program's own read, write, poll and ppoll work on a real descriptor and
 * one report stays one packet.
 */
#ifndef HIDSHIM_H
#define HIDSHIM_H

#include <stdbool.h>
#include <stddef.h>

#define HIDSHIM_MAX_DEVICES 32
#define HIDSHIM_DEVNODE_PREFIX "/dev/hidraw"
#define HIDSHIM_SYSPATH_PREFIX "/sys/devices/virtual/hidshim/hidraw"

enum hidshim_mode {
	HIDSHIM_NORMAL,   /* the softkey as it is */
	HIDSHIM_STALL,    /* answers INIT, then never anything again */
	HIDSHIM_GARBAGE,  /* answers INIT, then malformed frames */
	HIDSHIM_UNPLUG,   /* pulled out shortly after its unplug_after-th request */
	HIDSHIM_NONFIDO,  /* a hidraw device of another usage page (a keyboard) */
};

struct hidshim_dev {
	char state[512];          /* softkey state file (unused for NONFIDO) */
	enum hidshim_mode mode;
	unsigned unplug_after;    /* HIDSHIM_UNPLUG: requests answered before */
};

/* The devices, parsed once; n is 0 when none are configured. */
struct hidshim_config {
	struct hidshim_dev dev[HIDSHIM_MAX_DEVICES];
	size_t n;
	char log[512];            /* event log, or "" */
};

const struct hidshim_config *hidshim_config(void);
/* The device index of "/dev/hidrawN" or "…/hidshim/hidrawN", or -1. */
int hidshim_index(const char *path, const char *prefix);
/* The report descriptor a device of this mode returns. */
const unsigned char *hidshim_rdesc(enum hidshim_mode mode, size_t *len);
/* One line "hidrawN WHAT" appended to the event log, if there is one. */
void hidshim_log(size_t idx, const char *what);

/* Serve device idx on sock from a new thread; false if none could start. */
bool hidshim_serve(size_t idx, int sock);

#endif
