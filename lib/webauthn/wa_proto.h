/*
 * The socket protocol between practicerunner-webgate (unprivileged; it
 * never reads the store) and the root-side WebAuthn verifier, version 1:
 * text, one item a line, like practicerunner-verify's (verify_proto.h).
 * doc/ARCHITECTURE.md §4.8.
 *
 * The request, gate to verifier, at most PR_WA_REQ_MAX bytes:
 *
 *   practicerunner-webauthn 1
 *   op=options|get|enroll|create|approve
 *   pending=HEX32          options, get, enroll, create: the pending id (128
 *                          bits, lower-case hex) of a sign-in the VPN side
 *                          made (an enrollment happens only inside one, for
 *                          its user) or of an approval
 *   user=NAME              approve: the account the person typed
 *   invitation=TEXT        enroll: the invitation token the person typed
 *   rhost=TEXT             the browser's address, as the gate saw it
 *   user_agent=TEXT        for the record (TEXT: printable ASCII without '=',
 *                          at most PR_WA_TEXT_MAX bytes, may be empty)
 *   client_data=B64        get, create: clientDataJSON
 *   credential=B64         get: rawId
 *   authenticator_data=B64 get
 *   signature=B64          get
 *   [user_handle=B64]      get, optional (may be empty)
 *   attestation=B64        create: attestationObject
 *   <empty line>
 *
 * B64 is unpadded base64url, each value within the bounds of wa_bounds.h.
 * Every key a request's op needs exactly once, in any order; a key the op
 * does not take, a key twice, or anything else refuses the request.
 *
 * The verifier answers one line:
 *
 *   result REASON class=NAME|- flags=0xHH sign_count=N
 *
 * or, to options, enroll and approve when they succeed, "options "
 * followed by the publicKey options as one line of JSON (the page's
 * answer, made by the verifier with json-c; for enroll, the creation
 * options of the key to enroll inside that pending sign-in; for approve,
 * the request options of the new pending approval). A get that answers an
 * approval and leaves a grant is answered the same way, with the page's
 * {"result":"ok","message":...}: the sentence names the grant's lifetime,
 * which only the verifier knows.
 *
 * REASON is "ok" or a failure's reason token (pr_err_reason), so the gate
 * words and records refusals as the console does.
 */
#ifndef PR_WA_PROTO_H
#define PR_WA_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define PR_WA_REQ_MAX 32768
#define PR_WA_TEXT_MAX 255
#define PR_WA_PENDING_HEX 32
#define PR_WA_RESULT_MAX 128
#define PR_WA_NAME_MAX 64
#define PR_WA_OPTIONS_PREFIX "options "
#define PR_WA_ANSWER_MAX 16384

enum pr_wa_op {
	PR_WA_OP_OPTIONS = 0,   /* the challenge and allowed credentials for a pending id */
	PR_WA_OP_GET,           /* a sign-in response */
	PR_WA_OP_CREATE,        /* an enrollment response */
	PR_WA_OP_ENROLL,        /* an invitation typed on a pending sign-in's page: creation options */
	PR_WA_OP_APPROVE,       /* a name: the request options of a new pending approval (§4.9) */
};

struct pr_wa_blob {
	unsigned char *p;       /* malloc'd; NULL when not given */
	size_t len;
	bool given;             /* the key was present (a value may be empty) */
};

struct pr_wa_req {
	enum pr_wa_op op;
	char pending[PR_WA_PENDING_HEX + 1];
	char user[PR_WA_NAME_MAX + 1];           /* approve: the name typed */
	char rhost[PR_WA_TEXT_MAX + 1];
	char user_agent[PR_WA_TEXT_MAX + 1];
	char invitation[PR_WA_TEXT_MAX + 1];     /* a secret: wiped by pr_wa_req_clear */
	struct pr_wa_blob client_data, credential, authenticator_data, signature,
	    user_handle, attestation;
};

struct pr_wa_result {
	int err;                /* PR_OK or PR_ERR_* */
	int cls;                /* enum pr_class of the key, -1: none */
	uint8_t flags;          /* signed authenticator data flags, 0: none */
	uint32_t sign_count;
};

/* Parse a whole request (text up to and including its empty line); q to pr_wa_req_clear. */
int pr_wa_req_parse(const char *text, size_t len, struct pr_wa_req *q, struct pr_errbuf *eb);

/* The request as text (malloc'd into *out, *len bytes). PR_ERR_INVALID_ARG when a field cannot be sent. */
int pr_wa_req_format(const struct pr_wa_req *q, char **out, size_t *len);

void pr_wa_req_clear(struct pr_wa_req *q);

/* The result line, newline included, into buf. */
int pr_wa_result_format(const struct pr_wa_result *r, char *buf, size_t size);

/* Parse a result line (without its newline). PR_ERR_CORRUPT when malformed. */
int pr_wa_result_parse(const char *line, struct pr_wa_result *r, struct pr_errbuf *eb);

#endif
