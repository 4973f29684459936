/*
 * The web gate's control protocol (lib/webauthn/wa_control.c): requests
 * the root parent reads from the VPN side, and the answer lines the VPN
 * side reads back. What parses must format and parse again to the same
 * value.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "webauthn/wa_control.h"

static void request(const uint8_t *data, size_t size)
{
	struct pr_wc_req q, q2;
	char text[PR_WC_REQ_MAX + 1];

	if (pr_wc_req_parse((const char *)data, size, &q, NULL) != PR_OK)
		return;
	if (pr_wc_req_format(&q, text, sizeof(text)) != PR_OK ||
	    pr_wc_req_parse(text, strlen(text), &q2, NULL) != PR_OK ||
	    memcmp(&q, &q2, sizeof(q)) != 0)
		__builtin_trap();
}

static void answer(const uint8_t *data, size_t size)
{
	struct pr_wc_answer a, a2;
	char line[PR_WC_ANSWER_MAX], *text;
	size_t n;

	if ((text = malloc(size + 1)) == NULL)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	if (pr_wc_answer_parse(text, &a, NULL) == PR_OK) {
		if (pr_wc_answer_format(&a, line, sizeof(line)) != PR_OK ||
		    (n = strlen(line)) == 0 || line[n - 1] != '\n')
			__builtin_trap();
		line[n - 1] = '\0';
		if (pr_wc_answer_parse(line, &a2, NULL) != PR_OK || memcmp(&a, &a2, sizeof(a)) != 0)
			__builtin_trap();
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	request(data, size);
	answer(data, size);
	return 0;
}
