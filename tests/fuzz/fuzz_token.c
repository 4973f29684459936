/*
 * Per-user state files read without a lock: recovery tickets and
 * enrollment invitations (lib/token.c through pr_ticket_info and
 * pr_invite_info) and the recovery failure tally (lib/lockout.c through
 * pr_lockout_get). The first byte picks the file; the rest is its text,
 * written as <state_dir>/<tickets|invites|tally>/alice (0600).
 */
#include "config.h"

#include <stdio.h>
#include <sys/stat.h>

#include "err.h"
#include "fuzz.h"
#include "invite.h"
#include "lockout.h"
#include "ticket.h"

static const char *const subdirs[] = { "tickets", "invites", "tally" };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[4096];

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), subdirs[i]);
		if (mkdir(path, 0700) != 0)
			__builtin_trap();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pr_ticket_info ti;
	struct pr_invite_info ii;
	struct pr_lockout lo;
	struct pr_errbuf eb = { 0 };
	char rel[32];
	unsigned which;
	int r;

	if (size == 0)
		return 0;
	which = data[0] % 3;
	snprintf(rel, sizeof(rel), "%s/alice", subdirs[which]);
	fuzz_write(rel, data + 1, size - 1, 0600);
	if (which == 0)
		r = pr_ticket_info(fuzz_dir(), "alice", &ti, &eb);
	else if (which == 1)
		r = pr_invite_info(fuzz_dir(), "alice", &ii, &eb);
	else
		r = pr_lockout_get(fuzz_dir(), "alice", &lo, &eb);
	/* The file is there: it is read or refused with a reason. */
	if (r == PR_ERR_NOT_FOUND || (r != PR_OK && eb.msg[0] == '\0'))
		__builtin_trap();
	fuzz_remove(rel);
	return 0;
}
