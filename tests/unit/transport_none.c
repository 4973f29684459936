/*
 * Transport for unit tests: no authenticators and no built-in trust
 * anchors, so a test sees exactly the anchors it configured.
 */
#include "config.h"

#include "err.h"
#include "transport.h"

int pr_devices_open(struct pr_devices *out)
{
	out->n = 0;
	for (size_t i = 0; i < PR_MAX_DEVICES; i++)
		out->dev[i] = NULL;
	return PR_OK;
}

void pr_devices_close(struct pr_devices *d)
{
	d->n = 0;
}

int pr_transport_add_anchors(X509_STORE *store)
{
	(void)store;
	return PR_OK;
}

void pr_transport_test_point(const char *point)
{
	(void)point;
}

const char *pr_transport_name(void)
{
	return "none";
}
