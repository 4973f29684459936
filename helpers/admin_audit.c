/* practicerunner-admin audit verify [FILE] */
#include "config.h"

#include <stdio.h>

#include "admin.h"
#include "audit.h"

int admin_audit_verify(struct cli *c, int argc, char **argv)
{
	struct pr_errbuf eb = { "" };
	const char *path;
	long bad = 0, n = 0;
	int r;

	if (argc > 2) {
		cli_err(c, "usage: audit verify [FILE]");
		return CLI_USAGE;
	}
	path = argc == 2 ? argv[1] : c->cfg->audit_log;
	if ((r = pr_audit_verify(path, &bad, &n, &eb)) != PR_OK) {
		cli_err(c, "%s", eb.msg);
		return r == PR_ERR_CORRUPT ? CLI_FAILED : cli_exit_code(r);
	}
	printf("%s: %ld records, hash chain intact\n", path, n);
	return CLI_OK;
}
