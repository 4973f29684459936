/*
 * SSH_AUTH_INFO_0 (lib/ssh/sshauthinfo.c): pr_sshauth_parse on the variable's
 * text; and the module's pam.d options (lib/modopts.c) split from the same
 * bytes, as sshd and an administrator are the two other sources of text
 * the module reads.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "modopts.h"
#include "ssh/sshauthinfo.h"

/* Up to 16 space-separated arguments, as PAM hands them to the module. */
static void fuzz_modopts(const uint8_t *data, size_t size)
{
	struct pr_modopts o;
	struct pr_errbuf eb = { 0 };
	const char *argv[16];
	char *text = malloc(size + 1), *save = NULL, *tok;
	int argc = 0;

	if (text == NULL)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	for (tok = strtok_r(text, " \t\n", &save); tok != NULL && argc < 16;
	    tok = strtok_r(NULL, " \t\n", &save))
		argv[argc++] = tok;
	/* A refusal always says why. */
	if (pr_modopts_parse(argc, argv, &o, &eb) != PR_OK && eb.msg[0] == '\0')
		__builtin_trap();
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pr_sshauth a = { 0 };
	struct pr_errbuf eb = { 0 };
	int r;

	r = pr_sshauth_parse((const char *)data, size, &a, &eb);
	/* A refusal names the fault and returns nothing (sshauthinfo.h). */
	if (r == PR_ERR_CORRUPT && (a.n != 0 || eb.msg[0] == '\0'))
		__builtin_trap();
	for (size_t i = 0; r == PR_OK && i < a.n; i++)
		if (a.v[i].method[0] == '\0' || (a.v[i].blob == NULL) != (a.v[i].key_type[0] == '\0'))
			__builtin_trap();
	pr_sshauth_clear(&a);
	fuzz_modopts(data, size);
	return 0;
}
