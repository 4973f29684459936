/*
 * The verify helper's pipe protocol (lib/verify_proto.c): the request the
 * setuid helper reads from the module, and the result line the module
 * reads back. Both parsers see every input; what parses must format and
 * parse again to the same value.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "verify_proto.h"

static void request(const uint8_t *data, size_t size)
{
	struct pr_verify_req q, q2;
	struct pr_errbuf eb = { 0 };
	char *text = NULL;
	size_t len = 0;

	memset(&q, 0, sizeof(q));
	memset(&q2, 0, sizeof(q2));
	if (pr_verify_req_parse((const char *)data, size, &q, &eb) != PR_OK)
		return;
	if (pr_verify_req_format(&q, &text, &len) != PR_OK ||
	    pr_verify_req_parse(text, len, &q2, &eb) != PR_OK ||
	    memcmp(&q, &q2, sizeof(q)) != 0)
		__builtin_trap();
	free(text);
}

static void result(const uint8_t *data, size_t size)
{
	struct pr_verify_result res, res2;
	struct pr_errbuf eb = { 0 };
	char line[PR_VERIFY_LINE_MAX];
	char *text;
	size_t n;

	/* A line as pr_read_line gives it: NUL-terminated, newline removed. */
	if ((text = malloc(size + 1)) == NULL)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&res, 0, sizeof(res));
	memset(&res2, 0, sizeof(res2));
	if (pr_verify_result_parse(text, &res, &eb) == PR_OK) {
		if (pr_verify_result_format(&res, line, sizeof(line)) != PR_OK ||
		    (n = strlen(line)) == 0 || line[n - 1] != '\n')
			__builtin_trap();
		line[n - 1] = '\0';
		if (pr_verify_result_parse(line, &res2, &eb) != PR_OK ||
		    memcmp(&res, &res2, sizeof(res)) != 0)
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
