/*
 * practicerunner-admin breakglass create ACCOUNT [--services LIST] [--expires DURATION]
 *                      breakglass list | revoke ACCOUNT | ack ACCOUNT
 *
 * The emergency code (doc/ARCHITECTURE.md §6.4) is printed once, for the
 * sealed envelope; it is never stored, listed or audited. list shows what
 * is on file and whether a use waits for review; ack records who reviewed
 * it. Until then coverage and policy check exit CLI_BREAKGLASS
 * (admin_state_status).
 */
#include "config.h"

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "breakglass_flow.h"
#include "util.h"

#define CREATE_USAGE "breakglass create ACCOUNT [--services LIST] [--expires DURATION]"

/* ---- create ------------------------------------------------------------------------------ */

static void print_code(void *arg, const char *code, int64_t expires)
{
	const struct admin_run *run = arg;
	char until[32];

	printf("Break-glass code for %s (valid until %s):\n\n    %s\n\n"
	    "It is shown only this once. Write it on the emergency sheet, seal it in\n"
	    "an envelope signed across the flap, and put it in the practice's safe.\n"
	    "It works once, at the services listed, when no enrolled key answers.\n",
	    run->user, pr_time_utc(expires, until), code);
}

static void run_say(void *arg, enum pr_bg_said what, int err, const char *why)
{
	const struct admin_run *run = arg;

	if (what == PR_BG_NOT_MADE)
		cli_err(run->c, "no code was made: %s", why != NULL ? why : pr_strerror(err));
	else if (what == PR_BG_NOT_SHOWN)
		cli_err(run->c, "the code was not shown because it could not be recorded, and it "
		    "was taken back; fix the audit log and create again");
	else
		printf("The earlier unused code of %s no longer works: destroy its envelope.\n",
		    run->user);
}

/* LIST ("a,b") into out; each must be in breakglass.services, or it is never asked for. */
static int parse_services(struct cli *c, const char *list, struct pr_strlist *out)
{
	char *copy = strdup(list), *p = copy, *s;
	char **v;

	if (copy == NULL)
		return CLI_FAILED;
	while ((s = strsep(&p, ",")) != NULL) {
		if (!pr_strlist_has(&c->cfg->breakglass.services, s)) {
			cli_err(c, "service '%s' is not in breakglass.services of %s, so the code "
			    "would never be asked for there; add it to the policy first", s,
			    c->cfg->path);
			free(copy);
			return CLI_USAGE;
		}
		if ((v = realloc(out->v, (out->n + 1) * sizeof(*v))) == NULL ||
		    (v[out->n] = strdup(s)) == NULL) {
			out->v = v != NULL ? v : out->v;
			free(copy);
			return CLI_FAILED;
		}
		out->v = v;
		out->n++;
	}
	free(copy);
	return CLI_OK;
}

