/*
 * Credential store records (lib/store.c): pr_store_parse on one user's
 * file, the function pr_store_load runs on what it read. What parses must
 * be written back (pr_store_format) and read again to the same text: the
 * store never rewrites a file into something it would refuse.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pr_credlist a = { 0 }, b = { 0 };
	char *t1 = NULL, *t2 = NULL;
	size_t n1 = 0, n2 = 0;
	struct pr_errbuf eb = { 0 };

	if (pr_store_parse((const char *)data, size, &a, &eb) != PR_OK)
		goto out;
	if (pr_store_format(&a, &t1, &n1) != PR_OK ||
	    pr_store_parse(t1, n1, &b, &eb) != PR_OK || b.n != a.n ||
	    pr_store_format(&b, &t2, &n2) != PR_OK || n1 != n2 || memcmp(t1, t2, n1) != 0)
		__builtin_trap();
out:
	pr_credlist_clear(&a);
	pr_credlist_clear(&b);
	free(t1);
	free(t2);
	return 0;
}
