/*
 * The policy file (libconfuse behind lib/config.c): text check, parse,
 * value checks and the cross-checks, through pr_config_parse, the same
 * path as pr_config_load once the file is read.
 */
#include "config.h"

#include "conf.h"
#include "err.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pr_config *c = NULL;
	struct pr_errbuf eb = { 0 };

	int r;

	r = pr_config_parse("fuzz.conf", (const char *)data, size, &c, &eb);
	/* Success gives a policy; a refusal says why (the admin must be told). */
	if ((r == PR_OK) != (c != NULL) || (r != PR_OK && eb.msg[0] == '\0'))
		__builtin_trap();
	pr_config_free(&c);
	return 0;
}