static int parse_create(struct cli *c, int argc, char **argv, struct pr_strlist *services,
    int64_t *lifetime)
{
	static const struct option opts[] = {
		{ "services", required_argument, NULL, 's' },
		{ "expires", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	const char *list = NULL;
	int ch;

	*lifetime = PR_BREAKGLASS_DEFAULT_LIFETIME;
	while ((ch = getopt_long(argc, argv, "s:e:", opts, NULL)) != -1) {
		if (ch == 's') {
			list = optarg;
		} else if (ch == 'e' &&
		    !cli_parse_duration(optarg, PR_BREAKGLASS_MAX_LIFETIME, lifetime)) {
			cli_err(c, "--expires takes a duration such as 90d or 180d, at most 3650d");
			return CLI_USAGE;
		} else if (ch != 'e') {
			cli_err(c, "usage: %s", CREATE_USAGE);
			return CLI_USAGE;
		}
	}
	if (optind != argc - 1) {
		cli_err(c, "usage: %s", CREATE_USAGE);
		return CLI_USAGE;
	}
	/* Without --services: every service of the policy's list. */
	return list != NULL ? parse_services(c, list, services) : CLI_OK;
}

int admin_breakglass_create(struct cli *c, int argc, char **argv)
{
	struct pr_strlist services = { NULL, 0 };
	struct admin_run run = { .c = c };
	struct pr_recorder rec;
	struct pr_breakglass_issue bi = {
		.cfg = c->cfg, .services = &services, .by = cli_actor(), .rec = &rec,
		.reveal = print_code, .say = run_say, .arg = &run,
	};
	int rc;

	if ((rc = parse_create(c, argc, argv, &services, &bi.lifetime)) != CLI_OK)
		goto out;
	run.user = bi.user = argv[argc - 1];
	admin_recorder(&run, &rec);
	if (services.n == 0)
		bi.services = &c->cfg->breakglass.services;
	rc = CLI_FAILED;
	if (!cli_require_root(c))
		goto out;
	if (!pr_username_valid(bi.user) || getpwnam(bi.user) == NULL) {
		cli_err(c, "no such account: %s", pr_username_valid(bi.user) ? bi.user :
		    "(invalid name)");
		goto out;
	}
	rc = cli_exit_code(pr_breakglass_issue(&bi));
out:
	pr_strlist_clear(&services);
	return rc;
}

/* ---- list, revoke, ack ------------------------------------------------------------------- */

static void list_one(const char *user, const struct pr_breakglass *bg, int64_t now)
{
	char made[32], until[32], used[32], acked[32];

	printf("%-16s created %s by %s, expires %s%s\n    services: %s\n", user,
	    pr_time_utc(bg->created, made), bg->created_by, pr_time_utc(bg->expires, until),
	    bg->used == 0 && now >= bg->expires ? " (EXPIRED: create a new one)" : "",
	    bg->services);
	if (bg->used == 0)
		printf("    unused\n");
	else if (bg->acked == 0)
		printf("    USED %s at %s (tty %s), NOT ACKNOWLEDGED: review, then breakglass ack %s\n",
		    pr_time_utc(bg->used, used), bg->used_service, bg->used_tty, user);
	else
		printf("    used %s at %s (tty %s), acknowledged %s by %s\n",
		    pr_time_utc(bg->used, used), bg->used_service, bg->used_tty,
		    pr_time_utc(bg->acked, acked), bg->acked_by);
}

int admin_breakglass_list(struct cli *c, int argc, char **argv)
{
	struct pr_strlist users = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	struct pr_breakglass bg;
	int64_t now = pr_now();
	int r, worst = PR_OK;

	(void)argv;
	if (argc != 1) {
		cli_err(c, "usage: breakglass list");
		return CLI_USAGE;
	}
	if (!cli_require_root(c))
		return CLI_FAILED;
	if ((r = pr_state_users(c->cfg->state, "breakglass", &users, &eb)) != PR_OK) {
		cli_err(c, "%s", eb.msg);
		return cli_exit_code(r);
	}
	if (users.n == 0)
		printf("No break-glass codes (see: breakglass create ACCOUNT).\n");
	for (size_t i = 0; i < users.n; i++) {
		/* A damaged file is reported and the rest still listed. */
		if ((r = pr_breakglass_get(c->cfg->state, users.v[i], &bg, &eb)) == PR_OK)
			list_one(users.v[i], &bg, now);
		else if (r != PR_ERR_NOT_FOUND && (cli_err(c, "%s", eb.msg), worst == PR_OK))
			worst = r;
	}
	pr_strlist_clear(&users);
	return cli_exit_code(worst);
}

int admin_breakglass_revoke(struct cli *c, int argc, char **argv)
{
	static const struct admin_revoke k = {
		"breakglass revoke ACCOUNT", PR_BREAKGLASS_EVENT, "Break-glass code",
		"has no break-glass code (see: breakglass list)", pr_breakglass_revoke,
	};

	return admin_revoke(c, argc, argv, &k);
}

int admin_breakglass_ack(struct cli *c, int argc, char **argv)
{
	struct pr_errbuf eb = { 0 };
	const char *user = NULL;
	int r;

	if ((r = admin_user_arg(c, argc, argv, "breakglass ack ACCOUNT", &user)) != CLI_OK)
		return r;
	if ((r = cli_audit_begin(c, PR_BREAKGLASS_EVENT, user, NULL, "acknowledged")) != PR_OK) {
		cli_audit(c, PR_BREAKGLASS_EVENT, r, user, NULL, "acknowledge failed");
		return cli_exit_code(r);
	}
	if ((r = pr_breakglass_ack(c->cfg->state, user, cli_actor(), pr_now(), &eb)) != PR_OK) {
		cli_err(c, "%s", eb.msg[0] ? eb.msg : pr_strerror(r));
		if (r == PR_ERR_NOT_FOUND)
			cli_audit_undone();   /* nothing there, nothing changed */
		else
			cli_audit(c, PR_BREAKGLASS_EVENT, r, user, NULL, "acknowledge failed");
		return cli_exit_code(r);
	}
	r = cli_audit(c, PR_BREAKGLASS_EVENT, PR_OK, user, NULL, "acknowledged");
	printf("The break-glass use of %s is acknowledged (by %s). Create a new code for the "
	    "envelope: breakglass create %s.\n", user, cli_actor(), user);
	return cli_exit_code(r);
}

static int breakglass_pending(struct cli *c)
{
	struct pr_strlist users = { NULL, 0 };
	struct pr_errbuf eb = { 0 };
	struct pr_breakglass bg;
	char used[32];
	int n = 0;

	if (pr_state_users(c->cfg->state, "breakglass", &users, &eb) != PR_OK) {
		cli_err(c, "break glass not checked: %s", eb.msg);
		return -1;
	}
	for (size_t i = 0; i < users.n; i++) {
		if (pr_breakglass_get(c->cfg->state, users.v[i], &bg, &eb) != PR_OK) {
			cli_err(c, "break glass not checked: %s", eb.msg);
			n = -1;
			break;
		}
		if (!pr_breakglass_unacked(&bg))
			continue;
		fprintf(stderr, "BREAK GLASS: %s signed in with the emergency code on %s at %s "
		    "(tty %s); not yet acknowledged. Review the audit log, then run "
		    "practicerunner-admin breakglass ack %s.\n", users.v[i],
		    pr_time_utc(bg.used, used), bg.used_service, bg.used_tty, users.v[i]);
		n++;
	}
	pr_strlist_clear(&users);
	return n;
}

int admin_state_status(struct cli *c, bool state_error, bool failed)
{
	bool space_low = admin_audit_space_low(c);
	int pending = breakglass_pending(c);

	if (state_error || space_low || pending < 0)
		return CLI_STATE;
	if (pending > 0)
		return CLI_BREAKGLASS;
	return failed ? CLI_FAILED : CLI_OK;
}
