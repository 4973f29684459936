/* pam_u2f mapping files for import (lib/pamu2f.c): pr_pamu2f_parse on a whole file. */
#include "config.h"

#include "err.h"
#include "fuzz.h"
#include "pamu2f.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pr_pamu2f_list l = { 0 };
	struct pr_errbuf eb = { 0 };
	int r;

	r = pr_pamu2f_parse((const char *)data, size, 1700000000, &l, &eb);
	/* A refusal names a line and returns nothing (pamu2f.h). */
	if (r == PR_ERR_CORRUPT && (eb.line < 1 || l.n != 0 || eb.msg[0] == '\0'))
		__builtin_trap();
	pr_pamu2f_list_clear(&l);
	return 0;
}
