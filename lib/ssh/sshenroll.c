/* Enrolling an OpenSSH FIDO key, shared by the admin tool and the self-service helper (sshenroll.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "sshenroll.h"

static int fail(char *why, size_t why_len, int r, const char *msg)
{
	snprintf(why, why_len, "%s", msg);
	return r;
}

int pr_sshenroll_parse_key(const char *text, size_t len, struct pr_sshkey *k,
    char *why, size_t why_len)
{
	int r;

	memset(k, 0, sizeof(*k));
	if (text == NULL)
		return fail(why, why_len, PR_ERR_INVALID_ARG, "no key");
	/* The parser sees a C string: a NUL inside would hide what follows it. */
	if (strlen(text) != len)
		return fail(why, why_len, PR_ERR_CORRUPT, "the file holds a NUL byte");
	if ((r = pr_sshkey_parse_line(text, k, why, why_len)) != PR_OK)
		return r;
	if (strncmp(k->application, "ssh:", 4) != 0) {
		snprintf(why, why_len, "application \"%.64s\" does not start with \"ssh:\"",
		    k->application);
		pr_sshkey_clear(k);
		return PR_ERR_INVALID_ARG;
	}
	return PR_OK;
}

int pr_sshenroll_parse_attestation(const unsigned char *buf, size_t len,
    struct pr_sshattest *att, char *why, size_t why_len)
{
	int r;

	r = pr_sshattest_parse(buf, len, att, why, why_len);
	/* A bad input file, not bad state: say so in the error class. */
	return r == PR_OK || r == PR_ERR_NOMEM ? r : PR_ERR_ATTESTATION;
}

int pr_sshenroll_credential(const struct pr_config *cfg, const struct pr_sshkey *k,
    const struct pr_sshattest *att, const unsigned char *challenge, X509_STORE *anchors,
    const char *label, int64_t now, struct pr_cred *cred, char *why, size_t why_len)
{
	int r;

	if (att != NULL && challenge == NULL)
		return fail(why, why_len, PR_ERR_INVALID_ARG, "no challenge to verify against");
	r = pr_sshattest_classify(att, k, challenge, att != NULL ? PR_SSHCHALLENGE_LEN : 0,
	    att != NULL ? anchors : NULL,
	    (const unsigned char (*)[16])cfg->physical_aaguids, cfg->n_physical_aaguids,
	    cred, why, why_len);
	if (r != PR_OK)
		return r;
	snprintf(cred->app, sizeof(cred->app), "%s", k->application);
	snprintf(cred->label, sizeof(cred->label), "%s", label != NULL ? label : "");
	cred->created = now;
	return PR_OK;
}
