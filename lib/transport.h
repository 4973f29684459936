/*
 * Attached authenticators. Release builds enumerate HID devices
 * (transport_hid.c); test builds link tests/softkey/transport_softkey.c
 * instead, which opens software authenticators through libfido2's custom
 * I/O functions. Exactly one of the two is linked into a program.
 */
#ifndef PR_TRANSPORT_H
#define PR_TRANSPORT_H

#include <stddef.h>

#include <fido.h>
#include <openssl/x509.h>

#define PR_MAX_DEVICES 16

struct pr_devices {
	fido_dev_t *dev[PR_MAX_DEVICES];
	size_t n;
};

/* Open every attached authenticator. PR_OK with n == 0 when none is attached. */
int pr_devices_open(struct pr_devices *out);
void pr_devices_close(struct pr_devices *d);

/*
 * Attestation roots built into this program in addition to the configured
 * trust anchors: none in release builds; the softkey test CA in test builds.
 */
int pr_transport_add_anchors(X509_STORE *store);

/*
 * A named point in a flow where tests stop or end the program, to prove
 * what a kill there leaves behind (doc/ARCHITECTURE.md §8.3). Here because
 * the transport is the one part that differs between release and test
 * builds: release builds do nothing; test builds act on
 * PRACTICERUNNER_TEST_POINT="<point>:kill" (SIGKILL) or "<point>:stop"
 * (SIGSTOP, for as long as the test wants), which the setuid helpers keep
 * for a trusted caller only.
 */
void pr_transport_test_point(const char *point);

/* "hid" or "softkey": which transport this program was linked with. */
const char *pr_transport_name(void);

#endif
