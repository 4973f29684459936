/*
 * practicerunner-admin: administration for root (not setuid). Global
 * options, then "GROUP COMMAND [ARGS]" dispatched through a table.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"

struct admin_cmd {
	const char *group;
	const char *name;
	int (*run)(struct cli *c, int argc, char **argv);
	const char *usage;
};

static const struct admin_cmd commands[] = {
	{ "policy", "check", admin_policy_check, "policy check" },
	{ "policy", "show", admin_policy_show, "policy show" },
	{ "key", "enroll", admin_key_enroll, "key enroll USER [--label LABEL] [--force]" },
	{ "key", "list", admin_key_list, "key list [USER]" },
	{ "key", "remove", admin_key_remove, "key remove USER KEYID" },
	{ "audit", "verify", admin_audit_verify, "audit verify [FILE]" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: practicerunner-admin [--config FILE] COMMAND\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "\nSee practicerunner-admin(8).\n");
}

static const struct admin_cmd *find_cmd(const char *group, const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].group, group) == 0 && strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli c = { .prog = "practicerunner-admin" };
	const struct admin_cmd *cmd;
	int ch, rc, sub;

	while ((ch = getopt_long(argc, argv, "+c:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			c.config_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return CLI_OK;
		case 'V':
			printf("practicerunner-admin %s\n", PACKAGE_VERSION);
			return CLI_OK;
		default:
			usage(stderr);
			return CLI_USAGE;
		}
	}
	if (argc - optind < 2 || (cmd = find_cmd(argv[optind], argv[optind + 1])) == NULL) {
		usage(stderr);
		return CLI_USAGE;
	}
	if ((rc = cli_load_config(&c)) != CLI_OK)
		return rc;
	/* Handlers parse their own options, with argv[0] = the command's name. */
	sub = optind + 1;
	optind = 0;
	rc = cmd->run(&c, argc - sub, argv + sub);
	pr_config_free(&c.cfg);
	return rc;
}
