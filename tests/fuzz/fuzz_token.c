/*
 * Per-user state files read without a lock: recovery tickets and
 * enrollment invitations (lib/token.c through pr_ticket_info and
 * pr_invite_info) and the recovery failure tally (lib/lockout.c through
 * pr_lockout_get). The first byte picks the file; the rest is its text,
 * written as <state_dir>/<tickets|invites|tally>/alice (0600).
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "fuzz.h"
#include "invite.h"
#include "lockout.h"
#include "ticket.h"

static const char *const subdirs[] = { "tickets", "invites", "tally" };

/* Whether text (a ticket or invitation) says failures=<the kind's maximum>. */
static bool void_token(unsigned which, const uint8_t *text, size_t len)
{
	char want[32];
	int n;

	if (which > 1)
		return false;
	n = snprintf(want, sizeof(want), " failures=%d",
	    which == 0 ? PR_TICKET_MAX_FAILURES : PR_INVITE_MAX_FAILURES);
	return n > 0 && memmem(text, len, want, (size_t)n) != NULL;
}

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
		r = pr_ticket_info(PR_STATE_FILES(fuzz_dir()), "alice", &ti, &eb);
	else if (which == 1)
		r = pr_invite_info(PR_STATE_FILES(fuzz_dir()), "alice", &ii, &eb);
	else
		r = pr_lockout_get(PR_STATE_FILES(fuzz_dir()), "alice", &lo, &eb);
	/*
	 * The file is there: it is read or refused with a reason. "None on
	 * file" only for a token read whole and void (every try taken, the
	 * last one still being evaluated: failures at the kind's maximum).
	 */
	if ((r == PR_ERR_NOT_FOUND && !void_token(which, data + 1, size - 1)) ||
	    (r != PR_OK && eb.msg[0] == '\0'))
		__builtin_trap();
	fuzz_remove(rel);
	return 0;
}
