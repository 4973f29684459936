/*
 * The pipe protocol between pam_practicerunner running as the user and
 * practicerunner-verify (setuid root), version 1: text, one item a line.
 *
 * The request, module to helper, at most PR_VERIFY_REQ_MAX bytes:
 *
 *   practicerunner-verify 1
 *   phase=auth|account
 *   user=NAME
 *   service=TEXT       (TEXT: printable ASCII without '=', may be empty,
 *   tty=TEXT            at most PR_VERIFY_TEXT_MAX bytes; for the record)
 *   rhost=TEXT
 *   uv=0|1             (module option uv=required)
 *   step_up=0|1
 *   opportunistic=0|1
 *   timeout=0..600     (module option timeout=, 0: the policy's)
 *   [ruser=TEXT]       (optional: PAM_RUSER of a host whose real uid is 0;
 *                       honoured from a trusted caller only, refused from
 *                       any other, see helpers/verify.c)
 *   <empty line>
 *
 * every key exactly once (ruser at most once), in any order; anything else
 * refuses the request.
 * Then the helper writes "touch" (show the touch cue) and "pin" (the module
 * answers "pin VALUE" or "cancel"), and ends with one result line:
 *
 *   result REASON ignore=0|1 known=0|1 need=NAME enrolled=N class=NAME|- flags=0xHH
 *
 * REASON is "ok" or a failure's reason token (pr_err_reason); need and
 * enrolled let the module word its message as on the direct path; class
 * and flags are the evidence of the key used (class "-", flags 0x00: none).
 */
#ifndef PR_VERIFY_PROTO_H
#define PR_VERIFY_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "types.h"
#include "util.h"

#define PR_VERIFY_REQ_MAX 4096
#define PR_VERIFY_TEXT_MAX 255
#define PR_VERIFY_LINE_MAX 512      /* any line either way, newline included */
#define PR_VERIFY_PIN_MAX 255

struct pr_verify_req {
	bool account;                       /* phase=account */
	char user[PR_VERIFY_TEXT_MAX + 1];
	char service[PR_VERIFY_TEXT_MAX + 1];
	char tty[PR_VERIFY_TEXT_MAX + 1];
	char rhost[PR_VERIFY_TEXT_MAX + 1];
	bool uv_required;
	bool step_up;
	bool opportunistic;
	int timeout;
	bool has_ruser;                     /* ruser= was given */
	char ruser[PR_VERIFY_TEXT_MAX + 1];
};

struct pr_verify_result {
	int err;                /* PR_OK or PR_ERR_* */
	bool ignore;            /* no requirement: the stack decides */
	bool user_known;
	enum pr_need need;
	size_t enrolled;        /* credentials on file for the user */
	int cls;                /* enum pr_class of the key used, -1: none */
	uint8_t flags;          /* signed authenticator data flags, 0: none */
	int shown;              /* with ignore: the refusal the prompt shows (pr_signin.shown_err), 0: none */
};

/*
 * The request as text (malloc'd into *out, *len bytes). PR_ERR_INVALID_ARG
 * when a field cannot be sent (too long, not printable, '=' in it).
 */
int pr_verify_req_format(const struct pr_verify_req *q, char **out, size_t *len);

/* Parse a whole request (text up to and including its empty line). */
int pr_verify_req_parse(const char *text, size_t len, struct pr_verify_req *q,
    struct pr_errbuf *eb);

/* The result line, newline included, into buf. */
int pr_verify_result_format(const struct pr_verify_result *r, char *buf, size_t size);

/* Parse a result line (without its newline). PR_ERR_CORRUPT when malformed. */
int pr_verify_result_parse(const char *line, struct pr_verify_result *r,
    struct pr_errbuf *eb);

/*
 * Read one line from fd into buf (newline removed, NUL-terminated), waiting
 * at most until deadline_ms (CLOCK_MONOTONIC milliseconds). Bytes after the
 * newline stay in the pipe (read one at a time: lines are short and rare).
 * PR_OK; PR_ERR_TIMEOUT; PR_ERR_IO at end of input or on error;
 * PR_ERR_CORRUPT for a line longer than size - 1 or holding a NUL byte.
 */
int pr_read_line(int fd, char *buf, size_t size, int64_t deadline_ms);

/* Write all of buf to fd (a pipe: EPIPE is an error, not a signal). PR_OK or PR_ERR_IO. */
int pr_write_line(int fd, const char *buf, size_t len);

#endif
