/*
 * The VPN side's one exchange on the web gate's control socket
 * (doc/ARCHITECTURE.md §4.8): connect, send a request made by
 * pr_wc_req_format, read the answer line pr_wc_answer_parse reads
 * (wa_control.h), all within one deadline. practicerunner-openvpn waits
 * here for a browser it does not control, so nothing may wait unbounded.
 */
#ifndef PR_WA_CTLCLIENT_H
#define PR_WA_CTLCLIENT_H

#include <stddef.h>

#include "err.h"

/*
 * Connect to the unix socket at path, send req, read one answer line
 * (newline removed) into line. Every step ends by timeout_ms after the
 * call: a gate that never answers cannot hold the caller. PR_ERR_IO
 * (cannot connect: is the gate running?; or it hung up), PR_ERR_TIMEOUT,
 * PR_ERR_CORRUPT (no line within size bytes, or a NUL in it).
 */
int pr_wa_ctl_call(const char *path, const char *req, int timeout_ms, char *line, size_t size,
    struct pr_errbuf *eb);

#endif
