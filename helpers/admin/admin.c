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
	{ "key", "ssh-challenge", admin_key_ssh_challenge, "key ssh-challenge USER [--output FILE]" },
	{ "key", "enroll-ssh", admin_key_enroll_ssh,
	    "key enroll-ssh USER PUBKEY_FILE [--attestation FILE] [--label LABEL] [--force]" },
	{ "key", "list", admin_key_list, "key list [USER]" },
	{ "key", "remove", admin_key_remove, "key remove USER KEYID [--force]" },
	{ "audit", "verify", admin_audit_verify, "audit verify [FILE] | audit verify --all [DIR]" },
	{ "audit", "rotate", admin_audit_rotate, "audit rotate" },
	{ "audit", "export", admin_audit_export, "audit export [--since TIME] [--format json|rfc5424]" },
	{ "invite", "list", admin_invite_list, "invite list" },
	{ "invite", "revoke", admin_invite_revoke, "invite revoke USER" },
	{ "invite", NULL, admin_invite, "invite USER [--expires DURATION] [--mail]" },
	{ "coverage", NULL, admin_coverage, "coverage [--json]" },
	{ "codes", "generate", admin_codes_generate, "codes generate USER" },
	{ "codes", "status", admin_codes_status, "codes status USER" },
	{ "recovery", "start", admin_recovery_start, "recovery start USER [--mail]" },
	{ "recovery", "revoke", admin_recovery_revoke, "recovery revoke USER" },
	{ "unlock", NULL, admin_unlock, "unlock USER" },
	{ "breakglass", "create", admin_breakglass_create,
	    "breakglass create ACCOUNT [--services LIST] [--expires DURATION]" },
	{ "breakglass", "list", admin_breakglass_list, "breakglass list" },
	{ "breakglass", "revoke", admin_breakglass_revoke, "breakglass revoke ACCOUNT" },
	{ "breakglass", "ack", admin_breakglass_ack, "breakglass ack ACCOUNT" },
	{ "import-pam-u2f", NULL, admin_import_pam_u2f, "import-pam-u2f FILE [--user USER]" },
	{ "store", "status", admin_store_status, "store status" },
	{ "store", "migrate", admin_store_migrate, "store migrate --to ldap [--dry-run]" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: practicerunner-admin [--config FILE] COMMAND\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "\nSee practicerunner-admin(8).\n");
}

/*
 * "GROUP NAME ..." names a command; a group whose entry has no name takes
 * its arguments directly ("coverage --json", "invite alice").
 */
static const struct admin_cmd *find_cmd(int argc, char **argv)
{
	const struct admin_cmd *whole = NULL;

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].group, argv[0]) != 0)
			continue;
		if (commands[i].name == NULL)
			whole = &commands[i];
		else if (argc > 1 && strcmp(commands[i].name, argv[1]) == 0)
			return &commands[i];
	}
	return whole;
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
	if (argc - optind < 1 || (cmd = find_cmd(argc - optind, argv + optind)) == NULL) {
		usage(stderr);
		return CLI_USAGE;
	}
	if ((rc = cli_load_config(&c)) != CLI_OK)
		return rc;
	/* Handlers parse their own options, with argv[0] = the command's name. */
	sub = cmd->name != NULL ? optind + 1 : optind;
	optind = 0;
	rc = cmd->run(&c, argc - sub, argv + sub);
	pr_config_free(&c.cfg);
	return rc;
}
