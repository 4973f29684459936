/*
 * The web gate's verifier protocol (lib/webauthn/wa_proto.c): the request
 * the root-side verifier reads from the unprivileged gate, and the result
 * line the gate reads back. What parses must format and parse again to
 * the same value.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "webauthn/wa_proto.h"

static bool blob_same(const struct pr_wa_blob *a, const struct pr_wa_blob *b)
{
	return a->given == b->given && a->len == b->len &&
	    (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

static bool req_same(const struct pr_wa_req *a, const struct pr_wa_req *b)
{
	return a->op == b->op && strcmp(a->pending, b->pending) == 0 &&
	    strcmp(a->rhost, b->rhost) == 0 && strcmp(a->user_agent, b->user_agent) == 0 &&
	    strcmp(a->user, b->user) == 0 && strcmp(a->invitation, b->invitation) == 0 &&
	    blob_same(&a->client_data, &b->client_data) &&
	    blob_same(&a->credential, &b->credential) &&
	    blob_same(&a->authenticator_data, &b->authenticator_data) &&
	    blob_same(&a->signature, &b->signature) &&
	    blob_same(&a->user_handle, &b->user_handle) &&
	    blob_same(&a->attestation, &b->attestation);
}

static void request(const uint8_t *data, size_t size)
{
	struct pr_wa_req q, q2;
	char *text = NULL;
	size_t len = 0;

	if (pr_wa_req_parse((const char *)data, size, &q, NULL) != PR_OK)
		return;
	/* An approval names a person, never a pending id or a response (wa_proto.h). */
	if (q.op == PR_WA_OP_APPROVE && (q.pending[0] != '\0' || q.client_data.given ||
	    q.credential.given || q.invitation[0] != '\0'))
		__builtin_trap();
	if (pr_wa_req_format(&q, &text, &len) != PR_OK ||
	    pr_wa_req_parse(text, len, &q2, NULL) != PR_OK || !req_same(&q, &q2))
		__builtin_trap();
	free(text);
	pr_wa_req_clear(&q);
	pr_wa_req_clear(&q2);
}

static void result(const uint8_t *data, size_t size)
{
	struct pr_wa_result r, r2;
	char line[PR_WA_RESULT_MAX], *text;
	size_t n;

	if ((text = malloc(size + 1)) == NULL)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	if (pr_wa_result_parse(text, &r, NULL) == PR_OK) {
		if (pr_wa_result_format(&r, line, sizeof(line)) != PR_OK ||
		    (n = strlen(line)) == 0 || line[n - 1] != '\n')
			__builtin_trap();
		line[n - 1] = '\0';
		if (pr_wa_result_parse(line, &r2, NULL) != PR_OK || r.err != r2.err ||
		    r.cls != r2.cls || r.flags != r2.flags || r.sign_count != r2.sign_count)
			__builtin_trap();
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	request(data, size);
	result(data, size);
	return 0;
}
