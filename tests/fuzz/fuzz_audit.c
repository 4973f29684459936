/*
 * Audit records (lib/audit_verify.c): pr_audit_verify on a log file and, when the
 * input has one, its head file. Input: LOG, or LOG ending in "\n" followed
 * by "#head\n" and the head file's text; "#head\n" first: no log at all.
 * Every refusal must say why (a damaged head file names no record).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "err.h"
#include "fuzz.h"

#define SEP "#head\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char log[4096];
	const uint8_t *sep = NULL;
	struct pr_errbuf eb = { 0 };
	long bad = -1, n = -1;
	size_t log_len = size;
	int r;

	if (log[0] == '\0')
		snprintf(log, sizeof(log), "%s/audit.log", fuzz_dir());
	if (size >= strlen(SEP) && memcmp(data, SEP, strlen(SEP)) == 0)
		sep = data;
	else if ((sep = memmem(data, size, "\n" SEP, strlen(SEP) + 1)) != NULL)
		sep++;  /* the log keeps its last newline */
	if (sep != NULL) {
		log_len = (size_t)(sep - data);
		fuzz_write("audit.log.head", sep + strlen(SEP),
		    size - log_len - strlen(SEP), 0600);
	}
	if (sep != data)
		fuzz_write("audit.log", data, log_len, 0600);
	r = pr_audit_verify(log, &bad, &n, &eb);
	if (bad < 0 || n < 0 || (r != PR_OK && eb.msg[0] == '\0'))
		__builtin_trap();
	fuzz_remove("audit.log");
	fuzz_remove("audit.log.head");
	return 0;
}
