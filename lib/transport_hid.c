/* Release transport: the HID authenticators libfido2 finds on this machine. */
#include "config.h"

#include <stdlib.h>

#include "err.h"
#include "transport.h"

static void devices_reset(struct pr_devices *d)
{
	d->n = 0;
	for (size_t i = 0; i < PR_MAX_DEVICES; i++)
		d->dev[i] = NULL;
}

/*
 * How long a device may take to answer CTAPHID_INIT and getInfo when
 * opened. libfido2 waits without limit by default, so one attached device
 * that never answers would hang every sign-in (doc/ARCHITECTURE.md §10.2.1).
 */
#define OPEN_TIMEOUT_MS 3000

/*
 * Open one enumerated device; a device that will not open in time is
 * skipped (unplugged mid-scan, or not answering).
 */
static void device_try_open(struct pr_devices *out, const fido_dev_info_t *di)
{
	fido_dev_t *dev = NULL;

	if ((dev = fido_dev_new()) == NULL)
		return;
	if (fido_dev_set_timeout(dev, OPEN_TIMEOUT_MS) != FIDO_OK ||
	    fido_dev_open(dev, fido_dev_info_path(di)) != FIDO_OK) {
		fido_dev_free(&dev);
		return;
	}
	(void)fido_dev_set_timeout(dev, -1);  /* each request sets its own */
	out->dev[out->n++] = dev;
}

int pr_devices_open(struct pr_devices *out)
{
	fido_dev_info_t *list = NULL;
	size_t found = 0;
	int r;

	devices_reset(out);
	if ((list = fido_dev_info_new(PR_MAX_DEVICES)) == NULL)
		return PR_ERR_NOMEM;
	if (fido_dev_info_manifest(list, PR_MAX_DEVICES, &found) != FIDO_OK) {
		r = PR_ERR_DEVICE;
		goto out;
	}
	for (size_t i = 0; i < found && out->n < PR_MAX_DEVICES; i++)
		device_try_open(out, fido_dev_info_ptr(list, i));
	r = PR_OK;
out:
	fido_dev_info_free(&list, PR_MAX_DEVICES);
	return r;
}

void pr_devices_close(struct pr_devices *d)
{
	for (size_t i = 0; i < d->n; i++) {
		fido_dev_close(d->dev[i]);
		fido_dev_free(&d->dev[i]);
	}
	d->n = 0;
}

int pr_transport_add_anchors(X509_STORE *store)
{
	(void)store;
	return PR_OK;
}

void pr_transport_test_point(const char *point)
{
	(void)point;  /* release builds have no test points */
}

const char *pr_transport_name(void)
{
	return "hid";
}
