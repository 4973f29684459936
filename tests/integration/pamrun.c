/*
 * pamrun: run one PAM service for one user and print the exact result code
 * (PAM_SUCCESS, PAM_IGNORE, ...) and every message the modules showed.
 * Runs under pam_wrapper like pamtester. A prompt is answered from the
 * file PAMRUN_ANSWERS when one of its lines, "PROMPT-START<TAB>ANSWER",
 * matches the prompt's start; otherwise from PAMRUN_PIN; without either
 * the conversation fails, as Esc would.
 *
 * With "session": auth, then open_session whatever auth said (so a test
 * sees what a session after a failed sign-in would get), then the PAM
 * environment the session ends up with, one "env: NAME=VALUE" line each.
 *
 * With PAMRUN_PUTENV naming a file, its whole content ("NAME=value", may
 * span lines) goes into the PAM environment first, as sshd puts
 * SSH_AUTH_INFO_0 there.
 *
 * With PAMRUN_RUSER set, PAM_RUSER is that name (as su and sudo set it to
 * the calling user); pamrun's real uid is the caller's, root in the tests.
 *
 * usage: pamrun SERVICE USER auth|account|session
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

static const char *code_name(int rc)
{
	static const struct { int rc; const char *name; } names[] = {
		{ PAM_SUCCESS, "PAM_SUCCESS" }, { PAM_IGNORE, "PAM_IGNORE" },
		{ PAM_AUTH_ERR, "PAM_AUTH_ERR" }, { PAM_USER_UNKNOWN, "PAM_USER_UNKNOWN" },
		{ PAM_AUTHINFO_UNAVAIL, "PAM_AUTHINFO_UNAVAIL" }, { PAM_SERVICE_ERR, "PAM_SERVICE_ERR" },
		{ PAM_CONV_ERR, "PAM_CONV_ERR" }, { PAM_PERM_DENIED, "PAM_PERM_DENIED" },
		{ PAM_BUF_ERR, "PAM_BUF_ERR" }, { PAM_SYSTEM_ERR, "PAM_SYSTEM_ERR" },
		{ PAM_CRED_INSUFFICIENT, "PAM_CRED_INSUFFICIENT" }, { PAM_MAXTRIES, "PAM_MAXTRIES" },
		{ PAM_ABORT, "PAM_ABORT" }, { PAM_ACCT_EXPIRED, "PAM_ACCT_EXPIRED" },
		{ PAM_SESSION_ERR, "PAM_SESSION_ERR" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].rc == rc)
			return names[i].name;
	return "PAM_OTHER";
}

/* The answer PAMRUN_ANSWERS gives to prompt (malloc'd), or NULL. */
static char *scripted_answer(const char *prompt)
{
	const char *path = getenv("PAMRUN_ANSWERS");
	char line[1024], *tab, *found = NULL;
	FILE *f;

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		return NULL;
	while (found == NULL && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((tab = strchr(line, '\t')) == NULL)
			continue;
		*tab = '\0';
		if (strncmp(prompt, line, strlen(line)) == 0)
			found = strdup(tab + 1);
	}
	fclose(f);
	return found;
}

static int answer(const struct pam_message *m, struct pam_response *r)
{
	const char *pin = getenv("PAMRUN_PIN");

	switch (m->msg_style) {
	case PAM_PROMPT_ECHO_OFF:
	case PAM_PROMPT_ECHO_ON:
		printf("prompt: %s\n", m->msg);
		if ((r->resp = scripted_answer(m->msg)) != NULL)
			return PAM_SUCCESS;
		if (pin == NULL)
			return PAM_CONV_ERR;
		r->resp = strdup(pin);
		return r->resp != NULL ? PAM_SUCCESS : PAM_BUF_ERR;
	case PAM_ERROR_MSG:
		printf("error: %s\n", m->msg);
		return PAM_SUCCESS;
	default:
		printf("info: %s\n", m->msg);
		return PAM_SUCCESS;
	}
}

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *arg)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int rc = PAM_SUCCESS;

	(void)arg;
	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n && rc == PAM_SUCCESS; i++)
		rc = answer(msg[i], &r[i]);
	if (rc != PAM_SUCCESS) {
		for (int i = 0; i < n; i++)
			free(r[i].resp);
		free(r);
		return rc;
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* open_session after auth, then the environment the session was given. */
static int run_session(pam_handle_t *pamh, int auth_rc)
{
	char **env;
	int rc = pam_open_session(pamh, 0);

	printf("session: %s\n", code_name(rc));
	if ((env = pam_getenvlist(pamh)) != NULL) {
		for (size_t i = 0; env[i] != NULL; i++) {
			printf("env: %s\n", env[i]);
			free(env[i]);
		}
		free(env);
	}
	if (rc == PAM_SUCCESS)
		pam_close_session(pamh, 0);
	return auth_rc;
}

/* PAMRUN_PUTENV: PAM_SUCCESS when unset, else pam_putenv's result. */
static int putenv_from_file(pam_handle_t *pamh)
{
	const char *path = getenv("PAMRUN_PUTENV");
	char buf[70000];
	size_t n;
	FILE *f;

	if (path == NULL)
		return PAM_SUCCESS;
	if ((f = fopen(path, "r")) == NULL)
		return PAM_SYSTEM_ERR;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return pam_putenv(pamh, buf);
}

int main(int argc, char **argv)
{
	struct pam_conv pc = { conv, NULL };
	pam_handle_t *pamh = NULL;
	const char *rhost;
	int rc;

	if (argc != 4 || (strcmp(argv[3], "auth") != 0 && strcmp(argv[3], "account") != 0 &&
	    strcmp(argv[3], "session") != 0)) {
		fprintf(stderr, "usage: pamrun SERVICE USER auth|account|session\n");
		return 2;
	}
	if ((rc = pam_start(argv[1], argv[2], &pc, &pamh)) != PAM_SUCCESS) {
		printf("result: %s\n", code_name(rc));
		return 1;
	}
	/* PAMRUN_RHOST: another remote host, or empty for a console sign-in (none set). */
	rhost = getenv("PAMRUN_RHOST") != NULL ? getenv("PAMRUN_RHOST") : "192.0.2.10";
	if (rhost[0] != '\0')
		pam_set_item(pamh, PAM_RHOST, rhost);
	pam_set_item(pamh, PAM_TTY, "pts/7");
	if (getenv("PAMRUN_RUSER") != NULL)
		pam_set_item(pamh, PAM_RUSER, getenv("PAMRUN_RUSER"));
	if ((rc = putenv_from_file(pamh)) != PAM_SUCCESS) {
		printf("putenv: %s\n", code_name(rc));
		pam_end(pamh, rc);
		return 1;
	}
	rc = strcmp(argv[3], "account") != 0 ? pam_authenticate(pamh, 0) : pam_acct_mgmt(pamh, 0);
	printf("result: %s\n", code_name(rc));
	if (strcmp(argv[3], "session") == 0)
		rc = run_session(pamh, rc);
	pam_end(pamh, rc);
	return rc == PAM_SUCCESS ? 0 : 1;
}
