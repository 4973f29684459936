/*
 * Enrollment from the browser with an invitation (doc/ARCHITECTURE.md
 * §4.8, §6.1): the invitation is checked when the page asks for creation
 * options, and consumed only once the new key's record is on file, as
 * practicerunner-enroll does (lib/keychange.c).
 */
#ifndef PR_WG_ENROLL_H
#define PR_WG_ENROLL_H

#include <stdint.h>

#include "wg_verify.h"

/* op=enroll: the creation options of a new pending enrollment, or the refusal. */
char *wg_enroll_options(struct wg_verifier *v, const struct pr_wa_req *q);

/* op=create: the registration judged, classified, stored and recorded. */
char *wg_enroll_create(struct wg_verifier *v, const struct pr_wa_req *q);

/* wg_verify.c: a result line (malloc'd). */
char *wg_result(int err, int cls, uint8_t flags, uint32_t sign_count);

#endif
