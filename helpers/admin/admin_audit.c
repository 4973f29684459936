/* practicerunner-admin audit verify [FILE] (--all [DIR]: admin_audit_series.c) */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "audit.h"
#include "audit_pending.h"
#include "audit_series.h"

/* Changes begun and not yet recorded, by what becomes of them. */
struct pending_count {
	long live, gone, unknown;
};

static void count_one(void *arg, const char *name, const struct pr_pending_writer *w,
    enum pr_pending_state st, const char *body)
{
	struct pending_count *pc = arg;

	(void)name;
	(void)body;
	if (w == NULL || st == PR_PENDING_UNKNOWN)
		pc->unknown++;
	else if (st == PR_PENDING_LIVE)
		pc->live++;
	else
		pc->gone++;
}

/*
 * Report only: verify reads under a shared lock and changes nothing, so
 * what it checks is what was there (the next append records the intents
 * of programs that ended; doc/ARCHITECTURE.md §8.3).
 */
static void report_pending(const struct cli *c, const char *path)
{
	struct pending_count pc = { 0, 0, 0 };
	int r;

	if ((r = pr_pending_list(path, count_one, &pc)) != PR_OK) {
		cli_err(c, "warning: %s" PR_PENDING_SUFFIX ": %s; changes not yet recorded cannot "
		    "be listed (it must be a directory of root's, mode 0700)", path, pr_strerror(r));
		return;
	}
	if (pc.live > 0)
		printf("%s: %ld change%s in progress (its program still runs and records it)\n",
		    path, pc.live, pc.live == 1 ? "" : "s");
	if (pc.gone > 0)
		printf("%s: %ld change%s whose program ended before recording %s: recorded as "
		    "interrupted at the next append\n", path, pc.gone, pc.gone == 1 ? "" : "s",
		    pc.gone == 1 ? "it" : "them");
	if (pc.unknown > 0)
		printf("%s: %ld change%s not yet recorded whose program cannot be checked (another "
		    "pid namespace, or an unreadable file in %s" PR_PENDING_SUFFIX "): look at "
		    "them by hand\n", path, pc.unknown, pc.unknown == 1 ? "" : "s", path);
}

int admin_audit_verify(struct cli *c, int argc, char **argv)
{
	struct pr_errbuf eb = { 0 };
	const char *path;
	char note[512];
	long bad = 0, n = 0;
	int r;

	if (argc >= 2 && strcmp(argv[1], "--all") == 0 && argc <= 3)
		return admin_audit_verify_all(c, argc == 3 ? argv[2] : NULL);
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		cli_err(c, "usage: audit verify [FILE] | audit verify --all [DIR]");
		return CLI_USAGE;
	}
	path = argc == 2 ? argv[1] : c->cfg->audit_log;
	if ((r = pr_audit_verify(path, &bad, &n, &eb)) != PR_OK) {
		cli_err(c, "%s", eb.msg);
		return r == PR_ERR_CORRUPT ? CLI_FAILED : cli_exit_code(r);
	}
	printf("%s: %ld records, hash chain intact\n", path, n);
	pr_audit_rotation_note(path, note, sizeof(note));
	if (note[0] != '\0')
		printf("%s: %s\n", path, note);
	report_pending(c, path);
	return CLI_OK;
}
