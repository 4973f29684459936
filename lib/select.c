/* Touch selection among several authenticators (libfido2's touch requests). */
#include "config.h"

#include <stdbool.h>
#include <time.h>

#include "err.h"
#include "select.h"
#include "util.h"

#define TOUCH_POLL_MS 50

/* Cancel the pending touch request on every candidate but keep. */
static void cancel_others(const struct pr_devices *devs, const size_t *cand,
    const bool *started, size_t n, size_t keep)
{
	for (size_t i = 0; i < n; i++)
		if (started[i] && cand[i] != keep)
			fido_dev_cancel(devs->dev[cand[i]]);
}

/* One polling round: PR_OK and *chosen when a device was touched; PR_ERR_NOT_FOUND if none yet. */
static int poll_round(const struct pr_devices *devs, const size_t *cand,
    bool *started, size_t n, size_t *chosen)
{
	int touched = 0;
	size_t alive = 0;

	for (size_t i = 0; i < n; i++) {
		if (!started[i])
			continue;
		if (fido_dev_get_touch_status(devs->dev[cand[i]], &touched,
		    TOUCH_POLL_MS) != FIDO_OK) {
			started[i] = false;     /* unplugged or refused */
			continue;
		}
		alive++;
		if (touched) {
			*chosen = cand[i];
			return PR_OK;
		}
	}
	return alive > 0 ? PR_ERR_NOT_FOUND : PR_ERR_DEVICE;
}

int pr_select_by_touch(const struct pr_devices *devs, const size_t *cand,
    size_t n, int timeout_ms, size_t *chosen)
{
	bool started[PR_MAX_DEVICES] = { false };
	int64_t deadline = pr_monotonic_ms() + timeout_ms;
	int r = PR_ERR_TIMEOUT;
	int p;

	if (n == 0 || n > PR_MAX_DEVICES)
		return PR_ERR_INVALID_ARG;
	for (size_t i = 0; i < n; i++)
		started[i] = fido_dev_get_touch_begin(devs->dev[cand[i]]) == FIDO_OK;
	while (pr_monotonic_ms() < deadline) {
		if ((p = poll_round(devs, cand, started, n, chosen)) != PR_ERR_NOT_FOUND) {
			r = p;
			break;
		}
	}
	cancel_others(devs, cand, started, n, r == PR_OK ? *chosen : (size_t)-1);
	return r;
}
