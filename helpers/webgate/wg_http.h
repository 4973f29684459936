/* The unprivileged side's pieces (webgate.h). */
#ifndef PR_WG_HTTP_H
#define PR_WG_HTTP_H

#include <stddef.h>

#include "webauthn/wa_proto.h"

/*
 * A POST to path (/api/options, /api/get, /api/enroll-options,
 * /api/create, /api/approve-options) with its JSON body: asked of the parent over chan, and the
 * JSON answer (malloc'd) with its HTTP status in *status.
 */
char *wg_api(int chan, const char *path, const char *body, size_t len,
    const char *rhost, const char *user_agent, int *status);

#endif
