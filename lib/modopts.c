/* The module's pam.d options: only ever stricter than the policy file. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "config_text.h"
#include "err.h"
#include "modopts.h"

static int opt_config(const char *v, struct pr_modopts *o, struct pr_errbuf *eb)
{
	char s[PR_SHOWN_MAX];

	if (o->config != NULL)
		return pr_fail(eb, PR_ERR_CONFIG, "module option config= is given more than once");
	if (!pr_abs_path_valid(v))
		return pr_fail(eb, PR_ERR_CONFIG, "module option config=%s: expected an "
		    "absolute path", pr_shown(v, s));
	o->config = v;
	return PR_OK;
}

/* Options may only add to the policy: uv=required is the one UV setting. */
static int opt_uv(const char *v, struct pr_modopts *o, struct pr_errbuf *eb)
{
	char s[PR_SHOWN_MAX];

	if (strcmp(v, "required") != 0)
		return pr_fail(eb, PR_ERR_CONFIG, "module option uv=%s: options can only "
		    "make sign-in stricter (the only value is uv=required)", pr_shown(v, s));
	o->uv_required = true;
	return PR_OK;
}

static int opt_timeout(const char *v, struct pr_modopts *o, struct pr_errbuf *eb)
{
	char s[PR_SHOWN_MAX];
	long n = 0;
	size_t i;

	for (i = 0; v[i] >= '0' && v[i] <= '9' && n <= 600; i++)
		n = n * 10 + (v[i] - '0');
	if (i == 0 || v[i] != '\0' || n < 1 || n > 600)
		return pr_fail(eb, PR_ERR_CONFIG, "module option timeout=%s: expected "
		    "a number of seconds from 1 to 600", pr_shown(v, s));
	if (o->timeout != 0)
		return pr_fail(eb, PR_ERR_CONFIG, "module option timeout= is given more than once");
	o->timeout = (int)n;
	return PR_OK;
}

/*
 * In ssh mode the key was used by sshd, not here: what sshd cannot be
 * asked to check from the module would be a silent weakening, so refuse it.
 */
static int ssh_combination(const struct pr_modopts *o, struct pr_errbuf *eb)
{
	if (!o->ssh)
		return PR_OK;
	if (o->uv_required)
		return pr_fail(eb, PR_ERR_CONFIG, "module options ssh and uv=required cannot be "
		    "combined: in ssh mode sshd checks user verification (verify-required, "
		    "from user_verification = required in the policy file)");
	if (o->step_up)
		return pr_fail(eb, PR_ERR_CONFIG, "module options ssh and step_up cannot be "
		    "combined: a step-up needs a security key attached to this machine");
	return PR_OK;
}

/*
 * web_grant takes a sign-in made at the web gate, not a key here:
 * whatever asks for a local key or for sshd's evidence cannot combine.
 */
static int web_grant_combination(const struct pr_modopts *o, struct pr_errbuf *eb)
{
	if (!o->web_grant)
		return PR_OK;
	if (o->ssh || o->step_up || o->opportunistic)
		return pr_fail(eb, PR_ERR_CONFIG, "module option web_grant cannot be combined "
		    "with %s: the sign-in happens at the web gate", o->ssh ? "ssh" :
		    o->step_up ? "step_up" : "opportunistic");
	return PR_OK;
}

static int modopt_one(const char *arg, struct pr_modopts *o, struct pr_errbuf *eb)
{
	char s[PR_SHOWN_MAX];

	if (arg == NULL)
		return pr_fail(eb, PR_ERR_CONFIG, "missing module option");
	if (strcmp(arg, "debug") == 0)
		o->debug = true;
	else if (strcmp(arg, "cue") == 0)
		o->cue = true;
	else if (strcmp(arg, "opportunistic") == 0)
		o->opportunistic = true;
	else if (strcmp(arg, "step_up") == 0)
		o->step_up = true;
	else if (strcmp(arg, "ssh") == 0)
		o->ssh = true;
	else if (strcmp(arg, "web_grant") == 0)
		o->web_grant = true;
	else if (strcmp(arg, "show_status") == 0)
		o->show_status = true;   /* changes words, never a decision (ARCHITECTURE §4.7) */
	else if (strncmp(arg, "config=", 7) == 0)
		return opt_config(arg + 7, o, eb);
	else if (strncmp(arg, "uv=", 3) == 0)
		return opt_uv(arg + 3, o, eb);
	else if (strncmp(arg, "timeout=", 8) == 0)
		return opt_timeout(arg + 8, o, eb);
	else
		return pr_fail(eb, PR_ERR_CONFIG, "unknown module option '%s'", pr_shown(arg, s));
	return PR_OK;
}

int pr_modopts_parse(int argc, const char **argv, struct pr_modopts *out,
    struct pr_errbuf *eb)
{
	struct pr_modopts o = { 0 };
	int r;

	if (out == NULL)
		return pr_fail(eb, PR_ERR_INVALID_ARG, "no place for module options");
	memset(out, 0, sizeof(*out));
	if (argc < 0 || (argc > 0 && argv == NULL))
		return pr_fail(eb, PR_ERR_INVALID_ARG, "malformed module argument list");
	for (int i = 0; i < argc; i++)
		if ((r = modopt_one(argv[i], &o, eb)) != PR_OK)
			return r;
	/* opportunistic lets a missing key pass; step_up never does. */
	if (o.step_up && o.opportunistic)
		return pr_fail(eb, PR_ERR_CONFIG, "module options step_up and opportunistic "
		    "cannot be combined");
	if ((r = ssh_combination(&o, eb)) != PR_OK ||
	    (r = web_grant_combination(&o, eb)) != PR_OK)
		return r;
	*out = o;
	return PR_OK;
}
