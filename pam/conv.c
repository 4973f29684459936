/* Talking to the user: info and error lines, the PIN prompt, the touch cue. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <security/pam_ext.h>

#include "err.h"
#include "module.h"
#include "util.h"

__attribute__((format(printf, 3, 0)))
static void tx_message(struct pam_tx *tx, int style, const char *fmt, va_list ap)
{
	char line[512];

	if (tx->silent)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	/* A silent PAM call shows nothing; the audit still records the outcome. */
	pam_prompt(tx->pamh, style, NULL, "%s", line);
}

void pam_tx_info(struct pam_tx *tx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tx_message(tx, PAM_TEXT_INFO, fmt, ap);
	va_end(ap);
}

void pam_tx_error(struct pam_tx *tx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tx_message(tx, PAM_ERROR_MSG, fmt, ap);
	va_end(ap);
}

/* Esc, an empty answer or a broken conversation is a cancel: never a skip of UV. */
static int ui_pin(void *arg, char **pin)
{
	struct pam_tx *tx = arg;
	char *answer = NULL;

	*pin = NULL;
	if (pam_prompt(tx->pamh, PAM_PROMPT_ECHO_OFF, &answer,
	    "PIN for your security key: ") != PAM_SUCCESS || answer == NULL) {
		pr_secret_strfree(&answer);
		return PR_ERR_CANCELLED;
	}
	if (answer[0] == '\0' || strlen(answer) > 255) {
		pr_secret_strfree(&answer);
		return PR_ERR_CANCELLED;
	}
	*pin = answer;
	return PR_OK;
}

static void ui_touch(void *arg)
{
	struct pam_tx *tx = arg;

	if (tx->opts.cue)
		pam_tx_info(tx, "Touch your security key.");
}

void pam_tx_ui(struct pam_tx *tx, struct pr_ui *ui)
{
	ui->pin = ui_pin;
	ui->touch = ui_touch;
	ui->arg = tx;
}

int pam_tx_secret(struct pam_tx *tx, const char *prompt, size_t max, char **out)
{
	char *answer = NULL;
	size_t len;

	*out = NULL;
	if (pam_prompt(tx->pamh, PAM_PROMPT_ECHO_OFF, &answer, "%s", prompt) != PAM_SUCCESS ||
	    answer == NULL) {
		pr_secret_strfree(&answer);
		return PR_ERR_CANCELLED;
	}
	if ((len = pr_secret_trim(answer)) == 0 || len > max) {
		pr_secret_strfree(&answer);
		return len == 0 ? PR_ERR_CANCELLED : PR_ERR_INVALID_ARG;
	}
	*out = answer;
	return PR_OK;
}

bool pam_tx_yes(struct pam_tx *tx, const char *prompt)
{
	char *answer = NULL;
	bool yes;

	if (pam_prompt(tx->pamh, PAM_PROMPT_ECHO_ON, &answer, "%s", prompt) != PAM_SUCCESS ||
	    answer == NULL)
		return false;
	yes = strcasecmp(answer, "y") == 0 || strcasecmp(answer, "yes") == 0;
	free(answer);
	return yes;
}
