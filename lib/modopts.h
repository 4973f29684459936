/*
 * The module's pam.d options (modopts.c): only ever stricter than the
 * policy file (conf.h). An unknown or malformed option fails closed.
 */
#ifndef PR_MODOPTS_H
#define PR_MODOPTS_H

#include <stdbool.h>

#include "err.h"

/* The module's pam.d options. */
struct pr_modopts {
	const char *config;        /* config=FILE (points into argv) */
	bool debug;
	bool cue;
	bool uv_required;          /* uv=required: stricter than policy */
	int timeout;               /* timeout=N seconds, 0 = policy's */
	bool opportunistic;
	bool step_up;              /* step_up: a fresh touch with UV whatever the requirement */
	bool ssh;                  /* ssh: sshd's gateway, the key from SSH_AUTH_INFO_0 */
	bool web_grant;            /* web_grant: a grant left by a sign-in at the web gate */
	bool show_status;          /* show_status: tell the prompt who is enrolled (messages only) */
};

/* Parse pam.d arguments; an unknown or malformed option is an error. */
int pr_modopts_parse(int argc, const char **argv, struct pr_modopts *out,
    struct pr_errbuf *eb);

#endif
