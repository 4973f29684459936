/* Choosing one device among several: the one the user touches. */
#ifndef PR_SELECT_H
#define PR_SELECT_H

#include <stddef.h>

#include "transport.h"

/*
 * Wait up to timeout_ms for a touch on any of the devices listed in
 * candidates (indexes into devs); cancel the request on every other device
 * once one answers. PR_OK with *chosen set, PR_ERR_TIMEOUT, or PR_ERR_DEVICE.
 */
int pr_select_by_touch(const struct pr_devices *devs, const size_t *candidates,
    size_t n_candidates, int timeout_ms, size_t *chosen);


#endif
