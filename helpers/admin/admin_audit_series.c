/*
 * practicerunner-admin audit rotate | verify --all [DIR] | export
 * (doc/ARCHITECTURE.md §8.7, §8.8).
 */
#include "config.h"

#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "audit_export.h"
#include "audit_series.h"

/* The exit status of today's audit commands: a damaged log is 1, the rest as cli_exit_code. */
static int audit_status(int r)
{
	return r == PR_ERR_CORRUPT ? CLI_FAILED : cli_exit_code(r);
}

int admin_audit_rotate(struct cli *c, int argc, char **argv)
{
	struct pr_errbuf eb = { 0 };
	struct pr_audit_rotated rot;
	int r;

	(void)argv;
	if (argc != 1) {
		cli_err(c, "usage: audit rotate");
		return CLI_USAGE;
	}
	if ((r = pr_audit_rotate(c->cfg->audit_log, cli_actor(), &rot, &eb)) != PR_OK) {
		cli_err(c, "%s", eb.msg);
		if (r == PR_ERR_CORRUPT)
			cli_err(c, "the log was not rotated: a damaged log is not sealed away; see "
			    "'practicerunner-admin audit verify'");
		return audit_status(r);
	}
	if (!rot.rotated)
		printf("%s: no records yet, nothing to rotate\n", c->cfg->audit_log);
	else
		printf("%s: %ld record%s (to record %lld) kept as %s; the new log continues the "
		    "chain from record %lld\n", c->cfg->audit_log, rot.records,
		    rot.records == 1 ? "" : "s", rot.last_seq, rot.series, rot.last_seq + 1);
	return CLI_OK;
}

/* audit verify --all [DIR]: DIR defaults to the configured log's directory. */
int admin_audit_verify_all(struct cli *c, const char *dir_arg)
{
	struct pr_audit_series_report rep;
	struct pr_errbuf eb = { 0 };
	char d[4096], b[4096];
	const char *dir, *base;
	int r;

	snprintf(d, sizeof(d), "%s", c->cfg->audit_log);
	snprintf(b, sizeof(b), "%s", c->cfg->audit_log);
	dir = dir_arg != NULL ? dir_arg : dirname(d);
	base = basename(b);
	r = pr_audit_verify_all(dir, base, &rep, &eb);
	if (rep.note[0] != '\0')
		printf("%s: %s\n", dir, rep.note);
	if (r != PR_OK) {
		cli_err(c, "%s", eb.msg);
		return audit_status(r);
	}
	printf("%s: %zu file%s of %s, %ld records (%lld to %lld), hash chain intact across the "
	    "series\n", dir, rep.files, rep.files == 1 ? "" : "s", base, rep.records,
	    rep.first_seq, rep.last_seq);
	return CLI_OK;
}

int admin_audit_export(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	enum pr_export_format fmt = PR_EXPORT_JSON;
	struct pr_errbuf eb = { 0 };
	char since[21] = "";
	long n = 0;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 's' && pr_export_since_parse(optarg, since) == PR_OK)
			continue;
		if (ch == 'f' && pr_export_format_parse(optarg, &fmt) == PR_OK)
			continue;
		cli_err(c, "usage: audit export [--since YYYY-MM-DD[THH:MM:SSZ]] [--format json|rfc5424]");
		return CLI_USAGE;
	}
	if (optind != argc) {
		cli_err(c, "usage: audit export [--since TIME] [--format json|rfc5424]");
		return CLI_USAGE;
	}
	r = pr_audit_export(c->cfg->audit_log, since[0] != '\0' ? since : NULL, fmt, stdout, &n, &eb);
	if (r != PR_OK) {
		cli_err(c, "%s", eb.msg);
		cli_err(c, "%ld record%s exported before the error", n, n == 1 ? "" : "s");
		return audit_status(r);
	}
	return CLI_OK;
}
